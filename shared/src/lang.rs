//! The languages MailTLS speaks to people: German (the default) and English.

crate::wire::wire_enum! {
    /// A language every user-facing text exists in.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Lang {
        /// German, the default: most customers of the providers we serve read German first.
        #[default]
        De = "de",
        /// English.
        En = "en",
    }
}

impl Lang {
    /// All languages, in the order the language switch shows them.
    pub const ALL: [Lang; 2] = [Lang::De, Lang::En];

    /// The BCP 47 tag (`de`, `en`), as used in `?lang=` and `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    /// Parses a language tag such as `de`, `de-AT` or `EN_us`; `None` for anything else.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("de") {
            Some(Lang::De)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// Picks the language from an HTTP `Accept-Language` header (or `navigator.languages` joined
    /// with commas): the supported language with the highest quality wins, German when none fits.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(Lang, u16)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else {
                continue;
            };
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| quality_thousandths(q.trim()))
                .unwrap_or(1000);
            if quality > 0 && best.is_none_or(|(_, q)| quality > q) {
                best = Some((lang, quality));
            }
        }
        best.map(|(lang, _)| lang).unwrap_or_default()
    }
}

/// An HTTP quality value (`1`, `0.8`, `0.125`, RFC 9110 12.4.2) in thousandths; parsed by hand
/// so the page needs no floating-point parser.
fn quality_thousandths(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let digits = fraction.bytes().chain(std::iter::repeat(b'0')).take(3);
    let fraction = digits.fold(0u16, |sum, digit| sum * 10 + u16::from(digit - b'0'));
    let quality = whole * 1000 + fraction;
    (quality <= 1000).then_some(quality)
}

#[cfg(test)]
mod tests {
    use super::{Lang, quality_thousandths};

    #[test]
    fn quality_values() {
        let cases = [
            ("1", Some(1000)),
            ("1.0", Some(1000)),
            ("0.8", Some(800)),
            ("0.125", Some(125)),
            ("0", Some(0)),
            ("0.", Some(0)),
            ("1.5", None),
            ("2", None),
            ("0.1234", None),
            ("-0.5", None),
            ("x", None),
        ];
        for (value, expected) in cases {
            assert_eq!(quality_thousandths(value), expected, "{value}");
        }
    }

    #[test]
    fn accept_language_picks_highest_supported_quality() {
        let cases = [
            ("", Lang::De),
            ("en", Lang::En),
            ("en-US,en;q=0.9", Lang::En),
            ("fr-FR,fr;q=0.9,en;q=0.8,de;q=0.7", Lang::En),
            ("fr-FR,fr;q=0.9,de;q=0.8,en;q=0.7", Lang::De),
            ("de-AT", Lang::De),
            ("en;q=0, fr", Lang::De),
            ("*", Lang::De),
            ("EN_gb", Lang::En),
        ];
        for (header, expected) in cases {
            assert_eq!(Lang::from_accept_language(header), expected, "{header:?}");
        }
    }

    #[test]
    fn tags_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
        assert_eq!(Lang::from_tag("fr"), None);
    }
}
