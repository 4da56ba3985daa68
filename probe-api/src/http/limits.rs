//! Rate limits: who is limited (per client, per target address) and at which rates.
//!
//! A client is its IP address, IPv6 clients by their /64 (one subscriber usually holds a whole
//! /64). Behind a reverse proxy the address comes from `X-Forwarded-For` — but only when the
//! socket's peer is a configured trusted proxy, and then the rightmost entry that is not itself
//! a trusted proxy: everything left of it the client wrote itself. Addresses are compared in
//! canonical form (`::ffff:10.0.0.1` on a dual-stack socket is `10.0.0.1`), and an entry that is
//! not an address ends the trusted chain: the last trusted hop is then the client.
//!
//! The buckets themselves live in the [`crate::store`]: in this process, or shared by every
//! replica of a fleet.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::store::Rate;

/// The limits the service applies, from its configuration.
#[derive(Debug)]
pub struct Limits {
    /// Checks a client may ask for.
    pub per_client: Rate,
    /// Checks a mail server's address may receive (politeness).
    pub per_target: Rate,
    pub trusted_proxies: Vec<IpNet>,
    /// Clients that may read `/metrics` (loopback by default).
    pub metrics_from: Vec<IpNet>,
}

/// Who may read `/metrics` unless configured otherwise: this host only.
pub fn loopback() -> Vec<IpNet> {
    ["127.0.0.0/8", "::1/128"]
        .iter()
        .filter_map(|range| range.parse().ok())
        .collect()
}

impl Default for Limits {
    /// 10 checks a minute per client (5 at once), 30 a minute per mail server address (10 at
    /// once), no trusted proxies.
    fn default() -> Self {
        Limits {
            per_client: Rate::new(10, 5),
            per_target: Rate::new(30, 10),
            trusted_proxies: Vec::new(),
            metrics_from: loopback(),
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

/// Whether the socket peer is one of the trusted proxies (compared in canonical form).
pub fn is_trusted(peer: IpAddr, trusted_proxies: &[IpNet]) -> bool {
    let peer = peer.to_canonical();
    trusted_proxies.iter().any(|net| net.contains(&peer))
}

/// The client's address: the socket peer, or, when the peer is a trusted proxy, the rightmost
/// `X-Forwarded-For` entry that is not a trusted proxy. Walking from the right, an entry that
/// is not an address (or a header that is not text) ends the walk at the last trusted hop: a
/// trusted proxy writes addresses, so anything else was written by someone we do not trust.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return peer;
    }
    // Several header lines count as one list, in order.
    let mut entries = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        match value.to_str() {
            Ok(value) => entries.extend(value.split(',').map(str::trim)),
            Err(_) => entries.push(""),
        }
    }
    let mut client = peer;
    for entry in entries.into_iter().rev() {
        let Some(address) = forwarded_address(entry) else {
            break;
        };
        client = address;
        if !trusted(&address) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry as an address: `192.0.2.1`, `2001:db8::1`, and the forms some
/// proxies write with a port (`192.0.2.1:4711`, `[2001:db8::1]:4711`); canonical (an IPv4-mapped
/// IPv6 address is its IPv4 address).
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .map(|address| address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn forwarded_for_is_walked_right_to_left_and_stops_at_what_is_not_an_address() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let with = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append("x-forwarded-for", value.parse().unwrap());
            }
            headers
        };
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        let cases: [(&str, &[&str], &str); 8] = [
            // On a dual-stack socket the proxy is `::ffff:10.0.0.1`: still trusted.
            ("::ffff:10.0.0.1", &["198.51.100.9"], "198.51.100.9"),
            // A mapped client address is its IPv4 address.
            ("10.0.0.1", &["::ffff:198.51.100.9"], "198.51.100.9"),
            // Garbage the client wrote left of the address its proxy appended changes nothing.
            (
                "10.0.0.1",
                &["6.6.6.6, nonsense, 198.51.100.9"],
                "198.51.100.9",
            ),
            // Garbage where a trusted proxy should have written an address: the last trusted
            // hop is the client, never the spoofable entry left of the garbage.
            ("10.0.0.1", &["6.6.6.6, unknown"], "10.0.0.1"),
            ("10.0.0.1", &["6.6.6.6, unknown, 10.0.0.2"], "10.0.0.2"),
            // Several header lines are one list.
            (
                "10.0.0.1",
                &["6.6.6.6", "198.51.100.9, 10.0.0.3"],
                "198.51.100.9",
            ),
            // Ports written by some proxies.
            ("10.0.0.1", &["[2001:db8::7]:4711"], "2001:db8::7"),
            ("10.0.0.1", &["198.51.100.9:4711"], "198.51.100.9"),
        ];
        for (peer, values, expected) in cases {
            let got = client_address(ip(peer), &with(values), &proxies);
            assert_eq!(got, ip(expected), "{peer} {values:?}");
        }
        // An untrusted mapped peer is reported canonically and its header is ignored.
        assert_eq!(
            client_address(ip("::ffff:203.0.113.5"), &with(&["6.6.6.6"]), &proxies),
            ip("203.0.113.5")
        );
    }
}
