//! Rate limits: per client and per target address, as token buckets.
//!
//! A client is its IP address, IPv6 clients by their /64 (one subscriber usually holds a whole
//! /64). Behind a reverse proxy the address comes from `X-Forwarded-For` — but only when the
//! socket's peer is a configured trusted proxy, and then the rightmost entry that is not itself
//! a trusted proxy: everything left of it the client wrote itself.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::Duration;

use axum::http::HeaderMap;
use ipnet::IpNet;
use tokio::time::Instant;

/// Most buckets kept; beyond it, full (idle) buckets are forgotten.
const MAX_BUCKETS: usize = 100_000;

/// The limits the service applies, from its configuration.
#[derive(Debug)]
pub struct Limits {
    pub per_client: Limiter,
    pub per_target: Limiter,
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for Limits {
    /// 10 checks a minute per client (5 at once), 30 a minute per mail server address (10 at
    /// once), no trusted proxies.
    fn default() -> Self {
        Limits {
            per_client: Limiter::new(10, 5),
            per_target: Limiter::new(30, 10),
            trusted_proxies: Vec::new(),
        }
    }
}

/// Token buckets keyed by address.
#[derive(Debug)]
pub struct Limiter {
    per_minute: u32,
    burst: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Limiter {
    /// `per_minute` requests per minute on average, up to `burst` at once; 0 disables the limit.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Limiter {
            per_minute,
            burst: burst.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key` at `now`; `Err` says how long until one is free.
    pub fn take(&self, key: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let rate = f64::from(self.per_minute) / 60.0;
        let burst = f64::from(self.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * rate < burst
            });
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let refilled = bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * rate;
        bucket.tokens = refilled.min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                ((1.0 - bucket.tokens) / rate).ceil().max(1.0),
            ))
        }
    }
}

/// The key a client is limited under: its address, IPv6 cut to the /64.
pub fn client_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1_u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

/// The client's address: the socket peer, or, when the peer is a trusted proxy, the rightmost
/// `X-Forwarded-For` entry that is not a trusted proxy.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpNet]) -> IpAddr {
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_over_time() {
        let limiter = Limiter::new(6, 2);
        let start = Instant::now();
        let key: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(limiter.take(key, start).is_ok());
        assert!(limiter.take(key, start).is_ok());
        assert_eq!(limiter.take(key, start), Err(Duration::from_secs(10)));
        // Another client is not affected.
        assert!(limiter.take("192.0.2.8".parse().unwrap(), start).is_ok());
        assert!(limiter.take(key, start + Duration::from_secs(10)).is_ok());
        assert!(Limiter::new(0, 1).take(key, start).is_ok(), "0 disables");
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        let a = client_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = client_key("2001:db8:1:2:bbbb::2".parse().unwrap());
        let c = client_key("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            client_key("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn forwarded_for_counts_only_behind_trusted_proxies() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "6.6.6.6, 198.51.100.9, 10.0.0.2".parse().unwrap(),
        );
        let cases = [
            // A direct client cannot claim another address.
            ("203.0.113.5", "203.0.113.5"),
            // Behind the proxy: the rightmost untrusted entry, not the spoofable leftmost.
            ("10.0.0.1", "198.51.100.9"),
        ];
        for (peer, expected) in cases {
            let got = client_address(peer.parse().unwrap(), &headers, &proxies);
            assert_eq!(got, expected.parse::<IpAddr>().unwrap(), "{peer}");
        }
        assert_eq!(
            client_address("10.0.0.1".parse().unwrap(), &HeaderMap::new(), &proxies),
            "10.0.0.1".parse::<IpAddr>().unwrap()
        );
    }
}
