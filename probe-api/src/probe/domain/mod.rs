//! Domain checks: from a mail domain to its MX hosts (RFC 5321 §5.1, RFC 7505), and from their
//! port-25 probes plus the domain's MTA-STS and TLS-RPT records to one verdict.
//!
//! Planning ([`plan`]) looks up the MX records, falls back to the domain's own address when there
//! are none, recognises the null MX, keeps at most [`MAX_MX_HOSTS`] hosts by preference and
//! resolves each through the same address policy as any target: a host that points at a private
//! or loopback address is not contacted and is reported as refused. [`records`] reads the policy
//! records (and each MX host's TLSA records) while the MX hosts are probed; [`assess`] adds
//! everything up, matching the certificates the hosts presented against their TLSA records.
//!
//! The domain's records come from the modules here: [`dns`] (MX, TXT, and TLSA through a
//! DNSSEC-validating resolver), [`mta_sts`] (the record and the policy over HTTPS), [`tls_rpt`]
//! (the record) and [`dane`] (TLSA usages 2 and 3 against the presented chain).
//!
//! Invariant: an MX host is contacted only through the same address policy and politeness slots
//! as any target, and a DNS failure is never reported as a name that does not exist.

pub mod dane;
pub mod dns;
pub mod mta_sts;
pub mod tls_rpt;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use futures_util::future::join_all;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, UnixTime};

use mailtls_shared::domain::MAX_MX_HOSTS;
use mailtls_shared::{
    CertificateVerdict, DaneStatus, DomainReport, EndpointError, EndpointReport, FindingCode, Host,
    Hostname, MtaStsMode, MtaStsReport, MtaStsStatus, MxDane, MxHostReport, MxProblem,
    MxProblemCode, MxSource, MxStatus, Scheme, Severity, TlsRptReport, TlsRptStatus, TlsVersion,
    Verdict,
};

use self::dane::Match;
use self::dns::{Answer, Dns, DnsError, Dnssec, Tlsa, TlsaAnswer, TxtRecord, has_version};
use self::mta_sts::PolicyFetcher;
use crate::probe::policy::{self, AddressPolicy};
use crate::probe::resolve::{ResolveError, Resolver};

/// A domain whose MX hosts are known and resolved.
#[derive(Debug, Clone)]
pub struct PlannedDomain {
    pub domain: Hostname,
    pub source: MxSource,
    pub hosts: Vec<PlannedMx>,
    /// MX records beyond [`MAX_MX_HOSTS`].
    pub skipped: usize,
    /// Why the MX hosts are unknown.
    pub detail: Option<String>,
}

impl PlannedDomain {
    /// A domain whose MX hosts could not be looked up, for `detail`.
    pub fn lookup_failed(domain: &Hostname, detail: String) -> PlannedDomain {
        PlannedDomain {
            domain: domain.clone(),
            source: MxSource::LookupFailed,
            hosts: Vec::new(),
            skipped: 0,
            detail: Some(detail),
        }
    }
}

/// One MX host: its addresses, or why it will not be contacted.
#[derive(Debug, Clone)]
pub struct PlannedMx {
    pub name: String,
    pub preference: u16,
    pub addresses: Result<(Hostname, Vec<IpAddr>), Refusal>,
}

/// Why an MX host is not probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: MxProblemCode,
    pub detail: String,
    /// The lookup failed (timeout, server failure) rather than finding no address.
    pub lookup_failed: bool,
}

/// What planning a domain needs from the engine.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub dns: &'a Dns,
    pub resolver: &'a Resolver,
    pub policy: &'a AddressPolicy,
    /// The engine's per-destination connection slots (the MTA-STS fetch counts too).
    pub slots: &'a crate::probe::politeness::AddressSlots,
}

/// Finds and resolves the MX hosts of `domain`.
pub async fn plan(context: Context<'_>, domain: &Hostname) -> PlannedDomain {
    let planned = |source, hosts, skipped, detail| PlannedDomain {
        domain: domain.clone(),
        source,
        hosts,
        skipped,
        detail,
    };
    let records = match context.dns.mx(domain).await {
        Err(error) => return planned(MxSource::LookupFailed, vec![], 0, Some(error.to_string())),
        Ok(Answer::NoDomain) => {
            return planned(
                MxSource::NoMailServer,
                vec![],
                0,
                Some(format!("the domain {domain} does not exist")),
            );
        }
        Ok(Answer::NoRecords) => {
            // RFC 5321 §5.1: no MX means the domain's own address is its mail server.
            let host = resolve_host(context, domain.as_str(), 0).await;
            return match &host.addresses {
                Err(refusal) if refusal.lookup_failed => planned(
                    MxSource::LookupFailed,
                    vec![],
                    0,
                    Some(refusal.detail.clone()),
                ),
                Err(refusal) if refusal.code == MxProblemCode::NameNotFound => planned(
                    MxSource::NoMailServer,
                    vec![],
                    0,
                    Some(format!("{domain} has neither MX nor address records")),
                ),
                _ => planned(MxSource::ImplicitMx, vec![host], 0, None),
            };
        }
        Ok(Answer::Records(records)) => records,
    };
    // RFC 7505: a single `MX 0 .` says "no mail here".
    if records.len() == 1 && records[0].exchange.is_empty() {
        return planned(MxSource::NullMx, vec![], 0, None);
    }
    let mixed_null = records
        .iter()
        .any(|record| record.exchange.is_empty())
        .then(|| {
            "the null MX (MX 0 .) is published beside other MX records, which RFC 7505 §3 forbids; \
         it was ignored"
                .to_owned()
        });
    let mut records: Vec<(u16, String)> = records
        .into_iter()
        .filter(|record| !record.exchange.is_empty())
        .map(|record| (record.preference, record.exchange))
        .collect();
    records.sort();
    let mut seen = Vec::new();
    records.retain(|(_, name)| {
        let new = !seen.contains(name);
        seen.push(name.clone());
        new
    });
    let skipped = records.len().saturating_sub(MAX_MX_HOSTS);
    records.truncate(MAX_MX_HOSTS);
    let hosts = join_all(
        records
            .iter()
            .map(|(preference, name)| resolve_host(context, name, *preference)),
    )
    .await;
    planned(MxSource::Mx, hosts, skipped, mixed_null)
}

async fn resolve_host(context: Context<'_>, name: &str, preference: u16) -> PlannedMx {
    let refuse = |code, detail: String| PlannedMx {
        name: name.to_owned(),
        preference,
        addresses: Err(Refusal {
            code,
            detail,
            lookup_failed: false,
        }),
    };
    let host = match Hostname::parse(name) {
        Ok(host) => host,
        Err(error) => {
            return refuse(
                MxProblemCode::NameNotFound,
                format!("the MX name {name:?} is not a usable host name: {error}"),
            );
        }
    };
    if !context.resolver.is_overridden(&host)
        && !context.policy.allows_reserved_names()
        && let Err(domain) = policy::check_name(&host)
    {
        return refuse(
            MxProblemCode::AddressRefused,
            format!("{name} is in the reserved domain .{domain}; it was not contacted"),
        );
    }
    let addresses = match context.resolver.resolve(&Host::Name(host.clone())).await {
        Ok(addresses) => addresses,
        Err(error @ ResolveError::ReservedAlias { .. }) => {
            return refuse(
                MxProblemCode::AddressRefused,
                format!("{error}; it was not contacted"),
            );
        }
        Err(error) => {
            let mut refused = refuse(MxProblemCode::NameNotFound, error.to_string());
            if let Err(refusal) = &mut refused.addresses {
                refusal.lookup_failed = !matches!(error, ResolveError::NotFound(_));
            }
            return refused;
        }
    };
    for address in &addresses {
        if let Err(why) = context.policy.check_address(*address) {
            return refuse(
                MxProblemCode::AddressRefused,
                format!(
                    "{name} resolves to {address}, a {why} address no sender on the internet can reach: its A/AAAA record (or the MX record) must name a public address; it was not contacted"
                ),
            );
        }
    }
    PlannedMx {
        name: name.to_owned(),
        preference,
        addresses: Ok((host, addresses)),
    }
}

/// The domain's MTA-STS and TLS-RPT state, and its MX hosts' TLSA records.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub mta_sts: MtaStsReport,
    pub tls_rpt: TlsRptReport,
    /// Per probed MX host name.
    pub tlsa: HashMap<String, Result<TlsaAnswer, DnsError>>,
    /// Whether the MX records are DNSSEC-secure (`None`: no MX records, an implicit MX).
    pub mx_security: Option<Result<Option<Dnssec>, DnsError>>,
    /// The MTA-STS policy could not be fetched for want of this service's own resources: the
    /// check ends as overloaded instead of reporting the domain's policy unavailable.
    pub overloaded: bool,
}

impl Records {
    /// What is known when the check's time ran out before the records were read.
    pub fn ran_out() -> Records {
        let error = Some("the check's time ran out before the lookup finished".to_owned());
        Records {
            mta_sts: MtaStsReport {
                status: MtaStsStatus::LookupFailed,
                error: error.clone(),
                ..MtaStsReport::default()
            },
            tls_rpt: TlsRptReport {
                status: TlsRptStatus::LookupFailed,
                error,
                ..TlsRptReport::default()
            },
            tlsa: HashMap::new(),
            mx_security: None,
            overloaded: false,
        }
    }
}

/// Reads `_mta-sts` (and fetches the policy it announces), `_smtp._tls` and every probed MX
/// host's TLSA records, concurrently.
pub async fn records(
    context: Context<'_>,
    fetcher: &PolicyFetcher,
    planned: &PlannedDomain,
) -> Records {
    let domain = &planned.domain;
    let tlsa = join_all(planned.hosts.iter().filter_map(|host| {
        let (name, _) = host.addresses.as_ref().ok()?;
        Some(async move { (host.name.clone(), context.dns.tlsa(name).await) })
    }));
    let mx_security = async {
        match planned.source {
            MxSource::Mx => Some(context.dns.mx_security(domain).await),
            _ => None,
        }
    };
    let overloaded = std::sync::atomic::AtomicBool::new(false);
    let (mta_sts, tls_rpt, tlsa, mx_security) = tokio::join!(
        mta_sts_report(context, fetcher, domain, &overloaded),
        tls_rpt_report(context.dns, domain),
        tlsa,
        mx_security
    );
    let mut tlsa: HashMap<String, Result<TlsaAnswer, DnsError>> = tlsa.into_iter().collect();
    let mut mx_security = mx_security;
    // "Bogus" counts only if validation works from here at all; otherwise DANE was not checked.
    let bogus = matches!(mx_security, Some(Ok(Some(Dnssec::Bogus(_)))))
        || tlsa
            .values()
            .any(|answer| matches!(answer, Ok(TlsaAnswer::Bogus(_))));
    let problem = if bogus {
        context.dns.validation_problem().await
    } else {
        None
    };
    if let Some(problem) = problem {
        let unchecked = |name: &str| DnsError::Failed {
            name: name.to_owned(),
            kind: "DNSSEC",
            detail: format!("{problem}, so DANE could not be checked"),
        };
        if let Some(Ok(Some(Dnssec::Bogus(_)))) = mx_security {
            mx_security = Some(Err(unchecked(domain.as_str())));
        }
        for (host, answer) in tlsa.iter_mut() {
            if matches!(answer, Ok(TlsaAnswer::Bogus(_))) {
                *answer = Err(unchecked(host));
            }
        }
    }
    Records {
        mta_sts,
        tls_rpt,
        tlsa,
        mx_security,
        overloaded: overloaded.into_inner(),
    }
}

/// One MX host's probe: the `smtp` endpoint's report and the chain it presented.
pub type MxProbe<'a> = (&'a EndpointReport, &'a [CertificateDer<'static>]);

/// The check's endpoints that probed MX hosts, per host name (one per address): the `smtp`
/// endpoints on the MX port. Built once from the check's endpoints — the one place that says
/// which endpoint probed which MX host.
#[derive(Debug, Default)]
pub struct MxProbes<'a>(HashMap<&'a str, Vec<MxProbe<'a>>>);

impl<'a> MxProbes<'a> {
    pub fn new(probed: &'a [(EndpointReport, Vec<CertificateDer<'static>>)], mx_port: u16) -> Self {
        let mut by_host: HashMap<&str, Vec<MxProbe<'a>>> = HashMap::new();
        for (report, chain) in probed {
            if report.scheme == Scheme::Smtp && report.port == mx_port {
                by_host
                    .entry(report.host.as_str())
                    .or_default()
                    .push((report, chain.as_slice()));
            }
        }
        MxProbes(by_host)
    }

    fn of(&self, host: &str) -> &[MxProbe<'a>] {
        self.0.get(host).map(Vec::as_slice).unwrap_or_default()
    }
}

/// What matching TLSA records needs.
#[derive(Debug)]
pub struct DaneCheck<'a> {
    pub provider: &'a Arc<CryptoProvider>,
    pub now: UnixTime,
}

impl DaneCheck<'_> {
    /// DANE for `host` from its TLSA answer and the chains it presented (`probes`).
    fn host(
        &self,
        host: &str,
        probes: &[MxProbe<'_>],
        answer: &Result<TlsaAnswer, DnsError>,
        mx_security: Option<&Result<Option<Dnssec>, DnsError>>,
    ) -> MxDane {
        let dane = |status, records: &[Tlsa], detail: Option<String>| MxDane {
            status,
            records: records.iter().map(ToString::to_string).collect(),
            detail,
        };
        let shown: &[Tlsa] = match answer {
            Ok(TlsaAnswer::Records { records, .. }) => records,
            _ => &[],
        };
        // RFC 7672 §2.2.1: DANE applies only to MX hosts named by secure MX records.
        match mx_security {
            Some(Err(error)) => {
                return dane(DaneStatus::LookupFailed, shown, Some(error.to_string()));
            }
            Some(Ok(Some(Dnssec::Insecure))) => {
                return dane(
                    DaneStatus::Unsigned,
                    shown,
                    Some(
                        "the domain's MX records are not signed with DNSSEC, so senders do not \
                         use DANE for its MX hosts"
                            .into(),
                    ),
                );
            }
            Some(Ok(Some(Dnssec::Bogus(detail)))) => {
                return dane(DaneStatus::Bogus, shown, Some(detail.clone()));
            }
            Some(Ok(Some(Dnssec::Secure) | None)) | None => {}
        }
        let (base, records) = match answer {
            Err(error) => return dane(DaneStatus::LookupFailed, &[], Some(error.to_string())),
            Ok(TlsaAnswer::Unsigned) => return dane(DaneStatus::Unsigned, &[], None),
            Ok(TlsaAnswer::NoRecords) => return dane(DaneStatus::NoRecords, &[], None),
            Ok(TlsaAnswer::Bogus(detail)) => {
                return dane(DaneStatus::Bogus, &[], Some(detail.clone()));
            }
            Ok(TlsaAnswer::Records { base, records }) => (base.as_str(), records),
        };
        // The names a DANE-TA chain may carry: the MX host's, and the alias target's whose
        // TLSA records were used (RFC 7672 §3.2.3).
        let (names, found_at) = if base == host {
            (vec![host], String::new())
        } else {
            (
                vec![host, base],
                format!(" (TLSA records at _25._tcp.{base}: {host} is an alias of {base})"),
            )
        };
        let chains: Vec<&[CertificateDer<'static>]> = probes
            .iter()
            .map(|(_, chain)| *chain)
            .filter(|chain| !chain.is_empty())
            .collect();
        if !records.iter().any(dane::usable) {
            return dane(
                DaneStatus::Unusable,
                records,
                Some("no record has usage 2 or 3 with a known selector and matching type".into()),
            );
        }
        if chains.is_empty() {
            return dane(
                DaneStatus::Mismatch,
                records,
                Some(format!("{host} presented no certificate to match")),
            );
        }
        let mut matched = Vec::new();
        for chain in chains {
            match dane::verify(records, chain, &names, self.now, self.provider) {
                Match::Valid { record } => matched.push(record),
                Match::Mismatch | Match::Unusable => {
                    return dane(
                        DaneStatus::Mismatch,
                        records,
                        Some(format!(
                            "no usable TLSA record matches the certificate of {host}{found_at}"
                        )),
                    );
                }
            }
        }
        let detail = matched
            .first()
            .and_then(|index| records.get(*index))
            .map(|record| format!("the certificate matches {record}{found_at}"));
        dane(DaneStatus::Valid, records, detail)
    }
}

async fn mta_sts_report(
    context: Context<'_>,
    fetcher: &PolicyFetcher,
    domain: &Hostname,
    overloaded: &std::sync::atomic::AtomicBool,
) -> MtaStsReport {
    let mut report = MtaStsReport::default();
    let records = match context.dns.txt(&format!("_mta-sts.{domain}")).await {
        Err(error) => {
            report.status = MtaStsStatus::LookupFailed;
            report.error = Some(error.to_string());
            return report;
        }
        Ok(Answer::NoDomain | Answer::NoRecords) => return report,
        Ok(Answer::Records(records)) => records,
    };
    report.record = shown(&records, b"v=STSv1");
    let id = match mta_sts::parse_record(&as_parts(&records)) {
        Ok(id) => id,
        Err(mta_sts::RecordError::NotSts) => {
            report.record = None;
            return report;
        }
        Err(error) => {
            report.status = MtaStsStatus::InvalidRecord;
            report.error = Some(error.to_string());
            return report;
        }
    };
    report.id = Some(id);
    report.policy_url = Some(fetcher.url(domain));
    let body = match fetcher
        .fetch(domain, context.resolver, context.policy, context.slots)
        .await
    {
        Ok(body) => body,
        Err(error) => {
            if matches!(error, mta_sts::FetchError::Ours(_)) {
                overloaded.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            report.status = MtaStsStatus::PolicyUnavailable;
            report.error = Some(error.to_string());
            return report;
        }
    };
    match mta_sts::parse_policy(&body) {
        Ok(policy) => {
            report.status = MtaStsStatus::Valid;
            report.policy = Some(policy);
        }
        Err(error) => {
            report.status = MtaStsStatus::InvalidPolicy;
            report.error = Some(error.to_string());
        }
    }
    report
}

async fn tls_rpt_report(dns: &Dns, domain: &Hostname) -> TlsRptReport {
    let mut report = TlsRptReport::default();
    let records = match dns.txt(&format!("_smtp._tls.{domain}")).await {
        Err(error) => {
            report.status = TlsRptStatus::LookupFailed;
            report.error = Some(error.to_string());
            return report;
        }
        Ok(Answer::NoDomain | Answer::NoRecords) => return report,
        Ok(Answer::Records(records)) => records,
    };
    match tls_rpt::parse(&as_parts(&records)) {
        Ok(None) => {}
        Ok(Some(rua)) => {
            report.status = TlsRptStatus::Valid;
            report.record = shown(&records, b"v=TLSRPTv1");
            report.rua = rua;
        }
        Err(error) => {
            report.status = TlsRptStatus::Invalid;
            report.record = shown(&records, b"v=TLSRPTv1");
            report.error = Some(error.to_string());
        }
    }
    report
}

fn as_parts(records: &[TxtRecord]) -> Vec<Result<&[u8], usize>> {
    records
        .iter()
        .map(|record| match record {
            TxtRecord::Text(text) => Ok(text.as_slice()),
            TxtRecord::TooLong(len) => Err(*len),
        })
        .collect()
}

/// The first record starting with `prefix`, as text for the report (at most 300 characters).
fn shown(records: &[TxtRecord], prefix: &[u8]) -> Option<String> {
    records.iter().find_map(|record| match record {
        TxtRecord::Text(text) if has_version(text, prefix) => {
            Some(String::from_utf8_lossy(text).chars().take(300).collect())
        }
        _ => None,
    })
}

/// Adds up the MX hosts' probes and the records, host by host in the MX records' order.
pub fn assess(
    planned: &PlannedDomain,
    records: Records,
    probes: &MxProbes<'_>,
    dane: &DaneCheck<'_>,
) -> DomainReport {
    let enforced = records
        .mta_sts
        .policy
        .as_ref()
        .filter(|_| records.mta_sts.status == MtaStsStatus::Valid)
        .filter(|policy| policy.mode != MtaStsMode::None);
    let hosts = planned
        .hosts
        .iter()
        .map(|host| {
            let tlsa = records
                .tlsa
                .get(&host.name)
                .map(|answer| (answer, records.mx_security.as_ref()));
            assess_host(host, probes.of(&host.name), enforced, tlsa, dane)
        })
        .collect::<Vec<_>>();
    DomainReport {
        dane: DaneStatus::of_hosts(
            hosts
                .iter()
                .filter_map(|host| host.dane.as_ref().map(|dane| dane.status)),
        ),
        domain: planned.domain.to_string(),
        mx_source: planned.source,
        verdict: DomainReport::verdict_of(planned.source, &hosts, records.mta_sts.status),
        mx_hosts: hosts,
        mx_skipped: planned.skipped,
        mta_sts: records.mta_sts,
        tls_rpt: records.tls_rpt,
        detail: planned.detail.clone(),
    }
}

/// The host's TLSA answer, and whether the domain's MX records are DNSSEC-secure.
type TlsaFacts<'r> = (
    &'r Result<TlsaAnswer, DnsError>,
    Option<&'r Result<Option<Dnssec>, DnsError>>,
);

/// One MX host in one pass: its addresses, the MTA-STS policy's patterns, what each probe
/// showed, then DANE — judged only for a host that was reached (an unreachable host is
/// untested, not a mismatch) —, and from all problems found its status.
fn assess_host(
    host: &PlannedMx,
    probes: &[MxProbe<'_>],
    policy: Option<&mailtls_shared::MtaStsPolicy>,
    tlsa: Option<TlsaFacts<'_>>,
    dane: &DaneCheck<'_>,
) -> MxHostReport {
    let mut report = MxHostReport {
        host: host.name.clone(),
        preference: host.preference,
        addresses: Vec::new(),
        status: MxStatus::Untested,
        problems: Vec::new(),
        best_version: None,
        mta_sts_match: policy.map(|policy| {
            policy
                .mx
                .iter()
                .any(|pattern| mta_sts::mx_matches(pattern, &host.name))
        }),
        error: None,
        dane: None,
    };
    let mut add = |code, severity, detail: Option<String>| {
        if !report.problems.iter().any(|p: &MxProblem| p.code == code) {
            report.problems.push(MxProblem {
                code,
                severity,
                detail,
            });
        }
    };
    if let Err(refusal) = &host.addresses {
        // An MX on an address no sender on the internet can reach, or a name with no address
        // at all: a definite problem of the domain's DNS, not an untested host. A lookup that
        // failed says nothing either way.
        let definite = !refusal.lookup_failed
            && matches!(
                refusal.code,
                MxProblemCode::AddressRefused | MxProblemCode::NameNotFound
            );
        add(
            refusal.code,
            if definite {
                Severity::Critical
            } else {
                Severity::Warning
            },
            Some(refusal.detail.clone()),
        );
        if definite {
            report.status = MxStatus::Problem;
        }
        return report;
    }
    let enforce = policy.is_some_and(|policy| policy.mode == MtaStsMode::Enforce);
    let policy_severity = if enforce {
        Severity::Critical
    } else {
        Severity::Warning
    };
    if report.mta_sts_match == Some(false) {
        add(
            MxProblemCode::NotInMtaStsPolicy,
            policy_severity,
            Some(format!(
                "no mx pattern of the MTA-STS policy matches {}",
                host.name
            )),
        );
    }
    let mut tested = 0;
    let mut best: Option<Option<TlsVersion>> = None;
    let mut unreachable: Option<EndpointError> = None;
    for (probe, _) in probes {
        let starttls_missing = probe
            .findings
            .iter()
            .any(|finding| finding.code == FindingCode::StarttlsNotOffered);
        if starttls_missing {
            tested += 1;
            best = Some(None);
            add(MxProblemCode::StarttlsNotOffered, Severity::Critical, None);
            continue;
        }
        if probe.verdict == Verdict::Untestable {
            unreachable = unreachable.or_else(|| probe.error.clone());
            continue;
        }
        tested += 1;
        let version = probe.best_version();
        best = Some(match best {
            None => version,
            Some(previous) => previous.min(version),
        });
        if probe.verdict == Verdict::NoModernTls {
            let detail = match version {
                Some(version) => format!(
                    "{} accepts at best {}",
                    address(probe),
                    version.display_name()
                ),
                None => format!("{} accepts no TLS version", address(probe)),
            };
            add(MxProblemCode::NoModernTls, Severity::Critical, Some(detail));
        }
        // Only worth saying when TLS 1.2+ works too; otherwise `no_modern_tls` says it all.
        if probe.verdict != Verdict::NoModernTls
            && probe
                .findings
                .iter()
                .any(|finding| finding.code == FindingCode::LegacyVersionsEnabled)
        {
            add(
                MxProblemCode::LegacyVersionsEnabled,
                Severity::Warning,
                None,
            );
        }
        if let Some(certificate) = &probe.certificate
            && certificate.verdict != CertificateVerdict::Valid
        {
            // Opportunistic senders do not check certificates; MTA-STS senders do.
            let severity = if policy.is_some() {
                policy_severity
            } else {
                Severity::Info
            };
            add(
                MxProblemCode::CertificateProblem,
                severity,
                Some(format!(
                    "{}: {}",
                    mailtls_shared::wire_name(&certificate.verdict),
                    certificate.detail.clone().unwrap_or_default()
                )),
            );
        }
    }
    report.addresses = probes
        .iter()
        .filter_map(|(probe, _)| probe.address.clone())
        .collect();
    report.best_version = best.flatten();
    if let Some(error) = &unreachable {
        add(
            MxProblemCode::Unreachable,
            Severity::Warning,
            Some(error.message.clone()),
        );
    }
    report.error = if tested == 0 { unreachable } else { None };
    if let Some((answer, mx_security)) = tlsa.filter(|_| tested > 0) {
        let host_dane = dane.host(&host.name, probes, answer, mx_security);
        let problem = match host_dane.status {
            DaneStatus::Mismatch => Some((MxProblemCode::DaneMismatch, Severity::Critical)),
            // Validation works from here (checked before): the signatures are really broken.
            DaneStatus::Bogus => Some((MxProblemCode::DnssecBogus, Severity::Critical)),
            DaneStatus::LookupFailed => Some((MxProblemCode::DaneLookupFailed, Severity::Warning)),
            _ => None,
        };
        if let Some((code, severity)) = problem {
            report.problems.push(MxProblem {
                code,
                severity,
                detail: host_dane.detail.clone(),
            });
        }
        report.dane = Some(host_dane);
    }
    let critical = report
        .problems
        .iter()
        .any(|problem| problem.severity == Severity::Critical);
    report.status = if critical {
        MxStatus::Problem
    } else if tested == 0 {
        MxStatus::Untested
    } else {
        MxStatus::Usable
    };
    report
}

fn address(probe: &EndpointReport) -> String {
    match &probe.address {
        Some(address) => format!("{} [{address}]", probe.host),
        None => probe.host.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use mailtls_shared::{
        CertificateReport, EndpointErrorCode, Finding, MtaStsPolicy, Outcome, Verdict,
    };

    use super::*;

    const AT: &str = "192.0.2.25";

    fn planned(addresses: Result<Vec<IpAddr>, Refusal>) -> PlannedMx {
        PlannedMx {
            name: "mx.example.de".to_owned(),
            preference: 10,
            addresses: addresses
                .map(|addresses| (Hostname::parse("mx.example.de").expect("name"), addresses)),
        }
    }

    fn reached() -> PlannedMx {
        planned(Ok(vec![AT.parse().expect("address")]))
    }

    /// A port-25 probe with `verdict`, accepting `accepted`, with `findings` and a certificate
    /// judged `certificate`.
    fn probe(
        verdict: Verdict,
        accepted: &[TlsVersion],
        findings: &[FindingCode],
        certificate: CertificateVerdict,
    ) -> EndpointReport {
        EndpointReport {
            scheme: Scheme::Smtp,
            host: "mx.example.de".to_owned(),
            port: 25,
            address: Some(AT.to_owned()),
            versions: TlsVersion::ALL
                .into_iter()
                .map(|version| {
                    let outcome = if accepted.contains(&version) {
                        Outcome::Accepted
                    } else {
                        Outcome::Rejected
                    };
                    (version, outcome)
                })
                .collect::<BTreeMap<_, _>>(),
            handshakes: Vec::new(),
            certificate: Some(CertificateReport {
                verdict: certificate,
                detail: Some("judged".to_owned()),
                ..CertificateReport::default()
            }),
            clients: Vec::new(),
            findings: findings
                .iter()
                .map(|code| Finding {
                    code: *code,
                    severity: Severity::Warning,
                    detail: None,
                })
                .collect(),
            verdict,
            service_found: None,
            error: None,
        }
    }

    fn modern() -> EndpointReport {
        probe(
            Verdict::Ready,
            &[TlsVersion::Tls12, TlsVersion::Tls13],
            &[],
            CertificateVerdict::Valid,
        )
    }

    fn unreachable() -> EndpointReport {
        EndpointReport {
            certificate: None,
            error: Some(EndpointError {
                code: EndpointErrorCode::ConnectionRefused,
                message: "connection refused".to_owned(),
            }),
            ..probe(Verdict::Untestable, &[], &[], CertificateVerdict::Valid)
        }
    }

    fn policy(mode: MtaStsMode, mx: &str) -> MtaStsPolicy {
        MtaStsPolicy {
            mode,
            mx: vec![mx.to_owned()],
            max_age: 86_400,
        }
    }

    /// DANE-EE on the SPKI's SHA-256 with a digest no key has.
    fn tlsa_records() -> Result<TlsaAnswer, DnsError> {
        Ok(TlsaAnswer::Records {
            base: "mx.example.de".to_owned(),
            records: vec![Tlsa {
                usage: 3,
                selector: 1,
                matching: 1,
                data: vec![0xab; 32],
            }],
        })
    }

    /// A named case: the host, its probes with the chains they presented, the MTA-STS policy,
    /// the TLSA answer, and what the host must come to.
    type Case<'p> = (
        &'static str,
        PlannedMx,
        Vec<(EndpointReport, Vec<CertificateDer<'static>>)>,
        Option<&'p MtaStsPolicy>,
        Option<Result<TlsaAnswer, DnsError>>,
        Summary,
    );

    /// The host's status, its problems (code and severity, as on the wire), its best version
    /// and its DANE status.
    type Summary = (
        MxStatus,
        Vec<(MxProblemCode, Severity)>,
        Option<TlsVersion>,
        Option<DaneStatus>,
    );

    fn assessed(
        host: &PlannedMx,
        probes: &[(EndpointReport, Vec<CertificateDer<'static>>)],
        policy: Option<&MtaStsPolicy>,
        tlsa: Option<Result<TlsaAnswer, DnsError>>,
    ) -> Summary {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let dane = DaneCheck {
            provider: &provider,
            now: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_800_000_000)),
        };
        let probes: Vec<MxProbe<'_>> = probes
            .iter()
            .map(|(report, chain)| (report, chain.as_slice()))
            .collect();
        let secure_mx = Some(Ok(Some(Dnssec::Secure)));
        let tlsa = tlsa.as_ref().map(|answer| (answer, secure_mx.as_ref()));
        let report = assess_host(host, &probes, policy, tlsa, &dane);
        (
            report.status,
            report
                .problems
                .iter()
                .map(|problem| (problem.code, problem.severity))
                .collect(),
            report.best_version,
            report.dane.map(|dane| dane.status),
        )
    }

    fn leaf() -> CertificateDer<'static> {
        let key = rcgen::KeyPair::generate().expect("key");
        let params =
            rcgen::CertificateParams::new(vec!["mx.example.de".to_owned()]).expect("params");
        params.self_signed(&key).expect("certificate").der().clone()
    }

    #[test]
    fn mx_hosts_are_judged_by_their_rules() {
        use CertificateVerdict::Expired;
        use MxProblemCode as P;
        use Severity::{Critical, Info, Warning};
        let tls10_only = || {
            probe(
                Verdict::NoModernTls,
                &[TlsVersion::Tls10],
                &[],
                CertificateVerdict::Valid,
            )
        };
        let legacy_too = || {
            probe(
                Verdict::LegacyEnabled,
                &[TlsVersion::Tls10, TlsVersion::Tls12, TlsVersion::Tls13],
                &[FindingCode::LegacyVersionsEnabled],
                CertificateVerdict::Valid,
            )
        };
        let no_starttls = || {
            probe(
                Verdict::NoModernTls,
                &[],
                &[FindingCode::StarttlsNotOffered],
                CertificateVerdict::Valid,
            )
        };
        let expired = || {
            probe(
                Verdict::CertificateProblem,
                &[TlsVersion::Tls13],
                &[],
                Expired,
            )
        };
        let refused = |lookup_failed, code| {
            planned(Err(Refusal {
                code,
                detail: "why".to_owned(),
                lookup_failed,
            }))
        };
        let testing = policy(MtaStsMode::Testing, "mx.example.de");
        let enforce = policy(MtaStsMode::Enforce, "mx.example.de");
        let elsewhere = policy(MtaStsMode::Enforce, "*.example.org");
        let chain = vec![leaf()];
        #[rustfmt::skip]
        let cases: Vec<Case<'_>> = vec![
            ("a host on a refused address is a problem, never contacted",
             refused(false, P::AddressRefused), vec![], None, None,
             (MxStatus::Problem, vec![(P::AddressRefused, Critical)], None, None)),
            ("a name with no address is a problem",
             refused(false, P::NameNotFound), vec![], None, None,
             (MxStatus::Problem, vec![(P::NameNotFound, Critical)], None, None)),
            ("a failed lookup says nothing either way",
             refused(true, P::NameNotFound), vec![], None, None,
             (MxStatus::Untested, vec![(P::NameNotFound, Warning)], None, None)),
            ("TLS 1.2 and 1.3 with a valid certificate is usable",
             reached(), vec![(modern(), vec![])], None, None,
             (MxStatus::Usable, vec![], Some(TlsVersion::Tls13), None)),
            ("TLS 1.0 only is a problem",
             reached(), vec![(tls10_only(), vec![])], None, None,
             (MxStatus::Problem, vec![(P::NoModernTls, Critical)], Some(TlsVersion::Tls10), None)),
            ("old versions beside TLS 1.2 are a warning",
             reached(), vec![(legacy_too(), vec![])], None, None,
             (MxStatus::Usable, vec![(P::LegacyVersionsEnabled, Warning)], Some(TlsVersion::Tls13), None)),
            ("no STARTTLS is a problem",
             reached(), vec![(no_starttls(), vec![])], None, None,
             (MxStatus::Problem, vec![(P::StarttlsNotOffered, Critical)], None, None)),
            ("the worst address decides the best version",
             planned(Ok(vec![AT.parse().expect("address"), "192.0.2.26".parse().expect("address")])),
             vec![(modern(), vec![]), (tls10_only(), vec![])], None, None,
             (MxStatus::Problem, vec![(P::NoModernTls, Critical)], Some(TlsVersion::Tls10), None)),
            ("a bad certificate is only noted for opportunistic senders",
             reached(), vec![(expired(), vec![])], None, None,
             (MxStatus::Usable, vec![(P::CertificateProblem, Info)], Some(TlsVersion::Tls13), None)),
            ("a bad certificate is a warning under an MTA-STS policy in testing",
             reached(), vec![(expired(), vec![])], Some(&testing), None,
             (MxStatus::Usable, vec![(P::CertificateProblem, Warning)], Some(TlsVersion::Tls13), None)),
            ("a bad certificate is a problem under an enforced MTA-STS policy",
             reached(), vec![(expired(), vec![])], Some(&enforce), None,
             (MxStatus::Problem, vec![(P::CertificateProblem, Critical)], Some(TlsVersion::Tls13), None)),
            ("a host the enforced policy does not name is a problem",
             reached(), vec![(modern(), vec![])], Some(&elsewhere), None,
             (MxStatus::Problem, vec![(P::NotInMtaStsPolicy, Critical)], Some(TlsVersion::Tls13), None)),
            ("an unreachable host is untested",
             reached(), vec![(unreachable(), vec![])], None, None,
             (MxStatus::Untested, vec![(P::Unreachable, Warning)], None, None)),
            ("an unreachable host is not a DANE mismatch, even when a policy problem is critical",
             reached(), vec![(unreachable(), vec![])], Some(&elsewhere), Some(tlsa_records()),
             (MxStatus::Problem, vec![(P::NotInMtaStsPolicy, Critical), (P::Unreachable, Warning)], None, None)),
            ("a reached host whose certificate fits no TLSA record is a DANE mismatch",
             reached(), vec![(modern(), chain.clone())], None, Some(tlsa_records()),
             (MxStatus::Problem, vec![(P::DaneMismatch, Critical)], Some(TlsVersion::Tls13), Some(DaneStatus::Mismatch))),
            ("a failed TLSA lookup is a warning",
             reached(), vec![(modern(), chain.clone())], None,
             Some(Err(DnsError::Timeout { name: "_25._tcp.mx.example.de".to_owned(), kind: "TLSA", seconds: 5 })),
             (MxStatus::Usable, vec![(P::DaneLookupFailed, Warning)], Some(TlsVersion::Tls13), Some(DaneStatus::LookupFailed))),
            ("an unsigned zone is no problem",
             reached(), vec![(modern(), chain.clone())], None, Some(Ok(TlsaAnswer::Unsigned)),
             (MxStatus::Usable, vec![], Some(TlsVersion::Tls13), Some(DaneStatus::Unsigned))),
        ];
        for (case, host, probes, policy, tlsa, expected) in cases {
            assert_eq!(assessed(&host, &probes, policy, tlsa), expected, "{case}");
        }
    }
}
