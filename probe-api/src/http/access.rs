//! The access log, request IDs and the HTTP metrics: one place that sees every request.
//!
//! Each request gets an ID — the caller's `X-Request-Id` when it is a plain token of at most
//! 64 characters (a proxy's `$request_id`), else a new one — echoed in the response and carried
//! by every log line written while the request is handled (a tracing span). When the answer is
//! over (the last byte sent, or the client gone), one line at INFO with target
//! `mailtls::access` says: method, route (the template, never the query: check links carry
//! what customers typed), status, duration, bytes, request ID and a client key — a keyed hash
//! of the client's address (IPv6: its /64), stable for the life of the process, so lines of
//! one visitor can be followed without storing the address.
//!
//! `/healthz` and `/readyz` — a load balancer asks every second — are written at debug level
//! only. Lines are written at most [`ACCESS_LINES_PER_SECOND`] a second; beyond that a flood is one
//! line a second saying how many were left out, while the metrics count every request:
//! `mailtls_http_requests_total{route,status}` and the latency histogram
//! `mailtls_http_request_duration_seconds{route}`. Labels come from a fixed set (the routes,
//! `page`, `asset`, `other`; the status codes the service sends), so they stay bounded.

use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::hash::BuildHasher;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;

use super::AppState;
use super::metrics::LogBudget;
use super::routes;

/// Access lines written per second at most.
pub const ACCESS_LINES_PER_SECOND: u32 = 100;

/// Upper bounds (seconds) of the latency histogram's buckets. Event streams last as long as
/// their check, hence the long tail.
const LATENCY_BUCKETS: [f64; 9] = [0.005, 0.025, 0.1, 0.25, 1.0, 2.5, 10.0, 30.0, 60.0];

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request counts and latencies, and what the access log needs to name requests.
#[derive(Debug)]
pub struct Access {
    /// Keys the client hash; new each start, so the hash cannot be turned back into addresses
    /// across restarts by a table of all IPv4 addresses made in advance.
    hasher: RandomState,
    next_id: AtomicU64,
    budget: Mutex<LogBudget>,
    requests: Mutex<BTreeMap<(&'static str, u16), Latency>>,
}

impl Default for Access {
    fn default() -> Self {
        Access {
            hasher: RandomState::new(),
            next_id: AtomicU64::new(1),
            budget: Mutex::new(LogBudget::new(ACCESS_LINES_PER_SECOND)),
            requests: Mutex::new(BTreeMap::new()),
        }
    }
}

#[derive(Debug, Default, Clone)]
struct Latency {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    seconds: f64,
}

impl Access {
    /// The caller's request ID when it is a plain token, else a new one.
    fn request_id(&self, given: Option<&HeaderValue>) -> String {
        let given = given.and_then(|value| value.to_str().ok()).filter(|id| {
            (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        });
        match given {
            Some(id) => id.to_owned(),
            None => {
                let n = self.next_id.fetch_add(1, Ordering::Relaxed);
                format!("{:016x}", self.hasher.hash_one(n))
            }
        }
    }

    /// Eight hex digits standing for the client (IPv6: its /64).
    pub(crate) fn client_key(&self, client: IpAddr) -> String {
        let key = super::limits::client_key(client);
        format!("{:08x}", self.hasher.hash_one(key) >> 32)
    }

    fn record(&self, route: &'static str, status: u16, seconds: f64) {
        let mut requests = self
            .requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let latency = requests.entry((route, status)).or_default();
        latency.count += 1;
        latency.seconds += seconds;
        if let Some(bucket) = LATENCY_BUCKETS.iter().position(|bound| seconds <= *bound) {
            latency.buckets[bucket] += 1;
        }
    }

    /// Appends the HTTP metrics in the Prometheus text format.
    pub fn write_metrics(&self, out: &mut String) {
        let requests = self
            .requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let _ = writeln!(
            out,
            "# HELP mailtls_http_requests_total HTTP requests answered, by route and status.\n\
             # TYPE mailtls_http_requests_total counter"
        );
        for ((route, status), latency) in &requests {
            let _ = writeln!(
                out,
                "mailtls_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {}",
                latency.count
            );
        }
        // The histogram per route, summed over the statuses.
        let mut by_route: BTreeMap<&str, Latency> = BTreeMap::new();
        for ((route, _), latency) in &requests {
            let sum = by_route.entry(route).or_default();
            sum.count += latency.count;
            sum.seconds += latency.seconds;
            for (total, n) in sum.buckets.iter_mut().zip(latency.buckets) {
                *total += n;
            }
        }
        let _ = writeln!(
            out,
            "# HELP mailtls_http_request_duration_seconds Time from request to the answer's \
             last byte, by route.\n# TYPE mailtls_http_request_duration_seconds histogram"
        );
        for (route, latency) in by_route {
            let mut cumulative = 0;
            for (bound, n) in LATENCY_BUCKETS.iter().zip(latency.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "mailtls_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "mailtls_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 mailtls_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 mailtls_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                latency.count, latency.seconds, latency.count
            );
        }
    }
}

/// The route label of a path: an API route's own path, else what kind of file it is.
pub fn route_label(path: &str) -> &'static str {
    if let Some(route) = routes::ALL.iter().find(|route| **route == path) {
        return route;
    }
    if path == routes::ROBOTS_TXT {
        return routes::ROBOTS_TXT;
    }
    if path.starts_with("/api/") || path == "/api" {
        return "/api/*";
    }
    if super::assets::PAGE_ROUTES.contains(&path) {
        return "page";
    }
    if super::middleware::is_content_hashed(path) {
        return "asset";
    }
    "other"
}

/// The middleware: ID, span, and the line and metrics when the answer is over.
pub async fn log(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let access = state.access.clone();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(peer)| peer.ip());
    // Only a trusted proxy names the request: a visitor must not choose the ID in the log.
    let trusted = super::limits::is_trusted(peer, &state.limits.trusted_proxies);
    let given = request.headers().get(&REQUEST_ID).filter(|_| trusted);
    let id = access.request_id(given);
    let client =
        super::limits::client_address(peer, request.headers(), &state.limits.trusted_proxies);
    // The line exists before the handler runs: a client that goes away before its answer
    // (the handler is dropped) is written with 499, as nginx calls it.
    let mut line = Line {
        access: access.clone(),
        started,
        method: request.method().clone(),
        route: route_label(request.uri().path()),
        status: CLIENT_GONE,
        id: id.clone(),
        client,
        bytes: 0,
    };
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    line.status = response.status().as_u16();
    response.map(|body| {
        Body::new(Counted {
            body,
            line: Some(line),
        })
    })
}

/// The status an access line gives a request whose client went away before the answer.
const CLIENT_GONE: u16 = 499;

/// What the access line says, written when the answer's body is dropped.
struct Line {
    access: Arc<Access>,
    started: Instant,
    method: axum::http::Method,
    route: &'static str,
    status: u16,
    id: String,
    /// The client's address; written only as its keyed hash, and only when the line is.
    client: IpAddr,
    bytes: u64,
}

impl Drop for Line {
    fn drop(&mut self) {
        let elapsed = self.started.elapsed();
        self.access
            .record(self.route, self.status, elapsed.as_secs_f64());
        // A load balancer's health checks (every second, per replica) would be most of the log:
        // counted in the metrics, written only at debug level.
        if matches!(self.route, routes::HEALTHZ | routes::READYZ) {
            tracing::debug!(
                target: "mailtls::access",
                route = self.route,
                status = self.status,
                request_id = %self.id,
                "health check"
            );
            return;
        }
        let now = LogBudget::this_second();
        let admitted = self
            .access
            .budget
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .admit(now);
        if let Some(left_out) = admitted.left_out_before {
            tracing::info!(
                target: "mailtls::access",
                left_out,
                "{left_out} access lines left out in the last busy second(s)"
            );
        }
        if admitted.log {
            tracing::info!(
                target: "mailtls::access",
                method = %self.method,
                route = self.route,
                status = self.status,
                duration_ms = elapsed.as_millis() as u64,
                bytes = self.bytes,
                request_id = %self.id,
                client = %self.access.client_key(self.client),
                "request"
            );
        }
    }
}

/// A response body that counts its bytes and writes the access line when it is dropped.
struct Counted {
    body: Body,
    line: Option<Line>,
}

impl http_body::Body for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
            && let Some(line) = self.line.as_mut()
        {
            line.bytes += data.len() as u64;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_the_caller_are_kept_only_when_they_are_plain_tokens() {
        let access = Access::default();
        let given = HeaderValue::from_static("a1b2-c3d4.e5:f6_7");
        assert_eq!(access.request_id(Some(&given)), "a1b2-c3d4.e5:f6_7");
        for bad in ["", "with space", "quote\"d", &"x".repeat(65)] {
            let value = HeaderValue::from_str(bad).expect("header value");
            let id = access.request_id(Some(&value));
            assert_ne!(id, bad);
            assert_eq!(id.len(), 16, "{id}");
        }
        assert_ne!(access.request_id(None), access.request_id(None));
    }

    #[test]
    fn a_client_key_is_the_same_within_a_64_and_hides_the_address() {
        let access = Access::default();
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("address");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("address");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("address");
        assert_eq!(access.client_key(a), access.client_key(b));
        assert_ne!(access.client_key(a), access.client_key(c));
        let v4 = access.client_key("192.0.2.7".parse().expect("address"));
        assert_eq!(v4.len(), 8);
        assert!(!v4.contains("192"), "{v4}");
    }

    #[test]
    fn route_labels_come_from_a_fixed_set() {
        assert_eq!(route_label("/api/v1/check"), "/api/v1/check");
        assert_eq!(route_label("/api/v2/whatever"), "/api/*");
        assert_eq!(route_label("/"), "page");
        assert_eq!(route_label("/frontend-0123456789abcdef_bg.wasm"), "asset");
        assert_eq!(route_label("/wp-login.php"), "other");
    }

    #[test]
    fn the_metrics_count_every_request_by_route_and_status() {
        let access = Access::default();
        access.record("/api/v1/check", 200, 0.5);
        access.record("/api/v1/check", 200, 2.0);
        access.record("/api/v1/check", 429, 0.001);
        let mut out = String::new();
        access.write_metrics(&mut out);
        assert!(
            out.contains("mailtls_http_requests_total{route=\"/api/v1/check\",status=\"200\"} 2"),
            "{out}"
        );
        assert!(out.contains("status=\"429\"} 1"), "{out}");
        assert!(
            out.contains("mailtls_http_request_duration_seconds_count{route=\"/api/v1/check\"} 3"),
            "{out}"
        );
        assert!(
            out.contains(
                "mailtls_http_request_duration_seconds_bucket{route=\"/api/v1/check\",le=\"1\"} 2"
            ),
            "{out}"
        );
    }
}
