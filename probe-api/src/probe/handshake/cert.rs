//! Judging a recorded certificate chain the way a mail program would.
//!
//! The chain is checked with webpki against Mozilla's root programme (webpki-roots) plus any extra
//! CA files the operator configured, for the name the customer typed, at an injected "now" so
//! expiry is testable. The first problem found decides the verdict.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, RootCertStore};
use thiserror::Error;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::objects::{oid_registry, oid2sn};
use x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS;
use x509_parser::prelude::{FromDer, X509Certificate};

use mailtls_shared::caps::MAX_SANS;
use mailtls_shared::{CertificateReport, CertificateVerdict};

#[derive(Debug, Error)]
pub enum TrustError {
    #[error("cannot read CA file {path}: {source}")]
    Read {
        path: String,
        source: rustls::pki_types::pem::Error,
    },
    #[error("CA file {path} contains no certificate")]
    Empty { path: String },
    #[error("CA file {path} contains a certificate that is not a valid trust anchor: {source}")]
    Anchor { path: String, source: rustls::Error },
    #[error("cannot build the certificate verifier: {0}")]
    Verifier(#[from] rustls::client::VerifierBuilderError),
}

/// The trust anchors and the verifier built from them.
#[derive(Debug, Clone)]
pub struct CertJudge {
    verifier: Arc<WebPkiServerVerifier>,
}

/// Mozilla's roots plus the certificates in `extra_ca_files` (PEM).
pub fn trust_roots(extra_ca_files: &[String]) -> Result<Arc<RootCertStore>, TrustError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for path in extra_ca_files {
        let mut found = 0;
        for cert in CertificateDer::pem_file_iter(path).map_err(|source| TrustError::Read {
            path: path.clone(),
            source,
        })? {
            let cert = cert.map_err(|source| TrustError::Read {
                path: path.clone(),
                source,
            })?;
            roots.add(cert).map_err(|source| TrustError::Anchor {
                path: path.clone(),
                source,
            })?;
            found += 1;
        }
        if found == 0 {
            return Err(TrustError::Empty { path: path.clone() });
        }
    }
    Ok(Arc::new(roots))
}

impl CertJudge {
    /// A judge trusting `roots`.
    pub fn new(
        provider: Arc<CryptoProvider>,
        roots: Arc<RootCertStore>,
    ) -> Result<Self, TrustError> {
        let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider).build()?;
        Ok(CertJudge { verifier })
    }

    /// Judges `chain` (leaf first) for `server_name` at `now`, and describes the leaf.
    pub fn judge(
        &self,
        chain: &[CertificateDer<'static>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> CertificateReport {
        let Some((leaf, intermediates)) = chain.split_first() else {
            return CertificateReport {
                verdict: CertificateVerdict::Invalid,
                detail: Some("the server sent no certificate".into()),
                ..CertificateReport::default()
            };
        };
        let facts = Facts::read(leaf, now);
        let result = self
            .verifier
            .verify_server_cert(leaf, intermediates, server_name, &[], now);
        let self_signed = chain.len() == 1 && facts.as_ref().is_some_and(|f| f.self_issued);
        let (verdict, detail) = match result {
            Ok(_) => (CertificateVerdict::Valid, None),
            // Whatever webpki tripped over first (unknown issuer, CA used as end entity), a lone
            // certificate that issued itself is trusted by no mail program.
            Err(error) if self_signed => (CertificateVerdict::SelfSigned, Some(error.to_string())),
            Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
                // Public CAs name where their certificate can be fetched; a chain that stops
                // short of a root while naming its issuer lacks an intermediate.
                let verdict = match &facts {
                    Some(facts) if facts.names_issuer_location && !ends_self_issued(chain) => {
                        CertificateVerdict::IncompleteChain
                    }
                    _ => CertificateVerdict::Untrusted,
                };
                (verdict, Some(CertificateError::UnknownIssuer.to_string()))
            }
            Err(rustls::Error::InvalidCertificate(error)) => {
                (verdict_for(&error), Some(error.to_string()))
            }
            Err(other) => (CertificateVerdict::Invalid, Some(other.to_string())),
        };
        let facts = facts.unwrap_or_default();
        CertificateReport {
            verdict,
            detail,
            chain_length: chain.len(),
            subject: facts.subject,
            sans: facts.sans,
            sans_omitted: (facts.sans_omitted > 0).then_some(facts.sans_omitted),
            issuer: facts.issuer,
            not_after: facts.not_after,
            days_left: facts.days_left,
            key_type: facts.key_type,
            key_bits: facts.key_bits,
            signature_algorithm: facts.signature_algorithm,
        }
    }
}

/// What a leaf certificate says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Facts {
    subject: Option<String>,
    /// The first [`MAX_SANS`] names; `sans_omitted` counts the others.
    sans: Vec<String>,
    sans_omitted: usize,
    issuer: Option<String>,
    not_after: Option<String>,
    days_left: Option<i64>,
    key_type: Option<String>,
    key_bits: Option<u32>,
    signature_algorithm: Option<String>,
    /// Subject and issuer are the same name.
    self_issued: bool,
    /// It has an Authority Information Access extension naming its issuer's certificate.
    names_issuer_location: bool,
}

impl Facts {
    /// Parses `der`; `None` when it is not a certificate x509-parser understands.
    fn read(der: &CertificateDer<'_>, now: UnixTime) -> Option<Facts> {
        let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
        let name = |name: &x509_parser::x509::X509Name<'_>| {
            name.iter_common_name()
                .find_map(|cn| cn.as_str().ok().map(str::to_owned))
                .or_else(|| Some(name.to_string()).filter(|s| !s.is_empty()))
        };
        // A hostile certificate may name thousands: the first MAX_SANS are kept, the rest counted.
        let (mut sans, mut sans_omitted) = (Vec::new(), 0);
        if let Ok(Some(extension)) = cert.subject_alternative_name() {
            for general_name in &extension.value.general_names {
                let name = match general_name {
                    GeneralName::DNSName(dns) => Some((*dns).to_owned()),
                    GeneralName::IPAddress(bytes) => ip_from_bytes(bytes).map(|ip| ip.to_string()),
                    _ => None,
                };
                match name {
                    Some(name) if sans.len() < MAX_SANS => sans.push(name),
                    Some(_) => sans_omitted += 1,
                    None => {}
                }
            }
        }
        let not_after = cert.validity().not_after.timestamp();
        let now_seconds = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let registry = oid_registry();
        let short_name = |oid: &x509_parser::der_parser::oid::Oid<'_>| {
            oid2sn(oid, registry).ok().map(str::to_owned)
        };
        let key = cert.public_key();
        let key_bits = key
            .parsed()
            .ok()
            .map(|parsed| parsed.key_size())
            .filter(|bits| *bits > 0)
            .and_then(|bits| u32::try_from(bits).ok());
        let key_type = match short_name(&key.algorithm.algorithm).as_deref() {
            Some("rsaEncryption") => Some("RSA".to_owned()),
            Some("id-ecPublicKey") => {
                let curve = key
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|parameters| parameters.as_oid().ok())
                    .and_then(|oid| short_name(&oid));
                Some(match curve.as_deref() {
                    Some("prime256v1") => "EC P-256".to_owned(),
                    Some("secp384r1") => "EC P-384".to_owned(),
                    Some("secp521r1") => "EC P-521".to_owned(),
                    Some(other) => format!("EC {other}"),
                    None => "EC".to_owned(),
                })
            }
            Some("ed25519") => Some("Ed25519".to_owned()),
            Some(other) => Some(other.to_owned()),
            None => None,
        };
        let names_issuer_location = cert.iter_extensions().any(|extension| {
            matches!(
                extension.parsed_extension(),
                ParsedExtension::AuthorityInfoAccess(access)
                    if access.accessdescs.iter().any(|d| d.access_method == OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS)
            )
        });
        Some(Facts {
            subject: name(cert.subject()),
            sans,
            sans_omitted,
            issuer: name(cert.issuer()),
            not_after: rfc3339(not_after),
            days_left: Some((not_after - now_seconds).div_euclid(86_400)),
            key_type,
            key_bits,
            signature_algorithm: short_name(&cert.signature_algorithm.algorithm),
            self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
            names_issuer_location,
        })
    }
}

/// Whether the last certificate of the chain is its own issuer (a root was sent along).
fn ends_self_issued(chain: &[CertificateDer<'_>]) -> bool {
    chain
        .last()
        .and_then(|der| X509Certificate::from_der(der.as_ref()).ok())
        .is_some_and(|(_, cert)| cert.subject().as_raw() == cert.issuer().as_raw())
}

fn ip_from_bytes(bytes: &[u8]) -> Option<std::net::IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        _ => None,
    }
}

fn rfc3339(unix_seconds: i64) -> Option<String> {
    let seconds = u64::try_from(unix_seconds).ok()?;
    let time = std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(seconds))?;
    Some(humantime::format_rfc3339_seconds(time).to_string())
}

fn verdict_for(error: &CertificateError) -> CertificateVerdict {
    match error {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            CertificateVerdict::Expired
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            CertificateVerdict::NotYetValid
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            CertificateVerdict::NameMismatch
        }
        CertificateError::UnknownIssuer => CertificateVerdict::Untrusted,
        _ => CertificateVerdict::Invalid,
    }
}

#[cfg(test)]
mod tests;
