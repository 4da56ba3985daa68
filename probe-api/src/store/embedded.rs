//! The embedded store: the rate limits' token buckets and the connection slots per mail-server
//! destination, in this process's memory.
//!
//! The slots live only while someone holds them (weak entries), so that map is as large as the
//! number of destinations being contacted right now, and is swept as it grows.
//!
//! The buckets live in two generations of bounded maps per scope: new keys go into the current
//! one; when it is full it becomes the previous one and the one before is dropped whole. Memory
//! stays bounded and every `take` costs O(1), however many addresses an attacker rotates
//! through (a forgotten bucket starts full again, which only ever favours a returning client).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::{Rate, Scope};

/// Slot sweeping starts at this many entries, and then at twice what survived the last sweep.
const FIRST_SWEEP: usize = 256;

/// Most buckets kept per scope, across both generations.
pub const MAX_BUCKETS: usize = 100_000;

/// The token buckets of both scopes, and the connection slots.
#[derive(Debug)]
pub struct Embedded {
    client: Mutex<Generations>,
    target: Mutex<Generations>,
    slots: Mutex<Slots>,
}

#[derive(Debug)]
struct Slots {
    by_destination: HashMap<IpAddr, Weak<Semaphore>>,
    /// Size at which the map is next swept of slots nobody holds.
    sweep_at: usize,
}

impl Default for Embedded {
    fn default() -> Self {
        Embedded::with_capacity(MAX_BUCKETS)
    }
}

impl Embedded {
    /// At most `capacity` buckets per scope.
    pub fn with_capacity(capacity: usize) -> Self {
        Embedded {
            client: Mutex::new(Generations::new(capacity)),
            target: Mutex::new(Generations::new(capacity)),
            slots: Mutex::new(Slots {
                by_destination: HashMap::new(),
                sweep_at: FIRST_SWEEP,
            }),
        }
    }

    /// The slots of `destination` (shared with everyone contacting it now), `per_destination`
    /// of them.
    fn slots_of(&self, destination: IpAddr, per_destination: usize) -> Arc<Semaphore> {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(shared) = slots
            .by_destination
            .get(&destination)
            .and_then(Weak::upgrade)
        {
            return shared;
        }
        if slots.by_destination.len() >= slots.sweep_at {
            slots
                .by_destination
                .retain(|_, slot| slot.strong_count() > 0);
            slots.sweep_at = (slots.by_destination.len() * 2).max(FIRST_SWEEP);
        }
        let fresh = Arc::new(Semaphore::new(per_destination.max(1)));
        slots
            .by_destination
            .insert(destination, Arc::downgrade(&fresh));
        fresh
    }

    /// One of `destination`'s `per_destination` connection slots, waited for until `deadline`;
    /// `None` when none came free in time.
    pub async fn lease(
        &self,
        destination: IpAddr,
        per_destination: usize,
        deadline: Instant,
    ) -> Option<OwnedSemaphorePermit> {
        let slots = self.slots_of(destination, per_destination);
        tokio::time::timeout_at(deadline, slots.acquire_owned())
            .await
            .ok()?
            .ok()
    }

    /// How many destinations have slots in the map now (held or not yet swept).
    pub fn destinations(&self) -> usize {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .by_destination
            .len()
    }

    fn buckets(&self, scope: Scope) -> std::sync::MutexGuard<'_, Generations> {
        match scope {
            Scope::Client => &self.client,
            Scope::Target => &self.target,
        }
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many buckets `scope` keeps now (never more than its capacity).
    pub fn tracked(&self, scope: Scope) -> usize {
        self.buckets(scope).len()
    }

    /// Takes one token for each of `keys` at `now` — all or none: `Err` (how long until every
    /// one of them has a token) takes nothing.
    pub fn take(
        &self,
        scope: Scope,
        rate: Rate,
        keys: &[IpAddr],
        now: Instant,
    ) -> Result<(), Duration> {
        if !rate.limits() {
            return Ok(());
        }
        let (capacity, per_second) = (rate.capacity(), rate.per_second());
        let mut buckets = self.buckets(scope);
        let full = || Bucket {
            tokens: capacity,
            updated: now,
        };
        let mut wait = Duration::ZERO;
        for key in keys {
            let bucket = buckets.bucket(*key, full);
            let refilled =
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second;
            bucket.tokens = refilled.min(capacity);
            bucket.updated = now;
            if bucket.tokens < 1.0 {
                wait = wait.max(rate.wait_for_token(bucket.tokens));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for key in keys {
            buckets.bucket(*key, full).tokens -= 1.0;
        }
        Ok(())
    }
}

/// The current and the previous generation of buckets; each holds at most `half` keys.
#[derive(Debug)]
struct Generations {
    current: HashMap<IpAddr, Bucket>,
    previous: HashMap<IpAddr, Bucket>,
    half: usize,
}

impl Generations {
    fn new(capacity: usize) -> Self {
        Generations {
            current: HashMap::new(),
            previous: HashMap::new(),
            half: (capacity / 2).max(1),
        }
    }

    /// The bucket for `key`, moved into the current generation; a new one is made by `fresh`.
    fn bucket(&mut self, key: IpAddr, fresh: impl FnOnce() -> Bucket) -> &mut Bucket {
        if !self.current.contains_key(&key) {
            let moved = self.previous.remove(&key);
            if self.current.len() >= self.half {
                self.previous = std::mem::take(&mut self.current);
            }
            if let Some(bucket) = moved {
                self.current.insert(key, bucket);
            }
        }
        self.current.entry(key).or_insert_with(fresh)
    }

    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn buckets_refill_over_time() {
        let store = Embedded::default();
        let rate = Rate::new(6, 2);
        let start = Instant::now();
        let key = ip("192.0.2.7");
        let take = |key, at| store.take(Scope::Client, rate, &[key], at);
        assert!(take(key, start).is_ok());
        assert!(take(key, start).is_ok());
        assert_eq!(take(key, start), Err(Duration::from_secs(10)));
        // Another client is not affected, nor the same address in the other scope.
        assert!(take(ip("192.0.2.8"), start).is_ok());
        assert!(store.take(Scope::Target, rate, &[key], start).is_ok());
        assert!(take(key, start + Duration::from_secs(10)).is_ok());
        assert!(
            store
                .take(Scope::Client, Rate::new(0, 1), &[key], start)
                .is_ok(),
            "0 disables"
        );
    }

    #[test]
    fn several_targets_are_charged_all_or_none() {
        let store = Embedded::default();
        let rate = Rate::new(6, 1);
        let start = Instant::now();
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        assert!(store.take(Scope::Target, rate, &[b], start).is_ok());
        // b has no token left: a keeps its own.
        assert_eq!(
            store.take(Scope::Target, rate, &[a, b], start),
            Err(Duration::from_secs(10))
        );
        assert!(
            store.take(Scope::Target, rate, &[a], start).is_ok(),
            "a was not charged by the refusal"
        );
    }

    #[tokio::test]
    async fn one_destination_shares_its_slots_and_a_full_one_waits_until_the_deadline() {
        let store = Embedded::default();
        let soon = || Instant::now() + Duration::from_millis(50);
        let destination = ip("192.0.2.1");
        let first = store.lease(destination, 2, soon()).await.expect("first");
        let _second = store.lease(destination, 2, soon()).await.expect("second");
        assert!(
            store.lease(destination, 2, soon()).await.is_none(),
            "two at most"
        );
        assert!(
            store.lease(ip("192.0.2.2"), 2, soon()).await.is_some(),
            "another server"
        );
        drop(first);
        assert!(
            store.lease(destination, 2, soon()).await.is_some(),
            "given back"
        );
    }

    #[test]
    fn slots_nobody_holds_are_swept_so_the_map_stays_small() {
        let store = Embedded::default();
        for n in 0..100_000u32 {
            let _held_briefly = store.slots_of(IpAddr::from(std::net::Ipv4Addr::from(n)), 2);
        }
        assert!(
            store.destinations() <= 2 * FIRST_SWEEP,
            "{}",
            store.destinations()
        );
        // A held slot survives every sweep and stays shared.
        let held = store.slots_of(ip("198.51.100.7"), 2);
        for n in 0..10_000u32 {
            let _ = store.slots_of(IpAddr::from(std::net::Ipv4Addr::from(n)), 2);
        }
        assert!(Arc::ptr_eq(&held, &store.slots_of(ip("198.51.100.7"), 2)));
    }

    #[test]
    fn buckets_stay_bounded_however_many_clients_come() {
        let store = Embedded::default();
        let rate = Rate::new(1, 1);
        let start = Instant::now();
        let regular = ip("192.0.2.7");
        assert!(store.take(Scope::Client, rate, &[regular], start).is_ok());
        for n in 0..(MAX_BUCKETS as u32 * 3) {
            let key = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + n));
            assert!(store.take(Scope::Client, rate, &[key], start).is_ok());
            // A regular client stays limited while the flood goes on: it is seen often
            // enough to stay in the current generation.
            if n % 1000 == 0 {
                assert!(
                    store.take(Scope::Client, rate, &[regular], start).is_err(),
                    "after {n} other keys"
                );
            }
        }
        let tracked = store.tracked(Scope::Client);
        assert!(tracked <= MAX_BUCKETS, "{tracked}");
    }
}
