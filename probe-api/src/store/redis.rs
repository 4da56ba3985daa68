//! The shared store on a Redis or Valkey server: what every replica of a fleet uses — the rate
//! limits' token buckets, and the connection slots per mail-server destination as leases that
//! expire by themselves (a sorted set per destination, scored by expiry), so a replica that
//! dies holding some never blocks a server for longer than the check it was running.
//!
//! One connection per process (`redis`'s `ConnectionManager`: multiplexed, reconnecting by
//! itself when the server comes back), every operation bounded by [`OPERATION_TIMEOUT`]. Each
//! operation is one Lua script, so it is atomic on the server and uses the server's clock (the
//! replicas' clocks never meet). Keys start with `mailtls:{limits}:` — the braces put them in
//! one hash slot, so a script's keys are never spread over a cluster's nodes — and expire once
//! their bucket would be full again (a lease set with its last lease): nothing grows forever.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Rate, Scope, StoreError};

/// Longest a single operation may take before the store counts as unavailable.
pub const OPERATION_TIMEOUT: Duration = Duration::from_millis(500);

/// Every rate-limit key's prefix.
const PREFIX: &str = "mailtls:{limits}:";

/// Every lease set's prefix.
const LEASES: &str = "mailtls:{leases}:";

/// Every report-cache key's prefix (one hash slot for all of them).
const CACHE: &str = "mailtls:{cache}:";

/// Keeps a report: `KEYS[1]` the report's hash, `KEYS[2]` the index (report name → expiry),
/// `KEYS[3]` the sizes (name → bytes), `KEYS[4]` the total bytes. ARGV: the report's name, its
/// JSON, its number of endpoints, the TTL in ms, the budget in bytes, the report keys' prefix.
/// Expired reports leave the index first, then the oldest until the new one fits; a report
/// larger than the whole budget is not kept (returns 0, else 1). Every key expires with the
/// newest report.
const CACHE_PUT: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local name, json, total = ARGV[1], ARGV[2], ARGV[3]
local ttl, budget, prefix = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local function forget(member)
  local size = tonumber(redis.call('HGET', KEYS[3], member) or '0')
  redis.call('HDEL', KEYS[3], member)
  redis.call('ZREM', KEYS[2], member)
  if size > 0 then
    redis.call('DECRBY', KEYS[4], size)
  end
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  forget(member)
end
forget(name)
local size = string.len(json)
if size > budget then
  redis.call('DEL', KEYS[1])
  return 0
end
while tonumber(redis.call('GET', KEYS[4]) or '0') + size > budget do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)
  if #oldest == 0 then
    break
  end
  forget(oldest[1])
  redis.call('DEL', prefix .. oldest[1])
end
redis.call('HSET', KEYS[1], 'json', json, 'total', total, 'at', now)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + ttl, name)
redis.call('HSET', KEYS[3], name, size)
redis.call('INCRBY', KEYS[4], size)
for i = 2, 4 do
  if redis.call('PTTL', KEYS[i]) < ttl then
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
return 1
";

/// A kept report: `{json, total, age in ms}`, or nil.
const CACHE_GET: &str = r"
local report = redis.call('HMGET', KEYS[1], 'json', 'total', 'at')
if not report[1] then
  return false
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
return {report[1], report[2], math.max(0, now - tonumber(report[3]))}
";

/// Forgets a kept report unless it is younger than `ARGV[2]` ms: returns the ms it still has
/// to age (0 when forgotten or not there). KEYS and `ARGV[1]` as for [`CACHE_PUT`].
const CACHE_FORGET: &str = r"
local at = redis.call('HGET', KEYS[1], 'at')
if not at then
  return 0
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local age = now - tonumber(at)
if age < tonumber(ARGV[2]) then
  return tonumber(ARGV[2]) - age
end
local size = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if size > 0 then
  redis.call('DECRBY', KEYS[4], size)
end
redis.call('DEL', KEYS[1])
return 0
";

/// How often a full destination is asked again while a connection waits for a slot.
const LEASE_POLL: Duration = Duration::from_millis(50);

/// Takes a lease on `KEYS[1]`'s destination if fewer than `ARGV[1]` unexpired ones are held:
/// member `ARGV[3]`, expiring `ARGV[2]` ms from now (the server's time). Returns 1 when taken,
/// else 0. The set itself expires with its longest lease.
const LEASE: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lasts = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + lasts, ARGV[3])
if redis.call('PTTL', KEYS[1]) < lasts then
  redis.call('PEXPIRE', KEYS[1], lasts)
end
return 1
";

/// Takes a token from each bucket in `KEYS`, all or none, at the server's time. ARGV: tokens
/// per second, tokens when full, seconds until a bucket is full again (the keys' TTL). Returns
/// 0 when taken, else the whole seconds until every bucket has a token (nothing taken). The
/// same arithmetic as the embedded store's `take`.
const TAKE: &str = r"
local per_second = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local tokens = {}
local wait = 0
for i, key in ipairs(KEYS) do
  local bucket = redis.call('HMGET', key, 't', 'u')
  local t = tonumber(bucket[1])
  local u = tonumber(bucket[2])
  if t == nil or u == nil then
    t = capacity
    u = now
  end
  t = math.min(capacity, t + math.max(0, now - u) * per_second)
  tokens[i] = t
  if t < 1 then
    wait = math.max(wait, math.max(1, math.ceil((1 - t) / per_second)))
  end
end
if wait > 0 then
  return wait
end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 't', tostring(tokens[i] - 1), 'u', tostring(now))
  redis.call('EXPIRE', key, ttl)
end
return 0
";

/// A connection to the shared store.
pub struct Redis {
    connection: ConnectionManager,
    take: redis::Script,
    lease: redis::Script,
    cache_put: redis::Script,
    cache_get: redis::Script,
    cache_forget: redis::Script,
    release: redis::Script,
    publish: redis::Script,
    follow: redis::Script,
    /// This process's name in the store: the owner of its claims, and its leases' prefix (then
    /// a counter).
    instance: String,
    leases: AtomicU64,
    /// The URL without its password, for logs.
    shown: String,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis").field("url", &self.shown).finish()
    }
}

impl Redis {
    /// Connects to `url` and asks it for a `PONG`, all within `deadline`.
    pub async fn connect(url: &str, deadline: Duration) -> Result<Redis, StoreError> {
        let shown = without_password(url);
        let unavailable = |what: String| StoreError::Unavailable {
            store: shown.clone(),
            what,
        };
        let client = redis::Client::open(url)
            .map_err(|error| unavailable(format!("not a store URL ({error})")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(deadline))
            .set_response_timeout(Some(OPERATION_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1));
        let connection =
            tokio::time::timeout(deadline, client.get_connection_manager_with_config(config))
                .await
                .map_err(|_| unavailable(format!("no connection within {deadline:?}")))?
                .map_err(|error| unavailable(error.to_string()))?;
        let mut random = [0u8; 8];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random)
            .map_err(|_| unavailable("no random numbers for lease names".into()))?;
        let store = Redis {
            connection,
            take: redis::Script::new(TAKE),
            lease: redis::Script::new(LEASE),
            cache_put: redis::Script::new(CACHE_PUT),
            cache_get: redis::Script::new(CACHE_GET),
            cache_forget: redis::Script::new(CACHE_FORGET),
            release: redis::Script::new(RELEASE),
            publish: redis::Script::new(PUBLISH),
            follow: redis::Script::new(FOLLOW),
            instance: random.iter().map(|byte| format!("{byte:02x}")).collect(),
            leases: AtomicU64::new(0),
            shown: shown.clone(),
        };
        store.ping().await?;
        Ok(store)
    }

    /// The URL without its password.
    pub fn describe(&self) -> &str {
        &self.shown
    }

    fn unavailable(&self, what: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable {
            store: self.shown.clone(),
            what: what.to_string(),
        }
    }

    /// Runs `operation` on a clone of the connection within [`OPERATION_TIMEOUT`].
    async fn run<T, F>(
        &self,
        operation: impl FnOnce(ConnectionManager) -> F,
    ) -> Result<T, StoreError>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        match tokio::time::timeout(OPERATION_TIMEOUT, operation(self.connection.clone())).await {
            Err(_) => Err(self.unavailable(format!("no answer within {OPERATION_TIMEOUT:?}"))),
            Ok(Err(error))
                if error.is_io_error() || error.is_timeout() || error.is_connection_dropped() =>
            {
                Err(self.unavailable(error))
            }
            Ok(Err(error)) => Err(StoreError::Protocol {
                store: self.shown.clone(),
                what: error.to_string(),
            }),
            Ok(Ok(value)) => Ok(value),
        }
    }

    /// `PING`, expecting `PONG`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let answer: String =
            self.run(|mut connection| async move {
                redis::cmd("PING").query_async(&mut connection).await
            })
            .await?;
        if answer == "PONG" {
            Ok(())
        } else {
            Err(StoreError::Protocol {
                store: self.shown.clone(),
                what: format!("PING answered {answer:?}"),
            })
        }
    }

    /// The embedded store's `take`, on the server: one token from each of `keys`' buckets,
    /// all or none.
    pub async fn take(
        &self,
        scope: Scope,
        rate: Rate,
        keys: &[IpAddr],
    ) -> Result<Result<(), Duration>, StoreError> {
        let ttl = rate.refill_time().as_secs().max(1) + 1;
        let mut invocation = self.take.prepare_invoke();
        for key in keys {
            invocation.key(format!("{PREFIX}{}:{key}", scope.name()));
        }
        invocation
            .arg(rate.per_second())
            .arg(rate.capacity())
            .arg(ttl);
        let wait: u64 = self
            .run(|mut connection| async move { invocation.invoke_async(&mut connection).await })
            .await?;
        Ok(if wait == 0 {
            Ok(())
        } else {
            Err(Duration::from_secs(wait))
        })
    }
}

impl Redis {
    /// One of `destination`'s `per_destination` slots, asked for every [`LEASE_POLL`] until
    /// `deadline`; `None` when none came free in time. The lease expires a second after
    /// `deadline` if nobody gives it back: no connection it covers outlives that deadline.
    pub async fn lease(
        &self,
        destination: IpAddr,
        per_destination: usize,
        deadline: Instant,
    ) -> Result<Option<SharedLease>, StoreError> {
        let key = format!("{LEASES}{destination}");
        let id = format!(
            "{}-{}",
            self.instance,
            self.leases.fetch_add(1, Ordering::Relaxed)
        );
        loop {
            let lasts = deadline.saturating_duration_since(Instant::now()) + Duration::from_secs(1);
            let lasts = u64::try_from(lasts.as_millis()).unwrap_or(u64::MAX);
            let mut invocation = self.lease.key(&key);
            invocation.arg(per_destination.max(1)).arg(lasts).arg(&id);
            let taken: u8 = self
                .run(|mut connection| async move { invocation.invoke_async(&mut connection).await })
                .await?;
            if taken == 1 {
                return Ok(Some(SharedLease {
                    connection: self.connection.clone(),
                    key,
                    id,
                }));
            }
            if Instant::now() + LEASE_POLL >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(LEASE_POLL).await;
        }
    }
}

/// A report kept in the shared cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptReport {
    /// The report's JSON, without `cached` and `age_seconds`.
    pub json: String,
    /// How many endpoints it has.
    pub total: usize,
    /// How long ago it was kept.
    pub age: Duration,
}

impl Redis {
    /// The report cache's four keys for the check `key`: its report, the index, the sizes and
    /// the byte count. A report is named by its key's SHA-256, so the store's key list shows
    /// no server names.
    fn cache_keys(key: &str) -> (String, [String; 4]) {
        let name = name_of(key);
        let keys = [
            format!("{CACHE}report:{name}"),
            format!("{CACHE}index"),
            format!("{CACHE}sizes"),
            format!("{CACHE}bytes"),
        ];
        (name, keys)
    }

    /// Keeps `json` (a finished report with `total` endpoints) for `ttl` within `budget` bytes
    /// for all reports; `false` when it is larger than the whole budget.
    pub async fn keep(
        &self,
        key: &str,
        json: &str,
        total: usize,
        ttl: Duration,
        budget: usize,
    ) -> Result<bool, StoreError> {
        if budget == 0 || json.len() > budget || ttl.is_zero() {
            return Ok(false);
        }
        let (name, keys) = Self::cache_keys(key);
        let mut invocation = self.cache_put.prepare_invoke();
        for key in &keys {
            invocation.key(key);
        }
        invocation
            .arg(&name)
            .arg(json)
            .arg(total)
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
            .arg(budget)
            .arg(format!("{CACHE}report:"));
        let kept: u8 = self
            .run(|mut connection| async move { invocation.invoke_async(&mut connection).await })
            .await?;
        Ok(kept == 1)
    }

    /// The report kept for `key`, if there is one.
    pub async fn kept(&self, key: &str) -> Result<Option<KeptReport>, StoreError> {
        let (_, keys) = Self::cache_keys(key);
        let invocation = self.cache_get.key(&keys[0]);
        let found: Option<(String, usize, u64)> = self
            .run(|mut connection| async move { invocation.invoke_async(&mut connection).await })
            .await?;
        Ok(found.map(|(json, total, age_ms)| KeptReport {
            json,
            total,
            age: Duration::from_millis(age_ms),
        }))
    }

    /// Forgets the report kept for `key` unless it is younger than `min_age`: then `Err` with
    /// the time it still has to age.
    pub async fn forget(
        &self,
        key: &str,
        min_age: Duration,
    ) -> Result<Result<(), Duration>, StoreError> {
        let (name, keys) = Self::cache_keys(key);
        let mut invocation = self.cache_forget.prepare_invoke();
        for key in &keys {
            invocation.key(key);
        }
        invocation
            .arg(&name)
            .arg(u64::try_from(min_age.as_millis()).unwrap_or(u64::MAX));
        let wait_ms: u64 = self
            .run(|mut connection| async move { invocation.invoke_async(&mut connection).await })
            .await?;
        Ok(if wait_ms == 0 {
            Ok(())
        } else {
            Err(Duration::from_millis(wait_ms))
        })
    }
}

/// A slot held on the shared store; given back when dropped (and expiring by itself anyway).
pub struct SharedLease {
    connection: ConnectionManager,
    key: String,
    id: String,
}

impl std::fmt::Debug for SharedLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedLease")
            .field("key", &self.key)
            .field("id", &self.id)
            .finish()
    }
}

impl Drop for SharedLease {
    fn drop(&mut self) {
        // Given back in the background, within the operation timeout; should that fail, the
        // lease expires by itself.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (mut connection, key, id) = (
            self.connection.clone(),
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.id),
        );
        runtime.spawn(async move {
            let mut release = redis::cmd("ZREM");
            release.arg(&key).arg(&id);
            let _ = tokio::time::timeout(
                OPERATION_TIMEOUT,
                release.query_async::<i64>(&mut connection),
            )
            .await;
        });
    }
}

/// What a check's name is in the store: the SHA-256 of this version and the check's key, so no
/// key names a server, and during a rolling upgrade replicas of different versions never read
/// each other's reports or events.
fn name_of(key: &str) -> String {
    let versioned = format!("{}\n{key}", env!("CARGO_PKG_VERSION"));
    ring::digest::digest(&ring::digest::SHA256, versioned.as_bytes())
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Every running-check key's prefix.
const CHECKS: &str = "mailtls:{checks}:";

/// Gives a claim back if this process still holds it: `KEYS[1]` the claim, `ARGV[1]` the owner.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Appends one event (`ARGV[1]` kind, `ARGV[2]` data) to a check's stream `KEYS[1]`, which
/// expires `ARGV[3]` ms after its last event.
const PUBLISH: &str = r"
redis.call('XADD', KEYS[1], 'MAXLEN', '~', '10000', '*', 'k', ARGV[1], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

/// A check's events after `ARGV[1]` (`-` for all, `(ID` after ID), at most 100, and whether
/// its claim `KEYS[2]` is still held.
const FOLLOW: &str = r"
return {redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', 100), redis.call('EXISTS', KEYS[2])}
";

/// One event of a check that runs on some replica, as the others read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckEvent {
    /// The check is planned: this many endpoints will follow.
    Start { total: usize },
    /// One endpoint's report (JSON).
    Endpoint(String),
    /// The whole report (JSON).
    Finished(String),
    /// The owning replica ran out of sockets: no report.
    Busy,
    /// The owning replica lost the shared store during the check: no report.
    StoreLost,
}

impl CheckEvent {
    fn to_wire(&self) -> (&'static str, String) {
        match self {
            CheckEvent::Start { total } => ("start", total.to_string()),
            CheckEvent::Endpoint(json) => ("endpoint", json.clone()),
            CheckEvent::Finished(json) => ("finished", json.clone()),
            CheckEvent::Busy => ("busy", String::new()),
            CheckEvent::StoreLost => ("store_lost", String::new()),
        }
    }

    fn from_wire(kind: &str, data: String) -> Option<CheckEvent> {
        Some(match kind {
            "start" => CheckEvent::Start {
                total: data.parse().ok()?,
            },
            "endpoint" => CheckEvent::Endpoint(data),
            "finished" => CheckEvent::Finished(data),
            "busy" => CheckEvent::Busy,
            "store_lost" => CheckEvent::StoreLost,
            _ => return None,
        })
    }
}

impl Redis {
    fn check_keys(key: &str) -> (String, String) {
        let name = name_of(key);
        (
            format!("{CHECKS}owner:{name}"),
            format!("{CHECKS}events:{name}"),
        )
    }

    /// Claims the check `key` for this process for `ttl`: `true` when no replica holds it.
    pub async fn claim(&self, key: &str, ttl: Duration) -> Result<bool, StoreError> {
        let (owner, _) = Self::check_keys(key);
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut command = redis::cmd("SET");
        command
            .arg(&owner)
            .arg(&self.instance)
            .arg("NX")
            .arg("PX")
            .arg(millis);
        let set: Option<String> = self
            .run(|mut connection| async move { command.query_async(&mut connection).await })
            .await?;
        Ok(set.is_some())
    }

    /// Gives the claim on `key` back, if this process holds it.
    pub async fn release(&self, key: &str) -> Result<(), StoreError> {
        let (owner, _) = Self::check_keys(key);
        let mut invocation = self.release.key(&owner);
        invocation.arg(&self.instance);
        let _: i64 = self
            .run(|mut connection| async move { invocation.invoke_async(&mut connection).await })
            .await?;
        Ok(())
    }

    /// Appends `event` to the check `key`'s stream, kept `ttl` after its last event.
    pub async fn publish(
        &self,
        key: &str,
        event: &CheckEvent,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let (_, events) = Self::check_keys(key);
        let (kind, data) = event.to_wire();
        let mut invocation = self.publish.key(&events);
        invocation
            .arg(kind)
            .arg(data)
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
        let _: i64 = self
            .run(|mut connection| async move { invocation.invoke_async(&mut connection).await })
            .await?;
        Ok(())
    }

    /// The check `key`'s events after `after` (`None`: from the first), each with its id, and
    /// whether its owner still holds the claim.
    pub async fn follow(
        &self,
        key: &str,
        after: Option<&str>,
    ) -> Result<(Vec<(String, CheckEvent)>, bool), StoreError> {
        let (owner, events) = Self::check_keys(key);
        let start = after.map_or_else(|| "-".to_owned(), |id| format!("({id}"));
        let mut invocation = self.follow.key(&events);
        invocation.key(&owner).arg(start);
        let (entries, alive): (Vec<(String, Vec<String>)>, i64) = self
            .run(|mut connection| async move { invocation.invoke_async(&mut connection).await })
            .await?;
        let mut out = Vec::with_capacity(entries.len());
        for (id, fields) in entries {
            let field = |name: &str| {
                fields
                    .chunks(2)
                    .find(|pair| pair.first().is_some_and(|f| f == name))
                    .and_then(|pair| pair.get(1).cloned())
            };
            let event = field("k")
                .zip(field("d"))
                .and_then(|(kind, data)| CheckEvent::from_wire(&kind, data))
                .ok_or_else(|| StoreError::Protocol {
                    store: self.shown.clone(),
                    what: format!("a check event this service does not know: {fields:?}"),
                })?;
            out.push((id, event));
        }
        Ok((out, alive == 1))
    }
}

/// `url` with any password (and user name) left out: `redis://:secret@host/0` → `redis://host/0`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        let cases = [
            (
                "redis://:secret@store.test:6379/0",
                "redis://store.test:6379/0",
            ),
            ("rediss://user:p%40ss@store.test/2", "rediss://store.test/2"),
            ("redis://store.test:6379", "redis://store.test:6379"),
            ("redis://store.test/0?x=a@b", "redis://store.test/0?x=a@b"),
            ("not a url", "not a url"),
        ];
        for (url, shown) in cases {
            assert_eq!(without_password(url), shown, "{url}");
        }
    }

    #[test]
    fn check_events_read_back_from_their_stream_entries() {
        let events = [
            CheckEvent::Start { total: 3 },
            CheckEvent::Endpoint("{\"a\":1}".into()),
            CheckEvent::Finished("{}".into()),
            CheckEvent::Busy,
            CheckEvent::StoreLost,
        ];
        for event in events {
            let (kind, data) = event.to_wire();
            assert_eq!(
                CheckEvent::from_wire(kind, data),
                Some(event.clone()),
                "{kind}"
            );
        }
        assert_eq!(CheckEvent::from_wire("later", String::new()), None);
        assert_eq!(CheckEvent::from_wire("start", "x".into()), None);
    }

    #[tokio::test]
    async fn an_unreachable_store_is_an_error_within_the_deadline() {
        // Port 1 on loopback: nothing listens there.
        let started = std::time::Instant::now();
        let error = Redis::connect("redis://127.0.0.1:1/0", Duration::from_secs(2))
            .await
            .expect_err("nothing listens");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert!(
            matches!(&error, StoreError::Unavailable { store, .. } if store == "redis://127.0.0.1:1/0"),
            "{error}"
        );
        let error = Redis::connect("http://store.test/", Duration::from_secs(1))
            .await
            .expect_err("not redis");
        assert!(error.to_string().contains("not a store URL"), "{error}");
    }
}
