//! Which addresses and ports the probe may contact.
//!
//! The probe connects wherever a visitor points it, so by default it contacts only globally
//! routable unicast addresses on the seven mail ports. The deny tables below follow the IANA
//! special-purpose registries (RFC 6890/8190): every special block is refused whatever its
//! "globally reachable" flag says, because a mail server never lives there. For IPv6 only
//! `2000::/3` is allowed, which by itself excludes loopback, IPv4-mapped and -compatible
//! addresses, NAT64, ULA (including cloud metadata `fd00:ec2::254`), link- and site-local and
//! multicast.
//!
//! Tests and internal deployments admit ranges explicitly with [`AddressPolicy::allow`]; the
//! classifier itself is never weakened.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use mailtls_shared::{Host, Hostname, Scheme};

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied(pub &'static str);

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8, why: &'static str) -> (u32, u8, &'static str) {
    (u32::from_be_bytes([a, b, c, d]), len, why)
}

/// IPv4 special-purpose blocks, multicast and class E.
const V4_DENY: &[(u32, u8, &str)] = &[
    v4(0, 0, 0, 0, 8, "\"this network\" (0.0.0.0/8)"),
    v4(10, 0, 0, 0, 8, "private network (RFC 1918)"),
    v4(100, 64, 0, 0, 10, "carrier-grade NAT (RFC 6598)"),
    v4(127, 0, 0, 0, 8, "loopback"),
    v4(169, 254, 0, 0, 16, "link-local / cloud metadata"),
    v4(172, 16, 0, 0, 12, "private network (RFC 1918)"),
    v4(192, 0, 0, 0, 24, "IETF protocol assignments"),
    v4(192, 0, 2, 0, 24, "documentation (TEST-NET-1)"),
    v4(192, 31, 196, 0, 24, "AS112"),
    v4(192, 52, 193, 0, 24, "AMT relay"),
    v4(192, 88, 99, 0, 24, "6to4 relay anycast"),
    v4(192, 168, 0, 0, 16, "private network (RFC 1918)"),
    v4(192, 175, 48, 0, 24, "AS112 direct delegation"),
    v4(198, 18, 0, 0, 15, "benchmarking"),
    v4(198, 51, 100, 0, 24, "documentation (TEST-NET-2)"),
    v4(203, 0, 113, 0, 24, "documentation (TEST-NET-3)"),
    v4(224, 0, 0, 0, 4, "multicast"),
    v4(240, 0, 0, 0, 4, "reserved / broadcast"),
];

const fn v6(p: [u16; 8], len: u8, why: &'static str) -> (u128, u8, &'static str) {
    let mut x: u128 = 0;
    let mut i = 0;
    while i < 8 {
        x = (x << 16) | p[i] as u128;
        i += 1;
    }
    (x, len, why)
}

/// Special blocks inside IPv6 global unicast (`2000::/3`).
const V6_DENY_IN_GLOBAL_UNICAST: &[(u128, u8, &str)] = &[
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF protocol assignments (incl. Teredo)",
    ),
    v6([0x2001, 0x0db8, 0, 0, 0, 0, 0, 0], 32, "documentation"),
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4"),
    v6(
        [0x2620, 0x004f, 0x8000, 0, 0, 0, 0, 0],
        48,
        "AS112 direct delegation",
    ),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation (2024)"),
];

fn in_prefix(addr: u128, net: u128, len: u8, bits: u32) -> bool {
    let shift = bits - u32::from(len);
    len == 0 || (addr >> shift) == (net >> shift)
}

/// Classifies an address on its own: `Err` names the special range it lies in.
pub fn classify(ip: IpAddr) -> Result<(), Denied> {
    match ip {
        IpAddr::V4(v4) => {
            let x = u128::from(u32::from(v4));
            match V4_DENY
                .iter()
                .find(|(net, len, _)| in_prefix(x, u128::from(*net), *len, 32))
            {
                Some((_, _, why)) => Err(Denied(why)),
                None => Ok(()),
            }
        }
        IpAddr::V6(v6) => {
            let x = u128::from(v6);
            if !in_prefix(x, 0x2000_u128 << 112, 3, 128) {
                return Err(Denied(
                    "non-global IPv6 (loopback, mapped, NAT64, ULA, link-local, multicast, …)",
                ));
            }
            match V6_DENY_IN_GLOBAL_UNICAST
                .iter()
                .find(|(net, len, _)| in_prefix(x, *net, *len, 128))
            {
                Some((_, _, why)) => Err(Denied(why)),
                None => Ok(()),
            }
        }
    }
}

/// Domains that are never a public mail server (RFC 6761, RFC 6762, RFC 8375, RFC 7686, and the
/// `internal` TLD): asking the resolver about them could only reach local or private services.
const RESERVED_SUFFIXES: &[&str] = &[
    "localhost",
    "local",
    "internal",
    "home.arpa",
    "invalid",
    "test",
    "example",
    "onion",
    "lan",
    "intranet",
    "corp",
    "localdomain",
];

/// Whether `name` lies in a reserved or private-use domain; `Err` names the domain.
pub fn check_name(name: &Hostname) -> Result<(), &'static str> {
    match reserved_domain(name.as_str()) {
        Some(suffix) => Err(suffix),
        None => Ok(()),
    }
}

/// The reserved domain a DNS name (lowercase, without the trailing dot) lies in, if any: also
/// for names a `Hostname` would not take, such as a CNAME target `localhost`.
pub fn reserved_domain(name: &str) -> Option<&'static str> {
    RESERVED_SUFFIXES
        .iter()
        .find(|suffix| name == **suffix || name.ends_with(&format!(".{suffix}")))
        .copied()
}

/// The address and port rules one probe run follows.
#[derive(Debug, Clone)]
pub struct AddressPolicy {
    allowed_ranges: Vec<IpNet>,
    allowed_ports: Vec<u16>,
    any_port: bool,
    reserved_names: bool,
    /// Provider mode: when not empty, only names at or under these domains may be checked.
    provider_domains: Vec<Hostname>,
}

impl Default for AddressPolicy {
    /// Safe for the public internet: global addresses only, the seven mail ports only.
    fn default() -> Self {
        AddressPolicy {
            allowed_ranges: Vec::new(),
            allowed_ports: Scheme::ALL.iter().map(|s| s.default_port()).collect(),
            any_port: false,
            reserved_names: false,
            provider_domains: Vec::new(),
        }
    }
}

impl AddressPolicy {
    /// Admits every address and port: for the admin's own command line, never for the service.
    pub fn allow_everything() -> Self {
        AddressPolicy {
            allowed_ranges: vec![
                IpNet::V4(ipnet::Ipv4Net::default()),
                IpNet::V6(ipnet::Ipv6Net::default()),
            ],
            allowed_ports: Vec::new(),
            any_port: true,
            reserved_names: true,
            provider_domains: Vec::new(),
        }
    }

    /// Admits a range the classifier would refuse (tests, internal deployments).
    pub fn allow(mut self, range: IpNet) -> Self {
        self.allowed_ranges.push(range);
        self
    }

    /// Admits names in reserved domains (`.test`, `.internal`, …): tests and internal setups.
    pub fn allow_reserved_names(mut self) -> Self {
        self.reserved_names = true;
        self
    }

    /// Admits more ports than the seven mail ports (tests run servers on ephemeral ports).
    pub fn allow_ports(mut self, ports: &[u16]) -> Self {
        self.allowed_ports.extend_from_slice(ports);
        self
    }

    /// Provider mode: only names at or under `domains` (e.g. `mxp.de` admits `mail.mxp.de`) may
    /// be checked; IP literals never. An empty list admits every public name.
    pub fn only_domains(mut self, domains: &[Hostname]) -> Self {
        self.provider_domains = domains.to_vec();
        self
    }

    /// The provider's domains (empty unless in provider mode).
    pub fn provider_domains(&self) -> &[Hostname] {
        &self.provider_domains
    }

    /// Whether provider mode admits `host`.
    pub fn check_provider_domain(&self, host: &Host) -> bool {
        if self.provider_domains.is_empty() {
            return true;
        }
        let Host::Name(name) = host else {
            return false;
        };
        let name = name.as_str();
        self.provider_domains.iter().any(|domain| {
            let domain = domain.as_str();
            name == domain
                || name
                    .strip_suffix(domain)
                    .is_some_and(|head| head.ends_with('.'))
        })
    }

    /// Whether the probe may connect to this address.
    pub fn check_address(&self, ip: IpAddr) -> Result<(), Denied> {
        let ip = ip.to_canonical();
        if self.allowed_ranges.iter().any(|range| range.contains(&ip)) {
            return Ok(());
        }
        classify(ip)
    }

    /// Whether names in reserved domains (`.local`, `.internal`, …) may be resolved: only for the
    /// admin's own command line.
    pub fn allows_reserved_names(&self) -> bool {
        self.reserved_names
    }

    /// Whether the probe may connect to this port.
    pub fn check_port(&self, port: u16) -> bool {
        self.any_port || self.allowed_ports.contains(&port)
    }

    /// The admitted extra ranges, for the startup log.
    pub fn allowed_ranges(&self) -> &[IpNet] {
        &self.allowed_ranges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_mode_admits_only_names_under_its_domains() {
        let domain = |name: &str| Hostname::parse(name).expect("domain");
        let host = |name: &str| Host::parse(name).expect("host");
        let policy = AddressPolicy::default().only_domains(&[domain("mxp.de"), domain("mxp.test")]);
        for admitted in [
            "mxp.de",
            "mail.mxp.de",
            "login.mxp.de",
            "a.b.mxp.test",
            "MAIL.MXP.DE",
        ] {
            assert!(policy.check_provider_domain(&host(admitted)), "{admitted}");
        }
        for refused in [
            "xmxp.de",
            "mxp.de.evil.example",
            "mail.mxp.com",
            "193.99.144.80",
            "[2001:db8::1]",
        ] {
            assert!(!policy.check_provider_domain(&host(refused)), "{refused}");
        }
        assert!(AddressPolicy::default().check_provider_domain(&host("mail.example.com")));
    }

    #[test]
    fn every_deny_row_is_enforced_and_its_neighbours_are_not() {
        for (net, len, why) in V4_DENY {
            let first = IpAddr::from(net.to_be_bytes());
            let last = IpAddr::from((net | (u32::MAX >> len)).to_be_bytes());
            assert_eq!(classify(first), Err(Denied(why)), "{first}");
            assert_eq!(classify(last), Err(Denied(why)), "{last}");
        }
        for (net, len, why) in V6_DENY_IN_GLOBAL_UNICAST {
            let first = IpAddr::from(net.to_be_bytes());
            let last = IpAddr::from((net | (u128::MAX >> len)).to_be_bytes());
            assert_eq!(classify(first), Err(Denied(why)), "{first}");
            assert_eq!(classify(last), Err(Denied(why)), "{last}");
        }
    }

    #[test]
    fn vectors() {
        let cases = [
            ("1.1.1.1", true),
            ("9.255.255.255", true),
            ("11.0.0.0", true),
            ("100.63.255.255", true),
            ("100.128.0.0", true),
            ("172.15.255.255", true),
            ("172.32.0.0", true),
            ("223.255.255.255", true),
            ("2a00:1450:4001::1", true),
            ("2001:4860::8888", true),
            ("0.0.0.0", false),
            ("127.0.0.1", false),
            ("10.1.2.3", false),
            ("100.100.100.200", false),
            ("169.254.169.254", false),
            ("192.168.1.1", false),
            ("255.255.255.255", false),
            ("::", false),
            ("::1", false),
            ("::ffff:127.0.0.1", false),
            ("::127.0.0.1", false),
            ("64:ff9b::a9fe:a9fe", false),
            ("fd00:ec2::254", false),
            ("fe80::1", false),
            ("fec0::1", false),
            ("ff02::1", false),
            ("2001::1", false),
            ("2001:db8::1", false),
            ("2002:7f00:1::", false),
            ("3fff::1", false),
        ];
        for (ip, allowed) in cases {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(
                AddressPolicy::default().check_address(ip).is_ok(),
                allowed,
                "{ip}"
            );
        }
    }

    #[test]
    fn explicit_ranges_admit_only_themselves() {
        let policy = AddressPolicy::default().allow("127.0.0.0/8".parse().unwrap());
        assert!(policy.check_address("127.0.0.1".parse().unwrap()).is_ok());
        assert!(
            policy
                .check_address("::ffff:127.0.0.1".parse().unwrap())
                .is_ok()
        );
        assert!(policy.check_address("10.0.0.1".parse().unwrap()).is_err());
        assert!(policy.check_address("::1".parse().unwrap()).is_err());
    }

    #[test]
    fn reserved_names() {
        let cases = [
            ("printer.local", Err("local")),
            ("db.internal", Err("internal")),
            ("nas.home.arpa", Err("home.arpa")),
            ("mail.example.test", Err("test")),
            ("x.onion", Err("onion")),
            ("mail.mxp.de", Ok(())),
            ("mail.localhost.de", Ok(())),
            ("mail.testing.com", Ok(())),
        ];
        for (name, expected) in cases {
            assert_eq!(
                check_name(&Hostname::parse(name).unwrap()),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn ports() {
        let policy = AddressPolicy::default();
        assert!(policy.check_port(993) && policy.check_port(25));
        assert!(!policy.check_port(22) && !policy.check_port(8080));
        assert!(policy.allow_ports(&[10993]).check_port(10993));
        let everything = AddressPolicy::allow_everything();
        assert!(everything.check_port(22));
        for ip in ["127.0.0.1", "10.0.0.1", "::1", "fe80::1", "8.8.8.8"] {
            assert!(
                everything.check_address(ip.parse().unwrap()).is_ok(),
                "{ip}"
            );
        }
    }
}
