//! The service behind Debian's nginx and HAProxy, configured with the snippets the repository
//! ships: results stream live, readiness holds at peak load, and a restart loses no request.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tests::pki::Validity;
use tests::proxies::{Haproxy, Nginx};
use tests::servers::{OpensslServer, ProbeApi, ProbeApiOptions};
use tests::stubs::{Behaviour, Gate, Stub};

use crate::stopping::read_until;
use crate::test_ca;

const NAME: &str = "mail.example.test";

#[tokio::test(flavor = "multi_thread")]
async fn results_stream_live_and_readiness_holds_behind_nginx_and_haproxy() {
    let (_dir, ca) = test_ca();
    let cert = ca.server_cert("valid", NAME, Validity::CURRENT);
    let fast = OpensslServer::start(&cert, &[]);
    // One held server per proxy, so each proxy's check is a new one, not the cached report.
    let gates = [Gate::new(), Gate::new()];
    let held = gates
        .clone()
        .map(|gate| Stub::start(Behaviour::HeldGreeting { gate }));
    let mut ports = vec![fast.port];
    ports.extend(held.iter().map(Stub::port));
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &ports).patient();
    options.extra_args.extend(
        [
            "--trusted-proxy",
            "127.0.0.1",
            "--max-concurrent-checks",
            "1",
        ]
        .map(str::to_owned),
    );
    let api = ProbeApi::start(&options);
    let nginx = Nginx::start(&[api.address()]);
    let haproxy = Haproxy::start(&[api.address()]);

    for ((proxy, port, base), (gate, held)) in [
        ("nginx", nginx.port, nginx.base_url()),
        ("haproxy", haproxy.port, haproxy.base_url()),
    ]
    .into_iter()
    .zip(gates.iter().zip(&held))
    {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        write!(
            stream,
            "GET /api/v1/check/stream?target=imaps://{NAME}:{}&target=smtp://{NAME}:{} HTTP/1.1\r\n\
             Host: hilfe.example.test\r\n\r\n",
            fast.port,
            held.port()
        )
        .expect("request");
        // The fast server's result arrives while the held one still waits: live, not buffered
        // until the report.
        let live = tokio::task::block_in_place(|| {
            read_until(&mut stream, "event: endpoint", Duration::from_secs(20))
        });
        assert!(!live.contains("event: report"), "{proxy}: {live}");

        // The only check slot is taken. After more than HAProxy's two failed health checks
        // would need, the page and readiness are still served through the proxy.
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        let client = reqwest::Client::new();
        for path in ["/readyz", "/healthz", "/"] {
            let status = client
                .get(format!("{base}{path}"))
                .send()
                .await
                .expect("answer")
                .status();
            assert_eq!(status, 200, "{proxy} {path} with every check slot busy");
        }
        // The proxy's request ID reaches the service (which echoes it): nginx's 32 hex
        // digits, HAProxy's UUID — not one the service made up itself (16 digits).
        // A visitor's own X-Request-Id is replaced, so nobody chooses the ID both logs carry.
        let response = client
            .get(format!("{base}/healthz"))
            .header("x-request-id", "forged-by-the-visitor")
            .send()
            .await
            .expect("answer");
        let id = response.headers()["x-request-id"].to_str().expect("text");
        assert!(id.len() >= 32 && !id.contains("forged"), "{proxy}: {id}");
        gate.open();
        let rest = tokio::task::block_in_place(|| {
            read_until(&mut stream, "event: report", Duration::from_secs(20))
        });
        assert!(rest.contains("event: endpoint"), "{proxy}: {rest}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_behind_nginx_or_haproxy_loses_no_request() {
    for proxy in ["nginx", "haproxy"] {
        let options = ProbeApiOptions {
            extra_args: [
                "--trusted-proxy",
                "127.0.0.1",
                "--shutdown-delay",
                "3",
                "--shutdown-grace",
                "2",
            ]
            .map(str::to_owned)
            .to_vec(),
            ..ProbeApiOptions::default()
        };
        let mut first = ProbeApi::start(&options);
        let second = ProbeApi::start(&options);
        let replicas = [first.address(), second.address()];
        let (_nginx, _haproxy, base) = match proxy {
            "nginx" => {
                let nginx = Nginx::start(&replicas);
                let base = nginx.base_url();
                (Some(nginx), None, base)
            }
            _ => {
                let haproxy = Haproxy::start(&replicas);
                let base = haproxy.base_url();
                // Both replicas pass their first health checks before the test begins.
                tokio::time::sleep(Duration::from_millis(2_500)).await;
                (None, Some(haproxy), base)
            }
        };
        let client = reqwest::Client::new();
        let mut answers = 0;
        let mut failures = Vec::new();
        let started = Instant::now();
        let mut stopped = false;
        while started.elapsed() < Duration::from_secs(7) {
            if !stopped && started.elapsed() > Duration::from_secs(1) {
                first.process().terminate();
                stopped = true;
            }
            match client.get(format!("{base}/healthz")).send().await {
                Ok(response) if response.status() == 200 => answers += 1,
                Ok(response) => failures.push(response.status().to_string()),
                Err(error) => failures.push(error.to_string()),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let code =
            tokio::task::block_in_place(|| first.process().wait_for_exit(Duration::from_secs(10)));
        assert_eq!(code, Some(0), "{proxy}: the first replica stopped cleanly");
        assert!(
            failures.is_empty(),
            "{proxy}: {} of {} requests failed during the restart: {failures:?}",
            failures.len(),
            answers + failures.len()
        );
        assert!(answers > 100, "{proxy}: {answers} answers");
        drop(second);
    }
}
