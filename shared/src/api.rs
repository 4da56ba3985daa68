//! The JSON the probe API returns and the page reads: the check report and the error body.
//!
//! These types are the API contract. Field names are part of it: add fields, never rename them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::target::{Scheme, Target};

/// A protocol version a client can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TlsVersion {
    #[serde(rename = "SSLv3")]
    Ssl3,
    #[serde(rename = "TLSv1.0")]
    Tls10,
    #[serde(rename = "TLSv1.1")]
    Tls11,
    #[serde(rename = "TLSv1.2")]
    Tls12,
    #[serde(rename = "TLSv1.3")]
    Tls13,
}

impl TlsVersion {
    /// All versions, oldest first.
    pub const ALL: [TlsVersion; 5] = [
        TlsVersion::Ssl3,
        TlsVersion::Tls10,
        TlsVersion::Tls11,
        TlsVersion::Tls12,
        TlsVersion::Tls13,
    ];

    /// The name people know (`TLS 1.2`).
    pub fn display_name(self) -> &'static str {
        match self {
            TlsVersion::Ssl3 => "SSL 3.0",
            TlsVersion::Tls10 => "TLS 1.0",
            TlsVersion::Tls11 => "TLS 1.1",
            TlsVersion::Tls12 => "TLS 1.2",
            TlsVersion::Tls13 => "TLS 1.3",
        }
    }

    /// Whether the version is still considered safe (RFC 8996 retired everything below 1.2).
    pub fn is_modern(self) -> bool {
        matches!(self, TlsVersion::Tls12 | TlsVersion::Tls13)
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// What happened when one version was offered on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The server completed a handshake at exactly this version.
    Accepted,
    /// The server refused it: an alert, a close, or a different version.
    Rejected,
    /// No answer either way (timeout, refused connection, throttling); see the reason.
    Inconclusive,
}

/// Why a handshake was rejected or inconclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The server answered with a TLS alert (see `detail`).
    Alert,
    /// The server closed the connection without a TLS answer.
    Closed,
    /// The server answered with another protocol version than the one offered.
    OtherVersion,
    /// A deadline passed (see `detail` for the phase).
    Timeout,
    /// Nothing listens on the port, or a firewall refuses the connection.
    ConnectionRefused,
    /// The network gave up (no route, reset, …).
    Network,
    /// The server's bytes did not follow the protocol.
    ProtocolViolation,
    /// The name did not resolve to any address.
    NameNotFound,
    /// The address or port is not allowed by the probe's policy.
    Forbidden,
}

/// One handshake attempt, with what was negotiated when it worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandshakeReport {
    pub version: TlsVersion,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// Technical detail for admins, in English (alert name, error text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// IANA name of the negotiated cipher suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<String>,
    /// Name of the negotiated key-exchange group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub duration_ms: u64,
}

/// The certificate verdict: whether a mail program will trust the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateVerdict {
    Valid,
    Expired,
    NotYetValid,
    NameMismatch,
    SelfSigned,
    Untrusted,
    IncompleteChain,
    /// The certificate could not be judged (malformed, unsupported algorithm).
    Invalid,
}

/// The server's certificate as a mail program would judge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateReport {
    pub verdict: CertificateVerdict,
    /// Technical detail for admins, in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Number of certificates the server sent.
    pub chain_length: usize,
}

/// Everything learned about one endpoint (scheme, host, port) at one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointReport {
    pub scheme: Scheme,
    /// The host as given, normalised (lowercase, punycode).
    pub host: String,
    pub port: u16,
    /// The address that was contacted; absent when the name did not resolve or was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The outcome per version tried.
    pub versions: BTreeMap<TlsVersion, Outcome>,
    /// Each handshake in detail, oldest version first.
    pub handshakes: Vec<HandshakeReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateReport>,
}

impl EndpointReport {
    /// The newest version the server accepted.
    pub fn best_version(&self) -> Option<TlsVersion> {
        self.versions
            .iter()
            .filter(|(_, outcome)| **outcome == Outcome::Accepted)
            .map(|(version, _)| *version)
            .max()
    }
}

/// The answer to `GET /api/v1/check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// MailTLS version that produced the report.
    pub tool_version: String,
    /// When the check started, RFC 3339 in UTC.
    pub checked_at: String,
    pub duration_ms: u64,
    pub targets: Vec<Target>,
    pub endpoints: Vec<EndpointReport>,
}

/// Stable error codes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidTarget,
    MissingTarget,
    TooManyTargets,
    ForbiddenAddress,
    ForbiddenPort,
    ForbiddenDomain,
    RateLimited,
    Busy,
    NotFound,
    Internal,
}

/// The body of every API error: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// What went wrong and what to do, for a person, in the request's language.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_json_shape_is_the_contract() {
        let report = EndpointReport {
            scheme: Scheme::Imaps,
            host: "mail.mxp.de".into(),
            port: 993,
            address: Some("192.0.2.1".into()),
            versions: BTreeMap::from([
                (TlsVersion::Tls12, Outcome::Accepted),
                (TlsVersion::Tls13, Outcome::Rejected),
            ]),
            handshakes: vec![],
            certificate: None,
        };
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["scheme"], "imaps");
        assert_eq!(json["versions"]["TLSv1.2"], "accepted");
        assert_eq!(json["versions"]["TLSv1.3"], "rejected");
        assert_eq!(report.best_version(), Some(TlsVersion::Tls12));
        let back: EndpointReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn error_body_shape() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::InvalidTarget,
                message: "x".into(),
            },
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"code":"invalid_target","message":"x"}}"#
        );
    }
}
