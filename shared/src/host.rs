//! Host names and IP literals, parsed the way a customer types them.
//!
//! [`Hostname::parse`] is strict: it accepts a DNS host name (letters, digits, hyphens, dots;
//! internationalised names are converted to punycode) and refuses everything else with a
//! [`HostError`] that says what is wrong in words a customer understands. It never trims: the page
//! trims pasted whitespace before calling it, the API sends stray whitespace back as an error.
//!
//! Names that only look like names are refused here, before anything resolves them: glibc reads
//! `2130706433`, `0177.0.0.1`, `0x7f.1` and `127.1` as 127.0.0.1, so a name whose last label is not
//! alphabetic is never a host name.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::lang::Lang;

/// Longest host name DNS can carry, in ASCII (RFC 1035 2.3.4, without the trailing dot).
pub const MAX_HOSTNAME_LEN: usize = 253;
/// Longest label DNS can carry (RFC 1035 2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// A syntactically valid DNS host name: lowercase ASCII (punycode for IDNs), at least two labels,
/// no trailing dot, an alphabetic top-level label.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hostname(String);

/// Why a host name was refused. [`HostError::message`] explains it in German or English.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HostError {
    #[error("the server name is empty")]
    Empty,
    #[error("the server name contains a line break or another control character")]
    ControlCharacter,
    #[error("the server name contains a space")]
    Whitespace,
    #[error("this is a web address, not a server name")]
    LooksLikeUrl,
    #[error("this is an email address, not a server name")]
    LooksLikeEmail,
    #[error("the server name is {len} characters long; at most {MAX_HOSTNAME_LEN} are possible")]
    TooLong { len: usize },
    #[error("the server name has an empty part (two dots in a row, or a dot at the start)")]
    EmptyLabel,
    #[error("the part {label:?} is longer than {MAX_LABEL_LEN} characters")]
    LabelTooLong { label: String },
    #[error("the character {character:?} is not allowed in a server name")]
    InvalidCharacter { character: char },
    #[error("the part {label:?} starts or ends with a hyphen")]
    HyphenAtEdge { label: String },
    #[error("the server name has no dot; a full name such as mail.example.com is needed")]
    NoDot,
    #[error("the server name ends in a number; it looks like an IP address written unusually")]
    NumericTopLevel,
    #[error("the international server name cannot be converted to its DNS form")]
    InvalidIdn,
}

impl HostError {
    /// The explanation for a person, with what to do about it.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (HostError::Empty, Lang::De) => "Bitte geben Sie einen Servernamen ein, zum Beispiel mail.example.de.".into(),
            (HostError::Empty, Lang::En) => "Please enter a server name, for example mail.example.com.".into(),
            (HostError::ControlCharacter, Lang::De) => "Der Servername enthält einen Zeilenumbruch oder ein unsichtbares Steuerzeichen. Bitte tippen Sie ihn neu ein.".into(),
            (HostError::ControlCharacter, Lang::En) => "The server name contains a line break or an invisible control character. Please type it again.".into(),
            (HostError::Whitespace, Lang::De) => "Bitte entfernen Sie die Leerzeichen aus dem Servernamen.".into(),
            (HostError::Whitespace, Lang::En) => "Please remove the spaces from the server name.".into(),
            (HostError::LooksLikeUrl, Lang::De) => "Das sieht nach einer Internetadresse aus. Bitte geben Sie nur den Servernamen ein, ohne „https://“ und ohne „/“, zum Beispiel mail.example.de.".into(),
            (HostError::LooksLikeUrl, Lang::En) => "This looks like a web address. Please enter only the server name, without “https://” and without “/”, for example mail.example.com.".into(),
            (HostError::LooksLikeEmail, Lang::De) => "Das sieht nach einer E-Mail-Adresse aus. Bitte geben Sie hier den Servernamen ein, zum Beispiel mail.example.de. Ihre E-Mail-Adresse können Sie oben unter „E-Mail-Adresse“ eintragen.".into(),
            (HostError::LooksLikeEmail, Lang::En) => "This looks like an email address. Please enter the server name here, for example mail.example.com. You can enter your email address above under “Email address”.".into(),
            (HostError::TooLong { len }, Lang::De) => format!("Der Servername ist {len} Zeichen lang. Erlaubt sind höchstens {MAX_HOSTNAME_LEN}. Bitte prüfen Sie die Eingabe."),
            (HostError::TooLong { len }, Lang::En) => format!("The server name is {len} characters long. At most {MAX_HOSTNAME_LEN} are allowed. Please check what you entered."),
            (HostError::EmptyLabel, Lang::De) => "Der Servername enthält zwei Punkte hintereinander oder beginnt mit einem Punkt. Bitte entfernen Sie den überzähligen Punkt.".into(),
            (HostError::EmptyLabel, Lang::En) => "The server name has two dots in a row or starts with a dot. Please remove the extra dot.".into(),
            (HostError::LabelTooLong { label }, Lang::De) => format!("Der Teil „{label}“ ist länger als {MAX_LABEL_LEN} Zeichen. Bitte prüfen Sie die Eingabe."),
            (HostError::LabelTooLong { label }, Lang::En) => format!("The part “{label}” is longer than {MAX_LABEL_LEN} characters. Please check what you entered."),
            (HostError::InvalidCharacter { character }, Lang::De) => format!("Das Zeichen „{character}“ ist in Servernamen nicht möglich. Bitte verwenden Sie nur Buchstaben, Ziffern, Bindestriche und Punkte."),
            (HostError::InvalidCharacter { character }, Lang::En) => format!("The character “{character}” cannot be used in a server name. Please use only letters, digits, hyphens and dots."),
            (HostError::HyphenAtEdge { label }, Lang::De) => format!("Der Teil „{label}“ beginnt oder endet mit einem Bindestrich. Das ist in Servernamen nicht möglich. Bitte prüfen Sie die Schreibweise."),
            (HostError::HyphenAtEdge { label }, Lang::En) => format!("The part “{label}” starts or ends with a hyphen. This is not possible in server names. Please check the spelling."),
            (HostError::NoDot, Lang::De) => "Der Servername ist unvollständig: Es fehlt mindestens ein Punkt. Ein vollständiger Name sieht aus wie mail.example.de.".into(),
            (HostError::NoDot, Lang::En) => "The server name is incomplete: it needs at least one dot. A complete name looks like mail.example.com.".into(),
            (HostError::NumericTopLevel, Lang::De) => "Der Servername endet mit einer Zahl. Bitte geben Sie einen Namen wie mail.example.de ein oder eine IP-Adresse wie 192.0.2.10.".into(),
            (HostError::NumericTopLevel, Lang::En) => "The server name ends in a number. Please enter a name such as mail.example.com or an IP address such as 192.0.2.10.".into(),
            (HostError::InvalidIdn, Lang::De) => "Der Servername enthält Sonderzeichen, die in Domainnamen nicht erlaubt sind. Bitte prüfen Sie die Schreibweise.".into(),
            (HostError::InvalidIdn, Lang::En) => "The server name contains special characters that domain names cannot contain. Please check the spelling.".into(),
        }
    }
}

impl Hostname {
    /// Parses a host name exactly as given (see the module docs for what is refused).
    pub fn parse(input: &str) -> Result<Hostname, HostError> {
        refuse_obvious_mistakes(input)?;
        let input = input.strip_suffix('.').unwrap_or(input);
        let ascii = if input.is_ascii() {
            input.to_ascii_lowercase()
        } else {
            // Check the characters the customer can see before IDNA maps them away, so `mail_x.de`
            // and `maïl_x.de` get the same message.
            if let Some(character) = input
                .chars()
                .find(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
            {
                return Err(HostError::InvalidCharacter { character });
            }
            crate::idn::to_ascii(input).ok_or(HostError::InvalidIdn)?
        };
        check_ldh(&ascii)?;
        if ascii.split('.').any(|label| label.starts_with("xn--")) {
            // A punycode label must decode to something IDNA accepts; `xn--zz` does not.
            if crate::idn::to_unicode(&ascii).is_none() {
                return Err(HostError::InvalidIdn);
            }
        }
        Ok(Hostname(ascii))
    }

    /// The DNS form: lowercase ASCII, punycode for international names.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form to show people: international names decoded (`xn--mller-kva.de` → `müller.de`).
    pub fn to_unicode(&self) -> String {
        crate::idn::to_unicode(&self.0).unwrap_or_else(|| self.0.clone())
    }
}

fn refuse_obvious_mistakes(input: &str) -> Result<(), HostError> {
    if input.is_empty() {
        return Err(HostError::Empty);
    }
    if input.chars().any(char::is_control) {
        return Err(HostError::ControlCharacter);
    }
    if input.chars().any(char::is_whitespace) {
        return Err(HostError::Whitespace);
    }
    if input.contains("://") || input.contains('/') {
        return Err(HostError::LooksLikeUrl);
    }
    if input.contains('@') {
        return Err(HostError::LooksLikeEmail);
    }
    Ok(())
}

/// Letters-digits-hyphens rules on the ASCII form (RFC 1123 2.1, RFC 3696 2).
fn check_ldh(ascii: &str) -> Result<(), HostError> {
    if ascii.len() > MAX_HOSTNAME_LEN {
        return Err(HostError::TooLong { len: ascii.len() });
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(HostError::EmptyLabel);
        }
        if let Some(character) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(HostError::InvalidCharacter { character });
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(HostError::LabelTooLong {
                label: (*label).to_owned(),
            });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(HostError::HyphenAtEdge {
                label: (*label).to_owned(),
            });
        }
    }
    let top = labels.last().copied().unwrap_or_default();
    if labels.len() < 2 {
        // A single all-digit label (`2130706433`) is a numeric trick, not a forgotten dot.
        return Err(if top.bytes().all(|b| b.is_ascii_digit()) {
            HostError::NumericTopLevel
        } else {
            HostError::NoDot
        });
    }
    if !(top.starts_with("xn--") || top.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Err(HostError::NumericTopLevel);
    }
    Ok(())
}

impl TryFrom<String> for Hostname {
    type Error = HostError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Hostname::parse(&value)
    }
}

impl From<Hostname> for String {
    fn from(value: Hostname) -> String {
        value.0
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a customer may type where a server is asked for: a host name or an IP address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Host {
    Name(Hostname),
    Ip(IpAddr),
}

impl Host {
    /// Parses a host name, a dotted-quad IPv4 address or an IPv6 address (bare or in brackets).
    ///
    /// IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) become the IPv4 address they stand for, so
    /// the address policy judges what will really be contacted.
    pub fn parse(input: &str) -> Result<Host, HostError> {
        let unbracketed = input
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'));
        if let Some(inner) = unbracketed {
            return inner
                .parse::<Ipv6Addr>()
                .map(|ip| Host::Ip(normalize_v6(ip)))
                .map_err(|_| HostError::InvalidCharacter { character: '[' });
        }
        // std's parser only takes the canonical dotted quad: `0177.0.0.1` and `127.1` fall through
        // to `Hostname::parse`, which refuses them.
        if let Ok(ip) = input.parse::<Ipv4Addr>() {
            return Ok(Host::Ip(IpAddr::V4(ip)));
        }
        if input.contains(':')
            && let Ok(ip) = input.parse::<Ipv6Addr>()
        {
            return Ok(Host::Ip(normalize_v6(ip)));
        }
        Hostname::parse(input).map(Host::Name)
    }

    /// The form for URLs and targets: IPv6 in brackets.
    pub fn to_uri_form(&self) -> String {
        match self {
            Host::Name(name) => name.to_string(),
            Host::Ip(IpAddr::V4(ip)) => ip.to_string(),
            Host::Ip(IpAddr::V6(ip)) => format!("[{ip}]"),
        }
    }

    /// The host name, if this is one.
    pub fn name(&self) -> Option<&Hostname> {
        match self {
            Host::Name(name) => Some(name),
            Host::Ip(_) => None,
        }
    }
}

fn normalize_v6(ip: Ipv6Addr) -> IpAddr {
    match ip.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(ip),
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(name) => name.fmt(f),
            Host::Ip(ip) => ip.fmt(f),
        }
    }
}

impl TryFrom<String> for Host {
    type Error = HostError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Host::parse(&value)
    }
}

impl From<Host> for String {
    fn from(value: Host) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Result<String, HostError> {
        Hostname::parse(s).map(|h| h.as_str().to_owned())
    }

    #[test]
    fn hostnames() {
        let long_label = "a".repeat(64);
        let long_name = format!("{}.de", ["abcdefghij"; 23].join("."));
        let cases: Vec<(&str, Result<&str, HostError>)> = vec![
            ("mail.mxp.de", Ok("mail.mxp.de")),
            ("Login.MXP.de", Ok("login.mxp.de")),
            ("mail.mxp.de.", Ok("mail.mxp.de")),
            ("imap-1.mail.example.test", Ok("imap-1.mail.example.test")),
            ("mail.müller.de", Ok("mail.xn--mller-kva.de")),
            ("MAIL.MÜLLER.DE", Ok("mail.xn--mller-kva.de")),
            ("mail.xn--mller-kva.de", Ok("mail.xn--mller-kva.de")),
            ("mail.example.xn--p1ai", Ok("mail.example.xn--p1ai")),
            ("", Err(HostError::Empty)),
            ("mail.mxp.de\r\nQUIT", Err(HostError::ControlCharacter)),
            ("mail.mxp.de\n", Err(HostError::ControlCharacter)),
            ("mail.mxp.de\0", Err(HostError::ControlCharacter)),
            ("mail .mxp.de", Err(HostError::Whitespace)),
            (" mail.mxp.de", Err(HostError::Whitespace)),
            ("mail.mxp.de\u{a0}", Err(HostError::Whitespace)),
            ("https://mail.mxp.de/", Err(HostError::LooksLikeUrl)),
            ("mail.mxp.de/webmail", Err(HostError::LooksLikeUrl)),
            ("kunde@mxp.de", Err(HostError::LooksLikeEmail)),
            ("mail..mxp.de", Err(HostError::EmptyLabel)),
            (".mxp.de", Err(HostError::EmptyLabel)),
            ("mail.mxp.de..", Err(HostError::EmptyLabel)),
            (
                "mail_1.mxp.de",
                Err(HostError::InvalidCharacter { character: '_' }),
            ),
            (
                "maïl_1.mxp.de",
                Err(HostError::InvalidCharacter { character: '_' }),
            ),
            (
                "mail.mxp.de:993",
                Err(HostError::InvalidCharacter { character: ':' }),
            ),
            (
                "mail,mxp.de",
                Err(HostError::InvalidCharacter { character: ',' }),
            ),
            (
                "-mail.mxp.de",
                Err(HostError::HyphenAtEdge {
                    label: "-mail".into(),
                }),
            ),
            (
                "mail-.mxp.de",
                Err(HostError::HyphenAtEdge {
                    label: "mail-".into(),
                }),
            ),
            ("mailmxpde", Err(HostError::NoDot)),
            ("localhost", Err(HostError::NoDot)),
            ("2130706433", Err(HostError::NumericTopLevel)),
            ("0177.0.0.1", Err(HostError::NumericTopLevel)),
            ("0x7f.1", Err(HostError::NumericTopLevel)),
            ("127.1", Err(HostError::NumericTopLevel)),
            ("1.2.3.4.5", Err(HostError::NumericTopLevel)),
            ("mail.example.0x7f", Err(HostError::NumericTopLevel)),
            ("mail.xn--zz", Err(HostError::InvalidIdn)),
            // UTS 46 maps invisible joiners away, as browsers do.
            ("mail.\u{200b}x.de", Ok("mail.x.de")),
            ("mail.\u{fffd}.de", Err(HostError::InvalidIdn)),
        ];
        for (input, expected) in cases {
            assert_eq!(name(input), expected.map(str::to_owned), "{input:?}");
        }
        assert_eq!(
            name(&format!("{long_label}.de")),
            Err(HostError::LabelTooLong { label: long_label })
        );
        assert_eq!(name(&long_name), Err(HostError::TooLong { len: 255 }));
    }

    #[test]
    fn hosts_and_ip_literals() {
        let cases: Vec<(&str, Result<Host, HostError>)> = vec![
            ("192.0.2.10", Ok(Host::Ip("192.0.2.10".parse().unwrap()))),
            ("2001:db8::1", Ok(Host::Ip("2001:db8::1".parse().unwrap()))),
            (
                "[2001:db8::1]",
                Ok(Host::Ip("2001:db8::1".parse().unwrap())),
            ),
            (
                "[::ffff:127.0.0.1]",
                Ok(Host::Ip("127.0.0.1".parse().unwrap())),
            ),
            (
                "[mail.mxp.de]",
                Err(HostError::InvalidCharacter { character: '[' }),
            ),
            ("0177.0.0.1", Err(HostError::NumericTopLevel)),
            ("127.000.000.001", Err(HostError::NumericTopLevel)),
            (
                "mail.mxp.de",
                Ok(Host::Name(Hostname::parse("mail.mxp.de").unwrap())),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(Host::parse(input), expected, "{input:?}");
        }
        assert_eq!(
            Host::parse("2001:db8::1").unwrap().to_uri_form(),
            "[2001:db8::1]"
        );
    }

    #[test]
    fn unicode_form_is_shown_as_typed() {
        let host = Hostname::parse("mail.müller.de").unwrap();
        assert_eq!(host.to_unicode(), "mail.müller.de");
    }

    #[test]
    fn every_error_has_a_message_in_each_language() {
        let errors = [
            HostError::Empty,
            HostError::ControlCharacter,
            HostError::Whitespace,
            HostError::LooksLikeUrl,
            HostError::LooksLikeEmail,
            HostError::TooLong { len: 300 },
            HostError::EmptyLabel,
            HostError::LabelTooLong { label: "x".into() },
            HostError::InvalidCharacter { character: '_' },
            HostError::HyphenAtEdge { label: "-x".into() },
            HostError::NoDot,
            HostError::NumericTopLevel,
            HostError::InvalidIdn,
        ];
        for error in errors {
            let de = error.message(Lang::De);
            let en = error.message(Lang::En);
            assert!(de.len() > 20 && en.len() > 20 && de != en, "{error:?}");
        }
    }

    #[test]
    fn serde_revalidates() {
        let ok: Hostname = serde_json::from_str("\"Mail.MXP.de\"").unwrap();
        assert_eq!(ok.as_str(), "mail.mxp.de");
        assert!(serde_json::from_str::<Hostname>("\"mail mxp.de\"").is_err());
    }
}
