//! Hostile targets against the HTTP service with its default, public-internet policy. Every one
//! must be refused with the right code, and listeners on every loopback mail port prove that no
//! connection was made.
//!
//! The test runs inside its own network namespace with only loopback (`unshare -n`, as root): if
//! the policy were ever broken, a probe of 10.0.0.1 or 8.8.8.8 still could not leave the machine.
//! Started outside one, it re-runs itself inside one.

use std::net::TcpListener;

use tests::process::in_own_network_namespace;
use tests::servers::{ProbeApi, ProbeApiOptions};

const MAIL_PORTS: [u16; 7] = [25, 587, 465, 143, 993, 110, 995];

#[test]
fn hostile_targets_are_refused_before_any_connection() {
    if !in_own_network_namespace("hostile::hostile_targets_are_refused_before_any_connection") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(inside_the_namespace());
}

async fn inside_the_namespace() {
    // Every mail port on both loopback addresses is watched.
    let listeners: Vec<TcpListener> = ["127.0.0.1", "::1"]
        .iter()
        .flat_map(|ip| {
            MAIL_PORTS.iter().map(move |port| {
                let listener =
                    TcpListener::bind((*ip, *port)).expect("bind a mail port on loopback");
                listener.set_nonblocking(true).expect("non-blocking");
                listener
            })
        })
        .collect();
    let options = ProbeApiOptions {
        resolve: [
            "loopback.example.test=127.0.0.1",
            "private.example.test=10.1.2.3",
            "metadata.example.test=169.254.169.254",
            "v6loopback.example.test=::1",
            "ula.example.test=fd00:ec2::254",
            "mixed.example.test=8.8.8.8",
            "mixed.example.test=10.0.0.1",
        ]
        .map(str::to_owned)
        .to_vec(),
        ..ProbeApiOptions::default()
    };
    let api = ProbeApi::start(&options);

    let forbidden_address = [
        "127.0.0.1",
        "127.1.2.3",
        "0.0.0.0",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",
        "100.100.100.200",
        "169.254.169.254",
        "192.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "198.51.100.1",
        "203.0.113.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "[::1]",
        "[::]",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.0.0.1]",
        "[::127.0.0.1]",
        "[64:ff9b::a9fe:a9fe]",
        "[fd00:ec2::254]",
        "[fe80::1]",
        "[fec0::1]",
        "[ff02::1]",
        "[2001:db8::1]",
        "[2002:7f00:1::]",
        "[2001::1]",
        "[3fff::1]",
        "[100::1]",
        "loopback.example.test",
        "private.example.test",
        "metadata.example.test",
        "v6loopback.example.test",
        "ula.example.test",
        "mixed.example.test",
    ];
    let invalid_target = [
        "2130706433",
        "0177.0.0.1",
        "0x7f.1",
        "127.1",
        "0x7f000001",
        "017700000001",
        "mail server.example.de",
        "mail.example.de\r\nQUIT",
        "localhost",
        "http://mail.example.de",
        "kunde@",
        "@example.de",
        "kun de@example.de",
        "domain:",
        "domain:10.0.0.1",
        "mail..example.de",
    ];
    let long_label = format!("{}.de", "a".repeat(64));
    let long_name = format!("{}.de", ["abcdefghij"; 30].join("."));
    let forbidden_port = [
        "imaps://mail.example.de:22",
        "smtp://mail.example.de:3306",
        "imap://mail.example.de:6379",
        "pop3s://mail.example.de:8080",
    ];

    let mut cases: Vec<(String, u16, &str)> = Vec::new();
    for host in forbidden_address {
        cases.push((host.to_owned(), 403, "forbidden_address"));
        cases.push((format!("imaps://{host}"), 403, "forbidden_address"));
    }
    for name in [
        "printer.local",
        "db.internal",
        "nas.home.arpa",
        "router.lan",
        "mx.example.test",
        "x.onion",
    ] {
        cases.push((format!("smtp://{name}"), 403, "forbidden_domain"));
        cases.push((format!("domain:{name}"), 403, "forbidden_domain"));
        cases.push((format!("kunde@{name}"), 403, "forbidden_domain"));
    }
    for input in invalid_target {
        cases.push((input.to_owned(), 400, "invalid_target"));
    }
    cases.push((long_label, 400, "invalid_target"));
    cases.push((long_name, 400, "invalid_target"));
    for input in forbidden_port {
        cases.push((input.to_owned(), 403, "forbidden_port"));
    }
    assert!(cases.len() >= 40);
    for (target, status, code) in &cases {
        let (got, body) = api
            .check(&[("target", target.as_str()), ("lang", "en")])
            .await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (*status, Some(*code)),
            "{target:?}: {body}"
        );
        // A name's private address is never told (the answer must not map internal networks).
        for (name, address) in [
            ("private.example.test", "10.1.2.3"),
            ("metadata.example.test", "169.254.169.254"),
            ("ula.example.test", "fd00:ec2::254"),
        ] {
            if target.contains(name) {
                let message = body["error"]["message"].as_str().unwrap_or_default();
                assert!(
                    message.contains(name) && !message.contains(address),
                    "{message}"
                );
            }
        }
    }
    // A control connection shows the watch works: exactly that one is seen.
    let _control = std::net::TcpStream::connect("127.0.0.1:993").expect("control connection");
    let mut connections = 0;
    for listener in &listeners {
        while listener.accept().is_ok() {
            connections += 1;
        }
    }
    assert_eq!(connections, 1, "a refused target was contacted");
    eprintln!(
        "{} hostile targets refused, no connection made",
        cases.len()
    );
}
