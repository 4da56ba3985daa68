//! Benchmark: a full check of all seven mail endpoints of a local Dovecot + Postfix host, by
//! MailTLS and, in the same run on the same servers, by sslyze (PyPI) and testssl.sh (Debian).
//!
//! Run with `make bench`. Everything listens on 127.0.0.1. The result is printed as a Markdown
//! table and written to `target/bench/full_check.md`. Each tool is asked what MailTLS answers:
//! which protocol versions each endpoint accepts (sslyze: `--sslv3 … --tlsv1_3 --certinfo`;
//! testssl.sh: `--protocols`), and, with client simulation, which mail programs connect
//! (testssl.sh: `--client-simulation`; MailTLS with and without it). Times are wall-clock medians
//! over several runs; nothing here is asserted, it is measured. MailTLS keeps its politeness
//! limit (two connections per address) in every run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tests::mail_servers::{Dovecot, DovecotTls, Postfix, PostfixTls};
use tests::pki::{TestCa, Validity};
use tests::servers::cli_check;

const NAME: &str = "mail.example.test";

/// One endpoint: scheme for MailTLS, STARTTLS protocol for the others (None = implicit TLS).
struct Endpoint {
    scheme: &'static str,
    starttls: Option<&'static str>,
    port: u16,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<F: FnMut()>(runs: usize, mut run: F) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                run();
                started.elapsed()
            })
            .collect(),
    )
}

/// MailTLS's check of `endpoints` (`extra` flags added); the median time, the slowest single
/// handshake, and how many connections the check opened (version probes + simulated clients).
fn mailtls(ca: &TestCa, endpoints: &[Endpoint], extra: &[&str]) -> (Duration, u64, usize) {
    let targets: Vec<String> = endpoints
        .iter()
        .map(|e| format!("{}://{NAME}:{}", e.scheme, e.port))
        .collect();
    let mut slowest_handshake = 0;
    let mut connections = 0;
    let took = time(9, || {
        let (_, report) = cli_check(&ca.ca_file, &format!("{NAME}=127.0.0.1"), &targets, extra);
        connections = 0;
        for endpoint in report["endpoints"].as_array().expect("endpoints") {
            assert_eq!(endpoint["verdict"], "ready", "{endpoint:#}");
            for handshake in endpoint["handshakes"].as_array().expect("handshakes") {
                slowest_handshake =
                    slowest_handshake.max(handshake["duration_ms"].as_u64().unwrap_or(0));
                connections += 1;
            }
            // A client decided from the version probes cost no connection.
            connections += endpoint["clients"]
                .as_array()
                .expect("clients")
                .iter()
                .filter(|client| {
                    !client["detail"]
                        .as_str()
                        .is_some_and(|detail| detail.ends_with("(from the version probes)"))
                })
                .count();
        }
    });
    (took, slowest_handshake, connections)
}

fn sslyze(python: &Path, endpoints: &[Endpoint]) -> Duration {
    time(1, || {
        // One invocation per STARTTLS kind: sslyze scans the servers of one invocation in
        // parallel, but --starttls applies to all of them.
        for kind in [None, Some("smtp"), Some("imap"), Some("pop3")] {
            let servers: Vec<String> = endpoints
                .iter()
                .filter(|e| e.starttls == kind)
                .map(|e| format!("127.0.0.1:{}", e.port))
                .collect();
            let mut command = Command::new(python);
            command.args([
                "-m",
                "sslyze",
                "--sslv3",
                "--tlsv1",
                "--tlsv1_1",
                "--tlsv1_2",
                "--tlsv1_3",
                "--certinfo",
                "--quiet",
            ]);
            if let Some(kind) = kind {
                command.arg(format!("--starttls={kind}"));
            }
            let status = command
                .args(&servers)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("run sslyze");
            assert!(status.success(), "sslyze failed");
        }
    })
}

fn testssl(endpoints: &[Endpoint], what: &str) -> Duration {
    time(1, || {
        for endpoint in endpoints {
            let mut command = Command::new("testssl");
            command.args([
                what,
                "--quiet",
                "--color",
                "0",
                "--warnings",
                "off",
                "--nodns",
                "none",
            ]);
            if let Some(kind) = endpoint.starttls {
                command.args(["--starttls", kind]);
            }
            let output = command
                .arg(format!("127.0.0.1:{}", endpoint.port))
                .stderr(Stdio::null())
                .output()
                .expect("run testssl");
            // Its exit status counts findings; what matters is that it really tested.
            let text = String::from_utf8_lossy(&output.stdout);
            let tested = if what == "--protocols" {
                text.contains("TLS 1.2    offered")
            } else {
                text.contains("Running client simulations")
            };
            assert!(tested, "testssl did not test {}: {text}", endpoint.port);
        }
    })
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let ca = TestCa::new(dir.path());
    let cert = ca.server_cert("bench", NAME, Validity::CURRENT);
    let dovecot = Dovecot::start(&cert, DovecotTls::Modern);
    let postfix = Postfix::start(&cert, PostfixTls::Modern);
    let endpoints = [
        Endpoint {
            scheme: "smtp",
            starttls: Some("smtp"),
            port: postfix.smtp,
        },
        Endpoint {
            scheme: "submission",
            starttls: Some("smtp"),
            port: postfix.submission,
        },
        Endpoint {
            scheme: "smtps",
            starttls: None,
            port: postfix.smtps,
        },
        Endpoint {
            scheme: "imap",
            starttls: Some("imap"),
            port: dovecot.imap,
        },
        Endpoint {
            scheme: "imaps",
            starttls: None,
            port: dovecot.imaps,
        },
        Endpoint {
            scheme: "pop3",
            starttls: Some("pop3"),
            port: dovecot.pop3,
        },
        Endpoint {
            scheme: "pop3s",
            starttls: None,
            port: dovecot.pop3s,
        },
    ];

    let (ours, slowest_handshake, with_clients) = mailtls(&ca, &endpoints, &[]);
    let (versions_only, _, without_clients) = mailtls(&ca, &endpoints, &["--no-client-simulation"]);
    let python = tests::workspace_root().join("tools/venv/bin/python");
    let theirs: Vec<(&str, Option<Duration>)> = vec![
        (
            "sslyze 6.3.1",
            python.is_file().then(|| sslyze(&python, &endpoints)),
        ),
        (
            "testssl.sh 3.0.8 (`--protocols`)",
            tests::process::on_path("testssl").then(|| testssl(&endpoints, "--protocols")),
        ),
        (
            "testssl.sh 3.0.8 (`--client-simulation`)",
            tests::process::on_path("testssl").then(|| testssl(&endpoints, "--client-simulation")),
        ),
    ];

    let mut table =
        String::from("| tool | full check of 7 endpoints | vs MailTLS |\n|---|---:|---:|\n");
    table += &format!(
        "| MailTLS (`probe-api check`, versions and {} simulated clients, {with_clients} connections) | {:.3} s | 1× |\n",
        mailtls_shared::SimulatedClient::ALL.len(),
        ours.as_secs_f64()
    );
    table += &format!(
        "| MailTLS (`--no-client-simulation`, {without_clients} connections) | {:.3} s | {:.2}× |\n",
        versions_only.as_secs_f64(),
        versions_only.as_secs_f64() / ours.as_secs_f64()
    );
    for (tool, took) in &theirs {
        match took {
            Some(took) => {
                table += &format!(
                    "| {tool} | {:.1} s | {:.0}× slower |\n",
                    took.as_secs_f64(),
                    took.as_secs_f64() / ours.as_secs_f64()
                )
            }
            None => table += &format!("| {tool} | not installed (`make bench` installs it) | |\n"),
        }
    }
    table += &format!(
        "\nSlowest single handshake in MailTLS's check: {slowest_handshake} ms; the whole check \
         took {} ms ({:.1}× that handshake).\n",
        ours.as_millis(),
        ours.as_secs_f64() * 1000.0 / slowest_handshake.max(1) as f64
    );
    table += &format!(
        "\nClient simulation adds {:.0} % to the check: {with_clients} connections instead of \
         {without_clients}, still at most two at a time to the one address.\n",
        (ours.as_secs_f64() / versions_only.as_secs_f64() - 1.0) * 100.0
    );
    println!("{table}");
    let out: PathBuf = tests::target_dir().join("bench");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("full_check.md"), &table);
}
