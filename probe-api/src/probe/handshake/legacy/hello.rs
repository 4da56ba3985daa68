//! The ClientHello this probe sends: one record per probed version, built from fixed lists
//! (suites, groups, signature schemes) so its length and content are known; see
//! `docs/tls-probing.md` for the layout and why each part is there.

use ring::rand::{SecureRandom, SystemRandom};
use rustls::pki_types::ServerName;
use tls_parser::{TlsCipherSuite, TlsRecordType};

use mailtls_shared::TlsVersion;

/// Hellos whose handshake message is this long hang some F5 load balancers (RFC 7685).
pub(super) const F5_WINDOW: std::ops::Range<usize> = 256..512;

/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746): secure renegotiation without an extension, so
/// SSL 3.0 hellos can signal it too.
pub(super) const SCSV: u16 = 0x00ff;

/// Offered at every version: ECDHE, DHE and RSA key exchange with AES-CBC, 3DES and RC4, the
/// list verified against OpenSSL, Postfix and Dovecot (`docs/tls-probing.md`, "The hello").
pub(super) const LEGACY_SUITES: &[u16] = &[
    0xc014, 0xc00a, 0xc013, 0xc009, 0x0039, 0x0033, 0x0035, 0x002f, 0x000a, 0xc012, 0x0016, 0x0005,
    0x0004,
];

/// Put before the legacy list from TLS 1.2 on: AEAD first, then CBC with SHA-2, then RSA key
/// exchange with GCM and CBC-SHA256, which rustls does not offer either.
pub(super) const TLS12_SUITES: &[u16] = &[
    0xc02c, 0xc030, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0x009f, 0x009e, 0xc024, 0xc028, 0xc023, 0xc027,
    0x009d, 0x009c, 0x003d, 0x003c,
];

pub(super) const TLS13_SUITES: &[u16] = &[0x1301, 0x1302, 0x1303];

/// x25519, secp256r1, secp384r1.
pub(super) const GROUPS: &[u16] = &[0x001d, 0x0017, 0x0018];
pub(super) const X25519: u16 = 0x001d;

/// ECDSA and RSA-PSS/PKCS#1 with SHA-2, plus the SHA-1 schemes old servers still sign with.
pub(super) const SIGNATURE_SCHEMES: &[u16] = &[
    0x0403, 0x0503, 0x0804, 0x0805, 0x0401, 0x0501, 0x0201, 0x0203,
];

pub(super) const EXT_SERVER_NAME: u16 = 0x0000;
pub(super) const EXT_SUPPORTED_GROUPS: u16 = 0x000a;
pub(super) const EXT_EC_POINT_FORMATS: u16 = 0x000b;
pub(super) const EXT_SIGNATURE_ALGORITHMS: u16 = 0x000d;
pub(super) const EXT_PADDING: u16 = 0x0015;
pub(super) const EXT_SUPPORTED_VERSIONS: u16 = 0x002b;
pub(super) const EXT_PSK_KEY_EXCHANGE_MODES: u16 = 0x002d;
pub(super) const EXT_KEY_SHARE: u16 = 0x0033;

pub(super) const HANDSHAKE_CLIENT_HELLO: u8 = 1;

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

/// The suites offered for `version`, most preferred first, without the SCSV.
pub(super) fn offered_suites(version: TlsVersion) -> impl Iterator<Item = u16> {
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
/// ServerHello with a lower one means "not this version". TLS 1.3 gets a raw probe
/// (`supported_versions` {1.3}, an x25519 key share made of `random`; `docs/tls-probing.md`). SNI goes out only when
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
pub(super) fn client_hello_message(
    version: TlsVersion,
    random: &[u8; 32],
    extensions: &[u8],
) -> Vec<u8> {
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
pub(super) fn sni_name(name: &str) -> Option<&str> {
    match ServerName::try_from(name) {
        Ok(ServerName::DnsName(_)) => Some(name.strip_suffix('.').unwrap_or(name)),
        _ => None,
    }
}

/// Appends `body` behind its 16-bit length. Every body in a hello is built from fixed lists and
/// at most one DNS name (≤ 253 bytes), so it stays far below 64 KiB.
pub(super) fn put_u16_prefixed(out: &mut Vec<u8>, body: &[u8]) {
    out.extend(u16::try_from(body.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend(body);
}

pub(super) fn put_extension(out: &mut Vec<u8>, extension_type: u16, body: &[u8]) {
    out.extend(extension_type.to_be_bytes());
    put_u16_prefixed(out, body);
}

/// A list of 16-bit values behind its 16-bit byte length.
pub(super) fn u16_list(values: &[u16]) -> Vec<u8> {
    let bytes: Vec<u8> = values
        .iter()
        .flat_map(|value| value.to_be_bytes())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() + 2);
    put_u16_prefixed(&mut out, &bytes);
    out
}

/// 32 bytes for the hello's random. They are no secret, since this hello never leads to keys (testssl
/// sends a fixed value), so a failing system RNG leaves them zero rather than failing the probe.
pub(crate) fn random() -> [u8; 32] {
    let mut random = [0; 32];
    let _ = SystemRandom::new().fill(&mut random);
    random
}
