//! The domain part of a report: how a domain receives mail from other servers (its MX hosts on
//! port 25), and the records that tell senders to insist on TLS (MTA-STS, RFC 8461), where to
//! report failures (TLS-RPT, RFC 8460) and which certificate to expect (DANE, RFC 7672).
//!
//! The per-MX probe results stay in the report's `endpoints` (scheme `smtp`, the MX host's name);
//! this part says what they mean for the domain.

use serde::{Deserialize, Serialize};

use crate::api::{EndpointError, Severity, TlsVersion};

/// Most MX hosts checked per domain, lowest preference first.
pub const MAX_MX_HOSTS: usize = 10;

crate::wire::wire_enum! {
    /// Where the domain's mail servers came from.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum MxSource {
        /// MX records.
        Mx = "mx",
        /// No MX records: senders use the domain's own address (RFC 5321 §5.1, "implicit MX").
        ImplicitMx = "implicit_mx",
        /// `MX 0 .`: the domain says it receives no mail (RFC 7505).
        NullMx = "null_mx",
        /// The domain does not exist, or has neither MX nor address records.
        NoMailServer = "no_mail_server",
        /// The DNS lookup failed (timeout, server failure, unreadable answer).
        LookupFailed = "lookup_failed",
    }
}

crate::wire::wire_enum! {
    /// Whether one MX host can receive mail from Microsoft 365 and other careful senders.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum MxStatus {
        /// STARTTLS with TLS 1.2 or newer, and nothing the domain's own policies forbid.
        Usable = "usable",
        /// Tested, and senders that require TLS 1.2 (or honour the domain's policies) will fail.
        Problem = "problem",
        /// Not tested: refused by the address policy, not resolvable or not reachable.
        Untested = "untested",
    }
}

crate::wire::wire_enum! {
    /// What is wrong with one MX host.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum MxProblemCode {
        /// No TLS 1.2 or newer: Microsoft 365 cannot deliver over TLS.
        NoModernTls = "no_modern_tls",
        /// No STARTTLS at all: mail arrives unencrypted, or not at all from senders that insist.
        StarttlsNotOffered = "starttls_not_offered",
        /// SSL 3.0, TLS 1.0 or TLS 1.1 still accepted (works, but retired by RFC 8996).
        LegacyVersionsEnabled = "legacy_versions_enabled",
        /// The certificate would not pass a validating sender (matters under MTA-STS `enforce`).
        CertificateProblem = "certificate_problem",
        /// The MTA-STS policy (`enforce`) does not list this MX: policy-honouring senders skip it.
        NotInMtaStsPolicy = "not_in_mta_sts_policy",
        /// The TLSA records do not match the certificate: DANE senders will not deliver here.
        DaneMismatch = "dane_mismatch",
        /// The MX host's DNSSEC signatures do not validate (DANE senders defer mail).
        DnssecBogus = "dnssec_bogus",
        /// The TLSA lookup failed: DANE senders defer mail until it works (RFC 7672 §2.2).
        DaneLookupFailed = "dane_lookup_failed",
        /// The MX name has no address.
        NameNotFound = "name_not_found",
        /// The MX host resolves to an address this service does not contact (private, loopback, …).
        AddressRefused = "address_refused",
        /// No SMTP dialog was possible (refused, timeout, network error, refused by the server).
        Unreachable = "unreachable",
    }
}

/// A problem with its severity and technical detail (English, for admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MxProblem {
    pub code: MxProblemCode,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
crate::json::record!(MxProblem {
    required: code, severity;
    defaulted: detail;
});

/// One MX host of the domain; its endpoint reports (one per address) are in `endpoints`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MxHostReport {
    /// The MX host's name (lowercase, punycode), as in the endpoint reports.
    pub host: String,
    /// The MX preference (lower is tried first); 0 for an implicit MX.
    pub preference: u16,
    /// The addresses checked.
    #[serde(default)]
    pub addresses: Vec<String>,
    pub status: MxStatus,
    #[serde(default)]
    pub problems: Vec<MxProblem>,
    /// The newest TLS version every checked address accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_version: Option<TlsVersion>,
    /// Whether the MTA-STS policy's `mx` patterns cover this host (absent without a policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mta_sts_match: Option<bool>,
    /// Why the host was not tested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<EndpointError>,
    /// DANE (RFC 7672) for this host; absent when the host was not probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dane: Option<MxDane>,
}
crate::json::record!(MxHostReport {
    required: host, preference, status;
    defaulted: addresses, problems, best_version, mta_sts_match, error, dane;
});

crate::wire::wire_enum! {
    /// DANE for one MX host: its `_25._tcp` TLSA records, DNSSEC-validated, against its certificate.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum DaneStatus {
        /// The zone is not signed with DNSSEC: DANE is not possible (not an error).
        Unsigned = "unsigned",
        /// Signed, but no TLSA records: DANE is possible and not set up.
        NoRecords = "no_records",
        /// A usable TLSA record matches the certificate every address presented (for the domain:
        /// on every probed MX host).
        Valid = "valid",
        /// For the domain: some MX hosts are protected by DANE, others not (senders can be pushed
        /// to the unprotected ones).
        Partial = "partial",
        /// TLSA records exist and none matches: DANE senders will not deliver.
        Mismatch = "mismatch",
        /// Only records SMTP cannot use (usages 0 and 1, unknown parameters, RFC 7672 §3.1.3).
        Unusable = "unusable",
        /// The DNSSEC signatures do not validate.
        Bogus = "bogus",
        /// The lookup failed (timeout, server failure).
        LookupFailed = "lookup_failed",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MxDane {
    pub status: DaneStatus,
    /// The TLSA records as `usage selector matching data` (data in hex).
    #[serde(default)]
    pub records: Vec<String>,
    /// What was matched or what went wrong (English, for admins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
crate::json::record!(MxDane {
    required: status;
    defaulted: records, detail;
});

crate::wire::wire_enum! {
    /// The state of the domain's MTA-STS (RFC 8461).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum MtaStsStatus {
        /// No `_mta-sts` TXT record: senders use TLS opportunistically.
        #[default]
        Absent = "absent",
        /// Record and policy are valid.
        Valid = "valid",
        /// The `_mta-sts` TXT record is malformed (or there are several).
        InvalidRecord = "invalid_record",
        /// The policy could not be fetched over HTTPS (see `error`).
        PolicyUnavailable = "policy_unavailable",
        /// The policy file is malformed.
        InvalidPolicy = "invalid_policy",
        /// The TXT lookup failed.
        LookupFailed = "lookup_failed",
    }
}

impl MtaStsStatus {
    /// The domain announces MTA-STS (a `_mta-sts` record) but record or policy cannot be used:
    /// a misconfiguration senders stumble on. A failed lookup is not counted: it says nothing.
    pub fn is_broken(self) -> bool {
        matches!(
            self,
            MtaStsStatus::InvalidRecord
                | MtaStsStatus::PolicyUnavailable
                | MtaStsStatus::InvalidPolicy
        )
    }
}

crate::wire::wire_enum! {
    /// What senders do with the MTA-STS policy.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum MtaStsMode {
        /// Deliver only to listed MX hosts over TLS with a valid certificate.
        Enforce = "enforce",
        /// Report failures (TLS-RPT), deliver anyway.
        Testing = "testing",
        /// The policy is being withdrawn.
        None = "none",
    }
}

/// A parsed MTA-STS policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MtaStsPolicy {
    pub mode: MtaStsMode,
    /// `mx` patterns (`mail.example.com`, `*.example.net`).
    #[serde(default)]
    pub mx: Vec<String>,
    /// Seconds senders may cache the policy.
    pub max_age: u64,
}
crate::json::record!(MtaStsPolicy {
    required: mode, max_age;
    defaulted: mx;
});

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MtaStsReport {
    pub status: MtaStsStatus,
    /// The `_mta-sts` TXT record as found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The record's policy `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Where the policy was fetched from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<MtaStsPolicy>,
    /// What went wrong (English, for admins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
crate::json::record!(MtaStsReport {
    required: status;
    defaulted: record, id, policy_url, policy, error;
});

crate::wire::wire_enum! {
    /// The state of the domain's TLS-RPT record (RFC 8460).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum TlsRptStatus {
        /// No `_smtp._tls` record: nobody hears about failed TLS deliveries.
        #[default]
        Absent = "absent",
        Valid = "valid",
        /// Malformed, or more than one record.
        Invalid = "invalid",
        LookupFailed = "lookup_failed",
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TlsRptReport {
    pub status: TlsRptStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Where reports go (`mailto:` and `https:` URIs).
    #[serde(default)]
    pub rua: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
crate::json::record!(TlsRptReport {
    required: status;
    defaulted: record, rua, error;
});

crate::wire::wire_enum! {
    /// The domain in one word, from best to worst.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum DomainVerdict {
        /// Every MX host takes mail over TLS 1.2 or newer.
        Ready = "ready",
        /// The domain receives no mail (null MX).
        NoMail = "no_mail",
        /// No MX host could be tested (see the hosts' errors, or `detail`).
        Untestable = "untestable",
        /// Every MX host takes mail over TLS 1.2 or newer, but the domain announces an MTA-STS
        /// policy that cannot be used (see `mta_sts.status` and `mta_sts.error`): senders that
        /// follow MTA-STS deliver without it or keep a copy fetched earlier (RFC 8461, sections
        /// 3.1 and 3.3).
        MtaStsBroken = "mta_sts_broken",
        /// Some MX hosts work, others have problems: some mail is delayed or lost.
        SomeMxFailing = "some_mx_failing",
        /// No tested MX host takes mail over TLS 1.2+: Microsoft 365 and careful senders fail.
        NoModernTls = "no_modern_tls",
        /// No tested MX host is usable, for other reasons than the TLS version (the domain's own
        /// MTA-STS or DANE records rule them out).
        NoUsableMx = "no_usable_mx",
    }
}

impl DomainVerdict {
    /// What this domain verdict means for the whole check.
    pub fn check_verdict(self) -> crate::api::CheckVerdict {
        match self {
            DomainVerdict::Ready | DomainVerdict::NoMail => crate::api::CheckVerdict::Ready,
            DomainVerdict::Untestable => crate::api::CheckVerdict::Unclear,
            DomainVerdict::MtaStsBroken | DomainVerdict::SomeMxFailing => {
                crate::api::CheckVerdict::Warning
            }
            DomainVerdict::NoModernTls | DomainVerdict::NoUsableMx => {
                crate::api::CheckVerdict::Problem
            }
        }
    }
}

/// Everything learned about one mail domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainReport {
    /// The domain (lowercase, punycode).
    pub domain: String,
    pub mx_source: MxSource,
    /// The MX hosts, lowest preference first (at most [`MAX_MX_HOSTS`]).
    pub mx_hosts: Vec<MxHostReport>,
    /// MX records beyond the cap that were not checked.
    #[serde(default)]
    pub mx_skipped: usize,
    pub mta_sts: MtaStsReport,
    pub tls_rpt: TlsRptReport,
    /// DANE over the probed MX hosts (the most telling host status); absent when none was probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dane: Option<DaneStatus>,
    pub verdict: DomainVerdict,
    /// Why the domain could not be checked (English, for admins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
crate::json::record!(DomainReport {
    required: domain, mx_source, mx_hosts, mta_sts, tls_rpt, verdict;
    defaulted: mx_skipped, dane, detail;
});

impl DaneStatus {
    /// The domain's DANE status from its hosts': a problem anywhere first; `valid` only when
    /// every host is valid, `partial` when only some are; "not signed" only when no host is.
    pub fn of_hosts(statuses: impl IntoIterator<Item = DaneStatus>) -> Option<DaneStatus> {
        let statuses: Vec<DaneStatus> = statuses.into_iter().collect();
        if !statuses.is_empty() && statuses.iter().all(|status| *status == DaneStatus::Valid) {
            return Some(DaneStatus::Valid);
        }
        [
            DaneStatus::Bogus,
            DaneStatus::Mismatch,
            DaneStatus::LookupFailed,
            DaneStatus::Unusable,
            DaneStatus::Valid,
            DaneStatus::NoRecords,
            DaneStatus::Unsigned,
        ]
        .into_iter()
        .find(|status| statuses.contains(status))
        .map(|status| match status {
            DaneStatus::Valid => DaneStatus::Partial,
            other => other,
        })
    }
}

impl DomainReport {
    /// The MX hosts that are not usable, in order, with their 1-based positions.
    pub fn failing_hosts(&self) -> impl Iterator<Item = (usize, &MxHostReport)> {
        self.mx_hosts
            .iter()
            .enumerate()
            .filter(|(_, host)| host.status != MxStatus::Usable)
            .map(|(index, host)| (index + 1, host))
    }

    /// No MX host offers STARTTLS, and none offers it with old versions only: Microsoft 365
    /// and most senders then deliver without encryption rather than not at all (Exchange
    /// Online sends without TLS when the receiving server does not advertise STARTTLS).
    pub fn unencrypted_only(&self) -> bool {
        let lacks_starttls = |host: &MxHostReport| {
            host.problems
                .iter()
                .any(|problem| problem.code == MxProblemCode::StarttlsNotOffered)
        };
        let failing: Vec<&MxHostReport> = self
            .mx_hosts
            .iter()
            .filter(|host| host.status != MxStatus::Usable)
            .collect();
        !failing.is_empty() && failing.into_iter().all(lacks_starttls)
    }

    /// The verdict the MX hosts add up to (`source` and the hosts as found).
    pub fn verdict_of(
        source: MxSource,
        hosts: &[MxHostReport],
        mta_sts: MtaStsStatus,
    ) -> DomainVerdict {
        match source {
            MxSource::NullMx => return DomainVerdict::NoMail,
            MxSource::NoMailServer | MxSource::LookupFailed => return DomainVerdict::Untestable,
            MxSource::Mx | MxSource::ImplicitMx => {}
        }
        let usable = hosts
            .iter()
            .filter(|host| host.status == MxStatus::Usable)
            .count();
        let tested = hosts
            .iter()
            .filter(|host| host.status != MxStatus::Untested)
            .count();
        let no_tls = hosts.iter().any(|host| {
            host.problems.iter().any(|problem| {
                matches!(
                    problem.code,
                    MxProblemCode::NoModernTls | MxProblemCode::StarttlsNotOffered
                )
            })
        });
        if tested == 0 {
            DomainVerdict::Untestable
        } else if usable == hosts.len() {
            if mta_sts.is_broken() {
                DomainVerdict::MtaStsBroken
            } else {
                DomainVerdict::Ready
            }
        } else if usable > 0 {
            DomainVerdict::SomeMxFailing
        } else if no_tls {
            DomainVerdict::NoModernTls
        } else {
            DomainVerdict::NoUsableMx
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(status: MxStatus) -> MxHostReport {
        let problems = match status {
            MxStatus::Problem => vec![MxProblem {
                code: MxProblemCode::NoModernTls,
                severity: Severity::Critical,
                detail: None,
            }],
            _ => vec![],
        };
        MxHostReport {
            host: "mx.firma.de".into(),
            preference: 10,
            addresses: vec![],
            status,
            problems,
            best_version: None,
            mta_sts_match: None,
            error: None,
            dane: None,
        }
    }

    #[test]
    fn no_usable_mx_names_the_reason() {
        let mut only_dane = host(MxStatus::Problem);
        only_dane.problems[0].code = MxProblemCode::DaneMismatch;
        assert_eq!(
            DomainReport::verdict_of(MxSource::Mx, &[only_dane], MtaStsStatus::Valid),
            DomainVerdict::NoUsableMx
        );
    }

    #[test]
    fn mx_hosts_without_starttls_mean_unencrypted_mail_not_lost_mail() {
        let report = |codes: &[MxProblemCode]| DomainReport {
            domain: "firma.de".into(),
            mx_source: MxSource::Mx,
            mx_hosts: codes
                .iter()
                .map(|code| {
                    let mut failing = host(MxStatus::Problem);
                    failing.problems[0].code = *code;
                    failing
                })
                .collect(),
            mx_skipped: 0,
            mta_sts: MtaStsReport::default(),
            tls_rpt: TlsRptReport::default(),
            dane: None,
            verdict: DomainVerdict::NoModernTls,
            detail: None,
        };
        assert!(report(&[MxProblemCode::StarttlsNotOffered]).unencrypted_only());
        assert!(
            !report(&[
                MxProblemCode::StarttlsNotOffered,
                MxProblemCode::NoModernTls
            ])
            .unencrypted_only()
        );
        assert!(!report(&[MxProblemCode::NoModernTls]).unencrypted_only());
        // One without STARTTLS, one with TLS 1.2 but another problem: not "none encrypts".
        assert!(
            !report(&[
                MxProblemCode::StarttlsNotOffered,
                MxProblemCode::DaneMismatch
            ])
            .unencrypted_only()
        );
    }

    #[test]
    fn dane_of_the_domain() {
        use DaneStatus::*;
        assert_eq!(DaneStatus::of_hosts([]), None);
        assert_eq!(DaneStatus::of_hosts([Unsigned, Unsigned]), Some(Unsigned));
        assert_eq!(DaneStatus::of_hosts([Valid, Valid]), Some(Valid));
        assert_eq!(DaneStatus::of_hosts([Unsigned, Valid]), Some(Partial));
        assert_eq!(DaneStatus::of_hosts([Valid, NoRecords]), Some(Partial));
        assert_eq!(DaneStatus::of_hosts([Valid, Mismatch]), Some(Mismatch));
        assert_eq!(DaneStatus::of_hosts([NoRecords, Unsigned]), Some(NoRecords));
    }

    #[test]
    fn verdict_adds_up_the_hosts() {
        use MxStatus::*;
        let cases = [
            (MxSource::Mx, vec![Usable, Usable], DomainVerdict::Ready),
            (MxSource::ImplicitMx, vec![Usable], DomainVerdict::Ready),
            (
                MxSource::Mx,
                vec![Usable, Problem],
                DomainVerdict::SomeMxFailing,
            ),
            (
                MxSource::Mx,
                vec![Usable, Untested],
                DomainVerdict::SomeMxFailing,
            ),
            (
                MxSource::Mx,
                vec![Problem, Untested],
                DomainVerdict::NoModernTls,
            ),
            (
                MxSource::Mx,
                vec![Untested, Untested],
                DomainVerdict::Untestable,
            ),
            (MxSource::Mx, vec![], DomainVerdict::Untestable),
            (MxSource::NullMx, vec![], DomainVerdict::NoMail),
            (MxSource::LookupFailed, vec![], DomainVerdict::Untestable),
        ];
        for (source, statuses, expected) in cases {
            let hosts: Vec<_> = statuses.iter().map(|status| host(*status)).collect();
            assert_eq!(
                DomainReport::verdict_of(source, &hosts, MtaStsStatus::Absent),
                expected,
                "{source:?} {statuses:?}"
            );
        }
    }

    #[test]
    fn a_broken_mta_sts_policy_turns_ready_into_a_warning_and_nothing_else() {
        use MtaStsStatus::*;
        let good = [host(MxStatus::Usable)];
        let failing = [host(MxStatus::Usable), host(MxStatus::Problem)];
        for status in [InvalidRecord, PolicyUnavailable, InvalidPolicy] {
            assert_eq!(
                DomainReport::verdict_of(MxSource::Mx, &good, status),
                DomainVerdict::MtaStsBroken,
                "{status:?}"
            );
            // A problem of the hosts is worse and is what the verdict names.
            assert_eq!(
                DomainReport::verdict_of(MxSource::Mx, &failing, status),
                DomainVerdict::SomeMxFailing,
                "{status:?}"
            );
            assert_eq!(
                DomainReport::verdict_of(MxSource::NullMx, &[], status),
                DomainVerdict::NoMail
            );
        }
        for status in [Absent, Valid, LookupFailed] {
            assert_eq!(
                DomainReport::verdict_of(MxSource::Mx, &good, status),
                DomainVerdict::Ready,
                "{status:?}"
            );
        }
    }

    #[test]
    fn json_names() {
        assert_eq!(
            crate::wire_name(&DomainVerdict::SomeMxFailing),
            "some_mx_failing"
        );
        assert_eq!(crate::wire_name(&MxSource::ImplicitMx), "implicit_mx");
        assert_eq!(
            crate::wire_name(&MxProblemCode::NotInMtaStsPolicy),
            "not_in_mta_sts_policy"
        );
        assert_eq!(crate::wire_name(&MtaStsMode::Enforce), "enforce");
    }
}
