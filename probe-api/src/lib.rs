//! MailTLS probe service: tests what browsers cannot reach — mail servers' TLS — and serves the
//! help page that explains the results.
//!
//! - [`probe`]: the engine (address policy, resolution, TLS handshakes, certificate verdicts).
//!   It knows nothing of HTTP.
//! - [`http`]: the axum router: JSON API, health checks, the built page.
//! - [`config`]: the service's settings (defaults, TOML file, environment, flags).
//! - [`text`]: the report as a plain-text table for the command line.
//! - [`descriptors`]: the file-descriptor limit raised at start and shared out between the caps.

pub mod config;
pub mod descriptors;
pub mod http;
pub mod probe;
pub mod text;
