//! The hellos byte by byte, server flights of every shape, and the classification, against
//! recorded and hand-built answers.

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

use tls_parser::{TlsExtension, TlsMessage, TlsMessageHandshake};

use super::flight::{HELLO_RETRY_RANDOM, READ_CAP};
use super::hello::{F5_WINDOW, SCSV};
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
            let (rest, extensions) = parse_tls_client_hello_extensions(bytes).expect("extensions");
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
    let (_, _, tls12_suites, _, _) = parse_hello(&client_hello(TlsVersion::Tls12, None, RANDOM));
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
        let dir = std::env::temp_dir().join(format!("mailtls-legacy-{}-{tag}", std::process::id()));
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
    // Debian's OpenSSL 3 is built without SSL 3.0 and says so with handshake_failure
    // (docs/tls-probing.md, "Classifying the answer").
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
    // OpenSSL 3 refuses old versions by security level, and says internal_error
    // (docs/tls-probing.md, "Classifying the answer").
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
