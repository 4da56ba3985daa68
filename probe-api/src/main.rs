//! The `probe-api` binary: `serve` runs the help page and API, `check` probes from the shell.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;

use mailtls_shared::{Hostname, Lang, Target};
use probe_api::config::{LogFormat, Origin, ServiceConfig};
use probe_api::http::checks::Checks;
use probe_api::http::lifecycle::Lifecycle;
use probe_api::http::limits::Limits;
use probe_api::http::server::{self, ServerLimits};
use probe_api::http::{self, AppState, HttpOptions, assets::Assets};
use probe_api::probe::policy::AddressPolicy;
use probe_api::probe::{CheckError, Engine, ProbeSettings};
use probe_api::store::{Rate, Store};

/// MailTLS: checks which TLS versions mail servers accept, and explains it to customers.
#[derive(Debug, Parser)]
#[command(version = probe_api::VERSION, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the help page and the JSON API.
    ///
    /// Every option can also be set in the TOML file given with --config (same name with `_`:
    /// max_concurrent_checks = 8) and by its environment variable (MAILTLS_MAX_CONCURRENT_CHECKS);
    /// a flag wins over its variable, both over the file. The defaults are safe for the public
    /// internet. mailtls.example.toml lists every key.
    Serve(Box<ServeArgs>),
    /// Check targets from the command line and print the result.
    ///
    /// Exit status, in the spirit of monitoring plugins, from the report's overall verdict: 0
    /// ready (every endpoint ready for TLS 1.2+, every domain ready or receiving no mail); 1
    /// warning or problem (legacy versions on, a certificate that expires soon, a broken MTA-STS
    /// rollout, some MX hosts failing; mail programs locked out, a certificate problem, no TLS
    /// 1.2, the wrong service on a port, a critical finding such as response injection, no
    /// usable MX host); 2 unusable input or configuration (a target, --config, --ca-file, a
    /// trust anchor); 3 unclear: could not test or only partly (an endpoint untestable, old
    /// versions not confirmed off, a port of a host check where nothing listens unless
    /// --ignore-not-offered). A domain's MX hosts count through the domain's verdict.
    Check(Box<CheckArgs>),
    /// Read mail-server logs (Postfix, Dovecot) for the accounts that still log in with SSL
    /// 3.0, TLS 1.0 or 1.1, or without TLS: a summary, a CSV for a mail merge with a check link
    /// per account, an HTML report with a chart per day, or JSON. Runs locally; nothing is sent
    /// anywhere. docs/audit.md lists the log settings it needs.
    ///
    /// Exit status: 0 every account uses TLS 1.2 or newer; 1 some accounts must act (TLS
    /// 1.0/1.1, no TLS, a retired server name); 2 unusable options or files; 3 the logs cannot
    /// tell (no logins found, TLS versions not logged, an input cut short).
    Audit(Box<AuditArgs>),
}

/// The options of `serve` (the command's help explains how they layer with the file).
#[derive(Debug, Args)]
struct ServeArgs {
    /// TOML configuration file.
    #[arg(long, env = "MAILTLS_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "MAILTLS_BIND", value_name = "ADDR:PORT")]
    bind: Option<SocketAddr>,
    /// Directory with the built page (trunk's output) [default: dist].
    #[arg(long, env = "MAILTLS_DIST", value_name = "DIR")]
    dist: Option<PathBuf>,
    /// Directory with the provider's own files (a logo), served under /provider/; apart from
    /// the build's directory, which every build replaces [default: none].
    #[arg(long, env = "MAILTLS_PROVIDER_ASSETS", value_name = "DIR")]
    provider_assets: Option<PathBuf>,
    /// Log format [default: text].
    #[arg(long, env = "MAILTLS_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// Most checks running at once; more get `503 busy` with `Retry-After` [default: 16].
    #[arg(long, env = "MAILTLS_MAX_CONCURRENT_CHECKS", value_name = "N")]
    max_concurrent_checks: Option<usize>,
    /// Checks one client may start per minute, IPv6 clients by /64; 0: no limit [default: 10].
    #[arg(long, env = "MAILTLS_CLIENT_CHECKS_PER_MINUTE", value_name = "N")]
    client_checks_per_minute: Option<u32>,
    /// Checks per minute that may contact one mail server address; 0: no limit [default: 30].
    #[arg(long, env = "MAILTLS_TARGET_CHECKS_PER_MINUTE", value_name = "N")]
    target_checks_per_minute: Option<u32>,
    /// The Redis or Valkey server every replica shares its limits in (redis://host:port/db,
    /// rediss:// for TLS); put a password in the configuration file, not on the command line
    /// [default: none: this process keeps them].
    #[arg(long, env = "MAILTLS_STORE", value_name = "URL")]
    store: Option<String>,
    /// A reverse proxy in this range is trusted to name the client in X-Forwarded-For
    /// (repeatable). Without it, the socket's peer is the client.
    #[arg(
        long = "trusted-proxy",
        env = "MAILTLS_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "CIDR",
        value_parser = probe_api::config::parse_net
    )]
    trusted_proxies: Vec<IpNet>,
    /// A client range (CIDR) that may read /metrics (repeatable) [default: 127.0.0.0/8, ::1/128].
    /// Behind a reverse proxy, the client the proxy names counts, not the proxy.
    #[arg(
        long = "metrics-from",
        env = "MAILTLS_METRICS_FROM",
        value_delimiter = ',',
        value_name = "CIDR",
        value_parser = probe_api::config::parse_net
    )]
    metrics_from: Vec<IpNet>,
    /// Seconds a finished report is reused for an identical check; 0: never [default: 60].
    #[arg(long, env = "MAILTLS_CACHE_SECONDS", value_name = "SECONDS")]
    cache_seconds: Option<u64>,
    /// Most bytes (their JSON) of finished reports kept for reuse; the oldest go first
    /// [default: 67108864, 64 MiB].
    #[arg(long, env = "MAILTLS_CACHE_BYTES", value_name = "BYTES")]
    cache_bytes: Option<usize>,
    /// An origin (https://www.example.de) whose pages may embed the help page in an iframe and
    /// call the API (repeatable). Without it, only MailTLS's own origin may.
    #[arg(
        long = "embed-origin",
        env = "MAILTLS_EMBED_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    embed_origins: Vec<Origin>,
    /// Provider mode: only names at or under this domain may be checked (repeatable);
    /// `--only-domain example.de` admits mail.example.de. Without it, any public name.
    #[arg(long = "only-domain", env = "MAILTLS_ONLY_DOMAINS", value_delimiter = ',', value_name = "DOMAIN", value_parser = parse_domain)]
    only_domains: Vec<Hostname>,
    /// Longest request URL in bytes; longer ones get 414 [default: 4096].
    #[arg(long, env = "MAILTLS_MAX_URL_BYTES", value_name = "BYTES")]
    max_url_bytes: Option<usize>,
    /// Most bytes of request line plus headers; more get 431 [default: 16384, at least 8192].
    #[arg(long, env = "MAILTLS_MAX_HEADER_BYTES", value_name = "BYTES")]
    max_header_bytes: Option<usize>,
    /// Seconds a client may take to send its request headers, and may stay idle between
    /// requests [default: 10].
    #[arg(long, env = "MAILTLS_HEADER_TIMEOUT", value_name = "SECONDS")]
    header_timeout: Option<u64>,
    /// Most client connections at once; more wait in the listen queue [default: 4096].
    #[arg(long, env = "MAILTLS_MAX_CONNECTIONS", value_name = "N")]
    max_connections: Option<usize>,
    /// Most connections one client address (IPv6: its /64) may hold; more are closed at once.
    /// Trusted proxies are exempt [default: 64].
    #[arg(long, env = "MAILTLS_MAX_CONNECTIONS_PER_CLIENT", value_name = "N")]
    max_connections_per_client: Option<usize>,
    /// Most outbound connections (probes, simulated clients, policy fetches) at once; more
    /// wait for a free socket [default: 1024].
    #[arg(long, env = "MAILTLS_MAX_OUTBOUND_CONNECTIONS", value_name = "N")]
    max_outbound_connections: Option<usize>,
    /// Seconds a client may accept no byte of an answer (a stalled event stream) before it is
    /// dropped [default: 30].
    #[arg(long, env = "MAILTLS_WRITE_TIMEOUT", value_name = "SECONDS")]
    write_timeout: Option<u64>,
    /// Seconds the service keeps serving after SIGTERM while /readyz answers 503, so proxies
    /// take it out before the listener closes; not after Ctrl-C [default: 5].
    #[arg(long, env = "MAILTLS_SHUTDOWN_DELAY", value_name = "SECONDS")]
    shutdown_delay: Option<u64>,
    /// Seconds running checks may take to finish after SIGTERM or Ctrl-C [default: 30].
    #[arg(long, env = "MAILTLS_SHUTDOWN_GRACE", value_name = "SECONDS")]
    shutdown_grace: Option<u64>,
    /// The provider profile (TOML): official servers, aliases, support contact; see
    /// profiles/example.toml [default: none, and the page names no provider and no servers].
    #[arg(long, env = "MAILTLS_PROFILE", value_name = "FILE")]
    profile: Option<PathBuf>,
    #[command(flatten)]
    probe: ProbeArgs,
}

/// Exit status: 0 ready, 1 warning or problem, 2 unusable input, 3 unclear (see `check`).
#[derive(Debug, Args)]
struct CheckArgs {
    /// What to check: a host name (all mail ports), scheme://host[:port] with scheme one of
    /// smtp, submission, smtps, imap, imaps, pop3, pop3s, or a mail domain as domain:NAME or
    /// name@NAME (its MX hosts on port 25, MTA-STS and TLS-RPT).
    #[arg(required = true)]
    targets: Vec<String>,
    /// Print the JSON report instead of a summary (errors as {"error": {"code", "message"}}).
    #[arg(long)]
    json: bool,
    /// In a host check, ports where nothing listens do not make the exit status 3.
    #[arg(long)]
    ignore_not_offered: bool,
    /// The service's TOML file: its probe keys (ca_files … mta_sts_port) apply here too; flags
    /// and variables win over it. The address policy is not taken from it: the command line
    /// checks whatever it is given.
    #[arg(long, env = "MAILTLS_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    probe: ProbeArgs,
}

#[derive(Debug, Args)]
struct ProbeArgs {
    /// Trust the CA certificates in this PEM file in addition to Mozilla's roots (repeatable).
    #[arg(
        long = "ca-file",
        env = "MAILTLS_CA_FILES",
        value_delimiter = ',',
        value_name = "PEM"
    )]
    ca_files: Vec<PathBuf>,
    /// The service may probe addresses in this range although they are not public, e.g.
    /// 127.0.0.0/8 for tests or 10.0.0.0/8 for an internal deployment (repeatable). Without it,
    /// the service contacts only public addresses. (`probe-api check` is the admin's own tool
    /// and contacts any address it is given.)
    #[arg(
        long = "allow-cidr",
        env = "MAILTLS_ALLOW_CIDRS",
        value_delimiter = ',',
        value_name = "CIDR",
        value_parser = probe_api::config::parse_net
    )]
    allow_cidrs: Vec<IpNet>,
    /// Allow probing this port in addition to the seven mail ports (repeatable).
    #[arg(
        long = "allow-port",
        env = "MAILTLS_ALLOW_PORTS",
        value_delimiter = ',',
        value_name = "PORT"
    )]
    allow_ports: Vec<u16>,
    /// Seconds each network step (connect, plain-text dialog, handshake) may take [default: 10].
    #[arg(long, env = "MAILTLS_STEP_TIMEOUT", value_name = "SECONDS")]
    step_timeout: Option<u64>,
    /// Seconds a whole check may take [default: 30].
    #[arg(long, env = "MAILTLS_CHECK_TIMEOUT", value_name = "SECONDS")]
    check_timeout: Option<u64>,
    /// The name to greet SMTP servers with (EHLO); use this host's public name
    /// [default: probe.mailtls.invalid].
    #[arg(long, env = "MAILTLS_EHLO_NAME", value_name = "NAME")]
    ehlo_name: Option<String>,
    /// Answer NAME with ADDRESS instead of asking DNS, like curl's --resolve (repeatable).
    #[arg(
        long = "resolve",
        value_name = "NAME=ADDRESS",
        env = "MAILTLS_RESOLVE",
        value_delimiter = ','
    )]
    resolve: Vec<String>,
    /// Answer the names of this hosts file (/etc/hosts format) before DNS, after --resolve.
    /// `probe-api check` reads /etc/hosts by default [serve: none].
    #[arg(long, env = "MAILTLS_HOSTS_FILE", value_name = "FILE")]
    hosts_file: Option<PathBuf>,
    /// `probe-api check`: do not read /etc/hosts.
    #[arg(long)]
    no_hosts_file: bool,
    /// Ask this DNS server (ADDRESS:PORT, UDP and TCP) instead of the system's resolver, for
    /// domain checks' MX, TXT and TLSA records and for addresses.
    #[arg(long, env = "MAILTLS_DNS_SERVER", value_name = "ADDRESS:PORT")]
    dns_server: Option<SocketAddr>,
    /// Trust these DNSKEY records (zone-file lines with TTL and class) for DNSSEC instead of the
    /// root's keys, for DANE: private DNS roots and tests.
    #[arg(long, env = "MAILTLS_DNSSEC_TRUST_ANCHOR", value_name = "FILE")]
    dnssec_trust_anchor: Option<PathBuf>,
    /// Admit names in reserved domains (.test, .internal, .local, …): tests and internal
    /// deployments only.
    #[arg(long, env = "MAILTLS_ALLOW_RESERVED_NAMES")]
    allow_reserved_names: bool,
    /// The port MX hosts are checked on in domain checks [default: 25]; for labs and tests.
    #[arg(long, env = "MAILTLS_MX_PORT", value_name = "PORT")]
    mx_port: Option<u16>,
    /// The port MTA-STS policies are fetched from [default: 443]; for labs and tests.
    #[arg(long, env = "MAILTLS_MTA_STS_PORT", value_name = "PORT")]
    mta_sts_port: Option<u16>,
    /// Do not send mail programs' own hellos after the version probes (fewer connections; the
    /// report's `clients` lists stay empty).
    #[arg(long, env = "MAILTLS_NO_CLIENT_SIMULATION")]
    no_client_simulation: bool,
    /// Warn about a valid certificate that expires within this many days [default: 14].
    #[arg(long, env = "MAILTLS_CERTIFICATE_WARNING_DAYS", value_name = "DAYS")]
    certificate_warning_days: Option<u32>,
}

fn parse_domain(input: &str) -> Result<Hostname, String> {
    Hostname::parse(input).map_err(|error| error.message(Lang::En))
}

/// Replaces `slot` when the flag or variable was given.
fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// Replaces a list when the flag or variable named at least one item.
fn set_list<T>(slot: &mut Vec<T>, values: Vec<T>) {
    if !values.is_empty() {
        *slot = values;
    }
}

impl ProbeArgs {
    fn apply(self, config: &mut ServiceConfig) {
        set_list(&mut config.ca_files, self.ca_files);
        set_list(&mut config.allow_cidrs, self.allow_cidrs);
        set_list(&mut config.allow_ports, self.allow_ports);
        set(&mut config.step_timeout, self.step_timeout);
        set(&mut config.check_timeout, self.check_timeout);
        set(&mut config.ehlo_name, self.ehlo_name);
        set_list(&mut config.resolve, self.resolve);
        if self.hosts_file.is_some() {
            config.hosts_file = self.hosts_file;
        }
        if self.no_hosts_file {
            config.hosts_file = None;
        }
        if self.dns_server.is_some() {
            config.dns_server = self.dns_server;
        }
        if self.dnssec_trust_anchor.is_some() {
            config.dnssec_trust_anchor = self.dnssec_trust_anchor;
        }
        config.allow_reserved_names |= self.allow_reserved_names;
        set(&mut config.mx_port, self.mx_port);
        set(&mut config.mta_sts_port, self.mta_sts_port);
        config.client_simulation &= !self.no_client_simulation;
        set(
            &mut config.certificate_warning_days,
            self.certificate_warning_days,
        );
    }
}

impl ServeArgs {
    /// The file's settings (or the defaults) with the flags and variables on top.
    fn config(self) -> anyhow::Result<ServiceConfig> {
        let mut config = match &self.config {
            Some(path) => ServiceConfig::from_file(path)?,
            None => ServiceConfig::default(),
        };
        set(&mut config.bind, self.bind);
        set(&mut config.dist, self.dist);
        if self.provider_assets.is_some() {
            config.provider_assets = self.provider_assets;
        }
        set(&mut config.log_format, self.log_format);
        set(
            &mut config.max_concurrent_checks,
            self.max_concurrent_checks,
        );
        set(
            &mut config.client_checks_per_minute,
            self.client_checks_per_minute,
        );
        set(
            &mut config.target_checks_per_minute,
            self.target_checks_per_minute,
        );
        if self.store.is_some() {
            config.store = self.store;
        }
        set_list(&mut config.trusted_proxies, self.trusted_proxies);
        set_list(&mut config.metrics_from, self.metrics_from);
        set(&mut config.cache_seconds, self.cache_seconds);
        set(&mut config.cache_bytes, self.cache_bytes);
        set_list(&mut config.embed_origins, self.embed_origins);
        set_list(&mut config.only_domains, self.only_domains);
        set(&mut config.max_url_bytes, self.max_url_bytes);
        set(&mut config.max_header_bytes, self.max_header_bytes);
        set(&mut config.header_timeout, self.header_timeout);
        set(&mut config.max_connections, self.max_connections);
        set(
            &mut config.max_outbound_connections,
            self.max_outbound_connections,
        );
        set(
            &mut config.max_connections_per_client,
            self.max_connections_per_client,
        );
        set(&mut config.write_timeout, self.write_timeout);
        set(&mut config.shutdown_delay, self.shutdown_delay);
        set(&mut config.shutdown_grace, self.shutdown_grace);
        if self.profile.is_some() {
            config.profile = self.profile;
        }
        self.probe.apply(&mut config);
        config.validate()?;
        Ok(config)
    }
}

/// The options of `audit`.
#[derive(Debug, Args)]
struct AuditArgs {
    /// Mail-server logs: plain files, gzip files (rotated logs), or - for standard input
    /// (journalctl -o short-iso -u postfix -u dovecot | probe-api audit -).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Write the mail merge to FILE: one CSV row per account that must change something, with
    /// a sentence for the letter and a personalised check link (needs --page-url).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write the report page to FILE: self-contained HTML with a chart of the logins per day
    /// that would break at the switch-off.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Where the help page is (https://hilfe.example.de); every account gets a check link
    /// there, pre-filled with its address and the server name, port and encryption it used.
    #[arg(long, value_name = "URL")]
    page_url: Option<String>,
    /// The provider profile: its first language is the letters' language, its official server
    /// names go into links where the log names none, and names it retires are reported.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Language of the CSV's sentences, the links and the HTML page: de or en [default: the
    /// profile's first language, else de].
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    lang: Option<Lang>,
    /// The server name links carry where the log does not say which name the program used (no
    /// SNI logged) [default: the profile's official names].
    #[arg(long, value_name = "NAME", value_parser = parse_domain)]
    server_name: Option<Hostname>,
    /// A port with TLS from the first byte, for the links' encryption (repeatable)
    /// [default: 993, 995, 465].
    #[arg(long = "implicit-tls-port", value_delimiter = ',', value_name = "PORT")]
    implicit_tls_ports: Vec<u16>,
    /// Replace account names by pseudonyms (HMAC-SHA-256 keyed with the bytes of KEYFILE, at
    /// least 16), to share the statistics; the same key gives the same pseudonyms in every run.
    /// Not with --csv, which is for writing to the customers.
    #[arg(long, value_name = "KEYFILE")]
    pseudonymise: Option<PathBuf>,
}

fn parse_lang(text: &str) -> Result<Lang, String> {
    Lang::from_tag(text).ok_or_else(|| format!("{text:?} is not a language: de or en"))
}

/// Runs `audit`; the exit status is the report's (`report::exit`), 2 for unusable options or
/// files.
fn audit(args: AuditArgs) -> ExitCode {
    use probe_api::audit::report::exit;
    match run_audit(args) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("probe-api audit: {error:#}");
            ExitCode::from(exit::USAGE)
        }
    }
}

fn run_audit(args: AuditArgs) -> anyhow::Result<u8> {
    use probe_api::audit::{self, html, mailmerge, pseudonym, report};
    use std::io::Write as _;
    if args.csv.is_some() && args.pseudonymise.is_some() {
        anyhow::bail!(
            "--csv writes the real addresses for a mail merge and --pseudonymise hides them for \
             sharing statistics: use one or the other"
        );
    }
    if args.csv.is_some() && args.page_url.is_none() {
        anyhow::bail!("--csv needs --page-url: the help page's address, for the check links");
    }
    if let Some(url) = &args.page_url {
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .unwrap_or_default();
        if rest.is_empty() || rest.starts_with('/') || url.contains(['?', '#', ' ']) {
            anyhow::bail!(
                "--page-url {url:?} is not the address of a page: give it as \
                 https://hilfe.example.de or https://www.example.de/mailtls"
            );
        }
    }
    if args.files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        anyhow::bail!("standard input (-) can be read only once");
    }
    let profile = match &args.profile {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the profile", path.display()))?;
            Some(probe_api::config::parse_profile(path, &text)?)
        }
        None => None,
    };
    let lang = args
        .lang
        .or_else(|| profile.as_ref().and_then(|p| p.languages.first().copied()))
        .unwrap_or(Lang::De);
    let key = args
        .pseudonymise
        .as_deref()
        .map(pseudonym::Key::read)
        .transpose()?;
    let inputs = audit::open_all(&args.files)?;
    let mut report = audit::audit(inputs);
    if let Some(profile) = &profile {
        mailmerge::mark_retired(&mut report, profile);
    }
    if let Some(page_url) = &args.page_url {
        let server_names = match (&args.server_name, &profile) {
            (Some(name), _) => mailmerge::ServerNames::all(name.as_str()),
            (None, Some(profile)) => mailmerge::ServerNames::from_profile(profile),
            (None, None) => mailmerge::ServerNames::default(),
        };
        let implicit_tls_ports = if args.implicit_tls_ports.is_empty() {
            mailmerge::IMPLICIT_TLS_PORTS.to_vec()
        } else {
            args.implicit_tls_ports.clone()
        };
        let options = mailmerge::LinkOptions {
            page_url: page_url.clone(),
            lang,
            server_names,
            implicit_tls_ports,
        };
        mailmerge::add_links(&mut report, &options);
    }
    if let Some(key) = &key {
        pseudonym::apply(&mut report, key);
    }
    if let Some(path) = &args.csv {
        std::fs::write(path, mailmerge::csv(&report, lang))
            .with_context(|| format!("{}: cannot write the CSV", path.display()))?;
    }
    if let Some(path) = &args.html {
        std::fs::write(path, html::page(&report, lang))
            .with_context(|| format!("{}: cannot write the report page", path.display()))?;
    }
    let status = report.exit_status();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        out.write_all(report::text(&report).as_bytes())
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => {}
        // Output nobody reads any more (`| head`) ends quietly.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(error) => return Err(error).context("cannot write the report"),
    }
    Ok(status)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The audit reads files on this thread: no runtime, no worker threads.
    let command = match cli.command {
        Command::Audit(args) => return audit(*args),
        command => command,
    };
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run(command)),
        Err(error) => {
            eprintln!("probe-api: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> ExitCode {
    let result = match command {
        Command::Serve(args) => match (*args).config() {
            Ok(config) => {
                init_logging(config.log_format);
                serve(config).await
            }
            Err(error) => Err(error),
        },
        Command::Audit(args) => return audit(*args),
        Command::Check(args) => {
            init_logging(LogFormat::Text);
            let json = args.json;
            match check(*args).await {
                Ok(code) => Ok(code),
                // Unusable configuration (a missing --ca-file, --config or trust anchor).
                Err(error) => {
                    report_error(json, "invalid_configuration", &format!("{error:#}"));
                    return ExitCode::from(2);
                }
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("probe-api: {error:#}");
            // An unusable configuration is 78 (EX_CONFIG, what systemd and supervisors know as
            // "configuration error": no point in restarting); anything else at run time 1.
            let configuration = error.chain().any(|cause| {
                cause.is::<probe_api::config::ConfigError>()
                    || cause.is::<probe_api::probe::EngineError>()
                    || cause.is::<probe_api::http::assets::AssetsError>()
            });
            if configuration {
                ExitCode::from(78)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Logs go to stderr; `RUST_LOG` overrides the level. The DNS library's own messages are off
/// unless `RUST_LOG` names it: it warns and errs about what (possibly hostile) DNS servers
/// answer, once per lookup, which would let any domain flood the log; the reports and our own
/// lines say what went wrong with a lookup.
fn init_logging(format: LogFormat) {
    let from_env = std::env::var("RUST_LOG").ok();
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=warn".into());
    // The DNS and TLS libraries name the servers being checked (what visitors typed) in their
    // own messages: off unless RUST_LOG names them.
    for (library, quiet) in [
        (
            "hickory",
            &[
                "hickory_net=off",
                "hickory_proto=off",
                "hickory_resolver=off",
            ][..],
        ),
        ("rustls", &["rustls=off", "tokio_rustls=off"][..]),
    ] {
        if from_env
            .as_deref()
            .is_some_and(|directives| directives.contains(library))
        {
            continue;
        }
        for directive in quiet {
            if let Ok(directive) = directive.parse() {
                filter = filter.add_directive(directive);
            }
        }
    }
    // Colour codes only for a person at a terminal, never into journald or a log file.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

async fn serve(mut config: ServiceConfig) -> anyhow::Result<ExitCode> {
    // Descriptors first: both caps must fit, or a busy hour ends in "Too many open files".
    let budget = probe_api::descriptors::raise_and_fit(
        config.max_connections,
        config.max_outbound_connections,
    );
    if budget.lowered {
        tracing::warn!(
            limit = budget.limit,
            max_connections = budget.max_connections,
            max_outbound_connections = budget.max_outbound,
            "the file-descriptor limit ({}) cannot hold max_connections = {} and \
             max_outbound_connections = {}: running with {} and {}; raise the limit \
             (LimitNOFILE= in the systemd unit, ulimit -n) to use the configured values",
            budget.limit.unwrap_or(0),
            config.max_connections,
            config.max_outbound_connections,
            budget.max_connections,
            budget.max_outbound,
        );
    }
    config.max_connections = budget.max_connections;
    config.max_outbound_connections = budget.max_outbound;
    let profile = config.load_profile()?;
    let assets = Assets::load(&config.dist, config.provider_assets.as_deref())?
        .offering(profile.as_ref().map_or(&[][..], |p| &p.languages));
    for range in &config.allow_cidrs {
        tracing::warn!(%range, "probing of non-public range {range} explicitly allowed");
    }
    if !config.only_domains.is_empty() {
        let domains: Vec<&str> = config.only_domains.iter().map(|d| d.as_str()).collect();
        tracing::info!(
            ?domains,
            "provider mode: only names under these domains are checked"
        );
    }
    // A configured store that does not answer stops the start: a replica without the fleet's
    // limits would give every mail server as many checks again.
    let store = Store::open(config.store.as_deref(), STORE_CONNECT_DEADLINE)
        .await
        .context(
            "cannot use the configured store (store = …, --store); start it, or fix the URL",
        )?;
    let store = Arc::new(store);
    let engine = Engine::new(ProbeSettings {
        // The connection slots per mail server live there too (politeness across replicas).
        store: store.clone(),
        ..config.probe_settings()?
    })?;
    let checks = Checks::new(
        Arc::new(engine),
        config.max_concurrent_checks,
        Duration::from_secs(config.cache_seconds),
    )
    .with_cache_budget(config.cache_bytes)
    .with_store(store.clone());
    let checks = Arc::new(checks);
    {
        // Reports leave memory when their time is up, even when no new check comes.
        let checks = checks.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(5));
            loop {
                every.tick().await;
                checks.sweep_expired();
            }
        });
    }
    let lifecycle = Arc::new(Lifecycle::default());
    let router = http::app_with(
        AppState {
            checks,
            limits: Arc::new(Limits {
                per_client: Rate::new(config.client_checks_per_minute, 5),
                per_target: Rate::new(config.target_checks_per_minute, 10),
                trusted_proxies: config.trusted_proxies.clone(),
                metrics_from: config.metrics_from.clone(),
            }),
            store: store.clone(),
            rejections: Arc::default(),
            profile: profile.map(Arc::new),
            lifecycle: lifecycle.clone(),
            access: Arc::default(),
        },
        Some(assets),
        &HttpOptions {
            embed_origins: config.embed_origins.clone(),
            max_url_bytes: config.max_url_bytes,
        },
    );
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let address = listener.local_addr()?;
    ignore_hangup();
    log_start(&config, address, budget.limit, &store.describe());
    println!("MailTLS is running at http://{address}/  (stop with Ctrl-C)");
    let limits = ServerLimits {
        max_connections: config.max_connections,
        max_connections_per_client: config.max_connections_per_client,
        trusted_proxies: config.trusted_proxies.clone(),
        max_header_bytes: config.max_header_bytes,
        header_timeout: config.header_timeout(),
        write_timeout: config.write_timeout(),
        shutdown_grace: config.shutdown_grace(),
    };
    let drained = server::serve(
        listener,
        router,
        limits,
        lifecycle,
        shutdown_signal(config.shutdown_delay()),
    )
    .await;
    tracing::info!(drained, "stopped");
    Ok(ExitCode::SUCCESS)
}

/// How long the start waits for a configured store to answer.
const STORE_CONNECT_DEADLINE: Duration = Duration::from_secs(5);

/// The start line: what runs, where, and with which limits (one JSON object with JSON logs).
fn log_start(
    config: &ServiceConfig,
    address: std::net::SocketAddr,
    descriptors: Option<u64>,
    store: &str,
) {
    let list = |items: Vec<String>| items.join(" ");
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        commit = probe_api::BUILD_COMMIT,
        url = %format!("http://{address}/"),
        max_connections = config.max_connections,
        max_connections_per_client = config.max_connections_per_client,
        max_outbound_connections = config.max_outbound_connections,
        max_concurrent_checks = config.max_concurrent_checks,
        client_checks_per_minute = config.client_checks_per_minute,
        target_checks_per_minute = config.target_checks_per_minute,
        store = %store,
        cache_bytes = config.cache_bytes,
        descriptor_limit = descriptors.map_or("unlimited".to_owned(), |limit| limit.to_string()),
        trusted_proxies = %list(config.trusted_proxies.iter().map(ToString::to_string).collect()),
        metrics_from = %list(config.metrics_from.iter().map(ToString::to_string).collect()),
        embed_origins = %list(config.embed_origins.iter().map(|o| o.as_str().to_owned()).collect()),
        only_domains = %list(config.only_domains.iter().map(|d| d.as_str().to_owned()).collect()),
        ehlo_name = %config.ehlo_name,
        "MailTLS {} started",
        probe_api::VERSION
    );
    if config.ehlo_name == probe_api::probe::DEFAULT_EHLO_NAME {
        tracing::warn!(
            "ehlo_name is the default {:?}: mail servers' operators see it in their logs; set \
             it to a name of this host whose address has a PTR record back to it, and publish \
             an abuse contact for it (see docs/operating.md)",
            probe_api::probe::DEFAULT_EHLO_NAME
        );
    }
}

/// SIGHUP (a closed terminal, a `reload` out of habit) would end the process at once, without
/// draining: from the start on, it is taken and said, not obeyed.
fn ignore_hangup() {
    #[cfg(unix)]
    if let Ok(mut hangup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                tracing::warn!(
                    "SIGHUP ignored: the configuration is read at start; restart the service \
                     (SIGTERM drains it) to apply changes"
                );
            }
        });
    }
}

/// Completes at SIGTERM (a service manager: keep serving for `delay` while proxies take this
/// replica out) or Ctrl-C (a terminal: no delay); yields the delay.
async fn shutdown_signal(delay: Duration) -> Duration {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return Duration::ZERO;
                }
            };
        tokio::select! {
            _ = interrupt => Duration::ZERO,
            _ = terminate.recv() => delay,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
        Duration::ZERO
    }
}

async fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut targets = Vec::new();
    for input in &args.targets {
        match Target::parse(input) {
            Ok(target) => targets.push(target),
            Err(error) => {
                report_error(
                    args.json,
                    "invalid_target",
                    &format!("{input:?}: {}", error.message(Lang::En)),
                );
                return Ok(ExitCode::from(2));
            }
        }
    }
    // The admin's own command line: any address and port may be checked.
    let mut config = match &args.config {
        Some(path) => ServiceConfig::from_file(path)?,
        None => ServiceConfig::default(),
    };
    // Like every command-line tool, the check knows the names of /etc/hosts (a new server
    // tried under its future name before DNS points there).
    // A blocklist of several megabytes there is left alone, with a word, not an error.
    let system_hosts = std::path::Path::new("/etc/hosts");
    if config.hosts_file.is_none() && !args.probe.no_hosts_file {
        match std::fs::metadata(system_hosts) {
            Ok(meta) if meta.len() <= probe_api::config::MAX_HOSTS_FILE_BYTES => {
                config.hosts_file = Some(system_hosts.to_owned());
            }
            Ok(_) => eprintln!(
                "probe-api: /etc/hosts is larger than {} bytes and is not read",
                probe_api::config::MAX_HOSTS_FILE_BYTES
            ),
            Err(_) => {}
        }
    }
    args.probe.apply(&mut config);
    let mut settings = config.probe_settings()?;
    settings.policy = AddressPolicy::allow_everything();
    let engine = Engine::new(settings)?;
    let report = match engine.check(targets).await {
        Ok(report) => report,
        Err(CheckError::Plan(error)) => {
            report_error(args.json, "refused_target", &error.to_string());
            return Ok(ExitCode::from(2));
        }
        // This host ran out of sockets: nothing to say about the servers (3: could not test).
        Err(CheckError::Overloaded(error)) => {
            report_error(args.json, "overloaded", &error.to_string());
            return Ok(ExitCode::from(3));
        }
    };
    let text = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        probe_api::text::report(&report)
    };
    print_quietly(&text);
    Ok(ExitCode::from(exit_status(
        &report,
        args.ignore_not_offered,
    )))
}

/// 0 ready, 1 a problem found, 3 could not test or only partly (see `check --help`).
fn exit_status(report: &mailtls_shared::CheckReport, ignore_not_offered: bool) -> u8 {
    use mailtls_shared::{CheckReport, CheckVerdict, PortsNotOffered};
    let not_offered = if ignore_not_offered {
        PortsNotOffered::Ignore
    } else {
        PortsNotOffered::Unclear
    };
    match CheckReport::overall(&report.endpoints, &report.domains, not_offered) {
        CheckVerdict::Ready => 0,
        CheckVerdict::Warning | CheckVerdict::Problem => 1,
        CheckVerdict::Unclear => 3,
    }
}

/// Writes `text` to stdout; a reader that went away (`| head`) ends the output quietly.
fn print_quietly(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// An error of the check command: `{"error": {"code", "message"}}` on stdout with `--json`,
/// else a line on stderr.
fn report_error(json: bool, code: &str, message: &str) {
    if json {
        let body = serde_json::json!({ "error": { "code": code, "message": message } });
        print_quietly(&format!("{body}\n"));
    } else {
        eprintln!("probe-api: {message}");
    }
}
