//! The service's settings, in three layers: built-in defaults safe for the public internet, then
//! a TOML file (`--config`), then environment variables and command-line flags (clap reads both;
//! a flag wins over its variable). Every setting has the same name in all three places:
//! `max_concurrent_checks` in the file is `--max-concurrent-checks` and
//! `MAILTLS_MAX_CONCURRENT_CHECKS`. Lists given by flag or variable replace the file's list.
//!
//! `mailtls.example.toml` at the repository root shows every key with its default.
//! The probe's keys (`ca_files` … `certificate_warning_days`) also apply to `probe-api check`.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;
use thiserror::Error;

use mailtls_shared::{Hostname, Profile};

use crate::probe::domain::dns::DnsConfig;
use crate::probe::policy::AddressPolicy;
use crate::probe::resolve::Resolver;
use crate::probe::{DEFAULT_EHLO_NAME, ProbeSettings, Timeouts};

/// Everything `probe-api serve` can be told.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceConfig {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// Directory with the built page (trunk's output).
    pub dist: PathBuf,
    /// `text` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// Most checks running at once; more get `503 busy`.
    pub max_concurrent_checks: usize,
    /// Checks one client may start per minute (0: no limit).
    pub client_checks_per_minute: u32,
    /// Checks per minute that may contact one mail server address (0: no limit).
    pub target_checks_per_minute: u32,
    /// Reverse proxies trusted to name the client in `X-Forwarded-For`.
    #[serde(deserialize_with = "nets")]
    pub trusted_proxies: Vec<IpNet>,
    /// Clients (CIDR) that may read `/metrics`; behind a proxy, the client it names.
    #[serde(deserialize_with = "nets")]
    pub metrics_from: Vec<IpNet>,
    /// Seconds a finished report is reused for an identical check (0: never).
    pub cache_seconds: u64,
    /// Most bytes (JSON) of finished reports kept for reuse; the oldest go first.
    pub cache_bytes: usize,
    /// Origins (`https://www.example.de`) that may embed the page in a frame and call the API
    /// from their pages. Empty: same origin only.
    pub embed_origins: Vec<Origin>,
    /// Provider mode: only names at or under these domains may be checked. Empty: any public name.
    pub only_domains: Vec<Hostname>,
    /// Longest request URL, in bytes.
    pub max_url_bytes: usize,
    /// Most bytes of request line and headers (at least 8192).
    pub max_header_bytes: usize,
    /// Seconds a client may take to send a request's headers, and may stay idle between requests.
    pub header_timeout: u64,
    /// Most client connections open at once; more wait in the listen queue.
    pub max_connections: usize,
    /// Most connections one client address (IPv6: its /64) may hold; more are closed at once.
    pub max_connections_per_client: usize,
    /// Most outbound connections (probes, simulated clients, policy fetches) open at once; more
    /// wait for a free socket.
    pub max_outbound_connections: usize,
    /// Seconds a client may accept no byte of an answer (a stalled event stream) before it is
    /// dropped.
    pub write_timeout: u64,
    /// Seconds the service keeps serving after SIGTERM while `/readyz` answers 503, so proxies
    /// take it out before its listener closes (not after Ctrl-C).
    pub shutdown_delay: u64,
    /// Seconds running checks may take to finish after a stop signal.
    pub shutdown_grace: u64,
    /// The provider profile (TOML, documented by `profiles/example.toml`); without it the page
    /// names no provider and suggests no servers.
    pub profile: Option<PathBuf>,
    /// The store replicas share their limits in: `redis://host:port/db` or `rediss://…` (TLS),
    /// a password as `redis://:password@host/db`; without it, this process keeps them (one
    /// process is the whole fleet).
    pub store: Option<String>,
    /// The provider's own files (a logo), served under `/provider/`; kept apart from `dist`,
    /// which every build replaces.
    pub provider_assets: Option<PathBuf>,
    /// PEM files of CAs trusted in addition to Mozilla's roots.
    pub ca_files: Vec<PathBuf>,
    /// Non-public ranges the probe may contact (tests, internal deployments).
    #[serde(deserialize_with = "nets")]
    pub allow_cidrs: Vec<IpNet>,
    /// Ports admitted in addition to the seven mail ports.
    pub allow_ports: Vec<u16>,
    /// Seconds each network step may take.
    pub step_timeout: u64,
    /// Seconds a whole check may take.
    pub check_timeout: u64,
    /// The name sent with SMTP `EHLO`.
    pub ehlo_name: String,
    /// `NAME=ADDRESS` answers that bypass DNS, like curl's `--resolve`.
    pub resolve: Vec<String>,
    /// A hosts file (`/etc/hosts` format) whose names are answered before DNS, after `resolve`.
    /// Unset for the service; `probe-api check` reads `/etc/hosts` unless told otherwise, so an
    /// admin can test a new server under its future name before DNS points there.
    pub hosts_file: Option<PathBuf>,
    /// A DNS server (`ADDRESS:PORT`) for every lookup instead of the system's resolver.
    pub dns_server: Option<SocketAddr>,
    /// DNSKEY records trusted for DNSSEC (DANE) instead of the root's: private roots and tests.
    pub dnssec_trust_anchor: Option<PathBuf>,
    /// Admit names in reserved domains (`.test`, `.internal`, …): tests and internal deployments.
    pub allow_reserved_names: bool,
    /// The port MX hosts are checked on in domain checks (25 on the internet).
    pub mx_port: u16,
    /// The port MTA-STS policies are fetched from (443 on the internet).
    pub mta_sts_port: u16,
    /// Send mail programs' own hellos after the version probes (`docs/client-simulation.md`).
    pub client_simulation: bool,
    /// A valid certificate that expires within this many days gets a warning finding.
    pub certificate_warning_days: u32,
}

/// The log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            dist: PathBuf::from("dist"),
            log_format: LogFormat::Text,
            max_concurrent_checks: 16,
            client_checks_per_minute: 10,
            target_checks_per_minute: 30,
            trusted_proxies: Vec::new(),
            metrics_from: crate::http::limits::loopback(),
            cache_seconds: 60,
            cache_bytes: crate::http::checks::DEFAULT_CACHE_BYTES,
            embed_origins: Vec::new(),
            only_domains: Vec::new(),
            max_url_bytes: 4096,
            max_header_bytes: 16 * 1024,
            header_timeout: 10,
            max_connections: 4096,
            max_connections_per_client: 64,
            max_outbound_connections: crate::probe::DEFAULT_MAX_OUTBOUND,
            write_timeout: crate::http::server::WRITE_TIMEOUT.as_secs(),
            shutdown_delay: 5,
            shutdown_grace: 30,
            profile: None,
            store: None,
            provider_assets: None,
            ca_files: Vec::new(),
            allow_cidrs: Vec::new(),
            allow_ports: Vec::new(),
            step_timeout: 10,
            check_timeout: 30,
            ehlo_name: DEFAULT_EHLO_NAME.to_owned(),
            resolve: Vec::new(),
            hosts_file: None,
            dns_server: None,
            dnssec_trust_anchor: None,
            allow_reserved_names: false,
            mx_port: 25,
            mta_sts_port: 443,
            client_simulation: true,
            certificate_warning_days: 14,
        }
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    // The underlying errors are part of the message and not `source`s, so a chain printed
    // with `{:#}` says them once.
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: {error}")]
    Parse {
        path: PathBuf,
        error: Box<toml::de::Error>,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: the profile is not usable:\n  {}", errors.join("\n  "))]
    Profile { path: PathBuf, errors: Vec<String> },
}

/// An address range as a setting: `10.0.0.0/8`, or one address (`10.0.0.7`, meaning
/// `10.0.0.7/32`), since a single proxy is named by its address more often than not.
pub fn parse_net(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!(
                "{text:?} is neither an address nor a range such as 10.0.0.0/8 or 2001:db8::/32"
            )
        })
}

/// `parse_net` for every entry of a list in the TOML file.
fn nets<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<IpNet>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts
        .iter()
        .map(|text| parse_net(text).map_err(serde::de::Error::custom))
        .collect()
}

/// Parses and validates a profile; `path` only names it in errors.
pub fn parse_profile(path: &Path, text: &str) -> Result<Profile, ConfigError> {
    let profile: Profile = toml::from_str(text).map_err(|source| ConfigError::Profile {
        path: path.to_owned(),
        errors: vec![source.to_string()],
    })?;
    profile.validate().map_err(|errors| ConfigError::Profile {
        path: path.to_owned(),
        errors: errors.into_iter().map(|e| e.0).collect(),
    })?;
    Ok(profile)
}

impl ServiceConfig {
    /// Reads a TOML file; keys it leaves out keep their defaults, unknown keys are errors.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_owned(),
            error,
        })?;
        let mut config = Self::from_toml(&text).map_err(|error| ConfigError::Parse {
            path: path.to_owned(),
            error: Box::new(error),
        })?;
        // Paths written in the file are relative to the file, wherever the service starts.
        let written: toml::Table = text.parse().unwrap_or_default();
        let base = path.parent().unwrap_or(Path::new(""));
        config.resolve_paths(base, |key| written.contains_key(key));
        Ok(config)
    }

    /// Makes the relative paths of the keys `written` names relative to `base`.
    fn resolve_paths(&mut self, base: &Path, written: impl Fn(&str) -> bool) {
        let resolve = |path: &mut PathBuf| {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        };
        if written("dist") {
            resolve(&mut self.dist);
        }
        for (key, path) in [
            ("profile", &mut self.profile),
            ("provider_assets", &mut self.provider_assets),
            ("dnssec_trust_anchor", &mut self.dnssec_trust_anchor),
            ("hosts_file", &mut self.hosts_file),
        ] {
            if written(key)
                && let Some(path) = path
            {
                resolve(path);
            }
        }
        if written("ca_files") {
            self.ca_files.iter_mut().for_each(resolve);
        }
    }

    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// Settings that cannot work together, caught before the service starts.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_concurrent_checks == 0 {
            return Err(ConfigError::Invalid(
                "max_concurrent_checks must be at least 1".into(),
            ));
        }
        if self.max_connections == 0 {
            return Err(ConfigError::Invalid(
                "max_connections must be at least 1".into(),
            ));
        }
        if self.max_connections_per_client == 0 {
            return Err(ConfigError::Invalid(
                "max_connections_per_client must be at least 1".into(),
            ));
        }
        if self.max_outbound_connections < 16 {
            return Err(ConfigError::Invalid(
                "max_outbound_connections must be at least 16".into(),
            ));
        }
        if self.max_url_bytes < 256 {
            return Err(ConfigError::Invalid(
                "max_url_bytes must be at least 256".into(),
            ));
        }
        if self.write_timeout == 0 {
            return Err(ConfigError::Invalid(
                "write_timeout must be at least 1 second".into(),
            ));
        }
        if self.header_timeout == 0 {
            return Err(ConfigError::Invalid(
                "header_timeout must be at least 1 second".into(),
            ));
        }
        self.probe_settings().map(|_| ())
    }

    /// The configured profile, if any.
    pub fn load_profile(&self) -> Result<Option<Profile>, ConfigError> {
        let Some(path) = &self.profile else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.clone(),
            error,
        })?;
        parse_profile(path, &text).map(Some)
    }

    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace)
    }

    pub fn write_timeout(&self) -> Duration {
        Duration::from_secs(self.write_timeout)
    }

    pub fn shutdown_delay(&self) -> Duration {
        Duration::from_secs(self.shutdown_delay)
    }

    /// The engine's settings. The address policy is the public-internet one plus the admitted
    /// ranges and ports and provider mode; `probe-api check` widens it itself.
    pub fn probe_settings(&self) -> Result<ProbeSettings, ConfigError> {
        let timeouts = Timeouts {
            step: Duration::from_secs(self.step_timeout.max(1)),
            check: Duration::from_secs(self.check_timeout.max(1)),
            ..Timeouts::default()
        };
        let mut policy = AddressPolicy::default();
        for range in &self.allow_cidrs {
            policy = policy.allow(*range);
        }
        policy = policy
            .allow_ports(&self.allow_ports)
            .only_domains(&self.only_domains);
        if self.allow_reserved_names {
            policy = policy.allow_reserved_names();
        }
        let mut resolver = Resolver::new(timeouts.resolve);
        for entry in &self.resolve {
            let (name, address) = parse_resolve(entry).map_err(ConfigError::Invalid)?;
            resolver = resolver.with_override(name, address);
        }
        if let Some(path) = &self.hosts_file {
            let text = read_capped(path, MAX_HOSTS_FILE_BYTES)?;
            // `resolve` wins: a name it answers takes nothing from the hosts file.
            let given: Vec<Hostname> = self
                .resolve
                .iter()
                .filter_map(|entry| parse_resolve(entry).ok().map(|(name, _)| name))
                .collect();
            for (name, address) in hosts_entries(&text) {
                if !given.contains(&name) {
                    resolver = resolver.with_override(name, address);
                }
            }
        }
        if let Some(path) = &self.dnssec_trust_anchor {
            crate::probe::domain::dns::check_trust_anchor(path).map_err(ConfigError::Invalid)?;
        }
        if Hostname::parse(&self.ehlo_name).is_err() {
            return Err(ConfigError::Invalid(format!(
                "ehlo_name {:?} is not a host name",
                self.ehlo_name
            )));
        }
        Ok(ProbeSettings {
            timeouts,
            policy,
            resolver,
            extra_ca_files: self
                .ca_files
                .iter()
                .map(|path| path.display().to_string())
                .collect(),
            ehlo_name: self.ehlo_name.clone(),
            dns: DnsConfig {
                server: self.dns_server,
                timeout: timeouts.resolve,
                trust_anchor: self.dnssec_trust_anchor.clone(),
            },
            mx_port: self.mx_port,
            mta_sts_port: self.mta_sts_port,
            simulate_clients: self.client_simulation,
            certificate_warning_days: self.certificate_warning_days,
            max_outbound_connections: self.max_outbound_connections,
            ..ProbeSettings::default()
        })
    }
}

/// Most bytes of a hosts file read.
pub const MAX_HOSTS_FILE_BYTES: u64 = 1 << 20;

/// Most names taken from a hosts file.
const MAX_HOSTS_ENTRIES: usize = 10_000;

/// The text of `path` (bytes that are not UTF-8 replaced, as a hosts file may hold them in
/// comments), refused when longer than `limit` bytes.
fn read_capped(path: &Path, limit: u64) -> Result<String, ConfigError> {
    use std::io::Read as _;
    let read = |path: &Path| -> std::io::Result<String> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)?
            .take(limit + 1)
            .read_to_end(&mut bytes)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    let text = read(path).map_err(|error| ConfigError::Read {
        path: path.to_owned(),
        error,
    })?;
    if text.len() as u64 > limit {
        return Err(ConfigError::Invalid(format!(
            "hosts_file: {} is longer than {limit} bytes",
            path.display()
        )));
    }
    Ok(text)
}

/// `(name, address)` for every name of a hosts file (`ADDRESS NAME [ALIAS…]`, `#` comments);
/// lines that do not parse are skipped, as the C library skips them.
pub fn hosts_entries(text: &str) -> Vec<(Hostname, IpAddr)> {
    let mut entries = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut words = line.split_whitespace();
        let Some(Ok(address)) = words.next().map(str::parse::<IpAddr>) else {
            continue;
        };
        for name in words {
            if let Ok(name) = Hostname::parse(name) {
                entries.push((name, address));
            }
        }
        if entries.len() >= MAX_HOSTS_ENTRIES {
            entries.truncate(MAX_HOSTS_ENTRIES);
            break;
        }
    }
    entries
}

/// `NAME=ADDRESS`, the address optionally in brackets.
fn parse_resolve(entry: &str) -> Result<(Hostname, IpAddr), String> {
    let Some((name, address)) = entry.split_once('=') else {
        return Err(format!("resolve {entry:?}: expected NAME=ADDRESS"));
    };
    let name = Hostname::parse(name).map_err(|error| format!("resolve {entry:?}: {error}"))?;
    let address = address
        .trim_matches(['[', ']'])
        .parse()
        .map_err(|_| format!("resolve {entry:?}: {address:?} is not an IP address"))?;
    Ok((name, address))
}

/// A web origin, `scheme://host[:port]`, as browsers send it in `Origin` and match it in
/// `frame-ancestors`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Origin(String);

impl Origin {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Origin {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl std::str::FromStr for Origin {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let explain = |why: &str| {
            format!("{input:?} is not an origin ({why}); expected e.g. https://www.example.de")
        };
        let lower = input.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .ok_or_else(|| explain("it must start with https:// or http://"))?;
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || rest.starts_with('[') => {
                if port.is_empty() || port.parse::<u16>().is_err() {
                    return Err(explain("the port is not a number"));
                }
                (host, Some(port))
            }
            _ => (rest, None),
        };
        if host.is_empty() || rest.contains(['/', '?', '#', '@', ' ', '*']) {
            return Err(explain("only scheme, host and port; no path, no wildcard"));
        }
        let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
            // Browsers send host names in their ASCII (punycode) form; `localhost` is one label.
            None => host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            }),
        };
        if !host_ok {
            return Err(explain("the host is not valid"));
        }
        let _ = port;
        Ok(Origin(lower))
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_written_in_the_file_are_relative_to_the_file() {
        let dir = tempfile::tempdir().expect("dir");
        let etc = dir.path().join("etc");
        std::fs::create_dir(&etc).expect("mkdir");
        let file = etc.join("mailtls.toml");
        std::fs::write(
            &file,
            "dist = \"page\"\nprofile = \"provider.toml\"\nprovider_assets = \"assets\"\n\
             ca_files = [\"ca.pem\", \"/etc/ssl/other.pem\"]\n",
        )
        .expect("write");
        let config = ServiceConfig::from_file(&file).expect("config");
        assert_eq!(config.dist, etc.join("page"));
        assert_eq!(config.profile, Some(etc.join("provider.toml")));
        assert_eq!(config.provider_assets, Some(etc.join("assets")));
        assert_eq!(
            config.ca_files,
            [etc.join("ca.pem"), PathBuf::from("/etc/ssl/other.pem")]
        );
        // What the file does not name keeps its default, relative to the working directory.
        std::fs::write(&file, "bind = \"127.0.0.1:9000\"\n").expect("write");
        let config = ServiceConfig::from_file(&file).expect("config");
        assert_eq!(config.dist, PathBuf::from("dist"));
        assert_eq!(config.dnssec_trust_anchor, None);
    }

    #[test]
    fn a_bare_address_is_a_range_of_one_and_anything_else_is_named() {
        let config = ServiceConfig::from_toml(
            "trusted_proxies = [\"10.0.0.7\", \"2001:db8::/32\"]\nmetrics_from = [\"::1\"]",
        )
        .expect("config");
        assert_eq!(
            config.trusted_proxies,
            [
                "10.0.0.7/32".parse::<IpNet>().expect("net"),
                "2001:db8::/32".parse().expect("net")
            ]
        );
        assert_eq!(
            config.metrics_from,
            ["::1/128".parse::<IpNet>().expect("net")]
        );
        let error = ServiceConfig::from_toml("allow_cidrs = [\"10.0.0.0/33\"]")
            .expect_err("no such range")
            .to_string();
        assert!(
            error.contains("\"10.0.0.0/33\" is neither an address nor a range"),
            "{error}"
        );
    }

    #[test]
    fn an_empty_file_is_the_safe_default() {
        let config = ServiceConfig::from_toml("").expect("empty file");
        assert_eq!(config, ServiceConfig::default());
        assert!(config.allow_cidrs.is_empty());
        assert!(config.embed_origins.is_empty());
        assert_eq!(config.bind.ip(), IpAddr::from([127, 0, 0, 1]));
    }

    #[test]
    fn the_shipped_example_parses_and_matches_the_defaults() {
        let text = include_str!("../../mailtls.example.toml");
        let config = ServiceConfig::from_toml(text).expect("example parses");
        config.validate().expect("example is valid");
        // The example documents the defaults: uncommented values equal them.
        assert_eq!(config, ServiceConfig::default());
    }

    #[test]
    fn every_key_is_read() {
        let config = ServiceConfig::from_toml(
            r#"
            bind = "0.0.0.0:9000"
            dist = "/srv/mailtls"
            log_format = "json"
            max_concurrent_checks = 4
            client_checks_per_minute = 3
            target_checks_per_minute = 7
            trusted_proxies = ["10.0.0.0/8"]
            cache_seconds = 5
            embed_origins = ["https://www.mxp.de", "http://localhost:3000"]
            only_domains = ["mxp.de"]
            max_url_bytes = 1024
            max_header_bytes = 9000
            header_timeout = 3
            max_connections = 100
            shutdown_grace = 12
            ca_files = ["/etc/ca.pem"]
            allow_cidrs = ["127.0.0.0/8", "::1/128"]
            allow_ports = [2525]
            step_timeout = 4
            check_timeout = 9
            ehlo_name = "probe.mxp.de"
            resolve = ["mail.mxp.test=127.0.0.1"]
            "#,
        )
        .expect("full file");
        config.validate().expect("valid");
        assert_eq!(config.bind.port(), 9000);
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.embed_origins[1].as_str(), "http://localhost:3000");
        assert_eq!(config.only_domains[0].as_str(), "mxp.de");
        assert_eq!(config.allow_ports, [2525]);
        assert_eq!(config.check_timeout, 9);
        let settings = config.probe_settings().expect("settings");
        assert_eq!(settings.timeouts.step, Duration::from_secs(4));
        assert_eq!(settings.policy.provider_domains().len(), 1);
    }

    #[test]
    fn hosts_files_answer_their_names_after_the_explicit_overrides() {
        let text = "# comment\n127.0.0.1 localhost\n192.0.2.7  mail.hosts.test  imap.hosts.test # new server\n\
                    not-an-address mail.other.test\n2001:db8::7 mail.hosts.test\n198.51.100.1 bad..name\n";
        let entries = hosts_entries(text);
        let names: Vec<(String, String)> = entries
            .iter()
            .map(|(name, address)| (name.as_str().to_owned(), address.to_string()))
            .collect();
        assert_eq!(
            names,
            // `localhost` is no name a check can have (one label), the rest as written.
            [
                ("mail.hosts.test", "192.0.2.7"),
                ("imap.hosts.test", "192.0.2.7"),
                ("mail.hosts.test", "2001:db8::7"),
            ]
            .map(|(n, a)| (n.to_owned(), a.to_owned()))
        );
        let dir = tempfile::tempdir().expect("dir");
        let hosts = dir.path().join("hosts");
        std::fs::write(&hosts, text).expect("write");
        let config = ServiceConfig {
            hosts_file: Some(hosts),
            resolve: vec!["imap.hosts.test=127.0.0.9".into()],
            ..ServiceConfig::default()
        };
        let settings = config.probe_settings().expect("settings");
        let resolver = &settings.resolver;
        let lookup = |name: &str| {
            let host = mailtls_shared::Host::parse(name).expect("host");
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime")
                .block_on(resolver.resolve(&host))
                .expect("answered")
        };
        assert_eq!(
            lookup("mail.hosts.test"),
            [
                "192.0.2.7".parse::<IpAddr>().expect("ip"),
                "2001:db8::7".parse().expect("ip")
            ]
        );
        assert_eq!(
            lookup("imap.hosts.test"),
            ["127.0.0.9".parse::<IpAddr>().expect("ip")]
        );
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("max_concurent_checks = 3", "unknown field"),
            ("bind = \"localhost\"", "bind"),
            ("embed_origins = [\"https://x.de/path\"]", "not an origin"),
            ("embed_origins = [\"*.x.de\"]", "not an origin"),
            ("allow_cidrs = [\"10.0.0.0/33\"]", "allow_cidrs"),
            ("only_domains = [\"mxp de\"]", "only_domains"),
        ];
        for (text, words) in cases {
            let error = ServiceConfig::from_toml(text).expect_err(text).to_string();
            assert!(error.contains(words), "{text}: {error}");
        }
        let invalid = [
            "max_concurrent_checks = 0",
            "resolve = [\"mail.test\"]",
            "resolve = [\"mail.test=localhost\"]",
            "ehlo_name = \"bad name\"",
        ];
        for text in invalid {
            let config = ServiceConfig::from_toml(text).expect(text);
            assert!(config.validate().is_err(), "{text}");
        }
    }

    #[test]
    fn the_shipped_profiles_are_valid_and_broken_ones_are_explained() {
        // Without a configured profile there is none: no example servers pose as settings.
        assert_eq!(
            ServiceConfig::default().load_profile().expect("no file"),
            None
        );
        let example = parse_profile(
            Path::new("example.toml"),
            include_str!("../../profiles/example.toml"),
        )
        .expect("example profile");
        assert_eq!(example.provider, "Example Mail");
        let mxp = parse_profile(
            Path::new("mxp.toml"),
            include_str!("../../profiles/mxp.toml"),
        )
        .expect("seed profile");
        assert_eq!(
            mxp.names().iter().map(|n| n.as_str()).collect::<Vec<_>>(),
            ["mail.mxp.de", "login.mxp.de"]
        );
        let broken =
            "provider = \"X\"\n[smtp]\nhost = \"mail x.de\"\nport = 587\nsecurity = \"starttls\"\n";
        let error = parse_profile(Path::new("p.toml"), broken)
            .expect_err("broken")
            .to_string();
        assert!(
            error.contains("p.toml") && error.contains("mail x.de"),
            "{error}"
        );
        let no_incoming =
            "provider = \"X\"\n[smtp]\nhost = \"mail.x.de\"\nport = 465\nsecurity = \"starttls\"\n";
        let error = parse_profile(Path::new("p.toml"), no_incoming)
            .expect_err("broken")
            .to_string();
        assert!(
            error.contains("incoming") && error.contains("port 465"),
            "{error}"
        );
    }

    #[test]
    fn origins() {
        for good in [
            "https://www.mxp.de",
            "HTTPS://WWW.MXP.DE",
            "http://127.0.0.1:8081",
            "http://[::1]:9000",
            "https://xn--mller-kva.de",
        ] {
            let origin: Origin = good.parse().expect(good);
            assert_eq!(origin.as_str(), good.to_ascii_lowercase());
        }
        for bad in [
            "www.mxp.de",
            "ftp://mxp.de",
            "https://mxp.de/",
            "https://mxp.de:x",
            "https://*.mxp.de",
            "https://",
            "https://a b.de",
            "https://user@mxp.de",
        ] {
            assert!(bad.parse::<Origin>().is_err(), "{bad}");
        }
    }
}
