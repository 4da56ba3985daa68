//! The MailTLS help page: a customer types a mail server, the page validates it with `shared`,
//! asks the probe API to test it, and explains the result in German or English.
//!
//! - [`state`]: the page state and its reducer; pure, unit-tested natively.
//! - [`link`]: check links (`/check?target=…&lang=…`), read and built; pure as well.
//! - [`api`]: the calls to the probe API (the only network access; the page opens no sockets).
//! - [`app`]: the root component, which owns the reducer and runs the API call in an effect.
//! - [`components`]: one view component per file.
//! - [`i18n`]: every text the page shows, one catalog per language.

pub mod api;
pub mod app;
pub mod components;
pub mod i18n;
pub mod link;
pub mod state;

/// Mounts the app on the document body.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
