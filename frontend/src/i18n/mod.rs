//! Every text the page shows, one catalog per language ([`de`], [`en`]).
//!
//! Views never hold text: they ask [`catalog`] for it. Each catalog matches exhaustively, so a
//! text added to [`Text`] without a German and an English version does not compile.
//!
//! Each catalog is a cargo feature of this crate (`de`, `en`, both by default). The shipped page
//! is built once per language, with only that catalog (`make dist`: a tenth of the download is
//! the other language's text); the service hands each visitor the build of their language, and
//! the language switch loads the other build with what the customer typed ([`built_in`]).

#[cfg(not(any(feature = "de", feature = "en")))]
compile_error!("the page needs at least one language: build it with the feature `de` or `en`");

#[cfg(feature = "de")]
mod de;
#[cfg(feature = "en")]
mod en;

use mailtls_shared::{
    CertificateVerdict, DaneStatus, DomainReport, EndpointReport, FindingCode, Lang, MailProtocol,
    MtaStsMode, MtaStsStatus, MxProblemCode, MxStatus, Outcome, Reason, Scheme, ServiceFound,
    Severity, SimulatedClient, TlsRptStatus,
};

use crate::clients::{Guidance, Measured, Program, System};
use crate::settings::{Advice, Direction};

/// Declares [`Text`] and, for the catalog checks, the list of all its keys.
macro_rules! texts {
    ($($name:ident),* $(,)?) => {
        /// The fixed texts of the page.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Text {
            $($name),*
        }

        impl Text {
            /// Every key, for the checks that read both catalogs in full.
            #[cfg(test)]
            pub const ALL: &[Text] = &[$(Text::$name),*];
        }
    };
}

texts! {
    Title,
    MetaDescription,
    Intro,
    LanguageLabel,
    ServerLabel,
    ServerHint,
    CheckButton,
    Checking,
    ResultsHeading,
    EditedSinceCheck,
    HeadlineGood,
    HeadlineWarning,
    HeadlineBad,
    HeadlineUnknown,
    HeadlineNotOffered,
    HeadlineSettings,
    HeadlineProgramWarning,
    HeadlineProgramBad,
    VersionsHeading,
    CertificateLabel,
    AddressLabel,
    SummaryGood,
    SummaryLegacyEnabled,
    ProgramShownBelow,
    ChooseProgramHint,
    SummaryClientsLockedOut,
    SummaryNotOffered,
    SummaryWrongService,
    SummaryProgramUnencrypted,
    SummaryPartlyTested,
    IconNotOffered,
    NoCapture,
    SummaryCertificate,
    SummaryNoEncryption,
    SummaryNoService,
    SummaryThrottled,
    SummaryLegacyOnly,
    SummaryNoTls,
    SummaryUnknown,
    SummaryNameNotFound,
    SummaryLookupFailed,
    TryAgain,
    RequestFailed,
    IconGood,
    IconWarning,
    IconBad,
    IconUnknown,
    Footer,
    ModeLabel,
    ModeSettings,
    BuilderModeSettings,
    ReportTruncated,
    ServerHintAgent,
    ModeServer,
    SettingsHint,
    SettingsHintAgent,
    ClientHeadingAgent,
    EmailLabel,
    IncomingHeading,
    OutgoingHeading,
    ProtocolLabel,
    ServerNameLabel,
    PortLabel,
    PortHint,
    SecurityLabel,
    SecuritySslTls,
    SecurityStarttls,
    SecurityNone,
    SecurityAuto,
    SecurityHintThunderbird,
    SecurityHintK9,
    SecurityHintAndroid,
    SecurityHintAppleMail,
    CheckSettingsButton,
    AdviceHeading,
    DetailsSummary,
    FindingsHeading,
    HandshakesHeading,
    ClientsHeading,
    ClientsHint,
    ClientConnected,
    ClientFailed,
    ClientUntested,
    ClientWin7,
    ClientWin7Tls12,
    ClientIos9Mail,
    ClientOsx1011Mail,
    ProgramNewOutlook,
    ProgramWindowsMail,
    ProgramThunderbirdOld,
    ProgramThunderbird31,
    ProgramThunderbird,
    ProgramAndroidMail,
    ProgramK9,
    Win7StepTest,
    ServerProblemAbove,
    CertSubject,
    CertNames,
    CertIssuer,
    CertValidUntil,
    CertKey,
    CertSignature,
    CertChain,
    TechnicalDetail,
    SummaryTitle,
    SummaryOverall,
    SummaryVersions,
    SummaryLink,
    SupportHeading,
    SupportHint,
    SummaryLabel,
    CopyLink,
    CopySummary,
    Copied,
    CopyFailed,
    ContactPhone,
    ContactEmail,
    ContactHours,
    ClientHeading,
    SystemLabel,
    ProgramLabel,
    ChooseOne,
    SuggestedByBrowser,
    Unconfirmed,
    Win7StepUpdate,
    Win7StepReg,
    Win7StepOpenReg,
    Win7StepRestart,
    DownloadReg,
    SourceLabel,
    YourSettingsHeading,
    DownloadMobileconfig,
    StepSaveAndCheck,
    MoreFromProvider,
    PortError,
    EmailError,
    EmailDomainError,
    BuilderHeading,
    BuilderIntro,
    CustomerLanguage,
    BuildLinkButton,
    BuiltLinkLabel,
    OpenBuiltLink,
    MxHostsHeading,
}

/// One language's texts.
pub trait Catalog {
    fn text(&self, text: Text) -> &'static str;
    /// What an admin should know, for people.
    fn finding(&self, code: FindingCode) -> &'static str;
    fn severity(&self, severity: Severity) -> &'static str;
    /// `RSA, 2048 bit` / `RSA, 2048 Bit`.
    fn key_size(&self, key: &str, bits: u32) -> String;
    /// Microsoft's page for update KB3140245 in this language.
    fn kb3140245_url(&self) -> &'static str;
    /// `89 days left` / `expired 3 days ago`.
    fn days_left(&self, days: i64) -> String;
    /// `, Port 993, Verschlüsselung: „SSL/TLS“` after a server name in the settings steps.
    fn port_and_security(&self, port: u16, security: &str) -> String;
    /// A calendar date (`month` 1–12) as this language writes it for customers.
    fn date(&self, year: &str, month: u32, day: u32) -> String;
    /// A date and a UTC time (`hour_minute` as `12:00`).
    fn date_time(&self, date: String, hour_minute: &str) -> String;
    /// An operating system's name.
    fn system(&self, system: System) -> &'static str;
    /// `Outlook 2010 on Windows 7`.
    fn client_heading(&self, program: &str, system: System) -> String;
    /// The advice for the customer's program, in words.
    fn guidance(&self, guidance: Guidance, system: System) -> String;
    /// What the simulated handshake of the customer's program did (empty for `Unknown`), as
    /// installed or `after_fix` (Windows 7's TLS 1.2 setting).
    fn measured(&self, measured: Measured, after_fix: bool) -> String;
    /// `Incoming mail server (IMAP)` for a profile role.
    fn role(&self, role: &str) -> &'static str;
    /// Where in the program the server settings are.
    fn where_to_change(&self, program: Program) -> &'static str;
    /// `Support of Example Mail`.
    fn contact_heading(&self, provider: &str) -> String;
    /// A gentle hint under a server field: `Did you mean mail.example.de?`
    fn did_you_mean(&self, suggestion: &str) -> String;
    /// What to change in the settings themselves.
    fn advice(&self, advice: &Advice) -> String;
    /// How far a running check is: `(3 of 7 done)`.
    fn progress(&self, done: usize, total: usize) -> String;
    /// `mail.example.de:993 wird noch geprüft …` for the targets still pending.
    fn pending(&self, targets: &str) -> String;
    /// After a certificate's first names: how many more it has (`… und 2.400 weitere`).
    fn more_names(&self, more: usize) -> String;
    /// At a port field: the service does not check `port`, so this server was left out; the
    /// usual ports (SSL/TLS, STARTTLS) of such a server.
    fn port_not_checked(&self, port: u16, usual: (u16, u16)) -> String;
    /// With the result and in the summary: a server left out because its port is not checked.
    fn left_out(&self, direction: Direction, host: &str, port: u16) -> String;
    /// A result the service answered from its cache, `seconds` old.
    fn cached_age(&self, seconds: u64) -> String;
    /// A version's outcome, as a word (`supported`).
    fn outcome(&self, outcome: Outcome) -> &'static str;
    /// Why a handshake failed, for a customer.
    fn reason(&self, reason: Reason) -> &'static str;
    /// The certificate verdict, for a customer.
    fn verdict(&self, verdict: CertificateVerdict) -> &'static str;
    /// `Mail to firma.de from other providers`.
    fn domain_heading(&self, domain: &str) -> String;
    /// The domain verdict in a sentence, naming the MX hosts with problems.
    fn domain_verdict(&self, domain: &DomainReport) -> String;
    /// What to do about the domain verdict (empty when nothing).
    fn domain_todo(&self, domain: &DomainReport) -> &'static str;
    fn mx_status(&self, status: MxStatus) -> &'static str;
    fn mx_problem(&self, code: MxProblemCode) -> &'static str;
    /// The MTA-STS state, for people.
    fn mta_sts(&self, status: MtaStsStatus, mode: Option<MtaStsMode>) -> &'static str;
    /// The TLS-RPT state, for people.
    fn tls_rpt(&self, status: TlsRptStatus) -> &'static str;
    /// The DANE state, for people.
    fn dane(&self, status: DaneStatus) -> &'static str;
    /// The advice for a port that is another service, in words.
    fn wrong_service(&self, advice: WrongServiceAdvice) -> String;
}

/// What to change when a port answered as another service than the customer set up: decided
/// here once, worded by each catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrongServiceAdvice {
    /// The port speaks the chosen protocol but starts encryption with STARTTLS: set STARTTLS
    /// (and port 587 instead of 25, which is for servers among themselves), or use the
    /// protocol's SSL/TLS port.
    UseStarttls {
        port: u16,
        move_to_587: bool,
        tls_port: u16,
    },
    /// The port answered as another protocol: use the chosen protocol's SSL/TLS port.
    OtherProtocol {
        port: u16,
        found: MailProtocol,
        wanted: MailProtocol,
        tls_port: u16,
    },
}

impl WrongServiceAdvice {
    /// The advice for `port`, set up as `scheme`, that answered as `found`.
    pub fn new(scheme: Scheme, port: u16, found: ServiceFound) -> WrongServiceAdvice {
        let wanted = MailProtocol::of_scheme(scheme);
        let tls_port = wanted.implicit_scheme().default_port();
        if found.plain_text && found.protocol == wanted {
            WrongServiceAdvice::UseStarttls {
                port,
                move_to_587: wanted == MailProtocol::Smtp && port == 25,
                tls_port,
            }
        } else {
            WrongServiceAdvice::OtherProtocol {
                port,
                found: found.protocol,
                wanted,
                tls_port,
            }
        }
    }
}

/// The parts of an RFC 3339 UTC timestamp (`2027-03-03T23:59:59Z`): year, month, day and
/// `HH:MM`; `None` for anything else.
fn timestamp_parts(rfc3339: &str) -> Option<(&str, u32, u32, &str)> {
    let digits = |start: usize, len: usize| {
        rfc3339
            .get(start..start + len)
            .filter(|part| part.bytes().all(|b| b.is_ascii_digit()))
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':')]
        .iter()
        .all(|(at, byte)| rfc3339.as_bytes().get(*at) == Some(byte));
    if !separators || !rfc3339.ends_with('Z') {
        return None;
    }
    digits(11, 2)?;
    digits(14, 2)?;
    let month: u32 = digits(5, 2)?
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let day: u32 = digits(8, 2)?
        .parse()
        .ok()
        .filter(|d| (1..=31).contains(d))?;
    Some((digits(0, 4)?, month, day, rfc3339.get(11..16)?))
}

/// The one date formatter for the page: `2027-03-03T23:59:59Z` as `03.03.2027` or
/// `3 March 2027`; anything that is not such a timestamp as given.
pub fn date(texts: &dyn Catalog, rfc3339: &str) -> String {
    match timestamp_parts(rfc3339) {
        Some((year, month, day, _)) => texts.date(year, month, day),
        None => rfc3339.to_owned(),
    }
}

/// Date and time: `26.11.2026, 12:00 Uhr (UTC)` or `26 November 2026, 12:00 UTC`.
pub fn date_time(texts: &dyn Catalog, rfc3339: &str) -> String {
    match timestamp_parts(rfc3339) {
        Some((year, month, day, time)) => texts.date_time(texts.date(year, month, day), time),
        None => rfc3339.to_owned(),
    }
}

/// A card's explanation: the verdict's text, or for a port that is another service, the
/// advice worded from what the port answered as.
pub fn explanation(texts: &dyn Catalog, endpoint: &EndpointReport, summary: Text) -> String {
    match (summary, endpoint.service_found) {
        (Text::SummaryWrongService, Some(found)) => texts.wrong_service(WrongServiceAdvice::new(
            endpoint.scheme,
            endpoint.port,
            found,
        )),
        _ => texts.text(summary).to_owned(),
    }
}

/// `1 of 3 mail servers (mx2.firma.de)`: how many MX hosts have a problem, and which; `of` and
/// `servers` are the language's words.
pub fn failing_hosts(domain: &DomainReport, of: &str, servers: &str) -> String {
    let total = domain.mx_hosts.len();
    let failing: Vec<&str> = domain
        .failing_hosts()
        .map(|(_, host)| host.host.as_str())
        .collect();
    format!(
        "{} {of} {total} {servers} ({})",
        failing.len(),
        failing.join(", ")
    )
}

/// `2400` as `2.400` (German, `sep` `.`) or `2,400` (English, `,`).
pub fn thousands(n: usize, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(digit);
    }
    out
}

/// A mail program's name for people, in `texts`' language.
pub fn program_name(texts: &dyn Catalog, program: Program) -> &'static str {
    match program {
        Program::OutlookExpress => "Outlook Express",
        Program::Outlook2007 => "Outlook 2007",
        Program::Outlook2010 => "Outlook 2010",
        Program::Outlook2013 => "Outlook 2013",
        Program::Outlook2016OrNewer => "Outlook 2016 / 2019 / 2021 / 2024 / Microsoft 365",
        Program::NewOutlook => texts.text(Text::ProgramNewOutlook),
        Program::WindowsLiveMail => "Windows Live Mail",
        Program::WindowsMail => texts.text(Text::ProgramWindowsMail),
        Program::ThunderbirdOld => texts.text(Text::ProgramThunderbirdOld),
        Program::Thunderbird31 => texts.text(Text::ProgramThunderbird31),
        Program::Thunderbird => texts.text(Text::ProgramThunderbird),
        Program::AppleMail => "Apple Mail (Mac)",
        Program::IosMail => "Mail (iPhone/iPad)",
        Program::AndroidMail => texts.text(Text::ProgramAndroidMail),
        Program::K9Mail => texts.text(Text::ProgramK9),
    }
}

/// A simulated client's name for people: system and TLS stack, in `texts`' language.
pub fn client_name(texts: &dyn Catalog, client: SimulatedClient) -> &'static str {
    use SimulatedClient as C;
    match client {
        C::SchannelWinXp => "Windows XP",
        C::SchannelVista => "Windows Vista",
        C::SchannelWin7 => texts.text(Text::ClientWin7),
        C::SchannelWin7Tls12 => texts.text(Text::ClientWin7Tls12),
        C::SchannelWin81 => "Windows 8.1",
        C::SchannelWin10 => "Windows 10",
        C::Android23 => "Android 2.3",
        C::Android40 => "Android 4.0",
        C::Android43 => "Android 4.1–4.3",
        C::Android44 => "Android 4.4",
        C::Android5 => "Android 5",
        C::Android7 => "Android 7",
        C::Android10 => "Android 10",
        C::Android13 => "Android 13/14",
        C::Android15 => "Android 15/16",
        C::AppleMailIos9 => texts.text(Text::ClientIos9Mail),
        C::AppleMailOsx1011 => texts.text(Text::ClientOsx1011Mail),
        C::AppleMail16 => "Apple Mail 16",
        C::Thunderbird45 => "Thunderbird 45",
        C::Thunderbird60 => "Thunderbird 60",
        C::Thunderbird68 => "Thunderbird 68",
        C::Thunderbird91 => "Thunderbird 91",
    }
}

/// Whether this build has `lang`'s catalog (see the module's doc).
pub const fn built_in(lang: Lang) -> bool {
    match lang {
        Lang::De => cfg!(feature = "de"),
        Lang::En => cfg!(feature = "en"),
    }
}

/// The language of this build when it has one only; German when it has both.
pub const fn first_built_in() -> Lang {
    if built_in(Lang::De) {
        Lang::De
    } else {
        Lang::En
    }
}

/// The catalog for `lang`, or the build's own when it was built without `lang`.
pub fn catalog(lang: Lang) -> &'static dyn Catalog {
    match lang {
        #[cfg(feature = "de")]
        Lang::De => &de::German,
        #[cfg(feature = "en")]
        Lang::En => &en::English,
        #[allow(unreachable_patterns)]
        _ => catalog(first_built_in()),
    }
}

/// The name of each language in itself, for the language switch.
pub fn language_name(lang: Lang) -> &'static str {
    match lang {
        Lang::De => "Deutsch",
        Lang::En => "English",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands_as_each_language_writes_them() {
        assert_eq!(catalog(Lang::De).more_names(2_400), "… und 2.400 weitere");
        assert_eq!(catalog(Lang::En).more_names(2_400), "… and 2,400 more");
        assert_eq!(thousands(7, '.'), "7");
        assert_eq!(thousands(999, '.'), "999");
        assert_eq!(thousands(1_000, '.'), "1.000");
        assert_eq!(thousands(1_234_567, ','), "1,234,567");
    }

    /// Every customer text each catalog can produce (the fixed texts and every worded enum).
    fn every_text(texts: &dyn Catalog) -> Vec<String> {
        use crate::clients::Fix;
        let mut all: Vec<String> = Text::ALL
            .iter()
            .map(|text| texts.text(*text).to_owned())
            .collect();
        let findings = [
            FindingCode::StarttlsNotOffered,
            FindingCode::AuthBeforeTls,
            FindingCode::LegacyVersionsEnabled,
            FindingCode::NoTls12,
            FindingCode::Tls12LegacyCiphersOnly,
            FindingCode::CertificateProblem,
            FindingCode::ResponseInjection,
            FindingCode::ClientsLockedOut,
            FindingCode::ClientsNeedLegacyVersions,
            FindingCode::CertificateExpiresSoon,
            FindingCode::WrongService,
        ];
        all.extend(findings.map(|code| texts.finding(code).to_owned()));
        let reasons = [
            Reason::Alert,
            Reason::Closed,
            Reason::OtherVersion,
            Reason::Timeout,
            Reason::ConnectionRefused,
            Reason::Network,
            Reason::ProtocolViolation,
            Reason::NameNotFound,
            Reason::LookupFailed,
            Reason::Throttled,
            Reason::Starttls,
        ];
        all.extend(reasons.map(|reason| texts.reason(reason).to_owned()));
        all.extend(
            [
                CertificateVerdict::Valid,
                CertificateVerdict::Expired,
                CertificateVerdict::NotYetValid,
                CertificateVerdict::NameMismatch,
                CertificateVerdict::SelfSigned,
                CertificateVerdict::Untrusted,
                CertificateVerdict::IncompleteChain,
                CertificateVerdict::Invalid,
            ]
            .map(|verdict| texts.verdict(verdict).to_owned()),
        );
        all.extend(
            [
                MxProblemCode::NoModernTls,
                MxProblemCode::StarttlsNotOffered,
                MxProblemCode::LegacyVersionsEnabled,
                MxProblemCode::CertificateProblem,
                MxProblemCode::NotInMtaStsPolicy,
                MxProblemCode::DaneMismatch,
                MxProblemCode::DnssecBogus,
                MxProblemCode::DaneLookupFailed,
                MxProblemCode::NameNotFound,
                MxProblemCode::AddressRefused,
                MxProblemCode::Unreachable,
            ]
            .map(|code| texts.mx_problem(code).to_owned()),
        );
        for program in Program::ALL {
            all.push(texts.where_to_change(program).to_owned());
        }
        for system in crate::clients::System::ALL {
            all.push(texts.system(system).to_owned());
            let fixes = [
                Fix::Nothing,
                Fix::Windows7Registry,
                Fix::InstallThunderbird,
                Fix::UpdateThunderbird,
                Fix::InstallK9,
                Fix::NewDevice,
                Fix::SwitchProgram,
            ];
            for fix in fixes {
                for guidance in [
                    Guidance::Works,
                    Guidance::Supported,
                    Guidance::Unchecked,
                    Guidance::Discontinued,
                    Guidance::WorksButDiscontinued,
                    Guidance::WorksForNow { fix },
                    Guidance::ApplyFix { fix },
                    Guidance::ServerMustChange,
                    Guidance::ServerFirst { fix },
                    Guidance::ServerUnknown { fix },
                    Guidance::LegacyUnknown { fix },
                    Guidance::CloudNeedsModernServer,
                    Guidance::NoData,
                    Guidance::ServerLocksOut,
                    Guidance::LockedOutAfterFix,
                    Guidance::ServerNeedsTls12,
                ] {
                    all.push(texts.guidance(guidance, system));
                }
            }
        }
        for role in ["imap", "pop3", "smtp"] {
            all.push(texts.role(role).to_owned());
        }
        all.push(texts.days_left(0));
        all.push(texts.days_left(1));
        all.push(texts.days_left(30));
        all.push(texts.days_left(-3));
        all
    }

    #[test]
    fn the_age_of_a_cached_answer_is_counted_in_words() {
        let (de, en) = (catalog(Lang::De), catalog(Lang::En));
        assert_eq!(
            de.cached_age(0),
            "Dieses Ergebnis stammt aus einer Prüfung vor wenigen Sekunden."
        );
        assert_eq!(
            de.cached_age(90),
            "Dieses Ergebnis stammt aus einer Prüfung vor 1 Minute."
        );
        assert_eq!(
            de.cached_age(150),
            "Dieses Ergebnis stammt aus einer Prüfung vor 2 Minuten."
        );
        assert_eq!(
            en.cached_age(1),
            "This result comes from a check a few seconds ago."
        );
        assert_eq!(
            en.cached_age(300),
            "This result comes from a check 5 minutes ago."
        );
    }

    /// The house rules of docs/texts.md that a machine can check, for both catalogs in full.
    #[test]
    fn catalog_texts_keep_the_house_rules() {
        let iso_date = |text: &str| {
            text.as_bytes().windows(10).any(|w| {
                w[4] == b'-'
                    && w[7] == b'-'
                    && [0, 1, 2, 3, 5, 6, 8, 9]
                        .iter()
                        .all(|i| w[*i].is_ascii_digit())
            })
        };
        for text in every_text(catalog(Lang::De)) {
            for forbidden in [
                "≤",
                "bzw.",
                "z. B.",
                "Betreiber",
                "\"",
                ";",
                "Support",
                "Port-Nummer",
                "klappt",
                "Mail-Port",
                " du ",
                "Unbestätigt",
                " Er nimmt",
                "siehe unten",
            ] {
                assert!(
                    !text.contains(forbidden),
                    "German text with {forbidden:?}: {text}"
                );
            }
            assert!(!iso_date(&text), "ISO date in a German text: {text}");
            assert!(
                !text.contains("Posteingang ("),
                "Posteingangsserver: {text}"
            );
        }
        for text in every_text(catalog(Lang::En)) {
            for forbidden in [
                "≤",
                "e-mail",
                "E-mail",
                "\"",
                ";",
                "ä",
                "ö",
                "ü",
                "ß",
                "„",
                " Sie ",
                "operator",
                "whoever runs",
                "faulty",
                "Unconfirmed",
            ] {
                assert!(
                    !text.contains(forbidden),
                    "English text with {forbidden:?}: {text}"
                );
            }
            assert!(!iso_date(&text), "ISO date in an English text: {text}");
        }
    }

    #[test]
    fn catalogs_differ_and_are_complete() {
        let texts = [
            Text::Title,
            Text::Intro,
            Text::ServerLabel,
            Text::ServerHint,
            Text::CheckButton,
            Text::SummaryGood,
            Text::SummaryNoTls,
            Text::RequestFailed,
            Text::ModeSettings,
            Text::SettingsHint,
            Text::IncomingHeading,
            Text::PortHint,
            Text::SecurityNone,
            Text::AdviceHeading,
        ];
        for text in texts {
            let de = catalog(Lang::De).text(text);
            let en = catalog(Lang::En).text(text);
            assert!(!de.is_empty() && !en.is_empty());
            assert_ne!(de, en, "{text:?} is not translated");
        }
    }

    #[test]
    fn a_wrong_service_is_worded_from_what_the_port_answered_as() {
        let say = |texts: &dyn Catalog, scheme, port, found| {
            texts.wrong_service(WrongServiceAdvice::new(scheme, port, found))
        };
        let imap_on_993 = ServiceFound {
            protocol: MailProtocol::Imap,
            plain_text: false,
        };
        let plain_imap = ServiceFound {
            protocol: MailProtocol::Imap,
            plain_text: true,
        };
        let plain_smtp = ServiceFound {
            protocol: MailProtocol::Smtp,
            plain_text: true,
        };
        let de = catalog(Lang::De);
        assert_eq!(
            say(de, Scheme::Pop3s, 993, imap_on_993),
            "Auf Port 993 antwortet dieser Server mit IMAP, nicht mit POP3. Für POP3 mit „SSL/TLS“ \
             ist Port 995 üblich. Stellen Sie den Port auf 995, wenn Ihr Anbieter nichts anderes \
             angibt."
        );
        assert_eq!(
            say(de, Scheme::Imaps, 143, plain_imap),
            "Auf Port 143 beginnt dieser Server unverschlüsselt und schaltet die Verschlüsselung \
             erst mit STARTTLS ein. Mit der Einstellung „SSL/TLS“ kann sich Ihr E-Mail-Programm \
             hier deshalb nicht verbinden. Stellen Sie die Verschlüsselung auf „STARTTLS“. Oder \
             verwenden Sie Port 993 mit „SSL/TLS“, wenn Ihr Anbieter diesen Port angibt."
        );
        // Port 25 is never the advice for a mail program: 587 is.
        assert!(
            say(de, Scheme::Smtps, 25, plain_smtp)
                .contains("Stellen Sie den Port auf 587 und die Verschlüsselung auf „STARTTLS“.")
        );
        let en = catalog(Lang::En);
        assert_eq!(
            say(en, Scheme::Smtps, 587, plain_smtp),
            "On port 587 this server starts unencrypted and switches encryption on only with \
             STARTTLS. With the setting “SSL/TLS”, your email program cannot connect here. \
             Set the encryption to “STARTTLS”, or use port 465 with “SSL/TLS” if your \
             provider specifies that port."
        );
        assert!(
            say(en, Scheme::Smtps, 25, plain_smtp)
                .contains("Set the port to 587 and the encryption to “STARTTLS”")
        );
        // Plain text of another protocol: the port belongs to that one.
        assert!(
            say(
                en,
                Scheme::Imaps,
                110,
                ServiceFound {
                    protocol: MailProtocol::Pop3,
                    plain_text: true,
                }
            )
            .starts_with(
                "On port 110 this server answers with POP3, not IMAP. For IMAP with “SSL/TLS”, \
                 the usual port is 993."
            )
        );
    }
}
