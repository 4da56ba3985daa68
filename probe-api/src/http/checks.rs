//! Running checks for the HTTP service, gently for the mail servers and for this host.
//!
//! - At most `max_concurrent` checks run at once; beyond that a request is told to come back
//!   (`503 busy`), it does not queue.
//! - Identical checks in flight are coalesced: the second visitor subscribes to the first one's
//!   check, receiving what it has found so far and then the rest as it arrives.
//! - Finished reports are kept for `cache_ttl`, so a reloaded page does not knock again.
//!
//! A check runs in its own task, so a visitor who closes the page does not cancel it for the
//! others who wait for the same result.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast, mpsc};
use tokio::time::Instant;

use mailtls_shared::{CheckReport, CheckVerdict, EndpointReport, Target};

use crate::probe::{Engine, Plan};

/// Most finished reports kept at once.
const MAX_CACHED: usize = 10_000;

/// A fresh check (`fresh=1`) of a target whose report is younger than this is refused with the
/// time to wait: asking a mail server again within seconds tells nothing new.
pub const MIN_FRESH_AGE: Duration = Duration::from_secs(10);

/// What a check announces while it runs.
#[derive(Debug, Clone)]
pub enum Event {
    /// One endpoint is done.
    Endpoint(Box<EndpointReport>),
    /// The whole check is done.
    Finished(Arc<CheckReport>),
}

/// A view of one check: what is known now, and the events still to come.
#[derive(Debug)]
pub struct Subscription {
    /// How many endpoint reports the check will produce.
    pub total: usize,
    /// Endpoints finished before this subscription began.
    pub finished_endpoints: Vec<EndpointReport>,
    /// The report, when the check is already finished (a cache hit).
    pub report: Option<Arc<CheckReport>>,
    /// Events after this subscription began (none for a cache hit).
    pub events: Option<broadcast::Receiver<Event>>,
    /// Whether the answer came from the cache.
    pub cached: bool,
}

impl Subscription {
    /// Waits for the finished report, ignoring the endpoint events.
    pub async fn report(mut self) -> Option<Arc<CheckReport>> {
        if let Some(report) = self.report.take() {
            return Some(report);
        }
        let mut events = self.events.take()?;
        loop {
            match events.recv().await {
                Ok(Event::Finished(report)) => return Some(report),
                Ok(Event::Endpoint(_)) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// The global cap on concurrent checks is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

#[derive(Debug)]
enum Entry {
    Running(Arc<Running>),
    Done {
        report: Arc<CheckReport>,
        finished: Instant,
    },
}

#[derive(Debug)]
struct Running {
    total: usize,
    finished_endpoints: Mutex<Vec<EndpointReport>>,
    events: broadcast::Sender<Event>,
}

impl Running {
    /// Records and announces one event; subscribers see either the record or the event.
    fn publish_endpoint(&self, endpoint: EndpointReport) {
        let mut finished = lock(&self.finished_endpoints);
        finished.push(endpoint.clone());
        let _ = self.events.send(Event::Endpoint(Box::new(endpoint)));
    }

    fn subscribe(&self) -> Subscription {
        let finished = lock(&self.finished_endpoints);
        Subscription {
            total: self.total,
            finished_endpoints: finished.clone(),
            report: None,
            events: Some(self.events.subscribe()),
            cached: false,
        }
    }
}

/// Counts for the metrics endpoint.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckCounts {
    pub started: u64,
    pub cache_hits: u64,
    pub coalesced: u64,
    pub busy: u64,
    pub in_flight: usize,
    /// Finished checks by overall verdict.
    pub by_verdict: std::collections::BTreeMap<CheckVerdict, u64>,
    /// Sum of finished checks' durations, in milliseconds.
    pub duration_ms_total: u64,
    /// Finished checks per duration bucket ([`DURATION_BUCKETS_MS`], then one for longer ones).
    pub duration_buckets: [u64; DURATION_BUCKETS_MS.len() + 1],
}

/// Upper bounds of the check-duration histogram, in milliseconds.
pub const DURATION_BUCKETS_MS: [u64; 9] =
    [250, 500, 1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000];

/// Runs, coalesces and caches checks. Shared by all requests.
#[derive(Debug)]
pub struct Checks {
    engine: Arc<Engine>,
    slots: Arc<Semaphore>,
    cache_ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
    counts: Mutex<CheckCounts>,
}

/// The key under which identical checks meet: the normalised targets, sorted.
pub fn key(targets: &[Target]) -> String {
    let mut names: Vec<String> = targets.iter().map(Target::to_string).collect();
    names.sort();
    names.dedup();
    names.join(" ")
}

impl Checks {
    pub fn new(engine: Arc<Engine>, max_concurrent: usize, cache_ttl: Duration) -> Self {
        Checks {
            engine,
            slots: Arc::new(Semaphore::new(max_concurrent.max(1))),
            cache_ttl,
            entries: Mutex::new(HashMap::new()),
            counts: Mutex::new(CheckCounts::default()),
        }
    }

    /// The engine checks run on.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Forgets the cached report for `key` so the next request checks afresh; refused with the
    /// time left when the report is younger than [`MIN_FRESH_AGE`]. A running check is left
    /// alone: joining it is as fresh as it gets.
    pub fn forget(&self, key: &str) -> Result<(), Duration> {
        let mut entries = lock(&self.entries);
        if let Some(Entry::Done { finished, .. }) = entries.get(key) {
            let age = finished.elapsed();
            if age < MIN_FRESH_AGE {
                return Err(MIN_FRESH_AGE - age);
            }
            entries.remove(key);
        }
        Ok(())
    }

    /// A running or freshly finished check for `key`, if there is one.
    pub fn existing(&self, key: &str) -> Option<Subscription> {
        self.lookup(&mut lock(&self.entries), key)
    }

    fn lookup(&self, entries: &mut HashMap<String, Entry>, key: &str) -> Option<Subscription> {
        let subscription = match entries.get(key)? {
            Entry::Running(running) => {
                lock(&self.counts).coalesced += 1;
                running.subscribe()
            }
            Entry::Done { report, finished } if finished.elapsed() < self.cache_ttl => {
                lock(&self.counts).cache_hits += 1;
                let cached = CheckReport {
                    cached: true,
                    age_seconds: Some(finished.elapsed().as_secs()),
                    ..(**report).clone()
                };
                Subscription {
                    total: report.endpoints.len(),
                    finished_endpoints: report.endpoints.clone(),
                    report: Some(Arc::new(cached)),
                    events: None,
                    cached: true,
                }
            }
            Entry::Done { .. } => {
                entries.remove(key);
                return None;
            }
        };
        Some(subscription)
    }

    /// Starts `plan` under `key` — or joins the identical check another request started since.
    pub fn start(self: &Arc<Self>, key: String, plan: Plan) -> Result<Subscription, Busy> {
        let mut entries = lock(&self.entries);
        if let Some(subscription) = self.lookup(&mut entries, &key) {
            return Ok(subscription);
        }
        let Ok(permit) = self.slots.clone().try_acquire_owned() else {
            lock(&self.counts).busy += 1;
            return Err(Busy);
        };
        // Every endpoint event plus the final one fit, so a subscriber never lags.
        let (events, _) = broadcast::channel(plan.len() + 2);
        let running = Arc::new(Running {
            total: plan.len(),
            finished_endpoints: Mutex::new(Vec::new()),
            events,
        });
        let subscription = running.subscribe();
        entries.insert(key.clone(), Entry::Running(running.clone()));
        drop(entries);
        {
            let mut counts = lock(&self.counts);
            counts.started += 1;
            counts.in_flight += 1;
        }
        let checks = self.clone();
        tokio::spawn(async move { checks.run(key, plan, running, permit).await });
        Ok(subscription)
    }

    async fn run(
        self: Arc<Self>,
        key: String,
        plan: Plan,
        running: Arc<Running>,
        permit: OwnedSemaphorePermit,
    ) {
        let (progress, mut finished) = mpsc::unbounded_channel();
        let forward = {
            let running = running.clone();
            async move {
                while let Some(endpoint) = finished.recv().await {
                    running.publish_endpoint(endpoint);
                }
            }
        };
        let (report, ()) =
            tokio::join!(self.engine.run_with_progress(plan, Some(progress)), forward);
        let (verdict, duration_ms) = (report.verdict, report.duration_ms);
        let report = Arc::new(report);
        // Counted and the slot given back before anyone hears of the report: a client that
        // reads its report and asks again at once finds the service ready and the metrics whole.
        {
            let mut counts = lock(&self.counts);
            counts.in_flight -= 1;
            *counts.by_verdict.entry(verdict).or_default() += 1;
            counts.duration_ms_total += duration_ms;
            let bucket = DURATION_BUCKETS_MS
                .iter()
                .position(|bound| duration_ms <= *bound)
                .unwrap_or(DURATION_BUCKETS_MS.len());
            counts.duration_buckets[bucket] += 1;
        }
        drop(permit);
        {
            let mut entries = lock(&self.entries);
            let now = Instant::now();
            if entries.len() >= MAX_CACHED {
                entries.retain(|_, entry| match entry {
                    Entry::Running(_) => true,
                    Entry::Done { finished, .. } => now.duration_since(*finished) < self.cache_ttl,
                });
            }
            if entries.len() < MAX_CACHED && !self.cache_ttl.is_zero() {
                entries.insert(
                    key,
                    Entry::Done {
                        report: report.clone(),
                        finished: now,
                    },
                );
            } else {
                entries.remove(&key);
            }
            // Announced under the lock: a new request now finds the cached report instead.
            let _ = running.events.send(Event::Finished(report));
        }
    }

    /// The counters so far.
    pub fn counts(&self) -> CheckCounts {
        lock(&self.counts).clone()
    }

    /// Whether another check could start now.
    pub fn has_capacity(&self) -> bool {
        self.slots.available_permits() > 0
    }
}

/// Locks `mutex`; a panic elsewhere while it was held leaves plain data, still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::ProbeSettings;
    use crate::probe::policy::AddressPolicy;

    /// An engine allowed to probe one loopback port where nothing listens (each check ends at
    /// once, on this host only), and that port's target.
    fn closed_port_engine(simulate_clients: bool) -> (Arc<Engine>, Target) {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            listener.local_addr().expect("address").port()
        };
        let settings = ProbeSettings {
            policy: AddressPolicy::default()
                .allow("127.0.0.0/8".parse().expect("range"))
                .allow_ports(&[port]),
            simulate_clients,
            ..ProbeSettings::default()
        };
        let target = format!("smtp://127.0.0.1:{port}").parse().expect("target");
        (Arc::new(Engine::new(settings).expect("engine")), target)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_finished_report_is_counted_and_its_slot_free_before_anyone_hears_of_it() {
        let (engine, target) = closed_port_engine(true);
        let checks = Arc::new(Checks::new(engine.clone(), 1, Duration::from_secs(60)));
        for round in 1..=50u64 {
            let plan = engine.plan(vec![target.clone()]).await.expect("plan");
            let subscription = checks
                .start(format!("round {round}"), plan)
                .expect("a free slot");
            subscription.report().await.expect("a report");
            // No waiting: the moment the report is out, the next check may start.
            assert!(checks.has_capacity(), "round {round}");
            let counts = checks.counts();
            assert_eq!(counts.in_flight, 0, "round {round}");
            assert_eq!(counts.by_verdict.values().sum::<u64>(), round);
            assert_eq!(counts.duration_buckets.iter().sum::<u64>(), round);
        }
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_cached_report_says_its_age_and_a_fresh_check_waits_its_turn() {
        let (engine, target) = closed_port_engine(false);
        let checks = Arc::new(Checks::new(engine.clone(), 4, Duration::from_secs(60)));
        let key = key(std::slice::from_ref(&target));
        let plan = engine.plan(vec![target]).await.expect("plan");
        let first = checks.start(key.clone(), plan).expect("slot");
        let report = first.report().await.expect("report");
        assert!(!report.cached);

        tokio::time::advance(Duration::from_secs(3)).await;
        let cached = checks.existing(&key).expect("cached");
        assert!(cached.cached);
        let cached = cached.report().await.expect("report");
        assert_eq!((cached.cached, cached.age_seconds), (true, Some(3)));

        // Asked again 3 s after: refused with the 7 s still to wait, and the cache stays.
        assert_eq!(checks.forget(&key), Err(Duration::from_secs(7)));
        assert!(checks.existing(&key).is_some());
        tokio::time::advance(Duration::from_secs(7)).await;
        assert_eq!(checks.forget(&key), Ok(()));
        assert!(
            checks.existing(&key).is_none(),
            "the next request checks afresh"
        );
    }
}
