//! `GET /metrics`: counters in the Prometheus text format (version 0.0.4), written by hand —
//! a handful of lines does not need a metrics framework. Only clients in `metrics_from`
//! (loopback by default; behind a proxy, the client `X-Forwarded-For` names) may read them;
//! everyone else gets the API's `404`.
//!
//! Refusals are counted here, and logged at most [`LOG_PER_SECOND`] a second: a flood of bad
//! requests is one line a second saying how many were not logged, not a flood of lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use mailtls_shared::{ErrorCode, wire_name};

use super::AppState;
use super::checks::DURATION_BUCKETS_MS;

/// Refusals logged per second at most.
pub const LOG_PER_SECOND: u32 = 10;

/// Requests refused, by error code, and the log budget for them.
#[derive(Debug, Default)]
pub struct Rejections(Mutex<RejectionState>);

#[derive(Debug)]
struct RejectionState {
    counts: BTreeMap<String, u64>,
    budget: LogBudget,
}

impl Default for RejectionState {
    fn default() -> Self {
        RejectionState {
            counts: BTreeMap::new(),
            budget: LogBudget::new(LOG_PER_SECOND),
        }
    }
}

/// At most `per_second` log lines of one kind a second; the rest are counted and summed up in
/// one line when the next second begins.
#[derive(Debug)]
pub struct LogBudget {
    per_second: u32,
    /// The second counted for, lines logged in it, and lines left out.
    second: u64,
    logged: u32,
    left_out: u64,
}

/// What [`LogBudget::admit`] allows.
#[derive(Debug, PartialEq, Eq)]
pub struct Admitted {
    /// Whether this line may be written.
    pub log: bool,
    /// Lines left out in the seconds before, to be said in one line now.
    pub left_out_before: Option<u64>,
}

impl LogBudget {
    pub fn new(per_second: u32) -> Self {
        LogBudget {
            per_second,
            second: 0,
            logged: 0,
            left_out: 0,
        }
    }

    /// The second (since the Unix epoch) a budget counts in now.
    pub fn this_second() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    }

    /// Whether a line at second `now` may be written.
    pub fn admit(&mut self, now: u64) -> Admitted {
        let mut left_out_before = None;
        if self.second != now {
            left_out_before = (self.left_out > 0).then_some(self.left_out);
            self.second = now;
            self.logged = 0;
            self.left_out = 0;
        }
        let log = self.logged < self.per_second;
        if log {
            self.logged += 1;
        } else {
            self.left_out += 1;
        }
        Admitted {
            log,
            left_out_before,
        }
    }
}

impl Rejections {
    /// Counts a refusal, and logs it if this second's budget allows.
    /// `client` is the visitor's key as the access log writes it, where the refusal knows it.
    pub fn count(&self, code: ErrorCode, client: Option<&str>) {
        self.count_at(code, client, LogBudget::this_second());
    }

    /// [`Rejections::count`] at second `now`; whether the refusal was logged.
    fn count_at(&self, code: ErrorCode, client: Option<&str>, now: u64) -> bool {
        let name = wire_name(&code);
        let mut state = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *state.counts.entry(name.to_owned()).or_default() += 1;
        let admitted = state.budget.admit(now);
        if let Some(suppressed) = admitted.left_out_before {
            tracing::info!(
                suppressed,
                "{suppressed} refusals not logged in the last busy second(s)"
            );
        }
        if admitted.log {
            // The code and who: what a visitor typed is not logged.
            match client {
                Some(client) => tracing::info!(code = %name, client, "check refused"),
                None => tracing::info!(code = %name, "check refused"),
            }
        }
        admitted.log
    }

    fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .counts
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_refusals_is_counted_in_full_and_logged_within_the_budget() {
        let rejections = Rejections::default();
        let logged = (0..10_000)
            .filter(|_| rejections.count_at(ErrorCode::InvalidTarget, None, 7))
            .count();
        assert_eq!(logged, LOG_PER_SECOND as usize);
        assert_eq!(rejections.snapshot()["invalid_target"], 10_000);
        // The next second has its budget again.
        assert!(rejections.count_at(ErrorCode::InvalidTarget, Some("0a1b2c3d"), 8));
    }
}

/// The `process_*` metrics of Prometheus's client libraries: descriptors, memory, start time.
fn process_metrics(out: &mut String, lifecycle: &super::lifecycle::Lifecycle) {
    let started = lifecycle
        .started()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64());
    let _ = writeln!(
        out,
        "# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n\
         # TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {started}"
    );
    // Linux's view of this process; elsewhere these lines are left out.
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        let open = entries.count();
        let _ = writeln!(
            out,
            "# HELP process_open_fds Open file descriptors.\n\
             # TYPE process_open_fds gauge\nprocess_open_fds {open}"
        );
    }
    if let Some(limit) = rustix::process::getrlimit(rustix::process::Resource::Nofile).current {
        let _ = writeln!(
            out,
            "# HELP process_max_fds The soft limit on open file descriptors.\n\
             # TYPE process_max_fds gauge\nprocess_max_fds {limit}"
        );
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for (field, name, help) in [
        (
            "VmRSS:",
            "process_resident_memory_bytes",
            "Resident memory size in bytes.",
        ),
        (
            "VmSize:",
            "process_virtual_memory_bytes",
            "Virtual memory size in bytes.",
        ),
    ] {
        let kib = status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            });
        if let Some(kib) = kib {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                kib * 1024
            );
        }
    }
    let threads = status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|rest| rest.trim().parse::<u64>().ok());
    if let Some(threads) = threads {
        let _ = writeln!(
            out,
            "# HELP process_threads OS threads of the process.\n\
             # TYPE process_threads gauge\nprocess_threads {threads}"
        );
    }
}

/// Counters and gauges in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String)))]
pub(super) async fn metrics(
    State(state): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: axum::http::HeaderMap,
) -> Response {
    // Router tests have no socket: they count as this host.
    let peer = peer.map_or(
        std::net::IpAddr::from([127, 0, 0, 1]),
        |axum::Extension(axum::extract::ConnectInfo(peer))| peer.ip(),
    );
    let client = super::limits::client_address(peer, &headers, &state.limits.trusted_proxies);
    if !state
        .limits
        .metrics_from
        .iter()
        .any(|range| range.contains(&client))
    {
        return super::AppError::NotFound.into_response_in(mailtls_shared::Lang::En);
    }
    let counts = state.checks.counts();
    // Asked before the lock-free rendering below: a store that does not answer costs this
    // scrape at most the store's operation timeout.
    let store_up = u64::from(state.store.check().await.is_ok());
    let mut out = String::new();
    let mut counter = |name: &str, help: &str, kind: &str, samples: &[(String, u64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    counter(
        "mailtls_checks_started_total",
        "Checks that connected to mail servers.",
        "counter",
        &[(String::new(), counts.started)],
    );
    counter(
        "mailtls_check_cache_hits_total",
        "Checks answered from the report cache.",
        "counter",
        &[(String::new(), counts.cache_hits)],
    );
    counter(
        "mailtls_checks_coalesced_total",
        "Requests that joined an identical running check.",
        "counter",
        &[(String::new(), counts.coalesced)],
    );
    counter(
        "mailtls_checks_in_flight",
        "Checks running now.",
        "gauge",
        &[(String::new(), counts.in_flight as u64)],
    );
    counter(
        "mailtls_check_slots_free",
        "Check slots free now (0: new checks get 503 busy).",
        "gauge",
        &[(String::new(), state.checks.free_slots() as u64)],
    );
    counter(
        "mailtls_store_up",
        "Whether the store the limits live in answers (1; always 1 for the embedded store). \
         While 0, new checks are refused with 503 unavailable (counted in \
         mailtls_requests_refused_total{code=\"unavailable\"}).",
        "gauge",
        &[(String::new(), store_up)],
    );
    counter(
        "mailtls_checks_failed_total",
        "Checks that ended without a report (a bug; their clients got an error).",
        "counter",
        &[(String::new(), counts.failed)],
    );
    counter(
        "mailtls_checks_overloaded_total",
        "Checks given up because this host had no free socket (their clients got 503 busy).",
        "counter",
        &[(String::new(), counts.overloaded)],
    );
    counter(
        "mailtls_report_cache_reports",
        "Reports in the cache.",
        "gauge",
        &[(String::new(), counts.cached_reports as u64)],
    );
    counter(
        "mailtls_report_cache_bytes",
        "JSON bytes of the reports in the cache (bounded by cache_bytes).",
        "gauge",
        &[(String::new(), counts.cached_bytes as u64)],
    );
    let verdicts: Vec<(String, u64)> = counts
        .by_verdict
        .iter()
        .map(|(verdict, n)| (format!("{{verdict=\"{}\"}}", wire_name(verdict)), *n))
        .collect();
    counter(
        "mailtls_checks_finished_total",
        "Finished checks by overall verdict.",
        "counter",
        &verdicts,
    );
    let endpoint_errors: Vec<(String, u64)> = counts
        .endpoint_errors
        .iter()
        .map(|(code, n)| (format!("{{code=\"{code}\"}}"), *n))
        .collect();
    counter(
        "mailtls_endpoint_errors_total",
        "Endpoints of finished checks that could not be tested, by error code.",
        "counter",
        &endpoint_errors,
    );
    let rejections: Vec<(String, u64)> = state
        .rejections
        .snapshot()
        .into_iter()
        .map(|(code, n)| (format!("{{code=\"{code}\"}}"), n))
        .collect();
    counter(
        "mailtls_requests_refused_total",
        "Check requests refused, by error code.",
        "counter",
        &rejections,
    );
    let lifecycle = &state.lifecycle;
    counter(
        "mailtls_connections_open",
        "Client connections open now.",
        "gauge",
        &[(String::new(), lifecycle.connections() as u64)],
    );
    counter(
        "mailtls_connections_max",
        "The cap on client connections (max_connections, fitted to the descriptor limit).",
        "gauge",
        &[(String::new(), lifecycle.max_connections() as u64)],
    );
    counter(
        "mailtls_streams_open",
        "Check event streams open now.",
        "gauge",
        &[(String::new(), lifecycle.streams() as u64)],
    );
    counter(
        "mailtls_draining",
        "1 while the service is stopping (/readyz answers 503).",
        "gauge",
        &[(String::new(), u64::from(lifecycle.is_draining()))],
    );
    counter(
        "mailtls_build_info",
        "Always 1; the labels name the running build.",
        "gauge",
        &[(
            format!(
                "{{version=\"{}\",commit=\"{}\"}}",
                env!("CARGO_PKG_VERSION"),
                crate::BUILD_COMMIT
            ),
            1,
        )],
    );
    process_metrics(&mut out, lifecycle);
    state.access.write_metrics(&mut out);
    // A histogram: cumulative buckets, then sum (seconds) and count.
    let mut cumulative = 0;
    let mut samples: Vec<(String, u64)> = Vec::new();
    for (index, count) in counts.duration_buckets.iter().enumerate() {
        cumulative += count;
        let bound = DURATION_BUCKETS_MS
            .get(index)
            .map_or("+Inf".to_owned(), |ms| format!("{}", *ms as f64 / 1000.0));
        samples.push((format!("_bucket{{le=\"{bound}\"}}"), cumulative));
    }
    let _ = writeln!(
        out,
        "# HELP mailtls_check_duration_seconds Wall time of finished checks.\n\
         # TYPE mailtls_check_duration_seconds histogram"
    );
    for (suffix, value) in samples {
        let _ = writeln!(out, "mailtls_check_duration_seconds{suffix} {value}");
    }
    let _ = writeln!(
        out,
        "mailtls_check_duration_seconds_sum {}\nmailtls_check_duration_seconds_count {cumulative}",
        counts.duration_ms_total as f64 / 1000.0
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
