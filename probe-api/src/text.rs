//! The report as plain text for `probe-api check`: one block per endpoint, one line per version,
//! then one block per domain.

use std::fmt::Write as _;

use crate::probe::handshake::simulate::catalog::Profile;

use mailtls_shared::{
    CheckReport, CheckVerdict, DomainReport, DomainVerdict, EndpointReport, Finding, MtaStsStatus,
    MxStatus, Severity, TlsRptStatus, Verdict, wire_name,
};

/// The verdict in the mission's words.
pub fn verdict_words(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Ready => "ready: TLS 1.2 or newer only, valid certificate",
        Verdict::LegacyEnabled => "works, but legacy versions are still enabled",
        Verdict::ClientsLockedOut => {
            "TLS 1.2+ works, but mail programs that speak it are locked out"
        }
        Verdict::NoModernTls => "no TLS 1.2: Microsoft 365 and current mail programs will fail",
        Verdict::CertificateProblem => "certificate problem",
        Verdict::Untestable => "could not test",
        Verdict::PartlyTested => {
            "partly tested: TLS 1.2+ works, but could not confirm that old versions are off"
        }
        Verdict::NotOffered => "not offered: nothing listens on this port",
        Verdict::WrongService => "wrong service: this port is not what the target names",
    }
}

/// The whole check's answer, in the words of the exit status (`check --help`).
pub fn check_verdict_words(verdict: CheckVerdict) -> &'static str {
    match verdict {
        CheckVerdict::Ready => "ready: nothing to fix",
        CheckVerdict::Unclear => "unclear: something could not be tested, or only partly",
        CheckVerdict::Warning => "warning: works today, but something must be fixed",
        CheckVerdict::Problem => "problem: at least one problem found",
    }
}

/// Renders the whole report.
pub fn report(report: &CheckReport) -> String {
    let mut out = String::new();
    for endpoint in &report.endpoints {
        endpoint_block(&mut out, endpoint);
        out.push('\n');
    }
    for domain in &report.domains {
        domain_block(&mut out, domain);
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "overall: {}  ({} endpoints, {} ms)",
        check_verdict_words(report.verdict),
        report.endpoints.len(),
        report.duration_ms
    );
    out
}

fn endpoint_block(out: &mut String, endpoint: &EndpointReport) {
    let address = endpoint.address.as_deref().unwrap_or("-");
    // An IPv6 host in brackets, so the line can be pasted back as a target.
    let host = if endpoint.host.contains(':') {
        format!("[{}]", endpoint.host)
    } else {
        endpoint.host.clone()
    };
    let _ = writeln!(
        out,
        "{}://{host}:{}  [{address}]",
        endpoint.scheme, endpoint.port
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
    for client in &endpoint.clients {
        let mut details: Vec<String> = Vec::new();
        details.extend(
            client
                .version
                .map(|version| version.display_name().to_owned()),
        );
        details.extend(client.cipher_suite.clone());
        details.extend(client.group.clone());
        details.extend(client.reason.map(|reason| wire_name(&reason).to_owned()));
        details.extend(client.detail.clone());
        let _ = writeln!(
            out,
            "  client       {:<36} {:<9} {}",
            Profile::of(client.client).label,
            wire_name(&client.result),
            details.join(", ")
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

/// The domain verdict in the mission's words.
pub fn domain_verdict_words(domain: &DomainReport) -> String {
    match domain.verdict {
        DomainVerdict::Ready => {
            "mail from Microsoft 365 and other providers reaches this domain over TLS 1.2+".into()
        }
        DomainVerdict::NoMail => "this domain receives no mail (null MX)".into(),
        DomainVerdict::Untestable => "the mail servers could not be tested".into(),
        DomainVerdict::MtaStsBroken => format!(
            "the MX hosts take mail over TLS 1.2+, but the MTA-STS policy cannot be used ({}{}); \
             MTA-STS senders deliver without it or keep a copy fetched earlier",
            wire_name(&domain.mta_sts.status),
            domain
                .mta_sts
                .error
                .as_deref()
                .map(|error| format!(": {error}"))
                .unwrap_or_default()
        ),
        DomainVerdict::SomeMxFailing => {
            let failing: Vec<String> = domain
                .failing_hosts()
                .map(|(position, host)| {
                    format!("MX {position} of {}", domain.mx_hosts.len())
                        + &format!(" ({})", host.host)
                })
                .collect();
            format!(
                "{} has a problem; mail may be delayed or lost",
                failing.join(", ")
            )
        }
        DomainVerdict::NoModernTls if domain.unencrypted_only() => {
            "no MX host offers STARTTLS: Microsoft 365 and most senders deliver unencrypted".into()
        }
        DomainVerdict::NoModernTls => {
            "no MX host takes mail over TLS 1.2+ (they offer older versions only): Microsoft 365 \
             does not deliver over them, mail is delayed or lost"
                .into()
        }
        DomainVerdict::NoUsableMx => {
            "no MX host passes the domain's own MTA-STS or DANE rules: senders that enforce MTA-STS or DANE will not deliver"
                .into()
        }
    }
}

fn domain_block(out: &mut String, domain: &DomainReport) {
    let _ = writeln!(out, "domain {}", domain.domain);
    let _ = writeln!(out, "  verdict      {}", domain_verdict_words(domain));
    let mut source = wire_name(&domain.mx_source).to_owned();
    if domain.mx_skipped > 0 {
        let _ = write!(
            source,
            " ({} more MX records not checked)",
            domain.mx_skipped
        );
    }
    if let Some(detail) = &domain.detail {
        let _ = write!(source, ": {detail}");
    }
    let _ = writeln!(out, "  mx source    {source}");
    for (index, host) in domain.mx_hosts.iter().enumerate() {
        let status = match host.status {
            MxStatus::Usable => "usable",
            MxStatus::Problem => "PROBLEM",
            MxStatus::Untested => "untested",
        };
        let best = host
            .best_version
            .map(|version| format!(", best {}", version.display_name()))
            .unwrap_or_default();
        let addresses = if host.addresses.is_empty() {
            String::new()
        } else {
            format!("  [{}]", host.addresses.join(" "))
        };
        let _ = writeln!(
            out,
            "  MX {:<2} {:>5} {}  {status}{best}{addresses}",
            index + 1,
            host.preference,
            host.host
        );
        for problem in &host.problems {
            let detail = problem
                .detail
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "           {} {}{detail}",
                wire_name(&problem.severity),
                wire_name(&problem.code)
            );
        }
    }
    let sts = &domain.mta_sts;
    let mut line = wire_name(&sts.status).to_owned();
    if let Some(policy) = sts
        .policy
        .as_ref()
        .filter(|_| sts.status == MtaStsStatus::Valid)
    {
        let _ = write!(
            line,
            ", mode {}, mx {}, max_age {}",
            wire_name(&policy.mode),
            policy.mx.join(" "),
            policy.max_age
        );
    }
    if let Some(error) = &sts.error {
        let _ = write!(line, ": {error}");
    }
    let _ = writeln!(out, "  MTA-STS      {line}");
    let rpt = &domain.tls_rpt;
    let mut line = wire_name(&rpt.status).to_owned();
    if rpt.status == TlsRptStatus::Valid {
        let _ = write!(line, ", reports to {}", rpt.rua.join(" "));
    }
    if let Some(error) = &rpt.error {
        let _ = write!(line, ": {error}");
    }
    let _ = writeln!(out, "  TLS-RPT      {line}");
    if let Some(dane) = domain.dane {
        let mut line = wire_name(&dane).to_owned();
        for host in &domain.mx_hosts {
            if let Some(host_dane) = &host.dane {
                let _ = write!(line, "; {} {}", host.host, wire_name(&host_dane.status));
            }
        }
        let _ = writeln!(out, "  DANE         {line}");
    }
}
