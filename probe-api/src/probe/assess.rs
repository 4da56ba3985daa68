//! From what the probes saw to what an admin needs to hear: findings and one verdict per endpoint.
//! Pure and table-tested; the wording for customers lives in the page's catalogs. What the
//! simulated clients' results mean is worked out in [`super::handshake::simulate::lockout`].

use std::collections::BTreeMap;

use mailtls_shared::{
    CertificateVerdict, ClientReport, EndpointError, EndpointErrorCode, Finding, FindingCode,
    Outcome, Scheme, Severity, TlsVersion, Verdict, wire_name,
};

use super::dialog::greeting::WrongService;
use super::handshake::simulate::{Catalog, lockout};

/// Everything the assessment looks at.
#[derive(Debug, Clone, Default)]
pub struct Observations {
    pub versions: BTreeMap<TlsVersion, Outcome>,
    /// TLS 1.2 worked only with a hand-built hello offering legacy cipher suites.
    pub tls12_legacy_ciphers_only: bool,
    pub certificate: Option<CertificateVerdict>,
    /// The certificate's key type (`RSA`, `EC P-256`), to name suites that fit it.
    pub certificate_key: Option<String>,
    /// Whole days until the certificate expires.
    pub certificate_days_left: Option<i64>,
    /// A valid certificate expiring within this many days gets a warning (0: never).
    pub certificate_warning_days: u32,
    /// The simulated clients' results (empty when simulation is off).
    pub clients: Vec<ClientReport>,
    pub auth_before_tls: bool,
    /// The server sent plain text after its answer to STARTTLS (thrown away before TLS).
    pub response_injection: Option<String>,
    pub error: Option<EndpointError>,
    /// A port of a bare host check (nothing listening there is "not offered").
    pub optional_port: bool,
    /// What the greetings showed, when the port is not the scheme's service.
    pub wrong_service: Option<WrongService>,
    /// The endpoint's port, for the wrong-service detail.
    pub port: u16,
}

/// The findings and the verdict for one endpoint. `catalog` is the simulated clients' catalog,
/// when simulation ran.
pub fn assess(
    scheme: Scheme,
    seen: &Observations,
    catalog: Option<&Catalog>,
) -> (Vec<Finding>, Verdict) {
    let mut findings = Vec::new();
    let finding = |code, severity, detail: Option<String>| Finding {
        code,
        severity,
        detail,
    };
    if seen.auth_before_tls {
        // Without STARTTLS at all, passwords can only travel in clear.
        let starttls_missing = matches!(
            &seen.error,
            Some(EndpointError {
                code: EndpointErrorCode::StarttlsNotOffered,
                ..
            })
        );
        findings.push(finding(
            FindingCode::AuthBeforeTls,
            if starttls_missing {
                Severity::Critical
            } else {
                Severity::Warning
            },
            Some("login is offered before the connection is encrypted".into()),
        ));
    }
    if let Some(injected) = &seen.response_injection {
        findings.push(finding(
            FindingCode::ResponseInjection,
            Severity::Critical,
            Some(format!(
                "{injected}; the bytes were discarded as RFC 3207 clients do, and TLS was tested behind them"
            )),
        ));
    }
    // The customer's port is another service: that is what they must change, before any
    // version or certificate question.
    if let Some(wrong) = seen.wrong_service {
        findings.insert(
            0,
            finding(
                FindingCode::WrongService,
                Severity::Critical,
                Some(wrong.detail(scheme, seen.port)),
            ),
        );
        return (findings, Verdict::WrongService);
    }
    if let Some(error) = &seen.error {
        let verdict = match error.code {
            EndpointErrorCode::ConnectionRefused if seen.optional_port => Verdict::NotOffered,
            EndpointErrorCode::StarttlsNotOffered => {
                findings.insert(
                    0,
                    finding(FindingCode::StarttlsNotOffered, Severity::Critical, None),
                );
                Verdict::NoModernTls
            }
            EndpointErrorCode::ResponseInjection => {
                findings.insert(
                    0,
                    finding(
                        FindingCode::ResponseInjection,
                        Severity::Critical,
                        Some(error.message.clone()),
                    ),
                );
                Verdict::Untestable
            }
            _ => Verdict::Untestable,
        };
        return (findings, verdict);
    }

    let accepted = |version| seen.versions.get(&version) == Some(&Outcome::Accepted);
    let rejected = |version| seen.versions.get(&version) == Some(&Outcome::Rejected);
    let legacy: Vec<&str> = [TlsVersion::Ssl3, TlsVersion::Tls10, TlsVersion::Tls11]
        .into_iter()
        .filter(|version| accepted(*version))
        .map(TlsVersion::display_name)
        .collect();
    let modern = accepted(TlsVersion::Tls12) || accepted(TlsVersion::Tls13);

    if !legacy.is_empty() {
        let severity = if accepted(TlsVersion::Ssl3) {
            Severity::Critical
        } else {
            Severity::Warning
        };
        findings.push(finding(
            FindingCode::LegacyVersionsEnabled,
            severity,
            Some(legacy.join(", ")),
        ));
    }
    let all_modern_refused = rejected(TlsVersion::Tls12) && rejected(TlsVersion::Tls13);
    // Only what was measured: "no TLS 1.2" needs both modern versions refused.
    if all_modern_refused {
        findings.push(finding(FindingCode::NoTls12, Severity::Critical, None));
    }
    // Old versions that could be neither confirmed nor ruled out.
    let legacy_unclear = [TlsVersion::Ssl3, TlsVersion::Tls10, TlsVersion::Tls11]
        .into_iter()
        .any(|version| seen.versions.get(&version) == Some(&Outcome::Inconclusive));
    if seen.tls12_legacy_ciphers_only {
        findings.push(finding(
            FindingCode::Tls12LegacyCiphersOnly,
            Severity::Warning,
            Some("TLS 1.2 only with CBC or RSA key exchange suites".into()),
        ));
    }
    let lockout = catalog.and_then(|catalog| {
        lockout::lockout(&seen.clients, catalog, seen.certificate_key.as_deref())
    });
    if let Some(lockout) = &lockout {
        findings.push(finding(
            FindingCode::ClientsLockedOut,
            lockout.severity,
            Some(lockout.detail.clone()),
        ));
    }
    if let Some(detail) = lockout::legacy_only(&seen.clients) {
        findings.push(finding(
            FindingCode::ClientsNeedLegacyVersions,
            Severity::Info,
            Some(detail),
        ));
    }
    if seen.certificate == Some(CertificateVerdict::Valid)
        && let Some(days) = seen
            .certificate_days_left
            .filter(|days| *days < i64::from(seen.certificate_warning_days))
    {
        findings.push(finding(
            FindingCode::CertificateExpiresSoon,
            Severity::Warning,
            Some(match days {
                0 => "the certificate expires today".to_owned(),
                1 => "the certificate expires tomorrow".to_owned(),
                days => format!("the certificate expires in {days} days"),
            }),
        ));
    }
    let certificate_bad = seen
        .certificate
        .is_some_and(|verdict| verdict != CertificateVerdict::Valid);
    if let Some(verdict) = seen.certificate.filter(|_| certificate_bad) {
        // Between mail servers (port 25) certificates are rarely enforced; for mail programs
        // they always are.
        let severity = if scheme == Scheme::Smtp {
            Severity::Warning
        } else {
            Severity::Critical
        };
        findings.push(finding(
            FindingCode::CertificateProblem,
            severity,
            Some(wire_name(&verdict).to_owned()),
        ));
    }

    let verdict = if !modern {
        if all_modern_refused {
            Verdict::NoModernTls
        } else {
            Verdict::Untestable
        }
    } else if certificate_bad {
        Verdict::CertificateProblem
    } else if lockout.is_some_and(|lockout| lockout.decides_verdict) {
        Verdict::ClientsLockedOut
    } else if !legacy.is_empty() {
        Verdict::LegacyEnabled
    } else if legacy_unclear {
        Verdict::PartlyTested
    } else {
        Verdict::Ready
    };
    (findings, verdict)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::{Accepted as A, Inconclusive as I, Rejected as R};

    fn seen(outcomes: [Outcome; 5]) -> Observations {
        Observations {
            versions: TlsVersion::ALL.into_iter().zip(outcomes).collect(),
            certificate: Some(CertificateVerdict::Valid),
            ..Observations::default()
        }
    }

    fn codes(findings: &[Finding]) -> Vec<FindingCode> {
        findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn verdicts_and_findings() {
        use FindingCode::*;
        let expired = Observations {
            certificate: Some(CertificateVerdict::Expired),
            ..seen([R, R, R, A, A])
        };
        let legacy_ciphers = Observations {
            tls12_legacy_ciphers_only: true,
            ..seen([R, R, R, A, R])
        };
        let no_starttls = Observations {
            auth_before_tls: true,
            error: Some(EndpointError {
                code: EndpointErrorCode::StarttlsNotOffered,
                message: "no STARTTLS".into(),
            }),
            ..Observations::default()
        };
        let refused_optional = Observations {
            optional_port: true,
            error: Some(EndpointError {
                code: EndpointErrorCode::ConnectionRefused,
                message: "refused".into(),
            }),
            ..Observations::default()
        };
        let timeout = Observations {
            error: Some(EndpointError {
                code: EndpointErrorCode::Timeout,
                message: "t".into(),
            }),
            ..Observations::default()
        };
        let cases: Vec<(Scheme, Observations, Verdict, Vec<FindingCode>)> = vec![
            (Scheme::Imaps, seen([R, R, R, A, A]), Verdict::Ready, vec![]),
            (Scheme::Imaps, seen([R, R, R, R, A]), Verdict::Ready, vec![]),
            (
                Scheme::Submission,
                seen([R, A, A, A, A]),
                Verdict::LegacyEnabled,
                vec![LegacyVersionsEnabled],
            ),
            (
                Scheme::Imap,
                seen([R, A, R, R, R]),
                Verdict::NoModernTls,
                vec![LegacyVersionsEnabled, NoTls12],
            ),
            (
                Scheme::Imap,
                seen([R, R, R, R, R]),
                Verdict::NoModernTls,
                vec![NoTls12],
            ),
            // Nothing said about TLS 1.2 that was not measured.
            (
                Scheme::Imap,
                seen([R, R, R, I, I]),
                Verdict::Untestable,
                vec![],
            ),
            (
                Scheme::Imap,
                seen([R, A, R, I, R]),
                Verdict::Untestable,
                vec![LegacyVersionsEnabled],
            ),
            // Old versions not confirmed off: not ready.
            (
                Scheme::Imaps,
                seen([I, I, R, A, A]),
                Verdict::PartlyTested,
                vec![],
            ),
            (
                Scheme::Imaps,
                seen([R, R, I, A, R]),
                Verdict::PartlyTested,
                vec![],
            ),
            (
                Scheme::Imaps,
                refused_optional.clone(),
                Verdict::NotOffered,
                vec![],
            ),
            (
                Scheme::Imaps,
                Observations {
                    optional_port: false,
                    ..refused_optional
                },
                Verdict::Untestable,
                vec![],
            ),
            (
                Scheme::Imaps,
                expired,
                Verdict::CertificateProblem,
                vec![CertificateProblem],
            ),
            (
                Scheme::Smtps,
                legacy_ciphers,
                Verdict::Ready,
                vec![Tls12LegacyCiphersOnly],
            ),
            (
                Scheme::Submission,
                no_starttls,
                Verdict::NoModernTls,
                vec![StarttlsNotOffered, AuthBeforeTls],
            ),
            (Scheme::Pop3, timeout, Verdict::Untestable, vec![]),
        ];
        for (scheme, observations, verdict, expected) in cases {
            let (findings, got) = assess(scheme, &observations, None);
            assert_eq!(
                (got, codes(&findings)),
                (verdict, expected),
                "{scheme} {observations:?}"
            );
        }
    }

    #[test]
    fn a_common_program_locked_out_decides_the_verdict() {
        use mailtls_shared::{ClientReason, ClientResult, SimulatedClient};
        let catalog = Catalog::load().unwrap();
        let failed = |client, reason| {
            crate::probe::handshake::simulate::without_handshake(
                client,
                ClientResult::Failed,
                reason,
                "x",
            )
        };
        let windows_locked_out = Observations {
            clients: vec![failed(
                SimulatedClient::SchannelWin81,
                ClientReason::NoSharedCipher,
            )],
            certificate_key: Some("RSA".into()),
            ..seen([R, A, R, A, R])
        };
        let (findings, verdict) = assess(Scheme::Imaps, &windows_locked_out, Some(&catalog));
        assert_eq!(verdict, Verdict::ClientsLockedOut, "beats legacy_enabled");
        assert_eq!(
            codes(&findings),
            vec![
                FindingCode::LegacyVersionsEnabled,
                FindingCode::ClientsLockedOut
            ]
        );
        assert_eq!(findings[1].severity, Severity::Critical);
        // A rare client only: a warning, and the verdict stays.
        let rare = Observations {
            clients: vec![failed(
                SimulatedClient::Android44,
                ClientReason::NoSharedCipher,
            )],
            ..seen([R, R, R, A, A])
        };
        let (findings, verdict) = assess(Scheme::Imaps, &rare, Some(&catalog));
        assert_eq!(
            (verdict, findings[0].severity),
            (Verdict::Ready, Severity::Warning)
        );
        // A certificate problem still comes first.
        let expired = Observations {
            certificate: Some(CertificateVerdict::Expired),
            ..windows_locked_out
        };
        assert_eq!(
            assess(Scheme::Imaps, &expired, Some(&catalog)).1,
            Verdict::CertificateProblem
        );
    }

    #[test]
    fn a_certificate_close_to_expiry_gets_a_warning_and_keeps_the_verdict() {
        let soon = |days| Observations {
            certificate_days_left: Some(days),
            certificate_warning_days: 14,
            ..seen([R, R, R, A, A])
        };
        let (findings, verdict) = assess(Scheme::Imaps, &soon(1), None);
        assert_eq!(verdict, Verdict::Ready);
        assert_eq!(codes(&findings), vec![FindingCode::CertificateExpiresSoon]);
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(
            findings[0].detail.as_deref(),
            Some("the certificate expires tomorrow")
        );
        assert!(assess(Scheme::Imaps, &soon(14), None).0.is_empty());
        assert_eq!(
            assess(Scheme::Imaps, &soon(13), None).0[0]
                .detail
                .as_deref(),
            Some("the certificate expires in 13 days")
        );
        // Switched off with 0; an expired certificate is a certificate problem, not "soon".
        let off = Observations {
            certificate_warning_days: 0,
            ..soon(0)
        };
        assert!(assess(Scheme::Imaps, &off, None).0.is_empty());
    }

    #[test]
    fn another_service_on_the_port_comes_before_everything_else() {
        use crate::probe::dialog::greeting::WrongService;
        use mailtls_shared::MailProtocol;
        let pop3_on_993 = Observations {
            wrong_service: Some(WrongService::OtherProtocol(MailProtocol::Pop3)),
            port: 993,
            ..seen([R, A, R, A, A])
        };
        let (findings, verdict) = assess(Scheme::Imaps, &pop3_on_993, None);
        assert_eq!(verdict, Verdict::WrongService);
        assert_eq!(findings[0].code, FindingCode::WrongService);
        assert_eq!(findings[0].severity, Severity::Critical);
    }

    #[test]
    fn severities() {
        let (findings, _) = assess(Scheme::Imaps, &seen([A, A, R, A, A]), None);
        assert_eq!(
            findings[0].severity,
            Severity::Critical,
            "SSL 3.0 is critical"
        );
        assert_eq!(findings[0].detail.as_deref(), Some("SSL 3.0, TLS 1.0"));
        let expired = Observations {
            certificate: Some(CertificateVerdict::Expired),
            ..seen([R, R, R, A, A])
        };
        assert_eq!(
            assess(Scheme::Smtp, &expired, None).0[0].severity,
            Severity::Warning
        );
        assert_eq!(
            assess(Scheme::Submission, &expired, None).0[0].severity,
            Severity::Critical
        );
    }
}
