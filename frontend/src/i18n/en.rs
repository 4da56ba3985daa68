//! English texts.

use mailtls_shared::{CertificateVerdict, FindingCode, Outcome, ProfileSecurity, Reason, Severity};

use super::{Catalog, Text};
use crate::settings::Advice;

#[derive(Debug)]
pub struct English;

impl Catalog for English {
    fn text(&self, text: Text) -> &'static str {
        match text {
            Text::Title => "Check your e-mail encryption",
            Text::Intro => {
                "Microsoft and many other providers accept e-mail connections only with TLS 1.2 or newer; older methods are considered unsafe. Enter the settings from your e-mail program (or just the name of your mail server). We check which encryption the servers offer and tell you what that means for you and what to change."
            }
            Text::LanguageLabel => "Language",
            Text::ServerLabel => "Mail server",
            Text::ServerHint => {
                "For example mail.example.com, or with a port: mail.example.com:993. Without a port we check all seven mail ports (SMTP, submission, SMTPS, IMAP, IMAPS, POP3, POP3S); with a port, the service it belongs to. imaps://mail.example.com:993 works too."
            }
            Text::CheckButton => "Check",
            Text::Checking => "Checking the connection …",
            Text::ResultsHeading => "Result",
            Text::VersionsHeading => "Encryption versions",
            Text::CertificateLabel => "Certificate",
            Text::AddressLabel => "Address",
            Text::SummaryGood => {
                "This server encrypts with TLS 1.2 or newer. Current e-mail programs and Microsoft 365 connect securely."
            }
            Text::SummaryLegacyEnabled => {
                "Your connection is safe: TLS 1.2 or newer works. The server still accepts outdated versions too; there is nothing for you to do, the operator should switch them off."
            }
            Text::SummaryCertificate => {
                "Encryption works, but e-mail programs will not trust the server's certificate and will show a warning. Check that the server name is right; if it is, the operator must renew the certificate."
            }
            Text::SummaryNoEncryption => {
                "On this port the server offers no encryption. Your password and your e-mails would travel unencrypted. Use your provider's settings with SSL/TLS or STARTTLS."
            }
            Text::SummaryNoService => {
                "No service answers on this port. Usually the port is entered wrongly; check the port number in your e-mail program."
            }
            Text::SummaryThrottled => {
                "The server is busy right now and turned the check away. Please try again in a few minutes."
            }
            Text::SummaryLegacyOnly => {
                "This server offers only outdated encryption. Microsoft 365 and current e-mail programs refuse it. Please pass this result on to whoever runs the server."
            }
            Text::SummaryNoTls => {
                "No encryption with TLS 1.2 or newer could be set up with this server. Please check that the server name and port are right; if they are, pass this result on to whoever runs the server."
            }
            Text::SummaryUnknown => {
                "The server did not answer clearly. Please check the server name and port, and try again."
            }
            Text::SummaryNameNotFound => {
                "This server name does not exist. Please check the spelling, for example in your e-mail program's account settings."
            }
            Text::TryAgain => "Check again",
            Text::RequestFailed => "The check could not be run.",
            Text::IconGood => "All good",
            Text::IconWarning => "Note",
            Text::IconBad => "Problem",
            Text::IconUnknown => "Unclear",
            Text::ModeLabel => "What would you like to check?",
            Text::ModeSettings => "My e-mail settings",
            Text::ModeServer => "A mail server",
            Text::SettingsHint => {
                "Copy the details from your e-mail program's account settings. We do not need a password."
            }
            Text::EmailLabel => "E-mail address (optional)",
            Text::IncomingHeading => "Incoming mail (IMAP or POP3)",
            Text::OutgoingHeading => "Outgoing mail (SMTP)",
            Text::ProtocolLabel => "Account type",
            Text::ServerNameLabel => "Server name",
            Text::PortLabel => "Port",
            Text::PortHint => "Without a port we check the usual port for the chosen encryption.",
            Text::SecurityLabel => "Encryption",
            Text::SecuritySslTls => "SSL/TLS",
            Text::SecurityStarttls => "STARTTLS",
            Text::SecurityNone => "None",
            Text::CheckSettingsButton => "Check settings",
            Text::AdviceHeading => "What to change in your settings",
            Text::DetailsSummary => "Technical details",
            Text::FindingsHeading => "Notes for the operator",
            Text::HandshakesHeading => "Connection attempts",
            Text::CertSubject => "Issued to",
            Text::CertNames => "Valid for the names",
            Text::CertIssuer => "Issuer",
            Text::CertValidUntil => "Valid until",
            Text::CertKey => "Key",
            Text::CertSignature => "Signature",
            Text::CertChain => "Certificates in the chain",
            Text::TechnicalDetail => "Technical detail",
            Text::SummaryTitle => "MailTLS check of",
            Text::SummaryOverall => "Overall",
            Text::SummaryVersions => "Supported versions",
            Text::SummaryLink => "Link to this check",
            Text::SupportHeading => "For support",
            Text::SupportHint => {
                "Send your support the link or the summary: it shows them exactly this check. No passwords are in it."
            }
            Text::SummaryLabel => "Summary",
            Text::CopyLink => "Copy link",
            Text::CopySummary => "Copy summary",
            Text::Copied => "Copied.",
            Text::CopyFailed => {
                "Copying did not work; please select the text and copy it yourself."
            }
            Text::ContactPhone => "Phone",
            Text::ContactEmail => "E-mail",
            Text::ContactHours => "Hours",
            Text::Footer => {
                "MailTLS checks only the encryption. It does not log in and sends no e-mail."
            }
        }
    }

    fn finding(&self, code: FindingCode) -> &'static str {
        match code {
            FindingCode::StarttlsNotOffered => {
                "The server offers no STARTTLS on this port: mail travels unencrypted."
            }
            FindingCode::AuthBeforeTls => {
                "The server offers login before encryption: passwords may travel in clear text."
            }
            FindingCode::LegacyVersionsEnabled => {
                "Outdated versions (SSL 3.0, TLS 1.0, TLS 1.1) are still switched on; RFC 8996 retired them."
            }
            FindingCode::NoTls12 => {
                "Neither TLS 1.2 nor TLS 1.3: Microsoft 365 and current e-mail programs fail."
            }
            FindingCode::Tls12LegacyCiphersOnly => {
                "TLS 1.2 works only with cipher suites current programs no longer offer."
            }
            FindingCode::CertificateProblem => "E-mail programs will not trust the certificate.",
            FindingCode::ResponseInjection => {
                "Plain text followed the STARTTLS answer before encryption (response injection possible)."
            }
        }
    }

    fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Info => "Note",
            Severity::Warning => "Warning",
            Severity::Critical => "Critical",
        }
    }

    fn days_left(&self, days: i64) -> String {
        match days {
            0.. => format!("{days} days left"),
            _ => format!("expired {} days ago", -days),
        }
    }

    fn contact_heading(&self, provider: &str) -> String {
        format!("{provider} support")
    }

    fn did_you_mean(&self, suggestion: &str) -> String {
        format!("Did you mean {suggestion}?")
    }

    fn advice(&self, advice: &Advice) -> String {
        match advice {
            Advice::IncomingUnencrypted { suggested_port } => format!(
                "Your incoming mail is set up without encryption: your password and your e-mails travel unprotected. Set the encryption to \"SSL/TLS\" and the port to {suggested_port}."
            ),
            Advice::OutgoingPort25Unencrypted => "Port 25 with no encryption will stop working: use port 587 with STARTTLS for outgoing mail.".into(),
            Advice::OutgoingUnencrypted => "Your outgoing mail is set up without encryption. Use port 587 with STARTTLS (or port 465 with SSL/TLS).".into(),
            Advice::OutgoingPort25 => "Port 25 is meant for mail servers talking to each other and is blocked in many networks. Use port 587 with STARTTLS for outgoing mail.".into(),
            Advice::PortDoesNotFitSecurity { outgoing, port, expected } => format!(
                "For {} mail, port {port} does not fit the chosen encryption. With this encryption the usual port is {expected}.",
                if *outgoing { "outgoing" } else { "incoming" }
            ),
            Advice::DidYouMean { field, official } => format!(
                "The {} server name is almost your provider's. Did you mean {official}?",
                if *field == crate::settings::Field::OutgoingHost { "outgoing" } else { "incoming" }
            ),
            Advice::NotTheProvidersSetting { outgoing, port, security } => format!(
                "For {} mail your provider specifies port {port} with {}. Please set this in your e-mail program.",
                if *outgoing { "outgoing" } else { "incoming" },
                match security { ProfileSecurity::Tls => "SSL/TLS", ProfileSecurity::Starttls => "STARTTLS" }
            ),
            Advice::NameLooksMistyped { field, suggestion } => format!(
                "The {} server name starts unusually. Did you mean \"{suggestion}\"? Please check the spelling.",
                if *field == crate::settings::Field::OutgoingHost { "outgoing" } else { "incoming" }
            ),
        }
    }

    fn progress(&self, done: usize, total: usize) -> String {
        format!("({done} of {total} done)")
    }

    fn outcome(&self, outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::Accepted => "supported",
            Outcome::Rejected => "not supported",
            Outcome::Inconclusive => "unclear",
        }
    }

    fn reason(&self, reason: Reason) -> &'static str {
        match reason {
            Reason::Alert => "the server refuses this version",
            Reason::Closed => "the server closed the connection",
            Reason::OtherVersion => "the server wanted another version",
            Reason::Timeout => "no answer in time",
            Reason::ConnectionRefused => "no service answers on this port",
            Reason::Network => "network error",
            Reason::ProtocolViolation => "unexpected answer from the server",
            Reason::NameNotFound => "server name not found",
            Reason::Throttled => "the server is busy and asked us to try later",
            Reason::Starttls => "encryption with STARTTLS could not be started",
        }
    }

    fn verdict(&self, verdict: CertificateVerdict) -> &'static str {
        match verdict {
            CertificateVerdict::Valid => "valid",
            CertificateVerdict::Expired => "expired",
            CertificateVerdict::NotYetValid => "not valid yet",
            CertificateVerdict::NameMismatch => "issued for a different server name",
            CertificateVerdict::SelfSigned => "self-signed (not trusted)",
            CertificateVerdict::Untrusted => "issued by an unknown authority",
            CertificateVerdict::IncompleteChain => "incomplete (intermediate certificate missing)",
            CertificateVerdict::Invalid => "faulty",
        }
    }
}
