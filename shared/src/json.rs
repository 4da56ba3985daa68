//! The page's JSON reader: the report, the stream's payloads and the profile, without serde.
//!
//! The service writes JSON with serde; the page reads it with this small reader because serde's
//! derived deserializers cost the page's WebAssembly some 24 KB (one visitor per type, each
//! monomorphised for `serde_json`). It is one non-generic parser into a [`Json`] tree and one
//! short [`Decode`] impl per type: enums get theirs from [`crate::wire::wire_enum!`], structs
//! from [`record!`], written beside each struct so a new field is a compile error there.
//!
//! What serde writes, this reads back equal: the tests in this file and the `json_decode` fuzz
//! target compare the two on every type. It reads the JSON the API sends, not all JSON: numbers
//! must be integers (the API has no fractions), and an object's first field of a name counts.
//! Input is capped at [`MAX_INPUT_BYTES`] and nesting at [`MAX_DEPTH`].

use std::collections::BTreeMap;

/// Most bytes of one JSON text (a report is at most 256 KiB, see `caps`).
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// Deepest nesting of arrays and objects: serde_json's own limit, so the two readers agree on
/// every text (a report nests six deep).
pub const MAX_DEPTH: usize = 128;

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Json {
    Null,
    Bool(bool),
    /// An integer: its sign and magnitude (`-0` is zero).
    Integer {
        negative: bool,
        magnitude: u64,
    },
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }
}

/// Why a text could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    /// More than [`MAX_INPUT_BYTES`].
    TooLarge,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Not JSON (or a fraction), at this byte offset.
    Syntax { offset: usize },
    /// JSON, but not the shape the type has (a missing field, an unknown name, a wrong type).
    Shape,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonError::TooLarge => write!(f, "more than {MAX_INPUT_BYTES} bytes"),
            JsonError::TooDeep => write!(f, "nested deeper than {MAX_DEPTH}"),
            JsonError::Syntax { offset } => write!(f, "not JSON at byte {offset}"),
            JsonError::Shape => f.write_str("not the expected shape"),
        }
    }
}

impl std::error::Error for JsonError {}

/// Reads `text` as a `T`.
pub fn from_str<T: Decode>(text: &str) -> Result<T, JsonError> {
    T::decode(parse(text)?).ok_or(JsonError::Shape)
}

/// Parses one whole JSON text (surrounding white space allowed, nothing else).
pub fn parse(text: &str) -> Result<Json, JsonError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(JsonError::TooLarge);
    }
    let mut parser = Parser {
        bytes: text.as_bytes(),
        at: 0,
    };
    let value = parser.value(0)?;
    parser.skip_space();
    if parser.at == parser.bytes.len() {
        Ok(value)
    } else {
        Err(parser.error())
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn error(&self) -> JsonError {
        JsonError::Syntax { offset: self.at }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Result<u8, JsonError> {
        let byte = self.peek().ok_or(self.error())?;
        self.at += 1;
        Ok(byte)
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// Skips white space, then takes `byte` if it comes next.
    fn take(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn literal(&mut self, word: &[u8], value: Json) -> Result<Json, JsonError> {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error())
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.skip_space();
        match self.peek().ok_or(self.error())? {
            b'n' => self.literal(b"null", Json::Null),
            b't' => self.literal(b"true", Json::Bool(true)),
            b'f' => self.literal(b"false", Json::Bool(false)),
            b'"' => self.string().map(Json::String),
            b'[' | b'{' if depth >= MAX_DEPTH => Err(JsonError::TooDeep),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.take(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.take(b']') {
                            break;
                        }
                        if !self.take(b',') {
                            return Err(self.error());
                        }
                    }
                }
                Ok(Json::Array(items))
            }
            b'{' => {
                self.at += 1;
                let mut fields = Vec::new();
                if !self.take(b'}') {
                    loop {
                        self.skip_space();
                        if self.peek() != Some(b'"') {
                            return Err(self.error());
                        }
                        let name = self.string()?;
                        if !self.take(b':') {
                            return Err(self.error());
                        }
                        fields.push((name, self.value(depth + 1)?));
                        if self.take(b'}') {
                            break;
                        }
                        if !self.take(b',') {
                            return Err(self.error());
                        }
                    }
                }
                Ok(Json::Object(fields))
            }
            _ => self.integer(),
        }
    }

    /// `-?(0|[1-9][0-9]*)`; a fraction or exponent is an error.
    fn integer(&mut self) -> Result<Json, JsonError> {
        let negative = self.peek() == Some(b'-');
        self.at += usize::from(negative);
        let start = self.at;
        let mut magnitude: u64 = 0;
        while let Some(digit @ b'0'..=b'9') = self.peek() {
            if self.at > start && self.bytes[start] == b'0' {
                return Err(self.error());
            }
            magnitude = magnitude
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(digit - b'0')))
                .ok_or(self.error())?;
            self.at += 1;
        }
        if self.at == start || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return Err(self.error());
        }
        Ok(Json::Integer {
            negative,
            magnitude,
        })
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = char::from(self.next()?).to_digit(16).ok_or(self.error())?;
            value = value * 16 + digit;
        }
        Ok(value)
    }

    /// A string, the opening quote next.
    fn string(&mut self) -> Result<String, JsonError> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(out).map_err(|_| self.error()),
                b'\\' => {
                    let escaped = match self.next()? {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        byte @ (b'/' | b'\\' | b'"') => char::from(byte),
                        b'u' => {
                            let mut code = self.hex4()?;
                            if (0xD800..0xDC00).contains(&code) {
                                // A high surrogate: its low half must follow.
                                if self.next()? != b'\\' || self.next()? != b'u' {
                                    return Err(self.error());
                                }
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.error());
                                }
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            }
                            char::from_u32(code).ok_or(self.error())?
                        }
                        _ => return Err(self.error()),
                    };
                    out.extend_from_slice(escaped.encode_utf8(&mut [0; 4]).as_bytes());
                }
                0..0x20 => return Err(self.error()),
                byte => out.push(byte),
            }
        }
    }
}

/// A type the page reads from the API's JSON.
pub trait Decode: Sized {
    /// `None` when `value` does not have this type's shape.
    fn decode(value: Json) -> Option<Self>;
}

/// Takes the field `name` out of an object's fields (`None` when it is not there).
fn take_field(fields: &mut Vec<(String, Json)>, name: &str) -> Option<Json> {
    let index = fields.iter().position(|(key, _)| key == name)?;
    Some(fields.swap_remove(index).1)
}

/// A field without a default, for [`record!`]. As with serde, a missing one reads as `null`:
/// an `Option` is `None`, anything else is an error.
pub fn required<T: Decode>(fields: &mut Vec<(String, Json)>, name: &str) -> Option<T> {
    T::decode(take_field(fields, name).unwrap_or(Json::Null))
}

/// A field serde fills with `default()` when it is missing, for [`record!`].
/// (A function pointer, not a closure: one copy of this per field type, not per field.)
pub fn defaulted<T: Decode>(
    fields: &mut Vec<(String, Json)>,
    name: &str,
    default: fn() -> T,
) -> Option<T> {
    match take_field(fields, name) {
        Some(value) => T::decode(value),
        None => Some(default()),
    }
}

/// Implements [`Decode`] for a struct from its fields' names, beside the struct:
///
/// ```text
/// json::record!(MxDane { required: status; defaulted: records, detail });
/// json::record!(Profile { required: provider, smtp; defaulted: languages = default_languages });
/// ```
///
/// `defaulted` are the fields with `#[serde(default)]` (or `default = "f"`, written `= f`).
/// Every field must be named: the struct literal makes a forgotten one a compile error.
macro_rules! record {
    ($name:ident {
        $(required: $($required:ident),+ ;)?
        $(defaulted: $($defaulted:ident $(= $default:path)?),+ $(;)?)?
    }) => {
        impl $crate::json::Decode for $name {
            fn decode(value: $crate::json::Json) -> Option<Self> {
                let $crate::json::Json::Object(mut fields) = value else {
                    return None;
                };
                let fields = &mut fields;
                Some($name {
                    $($($required: $crate::json::required(fields, stringify!($required))?,)+)?
                    $($($defaulted: $crate::json::defaulted(
                        fields,
                        stringify!($defaulted),
                        $crate::json::record!(@default $($default)?),
                    )?,)+)?
                })
            }
        }
    };
    (@default) => { Default::default };
    (@default $default:path) => { $default };
}
pub(crate) use record;

impl Decode for String {
    fn decode(value: Json) -> Option<Self> {
        match value {
            Json::String(text) => Some(text),
            _ => None,
        }
    }
}

impl Decode for bool {
    fn decode(value: Json) -> Option<Self> {
        match value {
            Json::Bool(flag) => Some(flag),
            _ => None,
        }
    }
}

macro_rules! unsigned {
    ($($type:ty),+) => {$(
        impl Decode for $type {
            fn decode(value: Json) -> Option<Self> {
                match value {
                    Json::Integer { negative: false, magnitude } => <$type>::try_from(magnitude).ok(),
                    Json::Integer { negative: true, magnitude: 0 } => Some(0),
                    _ => None,
                }
            }
        }
    )+};
}
unsigned!(u16, u32, u64, usize);

impl Decode for i64 {
    fn decode(value: Json) -> Option<Self> {
        match value {
            Json::Integer {
                negative: false,
                magnitude,
            } => i64::try_from(magnitude).ok(),
            Json::Integer {
                negative: true,
                magnitude,
            } => 0i64.checked_sub_unsigned(magnitude),
            _ => None,
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(value: Json) -> Option<Self> {
        match value {
            Json::Null => Some(None),
            value => T::decode(value).map(Some),
        }
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(value: Json) -> Option<Self> {
        let Json::Array(items) = value else {
            return None;
        };
        items.into_iter().map(T::decode).collect()
    }
}

/// A map's keys are strings on the wire; each is read as a `K` (an enum's wire name).
impl<K: Decode + Ord, V: Decode> Decode for BTreeMap<K, V> {
    fn decode(value: Json) -> Option<Self> {
        let Json::Object(fields) = value else {
            return None;
        };
        fields
            .into_iter()
            .map(|(key, value)| Some((K::decode(Json::String(key))?, V::decode(value)?)))
            .collect()
    }
}

/// Types serde reads `try_from = "String"`, read the same way.
macro_rules! from_string {
    ($($type:ty),+) => {$(
        impl Decode for $type {
            fn decode(value: Json) -> Option<Self> {
                <$type>::try_from(String::decode(value)?).ok()
            }
        }
    )+};
}
from_string!(
    crate::host::Hostname,
    crate::host::Host,
    crate::target::Target
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::*;
    use crate::domain::*;
    use crate::profile::*;
    use crate::simulation::*;
    use crate::stream::{StreamRestart, StreamStart};
    use crate::target::Target;
    use crate::wire::Wire;
    use crate::{Lang, Scheme};

    /// What serde writes (compact and pretty), this reads back equal.
    fn reads_what_serde_writes<T>(value: &T)
    where
        T: Decode + serde::Serialize + PartialEq + std::fmt::Debug,
    {
        for json in [
            serde_json::to_string(value).expect("JSON"),
            serde_json::to_string_pretty(value).expect("JSON"),
        ] {
            assert_eq!(from_str::<T>(&json).as_ref(), Ok(value), "{json}");
        }
    }

    fn every<T: Wire>() -> impl Iterator<Item = T> + Clone {
        T::VALUES.iter().copied()
    }

    fn full_endpoint() -> EndpointReport {
        EndpointReport {
            scheme: Scheme::Imaps,
            host: "mail.mxp.test".into(),
            port: 993,
            address: Some("2001:db8::1".into()),
            versions: every::<TlsVersion>()
                .zip(every::<Outcome>().cycle())
                .collect(),
            handshakes: every::<Reason>()
                .zip(every::<TlsVersion>().cycle())
                .map(|(reason, version)| HandshakeReport {
                    version,
                    outcome: Outcome::Inconclusive,
                    reason: Some(reason),
                    detail: Some(
                        "Ümlaut \"q\" \\ / \n\t\r \u{8}\u{c} \u{1F600} \u{7} \u{0}".into(),
                    ),
                    cipher_suite: Some("TLS_AES_128_GCM_SHA256".into()),
                    group: Some("X25519".into()),
                    duration_ms: u64::MAX,
                })
                .collect(),
            certificate: Some(CertificateReport {
                verdict: CertificateVerdict::NameMismatch,
                detail: Some("d".into()),
                chain_length: 3,
                subject: Some("CN=x".into()),
                sans: vec!["a".into(), "b".into()],
                sans_omitted: Some(4),
                issuer: Some("CN=ca".into()),
                not_after: Some("2027-01-01".into()),
                days_left: Some(-3),
                key_type: Some("RSA".into()),
                key_bits: Some(2048),
                signature_algorithm: Some("sha256WithRSAEncryption".into()),
            }),
            clients: every::<SimulatedClient>()
                .zip(every::<ClientReason>().cycle())
                .zip(every::<ClientResult>().cycle())
                .map(|((client, reason), result)| ClientReport {
                    client,
                    result,
                    version: Some(TlsVersion::Tls12),
                    cipher_suite: Some("c".into()),
                    group: Some("g".into()),
                    reason: Some(reason),
                    detail: Some("why".into()),
                })
                .collect(),
            findings: every::<FindingCode>()
                .zip(every::<Severity>().cycle())
                .map(|(code, severity)| Finding {
                    code,
                    severity,
                    detail: Some("f".into()),
                })
                .collect(),
            verdict: Verdict::NoModernTls,
            service_found: Some(ServiceFound {
                protocol: MailProtocol::Pop3,
                plain_text: true,
            }),
            error: Some(EndpointError {
                code: EndpointErrorCode::Preauth,
                message: "m".into(),
            }),
        }
    }

    fn full_domain() -> DomainReport {
        DomainReport {
            domain: "mxp.test".into(),
            mx_source: MxSource::ImplicitMx,
            mx_hosts: every::<MxProblemCode>()
                .zip(every::<MxStatus>().cycle())
                .zip(every::<DaneStatus>().cycle())
                .map(|((code, status), dane)| MxHostReport {
                    host: "mx.mxp.test".into(),
                    preference: 10,
                    addresses: vec!["192.0.2.1".into()],
                    status,
                    problems: vec![MxProblem {
                        code,
                        severity: Severity::Critical,
                        detail: Some("p".into()),
                    }],
                    best_version: Some(TlsVersion::Tls13),
                    mta_sts_match: Some(true),
                    error: Some(EndpointError {
                        code: EndpointErrorCode::Timeout,
                        message: "e".into(),
                    }),
                    dane: Some(MxDane {
                        status: dane,
                        records: vec!["3 1 1 ab".into()],
                        detail: Some("x".into()),
                    }),
                })
                .collect(),
            mx_skipped: 2,
            mta_sts: MtaStsReport {
                status: MtaStsStatus::Valid,
                record: Some("v=STSv1; id=1".into()),
                id: Some("1".into()),
                policy_url: Some("https://mta-sts.mxp.test/.well-known/mta-sts.txt".into()),
                policy: Some(MtaStsPolicy {
                    mode: MtaStsMode::Testing,
                    mx: vec!["*.mxp.test".into()],
                    max_age: 86400,
                }),
                error: Some("e".into()),
            },
            tls_rpt: TlsRptReport {
                status: TlsRptStatus::Valid,
                record: Some("v=TLSRPTv1; rua=mailto:r@mxp.test".into()),
                rua: vec!["mailto:r@mxp.test".into()],
                error: Some("e".into()),
            },
            dane: Some(DaneStatus::Partial),
            verdict: DomainVerdict::SomeMxFailing,
            detail: Some("d".into()),
        }
    }

    #[test]
    fn a_full_report_reads_back_equal() {
        let report = CheckReport {
            tool_version: "1".into(),
            checked_at: "2026-12-05T06:00:00Z".into(),
            duration_ms: 5,
            targets: vec![
                Target::parse("imaps://mail.mxp.test").expect("target"),
                Target::parse("mxp.test").expect("target"),
            ],
            endpoints: vec![full_endpoint()],
            verdict: CheckVerdict::Warning,
            domains: vec![full_domain()],
            truncated: true,
            cached: true,
            age_seconds: Some(7),
        };
        reads_what_serde_writes(&report);
        reads_what_serde_writes(&full_endpoint());
    }

    #[test]
    fn a_report_with_every_optional_part_missing_reads_back_equal() {
        let endpoint = EndpointReport {
            address: None,
            versions: BTreeMap::new(),
            handshakes: Vec::new(),
            certificate: None,
            clients: Vec::new(),
            findings: Vec::new(),
            service_found: None,
            error: None,
            ..full_endpoint()
        };
        let domain = DomainReport {
            mx_hosts: Vec::new(),
            mx_skipped: 0,
            mta_sts: MtaStsReport::default(),
            tls_rpt: TlsRptReport::default(),
            dane: None,
            detail: None,
            ..full_domain()
        };
        let report = CheckReport {
            tool_version: "1".into(),
            checked_at: "now".into(),
            duration_ms: 0,
            targets: Vec::new(),
            endpoints: vec![endpoint],
            verdict: CheckVerdict::Ready,
            domains: vec![domain],
            truncated: false,
            cached: false,
            age_seconds: None,
        };
        reads_what_serde_writes(&report);
    }

    #[test]
    fn every_enum_value_reads_back_by_its_wire_name() {
        fn each<T: Wire + Decode + serde::Serialize + PartialEq + std::fmt::Debug>() {
            for value in every::<T>() {
                reads_what_serde_writes(&value);
            }
        }
        each::<TlsVersion>();
        each::<Outcome>();
        each::<Reason>();
        each::<CertificateVerdict>();
        each::<Severity>();
        each::<FindingCode>();
        each::<Verdict>();
        each::<EndpointErrorCode>();
        each::<MailProtocol>();
        each::<CheckVerdict>();
        each::<ErrorCode>();
        each::<MxSource>();
        each::<MxStatus>();
        each::<MxProblemCode>();
        each::<DaneStatus>();
        each::<MtaStsStatus>();
        each::<MtaStsMode>();
        each::<TlsRptStatus>();
        each::<DomainVerdict>();
        each::<SimulatedClient>();
        each::<ClientResult>();
        each::<ClientReason>();
        each::<ProfileSecurity>();
        each::<Scheme>();
        each::<Lang>();
    }

    #[test]
    fn error_bodies_and_stream_payloads_read_back_equal() {
        for code in every::<ErrorCode>() {
            reads_what_serde_writes(&ErrorBody {
                error: ErrorDetail {
                    code,
                    message: "no".into(),
                    port: Some(25),
                },
            });
        }
        reads_what_serde_writes(&ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::Busy,
                message: "busy".into(),
                port: None,
            },
        });
        reads_what_serde_writes(&StreamStart {
            total: 3,
            cached: true,
        });
        reads_what_serde_writes(&StreamRestart {
            retry_after_ms: 2000,
        });
    }

    #[test]
    fn profiles_read_back_equal_with_serde_defaults() {
        let minimal =
            r#"{"provider":"P","smtp":{"host":"mail.p.test","port":587,"security":"starttls"}}"#;
        let by_serde: Profile = serde_json::from_str(minimal).expect("serde");
        assert_eq!(from_str::<Profile>(minimal), Ok(by_serde.clone()));
        assert_eq!(by_serde.languages, vec![Lang::De, Lang::En]);
        reads_what_serde_writes(&by_serde);
        let full = r##"{"provider":"P","aliases":["login.p.test"],"retired":["*.p.test"],
            "languages":["en"],"imap":{"host":"mail.p.test","port":993,"security":"tls"},
            "pop3":{"host":"mail.p.test","port":995,"security":"tls"},
            "smtp":{"host":"mail.p.test","port":465,"security":"tls"},
            "support":{"phone":"+49 1","email":"s@p.test","url":"https://p.test/",
            "hours_de":"Mo","hours_en":"Mon"},
            "links":[{"title_de":"A","title_en":"B","url":"https://p.test/a"}],
            "theme":{"accent":"#0050a0","logo":"/provider/logo.svg","compact":true}}"##;
        let by_serde: Profile = serde_json::from_str(full).expect("serde");
        assert_eq!(from_str::<Profile>(full), Ok(by_serde.clone()));
        reads_what_serde_writes(&by_serde);
    }

    #[test]
    fn strings_unescape_as_json_says() {
        let cases = [
            (r#""plain""#, Some("plain")),
            (r#""\u00fc\u00DC""#, Some("üÜ")),
            (r#""\ud83d\ude00""#, Some("😀")),
            (r#""a\/b""#, Some("a/b")),
            (r#""\ud83d""#, None),
            (r#""\ud83dx""#, None),
            (r#""\ud83d\u0041""#, None),
            (r#""\ude00""#, None),
            (r#""\x""#, None),
            (r#""\u12""#, None),
            ("\"tab\tinside\"", None),
            (r#""open"#, None),
        ];
        for (json, expected) in cases {
            assert_eq!(
                parse(json).ok().as_ref().and_then(Json::as_str),
                expected,
                "{json}"
            );
        }
    }

    #[test]
    fn numbers_are_integers_in_range() {
        assert_eq!(from_str::<u64>("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(from_str::<i64>("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(from_str::<u16>("-0"), Ok(0));
        for bad in [
            "18446744073709551616",
            "1.5",
            "1e3",
            "01",
            "-",
            "+1",
            "0x10",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(from_str::<u16>("65536"), Err(JsonError::Shape));
        assert_eq!(from_str::<u64>("-1"), Err(JsonError::Shape));
        assert_eq!(
            from_str::<i64>("9223372036854775808"),
            Err(JsonError::Shape)
        );
    }

    #[test]
    fn malformed_texts_are_syntax_errors_with_their_offset() {
        assert_eq!(parse("{\"a\":1} x"), Err(JsonError::Syntax { offset: 8 }));
        assert_eq!(parse("[1,]"), Err(JsonError::Syntax { offset: 3 }));
        assert_eq!(parse("{\"a\" 1}"), Err(JsonError::Syntax { offset: 5 }));
        assert_eq!(parse("{a:1}"), Err(JsonError::Syntax { offset: 1 }));
        assert_eq!(parse("nul"), Err(JsonError::Syntax { offset: 0 }));
        assert_eq!(parse(""), Err(JsonError::Syntax { offset: 0 }));
        assert_eq!(
            parse(" [ 1 , { } ] "),
            Ok(Json::Array(vec![
                Json::Integer {
                    negative: false,
                    magnitude: 1
                },
                Json::Object(Vec::new()),
            ]))
        );
    }

    #[test]
    fn nesting_and_size_are_capped() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&deep(MAX_DEPTH)).is_ok());
        assert_eq!(parse(&deep(MAX_DEPTH + 1)), Err(JsonError::TooDeep));
        assert_eq!(parse(&deep(100_000)), Err(JsonError::TooDeep));
        let big = format!("\"{}\"", "x".repeat(MAX_INPUT_BYTES));
        assert_eq!(parse(&big), Err(JsonError::TooLarge));
    }

    #[test]
    fn wrong_shapes_are_shape_errors() {
        let cases = [
            r#"{"error":{"code":"nope","message":"x"}}"#,
            r#"{"error":{"code":"busy"}}"#,
            r#"{"error":{"code":"busy","message":7}}"#,
            r#"{"error":[]}"#,
            r#"[]"#,
        ];
        for json in cases {
            assert_eq!(from_str::<ErrorBody>(json), Err(JsonError::Shape), "{json}");
            assert!(serde_json::from_str::<ErrorBody>(json).is_err(), "{json}");
        }
        // Unknown fields are ignored, as serde does for these types.
        assert_eq!(
            from_str::<StreamStart>(r#"{"total":1,"cached":false,"later":[1,{"x":null}]}"#),
            Ok(StreamStart {
                total: 1,
                cached: false
            })
        );
        // A map key must be a wire name.
        assert_eq!(
            from_str::<BTreeMap<TlsVersion, Outcome>>(r#"{"TLSv1.9":"accepted"}"#),
            Err(JsonError::Shape)
        );
    }
}
