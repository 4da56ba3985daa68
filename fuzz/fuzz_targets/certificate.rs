//! Arbitrary bytes as the certificate a server presents: judging and describing it must never
//! panic.
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use probe_api::probe::handshake::cert::{CertJudge, trust_roots};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

static JUDGE: LazyLock<CertJudge> = LazyLock::new(|| {
    CertJudge::new(
        Arc::new(rustls::crypto::ring::default_provider()),
        trust_roots(&[]).expect("roots"),
    )
    .expect("judge")
});

fuzz_target!(|data: &[u8]| {
    let name = ServerName::try_from("mail.example.test").expect("valid name");
    let chain = [CertificateDer::from(data.to_vec())];
    let _ = JUDGE.judge(&chain, &name, UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_800_000_000)));
});
