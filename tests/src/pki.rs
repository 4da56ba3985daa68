//! A private test PKI made fresh for every test run: a root CA and server certificates with
//! explicit names and dates, written as PEM files for `openssl s_server`, Dovecot and Postfix.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, CustomExtension, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
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
    /// Valid from in ten days.
    pub const NOT_YET: Validity = Validity {
        from_days: 10,
        until_days: 100,
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
        let key = KeyPair::generate().expect("generate server key");
        leaf(
            &self.issuer,
            &self.dir,
            file_stem,
            &[dns_name.to_owned()],
            validity,
            false,
            key,
        )
    }

    /// A current server certificate for all of `names` (the first is its common name): a
    /// hostile server's certificate with thousands of names.
    pub fn server_cert_for_names(&self, file_stem: &str, names: &[String]) -> ServerCert {
        let key = KeyPair::generate().expect("generate server key");
        leaf(
            &self.issuer,
            &self.dir,
            file_stem,
            names,
            Validity::CURRENT,
            false,
            key,
        )
    }

    /// Like [`TestCa::server_cert`] with a 2048-bit RSA key (made by `openssl genpkey`, which
    /// rcgen's ring backend cannot do): ECDHE-RSA and DHE-RSA suites need one.
    pub fn server_cert_rsa(&self, file_stem: &str, dns_name: &str) -> ServerCert {
        let output = std::process::Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ])
            .output()
            .expect("run openssl genpkey");
        assert!(output.status.success(), "openssl genpkey failed");
        let pem = String::from_utf8(output.stdout).expect("PEM is text");
        let key = KeyPair::from_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256)
            .expect("read the RSA key");
        leaf(
            &self.issuer,
            &self.dir,
            file_stem,
            &[dns_name.to_owned()],
            Validity::CURRENT,
            false,
            key,
        )
    }

    /// A server certificate signed by an intermediate CA of this root, the way public CAs issue
    /// them (with an Authority Information Access URL naming the intermediate). `cert_file` holds
    /// only the leaf (a server configured with it alone sends an incomplete chain);
    /// `<file_stem>-chain.pem` holds the intermediate to send along.
    pub fn server_cert_via_intermediate(&self, file_stem: &str, dns_name: &str) -> ServerCert {
        let mut params = CertificateParams::default();
        params.distinguished_name = name("MailTLS Test Intermediate CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = days_from_now(-1);
        params.not_after = days_from_now(1000);
        let key = KeyPair::generate().expect("generate intermediate key");
        let intermediate =
            CertifiedIssuer::signed_by(params, key, &self.issuer).expect("sign intermediate");
        let cert = leaf(
            &intermediate,
            &self.dir,
            file_stem,
            &[dns_name.to_owned()],
            Validity::CURRENT,
            true,
            KeyPair::generate().expect("generate server key"),
        );
        let chain = self.dir.join(format!("{file_stem}-chain.pem"));
        std::fs::write(&chain, intermediate.pem()).expect("write the intermediate");
        cert
    }
}

fn leaf(
    issuer: &CertifiedIssuer<'static, KeyPair>,
    dir: &Path,
    file_stem: &str,
    names: &[String],
    validity: Validity,
    with_issuer_location: bool,
    key: KeyPair,
) -> ServerCert {
    let mut params = CertificateParams::new(names.to_vec()).expect("certificate params");
    params.distinguished_name = name(names.first().map_or("", String::as_str));
    params.not_before = days_from_now(validity.from_days);
    params.not_after = days_from_now(validity.until_days);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    if with_issuer_location {
        params.custom_extensions = vec![authority_info_access("http://ca.example.test/i.der")];
    }
    let cert = params
        .signed_by(&key, issuer)
        .expect("sign server certificate");
    let cert_file = dir.join(format!("{file_stem}.pem"));
    let key_file = dir.join(format!("{file_stem}.key"));
    std::fs::write(&cert_file, cert.pem()).expect("write certificate");
    std::fs::write(&key_file, key.serialize_pem()).expect("write key");
    ServerCert {
        cert_file,
        key_file,
    }
}

/// The Authority Information Access extension (RFC 5280 4.2.2.1) with one caIssuers URL.
fn authority_info_access(url: &str) -> CustomExtension {
    // id-ad-caIssuers, 1.3.6.1.5.5.7.48.2
    let method = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let mut location = vec![0x86, u8::try_from(url.len()).expect("short URL")];
    location.extend_from_slice(url.as_bytes());
    let mut description = vec![
        0x30,
        u8::try_from(method.len() + location.len()).expect("short"),
    ];
    description.extend_from_slice(&method);
    description.extend_from_slice(&location);
    let mut content = vec![0x30, u8::try_from(description.len()).expect("short")];
    content.extend_from_slice(&description);
    // id-pe-authorityInfoAccess, 1.3.6.1.5.5.7.1.1
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], content)
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

fn days_from_now(days: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + time::Duration::days(days)
}
