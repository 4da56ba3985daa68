//! How a verdict looks and reads: the one place where the service's verdicts (an endpoint's, a
//! domain's, the whole check's) and the program advice become a [`Tone`], and a tone becomes
//! its style class, icon, word and headline. Cards, the headline and the support summary all
//! ask here, so they cannot disagree (`consistency` tests that they do not). Pure.

use mailtls_shared::{CheckReport, CheckVerdict, EndpointErrorCode, EndpointReport, Verdict};

use crate::i18n::Text;

/// How a card looks: not by colour alone, each tone has its icon and word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warning,
    Bad,
    Unknown,
    /// A port of a host check where nothing listens: neither good nor a fault.
    NotOffered,
}

impl Tone {
    /// The style class of cards and the headline in this tone.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Warning => "warning",
            Tone::Bad => "bad",
            Tone::Unknown => "unknown",
            Tone::NotOffered => "not-offered",
        }
    }

    /// The icon shown next to the tone's word (hidden from screen readers).
    pub fn icon(self) -> &'static str {
        match self {
            Tone::Good => "✔",
            Tone::Warning => "!",
            Tone::Bad => "✖",
            Tone::Unknown => "?",
            Tone::NotOffered => "–",
        }
    }

    /// The word next to the icon, as cards and the summary say it.
    pub fn word(self) -> Text {
        match self {
            Tone::Good => Text::IconGood,
            Tone::Warning => Text::IconWarning,
            Tone::Bad => Text::IconBad,
            Tone::Unknown => Text::IconUnknown,
            Tone::NotOffered => Text::IconNotOffered,
        }
    }

    /// The headline of a result in this tone.
    pub fn headline(self) -> Text {
        match self {
            Tone::Good => Text::HeadlineGood,
            Tone::Warning => Text::HeadlineWarning,
            Tone::Bad => Text::HeadlineBad,
            Tone::Unknown => Text::HeadlineUnknown,
            Tone::NotOffered => Text::HeadlineNotOffered,
        }
    }

    /// How much a tone weighs against another: the worse one leads a headline. "Not offered"
    /// weighs as little as good: nothing is wrong.
    pub fn severity(self) -> u8 {
        match self {
            Tone::Good | Tone::NotOffered => 0,
            Tone::Unknown => 1,
            Tone::Warning => 2,
            Tone::Bad => 3,
        }
    }
}

/// How a domain verdict looks: one place for the card and the summary.
pub fn domain_tone(verdict: mailtls_shared::DomainVerdict) -> Tone {
    match verdict {
        mailtls_shared::DomainVerdict::Ready => Tone::Good,
        mailtls_shared::DomainVerdict::SomeMxFailing
        | mailtls_shared::DomainVerdict::MtaStsBroken => Tone::Warning,
        mailtls_shared::DomainVerdict::NoModernTls | mailtls_shared::DomainVerdict::NoUsableMx => {
            Tone::Bad
        }
        // By design: neither good nor a fault.
        mailtls_shared::DomainVerdict::NoMail => Tone::NotOffered,
        mailtls_shared::DomainVerdict::Untestable => Tone::Unknown,
    }
}

/// The tone and the explanation a card leads with, from the server's verdict.
pub fn card_summary(endpoint: &EndpointReport) -> (Tone, Text) {
    let error = endpoint.error.as_ref().map(|error| error.code);
    match endpoint.verdict {
        Verdict::Ready => (Tone::Good, Text::SummaryGood),
        Verdict::LegacyEnabled => (Tone::Warning, Text::SummaryLegacyEnabled),
        Verdict::ClientsLockedOut => (Tone::Bad, Text::SummaryClientsLockedOut),
        Verdict::NotOffered => (Tone::NotOffered, Text::SummaryNotOffered),
        Verdict::WrongService => (Tone::Bad, Text::SummaryWrongService),
        Verdict::PartlyTested => (Tone::Unknown, Text::SummaryPartlyTested),
        Verdict::CertificateProblem => (Tone::Bad, Text::SummaryCertificate),
        Verdict::NoModernTls if error == Some(EndpointErrorCode::StarttlsNotOffered) => {
            (Tone::Bad, Text::SummaryNoEncryption)
        }
        Verdict::NoModernTls if endpoint.best_version().is_some() => {
            (Tone::Bad, Text::SummaryLegacyOnly)
        }
        Verdict::NoModernTls => (Tone::Bad, Text::SummaryNoTls),
        Verdict::Untestable => match error {
            Some(EndpointErrorCode::NameNotFound) => (Tone::Bad, Text::SummaryNameNotFound),
            Some(EndpointErrorCode::LookupFailed) => (Tone::Unknown, Text::SummaryLookupFailed),
            Some(EndpointErrorCode::ConnectionRefused) => (Tone::Unknown, Text::SummaryNoService),
            Some(EndpointErrorCode::Throttled) => (Tone::Unknown, Text::SummaryThrottled),
            _ => (Tone::Unknown, Text::SummaryUnknown),
        },
    }
}

/// The card's tone and explanation for an endpoint the customer's program reaches without
/// encryption ("Keine"): a problem whatever the server offers, and what it offers is the fix.
pub fn unencrypted_summary(endpoint: &EndpointReport) -> (Tone, Text) {
    // Only where the probe found encryption on offer; otherwise the server's own card says what
    // is wrong (no encryption at all, nothing answering, …).
    if endpoint.best_version().is_some() {
        (Tone::Bad, Text::SummaryProgramUnencrypted)
    } else {
        card_summary(endpoint)
    }
}

/// The tone of the whole check.
pub fn overall_tone(verdict: CheckVerdict) -> Tone {
    match verdict {
        CheckVerdict::Ready => Tone::Good,
        CheckVerdict::Unclear => Tone::Unknown,
        CheckVerdict::Warning => Tone::Warning,
        CheckVerdict::Problem => Tone::Bad,
    }
}

/// The tone of the whole check as the page and the summary say it: the report's verdict, a
/// "Problem" where the customer's program reaches an endpoint without encryption (as its card
/// says), and "not offered" for a check of domains that receive no mail by design.
pub fn overall(report: &CheckReport, unencrypted: &dyn Fn(&EndpointReport) -> bool) -> Tone {
    if report.endpoints.is_empty()
        && !report.domains.is_empty()
        && report
            .domains
            .iter()
            .all(|domain| domain.verdict == mailtls_shared::DomainVerdict::NoMail)
    {
        return Tone::NotOffered;
    }
    let unencrypted_problem = report
        .endpoints
        .iter()
        .any(|endpoint| unencrypted(endpoint) && unencrypted_summary(endpoint).0 == Tone::Bad);
    if unencrypted_problem {
        Tone::Bad
    } else {
        overall_tone(report.verdict)
    }
}

/// The one plain answer on top of a result: the settings to change when the customer must change
/// them (`settings_to_change`), else the whole check's tone in words.
pub fn headline(tone: Tone, settings_to_change: bool) -> Text {
    if settings_to_change {
        return Text::HeadlineSettings;
    }
    tone.headline()
}

/// What the program advice means for the headline: `None` where the program connects or the
/// page knows nothing against it; a warning where it connects only for now or must change
/// before the switch-off; a problem where it cannot connect as it is.
pub fn program_tone(guidance: crate::clients::Guidance) -> Option<Tone> {
    use crate::clients::Guidance;
    match guidance {
        Guidance::Works
        | Guidance::Supported
        | Guidance::Unchecked
        | Guidance::NoData
        | Guidance::WorksButDiscontinued => None,
        Guidance::WorksForNow { .. }
        | Guidance::ServerUnknown { .. }
        | Guidance::LegacyUnknown { .. }
        | Guidance::LockedOutAfterFix => Some(Tone::Warning),
        Guidance::Discontinued
        | Guidance::ApplyFix { .. }
        | Guidance::ServerMustChange
        | Guidance::ServerFirst { .. }
        | Guidance::CloudNeedsModernServer
        | Guidance::ServerLocksOut
        | Guidance::ServerNeedsTls12 => Some(Tone::Bad),
    }
}

/// The headline when the customer named their program: the program's trouble leads where it
/// is worse than what the servers' cards say (a green card must not hide "your program cannot
/// connect"); otherwise as [`headline`].
pub fn headline_with_program(
    tone: Tone,
    settings_to_change: bool,
    program: Option<Tone>,
) -> (Tone, Text) {
    match program {
        Some(program) if !settings_to_change && program.severity() > tone.severity() => (
            program,
            if program == Tone::Bad {
                Text::HeadlineProgramBad
            } else {
                Text::HeadlineProgramWarning
            },
        ),
        _ => (tone, headline(tone, settings_to_change)),
    }
}

/// The one verdict of a result, as the page's headline says it and the summary's overall line
/// words it: the report's tone (with "Keine" endpoints as problems), the settings to change
/// first, and a chosen program's trouble where it is worse than the servers' cards. The tone is
/// at least a warning while settings must change.
pub fn verdict_line(
    report: &CheckReport,
    unencrypted: &dyn Fn(&EndpointReport) -> bool,
    settings_to_change: bool,
    program: Option<(crate::clients::Program, crate::clients::System)>,
) -> (Tone, Text) {
    let program_tone = program.and_then(|(program, system)| {
        crate::clients::program_advice(program, system, report)
            .into_iter()
            .filter_map(|advice| program_tone(advice.guidance))
            .max_by_key(|tone| *tone == Tone::Bad)
    });
    let (tone, text) = headline_with_program(
        overall(report, unencrypted),
        settings_to_change,
        program_tone,
    );
    match tone {
        Tone::Good | Tone::Unknown | Tone::NotOffered if settings_to_change => {
            (Tone::Warning, text)
        }
        _ => (tone, text),
    }
}

#[cfg(test)]
mod tests {
    use mailtls_shared::{EndpointError, Outcome, Reason, TlsVersion};

    use super::*;
    use crate::state::tests::endpoint;

    #[test]
    fn cards_follow_the_server_verdict() {
        use Outcome::*;
        use TlsVersion::*;
        let error = |code| {
            Some(EndpointError {
                code,
                message: String::new(),
            })
        };
        let cases = [
            (
                Verdict::Ready,
                vec![(Tls12, Accepted, None)],
                None,
                (Tone::Good, Text::SummaryGood),
            ),
            (
                Verdict::LegacyEnabled,
                vec![(Tls10, Accepted, None)],
                None,
                (Tone::Warning, Text::SummaryLegacyEnabled),
            ),
            (
                Verdict::CertificateProblem,
                vec![],
                None,
                (Tone::Bad, Text::SummaryCertificate),
            ),
            (
                Verdict::NoModernTls,
                vec![(Tls10, Accepted, None)],
                None,
                (Tone::Bad, Text::SummaryLegacyOnly),
            ),
            (
                Verdict::NoModernTls,
                vec![(Tls12, Rejected, Some(Reason::Alert))],
                None,
                (Tone::Bad, Text::SummaryNoTls),
            ),
            (
                Verdict::NoModernTls,
                vec![],
                error(EndpointErrorCode::StarttlsNotOffered),
                (Tone::Bad, Text::SummaryNoEncryption),
            ),
            (
                Verdict::Untestable,
                vec![],
                error(EndpointErrorCode::NameNotFound),
                (Tone::Bad, Text::SummaryNameNotFound),
            ),
            (
                Verdict::Untestable,
                vec![],
                error(EndpointErrorCode::LookupFailed),
                (Tone::Unknown, Text::SummaryLookupFailed),
            ),
            (
                Verdict::Untestable,
                vec![],
                error(EndpointErrorCode::ConnectionRefused),
                (Tone::Unknown, Text::SummaryNoService),
            ),
            (
                Verdict::Untestable,
                vec![],
                error(EndpointErrorCode::Throttled),
                (Tone::Unknown, Text::SummaryThrottled),
            ),
            (
                Verdict::Untestable,
                vec![],
                error(EndpointErrorCode::Timeout),
                (Tone::Unknown, Text::SummaryUnknown),
            ),
        ];
        for (verdict, outcomes, error, expected) in cases {
            let endpoint = EndpointReport {
                verdict,
                error,
                ..endpoint(&outcomes)
            };
            assert_eq!(
                card_summary(&endpoint),
                expected,
                "{verdict:?} {outcomes:?}"
            );
        }
    }
}

#[cfg(test)]
mod headline_tests {
    use mailtls_shared::Lang;

    use super::*;
    use crate::i18n::catalog;

    #[test]
    fn a_chosen_programs_trouble_leads_where_the_cards_look_better() {
        assert_eq!(
            headline_with_program(Tone::Good, false, Some(Tone::Bad)),
            (Tone::Bad, Text::HeadlineProgramBad)
        );
        assert_eq!(
            headline_with_program(Tone::Unknown, false, Some(Tone::Warning)),
            (Tone::Warning, Text::HeadlineProgramWarning)
        );
        // The cards are worse, or the settings must change first: those lead.
        assert_eq!(
            headline_with_program(Tone::Bad, false, Some(Tone::Warning)),
            (Tone::Bad, Text::HeadlineBad)
        );
        assert_eq!(
            headline_with_program(Tone::Good, true, Some(Tone::Bad)),
            (Tone::Good, Text::HeadlineSettings)
        );
        assert_eq!(
            headline_with_program(Tone::Good, false, None),
            (Tone::Good, Text::HeadlineGood)
        );
    }

    #[test]
    fn the_headline_asks_for_settings_first_then_says_the_overall_tone() {
        assert_eq!(headline(Tone::Good, true), Text::HeadlineSettings);
        assert_eq!(headline(Tone::Bad, true), Text::HeadlineSettings);
        for (tone, text) in [
            (Tone::Good, Text::HeadlineGood),
            (Tone::Warning, Text::HeadlineWarning),
            (Tone::Bad, Text::HeadlineBad),
            (Tone::Unknown, Text::HeadlineUnknown),
            (Tone::NotOffered, Text::HeadlineNotOffered),
            (Tone::Warning, Text::HeadlineProgramWarning),
            (Tone::Bad, Text::HeadlineProgramBad),
        ] {
            if !matches!(
                text,
                Text::HeadlineProgramWarning | Text::HeadlineProgramBad
            ) {
                assert_eq!(headline(tone, false), text);
            }
            // The headline leads with the same word as the cards of its tone.
            for lang in Lang::ALL {
                let texts = catalog(lang);
                assert!(
                    texts
                        .text(text)
                        .starts_with(&format!("{}:", texts.text(tone.word()))),
                    "{lang:?} {text:?}"
                );
            }
        }
    }
}
