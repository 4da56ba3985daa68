//! Arbitrary text as the page receives a report: the page's JSON reader (`mailtls_shared::json`)
//! must never panic, and whatever serde reads, it must read to the same value (serde is the
//! writer's side, so it is the reference).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailtls_shared::{CheckReport, ErrorBody, Profile, json};

/// Both readers on `text`: if serde accepts it, the page's reader gives the same value.
fn agrees<T>(text: &str)
where
    T: json::Decode + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let ours = json::from_str::<T>(text);
    if let Ok(reference) = serde_json::from_str::<T>(text) {
        assert_eq!(ours, Ok(reference), "{text:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    agrees::<CheckReport>(text);
    agrees::<ErrorBody>(text);
    agrees::<Profile>(text);
});
