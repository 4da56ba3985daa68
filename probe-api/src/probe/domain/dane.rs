//! DANE for SMTP (RFC 7672, RFC 6698, RFC 7671): does the certificate an MX host presented match
//! its DNSSEC-validated TLSA records?
//!
//! SMTP uses only two certificate usages. DANE-EE (3) pins the server's own certificate or key:
//! names and dates do not matter (RFC 7672 §3.1.1). DANE-TA (2) pins a trust anchor: the chain
//! must lead from the server's certificate to it, and the certificate must name the MX host
//! (§3.1.2). PKIX usages (0, 1) and unknown selectors or matching types are unusable (§3.1.3).

use std::sync::Arc;

use ring::digest;
use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::dns::Tlsa;

/// The outcome of matching one certificate chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// This record matched (its position among the records).
    Valid { record: usize },
    /// Usable records exist and none matched.
    Mismatch,
    /// No record is usable for SMTP.
    Unusable,
}

/// Whether `record` can be used for SMTP at all.
pub fn usable(record: &Tlsa) -> bool {
    matches!(record.usage, 2 | 3) && record.selector <= 1 && record.matching <= 2
}

/// Matches `chain` (leaf first) as presented at `now` against `records`; a DANE-TA chain must
/// name one of `names` (the MX host, and the alias target whose records these are).
pub fn verify(
    records: &[Tlsa],
    chain: &[CertificateDer<'_>],
    names: &[&str],
    now: UnixTime,
    provider: &Arc<CryptoProvider>,
) -> Match {
    if !records.iter().any(usable) {
        return Match::Unusable;
    }
    let Some(leaf) = chain.first() else {
        return Match::Mismatch;
    };
    for (index, record) in records.iter().enumerate().filter(|(_, r)| usable(r)) {
        let matched = match record.usage {
            3 => matches(record, leaf),
            _ => trust_anchor_matches(record, chain, names, now, provider),
        };
        if matched {
            return Match::Valid { record: index };
        }
    }
    Match::Mismatch
}

/// Whether `record`'s selector and matching type applied to `cert` give its data.
fn matches(record: &Tlsa, cert: &CertificateDer<'_>) -> bool {
    let selected: &[u8] = match record.selector {
        0 => cert.as_ref(),
        _ => match X509Certificate::from_der(cert.as_ref()) {
            Ok((_, parsed)) => parsed.tbs_certificate.subject_pki.raw,
            Err(_) => return false,
        },
    };
    match record.matching {
        0 => selected == record.data.as_slice(),
        1 => digest::digest(&digest::SHA256, selected).as_ref() == record.data.as_slice(),
        2 => digest::digest(&digest::SHA512, selected).as_ref() == record.data.as_slice(),
        _ => false,
    }
}

/// DANE-TA: a certificate of the chain (or the record itself, `2 0 0`) is the anchor, and the
/// leaf validates up to it for one of `names`.
fn trust_anchor_matches(
    record: &Tlsa,
    chain: &[CertificateDer<'_>],
    names: &[&str],
    now: UnixTime,
    provider: &Arc<CryptoProvider>,
) -> bool {
    let from_record = (record.selector == 0 && record.matching == 0)
        .then(|| CertificateDer::from(record.data.clone()));
    let anchor = chain
        .iter()
        .skip(1)
        .find(|cert| matches(record, cert))
        .map(|cert| cert.clone().into_owned())
        .or(from_record);
    let Some(anchor) = anchor else {
        return false;
    };
    let mut roots = RootCertStore::empty();
    if roots.add(anchor).is_err() {
        return false;
    }
    let Ok(verifier) =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build()
    else {
        return false;
    };
    let intermediates: Vec<CertificateDer<'_>> = chain.iter().skip(1).cloned().collect();
    names.iter().any(|name| {
        ServerName::try_from(name.to_string()).is_ok_and(|server_name| {
            verifier
                .verify_server_cert(&chain[0], &intermediates, &server_name, &[], now)
                .is_ok()
        })
    })
}

#[cfg(test)]
mod tests {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose,
    };

    use super::*;

    struct Pki {
        ca: CertificateDer<'static>,
        leaf: CertificateDer<'static>,
        other: CertificateDer<'static>,
    }

    fn pki() -> Pki {
        let mut params = CertificateParams::default();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let leaf_params = CertificateParams::new(vec!["mx1.firma.test".to_owned()]).unwrap();
        let leaf = leaf_params
            .signed_by(&KeyPair::generate().unwrap(), &ca)
            .unwrap();
        let other = CertificateParams::new(vec!["mx1.firma.test".to_owned()])
            .unwrap()
            .self_signed(&KeyPair::generate().unwrap())
            .unwrap();
        Pki {
            ca: ca.der().clone(),
            leaf: leaf.der().clone(),
            other: other.der().clone(),
        }
    }

    fn record(usage: u8, selector: u8, matching: u8, cert: &CertificateDer<'_>) -> Tlsa {
        let selected: Vec<u8> = match selector {
            0 => cert.to_vec(),
            _ => X509Certificate::from_der(cert.as_ref())
                .unwrap()
                .1
                .tbs_certificate
                .subject_pki
                .raw
                .to_vec(),
        };
        let data = match matching {
            0 => selected,
            1 => digest::digest(&digest::SHA256, &selected).as_ref().to_vec(),
            _ => digest::digest(&digest::SHA512, &selected).as_ref().to_vec(),
        };
        Tlsa {
            usage,
            selector,
            matching,
            data,
        }
    }

    #[test]
    fn end_entity_and_trust_anchor_records() {
        let pki = pki();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let now = UnixTime::now();
        let chain = vec![pki.leaf.clone(), pki.ca.clone()];
        let check = |records: &[Tlsa], chain: &[CertificateDer<'_>], host: &str| {
            verify(records, chain, &[host], now, &provider)
        };
        for (selector, matching) in [(0, 0), (0, 1), (1, 1), (1, 2)] {
            let ee = record(3, selector, matching, &pki.leaf);
            // DANE-EE ignores names: any host name matches.
            assert_eq!(
                check(std::slice::from_ref(&ee), &chain, "elsewhere.test"),
                Match::Valid { record: 0 },
                "3 {selector} {matching}"
            );
            assert_eq!(
                check(&[ee], std::slice::from_ref(&pki.other), "mx1.firma.test"),
                Match::Mismatch
            );
        }
        // DANE-TA: the CA in the chain, the leaf must validate to it and name the host.
        let ta = record(2, 0, 1, &pki.ca);
        let wrong = record(3, 1, 1, &pki.other);
        assert_eq!(
            check(&[wrong.clone(), ta.clone()], &chain, "mx1.firma.test"),
            Match::Valid { record: 1 }
        );
        assert_eq!(
            check(std::slice::from_ref(&ta), &chain, "mx2.firma.test"),
            Match::Mismatch
        );
        // An MX host that is an alias: the name of the alias target counts too.
        let alias =
            |names: &[&str]| verify(std::slice::from_ref(&ta), &chain, names, now, &provider);
        assert_eq!(alias(&["mx.alias.test"]), Match::Mismatch);
        assert_eq!(
            alias(&["mx.alias.test", "mx1.firma.test"]),
            Match::Valid { record: 0 }
        );
        // Not in the chain and only a hash in DNS: nothing to validate against.
        assert_eq!(
            check(&[ta], std::slice::from_ref(&pki.leaf), "mx1.firma.test"),
            Match::Mismatch
        );
        // The full anchor in DNS (2 0 0) works without it in the chain.
        let full = record(2, 0, 0, &pki.ca);
        assert_eq!(
            check(&[full], std::slice::from_ref(&pki.leaf), "mx1.firma.test"),
            Match::Valid { record: 0 }
        );
        // PKIX usages and unknown parameters cannot be used for SMTP.
        let pkix = record(1, 1, 1, &pki.leaf);
        let unknown = Tlsa {
            matching: 7,
            ..record(3, 1, 1, &pki.leaf)
        };
        assert_eq!(
            check(&[pkix, unknown], &chain, "mx1.firma.test"),
            Match::Unusable
        );
        assert_eq!(
            check(&[record(3, 1, 1, &pki.leaf)], &[], "mx1.firma.test"),
            Match::Mismatch
        );
    }
}
