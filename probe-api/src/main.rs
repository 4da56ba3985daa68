//! The `probe-api` binary: `serve` runs the help page and API, `check` probes from the shell.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;

use mailtls_shared::{Hostname, Lang, Target, Verdict};
use probe_api::http::checks::Checks;
use probe_api::http::limits::{Limiter, Limits};
use probe_api::http::{self, AppState, assets::Assets};
use probe_api::probe::policy::AddressPolicy;
use probe_api::probe::resolve::Resolver;
use probe_api::probe::{Engine, ProbeSettings, Timeouts};

/// MailTLS: checks which TLS versions mail servers accept, and explains it to customers.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the help page and the JSON API.
    Serve(ServeArgs),
    /// Check targets from the command line and print the result.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "MAILTLS_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Directory with the built page (trunk's output).
    #[arg(long, env = "MAILTLS_DIST", default_value = "dist")]
    dist: PathBuf,
    /// Most checks running at once; more get `503 busy` with `Retry-After`.
    #[arg(long, env = "MAILTLS_MAX_CONCURRENT_CHECKS", default_value_t = 16)]
    max_concurrent_checks: usize,
    /// Checks one client may start per minute (IPv6 clients by /64; 0: no limit).
    #[arg(long, env = "MAILTLS_CLIENT_CHECKS_PER_MINUTE", default_value_t = 10)]
    client_checks_per_minute: u32,
    /// Checks per minute that may contact one mail server address (0: no limit).
    #[arg(long, env = "MAILTLS_TARGET_CHECKS_PER_MINUTE", default_value_t = 30)]
    target_checks_per_minute: u32,
    /// A reverse proxy in this range is trusted to name the client in X-Forwarded-For
    /// (repeatable). Without it, the socket's peer is the client.
    #[arg(
        long = "trusted-proxy",
        env = "MAILTLS_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<IpNet>,
    /// Seconds a finished report is reused for an identical check (0: never).
    #[arg(long, env = "MAILTLS_CACHE_SECONDS", default_value_t = 60)]
    cache_seconds: u64,
    #[command(flatten)]
    probe: ProbeArgs,
}

/// Exit status: 0 when every endpoint is ready for TLS 1.2+ with a valid certificate and no
/// legacy versions, 1 when anything needs attention, 2 for unusable input.
#[derive(Debug, Args)]
struct CheckArgs {
    /// What to check: a host name (all mail ports), or scheme://host[:port] with scheme one of
    /// smtp, submission, smtps, imap, imaps, pop3, pop3s.
    #[arg(required = true)]
    targets: Vec<String>,
    /// Print the JSON report instead of a summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    probe: ProbeArgs,
}

#[derive(Debug, Args)]
struct ProbeArgs {
    /// Trust the CA certificates in this PEM file in addition to Mozilla's roots (repeatable).
    #[arg(long = "ca-file", env = "MAILTLS_CA_FILES", value_delimiter = ',')]
    ca_files: Vec<String>,
    /// Allow probing addresses in this range although they are not public, e.g. 127.0.0.0/8 for
    /// tests or 10.0.0.0/8 for an internal deployment (repeatable). Without it, only public
    /// addresses are ever contacted.
    #[arg(
        long = "allow-cidr",
        env = "MAILTLS_ALLOW_CIDRS",
        value_delimiter = ','
    )]
    allow_cidrs: Vec<IpNet>,
    /// Allow probing this port in addition to the seven mail ports (repeatable).
    #[arg(
        long = "allow-port",
        env = "MAILTLS_ALLOW_PORTS",
        value_delimiter = ','
    )]
    allow_ports: Vec<u16>,
    /// Seconds each network step (connect, plain-text dialog, handshake) may take.
    #[arg(long, env = "MAILTLS_STEP_TIMEOUT", default_value_t = 10)]
    step_timeout: u64,
    /// Seconds a whole check may take.
    #[arg(long, env = "MAILTLS_CHECK_TIMEOUT", default_value_t = 30)]
    check_timeout: u64,
    /// The name to greet SMTP servers with (EHLO); use this host's public name.
    #[arg(long, env = "MAILTLS_EHLO_NAME", default_value = probe_api::probe::DEFAULT_EHLO_NAME)]
    ehlo_name: String,
    /// Answer NAME with ADDRESS instead of asking DNS, like curl's --resolve (repeatable).
    #[arg(
        long = "resolve",
        value_name = "NAME=ADDRESS",
        env = "MAILTLS_RESOLVE",
        value_delimiter = ','
    )]
    resolve: Vec<String>,
}

impl ProbeArgs {
    fn settings(&self) -> anyhow::Result<ProbeSettings> {
        let timeouts = Timeouts {
            step: Duration::from_secs(self.step_timeout.max(1)),
            check: Duration::from_secs(self.check_timeout.max(1)),
            ..Timeouts::default()
        };
        let mut policy = AddressPolicy::default();
        for range in &self.allow_cidrs {
            tracing::warn!(%range, "probing of non-public range {range} explicitly allowed");
            policy = policy.allow(*range);
        }
        policy = policy.allow_ports(&self.allow_ports);
        let mut resolver = Resolver::new(timeouts.resolve);
        for entry in &self.resolve {
            let Some((name, address)) = entry.split_once('=') else {
                bail!("--resolve {entry:?}: expected NAME=ADDRESS");
            };
            let name = Hostname::parse(name)
                .map_err(|error| anyhow::anyhow!("--resolve {entry:?}: {error}"))?;
            let address: IpAddr = address
                .trim_matches(['[', ']'])
                .parse()
                .with_context(|| format!("--resolve {entry:?}: not an IP address"))?;
            resolver = resolver.with_override(name, address);
        }
        Ok(ProbeSettings {
            timeouts,
            policy,
            resolver,
            extra_ca_files: self.ca_files.clone(),
            ehlo_name: self.ehlo_name.clone(),
            ..ProbeSettings::default()
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Check(args) => check(args).await,
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("probe-api: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let assets = Assets::load(&args.dist)?;
    let engine = Engine::new(args.probe.settings()?)?;
    let checks = Checks::new(
        Arc::new(engine),
        args.max_concurrent_checks,
        Duration::from_secs(args.cache_seconds),
    );
    let router = http::app(
        AppState {
            checks: Arc::new(checks),
            limits: Arc::new(Limits {
                per_client: Limiter::new(args.client_checks_per_minute, 5),
                per_target: Limiter::new(args.target_checks_per_minute, 10),
                trusted_proxies: args.trusted_proxies.clone(),
            }),
            rejections: Arc::default(),
        },
        Some(assets),
    );
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let address = listener.local_addr()?;
    println!("MailTLS is running at http://{address}/  (stop with Ctrl-C)");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

async fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut targets = Vec::new();
    for input in &args.targets {
        match Target::parse(input) {
            Ok(target) => targets.push(target),
            Err(error) => {
                eprintln!("probe-api: {input:?}: {}", error.message(Lang::En));
                return Ok(ExitCode::from(2));
            }
        }
    }
    // The admin's own command line: any address and port may be checked.
    let mut settings = args.probe.settings()?;
    settings.policy = AddressPolicy::allow_everything();
    let engine = Engine::new(settings)?;
    let report = match engine.check(targets).await {
        Ok(report) => report,
        Err(error) => {
            eprintln!("probe-api: {error}");
            return Ok(ExitCode::from(2));
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", probe_api::text::report(&report));
    }
    Ok(
        if report.endpoints.iter().all(|e| e.verdict == Verdict::Ready) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}
