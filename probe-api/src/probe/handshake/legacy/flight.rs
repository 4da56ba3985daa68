//! Reading the server's first flight: records as they arrive, handshake messages that span
//! records reassembled, the ServerHello, Certificate and alerts parsed with `tls-parser`, and
//! everything capped. Pure: no I/O, never panics whatever the bytes (fuzzed).

use thiserror::Error;

use super::hello::{EXT_KEY_SHARE, EXT_SUPPORTED_VERSIONS, wire_version};
use tls_parser::{
    MAX_RECORD_LEN, TlsExtension, TlsHandshakeType, TlsMessage, TlsMessageHandshake, TlsRecordType,
    parse_tls_extension_unknown, parse_tls_handshake_msg_certificate,
    parse_tls_handshake_server_hello, parse_tls_message_alert, parse_tls_raw_record,
    parse_tls_record_header,
};

use mailtls_shared::TlsVersion;

/// The most this probe reads from one server: a first flight with a long chain fits, a tarpit
/// that streams forever does not.
pub(super) const READ_CAP: usize = 64 * 1024;

/// How much of a non-TLS answer goes into the detail, escaped.
pub(super) const EXCERPT_CHARS: usize = 60;

pub(super) const ALERT_WARNING: u8 = 1;
pub(super) const ALERT_CLOSE_NOTIFY: u8 = 0;

/// A ServerHello with this random is a TLS 1.3 HelloRetryRequest (RFC 8446 §4.1.3).
pub(super) const HELLO_RETRY_RANDOM: [u8; 32] = [
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

/// `TLS 1.0` for `0x0301`; versions nobody named yet in hex.
pub(super) fn version_name(wire: u16) -> String {
    TlsVersion::ALL
        .into_iter()
        .find(|version| wire_version(*version) == wire)
        .map(|version| version.display_name().to_owned())
        .unwrap_or_else(|| format!("version 0x{wire:04X}"))
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
    pub(super) unread: Vec<u8>,
    /// Handshake bytes not yet cut into messages: one message may span several records.
    pub(super) handshake: Vec<u8>,
    pub(super) progress: Progress,
}

/// What the records read so far have said.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// Whether a whole record was read, so that later garbage is broken TLS rather than not TLS.
    pub(super) any_record: bool,
    /// A warning alert before the ServerHello; the flight may go on after it (e.g. an
    /// `unrecognized_name` warning followed by the hello).
    pub(super) warning: Option<Alert>,
    pub(super) hello: Option<ServerHello>,
    /// How the flight ended before any ServerHello: an alert, not TLS, or malformed.
    pub(super) failed: Option<Flight>,
    /// Read past the Certificate message up to ServerHelloDone, keeping the ServerKeyExchange.
    pub(super) through_key_exchange: bool,
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
    pub(super) fn wants_more(&self) -> bool {
        self.progress.wants_more()
    }

    pub(super) fn feed(&mut self, bytes: &[u8]) {
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

    pub(super) fn into_flight(self) -> Flight {
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
pub(super) fn implausible_record_start(bytes: &[u8], after_records: bool) -> Option<Flight> {
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
pub(super) fn excerpt(bytes: &[u8]) -> String {
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
    pub(super) fn wants_more(&self) -> bool {
        self.failed.is_none() && self.hello.as_ref().is_none_or(|hello| !hello.done)
    }

    /// Ends the flight: before the hello with `why`; after it, the hello stands and reading stops.
    pub(super) fn fail(&mut self, why: Flight) {
        match &mut self.hello {
            Some(hello) => hello.done = true,
            None => self.failed = Some(why),
        }
    }

    pub(super) fn on_record(
        &mut self,
        content_type: TlsRecordType,
        data: &[u8],
        handshake: &mut Vec<u8>,
    ) {
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

    pub(super) fn on_alert(&mut self, alert: Alert) {
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
    pub(super) fn on_handshake_bytes(&mut self, buffer: &mut Vec<u8>) {
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

    pub(super) fn on_message(&mut self, handshake_type: u8, body: &[u8]) {
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
pub(super) fn server_hello(body: &[u8]) -> Result<ServerHello, Malformed> {
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
