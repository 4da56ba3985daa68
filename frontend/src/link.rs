//! Check links: every check is a URL (`/check?target=…&lang=…`) that support staff can send and
//! that opens the page pre-filled and runs the check at once. Pure string work, so it is
//! unit-tested natively; `app` reads and writes the browser's address with it.

use mailtls_shared::Lang;

/// The path every check link starts with.
pub const CHECK_PATH: &str = "/check";

/// What a check link carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Link {
    /// The server as the customer would type it (the first `target` parameter).
    pub target: Option<String>,
    pub lang: Option<Lang>,
}

impl Link {
    /// Reads a query string (`?target=mail.example.de&lang=en`, with or without the `?`).
    /// Unknown parameters are ignored; the first `target` wins.
    pub fn parse(search: &str) -> Link {
        let mut link = Link::default();
        for pair in search.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match decode(key).as_str() {
                "target" if link.target.is_none() => {
                    let value = decode(value);
                    if !value.trim().is_empty() {
                        link.target = Some(value);
                    }
                }
                "lang" => link.lang = Lang::from_tag(&decode(value)).or(link.lang),
                _ => {}
            }
        }
        link
    }

    /// The path and query of this check: `/check?target=…&lang=…`.
    pub fn path(&self) -> String {
        let mut query = Vec::new();
        if let Some(target) = &self.target {
            query.push(format!("target={}", encode(target.trim())));
        }
        if let Some(lang) = self.lang {
            query.push(format!("lang={}", lang.tag()));
        }
        if query.is_empty() {
            CHECK_PATH.to_owned()
        } else {
            format!("{CHECK_PATH}?{}", query.join("&"))
        }
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(value: &str) -> String {
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
fn decode(value: &str) -> String {
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
    fn links_carry_the_target_and_the_language() {
        let cases = [
            (
                "?target=mail.example.de&lang=en",
                Some("mail.example.de"),
                Some(Lang::En),
            ),
            (
                "target=imaps%3A%2F%2Fmail.example.de%3A993",
                Some("imaps://mail.example.de:993"),
                None,
            ),
            ("?lang=de", None, Some(Lang::De)),
            ("?target=&lang=xx", None, None),
            ("?target=m%C3%BCller.de", Some("müller.de"), None),
            ("?target=a+b.de", Some("a b.de"), None),
            ("?target=x.de%0D%0AQUIT", Some("x.de\r\nQUIT"), None),
            ("?target=%zz.de&target=second.de", Some("%zz.de"), None),
            ("?utm_source=mail&target=x.de", Some("x.de"), None),
            ("", None, None),
        ];
        for (search, target, lang) in cases {
            let link = Link::parse(search);
            assert_eq!(link.target.as_deref(), target, "{search}");
            assert_eq!(link.lang, lang, "{search}");
        }
    }

    #[test]
    fn a_built_link_reads_back_the_same() {
        for target in [
            "mail.example.de",
            "imaps://mail.example.de:993",
            "müller.de",
            "a&b=c.de",
            "x.de\r\nQUIT",
        ] {
            for lang in [None, Some(Lang::De), Some(Lang::En)] {
                let link = Link {
                    target: Some(target.to_owned()),
                    lang,
                };
                let path = link.path();
                assert!(path.starts_with("/check?target="), "{path}");
                let query = path.split_once('?').map(|(_, q)| q).unwrap_or_default();
                assert!(!query.contains(['\r', '\n', ' ', '/', ':']), "{path}");
                assert_eq!(
                    query.matches('&').count(),
                    usize::from(lang.is_some()),
                    "{path}"
                );
                assert_eq!(Link::parse(query), link, "{path}");
            }
        }
        assert_eq!(Link::default().path(), "/check");
        assert_eq!(
            Link {
                target: Some("imaps://mail.example.de:993".into()),
                lang: Some(Lang::En)
            }
            .path(),
            "/check?target=imaps%3A%2F%2Fmail.example.de%3A993&lang=en"
        );
    }
}
