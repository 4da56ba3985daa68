//! What a report keeps from the wire: the caps, in one place.
//!
//! A report carries what servers sent (certificate names, error texts, TLSA records, policy
//! lines). A hostile server can make those huge — a certificate with thousands of names, a
//! policy of 64 KiB — and every report is kept in the service's cache and sent to browsers. So
//! each list and each free text is capped where the report is made ([`EndpointReport::cap`],
//! [`crate::domain::DomainReport::cap`]), with what was left out counted or marked, and a whole
//! report that is still too large sheds its details ([`CheckReport::fit`]) and says so
//! (`truncated`). Verdicts and findings never change: only what explains them is shortened.

use crate::api::{CheckReport, EndpointReport};
use crate::domain::DomainReport;

/// Most names of a certificate a report lists; the others are counted in `sans_omitted`.
pub const MAX_SANS: usize = 100;

/// Most characters of one text from the wire (server answers, error details, records).
pub const MAX_TEXT_CHARS: usize = 512;

/// Most entries of a list from the wire (TLSA records, policy `mx` lines, `rua` addresses).
pub const MAX_LIST: usize = 32;

/// Most bytes of a report as JSON; a larger one sheds its details and is marked `truncated`.
pub const MAX_REPORT_BYTES: usize = 256 * 1024;

/// How many names a report shows when it must shed details.
const SHED_SANS: usize = 10;

/// Cuts `text` to [`MAX_TEXT_CHARS`] characters, saying how much was left out — and gives
/// the memory back: a cut string keeps its old capacity otherwise (a 50 KB name list cut to
/// 512 characters would still hold 50 KB in every cached report).
pub fn cap_text(text: &mut String) {
    if let Some((cut, _)) = text.char_indices().nth(MAX_TEXT_CHARS) {
        let left = text[cut..].chars().count();
        text.truncate(cut);
        text.push_str(&format!(" … ({left} more characters)"));
        text.shrink_to_fit();
    }
}

fn cap_opt(text: &mut Option<String>) {
    if let Some(text) = text {
        cap_text(text);
    }
}

fn cap_list(list: &mut Vec<String>) {
    list.truncate(MAX_LIST);
    list.shrink_to_fit();
    list.iter_mut().for_each(cap_text);
}

impl EndpointReport {
    /// Applies the caps: at most [`MAX_SANS`] certificate names (the rest counted), every text
    /// at most [`MAX_TEXT_CHARS`] characters.
    pub fn cap(&mut self) {
        for handshake in &mut self.handshakes {
            cap_opt(&mut handshake.detail);
        }
        if let Some(certificate) = &mut self.certificate {
            if certificate.sans.len() > MAX_SANS {
                let omitted = certificate.sans.len() - MAX_SANS;
                certificate.sans.truncate(MAX_SANS);
                certificate.sans.shrink_to_fit();
                certificate.sans_omitted = Some(certificate.sans_omitted.unwrap_or(0) + omitted);
            }
            certificate.sans.iter_mut().for_each(cap_text);
            cap_opt(&mut certificate.detail);
            cap_opt(&mut certificate.subject);
            cap_opt(&mut certificate.issuer);
        }
        for client in &mut self.clients {
            cap_opt(&mut client.detail);
        }
        for finding in &mut self.findings {
            cap_opt(&mut finding.detail);
        }
        if let Some(error) = &mut self.error {
            cap_text(&mut error.message);
        }
    }

    /// Drops what explains the verdict in detail: handshake, client and finding details, and
    /// all but [`SHED_SANS`] certificate names.
    fn shed(&mut self) {
        for handshake in &mut self.handshakes {
            handshake.detail = None;
        }
        for client in &mut self.clients {
            client.detail = None;
        }
        for finding in &mut self.findings {
            finding.detail = None;
        }
        if let Some(certificate) = &mut self.certificate
            && certificate.sans.len() > SHED_SANS
        {
            let omitted = certificate.sans.len() - SHED_SANS;
            certificate.sans.truncate(SHED_SANS);
            certificate.sans_omitted = Some(certificate.sans_omitted.unwrap_or(0) + omitted);
        }
    }
}

impl DomainReport {
    /// Applies the caps to what DNS and the policy server sent: lists at most [`MAX_LIST`]
    /// entries, texts at most [`MAX_TEXT_CHARS`] characters.
    pub fn cap(&mut self) {
        cap_opt(&mut self.detail);
        for host in &mut self.mx_hosts {
            for problem in &mut host.problems {
                cap_opt(&mut problem.detail);
            }
            if let Some(error) = &mut host.error {
                cap_text(&mut error.message);
            }
            if let Some(dane) = &mut host.dane {
                cap_list(&mut dane.records);
                cap_opt(&mut dane.detail);
            }
        }
        let sts = &mut self.mta_sts;
        cap_opt(&mut sts.record);
        cap_opt(&mut sts.id);
        cap_opt(&mut sts.policy_url);
        cap_opt(&mut sts.error);
        if let Some(policy) = &mut sts.policy {
            cap_list(&mut policy.mx);
        }
        cap_opt(&mut self.tls_rpt.record);
        cap_list(&mut self.tls_rpt.rua);
        cap_opt(&mut self.tls_rpt.error);
    }
}

impl CheckReport {
    /// Applies every cap, and if the report as JSON is still larger than `max_bytes`, sheds
    /// the endpoints' details (then their client rows) until it fits, setting `truncated`.
    pub fn fit(&mut self, max_bytes: usize) {
        self.endpoints.iter_mut().for_each(EndpointReport::cap);
        self.domains.iter_mut().for_each(DomainReport::cap);
        if json_size(self) <= max_bytes {
            return;
        }
        self.truncated = true;
        self.endpoints.iter_mut().for_each(EndpointReport::shed);
        if json_size(self) <= max_bytes {
            return;
        }
        for endpoint in &mut self.endpoints {
            endpoint.clients.clear();
            endpoint.handshakes.clear();
        }
    }
}

/// The length of `value` as JSON, without building the JSON.
pub fn json_size<T: serde::Serialize>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => usize::MAX,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{
        CertificateReport, CheckVerdict, ClientReport, HandshakeReport, Outcome, Scheme,
        TlsVersion, Verdict,
    };

    fn endpoint(sans: usize, detail_chars: usize) -> EndpointReport {
        EndpointReport {
            scheme: Scheme::Imaps,
            host: "mail.example.de".into(),
            port: 993,
            address: Some("192.0.2.1".into()),
            versions: BTreeMap::from([(TlsVersion::Tls12, Outcome::Accepted)]),
            handshakes: vec![HandshakeReport {
                version: TlsVersion::Tls12,
                outcome: Outcome::Accepted,
                reason: None,
                detail: Some("ä".repeat(detail_chars)),
                cipher_suite: None,
                group: None,
                duration_ms: 1,
            }],
            certificate: Some(CertificateReport {
                sans: (0..sans).map(|n| format!("n{n}.example.de")).collect(),
                detail: Some("x".repeat(detail_chars)),
                ..CertificateReport::default()
            }),
            clients: crate::SimulatedClient::ALL
                .iter()
                .map(|client| ClientReport {
                    client: *client,
                    result: crate::ClientResult::Connected,
                    version: None,
                    cipher_suite: None,
                    group: None,
                    reason: None,
                    detail: Some("d".repeat(detail_chars)),
                })
                .collect(),
            findings: vec![],
            verdict: Verdict::Ready,
            service_found: None,
            error: None,
        }
    }

    #[test]
    fn a_certificate_with_thousands_of_names_keeps_a_hundred_and_counts_the_rest() {
        let mut endpoint = endpoint(20_000, 100_000);
        endpoint.cap();
        let certificate = endpoint.certificate.as_ref().expect("certificate");
        assert_eq!(certificate.sans.len(), MAX_SANS);
        assert_eq!(
            certificate.sans[0], "n0.example.de",
            "the first ones, in order"
        );
        assert_eq!(certificate.sans_omitted, Some(20_000 - MAX_SANS));
        let detail = certificate.detail.as_deref().unwrap_or_default();
        assert!(detail.ends_with(" … (99488 more characters)"), "{detail}");
        // The memory of the cut text is given back, not only its length.
        let capacity = certificate.detail.as_ref().map_or(0, String::capacity);
        assert!(capacity < 1_000, "a cut text still holds {capacity} bytes");
        // Characters, not bytes: a multi-byte text is cut at a character boundary.
        let handshake = endpoint.handshakes[0].detail.as_deref().unwrap_or_default();
        assert!(
            handshake.starts_with(&"ä".repeat(MAX_TEXT_CHARS)),
            "{handshake}"
        );
        assert_eq!(endpoint.verdict, Verdict::Ready, "the verdict stays");
    }

    #[test]
    fn a_report_too_large_sheds_details_says_so_and_fits() {
        let report = |endpoints| CheckReport {
            tool_version: "0".into(),
            checked_at: "2026-12-04T12:00:00Z".into(),
            duration_ms: 1,
            targets: vec![],
            endpoints,
            verdict: CheckVerdict::Ready,
            domains: vec![],
            truncated: false,
            cached: false,
            age_seconds: None,
        };
        let mut small = report(vec![endpoint(3, 10)]);
        small.fit(MAX_REPORT_BYTES);
        assert!(!small.truncated);
        assert_eq!(
            small.endpoints[0].handshakes[0].detail.as_deref(),
            Some("ää".repeat(5).as_str())
        );

        let mut large = report((0..56).map(|_| endpoint(5_000, 5_000)).collect());
        large.fit(MAX_REPORT_BYTES);
        assert!(large.truncated);
        assert!(
            json_size(&large) <= MAX_REPORT_BYTES,
            "{}",
            json_size(&large)
        );
        assert_eq!(
            large.endpoints.len(),
            56,
            "every endpoint and verdict stays"
        );
        let certificate = large.endpoints[0]
            .certificate
            .as_ref()
            .expect("certificate");
        assert_eq!(certificate.sans_omitted, Some(5_000 - SHED_SANS));
        let json = serde_json::to_value(&large).expect("JSON");
        assert_eq!(json["truncated"], true);
    }
}
