//! Arbitrary bytes as what a domain publishes: an `_mta-sts` or `_smtp._tls` TXT record, an
//! MTA-STS policy file, an MX pattern. Parsing and matching must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use probe_api::probe::domain::{mta_sts, tls_rpt};

fuzz_target!(|data: &[u8]| {
    let _ = mta_sts::parse_record(&[Ok(data)]);
    let _ = tls_rpt::parse(&[Ok(data)]);
    if let Ok(policy) = mta_sts::parse_policy(data) {
        for pattern in &policy.mx {
            let _ = mta_sts::mx_matches(pattern, "mx1.example.test");
        }
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Some((pattern, host)) = text.split_once(' ')
    {
        let _ = mta_sts::mx_matches(pattern, host);
    }
});
