//! Client handshake simulation against real `openssl s_server` instances with the restricted
//! settings providers choose: each simulated mail program's exact outcome, the lock-out finding
//! and the verdict it decides.

use serde_json::Value;
use tests::servers::{OpensslServer, cli_check};

use crate::test_ca;

const NAME: &str = "mail.example.test";

/// `probe-api check --json` on one implicit-TLS endpoint of `server`.
fn check_imaps(ca: &tests::pki::TestCa, server: &OpensslServer) -> (i32, Value) {
    cli_check(
        &ca.ca_file,
        &format!("{NAME}=127.0.0.1"),
        &[format!("imaps://{NAME}:{}", server.port)],
        &[],
    )
}

/// The first endpoint's result for `client`: (result, version, cipher suite, reason).
fn client(report: &Value, id: &str) -> (String, String, String, String) {
    let clients = report["endpoints"][0]["clients"]
        .as_array()
        .unwrap_or_else(|| panic!("no clients in {report:#}"));
    let entry = clients
        .iter()
        .find(|entry| entry["client"] == id)
        .unwrap_or_else(|| panic!("{id} missing in {report:#}"));
    let text = |key: &str| entry[key].as_str().unwrap_or("-").to_owned();
    (
        text("result"),
        text("version"),
        text("cipher_suite"),
        text("reason"),
    )
}

fn finding<'a>(report: &'a Value, code: &str) -> Option<&'a Value> {
    report["endpoints"][0]["findings"]
        .as_array()?
        .iter()
        .find(|finding| finding["code"] == code)
}

fn connected(version: &str, suite: &str) -> (String, String, String, String) {
    ("connected".into(), version.into(), suite.into(), "-".into())
}

fn failed(reason: &str) -> (String, String, String, String) {
    ("failed".into(), "-".into(), "-".into(), reason.into())
}

#[test]
fn an_ecdhe_gcm_only_rsa_server_locks_out_windows_7_and_81_and_dhe_lets_them_in() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert_rsa("modern", NAME);
    let strict = OpensslServer::start(&cert, tests::servers::ECDHE_GCM_ONLY);
    let (code, report) = check_imaps(&ca, &strict);
    let gcm = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    let expected = [
        ("schannel-win7", failed("protocol_version")),
        ("schannel-win7-tls12", failed("no_shared_cipher")),
        ("schannel-win81", failed("no_shared_cipher")),
        ("schannel-win10", connected("TLSv1.2", gcm)),
        ("android-4.3", failed("protocol_version")),
        ("android-7", connected("TLSv1.2", gcm)),
        ("apple-mail-osx10.11", failed("protocol_version")),
        ("apple-mail-16", connected("TLSv1.2", gcm)),
        ("thunderbird-91", connected("TLSv1.2", gcm)),
    ];
    for (id, outcome) in &expected {
        assert_eq!(&client(&report, id), outcome, "{id}: {report:#}");
    }
    assert_eq!(report["endpoints"][0]["verdict"], "clients_locked_out");
    let lockout = finding(&report, "clients_locked_out").expect("lock-out finding");
    assert_eq!(lockout["severity"], "critical");
    let detail = lockout["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("Windows 7 with TLS 1.2 switched on, Windows 8.1 cannot connect")
            && detail.contains("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
        "{detail}"
    );
    assert_eq!(code, 1, "locked-out programs are not ready");

    // The fix the finding names: add DHE-RSA with AES-GCM.
    let with_dhe = OpensslServer::start(
        &cert,
        &[
            "-tls1_2",
            "-cipher",
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256",
        ],
    );
    let (code, report) = check_imaps(&ca, &with_dhe);
    for id in ["schannel-win7-tls12", "schannel-win81"] {
        let (result, version, suite, _) = client(&report, id);
        assert_eq!(
            (result.as_str(), version.as_str(), suite.as_str()),
            (
                "connected",
                "TLSv1.2",
                "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
            ),
            "{id}: {report:#}"
        );
    }
    let group = report["endpoints"][0]["clients"]
        .as_array()
        .and_then(|clients| clients.iter().find(|c| c["client"] == "schannel-win81"))
        .and_then(|c| c["group"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(
        group.starts_with("DH ") && group.ends_with(" bits"),
        "{group}"
    );
    assert_eq!(report["endpoints"][0]["verdict"], "ready", "{report:#}");
    assert!(finding(&report, "clients_locked_out").is_none());
    assert_eq!(code, 0);
}

#[test]
fn a_tls13_only_server_locks_out_every_program_without_tls13() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert_rsa("tls13", NAME);
    let server = OpensslServer::start(&cert, &["-tls1_3"]);
    let (code, report) = check_imaps(&ca, &server);
    for id in [
        "schannel-win10",
        "schannel-win81",
        "apple-mail-16",
        "android-7",
    ] {
        assert_eq!(
            client(&report, id),
            failed("protocol_version"),
            "{id}: {report:#}"
        );
    }
    for id in ["thunderbird-91", "android-10", "android-15"] {
        let (result, version, ..) = client(&report, id);
        assert_eq!(
            (result.as_str(), version.as_str()),
            ("connected", "TLSv1.3"),
            "{id}"
        );
    }
    assert_eq!(report["endpoints"][0]["verdict"], "clients_locked_out");
    let detail = finding(&report, "clients_locked_out").expect("finding")["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(detail.ends_with("switch TLS 1.2 on"), "{detail}");
    assert_eq!(code, 1);
}

#[test]
fn a_tls10_only_server_lets_old_programs_in_and_locks_out_thunderbird_91() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert_rsa("legacy", NAME);
    let server = OpensslServer::start(&cert, &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]);
    let (code, report) = check_imaps(&ca, &server);
    for id in [
        "schannel-win7",
        "apple-mail-osx10.11",
        "apple-mail-ios9",
        "android-4.3",
    ] {
        let (result, version, ..) = client(&report, id);
        assert_eq!(
            (result.as_str(), version.as_str()),
            ("connected", "TLSv1.0"),
            "{id}: {report:#}"
        );
    }
    assert_eq!(
        client(&report, "thunderbird-91"),
        failed("protocol_version")
    );
    // Windows XP offers only RC4 and 3DES, which OpenSSL 3 no longer has.
    assert_eq!(
        client(&report, "schannel-winxp"),
        failed("no_shared_cipher")
    );
    assert_eq!(report["endpoints"][0]["verdict"], "no_modern_tls");
    let legacy = finding(&report, "clients_need_legacy_versions").expect("legacy finding");
    assert!(
        legacy["detail"].as_str()
            == Some(
                "Windows Vista (TLS 1.0), Windows 7 (TLS 1.0), Android 2.3 (TLS 1.0), Android 4.0 (TLS 1.0), \
                 Android 4.1-4.3 (TLS 1.0), Mail on iOS 9 (TLS 1.0), Apple Mail on OS X 10.11 \
                 (TLS 1.0) connect only with a version RFC 8996 retired and will fail once it is \
                 switched off"
            ),
        "{legacy:#}"
    );
    assert_eq!(code, 1);
}

#[test]
fn the_page_facts_and_the_measured_handshakes_agree_on_a_tls12_only_server() {
    use frontend::clients::{Program, System, Tls12, fact, runs_on, simulated};
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert_rsa("tls12", NAME);
    let server = OpensslServer::start(&cert, &["-tls1_2"]);
    let (_, report) = check_imaps(&ca, &server);
    let mut compared = 0;
    for program in Program::ALL {
        for system in System::ALL {
            let (Some(fact), Some((now, _))) = (fact(program, system), simulated(program, system))
            else {
                continue;
            };
            if !runs_on(program, system) {
                continue;
            }
            let id = mailtls_shared::wire_name(&now);
            let (result, version, ..) = client(&report, id);
            let connects = result == "connected" && version == "TLSv1.2";
            // A fact of "TLS 1.2" must connect to a TLS 1.2-only server, and every other fact
            // (TLS 1.2 only after a setting or an update, or not at all) must not.
            assert_eq!(
                connects,
                fact.tls12 == Tls12::Enabled,
                "{program:?} on {system:?} ({id}): fact {:?}, measured {result} {version}",
                fact.tls12
            );
            compared += 1;
        }
    }
    assert!(
        compared >= 20,
        "only {compared} program/system pairs compared"
    );
}

#[test]
fn every_program_that_speaks_tls12_connects_to_dovecot_and_postfix_with_debian_defaults() {
    use tests::mail_servers::{Dovecot, DovecotTls, Postfix, PostfixTls};
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("defaults", NAME, tests::pki::Validity::CURRENT);
    let dovecot = Dovecot::start(&cert, DovecotTls::Modern);
    let postfix = Postfix::start(&cert, PostfixTls::Modern);
    let targets = [
        format!("imap://{NAME}:{}", dovecot.imap),
        format!("pop3s://{NAME}:{}", dovecot.pop3s),
        format!("submission://{NAME}:{}", postfix.submission),
        format!("smtps://{NAME}:{}", postfix.smtps),
    ];
    let (code, report) = cli_check(&ca.ca_file, &format!("{NAME}=127.0.0.1"), &targets, &[]);
    let speaks_tls12 = [
        "schannel-win7-tls12",
        "schannel-win81",
        "schannel-win10",
        "android-4.4",
        "android-5",
        "android-7",
        "android-10",
        "android-13",
        "android-15",
        "apple-mail-16",
        "thunderbird-45",
        "thunderbird-60",
        "thunderbird-68",
        "thunderbird-91",
    ];
    let endpoints = report["endpoints"].as_array().expect("endpoints");
    assert_eq!(endpoints.len(), targets.len(), "{report:#}");
    for endpoint in endpoints {
        let label = format!("{}:{}", endpoint["scheme"], endpoint["port"]);
        let clients = endpoint["clients"].as_array().expect("clients");
        assert_eq!(
            clients.len(),
            mailtls_shared::SimulatedClient::ALL.len(),
            "{label}"
        );
        for client in clients {
            let id = client["client"].as_str().unwrap_or_default();
            let expected = if speaks_tls12.contains(&id) {
                ("connected", "-")
            } else {
                ("failed", "protocol_version")
            };
            let got = (
                client["result"].as_str().unwrap_or("-"),
                client["reason"].as_str().unwrap_or("-"),
            );
            assert_eq!(got, expected, "{label} {id}: {client:#}");
            if got.0 == "connected" {
                let version = client["version"].as_str().unwrap_or_default();
                assert!(
                    ["TLSv1.2", "TLSv1.3"].contains(&version),
                    "{label} {id}: {version}"
                );
            }
        }
        assert_eq!(endpoint["verdict"], "ready", "{label}");
    }
    assert_eq!(code, 0);
}
