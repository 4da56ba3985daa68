//! Politeness to mail servers: at most [`super::ProbeSettings::connections_per_address`]
//! connections are open to one destination at a time — across every check this engine runs at
//! once, every endpoint and name of a check, the client simulation and the MTA-STS fetch. An
//! IPv6 destination counts by its /64: one server's addresses usually share one.
//!
//! The slots live only while someone holds them (weak entries), so the map is as large as the
//! number of destinations being contacted right now, and is swept as it grows.
//!
//! Above them, one cap counts every outbound connection of this engine
//! ([`super::ProbeSettings::max_outbound_connections`]), sized at start to fit the process's
//! file-descriptor limit: the probe never meets `EMFILE`, it waits for a socket instead, and a
//! check that cannot get one in time is this host's overload, never a verdict about a server.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::Semaphore;

/// Per-destination connection slots shared by all checks of one engine.
#[derive(Debug)]
pub struct AddressSlots {
    per_address: usize,
    slots: Mutex<Slots>,
    outbound: Arc<Semaphore>,
}

#[derive(Debug, Default)]
struct Slots {
    by_key: HashMap<IpAddr, Weak<Semaphore>>,
    /// Size at which the map is next swept of slots nobody holds.
    sweep_at: usize,
}

/// Sweeping starts at this many entries, and then at twice what survived the last sweep.
const FIRST_SWEEP: usize = 256;

impl AddressSlots {
    /// `per_address` connections per destination, `outbound` in all.
    pub fn new(per_address: usize, outbound: usize) -> Self {
        AddressSlots {
            per_address: per_address.max(1),
            slots: Mutex::new(Slots {
                by_key: HashMap::new(),
                sweep_at: FIRST_SWEEP,
            }),
            outbound: Arc::new(Semaphore::new(outbound.max(1))),
        }
    }

    /// One of the engine's outbound sockets, waited for until `deadline`; `None` when none
    /// came free in time (this host is overloaded).
    pub async fn outbound(
        &self,
        deadline: tokio::time::Instant,
    ) -> Option<tokio::sync::OwnedSemaphorePermit> {
        tokio::time::timeout_at(deadline, self.outbound.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }

    /// Outbound sockets free now.
    pub fn outbound_free(&self) -> usize {
        self.outbound.available_permits()
    }

    /// The slots of `address`'s destination (shared with everyone contacting it now).
    pub fn of(&self, address: IpAddr) -> Arc<Semaphore> {
        let key = destination(address);
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(shared) = slots.by_key.get(&key).and_then(Weak::upgrade) {
            return shared;
        }
        if slots.by_key.len() >= slots.sweep_at {
            slots.by_key.retain(|_, slot| slot.strong_count() > 0);
            slots.sweep_at = (slots.by_key.len() * 2).max(FIRST_SWEEP);
        }
        let fresh = Arc::new(Semaphore::new(self.per_address));
        slots.by_key.insert(key, Arc::downgrade(&fresh));
        fresh
    }

    /// How many destinations have slots in the map now (held or not yet swept).
    pub fn tracked(&self) -> usize {
        self.slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .by_key
            .len()
    }
}

/// The destination an address counts for: itself, IPv6 cut to its /64.
pub fn destination(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1_u128 << 64) - 1))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_destination_shares_its_slots_and_a_64_is_one_destination() {
        let slots = AddressSlots::new(2, 16);
        let a = slots.of("192.0.2.1".parse().unwrap());
        let b = slots.of("192.0.2.1".parse().unwrap());
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.available_permits(), 2);
        let v6 = slots.of("2001:db8:1:2::25".parse().unwrap());
        let same_64 = slots.of("2001:db8:1:2:ffff::1".parse().unwrap());
        let other_64 = slots.of("2001:db8:1:3::25".parse().unwrap());
        assert!(Arc::ptr_eq(&v6, &same_64));
        assert!(!Arc::ptr_eq(&v6, &other_64));
        assert!(Arc::ptr_eq(
            &slots.of("::ffff:192.0.2.1".parse().unwrap()),
            &a
        ));
    }

    #[test]
    fn slots_nobody_holds_are_swept_so_the_map_stays_small() {
        let slots = AddressSlots::new(2, 16);
        for n in 0..100_000u32 {
            let _held_briefly = slots.of(IpAddr::from(std::net::Ipv4Addr::from(n)));
        }
        assert!(slots.tracked() <= 2 * FIRST_SWEEP, "{}", slots.tracked());
        // A held slot survives every sweep and stays shared.
        let held = slots.of("198.51.100.7".parse().unwrap());
        for n in 0..10_000u32 {
            let _ = slots.of(IpAddr::from(std::net::Ipv4Addr::from(n)));
        }
        assert!(Arc::ptr_eq(
            &held,
            &slots.of("198.51.100.7".parse().unwrap())
        ));
    }
}
