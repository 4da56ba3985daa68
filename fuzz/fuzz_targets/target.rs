//! Arbitrary text as a target or host name, the way the page and the API receive it: parsing
//! must never panic, and whatever parses must print back to something that parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailtls_shared::Target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(target) = Target::parse(text) {
        let printed = target.to_string();
        assert_eq!(Target::parse(&printed), Ok(target), "{printed:?}");
    }
});
