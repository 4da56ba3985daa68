//! The plain-text summary a customer copies for support: when, what, the verdicts, the advice,
//! the link that repeats the check, and the page's version. Pure, unit-tested natively.

use mailtls_shared::{CheckReport, EndpointReport, Lang, Outcome};

use crate::i18n::{Text, catalog, explanation};
use crate::settings::{Advice, Direction};
use crate::state::endpoint_title;
use crate::tone::{card_summary, unencrypted_summary, verdict_line};

/// The summary, in `lang`, for the check `report`, repeatable at `link`. `unencrypted` says
/// which endpoints the customer's program reaches without encryption ("Keine"): those read as
/// on the page, a problem whatever the server offers. `left_out`: servers of the settings not
/// checked because the service does not check their port (which server, `host`, `port`).
pub fn summary(
    report: &CheckReport,
    advice: &[Advice],
    left_out: &[(Direction, String, u16)],
    link: &str,
    lang: Lang,
    unencrypted: &dyn Fn(&EndpointReport) -> bool,
    program: Option<(crate::clients::Program, crate::clients::System)>,
) -> String {
    let texts = catalog(lang);
    // The same verdict as the page's headline: a program that cannot connect is no "In Ordnung".
    let (overall, _) = verdict_line(report, unencrypted, !advice.is_empty(), program);
    let mut lines = vec![
        format!(
            "{}: {}",
            texts.text(Text::SummaryTitle),
            crate::i18n::date_time(texts, &report.checked_at)
        ),
        format!(
            "{}: {}",
            texts.text(Text::SummaryOverall),
            texts.text(overall.word())
        ),
    ];
    for endpoint in &report.endpoints {
        let (tone, summary) = if unencrypted(endpoint) {
            unencrypted_summary(endpoint)
        } else {
            card_summary(endpoint)
        };
        let accepted: Vec<&str> = endpoint
            .handshakes
            .iter()
            .filter(|h| h.outcome == Outcome::Accepted)
            .map(|h| h.version.display_name())
            .collect();
        let address = endpoint
            .address
            .as_deref()
            .map(|a| format!(" [{a}]"))
            .unwrap_or_default();
        lines.push(format!(
            "- {}{address}: {} – {}",
            endpoint_title(endpoint),
            texts.text(tone.word()),
            explanation(texts, endpoint, summary)
        ));
        let versions = if accepted.is_empty() {
            "–".to_owned()
        } else {
            accepted.join(", ")
        };
        let mut facts = format!("  {}: {versions}", texts.text(Text::SummaryVersions));
        if let Some(certificate) = &endpoint.certificate {
            facts.push_str(&format!(
                " · {}: {}",
                texts.text(Text::CertificateLabel),
                texts.verdict(certificate.verdict)
            ));
        }
        lines.push(facts);
    }
    lines.extend(
        left_out.iter().map(|(direction, host, port)| {
            format!("- {}", texts.left_out(*direction, host, *port))
        }),
    );
    for domain in &report.domains {
        lines.push(format!(
            "- {}: {} – {}",
            texts.domain_heading(&domain.domain),
            texts.text(crate::tone::domain_tone(domain.verdict).word()),
            texts.domain_verdict(domain)
        ));
        for host in &domain.mx_hosts {
            let problems: Vec<&str> = host
                .problems
                .iter()
                .map(|problem| texts.mx_problem(problem.code))
                .collect();
            let mut line = format!(
                "  MX {} {}: {}",
                host.preference,
                host.host,
                texts.mx_status(host.status)
            );
            if !problems.is_empty() {
                line.push_str(&format!(" – {}", problems.join(" · ")));
            }
            lines.push(line);
        }
        let mut records = format!(
            "  MTA-STS: {} · TLS-RPT: {}",
            texts.mta_sts(
                domain.mta_sts.status,
                domain.mta_sts.policy.as_ref().map(|policy| policy.mode)
            ),
            texts.tls_rpt(domain.tls_rpt.status)
        );
        if let Some(dane) = domain.dane {
            records.push_str(&format!(" · DANE: {}", texts.dane(dane)));
        }
        lines.push(records);
    }
    if !advice.is_empty() {
        lines.push(format!("{}:", texts.text(Text::AdviceHeading)));
        lines.extend(
            advice
                .iter()
                .map(|item| format!("- {}", texts.advice(item))),
        );
    }
    // What the page told the customer about their mail program: support reads the same.
    if let Some((program, system)) = program {
        lines.push(format!(
            "{}: {}",
            texts.text(Text::ProgramLabel),
            texts.client_heading(crate::i18n::program_name(texts, program), system)
        ));
        for advice in crate::clients::program_advice(program, system, report) {
            let guidance = texts.guidance(advice.guidance, system);
            match advice.role {
                Some(role) => lines.push(format!("  {}: {guidance}", texts.role(role))),
                None => lines.push(format!("  {guidance}")),
            }
        }
    }
    lines.push(format!("{}: {link}", texts.text(Text::SummaryLink)));
    lines.push(format!("MailTLS {}", env!("CARGO_PKG_VERSION")));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use mailtls_shared::{
        CertificateReport, CertificateVerdict, EndpointReport, HandshakeReport, Scheme, TlsVersion,
        Verdict,
    };

    use mailtls_shared::CheckVerdict;

    use super::*;

    #[test]
    fn the_summary_says_when_what_and_how_it_went() {
        let handshake = |version, outcome| HandshakeReport {
            version,
            outcome,
            reason: None,
            detail: None,
            cipher_suite: None,
            group: None,
            duration_ms: 3,
        };
        let report = CheckReport {
            tool_version: "0.1.0".into(),
            checked_at: "2026-11-26T12:00:00Z".into(),
            duration_ms: 40,
            targets: vec![],
            domains: vec![],
            truncated: false,
            cached: false,
            age_seconds: None,
            endpoints: vec![EndpointReport {
                scheme: Scheme::Imaps,
                host: "mail.mxp.de".into(),
                port: 993,
                address: Some("192.0.2.7".into()),
                versions: BTreeMap::new(),
                handshakes: vec![
                    handshake(TlsVersion::Tls10, Outcome::Accepted),
                    handshake(TlsVersion::Tls12, Outcome::Accepted),
                    handshake(TlsVersion::Tls13, Outcome::Rejected),
                ],
                clients: vec![],
                certificate: Some(CertificateReport {
                    verdict: CertificateVerdict::Valid,
                    ..CertificateReport::default()
                }),
                findings: vec![],
                verdict: Verdict::LegacyEnabled,
                service_found: None,
                error: None,
            }],
            verdict: CheckVerdict::Warning,
        };
        let text = summary(
            &report,
            &[Advice::OutgoingPort25Unencrypted],
            &[(Direction::Outgoing, "smtp.mxp.de".to_owned(), 2525)],
            "https://hilfe.mxp.de/check?target=mail.mxp.de",
            Lang::De,
            &|_| false,
            None,
        );
        let expected = [
            "Zeitpunkt der MailTLS-Prüfung: 26.11.2026, 12:00 Uhr (UTC)",
            "Gesamtergebnis: Achtung",
            "- imaps://mail.mxp.de:993 [192.0.2.7]: Achtung – Auf diesem Port beherrscht der Server TLS 1.2 oder neuer, nimmt aber auch noch veraltete Versionen wie TLS 1.0 an.",
            "  Unterstützte Versionen: TLS 1.0, TLS 1.2 · Zertifikat: gültig",
            "- Postausgangsserver smtp.mxp.de, Port 2525: nicht geprüft. Diesen Port können wir hier nicht prüfen.",
            "Das sollten Sie in Ihren Einstellungen ändern:",
            "- Port 25 ohne Verschlüsselung ist für das Senden aus E-Mail-Programmen nicht geeignet",
            "Link zu dieser Prüfung: https://hilfe.mxp.de/check?target=mail.mxp.de",
            "MailTLS ",
        ];
        let mut rest = text.as_str();
        for line in expected {
            let at = rest
                .find(line)
                .unwrap_or_else(|| panic!("{line:?} missing or out of order in\n{text}"));
            rest = &rest[at + line.len()..];
        }
        let english = summary(&report, &[], &[], "x", Lang::En, &|_| false, None);
        assert!(
            english.starts_with(
                "Time of the MailTLS check: 26 November 2026, 12:00 UTC\nOverall: Warning"
            ),
            "{english}"
        );
    }

    #[test]
    fn dates_and_times_are_written_for_people_in_each_language() {
        use crate::i18n::{date, date_time};
        let (de, en) = (catalog(Lang::De), catalog(Lang::En));
        assert_eq!(
            date_time(de, "2026-11-27T03:05:09Z"),
            "27.11.2026, 03:05 Uhr (UTC)"
        );
        assert_eq!(
            date_time(en, "2026-11-27T03:05:09Z"),
            "27 November 2026, 03:05 UTC"
        );
        assert_eq!(date(de, "2027-03-03T23:59:59Z"), "03.03.2027");
        assert_eq!(date(en, "2027-03-03T23:59:59Z"), "3 March 2027");
        for odd in [
            "",
            "yesterday",
            "2026-11-27 03:05:09",
            "2026-11-27T03:05:09+01:00",
            "2026-1x-27T03:05:09Z",
            "2026-13-27T03:05:09Z",
            "2026-00-27T03:05:09Z",
        ] {
            assert_eq!(date_time(de, odd), odd);
            assert_eq!(date(en, odd), odd);
        }
    }

    #[test]
    fn the_summary_names_the_failing_mx_of_a_domain() {
        use mailtls_shared::{
            DaneStatus, DomainReport, DomainVerdict, MtaStsReport, MxHostReport, MxProblem,
            MxProblemCode, MxSource, MxStatus, Severity, TlsRptReport, TlsRptStatus,
        };
        let host = |name: &str, preference, status, problems: Vec<MxProblemCode>| MxHostReport {
            host: name.into(),
            preference,
            addresses: vec![],
            status,
            problems: problems
                .into_iter()
                .map(|code| MxProblem {
                    code,
                    severity: Severity::Critical,
                    detail: None,
                })
                .collect(),
            best_version: None,
            mta_sts_match: None,
            error: None,
            dane: None,
        };
        let report = CheckReport {
            tool_version: "0.1.0".into(),
            checked_at: "2026-11-27T12:00:00Z".into(),
            duration_ms: 40,
            targets: vec![],
            domains: vec![DomainReport {
                domain: "firma.de".into(),
                mx_source: MxSource::Mx,
                mx_hosts: vec![
                    host("mx1.firma.de", 10, MxStatus::Usable, vec![]),
                    host(
                        "mx2.firma.de",
                        20,
                        MxStatus::Problem,
                        vec![MxProblemCode::NoModernTls, MxProblemCode::DaneMismatch],
                    ),
                    host("mx3.firma.de", 30, MxStatus::Usable, vec![]),
                ],
                mx_skipped: 0,
                mta_sts: MtaStsReport::default(),
                tls_rpt: TlsRptReport {
                    status: TlsRptStatus::Valid,
                    ..TlsRptReport::default()
                },
                dane: Some(DaneStatus::Mismatch),
                verdict: DomainVerdict::SomeMxFailing,
                detail: None,
            }],
            endpoints: vec![],
            verdict: CheckVerdict::Warning,
            truncated: false,
            cached: false,
            age_seconds: None,
        };
        let german = summary(&report, &[], &[], "x", Lang::De, &|_| false, None);
        for line in [
            "Gesamtergebnis: Achtung",
            "- E-Mails von anderen Anbietern an firma.de: Achtung – Bei einem Teil Ihrer Mailserver gibt es Probleme. Deshalb können manche E-Mails an Sie verspätet oder gar nicht ankommen. Betroffen: 1 von 3 Mailservern (mx2.firma.de).",
            "  MX 10 mx1.firma.de: funktioniert",
            "  MX 20 mx2.firma.de: Problem – kein TLS 1.2 oder neuer · Zertifikat passt nicht zu den TLSA-Einträgen (DANE)",
            "  MTA-STS: nicht eingerichtet",
            " · TLS-RPT: eingerichtet",
            " · DANE: fehlerhaft",
        ] {
            assert!(german.contains(line), "{line:?} missing in\n{german}");
        }
        let english = summary(&report, &[], &[], "x", Lang::En, &|_| false, None);
        assert!(
            english.contains("- Email to firma.de from other providers: Warning – Some of your mail servers have problems, so some email to you may arrive late or not at all. Affected: 1 of 3 mail servers (mx2.firma.de)."),
            "{english}"
        );
    }
}

#[cfg(test)]
mod null_mx {
    use mailtls_shared::{
        CheckReport, CheckVerdict, DomainReport, DomainVerdict, Lang, MtaStsReport, MxSource,
        TlsRptReport,
    };

    #[test]
    fn a_domain_that_receives_no_mail_reads_not_offered_as_on_its_card() {
        let report = CheckReport {
            tool_version: String::new(),
            checked_at: String::new(),
            duration_ms: 1,
            targets: vec![],
            endpoints: vec![],
            domains: vec![DomainReport {
                domain: "nomail.example".into(),
                mx_source: MxSource::NullMx,
                mx_hosts: vec![],
                mx_skipped: 0,
                mta_sts: MtaStsReport::default(),
                tls_rpt: TlsRptReport::default(),
                dane: None,
                verdict: DomainVerdict::NoMail,
                detail: None,
            }],
            verdict: CheckVerdict::Ready,
            truncated: false,
            cached: false,
            age_seconds: None,
        };
        let german = super::summary(&report, &[], &[], "x", Lang::De, &|_| false, None);
        assert!(
            german.contains("Gesamtergebnis: Nicht angeboten"),
            "{german}"
        );
    }
}
