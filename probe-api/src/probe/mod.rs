//! The probe engine: from targets to a [`CheckReport`]. Knows nothing of HTTP.
//!
//! A check runs in two phases. [`Engine::plan`] resolves every host once and applies the address
//! and port policy, so a forbidden target is refused before any connection is made.
//! [`Engine::run`] then probes each planned endpoint at its checked address. Every TLS version is
//! tried on a fresh connection (with a fresh STARTTLS dialog where the scheme needs one): TLS 1.2
//! first, and only if that dialog works the other four, in parallel. At most
//! [`ProbeSettings::connections_per_address`] connections are open to one destination at a time,
//! across all checks ([`politeness`]); endpoints on the same scheme, port and address (two names
//! of one server, MX hosts sharing an address) are measured once, each other name getting one
//! handshake of its own for its certificate; and
//! every step ends by the check's deadline.
//!
//! A domain target (`domain:NAME`) is planned through its MX records ([`domain`]): each MX host
//! becomes an `smtp` endpoint on [`ProbeSettings::mx_port`], and while those are probed the
//! domain's MTA-STS policy, TLS-RPT record and the MX hosts' TLSA records are read; the presented
//! certificates are matched against them.
//!
//! The rooms, each with its own `//!` and invariant:
//! - [`policy`]: which addresses and ports may be contacted (the one place for that decision).
//! - [`resolve`]: names to addresses, once per check; [`politeness`]: connections per
//!   destination.
//! - [`dialog`]: the plain-text dialogs before TLS (`conn`, `starttls`, `smtp`, `imap`, `pop3`,
//!   `greeting`).
//! - [`handshake`]: rustls handshakes for TLS 1.2 and 1.3 (`tls`), hand-built hellos for older
//!   ones (`legacy`), the certificate verdict (`cert`), and the mail programs' captured hellos
//!   (`simulate`).
//! - [`domain`]: MX planning and the domain verdict, with `dns` (MX, TXT, TLSA), `mta_sts`,
//!   `tls_rpt` and `dane`.
//! - [`assess`]: findings and verdicts from what was observed (pure; the one place for them).

pub mod assess;
pub mod dialog;
pub mod domain;
pub mod handshake;
pub mod policy;
pub mod politeness;
pub mod resolve;

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;
use futures_util::future::join_all;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use thiserror::Error;
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;

use mailtls_shared::{
    CertificateReport, CheckReport, ClientReason, ClientReport, ClientResult, EndpointError,
    EndpointErrorCode, EndpointReport, HandshakeReport, Host, Hostname, Outcome, PortsNotOffered,
    Reason, Scheme, Target, TlsVersion, Verdict,
};

use self::domain::PlannedDomain;
use self::domain::dns::{Dns, DnsConfig};
use self::domain::mta_sts::PolicyFetcher;

use self::assess::{Observations, assess};
use self::dialog::conn::Conn;
use self::dialog::starttls::{DialogError, DialogFacts};
use self::dialog::{greeting, starttls};
use self::handshake::cert::{CertJudge, TrustError};
use self::handshake::simulate::{Catalog, CatalogError, Simulated};
use self::handshake::tls::{Handshake, TlsClients};
use self::handshake::{cert, legacy, simulate};
use self::policy::{AddressPolicy, Denied};
use self::resolve::{ResolveError, Resolver};
use crate::store::Store;

/// Deadlines for the network steps and for the whole check.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub resolve: Duration,
    /// Each of: connecting, the whole plain-text dialog, the TLS handshake.
    pub step: Duration,
    /// Everything, from the first connection to the report.
    pub check: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            resolve: Duration::from_secs(5),
            step: Duration::from_secs(10),
            check: Duration::from_secs(30),
        }
    }
}

/// How long one certificate verification may take before its check gives up on it.
pub const VERIFY_BUDGET: Duration = Duration::from_secs(5);

/// Outbound connections open at once, by default (probes, simulated clients, policy fetches).
pub const DEFAULT_MAX_OUTBOUND: usize = 1024;

/// The name we greet SMTP servers with when none is configured.
pub const DEFAULT_EHLO_NAME: &str = "probe.mailtls.invalid";

/// Everything an [`Engine`] is built from.
#[derive(Debug, Clone)]
pub struct ProbeSettings {
    pub timeouts: Timeouts,
    pub policy: AddressPolicy,
    pub resolver: Resolver,
    /// PEM files whose certificates are trusted in addition to Mozilla's roots.
    pub extra_ca_files: Vec<String>,
    /// The name sent with SMTP `EHLO`.
    pub ehlo_name: String,
    /// Most connections open at once to one address (mail servers throttle eager clients).
    pub connections_per_address: usize,
    /// Most outbound connections open at once in all (sized to the file-descriptor limit).
    pub max_outbound_connections: usize,
    /// Where MX, TXT and TLSA lookups go (and address lookups too, when a server is set).
    pub dns: DnsConfig,
    /// The port MX hosts are checked on: 25 on the internet; a lab or test may move it.
    pub mx_port: u16,
    /// The port MTA-STS policies are fetched from: 443 on the internet.
    pub mta_sts_port: u16,
    /// Send the mail programs' own hellos after the version probes ([`simulate`]).
    pub simulate_clients: bool,
    /// A valid certificate expiring within this many days gets a warning.
    pub certificate_warning_days: u32,
    /// Where the per-destination connection slots live: this process (the default), or the
    /// store a fleet of replicas shares.
    pub store: Arc<Store>,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            timeouts: Timeouts::default(),
            policy: AddressPolicy::default(),
            resolver: Resolver::default(),
            extra_ca_files: Vec::new(),
            ehlo_name: DEFAULT_EHLO_NAME.to_owned(),
            connections_per_address: 2,
            max_outbound_connections: DEFAULT_MAX_OUTBOUND,
            dns: DnsConfig::default(),
            mx_port: 25,
            mta_sts_port: 443,
            simulate_clients: true,
            certificate_warning_days: 14,
            store: Arc::default(),
        }
    }
}

/// This host ran out of its own sockets during a check: what it measured says nothing certain
/// about the servers, so there is no report (the service answers `503 busy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("this service had no free sockets for the check; please try again in a moment")]
pub struct Overloaded;

/// Why [`Engine::check`] has no report.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Overloaded(#[from] Overloaded),
}

/// Why a check was refused before any probe ran.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("port {port} is not a mail port this service checks")]
    ForbiddenPort { port: u16 },
    #[error("{host} is in the reserved domain .{domain}, which never holds a public mail server")]
    ForbiddenDomain { host: String, domain: &'static str },
    /// The name is an alias (CNAME) of a name in a reserved domain.
    #[error("{host} is an alias of {alias}, in the reserved domain .{domain}")]
    AliasOfReserved {
        host: String,
        alias: String,
        domain: &'static str,
    },
    #[error("{host} is not under the provider's domains ({})", domains.join(", "))]
    OutsideProviderDomains { host: String, domains: Vec<String> },
    #[error("{host} resolves to {address}, which is a {why} address")]
    ForbiddenAddress {
        host: String,
        address: IpAddr,
        why: Denied,
    },
}

/// One endpoint at one checked address (or the reason there is none).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PlannedEndpoint {
    scheme: Scheme,
    host: Host,
    port: u16,
    address: Result<IpAddr, ResolveError>,
    /// One of the seven ports of a bare host check: nothing listening there means the service
    /// is not offered, not that the check failed.
    optional: bool,
}

/// A check whose addresses are resolved and allowed.
#[derive(Debug, Clone)]
pub struct Plan {
    targets: Vec<Target>,
    endpoints: Vec<PlannedEndpoint>,
    domains: Vec<PlannedDomain>,
    /// When planning began: the check's deadline and its reported duration count from here, so
    /// lookups that hang use up the same budget as the probes.
    started: Instant,
}

impl Plan {
    /// The targets, as planned (for cache keys and reports).
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The distinct addresses the plan will contact.
    pub fn addresses(&self) -> Vec<IpAddr> {
        let mut addresses: Vec<IpAddr> = self
            .endpoints
            .iter()
            .filter_map(|endpoint| endpoint.address.as_ref().ok().copied())
            .collect();
        addresses.sort();
        addresses.dedup();
        addresses
    }

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
    /// Certificate verifications running at once on the blocking pool.
    verify_slots: Arc<Semaphore>,
    policy: AddressPolicy,
    resolver: Resolver,
    timeouts: Timeouts,
    ehlo_name: String,
    slots: politeness::AddressSlots,
    dns: Arc<Dns>,
    fetcher: PolicyFetcher,
    mx_port: u16,
    provider: Arc<CryptoProvider>,
    /// `None` when client simulation is off.
    catalog: Option<Arc<Catalog>>,
    certificate_warning_days: u32,
}

#[derive(Debug, Error)]
pub enum EngineError {
    #[error(transparent)]
    Trust(#[from] TrustError),
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] rustls::Error),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// A connection that could not even reach the TLS handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Unreached {
    reason: Reason,
    error: EndpointError,
    /// What the dialog learned before it failed (STARTTLS not offered still tells about AUTH).
    facts: Option<DialogFacts>,
}

/// One version's attempt: the handshake, or why no handshake happened.
type Attempt = Result<(Handshake, DialogFacts), Unreached>;

impl Engine {
    /// The longest a whole check may take.
    pub fn check_timeout(&self) -> Duration {
        self.timeouts.check
    }

    pub fn new(settings: ProbeSettings) -> Result<Self, EngineError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Self::with_provider(settings, provider)
    }

    fn with_provider(
        settings: ProbeSettings,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, EngineError> {
        let dns = Arc::new(Dns::new(DnsConfig {
            timeout: settings.timeouts.resolve,
            ..settings.dns
        }));
        let resolver = settings.resolver.with_dns(dns.clone());
        let roots = cert::trust_roots(&settings.extra_ca_files)?;
        let mut https = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        // Each MTA-STS fetch validates the policy host's certificate afresh.
        https.resumption = rustls::client::Resumption::disabled();
        Ok(Engine {
            tls: TlsClients::new(provider.clone())?,
            judge: CertJudge::new(provider.clone(), roots)?,
            verify_slots: Arc::new(Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get() * 2),
            )),
            policy: settings.policy,
            resolver,
            timeouts: settings.timeouts,
            ehlo_name: settings.ehlo_name,
            slots: politeness::AddressSlots::new(
                settings.connections_per_address,
                settings.max_outbound_connections,
                settings.store.clone(),
            ),
            dns,
            fetcher: PolicyFetcher {
                tls: Arc::new(https),
                port: settings.mta_sts_port,
                timeout: settings.timeouts.step,
            },
            mx_port: settings.mx_port,
            provider,
            certificate_warning_days: settings.certificate_warning_days,
            catalog: if settings.simulate_clients {
                Some(Arc::new(Catalog::load()?))
            } else {
                None
            },
        })
    }

    /// Resolves every target once and applies the policy; refuses the whole check if any target
    /// breaks it. A name that does not resolve is not refused: the report says so.
    pub async fn plan(&self, targets: Vec<Target>) -> Result<Plan, PlanError> {
        let started = Instant::now();
        let deadline = started + self.timeouts.check;
        let mut endpoints = Vec::new();
        let mut domains = Vec::new();
        for target in &targets {
            let Some(host) = target.host() else {
                if let Target::Domain(domain) = target {
                    let planned = self.plan_domain(domain, deadline).await?;
                    for mx in &planned.hosts {
                        let Ok((name, addresses)) = &mx.addresses else {
                            continue;
                        };
                        for address in addresses {
                            let endpoint = PlannedEndpoint {
                                scheme: Scheme::Smtp,
                                host: Host::Name(name.clone()),
                                port: self.mx_port,
                                address: Ok(*address),
                                optional: false,
                            };
                            // Domains sharing an MX host share its probe.
                            if !endpoints.contains(&endpoint) {
                                endpoints.push(endpoint);
                            }
                        }
                    }
                    domains.push(planned);
                }
                continue;
            };
            let wanted = target.endpoints();
            if let Some((_, port)) = wanted
                .iter()
                .find(|(_, port)| !self.policy.check_port(*port))
            {
                return Err(PlanError::ForbiddenPort { port: *port });
            }
            self.check_name_rules(host)?;
            let addresses =
                match tokio::time::timeout_at(deadline, self.resolver.resolve(host)).await {
                    Ok(addresses) => addresses,
                    Err(_) => Err(ResolveError::Timeout {
                        name: host.to_string(),
                        seconds: self.timeouts.check.as_secs(),
                    }),
                };
            // A name aliased into a reserved domain is refused like that domain.
            if let Err(ResolveError::ReservedAlias { alias, domain, .. }) = &addresses {
                return Err(PlanError::AliasOfReserved {
                    host: host.to_string(),
                    alias: alias.clone(),
                    domain,
                });
            }
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
            let optional = matches!(target, Target::Host(_));
            for (scheme, port) in wanted {
                let planned = |address| PlannedEndpoint {
                    scheme,
                    host: host.clone(),
                    port,
                    address,
                    optional,
                };
                match &addresses {
                    Ok(addresses) => endpoints.extend(addresses.iter().map(|a| planned(Ok(*a)))),
                    Err(error) => endpoints.push(planned(Err(error.clone()))),
                }
            }
        }
        Ok(Plan {
            targets,
            endpoints,
            domains,
            started,
        })
    }

    /// A domain target: the same port, provider and name rules as a host, then its MX hosts.
    async fn plan_domain(
        &self,
        domain: &Hostname,
        deadline: Instant,
    ) -> Result<PlannedDomain, PlanError> {
        if !self.policy.check_port(self.mx_port) {
            return Err(PlanError::ForbiddenPort { port: self.mx_port });
        }
        // Provider mode admits a customer's own domain (`kunde@firma.de`) when the provider
        // receives its mail: every MX host lies under the provider's domains. Nothing is
        // probed before that is known.
        let hosted_elsewhere = !self
            .policy
            .check_provider_domain(&Host::Name(domain.clone()));
        if hosted_elsewhere {
            self.check_reserved_name(&Host::Name(domain.clone()))?;
        } else {
            self.check_name_rules(&Host::Name(domain.clone()))?;
        }
        let planned = domain::plan(self.domain_context(), domain);
        let planned = tokio::time::timeout_at(deadline, planned)
            .await
            .unwrap_or_else(|_| {
                PlannedDomain::lookup_failed(
                    domain,
                    format!(
                        "the MX lookup did not finish within the check's {} s",
                        self.timeouts.check.as_secs()
                    ),
                )
            });
        if hosted_elsewhere {
            let outside = planned
                .hosts
                .iter()
                .find(|mx| {
                    !Hostname::parse(mx.name.trim_end_matches('.'))
                        .is_ok_and(|name| self.policy.check_provider_domain(&Host::Name(name)))
                })
                .map(|mx| mx.name.clone());
            if planned.hosts.is_empty() || outside.is_some() {
                return Err(self.outside_provider(outside.unwrap_or_else(|| domain.to_string())));
            }
        }
        Ok(planned)
    }

    /// Provider mode and reserved domains: the rules every target's name meets before any
    /// lookup.
    fn check_name_rules(&self, host: &Host) -> Result<(), PlanError> {
        if !self.policy.check_provider_domain(host) {
            return Err(self.outside_provider(host.to_string()));
        }
        self.check_reserved_name(host)
    }

    /// Provider mode refuses `host`, naming the provider's domains.
    fn outside_provider(&self, host: String) -> PlanError {
        PlanError::OutsideProviderDomains {
            host,
            domains: self
                .policy
                .provider_domains()
                .iter()
                .map(ToString::to_string)
                .collect(),
        }
    }

    /// Reserved domains (`.internal`, `.local`, …) are never checked, unless an operator or test
    /// pinned the name with `--resolve` or allowed them.
    fn check_reserved_name(&self, host: &Host) -> Result<(), PlanError> {
        if let Host::Name(name) = host
            && !self.resolver.is_overridden(name)
            && !self.policy.allows_reserved_names()
        {
            policy::check_name(name).map_err(|domain| PlanError::ForbiddenDomain {
                host: host.to_string(),
                domain,
            })?;
        }
        Ok(())
    }

    fn domain_context(&self) -> domain::Context<'_> {
        domain::Context {
            dns: &self.dns,
            resolver: &self.resolver,
            policy: &self.policy,
            slots: &self.slots,
        }
    }

    /// Probes every planned endpoint, concurrently, and assembles the report.
    pub async fn run(&self, plan: Plan) -> Result<CheckReport, Overloaded> {
        self.run_with_progress(plan, None).await
    }

    /// [`Engine::run`], sending each endpoint's report to `progress` the moment it is finished.
    /// An endpoint this host could not test for want of its own sockets is not sent, and the
    /// check ends in [`Overloaded`] instead of a report.
    pub async fn run_with_progress(
        &self,
        plan: Plan,
        progress: Option<mpsc::UnboundedSender<EndpointReport>>,
    ) -> Result<CheckReport, Overloaded> {
        let started = plan.started;
        let deadline = started + self.timeouts.check;
        let checked_at =
            humantime::format_rfc3339_seconds(SystemTime::now() - started.elapsed()).to_string();
        // One server, one measurement: the first endpoint on each scheme, port and address
        // leads; the others on it (another name) wait for it and add one handshake each.
        let mut leads: HashMap<(Scheme, u16, IpAddr), usize> = HashMap::new();
        for (index, endpoint) in plan.endpoints.iter().enumerate() {
            if let Ok(address) = endpoint.address {
                leads
                    .entry((endpoint.scheme, endpoint.port, address))
                    .or_insert(index);
            }
        }
        let measurements: Vec<_> = plan
            .endpoints
            .iter()
            .map(|endpoint| self.measure(endpoint, deadline).boxed().shared())
            .collect();
        let probes = plan.endpoints.iter().enumerate().map(|(index, endpoint)| {
            let lead = endpoint
                .address
                .as_ref()
                .ok()
                .and_then(|address| leads.get(&(endpoint.scheme, endpoint.port, *address)))
                .copied()
                .unwrap_or(index);
            let measured = measurements[lead].clone();
            let progress = progress.clone();
            async move {
                let mut measured = measured.await;
                if lead != index {
                    measured = self.measure_other_name(endpoint, measured, deadline).await;
                }
                let measured_overloaded = measured.overloaded;
                let (report, chain, unjudged) = self.report(endpoint, measured).await;
                let overloaded = measured_overloaded || unjudged;
                let mut probed = (report, chain);
                // What the server sent is capped before anyone sees it (`shared::caps`).
                probed.0.cap();
                if let Some(progress) = progress.filter(|_| !overloaded) {
                    // A listener that went away does not stop the check.
                    let _ = progress.send(probed.0.clone());
                }
                (probed, overloaded)
            }
        });
        // The domains' policy and TLSA records are read while their MX hosts are probed.
        let records = join_all(plan.domains.iter().map(|planned| async move {
            let records = domain::records(self.domain_context(), &self.fetcher, planned);
            tokio::time::timeout_at(deadline, records)
                .await
                .unwrap_or_else(|_| domain::Records::ran_out())
        }));
        let (probed, records) = tokio::join!(join_all(probes), records);
        if probed.iter().any(|(_, overloaded)| *overloaded)
            || records.iter().any(|records| records.overloaded)
        {
            return Err(Overloaded);
        }
        let probed: Vec<_> = probed.into_iter().map(|(probed, _)| probed).collect();
        let dane = domain::DaneCheck {
            provider: &self.provider,
            now: UnixTime::now(),
        };
        let mx_probes = domain::MxProbes::new(&probed, self.mx_port);
        let domains: Vec<_> = plan
            .domains
            .iter()
            .zip(records)
            .map(|(planned, records)| domain::assess(planned, records, &mx_probes, &dane))
            .collect();
        let endpoints: Vec<_> = probed.into_iter().map(|(report, _)| report).collect();
        let mut report = CheckReport {
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            checked_at,
            duration_ms: millis(started.elapsed()),
            targets: plan.targets,
            verdict: CheckReport::overall(&endpoints, &domains, PortsNotOffered::Ignore),
            endpoints,
            domains,
            truncated: false,
            cached: false,
            age_seconds: None,
        };
        report.fit(mailtls_shared::caps::MAX_REPORT_BYTES);
        Ok(report)
    }

    /// Every simulated client as untested for `reason` (empty when simulation is off).
    fn untested_clients(&self, reason: ClientReason, detail: &str) -> Vec<ClientReport> {
        self.catalog
            .iter()
            .flat_map(|catalog| catalog.clients())
            .map(|client| {
                simulate::without_handshake(
                    client.profile.client,
                    ClientResult::Untested,
                    reason,
                    detail,
                )
            })
            .collect()
    }

    /// [`Engine::plan`] then [`Engine::run`].
    pub async fn check(&self, targets: Vec<Target>) -> Result<CheckReport, CheckError> {
        let plan = self.plan(targets).await?;
        Ok(self.run(plan).await?)
    }

    /// What the endpoint's handshakes and dialogs show, before its certificate is judged.
    async fn measure(&self, endpoint: &PlannedEndpoint, deadline: Instant) -> Measured {
        let (probes, address, clients, overloaded) = match &endpoint.address {
            Err(error) => {
                let (reason, code) = match error {
                    ResolveError::NotFound(_) => {
                        (Reason::NameNotFound, EndpointErrorCode::NameNotFound)
                    }
                    // DNS trouble says nothing about the name: "not found" would send the
                    // customer to fix a spelling that is right.
                    ResolveError::Timeout { .. } | ResolveError::Failed { .. } => {
                        (Reason::LookupFailed, EndpointErrorCode::LookupFailed)
                    }
                    // Refused in `plan`; never probed.
                    ResolveError::ReservedAlias { .. } => {
                        (Reason::NameNotFound, EndpointErrorCode::Refused)
                    }
                };
                let error = EndpointError {
                    code,
                    message: error.to_string(),
                };
                let clients = self.untested_clients(
                    ClientReason::Unreached,
                    "the server could not be reached, so no client was tried",
                );
                (
                    VersionProbes::unreached(reason, error),
                    None,
                    clients,
                    false,
                )
            }
            Ok(ip) => {
                let implicit = endpoint.scheme.tls_start() == mailtls_shared::TlsStart::Implicit;
                let target = Attempting::new(self, endpoint, *ip, deadline, implicit);
                let probes = target.all_versions().await;
                let clients = match &self.catalog {
                    Some(catalog) => {
                        let versions = probes
                            .handshakes
                            .iter()
                            .map(|(version, handshake, _)| (*version, handshake.outcome))
                            .collect();
                        target.simulate(catalog, &versions).await
                    }
                    None => Vec::new(),
                };
                let overloaded = target.overloaded.load(std::sync::atomic::Ordering::Relaxed);
                (probes, Some(*ip), clients, overloaded)
            }
        };
        let VersionProbes {
            handshakes,
            auth_before_tls,
            response_injection,
            tls12_legacy_ciphers_only,
            error,
        } = probes;
        Measured {
            handshakes,
            observations: Observations {
                auth_before_tls,
                response_injection,
                tls12_legacy_ciphers_only,
                error,
                clients,
                ..Observations::default()
            },
            address,
            overloaded,
        }
    }

    /// Another name on a server measured under its first name (`lead`): the same versions,
    /// dialogs and clients, and one handshake of its own at the newest accepted version, so its
    /// certificate is the one the server presents for this name (SNI). Without that handshake
    /// no certificate is claimed.
    async fn measure_other_name(
        &self,
        endpoint: &PlannedEndpoint,
        lead: Measured,
        deadline: Instant,
    ) -> Measured {
        let mut measured = lead;
        let best = measured
            .handshakes
            .iter()
            .rev()
            .find(|(_, handshake, _)| handshake.outcome == Outcome::Accepted)
            .map(|(version, _, _)| *version);
        for (_, handshake, _) in &mut measured.handshakes {
            handshake.chain.clear();
        }
        let (Some(best), Ok(ip)) = (best, &endpoint.address) else {
            return measured;
        };
        let own = Attempting::new(self, endpoint, *ip, deadline, false);
        if let Ok((handshake, _)) = own.attempt(best).await
            && handshake.outcome == Outcome::Accepted
            && let Some((_, shared, _)) = measured
                .handshakes
                .iter_mut()
                .find(|(version, _, _)| *version == best)
        {
            shared.chain = handshake.chain;
        }
        measured.overloaded |= own.overloaded.load(std::sync::atomic::Ordering::Relaxed);
        measured
    }

    /// The verdict on a chain a server chose, judged on the blocking pool — at most
    /// [`Engine::verify_slots`] at a time, each within [`VERIFY_BUDGET`] — so a slow
    /// verification of a hostile chain never holds up the async workers and other checks.
    /// `Err(Overloaded)` when no verification finished within the budget (waiting for a slot
    /// included): this host's load, never a verdict on the server's certificate.
    async fn judged(
        &self,
        chain: Vec<CertificateDer<'static>>,
        name: ServerName<'static>,
    ) -> Result<CertificateReport, Overloaded> {
        let judge = self.judge.clone();
        let slots = self.verify_slots.clone();
        let judging = async move {
            let slot = slots.acquire_owned().await.map_err(|_| Overloaded)?;
            tokio::task::spawn_blocking(move || {
                // The slot is held until the verification really ends, even past the budget.
                let _slot = slot;
                judge.judge(&chain, &name, UnixTime::now())
            })
            .await
            .map_err(|_| Overloaded)
        };
        tokio::time::timeout(VERIFY_BUDGET, judging)
            .await
            .map_err(|_| Overloaded)?
    }

    /// The endpoint's report from what was measured, the certificate chain it presented (for
    /// DANE), and whether that chain could not be judged in time (this host's overload).
    async fn report(
        &self,
        endpoint: &PlannedEndpoint,
        measured: Measured,
    ) -> (EndpointReport, Vec<CertificateDer<'static>>, bool) {
        let Measured {
            handshakes,
            mut observations,
            address,
            overloaded: _,
        } = measured;
        let chain = [
            TlsVersion::Tls13,
            TlsVersion::Tls12,
            TlsVersion::Tls11,
            TlsVersion::Tls10,
            TlsVersion::Ssl3,
        ]
        .iter()
        .filter_map(|wanted| handshakes.iter().find(|(version, _, _)| version == wanted))
        .map(|(_, handshake, _)| &handshake.chain)
        .find(|chain| !chain.is_empty());
        let presented = chain.cloned().unwrap_or_default();
        let mut unjudged = false;
        let certificate = match chain {
            Some(chain) => match self
                .judged(chain.clone(), server_name(&endpoint.host))
                .await
            {
                Ok(certificate) => Some(certificate),
                Err(Overloaded) => {
                    unjudged = true;
                    None
                }
            },
            None => None,
        };
        observations.certificate = certificate.as_ref().map(|c| c.verdict);
        observations.certificate_key = certificate.as_ref().and_then(|c| c.key_type.clone());
        observations.certificate_days_left = certificate.as_ref().and_then(|c| c.days_left);
        observations.certificate_warning_days = self.certificate_warning_days;
        observations.versions = handshakes
            .iter()
            .map(|(version, handshake, _)| (*version, handshake.outcome))
            .collect();
        observations.optional_port = endpoint.optional;
        observations.port = endpoint.port;
        observations.wrong_service = wrong_service(endpoint.scheme, &handshakes);
        let (findings, verdict) = assess(endpoint.scheme, &observations, self.catalog.as_deref());
        if verdict == Verdict::Untestable && observations.error.is_none() {
            // Every handshake was inconclusive: say why, as for a failed dialog.
            observations.error = untestable_error(&handshakes);
        }
        let report = EndpointReport {
            scheme: endpoint.scheme,
            host: endpoint.host.to_string(),
            port: endpoint.port,
            address: address.map(|a| a.to_string()),
            versions: observations.versions.clone(),
            handshakes: handshakes
                .into_iter()
                .map(|(version, handshake, took)| HandshakeReport {
                    version,
                    outcome: handshake.outcome,
                    reason: handshake.reason,
                    detail: handshake.detail,
                    cipher_suite: handshake.cipher_suite,
                    group: handshake.group,
                    duration_ms: millis(took),
                })
                .collect(),
            certificate,
            clients: observations.clients,
            findings,
            verdict,
            service_found: observations
                .wrong_service
                .map(greeting::WrongService::found),
            error: observations.error,
        };
        (report, presented, unjudged)
    }
}

/// What measuring one endpoint found: its handshakes (with the chains presented) and what the
/// dialogs and clients showed.
#[derive(Debug, Clone)]
struct Measured {
    handshakes: Vec<(TlsVersion, Handshake, Duration)>,
    observations: Observations,
    address: Option<IpAddr>,
    /// Some connection failed for want of this host's own sockets.
    overloaded: bool,
}

/// What the version probes of one endpoint found, before its certificate is judged.
#[derive(Debug)]
struct VersionProbes {
    /// One handshake per version, in [`TlsVersion`] order.
    handshakes: Vec<(TlsVersion, Handshake, Duration)>,
    auth_before_tls: bool,
    response_injection: Option<String>,
    /// TLS 1.2 worked only with the hand-built hello's suites (CBC, RSA key exchange).
    tls12_legacy_ciphers_only: bool,
    /// Why the server was not reached (name, lookup, connection or dialog).
    error: Option<EndpointError>,
}

impl VersionProbes {
    /// Not reached: every version inconclusive for the same reason, said once as the error.
    fn unreached(reason: Reason, error: EndpointError) -> Self {
        VersionProbes {
            handshakes: TlsVersion::ALL
                .into_iter()
                .map(|version| {
                    let failed = Handshake::failed(Outcome::Inconclusive, reason, &error.message);
                    (version, failed, Duration::ZERO)
                })
                .collect(),
            auth_before_tls: false,
            response_injection: None,
            tls12_legacy_ciphers_only: false,
            error: Some(error),
        }
    }
}

/// One endpoint at one address, being probed.
struct Attempting<'a> {
    engine: &'a Engine,
    scheme: Scheme,
    address: SocketAddr,
    server_name: ServerName<'static>,
    deadline: Instant,
    /// Read the greeting after the next rustls handshake (implicit TLS): on TLS 1.2 first, and
    /// on TLS 1.3 only when TLS 1.2 failed. One wait per endpoint.
    greet: std::sync::atomic::AtomicBool,
    /// A connection failed for want of this host's own resources: the measurement says
    /// nothing about the server, and the check must not be reported or kept.
    overloaded: std::sync::atomic::AtomicBool,
    /// One of this endpoint's connections got a slot: later waits are its own.
    connected: std::sync::atomic::AtomicBool,
}

impl<'a> Attempting<'a> {
    /// `endpoint` at `ip`, under the engine's slots for that destination; `greet`: read the
    /// greeting after the first handshake (implicit TLS).
    fn new(
        engine: &'a Engine,
        endpoint: &PlannedEndpoint,
        ip: IpAddr,
        deadline: Instant,
        greet: bool,
    ) -> Self {
        Attempting {
            engine,
            scheme: endpoint.scheme,
            address: SocketAddr::new(ip, endpoint.port),
            server_name: server_name(&endpoint.host),
            deadline,
            greet: std::sync::atomic::AtomicBool::new(greet),
            overloaded: std::sync::atomic::AtomicBool::new(false),
            connected: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl Attempting<'_> {
    /// Notes this host's overload and says so as an unreached connection.
    fn overloaded(&self, why: &str) -> Unreached {
        self.overloaded
            .store(true, std::sync::atomic::Ordering::Relaxed);
        unreached(
            Reason::Network,
            EndpointErrorCode::Network,
            format!("not tested: {why}"),
        )
    }

    /// TLS 1.2 first; if the connection and dialog work, the other versions in parallel.
    async fn all_versions(&self) -> VersionProbes {
        let started = Instant::now();
        let (mut tls12, facts) = match self.attempt(TlsVersion::Tls12).await {
            // Nothing else can work either; don't knock five times.
            Err(unreached) => {
                return VersionProbes {
                    auth_before_tls: unreached.facts.is_some_and(|facts| facts.auth_before_tls),
                    ..VersionProbes::unreached(unreached.reason, unreached.error)
                };
            }
            Ok(first) => first,
        };
        let mut tls12_took = started.elapsed();
        // One wait for a greeting per endpoint: TLS 1.3 only listens when TLS 1.2 failed.
        if tls12.outcome == Outcome::Accepted {
            self.greet
                .store(false, std::sync::atomic::Ordering::Relaxed);
        }
        let rest = [
            TlsVersion::Ssl3,
            TlsVersion::Tls10,
            TlsVersion::Tls11,
            TlsVersion::Tls13,
        ];
        let others = join_all(rest.map(|version| async move {
            let started = Instant::now();
            (version, self.attempt(version).await, started.elapsed())
        }))
        .await;
        // rustls offers only AEAD suites: a refusal may mean "no common suite", not "no TLS 1.2".
        let no_common_suite = tls12.detail.as_deref().is_some_and(|detail| {
            detail.ends_with("handshake_failure") || detail.ends_with("insufficient_security")
        });
        let mut tls12_legacy_ciphers_only = false;
        if tls12.outcome == Outcome::Rejected && no_common_suite {
            let started = Instant::now();
            if let Ok((legacy, _)) = self.attempt_legacy_tls12().await
                && legacy.outcome == Outcome::Accepted
            {
                tls12 = legacy;
                tls12_legacy_ciphers_only = true;
            }
            tls12_took += started.elapsed();
        }
        let mut handshakes: Vec<_> = others
            .into_iter()
            .map(|(version, attempt, took)| {
                let handshake = match attempt {
                    Ok((handshake, _)) => handshake,
                    Err(unreached) => Handshake::failed(
                        Outcome::Inconclusive,
                        unreached.reason,
                        unreached.error.message,
                    ),
                };
                (version, handshake, took)
            })
            .chain([(TlsVersion::Tls12, tls12, tls12_took)])
            .collect();
        handshakes.sort_by_key(|(version, _, _)| *version);
        VersionProbes {
            handshakes,
            auth_before_tls: facts.auth_before_tls,
            response_injection: facts.injected,
            tls12_legacy_ciphers_only,
            error: None,
        }
    }

    /// One fresh connection: slot, connect, dialog, handshake at `version`.
    async fn attempt(&self, version: TlsVersion) -> Attempt {
        self.attempt_with(version, false).await
    }

    /// TLS 1.2 with a hand-built hello offering the legacy suites rustls lacks.
    async fn attempt_legacy_tls12(&self) -> Attempt {
        self.attempt_with(TlsVersion::Tls12, true).await
    }

    async fn attempt_with(&self, version: TlsVersion, legacy_hello: bool) -> Attempt {
        let Opened {
            _slot,
            _outbound,
            mut stream,
            facts,
            handshake_time,
        } = self.open().await?;
        let sni = self.sni();
        let handshake = match version {
            TlsVersion::Tls12 | TlsVersion::Tls13 if !legacy_hello => {
                let implicit = self.greet.load(std::sync::atomic::Ordering::Relaxed);
                self.engine
                    .tls
                    .handshake(
                        stream,
                        version,
                        self.server_name.clone(),
                        handshake_time,
                        implicit,
                    )
                    .await
            }
            _ => legacy::handshake(&mut stream, version, sni.as_deref(), handshake_time).await,
        };
        Ok((handshake, facts))
    }

    /// The name sent as SNI: DNS names only.
    fn sni(&self) -> Option<String> {
        match &self.server_name {
            ServerName::DnsName(name) => Some(name.as_ref().to_owned()),
            _ => None,
        }
    }

    /// Every simulated client's result, once the version probes are done: decided from the
    /// versions where they suffice, else by sending the client's own hello. Each hello is one
    /// more connection under the same per-address limit and deadline.
    async fn simulate(
        &self,
        catalog: &Catalog,
        versions: &BTreeMap<TlsVersion, Outcome>,
    ) -> Vec<ClientReport> {
        if !versions
            .values()
            .any(|outcome| *outcome == Outcome::Accepted)
        {
            return self.engine.untested_clients(
                ClientReason::Skipped,
                "no version probe reached a handshake, so no client was tried",
            );
        }
        // Common clients queue for the per-address slots first, so when the check's time runs
        // out it is the rarer ones that stay untested; the report keeps the catalog's order.
        let mut order: Vec<&Simulated> = catalog.clients().iter().collect();
        order.sort_by_key(|client| !client.profile.common);
        let mut reports = join_all(order.into_iter().map(|client| async move {
            match simulate::decide_from_versions(client.profile, versions) {
                Some(decided) => decided,
                None => self.simulate_one(client).await,
            }
        }))
        .await;
        reports.sort_by_key(|report| report.client);
        reports
    }

    async fn simulate_one(&self, client: &Simulated) -> ClientReport {
        let untested = |reason, detail: String| {
            simulate::without_handshake(
                client.profile.client,
                ClientResult::Untested,
                reason,
                detail,
            )
        };
        let record = match client
            .hello
            .rewrite(self.sni().as_deref(), legacy::random())
        {
            Ok(record) => record,
            Err(error) => return untested(ClientReason::Skipped, error.to_string()),
        };
        let Opened {
            _slot,
            _outbound,
            mut stream,
            handshake_time,
            ..
        } = match self.open().await {
            Ok(opened) => opened,
            Err(unreached) => {
                let reason = match unreached.reason {
                    Reason::Timeout => ClientReason::Timeout,
                    _ => ClientReason::Unreached,
                };
                return untested(reason, unreached.error.message);
            }
        };
        let answer = legacy::exchange(
            &mut stream,
            &record,
            legacy::FlightReader::through_key_exchange(),
            handshake_time,
        )
        .await;
        simulate::judge(client, answer, handshake_time)
    }

    /// One fresh connection, ready for a ClientHello: a slot, the TCP connection and the
    /// plain-text dialog, with the time left for the handshake.
    async fn open(&self) -> Result<Opened, Unreached> {
        let slot = match self
            .engine
            .slots
            .acquire(self.address.ip(), self.deadline)
            .await
        {
            Ok(slot) => slot,
            // Our own failure, never a verdict about the server.
            Err(politeness::NoSlot::Store(error)) => {
                return Err(
                    self.overloaded(&format!("no connection slot for this server: {error}"))
                );
            }
            // Never connected at all: the whole wait was for other checks' connections to this
            // server, which says nothing about it (this host's load: 503, not a verdict).
            _ if !self.connected.load(std::sync::atomic::Ordering::Relaxed) => {
                return Err(self.overloaded(
                    "other checks held this server's connection slots until the deadline",
                ));
            }
            _ => {
                return Err(unreached(
                    Reason::Timeout,
                    EndpointErrorCode::Timeout,
                    "the check's time ran out before this connection could start".into(),
                ));
            }
        };
        self.connected
            .store(true, std::sync::atomic::Ordering::Relaxed);
        // One of this host's sockets: waiting for one is our load, not the server's answer.
        let Some(outbound) = self.engine.slots.outbound(self.deadline).await else {
            return Err(self.overloaded("no outbound socket of this service came free in time"));
        };
        let step_deadline = (Instant::now() + self.engine.timeouts.step).min(self.deadline);
        let stream = self.connect(step_deadline).await?;
        let dialog_deadline = (Instant::now() + self.engine.timeouts.step).min(self.deadline);
        let mut conn = Conn::new(stream, dialog_deadline);
        let mut facts =
            match starttls::negotiate(self.scheme, &mut conn, &self.engine.ehlo_name).await {
                Ok(facts) => facts,
                Err(error) => {
                    let facts = match &error {
                        DialogError::StarttlsNotOffered { facts } => Some(facts.clone()),
                        _ => None,
                    };
                    if let Some(goodbye) = starttls::goodbye(self.scheme) {
                        conn.say_goodbye(goodbye).await;
                    }
                    let reason = match error.code() {
                        EndpointErrorCode::Throttled => Reason::Throttled,
                        EndpointErrorCode::Timeout => Reason::Timeout,
                        _ => Reason::Starttls,
                    };
                    return Err(Unreached {
                        reason,
                        error: EndpointError {
                            code: error.code(),
                            message: error.to_string(),
                        },
                        facts,
                    });
                }
            };
        // Injected plain text is reported, and thrown away so the TLS behind it is measured.
        let (stream, injected) = conn.into_stream_discarding();
        facts.injected = injected.map(|error| error.to_string());
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        Ok(Opened {
            _slot: slot,
            _outbound: outbound,
            stream,
            facts,
            handshake_time: self.engine.timeouts.step.min(remaining),
        })
    }

    async fn connect(&self, deadline: Instant) -> Result<TcpStream, Unreached> {
        let address = self.address;
        match tokio::time::timeout_at(deadline, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                // Every write of a probe is one whole command or one whole TLS flight: Nagle's
                // algorithm would only hold the next one back until the server's delayed ACK
                // (40 ms on Linux), for every connection.
                let _ = stream.set_nodelay(true);
                Ok(stream)
            }
            // EMFILE, ENFILE: this host is out of descriptors; nothing was learnt about the server.
            Ok(Err(error)) if matches!(error.raw_os_error(), Some(23 | 24)) => {
                Err(self.overloaded("this service ran out of file descriptors"))
            }
            Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                Err(unreached(
                    Reason::ConnectionRefused,
                    EndpointErrorCode::ConnectionRefused,
                    format!("connection to {address} refused: nothing listens on this port"),
                ))
            }
            Ok(Err(error)) => Err(unreached(
                Reason::Network,
                EndpointErrorCode::Network,
                format!("cannot connect to {address}: {error}"),
            )),
            Err(_) => Err(unreached(
                Reason::Timeout,
                EndpointErrorCode::Timeout,
                format!("no connection to {address} in time"),
            )),
        }
    }
}

/// A connection past its plain-text dialog, holding its per-address slot and its outbound
/// socket until dropped.
struct Opened {
    _slot: crate::store::Lease,
    _outbound: tokio::sync::OwnedSemaphorePermit,
    stream: TcpStream,
    facts: DialogFacts,
    handshake_time: Duration,
}

fn unreached(reason: Reason, code: EndpointErrorCode, message: String) -> Unreached {
    Unreached {
        reason,
        error: EndpointError { code, message },
        facts: None,
    }
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

/// Whether the greetings show another service than `scheme`'s: another protocol after a
/// handshake, or, where no handshake worked, a plain-text greeting of a mail protocol on an
/// implicit-TLS port.
fn wrong_service(
    scheme: Scheme,
    handshakes: &[(TlsVersion, Handshake, Duration)],
) -> Option<greeting::WrongService> {
    use greeting::{WrongService, protocol_of};
    let expected = mailtls_shared::MailProtocol::of_scheme(scheme);
    let spoken = |accepted: bool| {
        handshakes
            .iter()
            .filter(|(_, handshake, _)| (handshake.outcome == Outcome::Accepted) == accepted)
            .find_map(|(_, handshake, _)| handshake.greeting.as_deref().and_then(protocol_of))
    };
    if let Some(protocol) = spoken(true) {
        return (protocol != expected).then_some(WrongService::OtherProtocol(protocol));
    }
    let none_accepted = !handshakes
        .iter()
        .any(|(_, handshake, _)| handshake.outcome == Outcome::Accepted);
    if scheme.tls_start() == mailtls_shared::TlsStart::Implicit && none_accepted {
        return spoken(false).map(WrongService::PlainText);
    }
    None
}

/// The error of an endpoint whose handshakes were all inconclusive: the first inconclusive
/// attempt's reason and detail, TLS 1.2 first.
fn untestable_error(handshakes: &[(TlsVersion, Handshake, Duration)]) -> Option<EndpointError> {
    let order = [
        TlsVersion::Tls12,
        TlsVersion::Tls13,
        TlsVersion::Tls11,
        TlsVersion::Tls10,
        TlsVersion::Ssl3,
    ];
    let (_, handshake, _) = order.iter().find_map(|wanted| {
        handshakes.iter().find(|(version, handshake, _)| {
            version == wanted && handshake.outcome == Outcome::Inconclusive
        })
    })?;
    let code = match handshake.reason? {
        Reason::Timeout => EndpointErrorCode::Timeout,
        Reason::Network => EndpointErrorCode::Network,
        Reason::Throttled => EndpointErrorCode::Throttled,
        Reason::ConnectionRefused => EndpointErrorCode::ConnectionRefused,
        Reason::NameNotFound => EndpointErrorCode::NameNotFound,
        Reason::LookupFailed => EndpointErrorCode::LookupFailed,
        Reason::Starttls => EndpointErrorCode::StarttlsFailed,
        Reason::Alert | Reason::Closed | Reason::OtherVersion | Reason::ProtocolViolation => {
            EndpointErrorCode::ProtocolViolation
        }
    };
    Some(EndpointError {
        code,
        message: handshake.detail.clone().unwrap_or_default(),
    })
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    /// The documentation range stands in for public mail servers: nothing here connects.
    const SERVER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
    const SECOND: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));

    fn name(name: &str) -> Hostname {
        Hostname::parse(name).expect("a valid name")
    }

    /// An engine that knows `mail.example.de` (two addresses) and `one.example.de` by override,
    /// no other name (no DNS at all), and allows the documentation range.
    fn engine(policy: impl FnOnce(AddressPolicy) -> AddressPolicy) -> Engine {
        let documentation = "192.0.2.0/24".parse().expect("a range");
        Engine::new(ProbeSettings {
            policy: policy(AddressPolicy::default().allow(documentation)),
            resolver: Resolver::new(Duration::from_secs(1))
                .with_override(name("mail.example.de"), SERVER)
                .with_override(name("mail.example.de"), SECOND)
                .with_override(name("one.example.de"), SERVER)
                .with_override(name("loop.example.de"), IpAddr::V4(Ipv4Addr::LOCALHOST)),
            simulate_clients: false,
            ..ProbeSettings::default()
        })
        .expect("engine")
    }

    /// Each planned endpoint as `scheme://host:port at ADDRESS[, optional]`, in plan order.
    async fn planned(engine: &Engine, targets: &[&str]) -> Result<Vec<String>, PlanError> {
        let targets = targets
            .iter()
            .map(|target| Target::parse(target).expect("a valid target"))
            .collect();
        let plan = engine.plan(targets).await?;
        Ok(plan
            .endpoints
            .iter()
            .map(|endpoint| {
                let at = match &endpoint.address {
                    Ok(address) => address.to_string(),
                    Err(error) => format!("error: {error}"),
                };
                let optional = if endpoint.optional { ", optional" } else { "" };
                format!(
                    "{}://{}:{} at {at}{optional}",
                    endpoint.scheme.as_str(),
                    endpoint.host,
                    endpoint.port
                )
            })
            .collect())
    }

    #[tokio::test]
    async fn a_host_is_planned_on_every_standard_port_at_every_address_each_optional() {
        let plan = planned(&engine(|p| p), &["mail.example.de"]).await;
        let mut expected = Vec::new();
        for scheme in Scheme::ALL {
            for address in [SERVER, SECOND] {
                expected.push(format!(
                    "{}://mail.example.de:{} at {address}, optional",
                    scheme.as_str(),
                    scheme.default_port()
                ));
            }
        }
        assert_eq!(plan.expect("planned"), expected);
    }

    #[tokio::test]
    async fn an_endpoint_is_planned_once_per_address_and_is_not_optional() {
        let plan = planned(&engine(|p| p), &["submission://one.example.de:587"]).await;
        assert_eq!(
            plan.expect("planned"),
            ["submission://one.example.de:587 at 192.0.2.10"]
        );
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_is_planned_with_its_error_not_refused() {
        let plan = planned(&engine(|p| p), &["imaps://gone.example.de"]).await;
        assert_eq!(
            plan.expect("planned"),
            ["imaps://gone.example.de:993 at error: no address found for gone.example.de"]
        );
    }

    #[tokio::test]
    async fn planning_refuses_the_whole_check_for_one_forbidden_target() {
        let engine = engine(|p| p);
        let cases: [(&str, &[&str], &str); 4] = [
            (
                "a port that is not a mail port",
                &["imaps://one.example.de:8080", "imaps://mail.example.de"],
                "port 8080 is not a mail port this service checks",
            ),
            (
                "a name that resolves to loopback",
                &["imaps://one.example.de", "imaps://loop.example.de"],
                "loop.example.de resolves to 127.0.0.1, which is a loopback address",
            ),
            (
                "a name in a reserved domain",
                &["imaps://mail.example.test"],
                "mail.example.test is in the reserved domain .test, which never holds a public \
                 mail server",
            ),
            (
                "an address literal outside the allowed ranges",
                &["imaps://[2001:db8::1]"],
                "2001:db8::1 resolves to 2001:db8::1, which is a documentation address",
            ),
        ];
        for (case, targets, message) in cases {
            let refused = planned(&engine, targets).await;
            assert_eq!(
                refused.map_err(|error| error.to_string()),
                Err(message.to_owned()),
                "{case}"
            );
        }
    }

    #[tokio::test]
    async fn provider_mode_plans_only_names_under_its_domains() {
        let engine = engine(|p| p.only_domains(&[name("example.de")]));
        assert_eq!(
            planned(&engine, &["imaps://one.example.de"])
                .await
                .expect("planned"),
            ["imaps://one.example.de:993 at 192.0.2.10"]
        );
        assert_eq!(
            planned(&engine, &["imaps://mail.example.org"])
                .await
                .map_err(|error| error.to_string()),
            Err("mail.example.org is not under the provider's domains (example.de)".to_owned())
        );
    }

    #[tokio::test]
    async fn the_plan_charges_each_address_once() {
        let engine = engine(|p| p);
        let targets = ["mail.example.de", "imaps://one.example.de"]
            .iter()
            .map(|target| Target::parse(target).expect("a valid target"))
            .collect();
        let plan = engine.plan(targets).await.expect("planned");
        assert_eq!(plan.addresses(), [SERVER, SECOND]);
        assert_eq!(plan.len(), 15);
    }
}
