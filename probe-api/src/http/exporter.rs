//! `GET /probe?target=…`: one check as Prometheus metrics, the way the blackbox exporter answers,
//! so a provider can scrape its own servers and alert when they regress after the switch-off
//! (TLS 1.0 back on after an update, a certificate about to expire, a server that stopped
//! offering STARTTLS).
//!
//! The check is the same as `/api/v1/check`'s — the same limits (per client, per mail server,
//! connections per server), address policy and report cache — so a scrape costs the mail
//! servers no more than a visitor's check. A refusal is the API's error answer (`429` with
//! `Retry-After`, `403`, …): the scrape fails and Prometheus says so (`up` is 0).
//!
//! Every metric is a gauge; labels: `endpoint` (`imaps://mail.example.de:993`), `address`
//! (the address probed; empty when the name did not resolve), `version`, `verdict`, `domain`.

use std::fmt::Write;
use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use mailtls_shared::{CheckReport, CheckVerdict, EndpointReport, Outcome, wire_name};

use super::AppState;
use super::check::{check_query, client, finished_report};
use super::checks::Served;
use super::error::AppError;

/// The Prometheus text format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /probe?target=T[&target=T…]`: the check's report as Prometheus metrics.
#[utoipa::path(
    get,
    path = "/probe",
    tag = "operations",
    summary = "Check mail servers and answer in Prometheus format",
    description = "For monitoring a provider's own servers, like the blackbox exporter: the same \
                   check, limits and cache as `/api/v1/check`, answered as gauges — \
                   `mailtls_probe_tls_version_accepted{endpoint,address,version}` (1 accepted, \
                   0 refused; inconclusive versions are left out), \
                   `mailtls_probe_certificate_days_left{endpoint,address}`, \
                   `mailtls_probe_endpoint_verdict{endpoint,address,verdict}`, \
                   `mailtls_probe_verdict_severity` (0 ready, 1 unclear, 2 warning, 3 problem) \
                   and more; see the `# HELP` lines.",
    params(
        ("target" = Vec<String>, Query, description = "What to check, as for `/api/v1/check`."),
    ),
    responses(
        (status = 200, description = "The check's metrics", content_type = "text/plain", body = String),
        (status = 400, description = "`missing_target` or `invalid_target`", body = mailtls_shared::ErrorBody),
        (status = 403, description = "`forbidden_address`, `forbidden_port` or `forbidden_domain`", body = mailtls_shared::ErrorBody),
        (status = 429, description = "`rate_limited`", body = mailtls_shared::ErrorBody),
        (status = 503, description = "`busy` or `unavailable`", body = mailtls_shared::ErrorBody),
    )
)]
pub(super) async fn probe(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = check_query(query, &headers);
    let client = client(&state, peer, &headers);
    let (report, age) = match finished_report(&state, client, query.inputs, false).await {
        Ok(Served::Fresh(report)) => ((*report).clone(), None),
        Ok(Served::Cached { json, age_seconds }) => match serde_json::from_str(&json) {
            Ok(report) => (report, Some(age_seconds)),
            Err(_) => return AppError::Internal.into_response_in(query.lang),
        },
        Err(error) => return error.into_response_in(query.lang),
    };
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        render(&report, age),
    )
        .into_response()
}

/// The report as Prometheus text; `age`: seconds since it was made, for a cached one.
pub fn render(report: &CheckReport, age: Option<u64>) -> String {
    let mut out = Metrics::default();
    out.gauge(
        "mailtls_probe_success",
        "Whether the check ran and produced a report (always 1 here: a refusal is an HTTP error).",
        [("", 1)],
    );
    out.gauge(
        "mailtls_probe_duration_seconds",
        "How long the check took (for a cached report: the check that made it).",
        [(String::new(), format_seconds(report.duration_ms))],
    );
    out.gauge(
        "mailtls_probe_cache_age_seconds",
        "Seconds since the report was made when it came from the cache; 0 for a new check.",
        [("", age.unwrap_or(0))],
    );
    out.gauge(
        "mailtls_probe_verdict_severity",
        "The whole check's verdict: 0 ready, 1 unclear, 2 warning, 3 problem.",
        [("", severity(report.verdict))],
    );
    out.gauge(
        "mailtls_probe_verdict",
        "The whole check's verdict, as a label (always 1).",
        [(labels(&[("verdict", wire_name(&report.verdict))]), 1)],
    );
    let endpoints: Vec<(String, &EndpointReport)> = report
        .endpoints
        .iter()
        .map(|endpoint| {
            let name = format!(
                "{}://{}:{}",
                wire_name(&endpoint.scheme),
                endpoint.host,
                endpoint.port
            );
            let address = endpoint.address.clone().unwrap_or_default();
            (
                labels(&[("endpoint", &name), ("address", &address)]),
                endpoint,
            )
        })
        .collect();
    out.gauge(
        "mailtls_probe_endpoint_tested",
        "Whether the endpoint could be tested (1) or not (0: it did not resolve, refused the \
         connection, did not answer in time, offered no STARTTLS …).",
        endpoints
            .iter()
            .map(|(labels, endpoint)| (labels.clone(), u64::from(endpoint.error.is_none()))),
    );
    out.gauge(
        "mailtls_probe_endpoint_verdict",
        "The endpoint's verdict, as a label (always 1): ready, legacy_enabled (SSL 3.0, TLS 1.0 \
         or 1.1 still on), no_modern_tls, certificate_problem, …",
        endpoints.iter().map(|(labels, endpoint)| {
            (
                with(labels, &[("verdict", wire_name(&endpoint.verdict))]),
                1,
            )
        }),
    );
    out.gauge(
        "mailtls_probe_tls_version_accepted",
        "Whether the endpoint accepted the version offered on its own (1) or refused it (0); a \
         version the check could not decide is left out.",
        endpoints.iter().flat_map(|(labels, endpoint)| {
            endpoint
                .versions
                .iter()
                .filter_map(move |(version, outcome)| {
                    let accepted = match outcome {
                        Outcome::Accepted => 1,
                        Outcome::Rejected => 0,
                        Outcome::Inconclusive => return None,
                    };
                    Some((with(labels, &[("version", wire_name(version))]), accepted))
                })
        }),
    );
    out.gauge(
        "mailtls_probe_certificate_days_left",
        "Days until the endpoint's certificate expires (negative: expired).",
        endpoints.iter().filter_map(|(labels, endpoint)| {
            let days = endpoint.certificate.as_ref()?.days_left?;
            Some((labels.clone(), days))
        }),
    );
    out.gauge(
        "mailtls_probe_certificate_valid",
        "Whether a mail program trusts the endpoint's certificate (1), with the certificate's \
         verdict as a label.",
        endpoints.iter().filter_map(|(labels, endpoint)| {
            let certificate = endpoint.certificate.as_ref()?;
            Some((
                with(labels, &[("verdict", wire_name(&certificate.verdict))]),
                u64::from(certificate.verdict == mailtls_shared::CertificateVerdict::Valid),
            ))
        }),
    );
    out.gauge(
        "mailtls_probe_domain_verdict",
        "A checked mail domain's verdict (its MX hosts, MTA-STS, DANE), as a label (always 1).",
        report.domains.iter().map(|domain| {
            (
                labels(&[
                    ("domain", &domain.domain),
                    ("verdict", wire_name(&domain.verdict)),
                ]),
                1,
            )
        }),
    );
    out.text
}

/// Metrics text being written, `# HELP` and `# TYPE` before each metric's samples.
#[derive(Default)]
struct Metrics {
    text: String,
}

impl Metrics {
    fn gauge<L: AsRef<str>, V: std::fmt::Display>(
        &mut self,
        name: &str,
        help: &str,
        samples: impl IntoIterator<Item = (L, V)>,
    ) {
        let _ = writeln!(self.text, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(self.text, "{name}{} {value}", labels.as_ref());
        }
    }
}

/// `{a="x",b="y"}` with the values escaped as the text format asks (`\\`, `\"`, `\n`).
fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}=\"{}\"", escape(value)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// `labels` (already `{…}`) with `more` added.
fn with(labels: &str, more: &[(&str, &str)]) -> String {
    let extra = self::labels(more);
    format!(
        "{},{}",
        labels.strip_suffix('}').unwrap_or(labels),
        extra.strip_prefix('{').unwrap_or(&extra)
    )
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn format_seconds(milliseconds: u64) -> String {
    format!("{}.{:03}", milliseconds / 1000, milliseconds % 1000)
}

fn severity(verdict: CheckVerdict) -> u8 {
    match verdict {
        CheckVerdict::Ready => 0,
        CheckVerdict::Unclear => 1,
        CheckVerdict::Warning => 2,
        CheckVerdict::Problem => 3,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use mailtls_shared::{
        CertificateReport, CertificateVerdict, EndpointError, EndpointErrorCode, Scheme,
        TlsVersion, Verdict,
    };

    use super::*;

    fn endpoint(host: &str, versions: &[(TlsVersion, Outcome)]) -> EndpointReport {
        EndpointReport {
            scheme: Scheme::Imaps,
            host: host.into(),
            port: 993,
            address: Some("192.0.2.1".into()),
            versions: versions.iter().copied().collect::<BTreeMap<_, _>>(),
            handshakes: Vec::new(),
            certificate: None,
            clients: Vec::new(),
            findings: Vec::new(),
            verdict: Verdict::Ready,
            service_found: None,
            error: None,
        }
    }

    #[test]
    fn a_report_becomes_gauges_with_one_sample_per_fact() {
        let mut legacy = endpoint(
            "mail.example.test",
            &[
                (TlsVersion::Tls10, Outcome::Accepted),
                (TlsVersion::Tls11, Outcome::Inconclusive),
                (TlsVersion::Tls12, Outcome::Accepted),
                (TlsVersion::Tls13, Outcome::Rejected),
            ],
        );
        legacy.verdict = Verdict::LegacyEnabled;
        legacy.certificate = Some(CertificateReport {
            verdict: CertificateVerdict::Expired,
            days_left: Some(-3),
            ..CertificateReport::default()
        });
        let mut down = endpoint("down.example.test", &[]);
        down.address = None;
        down.verdict = Verdict::Untestable;
        down.error = Some(EndpointError {
            code: EndpointErrorCode::NameNotFound,
            message: "no".into(),
        });
        let report = CheckReport {
            tool_version: "1".into(),
            checked_at: "2026-12-05T07:00:00Z".into(),
            duration_ms: 1234,
            targets: Vec::new(),
            endpoints: vec![legacy, down],
            verdict: CheckVerdict::Problem,
            domains: Vec::new(),
            truncated: false,
            cached: false,
            age_seconds: None,
        };
        let text = render(&report, Some(7));
        let samples: Vec<&str> = text.lines().filter(|line| !line.starts_with('#')).collect();
        let legacy = r#"endpoint="imaps://mail.example.test:993",address="192.0.2.1""#;
        let down = r#"endpoint="imaps://down.example.test:993",address="""#;
        assert_eq!(
            samples,
            [
                "mailtls_probe_success 1".to_owned(),
                "mailtls_probe_duration_seconds 1.234".into(),
                "mailtls_probe_cache_age_seconds 7".into(),
                "mailtls_probe_verdict_severity 3".into(),
                r#"mailtls_probe_verdict{verdict="problem"} 1"#.into(),
                format!("mailtls_probe_endpoint_tested{{{legacy}}} 1"),
                format!("mailtls_probe_endpoint_tested{{{down}}} 0"),
                format!(r#"mailtls_probe_endpoint_verdict{{{legacy},verdict="legacy_enabled"}} 1"#),
                format!(r#"mailtls_probe_endpoint_verdict{{{down},verdict="untestable"}} 1"#),
                format!(r#"mailtls_probe_tls_version_accepted{{{legacy},version="TLSv1.0"}} 1"#),
                format!(r#"mailtls_probe_tls_version_accepted{{{legacy},version="TLSv1.2"}} 1"#),
                format!(r#"mailtls_probe_tls_version_accepted{{{legacy},version="TLSv1.3"}} 0"#),
                format!("mailtls_probe_certificate_days_left{{{legacy}}} -3"),
                format!(r#"mailtls_probe_certificate_valid{{{legacy},verdict="expired"}} 0"#),
            ]
        );
        // Every metric is introduced once, as a gauge.
        let types = text
            .lines()
            .filter(|line| line.starts_with("# TYPE"))
            .count();
        assert_eq!(types, 11);
        assert!(
            text.lines()
                .filter(|l| l.starts_with("# TYPE"))
                .all(|l| l.ends_with(" gauge"))
        );
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(labels(&[("a", "x\"y\\z\nw")]), r#"{a="x\"y\\z\nw"}"#);
        assert_eq!(with(r#"{a="1"}"#, &[("b", "2")]), r#"{a="1",b="2"}"#);
    }
}
