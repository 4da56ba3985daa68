//! English texts.

use mailtls_shared::{
    CertificateVerdict, DaneStatus, DomainReport, DomainVerdict, FindingCode, MtaStsMode,
    MtaStsStatus, MxProblemCode, MxSource, MxStatus, Outcome, ProfileSecurity, Reason, Severity,
    TlsRptStatus,
};

use super::{Catalog, Text, WrongServiceAdvice};
use crate::clients::{Fix, Guidance, Measured, Program, System};
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
                "For example mail.example.com, or with a port: mail.example.com:993. Without a port we check all usual mail ports; imaps://mail.example.com:993 works too. If you enter your e-mail address (name@company.com), we check whether other providers such as Microsoft 365 can deliver mail to you encrypted."
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
            Text::SummaryClientsLockedOut => {
                "This server supports TLS 1.2 or newer. Even so, common email programs cannot connect to it, because it offers no TLS version or no encryption method these programs know. Only your provider can change this. Please send them this result, for example with the link below. To see whether your program is affected, choose your system and program under “Your email program”."
            }
            Text::NoCapture => {
                "We could not replay how your program connects on this system, so this advice is based on published information, not on a test against your server."
            }
            Text::SummaryLegacyEnabled => {
                "This server supports TLS 1.2 or newer. But it still accepts outdated versions such as TLS 1.0 too. Once your provider switches them off, email programs that can only use the outdated versions will stop working. Choose your system and program under “Your email program”, and we will tell you whether you need to change anything."
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
            Text::IconNotOffered => "Not offered",
            Text::SummaryProgramUnencrypted => {
                "Your program is set up not to encrypt: your password and your emails travel over the internet unencrypted. The server offers encryption. Set the encryption to “STARTTLS” (or “SSL/TLS” with the matching port, see below)."
            }
            Text::SummaryWrongService => {
                "Another service answers on this port than the one set up, or it needs another kind of encryption. Compare port and encryption with your provider’s details: IMAP with SSL/TLS uses port 993, POP3 with SSL/TLS port 995, SMTP with SSL/TLS port 465; ports 143, 110 and 587 use STARTTLS."
            }
            Text::SummaryNotOffered => {
                "Your server offers no service on this port. That is not a fault if you do not use this port."
            }
            Text::SummaryPartlyTested => {
                "This server supports TLS 1.2 or newer. We could not find out whether outdated versions such as TLS 1.0 are switched off: the server did not answer some attempts. Please try again later."
            }
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
            Text::ProgramNewOutlook => "New Outlook / Outlook app (iOS, Android)",
            Text::ProgramWindowsMail => "Mail and Calendar (Windows Mail)",
            Text::ProgramThunderbirdOld => "Thunderbird up to version 24",
            Text::ProgramThunderbird31 => "Thunderbird, version 31 to 77",
            Text::ProgramThunderbird => "Thunderbird 78 or newer",
            Text::ProgramAndroidMail => "Pre-installed email app (Android)",
            Text::ProgramK9 => "K-9 Mail / Thunderbird for Android",
            Text::ServerProblemAbove => {
                "Note, however, the result for the server above: it shows a problem that is not caused by your program."
            }
            Text::Win7StepTest => {
                "Then fetch your email in your email program and send an email to yourself. If it arrives, the connection works. If not, please contact your provider’s support."
            }
            Text::ClientsHeading => "Email programs (replayed)",
            Text::ClientsHint => {
                "How email programs on these systems connect to this server. We replayed each system’s connection setup."
            }
            Text::ClientConnected => "connects",
            Text::ClientFailed => "no connection",
            Text::ClientUntested => "not checked",
            Text::ClientWin7 => "Windows 7 (default settings)",
            Text::ClientWin7Tls12 => "Windows 7 with TLS 1.2 switched on",
            Text::ClientIos9Mail => "iOS Mail on iOS 9",
            Text::ClientOsx1011Mail => "Apple Mail on OS X 10.11",
            Text::CertSubject => "Issued to",
            Text::CertNames => "Valid for the names",
            Text::CertIssuer => "Issuer",
            Text::CertValidUntil => "Valid until",
            Text::CertKey => "Key",
            Text::CertSignature => "Signature",
            Text::CertChain => "Certificates in the chain",
            Text::TechnicalDetail => "Technical detail",
            Text::SummaryTitle => "Time of the MailTLS check",
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
            Text::ClientHeading => "Your e-mail program (optional)",
            Text::SystemLabel => "Operating system",
            Text::ProgramLabel => "E-mail program",
            Text::ChooseOne => "Please choose",
            Text::SuggestedByBrowser => {
                "Suggested by your browser – please check that it is right."
            }
            Text::Unconfirmed => "Unconfirmed: this is inferred, not taken from a verified source.",
            Text::Win7StepUpdate => "Install the Windows update",
            Text::Win7StepReg => {
                "Download this file, open it with a double click and confirm the question:"
            }
            Text::Win7StepRestart => "Restart the computer.",
            Text::DownloadReg => "TLS 1.2 setting for Windows 7 (.reg)",
            Text::SourceLabel => "Source",
            Text::YourSettingsHeading => "How your account must be set up",
            Text::DownloadMobileconfig => "Profile for iPhone, iPad and Mac (.mobileconfig)",
            Text::StepSaveAndCheck => {
                "Save the settings. Then fetch your email and send an email to yourself. If it arrives, the connection works. If not, please contact your provider’s support."
            }
            Text::MoreFromProvider => "More from your provider",
            Text::BuilderHeading => "Create a check link for a customer",
            Text::BuilderIntro => {
                "Enter what the customer told you. The link opens the check with these details and starts it at once. It contains no password."
            }
            Text::CustomerLanguage => "Language for the customer",
            Text::BuildLinkButton => "Create link",
            Text::BuiltLinkLabel => "Link to send",
            Text::MxHostsHeading => "Your mail servers for incoming mail (MX)",
            Text::OpenBuiltLink => "Open the check",
            Text::PortError => "The port is a number from 1 to 65535, for example 993.",
            Text::EmailError => "An e-mail address looks like name@example.com.",
            Text::EmailDomainError => "The domain must follow the @.",
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
                "Outdated versions are still switched on (see brackets). RFC 8996 deprecates TLS 1.0 and 1.1, and RFC 7568 deprecates SSL 3.0."
            }
            FindingCode::NoTls12 => {
                "Neither TLS 1.2 nor TLS 1.3: Microsoft 365 and current e-mail programs fail."
            }
            FindingCode::Tls12LegacyCiphersOnly => {
                "TLS 1.2 works only with cipher suites current programs no longer offer."
            }
            FindingCode::CertificateProblem => "E-mail programs will not trust the certificate.",
            FindingCode::ClientsLockedOut => {
                "Email programs that support TLS 1.2 or newer cannot connect (see brackets), because the server offers no TLS version or no encryption method these programs know."
            }
            FindingCode::WrongService => {
                "Another service answers on this port, or it needs another kind of encryption than the one set up."
            }
            FindingCode::CertificateExpiresSoon => {
                "The server’s certificate expires soon. Your provider must renew it in time, or email programs will show a warning."
            }
            FindingCode::ClientsNeedLegacyVersions => {
                "Some email programs (see brackets) support only outdated versions such as TLS 1.0. Once these versions are switched off, those programs can no longer connect."
            }
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

    fn key_size(&self, key: &str, bits: u32) -> String {
        format!("{key}, {bits} bit")
    }

    fn kb3140245_url(&self) -> &'static str {
        "https://support.microsoft.com/en-us/kb/3140245"
    }

    fn days_left(&self, days: i64) -> String {
        match days {
            1 => "1 day left".into(),
            0.. => format!("{days} days left"),
            -1 => "expired 1 day ago".into(),
            _ => format!("expired {} days ago", -days),
        }
    }

    fn system(&self, system: System) -> &'static str {
        match system {
            System::WindowsXp => "Windows XP",
            System::WindowsVista => "Windows Vista",
            System::Windows7 => "Windows 7",
            System::Windows8 => "Windows 8",
            System::Windows81 => "Windows 8.1",
            System::Windows10 => "Windows 10",
            System::Windows11 => "Windows 11",
            System::MacOsOld => "OS X 10.11 or older",
            System::MacOs => "macOS 10.12 or newer",
            System::IosOld => "iOS 9 or older",
            System::Ios => "iOS 10 or newer",
            System::AndroidOld => "Android 4.1 to 4.4",
            System::Android40 => "Android 4.0 or older",
            System::Android => "Android 5 or newer",
            System::Linux => "Linux",
        }
    }

    fn client_heading(&self, program: &str, system: System) -> String {
        format!("{program} on {}", self.system(system))
    }

    fn guidance(&self, guidance: Guidance, system: System) -> String {
        let last_thunderbird = match system {
            System::WindowsXp | System::WindowsVista => {
                " For Windows XP and Vista, Thunderbird 52 ESR is the last version."
            }
            System::Windows7 | System::Windows8 | System::Windows81 => {
                " For Windows 7, 8 and 8.1, Thunderbird 115 ESR is the last version."
            }
            System::MacOsOld => " For OS X 10.9 to 10.11, Thunderbird 78 ESR is the last version.",
            System::MacOs => " On macOS 10.12 to 10.14, Thunderbird 115 ESR is the last version.",
            _ => "",
        };
        let fix = |fix: Fix| {
            match fix {
            Fix::Nothing => String::new(),
            Fix::Windows7Registry => "Switch on TLS 1.2 in Windows 7 (steps below).".into(),
            Fix::InstallThunderbird => format!("Install the free email program Thunderbird.{last_thunderbird} Thunderbird brings its own TLS 1.2 and does not depend on the operating system for it."),
            Fix::InstallK9 => "Install the free email app K-9 Mail. It switches on TLS 1.2 by itself on Android 4.1 to 4.4. The last version for Android 4 is K-9 Mail 5.600.".into(),
            Fix::NewDevice => "TLS 1.2 for email cannot be added on this device. Install a newer version of the operating system if your device allows it, or use a newer device.".into(),
            Fix::SwitchProgram => "Switch to a current program, for example the new Outlook or Thunderbird (both free).".into(),
        }
        };
        let send = " Please send them this result, for example with the link below.";
        match guidance {
            Guidance::Works => "Your program connects to your server using TLS 1.2 or newer.".into(),
            Guidance::Supported => "Your program supports TLS 1.2 or newer on this system, and your server offers TLS 1.2 or newer. To be sure, test in your email program: fetch your email and send an email to yourself.".into(),
            Guidance::Unchecked => "Your program supports TLS 1.2 or newer on this system. We could not find out which TLS versions your server offers.".into(),
            Guidance::Discontinued => format!("Microsoft discontinued this app at the end of 2024. Since then it no longer fetches email from any server. {}", fix(Fix::SwitchProgram)),
            Guidance::WorksButDiscontinued => format!("Your program supports TLS 1.2 on this system. However, the manufacturer no longer develops it and no longer provides security updates for it. We recommend: {}", fix(Fix::SwitchProgram)),
            Guidance::WorksForNow { fix: f } => format!("Your program can connect for now because the server still accepts outdated versions such as TLS 1.0. Once your provider switches them off, your program will no longer be able to connect. {}", fix(f)),
            Guidance::ApplyFix { fix: f } => format!("Without a change, your program cannot connect to your server on this system. {}", fix(f)),
            Guidance::ServerMustChange => format!("Your program supports TLS 1.2. But your server offers only outdated versions such as TLS 1.0. Only your provider can change this.{send}"),
            Guidance::ServerFirst { fix: f } => format!("Your server offers only outdated versions such as TLS 1.0. Your provider must change this first.{send} Until then, do not switch to another program or device: newer programs and devices often no longer connect with TLS 1.0. Once your server offers TLS 1.2: {}", fix(f)),
            Guidance::ServerUnknown { fix: f } => format!("We could not find out which TLS versions your server offers. Without a change, however, your program does not support TLS 1.2 on this system. Your provider’s support can tell you whether your server offers only TLS 1.2 or newer. If it does: {}", fix(f)),
            Guidance::CloudNeedsModernServer => format!("This version of Outlook fetches your email through Microsoft’s servers, which require TLS 1.2 or newer. Your server does not offer it. Only your provider can change this.{send}"),
            Guidance::NoData => "We have no verified information about this program on this system. Test in your email program: fetch your email and send an email to yourself. If that does not work, please contact your provider’s support.".into(),
            Guidance::ServerLocksOut => format!("Your program and your server share a TLS version, but no encryption method, so your program cannot connect. Only your provider can change this.{send}"),
            Guidance::LockedOutAfterFix => format!("For now, your program still connects with the outdated TLS 1.0. With TLS 1.2 it could not connect: the server offers no encryption method that Windows 7 knows for TLS 1.2. So do not switch on TLS 1.2 in Windows yet. Your provider must change this first.{send}"),
            Guidance::ServerNeedsTls12 => format!("Your server offers only TLS 1.3. Your program does not support TLS 1.3 on this system, so it cannot connect. Only your provider can change this: they must also switch on TLS 1.2.{send}"),
        }
    }

    fn measured(&self, measured: Measured, after_fix: bool) -> String {
        let done = if after_fix {
            "Measured with TLS 1.2 switched on: we connected to your server the way your program will once you switch on TLS 1.2 in Windows 7."
        } else {
            "Measured: we connected to your server the way your program does on this system."
        };
        match measured {
            Measured::Connected(version) => format!("{done} It connects using {version}."),
            Measured::NoVersion => format!(
                "{done} It cannot connect: your program and the server have no TLS version in common."
            ),
            Measured::NoCipher => format!(
                "{done} It cannot connect, although your program and the server share a TLS version: the server refuses the connection."
            ),
            Measured::Unknown => String::new(),
        }
    }

    fn role(&self, role: &str) -> &'static str {
        match role {
            "imap" => "Incoming mail (IMAP)",
            "pop3" => "Incoming mail (POP3)",
            _ => "Outgoing mail (SMTP)",
        }
    }

    fn where_to_change(&self, program: Program) -> &'static str {
        match program {
            Program::Outlook2010 | Program::Outlook2013 | Program::Outlook2016OrNewer => {
                "In Outlook: File › Account Settings › Account Settings… › select the account › Change › More Settings › Advanced."
            }
            Program::Outlook2007 => {
                "In Outlook 2007: Tools › Account Settings… › (your account) › Change… › More Settings… › Advanced."
            }
            Program::NewOutlook => {
                "In the new Outlook: Settings › Accounts › the account › Manage."
            }
            Program::WindowsLiveMail | Program::OutlookExpress => {
                "Right-click the account › Properties › Servers and Advanced."
            }
            Program::WindowsMail => {
                "Windows Mail stopped working at the end of 2024; set the account up in another program."
            }
            Program::Thunderbird | Program::Thunderbird31 | Program::ThunderbirdOld => {
                "In Thunderbird: Account Settings › Server Settings, and for sending: Outgoing Server (SMTP) › Edit."
            }
            Program::AppleMail => "In Apple Mail: Mail › Settings › Accounts › Server Settings.",
            Program::IosMail => {
                "On the iPhone or iPad: open the Settings app and find your email account there. Where it is depends on your iOS version."
            }
            Program::AndroidMail | Program::K9Mail => {
                "In the app: Settings › the account › incoming or outgoing server."
            }
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
                "The {} server name is very close to your provider's. Did you mean {official}?",
                if *field == crate::settings::Field::OutgoingHost { "outgoing" } else { "incoming" }
            ),
            Advice::NotTheProvidersSetting { outgoing, port, security } => format!(
                "For {} mail your provider specifies port {port} with {}. Please set this in your e-mail program.",
                if *outgoing { "outgoing" } else { "incoming" },
                match security { ProfileSecurity::Tls => "SSL/TLS", ProfileSecurity::Starttls => "STARTTLS" }
            ),
            Advice::NameNotOnCertificate { host, suggestion } => match suggestion {
                Some(name) => format!("The name {host} is not on the server's certificate, so your e-mail program will warn. Enter {name} instead."),
                None => format!("The name {host} is not on the server's certificate, so your e-mail program will warn. Ask your provider for the right server name."),
            },
            Advice::NameLooksMistyped { field, suggestion } => format!(
                "The {} server name starts unusually. Did you mean \"{suggestion}\"? Please check the spelling.",
                if *field == crate::settings::Field::OutgoingHost { "outgoing" } else { "incoming" }
            ),
        }
    }

    fn cached_age(&self, seconds: u64) -> String {
        format!("This result comes from a check {seconds} seconds ago.")
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

    fn domain_heading(&self, domain: &str) -> String {
        format!("Mail to {domain} from other providers")
    }

    fn domain_verdict(&self, domain: &DomainReport) -> String {
        match domain.verdict {
            DomainVerdict::Ready => "Microsoft 365 and other providers can deliver mail to you encrypted with TLS 1.2 or newer.".into(),
            DomainVerdict::SomeMxFailing => format!(
                "Some of your mail servers have problems, so some mail to you arrives late or not at all. Affected: {}.",
                super::failing_hosts(domain, "of")
            ),
            DomainVerdict::NoModernTls => "None of your mail servers accepts mail with TLS 1.2 or newer, so mail from Microsoft 365 does not reach you.".into(),
            DomainVerdict::NoUsableMx => "None of your mail servers can be used by other providers such as Microsoft 365, so their email does not reach you. What is wrong is listed below for each mail server.".into(),
            DomainVerdict::NoMail => "According to DNS this domain receives no mail (null MX).".into(),
            DomainVerdict::Untestable if domain.mx_source == MxSource::NoMailServer => "We found no mail server for this domain in DNS, neither an MX record nor an address. Please check the spelling of the domain.".into(),
            DomainVerdict::Untestable => "The mail servers of this domain could not be checked.".into(),
            DomainVerdict::MtaStsBroken => format!(
                "Your mail servers accept mail over connections with TLS 1.2 or newer. Your MTA-STS policy, however, cannot be used. {}. With MTA-STS you specify that other providers deliver mail to you only encrypted. Senders that still hold a valid earlier copy of your policy keep to it. All others deliver mail to you as if MTA-STS were not set up: encrypted when that works, otherwise unencrypted too.",
                match domain.mta_sts.status {
                    MtaStsStatus::InvalidRecord => "Its DNS record is faulty",
                    MtaStsStatus::InvalidPolicy => "The policy itself contains errors",
                    _ => "The policy cannot be fetched",
                }
            ),
        }
    }

    fn domain_todo(&self, domain: &DomainReport) -> &'static str {
        match domain.verdict {
            DomainVerdict::Ready => "",
            DomainVerdict::SomeMxFailing => {
                "Please pass this result on to whoever runs your mail server (your provider or your IT). They must fix the problems of the servers marked \"problem\" below."
            }
            DomainVerdict::NoModernTls => {
                "Please pass this result on to whoever runs your mail server (your provider or your IT). They must switch on TLS 1.2 or newer on the servers marked \"problem\" below."
            }
            DomainVerdict::NoUsableMx => {
                "Please pass this result on to your provider or your IT department. They must correct the DNS records (MX, addresses, MTA-STS or DANE) of the servers marked \"problem\" below."
            }
            DomainVerdict::NoMail => {
                "If you want to receive mail at this domain, the null MX record in DNS must be replaced by an MX record for your mail server. Whoever manages your domain (usually your provider) does that."
            }
            DomainVerdict::Untestable => "Check the spelling of the domain and try again later.",
            DomainVerdict::MtaStsBroken => {
                "Please pass this result on to your provider or your IT department. They must correct the MTA-STS setup; what is wrong is listed below under \"MTA-STS\"."
            }
        }
    }

    fn mx_status(&self, status: MxStatus) -> &'static str {
        match status {
            MxStatus::Usable => "works",
            MxStatus::Problem => "problem",
            MxStatus::Untested => "not checked",
        }
    }

    fn mx_problem(&self, code: MxProblemCode) -> &'static str {
        match code {
            MxProblemCode::NoModernTls => "no TLS 1.2 or newer",
            MxProblemCode::StarttlsNotOffered => "no encryption (no STARTTLS)",
            MxProblemCode::LegacyVersionsEnabled => "outdated TLS versions still switched on",
            MxProblemCode::CertificateProblem => "certificate is not accepted as valid",
            MxProblemCode::NotInMtaStsPolicy => "missing from the MTA-STS policy",
            MxProblemCode::DaneMismatch => "certificate does not match the TLSA records (DANE)",
            MxProblemCode::DnssecBogus => "DNSSEC signatures do not validate",
            MxProblemCode::DaneLookupFailed => "TLSA lookup failed (DANE)",
            MxProblemCode::NameNotFound => "name not found in DNS",
            MxProblemCode::AddressRefused => {
                "points at an internal address nobody on the internet can reach; the DNS record must name a public address"
            }
            MxProblemCode::Unreachable => "not reachable at one or more addresses",
        }
    }

    fn mta_sts(&self, status: MtaStsStatus, mode: Option<MtaStsMode>) -> &'static str {
        match (status, mode) {
            (MtaStsStatus::Absent, _) => {
                "not set up: senders encrypt when it works and otherwise deliver unencrypted"
            }
            (MtaStsStatus::Valid, Some(MtaStsMode::Enforce)) => {
                "set up: senders deliver only encrypted, with a valid certificate, and only to the listed servers"
            }
            (MtaStsStatus::Valid, Some(MtaStsMode::Testing)) => {
                "in testing mode: senders deliver despite problems (and report them if TLS-RPT is set up)"
            }
            (MtaStsStatus::Valid, _) => "switched off (mode none)",
            (MtaStsStatus::InvalidRecord, _) => "DNS record is faulty",
            (MtaStsStatus::PolicyUnavailable, _) => "policy cannot be fetched",
            (MtaStsStatus::InvalidPolicy, _) => "policy is faulty",
            (MtaStsStatus::LookupFailed, _) => "DNS lookup failed",
        }
    }

    fn tls_rpt(&self, status: TlsRptStatus) -> &'static str {
        match status {
            TlsRptStatus::Absent => {
                "not set up: you are not told when senders could not deliver encrypted"
            }
            TlsRptStatus::Valid => "set up: senders send reports about problems",
            TlsRptStatus::Invalid => "DNS record is faulty",
            TlsRptStatus::LookupFailed => "DNS lookup failed",
        }
    }

    fn dane(&self, status: DaneStatus) -> &'static str {
        match status {
            DaneStatus::Unsigned => {
                "not possible: DNSSEC is missing (for the domain or its mail servers)"
            }
            DaneStatus::NoRecords => "possible but not set up (no TLSA records)",
            DaneStatus::Valid => "set up: the certificates match the TLSA records",
            DaneStatus::Partial => "set up for only some of the mail servers",
            DaneStatus::Mismatch => {
                "broken: a certificate does not match the TLSA records; senders that check DANE do not deliver to that server"
            }
            DaneStatus::Unusable => "TLSA records cannot be used for mail",
            DaneStatus::Bogus => "DNSSEC signatures do not validate",
            DaneStatus::LookupFailed => "DNS lookup failed",
        }
    }

    fn wrong_service(&self, advice: WrongServiceAdvice) -> String {
        match advice {
            WrongServiceAdvice::UseStarttls {
                port,
                move_to_587,
                tls_port,
            } => {
                let fix = if move_to_587 {
                    "Set the port to 587 and the encryption to \"STARTTLS\""
                } else {
                    "Set the encryption to \"STARTTLS\""
                };
                format!(
                    "On port {port} this server starts unencrypted and switches encryption on only with STARTTLS, so with the setting \"SSL/TLS\" your e-mail program cannot connect here. {fix}, or use port {tls_port} with \"SSL/TLS\" if your provider specifies that port."
                )
            }
            WrongServiceAdvice::OtherProtocol {
                port,
                found,
                wanted,
                tls_port,
            } => format!(
                "On port {port} this server answers with {}, not {}. For {} with \"SSL/TLS\" the usual port is {tls_port}. Set the port to {tls_port} unless your provider specifies another.",
                found.name(),
                wanted.name(),
                wanted.name()
            ),
        }
    }
}
