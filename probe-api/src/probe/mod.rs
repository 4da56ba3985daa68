//! The probe engine: from targets to a [`CheckReport`]. Knows nothing of HTTP.
//!
//! A check runs in two phases. [`Engine::plan`] resolves every host once and applies the address
//! and port policy, so a forbidden target is refused before any connection is made.
//! [`Engine::run`] then probes each planned endpoint at its checked address: every TLS version on
//! a fresh connection, each step under its own deadline.
//!
//! - [`policy`]: which addresses and ports may be contacted.
//! - [`resolve`]: names to addresses, once.
//! - [`tls`]: rustls handshakes for TLS 1.2 and 1.3.
//! - [`cert`]: the certificate verdict.

pub mod cert;
pub mod policy;
pub mod resolve;
pub mod tls;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::join_all;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{ServerName, UnixTime};
use thiserror::Error;
use tokio::net::TcpStream;

use mailtls_shared::{
    CheckReport, EndpointReport, HandshakeReport, Host, Outcome, Reason, Scheme, Target, TlsStart,
    TlsVersion, Verdict,
};

use self::cert::{CertJudge, TrustError};
use self::policy::{AddressPolicy, Denied};
use self::resolve::{ResolveError, Resolver};
use self::tls::{Handshake, TlsClients};

/// The versions this engine offers, oldest first.
pub const PROBED_VERSIONS: [TlsVersion; 2] = [TlsVersion::Tls12, TlsVersion::Tls13];

/// Deadlines for each network step.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub resolve: Duration,
    pub connect: Duration,
    pub handshake: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            resolve: Duration::from_secs(5),
            connect: Duration::from_secs(5),
            handshake: Duration::from_secs(10),
        }
    }
}

/// Everything an [`Engine`] is built from.
#[derive(Debug, Clone, Default)]
pub struct ProbeSettings {
    pub timeouts: Timeouts,
    pub policy: AddressPolicy,
    pub resolver: Resolver,
    /// PEM files whose certificates are trusted in addition to Mozilla's roots.
    pub extra_ca_files: Vec<String>,
}

/// Why a check was refused before any probe ran.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("port {port} is not a mail port this service checks")]
    ForbiddenPort { port: u16 },
    #[error("{host} resolves to {address}, which is a {why} address")]
    ForbiddenAddress {
        host: String,
        address: IpAddr,
        why: Denied,
    },
    #[error("{scheme} needs a STARTTLS dialog, which this version cannot run yet")]
    StarttlsNotSupported { scheme: Scheme },
}

/// One endpoint at one checked address (or the reason there is none).
#[derive(Debug, Clone)]
struct PlannedEndpoint {
    scheme: Scheme,
    host: Host,
    port: u16,
    address: Result<IpAddr, ResolveError>,
}

/// A check whose addresses are resolved and allowed.
#[derive(Debug, Clone)]
pub struct Plan {
    targets: Vec<Target>,
    endpoints: Vec<PlannedEndpoint>,
}

impl Plan {
    /// How many endpoint probes the plan will run.
    pub fn len(&self) -> usize {
        self.endpoints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }
}

/// The probe engine. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Engine {
    tls: TlsClients,
    judge: CertJudge,
    policy: AddressPolicy,
    resolver: Resolver,
    timeouts: Timeouts,
}

#[derive(Debug, Error)]
pub enum EngineError {
    #[error(transparent)]
    Trust(#[from] TrustError),
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] rustls::Error),
}

impl Engine {
    pub fn new(settings: ProbeSettings) -> Result<Self, EngineError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Self::with_provider(settings, provider)
    }

    fn with_provider(
        settings: ProbeSettings,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, EngineError> {
        Ok(Engine {
            tls: TlsClients::new(provider.clone())?,
            judge: CertJudge::new(provider, &settings.extra_ca_files)?,
            policy: settings.policy,
            resolver: settings.resolver,
            timeouts: settings.timeouts,
        })
    }

    /// The policy this engine enforces.
    pub fn policy(&self) -> &AddressPolicy {
        &self.policy
    }

    /// Resolves every target once and applies the policy; refuses the whole check if any target
    /// breaks it. A name that does not resolve is not refused: the report says so.
    pub async fn plan(&self, targets: Vec<Target>) -> Result<Plan, PlanError> {
        let mut endpoints = Vec::new();
        for target in &targets {
            let wanted = target.endpoints();
            for (scheme, port) in &wanted {
                if scheme.tls_start() == TlsStart::Starttls {
                    return Err(PlanError::StarttlsNotSupported { scheme: *scheme });
                }
                if !self.policy.check_port(*port) {
                    return Err(PlanError::ForbiddenPort { port: *port });
                }
            }
            let host = target.host();
            let addresses = self.resolver.resolve(host).await;
            if let Ok(addresses) = &addresses {
                for address in addresses {
                    self.policy.check_address(*address).map_err(|why| {
                        PlanError::ForbiddenAddress {
                            host: host.to_string(),
                            address: *address,
                            why,
                        }
                    })?;
                }
            }
            for (scheme, port) in wanted {
                let planned = |address| PlannedEndpoint {
                    scheme,
                    host: host.clone(),
                    port,
                    address,
                };
                match &addresses {
                    Ok(addresses) => endpoints.extend(addresses.iter().map(|a| planned(Ok(*a)))),
                    Err(error) => endpoints.push(planned(Err(error.clone()))),
                }
            }
        }
        Ok(Plan { targets, endpoints })
    }

    /// Probes every planned endpoint, concurrently, and assembles the report.
    pub async fn run(&self, plan: Plan) -> CheckReport {
        let started = Instant::now();
        let checked_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let probes = plan
            .endpoints
            .iter()
            .map(|endpoint| self.probe_endpoint(endpoint));
        let endpoints = join_all(probes).await;
        CheckReport {
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            checked_at,
            duration_ms: millis(started.elapsed()),
            targets: plan.targets,
            verdict: CheckReport::overall_verdict(&endpoints),
            endpoints,
        }
    }

    /// [`Engine::plan`] then [`Engine::run`].
    pub async fn check(&self, targets: Vec<Target>) -> Result<CheckReport, PlanError> {
        let plan = self.plan(targets).await?;
        Ok(self.run(plan).await)
    }

    async fn probe_endpoint(&self, endpoint: &PlannedEndpoint) -> EndpointReport {
        let mut report = EndpointReport {
            scheme: endpoint.scheme,
            host: endpoint.host.to_string(),
            port: endpoint.port,
            address: None,
            versions: Default::default(),
            handshakes: Vec::new(),
            certificate: None,
            findings: Vec::new(),
            verdict: Verdict::Untestable,
            error: None,
        };
        let address = match &endpoint.address {
            Ok(address) => *address,
            Err(error) => {
                let reason = match error {
                    ResolveError::NotFound(_) => Reason::NameNotFound,
                    ResolveError::Timeout { .. } => Reason::Timeout,
                };
                for version in PROBED_VERSIONS {
                    let handshake =
                        Handshake::failed(Outcome::Inconclusive, reason, error.to_string());
                    record(&mut report, version, handshake, Duration::ZERO);
                }
                return report;
            }
        };
        report.address = Some(address.to_string());
        let server_name = server_name(&endpoint.host);
        let mut chain = Vec::new();
        for version in PROBED_VERSIONS {
            let started = Instant::now();
            let handshake = match self.connect(SocketAddr::new(address, endpoint.port)).await {
                Ok(stream) => {
                    self.tls
                        .handshake(
                            stream,
                            version,
                            server_name.clone(),
                            self.timeouts.handshake,
                        )
                        .await
                }
                Err(failed) => failed,
            };
            if chain.is_empty() && !handshake.chain.is_empty() {
                chain = handshake.chain.clone();
            }
            record(&mut report, version, handshake, started.elapsed());
        }
        if !chain.is_empty() {
            report.certificate = Some(self.judge.judge(&chain, &server_name, UnixTime::now()));
        }
        report.verdict = if report.best_version().is_some() {
            Verdict::Ready
        } else {
            Verdict::NoModernTls
        };
        report
    }

    async fn connect(&self, address: SocketAddr) -> Result<TcpStream, Handshake> {
        match tokio::time::timeout(self.timeouts.connect, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                Err(Handshake::failed(
                    Outcome::Inconclusive,
                    Reason::ConnectionRefused,
                    format!("connection to {address} refused"),
                ))
            }
            Ok(Err(error)) => Err(Handshake::failed(
                Outcome::Inconclusive,
                Reason::Network,
                format!("cannot connect to {address}: {error}"),
            )),
            Err(_) => Err(Handshake::failed(
                Outcome::Inconclusive,
                Reason::Timeout,
                format!(
                    "no connection to {address} within {} s",
                    self.timeouts.connect.as_secs()
                ),
            )),
        }
    }
}

fn record(report: &mut EndpointReport, version: TlsVersion, handshake: Handshake, took: Duration) {
    report.versions.insert(version, handshake.outcome);
    report.handshakes.push(HandshakeReport {
        version,
        outcome: handshake.outcome,
        reason: handshake.reason,
        detail: handshake.detail,
        cipher_suite: handshake.cipher_suite,
        group: handshake.group,
        duration_ms: millis(took),
    });
}

/// SNI and the name the certificate must match: the name as typed, or the IP literal.
fn server_name(host: &Host) -> ServerName<'static> {
    match host {
        Host::Ip(ip) => ServerName::IpAddress((*ip).into()),
        Host::Name(name) => match ServerName::try_from(name.as_str().to_owned()) {
            Ok(server_name) => server_name,
            // Unreachable for a validated `Hostname`; fall back to the address form rather than
            // panic on input.
            Err(_) => ServerName::IpAddress(IpAddr::from([0, 0, 0, 0]).into()),
        },
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
