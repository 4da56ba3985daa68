//! The listener: accepts connections and hands them to the router, with the limits a service on
//! the open internet needs below the HTTP layer.
//!
//! - At most `max_connections` connections at once; further clients wait in the kernel's listen
//!   queue instead of costing memory. One client address (an IPv6 /64) holds at most
//!   `max_connections_per_client` of them; its further connections are closed at once, so one
//!   visitor cannot take every slot (trusted proxies, which carry many visitors, are exempt).
//! - A client that stops reading is dropped after `write_timeout` (default [`WRITE_TIMEOUT`])
//!   without progress, so a stalled event stream gives back its connection and its buffers.
//!   An event stream's unsent bytes are bounded by the socket's buffers: the stream is pulled
//!   only as fast as the socket takes it.
//! - Request line plus headers are capped (`max_header_bytes`; hyper answers `431` beyond it),
//!   and must arrive within `header_timeout` — which also bounds how long a kept-alive connection
//!   may sit idle — so slow or silent clients cannot hold a connection forever.
//! - Stopping follows [`super::lifecycle`]: draining (still accepting, `/readyz` 503), then the
//!   listener closes and requests in flight finish within the grace period; open event streams
//!   get a final `restart` event just before it ends.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

use super::lifecycle::Lifecycle;

/// A client that takes longer than this to accept more bytes is dropped (`write_timeout`).
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Connection-level limits.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    pub max_connections: usize,
    /// Most connections one client address (IPv6: /64) may hold at once.
    pub max_connections_per_client: usize,
    /// Proxies carry many clients: exempt from the per-client cap.
    pub trusted_proxies: Vec<IpNet>,
    pub max_header_bytes: usize,
    pub header_timeout: Duration,
    /// A client that accepts no byte for this long is dropped.
    pub write_timeout: Duration,
    pub shutdown_grace: Duration,
}

/// hyper refuses buffers smaller than this.
const MIN_HEADER_BYTES: usize = 8192;

/// Serves `router` on `listener` until `shutdown` completes, then stops as
/// [`super::lifecycle`] describes: `shutdown` yields how long to keep accepting while
/// `/readyz` says "draining" (zero for Ctrl-C), then running requests get the grace period.
/// Returns whether every connection finished within it.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    lifecycle: Arc<Lifecycle>,
    shutdown: impl Future<Output = Duration>,
) -> bool {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes.max(MIN_HEADER_BYTES))
        .max_headers(100);
    lifecycle.set_max_connections(limits.max_connections.max(1));
    let acceptor = Acceptor {
        http,
        router,
        graceful: GracefulShutdown::new(),
        slots: Arc::new(Semaphore::new(limits.max_connections.max(1))),
        per_client: Arc::new(PerClient::default()),
        lifecycle: lifecycle.clone(),
        limits,
    };
    let delay = acceptor.accept(&listener, shutdown).await;
    lifecycle.drain();
    if !delay.is_zero() {
        tracing::info!(
            delay_seconds = delay.as_secs(),
            "stopping: /readyz answers 503 (draining); still serving for {} s so proxies \
             can take this replica out",
            delay.as_secs()
        );
        acceptor.accept(&listener, tokio::time::sleep(delay)).await;
    }
    drop(listener);
    let Acceptor {
        graceful, limits, ..
    } = acceptor;
    tracing::info!(
        grace_seconds = limits.shutdown_grace.as_secs(),
        "stopped accepting; letting running requests finish"
    );
    let notice = limits
        .shutdown_grace
        .saturating_sub(super::lifecycle::STREAM_NOTICE);
    let drained = graceful.shutdown();
    tokio::pin!(drained);
    if tokio::time::timeout(notice, &mut drained).await.is_ok() {
        return true;
    }
    // Streams still open: tell their pages to come back, and give the words a moment to leave.
    lifecycle.close_streams();
    let rest = limits.shutdown_grace.saturating_sub(notice);
    match tokio::time::timeout(rest, &mut drained).await {
        Ok(()) => true,
        Err(_) => {
            tracing::warn!("grace period over; dropping the remaining connections");
            false
        }
    }
}

/// Everything the accept loop needs, so it can run before and during the drain.
struct Acceptor {
    http: hyper::server::conn::http1::Builder,
    router: Router,
    graceful: GracefulShutdown,
    slots: Arc<Semaphore>,
    per_client: Arc<PerClient>,
    lifecycle: Arc<Lifecycle>,
    limits: ServerLimits,
}

impl Acceptor {
    /// Accepts connections until `until` completes; returns its output.
    async fn accept<T>(&self, listener: &TcpListener, until: impl Future<Output = T>) -> T {
        tokio::pin!(until);
        loop {
            let slot = tokio::select! {
                slot = self.slots.clone().acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => return until.await,
                },
                done = &mut until => return done,
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
                done = &mut until => return done,
            };
            let Some(held) = self.per_client.admit(peer.ip(), &self.limits) else {
                // Over its share: closed at once, the slot goes back.
                drop(stream);
                continue;
            };
            let _ = stream.set_nodelay(true);
            let router = self.router.clone();
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    let router = router.clone();
                    async move { Ok::<_, Infallible>(infallible(router.oneshot(request).await)) }
                });
            let stream = WriteDeadline::new(stream, self.limits.write_timeout);
            let connection = self
                .graceful
                .watch(self.http.serve_connection(TokioIo::new(stream), service));
            let open = self.lifecycle.connection();
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    tracing::debug!(%error, %peer, "connection ended with an error");
                }
                drop(open);
                drop(held);
                drop(slot);
            });
        }
    }
}

/// Open connections per client address; an entry lives while its client has a connection, so
/// the map never holds more entries than there are connections.
#[derive(Debug, Default)]
struct PerClient(Mutex<HashMap<IpAddr, usize>>);

/// One admitted connection of a client; gives its place back when dropped.
struct Held {
    per_client: Arc<PerClient>,
    key: Option<IpAddr>,
}

impl PerClient {
    /// A place for a connection from `peer`, or `None` when it already holds its share.
    fn admit(self: &Arc<Self>, peer: IpAddr, limits: &ServerLimits) -> Option<Held> {
        let peer = peer.to_canonical();
        if limits.trusted_proxies.iter().any(|net| net.contains(&peer)) {
            return Some(Held {
                per_client: self.clone(),
                key: None,
            });
        }
        let key = super::limits::client_key(peer);
        let mut open = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(key).or_default();
        if *count >= limits.max_connections_per_client.max(1) {
            return None;
        }
        *count += 1;
        Some(Held {
            per_client: self.clone(),
            key: Some(key),
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut open = self.per_client.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&key);
            }
        }
    }
}

/// A socket whose writes must make progress within a deadline: a client that stops reading
/// (a full send buffer) turns into a `TimedOut` error, which ends the connection.
struct WriteDeadline<S = TcpStream> {
    stream: S,
    timeout: Duration,
    /// Running while a write waits for the client.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> WriteDeadline<S> {
    fn new(stream: S, timeout: Duration) -> Self {
        WriteDeadline {
            stream,
            timeout,
            stalled: None,
        }
    }

    /// After a write returned `Pending`: the deadline, started on the first stall.
    fn check_stall(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<usize>> {
        let timeout = self.timeout;
        let sleep = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.stream).poll_write(cx, buf) {
            Poll::Pending => self.check_stall(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.stream).poll_flush(cx) {
            Poll::Pending => self.check_stall(cx).map(|result| result.map(|_| ())),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.stream).poll_write_vectored(cx, bufs) {
            Poll::Pending => self.check_stall(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// The value of a `Result` that cannot fail.
fn infallible<T>(result: Result<T, Infallible>) -> T {
    match result {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_client_that_stops_reading_is_dropped_after_the_write_timeout() {
        let (server_side, _client_never_reads) = tokio::io::duplex(64);
        let mut stream = WriteDeadline::new(server_side, WRITE_TIMEOUT);
        let started = tokio::time::Instant::now();
        let error = stream
            .write_all(&[0u8; 4096])
            .await
            .expect_err("the write cannot finish");
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), WRITE_TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_reader_that_keeps_reading_is_not_dropped() {
        let (server_side, mut client) = tokio::io::duplex(64);
        let mut stream = WriteDeadline::new(server_side, WRITE_TIMEOUT);
        let reader = tokio::spawn(async move {
            let mut buffer = [0u8; 64];
            let mut total = 0;
            while total < 4096 {
                // Reads a little every 20 s: each wait is under the timeout.
                tokio::time::sleep(Duration::from_secs(20)).await;
                total += tokio::io::AsyncReadExt::read(&mut client, &mut buffer)
                    .await
                    .expect("read");
            }
        });
        stream
            .write_all(&[0u8; 4096])
            .await
            .expect("progress keeps it alive");
        reader.await.expect("reader");
    }
}
