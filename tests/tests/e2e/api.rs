//! The JSON API against real `openssl s_server` instances.

use tests::pki::Validity;
use tests::servers::{OpensslServer, ProbeApi, ProbeApiOptions};

use crate::{outcome, test_ca};

const NAME: &str = "mail.example.test";

#[tokio::test(flavor = "multi_thread")]
async fn versions_follow_what_the_server_offers() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let both = OpensslServer::start(&cert, &[]);
    let only_12 = OpensslServer::start(&cert, &["-tls1_2"]);
    let only_13 = OpensslServer::start(&cert, &["-tls1_3"]);
    let api = ProbeApi::start(&ProbeApiOptions::loopback(
        &ca.ca_file,
        &[NAME],
        &[both.port, only_12.port, only_13.port],
    ));

    let cases = [
        (both.port, "accepted", "accepted"),
        (only_12.port, "accepted", "rejected"),
        (only_13.port, "rejected", "accepted"),
    ];
    for (port, tls12, tls13) in cases {
        let target = format!("imaps://{NAME}:{port}");
        let (status, report) = api.check(&[("target", &target)]).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(outcome(&report, "TLSv1.2"), tls12, "{target}: {report}");
        assert_eq!(outcome(&report, "TLSv1.3"), tls13, "{target}: {report}");
        let endpoint = &report["endpoints"][0];
        assert_eq!(endpoint["scheme"], "imaps");
        assert_eq!(endpoint["host"], NAME);
        assert_eq!(endpoint["port"], port);
        assert_eq!(endpoint["address"], "127.0.0.1");
        assert_eq!(endpoint["certificate"]["verdict"], "valid", "{report}");
        let accepted = endpoint["handshakes"]
            .as_array()
            .expect("handshakes")
            .iter()
            .filter(|h| h["outcome"] == "accepted");
        for handshake in accepted {
            let suite = handshake["cipher_suite"].as_str().unwrap_or_default();
            assert!(suite.starts_with("TLS_"), "{handshake}");
            assert!(handshake["group"].is_string(), "{handshake}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_problems_are_reported_not_fatal() {
    let (_dir, ca) = test_ca();
    let expired = ca.server_cert("expired", NAME, Validity::EXPIRED);
    let other_name = ca.server_cert("other", "other.example.test", Validity::CURRENT);
    let expired_server = OpensslServer::start(&expired, &[]);
    let other_server = OpensslServer::start(&other_name, &[]);
    let ports = [expired_server.port, other_server.port];

    let trusting = ProbeApi::start(&ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &ports));
    let (_, report) = trusting
        .check(&[("target", &format!("imaps://{NAME}:{}", expired_server.port))])
        .await;
    assert_eq!(outcome(&report, "TLSv1.3"), "accepted", "{report}");
    assert_eq!(report["endpoints"][0]["certificate"]["verdict"], "expired");

    let (_, report) = trusting
        .check(&[("target", &format!("imaps://{NAME}:{}", other_server.port))])
        .await;
    assert_eq!(
        report["endpoints"][0]["certificate"]["verdict"],
        "name_mismatch"
    );

    // Without the test CA, the same valid chain is from an unknown issuer.
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &["other.example.test"], &ports);
    options.ca_files.clear();
    let distrusting = ProbeApi::start(&options);
    let (_, report) = distrusting
        .check(&[(
            "target",
            &format!("imaps://other.example.test:{}", other_server.port),
        )])
        .await;
    assert_eq!(outcome(&report, "TLSv1.2"), "accepted", "{report}");
    assert_eq!(
        report["endpoints"][0]["certificate"]["verdict"],
        "untrusted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_port_is_inconclusive_with_its_reason() {
    let (_dir, ca) = test_ca();
    let port = tests::process::free_port();
    let api = ProbeApi::start(&ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[port]));
    let (status, report) = api
        .check(&[("target", &format!("imaps://{NAME}:{port}"))])
        .await;
    assert_eq!(status, 200);
    assert_eq!(outcome(&report, "TLSv1.2"), "inconclusive");
    assert_eq!(
        report["endpoints"][0]["handshakes"][0]["reason"],
        "connection_refused"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_clear_json_error() {
    let (_dir, ca) = test_ca();
    let api = ProbeApi::start(&ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[]));
    type Query<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Query, u16, &str, &str); 7] = [
        (
            &[("target", "imaps://mail server.test")],
            400,
            "invalid_target",
            "Leerzeichen",
        ),
        (
            &[
                ("target", "imaps://mail.example.test\r\nQUIT"),
                ("lang", "en"),
            ],
            400,
            "invalid_target",
            "line break",
        ),
        (
            &[("target", "imaps://0x7f.1")],
            400,
            "invalid_target",
            "Zahl",
        ),
        (
            &[("target", "https://mail.example.test")],
            400,
            "invalid_target",
            "können wir nicht prüfen",
        ),
        (&[], 400, "missing_target", "target="),
        (
            &[("target", "imaps://mail.example.test:2222")],
            403,
            "forbidden_port",
            "2222",
        ),
        (
            &[("target", "imaps://mail.example.test:22"), ("lang", "en")],
            403,
            "forbidden_port",
            "cannot check port 22",
        ),
    ];
    for (query, status, code, words) in cases {
        let (got_status, body) = api.check(query).await;
        assert_eq!(got_status, status, "{query:?}: {body}");
        assert_eq!(body["error"]["code"], code, "{query:?}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{query:?}: {message}");
    }
    // A refused port is named in the body, so a client that asked for several servers can
    // leave out the one refused and check the rest (the page does).
    let (_, body) = api
        .check(&[
            ("target", "imaps://mail.example.test:993"),
            ("target", "submission://mail.example.test:2525"),
        ])
        .await;
    assert_eq!(body["error"]["code"], "forbidden_port", "{body}");
    assert_eq!(body["error"]["port"], 2525, "{body}");
    let (_, body) = api.check(&[("target", "bogus://x")]).await;
    assert!(body["error"].get("port").is_none(), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn loopback_is_refused_unless_explicitly_allowed() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let server = OpensslServer::start(&cert, &[]);
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[server.port]);
    options.allow_cidrs.clear();
    let api = ProbeApi::start(&options);
    // A typed address is named in the answer; a name's address is not (the answer must not
    // map internal networks for whoever asks).
    for (target, names_address) in [
        (format!("imaps://{NAME}:{}", server.port), false),
        (format!("imaps://127.0.0.1:{}", server.port), true),
        (format!("imaps://[::ffff:127.0.0.1]:{}", server.port), true),
    ] {
        let (status, body) = api.check(&[("target", &target), ("lang", "en")]).await;
        assert_eq!(status, 403, "{target}: {body}");
        assert_eq!(
            body["error"]["code"], "forbidden_address",
            "{target}: {body}"
        );
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(message.contains("127.0.0.1"), names_address, "{message}");
    }
}

/// Checks an IMAPS server whose certificate names `NAME` and `count - 1` more hosts; returns the
/// raw report after asserting that it stayed within the size cap.
async fn check_a_certificate_with_names(count: usize) -> String {
    let (_dir, ca) = test_ca();
    let names: Vec<String> = std::iter::once(NAME.to_owned())
        .chain((1..count).map(|n| format!("n{n}.example.test")))
        .collect();
    let cert = ca.server_cert_for_names("many-names", &names);
    let server = OpensslServer::start(&cert, &[]);
    let api = ProbeApi::start(&ProbeApiOptions::loopback(
        &ca.ca_file,
        &[NAME],
        &[server.port],
    ));
    let (status, _, body) = api
        .get(&format!(
            "/api/v1/check?target=imaps://{NAME}:{}",
            server.port
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.len() <= mailtls_shared::caps::MAX_REPORT_BYTES,
        "{} bytes",
        body.len()
    );
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_with_thousands_of_names_is_reported_within_the_caps() {
    // 2,500 names: about as many as fit into one TLS handshake message (64 KiB), the most a
    // TLS client accepts.
    let body = check_a_certificate_with_names(2_500).await;
    let report: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let certificate = &report["endpoints"][0]["certificate"];
    assert_eq!(
        certificate["verdict"], "valid",
        "{:#}",
        report["endpoints"][0]
    );
    assert_eq!(
        certificate["sans"].as_array().map(Vec::len),
        Some(mailtls_shared::caps::MAX_SANS)
    );
    assert_eq!(certificate["sans"][0], NAME);
    assert_eq!(certificate["sans_omitted"], 2_500 - 100);
    // The certificate's names appear once: rustls's name error (which lists them all) is not
    // in the report of a valid certificate, and no detail carries them.
    assert_eq!(body.matches("n2499.example.test").count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_with_twenty_thousand_names_is_refused_at_the_handshake_cap_and_said_so() {
    // 20,000 names make a certificate of about 400 KiB. The probe, like every TLS client,
    // reads at most 64 KiB of one handshake message (OpenSSL's default limit for the whole
    // chain is 100 KiB), so none of it reaches memory or the report: the report names the
    // reason instead of a bare library error.
    let body = check_a_certificate_with_names(20_000).await;
    let report: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let endpoint = &report["endpoints"][0];
    for version in ["TLSv1.2", "TLSv1.3"] {
        let handshake = endpoint["handshakes"]
            .as_array()
            .and_then(|all| all.iter().find(|h| h["version"] == version))
            .unwrap_or_else(|| panic!("{version} in {endpoint:#}"));
        assert_eq!(handshake["outcome"], "inconclusive", "{handshake:#}");
        let detail = handshake["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("over 64 KiB") && detail.contains("certificate"),
            "{detail}"
        );
    }
    assert_eq!(endpoint["verdict"], "untestable", "{endpoint:#}");
    assert_eq!(body.matches("n19999.example.test").count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_probe_route_answers_the_same_check_as_prometheus_gauges() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let only_12 = OpensslServer::start(&cert, &["-tls1_2"]);
    let api = ProbeApi::start(&ProbeApiOptions::loopback(
        &ca.ca_file,
        &[NAME],
        &[only_12.port],
    ));
    let target = format!("imaps://{NAME}:{}", only_12.port);
    let (status, headers, text) = api.get(&format!("/probe?target={target}")).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    // The JSON answer for the same target is the same check (from the cache now).
    let (_, report) = api.check(&[("target", &target)]).await;
    let endpoint = &report["endpoints"][0];
    let labels = format!(r#"endpoint="{target}",address="127.0.0.1""#);
    let sample = |line: &str| {
        assert!(
            text.lines().any(|l| l == line),
            "{line:?} missing in\n{text}"
        );
    };
    sample("mailtls_probe_success 1");
    sample("mailtls_probe_cache_age_seconds 0");
    sample("mailtls_probe_verdict_severity 0");
    sample(r#"mailtls_probe_verdict{verdict="ready"} 1"#);
    sample(&format!("mailtls_probe_endpoint_tested{{{labels}}} 1"));
    sample(&format!(
        r#"mailtls_probe_endpoint_verdict{{{labels},verdict="ready"}} 1"#
    ));
    let versions = endpoint["versions"].as_object().expect("versions");
    for (version, outcome) in versions {
        let line = format!(r#"mailtls_probe_tls_version_accepted{{{labels},version="{version}"}}"#);
        match outcome.as_str() {
            Some("accepted") => sample(&format!("{line} 1")),
            Some("rejected") => sample(&format!("{line} 0")),
            _ => assert!(!text.contains(&line), "{line} for an undecided version"),
        }
    }
    assert_eq!(versions["TLSv1.2"], "accepted");
    assert_eq!(versions["TLSv1.3"], "rejected");
    let days = endpoint["certificate"]["days_left"].as_i64().expect("days");
    assert!(days > 0, "{report}");
    sample(&format!(
        "mailtls_probe_certificate_days_left{{{labels}}} {days}"
    ));
    sample(&format!(
        r#"mailtls_probe_certificate_valid{{{labels},verdict="valid"}} 1"#
    ));
    // A refusal is the API's error, so the scrape fails visibly.
    let (status, _, body) = api.get("/probe?target=imaps://10.0.0.1").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("forbidden_address"), "{body}");
}
