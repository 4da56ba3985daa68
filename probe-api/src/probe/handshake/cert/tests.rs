//! The certificate rules as tables: names, validity, issuers, IP targets, facts, the mapping
//! of rustls' errors, and the extra CA files. Certificates are made with rcgen at fixed dates;
//! "now" is injected.

use std::io::Write as _;
use std::net::IpAddr;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, CustomExtension, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
    date_time_ymd,
};
use tempfile::NamedTempFile;

use super::*;

/// A certificate with its key: a CA, or a self-signed leaf (which can also be trusted).
type Signer = CertifiedIssuer<'static, KeyPair>;

type Ymd = (i32, u8, u8);

/// A certificate's validity window, midnight UTC on both days.
#[derive(Debug, Clone, Copy)]
struct Validity {
    not_before: Ymd,
    not_after: Ymd,
}

/// The leaves' usual window: 2025-01-01T00:00:00Z to 2026-01-01T00:00:00Z.
const YEAR_2025: Validity = Validity {
    not_before: (2025, 1, 1),
    not_after: (2026, 1, 1),
};

const CA_NAME: &str = "MailTLS Test CA";

/// `id-ad-caIssuers` and `id-ad-ocsp`, DER-encoded object identifiers.
const CA_ISSUERS: [u8; 10] = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
const OCSP: [u8; 10] = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];

fn seconds((year, month, day): Ymd) -> u64 {
    u64::try_from(date_time_ymd(year, month, day).unix_timestamp()).unwrap()
}

fn at(day: Ymd) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(seconds(day)))
}

/// The injected "now" unless a test says otherwise: 214 days before the leaves expire.
fn now() -> UnixTime {
    at((2025, 6, 1))
}

fn common_name(name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn
}

fn ca_named(name: &str) -> Signer {
    let mut params = CertificateParams::default();
    params.distinguished_name = common_name(name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2040, 1, 1);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// The CA the judge is given as an extra CA file.
fn ca() -> Signer {
    ca_named(CA_NAME)
}

/// A server certificate's parameters: `names` as SANs (IP literals become IP SANs), the first
/// as common name.
fn leaf_params(names: &[&str], validity: Validity) -> CertificateParams {
    let sans: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    let mut params = CertificateParams::new(sans).unwrap();
    params.distinguished_name = common_name(names.first().copied().unwrap_or("no name"));
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let (year, month, day) = validity.not_before;
    params.not_before = date_time_ymd(year, month, day);
    let (year, month, day) = validity.not_after;
    params.not_after = date_time_ymd(year, month, day);
    params
}

fn signed(params: &CertificateParams, issuer: &Issuer<'_, KeyPair>) -> CertificateDer<'static> {
    let key = KeyPair::generate().unwrap();
    params.signed_by(&key, issuer).unwrap().der().clone()
}

fn leaf_for(
    names: &[&str],
    issuer: &Issuer<'_, KeyPair>,
    validity: Validity,
) -> CertificateDer<'static> {
    signed(&leaf_params(names, validity), issuer)
}

fn self_signed_leaf(names: &[&str], validity: Validity) -> Signer {
    CertifiedIssuer::self_signed(leaf_params(names, validity), KeyPair::generate().unwrap())
        .unwrap()
}

/// An Authority Information Access extension with one access description.
fn authority_info_access(method: &[u8], uri: &str) -> CustomExtension {
    fn tagged(tag: u8, content: &[u8]) -> Vec<u8> {
        let length = u8::try_from(content.len())
            .ok()
            .filter(|len| *len < 0x80)
            .unwrap();
        [&[tag, length][..], content].concat()
    }
    let location = tagged(0x86, uri.as_bytes());
    let description = tagged(0x30, &[method, &location].concat());
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], tagged(0x30, &description))
}

fn pem_file(contents: &str) -> NamedTempFile {
    let mut file = NamedTempFile::new().unwrap();
    file.write_all(contents.as_bytes()).unwrap();
    file.flush().unwrap();
    file
}

fn path_of(file: &NamedTempFile) -> String {
    file.path().to_str().unwrap().to_owned()
}

/// A judge trusting Mozilla's roots and `anchors`, given as one extra CA file.
fn judge_trusting(anchors: &[&Signer]) -> CertJudge {
    let file = pem_file(
        &anchors
            .iter()
            .map(|anchor| anchor.pem())
            .collect::<String>(),
    );
    let roots = trust_roots(&[path_of(&file)]).unwrap();
    CertJudge::new(Arc::new(rustls::crypto::ring::default_provider()), roots).unwrap()
}

fn dns(name: &str) -> ServerName<'static> {
    ServerName::try_from(name.to_owned()).unwrap()
}

fn ip(address: &str) -> ServerName<'static> {
    ServerName::IpAddress(address.parse::<IpAddr>().unwrap().into())
}

fn facts(der: &CertificateDer<'_>) -> Facts {
    Facts::read(der, now()).unwrap()
}

#[test]
fn a_chain_from_an_extra_ca_is_valid_for_the_typed_name() {
    let ca = ca();
    let leaf = leaf_for(&["mail.example.test", "mx.example.test"], &ca, YEAR_2025);
    let report = judge_trusting(&[&ca]).judge(&[leaf], &dns("mail.example.test"), now());
    assert_eq!(
        report,
        CertificateReport {
            verdict: CertificateVerdict::Valid,
            detail: None,
            chain_length: 1,
            subject: Some("mail.example.test".into()),
            sans: vec!["mail.example.test".into(), "mx.example.test".into()],
            sans_omitted: None,
            issuer: Some(CA_NAME.into()),
            not_after: Some("2026-01-01T00:00:00Z".into()),
            days_left: Some(214),
            key_type: Some("EC P-256".into()),
            key_bits: Some(256),
            signature_algorithm: Some("ecdsa-with-SHA256".into()),
        }
    );
}

#[test]
fn the_chain_must_be_valid_for_the_typed_name() {
    use CertificateVerdict::{NameMismatch, Valid};
    let ca = ca();
    let judge = judge_trusting(&[&ca]);
    let cases: [(&str, &[&str], &str, CertificateVerdict); 10] = [
        (
            "exact name",
            &["mail.example.test"],
            "mail.example.test",
            Valid,
        ),
        (
            "second name",
            &["mx.example.test", "mail.example.test"],
            "mail.example.test",
            Valid,
        ),
        (
            "names ignore case",
            &["mail.example.test"],
            "MAIL.Example.TEST",
            Valid,
        ),
        (
            "another host",
            &["mail.example.test"],
            "smtp.example.test",
            NameMismatch,
        ),
        (
            "the parent domain",
            &["mail.example.test"],
            "example.test",
            NameMismatch,
        ),
        (
            "a subdomain",
            &["example.test"],
            "mail.example.test",
            NameMismatch,
        ),
        (
            "wildcard, one label",
            &["*.example.test"],
            "mail.example.test",
            Valid,
        ),
        (
            "wildcard, two labels",
            &["*.example.test"],
            "a.b.example.test",
            NameMismatch,
        ),
        (
            "wildcard, the bare domain",
            &["*.example.test"],
            "example.test",
            NameMismatch,
        ),
        (
            "wildcard, another domain",
            &["*.example.test"],
            "mail.example.org",
            NameMismatch,
        ),
    ];
    for (case, names, typed, expected) in cases {
        let leaf = leaf_for(names, &ca, YEAR_2025);
        let report = judge.judge(&[leaf], &dns(typed), now());
        assert_eq!(report.verdict, expected, "{case}");
        assert_eq!(
            report.detail.is_none(),
            expected == Valid,
            "{case}: {:?}",
            report.detail
        );
    }
}

#[test]
fn a_name_mismatch_names_the_typed_name_in_the_detail() {
    let ca = ca();
    let leaf = leaf_for(&["mail.example.test"], &ca, YEAR_2025);
    let report = judge_trusting(&[&ca]).judge(&[leaf], &dns("smtp.example.test"), now());
    assert_eq!(report.verdict, CertificateVerdict::NameMismatch);
    let detail = report.detail.unwrap();
    assert!(
        detail.starts_with("certificate not valid for name \"smtp.example.test\"; "),
        "{detail}"
    );
    // The facts are read all the same.
    assert_eq!(report.sans, ["mail.example.test"]);
}

#[test]
fn a_name_only_in_the_common_name_does_not_count() {
    let ca = ca();
    let mut params = leaf_params(&[], YEAR_2025);
    params.distinguished_name = common_name("mail.example.test");
    let leaf = signed(&params, &ca);
    let report = judge_trusting(&[&ca]).judge(&[leaf], &dns("mail.example.test"), now());
    assert_eq!(report.verdict, CertificateVerdict::NameMismatch);
    assert_eq!(report.subject.as_deref(), Some("mail.example.test"));
    assert!(report.sans.is_empty(), "{:?}", report.sans);
}

#[test]
fn validity_is_judged_at_the_injected_now() {
    use CertificateVerdict::{Expired, NotYetValid, Valid};
    let ca = ca();
    let judge = judge_trusting(&[&ca]);
    let leaf = leaf_for(&["mail.example.test"], &ca, YEAR_2025);
    let not_before = seconds(YEAR_2025.not_before);
    let not_after = seconds(YEAR_2025.not_after);
    let cases = [
        (
            "a day before not_before",
            not_before - 86_400,
            NotYetValid,
            366,
        ),
        (
            "a second before not_before",
            not_before - 1,
            NotYetValid,
            365,
        ),
        ("at not_before", not_before, Valid, 365),
        ("midway", seconds((2025, 6, 1)), Valid, 214),
        ("a second before not_after", not_after - 1, Valid, 0),
        ("at not_after", not_after, Valid, 0),
        ("a second after not_after", not_after + 1, Expired, -1),
        ("a day after not_after", not_after + 86_400, Expired, -1),
        (
            "a day and a second after not_after",
            not_after + 86_401,
            Expired,
            -2,
        ),
    ];
    for (case, now, expected, days_left) in cases {
        let now = UnixTime::since_unix_epoch(Duration::from_secs(now));
        let report = judge.judge(std::slice::from_ref(&leaf), &dns("mail.example.test"), now);
        assert_eq!(report.verdict, expected, "{case}");
        assert_eq!(report.days_left, Some(days_left), "{case}");
        assert_eq!(
            report.not_after.as_deref(),
            Some("2026-01-01T00:00:00Z"),
            "{case}"
        );
    }
}

#[test]
fn an_expired_leaf_reports_how_long_ago() {
    let ca = ca();
    let leaf = leaf_for(&["mail.example.test"], &ca, YEAR_2025);
    let now = at((2026, 1, 2));
    let report = judge_trusting(&[&ca]).judge(&[leaf], &dns("mail.example.test"), now);
    assert_eq!(report.verdict, CertificateVerdict::Expired);
    assert_eq!(
        report.detail.as_deref(),
        Some(
            format!(
                "certificate expired: verification time {} (UNIX), but certificate is not \
                 valid after {} (86400 seconds ago)",
                seconds((2026, 1, 2)),
                seconds((2026, 1, 1)),
            )
            .as_str()
        )
    );
}

#[test]
fn expiry_outranks_a_name_mismatch() {
    let ca = ca();
    let leaf = leaf_for(&["mail.example.test"], &ca, YEAR_2025);
    let report = judge_trusting(&[&ca]).judge(&[leaf], &dns("smtp.example.test"), at((2027, 1, 1)));
    assert_eq!(report.verdict, CertificateVerdict::Expired);
}

#[test]
fn an_inverted_validity_window_is_expired() {
    // webpki's InvalidCertValidity (not_before after not_after) reaches us as `Expired`.
    let ca = ca();
    let inverted = Validity {
        not_before: (2026, 1, 1),
        not_after: (2025, 1, 1),
    };
    let leaf = leaf_for(&["mail.example.test"], &ca, inverted);
    let report = judge_trusting(&[&ca]).judge(&[leaf], &dns("mail.example.test"), now());
    assert_eq!(report.verdict, CertificateVerdict::Expired);
    assert_eq!(report.detail.as_deref(), Some("Expired"));
    assert_eq!(report.days_left, Some(-151));
}

#[test]
fn a_lone_self_signed_certificate_is_self_signed() {
    let judge = judge_trusting(&[&ca()]);
    let mut ca_as_leaf = leaf_params(&["mail.example.test"], YEAR_2025);
    ca_as_leaf.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_as_leaf =
        CertifiedIssuer::self_signed(ca_as_leaf, KeyPair::generate().unwrap()).unwrap();
    let cases = [
        (
            "right name, in date",
            self_signed_leaf(&["mail.example.test"], YEAR_2025),
            now(),
        ),
        (
            "wrong name",
            self_signed_leaf(&["other.example.test"], YEAR_2025),
            now(),
        ),
        (
            "expired",
            self_signed_leaf(&["mail.example.test"], YEAR_2025),
            at((2027, 1, 1)),
        ),
        ("a CA certificate as leaf", ca_as_leaf, now()),
    ];
    for (case, leaf, now) in cases {
        let chain = [leaf.der().clone()];
        assert!(ends_self_issued(&chain), "{case}");
        let report = judge.judge(&chain, &dns("mail.example.test"), now);
        assert_eq!(report.verdict, CertificateVerdict::SelfSigned, "{case}");
        assert_eq!(report.subject, report.issuer, "{case}");
        assert!(
            report
                .detail
                .as_deref()
                .is_some_and(|d| d.starts_with("invalid peer certificate: ")),
            "{case}: {:?}",
            report.detail
        );
    }
}

#[test]
fn a_self_signed_certificate_the_operator_trusts_is_valid() {
    let leaf = self_signed_leaf(&["mail.example.test"], YEAR_2025);
    let judge = judge_trusting(&[&leaf]);
    let chain = [leaf.der().clone()];
    let report = judge.judge(&chain, &dns("mail.example.test"), now());
    assert_eq!(report.verdict, CertificateVerdict::Valid);
    // Pins today's behaviour: once it fails for another reason, the trusted lone self-issued
    // certificate is called self-signed, not by the reason (here: the name).
    let report = judge.judge(&chain, &dns("smtp.example.test"), now());
    assert_eq!(report.verdict, CertificateVerdict::SelfSigned);
}

#[test]
fn a_chain_from_a_ca_outside_the_roots_is_untrusted() {
    let judge = judge_trusting(&[&ca()]);
    let other = ca_named("Some Other CA");
    let leaf = leaf_for(&["mail.example.test"], &other, YEAR_2025);
    let cases = [
        ("leaf alone", vec![leaf.clone()]),
        ("leaf and its root", vec![leaf.clone(), other.der().clone()]),
    ];
    for (case, chain) in cases {
        let report = judge.judge(&chain, &dns("mail.example.test"), now());
        assert_eq!(report.verdict, CertificateVerdict::Untrusted, "{case}");
        assert_eq!(report.detail.as_deref(), Some("UnknownIssuer"), "{case}");
        assert_eq!(report.issuer.as_deref(), Some("Some Other CA"), "{case}");
        assert_eq!(report.chain_length, chain.len(), "{case}");
    }
}

#[test]
fn a_leaf_naming_its_issuer_location_without_the_intermediate_is_an_incomplete_chain() {
    use CertificateVerdict::{IncompleteChain, Untrusted, Valid};
    let root = ca();
    let mut params = CertificateParams::default();
    params.distinguished_name = common_name("MailTLS Test Intermediate");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2040, 1, 1);
    let intermediate =
        CertifiedIssuer::signed_by(params, KeyPair::generate().unwrap(), &root).unwrap();
    let with_aia = |method: &[u8], issuer: &Issuer<'_, KeyPair>| {
        let mut params = leaf_params(&["mail.example.test"], YEAR_2025);
        params.custom_extensions = vec![authority_info_access(method, "http://ca.test/i.der")];
        signed(&params, issuer)
    };
    let ca_issuers_leaf = with_aia(&CA_ISSUERS, &intermediate);
    let other = ca_named("Some Other CA");
    let cases = [
        (
            "caIssuers, leaf alone",
            vec![ca_issuers_leaf.clone()],
            IncompleteChain,
        ),
        (
            "caIssuers, intermediate sent",
            vec![ca_issuers_leaf, intermediate.der().clone()],
            Valid,
        ),
        (
            "no AIA, leaf alone",
            vec![leaf_for(&["mail.example.test"], &intermediate, YEAR_2025)],
            Untrusted,
        ),
        (
            "OCSP only, leaf alone",
            vec![with_aia(&OCSP, &intermediate)],
            Untrusted,
        ),
        (
            "caIssuers, chain ends in an unknown root",
            vec![with_aia(&CA_ISSUERS, &other), other.der().clone()],
            Untrusted,
        ),
    ];
    let judge = judge_trusting(&[&root]);
    for (case, chain, expected) in cases {
        let report = judge.judge(&chain, &dns("mail.example.test"), now());
        assert_eq!(report.verdict, expected, "{case}");
        let detail = (expected != Valid).then(|| "UnknownIssuer".to_owned());
        assert_eq!(report.detail, detail, "{case}");
    }
}

#[test]
fn ends_self_issued_looks_at_the_last_certificate_only() {
    let ca = ca();
    let leaf = leaf_for(&["mail.example.test"], &ca, YEAR_2025);
    let root = ca.der().clone();
    let garbage = CertificateDer::from(vec![1, 2, 3]);
    let cases = [
        ("no certificate", vec![], false),
        ("leaf alone", vec![leaf.clone()], false),
        ("leaf and root", vec![leaf.clone(), root.clone()], true),
        ("root and leaf", vec![root.clone(), leaf], false),
        ("root alone", vec![root.clone()], true),
        ("garbage last", vec![root, garbage], false),
    ];
    for (case, chain, expected) in cases {
        assert_eq!(ends_self_issued(&chain), expected, "{case}");
    }
}

#[test]
fn an_ip_target_is_judged_against_the_ip_sans() {
    use CertificateVerdict::{NameMismatch, Valid};
    let ca = ca();
    let judge = judge_trusting(&[&ca]);
    let ip_as_dns_name = {
        let mut params = leaf_params(&[], YEAR_2025);
        params.subject_alt_names = vec![SanType::DnsName("192.0.2.10".try_into().unwrap())];
        signed(&params, &ca)
    };
    let leaf = |names: &[&str]| leaf_for(names, &ca, YEAR_2025);
    let cases = [
        (
            "IPv4 SAN",
            leaf(&["mail.example.test", "192.0.2.10"]),
            "192.0.2.10",
            Valid,
        ),
        ("IPv6 SAN", leaf(&["2001:db8::25"]), "2001:db8::25", Valid),
        (
            "IPv6, other spelling",
            leaf(&["2001:db8::25"]),
            "2001:0db8:0:0::25",
            Valid,
        ),
        (
            "another address",
            leaf(&["192.0.2.10"]),
            "192.0.2.11",
            NameMismatch,
        ),
        (
            "IPv4 target, IPv6 SAN",
            leaf(&["::ffff:192.0.2.10"]),
            "192.0.2.10",
            NameMismatch,
        ),
        (
            "DNS names only",
            leaf(&["mail.example.test"]),
            "192.0.2.10",
            NameMismatch,
        ),
        (
            "the address as a DNS name",
            ip_as_dns_name,
            "192.0.2.10",
            NameMismatch,
        ),
    ];
    for (case, leaf, target, expected) in cases {
        let report = judge.judge(&[leaf], &ip(target), now());
        assert_eq!(report.verdict, expected, "{case}");
    }
}

#[test]
fn ip_sans_are_listed_as_addresses() {
    let ca = ca();
    let leaf = leaf_for(
        &["mail.example.test", "192.0.2.10", "2001:db8::25"],
        &ca,
        YEAR_2025,
    );
    assert_eq!(
        facts(&leaf).sans,
        ["mail.example.test", "192.0.2.10", "2001:db8::25"]
    );
}

#[test]
fn ip_from_bytes_reads_four_or_sixteen_bytes_only() {
    let v6 = [
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x25,
    ];
    let cases: [(&str, &[u8], Option<&str>); 6] = [
        ("IPv4", &[192, 0, 2, 10], Some("192.0.2.10")),
        ("IPv6", &v6, Some("2001:db8::25")),
        ("empty", &[], None),
        ("five bytes", &[192, 0, 2, 10, 0], None),
        // Address and mask, as in name constraints: not an address.
        ("IPv4 with mask", &[192, 0, 2, 0, 255, 255, 255, 0], None),
        ("IPv6 with mask", &[0; 32], None),
    ];
    for (case, bytes, expected) in cases {
        let expected = expected.map(|ip| ip.parse::<IpAddr>().unwrap());
        assert_eq!(ip_from_bytes(bytes), expected, "{case}");
    }
}

#[test]
fn only_dns_and_ip_sans_are_listed() {
    let ca = ca();
    let mut params = leaf_params(&["mail.example.test"], YEAR_2025);
    params.subject_alt_names.extend([
        SanType::Rfc822Name("postmaster@example.test".try_into().unwrap()),
        SanType::URI("https://example.test/".try_into().unwrap()),
        SanType::IpAddress("192.0.2.10".parse().unwrap()),
    ]);
    let leaf = signed(&params, &ca);
    let facts = facts(&leaf);
    assert_eq!(facts.sans, ["mail.example.test", "192.0.2.10"]);
    assert_eq!(facts.sans_omitted, 0);
}

#[test]
fn names_beyond_the_cap_are_counted_not_listed() {
    let ca = ca();
    let judge = judge_trusting(&[&ca]);
    for (case, count, omitted) in [
        ("exactly the cap", MAX_SANS, None),
        ("two over the cap", MAX_SANS + 2, Some(2)),
    ] {
        let names: Vec<String> = (0..count).map(|i| format!("mx{i}.example.test")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let leaf = leaf_for(&names, &ca, YEAR_2025);
        // The last name, past the cap, still counts for the verdict.
        let typed = dns(names[count - 1]);
        let report = judge.judge(&[leaf], &typed, now());
        assert_eq!(report.verdict, CertificateVerdict::Valid, "{case}");
        assert_eq!(report.sans, names[..MAX_SANS], "{case}");
        assert_eq!(report.sans_omitted, omitted, "{case}");
    }
}

#[test]
fn facts_name_the_key_and_signature() {
    let cases: [(&str, &rcgen::SignatureAlgorithm, &str, Option<u32>, &str); 3] = [
        (
            "P-256",
            &rcgen::PKCS_ECDSA_P256_SHA256,
            "EC P-256",
            Some(256),
            "ecdsa-with-SHA256",
        ),
        (
            "P-384",
            &rcgen::PKCS_ECDSA_P384_SHA384,
            "EC P-384",
            Some(384),
            "ecdsa-with-SHA384",
        ),
        // x509-parser gives no size for Ed25519 keys.
        ("Ed25519", &rcgen::PKCS_ED25519, "Ed25519", None, "ed25519"),
    ];
    for (case, algorithm, key_type, key_bits, signature_algorithm) in cases {
        let params = leaf_params(&["mail.example.test"], YEAR_2025);
        let key = KeyPair::generate_for(algorithm).unwrap();
        let facts = facts(params.self_signed(&key).unwrap().der());
        assert_eq!(facts.key_type.as_deref(), Some(key_type), "{case}");
        assert_eq!(facts.key_bits, key_bits, "{case}");
        assert_eq!(
            facts.signature_algorithm.as_deref(),
            Some(signature_algorithm),
            "{case}"
        );
    }
}

#[test]
fn facts_use_the_common_name_else_the_whole_name() {
    let mut with_cn = DistinguishedName::new();
    with_cn.push(DnType::OrganizationName, "Example Org");
    with_cn.push(DnType::CommonName, "mail.example.test");
    let mut without_cn = DistinguishedName::new();
    without_cn.push(DnType::CountryName, "DE");
    without_cn.push(DnType::OrganizationName, "Example Org");
    let cases = [
        (
            "common name among others",
            with_cn,
            Some("mail.example.test"),
        ),
        ("no common name", without_cn, Some("C=DE, O=Example Org")),
        ("empty name", DistinguishedName::new(), None),
    ];
    for (case, name, expected) in cases {
        let mut params = leaf_params(&["mail.example.test"], YEAR_2025);
        params.distinguished_name = name;
        let key = KeyPair::generate().unwrap();
        let facts = facts(params.self_signed(&key).unwrap().der());
        assert_eq!(facts.subject.as_deref(), expected, "{case}");
        assert_eq!(facts.issuer.as_deref(), expected, "{case}");
        assert!(facts.self_issued, "{case}");
    }
}

#[test]
fn facts_tell_self_issued_and_issuer_location() {
    let ca = ca();
    let mut with_aia = leaf_params(&["mail.example.test"], YEAR_2025);
    with_aia.custom_extensions = vec![authority_info_access(&CA_ISSUERS, "http://ca.test/")];
    let cases = [
        (
            "CA-issued leaf",
            leaf_for(&["mail.example.test"], &ca, YEAR_2025),
            false,
            false,
        ),
        (
            "CA-issued leaf with caIssuers",
            signed(&with_aia, &ca),
            false,
            true,
        ),
        ("the CA itself", ca.der().clone(), true, false),
        (
            "self-signed leaf",
            self_signed_leaf(&["mail.example.test"], YEAR_2025)
                .der()
                .clone(),
            true,
            false,
        ),
    ];
    for (case, der, self_issued, names_issuer_location) in cases {
        let facts = facts(&der);
        assert_eq!(facts.self_issued, self_issued, "{case}");
        assert_eq!(facts.names_issuer_location, names_issuer_location, "{case}");
    }
}

#[test]
fn rfc3339_is_utc_seconds_from_the_epoch_on() {
    let cases = [
        ("the epoch", 0, Some("1970-01-01T00:00:00Z")),
        ("2026", 1_767_225_600, Some("2026-01-01T00:00:00Z")),
        ("with seconds", 1_767_225_659, Some("2026-01-01T00:00:59Z")),
        ("before the epoch", -1, None),
    ];
    for (case, unix_seconds, expected) in cases {
        assert_eq!(rfc3339(unix_seconds).as_deref(), expected, "{case}");
    }
}

#[test]
fn an_empty_chain_is_invalid() {
    let report = judge_trusting(&[&ca()]).judge(&[], &dns("mail.example.test"), now());
    assert_eq!(
        report,
        CertificateReport {
            verdict: CertificateVerdict::Invalid,
            detail: Some("the server sent no certificate".into()),
            ..CertificateReport::default()
        }
    );
}

#[test]
fn garbage_instead_of_a_certificate_is_invalid_without_facts() {
    let ca = ca();
    let leaf = leaf_for(&["mail.example.test"], &ca, YEAR_2025);
    let cases = [
        ("no bytes", vec![]),
        ("three bytes", vec![1, 2, 3]),
        ("an empty sequence", vec![0x30, 0x00]),
        ("a truncated certificate", leaf[..leaf.len() / 2].to_vec()),
    ];
    let judge = judge_trusting(&[&ca]);
    for (case, bytes) in cases {
        let report = judge.judge(
            &[CertificateDer::from(bytes)],
            &dns("mail.example.test"),
            now(),
        );
        assert_eq!(
            report,
            CertificateReport {
                verdict: CertificateVerdict::Invalid,
                detail: Some("BadEncoding".into()),
                chain_length: 1,
                ..CertificateReport::default()
            },
            "{case}"
        );
    }
}

#[test]
fn a_certificate_with_trailing_bytes_is_invalid_but_described() {
    // webpki refuses the trailing byte; x509-parser reads the certificate before it.
    let ca = ca();
    let leaf = leaf_for(&["mail.example.test"], &ca, YEAR_2025);
    let padded = CertificateDer::from([&leaf[..], &[0]].concat());
    let report = judge_trusting(&[&ca]).judge(&[padded], &dns("mail.example.test"), now());
    assert_eq!(report.verdict, CertificateVerdict::Invalid);
    assert_eq!(report.detail.as_deref(), Some("BadEncoding"));
    assert_eq!(report.subject.as_deref(), Some("mail.example.test"));
    assert_eq!(report.issuer.as_deref(), Some(CA_NAME));
}

#[test]
#[allow(deprecated)] // UnsupportedSignatureAlgorithm: webpki errors still map to it.
fn verdict_for_maps_certificate_errors() {
    use CertificateVerdict::{Expired, Invalid, NameMismatch, NotYetValid, Untrusted};
    let (time, other_time) = (at((2025, 6, 1)), at((2026, 1, 1)));
    let cases = [
        ("Expired", CertificateError::Expired, Expired),
        (
            "ExpiredContext",
            CertificateError::ExpiredContext {
                time,
                not_after: other_time,
            },
            Expired,
        ),
        ("NotValidYet", CertificateError::NotValidYet, NotYetValid),
        (
            "NotValidYetContext",
            CertificateError::NotValidYetContext {
                time,
                not_before: other_time,
            },
            NotYetValid,
        ),
        (
            "NotValidForName",
            CertificateError::NotValidForName,
            NameMismatch,
        ),
        (
            "NotValidForNameContext",
            CertificateError::NotValidForNameContext {
                expected: dns("mail.example.test"),
                presented: vec!["DnsName(\"other.example.test\")".into()],
            },
            NameMismatch,
        ),
        ("UnknownIssuer", CertificateError::UnknownIssuer, Untrusted),
        ("BadEncoding", CertificateError::BadEncoding, Invalid),
        ("BadSignature", CertificateError::BadSignature, Invalid),
        ("Revoked", CertificateError::Revoked, Invalid),
        (
            "UnknownRevocationStatus",
            CertificateError::UnknownRevocationStatus,
            Invalid,
        ),
        (
            "ExpiredRevocationList",
            CertificateError::ExpiredRevocationList,
            Invalid,
        ),
        (
            "UnhandledCriticalExtension",
            CertificateError::UnhandledCriticalExtension,
            Invalid,
        ),
        (
            "UnsupportedSignatureAlgorithm",
            CertificateError::UnsupportedSignatureAlgorithm,
            Invalid,
        ),
        (
            "UnsupportedSignatureAlgorithmContext",
            CertificateError::UnsupportedSignatureAlgorithmContext {
                signature_algorithm_id: vec![],
                supported_algorithms: vec![],
            },
            Invalid,
        ),
        ("InvalidPurpose", CertificateError::InvalidPurpose, Invalid),
        (
            "InvalidOcspResponse",
            CertificateError::InvalidOcspResponse,
            Invalid,
        ),
        (
            "ApplicationVerificationFailure",
            CertificateError::ApplicationVerificationFailure,
            Invalid,
        ),
        (
            "Other",
            CertificateError::Other(rustls::OtherError(Arc::new(std::io::Error::other("x")))),
            Invalid,
        ),
    ];
    for (case, error, expected) in cases {
        assert_eq!(verdict_for(&error), expected, "{case}");
    }
}

#[test]
fn trust_roots_adds_every_certificate_of_every_extra_file() {
    let public = webpki_roots::TLS_SERVER_ROOTS.len();
    let two = pem_file(&(ca().pem() + &ca_named("Second CA").pem()));
    let one = pem_file(&ca_named("Third CA").pem());
    let cases = [
        ("no extra file", vec![], public),
        ("one file, two CAs", vec![path_of(&two)], public + 2),
        ("two files", vec![path_of(&two), path_of(&one)], public + 3),
    ];
    for (case, files, expected) in cases {
        assert_eq!(trust_roots(&files).unwrap().len(), expected, "{case}");
    }
}

#[test]
fn trust_roots_reports_an_unreadable_ca_file() {
    let directory = tempfile::tempdir().unwrap();
    let missing = directory
        .path()
        .join("missing.pem")
        .to_str()
        .unwrap()
        .to_owned();
    let error = trust_roots(std::slice::from_ref(&missing)).unwrap_err();
    assert!(
        matches!(
            &error,
            TrustError::Read { path, source: rustls::pki_types::pem::Error::Io(io) }
                if *path == missing && io.kind() == std::io::ErrorKind::NotFound
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("cannot read CA file {missing}: I/O error: ")),
        "{message}"
    );

    let unterminated = pem_file("-----BEGIN CERTIFICATE-----\nAAAA\n");
    let error = trust_roots(&[path_of(&unterminated)]).unwrap_err();
    assert!(
        matches!(
            &error,
            TrustError::Read { path, source: rustls::pki_types::pem::Error::MissingSectionEnd { .. } }
                if *path == path_of(&unterminated)
        ),
        "{error:?}"
    );
}

#[test]
fn trust_roots_refuses_a_ca_file_without_certificates() {
    let key_only = KeyPair::generate().unwrap().serialize_pem();
    let cases = [
        ("empty file", String::new()),
        ("prose", "my CA, see the wiki\n".to_owned()),
        ("a private key only", key_only),
    ];
    for (case, contents) in cases {
        let file = pem_file(&contents);
        let error = trust_roots(&[path_of(&file)]).unwrap_err();
        assert!(
            matches!(&error, TrustError::Empty { path } if *path == path_of(&file)),
            "{case}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("CA file {} contains no certificate", path_of(&file)),
            "{case}"
        );
    }
}

#[test]
fn trust_roots_refuses_a_certificate_that_is_no_trust_anchor() {
    let file = pem_file("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    let error = trust_roots(&[path_of(&file)]).unwrap_err();
    assert!(
        matches!(&error, TrustError::Anchor { path, .. } if *path == path_of(&file)),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "CA file {} contains a certificate that is not a valid trust anchor: invalid peer \
             certificate: BadEncoding",
            path_of(&file)
        )
    );
}
