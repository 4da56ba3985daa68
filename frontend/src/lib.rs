//! The MailTLS help page: a customer types a mail server, the page validates it with `shared`,
//! asks the probe API to test it, and explains the result in German or English.
//!
//! - [`state`]: the page state and its reducer; pure, unit-tested natively.
//! - [`sse`]: the check stream's Server-Sent Events, parsed from `fetch`'s bytes.
//! - [`settings`]: the customer's mail settings: the endpoints they mean, what to change.
//! - [`clients`]: what mail programs can do (a table of facts with sources) and the advice
//!   that combines it with the server's result.
//! - [`downloads`]: settings files generated from the profile (.mobileconfig, .reg).
//! - [`summary`]: the plain-text summary for support.
//! - [`link`]: check links (`/check?lang=…#target=…`), read and built; pure as well.
//! - [`api`]: the calls to the probe API (the only network access; the page opens no sockets).
//! - [`app`]: the root component, which owns the reducer and runs the API call in an effect.
//! - [`components`]: one view component per file.
//! - [`i18n`]: every text the page shows, one catalog per language.

pub mod api;
pub mod app;
pub mod clients;
pub mod components;
#[cfg(test)]
mod consistency;
pub mod downloads;
pub mod i18n;
pub mod link;
pub mod settings;
pub mod sse;
pub mod state;
pub mod summary;
pub mod tone;

/// Mounts the app on the document body.
pub fn start() {
    use_browser_idna();
    yew::Renderer::<app::App>::new().render();
}

/// Lets `shared` map international names with the browser's URL parser: the WHATWG "domain to
/// ASCII" (UTS #46) that the service runs with the `idna` crate, without shipping its tables.
pub fn use_browser_idna() {
    mailtls_shared::idn::set_mapper(|name| {
        web_sys::Url::new(&format!("http://{name}/"))
            .ok()
            .map(|url| url.hostname())
    });
}

/// The page's allocator: talc instead of the standard library's dlmalloc, 1.8 KB brotli less.
// SAFETY: `new_global` requires single-threaded WebAssembly, and the page is: it is built for
// `wasm32-unknown-unknown` without the `atomics` feature, so no second thread can exist.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
#[allow(unsafe_code)]
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };
