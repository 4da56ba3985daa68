//! MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy file fetched over HTTPS, its
//! parsing, and matching MX host names against its `mx` patterns.
//!
//! The fetch is as careful as a probe: the policy host's addresses go through the address policy
//! like any target, the certificate must be valid for `mta-sts.DOMAIN`, redirects are refused
//! (RFC 8461 §3.3), the headers and the body are capped ([`MAX_POLICY_BYTES`]) and the whole
//! fetch ends by a deadline.

use crate::probe::politeness::{AddressSlots, NoSlot};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST, LOCATION, USER_AGENT};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use thiserror::Error;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use mailtls_shared::{Host, Hostname, MtaStsMode, MtaStsPolicy};

use super::dns::{RecordChoice, versioned_record};
use crate::probe::policy::{AddressPolicy, Denied};
use crate::probe::resolve::Resolver;

/// Largest policy file read. RFC 8461 §3.3 lets senders stop at 64 KiB.
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// Largest `max_age` RFC 8461 §3.2 allows: one year.
pub const MAX_MAX_AGE: u64 = 31_557_600;

/// The policy's path on `mta-sts.DOMAIN`.
pub const POLICY_PATH: &str = "/.well-known/mta-sts.txt";

/// Why the `_mta-sts` TXT record is not usable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    #[error("the record does not start with v=STSv1")]
    NotSts,
    #[error("the record has no valid id (1 to 32 letters and digits)")]
    MissingId,
    #[error("the record is not text")]
    NotText,
    #[error("there are {0} records starting with v=STSv1; exactly one is allowed")]
    Several(usize),
    #[error("the record is {0} bytes long")]
    TooLong(usize),
}

impl From<RecordChoice> for RecordError {
    fn from(choice: RecordChoice) -> Self {
        match choice {
            RecordChoice::Several(count) => RecordError::Several(count),
            RecordChoice::TooLong(len) => RecordError::TooLong(len),
            RecordChoice::NotText => RecordError::NotText,
        }
    }
}

/// Why a policy file is not valid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    #[error("the policy is not UTF-8 text")]
    NotText,
    #[error("the policy has no \"version: STSv1\" line")]
    Version,
    #[error("the policy has no mode (enforce, testing or none)")]
    MissingMode,
    #[error("mode {0:?} is not enforce, testing or none")]
    InvalidMode(String),
    #[error("the policy has no max_age")]
    MissingMaxAge,
    #[error("max_age {0:?} is not a number of seconds up to 31557600")]
    InvalidMaxAge(String),
    #[error("mode {0} needs at least one mx line")]
    MissingMx(&'static str),
    #[error("mx pattern {0:?} is not a host name or *.domain")]
    InvalidMx(String),
}

/// Why the policy could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FetchError {
    #[error("{host} has no address")]
    NoAddress { host: String },
    #[error("{host} resolves to {address}, which is a {why} address; it was not contacted")]
    Forbidden {
        host: String,
        address: std::net::IpAddr,
        why: Denied,
    },
    #[error("cannot connect to {address}: {detail}")]
    Connect { address: SocketAddr, detail: String },
    #[error("the HTTPS connection failed (certificate or TLS): {0}")]
    Tls(String),
    #[error("the server answered HTTP {status}; only 200 is a policy")]
    Status { status: u16 },
    #[error("the server redirected to {location:?}; MTA-STS forbids redirects")]
    Redirect { location: String },
    #[error("the policy is larger than {MAX_POLICY_BYTES} bytes")]
    TooLarge,
    #[error("the policy is served as {0:?}, not text/plain")]
    ContentType(String),
    #[error("HTTP failed: {0}")]
    Http(String),
    #[error("no complete answer within {seconds} s")]
    Timeout { seconds: u64 },
    /// This service could not make the connection (no slot for the server, no socket, the
    /// shared store away): says nothing about the domain, and ends the check as overloaded.
    #[error("not fetched: {0}")]
    Ours(String),
}

/// The policy `id` of the one `v=STSv1` record among `records` (RFC 8461 §3.1).
pub fn parse_record(records: &[Result<&[u8], usize>]) -> Result<String, RecordError> {
    let text = versioned_record(records, b"v=STSv1")?.ok_or(RecordError::NotSts)?;
    let mut fields = text.split(';').map(str::trim);
    if fields.next() != Some("v=STSv1") {
        return Err(RecordError::NotSts);
    }
    fields
        .filter_map(|field| field.strip_prefix("id="))
        .find(|id| (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_owned)
        .ok_or(RecordError::MissingId)
}

/// Parses a policy file (RFC 8461 §3.2): `key: value` lines, CRLF or LF, in any order.
pub fn parse_policy(body: &[u8]) -> Result<MtaStsPolicy, PolicyError> {
    let text = std::str::from_utf8(body).map_err(|_| PolicyError::NotText)?;
    let lines = text
        .split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.trim().is_empty())
        .map(|line| match line.split_once(':') {
            Some((key, value)) => (key.trim(), value.trim()),
            None => (line.trim(), ""),
        });
    let mut version = None;
    let mut mode = None;
    let mut max_age = None;
    let mut mx = Vec::new();
    for (key, value) in lines {
        match key {
            "version" if version.is_none() => version = Some(value),
            "mode" if mode.is_none() => {
                mode = Some(match value {
                    "enforce" => MtaStsMode::Enforce,
                    "testing" => MtaStsMode::Testing,
                    "none" => MtaStsMode::None,
                    other => {
                        return Err(PolicyError::InvalidMode(other.chars().take(40).collect()));
                    }
                })
            }
            "max_age" if max_age.is_none() => {
                let invalid = || PolicyError::InvalidMaxAge(value.chars().take(40).collect());
                if value.is_empty()
                    || value.len() > 10
                    || !value.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(invalid());
                }
                let seconds: u64 = value.parse().map_err(|_| invalid())?;
                if seconds > MAX_MAX_AGE {
                    return Err(invalid());
                }
                max_age = Some(seconds);
            }
            "mx" => {
                if !valid_pattern(value) {
                    return Err(PolicyError::InvalidMx(value.chars().take(80).collect()));
                }
                // No cap beyond the body's: a host matching pattern 40 must not be misjudged.
                mx.push(value.trim_end_matches('.').to_ascii_lowercase());
            }
            // Unknown keys are for future extensions (§3.2); repeated ones: the first counts.
            _ => {}
        }
    }
    if version != Some("STSv1") {
        return Err(PolicyError::Version);
    }
    let mode = mode.ok_or(PolicyError::MissingMode)?;
    let max_age = max_age.ok_or(PolicyError::MissingMaxAge)?;
    match mode {
        MtaStsMode::Enforce if mx.is_empty() => return Err(PolicyError::MissingMx("enforce")),
        MtaStsMode::Testing if mx.is_empty() => return Err(PolicyError::MissingMx("testing")),
        _ => {}
    }
    Ok(MtaStsPolicy { mode, mx, max_age })
}

/// `mail.example.com` or `*.example.com` (a trailing dot is tolerated).
fn valid_pattern(pattern: &str) -> bool {
    let name = pattern.strip_prefix("*.").unwrap_or(pattern);
    let name = name.strip_suffix('.').unwrap_or(name);
    Hostname::parse(name).is_ok_and(|host| host.as_str().eq_ignore_ascii_case(name))
}

/// Whether `host` matches `pattern` (RFC 8461 §4.1): equal, or `*.` standing for exactly the
/// left-most label.
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.');
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest.eq_ignore_ascii_case(suffix)),
        None => pattern.eq_ignore_ascii_case(host),
    }
}

/// Fetches policy files: a TLS client that validates certificates, a port, a deadline.
#[derive(Debug, Clone)]
pub struct PolicyFetcher {
    pub tls: Arc<rustls::ClientConfig>,
    /// 443 on the internet; a lab or test may move it.
    pub port: u16,
    pub timeout: Duration,
}

impl PolicyFetcher {
    /// The URL the policy of `domain` lives at.
    pub fn url(&self, domain: &Hostname) -> String {
        if self.port == 443 {
            format!("https://mta-sts.{}{POLICY_PATH}", domain.as_str())
        } else {
            format!(
                "https://mta-sts.{}:{}{POLICY_PATH}",
                domain.as_str(),
                self.port
            )
        }
    }

    /// GETs the policy of `domain`; the body, at most [`MAX_POLICY_BYTES`].
    pub async fn fetch(
        &self,
        domain: &Hostname,
        resolver: &Resolver,
        policy: &AddressPolicy,
        slots: &AddressSlots,
    ) -> Result<Bytes, FetchError> {
        let host_name = format!("mta-sts.{}", domain.as_str());
        let seconds = self.timeout.as_secs();
        match tokio::time::timeout(
            self.timeout,
            self.fetch_from(&host_name, resolver, policy, slots),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout { seconds }),
        }
    }

    async fn fetch_from(
        &self,
        host_name: &str,
        resolver: &Resolver,
        policy: &AddressPolicy,
        slots: &AddressSlots,
    ) -> Result<Bytes, FetchError> {
        // `fetch`'s own timeout ends this at the latest; the slots are leased until then.
        let deadline = tokio::time::Instant::now() + self.timeout;
        let no_address = || FetchError::NoAddress {
            host: host_name.to_owned(),
        };
        let host = Hostname::parse(host_name).map_err(|_| no_address())?;
        let addresses = resolver
            .resolve(&Host::Name(host.clone()))
            .await
            .map_err(|_| no_address())?;
        for address in &addresses {
            policy
                .check_address(*address)
                .map_err(|why| FetchError::Forbidden {
                    host: host_name.to_owned(),
                    address: *address,
                    why,
                })?;
        }
        // Each address in turn (an IPv6-less probe host must not fail on the AAAA answer).
        // The fetch counts against the host's connection slots like any probe (politeness).
        let mut connected = None;
        let mut last_error = no_address();
        for ip in &addresses {
            let address = SocketAddr::new(*ip, self.port);
            let slot = match slots.acquire(*ip, deadline).await {
                Ok(slot) => slot,
                Err(NoSlot::Timeout) => {
                    last_error = FetchError::Ours(
                        "other checks held this server's connection slots until the deadline"
                            .into(),
                    );
                    continue;
                }
                Err(NoSlot::Store(error)) => {
                    last_error =
                        FetchError::Ours(format!("no connection slot for this server: {error}"));
                    continue;
                }
            };
            // One of the engine's outbound sockets too, within the fetch's time.
            let Some(outbound) = slots.outbound(deadline).await else {
                last_error = FetchError::Ours("this service had no free socket".into());
                continue;
            };
            match TcpStream::connect(address).await {
                Ok(tcp) => {
                    connected = Some((tcp, slot, outbound));
                    break;
                }
                Err(error) => {
                    last_error = FetchError::Connect {
                        address,
                        detail: error.to_string(),
                    }
                }
            }
        }
        let (tcp, _slot, _outbound) = connected.ok_or(last_error)?;
        let server_name = ServerName::try_from(host.as_str().to_owned())
            .map_err(|error| FetchError::Tls(error.to_string()))?;
        let tls = TlsConnector::from(self.tls.clone())
            .connect(server_name, tcp)
            .await
            .map_err(|error| FetchError::Tls(error.to_string()))?;
        let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
            .max_buf_size(16 * 1024)
            .handshake::<_, Empty<Bytes>>(TokioIo::new(tls))
            .await
            .map_err(|error| FetchError::Http(error.to_string()))?;
        // Ends with this fetch, also when the deadline drops it half-way.
        let _connection = AbortOnDrop(tokio::spawn(connection));
        async {
            let request = hyper::Request::get(POLICY_PATH)
                .header(HOST, host.as_str())
                .header(USER_AGENT, concat!("MailTLS/", env!("CARGO_PKG_VERSION")))
                .body(Empty::new())
                .map_err(|error| FetchError::Http(error.to_string()))?;
            let response = sender
                .send_request(request)
                .await
                .map_err(|error| FetchError::Http(error.to_string()))?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect();
                return Err(FetchError::Redirect { location });
            }
            if status != hyper::StatusCode::OK {
                return Err(FetchError::Status {
                    status: status.as_u16(),
                });
            }
            if let Some(length) = response
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse::<u64>().ok())
                && length > MAX_POLICY_BYTES as u64
            {
                return Err(FetchError::TooLarge);
            }
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            let media_type = content_type.split(';').next().unwrap_or("").trim();
            if media_type != "text/plain" {
                return Err(FetchError::ContentType(
                    content_type.chars().take(80).collect(),
                ));
            }
            let body = Limited::new(response.into_body(), MAX_POLICY_BYTES)
                .collect()
                .await
                .map_err(|error| {
                    if error.is::<http_body_util::LengthLimitError>() {
                        FetchError::TooLarge
                    } else {
                        FetchError::Http(error.to_string())
                    }
                })?;
            Ok(body.to_bytes())
        }
        .await
    }
}

/// Aborts a spawned task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records() {
        let ok = |text: &str| parse_record(&[Ok(text.as_bytes())]);
        assert_eq!(
            ok("v=STSv1; id=20260101T000000;"),
            Ok("20260101T000000".into())
        );
        assert_eq!(ok("v=STSv1;id=abc"), Ok("abc".into()));
        assert_eq!(ok("v=STSv1; ext=1; id=abc"), Ok("abc".into()));
        assert_eq!(ok("v=STSv1;"), Err(RecordError::MissingId));
        assert_eq!(ok("v=STSv1; id=a-b"), Err(RecordError::MissingId));
        assert_eq!(
            ok(&format!("v=STSv1; id={}", "a".repeat(33))),
            Err(RecordError::MissingId)
        );
        assert_eq!(ok("v=spf1 -all"), Err(RecordError::NotSts));
        assert_eq!(ok("v=STSv10; id=a"), Err(RecordError::NotSts));
        assert_eq!(
            parse_record(&[Ok(b"v=STSv1; id=a"), Ok(b"v=STSv10; id=b")]),
            Ok("a".into())
        );
        assert_eq!(
            parse_record(&[Ok(b"v=STSv1; id=a"), Ok(b"v=STSv1; id=b")]),
            Err(RecordError::Several(2))
        );
        assert_eq!(
            parse_record(&[Ok(b"v=spf1 -all"), Ok(b"v=STSv1; id=b")]),
            Ok("b".into())
        );
        assert_eq!(
            parse_record(&[Err(70_000)]),
            Err(RecordError::TooLong(70_000))
        );
        assert_eq!(
            parse_record(&[Ok(b"v=STSv1; id=\xff")]),
            Err(RecordError::NotText)
        );
    }

    #[test]
    fn policies() {
        let policy = parse_policy(
            b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.Example.net\r\nmax_age: 604800\r\n",
        )
        .unwrap();
        assert_eq!(
            policy,
            MtaStsPolicy {
                mode: MtaStsMode::Enforce,
                mx: vec!["mail.example.com".into(), "*.example.net".into()],
                max_age: 604800,
            }
        );
        assert_eq!(
            parse_policy(b"version: STSv1\nmode: none\nmax_age: 0\n")
                .unwrap()
                .mode,
            MtaStsMode::None
        );
        // Fields in any order (RFC 8461 §3.2), and every mx pattern kept.
        let many: String = (0..40)
            .map(|n| format!("mx: mx{n}.example.com\n"))
            .collect();
        let policy =
            parse_policy(format!("mode: testing\n{many}max_age: 60\nversion: STSv1\n").as_bytes())
                .unwrap();
        assert_eq!(policy.mx.len(), 40);
        let dotted =
            parse_policy(b"version: STSv1\nmode: enforce\nmx: mail.example.com.\nmax_age: 60\n");
        assert_eq!(dotted.unwrap().mx, ["mail.example.com"]);
        let cases: [(&[u8], PolicyError); 8] = [
            (
                b"mode: enforce\nversion: STSv2\nmx: a.example\nmax_age: 1\n",
                PolicyError::Version,
            ),
            (b"version: STSv1\nmax_age: 1\n", PolicyError::MissingMode),
            (
                b"version: STSv1\nmode: strict\nmax_age: 1\n",
                PolicyError::InvalidMode("strict".into()),
            ),
            (
                b"version: STSv1\nmode: testing\nmx: a.example\n",
                PolicyError::MissingMaxAge,
            ),
            (
                b"version: STSv1\nmode: testing\nmx: a.example\nmax_age: 31557601\n",
                PolicyError::InvalidMaxAge("31557601".into()),
            ),
            (
                b"version: STSv1\nmode: enforce\nmax_age: 86400\n",
                PolicyError::MissingMx("enforce"),
            ),
            (
                b"version: STSv1\nmode: enforce\nmx: mail.*.example\nmax_age: 1\n",
                PolicyError::InvalidMx("mail.*.example".into()),
            ),
            (b"\xff\xfe", PolicyError::NotText),
        ];
        for (body, expected) in cases {
            assert_eq!(
                parse_policy(body),
                Err(expected),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn patterns() {
        assert!(mx_matches("mail.example.com", "MAIL.example.com"));
        assert!(mx_matches("*.example.com", "mx1.example.com"));
        assert!(mx_matches("*.example.com", "mx1.example.com."));
        assert!(!mx_matches("*.example.com", "example.com"));
        assert!(!mx_matches("*.example.com", "a.mx1.example.com"));
        assert!(!mx_matches("mail.example.com", "mail.example.net"));
    }
}
