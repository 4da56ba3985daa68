//! One verdict per result: the server cards, the program advice and the copied summary never
//! contradict each other, over the combinations a customer can meet (each kind of server result
//! alone and mixed, × a program that speaks TLS 1.2, one that needs a fix, one we know nothing
//! about). Tests only; the rules are the house rules of docs/texts.md ("all texts about one
//! result agree").

use std::collections::BTreeMap;

use mailtls_shared::{
    CertificateReport, CertificateVerdict, CheckReport, EndpointError, EndpointErrorCode,
    EndpointReport, Lang, Outcome, PortsNotOffered, Scheme, TlsVersion, Verdict,
};

use crate::clients::{self, Guidance, Program, ServerTls, System};
use crate::i18n::catalog;
use crate::tone::{Tone, card_summary};

/// The kinds of result one endpoint can have, as the cards tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ok,
    Legacy,
    /// TLS 1.2 works, the old versions got no clear answer.
    PartlyTested,
    LegacyOnly,
    NoStarttls,
    Certificate,
    Unknown,
    NotOffered,
}

const KINDS: [Kind; 8] = [
    Kind::Ok,
    Kind::Legacy,
    Kind::PartlyTested,
    Kind::LegacyOnly,
    Kind::NoStarttls,
    Kind::Certificate,
    Kind::Unknown,
    Kind::NotOffered,
];

fn endpoint(kind: Kind, scheme: Scheme) -> EndpointReport {
    use Outcome::{Accepted, Inconclusive, Rejected};
    let versions = |accepted: &[TlsVersion], outcome_else: Outcome| {
        TlsVersion::ALL
            .into_iter()
            .map(|version| {
                let outcome = if accepted.contains(&version) {
                    Accepted
                } else {
                    outcome_else
                };
                (version, outcome)
            })
            .collect::<BTreeMap<_, _>>()
    };
    let modern = [TlsVersion::Tls12, TlsVersion::Tls13];
    let error = |code| {
        Some(EndpointError {
            code,
            message: "x".into(),
        })
    };
    let (versions, verdict, error) = match kind {
        Kind::Ok | Kind::Certificate => (versions(&modern, Rejected), Verdict::Ready, None),
        Kind::Legacy => (
            versions(&[TlsVersion::Tls10, TlsVersion::Tls12], Rejected),
            Verdict::LegacyEnabled,
            None,
        ),
        Kind::PartlyTested => (versions(&modern, Inconclusive), Verdict::PartlyTested, None),
        Kind::LegacyOnly => (
            versions(&[TlsVersion::Tls10], Rejected),
            Verdict::NoModernTls,
            None,
        ),
        Kind::NoStarttls => (
            versions(&[], Inconclusive),
            Verdict::NoModernTls,
            error(EndpointErrorCode::StarttlsNotOffered),
        ),
        Kind::Unknown => (
            versions(&[], Inconclusive),
            Verdict::Untestable,
            error(EndpointErrorCode::Timeout),
        ),
        Kind::NotOffered => (
            versions(&[], Inconclusive),
            Verdict::NotOffered,
            error(EndpointErrorCode::ConnectionRefused),
        ),
    };
    let (verdict, certificate) = match kind {
        Kind::Certificate => (
            Verdict::CertificateProblem,
            Some(CertificateVerdict::Expired),
        ),
        Kind::Ok | Kind::Legacy | Kind::PartlyTested | Kind::LegacyOnly => {
            (verdict, Some(CertificateVerdict::Valid))
        }
        _ => (verdict, None),
    };
    EndpointReport {
        scheme,
        host: "mail.example.de".into(),
        port: scheme.default_port(),
        address: Some("192.0.2.1".into()),
        versions,
        handshakes: vec![],
        certificate: certificate.map(|verdict| CertificateReport {
            verdict,
            ..CertificateReport::default()
        }),
        clients: vec![],
        findings: vec![],
        verdict,
        service_found: None,
        error,
    }
}

fn report(endpoints: Vec<EndpointReport>) -> CheckReport {
    CheckReport {
        tool_version: "0.1.0".into(),
        checked_at: "2026-12-04T12:00:00Z".into(),
        duration_ms: 1,
        targets: vec![],
        verdict: CheckReport::overall(&endpoints, &[], PortsNotOffered::Ignore),
        endpoints,
        domains: vec![],
        truncated: false,
        cached: false,
        age_seconds: None,
    }
}

/// A program that speaks TLS 1.2, one that needs a fix for it, one that Microsoft's cloud
/// connects for, and one without facts (every pair the picker offers has facts, so this one is
/// a pair it does not offer).
fn programs() -> [(Program, System); 4] {
    let unknown = Program::ALL
        .into_iter()
        .flat_map(|program| System::ALL.into_iter().map(move |system| (program, system)))
        .find(|(program, system)| clients::fact(*program, *system).is_none())
        .expect("a program and system without facts");
    [
        (Program::Thunderbird, System::Windows10),
        (Program::Outlook2010, System::Windows7),
        (Program::NewOutlook, System::Windows11),
        unknown,
    ]
}

/// Every pair of kinds (one endpoint alone, and incoming + outgoing), as reports.
fn combinations() -> Vec<(Vec<Kind>, CheckReport)> {
    let mut all = Vec::new();
    for first in KINDS {
        all.push((vec![first], report(vec![endpoint(first, Scheme::Imaps)])));
        for second in KINDS {
            all.push((
                vec![first, second],
                report(vec![
                    endpoint(first, Scheme::Imaps),
                    endpoint(second, Scheme::Submission),
                ]),
            ));
        }
    }
    all
}

#[test]
fn cards_program_advice_and_summary_agree_on_every_combination() {
    let mut cases = 0;
    for (kinds, report) in combinations() {
        let tones: Vec<Tone> = report
            .endpoints
            .iter()
            .map(|endpoint| card_summary(endpoint).0)
            .collect();
        let server = clients::server_tls(&report);
        let has = |kind: Kind| kinds.contains(&kind);
        // What the server sums up to, for programs, follows only endpoints that spoke TLS.
        let tls_kinds: Vec<Kind> = kinds
            .iter()
            .copied()
            .filter(|kind| {
                matches!(
                    kind,
                    Kind::Ok
                        | Kind::Legacy
                        | Kind::PartlyTested
                        | Kind::LegacyOnly
                        | Kind::Certificate
                )
            })
            .collect();
        let expected_server = if tls_kinds.is_empty() {
            ServerTls::Unknown
        } else if tls_kinds.contains(&Kind::LegacyOnly) {
            ServerTls::LegacyOnly
        } else if tls_kinds.contains(&Kind::Legacy) {
            ServerTls::ModernAndLegacy
        } else if tls_kinds.contains(&Kind::PartlyTested) {
            ServerTls::ModernLegacyUnknown
        } else {
            ServerTls::ModernOnly
        };
        assert_eq!(server, expected_server, "{kinds:?}");

        for (program, system) in programs() {
            let (guidance, _) = clients::guidance(program, system, server);
            for lang in Lang::ALL {
                let texts = catalog(lang);
                let advice = texts.guidance(guidance, system);
                let summary =
                    crate::summary::summary(&report, &[], &[], "x", lang, &|_| false, None);
                let all_text = format!("{advice}\n{summary}");
                let context = format!("{kinds:?} {program:?}/{system:?} {lang:?}: {all_text}");
                // Nobody is told there is nothing to do: the page does not know it.
                for words in ["nichts zu tun", "nothing to do", "Nothing to do"] {
                    assert!(!all_text.contains(words), "{context}");
                }
                // "Only outdated versions" only where an endpoint offered only those.
                if !has(Kind::LegacyOnly) {
                    assert!(
                        !matches!(
                            guidance,
                            Guidance::ServerMustChange
                                | Guidance::ServerFirst { .. }
                                | Guidance::CloudNeedsModernServer
                        ),
                        "{context}"
                    );
                }
                // An unclear server never gets a firm "your program cannot connect", nor a
                // "your server offers TLS 1.2".
                if server == ServerTls::Unknown {
                    assert!(
                        !matches!(guidance, Guidance::ApplyFix { .. } | Guidance::Supported),
                        "{context}"
                    );
                }
                // Old versions not confirmed off: no firm "cannot connect" either.
                if server == ServerTls::ModernLegacyUnknown {
                    assert!(!matches!(guidance, Guidance::ApplyFix { .. }), "{context}");
                }
            }
            // A program that is fine next to a server card that says "Problem" gets the note
            // that points at the card.
            let fine = matches!(
                guidance,
                Guidance::Works
                    | Guidance::Supported
                    | Guidance::Unchecked
                    | Guidance::WorksButDiscontinued
                    | Guidance::WorksForNow { .. }
            );
            assert_eq!(
                clients::server_problem_note(guidance, &report),
                fine && tones.contains(&Tone::Bad),
                "{kinds:?} {program:?}"
            );
            cases += 1;
        }

        // The copied summary's overall word is the worst card's, ports not offered left out.
        let worst = tones
            .iter()
            .filter(|tone| **tone != Tone::NotOffered)
            .map(|tone| match tone {
                Tone::Good => 0,
                Tone::Unknown => 1,
                Tone::Warning => 2,
                _ => 3,
            })
            .max();
        let overall = crate::tone::overall_tone(report.verdict);
        let expected = match worst {
            None | Some(1) => Tone::Unknown,
            Some(0) => Tone::Good,
            Some(2) => Tone::Warning,
            _ => Tone::Bad,
        };
        assert_eq!(overall, expected, "{kinds:?}");
    }
    assert_eq!(cases, (KINDS.len() + KINDS.len() * KINDS.len()) * 4);
}

#[test]
fn a_program_set_to_no_encryption_is_a_problem_in_the_summary_as_on_the_card() {
    let report = report(vec![endpoint(Kind::Ok, Scheme::Smtp)]);
    for lang in Lang::ALL {
        let texts = catalog(lang);
        let plain = crate::summary::summary(&report, &[], &[], "x", lang, &|_| false, None);
        let unencrypted = crate::summary::summary(&report, &[], &[], "x", lang, &|_| true, None);
        let problem = texts.text(crate::i18n::Text::IconBad);
        assert!(!plain.contains(problem), "{plain}");
        assert!(
            unencrypted
                .lines()
                .nth(1)
                .is_some_and(|line| line.ends_with(&format!(": {problem}"))),
            "{unencrypted}"
        );
        assert!(
            unencrypted.contains(texts.text(crate::i18n::Text::SummaryProgramUnencrypted)),
            "{unencrypted}"
        );
    }
}

#[test]
fn a_host_check_advises_per_service_when_the_services_differ() {
    // IMAP and submission modern, POP3 with old versions only: an IMAP customer is not told
    // that "the server offers only outdated versions".
    let host = report(vec![
        endpoint(Kind::Ok, Scheme::Imaps),
        endpoint(Kind::LegacyOnly, Scheme::Pop3s),
        endpoint(Kind::Ok, Scheme::Submission),
        endpoint(Kind::Legacy, Scheme::Smtp),
    ]);
    let advice = clients::program_advice(Program::Thunderbird, System::Windows10, &host);
    let roles: Vec<_> = advice
        .iter()
        .map(|advice| (advice.role, advice.guidance))
        .collect();
    assert_eq!(
        roles,
        [
            (Some("imap"), Guidance::Supported),
            (Some("pop3"), Guidance::ServerMustChange),
            (Some("smtp"), Guidance::Supported),
        ],
        "port 25 does not speak for sending next to a submission port"
    );
    // Port 25 with old versions next to a submission port does not make the advice for
    // programs "works for now", also when the services agree among themselves.
    let agreeing = report(vec![
        endpoint(Kind::Ok, Scheme::Imaps),
        endpoint(Kind::Ok, Scheme::Submission),
        endpoint(Kind::Legacy, Scheme::Smtp),
    ]);
    let advice = clients::program_advice(Program::Outlook2010, System::Windows7, &agreeing);
    assert_eq!(
        advice
            .iter()
            .map(|advice| (advice.role, advice.guidance.tag()))
            .collect::<Vec<_>>(),
        [(None, "apply-fix")]
    );
    // The same result on every service: one piece of advice for the whole check.
    let same = report(vec![
        endpoint(Kind::Ok, Scheme::Imaps),
        endpoint(Kind::Ok, Scheme::Submission),
    ]);
    let advice = clients::program_advice(Program::Thunderbird, System::Windows10, &same);
    assert_eq!(advice.len(), 1);
    assert_eq!(
        (advice[0].role, advice[0].guidance),
        (None, Guidance::Supported)
    );
}

#[test]
fn the_summary_says_what_the_page_told_the_customer_about_their_program() {
    let report = report(vec![endpoint(Kind::Ok, Scheme::Imaps)]);
    let program = Some((Program::Thunderbird, System::Windows10));
    let german = crate::summary::summary(&report, &[], &[], "x", Lang::De, &|_| false, program);
    let guidance = catalog(Lang::De).guidance(Guidance::Supported, System::Windows10);
    assert!(
        german.contains(&format!(
            "E-Mail-Programm: Thunderbird ab Version 78 unter Windows 10\n  {guidance}\n"
        )),
        "{german}"
    );
}

#[test]
fn the_summarys_overall_line_says_what_the_headline_says_about_the_program() {
    // A server that is in order, and Outlook 2010 on Windows 7, which needs TLS 1.2 switched on
    // first: the headline says "Problem", and so must the summary support reads.
    let report = report(vec![
        endpoint(Kind::Ok, Scheme::Imaps),
        endpoint(Kind::Ok, Scheme::Submission),
    ]);
    let program = Some((Program::Outlook2010, System::Windows7));
    let (tone, headline) = crate::tone::verdict_line(&report, &|_| false, false, program);
    assert_eq!(
        (tone, headline),
        (Tone::Bad, crate::i18n::Text::HeadlineProgramBad)
    );
    for (lang, line) in [
        (Lang::De, "Gesamtergebnis: Problem"),
        (Lang::En, "Overall: Problem"),
    ] {
        let summary = crate::summary::summary(&report, &[], &[], "x", lang, &|_| false, program);
        assert!(summary.contains(line), "{summary}");
    }
    // Without the program the same report is in order.
    let plain = crate::summary::summary(&report, &[], &[], "x", Lang::De, &|_| false, None);
    assert!(plain.contains("Gesamtergebnis: In Ordnung"), "{plain}");
}
