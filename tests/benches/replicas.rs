//! Benchmark: replicas on a shared Redis store behind Debian's HAProxy, next to one process.
//!
//! Four setups: one process without a balancer (embedded store, then the Redis store), one
//! replica behind HAProxy, three replicas behind HAProxy on the Redis store. For each, wrk
//! (2 threads, 64 connections, 10 s) on a cached report (`200`) and on a refused check
//! (`403 forbidden_port`, refused after the client's token is taken), with p50 and p99, and the
//! store's round trips per request (scripts run, from Redis `INFO commandstats`). The per-client
//! limit is on but out of reach (60,000,000 a minute), so every request takes its token from
//! the store as in production without being refused by it. Last, how many checks the fleet
//! started for all those cached answers: one, whatever the number of replicas.
//!
//! Run with `make bench` (after `load`). wrk, HAProxy, Redis and the replicas share the same two
//! cores, so the numbers are a floor. Written to `target/bench/replicas.md`; nothing is
//! asserted, it is measured.

use std::net::SocketAddr;
use std::path::PathBuf;

use tests::pki::{TestCa, Validity};
use tests::proxies::Haproxy;
use tests::servers::{OpensslServer, ProbeApi, ProbeApiOptions};
use tests::store::RedisServer;
use tests::wrk::Load;

const NAME: &str = "mail.example.test";

/// Round trips to the store so far: the scripts it ran (every operation of the service is one
/// script; the commands inside a script count in `commandstats` too, so they are left out).
fn store_commands(redis: &RedisServer) -> u64 {
    redis
        .cli(&["INFO", "commandstats"])
        .lines()
        .filter(|line| {
            ["cmdstat_evalsha:", "cmdstat_eval:"]
                .iter()
                .any(|script| line.starts_with(script))
        })
        .filter_map(|line| line.split("calls=").nth(1))
        .filter_map(|rest| rest.split(',').next())
        .filter_map(|calls| calls.parse::<u64>().ok())
        .sum()
}

/// `name`'s value in a replica's `/metrics`.
fn metric(api: &ProbeApi, name: &str) -> u64 {
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(api.metric(name))
}

struct Setup {
    name: &'static str,
    replicas: Vec<ProbeApi>,
    balancer: Option<Haproxy>,
}

impl Setup {
    fn base_url(&self) -> String {
        match &self.balancer {
            Some(haproxy) => haproxy.base_url(),
            None => self.replicas[0].base_url().to_owned(),
        }
    }
}

fn replicas(ca: &TestCa, port: u16, count: usize, store: Option<&str>) -> Vec<ProbeApi> {
    (0..count)
        .map(|_| {
            let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[port]);
            options.rate_limits = true;
            options.extra_args = [
                "--client-checks-per-minute",
                "60000000",
                "--target-checks-per-minute",
                "0",
                "--max-connections-per-client",
                "5000",
                "--trusted-proxy",
                "127.0.0.1",
            ]
            .map(String::from)
            .to_vec();
            if let Some(url) = store {
                options
                    .extra_args
                    .extend(["--store".to_owned(), url.to_owned()]);
            }
            ProbeApi::start(&options)
        })
        .collect()
}

fn main() {
    assert!(
        tests::process::on_path("wrk"),
        "wrk is missing: `make bench` installs it"
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    let ca = TestCa::new(dir.path());
    let cert = ca.server_cert("bench", NAME, Validity::CURRENT);
    let server = OpensslServer::start(&cert, &[]);
    let redis = RedisServer::start();
    let url = redis.url();
    let balanced = |replicas: Vec<ProbeApi>| {
        let addresses: Vec<SocketAddr> = replicas.iter().map(ProbeApi::address).collect();
        (replicas, Some(Haproxy::start(&addresses)))
    };
    let mut table = String::from(
        "| setup | cached report: requests/s | p50 | p99 | store round trips per request | refused check: requests/s | p50 | p99 | store round trips per request |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let cached_path = format!("/api/v1/check?target=imaps://{NAME}:{}", server.port);
    let refused_path = format!("/api/v1/check?target=imaps://{NAME}:8443");
    let mut fleet_checks = String::new();
    for (name, count, store, behind) in [
        ("one process, no balancer, embedded store", 1, None, false),
        (
            "one process, no balancer, Redis store",
            1,
            Some(url.as_str()),
            false,
        ),
        ("one replica behind HAProxy, embedded store", 1, None, true),
        (
            "three replicas behind HAProxy, Redis store",
            3,
            Some(url.as_str()),
            true,
        ),
    ] {
        let started = replicas(&ca, server.port, count, store);
        let (replicas, balancer) = if behind {
            balanced(started)
        } else {
            (started, None)
        };
        let setup = Setup {
            name,
            replicas,
            balancer,
        };
        // One real check first (the report is then in this fleet's caches).
        let primed = tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(setup.replicas[0].get(&cached_path));
        assert_eq!(primed.0, 200, "{}", primed.2);
        let measure = |path: &str| -> (Load, f64) {
            let before = store_commands(&redis);
            let load = tests::wrk::run(&format!("{}{path}", setup.base_url()), 64);
            let commands = store_commands(&redis).saturating_sub(before);
            let per_request = if store.is_some() && load.requests > 0 {
                commands as f64 / load.requests as f64
            } else {
                0.0
            };
            (load, per_request)
        };
        let (cached, cached_commands) = measure(&cached_path);
        let (refused, refused_commands) = measure(&refused_path);
        table += &format!(
            "| {} | {:.0} | {} | {} | {:.2} | {:.0} | {} | {} | {:.2} |\n",
            setup.name,
            cached.requests_per_second,
            cached.p50,
            cached.p99,
            cached_commands,
            refused.requests_per_second,
            refused.p50,
            refused.p99,
            refused_commands,
        );
        if count > 1 {
            let started: u64 = setup
                .replicas
                .iter()
                .map(|api| metric(api, "mailtls_checks_started_total"))
                .sum();
            let hits: u64 = setup
                .replicas
                .iter()
                .map(|api| metric(api, "mailtls_check_cache_hits_total"))
                .sum();
            fleet_checks = format!(
                "\nThe three replicas answered {hits} cached reports and started {started} check(s) of \
                 the mail server in all (the report lives {} s).\n",
                60
            );
        }
        // Each setup's limits and cache start empty.
        redis.cli(&["FLUSHALL"]);
    }
    table += &fleet_checks;
    println!("{table}");
    let out: PathBuf = tests::target_dir().join("bench");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("replicas.md"), &table);
}
