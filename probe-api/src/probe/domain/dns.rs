//! DNS beyond "name to address": the MX, TXT and TLSA lookups of a domain check, through
//! hickory-resolver.
//!
//! The resolver is the system's (`/etc/resolv.conf`) unless a server is configured
//! (`dns_server`), never consults the hosts file, and asks absolute names only, so no search
//! domain is ever appended. Every lookup ends by a deadline, and answers are capped: at most
//! [`MAX_RECORDS`] records of a kind are read, and a TXT record longer than [`MAX_TXT_BYTES`] is
//! reported as too long instead of being read. The resolvers are built on first use, so a machine
//! without any DNS configuration can still run host checks.
//!
//! TLSA lookups ([`Dns::tlsa`]) go through a second resolver that validates DNSSEC itself, from
//! the root's trust anchors or the ones configured (`dnssec_trust_anchor`): DANE is only as good
//! as the proof that the records are genuine, so their DNSSEC status is part of the answer.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError as HickoryDnsError, NetError};
use hickory_resolver::proto::dnssec::rdata::DNSSECRData;
use hickory_resolver::proto::dnssec::{Proof, TrustAnchors};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{LowerName, Name, RData, Record, RecordType};
use thiserror::Error;
use tokio::sync::OnceCell;

use mailtls_shared::Hostname;

/// Most records of one kind read from an answer.
pub const MAX_RECORDS: usize = 32;

/// Longest TXT record read (all its strings together); policy records are far shorter.
pub const MAX_TXT_BYTES: usize = 2048;

/// Why a lookup gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DnsError {
    #[error("no usable DNS resolver: {0}")]
    Unavailable(String),
    #[error("looking up {name} ({kind}) took longer than {seconds} s")]
    Timeout {
        name: String,
        kind: &'static str,
        seconds: u64,
    },
    #[error("the DNS server answered {code} for {name} ({kind})")]
    ServerFailure {
        name: String,
        kind: &'static str,
        code: String,
    },
    #[error("looking up {name} ({kind}) failed: {detail}")]
    Failed {
        name: String,
        kind: &'static str,
        detail: String,
    },
}

/// An answer: records, or one of the two ways of having none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    Records(T),
    /// The name exists but has no records of this kind.
    NoRecords,
    /// The name does not exist (`NXDOMAIN`).
    NoDomain,
}

/// One MX record; `exchange` is the host name without the trailing dot (`""` for the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxRecord {
    pub preference: u16,
    pub exchange: String,
}

/// One TXT record: its strings joined, or how long it was when over [`MAX_TXT_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxtRecord {
    Text(Vec<u8>),
    TooLong(usize),
}

/// One TLSA record (RFC 6698): certificate usage, selector, matching type, data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlsa {
    pub usage: u8,
    pub selector: u8,
    pub matching: u8,
    pub data: Vec<u8>,
}

impl std::fmt::Display for Tlsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {} ", self.usage, self.selector, self.matching)?;
        self.data
            .iter()
            .try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

/// What DNSSEC proves about a set of records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dnssec {
    Secure,
    /// Provably unsigned.
    Insecure,
    Bogus(String),
}

/// `name` as a host name: ASCII, lower case, without the trailing dot (`""` for the root).
fn host_name(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

/// What DNSSEC proves about a host's address records.
#[derive(Debug)]
struct AddressProof {
    /// The records and every alias link leading to them.
    security: Dnssec,
    /// The name the alias chain ends at, when the host is an alias.
    expanded: Option<String>,
    /// Whether the host's own alias (CNAME) record is secure.
    alias_secure: bool,
}

/// The weakest proof in an answer for `name` (records and alias chain), and the proof of
/// `name`'s own alias record if it is one. A CNAME synthesised from a DNAME in the same answer
/// carries no signature of its own (RFC 6672 §5.3.1): its DNAME's proof stands for it.
fn chain_proofs(answers: &[Record], name: &str) -> (Proof, Option<Proof>) {
    let dname_over = |record: &Record| {
        answers.iter().find(|dname| {
            dname.record_type() == RecordType::DNAME
                && dname.name != record.name
                && dname.name.zone_of(&record.name)
        })
    };
    let proof_of = |record: &Record| match record.record_type() {
        RecordType::CNAME => dname_over(record).map_or(record.proof, |dname| dname.proof),
        _ => record.proof,
    };
    let weakest = answers
        .iter()
        .map(proof_of)
        .min()
        .unwrap_or(Proof::Indeterminate);
    let name = name.trim_end_matches('.');
    let alias = answers
        .iter()
        .find(|record| {
            record.record_type() == RecordType::CNAME
                && host_name(&record.name).eq_ignore_ascii_case(name)
        })
        .map(proof_of);
    (weakest, alias)
}

/// What a validating lookup's answer proves, for `what` (`the MX records of firma.de`).
fn security(answer: Validated, what: &str) -> Dnssec {
    match answer {
        Validated::Records {
            proof: Proof::Secure,
            ..
        } => Dnssec::Secure,
        Validated::Records {
            proof: Proof::Insecure,
            ..
        }
        | Validated::Insecure
        | Validated::None => Dnssec::Insecure,
        Validated::Records { proof, .. } => {
            Dnssec::Bogus(format!("{what} are {proof} under DNSSEC"))
        }
        Validated::Bogus(detail) => Dnssec::Bogus(detail),
    }
}

/// What DNSSEC says about an MX host's TLSA records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsaAnswer {
    /// Validated records, found at `_25._tcp.BASE`: the MX host's name, or the name it is a
    /// secure alias (CNAME) of.
    Records { base: String, records: Vec<Tlsa> },
    /// The zone is signed and has no TLSA records here.
    NoRecords,
    /// The zone is not signed (provably insecure): DANE is not possible.
    Unsigned,
    /// Signatures or proofs do not validate.
    Bogus(String),
}

/// Why the one versioned record could not be taken from a TXT answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordChoice {
    /// More than one record carries the version.
    Several(usize),
    /// The record was over [`MAX_TXT_BYTES`] (its length).
    TooLong(usize),
    NotText,
}

/// The single TXT record among `records` that starts with `version` as a whole field (the policy
/// records `v=STSv1;` and `v=TLSRPTv1;`), as text; `Ok(None)` when there is none. A record too
/// long to read counts: whether it carries the version cannot be told.
pub fn versioned_record<'a>(
    records: &[Result<&'a [u8], usize>],
    version: &[u8],
) -> Result<Option<&'a str>, RecordChoice> {
    let candidates: Vec<&Result<&[u8], usize>> = records
        .iter()
        .filter(|record| match record {
            Ok(text) => has_version(text, version),
            Err(_) => true,
        })
        .collect();
    match candidates.as_slice() {
        [] => Ok(None),
        [Ok(text)] => std::str::from_utf8(text)
            .map(Some)
            .map_err(|_| RecordChoice::NotText),
        [Err(len)] => Err(RecordChoice::TooLong(*len)),
        several => Err(RecordChoice::Several(several.len())),
    }
}

/// Whether a TXT record starts with `version` as a whole field (`v=STSv1;`, not `v=STSv10`).
pub fn has_version(text: &[u8], version: &[u8]) -> bool {
    text.strip_prefix(version).is_some_and(|rest| {
        rest.first()
            .is_none_or(|b| *b == b';' || b.is_ascii_whitespace())
    })
}

/// Where lookups go and how long they may take.
/// Most CNAME hops followed when a name's alias chain is walked (RFC 1034 resolvers stop
/// around 8 to 16; a longer chain is a loop or an attack).
const MAX_CNAME_HOPS: usize = 8;

#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// A DNS server (UDP and TCP) instead of the system's configuration.
    pub server: Option<SocketAddr>,
    /// Deadline for one lookup, retries included.
    pub timeout: Duration,
    /// DNSKEY records (zone-file lines with TTL and class) trusted for DNSSEC instead of the
    /// root's keys: private roots and tests.
    pub trust_anchor: Option<PathBuf>,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            server: None,
            timeout: Duration::from_secs(5),
            trust_anchor: None,
        }
    }
}

/// The domain check's resolvers. Cheap to share; built on first use.
pub struct Dns {
    config: DnsConfig,
    // Built on first success; a failure (no resolver configuration yet) is tried again next time.
    resolver: OnceCell<Arc<TokioResolver>>,
    /// The validating resolver and the trust anchors it was built with.
    validator: OnceCell<(Arc<TokioResolver>, Arc<TrustAnchors>)>,
    /// Why the validator got no secure answer for its trust anchors' own keys (`None`: it did),
    /// and when it was asked: "works" is kept, a problem is asked again after
    /// [`RECHECK_VALIDATION`].
    validates: tokio::sync::Mutex<Option<(Option<String>, std::time::Instant)>>,
}

/// How long a failed DNSSEC self-check stands before it is tried again.
const RECHECK_VALIDATION: Duration = Duration::from_secs(60);

// hickory's `TrustAnchors` has no `Debug`: the configuration says what they are.
impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dns")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Dns {
    pub fn new(config: DnsConfig) -> Self {
        Dns {
            config,
            resolver: OnceCell::new(),
            validator: OnceCell::new(),
            validates: tokio::sync::Mutex::new(None),
        }
    }

    /// Whether DNSSEC validation works from here at all: `None` when the trust anchors' own
    /// DNSKEY records (the root's, or the zones of the configured anchor file) come back secure,
    /// else why not, as a clause for the report's detail. A resolver that strips signatures
    /// makes every answer look bogus; this tells that apart from a zone whose signatures are
    /// really broken. Kept while it works; a problem is asked again after
    /// [`RECHECK_VALIDATION`], so a resolver that comes back is noticed.
    pub async fn validation_problem(&self) -> Option<String> {
        let mut cached = self.validates.lock().await;
        if let Some((problem, asked)) = &*cached
            && (problem.is_none() || asked.elapsed() < RECHECK_VALIDATION)
        {
            return problem.clone();
        }
        let problem = self.self_check().await;
        *cached = Some((problem.clone(), std::time::Instant::now()));
        problem
    }

    async fn self_check(&self) -> Option<String> {
        const NOTHING_VALIDATES: &str = "not even the trust anchors' own keys validate from here \
                                         (the DNS resolver may strip signatures)";
        let Ok(validator) = self.validator().await else {
            return Some(NOTHING_VALIDATES.to_owned());
        };
        let zones = self.anchor_zones();
        for zone in &zones {
            if let Ok(Validated::Records {
                proof: Proof::Secure,
                ..
            }) = self
                .validated(&validator, zone, RecordType::DNSKEY, "DNSKEY")
                .await
            {
                return None;
            }
        }
        for zone in &zones {
            if let Some(problem) = self.unanchored_keys(zone).await {
                return Some(problem);
            }
        }
        Some(NOTHING_VALIDATES.to_owned())
    }

    /// For an anchor file of a zone below the root: the zone's DNSKEY records the file lacks,
    /// said as the reason validation fails. hickory trusts such a zone's key set only when every
    /// key in it is an anchor (it then needs no DS above the zone); with a key-signing key alone,
    /// as unbound accepts, it looks for a DS record the zone has no parent to give, and every
    /// answer of the zone turns bogus. `None` when the file holds them all or they cannot be
    /// read (the general reason stands).
    async fn unanchored_keys(&self, zone: &str) -> Option<String> {
        let path = self.config.trust_anchor.as_ref()?;
        // The anchors the validator really uses (read at its start), not the file as it is now.
        let (_, anchors) = self.validator.get()?;
        let owner = LowerName::from(Name::from_ascii(zone).ok()?);
        if owner.is_root() {
            return None;
        }
        let Ok(Answer::Records(keys)) = self.lookup(zone, RecordType::DNSKEY, "DNSKEY").await
        else {
            return None;
        };
        let missing: Vec<String> = keys
            .iter()
            .filter_map(|data| match data {
                RData::DNSSEC(DNSSECRData::DNSKEY(key))
                    if !anchors.contains_with_name(key.public_key(), &owner) =>
                {
                    let tag = key
                        .calculate_key_tag()
                        .map_or_else(|_| "?".to_owned(), |tag| tag.to_string());
                    Some(format!("key tag {tag}, flags {}", key.flags()))
                }
                _ => None,
            })
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "the trust anchor file {} lacks DNSKEY records that {zone} publishes ({}): for a \
                 zone below the root every DNSKEY the zone publishes must be in the file (a \
                 key-signing key alone is not enough); add them, and update the file at every \
                 key rollover",
                path.display(),
                missing.join("; ")
            )
        })
    }

    /// The zones the trust anchors are for: the root, or the owner names of the DNSKEY records
    /// in the anchor file.
    fn anchor_zones(&self) -> Vec<String> {
        let Some(path) = &self.config.trust_anchor else {
            return vec![".".to_owned()];
        };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut zones: Vec<String> = text
            .lines()
            .filter(|line| !line.trim_start().starts_with(';'))
            .filter(|line| line.split_whitespace().any(|word| word == "DNSKEY"))
            .filter_map(|line| line.split_whitespace().next())
            .map(str::to_ascii_lowercase)
            .collect();
        zones.sort();
        zones.dedup();
        zones
    }

    async fn validator(&self) -> Result<Arc<TokioResolver>, DnsError> {
        self.validator
            .get_or_try_init(|| async {
                build_validating(&self.config)
                    .map(|(resolver, anchors)| (Arc::new(resolver), anchors))
            })
            .await
            .map(|(resolver, _)| resolver.clone())
    }

    /// Whether the MX records of `domain` are DNSSEC-secure: DANE applies to the MX hosts only
    /// then (RFC 7672 §2.2.1). `Ok(None)` when there are no MX records (implicit MX).
    pub async fn mx_security(&self, domain: &Hostname) -> Result<Option<Dnssec>, DnsError> {
        let validator = self.validator().await?;
        let answer = self
            .validated(&validator, domain.as_str(), RecordType::MX, "MX")
            .await?;
        Ok(match answer {
            Validated::None => None,
            other => Some(security(other, &format!("the MX records of {domain}"))),
        })
    }

    /// What DNSSEC says about the address records of `host` (A, else AAAA), CNAME chain
    /// included.
    async fn address_security(
        &self,
        validator: &TokioResolver,
        host: &Hostname,
    ) -> Result<AddressProof, DnsError> {
        for (record_type, kind) in [(RecordType::A, "A"), (RecordType::AAAA, "AAAA")] {
            let answer = self
                .validated(validator, host.as_str(), record_type, kind)
                .await?;
            let (expanded, alias_secure) = match &answer {
                Validated::Records { records, alias, .. } => (
                    records
                        .first()
                        .map(|record| host_name(&record.name))
                        .filter(|owner| !owner.eq_ignore_ascii_case(host.as_str())),
                    *alias == Some(Proof::Secure),
                ),
                _ => (None, false),
            };
            if !matches!(answer, Validated::None) {
                return Ok(AddressProof {
                    security: security(answer, &format!("the {kind} records of {host}")),
                    expanded,
                    alias_secure,
                });
            }
        }
        Ok(AddressProof {
            security: Dnssec::Insecure,
            expanded: None,
            alias_secure: false,
        })
    }

    /// The TLSA records for `host`'s port 25, with what DNSSEC proves about them, looked up as
    /// RFC 7672 §2.2.2 says. Secure address records make DANE possible: when `host` is an alias
    /// (CNAME) the records are looked up at `_25._tcp.` of the name it expands to, then at its
    /// own name. A secure alias of an unsigned name still has its own name's records counted.
    /// Otherwise DANE is not possible here at all.
    pub async fn tlsa(&self, host: &Hostname) -> Result<TlsaAnswer, DnsError> {
        let validator = self.validator().await?;
        let addresses = self.address_security(&validator, host).await?;
        let bases: Vec<&str> = match &addresses.security {
            Dnssec::Bogus(detail) => return Ok(TlsaAnswer::Bogus(detail.clone())),
            Dnssec::Secure => addresses
                .expanded
                .iter()
                .map(String::as_str)
                .chain([host.as_str()])
                .collect(),
            Dnssec::Insecure if addresses.alias_secure => vec![host.as_str()],
            Dnssec::Insecure => return Ok(TlsaAnswer::Unsigned),
        };
        let last = bases.len() - 1;
        for (index, base) in bases.into_iter().enumerate() {
            let name = format!("_25._tcp.{base}");
            let records = match self
                .validated(&validator, &name, RecordType::TLSA, "TLSA")
                .await?
            {
                Validated::None => continue,
                Validated::Records {
                    records,
                    proof: Proof::Secure,
                    ..
                } => records,
                other => match security(other, &format!("the TLSA records of {name}")) {
                    Dnssec::Bogus(detail) => return Ok(TlsaAnswer::Bogus(detail)),
                    // Unsigned records at the alias target: the host's own name is next.
                    Dnssec::Secure | Dnssec::Insecure if index < last => continue,
                    Dnssec::Secure | Dnssec::Insecure => return Ok(TlsaAnswer::Unsigned),
                },
            };
            let records = records
                .iter()
                .filter_map(|record| match &record.data {
                    RData::TLSA(tlsa) => Some(Tlsa {
                        usage: tlsa.cert_usage.into(),
                        selector: tlsa.selector.into(),
                        matching: tlsa.matching.into(),
                        data: tlsa.cert_data.clone(),
                    }),
                    _ => None,
                })
                .take(MAX_RECORDS)
                .collect();
            return Ok(TlsaAnswer::Records {
                base: base.to_owned(),
                records,
            });
        }
        Ok(TlsaAnswer::NoRecords)
    }

    /// A validating lookup: the records of `record_type` with their weakest proof.
    async fn validated(
        &self,
        validator: &TokioResolver,
        name: &str,
        record_type: RecordType,
        kind: &'static str,
    ) -> Result<Validated, DnsError> {
        match self.query(validator, name, record_type, kind).await? {
            Ok(answers) => {
                let (proof, alias) = chain_proofs(&answers, name);
                let records: Vec<Record> = answers
                    .into_iter()
                    .filter(|record| record.record_type() == record_type)
                    .collect();
                Ok(if records.is_empty() {
                    Validated::None
                } else {
                    Validated::Records {
                        records,
                        proof,
                        alias,
                    }
                })
            }
            Err(NetError::Dns(HickoryDnsError::DnssecBogus)) => Ok(Validated::Bogus(format!(
                "DNSSEC validation of {name} ({kind}) failed"
            ))),
            Err(NetError::Dns(HickoryDnsError::Nsec { proof, .. })) => Ok(match proof {
                Proof::Insecure => Validated::Insecure,
                Proof::Secure => Validated::None,
                proof => Validated::Bogus(format!(
                    "the denial of {name} ({kind}) is {proof} under DNSSEC"
                )),
            }),
            Err(error) => match classify::<()>(error, name, kind, self.config.timeout)? {
                Answer::Records(()) | Answer::NoRecords | Answer::NoDomain => Ok(Validated::None),
            },
        }
    }

    /// Whether a DNS server was configured (then it also answers address lookups).
    pub fn server(&self) -> Option<SocketAddr> {
        self.config.server
    }

    async fn resolver(&self) -> Result<Arc<TokioResolver>, DnsError> {
        self.resolver
            .get_or_try_init(|| async { build(&self.config).map(Arc::new) })
            .await
            .cloned()
    }

    /// The MX records of `domain`, in the order the server sent them (the caller sorts and caps;
    /// a DNS message bounds how many there can be).
    pub async fn mx(&self, domain: &Hostname) -> Result<Answer<Vec<MxRecord>>, DnsError> {
        let answer = self.lookup(domain.as_str(), RecordType::MX, "MX").await?;
        Ok(answer.map(|records| {
            records
                .iter()
                .filter_map(|data| match data {
                    RData::MX(mx) => Some(MxRecord {
                        preference: mx.preference,
                        exchange: host_name(&mx.exchange),
                    }),
                    _ => None,
                })
                .collect()
        }))
    }

    /// The TXT records at `name` (e.g. `_mta-sts.firma.de`), each with its strings joined.
    pub async fn txt(&self, name: &str) -> Result<Answer<Vec<TxtRecord>>, DnsError> {
        let answer = self.lookup(name, RecordType::TXT, "TXT").await?;
        Ok(answer.map(|records| {
            records
                .iter()
                .filter_map(|data| match data {
                    RData::TXT(txt) => {
                        let len: usize = txt.txt_data.iter().map(|part| part.len()).sum();
                        Some(if len > MAX_TXT_BYTES {
                            TxtRecord::TooLong(len)
                        } else {
                            TxtRecord::Text(txt.txt_data.concat())
                        })
                    }
                    _ => None,
                })
                .take(MAX_RECORDS)
                .collect()
        }))
    }

    /// The IPv4 and IPv6 addresses of `name`, in the order A then AAAA.
    pub async fn addresses(&self, name: &Hostname) -> Result<Answer<Vec<IpAddr>>, DnsError> {
        self.addresses_and_aliases(name).await.0
    }

    /// [`Dns::addresses`], and the names its CNAME chain leads through (so a name that
    /// aliases into a forbidden domain can be refused like that domain). The chain is asked for
    /// hop by hop as well: a chain into a name no server answers for fails the address lookup
    /// and loses its CNAME records, but not the hop-by-hop walk.
    pub async fn addresses_and_aliases(
        &self,
        name: &Hostname,
    ) -> (Result<Answer<Vec<IpAddr>>, DnsError>, Vec<String>) {
        let (v4, v6, mut aliases) = tokio::join!(
            self.lookup_with_aliases(name.as_str(), RecordType::A, "A"),
            self.lookup_with_aliases(name.as_str(), RecordType::AAAA, "AAAA"),
            self.cname_chain(name.as_str()),
        );
        let mut take_aliases = |answer: Result<(Answer<Vec<RData>>, Vec<String>), DnsError>| {
            answer.map(|(records, found)| {
                for alias in found {
                    if !aliases.contains(&alias) && aliases.len() < MAX_RECORDS {
                        aliases.push(alias);
                    }
                }
                records
            })
        };
        let (v4, v6) = (take_aliases(v4), take_aliases(v6));
        // One family failing does not discard the other's answer.
        let (v4, v6) = match (v4, v6) {
            (Err(error), Err(_)) => return (Err(error), aliases),
            (v4, v6) => (
                v4.unwrap_or(Answer::NoRecords),
                v6.unwrap_or(Answer::NoRecords),
            ),
        };
        let mut found = Vec::new();
        let mut no_domain = false;
        for answer in [v4, v6] {
            match answer {
                Answer::Records(records) => {
                    found.extend(records.iter().filter_map(|data| match data {
                        RData::A(a) => Some(IpAddr::V4(a.0)),
                        RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
                        _ => None,
                    }))
                }
                Answer::NoRecords => {}
                Answer::NoDomain => no_domain = true,
            }
        }
        found.truncate(MAX_RECORDS);
        let answer = if !found.is_empty() {
            Answer::Records(found)
        } else if no_domain {
            Answer::NoDomain
        } else {
            Answer::NoRecords
        };
        (Ok(answer), aliases)
    }

    /// The targets of `name`'s CNAME chain, asked hop by hop, at most [`MAX_CNAME_HOPS`]; a hop
    /// that fails ends the walk (the address lookup reports failures).
    async fn cname_chain(&self, name: &str) -> Vec<String> {
        // The whole walk within one query's time: a server that does not answer CNAME queries
        // must not hold back the addresses (what the walk found so far counts).
        let deadline = tokio::time::Instant::now() + self.config.timeout;
        let mut chain: Vec<String> = Vec::new();
        let mut current = name.to_owned();
        for _ in 0..MAX_CNAME_HOPS {
            let hop = self.lookup_with_aliases(&current, RecordType::CNAME, "CNAME");
            let Ok(Ok((_, targets))) = tokio::time::timeout_at(deadline, hop).await else {
                break;
            };
            let Some(next) = targets.into_iter().next() else {
                break;
            };
            if chain.contains(&next) {
                break;
            }
            chain.push(next.clone());
            current = next;
        }
        chain
    }

    /// One query for the absolute `name`, under the deadline.
    async fn lookup(
        &self,
        name: &str,
        record_type: RecordType,
        kind: &'static str,
    ) -> Result<Answer<Vec<RData>>, DnsError> {
        self.lookup_with_aliases(name, record_type, kind)
            .await
            .map(|(answer, _)| answer)
    }

    /// [`Dns::lookup`], and the targets of the CNAME records on the way (lowercase, without the
    /// trailing dot; a server answering a DNAME synthesises them, RFC 6672 §3.4).
    async fn lookup_with_aliases(
        &self,
        name: &str,
        record_type: RecordType,
        kind: &'static str,
    ) -> Result<(Answer<Vec<RData>>, Vec<String>), DnsError> {
        let resolver = self.resolver().await?;
        match self.query(&resolver, name, record_type, kind).await? {
            Ok(answers) => {
                let mut aliases = Vec::new();
                let mut records = Vec::new();
                for record in answers {
                    match record.data {
                        RData::CNAME(ref target) => {
                            aliases.push(alias_name(&target.0.to_ascii()));
                        }
                        _ if record.record_type() == record_type => records.push(record.data),
                        _ => {}
                    }
                }
                let answer = if records.is_empty() {
                    Answer::NoRecords
                } else {
                    Answer::Records(records)
                };
                Ok((answer, aliases))
            }
            Err(error) => {
                classify(error, name, kind, self.config.timeout).map(|answer| (answer, Vec::new()))
            }
        }
    }

    /// One query of `resolver` for the absolute `name` under the deadline: the answer's records
    /// of `record_type` and the CNAME and DNAME records that led to them, or hickory's error for
    /// the caller to read.
    async fn query(
        &self,
        resolver: &TokioResolver,
        name: &str,
        record_type: RecordType,
        kind: &'static str,
    ) -> Result<Result<Vec<Record>, NetError>, DnsError> {
        let absolute = format!("{}.", name.trim_end_matches('.'));
        let lookup = resolver.lookup(absolute.as_str(), record_type);
        let result = tokio::time::timeout(self.config.timeout, lookup)
            .await
            .map_err(|_| DnsError::Timeout {
                name: name.to_owned(),
                kind,
                seconds: self.config.timeout.as_secs(),
            })?;
        Ok(result.map(|lookup| {
            lookup
                .answers()
                .iter()
                .filter(|record| {
                    matches!(record.record_type(), RecordType::CNAME | RecordType::DNAME)
                        || record.record_type() == record_type
                })
                .cloned()
                .collect()
        }))
    }
}

/// An alias target as a comparable name: lowercase, no trailing dot.
fn alias_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl<T> Answer<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Answer<U> {
        match self {
            Answer::Records(records) => Answer::Records(f(records)),
            Answer::NoRecords => Answer::NoRecords,
            Answer::NoDomain => Answer::NoDomain,
        }
    }
}

/// hickory's error as an answer (no records, no domain) or one of ours.
fn classify<T>(
    error: NetError,
    name: &str,
    kind: &'static str,
    timeout: Duration,
) -> Result<Answer<T>, DnsError> {
    match &error {
        NetError::Dns(HickoryDnsError::NoRecordsFound(no_records)) => {
            Ok(if no_records.response_code == ResponseCode::NXDomain {
                Answer::NoDomain
            } else {
                Answer::NoRecords
            })
        }
        NetError::Dns(HickoryDnsError::ResponseCode(code)) => Err(DnsError::ServerFailure {
            name: name.to_owned(),
            kind,
            code: code.to_string(),
        }),
        NetError::Timeout => Err(DnsError::Timeout {
            name: name.to_owned(),
            kind,
            seconds: timeout.as_secs(),
        }),
        _ => Err(DnsError::Failed {
            name: name.to_owned(),
            kind,
            detail: error.to_string(),
        }),
    }
}

/// A validating lookup's outcome.
#[derive(Debug)]
enum Validated {
    Records {
        records: Vec<Record>,
        /// The weakest proof among the records and every link of the alias chain to them.
        proof: Proof,
        /// The proof of the queried name's own alias record, when it is an alias.
        alias: Option<Proof>,
    },
    /// No records (a secure or unchecked denial).
    None,
    /// No records, and provably unsigned.
    Insecure,
    Bogus(String),
}

/// Reads a trust anchor file as the validator will (for checking the configuration at start).
pub fn check_trust_anchor(path: &std::path::Path) -> Result<(), String> {
    TrustAnchors::from_file(path).map(|_| ()).map_err(|error| {
        // unbound and BIND also take DS records as anchors; hickory takes DNSKEY records only.
        let has_ds = std::fs::read_to_string(path).is_ok_and(|text| {
            text.lines()
                .filter(|line| !line.trim_start().starts_with(';'))
                .any(|line| line.split_whitespace().any(|word| word == "DS"))
        });
        let hint = if has_ds {
            " (DS records cannot be trust anchors here: give the zone's DNSKEY records, all \
             of them)"
        } else {
            ""
        };
        format!(
            "{}: not a usable DNSSEC trust anchor file: {error}{hint}",
            path.display()
        )
    })
}

fn build_validating(config: &DnsConfig) -> Result<(TokioResolver, Arc<TrustAnchors>), DnsError> {
    let anchors = match &config.trust_anchor {
        Some(path) => TrustAnchors::from_file(path).map_err(|error| {
            DnsError::Unavailable(format!(
                "the DNSSEC trust anchor file {} is not usable: {error}",
                path.display()
            ))
        })?,
        None => TrustAnchors::default(),
    };
    let anchors = Arc::new(anchors);
    build_with(config, Some(anchors.clone())).map(|resolver| (resolver, anchors))
}

fn build(config: &DnsConfig) -> Result<TokioResolver, DnsError> {
    build_with(config, None)
}

fn build_with(
    config: &DnsConfig,
    anchors: Option<Arc<TrustAnchors>>,
) -> Result<TokioResolver, DnsError> {
    let provider = TokioRuntimeProvider::default();
    let mut builder = match config.server {
        Some(server) => {
            let mut udp = ConnectionConfig::udp();
            udp.port = server.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = server.port();
            let name_server = NameServerConfig::new(server.ip(), true, vec![udp, tcp]);
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![name_server]),
                provider,
            )
        }
        None => TokioResolver::builder(provider)
            .map_err(|error| DnsError::Unavailable(error.to_string()))?,
    };
    let options: &mut ResolverOpts = builder.options_mut();
    options.use_hosts_file = ResolveHosts::Never;
    options.ndots = 0;
    options.timeout = config.timeout.min(Duration::from_secs(3));
    options.attempts = 2;
    options.recursion_desired = true;
    if let Some(anchors) = anchors {
        options.validate = true;
        builder = builder.with_trust_anchor(anchors);
    }
    builder
        .build()
        .map_err(|error| DnsError::Unavailable(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_silent_server_ends_in_a_timeout() {
        // A bound UDP socket that never answers.
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let dns = Dns::new(DnsConfig {
            server: Some(silent.local_addr().unwrap()),
            timeout: Duration::from_millis(300),
            trust_anchor: None,
        });
        let domain = Hostname::parse("firma.test").unwrap();
        let started = std::time::Instant::now();
        let error = dns.mx(&domain).await.unwrap_err();
        assert!(
            matches!(error, DnsError::Timeout { kind: "MX", .. }),
            "{error:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    fn record(name: &str, data: RData, proof: Proof) -> Record {
        let mut record = Record::from_rdata(Name::from_ascii(name).expect("name"), 300, data);
        record.proof = proof;
        record
    }

    fn cname(name: &str, target: &str, proof: Proof) -> Record {
        let target = Name::from_ascii(target).expect("target");
        record(
            name,
            RData::CNAME(hickory_resolver::proto::rr::rdata::CNAME(target)),
            proof,
        )
    }

    fn a(name: &str, proof: Proof) -> Record {
        record(
            name,
            RData::A(std::net::Ipv4Addr::new(127, 0, 0, 2).into()),
            proof,
        )
    }

    #[test]
    fn an_alias_is_as_secure_as_its_weakest_link() {
        // No alias: the records alone.
        let plain = [a("mx.firma.test.", Proof::Secure)];
        assert_eq!(chain_proofs(&plain, "mx.firma.test"), (Proof::Secure, None));
        // A signed alias of a name in an unsigned zone.
        let chain = [
            cname("mx.firma.test.", "mail.cloud.test.", Proof::Secure),
            a("mail.cloud.test.", Proof::Insecure),
        ];
        assert_eq!(
            chain_proofs(&chain, "MX.firma.test."),
            (Proof::Insecure, Some(Proof::Secure))
        );
        // A bogus link anywhere spoils the chain.
        let chain = [
            cname("mx.firma.test.", "relay.firma.test.", Proof::Secure),
            cname("relay.firma.test.", "mail.cloud.test.", Proof::Bogus),
            a("mail.cloud.test.", Proof::Secure),
        ];
        assert_eq!(
            chain_proofs(&chain, "mx.firma.test"),
            (Proof::Bogus, Some(Proof::Secure))
        );
    }

    #[test]
    fn a_cname_synthesised_from_a_dname_takes_the_dnames_proof() {
        let dname = record(
            "firma.test.",
            RData::Unknown {
                code: RecordType::DNAME,
                rdata: hickory_resolver::proto::rr::rdata::NULL::with(vec![0]),
            },
            Proof::Secure,
        );
        // The synthesised CNAME has no signature: validated alone it would be bogus.
        let answers = [
            dname,
            cname("mx.firma.test.", "mx.firma.example.", Proof::Bogus),
            a("mx.firma.example.", Proof::Secure),
        ];
        assert_eq!(
            chain_proofs(&answers, "mx.firma.test"),
            (Proof::Secure, Some(Proof::Secure))
        );
    }
}
