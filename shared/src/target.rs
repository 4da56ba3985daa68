//! What to check: a bare host (all seven standard mail endpoints), one endpoint as
//! `scheme://host[:port]`, or a mail domain as `domain:NAME` or `name@NAME` (its MX hosts, found
//! in DNS, on port 25, with the domain's MTA-STS, TLS-RPT and DANE records).
//!
//! The seven schemes are the mail protocols on their standard ports: four start plain and upgrade
//! with STARTTLS (`smtp` 25, `submission` 587, `imap` 143, `pop3` 110), three speak TLS from the
//! first byte (`smtps` 465, `imaps` 993, `pop3s` 995).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::host::{Host, HostError, Hostname};
use crate::lang::Lang;

crate::wire::wire_enum! {
    /// A mail protocol on its standard port, with the way TLS starts on it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Scheme {
        /// SMTP between mail servers (MX), STARTTLS, port 25.
        Smtp = "smtp",
        /// SMTP submission from mail programs, STARTTLS, port 587.
        Submission = "submission",
        /// SMTP submission over implicit TLS, port 465.
        Smtps = "smtps",
        /// IMAP, STARTTLS, port 143.
        Imap = "imap",
        /// IMAP over implicit TLS, port 993.
        Imaps = "imaps",
        /// POP3, STARTTLS (`STLS`), port 110.
        Pop3 = "pop3",
        /// POP3 over implicit TLS, port 995.
        Pop3s = "pop3s",
    }
}

/// How the TLS handshake begins on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsStart {
    /// TLS from the first byte.
    Implicit,
    /// A plain-text dialog first, then an upgrade command.
    Starttls,
}

impl Scheme {
    /// All schemes, in the order reports list them (outgoing, then incoming).
    pub const ALL: [Scheme; 7] = [
        Scheme::Smtp,
        Scheme::Submission,
        Scheme::Smtps,
        Scheme::Imap,
        Scheme::Imaps,
        Scheme::Pop3,
        Scheme::Pop3s,
    ];

    /// The name used in targets and JSON (`imaps`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Smtp => "smtp",
            Scheme::Submission => "submission",
            Scheme::Smtps => "smtps",
            Scheme::Imap => "imap",
            Scheme::Imaps => "imaps",
            Scheme::Pop3 => "pop3",
            Scheme::Pop3s => "pop3s",
        }
    }

    /// The standard port (IANA service names registry).
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Smtp => 25,
            Scheme::Submission => 587,
            Scheme::Smtps => 465,
            Scheme::Imap => 143,
            Scheme::Imaps => 993,
            Scheme::Pop3 => 110,
            Scheme::Pop3s => 995,
        }
    }

    /// Whether TLS starts at once or after a STARTTLS dialog.
    pub fn tls_start(self) -> TlsStart {
        match self {
            Scheme::Smtps | Scheme::Imaps | Scheme::Pop3s => TlsStart::Implicit,
            Scheme::Smtp | Scheme::Submission | Scheme::Imap | Scheme::Pop3 => TlsStart::Starttls,
        }
    }

    fn parse(name: &str) -> Option<Scheme> {
        Scheme::ALL
            .into_iter()
            .find(|scheme| scheme.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing to check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Target {
    /// Every standard mail endpoint of this host.
    Host(Host),
    /// One endpoint.
    Endpoint {
        scheme: Scheme,
        host: Host,
        port: u16,
    },
    /// A mail domain: its MX hosts on port 25, its MTA-STS policy, TLS-RPT and DANE records.
    /// Written `domain:firma.de`; an e-mail address `name@firma.de` means its domain.
    Domain(Hostname),
}

/// The prefix that marks a domain target.
pub const DOMAIN_PREFIX: &str = "domain:";

/// Longest target string accepted, so a hostile request cannot make us parse megabytes.
pub const MAX_TARGET_LEN: usize = 300;

/// Why a target was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TargetError {
    #[error("the target is {len} characters long; at most {MAX_TARGET_LEN} are accepted")]
    TooLong { len: usize },
    #[error("unknown scheme {scheme:?}; use smtp, submission, smtps, imap, imaps, pop3 or pop3s")]
    UnknownScheme { scheme: String },
    #[error("{port:?} is not a port number between 1 and 65535")]
    InvalidPort { port: String },
    #[error("a port needs a scheme, e.g. imaps://{host}:{port}")]
    PortWithoutScheme { host: String, port: String },
    #[error("a target has no path, query or user part after the server name")]
    TrailingParts,
    #[error("an email address needs a name before the @ and a domain after it")]
    InvalidEmail,
    #[error(transparent)]
    Host(#[from] HostError),
}

impl TargetError {
    /// The explanation for a person, with what to do about it.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (TargetError::TooLong { len }, Lang::De) => format!(
                "Die Eingabe ist {len} Zeichen lang. Erlaubt sind höchstens {MAX_TARGET_LEN}. Bitte prüfen Sie die Eingabe."
            ),
            (TargetError::TooLong { len }, Lang::En) => {
                format!(
                    "The input is {len} characters long. At most {MAX_TARGET_LEN} are allowed. Please check what you entered."
                )
            }
            (TargetError::UnknownScheme { scheme }, Lang::De) => format!(
                "„{scheme}“ können wir nicht prüfen. Möglich sind smtp, submission, smtps, imap, imaps, pop3 und pop3s."
            ),
            (TargetError::UnknownScheme { scheme }, Lang::En) => format!(
                "We cannot check “{scheme}”. You can use smtp, submission, smtps, imap, imaps, pop3 or pop3s."
            ),
            (TargetError::InvalidPort { port }, Lang::De) => format!(
                "„{port}“ ist keine gültige Portnummer. Bitte geben Sie eine Zahl von 1 bis 65535 ein, zum Beispiel 993."
            ),
            (TargetError::InvalidPort { port }, Lang::En) => format!(
                "“{port}” is not a valid port number. Please enter a number from 1 to 65535, for example 993."
            ),
            (TargetError::PortWithoutScheme { host, port }, Lang::De) => format!(
                "Bitte geben Sie zum Port auch das Protokoll an, zum Beispiel imaps://{host}:{port}. Oder lassen Sie „:{port}“ weg. Dann prüfen wir alle für E-Mail üblichen Ports."
            ),
            (TargetError::PortWithoutScheme { host, port }, Lang::En) => format!(
                "Please add the protocol to the port, for example imaps://{host}:{port}. Or leave out “:{port}” to check all ports commonly used for email."
            ),
            (TargetError::TrailingParts, Lang::De) => {
                "Bitte entfernen Sie alles, was nach dem Servernamen steht (zum Beispiel „/“, „?“ oder „#“).".into()
            }
            (TargetError::TrailingParts, Lang::En) => {
                "Please remove everything after the server name (for example “/”, “?” or “#”).".into()
            }
            (TargetError::InvalidEmail, Lang::De) => {
                "Bitte prüfen Sie die E-Mail-Adresse. Sie besteht aus einem Namen, dem Zeichen @ und der Domain, ohne Leerzeichen, zum Beispiel name@example.de.".into()
            }
            (TargetError::InvalidEmail, Lang::En) => {
                "Please check the email address. It consists of a name, the @ sign and the domain, without spaces, for example name@example.com.".into()
            }
            (TargetError::Host(error), lang) => error.message(lang),
        }
    }
}

impl Target {
    /// Parses `host`, `scheme://host[:port]` (the scheme's standard port by default),
    /// `domain:NAME`, or an e-mail address (its domain).
    pub fn parse(input: &str) -> Result<Target, TargetError> {
        if input.len() > MAX_TARGET_LEN {
            return Err(TargetError::TooLong { len: input.len() });
        }
        if let Some(prefix) = input.get(..DOMAIN_PREFIX.len())
            && prefix.eq_ignore_ascii_case(DOMAIN_PREFIX)
        {
            return Ok(Target::Domain(Hostname::parse(
                &input[DOMAIN_PREFIX.len()..],
            )?));
        }
        if !input.contains("://")
            && let Some((local, domain)) = input.rsplit_once('@')
        {
            if local.is_empty() || local.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(TargetError::InvalidEmail);
            }
            return Ok(Target::Domain(Hostname::parse(domain)?));
        }
        let Some((scheme, rest)) = input.split_once("://") else {
            return parse_bare(input);
        };
        let scheme = Scheme::parse(scheme).ok_or_else(|| TargetError::UnknownScheme {
            scheme: scheme.chars().take(20).collect(),
        })?;
        if rest.contains(['/', '?', '#', '@']) {
            return Err(TargetError::TrailingParts);
        }
        let (host, port) = split_port(rest)?;
        let port = match port {
            Some(port) => parse_port(port)?,
            None => scheme.default_port(),
        };
        Ok(Target::Endpoint {
            scheme,
            host: Host::parse(host)?,
            port,
        })
    }

    /// The host this target names; a domain's mail hosts are found in DNS instead.
    pub fn host(&self) -> Option<&Host> {
        match self {
            Target::Host(host) | Target::Endpoint { host, .. } => Some(host),
            Target::Domain(_) => None,
        }
    }

    /// The endpoints this target stands for: one, or all seven standard ones of a bare host;
    /// none for a domain, whose MX hosts come from DNS.
    pub fn endpoints(&self) -> Vec<(Scheme, u16)> {
        match self {
            Target::Host(_) => Scheme::ALL
                .into_iter()
                .map(|scheme| (scheme, scheme.default_port()))
                .collect(),
            Target::Endpoint { scheme, port, .. } => vec![(*scheme, *port)],
            Target::Domain(_) => Vec::new(),
        }
    }
}

fn parse_bare(input: &str) -> Result<Target, TargetError> {
    // `mail.example.de:993` (or `[2001:db8::1]:993`) is a common paste from a mail program's
    // settings. The standard port of one of the seven endpoints names that endpoint, as the page
    // reads it; any other port needs its scheme.
    let with_port = if input.starts_with('[') {
        input
            .rfind("]:")
            .map(|end| (&input[..=end], &input[end + 2..]))
    } else if input.matches(':').count() == 1 {
        input.split_once(':')
    } else {
        None
    };
    if let Some((host, port)) = with_port
        && let Ok(parsed) = Host::parse(host)
    {
        if let Some(scheme) = port
            .parse::<u16>()
            .ok()
            .and_then(|port| Scheme::ALL.into_iter().find(|s| s.default_port() == port))
        {
            return Ok(Target::Endpoint {
                scheme,
                port: scheme.default_port(),
                host: parsed,
            });
        }
        return Err(TargetError::PortWithoutScheme {
            host: host.to_owned(),
            port: port.chars().take(10).collect(),
        });
    }
    Ok(Target::Host(Host::parse(input)?))
}

/// Splits `host:port`, `[v6]:port`, `[v6]` or `host`.
fn split_port(rest: &str) -> Result<(&str, Option<&str>), TargetError> {
    if rest.starts_with('[') {
        return Ok(match rest.rfind("]:") {
            Some(end) => (&rest[..=end], Some(&rest[end + 2..])),
            None => (rest, None),
        });
    }
    Ok(match rest.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    })
}

fn parse_port(port: &str) -> Result<u16, TargetError> {
    let invalid = || TargetError::InvalidPort {
        port: port.chars().take(10).collect(),
    };
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match port.parse::<u16>() {
        Ok(0) | Err(_) => Err(invalid()),
        Ok(number) => Ok(number),
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Host(host) => f.write_str(&host.to_uri_form()),
            Target::Endpoint { scheme, host, port } if *port == scheme.default_port() => {
                write!(f, "{scheme}://{}", host.to_uri_form())
            }
            Target::Endpoint { scheme, host, port } => {
                write!(f, "{scheme}://{}:{port}", host.to_uri_form())
            }
            Target::Domain(domain) => write!(f, "{DOMAIN_PREFIX}{}", domain.as_str()),
        }
    }
}

impl FromStr for Target {
    type Err = TargetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::parse(s)
    }
}

impl TryFrom<String> for Target {
    type Error = TargetError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Target::parse(&value)
    }
}

impl From<Target> for String {
    fn from(value: Target) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(name: &str) -> Target {
        Target::Domain(Hostname::parse(name).unwrap())
    }

    fn endpoint(scheme: Scheme, host: &str, port: u16) -> Target {
        Target::Endpoint {
            scheme,
            host: Host::parse(host).unwrap(),
            port,
        }
    }

    #[test]
    fn parses_targets() {
        let cases: Vec<(&str, Result<Target, TargetError>)> = vec![
            (
                "mail.mxp.de",
                Ok(Target::Host(Host::parse("mail.mxp.de").unwrap())),
            ),
            (
                "imaps://mail.mxp.de",
                Ok(endpoint(Scheme::Imaps, "mail.mxp.de", 993)),
            ),
            (
                "IMAPS://Mail.MXP.de:10993",
                Ok(endpoint(Scheme::Imaps, "mail.mxp.de", 10993)),
            ),
            (
                "smtp://mx.example.test",
                Ok(endpoint(Scheme::Smtp, "mx.example.test", 25)),
            ),
            (
                "submission://mx.example.test",
                Ok(endpoint(Scheme::Submission, "mx.example.test", 587)),
            ),
            (
                "pop3s://[2001:db8::1]:995",
                Ok(endpoint(Scheme::Pop3s, "2001:db8::1", 995)),
            ),
            (
                "pop3://[2001:db8::1]",
                Ok(endpoint(Scheme::Pop3, "2001:db8::1", 110)),
            ),
            (
                "imap://192.0.2.1:143",
                Ok(endpoint(Scheme::Imap, "192.0.2.1", 143)),
            ),
            (
                "https://mail.mxp.de",
                Err(TargetError::UnknownScheme {
                    scheme: "https".into(),
                }),
            ),
            (
                "imaps://mail.mxp.de:0",
                Err(TargetError::InvalidPort { port: "0".into() }),
            ),
            (
                "imaps://mail.mxp.de:65536",
                Err(TargetError::InvalidPort {
                    port: "65536".into(),
                }),
            ),
            (
                "imaps://mail.mxp.de:+993",
                Err(TargetError::InvalidPort {
                    port: "+993".into(),
                }),
            ),
            (
                "imaps://mail.mxp.de:",
                Err(TargetError::InvalidPort { port: "".into() }),
            ),
            ("imaps://mail.mxp.de/inbox", Err(TargetError::TrailingParts)),
            ("imaps://user@mail.mxp.de", Err(TargetError::TrailingParts)),
            // A standard port names its endpoint, as the page reads it; others need a scheme.
            (
                "mail.mxp.de:993",
                Ok(endpoint(Scheme::Imaps, "mail.mxp.de", 993)),
            ),
            (
                "mail.mxp.de:587",
                Ok(endpoint(Scheme::Submission, "mail.mxp.de", 587)),
            ),
            (
                "[2001:db8::1]:465",
                Ok(Target::Endpoint {
                    scheme: Scheme::Smtps,
                    host: Host::parse("2001:db8::1").unwrap(),
                    port: 465,
                }),
            ),
            (
                "mail.mxp.de:2525",
                Err(TargetError::PortWithoutScheme {
                    host: "mail.mxp.de".into(),
                    port: "2525".into(),
                }),
            ),
            (
                "imaps://mail mxp.de",
                Err(TargetError::Host(HostError::Whitespace)),
            ),
            (
                "imaps://mail.mxp.de\r\n",
                Err(TargetError::Host(HostError::ControlCharacter)),
            ),
            (
                "imaps://0x7f.1",
                Err(TargetError::Host(HostError::NumericTopLevel)),
            ),
            ("domain:Firma.DE", Ok(domain("firma.de"))),
            ("DOMAIN:firma.de.", Ok(domain("firma.de"))),
            ("kunde@Firma.de", Ok(domain("firma.de"))),
            ("a@b@firma.de", Ok(domain("firma.de"))),
            ("@firma.de", Err(TargetError::InvalidEmail)),
            ("kun de@firma.de", Err(TargetError::InvalidEmail)),
            ("kunde@", Err(TargetError::Host(HostError::Empty))),
            (
                "domain:192.0.2.1",
                Err(TargetError::Host(HostError::NumericTopLevel)),
            ),
            (
                "domain:firma.de\r\nRCPT",
                Err(TargetError::Host(HostError::ControlCharacter)),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(Target::parse(input), expected, "{input:?}");
        }
        let long = format!("imaps://{}", "a".repeat(400));
        assert_eq!(Target::parse(&long), Err(TargetError::TooLong { len: 408 }));
    }

    #[test]
    fn display_round_trips() {
        for input in [
            "mail.mxp.de",
            "imaps://mail.mxp.de",
            "imaps://mail.mxp.de:10993",
            "pop3s://[2001:db8::1]:1995",
            "smtp://192.0.2.1",
            "domain:firma.de",
        ] {
            let target = Target::parse(input).unwrap();
            assert_eq!(target.to_string(), input);
            assert_eq!(Target::parse(&target.to_string()), Ok(target));
        }
    }

    #[test]
    fn bare_host_means_all_seven_endpoints() {
        let ports: Vec<u16> = Target::parse("mail.mxp.de")
            .unwrap()
            .endpoints()
            .into_iter()
            .map(|(_, port)| port)
            .collect();
        assert_eq!(ports, [25, 587, 465, 143, 993, 110, 995]);
    }
}
