//! Where the state lives that every replica of the service must share: the rate limits (checks
//! per client, checks per mail-server address) as token buckets, and the connection slots per
//! mail-server destination (politeness: never more connections to one server from the whole
//! fleet than one process allows) as leases.
//!
//! Two implementations behind one interface, [`Store`]:
//!
//! - [`embedded`] (the default): in this process's memory. One process is one fleet: `make run`
//!   needs nothing else.
//! - [`redis`] (`store = "redis://host:port/db"`, or `rediss://` for TLS; a password in the
//!   URL): a Redis or Valkey server all replicas use, so N replicas allow exactly what one
//!   allows. Each operation is one Lua script, atomic on the server, with the server's clock,
//!   and every key has a TTL.
//!
//! Both run the same token-bucket arithmetic (a bucket of `burst` tokens that refills at
//! `per_minute` / 60 per second; a refusal says how long until every bucket asked for has a
//! token, and takes nothing), and one set of behaviour tests runs against both
//! (`tests/tests/e2e/store.rs`).
//!
//! When a shared store cannot be reached, an operation fails with [`StoreError`] — never does a
//! replica fall back to limits of its own, which would multiply what the mail servers get by
//! the number of replicas. The caller refuses the request (`503 unavailable`).

pub mod embedded;
pub mod redis;

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use self::embedded::Embedded;
pub use self::redis::{CheckEvent, KeptReport, Redis};

/// Which rate limit a bucket belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Checks a client (an address, IPv6 by its /64) may ask for.
    Client,
    /// Checks a mail server's address may receive.
    Target,
}

impl Scope {
    /// The name in keys, logs and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Client => "client",
            Scope::Target => "target",
        }
    }
}

/// A token-bucket rate: `per_minute` on average, up to `burst` at once; `per_minute` 0 means
/// no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

impl Rate {
    pub const fn new(per_minute: u32, burst: u32) -> Self {
        Rate { per_minute, burst }
    }

    /// Whether this rate limits anything.
    pub fn limits(self) -> bool {
        self.per_minute > 0
    }

    /// Tokens a bucket holds when full (at least 1).
    pub fn capacity(self) -> f64 {
        f64::from(self.burst.max(1))
    }

    /// Tokens a bucket gains per second.
    pub fn per_second(self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }

    /// How long a bucket takes to fill from empty: after that it is as good as forgotten, and
    /// a shared store lets the key expire.
    pub fn refill_time(self) -> Duration {
        if self.limits() {
            Duration::from_secs_f64(self.capacity() / self.per_second()).max(Duration::from_secs(1))
        } else {
            Duration::ZERO
        }
    }

    /// The wait a bucket holding `tokens` (< 1) asks for: until it holds one, whole seconds,
    /// at least one.
    pub fn wait_for_token(self, tokens: f64) -> Duration {
        Duration::from_secs_f64(((1.0 - tokens) / self.per_second()).ceil().max(1.0))
    }
}

/// The shared store could not answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Not reachable, or not in time (`what` says which).
    #[error("the shared store {store} is unavailable: {what}")]
    Unavailable { store: String, what: String },
    /// It answered something this service does not understand (a script error, a wrong type).
    #[error("the shared store {store} answered unexpectedly: {what}")]
    Protocol { store: String, what: String },
}

impl StoreError {
    /// The store stopped answering while a check ran (the operation that failed was logged
    /// when it did).
    pub fn lost() -> StoreError {
        StoreError::Unavailable {
            store: "of this fleet".into(),
            what: "it stopped answering during the check".into(),
        }
    }
}

/// Who runs a check, as the store sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// No fleet (the embedded store): this process decides alone.
    Alone,
    /// This replica claimed it and runs it.
    Ours,
    /// Another replica runs it; follow its events.
    Theirs,
}

/// A connection slot for one destination, held until dropped (what it holds is given back by
/// its own `Drop`).
#[derive(Debug)]
pub struct Lease {
    _held: Held,
}

#[derive(Debug)]
enum Held {
    Local {
        _permit: tokio::sync::OwnedSemaphorePermit,
    },
    /// (Fields drop in order: the fleet's lease is given back before this replica's queue
    /// lets its next waiter ask for one.)
    Shared {
        _lease: redis::SharedLease,
        _queued: tokio::sync::OwnedSemaphorePermit,
    },
}

/// The state replicas share: embedded (one process) or Redis/Valkey (a fleet).
#[derive(Debug)]
pub struct Store {
    backend: Backend,
    /// Whether the last operation reached the store: an outage is logged when it starts and
    /// when it ends, not once per refused request.
    reachable: AtomicBool,
}

// One per process, made once: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Backend {
    Embedded(Embedded),
    /// The fleet's store, and this replica's own queue for connection slots in front of it.
    Redis {
        redis: Redis,
        queue: Embedded,
    },
}

impl Default for Store {
    fn default() -> Self {
        Store {
            backend: Backend::Embedded(Embedded::default()),
            reachable: AtomicBool::new(true),
        }
    }
}

impl Store {
    /// Connects to the store `url` names (`redis://…`, `rediss://…`), or makes the embedded one
    /// for `None`; a configured store that does not answer within `deadline` is an error, so
    /// a replica never starts without the fleet's limits.
    pub async fn open(url: Option<&str>, deadline: Duration) -> Result<Store, StoreError> {
        match url {
            None => Ok(Store::default()),
            Some(url) => Ok(Store {
                backend: Backend::Redis {
                    redis: Redis::connect(url, deadline).await?,
                    queue: Embedded::default(),
                },
                reachable: AtomicBool::new(true),
            }),
        }
    }

    /// Takes one token for each of `keys` from the `scope` buckets at `rate` — all or none:
    /// `Ok(Err(wait))` takes nothing and says how long until every one of them has a token. A
    /// key given twice (two names of one server in one check) is charged once.
    pub async fn take(
        &self,
        scope: Scope,
        rate: Rate,
        keys: &[IpAddr],
    ) -> Result<Result<(), Duration>, StoreError> {
        if !rate.limits() || keys.is_empty() {
            return Ok(Ok(()));
        }
        let mut distinct = keys.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let keys = distinct.as_slice();
        let taken = match &self.backend {
            Backend::Embedded(embedded) => {
                Ok(embedded.take(scope, rate, keys, tokio::time::Instant::now()))
            }
            Backend::Redis { redis, .. } => redis.take(scope, rate, keys).await,
        };
        self.note(taken.as_ref().map(|_| ()))?;
        taken
    }

    /// Logs the start and the end of an outage.
    fn note(&self, outcome: Result<(), &StoreError>) -> Result<(), StoreError> {
        let reachable = outcome.is_ok();
        if self.reachable.swap(reachable, Ordering::Relaxed) != reachable {
            match outcome {
                Err(error) => tracing::warn!(
                    %error,
                    "new checks are refused (503 unavailable) until the store answers again"
                ),
                Ok(()) => tracing::info!(store = %self.describe(), "the store answers again"),
            }
        }
        outcome.map_err(Clone::clone)
    }

    /// One of `destination`'s `per_destination` connection slots, waited for until
    /// `deadline`: `Ok(None)` when none came free in time.
    pub async fn lease(
        &self,
        destination: IpAddr,
        per_destination: usize,
        deadline: tokio::time::Instant,
    ) -> Result<Option<Lease>, StoreError> {
        let leased = match &self.backend {
            Backend::Embedded(embedded) => Ok(embedded
                .lease(destination, per_destination, deadline)
                .await
                .map(|permit| Lease {
                    _held: Held::Local { _permit: permit },
                })),
            // This replica's waiters queue here first (in order, as with the embedded store),
            // so at most `per_destination` of them at a time ask the fleet's store.
            Backend::Redis { redis, queue } => {
                match queue.lease(destination, per_destination, deadline).await {
                    None => Ok(None),
                    Some(permit) => redis
                        .lease(destination, per_destination, deadline)
                        .await
                        .map(|lease| {
                            lease.map(|lease| Lease {
                                _held: Held::Shared {
                                    _queued: permit,
                                    _lease: lease,
                                },
                            })
                        }),
                }
            }
        };
        self.note(leased.as_ref().map(|_| ()))?;
        leased
    }

    /// Whether replicas share this store (Redis/Valkey), so reports are kept in it too.
    pub fn is_shared(&self) -> bool {
        matches!(self.backend, Backend::Redis { .. })
    }

    /// The report the fleet keeps for the check `key`. Only a shared store keeps reports: a
    /// single process's cache is `http::checks`'s own, so the embedded store has none.
    pub async fn kept(&self, key: &str) -> Result<Option<KeptReport>, StoreError> {
        let kept = match &self.backend {
            Backend::Embedded(_) => Ok(None),
            Backend::Redis { redis, .. } => redis.kept(key).await,
        };
        self.note(kept.as_ref().map(|_| ()))?;
        kept
    }

    /// Keeps a finished report (`json`, `total` endpoints) for the fleet, for `ttl`, within
    /// `budget` bytes of reports in all; `false` when not kept (the embedded store, or a report
    /// larger than the budget).
    pub async fn keep(
        &self,
        key: &str,
        json: &str,
        total: usize,
        ttl: Duration,
        budget: usize,
    ) -> Result<bool, StoreError> {
        let kept = match &self.backend {
            Backend::Embedded(_) => Ok(false),
            Backend::Redis { redis, .. } => redis.keep(key, json, total, ttl, budget).await,
        };
        self.note(kept.as_ref().map(|_| ()))?;
        kept
    }

    /// Forgets the report kept for `key` (`fresh=1`), unless it is younger than `min_age`:
    /// then `Ok(Err(wait))`.
    pub async fn forget(
        &self,
        key: &str,
        min_age: Duration,
    ) -> Result<Result<(), Duration>, StoreError> {
        let forgotten = match &self.backend {
            Backend::Embedded(_) => Ok(Ok(())),
            Backend::Redis { redis, .. } => redis.forget(key, min_age).await,
        };
        self.note(forgotten.as_ref().map(|_| ()))?;
        forgotten
    }

    /// Claims the check `key` for this replica for `ttl` (how long it may take at most): only a
    /// shared store has a fleet to coordinate, so the embedded store says [`Claim::Alone`].
    pub async fn claim(&self, key: &str, ttl: Duration) -> Result<Claim, StoreError> {
        let claimed = match &self.backend {
            Backend::Embedded(_) => Ok(Claim::Alone),
            Backend::Redis { redis, .. } => redis
                .claim(key, ttl)
                .await
                .map(|ours| if ours { Claim::Ours } else { Claim::Theirs }),
        };
        self.note(claimed.as_ref().map(|_| ()))?;
        claimed
    }

    /// Gives the claim on `key` back (when it is this replica's); a failure only means it
    /// expires by itself.
    pub async fn release(&self, key: &str) {
        if let Backend::Redis { redis, .. } = &self.backend {
            let released = redis.release(key).await;
            let _ = self.note(released.as_ref().map(|_| ()));
        }
    }

    /// Tells the fleet one event of the check `key` this replica runs.
    pub async fn publish(
        &self,
        key: &str,
        event: &CheckEvent,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let published = match &self.backend {
            Backend::Embedded(_) => Ok(()),
            Backend::Redis { redis, .. } => redis.publish(key, event, ttl).await,
        };
        self.note(published.as_ref().map(|_| ()))?;
        published
    }

    /// The events of the check `key` another replica runs, after the event `after`, and
    /// whether that replica still holds its claim.
    pub async fn follow(
        &self,
        key: &str,
        after: Option<&str>,
    ) -> Result<(Vec<(String, CheckEvent)>, bool), StoreError> {
        let followed = match &self.backend {
            Backend::Embedded(_) => Ok((Vec::new(), false)),
            Backend::Redis { redis, .. } => redis.follow(key, after).await,
        };
        self.note(followed.as_ref().map(|_| ()))?;
        followed
    }

    /// Whether the store's last operation got an answer (no new round trip): a check that
    /// ends without a report while this is false ended for want of the store, not of sockets.
    pub fn answered_last(&self) -> bool {
        self.reachable.load(Ordering::Relaxed)
    }

    /// Whether the store answers now (`/healthz` says `degraded` when not).
    pub async fn check(&self) -> Result<(), StoreError> {
        let answered = match &self.backend {
            Backend::Embedded(_) => Ok(()),
            Backend::Redis { redis, .. } => redis.ping().await,
        };
        self.note(answered.as_ref().copied())
    }

    /// What the store is, for logs and `/healthz`: `embedded`, or the URL without its password.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Embedded(_) => "embedded".into(),
            Backend::Redis { redis, .. } => redis.describe().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_say_how_long_to_wait_and_to_refill() {
        let rate = Rate::new(6, 2);
        assert_eq!(rate.wait_for_token(0.0), Duration::from_secs(10));
        assert_eq!(rate.wait_for_token(0.95), Duration::from_secs(1));
        assert_eq!(rate.refill_time(), Duration::from_secs(20));
        assert_eq!(Rate::new(600, 1).refill_time(), Duration::from_secs(1));
        assert!(!Rate::new(0, 5).limits());
    }
}
