//! Arbitrary bytes as a server's answer to the legacy prober's ClientHello: reading them must
//! never panic, index out of bounds, or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = probe_api::probe::handshake::legacy::parse_server_flight(data);
});
