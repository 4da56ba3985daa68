//! The HTTP service's check handling against real local servers: live progress as Server-Sent
//! Events, the report cache, coalescing of identical checks, and the global cap (`503 busy`).

use std::time::Duration;

use serde_json::Value;
use tests::mail_servers::{Postfix, PostfixTls};
use tests::pki::Validity;
use tests::servers::{ProbeApi, ProbeApiOptions};
use tests::stubs::{Behaviour, Gate, Stub};

use crate::test_ca;

const NAME: &str = "mail.example.test";

/// Waits up to 20 s until the service's metrics hold `line`.
async fn metrics_show(api: &ProbeApi, line: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, _, metrics) = api.get("/metrics").await;
        if metrics.lines().any(|l| l == line) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{line} missing in\n{metrics}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Parses an SSE body into (event name, JSON data) pairs.
fn sse_events(body: &str) -> Vec<(String, Value)> {
    let mut events = Vec::new();
    for block in body.split("\n\n") {
        let mut name = String::new();
        let mut data = String::new();
        for line in block.lines() {
            if let Some(value) = line.strip_prefix("event:") {
                name = value.trim().to_owned();
            } else if let Some(value) = line.strip_prefix("data:") {
                data.push_str(value.trim_start());
            }
        }
        if !name.is_empty() {
            events.push((name, serde_json::from_str(&data).expect("JSON event data")));
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stream_reports_each_endpoint_then_the_report() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("postfix", NAME, Validity::CURRENT);
    let postfix = Postfix::start(&cert, PostfixTls::Modern);
    let ports = [postfix.smtp, postfix.submission, postfix.smtps];
    let api = ProbeApi::start(&ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &ports));
    let query = format!(
        "/api/v1/check/stream?target=smtp://{NAME}:{}&target=submission://{NAME}:{}&target=smtps://{NAME}:{}",
        ports[0], ports[1], ports[2]
    );

    let (status, headers, body) = api.get(&query).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["content-type"], "text/event-stream");
    // nginx passes the events on as they come, instead of buffering until the report.
    assert_eq!(headers["x-accel-buffering"], "no");
    let events = sse_events(&body);
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["start", "endpoint", "endpoint", "endpoint", "report"],
        "{body}"
    );
    assert_eq!(
        events[0].1,
        serde_json::json!({"total": 3, "cached": false})
    );
    let mut streamed: Vec<u64> = events[1..4]
        .iter()
        .map(|(_, endpoint)| endpoint["port"].as_u64().expect("port"))
        .collect();
    streamed.sort();
    let mut expected: Vec<u64> = ports.iter().map(|p| u64::from(*p)).collect();
    expected.sort();
    assert_eq!(streamed, expected);
    let report = &events[4].1;
    assert_eq!(report["verdict"], "ready", "{report:#}");

    // The same check again is answered from the cache, at once and identically.
    let (_, _, again) = api.get(&query).await;
    let again = sse_events(&again);
    assert_eq!(again[0].1, serde_json::json!({"total": 3, "cached": true}));
    // The report at once: its endpoints are in it.
    let names: Vec<&str> = again.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["start", "report"]);
    let cached = &again[1].1;
    assert_eq!(cached["checked_at"], report["checked_at"]);
    assert_eq!(cached["cached"], true);
    assert_eq!(cached["endpoints"], report["endpoints"]);

    // A refused stream request is a JSON error, not a stream.
    let (status, _, body) = api
        .get("/api/v1/check/stream?target=mail%20x.de&lang=en")
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("invalid_target"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn identical_checks_share_one_probe_and_a_cached_report() {
    let (_dir, ca) = test_ca();
    // Greets only when let go, so the second request surely arrives while the first check runs.
    let gate = Gate::new();
    let stub = Stub::start(Behaviour::HeldGreeting { gate: gate.clone() });
    let api =
        ProbeApi::start(&ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[stub.port()]).patient());
    let target = format!("smtp://{NAME}:{}", stub.port());

    let first = api.spawn_check(&[("target", &target)]);
    // Once the first check has connected, ask for the same.
    let connected =
        tokio::task::block_in_place(|| stub.wait_for_connections(1, Duration::from_secs(10)));
    assert_eq!(connected, 1);
    let second = api.spawn_check(&[("target", &target)]);
    metrics_show(&api, "mailtls_checks_coalesced_total 1").await;
    gate.open();
    let (status_a, a) = first.await.expect("the first request");
    let (status_b, b) = second.await.expect("the second request");
    assert_eq!((status_a, status_b), (200, 200));
    assert_eq!(a["checked_at"], b["checked_at"], "one check served both");
    assert_eq!(
        a["endpoints"][0]["error"]["code"], "starttls_failed",
        "{a:#}"
    );
    // A third request within the cache time does not knock again either.
    let (_, c) = api.check(&[("target", &target)]).await;
    assert_eq!(c["checked_at"], a["checked_at"]);
    assert_eq!(
        stub.connections(),
        1,
        "the mail server saw exactly one connection"
    );
    let (_, _, metrics) = api.get("/metrics").await;
    for line in [
        "mailtls_checks_started_total 1",
        "mailtls_checks_coalesced_total 1",
        "mailtls_check_cache_hits_total 1",
        "mailtls_checks_in_flight 0",
        "mailtls_checks_finished_total{verdict=\"unclear\"} 1",
        "mailtls_check_duration_seconds_count 1",
        "mailtls_check_duration_seconds_bucket{le=\"+Inf\"} 1",
        "mailtls_endpoint_errors_total{code=\"starttls_failed\"} 1",
        "mailtls_streams_open 0",
        "mailtls_draining 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} missing in\n{metrics}"
        );
    }
    // What an operator alerts on beyond the checks: the process and the build.
    let build = format!(
        "mailtls_build_info{{version=\"{}\",commit=\"",
        env!("CARGO_PKG_VERSION")
    );
    for prefix in [
        build.as_str(),
        "process_open_fds ",
        "process_max_fds ",
        "process_resident_memory_bytes ",
        "process_start_time_seconds ",
        "process_threads ",
        "mailtls_connections_max ",
        "mailtls_http_requests_total{route=\"/api/v1/check\",status=\"200\"} 3",
    ] {
        assert!(
            metrics.lines().any(|l| l.starts_with(prefix)),
            "{prefix} missing in\n{metrics}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn beyond_the_global_cap_a_check_is_told_to_come_back() {
    let (_dir, ca) = test_ca();
    let gate = Gate::new();
    let slow = Stub::start(Behaviour::HeldGreeting { gate: gate.clone() });
    let other = Stub::start(Behaviour::TooManyConnections);
    let mut options =
        ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[slow.port(), other.port()]).patient();
    options
        .extra_args
        .extend(["--max-concurrent-checks".into(), "1".into()]);
    let api = ProbeApi::start(&options);

    let (status, _, _) = api.get("/readyz").await;
    assert_eq!(status, 200);
    let running = api.spawn_check(&[("target", &format!("smtp://{NAME}:{}", slow.port()))]);
    let connected =
        tokio::task::block_in_place(|| slow.wait_for_connections(1, Duration::from_secs(10)));
    assert_eq!(connected, 1);
    let ready = api.get("/readyz").await.0;
    let (status, headers, body) = api
        .get(&format!(
            "/api/v1/check?lang=en&target=smtp://{NAME}:{}",
            other.port()
        ))
        .await;
    gate.open();
    assert_eq!(running.await.expect("the first request").0, 200);
    // Busy slots are a per-request answer, not unreadiness: a load balancer that health-checks
    // /readyz must not take the only replica out (and with it the page) at peak load.
    assert_eq!(ready, 200, "still ready while the only slot is taken");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("\"busy\""), "{body}");
    assert_eq!(headers["retry-after"], "10");
    assert_eq!(other.connections(), 0, "a refused check contacts nobody");
    let (_, _, metrics) = api.get("/metrics").await;
    assert!(
        metrics.lines().any(|l| l == "mailtls_check_slots_free 1"),
        "{metrics}"
    );
    assert!(
        metrics
            .lines()
            .any(|l| l == "mailtls_requests_refused_total{code=\"busy\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn clients_and_mail_servers_are_rate_limited() {
    let (_dir, ca) = test_ca();
    let stubs = [
        Stub::start(Behaviour::TooManyConnections),
        Stub::start(Behaviour::TooManyConnections),
        Stub::start(Behaviour::TooManyConnections),
    ];
    let ports: Vec<u16> = stubs.iter().map(Stub::port).collect();
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &ports);
    options.rate_limits = true;
    options.extra_args = vec![
        "--client-checks-per-minute".into(),
        "2".into(),
        "--cache-seconds".into(),
        "0".into(),
    ];
    let api = ProbeApi::start(&options);
    let mut statuses = Vec::new();
    let mut last = Value::Null;
    for port in &ports {
        let (status, body) = api
            .check(&[("target", &format!("smtp://{NAME}:{port}")), ("lang", "en")])
            .await;
        statuses.push(status);
        last = body;
    }
    // The client's burst is 5, its rate 2 a minute: all three pass at once...
    assert_eq!(statuses, [200, 200, 200]);
    // ...and the next three drain the burst: the sixth request is refused.
    let mut refused = None;
    for port in ports.iter().cycle().take(3) {
        let (status, body) = api
            .check(&[("target", &format!("smtp://{NAME}:{port}")), ("lang", "en")])
            .await;
        if status == 429 {
            refused = Some(body);
        }
    }
    let refused = refused.unwrap_or_else(|| panic!("never rate limited; last answer {last}"));
    assert_eq!(refused["error"]["code"], "rate_limited", "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("wait")),
        "{refused}"
    );
    let connections: usize = stubs.iter().map(Stub::connections).sum();
    assert_eq!(connections, 5, "the refused check contacted nobody");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_swapped_between_two_checks_is_judged_afresh() {
    use tests::mail_servers::{Postfix, PostfixTls};
    let (_dir, ca) = test_ca();
    let right = ca.server_cert("right", NAME, tests::pki::Validity::CURRENT);
    let wrong = ca.server_cert("wrong", "other.example.test", tests::pki::Validity::CURRENT);
    // Postfix keeps its session ticket keys while each smtpd reads the certificate anew.
    // TLS 1.2 only: there the certificate comes from TLS 1.2 handshakes, whose session tickets
    // Postfix accepts again from the same client.
    let postfix = Postfix::start_one_session_per_process(&right, PostfixTls::Tls12Only);
    let mut options =
        ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[postfix.submission, postfix.smtps]);
    options.extra_args = vec!["--cache-seconds".into(), "0".into()];
    let api = ProbeApi::start(&options);
    let targets = [
        format!("submission://{NAME}:{}", postfix.submission),
        format!("smtps://{NAME}:{}", postfix.smtps),
    ];
    let verdicts = |report: &Value| -> Vec<String> {
        report["endpoints"]
            .as_array()
            .expect("endpoints")
            .iter()
            .map(|e| {
                e["certificate"]["verdict"]
                    .as_str()
                    .unwrap_or("-")
                    .to_owned()
            })
            .collect()
    };
    let query: Vec<(&str, &str)> = targets.iter().map(|t| ("target", t.as_str())).collect();
    let (status, first) = api.check(&query).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(verdicts(&first), ["valid", "valid"], "{first:#}");

    // Swap the certificate on disk for one with another name, as a renewal gone wrong would.
    for (from, to) in [
        (&wrong.cert_file, &right.cert_file),
        (&wrong.key_file, &right.key_file),
    ] {
        std::fs::copy(from, to).expect("swap the certificate");
    }
    let (status, second) = api.check(&query).await;
    assert_eq!(status, 200, "{second}");
    // Every probe is a full handshake: no resumed session hides the new certificate.
    assert_eq!(
        verdicts(&second),
        ["name_mismatch", "name_mismatch"],
        "{second:#}"
    );
    // A full handshake always names its key exchange group; a resumed one has none.
    for report in [&first, &second] {
        for endpoint in report["endpoints"].as_array().expect("endpoints") {
            for handshake in endpoint["handshakes"].as_array().expect("handshakes") {
                if handshake["outcome"] == "accepted" {
                    assert!(handshake["group"].is_string(), "resumed: {handshake}");
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cached_answer_says_so_and_a_fresh_check_is_refused_with_the_time_to_wait() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("cached", NAME, Validity::CURRENT);
    let server = tests::servers::OpensslServer::start(&cert, &["-tls1_2"]);
    let api = ProbeApi::start(&ProbeApiOptions::loopback(
        &ca.ca_file,
        &[NAME],
        &[server.port],
    ));
    let path = format!("/api/v1/check?target=imaps://{NAME}:{}", server.port);
    let (status, headers, body) = api.get(&path).await;
    assert_eq!(status, 200, "{body}");
    let first: Value = serde_json::from_str(&body).expect("JSON");
    assert!(
        first.get("cached").is_none(),
        "a new check is not cached: {first}"
    );
    assert!(!headers.contains_key("age"));

    let (status, headers, body) = api.get(&path).await;
    assert_eq!(status, 200, "{body}");
    let second: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(second["cached"], true);
    let age = second["age_seconds"].as_u64().expect("age");
    assert_eq!(
        headers.get("age").and_then(|v| v.to_str().ok()),
        Some(age.to_string().as_str())
    );

    // Asked to check again seconds later: refused, saying how long to wait; nothing silently
    // answered from the cache.
    let (status, headers, body) = api.get(&format!("{path}&fresh=1&lang=en")).await;
    assert_eq!(status, 429, "{body}");
    assert!(headers.contains_key("retry-after"), "{headers:?}");
    assert!(body.contains("rate_limited"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn forwarded_for_is_trusted_only_from_the_proxy_on_a_dual_stack_socket() {
    // The service listens on [::]: a connection to 127.0.0.1 arrives from ::ffff:127.0.0.1,
    // which must match the trusted proxy 127.0.0.1/32; one from ::1 is not a trusted proxy.
    let api = ProbeApi::start(&ProbeApiOptions {
        rate_limits: true,
        bind: Some("[::]:0".into()),
        extra_args: vec![
            "--client-checks-per-minute".into(),
            "1".into(),
            "--trusted-proxy".into(),
            "127.0.0.1/32".into(),
        ],
        ..ProbeApiOptions::default()
    });
    let port = api
        .base_url
        .rsplit(':')
        .next()
        .and_then(|port| port.parse::<u16>().ok())
        .expect("the service's port");
    // Each request takes one of its client's five tokens, then fails validation (400) without
    // contacting anyone; a 429 says the client's tokens are gone.
    let status = |host: &'static str, forwarded: &'static str| async move {
        reqwest::Client::new()
            .get(format!(
                "http://{host}:{port}/api/v1/check?target=nicht%20gültig"
            ))
            .header("x-forwarded-for", forwarded)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("the service answers")
            .status()
            .as_u16()
    };
    let burst = 5;
    for _ in 0..burst {
        assert_eq!(status("127.0.0.1", "198.51.100.1").await, 400);
    }
    assert_eq!(
        status("127.0.0.1", "198.51.100.1").await,
        429,
        "the client behind the proxy has used its share"
    );
    assert_eq!(
        status("127.0.0.1", "198.51.100.2").await,
        400,
        "another client behind the same proxy has its own share"
    );
    // Garbage right of the spent client's address: the chain ends at the proxy, so the
    // client cannot pick the spent address, nor escape to a fresh one by prepending it.
    for _ in 0..burst {
        assert_eq!(status("127.0.0.1", "198.51.100.9, unknown").await, 400);
    }
    assert_eq!(
        status("127.0.0.1", "203.0.113.77, bogus").await,
        429,
        "both counted as the proxy itself"
    );
    // A direct client that is not a trusted proxy cannot name its address.
    for _ in 0..burst {
        assert_eq!(status("[::1]", "198.51.100.3").await, 400);
    }
    assert_eq!(status("[::1]", "198.51.100.4").await, 429);

    // /metrics is for this host: loopback may read it, a client behind the proxy may not.
    let metrics = |host: &'static str, forwarded: Option<&'static str>| async move {
        let mut request = reqwest::Client::new()
            .get(format!("http://{host}:{port}/metrics"))
            .timeout(Duration::from_secs(10));
        if let Some(forwarded) = forwarded {
            request = request.header("x-forwarded-for", forwarded);
        }
        request
            .send()
            .await
            .expect("the service answers")
            .status()
            .as_u16()
    };
    assert_eq!(metrics("127.0.0.1", None).await, 200);
    assert_eq!(metrics("[::1]", None).await, 200);
    assert_eq!(metrics("127.0.0.1", Some("198.51.100.1")).await, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_checks_share_one_servers_connection_slots() {
    // Three visitors check three names of one slow server at once: together they never hold
    // more connections to it than one check may (two), where each used to have its own two.
    let (_dir, ca) = test_ca();
    let stub = Stub::start(Behaviour::SlowGreeting {
        delay: Duration::from_millis(600),
    });
    let names = ["a.example.test", "b.example.test", "c.example.test"];
    let api = ProbeApi::start(&ProbeApiOptions::loopback(
        &ca.ca_file,
        &names,
        &[stub.port()],
    ));
    let checks: Vec<_> = names
        .iter()
        .map(|name| api.spawn_check(&[("target", &format!("smtp://{name}:{}", stub.port()))]))
        .collect();
    for check in checks {
        let (status, report) = check.await.expect("the check task");
        assert_eq!(status, 200, "{report}");
    }
    assert!(stub.connections() >= 3, "each check connected");
    assert!(
        stub.most_open_at_once() <= 2,
        "{} connections at once to one server",
        stub.most_open_at_once()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cached_and_joined_checks_leave_the_servers_budget_untouched() {
    // Each mail server address may be contacted by 1 check a minute, 10 at once. Requests that
    // are answered from the cache or join a running check contact nobody and cost nothing.
    let (_dir, ca) = test_ca();
    let gate = Gate::new();
    let held = Stub::start(Behaviour::HeldGreeting { gate: gate.clone() });
    let names: Vec<String> = (0..11).map(|n| format!("n{n}.example.test")).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &name_refs, &[held.port()]);
    options.rate_limits = true;
    options.extra_args = vec![
        "--client-checks-per-minute".into(),
        "100000".into(),
        "--target-checks-per-minute".into(),
        "1".into(),
    ];
    let api = ProbeApi::start(&options);
    let target = |n: usize| format!("smtp://{}:{}", names[n], held.port());
    // Five identical requests while the server holds its greeting: one check, joined by four.
    let joined: Vec<_> = (0..5)
        .map(|_| api.spawn_check(&[("target", &target(0))]))
        .collect();
    metrics_show(&api, "mailtls_checks_coalesced_total 4").await;
    gate.open();
    for request in joined {
        let (status, report) = request.await.expect("the request");
        assert_eq!(status, 200, "{report}");
    }
    // Twenty more from the cache.
    for _ in 0..20 {
        let (status, report) = api.check(&[("target", &target(0))]).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["cached"], true);
    }
    // The address had one check charged: nine more new checks fit into its ten…
    for n in 1..10 {
        let (status, report) = api.check(&[("target", &target(n))]).await;
        assert_eq!(status, 200, "check {n}: {report}");
    }
    // …and the eleventh is refused.
    let (status, body) = api.check(&[("target", &target(10))]).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_client_cannot_take_every_connection_slot() {
    // 5,000 silent connections from 127.0.0.2 against 4,096 slots: the flooding address holds
    // its 64, its others are closed at once, and a visitor from 127.0.0.1 is answered at once.
    let flood_size = raise_own_descriptor_limit(5_000);
    let api = ProbeApi::start(&ProbeApiOptions::default());
    let address: std::net::SocketAddr = api
        .base_url
        .trim_start_matches("http://")
        .parse()
        .expect("the service's address");
    let mut flood = Vec::new();
    for _ in 0..flood_size {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind(std::net::SocketAddr::from(([127, 0, 0, 2], 0)))
            .expect("bind 127.0.0.2");
        flood.push(socket.connect(address).await.expect("connect"));
    }
    let started = std::time::Instant::now();
    let (status, _, body) = api.get("/healthz").await;
    assert_eq!((status, body.trim()), (200, "ok"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the other visitor waited {:?}",
        started.elapsed()
    );
    // Most of the flood was closed by the service: reading gives end-of-stream at once.
    let mut closed = 0;
    for stream in &mut flood {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(
            Duration::from_millis(20),
            tokio::io::AsyncReadExt::read(stream, &mut byte),
        )
        .await;
        if matches!(read, Ok(Ok(0)) | Ok(Err(_))) {
            closed += 1;
        }
    }
    assert_eq!(
        closed,
        flood_size - 64,
        "the flooding address keeps exactly its share"
    );
}

/// Raises this test process's soft descriptor limit to its hard one; how many connections the
/// flood may open (`wanted`, or fewer where the hard limit is lower).
fn raise_own_descriptor_limit(wanted: usize) -> usize {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let _ = setrlimit(
        Resource::Nofile,
        Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    );
    let now = getrlimit(Resource::Nofile)
        .current
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    // Room for the test's own files, servers and clients.
    let room = now.saturating_sub(512);
    assert!(
        room > 200,
        "the descriptor limit ({now}) is too low for a flood test"
    );
    wanted.min(room)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_service_says_so_before_resolving_any_name() {
    // One check slot, taken by a check whose server holds its greeting. A second request for a
    // name only a DNS server that never answers knows: refused as busy at once, not after its
    // lookup ran into the deadline (resolution counts against the cap).
    let (_dir, ca) = test_ca();
    let gate = Gate::new();
    let held = Stub::start(Behaviour::HeldGreeting { gate: gate.clone() });
    let silent = tests::dns::GarbageDns::start_silent();
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[held.port()]);
    options.extra_args = vec![
        "--max-concurrent-checks".into(),
        "1".into(),
        "--dns-server".into(),
        silent.address.to_string(),
        "--allow-reserved-names".into(),
    ];
    let api = ProbeApi::start(&options);
    let first = api.spawn_check(&[("target", &format!("smtp://{NAME}:{}", held.port()))]);
    metrics_show(&api, "mailtls_checks_in_flight 1").await;
    let started = std::time::Instant::now();
    let (status, body) = api
        .check(&[(
            "target",
            &format!("smtp://unknown.example.test:{}", held.port()),
        )])
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "busy");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered after {:?}",
        started.elapsed()
    );
    gate.open();
    let (status, _) = first.await.expect("the first check");
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_before_any_handler_are_counted_too() {
    let api = ProbeApi::start(&ProbeApiOptions::default());
    let client = reqwest::Client::new();
    let posted = client
        .post(format!("{}/api/v1/check?target=x", api.base_url))
        .send()
        .await
        .expect("the service answers");
    assert_eq!(posted.status().as_u16(), 405);
    let (status, _, _) = api
        .get(&format!("/api/v1/check?target={}", "a".repeat(5_000)))
        .await;
    assert_eq!(status, 414);
    metrics_show(
        &api,
        "mailtls_requests_refused_total{code=\"method_not_allowed\"} 1",
    )
    .await;
    metrics_show(
        &api,
        "mailtls_requests_refused_total{code=\"request_too_large\"} 1",
    )
    .await;
}
