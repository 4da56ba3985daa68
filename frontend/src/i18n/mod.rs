//! Every text the page shows, one catalog per language ([`de`], [`en`]).
//!
//! Views never hold text: they ask [`catalog`] for it. Each catalog matches exhaustively, so a
//! text added to [`Text`] without a German and an English version does not compile.

mod de;
mod en;

use mailtls_shared::{
    CertificateVerdict, DaneStatus, DomainReport, FindingCode, Lang, MtaStsMode, MtaStsStatus,
    MxProblemCode, MxStatus, Outcome, Reason, Severity, TlsRptStatus,
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
    DownloadAutoconfig,
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
    fn guidance(&self, guidance: Guidance) -> String;
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
}
