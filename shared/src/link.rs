//! The check-link contract: the path, the parameter names and the values a check link carries,
//! and how it is written and read. The page writes and reads links with it (`frontend::link`
//! turns them into its form state); the service writes them too, for the personalised links of
//! `probe-api audit`. Links sent today must open the same check after an update, so names and
//! values here only ever gain members.
//!
//! A link is `/check?lang=de#email=…&in_proto=imap&…`: the language in the query, the check in
//! the fragment (browsers never send the fragment, so what the customer typed stays out of every
//! access log). Values are percent-encoded except RFC 3986's unreserved characters.

use crate::lang::Lang;

/// The path every check link starts with.
pub const CHECK_PATH: &str = "/check";

/// The parameter names.
pub mod param {
    /// One server as the customer would type it (`mail.example.de`, `imaps://…:993`).
    pub const TARGET: &str = "target";
    pub const LANG: &str = "lang";
    /// Which form to show: [`super::value::MODE_SETTINGS`] or [`super::value::MODE_SERVER`].
    pub const MODE: &str = "mode";
    pub const OS: &str = "os";
    pub const PROGRAM: &str = "program";
    pub const EMAIL: &str = "email";
    /// The incoming protocol: [`super::value::IMAP`] or [`super::value::POP3`].
    pub const IN_PROTO: &str = "in_proto";
    pub const IN_HOST: &str = "in_host";
    pub const IN_PORT: &str = "in_port";
    /// The incoming encryption: one of the `value::SEC_*`.
    pub const IN_SEC: &str = "in_sec";
    pub const OUT_HOST: &str = "out_host";
    pub const OUT_PORT: &str = "out_port";
    pub const OUT_SEC: &str = "out_sec";
    /// `prefill=1`: fill the form from the link and wait for the customer to start the check
    /// (the page's language switch writes it for a form not yet checked); any other link runs
    /// its check at once.
    pub const PREFILL: &str = "prefill";
}

/// The values of the enumerated parameters.
pub mod value {
    pub const IMAP: &str = "imap";
    pub const POP3: &str = "pop3";
    /// SSL/TLS from the first byte.
    pub const SEC_TLS: &str = "tls";
    pub const SEC_STARTTLS: &str = "starttls";
    pub const SEC_NONE: &str = "none";
    /// "Automatically / I don't know": the page checks both.
    pub const SEC_AUTO: &str = "auto";
    pub const MODE_SETTINGS: &str = "settings";
    pub const MODE_SERVER: &str = "server";
}

/// A check link's path: `/check`, `?lang=…` when a language is given, and the `pairs` (name,
/// value) as the fragment, in the order given, empty values left out.
pub fn path(lang: Option<Lang>, pairs: &[(&str, &str)]) -> String {
    let mut path = CHECK_PATH.to_owned();
    if let Some(lang) = lang {
        path.push('?');
        path.push_str(param::LANG);
        path.push('=');
        path.push_str(lang.tag());
    }
    let fragment: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", encode(value.trim())))
        .collect();
    if !fragment.is_empty() {
        path.push('#');
        path.push_str(&fragment.join("&"));
    }
    path
}

/// The name–value pairs of a query string or fragment (with or without its leading `?` or
/// `#`), decoded, in order; a pair without `=` has an empty value.
pub fn pairs(search: &str) -> impl Iterator<Item = (String, String)> + '_ {
    search
        .trim_start_matches(['?', '#'])
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (a space in query strings); invalid escapes stay as they are,
/// invalid UTF-8 becomes U+FFFD. What comes out is validated like typed input.
pub fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(index + 1..index + 3)
                    .and_then(|pair| std::str::from_utf8(pair).ok())
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        index += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settings_link_puts_the_language_in_the_query_and_the_check_in_the_fragment() {
        assert_eq!(
            path(
                Some(Lang::De),
                &[
                    (param::EMAIL, "kunde@mxp.de"),
                    (param::IN_PROTO, value::IMAP),
                    (param::IN_HOST, "mail.mxp.de"),
                    (param::IN_PORT, "143"),
                    (param::IN_SEC, value::SEC_NONE),
                    (param::OUT_HOST, ""),
                ],
            ),
            "/check?lang=de#email=kunde%40mxp.de&in_proto=imap&in_host=mail.mxp.de&in_port=143&in_sec=none"
        );
        assert_eq!(path(None, &[]), "/check");
        assert_eq!(path(Some(Lang::En), &[("target", "  ")]), "/check?lang=en");
    }

    #[test]
    fn written_values_read_back_the_same() {
        let awkward = "a b&c=d#e%f+g/ü\r\n";
        let written = path(None, &[(param::EMAIL, awkward), (param::TARGET, "x.de")]);
        let fragment = written.split_once('#').map(|(_, f)| f).unwrap_or_default();
        let read: Vec<(String, String)> = pairs(fragment).collect();
        assert_eq!(
            read,
            vec![
                ("email".to_owned(), awkward.trim().to_owned()),
                ("target".to_owned(), "x.de".to_owned()),
            ]
        );
    }

    #[test]
    fn invalid_escapes_stay_and_plus_is_a_space() {
        assert_eq!(decode("%zz.de"), "%zz.de");
        assert_eq!(decode("a+b%2"), "a b%2");
        assert_eq!(decode("m%C3%BCller"), "müller");
        assert_eq!(decode("%FF"), "\u{FFFD}");
        let read: Vec<(String, String)> = pairs("?lang&&x=1").collect();
        assert_eq!(
            read,
            vec![
                ("lang".to_owned(), String::new()),
                ("x".to_owned(), "1".to_owned())
            ]
        );
    }
}
