//! Benchmark: what the domain part of a check costs. A domain check (`domain:NAME`: MX lookup,
//! MTA-STS record and policy fetch, TLS-RPT record, TLSA lookups with DNSSEC validation, then the
//! port-25 probes) against the host check of the same MX hosts (`smtp://mx…`, names resolved
//! through the same DNS server), on the domain lab: Knot on loopback, a modern and a TLS 1.0-only
//! Postfix, an HTTPS policy server (`openssl s_server`).
//!
//! Run with `make bench`. Both kinds go through the running service (`GET /api/v1/check`, report
//! cache off), alternating, and through `probe-api check` (a fresh process, cold resolvers);
//! wall-clock medians are written to `target/bench/domain_check.md`. Nothing is asserted beyond
//! each run giving the expected verdicts: the goal (the domain work adds less than 20 %) is read
//! off the table.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tests::domain_lab::Lab;
use tests::servers::ProbeApi;

const RUNS: usize = 15;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// A row: the domain's and the hosts' medians, and the domain work in percent.
fn row(domain: &str, what: &str, domain_time: Duration, host_time: Duration) -> String {
    format!(
        "| `{domain}` | {what} | {:.1} ms | {:.1} ms | {:+.0} % |\n",
        ms(domain_time),
        ms(host_time),
        (domain_time.as_secs_f64() / host_time.as_secs_f64() - 1.0) * 100.0
    )
}

fn expect_domain(report: &serde_json::Value) {
    assert_eq!(
        report["domains"][0]["verdict"], "some_mx_failing",
        "{report:#}"
    );
}

fn expect_hosts(report: &serde_json::Value) {
    assert_eq!(
        report["endpoints"].as_array().map(Vec::len),
        Some(2),
        "{report:#}"
    );
}

fn main() {
    let lab = Lab::start();
    let mx_port = lab.mx_port.to_string();
    let mut options = lab.service_options();
    options
        .extra_args
        .extend(["--cache-seconds".to_owned(), "0".to_owned()]);
    let api = ProbeApi::start(&options);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let service = |query: &[(&str, &str)], expect: fn(&serde_json::Value)| {
        let started = Instant::now();
        let (status, report) = runtime.block_on(api.check(query));
        let took = started.elapsed();
        assert_eq!(status, 200, "{report}");
        expect(&report);
        took
    };
    let cli = |targets: &[&str], expect: fn(&serde_json::Value)| {
        let started = Instant::now();
        let (_, report) = lab.check(targets);
        let took = started.elapsed();
        expect(&report);
        took
    };

    let cases = [
        (
            "sts.test",
            "MTA-STS policy over HTTPS; unsigned zone",
            "two.test",
        ),
        (
            "dane.test",
            "signed zone, TLSA for both MX (validated)",
            "dane.test",
        ),
        ("two.test", "TLS-RPT record; unsigned zone", "two.test"),
    ];
    let header = "| domain | what the domain part adds | domain check | host check of its 2 MX | domain work |\n|---|---|---:|---:|---:|\n";
    let mut through_service = String::from(header);
    let mut through_cli = String::from(header);
    for (domain, what, mx_domain) in cases {
        let target = format!("domain:{domain}");
        let hosts = [
            format!("smtp://mx1.{mx_domain}:{mx_port}"),
            format!("smtp://mx2.{mx_domain}:{mx_port}"),
        ];
        let domain_query = [("target", target.as_str())];
        let host_query = [("target", hosts[0].as_str()), ("target", hosts[1].as_str())];
        let host_targets = [hosts[0].as_str(), hosts[1].as_str()];
        // Warm-up (resolvers, TLS contexts, the servers' first connections), not counted.
        service(&domain_query, expect_domain);
        service(&host_query, expect_hosts);
        let (mut domain_runs, mut host_runs) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            domain_runs.push(service(&domain_query, expect_domain));
            host_runs.push(service(&host_query, expect_hosts));
        }
        through_service += &row(domain, what, median(domain_runs), median(host_runs));
        let (mut domain_runs, mut host_runs) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            domain_runs.push(cli(&[&target], expect_domain));
            host_runs.push(cli(&host_targets, expect_hosts));
        }
        through_cli += &row(domain, what, median(domain_runs), median(host_runs));
    }
    let table = format!(
        "Through the service (`GET /api/v1/check`, report cache off):\n\n{through_service}\n\
         Through `probe-api check --json` (a new process per check, cold resolvers):\n\n{through_cli}\n\
         Medians of {RUNS} alternating runs each, everything on loopback on the same machine \
         (probe, Knot, two Postfix, `openssl s_server`).\n"
    );
    println!("{table}");
    let out: PathBuf = tests::target_dir().join("bench");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("domain_check.md"), &table);
}
