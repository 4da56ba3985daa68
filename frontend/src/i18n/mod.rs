//! Every text the page shows, one catalog per language ([`de`], [`en`]).
//!
//! Views never hold text: they ask [`catalog`] for it. Each catalog matches exhaustively, so a
//! text added to [`Text`] without a German and an English version does not compile.

mod de;
mod en;

use mailtls_shared::{
    CertificateVerdict, DaneStatus, DomainReport, EndpointReport, FindingCode, Lang, MailProtocol,
    MtaStsMode, MtaStsStatus, MxProblemCode, MxStatus, Outcome, Reason, Scheme, ServiceFound,
    Severity, SimulatedClient, TlsRptStatus,
};

use crate::clients::{Guidance, Measured, Program, System};
use crate::settings::Advice;

/// The fixed texts of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    Title,
    Intro,
    LanguageLabel,
    ServerLabel,
    ServerHint,
    CheckButton,
    Checking,
    ResultsHeading,
    VersionsHeading,
    CertificateLabel,
    AddressLabel,
    SummaryGood,
    SummaryLegacyEnabled,
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
    TryAgain,
    RequestFailed,
    IconGood,
    IconWarning,
    IconBad,
    IconUnknown,
    Footer,
    ModeLabel,
    ModeSettings,
    ModeServer,
    SettingsHint,
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
    /// An operating system's name.
    fn system(&self, system: System) -> &'static str;
    /// `Outlook 2010 on Windows 7`.
    fn client_heading(&self, program: &str, system: System) -> String;
    /// The advice for the customer's program, in words.
    fn guidance(&self, guidance: Guidance, system: System) -> String;
    /// What the simulated handshake of the customer's program did (empty for `Unknown`), as
    /// installed or `after_fix` (Windows 7's TLS 1.2 setting).
    fn measured(&self, measured: Measured, after_fix: bool) -> String;
    /// `Incoming mail (IMAP)` for a profile role.
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

/// `MX 2 of 3 (mx2.firma.de)` for each MX host with a problem, joined with `, `; `of` is the
/// language's word.
pub fn failing_hosts(domain: &DomainReport, of: &str) -> String {
    let total = domain.mx_hosts.len();
    domain
        .failing_hosts()
        .map(|(position, host)| format!("MX {position} {of} {total} ({})", host.host))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A mail program's name for people, in `texts`' language.
pub fn program_name(texts: &dyn Catalog, program: Program) -> &'static str {
    match program {
        Program::OutlookExpress => "Outlook Express",
        Program::Outlook2007 => "Outlook 2007",
        Program::Outlook2010 => "Outlook 2010",
        Program::Outlook2013 => "Outlook 2013",
        Program::Outlook2016OrNewer => "Outlook 2016 / 2019 / 2021 / Microsoft 365",
        Program::NewOutlook => texts.text(Text::ProgramNewOutlook),
        Program::WindowsLiveMail => "Windows Live Mail",
        Program::WindowsMail => texts.text(Text::ProgramWindowsMail),
        Program::ThunderbirdOld => texts.text(Text::ProgramThunderbirdOld),
        Program::Thunderbird31 => texts.text(Text::ProgramThunderbird31),
        Program::Thunderbird => texts.text(Text::ProgramThunderbird),
        Program::AppleMail => "Apple Mail",
        Program::IosMail => "iOS Mail",
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

/// The catalog for `lang`.
pub fn catalog(lang: Lang) -> &'static dyn Catalog {
    match lang {
        Lang::De => &de::German,
        Lang::En => &en::English,
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
             STARTTLS, so with the setting \"SSL/TLS\" your e-mail program cannot connect here. \
             Set the encryption to \"STARTTLS\", or use port 465 with \"SSL/TLS\" if your \
             provider specifies that port."
        );
        assert!(
            say(en, Scheme::Smtps, 25, plain_smtp)
                .contains("Set the port to 587 and the encryption to \"STARTTLS\"")
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
                "On port 110 this server answers with POP3, not IMAP. For IMAP with \"SSL/TLS\" \
                 the usual port is 993."
            )
        );
    }
}
