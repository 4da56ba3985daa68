//! MailTLS probe service: tests what browsers cannot reach — mail servers' TLS — and serves the
//! help page that explains the results.
//!
//! - [`probe`]: the engine (address policy, resolution, TLS handshakes, certificate verdicts).
//!   It knows nothing of HTTP.
//! - [`http`]: the axum router: JSON API, health checks, the built page.
//! - [`config`]: the service's settings (defaults, TOML file, environment, flags).
//! - [`store`]: what replicas share (the rate limits): in this process, or on Redis/Valkey.
//! - [`text`]: the report as a plain-text table for the command line.
//! - [`descriptors`]: the file-descriptor limit raised at start and shared out between the caps.
//! - [`audit`]: the provider's mail logs read for accounts that still use TLS 1.0/1.1 or no TLS
//!   (`probe-api audit`).

/// The commit this binary was built from (`build.rs`; `unknown` outside a Git checkout unless
/// `MAILTLS_COMMIT` named it).
pub const BUILD_COMMIT: &str = env!("MAILTLS_COMMIT");

/// `0.1.0 (commit 0123456789ab)`: what `--version` and the start line say.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("MAILTLS_COMMIT"),
    ")"
);

pub mod audit;
pub mod config;
pub mod descriptors;
pub mod http;
pub mod probe;
pub mod store;
pub mod text;
