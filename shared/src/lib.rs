//! Types both halves of MailTLS speak, and the validation both halves run.
//!
//! The help page runs this code as the customer types; the probe service runs the very same code
//! again on every request, because it trusts nothing the browser checked. Nothing in here does I/O:
//! no sockets, no clocks, no tokio, rustls, yew or web-sys, so it compiles for `wasm32` and native.
//!
//! - [`host`]: host names (IDN-aware) and IP literals as a customer may type them.
//! - [`idn`]: international names to DNS form and back (UTS #46 natively via `idna`, in the
//!   browser via the browser's own URL parser; punycode here).
//! - [`target`]: what to check: a bare host, or `scheme://host[:port]` for one mail endpoint.
//! - [`api`]: the JSON report and error shapes of the HTTP API.
//! - [`caps`]: what a report keeps from the wire (names, texts, lists, its whole size).
//! - [`simulation`]: the report's client simulation part (which mail programs' hellos connected).
//! - [`domain`]: the report's domain part (MX hosts, MTA-STS, TLS-RPT, DANE) and its verdict.
//! - [`profile`]: the provider profile (official servers, aliases, support contact).
//! - [`lang`]: the two languages every user-facing message exists in.
//! - [`wire`]: the names enum values have on the wire, each declared once.
//! - [`json`]: the page's JSON reader (what serde writes, read back without serde).
//! - [`stream`]: the API routes the page calls, and the check stream's event names and payloads.
//! - [`link`]: the check-link contract (path, parameter names and values), written and read.

pub mod api;
pub mod caps;
pub mod domain;
pub mod host;
pub mod idn;
pub mod json;
pub mod lang;
pub mod link;
pub mod profile;
pub mod simulation;
pub mod stream;
pub mod target;
pub mod wire;

pub use api::{
    CertificateReport, CertificateVerdict, CheckReport, CheckVerdict, EndpointError,
    EndpointErrorCode, EndpointReport, ErrorBody, ErrorCode, ErrorDetail, Finding, FindingCode,
    HandshakeReport, MailProtocol, Outcome, PortsNotOffered, Reason, ServiceFound, Severity,
    TlsVersion, Verdict, wire_name,
};
pub use domain::{
    DaneStatus, DomainReport, DomainVerdict, MtaStsMode, MtaStsPolicy, MtaStsReport, MtaStsStatus,
    MxDane, MxHostReport, MxProblem, MxProblemCode, MxSource, MxStatus, TlsRptReport, TlsRptStatus,
};
pub use host::{Host, HostError, Hostname};
pub use lang::Lang;
pub use profile::{ExtraLink, OfficialServer, Profile, ProfileSecurity, Support, Theme};
pub use simulation::{ClientReason, ClientReport, ClientResult, SimulatedClient};
pub use target::{Scheme, Target, TargetError, TlsStart};
