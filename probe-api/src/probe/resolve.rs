//! Turning a host into the addresses the probe will contact — once, before any connection.
//!
//! Names are asked over DNS with hickory ([`Dns`]: the system's `/etc/resolv.conf`, or the
//! configured `dns_server`) under a deadline, never through `getaddrinfo` on tokio's blocking
//! pool, which a burst of slow lookups could fill. Static overrides (`--resolve NAME=ADDR`, like
//! curl's, then the names of a hosts file: `hosts_file`, `/etc/hosts` for `probe-api check`) come
//! first, so tests and admins can point a name at a server without touching DNS. Every later connection uses the addresses returned here: nothing resolves
//! a name twice, so DNS rebinding has nothing to rebind. A name whose CNAME chain leads into a
//! reserved domain (`db.internal`, `localhost`) is refused like that domain
//! ([`ResolveError::ReservedAlias`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

use mailtls_shared::{Host, Hostname};

use super::domain::dns::{Answer, Dns, DnsError};

/// Most addresses probed per name; load-balanced pools can differ per address.
pub const MAX_ADDRESSES: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResolveError {
    #[error("no address found for {0}")]
    NotFound(String),
    #[error("looking up {name} took longer than {seconds} s")]
    Timeout { name: String, seconds: u64 },
    #[error("looking up {name} failed: {detail}")]
    Failed { name: String, detail: String },
    /// The name is an alias (CNAME) of a name in a reserved domain.
    #[error("{name} is an alias of {alias}, in the reserved domain .{domain}")]
    ReservedAlias {
        name: String,
        alias: String,
        domain: &'static str,
    },
}

/// Resolves host names to addresses.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    overrides: HashMap<Hostname, Vec<IpAddr>>,
    timeout: Duration,
    dns: Option<Arc<Dns>>,
}

impl Resolver {
    /// A resolver using the system's configuration, with a deadline per lookup.
    pub fn new(timeout: Duration) -> Self {
        Resolver {
            overrides: HashMap::new(),
            timeout,
            dns: None,
        }
    }

    /// Asks `dns` for names (overrides still come first). Without it, names are not found.
    pub fn with_dns(mut self, dns: Arc<Dns>) -> Self {
        self.dns = Some(dns);
        self
    }

    /// Answers `name` with `address` without asking DNS (may be given several times per name).
    pub fn with_override(mut self, name: Hostname, address: IpAddr) -> Self {
        let addresses = self.overrides.entry(name).or_default();
        if !addresses.contains(&address) {
            addresses.push(address);
        }
        self
    }

    /// Whether `name` is answered by an override rather than DNS.
    pub fn is_overridden(&self, name: &Hostname) -> bool {
        self.overrides.contains_key(name)
    }

    /// The addresses of `host`, IPv4 and IPv6, deduplicated, at most [`MAX_ADDRESSES`].
    pub async fn resolve(&self, host: &Host) -> Result<Vec<IpAddr>, ResolveError> {
        let name = match host {
            Host::Ip(ip) => return Ok(vec![ip.to_canonical()]),
            Host::Name(name) => name,
        };
        if let Some(addresses) = self.overrides.get(name) {
            return Ok(addresses.iter().take(MAX_ADDRESSES).copied().collect());
        }
        let Some(dns) = &self.dns else {
            return Err(ResolveError::NotFound(name.to_string()));
        };
        // The lookups have the resolver's own deadline each; this one only guards the whole
        // (A, AAAA and the CNAME walk at once), with room for all three.
        let lookup = tokio::time::timeout(self.timeout * 2, dns.addresses_and_aliases(name));
        let Ok((answer, aliases)) = lookup.await else {
            return Err(ResolveError::Timeout {
                name: name.to_string(),
                seconds: self.timeout.as_secs(),
            });
        };
        // An alias into a reserved domain is refused like a name there; one that stays in the
        // reserved domain of a name admitted already (with `allow_reserved_names`, a lab's
        // `.test` name) is not.
        let own = super::policy::reserved_domain(name.as_str());
        for alias in &aliases {
            let reserved = super::policy::reserved_domain(alias);
            if let Some(domain) = reserved.filter(|domain| Some(*domain) != own) {
                return Err(ResolveError::ReservedAlias {
                    name: name.to_string(),
                    alias: alias.clone(),
                    domain,
                });
            }
        }
        match answer {
            Err(DnsError::Timeout { .. }) => Err(ResolveError::Timeout {
                name: name.to_string(),
                seconds: self.timeout.as_secs(),
            }),
            Err(error) => Err(ResolveError::Failed {
                name: name.to_string(),
                detail: error.to_string(),
            }),
            Ok(Answer::Records(found)) => {
                let mut addresses: Vec<IpAddr> = Vec::new();
                for ip in found.into_iter().map(|ip| ip.to_canonical()) {
                    if !addresses.contains(&ip) {
                        addresses.push(ip);
                    }
                }
                addresses.truncate(MAX_ADDRESSES);
                Ok(addresses)
            }
            Ok(Answer::NoRecords | Answer::NoDomain) => {
                Err(ResolveError::NotFound(name.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn overrides_and_literals_need_no_dns() {
        let name = Hostname::parse("mail.example.test").unwrap();
        let resolver = Resolver::new(Duration::from_secs(1))
            .with_override(name.clone(), "127.0.0.1".parse().unwrap())
            .with_override(name.clone(), "127.0.0.1".parse().unwrap())
            .with_override(name.clone(), "::1".parse().unwrap());
        assert_eq!(
            resolver.resolve(&Host::Name(name)).await.unwrap(),
            vec![
                "127.0.0.1".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        let literal = Host::parse("[::ffff:192.0.2.1]").unwrap();
        assert_eq!(
            resolver.resolve(&literal).await.unwrap(),
            vec!["192.0.2.1".parse::<IpAddr>().unwrap()]
        );
    }
}
