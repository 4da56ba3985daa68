//! Benchmark: the HTTP service under load, measured with wrk (Debian's package) on loopback.
//!
//! - Refused checks (`403 forbidden_address`) and cache hits (`200` with a cached report) per
//!   second, with their p99 latency: what an anonymous crowd or a reloading page costs.
//! - Resident memory of the service with 1,000 open SSE streams waiting on one slow check.
//! - Resident memory after 10,000 distinct checks of a hostile server whose certificate names
//!   2,500 hosts, all kept in the report cache (bounded by `cache_bytes`).
//!
//! Run with `make bench`. Both wrk and the service run on the same two cores, so the numbers are
//! a floor. Written to `target/bench/load.md`; nothing is asserted, it is measured.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tests::pki::{TestCa, Validity};
use tests::servers::{OpensslServer, ProbeApi, ProbeApiOptions};
use tests::stubs::{Behaviour, Stub};
use tests::wrk::Load;

const NAME: &str = "mail.example.test";
const SSE_CLIENTS: usize = 1000;

/// `wrk -t2 -c64 -d10s --latency url`, parsed.
fn wrk(url: &str) -> Load {
    tests::wrk::run(url, 64)
}

/// The service's resident memory in MiB, from `/proc`.
fn resident_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Opens `count` SSE streams for `path` and waits until each has received its `start` event.
fn open_streams(api: &ProbeApi, path: &str, count: usize) -> Vec<TcpStream> {
    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        let mut stream = TcpStream::connect(api.address()).expect("connect");
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n").as_bytes())
            .expect("request");
        streams.push(stream);
    }
    for stream in &mut streams {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut seen = Vec::new();
        let mut buffer = [0u8; 1024];
        while !String::from_utf8_lossy(&seen).contains("event: start") {
            let n = stream.read(&mut buffer).expect("SSE data");
            assert!(
                n > 0,
                "stream closed early: {}",
                String::from_utf8_lossy(&seen)
            );
            seen.extend_from_slice(&buffer[..n]);
        }
    }
    streams
}

/// The value of the unlabelled metric `name` in a `/metrics` text, `?` when it is missing.
fn gauge(metrics: &str, name: &str) -> String {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or("?")
        .to_owned()
}

/// Distinct checks kept in the cache for the memory measurement.
const CACHED_CHECKS: usize = 10_000;

/// Fills the report cache with [`CACHED_CHECKS`] distinct checks of a server whose certificate
/// names 2,500 hosts (about as many as one TLS handshake message holds) and measures the
/// service's resident memory before and after; the table row as markdown.
fn cached_reports(dir: &std::path::Path, ca: &TestCa) -> String {
    let names: Vec<String> = (0..2_500).map(|n| format!("n{n}.example.test")).collect();
    let cert = ca.server_cert_for_names("huge", &names);
    // Postfix greets at once after the handshake (SMTP over TLS), so each check is quick.
    let hostile =
        tests::mail_servers::Postfix::start(&cert, tests::mail_servers::PostfixTls::Modern);
    // Every check its own name, all on the one server: distinct reports, one address.
    let config = dir.join("many-names.toml");
    let resolve: Vec<String> = (0..CACHED_CHECKS)
        .map(|n| format!("\"c{n}.example.test=127.0.0.1\""))
        .collect();
    std::fs::write(
        &config,
        format!(
            "resolve = [{}]\ncache_seconds = 3600\nmax_concurrent_checks = 16\n",
            resolve.join(", ")
        ),
    )
    .expect("write the configuration");
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[], &[hostile.smtps]);
    options.extra_args = vec![
        "--config".into(),
        config.display().to_string(),
        "--no-client-simulation".into(),
    ];
    if let Ok(arenas) = std::env::var("BENCH_ARENAS") {
        options.env.push(("MALLOC_ARENA_MAX".into(), arenas));
    }
    let api = ProbeApi::start(&options);
    let pid = api.pid();
    let idle = resident_mib(pid);
    let started = Instant::now();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let statuses = runtime.block_on(async {
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(16));
        let mut tasks = Vec::new();
        for n in 0..CACHED_CHECKS {
            let gate = gate.clone();
            let base = api.base_url.clone();
            let port = hostile.smtps;
            tasks.push(tokio::spawn(async move {
                let _turn = gate.acquire_owned().await;
                let url = format!("{base}/api/v1/check?target=smtps://c{n}.example.test:{port}");
                reqwest::get(url)
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            }));
        }
        let mut ok = 0;
        for task in tasks {
            if task.await.unwrap_or(0) == 200 {
                ok += 1;
            }
        }
        ok
    });
    let took = started.elapsed();
    let filled = resident_mib(pid);
    let (_, _, metrics) = runtime.block_on(api.get("/metrics"));
    let gauge = |name: &str| gauge(&metrics, name);
    format!(
        "\n{CACHED_CHECKS} distinct checks of a server whose certificate names 2,500 hosts \
         ({statuses} answered 200, in {} s): resident memory {filled:.1} MiB (idle before: \
         {idle:.1} MiB); the cache holds {} reports in {} bytes of JSON (budget: 64 MiB).\n",
        took.as_secs(),
        gauge("mailtls_report_cache_reports"),
        gauge("mailtls_report_cache_bytes"),
    )
}

/// Tarpit addresses for the measurement at the caps: one per target of 16 checks × 8 targets.
const TARPITS: u8 = 128;

/// Open descriptors and OS threads of process `pid`, from `/proc`.
fn descriptors_and_threads(pid: u32) -> (usize, usize) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let threads = status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|rest| rest.trim().parse().ok())
        .unwrap_or(0);
    (fds, threads)
}

/// Holds the service at its caps — `max_concurrent_checks` (16) checks of 8 silent servers each
/// on distinct loopback addresses, and `max_connections` (4,096) client connections, all event
/// streams, plus 100 more that can only wait in the listen queue — and reads its descriptors,
/// threads and memory; the paragraph as markdown.
fn at_the_caps(ca: &TestCa) -> String {
    // The bench holds its ends of every connection too.
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Nofile,
        rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    );
    // Silent servers on 127.0.1.1–127.0.1.128, one port: each accepts and never answers.
    let port = tests::process::free_port();
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    for n in 1..=TARPITS {
        let listener = std::net::TcpListener::bind((std::net::Ipv4Addr::new(127, 0, 1, n), port))
            .expect("bind a tarpit");
        let held = held.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                held.lock().unwrap_or_else(|p| p.into_inner()).push(stream);
            }
        });
    }
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[], &[port]);
    options.resolve = (1..=TARPITS)
        .map(|n| format!("t{n}.example.test=127.0.1.{n}"))
        .collect();
    options.extra_args = [
        "--step-timeout",
        "300",
        "--check-timeout",
        "600",
        "--max-connections-per-client",
        "10000",
    ]
    .map(String::from)
    .to_vec();
    let api = ProbeApi::start(&options);
    let pid = api.pid();
    let (idle_fds, idle_threads) = descriptors_and_threads(pid);
    let idle_mib = resident_mib(pid);

    // 16 checks, 8 targets each: every check slot taken.
    let paths: Vec<String> = (0..16)
        .map(|check| {
            let targets: Vec<String> = (1..=8)
                .map(|t| format!("target=imaps://t{}.example.test:{port}", check * 8 + t))
                .collect();
            format!("/api/v1/check/stream?{}", targets.join("&"))
        })
        .collect();
    let mut streams = Vec::new();
    for path in &paths {
        streams.extend(open_streams(&api, path, 1));
    }
    // The rest of the 4,096 connections: more streams joining those checks.
    let per_check = (4_096 - streams.len()) / paths.len();
    for path in &paths {
        streams.extend(open_streams(&api, path, per_check));
    }
    // Beyond the cap: accepted by the kernel's listen queue (its backlog is 128), not by the
    // service.
    let waiting: Vec<TcpStream> = (0..100)
        .filter_map(|_| TcpStream::connect_timeout(&api.address(), Duration::from_secs(2)).ok())
        .collect();
    let queued = waiting.len();
    std::thread::sleep(Duration::from_secs(2));
    let (fds, threads) = descriptors_and_threads(pid);
    let mib = resident_mib(pid);
    let outbound = held.lock().unwrap_or_else(|p| p.into_inner()).len();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    drop(waiting);
    // One stream less makes room for the metrics request.
    streams.pop();
    let (_, _, metrics) = runtime.block_on(api.get("/metrics"));
    let gauge = |name: &str| gauge(&metrics, name);
    format!(
        "\nAt the caps: 16 checks of 8 silent servers each ({} check slots free), {} client \
         connections open as event streams and {queued} more waiting in the listen queue, {outbound} \
         probe connections held by the silent servers: {fds} open \
         descriptors (idle: {idle_fds}), {threads} threads (idle: {idle_threads}), resident \
         memory {mib:.1} MiB (idle: {idle_mib:.1} MiB).\n",
        gauge("mailtls_check_slots_free"),
        streams.len() + 1,
    )
}

fn main() {
    if std::env::var_os("BENCH_ONLY_CAPS").is_some() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let ca = TestCa::new(dir.path());
        println!("{}", at_the_caps(&ca));
        return;
    }
    if std::env::var_os("BENCH_ONLY_CACHE").is_some() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let ca = TestCa::new(dir.path());
        println!("{}", cached_reports(dir.path(), &ca));
        return;
    }
    assert!(
        tests::process::on_path("wrk"),
        "wrk is missing: `make bench` installs it"
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    let ca = TestCa::new(dir.path());
    let cert = ca.server_cert("bench", NAME, Validity::CURRENT);
    let server = OpensslServer::start(&cert, &[]);
    let tarpit = Stub::start(Behaviour::Silent);
    let mut options =
        ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[server.port, tarpit.port()]);
    // All the bench's clients come from 127.0.0.1: it stands for many visitors at once.
    options.extra_args = [
        "--step-timeout",
        "120",
        "--check-timeout",
        "300",
        "--max-connections-per-client",
        "5000",
    ]
    .map(String::from)
    .to_vec();
    let api = ProbeApi::start(&options);

    // Refused before any lookup: a port outside the mail ports.
    let refused = wrk(&format!(
        "{}/api/v1/check?target=imaps://{NAME}:8443",
        api.base_url
    ));
    // Cached: one real check first, then the same request again and again.
    let cached_path = format!("/api/v1/check?target=imaps://{NAME}:{}", server.port);
    let started = Instant::now();
    let primed = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(api.get(&cached_path));
    assert_eq!(primed.0, 200, "{}", primed.2);
    let first_check = started.elapsed();
    let cached = wrk(&format!("{}{cached_path}", api.base_url));

    let pid = api.pid();
    let idle_mib = resident_mib(pid);
    let stream_path = format!(
        "/api/v1/check/stream?target=imaps://{NAME}:{}",
        tarpit.port()
    );
    let opened = Instant::now();
    let streams = open_streams(&api, &stream_path, SSE_CLIENTS);
    let open_took = opened.elapsed();
    std::thread::sleep(Duration::from_secs(1));
    let streaming_mib = resident_mib(pid);
    let tarpit_connections = tarpit.connections();
    drop(streams);

    let mut table = String::from(
        "| load (wrk, 2 threads, 64 connections, 10 s, loopback, 2 cores shared with wrk) | requests/s | p99 latency | requests | non-2xx |\n|---|---:|---:|---:|---:|\n",
    );
    for (what, load) in [
        ("refused check (`403 forbidden_port`)", &refused),
        ("cached report (`200`)", &cached),
    ] {
        table += &format!(
            "| {what} | {:.0} | {} | {} | {} |\n",
            load.requests_per_second, load.p99, load.requests, load.non_2xx
        );
    }
    table += &format!(
        "\nFirst (uncached) check of the same endpoint: {} ms.\n\n\
         {SSE_CLIENTS} SSE clients waiting on one slow check: resident memory {streaming_mib:.1} MiB \
         (idle before: {idle_mib:.1} MiB; {:.1} KiB per stream); all {SSE_CLIENTS} opened in {} ms; \
         the slow mail server saw {tarpit_connections} connection(s), because identical checks \
         share one probe.\n",
        first_check.as_millis(),
        (streaming_mib - idle_mib).max(0.0) * 1024.0 / SSE_CLIENTS as f64,
        open_took.as_millis(),
    );
    drop(api);
    table += &cached_reports(dir.path(), &ca);
    table += &at_the_caps(&ca);
    println!("{table}");
    let out: PathBuf = tests::target_dir().join("bench");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("load.md"), &table);
}
