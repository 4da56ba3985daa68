//! English texts.

use mailtls_shared::{
    CertificateVerdict, DaneStatus, DomainReport, DomainVerdict, FindingCode, MtaStsMode,
    MtaStsStatus, MxProblemCode, MxSource, MxStatus, Outcome, ProfileSecurity, Reason, Severity,
    TlsRptStatus,
};

use super::{Catalog, Text, WrongServiceAdvice};
use crate::clients::{Fix, Guidance, Measured, Program, System};
use crate::settings::{Advice, Direction};

#[derive(Debug)]
pub struct English;

impl Catalog for English {
    fn text(&self, text: Text) -> &'static str {
        match text {
            Text::Title => "Check the encrypted connection to your mail server",
            Text::MetaDescription => {
                "Check whether your mail server offers TLS 1.2 or newer and whether your email program can connect to it."
            }
            Text::Intro => {
                "Microsoft and many other providers accept email only over connections with TLS 1.2 or newer. The outdated TLS versions 1.0 and 1.1 are considered unsafe and are being switched off. Enter the settings from your email program. We check whether your mail server offers TLS 1.2 or newer and tell you whether you need to change anything."
            }
            Text::LanguageLabel => "Language",
            Text::ServerLabel => "Mail server",
            Text::ServerHint => {
                "For example mail.example.com. Without a port, we check all ports commonly used for email. With a port, we check only that one, for example mail.example.com:993. If you enter your email address instead (name@example.com), we check whether other providers such as Microsoft 365 can deliver email to you encrypted."
            }
            Text::CheckButton => "Check",
            Text::Checking => "Checking the connection…",
            Text::ResultsHeading => "Result",
            Text::EditedSinceCheck => {
                "You have changed your details. The result below is still for your previous details. Please run the check again."
            }
            Text::HeadlineGood => "All good: everything we checked works with TLS 1.2 or newer.",
            Text::HeadlineWarning => {
                "Warning: there is something to do. The results marked “Warning” below say what."
            }
            Text::HeadlineBad => {
                "Problem: at least one result needs a change. The results marked “Problem” below say what to do."
            }
            Text::HeadlineUnknown => {
                "Unclear: we could not find out everything for certain. The results marked “Unclear” below say what you can do."
            }
            Text::HeadlineNotOffered => {
                "Not offered: according to DNS, this domain receives no email."
            }
            Text::HeadlineProgramWarning => {
                "Warning: there is something to do for your email program. The advice for your email program below says what."
            }
            Text::HeadlineProgramBad => {
                "Problem: your email program cannot connect as it is set up now. The advice for your email program below says what to do."
            }
            Text::HeadlineSettings => "Please change your settings as described right below.",
            Text::VersionsHeading => "TLS versions",
            Text::CertificateLabel => "Certificate",
            Text::AddressLabel => "Address",
            Text::SummaryGood => {
                "On this port, the server accepts only connections with TLS 1.2 or newer. Current email programs and Microsoft 365 connect to it with encryption. Older programs that can only use TLS 1.0 or 1.1 cannot connect."
            }
            Text::SummaryClientsLockedOut => {
                "On this port, the server supports TLS 1.2 or newer. Even so, common email programs cannot connect: they support none of the TLS versions or none of the encryption methods the server offers. Only your provider can change this. Please send them this result, for example with the link below."
            }
            Text::NoCapture => {
                "We could not simulate how your program connects on this system. So this advice is not based on a test against your server but on what is known about your program."
            }
            Text::ProgramShownBelow => {
                "Whether your program is affected is shown below under your program."
            }
            Text::ChooseProgramHint => {
                "To find out whether your program is affected, choose your system and program above under “Your email program (optional)”."
            }
            Text::SummaryLegacyEnabled => {
                "On this port, the server supports TLS 1.2 or newer, but it also still accepts outdated versions such as TLS 1.0. Once your provider switches them off, email programs that can only use the outdated versions will no longer be able to connect."
            }
            Text::SummaryCertificate => {
                "Encryption works, but email programs will not trust the server’s certificate and will show a warning. First check that the server name is spelled exactly as your provider gives it. If it is, your provider must fix the certificate. Until then, do not accept the certificate permanently in your email program."
            }
            Text::SummaryNoEncryption => {
                "The server offers no encryption on this port. Your password and your emails would travel unencrypted. Set the port and the encryption (“SSL/TLS” or “STARTTLS”) as your provider specifies."
            }
            Text::SummaryNoService => {
                "The server does not accept connections on this port. The port may be set wrongly, or the server may be unavailable right now. Compare the port number with your provider’s details."
            }
            Text::SummaryThrottled => {
                "The server is busy right now and refused the check. Please try again in a few minutes. If it refuses again, send the result to your provider’s support."
            }
            Text::SummaryLegacyOnly => {
                "On this port, the server does not offer TLS 1.2, only outdated versions such as TLS 1.0. Microsoft 365 and many current email programs no longer connect to it. Only your provider can change this. Please send them this result, for example with the link below."
            }
            Text::SummaryNoTls => {
                "No connection with TLS 1.2 or newer could be set up with this server. First check that the server name and port are right. If they are, please send this result to your provider."
            }
            Text::SummaryUnknown => {
                "The server did not answer clearly. Please check the server name and port, and try again. If the result stays unclear, please send it to your provider’s support."
            }
            Text::SummaryNameNotFound => {
                "We could not find this server name. Please check the spelling, for example in your email program’s account settings. If it is correct, try again in a few minutes. If we still cannot find the name, contact your provider’s support."
            }
            Text::SummaryLookupFailed => {
                "We could not look up this server name just now: the name lookup (DNS) gave no usable answer. This need not mean the spelling is wrong. Please try again in a few minutes. If it stays like this, contact your provider’s support."
            }
            Text::TryAgain => "Check again",
            Text::RequestFailed => {
                "The check could not be run. Please check your internet connection and try again in a few minutes. If it still does not work, please contact your provider’s support."
            }
            Text::IconGood => "All good",
            Text::IconWarning => "Warning",
            Text::IconBad => "Problem",
            Text::IconUnknown => "Unclear",
            Text::IconNotOffered => "Not offered",
            Text::SummaryProgramUnencrypted => {
                "Your program is set up not to encrypt, so your password and your emails travel unencrypted. The server offers encryption on this port. How to set up encryption is explained under “What to change in your settings”."
            }
            Text::SummaryWrongService => {
                "On this port, the server answers differently than expected: with another account type or another kind of encryption. Compare port and encryption with your provider’s details. With “SSL/TLS”, the usual ports are 993 for IMAP, 995 for POP3 and 465 for SMTP. With “STARTTLS”, they are 143, 110 and 587."
            }
            Text::SummaryNotOffered => {
                "Your server accepts no connections on this port. That is not a problem if you do not use this port."
            }
            Text::SummaryPartlyTested => {
                "On this port, the server supports TLS 1.2 or newer. We could not find out whether outdated versions such as TLS 1.0 are switched off: the server did not answer some attempts. Please try again later. If the result stays unclear, send it to your provider’s support."
            }
            Text::ModeLabel => "What would you like to check?",
            Text::ModeSettings => "My email settings",
            Text::ReportTruncated => {
                "This result was very large, so we shortened technical details. Every assessment is complete."
            }
            Text::BuilderModeSettings => "The customer's email settings",
            Text::ServerHintAgent => {
                "For example mail.example.com. Without a port the link checks all ports commonly used for email, with a port only that one (mail.example.com:993). With the customer's email address (name@example.com) it checks whether other providers such as Microsoft 365 can deliver email to that address encrypted."
            }
            Text::ModeServer => "A mail server",
            Text::SettingsHint => {
                "Copy the details from your email program’s account settings. We do not need a password."
            }
            Text::SettingsHintAgent => {
                "Enter the details the customer gave you from their email program. You do not need a password."
            }
            Text::ClientHeadingAgent => "The customer’s email program (optional)",
            Text::EmailLabel => "Email address (optional)",
            Text::IncomingHeading => "Incoming mail server (IMAP or POP3)",
            Text::OutgoingHeading => "Outgoing mail server (SMTP)",
            Text::ProtocolLabel => "Account type",
            Text::ServerNameLabel => "Server name",
            Text::PortLabel => "Port",
            Text::PortHint => "Without a port we check the usual port for the chosen encryption.",
            Text::SecurityLabel => "Encryption",
            Text::SecuritySslTls => "SSL/TLS",
            Text::SecurityStarttls => "STARTTLS",
            Text::SecurityNone => "None",
            Text::SecurityAuto => "Automatic / not sure",
            Text::SecurityHintThunderbird => {
                "In Thunderbird the encryption setting is called “Connection security”. Choose “SSL/TLS” or “STARTTLS” there, as here."
            }
            Text::SecurityHintK9 => {
                "In K-9 Mail and Thunderbird for Android the encryption setting is called “Security”, with the choices “SSL/TLS” and “StartTLS”."
            }
            Text::SecurityHintAndroid => {
                "In Android's Email app the encryption setting is called “Security type”, with the choices “SSL/TLS” and “STARTTLS”. Do not choose a variant with “Accept all certificates”. Some device makers' email apps may name the setting differently."
            }
            Text::SecurityHintAppleMail => {
                "As long as “Automatically manage connection settings” is on in Apple Mail, Mail chooses the port and encryption itself. To enter them yourself, turn this option off."
            }
            Text::CheckSettingsButton => "Check settings",
            Text::AdviceHeading => "What to change in your settings",
            Text::DetailsSummary => "Technical details",
            Text::FindingsHeading => "Technical notes for your provider",
            Text::HandshakesHeading => "Connection attempts",
            Text::ProgramNewOutlook => "New Outlook / Outlook app (iOS, Android)",
            Text::ProgramWindowsMail => "Mail and Calendar (Windows Mail)",
            Text::ProgramThunderbirdOld => "Thunderbird up to version 24",
            Text::ProgramThunderbird31 => "Thunderbird, version 31 to 77",
            Text::ProgramThunderbird => "Thunderbird 78 or newer",
            Text::ProgramAndroidMail => "Pre-installed email app (Android)",
            Text::ProgramK9 => "K-9 Mail / Thunderbird for Android",
            Text::ServerProblemAbove => {
                "Please also look at the results above: at least one server has a problem. What to do about it is explained right at the result marked “Problem”."
            }
            Text::Win7StepTest => {
                "Then fetch your email in your email program and send an email to yourself. If it arrives, the connection works. If not, please contact your provider’s support."
            }
            Text::ClientsHeading => "Email programs (simulated)",
            Text::ClientsHint => {
                "How these systems and programs would connect to this server. We simulated how each of them sets up the connection. The Windows and Android entries apply to programs that use the system’s own encryption (for example Outlook or the pre-installed email app), not to programs that bring their own, such as Thunderbird or K-9 Mail."
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
            Text::SupportHeading => "Send the result to support",
            Text::SupportHint => {
                "If you need help, send your provider’s support the link or the summary. Either one shows them exactly this check. Neither contains a password."
            }
            Text::SummaryLabel => "Summary",
            Text::CopyLink => "Copy link",
            Text::CopySummary => "Copy summary",
            Text::Copied => "Copied.",
            Text::CopyFailed => {
                "Copying did not work. Please select the text and copy it with Ctrl+C (on a Mac: ⌘+C)."
            }
            Text::ContactPhone => "Phone",
            Text::ContactEmail => "Email",
            Text::ContactHours => "Service hours",
            Text::ClientHeading => "Your email program (optional)",
            Text::SystemLabel => "Operating system",
            Text::ProgramLabel => "Email program",
            Text::ChooseOne => "Please choose",
            Text::SuggestedByBrowser => {
                "Suggested by your browser. Please check that your email program runs on this system."
            }
            Text::Unconfirmed => {
                "Not confirmed: We have no official source for this. It is our own assessment."
            }
            Text::Win7StepUpdate => "Install the Windows update",
            Text::Win7StepReg => "Download this file:",
            Text::Win7StepOpenReg => {
                "Open the file with a double click. Answer Windows’ questions with “Yes”. You need administrator rights for this."
            }
            Text::Win7StepRestart => "Restart the computer.",
            Text::DownloadReg => "TLS 1.2 setting for Windows 7 (.reg)",
            Text::SourceLabel => "Source",
            Text::YourSettingsHeading => "How your account must be set up",
            Text::DownloadMobileconfig => "Profile for iPhone, iPad and Mac (.mobileconfig)",
            Text::StepSaveAndCheck => {
                "Save the settings. Then fetch your email and send an email to yourself. If it arrives, the connection works. If not, please contact your provider’s support."
            }
            Text::MoreFromProvider => "More help from your provider",
            Text::BuilderHeading => "Create a check link for a customer",
            Text::BuilderIntro => {
                "Enter what the customer told you. The link opens the check with these details and starts it at once. It contains no password."
            }
            Text::CustomerLanguage => "Language for the customer",
            Text::BuildLinkButton => "Create link",
            Text::BuiltLinkLabel => "Link to send",
            Text::MxHostsHeading => "Your mail servers for incoming email (MX)",
            Text::OpenBuiltLink => "Open the check",
            Text::PortError => "Please enter a port number from 1 to 65535, for example 993.",
            Text::EmailError => {
                "Please check the email address. An email address looks like this, for example: name@example.com."
            }
            Text::EmailDomainError => {
                "Please check the part after the @. It should be the domain, for example example.com."
            }
            Text::Footer => {
                "MailTLS checks the encrypted connection to your mail server. It changes nothing in your email program, does not log in and does not send any email."
            }
        }
    }

    fn finding(&self, code: FindingCode) -> &'static str {
        match code {
            FindingCode::StarttlsNotOffered => {
                "The server offers no STARTTLS on this port. Email and passwords travel unencrypted."
            }
            FindingCode::AuthBeforeTls => {
                "The server offers login before encryption. Passwords may travel unencrypted."
            }
            FindingCode::LegacyVersionsEnabled => {
                "Outdated versions are still switched on (see brackets). RFC 8996 deprecates TLS 1.0 and 1.1, and RFC 7568 deprecates SSL 3.0."
            }
            FindingCode::NoTls12 => {
                "The server offers neither TLS 1.2 nor TLS 1.3. Microsoft 365 and current email programs cannot connect."
            }
            FindingCode::Tls12LegacyCiphersOnly => {
                "TLS 1.2 works only with older cipher suites (CBC or RSA key exchange). Many email programs still connect with them. RFC 9325 recommends suites with ECDHE and AES-GCM or ChaCha20."
            }
            FindingCode::CertificateProblem => "Email programs will not trust the certificate.",
            FindingCode::ClientsLockedOut => {
                "Some email programs that support TLS 1.2 or newer cannot connect (see brackets), because the server offers no TLS version or no encryption method these programs know."
            }
            FindingCode::WrongService => {
                "The server answers on this port with another account type, or it needs another kind of encryption than the one set up."
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
            0 => "expires today".into(),
            2.. => format!("{days} days left"),
            -1 => "expired 1 day ago".into(),
            _ => format!("expired {} days ago", -days),
        }
    }

    fn port_and_security(&self, port: u16, security: &str) -> String {
        format!(", port {port}, encryption: “{security}”")
    }

    fn date(&self, year: &str, month: u32, day: u32) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let month = MONTHS[(month.clamp(1, 12) - 1) as usize];
        format!("{day} {month} {year}")
    }

    fn date_time(&self, date: String, hour_minute: &str) -> String {
        format!("{date}, {hour_minute} UTC")
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
            Fix::Windows7Registry => "Switch on TLS 1.2 in Windows 7 (instructions on the result page).".into(),
            Fix::InstallThunderbird => format!("Install the free email program Thunderbird.{last_thunderbird} Thunderbird brings its own TLS 1.2 and does not depend on the operating system for it."),
            Fix::UpdateThunderbird => format!("Install a newer version of Thunderbird.{last_thunderbird} From version 31 on, TLS 1.2 is already switched on in Thunderbird."),
            Fix::InstallK9 => "Install the free email app K-9 Mail. It switches on TLS 1.2 by itself on Android 4.1 to 4.4. The last version for Android 4 is K-9 Mail 5.600.".into(),
            Fix::NewDevice => "The email app on this device does not support TLS 1.2, and this cannot be added to it. Install a newer version of the operating system if your device allows it, or use a newer device.".into(),
            // The new Outlook needs Windows 10 or 11.
            Fix::SwitchProgram if matches!(system, System::Windows8 | System::Windows81) => format!("Switch to a current program, for example Thunderbird (free).{last_thunderbird}"),
            Fix::SwitchProgram => "Switch to a current program, for example the new Outlook or Thunderbird (both free).".into(),
        }
        };
        let send = " Please send them this result, for example with the link below.";
        let keep = " Until then, do not set the encryption to “None”: your password and your emails would then travel unencrypted.";
        match guidance {
            Guidance::Works => "Your program connects to your server using TLS 1.2 or newer. As far as the TLS version is concerned, you do not need to change anything in your program.".into(),
            Guidance::Supported => "Your program supports TLS 1.2 or newer on this system, and your server offers TLS 1.2 or newer. As far as the TLS version is concerned, you do not need to change anything in your program. To be sure, test in your email program: fetch your email and send an email to yourself.".into(),
            Guidance::Unchecked => "Your program supports TLS 1.2 or newer on this system. We could not find out which TLS versions your server offers. What you can do is explained above in the result for the server.".into(),
            Guidance::Discontinued => format!("Microsoft discontinued this app at the end of 2024. Since then it no longer fetches email from any server. {}", fix(Fix::SwitchProgram)),
            Guidance::WorksButDiscontinued => format!("Your program supports TLS 1.2 on this system. However, the manufacturer no longer develops it and no longer provides security updates for it. We recommend: {}", fix(Fix::SwitchProgram)),
            Guidance::WorksForNow { fix: f } => format!("Your program can connect for now because the server still accepts outdated versions such as TLS 1.0. Once your provider switches them off, your program will no longer be able to connect. {}", fix(f)),
            Guidance::ApplyFix { fix: f } => format!("Without a change, your program cannot connect to your server on this system. {}", fix(f)),
            Guidance::ServerMustChange => format!("Your program supports TLS 1.2. But your server offers only outdated versions such as TLS 1.0. Only your provider can change this.{send}{keep}"),
            Guidance::ServerFirst { fix: f } => format!("Your server offers only outdated versions such as TLS 1.0. Your provider must change this first.{send} Until then, do not switch to another program or device: newer programs and devices often no longer connect with TLS 1.0. Once your server offers TLS 1.2, you need to make a change on your side too: {}", fix(f)),
            Guidance::ServerUnknown { fix: f } => format!("We could not find out which TLS versions your server offers. Without a change, however, your program does not support TLS 1.2 on this system. Your provider’s support can tell you whether your server offers only TLS 1.2 or newer. If it does: {}", fix(f)),
            Guidance::LegacyUnknown { fix: f } => format!("We could not find out whether your server still accepts outdated versions such as TLS 1.0. Without a change, however, your program does not support TLS 1.2 on this system. It may already be unable to connect, and it will stop connecting once your provider switches those versions off. {}", fix(f)),
            Guidance::CloudNeedsModernServer => format!("This version of Outlook fetches your email through Microsoft’s servers, which require TLS 1.2 or newer. Your server does not offer it. Only your provider can change this.{send}"),
            Guidance::NoData => "We have no verified information about this program on this system. Test in your email program: fetch your email and send an email to yourself. If that does not work, please contact your provider’s support.".into(),
            Guidance::ServerLocksOut => format!("Your program and your server share a TLS version, but no encryption method, so your program cannot connect. Only your provider can change this.{send}{keep}"),
            Guidance::LockedOutAfterFix => format!("For now, your program still connects with the outdated TLS 1.0. With TLS 1.2 it could not connect: the server offers no encryption method that Windows 7 knows for TLS 1.2. So do not switch on TLS 1.2 in Windows yet. Your provider must change this first.{send}"),
            Guidance::ServerNeedsTls12 => format!("Your server offers only TLS 1.3. Your program does not support TLS 1.3 on this system, so it cannot connect. Only your provider can change this: they must also switch on TLS 1.2.{send}{keep}"),
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
            "imap" => "Incoming mail server (IMAP)",
            "pop3" => "Incoming mail server (POP3)",
            _ => "Outgoing mail server (SMTP)",
        }
    }

    fn where_to_change(&self, program: Program) -> &'static str {
        match program {
            Program::Outlook2010 | Program::Outlook2013 | Program::Outlook2016OrNewer => {
                "In Outlook: File › Account Settings › Account Settings… › select your account › Change › More Settings › Advanced."
            }
            Program::Outlook2007 => {
                "In Outlook 2007: Tools › Account Settings… › (your account) › Change… › More Settings… › Advanced."
            }
            Program::NewOutlook => {
                "In the new Outlook: Settings › Accounts › (your account) › Manage."
            }
            Program::WindowsLiveMail => {
                "In Windows Live Mail: right-click your account › Properties › the “Servers” and “Advanced” tabs."
            }
            Program::OutlookExpress => {
                "In Outlook Express: Tools › Accounts › Mail › (your account) › Properties › the “Servers” and “Advanced” tabs."
            }
            Program::WindowsMail => {
                "The Mail and Calendar app stopped working at the end of 2024. Set up your account in another program, for example Thunderbird or, on Windows 10 and 11, the new Outlook."
            }
            Program::Thunderbird | Program::Thunderbird31 | Program::ThunderbirdOld => {
                "In Thunderbird: Account Settings › Server Settings, and for sending: Outgoing Server (SMTP) › Edit."
            }
            Program::AppleMail => "In Apple Mail: Mail › Settings › Accounts › Server Settings.",
            Program::IosMail => {
                "On the iPhone or iPad: open the Settings app and find your email account there. Where it is depends on your iOS version."
            }
            Program::AndroidMail | Program::K9Mail => {
                "In the app: Settings › (your account) › incoming server or outgoing server."
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
                "Your incoming mail server is set up without encryption, so your password and your emails travel unprotected. Set the encryption to “SSL/TLS” and the port to {suggested_port}."
            ),
            Advice::OutgoingPort25Unencrypted => "Port 25 without encryption is not suitable for sending from an email program: your password would travel unencrypted. Set the outgoing mail server to port 587 with “STARTTLS”.".into(),
            Advice::OutgoingUnencrypted => "Your outgoing mail server is set up without encryption. Set port 587 with “STARTTLS” or port 465 with “SSL/TLS”.".into(),
            Advice::OutgoingPort25 => "Port 25 is meant for mail servers talking to each other and is blocked in many networks. Set the outgoing mail server to port 587 with “STARTTLS”.".into(),
            Advice::PortDoesNotFitSecurity { direction, port, expected } => format!(
                "For the {} mail server, port {port} does not fit the chosen encryption. With this encryption, the usual port is {expected}. Please compare both with your provider’s details.",
                server(*direction)
            ),
            Advice::DidYouMean { field, official } => format!(
                "The {} mail server name is very close to your provider’s server name. Did you mean {official}?",
                if *field == crate::settings::Field::OutgoingHost { "outgoing" } else { "incoming" }
            ),
            Advice::AutoChoice { direction, port, security } => format!(
                "On port {port} with “{}”, your {} mail server offers TLS 1.2 or newer. Please set this in your email program.",
                if *security == crate::settings::Encryption::SslTls { "SSL/TLS" } else { "STARTTLS" },
                server(*direction)
            ),
            Advice::RetiredName { direction, host, official } => format!(
                "Your provider now uses the name {official} for the {} mail server. Please replace {host} with {official} in your email program.",
                server(*direction)
            ),
            Advice::NotTheProvidersSetting { direction, port, security } => format!(
                "For the {} mail server, your provider specifies port {port} with “{}”. Please set this in your email program.",
                server(*direction),
                match security { ProfileSecurity::Tls => "SSL/TLS", ProfileSecurity::Starttls => "STARTTLS" }
            ),
            Advice::NameNotOnCertificate { host, suggestion } => match suggestion {
                Some(name) => format!("The name {host} is not on the server’s certificate, so your email program will show a warning. Enter your provider’s server name instead: {name}."),
                None => format!("The name {host} is not on the server’s certificate, so your email program will show a warning. Ask your provider for the right server name. Until then, do not accept the certificate permanently."),
            },
            Advice::NameLooksMistyped { field, suggestion } => format!(
                "The {} mail server name looks like a typo. Did you mean {suggestion}? Please check the spelling.",
                if *field == crate::settings::Field::OutgoingHost { "outgoing" } else { "incoming" }
            ),
        }
    }

    fn cached_age(&self, seconds: u64) -> String {
        let ago = match seconds {
            0..60 => "a few seconds".to_owned(),
            60..120 => "1 minute".to_owned(),
            _ => format!("{} minutes", seconds / 60),
        };
        format!("This result comes from a check {ago} ago.")
    }

    fn port_not_checked(&self, port: u16, (tls, starttls): (u16, u16)) -> String {
        format!(
            "We cannot check port {port} here, so we did not check this server. If your provider gives this port, it is still right. Otherwise the usual ports are {tls} (SSL/TLS) and {starttls} (STARTTLS)."
        )
    }

    fn left_out(&self, direction: Direction, host: &str, port: u16) -> String {
        let role = if direction == Direction::Outgoing {
            "Outgoing mail server"
        } else {
            "Incoming mail server"
        };
        format!("{role} {host}, port {port}: not checked. We cannot check this port here.")
    }

    fn more_names(&self, more: usize) -> String {
        format!("… and {} more", crate::i18n::thousands(more, ','))
    }

    fn pending(&self, targets: &str) -> String {
        format!("Still being checked: {targets}…")
    }

    fn progress(&self, done: usize, total: usize) -> String {
        format!("({done} of {total} checked)")
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
            Reason::OtherVersion => "the server answered with another version",
            Reason::Timeout => "no answer in time",
            Reason::ConnectionRefused => "the server does not accept connections on this port",
            Reason::Network => "network error",
            Reason::ProtocolViolation => "unexpected answer from the server",
            Reason::NameNotFound => "server name not found",
            Reason::LookupFailed => "DNS lookup failed",
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
            CertificateVerdict::Invalid => "invalid",
        }
    }

    fn domain_heading(&self, domain: &str) -> String {
        format!("Email to {domain} from other providers")
    }

    fn domain_verdict(&self, domain: &DomainReport) -> String {
        match domain.verdict {
            DomainVerdict::Ready => "Microsoft 365 and other providers can deliver email to you encrypted with TLS 1.2 or newer.".into(),
            DomainVerdict::SomeMxFailing => format!(
                "Some of your mail servers have problems, so some email to you may arrive late or not at all. Affected: {}.",
                super::failing_hosts(domain, "of", "mail servers")
            ),
            DomainVerdict::NoModernTls if domain.unencrypted_only() => "None of your mail servers offers encryption (no STARTTLS), so Microsoft 365 and most other providers deliver email to you unencrypted.".into(),
            DomainVerdict::NoModernTls => "None of your mail servers accepts email with TLS 1.2 or newer, so email from Microsoft 365 reaches you late or not at all.".into(),
            DomainVerdict::NoUsableMx => "None of your mail servers can be used by other providers such as Microsoft 365, so email from other providers may reach you late or not at all. What is wrong is listed below for each mail server.".into(),
            DomainVerdict::NoMail => "According to DNS, this domain receives no email (null MX).".into(),
            DomainVerdict::Untestable if domain.mx_source == MxSource::NoMailServer => "We found no mail server for this domain in DNS, neither an MX record nor an address. Please check the spelling of the domain.".into(),
            DomainVerdict::Untestable => "The mail servers of this domain could not be checked.".into(),
            DomainVerdict::MtaStsBroken => format!(
                "{} So most senders deliver email to you as if MTA-STS were not set up: encrypted when possible, otherwise unencrypted too. Senders that still hold a valid earlier copy of your policy keep to it. With MTA-STS, you specify that other providers deliver email to you only encrypted. Your mail servers themselves accept email with TLS 1.2 or newer.",
                match domain.mta_sts.status {
                    MtaStsStatus::InvalidRecord => "The DNS record of your MTA-STS policy is invalid.",
                    MtaStsStatus::InvalidPolicy => "Your MTA-STS policy contains errors.",
                    _ => "Your MTA-STS policy cannot be fetched.",
                }
            ),
        }
    }

    fn domain_todo(&self, domain: &DomainReport) -> &'static str {
        match domain.verdict {
            DomainVerdict::Ready => "",
            DomainVerdict::SomeMxFailing => {
                "Please pass this result on to your provider or your IT department. They must fix the problems of the servers marked “problem” below."
            }
            DomainVerdict::NoModernTls => {
                "Please pass this result on to your provider or your IT department. They must switch on TLS 1.2 or newer on the servers marked “problem” below."
            }
            DomainVerdict::NoUsableMx => {
                "Please pass this result on to your provider or your IT department. They must correct the DNS records (MX, addresses, MTA-STS or DANE) of the servers marked “problem” below."
            }
            DomainVerdict::NoMail => {
                "If you want to receive email at this domain, the null MX record in DNS must be replaced by an MX record for your mail server. Whoever manages your domain (usually your provider) does that."
            }
            DomainVerdict::Untestable => {
                "Please check the spelling of the domain and try again later."
            }
            DomainVerdict::MtaStsBroken => {
                "Please pass this result on to your provider or your IT department. They must correct the MTA-STS setup. What is wrong is listed below under “MTA-STS”."
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
                "points at an internal address nobody on the internet can reach. The DNS record must name a public address"
            }
            MxProblemCode::Unreachable => "not reachable at one or more addresses",
        }
    }

    fn mta_sts(&self, status: MtaStsStatus, mode: Option<MtaStsMode>) -> &'static str {
        match (status, mode) {
            (MtaStsStatus::Absent, _) => {
                "not set up: senders encrypt when possible and otherwise deliver unencrypted"
            }
            (MtaStsStatus::Valid, Some(MtaStsMode::Enforce)) => {
                "set up: senders deliver only encrypted, with a valid certificate, and only to the listed servers"
            }
            (MtaStsStatus::Valid, Some(MtaStsMode::Testing)) => {
                "in testing mode: senders deliver despite problems (and report them if TLS-RPT is set up)"
            }
            (MtaStsStatus::Valid, _) => "switched off (mode “none”)",
            (MtaStsStatus::InvalidRecord, _) => "DNS record is invalid",
            (MtaStsStatus::PolicyUnavailable, _) => "policy cannot be fetched",
            (MtaStsStatus::InvalidPolicy, _) => "policy is invalid",
            (MtaStsStatus::LookupFailed, _) => "DNS lookup failed",
        }
    }

    fn tls_rpt(&self, status: TlsRptStatus) -> &'static str {
        match status {
            TlsRptStatus::Absent => {
                "not set up: you are not told when senders could not deliver encrypted"
            }
            TlsRptStatus::Valid => "set up: senders send reports about problems",
            TlsRptStatus::Invalid => "DNS record is invalid",
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
                "broken: a certificate does not match the TLSA records. Senders that check DANE do not deliver to that server"
            }
            DaneStatus::Unusable => "TLSA records cannot be used for email",
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
                    "Set the port to 587 and the encryption to “STARTTLS”"
                } else {
                    "Set the encryption to “STARTTLS”"
                };
                format!(
                    "On port {port} this server starts unencrypted and switches encryption on only with STARTTLS. With the setting “SSL/TLS”, your email program cannot connect here. {fix}, or use port {tls_port} with “SSL/TLS” if your provider specifies that port."
                )
            }
            WrongServiceAdvice::OtherProtocol {
                port,
                found,
                wanted,
                tls_port,
            } => format!(
                "On port {port} this server answers with {}, not {}. For {} with “SSL/TLS”, the usual port is {tls_port}. Set the port to {tls_port} unless your provider specifies another.",
                found.name(),
                wanted.name(),
                wanted.name()
            ),
        }
    }
}

/// The server's adjective in English mail programs' settings ("the outgoing mail server").
fn server(direction: Direction) -> &'static str {
    match direction {
        Direction::Incoming => "incoming",
        Direction::Outgoing => "outgoing",
    }
}
