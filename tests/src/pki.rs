//! A private test PKI made fresh for every test run: a root CA and server certificates with
//! explicit names and dates, written as PEM files for `openssl s_server`, Dovecot and Postfix.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};

/// A root CA with its PEM file; it issues leaf certificates.
#[derive(Debug)]
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    dir: PathBuf,
    /// The root certificate, PEM: pass it to `probe-api --ca-file`.
    pub ca_file: PathBuf,
}

/// A server certificate and key, as PEM files.
#[derive(Debug, Clone)]
pub struct ServerCert {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

/// Validity of a leaf, in days relative to now.
#[derive(Debug, Clone, Copy)]
pub struct Validity {
    pub from_days: i64,
    pub until_days: i64,
}

impl Validity {
    /// Valid since yesterday for 90 days.
    pub const CURRENT: Validity = Validity {
        from_days: -1,
        until_days: 90,
    };
    /// Expired ten days ago.
    pub const EXPIRED: Validity = Validity {
        from_days: -100,
        until_days: -10,
    };
}

impl TestCa {
    /// A new root CA whose files live in `dir`.
    pub fn new(dir: &Path) -> TestCa {
        let mut params = CertificateParams::default();
        params.distinguished_name = name("MailTLS Test Root CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = days_from_now(-1);
        params.not_after = days_from_now(3650);
        let key = KeyPair::generate().expect("generate CA key");
        let issuer = CertifiedIssuer::self_signed(params, key).expect("self-sign CA");
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, issuer.pem()).expect("write CA file");
        TestCa {
            issuer,
            dir: dir.to_owned(),
            ca_file,
        }
    }

    /// A server certificate for `dns_name`, signed by this CA, stored as `<file_stem>.pem/.key`.
    pub fn server_cert(&self, file_stem: &str, dns_name: &str, validity: Validity) -> ServerCert {
        let mut params =
            CertificateParams::new(vec![dns_name.to_owned()]).expect("certificate params");
        params.distinguished_name = name(dns_name);
        params.not_before = days_from_now(validity.from_days);
        params.not_after = days_from_now(validity.until_days);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().expect("generate server key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("sign server certificate");
        let cert_file = self.dir.join(format!("{file_stem}.pem"));
        let key_file = self.dir.join(format!("{file_stem}.key"));
        std::fs::write(&cert_file, cert.pem()).expect("write certificate");
        std::fs::write(&key_file, key.serialize_pem()).expect("write key");
        ServerCert {
            cert_file,
            key_file,
        }
    }
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

fn days_from_now(days: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + time::Duration::days(days)
}
