//! Cross-check: for the simulated clients MailTLS and testssl.sh 3.0.8 (Debian) both have, the
//! same connected/failed and the same version on the same lab servers.
//!
//! Run with `make crosscheck` (also part of `make bench`). Starts `openssl s_server` with the
//! settings providers choose (ECDHE-GCM only with an RSA certificate, the same plus DHE-GCM,
//! TLS 1.3 only, TLS 1.0 only), runs `testssl --client-simulation` with `ALL_CLIENTS=true` and
//! `probe-api check --json` on each, and compares per client. Prints a Markdown table, writes it
//! to `target/bench/client_crosscheck.md`, and exits 1 on any disagreement.

use std::process::{Command, ExitCode, Stdio};

use serde_json::Value;
use tests::pki::TestCa;
use tests::servers::{OpensslServer, cli_check};

const NAME: &str = "mail.example.test";

/// Our id, testssl.sh 3.0.8's short name for the same capture.
const SHARED: &[(&str, &str)] = &[
    ("schannel-winxp", "ie_8_xp"),
    ("schannel-vista", "ie_7_vista"),
    ("schannel-win7", "ie_8-10_win7"),
    ("schannel-win7-tls12", "ie_11_win7"),
    ("schannel-win81", "ie_11_win81"),
    ("schannel-win10", "ie_11_win10"),
    ("android-4.0", "android_404"),
    ("android-4.3", "android_43"),
    ("android-4.4", "android_442"),
    ("android-5", "android_500"),
    ("android-7", "android_70"),
    ("android-10", "android_X"),
    ("apple-mail-16", "apple_mail_16_0"),
    ("thunderbird-60", "thunderbird_60_6_1"),
    ("thunderbird-68", "thunderbird_68_3_1"),
    ("thunderbird-91", "thunderbird_91_9"),
];

/// What one tool says of one client: `Some(version)` when connected, `None` when not.
type Seen = Option<String>;

fn testssl(port: u16, dir: &std::path::Path) -> Vec<(String, Seen)> {
    let json = dir.join(format!("testssl-{port}.json"));
    let status = Command::new("testssl")
        .env("ALL_CLIENTS", "true")
        .args([
            "--client-simulation",
            "--quiet",
            "--color",
            "0",
            "--warnings",
            "off",
        ])
        .args(["--nodns", "none", "--jsonfile"])
        .arg(&json)
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run testssl");
    // Its exit status counts findings; the JSON says whether it tested.
    let _ = status;
    let text = std::fs::read_to_string(&json).expect("testssl's JSON");
    let findings: Value = serde_json::from_str(&text).expect("testssl's JSON parses");
    findings
        .as_array()
        .expect("a list of findings")
        .iter()
        .filter_map(|finding| {
            let id = finding["id"].as_str()?.strip_prefix("clientsimulation-")?;
            let text = finding["finding"].as_str()?;
            let version = text
                .split_whitespace()
                .next()
                .filter(|word| word.starts_with("TLSv") || word.starts_with("SSLv"))
                .map(normalise);
            Some((id.to_owned(), version))
        })
        .collect()
}

/// testssl writes `TLSv1`; MailTLS writes `TLSv1.0`.
fn normalise(version: &str) -> String {
    if version == "TLSv1" {
        "TLSv1.0".into()
    } else {
        version.into()
    }
}

fn mailtls(ca: &TestCa, port: u16) -> Vec<(String, Seen)> {
    let (_, report) = cli_check(
        &ca.ca_file,
        &format!("{NAME}=127.0.0.1"),
        &[format!("imaps://{NAME}:{port}")],
        &[],
    );
    report["endpoints"][0]["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .map(|client| {
            let connected = client["result"] == "connected";
            (
                client["client"].as_str().unwrap_or_default().to_owned(),
                connected.then(|| client["version"].as_str().unwrap_or_default().to_owned()),
            )
        })
        .collect()
}

fn main() -> ExitCode {
    if !tests::process::on_path("testssl") {
        eprintln!("client_crosscheck: testssl is not installed (make bench installs it)");
        return ExitCode::FAILURE;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let ca = TestCa::new(dir.path());
    let cert = ca.server_cert_rsa("crosscheck", NAME);
    let servers: [(&str, &[&str]); 4] = [
        (
            "TLS 1.2, ECDHE-RSA AES-GCM/ChaCha20 only",
            tests::servers::ECDHE_GCM_ONLY,
        ),
        (
            "the same plus DHE-RSA-AES128-GCM",
            &[
                "-tls1_2",
                "-cipher",
                "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256",
            ],
        ),
        ("TLS 1.3 only", &["-tls1_3"]),
        ("TLS 1.0 only", &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]),
    ];
    let mut table =
        String::from("| server | client | MailTLS | testssl.sh 3.0.8 | |\n|---|---|---|---|---|\n");
    let mut disagreements = 0;
    for (label, args) in servers {
        let server = OpensslServer::start(&cert, args);
        let ours = mailtls(&ca, server.port);
        let theirs = testssl(server.port, dir.path());
        for (id, short) in SHARED {
            let find = |list: &[(String, Seen)], key: &str| {
                list.iter()
                    .find(|(name, _)| name == key)
                    .map(|(_, seen)| seen.clone())
            };
            let (Some(mine), Some(other)) = (find(&ours, id), find(&theirs, short)) else {
                table += &format!("| {label} | {id} | missing | missing | ✗ |\n");
                disagreements += 1;
                continue;
            };
            let show = |seen: &Seen| seen.clone().unwrap_or_else(|| "no connection".into());
            let same = mine == other;
            disagreements += usize::from(!same);
            table += &format!(
                "| {label} | {id} | {} | {} | {} |\n",
                show(&mine),
                show(&other),
                if same { "✓" } else { "✗" }
            );
        }
    }
    table += &format!("\n{disagreements} disagreements.\n");
    println!("{table}");
    let out = tests::target_dir().join("bench");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("client_crosscheck.md"), &table);
    if disagreements == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
