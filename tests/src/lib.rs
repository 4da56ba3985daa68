//! Fixtures for MailTLS's end-to-end tests: a private test PKI, real servers on loopback, the
//! real `probe-api` binary, and headless Chromium through chromedriver.
//!
//! Every fixture is a guard: dropping it stops the process it started. Nothing here waits a fixed
//! time; readiness is a condition (a port accepts, a line is printed) polled under a deadline.
//! Everything listens on and talks to 127.0.0.1 only.

pub mod browser;
pub mod dns;
pub mod domain_lab;
pub mod mail_servers;
pub mod pki;
pub mod process;
pub mod proxies;
pub mod servers;
pub mod store;
pub mod stubs;
pub mod syslog;
pub mod wrk;

use std::path::PathBuf;

/// The workspace root (where `dist/` and `target/` live).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Where tests put files for people to look at (screenshots): `target/e2e-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    let dir = target_dir().join("e2e-artifacts");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// The cargo target directory this test binary was built into (`target/` unless overridden).
pub fn target_dir() -> PathBuf {
    // The test binary lives in `<target>/<profile>/deps/`.
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| workspace_root().join("target"))
}
