//! The small routes: the provider profile, the embed helper, liveness and readiness, and the
//! API's own 404.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use mailtls_shared::{ErrorBody, Profile};

use super::error::AppError;
use super::{AppState, assets, request_lang};

/// The provider profile: official servers, aliases, support contact.
#[utoipa::path(get, path = "/api/v1/profile", tag = "check",
    responses(
        (status = 200, description = "The provider profile the service was started with", body = Profile),
        (status = 404, description = "No provider profile is configured", body = ErrorBody),
    ))]
pub(super) async fn profile(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match &state.profile {
        Some(profile) => axum::Json(&**profile).into_response(),
        None => AppError::NoProfile.into_response_in(request_lang(None, &headers)),
    }
}

/// The embed helper for providers' pages: sizes MailTLS iframes to their content.
#[utoipa::path(get, path = "/embed.js", tag = "operations",
    responses(
        (status = 200, description = "The script providers include beside the iframe; `ETag`, `Cache-Control: no-cache`", content_type = "text/javascript", body = String),
        (status = 304, description = "Unchanged since the `ETag` sent in `If-None-Match`"),
    ))]
pub(super) async fn embed_js(headers: HeaderMap) -> Response {
    const SCRIPT: &str = include_str!("embed.js");
    // Providers include it by a fixed URL: browsers ask again each time (`no-cache`) and get a
    // `304` while it is unchanged, so a new version reaches every page at once.
    static ETAG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let digest = ring::digest::digest(&ring::digest::SHA256, SCRIPT.as_bytes());
        let hex: String = digest.as_ref()[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        format!("\"{hex}\"")
    });
    let etag = ETAG.as_str();
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let caching = [(header::CACHE_CONTROL, "no-cache"), (header::ETAG, etag)];
    if unchanged {
        return (axum::http::StatusCode::NOT_MODIFIED, caching).into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        caching,
        SCRIPT,
    )
        .into_response()
}

/// Liveness: the process answers — `ok`, or `degraded: …` while the shared store is
/// unreachable (the page is still served, checks are refused with `503 unavailable`; a restart
/// would not help, so it is still `200`). The answer names no address and no error text: the
/// log has them, once per outage.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "`ok`, or `degraded: the shared store is unavailable`", content_type = "text/plain", body = String)))]
pub(super) async fn healthz(State(state): State<AppState>) -> &'static str {
    match state.store.check().await {
        Ok(()) => "ok\n",
        Err(_) => "degraded: the shared store is unavailable\n",
    }
}

pub(super) async fn robots_txt() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        assets::ROBOTS_TXT,
    )
        .into_response()
}

pub(super) async fn api_not_found(headers: HeaderMap) -> Response {
    AppError::NotFound.into_response_in(request_lang(None, &headers))
}

/// Readiness: the service can serve (the page, cached reports, health). Busy check slots do
/// not make it unready: that is a per-request `503 busy` and a metric.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "`ready`", content_type = "text/plain", body = String),
        (status = 503, description = "`draining`: the service is stopping; send new requests \
          elsewhere", content_type = "text/plain", body = String),
    ))]
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    // Ready means "can serve": the page, cached reports, health. Full check slots are a
    // per-request `503 busy` and a metric (`mailtls_check_slots_free`), not a reason for a
    // load balancer to take the only replica (or all of them, one after the other) out. Only a
    // stop takes it out: the first phase of the stop sequence (see `lifecycle`).
    if state.lifecycle.is_draining() {
        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response();
    }
    "ready\n".into_response()
}
