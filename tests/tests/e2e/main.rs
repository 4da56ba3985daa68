//! MailTLS end to end: real TLS servers and the real `probe-api` binary on loopback, and the
//! page in headless Chromium. One test binary, topical modules.

mod api;
mod audit;
mod clients;
mod domain;
mod embed;
mod engine;
mod fixtures;
mod hostile;
mod operations;
mod page;
mod proxies;
mod service;
mod stopping;
mod store;

use tests::pki::TestCa;

/// A fresh test PKI in a temporary directory (kept alive by the returned guard).
fn test_ca() -> (tempfile::TempDir, TestCa) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let ca = TestCa::new(dir.path());
    (dir, ca)
}

/// The outcome the report gives `version` on its first endpoint.
fn outcome(report: &serde_json::Value, version: &str) -> String {
    report["endpoints"][0]["versions"][version]
        .as_str()
        .unwrap_or("<missing>")
        .to_owned()
}
