//! Arbitrary bytes as a stored ClientHello, rewritten for a target: reading must never panic, and
//! whatever is accepted must rewrite into a record that reads back with the new server name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use probe_api::probe::handshake::simulate::hello::ClientHello;

fuzz_target!(|data: &[u8]| {
    let Ok(hello) = ClientHello::parse(data) else {
        return;
    };
    for name in [Some("mail.example.test"), None] {
        if let Ok(record) = hello.rewrite(name, [0x5a; 32]) {
            let again = ClientHello::parse(&record).expect("a rewritten hello reads back");
            assert_eq!(again.suites(), hello.suites());
        }
    }
});
