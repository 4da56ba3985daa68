//! Domain checks end to end: a real Knot DNS server serves `.test` zones, two real Postfix
//! instances are the MX hosts (one modern, one TLS 1.0 only, on different loopback addresses and
//! one shared port), `openssl s_server -HTTP` serves MTA-STS policies (see
//! [`tests::domain_lab`]). Each domain's verdict, MX list, MTA-STS, TLS-RPT and DANE state is
//! asserted exactly; hostile records and policy servers must end in a clear, bounded result.

use fantoccini::Locator;
use serde_json::Value;
use tests::browser::Browser;
use tests::dns::{GarbageDns, Knot, Zone, spki_sha256};
use tests::domain_lab::Lab;
use tests::process::in_own_network_namespace;
use tests::servers::{ProbeApi, ProbeApiOptions};

use crate::page::{check_server, open};

/// The domain part for `name`.
fn domain<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["domains"]
        .as_array()
        .and_then(|domains| domains.iter().find(|d| d["domain"] == name))
        .unwrap_or_else(|| panic!("no domain {name} in {report:#}"))
}

/// `(host, preference, status, best_version)` of every MX host.
fn hosts(domain: &Value) -> Vec<(String, u64, String, String)> {
    domain["mx_hosts"]
        .as_array()
        .expect("mx_hosts")
        .iter()
        .map(|host| {
            (
                host["host"].as_str().unwrap_or("").to_owned(),
                host["preference"].as_u64().unwrap_or(999),
                host["status"].as_str().unwrap_or("").to_owned(),
                host["best_version"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

/// `(code, severity)` of one MX host's problems.
fn problems(domain: &Value, index: usize) -> Vec<(String, String)> {
    domain["mx_hosts"][index]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|problem| {
            (
                problem["code"].as_str().unwrap_or("").to_owned(),
                problem["severity"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// The service with its public-internet policy, asking `knot` for every name (`.test` names
/// admitted).
fn public_policy_service(knot: &Knot) -> ProbeApi {
    ProbeApi::start(&ProbeApiOptions {
        extra_args: vec![
            "--dns-server".into(),
            knot.address.to_string(),
            "--allow-reserved-names".into(),
        ],
        ..ProbeApiOptions::default()
    })
}

fn strings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn host(name: &str, preference: u64, status: &str, best: &str) -> (String, u64, String, String) {
    (
        name.to_owned(),
        preference,
        status.to_owned(),
        best.to_owned(),
    )
}

#[test]
fn two_mx_hosts_one_of_them_tls10_only_are_some_mx_failing() {
    let lab = Lab::start();
    let (code, report) = lab.check(&["domain:two.test"]);
    assert_eq!(code, 1, "{report:#}");
    // Two MX hosts: the modern one works, the TLS 1.0-only one loses Microsoft 365's mail.
    let two = domain(&report, "two.test");
    assert_eq!(two["verdict"], "some_mx_failing");
    assert_eq!(two["mx_source"], "mx");
    assert_eq!(
        hosts(two),
        [
            host("mx1.two.test", 10, "usable", "TLSv1.3"),
            host("mx2.two.test", 20, "problem", "TLSv1.0"),
        ]
    );
    assert_eq!(problems(two, 0), []);
    assert_eq!(problems(two, 1), strings(&[("no_modern_tls", "critical")]));
    assert_eq!(
        two["mx_hosts"][1]["addresses"],
        serde_json::json!(["127.0.0.3"])
    );
    assert_eq!(two["mta_sts"]["status"], "absent");
    assert_eq!(two["tls_rpt"]["status"], "valid");
    assert_eq!(
        two["tls_rpt"]["rua"],
        serde_json::json!(["mailto:tlsrpt@two.test"])
    );
    // two.test is an unsigned child of the signed test.: DANE is not possible, not an error.
    assert_eq!(two["dane"], "unsigned");
    assert_eq!(two["mx_hosts"][0]["dane"]["status"], "unsigned");
}

#[test]
fn an_enforced_mta_sts_policy_flags_the_mx_hosts_it_does_not_name() {
    let lab = Lab::start();
    let (code, report) = lab.check(&["kunde@sts.test"]);
    assert_eq!(code, 1, "{report:#}");
    // MTA-STS enforce listing only mx1: mx2 is also outside the policy. MX order is by
    // preference, not by the order DNS returned them in.
    let sts = domain(&report, "sts.test");
    assert_eq!(sts["verdict"], "some_mx_failing");
    assert_eq!(sts["mta_sts"]["status"], "valid", "{:#}", sts["mta_sts"]);
    assert_eq!(sts["mta_sts"]["id"], "20261127");
    assert_eq!(
        sts["mta_sts"]["policy"],
        serde_json::json!({"mode": "enforce", "mx": ["mx1.two.test"], "max_age": 86400})
    );
    assert_eq!(
        hosts(sts),
        [
            host("mx1.two.test", 10, "usable", "TLSv1.3"),
            host("mx2.two.test", 20, "problem", "TLSv1.0"),
        ]
    );
    assert_eq!(sts["mx_hosts"][0]["mta_sts_match"], true);
    assert_eq!(sts["mx_hosts"][1]["mta_sts_match"], false);
    assert_eq!(
        problems(sts, 1),
        strings(&[
            ("not_in_mta_sts_policy", "critical"),
            ("no_modern_tls", "critical")
        ])
    );
    assert_eq!(sts["tls_rpt"]["status"], "absent");
}

#[test]
fn a_domain_without_mx_records_is_its_own_mail_server() {
    let lab = Lab::start();
    let (code, report) = lab.check(&["domain:nomx.test"]);
    assert_eq!(code, 0, "{report:#}");
    // No MX: the domain's own address is its mail server (its certificate names mx1, which an
    // opportunistic sender does not check).
    let nomx = domain(&report, "nomx.test");
    assert_eq!(nomx["mx_source"], "implicit_mx");
    assert_eq!(nomx["verdict"], "ready");
    assert_eq!(hosts(nomx), [host("nomx.test", 0, "usable", "TLSv1.3")]);
    assert_eq!(
        problems(nomx, 0),
        strings(&[("certificate_problem", "info")])
    );
    // The domain is ready and so is the exit status: the MX probe's name mismatch matters to
    // the domain only as info, and the domain's verdict decides.
    assert_eq!(report["endpoints"][0]["verdict"], "certificate_problem");
    assert_eq!(report["verdict"], "ready", "{report:#}");
}

#[test]
fn a_null_mx_domain_receives_no_mail_by_design_and_is_no_problem() {
    let lab = Lab::start();
    let (code, report) = lab.check(&["domain:nullmx.test"]);
    assert_eq!(code, 0, "{report:#}");
    // A domain that receives no mail by design is no problem either.
    assert_eq!(report["verdict"], "ready", "{report:#}");
    let nullmx = domain(&report, "nullmx.test");
    assert_eq!(nullmx["mx_source"], "null_mx");
    assert_eq!(nullmx["verdict"], "no_mail");
    assert_eq!(hosts(nullmx), []);
}

#[test]
fn a_domain_that_does_not_exist_is_untestable_and_says_so() {
    let lab = Lab::start();
    let (code, report) = lab.check(&["domain:gone.two.test"]);
    assert_eq!(code, 3, "{report:#}");
    let gone = domain(&report, "gone.two.test");
    assert_eq!(gone["mx_source"], "no_mail_server");
    assert_eq!(gone["verdict"], "untestable");
    assert!(
        gone["detail"]
            .as_str()
            .unwrap_or("")
            .contains("does not exist")
    );
}

#[test]
fn dane_in_a_signed_zone_matches_each_mx_hosts_key() {
    let lab = Lab::start();
    let (code, report) = lab.check(&["domain:dane.test"]);
    assert_eq!(code, 1, "{report:#}");
    // DANE in the signed zone: both TLSA records pin mx1's key; mx2 presents its own.
    let dane = domain(&report, "dane.test");
    assert_eq!(dane["dane"], "mismatch");
    assert_eq!(dane["verdict"], "some_mx_failing");
    assert_eq!(
        hosts(dane),
        [
            host("mx1.dane.test", 10, "usable", "TLSv1.3"),
            host("mx2.dane.test", 20, "problem", "TLSv1.0"),
        ]
    );
    assert_eq!(dane["mx_hosts"][0]["dane"]["status"], "valid");
    assert_eq!(
        dane["mx_hosts"][0]["dane"]["records"][0],
        format!("3 1 1 {}", spki_sha256(&lab.mx1))
    );
    assert_eq!(dane["mx_hosts"][1]["dane"]["status"], "mismatch");
    assert_eq!(
        problems(dane, 1),
        strings(&[
            ("no_modern_tls", "critical"),
            ("certificate_problem", "info"),
            ("dane_mismatch", "critical")
        ])
    );
    // mx1's certificate names mx1.two.test: DANE-EE pins the key, names do not matter.
    assert_eq!(
        problems(dane, 0),
        strings(&[("certificate_problem", "info")])
    );
}

#[test]
fn an_unreachable_mx_host_is_untested_not_a_dane_mismatch() {
    let lab = Lab::start();
    let (code, report) = lab.check(&["domain:down.test"]);
    assert_eq!(code, 3, "{report:#}");
    // An MX host that cannot be reached is untested, not a DANE mismatch.
    let down = domain(&report, "down.test");
    assert_eq!(down["verdict"], "untestable");
    assert_eq!(hosts(down), [host("mx3.dane.test", 10, "untested", "-")]);
    assert_eq!(problems(down, 0), strings(&[("unreachable", "warning")]));
    assert_eq!(down["mx_hosts"][0]["dane"], Value::Null);
    assert_eq!(down["dane"], Value::Null);
}

#[test]
fn tlsa_records_behind_unsigned_mx_records_are_not_used() {
    let lab = Lab::start();
    let (code, report) = lab.check(&["domain:unsigned.test"]);
    assert_eq!(code, 0, "{report:#}");
    // The same MX host with its matching TLSA record, named by unsigned MX records: no DANE.
    let unsigned = domain(&report, "unsigned.test");
    assert_eq!(unsigned["verdict"], "ready");
    assert_eq!(unsigned["dane"], "unsigned");
    let host_dane = &unsigned["mx_hosts"][0]["dane"];
    assert_eq!(host_dane["status"], "unsigned");
    assert_eq!(
        host_dane["records"][0],
        format!("3 1 1 {}", spki_sha256(&lab.mx1))
    );
    assert!(
        host_dane["detail"]
            .as_str()
            .unwrap_or("")
            .starts_with("the domain's MX records are not signed with DNSSEC"),
        "{host_dane}"
    );
}

#[test]
fn mx_aliases_find_their_tlsa_records_at_the_alias_target_first() {
    let lab = Lab::start();
    let (code, report) = lab.check(&["domain:alias.test"]);
    assert_eq!(code, 0, "{report:#}");
    // MX hosts that are aliases (CNAME): their TLSA records are looked up at the alias target
    // first, then at the MX name (RFC 7672 §2.2.2); both ways lead to the modern server's key.
    let alias = domain(&report, "alias.test");
    assert_eq!(alias["verdict"], "ready", "{alias:#}");
    assert_eq!(alias["dane"], "valid");
    let spki = spki_sha256(&lab.mx1);
    assert_eq!(alias["mx_hosts"][0]["dane"]["status"], "valid");
    assert_eq!(
        alias["mx_hosts"][0]["dane"]["detail"],
        format!(
            "the certificate matches 3 1 1 {spki} (TLSA records at _25._tcp.mx1.dane.test: \
             mx1.alias.test is an alias of mx1.dane.test)"
        )
    );
    assert_eq!(alias["mx_hosts"][1]["dane"]["status"], "valid");
    assert_eq!(
        alias["mx_hosts"][1]["dane"]["detail"],
        format!("the certificate matches 3 1 1 {spki}")
    );
}

#[test]
fn domains_checked_together_keep_their_order_and_share_the_probes_of_their_mx_hosts() {
    let lab = Lab::start();
    let (code, report) = lab.check(&[
        "domain:two.test",
        "kunde@sts.test",
        "domain:nomx.test",
        "domain:nullmx.test",
        "domain:gone.two.test",
        "domain:dane.test",
        "domain:unsigned.test",
        "domain:down.test",
        "domain:alias.test",
    ]);
    assert_eq!(code, 1, "problems found: exit 1");
    assert_eq!(
        report["targets"],
        serde_json::json!([
            "domain:two.test",
            "domain:sts.test",
            "domain:nomx.test",
            "domain:nullmx.test",
            "domain:gone.two.test",
            "domain:dane.test",
            "domain:unsigned.test",
            "domain:down.test",
            "domain:alias.test"
        ])
    );

    // The MX probes are ordinary endpoint reports, one per MX host and address however many
    // domains name it.
    let endpoints = report["endpoints"].as_array().expect("endpoints");
    let smtp_hosts: Vec<&str> = endpoints
        .iter()
        .map(|endpoint| {
            assert_eq!(endpoint["scheme"], "smtp");
            assert_eq!(endpoint["port"], lab.mx_port);
            endpoint["host"].as_str().unwrap_or("")
        })
        .collect();
    assert_eq!(
        smtp_hosts,
        [
            "mx1.two.test",
            "mx2.two.test",
            "nomx.test",
            "mx1.dane.test",
            "mx2.dane.test",
            "mx3.dane.test",
            "mx1.alias.test",
            "mx2.alias.test"
        ]
    );
}

#[test]
fn hostile_mta_sts_records_and_policy_servers_make_the_policy_unusable_and_say_why() {
    let lab = Lab::start();
    let (_, report) = lab.check(&[
        "domain:bigtxt.test",
        "domain:huge.test",
        "domain:moved.test",
        "domain:wrongname.test",
    ]);
    let (_, slow) = lab.check_impatient(&["domain:slow.test"]);
    let mta_sts = |name: &str| {
        let report = if name == "slow.test" { &slow } else { &report };
        let sts = &domain(report, name)["mta_sts"];
        (
            sts["status"].as_str().unwrap_or("").to_owned(),
            sts["error"].as_str().unwrap_or("").to_owned(),
        )
    };
    assert_eq!(
        mta_sts("bigtxt.test"),
        (
            "invalid_record".into(),
            "the record is 3013 bytes long".into()
        )
    );
    assert_eq!(
        mta_sts("huge.test"),
        (
            "policy_unavailable".into(),
            "the policy is larger than 65536 bytes".into()
        )
    );
    assert_eq!(
        mta_sts("slow.test"),
        (
            "policy_unavailable".into(),
            "no complete answer within 3 s".into()
        )
    );
    assert_eq!(
        mta_sts("moved.test"),
        (
            "policy_unavailable".into(),
            "the server redirected to \"https://policies.elsewhere.test/sts.txt\"; MTA-STS forbids redirects"
                .into()
        )
    );
    let (status, error) = mta_sts("wrongname.test");
    assert_eq!(status, "policy_unavailable");
    assert!(
        error.starts_with(
            "the HTTPS connection failed (certificate or TLS): invalid peer certificate: \
             certificate not valid for name \"mta-sts.wrongname.test\""
        ),
        "{error}"
    );
    // Without a usable policy nothing is enforced and the one modern MX carries the mail, but
    // the announced policy that senders cannot use is a misconfiguration, not "all good".
    for name in ["bigtxt.test", "huge.test", "moved.test", "wrongname.test"] {
        assert_eq!(domain(&report, name)["verdict"], "mta_sts_broken", "{name}");
    }
    assert_eq!(domain(&slow, "slow.test")["verdict"], "mta_sts_broken");
    // The whole check follows the domain, not its MX probe (which alone would be ready).
    assert_eq!(slow["verdict"], "warning", "{slow:#}");
    let (status, text) = lab.check_text(&["domain:huge.test"]);
    assert_eq!(
        status, 1,
        "a broken MTA-STS rollout is a problem found: {text}"
    );
    assert!(
        text.contains(
            "the MX hosts take mail over TLS 1.2+, but the MTA-STS policy cannot be used \
             (policy_unavailable: the policy is larger than 65536 bytes)"
        ),
        "{text}"
    );
}

#[test]
fn only_the_ten_most_preferred_of_twelve_mx_hosts_are_checked() {
    let lab = Lab::start();
    // Twelve MX records: the ten most preferred are checked, the rest counted.
    let (_, report) = lab.check(&["domain:many.test"]);
    let many = domain(&report, "many.test");
    assert_eq!(many["mx_skipped"], 2);
    let listed: Vec<(String, u64)> = hosts(many)
        .into_iter()
        .map(|(name, preference, status, _)| {
            // Names without an address: the domain's DNS is wrong, a definite problem.
            assert_eq!(status, "problem");
            (name, preference)
        })
        .collect();
    let expected: Vec<(String, u64)> = (3..=12)
        .rev()
        .map(|n| (format!("mx{n:02}.many.test"), 130 - 10 * n))
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(many["mx_hosts"][0]["problems"][0]["code"], "name_not_found");
    assert_eq!(many["verdict"], "no_usable_mx");
}

#[test]
fn a_really_broken_chain_of_trust_is_bogus_and_a_problem() {
    let lab = Lab::start();
    // A chain of trust that is really broken: the signed parent has a DS, the child no keys.
    let (_, report) = lab.check(&["domain:broken.test"]);
    let broken = domain(&report, "broken.test");
    assert_eq!(broken["dane"], "bogus");
    assert_eq!(
        hosts(broken),
        [host("mx1.broken.test", 10, "problem", "TLSv1.3")]
    );
    assert_eq!(
        problems(broken, 0),
        strings(&[
            ("certificate_problem", "info"),
            ("dnssec_bogus", "critical")
        ])
    );
    assert_eq!(broken["verdict"], "no_usable_mx");
}

#[test]
fn trust_anchors_that_do_not_fit_make_dane_not_checked_rather_than_bogus() {
    let lab = Lab::start();
    // Trust anchors that do not fit: nothing validates from here, so DANE is "not checked",
    // not "bogus" for every domain.
    let wrong = tempfile::NamedTempFile::new().expect("temporary file");
    std::fs::write(
        wrong.path(),
        // A well-formed P-256 key (64 bytes) that is not test.'s.
        format!("test. 3600 IN DNSKEY 257 3 13 {}AQ==\n", "AQEB".repeat(21)),
    )
    .expect("write the wrong anchor");
    let (_, report) = lab.check_with(
        &lab.knot.address.to_string(),
        &wrong.path().display().to_string(),
        &["domain:dane.test"],
    );
    let unchecked = domain(&report, "dane.test");
    assert_eq!(unchecked["dane"], "lookup_failed");
    let host_dane = &unchecked["mx_hosts"][0]["dane"];
    assert_eq!(host_dane["status"], "lookup_failed");
    assert!(
        host_dane["detail"]
            .as_str()
            .unwrap_or("")
            .contains("DANE could not be checked"),
        "{host_dane}"
    );
    assert_eq!(
        problems(unchecked, 0),
        strings(&[
            ("certificate_problem", "info"),
            ("dane_lookup_failed", "warning")
        ])
    );
    assert_eq!(unchecked["mx_hosts"][0]["status"], "usable");
}

#[test]
fn a_dns_server_with_unparsable_answers_fails_the_lookup_with_a_reason() {
    let lab = Lab::start();
    // A DNS server whose answers cannot be parsed: the lookup fails, with a reason.
    let garbage = GarbageDns::start();
    let (code, report) = lab.check_with_dns(&garbage.address.to_string(), &["domain:two.test"]);
    assert_eq!(code, 3, "could not test");
    let two = domain(&report, "two.test");
    assert_eq!(two["mx_source"], "lookup_failed");
    assert_eq!(two["verdict"], "untestable");
    assert_eq!(report["verdict"], "unclear");
    let detail = two["detail"].as_str().unwrap_or("");
    assert!(detail.contains("two.test (MX)"), "{detail}");
    assert_eq!(report["endpoints"], serde_json::json!([]));
}

#[test]
fn a_trust_anchor_below_the_root_with_only_its_key_signing_key_is_explained() {
    let lab = Lab::start();
    let full = std::fs::read_to_string(lab.trust_anchor()).expect("read the lab's anchor");
    // `test. 3600 IN DNSKEY <flags> …`: keymgr's key-signing key has flags 257, the zone-signing
    // key 256. unbound validates `test.` from the KSK alone.
    let ksk_only: String = full
        .lines()
        .filter(|line| line.split_whitespace().nth(4) == Some("257"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(ksk_only.lines().count(), 1, "one KSK in {full}");
    let anchor = tempfile::NamedTempFile::new().expect("temporary file");
    std::fs::write(anchor.path(), &ksk_only).expect("write the KSK-only anchor");
    let (_, report) = lab.check_with(
        &lab.knot.address.to_string(),
        &anchor.path().display().to_string(),
        &["domain:dane.test"],
    );
    let dane = domain(&report, "dane.test");
    assert_eq!(dane["dane"], "lookup_failed");
    let detail = dane["mx_hosts"][0]["dane"]["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains("lacks DNSKEY records that test. publishes")
            && detail.contains("flags 256")
            && detail.contains("a key-signing key alone is not enough")
            && detail.ends_with("so DANE could not be checked"),
        "{detail}"
    );
    assert_eq!(dane["mx_hosts"][0]["status"], "usable");
}

#[test]
fn the_text_report_says_which_mx_has_a_problem() {
    let lab = Lab::start();
    let (_, text) = lab.check_text(&["domain:two.test"]);
    assert!(
        text.contains("MX 2 of 2 (mx2.two.test) has a problem"),
        "{text}"
    );
    assert!(
        text.contains("critical no_modern_tls: mx2.two.test [127.0.0.3]"),
        "{text}"
    );
    assert!(
        text.contains("TLS-RPT      valid, reports to mailto:tlsrpt@two.test"),
        "{text}"
    );
}

/// The HTTP service with its public-internet policy: MX hosts (and an MTA-STS host) that point
/// at loopback or private addresses are reported as refused, and nothing connects to them. Runs
/// in its own network namespace, where port 25 on loopback is watched.
#[test]
fn mx_hosts_on_private_addresses_are_refused_not_contacted() {
    if !in_own_network_namespace("domain::mx_hosts_on_private_addresses_are_refused_not_contacted")
    {
        return;
    }
    let watchers: Vec<std::net::TcpListener> = ["127.0.0.1:25", "[::1]:25", "127.0.0.1:443"]
        .iter()
        .map(|address| {
            let listener = std::net::TcpListener::bind(address).expect("bind a watched port");
            listener.set_nonblocking(true).expect("non-blocking");
            listener
        })
        .collect();
    let knot = Knot::start(&[Zone::new(
        "private.test",
        &[
            "@ MX 10 mx",
            "@ MX 20 loop",
            "@ MX 30 v6",
            "mx A 10.1.2.3",
            "loop A 127.0.0.1",
            "v6 AAAA ::1",
            "_mta-sts TXT \"v=STSv1; id=1\"",
            "mta-sts A 127.0.0.1",
        ],
    )]);
    let api = public_policy_service(&knot);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (status, report) =
        runtime.block_on(api.check(&[("target", "kunde@private.test"), ("lang", "en")]));
    assert_eq!(status, 200, "{report}");
    let private = domain(&report, "private.test");
    // No sender on the internet can deliver to these: a definite problem, not "unclear".
    assert_eq!(private["verdict"], "no_usable_mx");
    assert_eq!(report["verdict"], "problem");
    assert_eq!(
        hosts(private),
        [
            host("mx.private.test", 10, "problem", "-"),
            host("loop.private.test", 20, "problem", "-"),
            host("v6.private.test", 30, "problem", "-"),
        ]
    );
    let details: Vec<&str> = private["mx_hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .map(|host| {
            assert_eq!(host["problems"][0]["code"], "address_refused");
            assert_eq!(host["problems"][0]["severity"], "critical");
            host["problems"][0]["detail"].as_str().unwrap_or("")
        })
        .collect();
    let fix = "no sender on the internet can reach: its A/AAAA record (or the MX record) must name a public address; it was not contacted";
    assert_eq!(
        details,
        [
            format!(
                "mx.private.test resolves to 10.1.2.3, a private network (RFC 1918) address {fix}"
            ),
            format!("loop.private.test resolves to 127.0.0.1, a loopback address {fix}"),
            format!(
                "v6.private.test resolves to ::1, a non-global IPv6 (loopback, mapped, NAT64, ULA, link-local, multicast, …) address {fix}"
            ),
        ]
    );
    assert_eq!(private["mta_sts"]["status"], "policy_unavailable");
    assert_eq!(
        private["mta_sts"]["error"],
        "mta-sts.private.test resolves to 127.0.0.1, which is a loopback address; it was not contacted"
    );
    assert_eq!(report["endpoints"], serde_json::json!([]));
    let contacted: usize = watchers
        .iter()
        .map(|listener| std::iter::from_fn(|| listener.accept().ok()).count())
        .sum();
    assert_eq!(contacted, 0, "a refused host was contacted");
}

/// Waits up to 30 s for the domain card and returns its text.
async fn domain_card(browser: &Browser) -> String {
    let card = browser
        .wait_for("article.card.domain", std::time::Duration::from_secs(30))
        .await
        .expect("the domain card appears");
    card.text().await.expect("card text")
}

/// `data-status` → text of each MX row of the card.
async fn mx_rows(browser: &Browser) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for row in browser
        .client
        .find_all(Locator::Css("article.card.domain .mx-hosts li"))
        .await
        .expect("MX rows")
    {
        rows.push((
            row.attr("data-status")
                .await
                .ok()
                .flatten()
                .unwrap_or_default(),
            row.text().await.unwrap_or_default(),
        ));
    }
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_checks_a_customers_address_and_names_the_failing_mx() {
    let lab = tokio::task::block_in_place(Lab::start);
    let api = tokio::task::block_in_place(|| ProbeApi::start(&lab.service_options()));
    let browser = Browser::start(1024, 1400).await;

    // German by default: the customer types the e-mail address into the server field.
    let mode = open(
        &browser,
        &format!("{}/?lang=de", api.base_url),
        "button#mode-server",
    )
    .await;
    mode.click().await.expect("server mode");
    check_server(&browser, "kunde@two.test").await;
    let card = domain_card(&browser).await;
    assert!(
        card.contains("E-Mails von anderen Anbietern an two.test"),
        "{card}"
    );
    assert!(
        card.contains("Bei einem Teil Ihrer Mailserver gibt es Probleme. Deshalb können manche E-Mails an Sie verspätet oder gar nicht ankommen. Betroffen: 1 von 2 Mailservern (mx2.two.test)."),
        "{card}"
    );
    assert!(
        card.contains(
            "Bitte geben Sie dieses Ergebnis an Ihren Anbieter oder Ihre IT-Abteilung weiter."
        ),
        "{card}"
    );
    assert_eq!(
        mx_rows(&browser).await,
        [
            (
                "usable".to_owned(),
                "mx1.two.test: funktioniert, TLS 1.3".to_owned()
            ),
            (
                "problem".to_owned(),
                "mx2.two.test: Problem – kein TLS 1.2 oder neuer".to_owned()
            ),
        ]
    );
    browser.screenshot("domain-two-de").await;
    let url = browser.client.current_url().await.expect("url");
    assert!(
        url.as_str().contains("target=kunde%40two.test"),
        "the check link repeats the check: {url}"
    );

    // A support link for the MTA-STS domain, in English, opened fresh.
    browser
        .client
        .goto(&format!(
            "{}/check?target=domain:sts.test&lang=en",
            api.base_url
        ))
        .await
        .expect("open the link");
    let card = domain_card(&browser).await;
    assert!(
        card.contains("Email to sts.test from other providers"),
        "{card}"
    );
    assert!(
        card.contains("set up: senders deliver only encrypted, with a valid certificate, and only to the listed servers"),
        "{card}"
    );
    let rows = mx_rows(&browser).await;
    assert_eq!(
        rows[1].1,
        "mx2.two.test: problem – missing from the MTA-STS policy · no TLS 1.2 or newer",
    );
    browser.screenshot("domain-sts-en").await;

    // A policy announced in DNS that cannot be fetched: a warning with its reason, in German.
    browser
        .client
        .goto(&format!(
            "{}/check?target=domain:huge.test&lang=de",
            api.base_url
        ))
        .await
        .expect("open the link");
    let card = browser
        .wait_for(
            "article.card.domain.warning[data-verdict='mta_sts_broken']",
            std::time::Duration::from_secs(30),
        )
        .await
        .expect("the warning card for the broken MTA-STS policy")
        .text()
        .await
        .expect("card text");
    assert!(
        card.contains(
            "Ihre MTA-STS-Richtlinie lässt sich nicht abrufen. Deshalb stellen Ihnen die meisten \
             Absender E-Mails zu, als wäre MTA-STS nicht eingerichtet"
        ),
        "{card}"
    );
    assert!(
        card.contains("Dort muss die Einrichtung von MTA-STS korrigiert werden."),
        "{card}"
    );
    browser.screenshot("domain-sts-broken-de").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn domain_reports_match_the_openapi_document() {
    let lab = tokio::task::block_in_place(Lab::start);
    let api = tokio::task::block_in_place(|| ProbeApi::start(&lab.service_options()));
    let (_, _, text) = api.get("/api/openapi.json").await;
    let document: Value = serde_json::from_str(&text).expect("OpenAPI JSON");
    let (status, report) = api
        .check(&[
            ("target", "domain:sts.test"),
            ("target", "domain:dane.test"),
            ("target", "domain:nullmx.test"),
            ("target", "domain:huge.test"),
            ("target", "domain:bigtxt.test"),
        ])
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["domains"].as_array().map(Vec::len), Some(5));
    let mut errors = Vec::new();
    let schema = serde_json::json!({ "$ref": "#/components/schemas/CheckReport" });
    crate::operations::validate(&document, &schema, &report, "report", &mut errors);
    assert!(errors.is_empty(), "{errors:#?}\n{report}");
    let mut broken = report.clone();
    broken["domains"][0]["verdict"] = Value::from("fine");
    broken["domains"][1]["mx_hosts"][0]["dane"]["status"] = Value::from("probably");
    crate::operations::validate(&document, &schema, &broken, "report", &mut errors);
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn provider_mode_admits_a_customer_domain_whose_mx_hosts_are_the_providers() {
    let lab = Lab::start();
    let mut options = lab.service_options();
    options
        .extra_args
        .extend(["--only-domain".to_owned(), "two.test".to_owned()]);
    let api = ProbeApi::start(&options);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    // sts.test is the customer's domain; both its MX hosts are under two.test.
    let (status, report) =
        runtime.block_on(api.check(&[("target", "kunde@sts.test"), ("lang", "en")]));
    assert_eq!(status, 200, "{report}");
    assert_eq!(domain(&report, "sts.test")["mx_source"], "mx");
    assert_eq!(
        report["endpoints"]
            .as_array()
            .map(|endpoints| endpoints.len()),
        Some(2),
        "{report}"
    );
    // unsigned.test receives its mail elsewhere (mx1.dane.test): refused before any probe,
    // naming the MX host that is not the provider's.
    let (status, error) =
        runtime.block_on(api.check(&[("target", "domain:unsigned.test"), ("lang", "en")]));
    assert_eq!(status, 403, "{error}");
    assert_eq!(error["error"]["code"], "forbidden_domain");
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("mx1.dane.test"), "{message}");
    // A domain with no MX host under the provider's domains at all (its own address) too.
    let (status, _) =
        runtime.block_on(api.check(&[("target", "domain:nomx.test"), ("lang", "en")]));
    assert_eq!(status, 403);
    // A host outside the provider's domains stays refused as before.
    let (status, _) = runtime.block_on(api.check(&[("target", "mx1.dane.test"), ("lang", "en")]));
    assert_eq!(status, 403);
}

/// A name whose CNAME leads into a reserved domain (`localhost`, `.internal`) is refused like a
/// name there, as a typed target and as an MX host; an alias that stays in the admitted domain
/// is followed.
#[test]
fn a_cname_into_a_reserved_domain_is_refused_like_the_domain() {
    let knot = Knot::start(&[Zone::new(
        "alias.test",
        &[
            "@ MX 10 mx",
            "mx CNAME db.internal.",
            "web CNAME localhost.",
            "inside CNAME host",
            "host A 127.0.0.1",
        ],
    )]);
    let api = public_policy_service(&knot);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let check = |target: &str| runtime.block_on(api.check(&[("target", target), ("lang", "en")]));
    let (status, body) = check("imaps://web.alias.test");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden_domain")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("web.alias.test is just another name for localhost"),
        "{message}"
    );
    // Inside the admitted domain the alias is followed: its loopback address is what is refused.
    let (status, body) = check("imaps://inside.alias.test");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden_address")),
        "{body}"
    );
    // An MX host that aliases into .internal is refused and never contacted.
    let (status, report) = check("domain:alias.test");
    assert_eq!(status, 200, "{report}");
    let alias = domain(&report, "alias.test");
    assert_eq!(
        problems(alias, 0),
        strings(&[("address_refused", "critical")])
    );
    let detail = alias["mx_hosts"][0]["problems"][0]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(
        detail
            .contains("mx.alias.test is an alias of db.internal, in the reserved domain .internal"),
        "{detail}"
    );
}

/// Ten MX names on one address are one server: it is measured once, and each other name gets
/// one handshake of its own (for its certificate), not a full probe each. A sentinel counts the
/// connections against a one-MX domain on the same server, measured in the same test.
#[test]
fn ten_mx_names_on_one_address_cost_one_probe_and_a_handshake_per_name() {
    let (_dir, ca) = crate::test_ca();
    let mut names = vec!["mx.one.test".to_owned()];
    names.extend((1..=10).map(|n| format!("mx{n}.ten.test")));
    let cert = ca.server_cert_for_names("ten-mx", &names);
    let tls = tests::servers::OpensslServer::start(&cert, &[]);
    let sentinel = tests::stubs::Stub::start(tests::stubs::Behaviour::StarttlsThenTls {
        upstream: std::net::SocketAddr::from(([127, 0, 0, 1], tls.port)),
    });
    let mut ten = vec!["mx1 A 127.0.0.1".to_owned()];
    for n in 1..=10 {
        ten.push(format!("@ MX {n} mx{n}"));
        if n > 1 {
            ten.push(format!("mx{n} A 127.0.0.1"));
        }
    }
    let ten: Vec<&str> = ten.iter().map(String::as_str).collect();
    let knot = Knot::start(&[
        Zone::new("one.test", &["@ MX 10 mx", "mx A 127.0.0.1"]),
        Zone::new("ten.test", &ten),
    ]);
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[], &[sentinel.port()]);
    options.extra_args = vec![
        "--dns-server".into(),
        knot.address.to_string(),
        "--allow-reserved-names".into(),
        "--mx-port".into(),
        sentinel.port().to_string(),
    ];
    let api = ProbeApi::start(&options);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (status, report) = runtime.block_on(api.check(&[("target", "domain:one.test")]));
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        domain(&report, "one.test")["verdict"],
        "ready",
        "{report:#}"
    );
    let one = sentinel.connections();

    let (status, report) = runtime.block_on(api.check(&[("target", "domain:ten.test")]));
    assert_eq!(status, 200, "{report}");
    let ten_mx = sentinel.connections() - one;
    let endpoints = report["endpoints"].as_array().expect("endpoints");
    assert_eq!(endpoints.len(), 10, "{report:#}");
    for endpoint in endpoints {
        // Every name has its versions and a certificate judged for that very name.
        assert_eq!(endpoint["versions"]["TLSv1.2"], "accepted", "{endpoint:#}");
        assert_eq!(endpoint["certificate"]["verdict"], "valid", "{endpoint:#}");
    }
    assert_eq!(
        domain(&report, "ten.test")["verdict"],
        "ready",
        "{report:#}"
    );
    assert!(
        ten_mx <= one + 9,
        "ten names on one address took {ten_mx} connections; one name takes {one}"
    );
    eprintln!("one MX: {one} connections; ten MX names on one address: {ten_mx}");
}
