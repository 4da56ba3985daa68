//! International domain names: Unicode names to their DNS form (`müller.de` →
//! `xn--mller-kva.de`) and back.
//!
//! The mapping from what people type to DNS labels is UTS #46 as the WHATWG URL Standard applies
//! it ("domain to ASCII"). Natively (feature `idna`, on by default) the `idna` crate does it. The
//! help page builds without that feature: UTS #46 needs about 100 KB of Unicode tables that every
//! browser already ships, so the page registers the browser's own implementation (its URL parser,
//! the same WHATWG algorithm) with [`set_mapper`]. Punycode itself (RFC 3492) is implemented here,
//! so showing names as typed needs no tables at all. The service re-checks every name with the
//! `idna` crate whatever the page decided.

#[cfg(not(feature = "idna"))]
use std::sync::OnceLock;

/// Maps a Unicode name to its ASCII form, or `None` when UTS #46 refuses it.
pub type Mapper = fn(&str) -> Option<String>;

#[cfg(not(feature = "idna"))]
static MAPPER: OnceLock<Mapper> = OnceLock::new();

/// Registers the UTS #46 implementation to use when this crate is built without `idna` (the
/// browser's). Later calls are ignored. Without one, non-ASCII names are refused.
pub fn set_mapper(mapper: Mapper) {
    #[cfg(not(feature = "idna"))]
    {
        let _ = MAPPER.set(mapper);
    }
    #[cfg(feature = "idna")]
    {
        let _ = mapper;
    }
}

/// UTS #46 "to ASCII" of a whole name (lowercase, punycode labels), or `None` if refused.
pub fn to_ascii(name: &str) -> Option<String> {
    #[cfg(feature = "idna")]
    {
        idna::domain_to_ascii_strict(name).ok()
    }
    #[cfg(not(feature = "idna"))]
    {
        let ascii = (MAPPER.get()?)(name)?;
        ascii.is_ascii().then(|| ascii.to_ascii_lowercase())
    }
}

/// The display form of an ASCII name: each `xn--` label decoded. `None` if a label is not valid
/// punycode, or decodes to something that does not map back to the same label.
pub fn to_unicode(ascii: &str) -> Option<String> {
    let mut labels = Vec::new();
    for label in ascii.split('.') {
        match label.strip_prefix("xn--") {
            Some(encoded) => {
                let decoded = punycode_decode(encoded)?;
                if decoded.is_ascii() || punycode_encode(&decoded)? != encoded {
                    return None;
                }
                labels.push(decoded);
            }
            None => labels.push(label.to_owned()),
        }
    }
    let unicode = labels.join(".");
    // The decoded name must be one UTS #46 maps back to exactly this name (`xn--zz` is not).
    (to_ascii(&unicode).as_deref() == Some(ascii)).then_some(unicode)
}

// RFC 3492 parameters for IDNA.
const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;
/// Labels are at most 63 bytes; anything longer is not a label.
const MAX_LABEL_CHARS: usize = 63;

fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
    delta /= if first { DAMP } else { 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn digit_value(byte: u8) -> Option<u32> {
    match byte {
        b'a'..=b'z' => Some(u32::from(byte - b'a')),
        b'A'..=b'Z' => Some(u32::from(byte - b'A')),
        b'0'..=b'9' => Some(u32::from(byte - b'0') + 26),
        _ => None,
    }
}

fn digit_char(digit: u32) -> Option<char> {
    match digit {
        0..=25 => char::from_u32(u32::from(b'a') + digit),
        26..=35 => char::from_u32(u32::from(b'0') + digit - 26),
        _ => None,
    }
}

fn threshold(k: u32, bias: u32) -> u32 {
    if k <= bias {
        T_MIN
    } else if k >= bias + T_MAX {
        T_MAX
    } else {
        k - bias
    }
}

/// RFC 3492 decoding of one label (without `xn--`); `None` on malformed input or overflow.
pub fn punycode_decode(input: &str) -> Option<String> {
    if !input.is_ascii() || input.len() > MAX_LABEL_CHARS {
        return None;
    }
    let (basic, encoded) = match input.rfind('-') {
        Some(position) => (&input[..position], &input[position + 1..]),
        None => ("", input),
    };
    let mut output: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut bytes = encoded.bytes().peekable();
    while bytes.peek().is_some() {
        let old_i = i;
        let mut weight = 1u32;
        let mut k = BASE;
        loop {
            let digit = digit_value(bytes.next()?)?;
            i = i.checked_add(digit.checked_mul(weight)?)?;
            let t = threshold(k, bias);
            if digit < t {
                break;
            }
            weight = weight.checked_mul(BASE - t)?;
            k += BASE;
        }
        let points = u32::try_from(output.len()).ok()? + 1;
        bias = adapt(i - old_i, points, old_i == 0);
        n = n.checked_add(i / points)?;
        i %= points;
        let position = usize::try_from(i).ok()?;
        output.insert(position, char::from_u32(n)?);
        i += 1;
        if output.len() > MAX_LABEL_CHARS {
            return None;
        }
    }
    Some(output.into_iter().collect())
}

/// RFC 3492 encoding of one label (the result without `xn--`); `None` on overflow.
pub fn punycode_encode(input: &str) -> Option<String> {
    let points: Vec<u32> = input.chars().map(u32::from).collect();
    let mut output: String = input.chars().filter(char::is_ascii).collect();
    let basic = u32::try_from(output.len()).ok()?;
    if basic > 0 {
        output.push('-');
    }
    let (mut n, mut delta, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut handled = basic;
    let total = u32::try_from(points.len()).ok()?;
    while handled < total {
        let m = points.iter().copied().filter(|p| *p >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for point in &points {
            if *point < n {
                delta = delta.checked_add(1)?;
            }
            if *point == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = threshold(k, bias);
                    if q < t {
                        break;
                    }
                    output.push(digit_char(t + (q - t) % (BASE - t))?);
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                output.push(digit_char(q)?);
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    Some(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3492 section 7.1 samples and everyday names.
    const SAMPLES: [(&str, &str); 7] = [
        ("müller", "mller-kva"),
        ("bücher", "bcher-kva"),
        ("straße", "strae-oqa"),
        ("ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"),
        ("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"),
        (
            "почемужеонинеговорятпорусски",
            "b1abfaaepdrnnbgefbadotcwatmq2g4l",
        ),
        ("3年b組金八先生", "3b-ww4c5e180e575a65lsy2b"),
    ];

    #[test]
    fn punycode_follows_rfc_3492() {
        for (unicode, encoded) in SAMPLES {
            assert_eq!(
                punycode_encode(unicode).as_deref(),
                Some(encoded),
                "{unicode}"
            );
            assert_eq!(
                punycode_decode(encoded).as_deref(),
                Some(unicode),
                "{encoded}"
            );
        }
    }

    #[test]
    fn malformed_punycode_is_refused_not_panicked_on() {
        for bad in [
            "zz",
            "99999999999999",
            "a-ü",
            "-",
            "abc-!",
            &"9".repeat(200),
        ] {
            let _ = punycode_decode(bad);
        }
        assert_eq!(punycode_decode("a-ü"), None);
        assert_eq!(punycode_decode(&"9".repeat(200)), None);
    }

    #[cfg(feature = "idna")]
    #[test]
    fn the_same_answers_as_the_idna_crate() {
        for (unicode, _) in SAMPLES {
            let ours = punycode_encode(unicode);
            let theirs = idna::punycode::encode_str(unicode);
            assert_eq!(ours, theirs, "{unicode}");
        }
        for name in [
            "xn--mller-kva.de",
            "mail.xn--bcher-kva.example",
            "xn--zz.de",
            "a.de",
        ] {
            let theirs = {
                let (unicode, result) = idna::domain_to_unicode(name);
                (result.is_ok() && idna::domain_to_ascii_strict(name).ok().as_deref() == Some(name))
                    .then_some(unicode)
            };
            assert_eq!(to_unicode(name), theirs, "{name}");
        }
    }
}
