//! The HTTP face of the probe: the JSON API, health checks and the help page, on one origin.
//!
//! [`router`] lists every route and the layers around them (`app() -> Router`); binding a socket
//! is `main.rs`'s business, so tests drive the router directly. The rooms:
//!
//! - [`router`] — the routes and the order of the layers; nothing else.
//! - [`middleware`] — what every answer gets: security headers, caching, the request caps, the
//!   page's CSP and `frame-ancestors`.
//! - [`check`] — the check handlers' shared part: the query, the client's rate-limit key, and
//!   the one call into [`checks::Checks::subscribe`]; [`stream`] is the event stream on top.
//! - [`handlers`] — the small routes: profile, `embed.js`, health, readiness.
//! - [`exporter`] — `/probe`: one check as Prometheus metrics, for monitoring a provider's
//!   own servers.
//! - [`checks`] — the seam to the engine: the global cap, coalescing, the report cache. Handlers
//!   never reach the engine themselves.
//!
//! The API re-validates every target with `shared`'s parser — the very code the page ran —
//! because nothing the browser checked is trusted.

pub mod access;
pub mod assets;
mod check;
pub mod checks;
pub mod error;
pub mod exporter;
mod handlers;
pub mod lifecycle;
pub mod limits;
pub mod metrics;
mod middleware;
pub mod openapi;
mod router;
pub mod server;
mod stream;

use std::sync::Arc;

use axum::http::{HeaderMap, header};

use mailtls_shared::{Lang, Profile};

use crate::config::Origin;
use crate::probe::Engine;

use self::checks::Checks;
use self::error::AppError;

pub use self::middleware::PERMISSIONS_POLICY;
pub use self::router::{app, app_with, routes};

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub checks: Arc<Checks>,
    pub limits: Arc<limits::Limits>,
    /// Where the rate limits' buckets live: this process, or the fleet's Redis/Valkey.
    pub store: Arc<crate::store::Store>,
    pub rejections: Arc<metrics::Rejections>,
    /// The provider profile the page compares settings with; `None` when none is configured
    /// (the page then names no provider and suggests no servers).
    pub profile: Option<Arc<Profile>>,
    /// Open connections and streams, and the stop sequence (`/readyz`, final stream events).
    pub lifecycle: Arc<lifecycle::Lifecycle>,
    /// Request IDs, the access log and the HTTP metrics.
    pub access: Arc<access::Access>,
}

impl AppState {
    /// State with the service's defaults: 16 concurrent checks, reports cached for 60 s, no
    /// provider profile.
    pub fn new(engine: Engine) -> Self {
        AppState {
            profile: None,
            checks: Arc::new(Checks::new(
                Arc::new(engine),
                16,
                std::time::Duration::from_secs(60),
            )),
            limits: Arc::default(),
            store: Arc::default(),
            rejections: Arc::default(),
            lifecycle: Arc::default(),
            access: Arc::default(),
        }
    }
}

/// What the router needs beyond the shared state: who may embed the page, how long a URL may be.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Origins allowed to frame the page and to call the API from the browser.
    pub embed_origins: Vec<Origin>,
    /// Longest accepted request URL, in bytes.
    pub max_url_bytes: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            embed_origins: Vec::new(),
            max_url_bytes: 4096,
        }
    }
}

/// `?lang=` wins, then `Accept-Language`, then German.
fn request_lang(param: Option<Lang>, headers: &HeaderMap) -> Lang {
    param.unwrap_or_else(|| {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map(Lang::from_accept_language)
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests;
