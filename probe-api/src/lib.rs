//! MailTLS probe service: tests what browsers cannot reach — mail servers' TLS — and serves the
//! help page that explains the results.
//!
//! - [`probe`]: the engine (address policy, resolution, TLS handshakes, certificate verdicts).
//!   It knows nothing of HTTP.
//! - [`http`]: the axum router: JSON API, health checks, the built page.
//! - [`config`]: the service's settings (defaults, TOML file, environment, flags).
//! - [`text`]: the report as a plain-text table for the command line.

pub mod config;
pub mod http;
pub mod probe;
pub mod text;
