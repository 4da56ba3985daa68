//! Politeness to mail servers: at most [`super::ProbeSettings::connections_per_address`]
//! connections are open to one destination at a time — across every check this engine runs at
//! once, every endpoint and name of a check, the client simulation and the MTA-STS fetch, and,
//! when the service runs as several replicas on a shared store, across all of them. An IPv6
//! destination counts by its /64: one server's addresses usually share one.
//!
//! The slots themselves are the [`crate::store`]'s: semaphores in this process (embedded), or
//! leases on Redis/Valkey that expire by themselves at the deadline they were taken for.
//!
//! Above them, one cap counts every outbound connection of this engine
//! ([`super::ProbeSettings::max_outbound_connections`]), sized at start to fit the process's
//! file-descriptor limit: the probe never meets `EMFILE`, it waits for a socket instead, and a
//! check that cannot get one in time is this host's overload, never a verdict about a server.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::store::{Lease, Store, StoreError};

/// Per-destination connection slots shared by all checks of one engine (and, on a shared
/// store, of every replica).
#[derive(Debug)]
pub struct AddressSlots {
    per_address: usize,
    store: Arc<Store>,
    outbound: Arc<Semaphore>,
}

/// Why no slot was had.
#[derive(Debug)]
pub enum NoSlot {
    /// Others held this destination's slots until the deadline.
    Timeout,
    /// The shared store could not be asked.
    Store(StoreError),
}

impl AddressSlots {
    /// `per_address` connections per destination, kept in `store`; `outbound` in all.
    pub fn new(per_address: usize, outbound: usize, store: Arc<Store>) -> Self {
        AddressSlots {
            per_address: per_address.max(1),
            store,
            outbound: Arc::new(Semaphore::new(outbound.max(1))),
        }
    }

    /// One of this engine's outbound sockets, waited for until `deadline`; `None` when none
    /// came free in time (this host is overloaded).
    pub async fn outbound(&self, deadline: Instant) -> Option<tokio::sync::OwnedSemaphorePermit> {
        tokio::time::timeout_at(deadline, self.outbound.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }

    /// Outbound sockets free now.
    pub fn outbound_free(&self) -> usize {
        self.outbound.available_permits()
    }

    /// One of the slots of `address`'s destination, waited for until `deadline`.
    pub async fn acquire(&self, address: IpAddr, deadline: Instant) -> Result<Lease, NoSlot> {
        match self
            .store
            .lease(destination(address), self.per_address, deadline)
            .await
        {
            Ok(Some(lease)) => Ok(lease),
            Ok(None) => Err(NoSlot::Timeout),
            Err(error) => Err(NoSlot::Store(error)),
        }
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
    fn a_64_is_one_destination_and_a_mapped_address_is_its_ipv4_one() {
        let ip = |text: &str| text.parse::<IpAddr>().expect("address");
        assert_eq!(
            destination(ip("2001:db8:1:2::25")),
            destination(ip("2001:db8:1:2:ffff::1"))
        );
        assert_ne!(
            destination(ip("2001:db8:1:2::25")),
            destination(ip("2001:db8:1:3::25"))
        );
        assert_eq!(destination(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }

    #[tokio::test]
    async fn one_destination_shares_its_slots_across_its_addresses() {
        let slots = AddressSlots::new(2, 16, Arc::default());
        let soon = || Instant::now() + std::time::Duration::from_millis(50);
        let _a = slots
            .acquire(ip("2001:db8:1:2::25"), soon())
            .await
            .expect("one");
        let _b = slots
            .acquire(ip("2001:db8:1:2::26"), soon())
            .await
            .expect("two");
        assert!(matches!(
            slots.acquire(ip("2001:db8:1:2:ffff::1"), soon()).await,
            Err(NoSlot::Timeout)
        ));
        assert!(slots.acquire(ip("2001:db8:1:3::25"), soon()).await.is_ok());
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }
}
