//! The fixtures themselves: real Dovecot and Postfix checked with `openssl s_client` and raw
//! plaintext dialogs, and the stubs checked with raw sockets. A probe test is only as good as
//! the claim that its fixture really behaves as named.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use tests::mail_servers::{
    Dialog, Dovecot, DovecotTls, Postfix, PostfixTls, TlsVersion, offers_starttls,
    openssl_handshake, plaintext_capabilities,
};
use tests::pki::Validity;
use tests::stubs::{
    Behaviour, GARBAGE_SERVER_HELLO_HEADER, SLOW_GREETING_DELAY, SSLV3_CIPHER_SUITE, SSLV3_REFUSAL,
    Stub, certificate_der,
};

use crate::test_ca;
use TlsVersion::{Tls10, Tls11, Tls12, Tls13};

const NAME: &str = "mail.example.test";

/// Which versions `openssl s_client` must and must not get on a port.
/// `127.0.0.1:port` for each port, sorted, as `listening_addresses` returns them.
fn loopback(ports: &[u16]) -> Vec<SocketAddr> {
    let mut addresses: Vec<SocketAddr> = ports
        .iter()
        .map(|&port| SocketAddr::from(([127, 0, 0, 1], port)))
        .collect();
    addresses.sort();
    addresses
}

type VersionCases<'a> = &'a [(u16, Dialog, &'a [(TlsVersion, bool)])];

/// Runs `openssl s_client` for every case and reports all mismatches at once, with the log.
fn check_versions(server: &str, cases: VersionCases<'_>, log: impl Fn() -> String) {
    let mut mismatches = Vec::new();
    for &(port, dialog, versions) in cases {
        for &(version, accepted) in versions {
            let handshake = openssl_handshake(port, dialog, version);
            let expected = accepted.then(|| version.openssl_name().to_owned());
            if handshake.negotiated != expected {
                mismatches.push(format!(
                    "{server} port {port} {dialog:?} {version:?}: expected {expected:?}, got {:?}\n{}",
                    handshake.negotiated, handshake.transcript
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{}\n{}",
        mismatches.join("\n"),
        log()
    );
}

#[test]
fn dovecot_modern_offers_tls12_and_tls13_only() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let dovecot = Dovecot::start(&cert, DovecotTls::Modern);
    eprintln!("Dovecot (Modern) started in {:?}", dovecot.startup);
    assert_eq!(
        dovecot.listening_addresses(),
        loopback(&[dovecot.imap, dovecot.imaps, dovecot.pop3, dovecot.pop3s]),
        "Dovecot listens on its four loopback ports only"
    );
    check_versions(
        "Dovecot Modern",
        &[
            (
                dovecot.imap,
                Dialog::Imap,
                &[(Tls10, false), (Tls12, true), (Tls13, true)],
            ),
            (
                dovecot.imaps,
                Dialog::ImplicitTls,
                &[(Tls10, false), (Tls11, false), (Tls12, true)],
            ),
            (dovecot.pop3, Dialog::Pop3, &[(Tls10, false), (Tls12, true)]),
            (
                dovecot.pop3s,
                Dialog::ImplicitTls,
                &[(Tls10, false), (Tls13, true)],
            ),
        ],
        || dovecot.log_excerpt(),
    );
    assert!(offers_starttls(dovecot.imap, Dialog::Imap).expect("IMAP dialog"));
    assert!(offers_starttls(dovecot.pop3, Dialog::Pop3).expect("POP3 dialog"));
}

#[test]
fn dovecot_legacy_also_offers_tls10_and_tls11() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let dovecot = Dovecot::start(&cert, DovecotTls::Legacy);
    check_versions(
        "Dovecot Legacy",
        &[
            (dovecot.imap, Dialog::Imap, &[(Tls10, true), (Tls13, true)]),
            (
                dovecot.imaps,
                Dialog::ImplicitTls,
                &[(Tls10, true), (Tls11, true)],
            ),
            (dovecot.pop3, Dialog::Pop3, &[(Tls11, true)]),
            (
                dovecot.pop3s,
                Dialog::ImplicitTls,
                &[(Tls10, true), (Tls12, true)],
            ),
        ],
        || dovecot.log_excerpt(),
    );
}

#[test]
fn dovecot_tls13_only_refuses_tls12() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let dovecot = Dovecot::start(&cert, DovecotTls::Tls13Only);
    check_versions(
        "Dovecot Tls13Only",
        &[
            (dovecot.imap, Dialog::Imap, &[(Tls12, false), (Tls13, true)]),
            (
                dovecot.pop3s,
                Dialog::ImplicitTls,
                &[(Tls12, false), (Tls13, true)],
            ),
        ],
        || dovecot.log_excerpt(),
    );
}

#[test]
fn dovecot_without_tls_offers_no_starttls_and_plaintext_on_implicit_ports() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let dovecot = Dovecot::start(&cert, DovecotTls::NoTls);
    assert_eq!(
        dovecot.listening_addresses(),
        loopback(&[dovecot.imap, dovecot.imaps, dovecot.pop3, dovecot.pop3s]),
        "Dovecot listens on its four loopback ports only"
    );
    for (port, dialog) in [
        (dovecot.imap, Dialog::Imap),
        (dovecot.imaps, Dialog::Imap),
        (dovecot.pop3, Dialog::Pop3),
        (dovecot.pop3s, Dialog::Pop3),
    ] {
        let lines = plaintext_capabilities(port, dialog).expect("plaintext dialog");
        let all = lines.join("\n");
        assert!(
            !all.contains("STARTTLS") && !all.contains("STLS"),
            "{port}: {all}"
        );
        assert!(lines.len() > 2, "{port}: {all}");
    }
}

#[test]
fn postfix_modern_offers_tls12_and_tls13_only() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let postfix = Postfix::start(&cert, PostfixTls::Modern);
    eprintln!("Postfix (Modern) started in {:?}", postfix.startup);
    assert_eq!(
        postfix.listening_addresses(),
        loopback(&[postfix.smtp, postfix.submission, postfix.smtps]),
        "Postfix listens on its three loopback ports only"
    );
    check_versions(
        "Postfix Modern",
        &[
            (
                postfix.smtp,
                Dialog::Smtp,
                &[(Tls10, false), (Tls11, false), (Tls12, true), (Tls13, true)],
            ),
            (
                postfix.submission,
                Dialog::Smtp,
                &[(Tls10, false), (Tls12, true)],
            ),
            (
                postfix.smtps,
                Dialog::ImplicitTls,
                &[(Tls10, false), (Tls12, true), (Tls13, true)],
            ),
        ],
        || postfix.log_excerpt(),
    );
    assert!(offers_starttls(postfix.smtp, Dialog::Smtp).expect("SMTP dialog"));
    assert!(offers_starttls(postfix.submission, Dialog::Smtp).expect("SMTP dialog"));

    // Submission insists on TLS before mail; nothing is ever accepted for delivery anyway.
    let (mut reader, mut writer) = connect(postfix.submission);
    read_reply(&mut reader);
    writer
        .write_all(b"EHLO probe.example.test\r\n")
        .expect("send EHLO");
    read_reply(&mut reader);
    writer
        .write_all(b"MAIL FROM:<someone@example.test>\r\n")
        .expect("send MAIL");
    let reply = read_reply(&mut reader);
    assert!(reply[0].starts_with("530"), "{reply:?}");
}

#[test]
fn postfix_legacy_also_offers_tls10_and_tls11() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let postfix = Postfix::start(&cert, PostfixTls::Legacy);
    check_versions(
        "Postfix Legacy",
        &[
            (
                postfix.smtp,
                Dialog::Smtp,
                &[(Tls10, true), (Tls11, true), (Tls13, true)],
            ),
            (postfix.submission, Dialog::Smtp, &[(Tls10, true)]),
            (
                postfix.smtps,
                Dialog::ImplicitTls,
                &[(Tls10, true), (Tls12, true)],
            ),
        ],
        || postfix.log_excerpt(),
    );
}

#[test]
fn postfix_single_version_variants_offer_exactly_that_version() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let variants: [(PostfixTls, &[(TlsVersion, bool)]); 3] = [
        (
            PostfixTls::Tls10Only,
            &[(Tls10, true), (Tls11, false), (Tls12, false)],
        ),
        (
            PostfixTls::Tls11Only,
            &[(Tls10, false), (Tls11, true), (Tls12, false)],
        ),
        (PostfixTls::Tls13Only, &[(Tls12, false), (Tls13, true)]),
    ];
    // Started together: most of a start is waiting, so three cost little more than one.
    let servers: Vec<Postfix> = std::thread::scope(|scope| {
        let starts: Vec<_> = variants
            .iter()
            .map(|&(tls, _)| {
                let cert = &cert;
                scope.spawn(move || Postfix::start(cert, tls))
            })
            .collect();
        starts
            .into_iter()
            .map(|start| start.join().expect("Postfix started"))
            .collect()
    });
    for ((tls, versions), postfix) in variants.iter().zip(&servers) {
        check_versions(
            &format!("Postfix {tls:?}"),
            &[
                (postfix.smtp, Dialog::Smtp, versions),
                (postfix.smtps, Dialog::ImplicitTls, versions),
            ],
            || postfix.log_excerpt(),
        );
    }
}

#[test]
fn postfix_without_starttls_offers_none_and_speaks_plaintext_on_smtps() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let postfix = Postfix::start(&cert, PostfixTls::NoStarttls);
    for port in [postfix.smtp, postfix.submission, postfix.smtps] {
        let lines = plaintext_capabilities(port, Dialog::Smtp).expect("SMTP dialog");
        assert!(lines[0].starts_with("250-"), "{port}: {lines:?}");
        assert!(
            !lines.iter().any(|line| line.contains("STARTTLS")),
            "{port}: {lines:?}"
        );
    }
}

/// A raw TLS record holding a minimal ClientHello with `client_version` (one suite, 0x002f).
fn client_hello(client_version: u16) -> Vec<u8> {
    let mut body = client_version.to_be_bytes().to_vec();
    body.extend([7u8; 32]);
    body.push(0);
    body.extend([0, 2, 0x00, 0x2f]);
    body.extend([1, 0]);
    let mut handshake = vec![1, 0, 0, body.len() as u8];
    handshake.extend(body);
    let mut record = vec![0x16, 0x03, 0x00, 0, handshake.len() as u8];
    record.extend(handshake);
    record
}

/// A connection with generous timeouts, split into a line reader and a writer.
fn connect(port: u16) -> (BufReader<TcpStream>, TcpStream) {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    let writer = stream.try_clone().expect("clone the stream");
    (BufReader::new(stream), writer)
}

fn read_line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("read a line");
    line
}

/// The lines of one SMTP reply.
fn read_reply(reader: &mut BufReader<TcpStream>) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let line = read_line(reader);
        assert!(!line.is_empty(), "connection closed after {lines:?}");
        let last = line.as_bytes().get(3) != Some(&b'-');
        lines.push(line.trim_end().to_owned());
        if last {
            return lines;
        }
    }
}

fn read_to_end(reader: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .expect("read until the stub closes");
    bytes
}

/// Whether `stream` stays silent for `quiet` (a read times out rather than returning data).
fn stays_silent(reader: &mut BufReader<TcpStream>, quiet: Duration) -> bool {
    reader
        .get_ref()
        .set_read_timeout(Some(quiet))
        .expect("read timeout");
    let mut byte = [0u8; 1];
    matches!(
        reader.read(&mut byte),
        Err(error) if matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
    )
}

#[test]
fn sslv3_stub_answers_sslv3_hellos_only() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let der = certificate_der(&cert);
    let stub = Stub::start(Behaviour::Sslv3Only {
        certificate_der: der.clone(),
    });

    let (mut reader, mut writer) = connect(stub.port());
    writer.write_all(&client_hello(0x0300)).expect("send hello");
    let flight = read_to_end(&mut reader);
    assert_eq!(&flight[..3], &[0x16, 0x03, 0x00], "{flight:02x?}");
    assert_eq!(flight[5], 2, "ServerHello first");
    assert_eq!(&flight[9..11], &[0x03, 0x00], "server_version");
    // header 5 + handshake header 4 + version 2 + random 32 + session id 1 + 32
    assert_eq!(&flight[76..78], &SSLV3_CIPHER_SUITE.to_be_bytes());
    assert!(flight.windows(der.len()).any(|window| window == der));
    assert!(
        flight.ends_with(&[0x0e, 0, 0, 0]),
        "ends with ServerHelloDone"
    );

    let (mut reader, mut writer) = connect(stub.port());
    writer.write_all(&client_hello(0x0303)).expect("send hello");
    assert_eq!(read_to_end(&mut reader), SSLV3_REFUSAL);
    assert_eq!(stub.connections(), 2);
}

#[test]
fn garbage_stub_sends_a_server_hello_header_then_garbage() {
    let stub = Stub::start(Behaviour::GarbageAfterServerHello);
    let (mut reader, mut writer) = connect(stub.port());
    writer.write_all(&client_hello(0x0303)).expect("send hello");
    let reply = read_to_end(&mut reader);
    assert_eq!(reply.len(), GARBAGE_SERVER_HELLO_HEADER.len() + 60);
    assert!(reply.starts_with(&GARBAGE_SERVER_HELLO_HEADER));
}

#[test]
fn injection_stub_sends_plaintext_after_its_starttls_answer() {
    let stub = Stub::start(Behaviour::StarttlsInjection);
    let (mut reader, mut writer) = connect(stub.port());
    read_reply(&mut reader);
    writer
        .write_all(b"EHLO probe.example.test\r\n")
        .expect("EHLO");
    assert!(read_reply(&mut reader).contains(&"250 STARTTLS".to_owned()));
    writer.write_all(b"STARTTLS\r\n").expect("STARTTLS");
    assert_eq!(read_line(&mut reader), "220 ready\r\n");
    assert_eq!(read_line(&mut reader), "250 injected\r\n");
    drop((reader, writer));

    // A client that ignores the injection and starts TLS is counted.
    let (mut reader, mut writer) = connect(stub.port());
    read_reply(&mut reader);
    writer
        .write_all(b"EHLO probe.example.test\r\nSTARTTLS\r\n")
        .expect("pipelined commands");
    read_reply(&mut reader);
    read_line(&mut reader);
    writer.write_all(&client_hello(0x0303)).expect("hello");
    let deadline = Instant::now() + Duration::from_secs(5);
    while stub.protocol_violations() == 0 && Instant::now() < deadline {
        std::thread::park_timeout(Duration::from_millis(10));
    }
    assert_eq!(stub.protocol_violations(), 1);
    assert_eq!(stub.connections(), 2);
}

#[test]
fn postscreen_like_stub_punishes_pregreeting_only() {
    // The impatient client talks into a long pause, so it is surely early.
    let stub = Stub::start(Behaviour::SlowMultilineGreeting {
        pause: Duration::from_secs(20),
    });
    let (mut reader, mut writer) = connect(stub.port());
    assert!(read_line(&mut reader).starts_with("220-"));
    writer
        .write_all(b"EHLO impatient.example.test\r\n")
        .expect("EHLO");
    assert!(read_line(&mut reader).starts_with("521 "));
    assert_eq!(stub.protocol_violations(), 1);

    let stub = Stub::start(Behaviour::SlowMultilineGreeting {
        pause: Duration::from_millis(300),
    });
    let (mut reader, mut writer) = connect(stub.port());
    let greeting = read_reply(&mut reader);
    assert_eq!(greeting.len(), 2, "{greeting:?}");
    assert!(greeting[1].starts_with("220 "), "{greeting:?}");
    writer
        .write_all(b"EHLO patient.example.test\r\n")
        .expect("EHLO");
    let capabilities = read_reply(&mut reader);
    assert!(capabilities.iter().all(|line| !line.contains("STARTTLS")));
    assert_eq!(stub.protocol_violations(), 0);
}

#[test]
fn throttling_stub_greets_with_421() {
    let stub = Stub::start(Behaviour::TooManyConnections);
    let (mut reader, _writer) = connect(stub.port());
    let greeting = read_reply(&mut reader);
    assert!(greeting[0].starts_with("421 "), "{greeting:?}");
    assert!(read_to_end(&mut reader).is_empty(), "then it hangs up");
}

#[test]
fn endless_ehlo_stub_never_ends_its_reply() {
    let stub = Stub::start(Behaviour::EndlessEhlo);
    let (mut reader, mut writer) = connect(stub.port());
    read_reply(&mut reader);
    writer
        .write_all(b"EHLO probe.example.test\r\n")
        .expect("EHLO");
    let mut seen = 0;
    while seen < 1 << 20 {
        let line = read_line(&mut reader);
        assert!(line.starts_with("250-"), "{line:?}");
        seen += line.len();
    }
}

#[test]
fn slow_and_silent_stubs_keep_quiet() {
    let slow = Stub::start(Behaviour::SlowGreeting {
        delay: SLOW_GREETING_DELAY,
    });
    let silent = Stub::start(Behaviour::Silent);
    for stub in [&slow, &silent] {
        let (mut reader, _writer) = connect(stub.port());
        assert!(stays_silent(&mut reader, Duration::from_millis(300)));
        assert_eq!(stub.wait_for_connections(1, Duration::from_secs(5)), 1);
    }
    // Stopping does not wait for the sleeping greeting.
    let stopping = Instant::now();
    drop(slow);
    assert!(stopping.elapsed() < Duration::from_secs(10));

    let quick = Stub::start(Behaviour::SlowGreeting {
        delay: Duration::from_millis(50),
    });
    let (mut reader, _writer) = connect(quick.port());
    assert!(read_line(&mut reader).starts_with("220 "));
}
