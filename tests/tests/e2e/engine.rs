//! The probe engine through the real `probe-api check --json` command, against real Dovecot,
//! Postfix and `openssl s_server` instances and, for what no real server does, stub servers.
//! Each scenario asserts the exact set of accepted versions and the certificate verdict.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use tests::mail_servers::{Dovecot, DovecotTls, Postfix, PostfixTls};
use tests::pki::{TestCa, Validity};
use tests::servers::{OpensslServer, cli_check, probe_api_binary};
use tests::stubs::{Behaviour, Stub, certificate_der};

use crate::test_ca;

const NAME: &str = "mail.example.test";

/// Runs `probe-api check --json` on `targets` (names resolve to 127.0.0.1, the test CA is
/// trusted) and returns the exit code and the report.
fn check(ca: &TestCa, targets: &[String], extra: &[&str]) -> (i32, Value) {
    cli_check(&ca.ca_file, &format!("{NAME}=127.0.0.1"), targets, extra)
}

/// The accepted versions of one endpoint, oldest first.
fn accepted(endpoint: &Value) -> Vec<String> {
    ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
        .into_iter()
        .filter(|version| endpoint["versions"][version] == "accepted")
        .map(str::to_owned)
        .collect()
}

fn target(scheme: &str, port: u16) -> String {
    format!("{scheme}://{NAME}:{port}")
}

/// Asserts every endpoint of `report` accepts exactly `versions` with a valid certificate.
fn assert_endpoints(report: &Value, versions: &[&str], verdict: &str) {
    let endpoints = report["endpoints"].as_array().expect("endpoints");
    assert!(!endpoints.is_empty(), "{report}");
    for endpoint in endpoints {
        let label = format!("{}:{}", endpoint["scheme"], endpoint["port"]);
        assert_eq!(accepted(endpoint), versions, "{label}: {endpoint:#}");
        assert_eq!(
            endpoint["certificate"]["verdict"], "valid",
            "{label}: {endpoint:#}"
        );
        assert_eq!(endpoint["verdict"], verdict, "{label}: {endpoint:#}");
    }
}

#[test]
fn dovecot_imap_and_pop3_with_starttls_and_implicit_tls() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("dovecot", NAME, Validity::CURRENT);
    let cases: [(DovecotTls, &[&str], &str); 3] = [
        (DovecotTls::Modern, &["TLSv1.2", "TLSv1.3"], "ready"),
        (
            DovecotTls::Legacy,
            &["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
            "legacy_enabled",
        ),
        // Every mail program without TLS 1.3 (Windows' SChannel, Apple Mail 16) is locked out.
        (DovecotTls::Tls13Only, &["TLSv1.3"], "clients_locked_out"),
    ];
    for (tls, versions, verdict) in cases {
        let dovecot = Dovecot::start(&cert, tls);
        let targets = [
            target("imap", dovecot.imap),
            target("imaps", dovecot.imaps),
            target("pop3", dovecot.pop3),
            target("pop3s", dovecot.pop3s),
        ];
        let (code, report) = check(&ca, &targets, &[]);
        assert_endpoints(&report, versions, verdict);
        assert_eq!(code, if verdict == "ready" { 0 } else { 1 }, "{tls:?}");
    }
}

#[test]
fn postfix_smtp_submission_and_smtps() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("postfix", NAME, Validity::CURRENT);
    let cases: [(PostfixTls, &[&str], &str); 5] = [
        (PostfixTls::Modern, &["TLSv1.2", "TLSv1.3"], "ready"),
        (
            PostfixTls::Legacy,
            &["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
            "legacy_enabled",
        ),
        (PostfixTls::Tls10Only, &["TLSv1.0"], "no_modern_tls"),
        (PostfixTls::Tls11Only, &["TLSv1.1"], "no_modern_tls"),
        (PostfixTls::Tls13Only, &["TLSv1.3"], "clients_locked_out"),
    ];
    for (tls, versions, verdict) in cases {
        let postfix = Postfix::start(&cert, tls);
        let targets = [
            target("smtp", postfix.smtp),
            target("submission", postfix.submission),
            target("smtps", postfix.smtps),
        ];
        let (_, report) = check(&ca, &targets, &[]);
        assert_endpoints(&report, versions, verdict);
        if verdict == "no_modern_tls" {
            let codes: Vec<&Value> = report["endpoints"][0]["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|finding| &finding["code"])
                .collect();
            assert!(
                codes.contains(&&Value::from("no_tls12")),
                "{tls:?}: {codes:?}"
            );
            assert!(
                codes.contains(&&Value::from("legacy_versions_enabled")),
                "{tls:?}"
            );
        }
    }
}

#[test]
fn starttls_not_offered_is_a_finding_after_one_polite_connection() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("plain", NAME, Validity::CURRENT);
    let postfix = Postfix::start(&cert, PostfixTls::NoStarttls);
    let dovecot = Dovecot::start(&cert, DovecotTls::NoTls);
    let targets = [
        target("submission", postfix.submission),
        target("imap", dovecot.imap),
        target("pop3", dovecot.pop3),
    ];
    let (code, report) = check(&ca, &targets, &[]);
    assert_eq!(code, 1);
    for endpoint in report["endpoints"].as_array().expect("endpoints") {
        assert_eq!(
            endpoint["error"]["code"], "starttls_not_offered",
            "{endpoint:#}"
        );
        assert_eq!(endpoint["verdict"], "no_modern_tls");
        assert_eq!(endpoint["findings"][0]["code"], "starttls_not_offered");
        assert_eq!(endpoint["certificate"], Value::Null);
        assert!(accepted(endpoint).is_empty());
    }

    // The stub counts connections: one dialog tells everything, no knocking five times.
    let stub = Stub::start(Behaviour::SlowMultilineGreeting {
        pause: Duration::from_millis(300),
    });
    let (_, report) = check(&ca, &[target("smtp", stub.port())], &[]);
    assert_eq!(
        report["endpoints"][0]["error"]["code"],
        "starttls_not_offered"
    );
    assert_eq!(stub.connections(), 1);
    assert_eq!(
        stub.protocol_violations(),
        0,
        "EHLO was sent before the greeting ended"
    );
}

#[test]
fn certificate_verdicts() {
    let (_dir, ca) = test_ca();
    let expired = ca.server_cert("expired", NAME, Validity::EXPIRED);
    let other = ca.server_cert("other", "other.example.test", Validity::CURRENT);
    let not_yet = ca.server_cert("notyet", NAME, Validity::NOT_YET);
    // Only the leaf is sent; the intermediate that links it to the trusted root is missing.
    let leaf_only = ca.server_cert_via_intermediate("leaf", NAME);
    let cases = [
        (OpensslServer::start(&expired, &[]), "expired"),
        (OpensslServer::start(&other, &[]), "name_mismatch"),
        (OpensslServer::start(&not_yet, &[]), "not_yet_valid"),
        (OpensslServer::start(&leaf_only, &[]), "incomplete_chain"),
    ];
    for (server, verdict) in &cases {
        let (_, report) = check(&ca, &[target("imaps", server.port)], &[]);
        let endpoint = &report["endpoints"][0];
        assert_eq!(accepted(endpoint), ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(endpoint["certificate"]["verdict"], *verdict, "{endpoint:#}");
        assert_eq!(endpoint["verdict"], "certificate_problem");
    }
    let facts =
        &check(&ca, &[target("imaps", cases[1].0.port)], &[]).1["endpoints"][0]["certificate"];
    assert_eq!(facts["subject"], "other.example.test");
    assert_eq!(facts["sans"][0], "other.example.test");
    assert_eq!(facts["issuer"], "MailTLS Test Root CA");
    assert_eq!(facts["key_type"], "EC P-256");
    assert_eq!(facts["key_bits"], 256);
    assert!(
        facts["days_left"]
            .as_i64()
            .is_some_and(|days| (88..=90).contains(&days)),
        "{facts}"
    );

    // With the intermediate sent along, the same leaf is valid.
    let chain = _dir.path().join("leaf-chain.pem");
    let complete = OpensslServer::start(
        &leaf_only,
        &["-cert_chain", chain.to_str().expect("utf-8 path")],
    );
    let (_, report) = check(&ca, &[target("imaps", complete.port)], &[]);
    assert_eq!(
        report["endpoints"][0]["certificate"]["verdict"], "valid",
        "{report:#}"
    );
    assert_eq!(report["endpoints"][0]["certificate"]["chain_length"], 2);

    // A lone certificate that issued itself is self-signed.
    let self_signed = self_signed_cert(_dir.path());
    let server = OpensslServer::start(&self_signed, &[]);
    let (_, report) = check(&ca, &[target("imaps", server.port)], &[]);
    assert_eq!(
        report["endpoints"][0]["certificate"]["verdict"],
        "self_signed"
    );
}

/// A self-signed certificate made by `openssl req -x509`, as admins make them.
fn self_signed_cert(dir: &Path) -> tests::pki::ServerCert {
    let cert_file = dir.join("self.pem");
    let key_file = dir.join("self.key");
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .arg("-keyout")
        .arg(&key_file)
        .arg("-out")
        .arg(&cert_file)
        .args(["-days", "30", "-subj", "/CN=mail.example.test"])
        .args(["-addext", "subjectAltName=DNS:mail.example.test"])
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run openssl req");
    assert!(status.success());
    tests::pki::ServerCert {
        cert_file,
        key_file,
    }
}

#[test]
fn legacy_only_servers_still_get_a_certificate_verdict() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("legacy", NAME, Validity::CURRENT);
    let tls10 = OpensslServer::start(&cert, &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]);
    let (code, report) = check(&ca, &[target("smtps", tls10.port)], &[]);
    let endpoint = &report["endpoints"][0];
    assert_eq!(accepted(endpoint), ["TLSv1.0"], "{endpoint:#}");
    assert_eq!(endpoint["certificate"]["verdict"], "valid", "{endpoint:#}");
    assert_eq!(endpoint["verdict"], "no_modern_tls");
    assert_eq!(code, 1);

    let sslv3 = Stub::start(Behaviour::Sslv3Only {
        certificate_der: certificate_der(&cert),
    });
    let (_, report) = check(&ca, &[target("imaps", sslv3.port())], &[]);
    let endpoint = &report["endpoints"][0];
    assert_eq!(accepted(endpoint), ["SSLv3"], "{endpoint:#}");
    assert_eq!(endpoint["certificate"]["verdict"], "valid", "{endpoint:#}");
    assert_eq!(endpoint["findings"][0]["code"], "legacy_versions_enabled");
    assert_eq!(endpoint["findings"][0]["severity"], "critical");
}

#[test]
fn hostile_servers_cost_at_most_the_deadline() {
    let (_dir, ca) = test_ca();
    let fast = ["--step-timeout", "4", "--check-timeout", "12"];
    let cases = [
        (Stub::start(Behaviour::Silent), "smtp", "timeout"),
        (
            Stub::start(Behaviour::SlowGreeting {
                delay: Duration::from_secs(20),
            }),
            "smtp",
            "timeout",
        ),
        (
            Stub::start(Behaviour::EndlessEhlo),
            "smtp",
            "protocol_violation",
        ),
        (
            Stub::start(Behaviour::TooManyConnections),
            "smtp",
            "throttled",
        ),
    ];
    for (stub, scheme, code) in &cases {
        let started = std::time::Instant::now();
        let (exit, report) = check(&ca, &[target(scheme, stub.port())], &fast);
        let endpoint = &report["endpoints"][0];
        assert_eq!(endpoint["error"]["code"], *code, "{endpoint:#}");
        assert_eq!(endpoint["verdict"], "untestable", "{endpoint:#}");
        assert!(accepted(endpoint).is_empty());
        assert_eq!(endpoint["certificate"], Value::Null);
        assert_eq!(exit, 3, "could not test: {code}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{code} took {:?}",
            started.elapsed()
        );
    }

    // Garbage after a ServerHello header on an implicit-TLS port: no verdict is invented.
    let garbage = Stub::start(Behaviour::GarbageAfterServerHello);
    let (_, report) = check(&ca, &[target("imaps", garbage.port())], &fast);
    let endpoint = &report["endpoints"][0];
    assert!(accepted(endpoint).is_empty(), "{endpoint:#}");
    for version in ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"] {
        assert_ne!(endpoint["versions"][version], "accepted");
    }
}

#[test]
fn injected_plain_text_is_reported_and_the_tls_behind_it_still_measured() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("injection", NAME, Validity::CURRENT);
    let tls = OpensslServer::start(&cert, &[]);
    let behind = Stub::start(Behaviour::StarttlsInjectionThenTls {
        upstream: std::net::SocketAddr::from(([127, 0, 0, 1], tls.port)),
    });
    let nothing_behind = Stub::start(Behaviour::StarttlsInjection);
    let injection = |endpoint: &Value| {
        endpoint["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|finding| finding["code"] == "response_injection")
            .cloned()
            .unwrap_or(Value::Null)
    };
    // The finding, and the versions and certificate of the TLS server behind the injection.
    let (exit, report) = check(&ca, &[target("submission", behind.port())], &[]);
    let endpoint = &report["endpoints"][0];
    let finding = injection(endpoint);
    assert_eq!(finding["severity"], "critical", "{endpoint:#}");
    assert!(
        finding["detail"]
            .as_str()
            .is_some_and(|d| d.contains("250 injected") && d.contains("discarded")),
        "{finding}"
    );
    assert_eq!(accepted(endpoint), ["TLSv1.2", "TLSv1.3"], "{endpoint:#}");
    assert_eq!(endpoint["certificate"]["verdict"], "valid", "{endpoint:#}");
    assert_eq!(endpoint["verdict"], "ready", "the TLS itself is in order");
    assert_eq!(exit, 1, "a critical finding: a problem found");
    // With nothing behind the injection the finding stands and nothing is invented.
    let (exit, report) = check(
        &ca,
        &[target("submission", nothing_behind.port())],
        &["--step-timeout", "4"],
    );
    let endpoint = &report["endpoints"][0];
    assert_eq!(injection(endpoint)["severity"], "critical", "{endpoint:#}");
    assert!(accepted(endpoint).is_empty(), "{endpoint:#}");
    assert_eq!(exit, 1);
}

#[test]
fn every_address_of_a_name_is_its_own_endpoint_ipv4_and_ipv6() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("pool", NAME, Validity::CURRENT);
    let v4 = OpensslServer::start(&cert, &[]);
    // The pool member on ::1 is configured differently: TLS 1.2 only.
    let v6 = OpensslServer::start_on("::1".parse().expect("::1"), &cert, &["-tls1_2"]);
    // The name has both addresses; each server listens on its own port, so each target's
    // endpoint is reported per address: one answers, the other address refuses.
    let (_, report) = check(
        &ca,
        &[target("imaps", v4.port), target("imaps", v6.port)],
        &["--resolve", &format!("{NAME}=::1")],
    );
    let endpoints = report["endpoints"].as_array().expect("endpoints");
    let find = |address: &str, port: u16| {
        endpoints
            .iter()
            .find(|e| e["address"] == address && e["port"] == port)
            .unwrap_or_else(|| panic!("no endpoint {address} {port}: {report:#}"))
    };
    assert_eq!(endpoints.len(), 4, "two targets × two addresses");
    assert_eq!(accepted(find("127.0.0.1", v4.port)), ["TLSv1.2", "TLSv1.3"]);
    assert_eq!(accepted(find("::1", v6.port)), ["TLSv1.2"]);
    assert_eq!(find("::1", v4.port)["error"]["code"], "connection_refused");
    assert_eq!(
        find("127.0.0.1", v6.port)["error"]["code"],
        "connection_refused"
    );

    // The table names an IPv6 endpoint so that it can be pasted back as a target.
    let literal = format!("imaps://[::1]:{}", v6.port);
    let output = Command::new(probe_api_binary())
        .args(["check", "--no-client-simulation", "--ca-file"])
        .arg(&ca.ca_file)
        .arg(&literal)
        .output()
        .expect("run probe-api check");
    let text = String::from_utf8_lossy(&output.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.starts_with(&format!("{literal}  [::1]")), "{text}");
    let pasted = first.split_whitespace().next().unwrap_or_default();
    assert!(mailtls_shared::Target::parse(pasted).is_ok(), "{pasted}");
}

#[test]
fn unusable_input_and_configuration_exit_with_2_and_json_says_why() {
    let output = Command::new(probe_api_binary())
        .args(["check", "imaps://mail server.test"])
        .output()
        .expect("run probe-api check");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("remove the spaces"));

    // With --json the error is JSON on stdout, for scripts.
    let output = Command::new(probe_api_binary())
        .args(["check", "--json", "imaps://mail server.test"])
        .output()
        .expect("run probe-api check");
    assert_eq!(output.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&output.stdout).expect("a JSON error");
    assert_eq!(error["error"]["code"], "invalid_target", "{error}");

    // A configuration that cannot be used is 2 as well, not 1 (which means "problem found").
    for args in [
        ["--ca-file", "/nonexistent/ca.pem"],
        ["--config", "/nonexistent/mailtls.toml"],
        ["--dnssec-trust-anchor", "/nonexistent/anchor"],
    ] {
        let output = Command::new(probe_api_binary())
            .arg("check")
            .args(args)
            .arg("imaps://mail.example.test")
            .output()
            .expect("run probe-api check");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("pipe", NAME, Validity::CURRENT);
    let server = OpensslServer::start(&cert, &["-tls1_2"]);
    let mut child = Command::new(probe_api_binary())
        .args(["check", "--ca-file"])
        .arg(&ca.ca_file)
        .args(["--resolve", &format!("{NAME}=127.0.0.1")])
        .arg(target("imaps", server.port))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run probe-api check");
    // Like `| head -0`: the reader closes before the report is written.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    assert_ne!(
        output.status.code(),
        Some(101),
        "panicked: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn old_versions_that_do_not_answer_leave_the_endpoint_partly_tested_with_exit_3() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("partly", NAME, Validity::CURRENT);
    let server = OpensslServer::start(&cert, &[]);
    let stalls = Stub::start(Behaviour::StallsOldHellos {
        upstream: std::net::SocketAddr::from(([127, 0, 0, 1], server.port)),
    });
    let (code, report) = check(
        &ca,
        &[target("imaps", stalls.port())],
        &["--step-timeout", "2", "--check-timeout", "30"],
    );
    let endpoint = &report["endpoints"][0];
    assert_eq!(accepted(endpoint), ["TLSv1.2", "TLSv1.3"], "{endpoint:#}");
    for version in ["SSLv3", "TLSv1.0", "TLSv1.1"] {
        assert_eq!(
            endpoint["versions"][version], "inconclusive",
            "{endpoint:#}"
        );
    }
    assert_eq!(endpoint["verdict"], "partly_tested", "{endpoint:#}");
    assert_eq!(report["verdict"], "unclear");
    assert_eq!(
        code, 3,
        "not ready, not a problem found: could not test fully"
    );
}

#[test]
fn untestable_endpoints_count_and_ports_not_offered_are_reported_as_such() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("host", NAME, Validity::CURRENT);
    // One check of a ready server and a silent one: the silent one is not left out.
    let ready = OpensslServer::start(&cert, &[]);
    let silent = Stub::start(Behaviour::Silent);
    let (code, report) = check(
        &ca,
        &[target("imaps", ready.port), target("imaps", silent.port())],
        &["--step-timeout", "2", "--check-timeout", "20"],
    );
    let verdicts: Vec<&Value> = report["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .map(|endpoint| &endpoint["verdict"])
        .collect();
    assert_eq!(verdicts, ["ready", "untestable"], "{report:#}");
    let silent_endpoint = &report["endpoints"][1];
    // What was not measured gets no finding, and the endpoint says why it is untestable.
    assert_eq!(
        silent_endpoint["findings"],
        Value::Array(vec![]),
        "{silent_endpoint:#}"
    );
    assert_eq!(
        silent_endpoint["error"]["code"], "timeout",
        "{silent_endpoint:#}"
    );
    assert_eq!(report["verdict"], "unclear");
    assert_eq!(code, 3);

    // A host check of a name with only IMAPS: the other six ports are "not offered".
    let host = "only-imaps.example.test";
    let host_cert = ca.server_cert("only-imaps", host, Validity::CURRENT);
    let _imaps = OpensslServer::start_on_port(
        std::net::IpAddr::from([127, 0, 0, 77]),
        993,
        &host_cert,
        &["-tls1_2"],
    );
    let host_check = |extra: &[&str]| {
        tests::servers::cli_check(
            &ca.ca_file,
            &format!("{host}=127.0.0.77"),
            &[host.to_owned()],
            extra,
        )
    };
    let (code, report) = host_check(&["--no-client-simulation"]);
    let endpoints = report["endpoints"].as_array().expect("endpoints");
    assert_eq!(endpoints.len(), 7, "{report:#}");
    for endpoint in endpoints {
        let expected = if endpoint["port"] == 993 {
            "ready"
        } else {
            "not_offered"
        };
        assert_eq!(endpoint["verdict"], expected, "{endpoint:#}");
    }
    // Only the offered port counts for the verdict; the exit status says some were not there,
    // unless told to ignore them.
    assert_eq!(report["verdict"], "ready");
    assert_eq!(code, 3);
    let (code, _) = host_check(&["--no-client-simulation", "--ignore-not-offered"]);
    assert_eq!(code, 0);

    // `host:993`, as mail programs show it and the page accepts it, is the IMAPS endpoint.
    let (code, report) = tests::servers::cli_check(
        &ca.ca_file,
        &format!("{host}=127.0.0.77"),
        &[format!("{host}:993")],
        &["--no-client-simulation"],
    );
    assert_eq!(
        report["targets"][0],
        format!("imaps://{host}"),
        "{report:#}"
    );
    assert_eq!(report["endpoints"][0]["verdict"], "ready");
    assert_eq!(code, 0);
}

#[test]
fn a_certificate_that_expires_tomorrow_is_a_warning_and_exit_1() {
    let (_dir, ca) = test_ca();
    let tomorrow = ca.server_cert(
        "tomorrow",
        NAME,
        Validity {
            from_days: -30,
            until_days: 1,
        },
    );
    let server = OpensslServer::start(&tomorrow, &[]);
    let targets = [target("imaps", server.port)];
    let (code, report) = check(&ca, &targets, &["--no-client-simulation"]);
    let endpoint = &report["endpoints"][0];
    assert_eq!(endpoint["certificate"]["verdict"], "valid", "{endpoint:#}");
    assert_eq!(endpoint["findings"][0]["code"], "certificate_expires_soon");
    assert_eq!(endpoint["findings"][0]["severity"], "warning");
    assert_eq!(code, 1, "monitoring must hear about it before it expires");
    let (code, report) = check(
        &ca,
        &targets,
        &["--no-client-simulation", "--certificate-warning-days", "0"],
    );
    assert_eq!(report["endpoints"][0]["findings"], Value::Array(vec![]));
    assert_eq!(code, 0);
}

#[test]
fn check_timeout_bounds_the_whole_check_dns_included() {
    let (_dir, ca) = test_ca();
    let silent = tests::dns::GarbageDns::start_silent();
    for target in ["mail.silent.test", "domain:silent.test"] {
        let started = std::time::Instant::now();
        let (code, report) = tests::servers::cli_json(
            &ca.ca_file,
            &[
                "--dns-server",
                &silent.address.to_string(),
                "--allow-reserved-names",
                "--check-timeout",
                "2",
            ],
            &[target],
        );
        let wall = started.elapsed();
        // The lookups that never end are cut at the check's deadline, and the report says how
        // long the check really took.
        assert!(wall < Duration::from_secs(6), "{target}: {wall:?}");
        let reported = Duration::from_millis(report["duration_ms"].as_u64().unwrap_or(0));
        assert!(
            reported >= Duration::from_millis(1900) && reported <= wall,
            "{target}: reported {reported:?}, wall {wall:?}"
        );
        assert_eq!(code, 3, "{target}: {report:#}");
    }
}

#[test]
fn a_port_of_another_service_is_named_with_the_port_that_fits() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("services", NAME, Validity::CURRENT);
    let dovecot = Dovecot::start(&cert, DovecotTls::Modern);
    let postfix = Postfix::start(&cert, PostfixTls::Modern);
    let cases = [
        // POP3 over TLS set up on Dovecot's IMAPS port: TLS works, the greeting is IMAP's.
        (
            target("pop3s", dovecot.imaps),
            format!(
                "port {} answers like IMAP after the TLS handshake, not POP3; IMAP over TLS is imaps:993",
                dovecot.imaps
            ),
        ),
        // SSL/TLS set up for the submission port, which speaks plain-text SMTP first.
        (
            target("smtps", postfix.submission),
            format!(
                "port {} speaks plain-text SMTP and starts TLS only with STARTTLS; use STARTTLS there, or smtps:465 for TLS from the first byte",
                postfix.submission
            ),
        ),
        // The same for IMAP's STARTTLS port.
        (
            target("imaps", dovecot.imap),
            format!(
                "port {} speaks plain-text IMAP and starts TLS only with STARTTLS; use STARTTLS there, or imaps:993 for TLS from the first byte",
                dovecot.imap
            ),
        ),
    ];
    for (target, detail) in cases {
        let (code, report) = check(
            &ca,
            std::slice::from_ref(&target),
            &["--no-client-simulation"],
        );
        let endpoint = &report["endpoints"][0];
        assert_eq!(
            endpoint["verdict"], "wrong_service",
            "{target}: {endpoint:#}"
        );
        assert_eq!(endpoint["findings"][0]["code"], "wrong_service", "{target}");
        assert_eq!(
            endpoint["findings"][0]["detail"],
            detail.as_str(),
            "{target}"
        );
        // The same, structured, for the page's advice.
        let found = &endpoint["service_found"];
        let spoken = if detail.contains("IMAP") {
            "imap"
        } else {
            "smtp"
        };
        assert_eq!(found["protocol"], spoken, "{target}: {found}");
        assert_eq!(
            found["plain_text"],
            detail.contains("plain-text"),
            "{target}: {found}"
        );
        assert_eq!(code, 1, "{target}");
    }
    // The right scheme on each port is fine.
    let (code, report) = check(
        &ca,
        &[
            target("imaps", dovecot.imaps),
            target("pop3s", dovecot.pop3s),
        ],
        &["--no-client-simulation"],
    );
    assert_eq!(report["verdict"], "ready", "{report:#}");
    assert_eq!(code, 0);
}

#[test]
fn a_dns_failure_is_not_reported_as_a_name_that_does_not_exist() {
    let (_dir, ca) = test_ca();
    // Knot serves only `lab.test`: for `mail.lab.test` that has no address it says "no such
    // data", for a name in a zone it does not serve it answers REFUSED — a DNS failure that says
    // nothing about whether the name exists.
    let knot =
        tests::dns::Knot::start(&[tests::dns::Zone::new("lab.test", &["other A 127.0.0.1"])]);
    let cases = [
        ("imaps://mail.lab.test", "name_not_found"),
        ("imaps://mail.elsewhere.test", "lookup_failed"),
    ];
    for (target, code) in cases {
        let (exit, report) = tests::servers::cli_json(
            &ca.ca_file,
            &[
                "--dns-server",
                &knot.address.to_string(),
                "--allow-reserved-names",
                "--no-client-simulation",
            ],
            &[target],
        );
        let endpoint = &report["endpoints"][0];
        assert_eq!(endpoint["error"]["code"], code, "{target}: {endpoint:#}");
        assert_eq!(endpoint["verdict"], "untestable", "{target}");
        assert_eq!(exit, 3, "{target}");
    }
}

#[test]
fn the_command_line_finds_a_new_server_under_its_name_in_etc_hosts() {
    let (_dir, ca) = test_ca();
    let name = "mail.hosts.test";
    let cert = ca.server_cert("hosts", name, Validity::CURRENT);
    let server = tests::servers::OpensslServer::start(&cert, &[]);
    let silent = tests::dns::GarbageDns::start_silent();
    let dir = tempfile::tempdir().expect("dir");
    let hosts = dir.path().join("hosts");
    std::fs::write(&hosts, format!("127.0.0.1 localhost\n127.0.0.1 {name}\n")).expect("write");
    // This test's own /etc/hosts, in a mount namespace of its own (the machine's stays as it is).
    let output = std::process::Command::new("unshare")
        .args([
            "--mount",
            "--",
            "sh",
            "-c",
            "mount --bind \"$0\" /etc/hosts && exec \"$@\"",
        ])
        .arg(&hosts)
        .arg(tests::servers::probe_api_binary())
        .args([
            "check",
            "--json",
            "--no-client-simulation",
            "--check-timeout",
            "5",
        ])
        // Were the hosts file not read, the name would go to this silent DNS server on
        // loopback, never to the machine's resolver.
        .arg("--dns-server")
        .arg(silent.address.to_string())
        .arg("--ca-file")
        .arg(&ca.ca_file)
        .arg(format!("imaps://{name}:{}", server.port))
        .env("RUST_LOG", "error")
        .output()
        .expect("run probe-api in a mount namespace (unshare, as root)");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "no report: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let endpoint = &report["endpoints"][0];
    assert_eq!(endpoint["address"], "127.0.0.1", "{endpoint:#}");
    assert_eq!(endpoint["certificate"]["verdict"], "valid", "{endpoint:#}");
    assert_eq!(output.status.code(), Some(0), "{report:#}");
}
