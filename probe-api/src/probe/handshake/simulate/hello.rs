//! A captured ClientHello, read and made fit to send again: the target's server name instead of
//! the capture's, a fresh random and session id, and nothing that would resume a session.
//!
//! Pure and fuzzed (`fuzz/fuzz_targets/client_hello_rewrite.rs`): the captures are fixed data, but
//! the reader must refuse a truncated or inconsistent record rather than send nonsense.
//!
//! What is changed, and why:
//! - `server_name`: the capture's name is replaced by the target's (RFC 6066 §3); an IP literal
//!   target gets no SNI; a client that sent none still sends none.
//! - `random` and a non-empty `session_id`: fresh bytes of the same length, so no server sees a
//!   replay or a session id it might resume.
//! - `pre_shared_key` and `early_data` are dropped (they would resume a captured session) and a
//!   `session_ticket` is sent empty (a full handshake, RFC 5077 §3.1).
//! - `application_layer_protocol_negotiation` is dropped: browsers' captures offer `h2`, which a
//!   mail program never sends, and a strict server refuses a list it does not serve (RFC 7301).
//! - `padding` (RFC 7685) is resized so the hello keeps the captured length, as far as it can.
//!
//! Everything else (suites, groups, key shares, signature algorithms, GREASE values, extension
//! order) goes out exactly as captured.

use thiserror::Error;

const RECORD_HANDSHAKE: u8 = 22;
const HANDSHAKE_CLIENT_HELLO: u8 = 1;
/// RFC 8446 §5.1: a record holds at most 2^14 bytes.
const MAX_RECORD: usize = 16 * 1024;

pub const EXT_SERVER_NAME: u16 = 0x0000;
pub const EXT_SUPPORTED_GROUPS: u16 = 0x000a;
const EXT_ALPN: u16 = 0x0010;
const EXT_PADDING: u16 = 0x0015;
const EXT_SESSION_TICKET: u16 = 0x0023;
const EXT_PRE_SHARED_KEY: u16 = 0x0029;
const EXT_EARLY_DATA: u16 = 0x002a;
pub const EXT_SUPPORTED_VERSIONS: u16 = 0x002b;

/// Why stored bytes are not a ClientHello this module can send.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HelloError {
    #[error("the record ends after {got} of {needed} bytes")]
    Truncated { needed: usize, got: usize },
    #[error("{extra} bytes after the {part}")]
    TrailingBytes { part: &'static str, extra: usize },
    #[error("not a handshake record (content type {0})")]
    NotHandshake(u8),
    #[error("handshake message type {0}, not a ClientHello")]
    NotClientHello(u8),
    #[error("a hello of {0} bytes does not fit one record")]
    TooLarge(usize),
    #[error("a server name of {0} bytes does not fit SNI")]
    NameTooLong(usize),
}

/// A ClientHello, split into the parts the rewrite touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    record_version: u16,
    legacy_version: u16,
    random: [u8; 32],
    session_id: Vec<u8>,
    suites: Vec<u16>,
    compression: Vec<u8>,
    /// `None` for a hello without an extensions block (SSL 3.0 style), which is not the same as
    /// an empty block on the wire.
    extensions: Option<Vec<(u16, Vec<u8>)>>,
}

impl ClientHello {
    /// Reads one whole record holding one ClientHello; refuses anything short, long or else.
    pub fn parse(record: &[u8]) -> Result<ClientHello, HelloError> {
        let mut reader = Reader::new(record, "record");
        let content_type = reader.u8()?;
        if content_type != RECORD_HANDSHAKE {
            return Err(HelloError::NotHandshake(content_type));
        }
        let record_version = reader.u16()?;
        let fragment = reader.vec16()?;
        reader.finish()?;
        let mut message = Reader::new(fragment, "handshake message");
        let handshake_type = message.u8()?;
        if handshake_type != HANDSHAKE_CLIENT_HELLO {
            return Err(HelloError::NotClientHello(handshake_type));
        }
        let body = message.vec24()?;
        message.finish()?;

        let mut body = Reader::new(body, "ClientHello");
        let legacy_version = body.u16()?;
        let random = body.array::<32>()?;
        let session_id = body.vec8()?.to_vec();
        let mut suite_bytes = Reader::new(body.vec16()?, "cipher suites");
        let mut suites = Vec::new();
        while !suite_bytes.is_empty() {
            suites.push(suite_bytes.u16()?);
        }
        let compression = body.vec8()?.to_vec();
        let extensions = if body.is_empty() {
            None
        } else {
            let mut block = Reader::new(body.vec16()?, "extensions");
            let mut extensions = Vec::new();
            while !block.is_empty() {
                let extension_type = block.u16()?;
                extensions.push((extension_type, block.vec16()?.to_vec()));
            }
            Some(extensions)
        };
        body.finish()?;
        Ok(ClientHello {
            record_version,
            legacy_version,
            random,
            session_id,
            suites,
            compression,
            extensions,
        })
    }

    /// The cipher suites offered, in the client's order (GREASE and SCSVs included).
    pub fn suites(&self) -> &[u16] {
        &self.suites
    }

    /// The groups of `supported_groups`; empty when the client sent none.
    pub fn groups(&self) -> Vec<u16> {
        self.extension(EXT_SUPPORTED_GROUPS)
            .and_then(|body| body.get(2..))
            .map(|list| {
                list.chunks_exact(2)
                    .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn extension(&self, wanted: u16) -> Option<&[u8]> {
        self.extensions
            .as_ref()?
            .iter()
            .find(|(extension_type, _)| *extension_type == wanted)
            .map(|(_, body)| body.as_slice())
    }

    /// The record to send to `server_name` (a DNS name, or `None` for an IP literal), with
    /// `random` as the hello's random and the source of a fresh session id.
    pub fn rewrite(
        &self,
        server_name: Option<&str>,
        random: [u8; 32],
    ) -> Result<Vec<u8>, HelloError> {
        let original_length = self.encode_message().len();
        let mut hello = self.clone();
        hello.random = random;
        let session_id_length = hello.session_id.len();
        hello.session_id = random
            .iter()
            .rev()
            .copied()
            .cycle()
            .take(session_id_length)
            .collect();
        if let Some(extensions) = &mut hello.extensions {
            let sni = server_name.map(sni_body).transpose()?;
            extensions.retain(|(extension_type, _)| {
                !matches!(
                    *extension_type,
                    EXT_PRE_SHARED_KEY | EXT_EARLY_DATA | EXT_ALPN
                ) && (*extension_type != EXT_SERVER_NAME || sni.is_some())
            });
            for (extension_type, body) in extensions.iter_mut() {
                match *extension_type {
                    EXT_SERVER_NAME => {
                        if let Some(sni) = &sni {
                            body.clone_from(sni);
                        }
                    }
                    EXT_SESSION_TICKET => body.clear(),
                    _ => {}
                }
            }
            if let Some(index) = extensions.iter().position(|(t, _)| *t == EXT_PADDING) {
                if let Some((_, padding)) = extensions.get_mut(index) {
                    padding.clear();
                }
                let unpadded = hello.encode_message().len();
                let fill = original_length.saturating_sub(unpadded);
                if let Some((_, padding)) = hello
                    .extensions
                    .as_mut()
                    .and_then(|extensions| extensions.get_mut(index))
                {
                    padding.resize(fill, 0);
                }
            }
        }
        let message = hello.encode_message();
        if message.len() > MAX_RECORD {
            return Err(HelloError::TooLarge(message.len()));
        }
        let mut record = vec![RECORD_HANDSHAKE];
        record.extend(self.record_version.to_be_bytes());
        put_u16_prefixed(&mut record, &message);
        Ok(record)
    }

    /// The handshake message: type, 24-bit length, body.
    fn encode_message(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(512);
        body.extend(self.legacy_version.to_be_bytes());
        body.extend(self.random);
        body.push(u8::try_from(self.session_id.len()).unwrap_or(u8::MAX));
        body.extend(&self.session_id);
        let suites: Vec<u8> = self.suites.iter().flat_map(|s| s.to_be_bytes()).collect();
        put_u16_prefixed(&mut body, &suites);
        body.push(u8::try_from(self.compression.len()).unwrap_or(u8::MAX));
        body.extend(&self.compression);
        if let Some(extensions) = &self.extensions {
            let mut block = Vec::new();
            for (extension_type, data) in extensions {
                block.extend(extension_type.to_be_bytes());
                put_u16_prefixed(&mut block, data);
            }
            put_u16_prefixed(&mut body, &block);
        }
        let mut message = vec![HANDSHAKE_CLIENT_HELLO];
        let [_, length @ ..] = u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes();
        message.extend(length);
        message.extend(body);
        message
    }
}

/// The `server_name` extension's body for one host name (RFC 6066 §3), trailing dot removed.
fn sni_body(name: &str) -> Result<Vec<u8>, HelloError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.len() > 255 {
        return Err(HelloError::NameTooLong(name.len()));
    }
    let mut entry = vec![0]; // host_name
    put_u16_prefixed(&mut entry, name.as_bytes());
    let mut list = Vec::new();
    put_u16_prefixed(&mut list, &entry);
    Ok(list)
}

/// Appends `body` behind its 16-bit length; every caller's body is far below 64 KiB (a name of at
/// most 255 bytes, or parts of a hello read from one record).
fn put_u16_prefixed(out: &mut Vec<u8>, body: &[u8]) {
    out.extend(u16::try_from(body.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend(body);
}

/// Reads big-endian fields off a slice, failing with [`HelloError::Truncated`] at its end.
struct Reader<'a> {
    bytes: &'a [u8],
    part: &'static str,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], part: &'static str) -> Self {
        Reader { bytes, part }
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], HelloError> {
        if len > self.bytes.len() {
            return Err(HelloError::Truncated {
                needed: len,
                got: self.bytes.len(),
            });
        }
        let (taken, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], HelloError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, HelloError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, HelloError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn vec8(&mut self) -> Result<&'a [u8], HelloError> {
        let len = usize::from(self.u8()?);
        self.take(len)
    }

    fn vec16(&mut self) -> Result<&'a [u8], HelloError> {
        let len = usize::from(self.u16()?);
        self.take(len)
    }

    fn vec24(&mut self) -> Result<&'a [u8], HelloError> {
        let [a, b, c] = self.array()?;
        let len = usize::try_from(u32::from_be_bytes([0, a, b, c])).unwrap_or(usize::MAX);
        self.take(len)
    }

    fn finish(self) -> Result<(), HelloError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(HelloError::TrailingBytes {
                part: self.part,
                extra: self.bytes.len(),
            })
        }
    }
}

/// Decodes the catalog's hex; `None` on an odd length or a non-hex digit.
pub fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::catalog::PROFILES;
    use super::*;

    fn sni_of(record: &[u8]) -> Option<String> {
        let hello = ClientHello::parse(record).unwrap();
        let body = hello.extension(EXT_SERVER_NAME)?;
        Some(String::from_utf8(body[5..].to_vec()).unwrap())
    }

    #[test]
    fn every_stored_hello_parses_and_reencodes_byte_for_byte() {
        for profile in &PROFILES {
            let bytes = from_hex(profile.hello).unwrap();
            let hello = ClientHello::parse(&bytes)
                .unwrap_or_else(|error| panic!("{:?}: {error}", profile.client));
            let mut again = vec![RECORD_HANDSHAKE];
            again.extend(hello.record_version.to_be_bytes());
            put_u16_prefixed(&mut again, &hello.encode_message());
            assert_eq!(again, bytes, "{:?}", profile.client);
            assert!(!hello.suites().is_empty(), "{:?}", profile.client);
        }
    }

    #[test]
    fn the_server_name_is_replaced_and_resumption_removed() {
        for profile in &PROFILES {
            let bytes = from_hex(profile.hello).unwrap();
            let had_sni = sni_of(&bytes).is_some();
            let rewritten = ClientHello::parse(&bytes)
                .unwrap()
                .rewrite(Some("mail.example.test."), [7; 32])
                .unwrap();
            let hello = ClientHello::parse(&rewritten).unwrap();
            assert_eq!(
                sni_of(&rewritten),
                had_sni.then(|| "mail.example.test".to_owned()),
                "{:?}",
                profile.client
            );
            assert_eq!(hello.random, [7; 32]);
            for gone in [EXT_PRE_SHARED_KEY, EXT_EARLY_DATA, EXT_ALPN] {
                assert!(hello.extension(gone).is_none(), "{:?}", profile.client);
            }
            if let Some(ticket) = hello.extension(EXT_SESSION_TICKET) {
                assert!(ticket.is_empty(), "{:?}", profile.client);
            }
            // Suites and groups go out as captured.
            let original = ClientHello::parse(&bytes).unwrap();
            assert_eq!(hello.suites, original.suites);
            assert_eq!(hello.groups(), original.groups());
        }
    }

    #[test]
    fn an_ip_target_gets_no_sni_and_padding_keeps_the_length() {
        let padded = PROFILES
            .iter()
            .find(|p| {
                ClientHello::parse(&from_hex(p.hello).unwrap())
                    .unwrap()
                    .extension(EXT_PADDING)
                    .is_some()
            })
            .unwrap();
        let bytes = from_hex(padded.hello).unwrap();
        let hello = ClientHello::parse(&bytes).unwrap();
        let without = hello.rewrite(None, [1; 32]).unwrap();
        assert_eq!(sni_of(&without), None);
        assert_eq!(
            without.len(),
            bytes.len(),
            "padding absorbs the removed name"
        );
        let long = format!("{}.test", "a".repeat(60));
        let with = hello.rewrite(Some(&long), [1; 32]).unwrap();
        assert_eq!(sni_of(&with).as_deref(), Some(long.as_str()));
    }

    #[test]
    fn truncated_or_padded_records_are_refused() {
        let bytes = from_hex(PROFILES[5].hello).unwrap();
        for cut in 0..bytes.len() {
            assert!(
                ClientHello::parse(&bytes[..cut]).is_err(),
                "a hello cut after {cut} bytes was accepted"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            ClientHello::parse(&longer),
            Err(HelloError::TrailingBytes { .. })
        ));
        let mut alert = bytes;
        alert[0] = 21;
        assert_eq!(
            ClientHello::parse(&alert),
            Err(HelloError::NotHandshake(21))
        );
        assert_eq!(from_hex("0"), None);
        assert_eq!(from_hex("zz"), None);
    }
}
