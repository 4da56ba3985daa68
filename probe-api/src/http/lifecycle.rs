//! The service's life as load balancers and operators see it: how many connections and event
//! streams are open, and the stop sequence the listener, `/readyz` and the streams follow.
//!
//! Stopping (SIGTERM from a service manager) has three phases, so a restart behind a proxy is
//! not an outage:
//!
//! 1. **Draining** for `shutdown_delay`: `/readyz` answers `503`, so health-checking proxies
//!    take this replica out, while the listener still accepts and answers everything.
//! 2. **Closed listener** for up to `shutdown_grace`: requests in flight (a running check, an
//!    event stream) finish; a proxy's new connection attempts are refused, so it retries
//!    another replica at once.
//! 3. **Closing streams** one second before the grace ends: event streams still open get a
//!    final `restart` event (with `retry:`), after which the page asks again by itself — on
//!    another replica, or on this service once it is back.
//!
//! Ctrl-C in a terminal (SIGINT) skips the first phase: nobody balances load onto a terminal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

/// How long before the grace period ends open event streams are told to reconnect.
pub const STREAM_NOTICE: Duration = Duration::from_secs(1);

/// Milliseconds a page waits before reconnecting after a `restart` event.
pub const RECONNECT_AFTER_MS: u64 = 2000;

/// Open connections and streams, and where in the stop sequence the service is.
#[derive(Debug)]
pub struct Lifecycle {
    connections: AtomicUsize,
    max_connections: AtomicUsize,
    streams: AtomicUsize,
    draining: AtomicBool,
    closing: watch::Sender<bool>,
    started: SystemTime,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            connections: AtomicUsize::new(0),
            max_connections: AtomicUsize::new(0),
            streams: AtomicUsize::new(0),
            draining: AtomicBool::new(false),
            closing: watch::Sender::new(false),
            started: SystemTime::now(),
        }
    }
}

/// What an [`Open`] counts.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Connection,
    Stream,
}

/// One open connection or stream; counted until dropped.
#[derive(Debug)]
pub struct Open {
    lifecycle: Arc<Lifecycle>,
    kind: Kind,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.lifecycle
            .counter(self.kind)
            .fetch_sub(1, Ordering::Relaxed);
    }
}

impl Lifecycle {
    fn counter(&self, kind: Kind) -> &AtomicUsize {
        match kind {
            Kind::Connection => &self.connections,
            Kind::Stream => &self.streams,
        }
    }

    fn open(self: &Arc<Self>, kind: Kind) -> Open {
        self.counter(kind).fetch_add(1, Ordering::Relaxed);
        Open {
            lifecycle: self.clone(),
            kind,
        }
    }

    /// Counts a client connection while the returned guard lives.
    pub fn connection(self: &Arc<Self>) -> Open {
        self.open(Kind::Connection)
    }

    /// Counts an event stream while the returned guard lives.
    pub fn stream(self: &Arc<Self>) -> Open {
        self.open(Kind::Stream)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    pub fn streams(&self) -> usize {
        self.streams.load(Ordering::Relaxed)
    }

    /// The connection cap the listener enforces (after fitting it to the descriptor limit).
    pub fn set_max_connections(&self, max: usize) {
        self.max_connections.store(max, Ordering::Relaxed);
    }

    pub fn max_connections(&self) -> usize {
        self.max_connections.load(Ordering::Relaxed)
    }

    /// Phase 1: from now on `/readyz` says "draining".
    pub fn drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Phase 3: open event streams end with a `restart` event.
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Completes when [`Lifecycle::close_streams`] was called (at once if it already was).
    pub async fn streams_closing(&self) {
        let mut closing = self.closing.subscribe();
        let _ = closing.wait_for(|closing| *closing).await;
    }

    /// When the process started, for `process_start_time_seconds`.
    pub fn started(&self) -> SystemTime {
        self.started
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_count_while_they_live() {
        let lifecycle = Arc::new(Lifecycle::default());
        let first = lifecycle.connection();
        let second = lifecycle.connection();
        let stream = lifecycle.stream();
        assert_eq!((lifecycle.connections(), lifecycle.streams()), (2, 1));
        drop(first);
        drop(stream);
        assert_eq!((lifecycle.connections(), lifecycle.streams()), (1, 0));
        drop(second);
        assert_eq!(lifecycle.connections(), 0);
    }

    #[tokio::test]
    async fn streams_learn_of_the_close_even_when_they_ask_late() {
        let lifecycle = Arc::new(Lifecycle::default());
        let waiting = tokio::spawn({
            let lifecycle = lifecycle.clone();
            async move { lifecycle.streams_closing().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        lifecycle.close_streams();
        waiting.await.expect("woken");
        // A stream that starts waiting afterwards is not left hanging.
        tokio::time::timeout(Duration::from_secs(1), lifecycle.streams_closing())
            .await
            .expect("at once");
    }
}
