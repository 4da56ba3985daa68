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

impl CertJudge {
    /// Mozilla's roots plus the certificates in `extra_ca_files` (PEM).
    pub fn new(
        provider: Arc<CryptoProvider>,
        extra_ca_files: &[String],
    ) -> Result<Self, TrustError> {
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
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider).build()?;
        Ok(CertJudge { verifier })
    }

    /// Judges `chain` (leaf first) for `server_name` at `now`.
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
                chain_length: 0,
            };
        };
        let result = self
            .verifier
            .verify_server_cert(leaf, intermediates, server_name, &[], now);
        let (verdict, detail) = match result {
            Ok(_) => (CertificateVerdict::Valid, None),
            Err(rustls::Error::InvalidCertificate(error)) => {
                (verdict_for(&error), Some(error.to_string()))
            }
            Err(other) => (CertificateVerdict::Invalid, Some(other.to_string())),
        };
        CertificateReport {
            verdict,
            detail,
            chain_length: chain.len(),
        }
    }
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
