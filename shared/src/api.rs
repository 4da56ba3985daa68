//! The JSON the probe API returns and the page reads: the check report and the error body.
//!
//! These types are the API contract. Field names are part of it: add fields, never rename them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::target::{Scheme, Target};

pub use crate::wire::wire_name;

crate::wire::wire_enum! {
    /// A protocol version a client can offer.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum TlsVersion {
        Ssl3 = "SSLv3",
        Tls10 = "TLSv1.0",
        Tls11 = "TLSv1.1",
        Tls12 = "TLSv1.2",
        Tls13 = "TLSv1.3",
    }
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
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

crate::wire::wire_enum! {
    /// What happened when one version was offered on its own.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Outcome {
        /// The server chose exactly this version: a completed handshake (TLS 1.2 and 1.3 with
        /// rustls), or a ServerHello at this version to the hand-built hello (older versions).
        Accepted = "accepted",
        /// The server refused it: an alert, a close, or a different version.
        Rejected = "rejected",
        /// No answer either way (timeout, refused connection, throttling); see the reason.
        Inconclusive = "inconclusive",
    }
}

crate::wire::wire_enum! {
    /// Why a handshake was rejected or inconclusive.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Reason {
        /// The server answered with a TLS alert (see `detail`).
        Alert = "alert",
        /// The server closed the connection without a TLS answer.
        Closed = "closed",
        /// The server answered with another protocol version than the one offered.
        OtherVersion = "other_version",
        /// A deadline passed (see `detail` for the phase).
        Timeout = "timeout",
        /// Nothing listens on the port, or a firewall refuses the connection.
        ConnectionRefused = "connection_refused",
        /// The network gave up (no route, reset, …).
        Network = "network",
        /// The server's bytes did not follow the protocol.
        ProtocolViolation = "protocol_violation",
        /// The name did not resolve to any address.
        NameNotFound = "name_not_found",
        /// The name could not be looked up: DNS failed (SERVFAIL, refused, no answer in time), which
        /// says nothing about whether the name exists.
        LookupFailed = "lookup_failed",
        /// The server said it is busy or limits connections (`421`); try again later.
        Throttled = "throttled",
        /// The plain-text dialog before TLS failed (see the endpoint's `error`).
        Starttls = "starttls",
    }
}

/// One handshake attempt, with what was negotiated when it worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
crate::json::record!(HandshakeReport {
    required: version, outcome, duration_ms;
    defaulted: reason, detail, cipher_suite, group;
});

crate::wire::wire_enum! {
    /// The certificate verdict: whether a mail program will trust the server.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum CertificateVerdict {
        Valid = "valid",
        Expired = "expired",
        NotYetValid = "not_yet_valid",
        NameMismatch = "name_mismatch",
        SelfSigned = "self_signed",
        Untrusted = "untrusted",
        IncompleteChain = "incomplete_chain",
        /// The certificate could not be judged (malformed, unsupported algorithm).
        #[default]
        Invalid = "invalid",
    }
}

/// The server's certificate as a mail program would judge it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateReport {
    pub verdict: CertificateVerdict,
    /// Technical detail for admins, in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Number of certificates the server sent.
    pub chain_length: usize,
    /// The leaf's subject (its common name when it has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The names the leaf is valid for (DNS names and IP addresses), the first
    /// [`crate::caps::MAX_SANS`] of them.
    #[serde(default)]
    pub sans: Vec<String>,
    /// How many more names the certificate has than `sans` lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sans_omitted: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// RFC 3339, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// Whole days until `not_after` (negative once expired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// `RSA`, `EC P-256`, `Ed25519`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_bits: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_algorithm: Option<String>,
}
crate::json::record!(CertificateReport {
    required: verdict, chain_length;
    defaulted: detail, subject, sans, sans_omitted, issuer, not_after, days_left, key_type, key_bits, signature_algorithm;
});

crate::wire::wire_enum! {
    /// How bad a finding is.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Severity {
        Info = "info",
        Warning = "warning",
        Critical = "critical",
    }
}

crate::wire::wire_enum! {
    /// Something a mail admin needs to know about an endpoint.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum FindingCode {
        /// A plain-text port that does not offer STARTTLS: mail goes unencrypted.
        StarttlsNotOffered = "starttls_not_offered",
        /// Login (`AUTH`, or IMAP `LOGIN`) is offered before TLS: passwords may travel in clear.
        AuthBeforeTls = "auth_before_tls",
        /// SSL 3.0, TLS 1.0 or TLS 1.1 still accepted (RFC 8996 retired them).
        LegacyVersionsEnabled = "legacy_versions_enabled",
        /// Neither TLS 1.2 nor TLS 1.3: Microsoft 365 and current mail programs fail.
        NoTls12 = "no_tls12",
        /// TLS 1.2 works only with cipher suites current clients no longer offer.
        Tls12LegacyCiphersOnly = "tls12_legacy_ciphers_only",
        /// The certificate would not be trusted (see the certificate verdict).
        CertificateProblem = "certificate_problem",
        /// Plain text arrived after the STARTTLS answer, before TLS (response injection).
        ResponseInjection = "response_injection",
        /// Mail programs that speak TLS 1.2 or newer cannot connect: no version, cipher suite or
        /// group in common (the detail names them and what to add; see `clients`).
        ClientsLockedOut = "clients_locked_out",
        /// Mail programs that connect only with SSL 3.0, TLS 1.0 or TLS 1.1: they stop working when
        /// those versions are switched off.
        ClientsNeedLegacyVersions = "clients_need_legacy_versions",
        /// The certificate is valid but expires within the warning period (`certificate_warning_days`).
        CertificateExpiresSoon = "certificate_expires_soon",
        /// The port speaks another service: another protocol after the TLS handshake (POP3 on 993),
        /// or plain text where TLS was expected (SSL/TLS chosen for a STARTTLS port).
        WrongService = "wrong_service",
    }
}

/// A finding with its severity and technical detail (English, for admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
crate::json::record!(Finding {
    required: code, severity;
    defaulted: detail;
});

crate::wire::wire_enum! {
    /// The one-line judgement, in the mission's terms. Ordered from best to worst.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Verdict {
        /// TLS 1.2+ with a valid certificate and no legacy versions: Microsoft 365 compatible.
        Ready = "ready",
        /// A port of a host check where nothing listens: the server does not offer this service.
        /// Not a failure, and not ready either.
        NotOffered = "not_offered",
        /// TLS 1.2+ works, but whether SSL 3.0, TLS 1.0 or TLS 1.1 are off could not be confirmed
        /// (those probes timed out or were throttled).
        PartlyTested = "partly_tested",
        /// Could not be tested (see `error`).
        Untestable = "untestable",
        /// Works with TLS 1.2+, but legacy versions are still enabled.
        LegacyEnabled = "legacy_enabled",
        /// TLS 1.2+ works, but mail programs that speak TLS 1.2 or newer cannot connect.
        ClientsLockedOut = "clients_locked_out",
        /// TLS 1.2+ works, but mail programs will not trust the certificate.
        CertificateProblem = "certificate_problem",
        /// No TLS 1.2 or newer (or no encryption at all): Microsoft 365 and current programs fail.
        NoModernTls = "no_modern_tls",
        /// The port is not the service the target names: another protocol answers there, or plain
        /// text where TLS was expected (see the `wrong_service` finding).
        WrongService = "wrong_service",
    }
}

crate::wire::wire_enum! {
    /// Why an endpoint could not be tested.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum EndpointErrorCode {
        /// DNS says the name does not exist, or has no address.
        NameNotFound = "name_not_found",
        /// DNS did not answer usably (SERVFAIL, refused, no answer in time): try again later.
        LookupFailed = "lookup_failed",
        ConnectionRefused = "connection_refused",
        Timeout = "timeout",
        Network = "network",
        /// The server refused us before TLS (`554`, `* BYE`, `-ERR`).
        Refused = "refused",
        /// The server limits connections (`421`).
        Throttled = "throttled",
        StarttlsNotOffered = "starttls_not_offered",
        /// The server answered STARTTLS with an error.
        StarttlsFailed = "starttls_failed",
        /// IMAP `PREAUTH`: the session is already authenticated, STARTTLS is impossible.
        Preauth = "preauth",
        /// The server's plain-text dialog broke the protocol (or was endless).
        ProtocolViolation = "protocol_violation",
        /// Plain text arrived between the STARTTLS answer and TLS.
        ResponseInjection = "response_injection",
    }
}

/// `{code, message}` for an endpoint that could not be tested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndpointError {
    pub code: EndpointErrorCode,
    /// Technical detail for admins, in English (may quote the server).
    pub message: String,
}
crate::json::record!(EndpointError {
    required: code, message;
});

/// Everything learned about one endpoint (scheme, host, port) at one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// `null` when no handshake got as far as the certificate.
    #[serde(default)]
    pub certificate: Option<CertificateReport>,
    /// What each simulated mail program's own hello achieved, in [`SimulatedClient::ALL`]'s order.
    ///
    /// [`SimulatedClient::ALL`]: crate::SimulatedClient::ALL
    #[serde(default)]
    pub clients: Vec<crate::simulation::ClientReport>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
    /// With the `wrong_service` verdict: what the port answered as, from its greeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_found: Option<ServiceFound>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<EndpointError>,
}
crate::json::record!(EndpointReport {
    required: scheme, host, port, versions, handshakes, verdict;
    defaulted: address, certificate, clients, findings, service_found, error;
});

crate::wire::wire_enum! {
    /// A mail protocol, as a server's greeting shows it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum MailProtocol {
        Smtp = "smtp",
        Imap = "imap",
        Pop3 = "pop3",
    }
}

impl MailProtocol {
    /// The protocol a scheme's server greets with.
    pub fn of_scheme(scheme: Scheme) -> MailProtocol {
        match scheme {
            Scheme::Smtp | Scheme::Submission | Scheme::Smtps => MailProtocol::Smtp,
            Scheme::Imap | Scheme::Imaps => MailProtocol::Imap,
            Scheme::Pop3 | Scheme::Pop3s => MailProtocol::Pop3,
        }
    }

    /// `SMTP`, `IMAP`, `POP3`.
    pub fn name(self) -> &'static str {
        match self {
            MailProtocol::Smtp => "SMTP",
            MailProtocol::Imap => "IMAP",
            MailProtocol::Pop3 => "POP3",
        }
    }

    /// The scheme of this protocol with TLS from the first byte (its port is the usual one).
    pub fn implicit_scheme(self) -> Scheme {
        match self {
            MailProtocol::Smtp => Scheme::Smtps,
            MailProtocol::Imap => Scheme::Imaps,
            MailProtocol::Pop3 => Scheme::Pop3s,
        }
    }
}

/// What answered on a port that is not the service its target names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceFound {
    /// The protocol of the greeting the port sent.
    pub protocol: MailProtocol,
    /// The greeting came in plain text where TLS was expected from the first byte: the port
    /// starts TLS only with STARTTLS.
    pub plain_text: bool,
}
crate::json::record!(ServiceFound {
    required: protocol, plain_text;
});

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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckReport {
    /// MailTLS version that produced the report.
    pub tool_version: String,
    /// When the check started, RFC 3339 in UTC.
    pub checked_at: String,
    pub duration_ms: u64,
    /// The targets as checked, in the form `GET /api/v1/check` accepts them.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub targets: Vec<Target>,
    pub endpoints: Vec<EndpointReport>,
    /// The answer for the whole check (see [`CheckReport::overall`]): a domain counts through
    /// its own verdict, every other endpoint through its endpoint verdict.
    pub verdict: CheckVerdict,
    /// One entry per domain target (`domain:NAME`); its MX hosts' probes are in `endpoints`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<crate::domain::DomainReport>,
    /// Whether the report was larger than the service keeps ([`crate::caps::MAX_REPORT_BYTES`])
    /// and shed details (handshake and client details, most certificate names) to fit; every
    /// verdict and finding is still there.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Whether the service answered from its short-lived report cache (ask with `fresh=1` for a
    /// new check). Stays the last field but one (the cache appends it to the stored JSON).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
    /// For a cached answer: how many seconds ago the check finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_seconds: Option<u64>,
}
crate::json::record!(CheckReport {
    required: tool_version, checked_at, duration_ms, targets, endpoints, verdict;
    defaulted: domains, truncated, cached, age_seconds;
});

crate::wire::wire_enum! {
    /// The answer for a whole check, in the four words monitoring and the page's first line need.
    /// Ordered from best to worst; the worst part of a check decides.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum CheckVerdict {
        /// Nothing to fix: every endpoint ready, every domain `ready` (or `no_mail`: a null-MX
        /// domain receives no mail by design).
        Ready = "ready",
        /// Something could not be tested, or only partly: no claim either way.
        Unclear = "unclear",
        /// Works today, but must be fixed before the switch-off or soon: legacy versions on, a
        /// certificate that expires within the warning days, a broken MTA-STS rollout, some MX
        /// hosts failing.
        Warning = "warning",
        /// Something does not work: no TLS 1.2, programs locked out, a certificate problem, the
        /// wrong service on a port, a critical finding, no usable MX host.
        Problem = "problem",
    }
}

/// Whether a port of a host check where nothing listens makes the answer unclear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortsNotOffered {
    /// Left out: the host simply does not offer that service (the report's own verdict).
    Ignore,
    /// Counted as unclear (the CLI's exit status, unless `--ignore-not-offered`).
    Unclear,
}

impl Verdict {
    /// What this endpoint verdict means for the whole check; `None` for a port not offered.
    pub fn check_verdict(self) -> Option<CheckVerdict> {
        match self {
            Verdict::Ready => Some(CheckVerdict::Ready),
            Verdict::NotOffered => None,
            Verdict::PartlyTested | Verdict::Untestable => Some(CheckVerdict::Unclear),
            Verdict::LegacyEnabled => Some(CheckVerdict::Warning),
            Verdict::ClientsLockedOut
            | Verdict::CertificateProblem
            | Verdict::NoModernTls
            | Verdict::WrongService => Some(CheckVerdict::Problem),
        }
    }
}

impl EndpointReport {
    /// This endpoint's part in the whole check: its verdict, raised by a critical finding or a
    /// certificate that expires soon; `None` for a port not offered that is left out.
    fn check_verdict(&self, not_offered: PortsNotOffered) -> Option<CheckVerdict> {
        let verdict = match (self.verdict.check_verdict(), not_offered) {
            (None, PortsNotOffered::Ignore) => return None,
            (None, PortsNotOffered::Unclear) => CheckVerdict::Unclear,
            (Some(verdict), _) => verdict,
        };
        let findings = self.findings.iter().map(|finding| {
            if finding.severity == Severity::Critical {
                CheckVerdict::Problem
            } else if finding.code == FindingCode::CertificateExpiresSoon {
                CheckVerdict::Warning
            } else {
                CheckVerdict::Ready
            }
        });
        findings.chain([verdict]).max()
    }
}

impl CheckReport {
    /// The one decision of what a check amounts to, for the report's `verdict`, the CLI's exit
    /// status and the page's summary. A domain's MX probes count only through the domain's
    /// verdict, which knows what matters between mail servers (a name mismatch on port 25 does
    /// not); every other endpoint counts, an untestable one included. A check with nothing left
    /// to judge is unclear.
    pub fn overall(
        endpoints: &[EndpointReport],
        domains: &[crate::domain::DomainReport],
        not_offered: PortsNotOffered,
    ) -> CheckVerdict {
        let mx_probe = |endpoint: &EndpointReport| {
            endpoint.scheme == Scheme::Smtp
                && domains.iter().any(|domain| {
                    domain
                        .mx_hosts
                        .iter()
                        .any(|host| host.host == endpoint.host)
                })
        };
        endpoints
            .iter()
            .filter(|endpoint| !mx_probe(endpoint))
            .filter_map(|endpoint| endpoint.check_verdict(not_offered))
            .chain(domains.iter().map(|domain| domain.verdict.check_verdict()))
            .max()
            .unwrap_or(CheckVerdict::Unclear)
    }
}

crate::wire::wire_enum! {
    /// Stable error codes of the API.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum ErrorCode {
        InvalidTarget = "invalid_target",
        MissingTarget = "missing_target",
        TooManyTargets = "too_many_targets",
        ForbiddenAddress = "forbidden_address",
        ForbiddenPort = "forbidden_port",
        ForbiddenDomain = "forbidden_domain",
        RateLimited = "rate_limited",
        Busy = "busy",
        NotFound = "not_found",
        /// The URL or request was larger than the service accepts.
        RequestTooLarge = "request_too_large",
        /// Only `GET` (and `HEAD`) are served.
        MethodNotAllowed = "method_not_allowed",
        Internal = "internal",
        /// Checks are refused for a while: the store the service's replicas share their limits
        /// in is unreachable (`503`, with `Retry-After`).
        Unavailable = "unavailable",
    }
}

/// The body of every API error: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}
crate::json::record!(ErrorBody {
    required: error;
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// What went wrong and what to do, for a person, in the request's language.
    pub message: String,
    /// For `forbidden_port`: the port the service does not check, so a client that asked for
    /// several servers can tell which one to leave out (the page then checks the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}
crate::json::record!(ErrorDetail {
    required: code, message;
    defaulted: port;
});

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
            clients: vec![],
            findings: vec![Finding {
                code: FindingCode::LegacyVersionsEnabled,
                severity: Severity::Warning,
                detail: None,
            }],
            verdict: Verdict::LegacyEnabled,
            service_found: None,
            error: None,
        };
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["scheme"], "imaps");
        assert_eq!(json["versions"]["TLSv1.2"], "accepted");
        assert_eq!(json["versions"]["TLSv1.3"], "rejected");
        assert_eq!(json["certificate"], serde_json::Value::Null);
        assert_eq!(json["findings"][0]["code"], "legacy_versions_enabled");
        assert_eq!(json["verdict"], "legacy_enabled");
        assert_eq!(report.best_version(), Some(TlsVersion::Tls12));
        let back: EndpointReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
    }

    fn endpoint(scheme: Scheme, host: &str, verdict: Verdict) -> EndpointReport {
        EndpointReport {
            scheme,
            host: host.into(),
            port: scheme.default_port(),
            address: None,
            versions: BTreeMap::new(),
            handshakes: vec![],
            certificate: None,
            clients: vec![],
            findings: vec![],
            verdict,
            service_found: None,
            error: None,
        }
    }

    #[test]
    fn overall_counts_untestable_endpoints_and_skips_ports_not_offered() {
        use CheckVerdict::*;
        let cases = [
            (vec![], Unclear),
            (vec![Verdict::Untestable], Unclear),
            (vec![Verdict::Ready, Verdict::Untestable], Unclear),
            (vec![Verdict::Ready, Verdict::NotOffered], Ready),
            (vec![Verdict::NotOffered], Unclear),
            (vec![Verdict::Ready, Verdict::PartlyTested], Unclear),
            (vec![Verdict::Untestable, Verdict::LegacyEnabled], Warning),
            (vec![Verdict::Ready, Verdict::LegacyEnabled], Warning),
            (vec![Verdict::LegacyEnabled, Verdict::WrongService], Problem),
            (
                vec![Verdict::CertificateProblem, Verdict::NoModernTls],
                Problem,
            ),
        ];
        for (verdicts, expected) in cases {
            let endpoints: Vec<_> = verdicts
                .iter()
                .map(|verdict| endpoint(Scheme::Imaps, "x.de", *verdict))
                .collect();
            assert_eq!(
                CheckReport::overall(&endpoints, &[], PortsNotOffered::Ignore),
                expected,
                "{verdicts:?}"
            );
        }
        let not_offered = [
            endpoint(Scheme::Imaps, "x.de", Verdict::Ready),
            endpoint(Scheme::Pop3s, "x.de", Verdict::NotOffered),
        ];
        assert_eq!(
            CheckReport::overall(&not_offered, &[], PortsNotOffered::Unclear),
            Unclear
        );
    }

    #[test]
    fn overall_raises_a_ready_endpoint_for_critical_findings_and_expiring_certificates() {
        let mut expiring = endpoint(Scheme::Imaps, "x.de", Verdict::Ready);
        expiring.findings.push(Finding {
            code: FindingCode::CertificateExpiresSoon,
            severity: Severity::Warning,
            detail: None,
        });
        assert_eq!(
            CheckReport::overall(&[expiring.clone()], &[], PortsNotOffered::Ignore),
            CheckVerdict::Warning
        );
        expiring.findings.push(Finding {
            code: FindingCode::ResponseInjection,
            severity: Severity::Critical,
            detail: None,
        });
        assert_eq!(
            CheckReport::overall(&[expiring], &[], PortsNotOffered::Ignore),
            CheckVerdict::Problem
        );
    }

    #[test]
    fn overall_of_a_domain_follows_the_domain_verdict_not_its_mx_probes() {
        use crate::domain::{
            DomainReport, DomainVerdict, MtaStsReport, MxHostReport, MxSource, MxStatus,
            TlsRptReport,
        };
        let domain = |verdict| DomainReport {
            domain: "example.test".into(),
            mx_source: MxSource::Mx,
            mx_hosts: vec![MxHostReport {
                host: "mx.example.test".into(),
                preference: 10,
                addresses: vec![],
                status: MxStatus::Usable,
                problems: vec![],
                best_version: None,
                mta_sts_match: None,
                error: None,
                dane: None,
            }],
            mx_skipped: 0,
            mta_sts: MtaStsReport::default(),
            tls_rpt: TlsRptReport::default(),
            dane: None,
            verdict,
            detail: None,
        };
        // A name mismatch on an MX host is harmless between mail servers: the domain is ready.
        let mx = [endpoint(
            Scheme::Smtp,
            "mx.example.test",
            Verdict::CertificateProblem,
        )];
        let cases = [
            (DomainVerdict::Ready, CheckVerdict::Ready),
            (DomainVerdict::NoMail, CheckVerdict::Ready),
            (DomainVerdict::Untestable, CheckVerdict::Unclear),
            (DomainVerdict::MtaStsBroken, CheckVerdict::Warning),
            (DomainVerdict::SomeMxFailing, CheckVerdict::Warning),
            (DomainVerdict::NoModernTls, CheckVerdict::Problem),
            (DomainVerdict::NoUsableMx, CheckVerdict::Problem),
        ];
        for (verdict, expected) in cases {
            assert_eq!(
                CheckReport::overall(&mx, &[domain(verdict)], PortsNotOffered::Ignore),
                expected,
                "{verdict:?}"
            );
        }
        // A host target next to the domain still counts.
        let both = [
            mx[0].clone(),
            endpoint(Scheme::Imaps, "mail.example.test", Verdict::NoModernTls),
        ];
        assert_eq!(
            CheckReport::overall(
                &both,
                &[domain(DomainVerdict::Ready)],
                PortsNotOffered::Ignore
            ),
            CheckVerdict::Problem
        );
    }

    #[test]
    fn enums_read_back_what_they_write() {
        fn round_trip<T>(values: &[T])
        where
            T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
        {
            for value in values {
                let json = serde_json::to_string(value).unwrap();
                assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), value, "{json}");
            }
        }
        round_trip(&TlsVersion::ALL);
        round_trip(&[Verdict::Ready, Verdict::NoModernTls, Verdict::Untestable]);
        round_trip(&[crate::DaneStatus::Unsigned, crate::DaneStatus::LookupFailed]);
        round_trip(&Scheme::ALL);
        round_trip(&crate::Lang::ALL);
        // As map keys too (`versions`), and unknown names are errors, not defaults.
        let versions: BTreeMap<TlsVersion, Outcome> =
            serde_json::from_str(r#"{"TLSv1.3": "accepted", "SSLv3": "rejected"}"#).unwrap();
        assert_eq!(versions[&TlsVersion::Tls13], Outcome::Accepted);
        let error = serde_json::from_str::<Verdict>(r#""fine""#).unwrap_err();
        assert!(
            error.to_string().contains("unknown value \"fine\""),
            "{error}"
        );
        assert!(serde_json::from_str::<Verdict>("3").is_err());
    }

    #[test]
    fn wire_names() {
        assert_eq!(wire_name(&TlsVersion::Tls12), "TLSv1.2");
        assert_eq!(wire_name(&Verdict::NoModernTls), "no_modern_tls");
        assert_eq!(wire_name(&ErrorCode::ForbiddenAddress), "forbidden_address");
    }

    #[test]
    fn error_body_shape() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::InvalidTarget,
                message: "x".into(),
                port: None,
            },
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"code":"invalid_target","message":"x"}}"#
        );
        let refused = ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::ForbiddenPort,
                message: "x".into(),
                port: Some(2525),
            },
        };
        let json = serde_json::to_string(&refused).unwrap();
        assert_eq!(
            json,
            r#"{"error":{"code":"forbidden_port","message":"x","port":2525}}"#
        );
        assert_eq!(serde_json::from_str::<ErrorBody>(&json).unwrap(), refused);
    }
}
