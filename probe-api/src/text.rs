//! The report as plain text for `probe-api check`: one block per endpoint, one line per version.

use std::fmt::Write as _;

use mailtls_shared::{CheckReport, EndpointReport, Finding, Severity, Verdict, wire_name};

/// The verdict in the mission's words.
pub fn verdict_words(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Ready => "ready for TLS 1.2+ (Microsoft 365 compatible)",
        Verdict::LegacyEnabled => "works, but legacy versions are still enabled",
        Verdict::NoModernTls => "no TLS 1.2: Microsoft 365 and current mail programs will fail",
        Verdict::CertificateProblem => "certificate problem",
        Verdict::Untestable => "could not test",
    }
}

/// Renders the whole report.
pub fn report(report: &CheckReport) -> String {
    let mut out = String::new();
    for endpoint in &report.endpoints {
        endpoint_block(&mut out, endpoint);
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "overall: {}  ({} endpoints, {} ms)",
        verdict_words(report.verdict),
        report.endpoints.len(),
        report.duration_ms
    );
    out
}

fn endpoint_block(out: &mut String, endpoint: &EndpointReport) {
    let address = endpoint.address.as_deref().unwrap_or("-");
    let _ = writeln!(
        out,
        "{}://{}:{}  [{address}]",
        endpoint.scheme, endpoint.host, endpoint.port
    );
    let mut verdict = verdict_words(endpoint.verdict).to_owned();
    if let Some(error) = &endpoint.error {
        let _ = write!(verdict, " ({}: {})", wire_name(&error.code), error.message);
    }
    let _ = writeln!(out, "  verdict      {verdict}");
    for handshake in &endpoint.handshakes {
        let mut details: Vec<&str> = Vec::new();
        details.extend(handshake.cipher_suite.as_deref());
        details.extend(handshake.group.as_deref());
        details.extend(handshake.detail.as_deref());
        let outcome = wire_name(&handshake.outcome);
        let _ = writeln!(
            out,
            "  {:<12} {:<13} {}",
            handshake.version.display_name(),
            outcome,
            details.join(", ")
        );
    }
    if let Some(certificate) = &endpoint.certificate {
        let mut facts: Vec<String> = Vec::new();
        facts.extend(certificate.subject.clone());
        if !certificate.sans.is_empty() {
            facts.push(format!("names {}", certificate.sans.join(" ")));
        }
        facts.extend(
            certificate
                .issuer
                .as_ref()
                .map(|issuer| format!("issued by {issuer}")),
        );
        facts.extend(
            certificate
                .days_left
                .map(|days| format!("{days} days left")),
        );
        match (&certificate.key_type, certificate.key_bits) {
            (Some(key), Some(bits)) => facts.push(format!("{key} {bits} bit")),
            (Some(key), None) => facts.push(key.clone()),
            _ => {}
        }
        facts.extend(certificate.signature_algorithm.clone());
        let _ = writeln!(
            out,
            "  certificate  {}: {}",
            wire_name(&certificate.verdict),
            facts.join("; ")
        );
    }
    for Finding {
        code,
        severity,
        detail,
    } in &endpoint.findings
    {
        let severity = match severity {
            Severity::Critical => "CRITICAL",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let detail = detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        let _ = writeln!(out, "  finding      {severity} {}{detail}", wire_name(code));
    }
}
