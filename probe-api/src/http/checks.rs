//! Running checks for the HTTP service, gently for the mail servers and for this host.
//!
//! - At most `max_concurrent` checks run at once; beyond that a request is told to come back
//!   (`503 busy`), it does not queue.
//! - Identical checks in flight are coalesced: the second visitor subscribes to the first one's
//!   check, receiving what it has found so far and then the rest as it arrives.
//! - Finished reports are kept for `cache_ttl`, so a reloaded page does not knock again, within a
//!   budget of bytes, oldest out first. They are kept as their JSON, written once: what the
//!   budget counts is what they hold in memory, and every hit shares the one string
//!   ([`Served::Cached`] appends `cached` and `age_seconds` while answering).
//!
//! - On a shared store (several replicas) reports are kept in the store too, and one replica
//!   runs a check the others ask for at the same time: it claims the check and writes its
//!   events to the store ([`Mirror`]); the others follow them (`follow`, `relay`), so every
//!   visitor on every replica sees the same check live, and the mail servers see one.
//!
//! A check runs in its own task, so a visitor who closes the page does not cancel it for the
//! others who wait for the same result. A task that ends without a report (a panic) takes its
//! entry with it: whoever waits hears the check end, and the next request starts afresh.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast, mpsc};
use tokio::time::Instant;

use mailtls_shared::{CheckReport, CheckVerdict, EndpointReport, Target};

use crate::probe::{Engine, Overloaded, Plan, PlanError};
use crate::store::{CheckEvent, Claim, Store, StoreError};

/// Most finished reports kept at once, however small.
const MAX_CACHED: usize = 10_000;

/// Default budget of the report cache: the JSON bytes of the reports kept.
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

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
    /// This host ran out of sockets during the check: no report, try again.
    Busy,
    /// The shared store stopped answering during the check (its connection slots could not
    /// be had): no report, try again later.
    StoreLost,
}

/// Why a subscription ends without a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoReport {
    /// This host was overloaded during the check (`503 busy`; nothing is cached).
    Busy,
    /// The shared store was lost during the check (`503 unavailable`; nothing is cached).
    StoreLost,
    /// The check's task died (a bug; `500`).
    Died,
}

/// A view of one check: what is known now, and the events still to come.
#[derive(Debug)]
pub struct Subscription {
    /// How many endpoint reports the check will produce.
    pub total: usize,
    /// Endpoints finished before this subscription began (a running check; a cache hit sends
    /// its report at once).
    pub finished_endpoints: Vec<EndpointReport>,
    /// The report, when the check is already finished (a cache hit).
    pub report: Option<Served>,
    /// Events after this subscription began (none for a cache hit).
    pub events: Option<broadcast::Receiver<Event>>,
    /// Whether the answer came from the cache.
    pub cached: bool,
    /// Whether this request joined a check another request started.
    pub joined: bool,
    /// The check's number in this process (the log lines of one check share it).
    pub check_id: u64,
}

/// A finished report as served.
#[derive(Debug, Clone)]
pub enum Served {
    /// Just measured.
    Fresh(Arc<CheckReport>),
    /// From the cache: the stored JSON (one string shared by every hit) and its age.
    Cached { json: Arc<str>, age_seconds: u64 },
}

impl Served {
    /// Seconds since the report was made, for an answer from the cache.
    pub fn age_seconds(&self) -> Option<u64> {
        match self {
            Served::Fresh(_) => None,
            Served::Cached { age_seconds, .. } => Some(*age_seconds),
        }
    }

    /// The report's JSON; for a cache hit with `"cached": true` and `"age_seconds"`. Those two
    /// are the report's last fields and left out while unset, so they are appended to the
    /// stored JSON.
    pub fn to_json(&self) -> String {
        match self {
            Served::Fresh(report) => {
                serde_json::to_string(&**report).unwrap_or_else(|_| "{}".into())
            }
            Served::Cached { json, age_seconds } => {
                let body = json.strip_suffix('}').unwrap_or(json);
                let separator = if body.ends_with('{') { "" } else { "," };
                format!("{body}{separator}\"cached\":true,\"age_seconds\":{age_seconds}}}")
            }
        }
    }
}

impl Subscription {
    /// Waits for the finished report, ignoring the endpoint events.
    pub async fn report(mut self) -> Result<Served, NoReport> {
        if let Some(report) = self.report.take() {
            return Ok(report);
        }
        let mut events = self.events.take().ok_or(NoReport::Died)?;
        loop {
            match events.recv().await {
                Ok(Event::Finished(report)) => return Ok(Served::Fresh(report)),
                Ok(Event::Busy) => return Err(NoReport::Busy),
                Ok(Event::StoreLost) => return Err(NoReport::StoreLost),
                Ok(Event::Endpoint(_)) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return Err(NoReport::Died),
            }
        }
    }
}

/// The global cap on concurrent checks is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// A check slot held from before planning until the check starts (or is not needed).
#[derive(Debug)]
pub struct Reserved(OwnedSemaphorePermit);

/// Why a check did not start: no free slot, or the charge was refused (`E`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused<E> {
    Busy,
    Charge(E),
}

/// Why [`Checks::subscribe`] gave no subscription.
#[derive(Debug)]
pub enum Refusal {
    /// Every check slot is taken.
    Busy,
    /// `fresh=1` for a report younger than [`MIN_FRESH_AGE`], or the mail servers' budget is
    /// spent: the time to wait.
    TooSoon(Duration),
    /// The targets cannot be checked (a name that does not exist, a forbidden address…).
    Plan(PlanError),
    /// The mail servers' budget could not be asked: the shared store is unreachable.
    Unavailable(StoreError),
}

#[derive(Debug)]
enum Entry {
    Running(Arc<Running>),
    Done {
        /// The report as JSON, without `cached` and `age_seconds`.
        json: Arc<str>,
        /// How many endpoints it has.
        total: usize,
        finished: Instant,
        check_id: u64,
    },
}

#[derive(Debug)]
struct Running {
    id: u64,
    total: usize,
    finished_endpoints: Mutex<Vec<EndpointReport>>,
    events: broadcast::Sender<Event>,
    /// The fleet's copy of the events, when the check is claimed on a shared store.
    mirror: Option<Mirror>,
}

impl Running {
    /// Records and announces one event; subscribers see either the record or the event.
    fn publish_endpoint(&self, endpoint: EndpointReport) {
        if let Some(mirror) = &self.mirror
            && let Ok(json) = serde_json::to_string(&endpoint)
        {
            mirror.send(CheckEvent::Endpoint(json));
        }
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
            joined: false,
            check_id: self.id,
        }
    }
}

/// How often a replica following another's check asks the store for its next events.
const FOLLOW_POLL: Duration = Duration::from_millis(100);

/// How long a claim on a check holds beyond the check's own time limit (planning, the report).
const CLAIM_MARGIN: Duration = Duration::from_secs(10);

/// Tells the fleet, in order, what a check this replica claimed does; gives the claim back
/// when dropped (after the last event is out), so a check that dies or is given up frees it.
#[derive(Debug)]
struct Mirror {
    events: mpsc::UnboundedSender<CheckEvent>,
}

impl Mirror {
    fn start(store: Arc<Store>, key: String, ttl: Duration) -> Mirror {
        let (events, mut queue) = mpsc::unbounded_channel::<CheckEvent>();
        tokio::spawn(async move {
            while let Some(event) = queue.recv().await {
                // A store that does not answer loses the fleet its view of this check, not
                // this replica its check; the followers then hear it end without a report.
                let _ = store.publish(&key, &event, ttl).await;
            }
            store.release(&key).await;
        });
        Mirror { events }
    }

    fn send(&self, event: CheckEvent) {
        let _ = self.events.send(event);
    }
}

/// What a followed check's event is for this replica's subscribers: `None` for the start (its
/// total is the subscription's), `Err` for an event that cannot be read (the check then ends
/// for them without a report, as if its replica had died).
fn followed(event: CheckEvent) -> Result<Option<Event>, ()> {
    Ok(match event {
        CheckEvent::Start { .. } => None,
        CheckEvent::Endpoint(json) => Some(Event::Endpoint(Box::new(
            serde_json::from_str(&json).map_err(|_| ())?,
        ))),
        CheckEvent::Finished(json) => Some(Event::Finished(Arc::new(
            serde_json::from_str(&json).map_err(|_| ())?,
        ))),
        CheckEvent::Busy => Some(Event::Busy),
        CheckEvent::StoreLost => Some(Event::StoreLost),
    })
}

/// Counts for the metrics endpoint.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckCounts {
    pub started: u64,
    pub cache_hits: u64,
    pub coalesced: u64,
    pub busy: u64,
    pub in_flight: usize,
    /// Checks whose task ended without a report (a bug; their waiters were told).
    pub failed: u64,
    /// Checks given up because this host ran out of sockets (their waiters got `503 busy`).
    pub overloaded: u64,
    /// Reports in the cache, and their JSON bytes.
    pub cached_reports: usize,
    pub cached_bytes: usize,
    /// Finished checks by overall verdict.
    pub by_verdict: std::collections::BTreeMap<CheckVerdict, u64>,
    /// Endpoints of finished checks that could not be tested, by error code (`timeout`,
    /// `connection_refused`, …): a rise of one code across all servers points at this host's
    /// network (a blocked port 25, a broken resolver), not at the servers.
    pub endpoint_errors: std::collections::BTreeMap<String, u64>,
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
    /// Where finished reports are also kept for the other replicas (a shared store).
    store: Arc<Store>,
    slots: Arc<Semaphore>,
    cache_ttl: Duration,
    cache_budget: usize,
    entries: Mutex<Entries>,
    counts: Mutex<CheckCounts>,
    next_id: std::sync::atomic::AtomicU64,
    /// Held from the last look for a running check through the charge to the new check's
    /// registration: the charge waits on the store, and without it an identical request
    /// arriving meanwhile would find nothing running, be charged too, and then join.
    starting: tokio::sync::Mutex<()>,
}

/// A finished report as the cache keeps it.
struct Kept {
    json: Arc<str>,
    total: usize,
    finished: Instant,
    check_id: u64,
}

/// The running and cached checks by key, and the cached ones oldest first.
#[derive(Debug, Default)]
struct Entries {
    by_key: HashMap<String, Entry>,
    /// Cached keys in the order they were stored, with when: an older twin of a key stored
    /// again is skipped when it comes up.
    order: VecDeque<(String, Instant)>,
    /// JSON bytes of the cached reports.
    bytes: usize,
}

impl Entries {
    /// Forgets `key`'s running check if it is `running` (not a cached report, nor another
    /// check): the one way a finished or given-up check leaves the map.
    fn remove_running(&mut self, key: &str, running: &Arc<Running>) {
        if matches!(self.by_key.get(key), Some(Entry::Running(entry)) if Arc::ptr_eq(entry, running))
        {
            self.by_key.remove(key);
        }
    }

    /// Forgets `key`'s cached report, if that is what it holds.
    fn remove_done(&mut self, key: &str) {
        if let Some(Entry::Done { json, .. }) = self.by_key.get(key) {
            self.bytes -= json.len();
            self.by_key.remove(key);
        }
    }

    /// Forgets `key`'s cached report if it is the one stored at `stored` (not a newer one).
    fn remove_stored(&mut self, key: &str, stored: Instant) -> bool {
        let same = matches!(
            self.by_key.get(key),
            Some(Entry::Done { finished, .. }) if *finished == stored
        );
        if same {
            self.remove_done(key);
        }
        same
    }

    /// Drops the oldest cached report; `false` when there is none.
    fn evict_oldest(&mut self) -> bool {
        while let Some((key, stored)) = self.order.pop_front() {
            if self.remove_stored(&key, stored) {
                return true;
            }
        }
        false
    }

    /// Keeps `json` (with `total` endpoints, made at `finished`) under `key`, making room within
    /// `budget` bytes and [`MAX_CACHED`] reports: expired ones go first, then the oldest. A
    /// report larger than the whole budget is not kept.
    fn keep(&mut self, key: String, report: Kept, ttl: Duration, budget: usize) {
        let bytes = report.json.len();
        // A check of the same key running here now is its newer report in the making.
        if ttl.is_zero()
            || bytes > budget
            || matches!(self.by_key.get(&key), Some(Entry::Running(_)))
        {
            return;
        }
        self.remove_done(&key);
        self.evict_expired(Instant::now(), ttl);
        while (self.bytes + bytes > budget || self.order.len() >= MAX_CACHED) && self.evict_oldest()
        {
        }
        self.by_key.insert(
            key.clone(),
            Entry::Done {
                json: report.json,
                total: report.total,
                finished: report.finished,
                check_id: report.check_id,
            },
        );
        self.order.push_back((key, report.finished));
        self.bytes += bytes;
    }

    /// Drops the reports stored `ttl` or longer before `now`.
    fn evict_expired(&mut self, now: Instant, ttl: Duration) {
        while self
            .order
            .front()
            .is_some_and(|(_, stored)| now.duration_since(*stored) >= ttl)
        {
            if let Some((key, stored)) = self.order.pop_front() {
                self.remove_stored(&key, stored);
            }
        }
    }

    fn cached(&self) -> usize {
        self.by_key
            .values()
            .filter(|entry| matches!(entry, Entry::Done { .. }))
            .count()
    }
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
            store: Arc::default(),
            slots: Arc::new(Semaphore::new(max_concurrent.max(1))),
            cache_ttl,
            cache_budget: DEFAULT_CACHE_BYTES,
            entries: Mutex::new(Entries::default()),
            counts: Mutex::new(CheckCounts::default()),
            next_id: std::sync::atomic::AtomicU64::new(1),
            starting: tokio::sync::Mutex::new(()),
        }
    }

    /// How long this replica answers from its own copy of a report: `cache_ttl`, but on a
    /// shared store at most [`MIN_FRESH_AGE`]. A `fresh=1` that another replica accepts comes
    /// later than that, so no replica still answers with the report it replaced.
    fn local_ttl(&self) -> Duration {
        if self.store.is_shared() {
            self.cache_ttl.min(MIN_FRESH_AGE)
        } else {
            self.cache_ttl
        }
    }

    /// Reports are kept in `store` too when it is shared, so every replica answers from them.
    pub fn with_store(mut self, store: Arc<Store>) -> Self {
        self.store = store;
        self
    }

    /// The cache keeps reports up to `bytes` of JSON in all (0: none).
    pub fn with_cache_budget(mut self, bytes: usize) -> Self {
        self.cache_budget = bytes;
        self
    }

    /// The one way a request gets a check: the cached report or the identical running check
    /// for `targets` if there is one (unless `fresh`), else a new check in a free slot, planned
    /// (names resolved, the address policy applied) and then charged to the mail servers:
    /// `charge` gets every address the check will contact and is called only if no identical
    /// check is running or cached once the plan is made — all of them or none. (An identical
    /// check that starts between the charge and the start is joined: the servers were charged
    /// for a check they do not get, which errs on their side.)
    pub async fn subscribe(
        self: &Arc<Self>,
        targets: Vec<Target>,
        fresh: bool,
        charge: impl AsyncFnOnce(Vec<IpAddr>) -> Result<Result<(), Duration>, StoreError>,
    ) -> Result<Subscription, Refusal> {
        let key = key(&targets);
        if fresh {
            self.forget(&key).map_err(Refusal::TooSoon)?;
            self.store
                .forget(&key, MIN_FRESH_AGE)
                .await
                .map_err(Refusal::Unavailable)?
                .map_err(Refusal::TooSoon)?;
        }
        if let Some(subscription) = self.existing(&key) {
            return Ok(subscription);
        }
        // Another replica's report, kept in the shared store: copied into this replica's cache
        // for at most `local_ttl()` (10 s), so the next hits here cost the store nothing while a
        // fleet-wide `fresh=1` still reaches every replica within seconds.
        if let Some(kept) = self.store.kept(&key).await.map_err(Refusal::Unavailable)? {
            let json: Arc<str> = Arc::from(kept.json);
            let check_id = self
                .next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let Some(finished) = Instant::now().checked_sub(kept.age) {
                let report = Kept {
                    json: json.clone(),
                    total: kept.total,
                    finished,
                    check_id,
                };
                lock(&self.entries).keep(key, report, self.local_ttl(), self.cache_budget);
            }
            lock(&self.counts).cache_hits += 1;
            return Ok(Subscription {
                total: kept.total,
                finished_endpoints: Vec::new(),
                report: Some(Served::Cached {
                    json,
                    age_seconds: kept.age.as_secs(),
                }),
                events: None,
                cached: true,
                joined: false,
                check_id,
            });
        }
        // On a shared store one replica of the fleet runs the check and the others follow it.
        let ttl = self.engine.check_timeout() + CLAIM_MARGIN;
        let mut attempts = 0;
        let mirror = loop {
            match self
                .store
                .claim(&key, ttl)
                .await
                .map_err(Refusal::Unavailable)?
            {
                Claim::Alone => break None,
                Claim::Ours => break Some(Mirror::start(self.store.clone(), key.clone(), ttl)),
                Claim::Theirs => {
                    // This replica's own check, started since the lookup above: joined here.
                    if let Some(subscription) = self.existing(&key) {
                        return Ok(subscription);
                    }
                    if let Some(subscription) = self.follow(&key, ttl).await? {
                        return Ok(subscription);
                    }
                    // Its replica gave it up before it started (a refusal, or it died): ask
                    // again; the second time this replica may run it, or meet the same refusal.
                    attempts += 1;
                    if attempts > 2 {
                        return Err(Refusal::Busy);
                    }
                }
            }
        };
        // The slot comes first: resolving names is work under the cap as well, and a busy
        // service says so at once instead of after the lookups.
        let reserved = self.reserve().ok_or(Refusal::Busy)?;
        let plan = self.engine.plan(targets).await.map_err(Refusal::Plan)?;
        // One start at a time (see `starting`); the names above were resolved in parallel.
        let _turn = self.starting.lock().await;
        // An identical check may have started while the names were resolved: joined, it costs
        // the mail servers nothing (and the slot goes back).
        if let Some(subscription) = self.existing(&key) {
            return Ok(subscription);
        }
        charge(plan.addresses())
            .await
            .map_err(Refusal::Unavailable)?
            .map_err(Refusal::TooSoon)?;
        self.start_reserved(key, plan, Some(reserved), mirror, || Ok::<(), Duration>(()))
            .map_err(|refused| match refused {
                Refused::Busy => Refusal::Busy,
                Refused::Charge(retry_after) => Refusal::TooSoon(retry_after),
            })
    }

    /// Follows the check `key` another replica runs, until `ttl` (its claim's longest life):
    /// what it has done so far, then the rest as it comes. `None` when that replica gave the
    /// check up before it started.
    async fn follow(
        self: &Arc<Self>,
        key: &str,
        ttl: Duration,
    ) -> Result<Option<Subscription>, Refusal> {
        let deadline = Instant::now() + ttl;
        let mut after: Option<String> = None;
        let mut total = None;
        let mut finished_endpoints = Vec::new();
        let mut ended = None;
        loop {
            let (events, alive) = self
                .store
                .follow(key, after.as_deref())
                .await
                .map_err(Refusal::Unavailable)?;
            let any = !events.is_empty();
            for (id, event) in events {
                after = Some(id);
                if let CheckEvent::Start { total: count } = event {
                    total = Some(count);
                    continue;
                }
                match followed(event) {
                    Ok(Some(Event::Endpoint(endpoint))) => finished_endpoints.push(*endpoint),
                    Ok(Some(last)) => ended = Some(last),
                    Ok(None) => {}
                    Err(()) => return Ok(None),
                }
            }
            if total.is_some() {
                break;
            }
            if (!alive && !any) || Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(FOLLOW_POLL).await;
        }
        let total = total.unwrap_or_default();
        let (sender, receiver) = broadcast::channel(total + 2);
        match ended {
            // Done between two looks: the subscriber hears the end at once.
            Some(last) => {
                let _ = sender.send(last);
            }
            None => {
                let checks = self.clone();
                let key = key.to_owned();
                tokio::spawn(async move {
                    checks.relay(&key, after, sender, deadline).await;
                });
            }
        }
        lock(&self.counts).coalesced += 1;
        Ok(Some(Subscription {
            total,
            finished_endpoints,
            report: None,
            events: Some(receiver),
            cached: false,
            joined: true,
            check_id: self
                .next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }))
    }

    /// Passes a followed check's events after `after` to `sender` until the report (or the
    /// owner's end without one, the deadline, or nobody listening): the subscribers then hear
    /// the channel close, an error, never silence.
    async fn relay(
        &self,
        key: &str,
        mut after: Option<String>,
        sender: broadcast::Sender<Event>,
        deadline: Instant,
    ) {
        while sender.receiver_count() > 0 && Instant::now() < deadline {
            tokio::time::sleep(FOLLOW_POLL).await;
            let Ok((events, alive)) = self.store.follow(key, after.as_deref()).await else {
                // The store is gone: so is the check for this replica's visitors.
                let _ = sender.send(Event::StoreLost);
                return;
            };
            let any = !events.is_empty();
            for (id, event) in events {
                after = Some(id);
                match followed(event) {
                    Ok(Some(last @ (Event::Finished(_) | Event::Busy | Event::StoreLost))) => {
                        let _ = sender.send(last);
                        return;
                    }
                    Ok(Some(event)) => {
                        let _ = sender.send(event);
                    }
                    Ok(None) => {}
                    Err(()) => return,
                }
            }
            if !alive && !any {
                return;
            }
        }
    }

    /// Forgets the cached report for `key` so the next request checks afresh; refused with the
    /// time left when the report is younger than [`MIN_FRESH_AGE`]. A running check is left
    /// alone: joining it is as fresh as it gets.
    fn forget(&self, key: &str) -> Result<(), Duration> {
        let mut entries = lock(&self.entries);
        if let Some(Entry::Done { finished, .. }) = entries.by_key.get(key) {
            let age = finished.elapsed();
            if age < MIN_FRESH_AGE {
                return Err(MIN_FRESH_AGE - age);
            }
            entries.remove_done(key);
        }
        Ok(())
    }

    /// A running or freshly finished check for `key`, if there is one.
    fn existing(&self, key: &str) -> Option<Subscription> {
        self.lookup(&mut lock(&self.entries), key)
    }

    fn lookup(&self, entries: &mut Entries, key: &str) -> Option<Subscription> {
        let subscription = match entries.by_key.get(key)? {
            Entry::Running(running) => {
                lock(&self.counts).coalesced += 1;
                Subscription {
                    joined: true,
                    ..running.subscribe()
                }
            }
            Entry::Done {
                json,
                total,
                finished,
                check_id,
            } if finished.elapsed() < self.local_ttl() => {
                lock(&self.counts).cache_hits += 1;
                Subscription {
                    total: *total,
                    finished_endpoints: Vec::new(),
                    report: Some(Served::Cached {
                        json: json.clone(),
                        age_seconds: finished.elapsed().as_secs(),
                    }),
                    events: None,
                    cached: true,
                    joined: false,
                    check_id: *check_id,
                }
            }
            Entry::Done { .. } => {
                entries.remove_done(key);
                return None;
            }
        };
        Some(subscription)
    }

    /// Starts `plan` under `key` — or joins the identical check another request started since.
    pub fn start(self: &Arc<Self>, key: String, plan: Plan) -> Result<Subscription, Busy> {
        self.start_charged(key, plan, || Ok::<(), Busy>(()))
            .map_err(|_| Busy)
    }

    /// [`Checks::start`], calling `charge` (the mail servers' rate limit) only when a check
    /// really starts: joining a running check or a cached report, or finding no free slot,
    /// costs the servers nothing.
    fn start_charged<E>(
        self: &Arc<Self>,
        key: String,
        plan: Plan,
        charge: impl FnOnce() -> Result<(), E>,
    ) -> Result<Subscription, Refused<E>> {
        self.start_reserved(key, plan, None, None, charge)
    }

    /// A check slot taken before planning, so name resolution counts against the cap too;
    /// `None` (counted as busy) when every slot is taken.
    fn reserve(&self) -> Option<Reserved> {
        match self.slots.clone().try_acquire_owned() {
            Ok(permit) => Some(Reserved(permit)),
            Err(_) => {
                lock(&self.counts).busy += 1;
                None
            }
        }
    }

    /// [`Checks::start_charged`] in the slot `reserved` earlier (given back if the request
    /// joins a check that started meanwhile).
    fn start_reserved<E>(
        self: &Arc<Self>,
        key: String,
        plan: Plan,
        reserved: Option<Reserved>,
        mirror: Option<Mirror>,
        charge: impl FnOnce() -> Result<(), E>,
    ) -> Result<Subscription, Refused<E>> {
        let engine = self.engine.clone();
        let total = plan.len();
        self.start_in(
            key,
            total,
            reserved.map(|reserved| reserved.0),
            mirror,
            charge,
            move |progress| async move { engine.run_with_progress(plan, Some(progress)).await },
        )
    }

    /// [`Checks::start`] for any check that reports `total` endpoints to its progress channel
    /// and then its report (tests give it one that panics).
    #[cfg(test)]
    fn start_with<F, C>(
        self: &Arc<Self>,
        key: String,
        total: usize,
        check: C,
    ) -> Result<Subscription, Busy>
    where
        C: FnOnce(mpsc::UnboundedSender<EndpointReport>) -> F + Send + 'static,
        F: Future<Output = Result<CheckReport, Overloaded>> + Send + 'static,
    {
        self.start_in(key, total, None, None, || Ok::<(), Busy>(()), check)
            .map_err(|_| Busy)
    }

    fn start_in<F, C, E>(
        self: &Arc<Self>,
        key: String,
        total: usize,
        reserved: Option<OwnedSemaphorePermit>,
        mirror: Option<Mirror>,
        charge: impl FnOnce() -> Result<(), E>,
        check: C,
    ) -> Result<Subscription, Refused<E>>
    where
        C: FnOnce(mpsc::UnboundedSender<EndpointReport>) -> F + Send + 'static,
        F: Future<Output = Result<CheckReport, Overloaded>> + Send + 'static,
    {
        let mut entries = lock(&self.entries);
        if let Some(subscription) = self.lookup(&mut entries, &key) {
            return Ok(subscription);
        }
        let permit = match reserved {
            Some(permit) => permit,
            None => match self.slots.clone().try_acquire_owned() {
                Ok(permit) => permit,
                Err(_) => {
                    lock(&self.counts).busy += 1;
                    return Err(Refused::Busy);
                }
            },
        };
        charge().map_err(Refused::Charge)?;
        // Every endpoint event plus the final one fit, so a subscriber never lags.
        let (events, _) = broadcast::channel(total + 2);
        if let Some(mirror) = &mirror {
            mirror.send(CheckEvent::Start { total });
        }
        let running = Arc::new(Running {
            id: self
                .next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            total,
            finished_endpoints: Mutex::new(Vec::new()),
            events,
            mirror,
        });
        let subscription = running.subscribe();
        entries
            .by_key
            .insert(key.clone(), Entry::Running(running.clone()));
        drop(entries);
        {
            let mut counts = lock(&self.counts);
            counts.started += 1;
            counts.in_flight += 1;
        }
        let checks = self.clone();
        let unfinished = Unfinished {
            checks: self.clone(),
            key: key.clone(),
            running: running.clone(),
            armed: true,
        };
        tokio::spawn(async move { checks.run(key, check, running, permit, unfinished).await });
        Ok(subscription)
    }

    async fn run<F, C>(
        self: Arc<Self>,
        key: String,
        check: C,
        running: Arc<Running>,
        permit: OwnedSemaphorePermit,
        mut unfinished: Unfinished,
    ) where
        C: FnOnce(mpsc::UnboundedSender<EndpointReport>) -> F,
        F: Future<Output = Result<CheckReport, Overloaded>>,
    {
        let (progress, mut finished) = mpsc::unbounded_channel();
        let forward = {
            let running = running.clone();
            async move {
                while let Some(endpoint) = finished.recv().await {
                    running.publish_endpoint(endpoint);
                }
            }
        };
        let (report, ()) = tokio::join!(check(progress), forward);
        let Ok(report) = report else {
            // Our own failure is no result: counted, never cached, and every waiter is told to
            // come back — `503 busy` when this host ran out of sockets, `503 unavailable` when
            // the shared store stopped answering (its connection slots could not be had).
            unfinished.armed = false;
            {
                let mut counts = lock(&self.counts);
                counts.in_flight -= 1;
                counts.overloaded += 1;
            }
            drop(permit);
            let store_lost = self.store.is_shared() && !self.store.answered_last();
            let (event, wire) = if store_lost {
                tracing::warn!(
                    target: "mailtls::check",
                    check = running.id,
                    "check given up: the shared store stopped answering (clients get 503 unavailable)"
                );
                (Event::StoreLost, CheckEvent::StoreLost)
            } else {
                tracing::warn!(
                    target: "mailtls::check",
                    check = running.id,
                    "check given up: this host had no free socket (clients get 503 busy)"
                );
                (Event::Busy, CheckEvent::Busy)
            };
            if let Some(mirror) = &running.mirror {
                mirror.send(wire);
            }
            let mut entries = lock(&self.entries);
            entries.remove_running(&key, &running);
            let _ = running.events.send(event);
            return;
        };
        let (verdict, duration_ms, total) =
            (report.verdict, report.duration_ms, report.endpoints.len());
        // Numbers only: the names checked are what a visitor typed.
        tracing::info!(
            target: "mailtls::check",
            check = running.id,
            endpoints = total,
            verdict = %mailtls_shared::wire_name(&verdict),
            duration_ms,
            "check finished"
        );
        // Written once for the cache; a report that cannot be written is served, not kept.
        let json: Option<Arc<str>> = serde_json::to_string(&report).ok().map(Arc::from);
        // Kept for the other replicas before anyone hears of it (a store that does not answer
        // costs at most its operation timeout, and the report is then kept here only).
        if let Some(json) = json.as_deref().filter(|_| !self.cache_ttl.is_zero()) {
            let _ = self
                .store
                .keep(&key, json, total, self.cache_ttl, self.cache_budget)
                .await;
        }
        // Then the replicas following this check hear the report.
        if let (Some(mirror), Some(json)) = (&running.mirror, json.as_deref()) {
            mirror.send(CheckEvent::Finished(json.to_owned()));
        }
        let report = Arc::new(report);
        // Counted and the slot given back before anyone hears of the report: a client that
        // reads its report and asks again at once finds the service ready and the metrics whole.
        {
            unfinished.armed = false;
            let mut counts = lock(&self.counts);
            counts.in_flight -= 1;
            *counts.by_verdict.entry(verdict).or_default() += 1;
            for error in report.endpoints.iter().filter_map(|e| e.error.as_ref()) {
                *counts
                    .endpoint_errors
                    .entry(mailtls_shared::wire_name(&error.code).to_owned())
                    .or_default() += 1;
            }
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
            entries.remove_running(&key, &running);
            if let Some(json) = json {
                let report = Kept {
                    json,
                    total,
                    finished: now,
                    check_id: running.id,
                };
                entries.keep(key, report, self.local_ttl(), self.cache_budget);
            }
            // Announced under the lock: a new request now finds the cached report instead.
            let _ = running.events.send(Event::Finished(report));
        }
    }

    /// Drops the reports older than the cache time. New reports sweep on their way in; this
    /// also runs every few seconds (`main`), so a quiet service keeps nothing past its time.
    pub fn sweep_expired(&self) {
        lock(&self.entries).evict_expired(Instant::now(), self.local_ttl());
    }

    /// The counters so far.
    pub fn counts(&self) -> CheckCounts {
        let mut counts = lock(&self.counts).clone();
        let entries = lock(&self.entries);
        counts.cached_reports = entries.cached();
        counts.cached_bytes = entries.bytes;
        counts
    }

    /// Check slots free now.
    pub fn free_slots(&self) -> usize {
        self.slots.available_permits()
    }
}

/// Cleans up after a check task that ends without its report (a panic unwinds through it):
/// the entry goes, so the waiters' channel closes (they answer with an error, never hang) and
/// the next identical request starts a new check.
struct Unfinished {
    checks: Arc<Checks>,
    key: String,
    running: Arc<Running>,
    armed: bool,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // A panic is a bug; a task dropped because the process is stopping is not.
        if std::thread::panicking() {
            tracing::error!("a check ended without a report");
        } else {
            tracing::info!("a check was cut short: the service is stopping");
        }
        {
            let mut entries = lock(&self.checks.entries);
            let ours = matches!(
                entries.by_key.get(&self.key),
                Some(Entry::Running(running)) if Arc::ptr_eq(running, &self.running)
            );
            if ours {
                entries.by_key.remove(&self.key);
            }
        }
        let mut counts = lock(&self.checks.counts);
        counts.in_flight = counts.in_flight.saturating_sub(1);
        counts.failed += 1;
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
            assert!(checks.free_slots() > 0, "round {round}");
            let counts = checks.counts();
            assert_eq!(counts.in_flight, 0, "round {round}");
            assert_eq!(counts.by_verdict.values().sum::<u64>(), round);
            assert_eq!(counts.duration_buckets.iter().sum::<u64>(), round);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_identical_request_during_the_charge_joins_and_is_not_charged() {
        let (engine, target) = closed_port_engine(false);
        let checks = Arc::new(Checks::new(engine, 4, Duration::from_secs(60)));
        let charged = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        // Each charge takes a while (a store round trip), long enough for the other request to
        // come by while the first is still being charged.
        let request = || {
            let (checks, target, charged) = (checks.clone(), target.clone(), charged.clone());
            tokio::spawn(async move {
                checks
                    .subscribe(vec![target], false, async move |_| {
                        charged.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Ok(Ok(()))
                    })
                    .await
            })
        };
        let (first, second) = (request(), request());
        let subscriptions = [first.await.expect("task"), second.await.expect("task")];
        assert!(subscriptions.iter().all(Result::is_ok));
        assert_eq!(charged.load(std::sync::atomic::Ordering::SeqCst), 1);
        // One started the check; the other joined it, or (the closed port ends a check at
        // once) had its report from the cache.
        assert_eq!(
            subscriptions
                .iter()
                .filter_map(|subscription| subscription.as_ref().ok())
                .filter(|subscription| !subscription.joined && !subscription.cached)
                .count(),
            1
        );
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_cached_report_says_its_age_and_a_fresh_check_waits_its_turn() {
        let (engine, target) = closed_port_engine(false);
        let checks = Arc::new(Checks::new(engine.clone(), 4, Duration::from_secs(60)));
        let key = key(std::slice::from_ref(&target));
        let plan = engine.plan(vec![target]).await.expect("plan");
        let first = checks.start(key.clone(), plan).expect("slot");
        let Served::Fresh(report) = first.report().await.expect("report") else {
            panic!("the first answer is a fresh check")
        };
        assert!(!report.cached);

        tokio::time::advance(Duration::from_secs(3)).await;
        let cached = checks.existing(&key).expect("cached");
        assert!(cached.cached);
        let cached = cached.report().await.expect("report");
        let served: CheckReport = serde_json::from_str(&cached.to_json()).expect("JSON");
        assert_eq!((served.cached, served.age_seconds), (true, Some(3)));
        assert_eq!(
            CheckReport {
                cached: false,
                age_seconds: None,
                ..served
            },
            *report,
            "otherwise the very report"
        );

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

    #[tokio::test(start_paused = true)]
    async fn an_expired_report_leaves_memory_without_a_new_check() {
        let (engine, target) = closed_port_engine(false);
        let checks = Arc::new(Checks::new(engine.clone(), 4, Duration::from_secs(60)));
        let key = key(std::slice::from_ref(&target));
        let plan = engine.plan(vec![target]).await.expect("plan");
        checks
            .start(key, plan)
            .expect("slot")
            .report()
            .await
            .expect("report");
        assert_eq!(checks.counts().cached_reports, 1);
        tokio::time::advance(Duration::from_secs(59)).await;
        checks.sweep_expired();
        assert_eq!(checks.counts().cached_reports, 1, "still within its time");
        tokio::time::advance(Duration::from_secs(1)).await;
        checks.sweep_expired();
        let counts = checks.counts();
        assert_eq!((counts.cached_reports, counts.cached_bytes), (0, 0));
    }

    /// A report of about `size` bytes of JSON.
    fn report_of(size: usize) -> CheckReport {
        CheckReport {
            tool_version: "x".repeat(size.saturating_sub(120)),
            checked_at: "2026-12-04T12:00:00Z".into(),
            duration_ms: 1,
            targets: vec![],
            endpoints: vec![],
            verdict: CheckVerdict::Unclear,
            domains: vec![],
            truncated: false,
            cached: false,
            age_seconds: None,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_check_that_panics_frees_its_waiters_its_slot_and_its_key() {
        let (engine, _) = closed_port_engine(false);
        let checks = Arc::new(Checks::new(engine, 1, Duration::from_secs(60)));
        let first = checks
            .start_with("k".into(), 1, |_| async {
                panic!("forced panic in a test")
            })
            .expect("a free slot");
        let joined = checks.existing("k");
        let waited = tokio::time::timeout(Duration::from_secs(5), first.report())
            .await
            .expect("the waiter hears the end, it does not hang");
        assert_eq!(
            waited.err(),
            Some(NoReport::Died),
            "no report from a check that panicked"
        );
        if let Some(joined) = joined {
            let joined = tokio::time::timeout(Duration::from_secs(5), joined.report()).await;
            assert!(
                matches!(joined, Ok(Err(NoReport::Died))),
                "the second waiter too"
            );
        }
        let counts = checks.counts();
        assert_eq!((counts.in_flight, counts.failed), (0, 1));
        assert!(checks.free_slots() > 0, "the slot is free again");
        assert!(checks.existing("k").is_none(), "nothing stays running");
        let again = checks
            .start_with("k".into(), 0, |_| async { Ok(report_of(200)) })
            .expect("a new check under the same key");
        assert!(again.report().await.is_ok());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_cache_keeps_to_its_byte_budget_and_hits_share_one_report() {
        let (engine, _) = closed_port_engine(false);
        let size = mailtls_shared::caps::json_size(&report_of(10_000));
        let checks = Arc::new(
            Checks::new(engine, 4, Duration::from_secs(60)).with_cache_budget(3 * size + 10),
        );
        for n in 0..5 {
            let subscription = checks
                .start_with(format!("k{n}"), 0, |_| async { Ok(report_of(10_000)) })
                .expect("a free slot");
            subscription.report().await.expect("a report");
        }
        let counts = checks.counts();
        assert_eq!(counts.cached_reports, 3, "{counts:?}");
        assert_eq!(counts.cached_bytes, 3 * size);
        assert!(checks.existing("k0").is_none() && checks.existing("k1").is_none());
        let hits: Vec<Served> = futures_util::future::join_all(
            (0..2).map(|_| checks.existing("k4").expect("cached").report()),
        )
        .await
        .into_iter()
        .map(|served| served.expect("report"))
        .collect();
        let shared = match (&hits[0], &hits[1]) {
            (Served::Cached { json: a, .. }, Served::Cached { json: b, .. }) => Arc::ptr_eq(a, b),
            _ => false,
        };
        assert!(shared, "two hits, one report in memory");
        // A report larger than the whole budget is served but not kept.
        let big = checks
            .start_with("big".into(), 0, |_| async { Ok(report_of(40_000)) })
            .expect("slot");
        big.report().await.expect("report");
        assert!(checks.existing("big").is_none());
        assert_eq!(checks.counts().cached_reports, 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_overloaded_check_tells_its_waiters_to_come_back_and_is_not_kept() {
        let (engine, _) = closed_port_engine(false);
        let checks = Arc::new(Checks::new(engine, 2, Duration::from_secs(60)));
        let subscription = checks
            .start_with("k".into(), 1, |_| async { Err(Overloaded) })
            .expect("a free slot");
        assert_eq!(subscription.report().await.err(), Some(NoReport::Busy));
        let counts = checks.counts();
        assert_eq!(
            (counts.in_flight, counts.overloaded, counts.failed),
            (0, 1, 0)
        );
        assert!(
            checks.existing("k").is_none(),
            "our overload is never a cached result"
        );
        assert_eq!(counts.cached_reports, 0);
    }
}
