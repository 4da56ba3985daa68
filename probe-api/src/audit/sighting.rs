//! What the log parsers hand to the tally: one [`Sighting`] per login or authenticated session,
//! with the account, the service, how the connection was protected, and whatever else the
//! server logged (server name, port, the program's name and version). The rules for what
//! counts as "breaks at the switch-off" live here, once.

use serde::Serialize;

use mailtls_shared::TlsVersion;

use super::stamp::LogTime;

/// The mail service a customer's program used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// IMAP (Dovecot's `imap-login`).
    Imap,
    /// POP3 (Dovecot's `pop3-login`).
    Pop3,
    /// Submission with STARTTLS (Postfix's `submission` service, port 587; Dovecot's
    /// `submission-login`).
    Submission,
    /// SMTP over implicit TLS (Postfix's `smtps` or `submissions` service, port 465).
    Smtps,
    /// SMTP AUTH on the MX port (Postfix's plain `smtpd`, port 25).
    Smtp,
}

impl Service {
    pub const ALL: [Service; 5] = [
        Service::Imap,
        Service::Pop3,
        Service::Submission,
        Service::Smtps,
        Service::Smtp,
    ];

    /// The name admins know.
    pub fn name(self) -> &'static str {
        match self {
            Service::Imap => "IMAP",
            Service::Pop3 => "POP3",
            Service::Submission => "Submission",
            Service::Smtps => "SMTPS",
            Service::Smtp => "SMTP AUTH",
        }
    }

    /// Whether this is incoming mail (IMAP, POP3) rather than sending.
    pub fn is_incoming(self) -> bool {
        matches!(self, Service::Imap | Service::Pop3)
    }

    /// The port a service runs on when the log does not say: Postfix names its services, not
    /// its ports, and the standard ones are what `master.cf` ships with.
    pub fn standard_port(self) -> Option<u16> {
        match self {
            Service::Submission => Some(587),
            Service::Smtps => Some(465),
            Service::Smtp => Some(25),
            Service::Imap | Service::Pop3 => None,
        }
    }
}

/// How one connection was protected, as far as the log tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "version")]
pub enum Protection {
    /// A TLS handshake with this version.
    Tls(TlsVersion),
    /// TLS, but the log does not name the version (Dovecot without `%k`, Postfix with
    /// `smtpd_tls_loglevel = 0`).
    TlsVersionNotLogged,
    /// No TLS at all: the password crossed the network in plain text.
    None,
    /// Dovecot's `secured`: no TLS, but from the server itself or a trusted network (a webmail on
    /// the same machine), which the switch-off does not touch.
    Trusted,
    /// The log cannot tell (it started in the middle of the session, or its format shows no
    /// TLS details at all).
    Unknown,
    /// A Dovecot login with no TLS element: plain text if the format logs `%c`, unknown if it
    /// does not. Settled by [`Protection::settled`] once the whole log is read; never in a
    /// report.
    NoTlsElement,
}

impl Protection {
    /// Whether a program that connects like this stops working when the server accepts only TLS
    /// 1.2 and newer: SSL 3.0, TLS 1.0 and 1.1.
    pub fn breaks_at_switch_off(self) -> bool {
        matches!(
            self,
            Protection::Tls(TlsVersion::Ssl3 | TlsVersion::Tls10 | TlsVersion::Tls11)
        )
    }

    /// Whether the connection carried the password without encryption (works after the
    /// switch-off, but must be fixed all the same).
    pub fn is_plaintext(self) -> bool {
        self == Protection::None
    }

    /// Reads the version words servers log (`TLSv1`, `TLSv1.2`, `SSLv3`).
    pub fn from_version_word(word: &str) -> Option<Protection> {
        let version = match word {
            "SSLv3" => TlsVersion::Ssl3,
            "TLSv1" | "TLSv1.0" => TlsVersion::Tls10,
            "TLSv1.1" => TlsVersion::Tls11,
            "TLSv1.2" => TlsVersion::Tls12,
            "TLSv1.3" => TlsVersion::Tls13,
            _ => return None,
        };
        Some(Protection::Tls(version))
    }

    /// [`Protection::NoTlsElement`] settled: plain text when Dovecot's log format showed a TLS
    /// element on some login (so it logs `%c`), unknown otherwise.
    pub fn settled(self, dovecot_logs_tls_elements: bool) -> Protection {
        match self {
            Protection::NoTlsElement if dovecot_logs_tls_elements => Protection::None,
            Protection::NoTlsElement => Protection::Unknown,
            other => other,
        }
    }

    /// The name admins know.
    pub fn name(self) -> &'static str {
        match self {
            Protection::NoTlsElement => "no TLS element",
            Protection::Tls(version) => version.display_name(),
            Protection::TlsVersionNotLogged => "TLS (version not logged)",
            Protection::None => "no TLS",
            Protection::Trusted => "no TLS (local or trusted network)",
            Protection::Unknown => "unknown",
        }
    }
}

/// The program's own name for itself, where the server logged it (IMAP `ID`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ClientId {
    pub name: String,
    pub version: Option<String>,
}

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.version {
            Some(version) => write!(f, "{} {version}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// One login or authenticated session, as one log told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// The account as logged (Dovecot's `user=<…>`, Postfix's `sasl_username=`).
    pub account: String,
    pub service: Service,
    pub protection: Protection,
    /// The cipher suite, where logged.
    pub cipher: Option<String>,
    /// The name the program asked for (TLS SNI), where logged.
    pub server_name: Option<String>,
    /// The server's port, where logged or known from the service.
    pub port: Option<u16>,
    pub client: Option<ClientId>,
    pub time: Option<LogTime>,
}

/// The longest account name, server name, cipher or program name kept; longer ones are cut
/// (logs are input: a hostile client chooses its IMAP ID).
pub const FIELD_CAP: usize = 256;

/// `text` cut to [`FIELD_CAP`] bytes at a character boundary.
pub fn capped(text: &str) -> String {
    if text.len() <= FIELD_CAP {
        return text.to_owned();
    }
    let mut end = FIELD_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ssl3_and_tls_1_0_and_1_1_break_at_the_switch_off() {
        let breaks: Vec<&str> = ["SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
            .into_iter()
            .filter(|word| {
                Protection::from_version_word(word)
                    .expect("a version word")
                    .breaks_at_switch_off()
            })
            .collect();
        assert_eq!(breaks, ["SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1"]);
        for other in [
            Protection::None,
            Protection::Trusted,
            Protection::Unknown,
            Protection::TlsVersionNotLogged,
            Protection::NoTlsElement,
        ] {
            assert!(!other.breaks_at_switch_off(), "{other:?}");
        }
        assert_eq!(Protection::NoTlsElement.settled(true), Protection::None);
        assert_eq!(Protection::NoTlsElement.settled(false), Protection::Unknown);
        assert_eq!(Protection::Trusted.settled(true), Protection::Trusted);
        assert_eq!(Protection::from_version_word("TLSv2"), None);
    }

    #[test]
    fn long_fields_are_cut_at_a_character_boundary() {
        let long = "ä".repeat(FIELD_CAP);
        let cut = capped(&long);
        assert!(cut.len() <= FIELD_CAP && cut.len() >= FIELD_CAP - 1);
        assert!(cut.chars().all(|c| c == 'ä'));
        assert_eq!(capped("short"), "short");
    }
}
