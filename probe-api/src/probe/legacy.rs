//! Hand-built ClientHellos for SSL 3.0, TLS 1.0, TLS 1.1 and legacy TLS 1.2, and the reading of
//! the server's answer.
//!
//! rustls offers no version before TLS 1.2 and no CBC, RSA-key-exchange or 3DES suite, so this
//! module speaks just enough TLS to learn whether a server *would* negotiate them: it sends one
//! ClientHello (layout: `docs/tls-probing-and-ssrf.md` §2.4), reads the server's first flight up to
//! the Certificate message (sent in clear before TLS 1.3), and classifies the answer (§2.5). It
//! never finishes a handshake and never carries data, so it needs no cryptography. So that every
//! [`TlsVersion`] has a hello, TLS 1.3 gets the raw probe of §2.4 as well; the engine still
//! uses rustls for it.
//!
//! Records and handshake messages are parsed with rusticata's `tls-parser`; this module only
//! reassembles handshake messages that span records and caps what it reads. [`parse_server_flight`]
//! is pure and fuzzed (`fuzz/fuzz_targets/legacy_server_flight.rs`). The stream handed to
//! [`handshake`] is already open, past any STARTTLS dialog.

use std::io;
use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};
use rustls::pki_types::{CertificateDer, ServerName};
use thiserror::Error;
use tls_parser::{
    MAX_RECORD_LEN, TlsCipherSuite, TlsExtension, TlsHandshakeType, TlsMessage,
    TlsMessageHandshake, TlsRecordType, parse_tls_extension_unknown,
    parse_tls_handshake_msg_certificate, parse_tls_handshake_server_hello, parse_tls_message_alert,
    parse_tls_raw_record, parse_tls_record_header,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, timeout_at};

use mailtls_shared::{Outcome, Reason, TlsVersion};

use super::tls::Handshake;

/// The most this probe reads from one server: a first flight with a long chain fits, a tarpit
/// that streams forever does not.
const READ_CAP: usize = 64 * 1024;

/// Hellos whose handshake message is this long hang some F5 load balancers (RFC 7685).
const F5_WINDOW: std::ops::Range<usize> = 256..512;

/// How much of a non-TLS answer goes into the detail, escaped.
const EXCERPT_CHARS: usize = 60;

/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746): secure renegotiation without an extension, so
/// SSL 3.0 hellos can signal it too.
const SCSV: u16 = 0x00ff;

/// Offered at every version: ECDHE, DHE and RSA key exchange with AES-CBC, 3DES and RC4, the
/// list verified against OpenSSL, Postfix and Dovecot (§2.4).
const LEGACY_SUITES: &[u16] = &[
    0xc014, 0xc00a, 0xc013, 0xc009, 0x0039, 0x0033, 0x0035, 0x002f, 0x000a, 0xc012, 0x0016, 0x0005,
    0x0004,
];

/// Put before the legacy list from TLS 1.2 on: AEAD first, then CBC with SHA-2, then RSA key
/// exchange with GCM and CBC-SHA256, which rustls does not offer either.
const TLS12_SUITES: &[u16] = &[
    0xc02c, 0xc030, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0x009f, 0x009e, 0xc024, 0xc028, 0xc023, 0xc027,
    0x009d, 0x009c, 0x003d, 0x003c,
];

const TLS13_SUITES: &[u16] = &[0x1301, 0x1302, 0x1303];

/// x25519, secp256r1, secp384r1.
const GROUPS: &[u16] = &[0x001d, 0x0017, 0x0018];
const X25519: u16 = 0x001d;

/// ECDSA and RSA-PSS/PKCS#1 with SHA-2, plus the SHA-1 schemes old servers still sign with.
const SIGNATURE_SCHEMES: &[u16] = &[
    0x0403, 0x0503, 0x0804, 0x0805, 0x0401, 0x0501, 0x0201, 0x0203,
];

const EXT_SERVER_NAME: u16 = 0x0000;
const EXT_SUPPORTED_GROUPS: u16 = 0x000a;
const EXT_EC_POINT_FORMATS: u16 = 0x000b;
const EXT_SIGNATURE_ALGORITHMS: u16 = 0x000d;
const EXT_PADDING: u16 = 0x0015;
const EXT_SUPPORTED_VERSIONS: u16 = 0x002b;
const EXT_PSK_KEY_EXCHANGE_MODES: u16 = 0x002d;
const EXT_KEY_SHARE: u16 = 0x0033;

const HANDSHAKE_CLIENT_HELLO: u8 = 1;
const ALERT_WARNING: u8 = 1;
const ALERT_CLOSE_NOTIFY: u8 = 0;

/// A ServerHello with this random is a TLS 1.3 HelloRetryRequest (RFC 8446 §4.1.3).
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// What a server's first flight says about the ClientHello it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flight {
    /// Too few bytes to tell yet.
    NeedMore,
    /// The server picked a version and a suite; the flight may go on (see [`ServerHello::done`]).
    ServerHello(ServerHello),
    /// The server refused with an alert before any ServerHello.
    Alert(Alert),
    /// The first bytes are not a TLS record: typically a plain-text reply such as `421 …` or
    /// `* BYE` from a server that is not in TLS mode.
    NotTls {
        /// The first bytes, ASCII-escaped, at most 60 characters.
        start: String,
    },
    /// TLS records that break the protocol before a usable ServerHello.
    Malformed(Malformed),
}

/// The server's choice, and the certificate chain when it came in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// The negotiated version: the `supported_versions` extension if present, else
    /// `server_version` (`0x0301` is TLS 1.0).
    pub version: u16,
    pub cipher_suite: u16,
    /// A TLS 1.3 HelloRetryRequest: the server wants another key share, but does speak TLS 1.3.
    pub hello_retry_request: bool,
    /// DER certificates from the Certificate message, leaf first; empty until it arrives.
    pub certificates: Vec<Vec<u8>>,
    /// TLS 1.3: the group of the server's key share, or the group a HelloRetryRequest asks for.
    pub key_share_group: Option<u16>,
    /// Before TLS 1.3: the ServerKeyExchange body (ECDHE curve or DHE prime), when the flight was
    /// read that far ([`FlightReader::through_key_exchange`]).
    pub key_exchange: Option<Vec<u8>>,
    /// Nothing more worth reading has to come: the Certificate message or ServerHelloDone was
    /// read, the rest of the handshake is encrypted (TLS 1.3), or the server sent something after
    /// the hello that ends it.
    pub done: bool,
}

/// A TLS alert (RFC 5246 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    /// 1 warning, 2 fatal.
    pub level: u8,
    pub description: u8,
}

impl Alert {
    /// `protocol_version`, `internal_error`, …: the IANA registry's names, as RFC 8446 writes
    /// them; unassigned codes by number.
    pub fn name(&self) -> String {
        let name = match self.description {
            0 => "close_notify",
            10 => "unexpected_message",
            20 => "bad_record_mac",
            21 => "decryption_failed",
            22 => "record_overflow",
            30 => "decompression_failure",
            40 => "handshake_failure",
            41 => "no_certificate",
            42 => "bad_certificate",
            43 => "unsupported_certificate",
            44 => "certificate_revoked",
            45 => "certificate_expired",
            46 => "certificate_unknown",
            47 => "illegal_parameter",
            48 => "unknown_ca",
            49 => "access_denied",
            50 => "decode_error",
            51 => "decrypt_error",
            60 => "export_restriction",
            70 => "protocol_version",
            71 => "insufficient_security",
            80 => "internal_error",
            86 => "inappropriate_fallback",
            90 => "user_canceled",
            100 => "no_renegotiation",
            109 => "missing_extension",
            110 => "unsupported_extension",
            111 => "certificate_unobtainable",
            112 => "unrecognized_name",
            113 => "bad_certificate_status_response",
            114 => "bad_certificate_hash_value",
            115 => "unknown_psk_identity",
            116 => "certificate_required",
            120 => "no_application_protocol",
            121 => "ech_required",
            unassigned => return format!("{unassigned} (unassigned)"),
        };
        name.to_owned()
    }
}

/// How a server's TLS broke the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Malformed {
    #[error("a record of {len} bytes, more than TLS allows")]
    RecordTooLarge { len: u16 },
    #[error("a record with content type {content_type} and version 0x{version:04X}")]
    RecordHeader { content_type: u8, version: u16 },
    #[error("a record of content type {content_type} before the ServerHello")]
    UnexpectedRecord { content_type: u8 },
    #[error("an alert record that does not hold an alert")]
    AlertRecord,
    #[error("a handshake message of {len} bytes, more than the probe reads")]
    MessageTooLarge { len: usize },
    #[error("handshake message type {handshake_type} where the ServerHello belongs")]
    UnexpectedMessage { handshake_type: u8 },
    #[error("a ServerHello with version 0x{version:04X}")]
    ServerHelloVersion { version: u16 },
    #[error("a ServerHello that cannot be parsed")]
    ServerHello,
    #[error("a ServerHello whose extensions cannot be parsed")]
    ServerHelloExtensions,
}

/// The version a ServerHello names when the server accepts `version`.
pub(crate) const fn wire_version(version: TlsVersion) -> u16 {
    match version {
        TlsVersion::Ssl3 => 0x0300,
        TlsVersion::Tls10 => 0x0301,
        TlsVersion::Tls11 => 0x0302,
        TlsVersion::Tls12 => 0x0303,
        TlsVersion::Tls13 => 0x0304,
    }
}

/// `TLS 1.0` for `0x0301`; versions nobody named yet in hex.
fn version_name(wire: u16) -> String {
    TlsVersion::ALL
        .into_iter()
        .find(|version| wire_version(*version) == wire)
        .map(|version| version.display_name().to_owned())
        .unwrap_or_else(|| format!("version 0x{wire:04X}"))
}

/// The suites offered for `version`, most preferred first, without the SCSV.
fn offered_suites(version: TlsVersion) -> impl Iterator<Item = u16> {
    let (tls13, tls12): (&[u16], &[u16]) = match version {
        TlsVersion::Ssl3 | TlsVersion::Tls10 | TlsVersion::Tls11 => (&[], &[]),
        TlsVersion::Tls12 => (&[], TLS12_SUITES),
        TlsVersion::Tls13 => (TLS13_SUITES, TLS12_SUITES),
    };
    tls13.iter().chain(tls12).chain(LEGACY_SUITES).copied()
}

/// The IANA name tls-parser knows, else `0xC0FF`.
pub(crate) fn suite_name(suite: u16) -> String {
    TlsCipherSuite::from_id(suite)
        .map(|known| known.name.to_owned())
        .unwrap_or_else(|| format!("0x{suite:04X}"))
}

/// Builds the ClientHello record for `version`: `client_version` is the probed version, so a
/// ServerHello with a lower one means "not this version". TLS 1.3 gets the raw probe of §2.4
/// (`supported_versions` {1.3}, an x25519 key share made of `random`). SNI goes out only when
/// `server_name` is a DNS name (RFC 6066 §3 forbids IP literals), and never with SSL 3.0, whose
/// hello carries no extensions. `random` is injected so tests see fixed bytes.
pub fn client_hello(version: TlsVersion, server_name: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    let mut extensions = Vec::new();
    if version != TlsVersion::Ssl3 {
        if let Some(name) = server_name.and_then(sni_name) {
            let mut entry = vec![0]; // host_name
            put_u16_prefixed(&mut entry, name.as_bytes());
            let mut list = Vec::new();
            put_u16_prefixed(&mut list, &entry);
            put_extension(&mut extensions, EXT_SERVER_NAME, &list);
        }
        // With ECDHE suites offered, servers that only have ECDHE need these to pick one.
        put_extension(&mut extensions, EXT_SUPPORTED_GROUPS, &u16_list(GROUPS));
        put_extension(&mut extensions, EXT_EC_POINT_FORMATS, &[1, 0]);
        // RFC 5246 §7.4.1.4.1: not to be offered with versions before TLS 1.2.
        if matches!(version, TlsVersion::Tls12 | TlsVersion::Tls13) {
            put_extension(
                &mut extensions,
                EXT_SIGNATURE_ALGORITHMS,
                &u16_list(SIGNATURE_SCHEMES),
            );
        }
        if version == TlsVersion::Tls13 {
            put_extension(&mut extensions, EXT_SUPPORTED_VERSIONS, &[2, 0x03, 0x04]);
            // Any 32 bytes do as an x25519 share: the probe stops at the ServerHello.
            let mut share = X25519.to_be_bytes().to_vec();
            put_u16_prefixed(&mut share, &random);
            let mut shares = Vec::new();
            put_u16_prefixed(&mut shares, &share);
            put_extension(&mut extensions, EXT_KEY_SHARE, &shares);
            // Some servers fail a TLS 1.3 hello without it (testssl #990); 1 = psk_dhe_ke.
            put_extension(&mut extensions, EXT_PSK_KEY_EXCHANGE_MODES, &[1, 1]);
        }
    }
    let mut message = client_hello_message(version, &random, &extensions);
    if version != TlsVersion::Ssl3 && F5_WINDOW.contains(&message.len()) {
        // Pad to 512 bytes; the padding extension's own header takes 4, and its body at least 1.
        let padding = (F5_WINDOW.end - message.len()).saturating_sub(4).max(1);
        put_extension(&mut extensions, EXT_PADDING, &vec![0; padding]);
        message = client_hello_message(version, &random, &extensions);
    }
    // Record version 0x0301 except for SSL 3.0: old stacks drop records of versions they don't
    // know before reading the hello, and RFC 8446 §5.1 allows it for any initial hello.
    let record_version: u16 = if version == TlsVersion::Ssl3 {
        0x0300
    } else {
        0x0301
    };
    let mut record = vec![u8::from(TlsRecordType::Handshake)];
    record.extend(record_version.to_be_bytes());
    put_u16_prefixed(&mut record, &message);
    record
}

/// The handshake message (type, length, body) of a ClientHello.
fn client_hello_message(version: TlsVersion, random: &[u8; 32], extensions: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(256);
    // TLS 1.3 puts its real version in supported_versions and keeps 1.2 here (RFC 8446 §4.1.2).
    let client_version = wire_version(version).min(0x0303);
    body.extend(client_version.to_be_bytes());
    body.extend(random);
    if version == TlsVersion::Tls13 {
        // Middlebox compatibility mode (RFC 8446 §D.4) wants a non-empty session id; the server
        // only echoes it.
        body.push(32);
        body.extend(random);
    } else {
        body.push(0);
    }
    let suites: Vec<u8> = offered_suites(version)
        .chain([SCSV])
        .flat_map(u16::to_be_bytes)
        .collect();
    put_u16_prefixed(&mut body, &suites);
    body.extend([1, 0]); // the null compression method only
    if version != TlsVersion::Ssl3 {
        put_u16_prefixed(&mut body, extensions);
    }
    let mut message = vec![HANDSHAKE_CLIENT_HELLO];
    let [_, length @ ..] = u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes();
    message.extend(length);
    message.extend(body);
    message
}

/// The name to send as SNI: DNS names only, without a trailing dot (RFC 6066 §3).
fn sni_name(name: &str) -> Option<&str> {
    match ServerName::try_from(name) {
        Ok(ServerName::DnsName(_)) => Some(name.strip_suffix('.').unwrap_or(name)),
        _ => None,
    }
}

/// Appends `body` behind its 16-bit length. Every body in a hello is built from fixed lists and
/// at most one DNS name (≤ 253 bytes), so it stays far below 64 KiB.
fn put_u16_prefixed(out: &mut Vec<u8>, body: &[u8]) {
    out.extend(u16::try_from(body.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend(body);
}

fn put_extension(out: &mut Vec<u8>, extension_type: u16, body: &[u8]) {
    out.extend(extension_type.to_be_bytes());
    put_u16_prefixed(out, body);
}

/// A list of 16-bit values behind its 16-bit byte length.
fn u16_list(values: &[u16]) -> Vec<u8> {
    let bytes: Vec<u8> = values
        .iter()
        .flat_map(|value| value.to_be_bytes())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() + 2);
    put_u16_prefixed(&mut out, &bytes);
    out
}

/// What the server's first flight says, read from `bytes` as they came off the wire (pure, no
/// I/O). Never panics, whatever the bytes.
pub fn parse_server_flight(bytes: &[u8]) -> Flight {
    let mut reader = FlightReader::default();
    reader.feed(bytes);
    reader.into_flight()
}

/// Reads a server's first flight record by record as bytes arrive, so a server that trickles
/// its answer does not make the probe re-parse what it already read.
#[derive(Debug, Default)]
pub struct FlightReader {
    /// Bytes of a record that has not fully arrived.
    unread: Vec<u8>,
    /// Handshake bytes not yet cut into messages: one message may span several records.
    handshake: Vec<u8>,
    progress: Progress,
}

/// What the records read so far have said.
#[derive(Debug, Default)]
struct Progress {
    /// Whether a whole record was read, so that later garbage is broken TLS rather than not TLS.
    any_record: bool,
    /// A warning alert before the ServerHello; the flight may go on after it (e.g. an
    /// `unrecognized_name` warning followed by the hello).
    warning: Option<Alert>,
    hello: Option<ServerHello>,
    /// How the flight ended before any ServerHello: an alert, not TLS, or malformed.
    failed: Option<Flight>,
    /// Read past the Certificate message up to ServerHelloDone, keeping the ServerKeyExchange.
    through_key_exchange: bool,
}

impl FlightReader {
    /// A reader that goes on after the certificate, up to ServerHelloDone, so the key exchange's
    /// group or prime size is known (client simulation needs it; version probes do not).
    pub fn through_key_exchange() -> Self {
        let mut reader = FlightReader::default();
        reader.progress.through_key_exchange = true;
        reader
    }

    /// Whether more bytes could change what the flight says.
    fn wants_more(&self) -> bool {
        self.progress.wants_more()
    }

    fn feed(&mut self, bytes: &[u8]) {
        if !self.wants_more() {
            return;
        }
        self.unread.extend_from_slice(bytes);
        let mut consumed = 0;
        while self.wants_more() {
            let rest = self.unread.get(consumed..).unwrap_or_default();
            if let Some(broken) = implausible_record_start(rest, self.progress.any_record) {
                self.progress.fail(broken);
                break;
            }
            let Ok((_, header)) = parse_tls_record_header(rest) else {
                break; // fewer than 5 bytes so far
            };
            if header.len > MAX_RECORD_LEN {
                self.progress
                    .fail(Flight::Malformed(Malformed::RecordTooLarge {
                        len: header.len,
                    }));
                break;
            }
            let Ok((after, record)) = parse_tls_raw_record(rest) else {
                break; // the fragment has not fully arrived
            };
            consumed += rest.len() - after.len();
            self.progress.any_record = true;
            self.progress
                .on_record(record.hdr.record_type, record.data, &mut self.handshake);
        }
        self.unread.drain(..consumed.min(self.unread.len()));
    }

    fn into_flight(self) -> Flight {
        let Progress { hello, failed, .. } = self.progress;
        match (hello, failed) {
            (Some(hello), _) => Flight::ServerHello(hello),
            (None, Some(failed)) => failed,
            (None, None) => Flight::NeedMore,
        }
    }
}

/// Why `bytes`, the start of a record, cannot be TLS: a content type outside 20–24 or a major
/// version other than 3. The first record is judged on its first byte, so a `421` line is seen
/// at once.
fn implausible_record_start(bytes: &[u8], after_records: bool) -> Option<Flight> {
    let content_type = *bytes.first()?;
    let major = bytes.get(1).copied();
    let plausible = (20..=24).contains(&content_type) && major.is_none_or(|major| major == 3);
    if plausible {
        return None;
    }
    if !after_records {
        return Some(Flight::NotTls {
            start: excerpt(bytes),
        });
    }
    // Mid-flight, wait for type and version, so the verdict does not depend on how the bytes
    // were split into reads.
    let &[content_type, major, minor, ..] = bytes else {
        return None;
    };
    Some(Flight::Malformed(Malformed::RecordHeader {
        content_type,
        version: u16::from_be_bytes([major, minor]),
    }))
}

/// The first bytes of a non-TLS answer, ASCII-escaped (`421 busy\r\n`), at most 60 characters.
fn excerpt(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(EXCERPT_CHARS);
    for byte in bytes {
        let escaped = byte.escape_ascii().to_string();
        if text.len() + escaped.len() > EXCERPT_CHARS {
            break;
        }
        text.push_str(&escaped);
    }
    text
}

impl Progress {
    fn wants_more(&self) -> bool {
        self.failed.is_none() && self.hello.as_ref().is_none_or(|hello| !hello.done)
    }

    /// Ends the flight: before the hello with `why`; after it, the hello stands and reading stops.
    fn fail(&mut self, why: Flight) {
        match &mut self.hello {
            Some(hello) => hello.done = true,
            None => self.failed = Some(why),
        }
    }

    fn on_record(&mut self, content_type: TlsRecordType, data: &[u8], handshake: &mut Vec<u8>) {
        match content_type {
            TlsRecordType::Handshake => {
                handshake.extend_from_slice(data);
                self.on_handshake_bytes(handshake);
            }
            TlsRecordType::Alert => match parse_tls_message_alert(data) {
                Ok((_, TlsMessage::Alert(alert))) => self.on_alert(Alert {
                    level: alert.severity.0,
                    description: alert.code.0,
                }),
                _ => self.fail(Flight::Malformed(Malformed::AlertRecord)),
            },
            // After a hello: ChangeCipherSpec and the encrypted rest of a TLS 1.3 handshake.
            other => self.fail(Flight::Malformed(Malformed::UnexpectedRecord {
                content_type: other.0,
            })),
        }
    }

    fn on_alert(&mut self, alert: Alert) {
        if self.hello.is_none()
            && alert.level == ALERT_WARNING
            && alert.description != ALERT_CLOSE_NOTIFY
        {
            self.warning = Some(alert);
        } else {
            self.fail(Flight::Alert(alert));
        }
    }

    /// Cuts complete handshake messages off the front of `buffer`.
    fn on_handshake_bytes(&mut self, buffer: &mut Vec<u8>) {
        let mut consumed = 0;
        while self.wants_more() {
            let rest = buffer.get(consumed..).unwrap_or_default();
            let Some((&[handshake_type, l0, l1, l2], after_header)) = rest.split_first_chunk::<4>()
            else {
                break;
            };
            let len = usize::try_from(u32::from_be_bytes([0, l0, l1, l2])).unwrap_or(usize::MAX);
            if len > READ_CAP {
                self.fail(Flight::Malformed(Malformed::MessageTooLarge { len }));
                break;
            }
            let Some(body) = after_header.get(..len) else {
                break; // the rest of the message is in records still to come
            };
            consumed += 4 + len;
            self.on_message(handshake_type, body);
        }
        buffer.drain(..consumed.min(buffer.len()));
    }

    fn on_message(&mut self, handshake_type: u8, body: &[u8]) {
        let Some(hello) = &mut self.hello else {
            match TlsHandshakeType(handshake_type) {
                TlsHandshakeType::ServerHello => match server_hello(body) {
                    Ok(hello) => self.hello = Some(hello),
                    Err(why) => self.fail(Flight::Malformed(why)),
                },
                // RFC 5246 §7.4.1.1: ignored while a handshake is under way.
                TlsHandshakeType::HelloRequest => {}
                _ => self.fail(Flight::Malformed(Malformed::UnexpectedMessage {
                    handshake_type,
                })),
            }
            return;
        };
        match TlsHandshakeType(handshake_type) {
            TlsHandshakeType::Certificate => {
                if let Ok((_, TlsMessageHandshake::Certificate(contents))) =
                    parse_tls_handshake_msg_certificate(body)
                {
                    hello.certificates = contents
                        .cert_chain
                        .iter()
                        .map(|certificate| certificate.data.to_vec())
                        .collect();
                }
                // A chain that cannot be parsed will not get better by reading on.
                hello.done = !self.through_key_exchange;
            }
            TlsHandshakeType::ServerKeyExchange if self.through_key_exchange => {
                hello.key_exchange = Some(body.to_vec());
                hello.done = true;
            }
            TlsHandshakeType::ServerDone | TlsHandshakeType::ServerHello => hello.done = true,
            // ServerKeyExchange, CertificateRequest, CertificateStatus: nothing this probe reports.
            _ => {}
        }
    }
}

/// Parses a ServerHello body; the version comes from `supported_versions` when present.
fn server_hello(body: &[u8]) -> Result<ServerHello, Malformed> {
    let legacy_version = body
        .first_chunk::<2>()
        .map(|version| u16::from_be_bytes(*version))
        .ok_or(Malformed::ServerHello)?;
    // tls-parser knows SSL 3.0 to TLS 1.2 here; TLS 1.3 also writes 0x0303 (RFC 8446 §4.1.3).
    if !(0x0300..=0x0303).contains(&legacy_version) {
        return Err(Malformed::ServerHelloVersion {
            version: legacy_version,
        });
    }
    let (_, contents) =
        parse_tls_handshake_server_hello(body).map_err(|_| Malformed::ServerHello)?;
    let mut version = legacy_version;
    let mut key_share_group = None;
    let mut extensions = contents.ext.unwrap_or_default();
    // Framed one by one, without tls-parser's typed parsers: an odd extension the probe does not
    // use must not spoil the hello.
    while !extensions.is_empty() {
        let (rest, extension) = parse_tls_extension_unknown(extensions)
            .map_err(|_| Malformed::ServerHelloExtensions)?;
        extensions = rest;
        if let TlsExtension::Unknown(extension_type, data) = extension
            && extension_type.0 == EXT_SUPPORTED_VERSIONS
        {
            let selected = data
                .first_chunk::<2>()
                .filter(|_| data.len() == 2)
                .ok_or(Malformed::ServerHelloExtensions)?;
            version = u16::from_be_bytes(*selected);
        }
        // A ServerHello's key_share starts with its group; a HelloRetryRequest's is only that.
        if let TlsExtension::Unknown(extension_type, data) = extension
            && extension_type.0 == EXT_KEY_SHARE
        {
            key_share_group = data
                .first_chunk::<2>()
                .map(|group| u16::from_be_bytes(*group));
        }
    }
    Ok(ServerHello {
        version,
        cipher_suite: contents.cipher.0,
        hello_retry_request: contents.random == HELLO_RETRY_RANDOM,
        certificates: Vec::new(),
        key_share_group,
        key_exchange: None,
        // After a TLS 1.3 ServerHello, everything else is encrypted.
        done: version > 0x0303,
    })
}

/// Why reading the answer stopped.
#[derive(Debug)]
pub enum ReadEnd {
    /// The flight said all this probe needs.
    Enough,
    /// [`READ_CAP`] bytes arrived.
    Cap,
    /// The server closed or reset the connection.
    Closed,
    Timeout,
    Failed(io::Error),
}

/// Why a ClientHello could not be sent.
#[derive(Debug)]
pub enum SendFailure {
    /// The server closed the connection first.
    Closed,
    Failed(io::Error),
    Timeout,
}

/// What came back for one ClientHello.
#[derive(Debug)]
pub struct Answer {
    pub flight: Flight,
    /// A warning alert that came before any ServerHello.
    pub warning: Option<Alert>,
    pub end: ReadEnd,
    /// Bytes read.
    pub received: usize,
}

/// Sends the ClientHello for `version` on `stream` and classifies the answer. Writing and every
/// read share `deadline`; at most 64 KiB are read. The stream is left mid-handshake: the caller
/// drops it.
pub async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    version: TlsVersion,
    server_name: Option<&str>,
    deadline: Duration,
) -> Handshake {
    let hello = client_hello(version, server_name, random());
    match exchange(stream, &hello, FlightReader::default(), deadline).await {
        Ok(answer) => classify(version, answer, deadline),
        Err(SendFailure::Closed) => Handshake::failed(
            Outcome::Rejected,
            Reason::Closed,
            "server closed the connection before the ClientHello was sent",
        ),
        Err(SendFailure::Failed(error)) => Handshake::failed(
            Outcome::Inconclusive,
            Reason::Network,
            format!("cannot send the ClientHello: {error}"),
        ),
        Err(SendFailure::Timeout) => Handshake::failed(
            Outcome::Inconclusive,
            Reason::Timeout,
            format!(
                "could not send the ClientHello within {}",
                humantime::format_duration(deadline)
            ),
        ),
    }
}

/// Sends `hello` (a whole record) and reads the server's first flight with `reader` until it has
/// said enough, the server stops, 64 KiB arrived or `deadline` passed.
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    hello: &[u8],
    mut reader: FlightReader,
    deadline: Duration,
) -> Result<Answer, SendFailure> {
    let until = Instant::now() + deadline;
    let sent = async {
        stream.write_all(hello).await?;
        stream.flush().await
    };
    match timeout_at(until, sent).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) if is_closed(&error) => return Err(SendFailure::Closed),
        Ok(Err(error)) => return Err(SendFailure::Failed(error)),
        Err(_) => return Err(SendFailure::Timeout),
    }
    let mut chunk = vec![0; 16 * 1024];
    let mut received = 0;
    let end = loop {
        if !reader.wants_more() {
            break ReadEnd::Enough;
        }
        let room = READ_CAP.saturating_sub(received).min(chunk.len());
        let Some(window) = chunk.get_mut(..room).filter(|window| !window.is_empty()) else {
            break ReadEnd::Cap;
        };
        match timeout_at(until, stream.read(window)).await {
            Err(_) => break ReadEnd::Timeout,
            Ok(Ok(0)) => break ReadEnd::Closed,
            Ok(Ok(n)) => {
                received += n;
                reader.feed(window.get(..n).unwrap_or_default());
            }
            Ok(Err(error)) if is_closed(&error) => break ReadEnd::Closed,
            Ok(Err(error)) => break ReadEnd::Failed(error),
        }
    };
    let warning = reader.progress.warning;
    Ok(Answer {
        flight: reader.into_flight(),
        warning,
        end,
        received,
    })
}

/// 32 bytes for the hello's random. They are no secret, since this hello never leads to keys (testssl
/// sends a fixed value), so a failing system RNG leaves them zero rather than failing the probe.
pub(crate) fn random() -> [u8; 32] {
    let mut random = [0; 32];
    let _ = SystemRandom::new().fill(&mut random);
    random
}

fn is_closed(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// Turns what was read into a verdict for `version` (§2.5).
fn classify(version: TlsVersion, answer: Answer, deadline: Duration) -> Handshake {
    let Answer {
        flight,
        warning,
        end,
        received,
    } = answer;
    match flight {
        Flight::ServerHello(hello) => classify_hello(version, hello),
        Flight::Alert(alert) => Handshake::failed(
            Outcome::Rejected,
            Reason::Alert,
            format!("server sent alert {}", alert.name()),
        ),
        Flight::NotTls { start } => Handshake {
            greeting: Some(start.clone()),
            ..Handshake::failed(
                Outcome::Inconclusive,
                Reason::ProtocolViolation,
                format!("server did not answer with TLS: \"{start}\""),
            )
        },
        Flight::Malformed(why) => Handshake::failed(
            Outcome::Inconclusive,
            Reason::ProtocolViolation,
            format!("server sent malformed TLS: {why}"),
        ),
        Flight::NeedMore => match end {
            ReadEnd::Closed => match warning {
                Some(alert) => Handshake::failed(
                    Outcome::Rejected,
                    Reason::Alert,
                    format!(
                        "server sent alert {} (warning) and closed the connection",
                        alert.name()
                    ),
                ),
                None if received == 0 => Handshake::failed(
                    Outcome::Rejected,
                    Reason::Closed,
                    "server closed the connection without answering the ClientHello",
                ),
                None => Handshake::failed(
                    Outcome::Inconclusive,
                    Reason::ProtocolViolation,
                    format!(
                        "server closed the connection after {received} bytes, before a complete ServerHello"
                    ),
                ),
            },
            ReadEnd::Timeout if received == 0 => Handshake::failed(
                Outcome::Inconclusive,
                Reason::Timeout,
                format!(
                    "no answer to the ClientHello within {}",
                    humantime::format_duration(deadline)
                ),
            ),
            ReadEnd::Timeout => Handshake::failed(
                Outcome::Inconclusive,
                Reason::Timeout,
                format!(
                    "no complete ServerHello within {} ({received} bytes received)",
                    humantime::format_duration(deadline)
                ),
            ),
            ReadEnd::Failed(error) => Handshake::failed(
                Outcome::Inconclusive,
                Reason::Network,
                format!("network error while reading the answer: {error}"),
            ),
            ReadEnd::Cap | ReadEnd::Enough => Handshake::failed(
                Outcome::Inconclusive,
                Reason::ProtocolViolation,
                "no ServerHello in the first 64 KiB of the answer",
            ),
        },
    }
}

/// A ServerHello at exactly the offered version is acceptance; any other version is not, and a
/// suite that was never offered is a broken server.
fn classify_hello(version: TlsVersion, hello: ServerHello) -> Handshake {
    let offered = wire_version(version);
    let chain: Vec<CertificateDer<'static>> = hello
        .certificates
        .into_iter()
        .map(CertificateDer::from)
        .collect();
    let cipher_suite = suite_name(hello.cipher_suite);
    if hello.version != offered {
        let detail = if hello.version < offered {
            format!(
                "server negotiated {} instead of {version}",
                version_name(hello.version)
            )
        } else {
            format!(
                "server answered with {}, above the {version} offered",
                version_name(hello.version)
            )
        };
        return Handshake {
            chain,
            ..Handshake::failed(Outcome::Rejected, Reason::OtherVersion, detail)
        };
    }
    if !offered_suites(version).any(|suite| suite == hello.cipher_suite) {
        return Handshake {
            chain,
            ..Handshake::failed(
                Outcome::Inconclusive,
                Reason::ProtocolViolation,
                format!("server chose cipher suite {cipher_suite}, which was not offered"),
            )
        };
    }
    Handshake {
        outcome: Outcome::Accepted,
        reason: None,
        detail: hello
            .hello_retry_request
            .then(|| "server asked for another key share (HelloRetryRequest)".to_owned()),
        cipher_suite: Some(cipher_suite),
        group: None,
        chain,
        greeting: None,
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::net::SocketAddr;
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};
    use std::sync::mpsc;

    use tls_parser::{
        SNIType, TlsExtensionType, parse_tls_client_hello_extensions, parse_tls_plaintext,
    };
    use tokio::net::{TcpListener, TcpStream};
    use tokio::task::JoinHandle;

    use super::*;

    const RANDOM: [u8; 32] = [0x42; 32];
    const NAME: &str = "mail.example.test";
    /// Stand-ins for DER certificates: the flight parser does not look inside them.
    const CERT_A: &[u8] = b"\x30\x03\x02\x01\x0a";
    const CERT_B: &[u8] = b"\x30\x03\x02\x01\x0b";

    // --- Server bytes, built the way a server writes them. ---

    fn record(content_type: u8, version: u16, fragment: &[u8]) -> Vec<u8> {
        let mut out = vec![content_type];
        out.extend(version.to_be_bytes());
        out.extend(u16::try_from(fragment.len()).unwrap().to_be_bytes());
        out.extend(fragment);
        out
    }

    fn message(handshake_type: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![handshake_type];
        out.extend(&u32::try_from(body.len()).unwrap().to_be_bytes()[1..]);
        out.extend(body);
        out
    }

    fn server_hello_with(
        version: u16,
        suite: u16,
        random: [u8; 32],
        extensions: Option<&[u8]>,
    ) -> Vec<u8> {
        let mut body = version.to_be_bytes().to_vec();
        body.extend(random);
        body.push(0); // empty session id
        body.extend(suite.to_be_bytes());
        body.push(0); // null compression
        if let Some(extensions) = extensions {
            body.extend(u16::try_from(extensions.len()).unwrap().to_be_bytes());
            body.extend(extensions);
        }
        message(2, &body)
    }

    fn server_hello(version: u16, suite: u16) -> Vec<u8> {
        // OpenSSL acknowledges SNI with an empty server_name extension and sends renegotiation_info.
        let extensions = [0x00, 0x00, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00];
        let extensions = (version > 0x0300).then_some(&extensions[..]);
        server_hello_with(version, suite, [0x11; 32], extensions)
    }

    fn certificate(certificates: &[&[u8]]) -> Vec<u8> {
        let mut list: Vec<u8> = Vec::new();
        for certificate in certificates {
            list.extend(&u32::try_from(certificate.len()).unwrap().to_be_bytes()[1..]);
            list.extend(*certificate);
        }
        let mut body = u32::try_from(list.len()).unwrap().to_be_bytes()[1..].to_vec();
        body.extend(list);
        message(11, &body)
    }

    fn server_hello_done() -> Vec<u8> {
        message(14, &[])
    }

    fn alert(level: u8, description: u8) -> Vec<u8> {
        record(21, 0x0301, &[level, description])
    }

    /// What an OpenSSL server at TLS 1.0 sends: ServerHello, Certificate, ServerHelloDone.
    fn tls10_flight() -> Vec<u8> {
        let messages = [
            server_hello(0x0301, 0xc014),
            certificate(&[CERT_A, CERT_B]),
            server_hello_done(),
        ];
        record(22, 0x0301, &messages.concat())
    }

    /// A TLS 1.3 ServerHello (version in supported_versions), then ChangeCipherSpec and
    /// encrypted records.
    fn tls13_flight(random: [u8; 32]) -> Vec<u8> {
        let mut extensions = vec![
            0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20,
        ];
        extensions.extend([0x77; 32]);
        let hello = server_hello_with(0x0303, 0x1301, random, Some(&extensions));
        [
            record(22, 0x0303, &hello),
            record(20, 0x0303, &[1]),
            record(23, 0x0303, &[0x99; 40]),
        ]
        .concat()
    }

    fn hello_flight(version: u16, suite: u16, certificates: &[&[u8]], done: bool) -> Flight {
        Flight::ServerHello(ServerHello {
            version,
            cipher_suite: suite,
            hello_retry_request: false,
            certificates: certificates.iter().map(|c| c.to_vec()).collect(),
            key_share_group: None,
            key_exchange: None,
            done,
        })
    }

    // --- parse_server_flight ---

    #[test]
    fn server_flights() {
        let full = tls10_flight();
        let hello_only = record(22, 0x0301, &server_hello(0x0301, 0xc014));
        let split_certificate = {
            let certificate = certificate(&[CERT_A, CERT_B]);
            let (first, second) = certificate.split_at(6);
            [
                record(22, 0x0301, &server_hello(0x0301, 0xc014)),
                record(22, 0x0301, first),
                record(22, 0x0301, second),
                record(22, 0x0301, &server_hello_done()),
            ]
            .concat()
        };
        let retry = {
            let Flight::ServerHello(hello) = parse_server_flight(&tls13_flight(HELLO_RETRY_RANDOM))
            else {
                panic!("a HelloRetryRequest is a ServerHello");
            };
            Flight::ServerHello(ServerHello {
                hello_retry_request: true,
                ..hello
            })
        };
        let bad_supported_versions = record(
            22,
            0x0303,
            &server_hello_with(
                0x0303,
                0x1301,
                [0x11; 32],
                Some(&[0x00, 0x2b, 0x00, 0x03, 0x03, 0x04, 0x00]),
            ),
        );
        let cases: Vec<(&str, Vec<u8>, Flight)> = vec![
            (
                "TLS 1.0 hello, certificate and done in one record",
                full.clone(),
                hello_flight(0x0301, 0xc014, &[CERT_A, CERT_B], true),
            ),
            (
                "certificate split across records",
                split_certificate,
                hello_flight(0x0301, 0xc014, &[CERT_A, CERT_B], true),
            ),
            (
                "hello alone so far",
                hello_only.clone(),
                hello_flight(0x0301, 0xc014, &[], false),
            ),
            (
                "SSL 3.0 hello",
                record(22, 0x0300, &server_hello(0x0300, 0x000a)),
                hello_flight(0x0300, 0x000a, &[], false),
            ),
            (
                "TLS 1.2 hello without extensions",
                record(
                    22,
                    0x0303,
                    &server_hello_with(0x0303, 0x009c, [1; 32], None),
                ),
                hello_flight(0x0303, 0x009c, &[], false),
            ),
            (
                "TLS 1.3 hello: version from supported_versions",
                tls13_flight([0x11; 32]),
                {
                    let Flight::ServerHello(hello) = hello_flight(0x0304, 0x1301, &[], true) else {
                        unreachable!()
                    };
                    Flight::ServerHello(ServerHello {
                        key_share_group: Some(0x001d),
                        ..hello
                    })
                },
            ),
            (
                "TLS 1.3 HelloRetryRequest",
                tls13_flight(HELLO_RETRY_RANDOM),
                retry,
            ),
            (
                "alert protocol_version",
                alert(2, 70),
                Flight::Alert(Alert {
                    level: 2,
                    description: 70,
                }),
            ),
            (
                "alert internal_error",
                alert(2, 80),
                Flight::Alert(Alert {
                    level: 2,
                    description: 80,
                }),
            ),
            (
                "close_notify",
                alert(1, 0),
                Flight::Alert(Alert {
                    level: 1,
                    description: 0,
                }),
            ),
            (
                "warning unrecognized_name, then the hello",
                [alert(1, 112), full.clone()].concat(),
                hello_flight(0x0301, 0xc014, &[CERT_A, CERT_B], true),
            ),
            ("warning alone", alert(1, 112), Flight::NeedMore),
            ("nothing", Vec::new(), Flight::NeedMore),
            (
                "a record header cut short",
                vec![22, 3, 1],
                Flight::NeedMore,
            ),
            (
                "a hello record cut short",
                hello_only[..hello_only.len() - 1].to_vec(),
                Flight::NeedMore,
            ),
            (
                "a handshake message waiting for its next record",
                record(22, 0x0301, &server_hello(0x0301, 0xc014)[..10]),
                Flight::NeedMore,
            ),
            (
                "SMTP 421",
                b"421 busy\r\n".to_vec(),
                Flight::NotTls {
                    start: "421 busy\\r\\n".to_owned(),
                },
            ),
            (
                "IMAP BYE",
                b"* BYE shutting down\r\n".to_vec(),
                Flight::NotTls {
                    start: "* BYE shutting down\\r\\n".to_owned(),
                },
            ),
            (
                "an SSLv2 reply",
                vec![0x80, 0x2e, 0x04, 0x00],
                Flight::NotTls {
                    start: "\\x80.\\x04\\x00".to_owned(),
                },
            ),
            (
                "long text is cut at 60 characters",
                [b"554 ".as_slice(), &[b'x'; 100]].concat(),
                Flight::NotTls {
                    start: format!("554 {}", "x".repeat(56)),
                },
            ),
            (
                "a record claiming 64 KiB",
                vec![22, 3, 1, 0xff, 0xff],
                Flight::Malformed(Malformed::RecordTooLarge { len: 0xffff }),
            ),
            (
                "a handshake message claiming 16 MB",
                record(22, 0x0301, &[2, 0xff, 0xff, 0xff, 3, 1]),
                Flight::Malformed(Malformed::MessageTooLarge { len: 0xff_ffff }),
            ),
            (
                "a one-byte alert record",
                record(21, 0x0301, &[2]),
                Flight::Malformed(Malformed::AlertRecord),
            ),
            (
                "application data first",
                record(23, 0x0301, &[1, 2, 3]),
                Flight::Malformed(Malformed::UnexpectedRecord { content_type: 23 }),
            ),
            (
                "a certificate before the hello",
                record(22, 0x0301, &certificate(&[CERT_A])),
                Flight::Malformed(Malformed::UnexpectedMessage { handshake_type: 11 }),
            ),
            (
                "a hello with version 0x0304 in server_version",
                record(
                    22,
                    0x0301,
                    &server_hello_with(0x0304, 0x1301, [1; 32], None),
                ),
                Flight::Malformed(Malformed::ServerHelloVersion { version: 0x0304 }),
            ),
            (
                "a hello body cut short",
                record(22, 0x0301, &message(2, &[3, 1, 0, 0])),
                Flight::Malformed(Malformed::ServerHello),
            ),
            (
                "supported_versions of three bytes",
                bad_supported_versions,
                Flight::Malformed(Malformed::ServerHelloExtensions),
            ),
            (
                "garbage after a warning",
                [alert(1, 112), b"HTTP/1.1".to_vec()].concat(),
                Flight::Malformed(Malformed::RecordHeader {
                    content_type: b'H',
                    version: 0x5454,
                }),
            ),
            (
                "garbage after the hello keeps the hello",
                [hello_only.clone(), b"junk".to_vec()].concat(),
                hello_flight(0x0301, 0xc014, &[], true),
            ),
            (
                "a fatal alert after the hello keeps the hello",
                [hello_only, alert(2, 40)].concat(),
                hello_flight(0x0301, 0xc014, &[], true),
            ),
        ];
        for (name, bytes, expected) in cases {
            assert_eq!(parse_server_flight(&bytes), expected, "{name}");
            // A slow server delivers the same flight byte by byte; text is judged on its first byte.
            let mut reader = FlightReader::default();
            for byte in &bytes {
                reader.feed(std::slice::from_ref(byte));
            }
            let trickled = reader.into_flight();
            if let Flight::NotTls { .. } = expected {
                assert!(
                    matches!(trickled, Flight::NotTls { .. }),
                    "{name}, byte by byte: {trickled:?}"
                );
            } else {
                assert_eq!(trickled, expected, "{name}, byte by byte");
            }
        }
    }

    /// A small deterministic stand-in for the fuzz target, run with every `cargo test`: mutated
    /// flights never panic, and the verdict does not depend on how reads split the bytes.
    #[test]
    fn mutated_flights_read_the_same_in_any_chunks() {
        let seeds = [
            tls10_flight(),
            tls13_flight([0x11; 32]),
            [alert(1, 112), tls10_flight()].concat(),
            alert(2, 70),
        ];
        // xorshift64: reproducible without a dependency.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % u64::try_from(bound.max(1)).unwrap()).unwrap()
        };
        for seed in &seeds {
            for _ in 0..2000 {
                let mut bytes = seed.clone();
                for _ in 0..=next(4) {
                    let at = next(bytes.len());
                    match next(3) {
                        0 => bytes[at] = u8::try_from(next(256)).unwrap(),
                        1 => bytes.truncate(at),
                        _ => bytes.insert(at, u8::try_from(next(256)).unwrap()),
                    }
                    if bytes.is_empty() {
                        break;
                    }
                }
                let whole = parse_server_flight(&bytes);
                let mut reader = FlightReader::default();
                for chunk in bytes.chunks(1 + next(9)) {
                    reader.feed(chunk);
                }
                let chunked = reader.into_flight();
                match (&whole, &chunked) {
                    (Flight::NotTls { .. }, Flight::NotTls { .. }) => {}
                    _ => assert_eq!(whole, chunked, "{bytes:02x?}"),
                }
            }
        }
    }

    #[test]
    fn alert_names_follow_rfc_8446() {
        let name = |description| {
            Alert {
                level: 2,
                description,
            }
            .name()
        };
        assert_eq!(name(70), "protocol_version");
        assert_eq!(name(80), "internal_error");
        assert_eq!(name(40), "handshake_failure");
        assert_eq!(name(112), "unrecognized_name");
        assert_eq!(name(86), "inappropriate_fallback");
        assert_eq!(name(48), "unknown_ca");
        assert_eq!(name(200), "200 (unassigned)");
    }

    // --- client_hello ---

    /// The extension types of a hello, parsed back by tls-parser.
    fn parse_hello(
        hello: &[u8],
    ) -> (
        u16,
        u16,
        Vec<u16>,
        Vec<TlsExtensionType>,
        Vec<TlsExtension<'_>>,
    ) {
        let (rest, plaintext) = parse_tls_plaintext(hello).expect("the hello is one TLS record");
        assert!(rest.is_empty());
        let [TlsMessage::Handshake(TlsMessageHandshake::ClientHello(contents))] =
            plaintext.msg.as_slice()
        else {
            panic!("not a ClientHello: {:?}", plaintext.msg);
        };
        let extensions = match contents.ext {
            Some(bytes) => {
                let (rest, extensions) =
                    parse_tls_client_hello_extensions(bytes).expect("extensions");
                assert!(rest.is_empty(), "all extensions parse");
                extensions
            }
            None => Vec::new(),
        };
        let types = extensions.iter().map(TlsExtensionType::from).collect();
        let suites = contents.ciphers.iter().map(|suite| suite.0).collect();
        (
            plaintext.hdr.version.0,
            contents.version.0,
            suites,
            types,
            extensions,
        )
    }

    #[test]
    fn hellos_carry_the_probed_version_and_the_right_extensions() {
        use TlsExtensionType as Ext;
        let base = [Ext::ServerName, Ext::SupportedGroups, Ext::EcPointFormats];
        let tls12 = [&base[..], &[Ext::SignatureAlgorithms]].concat();
        let tls13 = [
            &tls12[..],
            &[
                Ext::SupportedVersions,
                Ext::KeyShare,
                Ext::PskExchangeModes,
                Ext::Padding,
            ],
        ]
        .concat();
        let cases: [(TlsVersion, u16, u16, Vec<Ext>); 5] = [
            (TlsVersion::Ssl3, 0x0300, 0x0300, vec![]),
            (TlsVersion::Tls10, 0x0301, 0x0301, base.to_vec()),
            (TlsVersion::Tls11, 0x0301, 0x0302, base.to_vec()),
            (TlsVersion::Tls12, 0x0301, 0x0303, tls12),
            (TlsVersion::Tls13, 0x0301, 0x0303, tls13),
        ];
        for (version, record_version, client_version, extension_types) in cases {
            let hello = client_hello(version, Some(NAME), RANDOM);
            let (record, client, suites, types, extensions) = parse_hello(&hello);
            assert_eq!(
                (record, client),
                (record_version, client_version),
                "{version}"
            );
            assert_eq!(types, extension_types, "{version}");
            assert_eq!(suites.last(), Some(&SCSV), "{version}: the SCSV comes last");
            for legacy in [0xc014, 0x002f, 0x000a] {
                assert!(suites.contains(&legacy), "{version} offers 0x{legacy:04x}");
            }
            if version != TlsVersion::Ssl3 {
                assert!(
                    extensions.contains(&TlsExtension::SNI(vec![(
                        SNIType::HostName,
                        NAME.as_bytes()
                    )])),
                    "{version}"
                );
            }
            if version == TlsVersion::Tls13 {
                assert!(extensions.contains(&TlsExtension::SupportedVersions(vec![
                    tls_parser::TlsVersion::Tls13
                ])));
            }
        }
        let (_, _, tls12_suites, _, _) =
            parse_hello(&client_hello(TlsVersion::Tls12, None, RANDOM));
        for rustls_lacks in [0x009c, 0x003c, 0xc027, 0x000a] {
            assert!(
                tls12_suites.contains(&rustls_lacks),
                "TLS 1.2 offers 0x{rustls_lacks:04x}"
            );
        }
    }

    #[test]
    fn sni_only_for_dns_names() {
        let server_name = |name| {
            let hello = client_hello(TlsVersion::Tls12, Some(name), RANDOM);
            let (_, _, _, _, extensions) = parse_hello(&hello);
            extensions
                .into_iter()
                .find_map(|extension| match extension {
                    TlsExtension::SNI(names) => Some(
                        names
                            .iter()
                            .map(|(_, name)| String::from_utf8_lossy(name).into_owned())
                            .collect::<Vec<_>>(),
                    ),
                    _ => None,
                })
        };
        assert_eq!(
            server_name("mail.example.test."),
            Some(vec![NAME.to_owned()])
        );
        assert_eq!(server_name("192.0.2.1"), None);
        assert_eq!(server_name("2001:db8::1"), None);
        assert_eq!(server_name("not a name"), None);
        assert_eq!(
            client_hello(TlsVersion::Tls10, None, RANDOM),
            client_hello(TlsVersion::Tls10, Some("192.0.2.1"), RANDOM)
        );
    }

    #[test]
    fn hello_sizes_avoid_the_f5_window() {
        let long_name = format!("{}.example", vec!["a".repeat(60); 4].join("."));
        assert_eq!(long_name.len(), 251);
        let sizes: Vec<(TlsVersion, usize, usize, usize)> = TlsVersion::ALL
            .into_iter()
            .map(|version| {
                (
                    version,
                    client_hello(version, None, RANDOM).len(),
                    client_hello(version, Some(NAME), RANDOM).len(),
                    client_hello(version, Some(&long_name), RANDOM).len(),
                )
            })
            .collect();
        assert_eq!(
            sizes,
            [
                (TlsVersion::Ssl3, 76, 76, 76),
                (TlsVersion::Tls10, 96, 122, 517),
                (TlsVersion::Tls11, 96, 122, 517),
                (TlsVersion::Tls12, 150, 176, 517),
                (TlsVersion::Tls13, 243, 517, 517),
            ]
        );
        for (version, ..) in &sizes {
            for name in [None, Some(NAME), Some(long_name.as_str())] {
                let hello = client_hello(*version, name, RANDOM);
                assert!(
                    !F5_WINDOW.contains(&(hello.len() - 5)),
                    "{version} {name:?}: {} bytes",
                    hello.len()
                );
                parse_hello(&hello);
            }
        }
    }

    // --- handshake against in-process servers ---

    /// What a one-connection stub server on 127.0.0.1 does.
    #[derive(Debug, Clone)]
    enum Stub {
        /// Reads the ClientHello, writes these bytes, closes.
        Answer(Vec<u8>),
        /// The same, one byte per write.
        Trickle(Vec<u8>),
        /// Closes the connection as soon as it is accepted.
        CloseAtOnce,
        /// Reads the ClientHello and says nothing until the client leaves.
        Silent,
    }

    /// Starts `stub`; the task returns the ClientHello it read.
    async fn start(stub: Stub) -> (SocketAddr, JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            if let Stub::CloseAtOnce = stub {
                return Vec::new();
            }
            let mut hello = vec![0; 5];
            stream.read_exact(&mut hello).await.unwrap();
            let len = usize::from(u16::from_be_bytes([hello[3], hello[4]]));
            hello.resize(5 + len, 0);
            stream.read_exact(&mut hello[5..]).await.unwrap();
            match stub {
                Stub::Answer(bytes) => {
                    // The client may stop reading and leave early; that is its right.
                    let _ = stream.write_all(&bytes).await;
                }
                Stub::Trickle(bytes) => {
                    for byte in bytes {
                        if stream.write_all(&[byte]).await.is_err() {
                            break;
                        }
                        let _ = stream.flush().await;
                    }
                }
                Stub::Silent => {
                    let mut rest = Vec::new();
                    let _ = stream.read_to_end(&mut rest).await;
                }
                Stub::CloseAtOnce => {}
            }
            hello
        });
        (address, task)
    }

    async fn probe(stub: Stub, version: TlsVersion, deadline: Duration) -> (Handshake, Vec<u8>) {
        let (address, server) = start(stub).await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        let result = handshake(&mut stream, version, Some(NAME), deadline).await;
        drop(stream);
        (result, server.await.unwrap())
    }

    #[tokio::test]
    async fn handshakes_with_stub_servers() {
        use Outcome::*;
        use TlsVersion::*;
        let chain = || {
            vec![
                CertificateDer::from(CERT_A.to_vec()),
                CertificateDer::from(CERT_B.to_vec()),
            ]
        };
        let unoffered_suite = record(22, 0x0301, &server_hello(0x0301, 0x1301));
        let truncated = record(22, 0x0301, &server_hello(0x0301, 0xc014))[..20].to_vec();
        let endless = [22, 3, 1, 0, 0].repeat(READ_CAP / 5 + 100);
        /// Name, version probed, server, then the expected outcome, reason, detail ("" = not
        /// checked) and cipher suite.
        type Case = (
            &'static str,
            TlsVersion,
            Stub,
            Outcome,
            Option<Reason>,
            &'static str,
            Option<&'static str>,
        );
        #[rustfmt::skip]
        let cases: Vec<Case> = vec![
            ("TLS 1.0 accepted", Tls10, Stub::Answer(tls10_flight()), Accepted, None, "", Some("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA")),
            ("TLS 1.0 accepted, byte by byte", Tls10, Stub::Trickle(tls10_flight()), Accepted, None, "", Some("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA")),
            ("SSL 3.0 accepted", Ssl3, Stub::Answer(record(22, 0x0300, &[server_hello(0x0300, 0x000a), certificate(&[CERT_A, CERT_B])].concat())), Accepted, None, "", Some("TLS_RSA_WITH_3DES_EDE_CBC_SHA")),
            ("TLS 1.1 answered with TLS 1.0", Tls11, Stub::Answer(tls10_flight()), Rejected, Some(Reason::OtherVersion), "server negotiated TLS 1.0 instead of TLS 1.1", None),
            ("TLS 1.2 answered with TLS 1.3", Tls12, Stub::Answer(tls13_flight([0x11; 32])), Rejected, Some(Reason::OtherVersion), "server answered with TLS 1.3, above the TLS 1.2 offered", None),
            ("TLS 1.3 accepted", Tls13, Stub::Answer(tls13_flight([0x11; 32])), Accepted, None, "", Some("TLS_AES_128_GCM_SHA256")),
            ("alert protocol_version", Tls10, Stub::Answer(alert(2, 70)), Rejected, Some(Reason::Alert), "server sent alert protocol_version", None),
            ("alert internal_error", Tls11, Stub::Answer(alert(2, 80)), Rejected, Some(Reason::Alert), "server sent alert internal_error", None),
            ("warning, then close", Tls10, Stub::Answer(alert(1, 112)), Rejected, Some(Reason::Alert), "server sent alert unrecognized_name (warning) and closed the connection", None),
            ("closed at once", Tls10, Stub::CloseAtOnce, Rejected, Some(Reason::Closed), "", None),
            ("421 instead of TLS", Tls10, Stub::Answer(b"421 busy\r\n".to_vec()), Inconclusive, Some(Reason::ProtocolViolation), "server did not answer with TLS: \"421 busy\\r\\n\"", None),
            ("closed in the middle of the hello", Tls10, Stub::Answer(truncated), Inconclusive, Some(Reason::ProtocolViolation), "server closed the connection after 20 bytes, before a complete ServerHello", None),
            ("a record claiming 64 KiB", Tls10, Stub::Answer(vec![22, 3, 1, 0xff, 0xff]), Inconclusive, Some(Reason::ProtocolViolation), "server sent malformed TLS: a record of 65535 bytes, more than TLS allows", None),
            ("a message claiming 16 MB", Tls10, Stub::Answer(record(22, 0x0301, &[2, 0xff, 0xff, 0xff])), Inconclusive, Some(Reason::ProtocolViolation), "server sent malformed TLS: a handshake message of 16777215 bytes, more than the probe reads", None),
            ("a suite that was not offered", Tls10, Stub::Answer(unoffered_suite), Inconclusive, Some(Reason::ProtocolViolation), "server chose cipher suite TLS_AES_128_GCM_SHA256, which was not offered", None),
            ("no hello in 64 KiB", Tls10, Stub::Answer(endless), Inconclusive, Some(Reason::ProtocolViolation), "no ServerHello in the first 64 KiB of the answer", None),
        ];
        for (name, version, stub, outcome, reason, detail, suite) in cases {
            let (result, hello) = probe(stub.clone(), version, Duration::from_secs(5)).await;
            assert_eq!(
                (result.outcome, result.reason),
                (outcome, reason),
                "{name}: {result:?}"
            );
            if !detail.is_empty() {
                assert_eq!(result.detail.as_deref(), Some(detail), "{name}");
            }
            assert_eq!(result.cipher_suite.as_deref(), suite, "{name}");
            if outcome == Accepted && version != Tls13 {
                assert_eq!(result.chain, chain(), "{name}: the chain is captured");
            }
            if !matches!(stub, Stub::CloseAtOnce) {
                assert_eq!(
                    parse_hello(&hello).1,
                    wire_version(version).min(0x0303),
                    "{name}: the server read our hello"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_silent_server_is_a_timeout() {
        // The deadline is the only wait: the test takes 200 ms, not a sleep.
        let (result, _) = probe(Stub::Silent, TlsVersion::Tls10, Duration::from_millis(200)).await;
        assert_eq!(
            result,
            Handshake::failed(
                Outcome::Inconclusive,
                Reason::Timeout,
                "no answer to the ClientHello within 200ms"
            )
        );
    }

    #[tokio::test]
    async fn a_hello_without_its_certificate_is_still_accepted_at_the_deadline() {
        let hello_only = record(22, 0x0301, &server_hello(0x0301, 0xc013));
        let (address, _server) = start(Stub::Answer(hello_only)).await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        let result = handshake(&mut stream, TlsVersion::Tls10, None, Duration::from_secs(5)).await;
        // The stub closes after the hello: accepted, no chain.
        assert_eq!(result.outcome, Outcome::Accepted);
        assert_eq!(
            result.cipher_suite.as_deref(),
            Some("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")
        );
        assert!(result.chain.is_empty());
    }

    // --- a real openssl s_server on 127.0.0.1 ---

    /// A self-signed certificate for NAME with explicit dates, as PEM files in a fresh directory.
    struct TestCert {
        dir: PathBuf,
        cert_file: PathBuf,
        key_file: PathBuf,
        der: Vec<u8>,
    }

    impl TestCert {
        fn new(tag: &str) -> TestCert {
            let dir =
                std::env::temp_dir().join(format!("mailtls-legacy-{}-{tag}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let mut params = rcgen::CertificateParams::new(vec![NAME.to_owned()]).unwrap();
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, NAME);
            params.not_before = rcgen::date_time_ymd(2025, 1, 1);
            params.not_after = rcgen::date_time_ymd(2045, 1, 1);
            let key = rcgen::KeyPair::generate().unwrap();
            let cert = params.self_signed(&key).unwrap();
            let cert_file = dir.join("cert.pem");
            let key_file = dir.join("key.pem");
            std::fs::write(&cert_file, cert.pem()).unwrap();
            std::fs::write(&key_file, key.serialize_pem()).unwrap();
            TestCert {
                dir,
                cert_file,
                key_file,
                der: cert.der().to_vec(),
            }
        }
    }

    impl Drop for TestCert {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// `openssl s_server -www` on an ephemeral port of 127.0.0.1; killed on drop.
    struct SServer {
        child: Child,
        port: u16,
    }

    impl SServer {
        /// Starts the server and waits for its `ACCEPT 127.0.0.1:PORT` line, which names the
        /// port it bound (so no port is guessed, and nothing sleeps).
        fn start(cert: &TestCert, options: &[&str]) -> SServer {
            let mut child = Command::new("openssl")
                .args(["s_server", "-www", "-accept", "127.0.0.1:0"])
                .arg("-cert")
                .arg(&cert.cert_file)
                .arg("-key")
                .arg(&cert.key_file)
                .args(options)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("openssl is installed (scripts/setup-test.sh)");
            let stdout = child.stdout.take().unwrap();
            let (sender, receiver) = mpsc::channel();
            std::thread::spawn(move || {
                let mut sent = false;
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if !sent && let Some(address) = line.strip_prefix("ACCEPT ") {
                        sent = sender.send(address.to_owned()).is_ok();
                    }
                }
            });
            let mut server = SServer { child, port: 0 };
            let address = receiver
                .recv_timeout(Duration::from_secs(10))
                .expect("s_server listens");
            server.port = address.rsplit(':').next().unwrap().parse().unwrap();
            server
        }

        async fn probe(&self, version: TlsVersion) -> Handshake {
            let mut stream = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
            handshake(&mut stream, version, Some(NAME), Duration::from_secs(10)).await
        }
    }

    impl Drop for SServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    #[tokio::test]
    async fn openssl_with_legacy_versions_enabled_accepts_tls10_and_tls11() {
        let cert = TestCert::new("permissive");
        let server = SServer::start(
            &cert,
            &["-min_protocol", "TLSv1", "-cipher", "DEFAULT:@SECLEVEL=0"],
        );
        for version in [TlsVersion::Tls10, TlsVersion::Tls11, TlsVersion::Tls12] {
            let result = server.probe(version).await;
            assert_eq!(result.outcome, Outcome::Accepted, "{version}: {result:?}");
            assert!(result.cipher_suite.is_some(), "{version}");
            assert_eq!(result.chain.len(), 1, "{version}: the chain is captured");
            assert_eq!(result.chain[0].as_ref(), cert.der.as_slice(), "{version}");
        }
        // Debian's OpenSSL 3 is built without SSL 3.0 and says so with handshake_failure (§2.5).
        assert_eq!(
            server.probe(TlsVersion::Ssl3).await,
            Handshake::failed(
                Outcome::Rejected,
                Reason::Alert,
                "server sent alert handshake_failure"
            )
        );
    }

    #[tokio::test]
    async fn default_openssl_refuses_tls10_with_internal_error() {
        let cert = TestCert::new("default");
        let server = SServer::start(&cert, &[]);
        // OpenSSL 3 refuses old versions by security level, and says internal_error (§2.5).
        let result = server.probe(TlsVersion::Tls10).await;
        assert_eq!(
            result,
            Handshake::failed(
                Outcome::Rejected,
                Reason::Alert,
                "server sent alert internal_error"
            )
        );
        for version in [TlsVersion::Tls12, TlsVersion::Tls13] {
            let result = server.probe(version).await;
            assert_eq!(result.outcome, Outcome::Accepted, "{version}: {result:?}");
        }
    }
}
