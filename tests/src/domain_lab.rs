//! The domain lab: a Knot DNS server with a DNSSEC-signed `test.` zone and unsigned child zones,
//! two Postfix MX hosts on their own loopback addresses (one modern, one TLS 1.0 only) sharing
//! one port, and MTA-STS policy servers (a good one, a 10 MB one, a redirecting one, a tarpit).
//! The domain e2e tests and the domain benchmark run against it.

use std::net::Ipv4Addr;

use serde_json::Value;

use crate::dns::{HttpsFiles, Knot, Tarpit, Zone, spki_sha256};
use crate::mail_servers::{Postfix, PostfixTls};
use crate::pki::{ServerCert, TestCa, Validity};
use crate::process::free_port;
use crate::servers::{ProbeApiOptions, cli_json, probe_api_binary};

pub const MODERN_MX: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
pub const LEGACY_MX: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
const POLICY: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 4);
const SILENT_POLICY: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 5);
const HUGE_POLICY: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 6);
const MOVED_POLICY: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 7);

/// The test zones. `two.test`: a modern and a legacy MX plus TLS-RPT; `sts.test`: the same MX
/// hosts under an `enforce` MTA-STS policy that lists only the first; `nomx.test`: no MX, an
/// address (implicit MX); `nullmx.test`: `MX 0 .`; `many.test`: 12 MX records; the next ones
/// have hostile MTA-STS setups.
/// All of them are unsigned children of the DNSSEC-signed `test.` zone, which itself holds
/// `dane.test`: two MX hosts (the same servers) whose TLSA records both pin `mx1_spki`, so one
/// matches and one does not; `down.test`, whose MX host with a TLSA record does not answer;
/// `alias.test`, whose MX hosts are CNAMEs of the modern server.
pub fn zones(mx1_spki: &str) -> Vec<Zone> {
    let filler = format!("\"{}\"", "x".repeat(250));
    let oversized = format!(
        "_mta-sts TXT \"v=STSv1; id=1\" {}",
        [filler.as_str(); 12].join(" ")
    );
    let policy_domain = |name: &str, ip: Ipv4Addr| {
        Zone::new(
            name,
            &[
                "@ MX 10 mx1.two.test.",
                "_mta-sts TXT \"v=STSv1; id=20261127\"",
                &format!("mta-sts A {ip}"),
            ],
        )
    };
    // More MX records than are checked: 12, preferences 120 down to 10, none with an address.
    let many: Vec<String> = (1..=12)
        .map(|n| format!("@ MX {} mx{n:02}", 130 - 10 * n))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let mut zones = vec![
        Zone::new("many.test", &many),
        Zone::new(
            "two.test",
            &[
                "@ MX 10 mx1",
                "@ MX 20 mx2",
                &format!("mx1 A {MODERN_MX}"),
                &format!("mx2 A {LEGACY_MX}"),
                "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@two.test\"",
            ],
        ),
        Zone::new(
            "sts.test",
            &[
                "@ MX 20 mx2.two.test.",
                "@ MX 10 mx1.two.test.",
                "_mta-sts TXT \"v=STSv1; id=20261127\"",
                &format!("mta-sts A {POLICY}"),
            ],
        ),
        Zone::new("nomx.test", &[&format!("@ A {MODERN_MX}")]),
        Zone::new("nullmx.test", &["@ MX 0 ."]),
        // An unsigned domain whose MX host lives in the signed zone and has a matching TLSA
        // record: senders cannot trust the MX records, so DANE does not apply (RFC 7672 §2.2.1).
        Zone::new("unsigned.test", &["@ MX 10 mx1.dane.test."]),
        // broken.test: the signed parent publishes a DS for it, but the zone is not signed, so
        // its answers are bogus under DNSSEC (the chain of trust is broken).
        Zone::new(
            "broken.test",
            &["@ MX 10 mx1", &format!("mx1 A {MODERN_MX}")],
        ),
        Zone::new("bigtxt.test", &["@ MX 10 mx1.two.test.", &oversized]),
        policy_domain("huge.test", HUGE_POLICY),
        policy_domain("slow.test", SILENT_POLICY),
        policy_domain("moved.test", MOVED_POLICY),
        // Its policy host is moved.test's server, whose certificate names only that host.
        policy_domain("wrongname.test", MOVED_POLICY),
    ];
    let mut parent: Vec<String> = zones
        .iter()
        .flat_map(|zone| {
            let label = zone.origin.trim_end_matches(".test");
            [
                format!("{label} NS ns.{label}"),
                format!("ns.{label} A 127.0.0.1"),
            ]
        })
        .collect();
    parent.extend([
        format!("broken DS 4711 13 2 {}", "ab".repeat(32)),
        "dane MX 10 mx1.dane".to_owned(),
        "dane MX 20 mx2.dane".to_owned(),
        format!("mx1.dane A {MODERN_MX}"),
        format!("mx2.dane A {LEGACY_MX}"),
        format!("_25._tcp.mx1.dane TLSA 3 1 1 {mx1_spki}"),
        format!("_25._tcp.mx2.dane TLSA 3 1 1 {mx1_spki}"),
        // down.test: one MX with a TLSA record where nothing listens.
        "down MX 10 mx3.dane".to_owned(),
        "mx3.dane A 127.0.0.9".to_owned(),
        format!("_25._tcp.mx3.dane TLSA 3 1 1 {mx1_spki}"),
        // alias.test: both MX hosts are aliases of the modern server. The TLSA record of the
        // first is at its alias target, the second's at its own name (RFC 7672 §2.2.2). (A
        // signed alias into an unsigned zone cannot be staged here: asked directly, Knot answers
        // it with a referral, which hickory's validator reads as bogus; a recursive resolver
        // answers with the whole chain. dns.rs's unit tests cover that chain's proof.)
        "alias MX 10 mx1.alias".to_owned(),
        "alias MX 20 mx2.alias".to_owned(),
        "mx1.alias CNAME mx1.dane".to_owned(),
        "mx2.alias CNAME mx4.dane".to_owned(),
        format!("mx4.dane A {MODERN_MX}"),
        format!("_25._tcp.mx2.alias TLSA 3 1 1 {mx1_spki}"),
    ]);
    let parent: Vec<&str> = parent.iter().map(String::as_str).collect();
    zones.push(Zone::signed("test", &parent));
    zones
}

/// Everything the domain checks talk to.
#[derive(Debug)]
pub struct Lab {
    pub ca: TestCa,
    /// The modern MX host's certificate (the TLSA records of `dane.test` pin its key).
    pub mx1: ServerCert,
    pub knot: Knot,
    /// The port both MX hosts listen on (pass it as `--mx-port`).
    pub mx_port: u16,
    /// The port the policy servers listen on (pass it as `--mta-sts-port`).
    pub sts_port: u16,
    _servers: (Postfix, Postfix, HttpsFiles, HttpsFiles, HttpsFiles, Tarpit),
    _ca_dir: tempfile::TempDir,
}

impl Lab {
    pub fn start() -> Lab {
        let ca_dir = tempfile::tempdir().expect("temporary directory");
        let ca = TestCa::new(ca_dir.path());
        let mx1 = ca.server_cert("mx1", "mx1.two.test", Validity::CURRENT);
        let knot = Knot::start(&zones(&spki_sha256(&mx1)));
        let mx_port = free_port();
        let sts_port = free_port();
        let modern = Postfix::start_at(MODERN_MX, Some(mx_port), &mx1, PostfixTls::Modern);
        let legacy = Postfix::start_at(
            LEGACY_MX,
            Some(mx_port),
            &ca.server_cert("mx2", "mx2.two.test", Validity::CURRENT),
            PostfixTls::Tls10Only,
        );
        let path = "/.well-known/mta-sts.txt";
        let policy = HttpsFiles::start(
            POLICY.into(),
            sts_port,
            &ca.server_cert("sts", "mta-sts.sts.test", Validity::CURRENT),
            &[(
                path,
                HttpsFiles::text(
                    b"version: STSv1\r\nmode: enforce\r\nmx: mx1.two.test\r\nmax_age: 86400\r\n",
                ),
            )],
        );
        let mut huge_body =
            b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nversion: STSv1\r\n".to_vec();
        huge_body.resize(10 * 1024 * 1024, b'#');
        let huge = HttpsFiles::start(
            HUGE_POLICY.into(),
            sts_port,
            &ca.server_cert("huge", "mta-sts.huge.test", Validity::CURRENT),
            &[(path, huge_body)],
        );
        let moved = HttpsFiles::start(
            MOVED_POLICY.into(),
            sts_port,
            &ca.server_cert("moved", "mta-sts.moved.test", Validity::CURRENT),
            &[(
                path,
                b"HTTP/1.0 301 Moved Permanently\r\nLocation: https://policies.elsewhere.test/sts.txt\r\n\r\n"
                    .to_vec(),
            )],
        );
        let tarpit = Tarpit::start(SILENT_POLICY.into(), sts_port);
        Lab {
            ca,
            mx1,
            knot,
            mx_port,
            sts_port,
            _servers: (modern, legacy, policy, huge, moved, tarpit),
            _ca_dir: ca_dir,
        }
    }

    pub fn trust_anchor(&self) -> String {
        let path = self
            .knot
            .trust_anchor
            .as_ref()
            .expect("the lab signs test.");
        path.display().to_string()
    }

    /// `probe-api check --json` on `targets` through the lab's DNS server; exit code and report.
    pub fn check(&self, targets: &[&str]) -> (i32, Value) {
        self.check_with_dns(&self.knot.address.to_string(), targets)
    }

    pub fn check_with_dns(&self, dns: &str, targets: &[&str]) -> (i32, Value) {
        self.check_with(dns, &self.trust_anchor(), targets)
    }

    /// `probe-api check --json` asking `dns`, trusting the DNSSEC keys in `trust_anchor`. Each
    /// network step may take 10 s: ample for loopback servers on a loaded machine.
    pub fn check_with(&self, dns: &str, trust_anchor: &str, targets: &[&str]) -> (i32, Value) {
        self.check_with_step(dns, trust_anchor, 10, targets)
    }

    /// [`Lab::check`] with network steps cut off after 3 s, for servers that never answer.
    pub fn check_impatient(&self, targets: &[&str]) -> (i32, Value) {
        self.check_with_step(
            &self.knot.address.to_string(),
            &self.trust_anchor(),
            3,
            targets,
        )
    }

    fn check_with_step(
        &self,
        dns: &str,
        trust_anchor: &str,
        step_seconds: u32,
        targets: &[&str],
    ) -> (i32, Value) {
        let mut options = self.options(dns, trust_anchor);
        options.extend(["--step-timeout".to_owned(), step_seconds.to_string()]);
        let options: Vec<&str> = options.iter().map(String::as_str).collect();
        cli_json(&self.ca.ca_file, &options, targets)
    }

    /// `probe-api check` with the text report, pointed at the lab; the exit code and the text.
    pub fn check_text(&self, targets: &[&str]) -> (i32, String) {
        let options = self.options(&self.knot.address.to_string(), &self.trust_anchor());
        let output = std::process::Command::new(probe_api_binary())
            .arg("check")
            .arg("--ca-file")
            .arg(&self.ca.ca_file)
            .args(&options)
            .args(targets)
            .env("RUST_LOG", "error")
            .output()
            .expect("run probe-api check");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }

    /// The probe options that point `probe-api` at the lab, asking `dns`.
    fn options(&self, dns: &str, trust_anchor: &str) -> Vec<String> {
        [
            "--dns-server",
            dns,
            "--dnssec-trust-anchor",
            trust_anchor,
            "--allow-reserved-names",
            "--mx-port",
            &self.mx_port.to_string(),
            "--mta-sts-port",
            &self.sts_port.to_string(),
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// A `probe-api serve` pointed at the lab (loopback admitted, the test CA trusted).
    pub fn service_options(&self) -> ProbeApiOptions {
        let mut options = ProbeApiOptions::loopback(&self.ca.ca_file, &[], &[self.mx_port]);
        options.extra_args = self.options(&self.knot.address.to_string(), &self.trust_anchor());
        options
    }
}
