//! The service's life at its edges: a stop that a proxy can ride out (draining, a closed
//! listener, a final event for open streams) and a reader that never reads.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tests::servers::{ProbeApi, ProbeApiOptions};
use tests::stubs::{Behaviour, Gate, Stub};

use crate::test_ca;

const NAME: &str = "mail.example.test";

/// The value of an unlabelled metric, waiting up to 20 s for `wanted` to hold.
async fn metric_until(api: &ProbeApi, name: &str, wanted: impl Fn(f64) -> bool) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, _, metrics) = api.get("/metrics").await;
        let value = metrics
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok());
        if let Some(value) = value
            && wanted(value)
        {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "{name} never as wanted (last {value:?}) in\n{metrics}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads from `stream` until `text` arrived; everything read, or a panic after `deadline`.
pub(crate) fn read_until(stream: &mut TcpStream, text: &str, deadline: Duration) -> String {
    let until = Instant::now() + deadline;
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("read timeout");
    while !String::from_utf8_lossy(&seen).contains(text) {
        assert!(
            Instant::now() < until,
            "{text:?} never came; got {:?}",
            String::from_utf8_lossy(&seen)
        );
        match stream.read(&mut buffer) {
            Ok(0) => panic!(
                "closed before {text:?}; got {:?}",
                String::from_utf8_lossy(&seen)
            ),
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(error) => panic!("read: {error}"),
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stop_drains_first_then_closes_the_listener_and_tells_open_streams_to_come_back() {
    let (_dir, ca) = test_ca();
    // The check stays in flight for as long as the test wants: the greeting never comes.
    let gate = Gate::new();
    let held = Stub::start(Behaviour::HeldGreeting { gate: gate.clone() });
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[held.port()]).patient();
    options
        .extra_args
        .extend(["--shutdown-delay", "2", "--shutdown-grace", "4"].map(str::to_owned));
    let mut api = ProbeApi::start(&options);
    let address = api.address();

    let mut stream = TcpStream::connect(address).expect("connect");
    write!(
        stream,
        "GET /api/v1/check/stream?target=smtp://{NAME}:{} HTTP/1.1\r\nHost: x\r\n\r\n",
        held.port()
    )
    .expect("request");
    read_until(&mut stream, "event: start", Duration::from_secs(10));
    let connected =
        tokio::task::block_in_place(|| held.wait_for_connections(1, Duration::from_secs(10)));
    assert_eq!(connected, 1);
    assert_eq!(api.get("/readyz").await.0, 200);

    api.process().terminate();
    // Phase 1: not ready, but still serving new connections.
    let deadline = Instant::now() + Duration::from_secs(5);
    let (status, body) = loop {
        let (status, _, body) = api.get("/readyz").await;
        if status != 200 || Instant::now() > deadline {
            break (status, body);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!((status, body.as_str()), (503, "draining\n"));
    let (status, _, _) = api.get("/healthz").await;
    assert_eq!(status, 200, "a draining service still answers");
    assert_eq!(
        metric_until(&api, "mailtls_draining", |v| v == 1.0).await,
        1.0
    );

    // Phase 2: the listener closes; a proxy's next attempt is refused at once.
    let deadline = Instant::now() + Duration::from_secs(10);
    while tests::process::connect_to_listener(address, Duration::from_millis(200)).is_ok() {
        assert!(Instant::now() < deadline, "the listener never closed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Phase 3: the open stream ends with `restart`, telling the page when to ask again.
    let rest = tokio::task::block_in_place(|| {
        read_until(&mut stream, "event: restart", Duration::from_secs(10))
    });
    let restart = rest.split("event: restart").nth(1).unwrap_or_default();
    assert!(restart.contains("\"retry_after_ms\":2000"), "{rest}");
    assert!(rest.contains("retry: 2000"), "{rest}");
    let code = tokio::task::block_in_place(|| api.process().wait_for_exit(Duration::from_secs(10)));
    assert_eq!(code, Some(0));
    gate.open();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_that_never_reads_its_streams_is_dropped_after_the_write_timeout() {
    let (_dir, ca) = test_ca();
    let quick = Stub::start(Behaviour::TooManyConnections);
    let mut options = ProbeApiOptions::loopback(&ca.ca_file, &[NAME], &[quick.port()]);
    options
        .extra_args
        .extend(["--write-timeout", "2"].map(str::to_owned));
    let api = ProbeApi::start(&options);
    let target = format!("smtp://{NAME}:{}", quick.port());
    // One real check; every stream after it is the cached report.
    let (status, _) = api.check(&[("target", &target)]).await;
    assert_eq!(status, 200);
    let rss_before = metric_until(&api, "process_resident_memory_bytes", |v| v > 0.0).await;

    // 4,000 pipelined stream requests, never read, on a socket with the smallest receive
    // buffer the kernel allows: far more answer than the buffers of both sides hold, so the
    // service's writes stall.
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket
        .set_recv_buffer_size(1)
        .expect("small receive buffer");
    socket.connect(&api.address().into()).expect("connect");
    let stalled: TcpStream = socket.into();
    let mut writer = stalled.try_clone().expect("clone");
    let request = format!("GET /api/v1/check/stream?target={target} HTTP/1.1\r\nHost: x\r\n\r\n");
    std::thread::spawn(move || {
        for _ in 0..4_000 {
            if writer.write_all(request.as_bytes()).is_err() {
                return;
            }
        }
    });
    let started = Instant::now();
    // Another visitor is served meanwhile.
    assert_eq!(api.get("/healthz").await.0, 200);
    // The stalled connection goes: only the metrics request itself is left.
    let connections = metric_until(&api, "mailtls_connections_open", |v| v <= 1.0).await;
    assert_eq!(connections, 1.0);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "dropped only after the write timeout, not before: {:?}",
        started.elapsed()
    );
    assert_eq!(
        metric_until(&api, "mailtls_streams_open", |v| v == 0.0).await,
        0.0
    );
    // It was dropped mid-way, not served to the end and then closed as idle.
    let served = metric_until(
        &api,
        "mailtls_http_requests_total{route=\"/api/v1/check/stream\",status=\"200\"}",
        |v| v >= 1.0,
    )
    .await;
    assert!(served < 4_000.0, "{served} streams answered in full");
    let rss_after = metric_until(&api, "process_resident_memory_bytes", |v| v > 0.0).await;
    assert!(
        rss_after - rss_before < 16.0 * 1024.0 * 1024.0,
        "memory stays flat: {rss_before} → {rss_after}"
    );
    drop(stalled);
}
