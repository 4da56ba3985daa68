//! What every answer gets around it: refusals before any handler (methods, URL length,
//! bodies), caching headers, and for the page its Content-Security-Policy, `frame-ancestors`
//! and the choice between pre-compressed copies.

use std::sync::Arc;

use axum::http::{HeaderValue, Method, header};
use axum::response::Response;

use crate::config::Origin;

use super::assets::{self, Assets};
use super::error::{AppError, Oversized};
use super::{metrics, request_lang, routes};

/// The browser features the page may use: the clipboard for its copy buttons, nothing else.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), \
     magnetometer=(), microphone=(), payment=(), usb=(), clipboard-write=(self)";

/// What the page's files need around them: old pre-compressed copies left out of the request's
/// `Accept-Encoding` (so the original is served), and the Content-Security-Policy of the
/// `index.html` there is now.
pub(super) async fn page_headers(
    assets: Assets,
    ancestors: String,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/") && !routes::ALL.contains(&path) {
        let lang = assets.page_lang(request.uri().query(), request.headers());
        let stale = assets.stale_encodings(path, lang);
        if !stale.is_empty() {
            let asked = request
                .headers()
                .get(header::ACCEPT_ENCODING)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            if let Ok(value) = HeaderValue::from_str(&assets::without_codings(asked, &stale)) {
                request.headers_mut().insert(header::ACCEPT_ENCODING, value);
            }
        }
    }
    let mut response = next.run(request).await;
    // The page is UTF-8; say so, instead of leaving browsers to guess from the `<meta>`.
    if response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == b"text/html")
    {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
    }
    if !response
        .headers()
        .contains_key(header::CONTENT_SECURITY_POLICY)
    {
        let policy = format!(
            "{}; frame-ancestors {ancestors}",
            assets.content_security_policy()
        );
        let policy = HeaderValue::from_str(&policy)
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// `frame-ancestors`: the page's own origin and the configured embedders, nobody else.
pub(super) fn frame_ancestors(origins: &[Origin]) -> String {
    std::iter::once("'self'")
        .chain(origins.iter().map(Origin::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Refuses what the service never needs before any handler runs: methods other than reading,
/// over-long URLs, request bodies.
pub(super) async fn request_limits(
    max_url_bytes: usize,
    rejections: Arc<metrics::Rejections>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let error = if !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        Some(AppError::MethodNotAllowed)
    } else if request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len())
        > max_url_bytes
    {
        Some(AppError::RequestTooLarge {
            what: Oversized::Url {
                limit: max_url_bytes,
            },
        })
    } else if request.headers().contains_key(header::TRANSFER_ENCODING)
        || request
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0")
    {
        Some(AppError::RequestTooLarge {
            what: Oversized::Body,
        })
    } else {
        None
    };
    match error {
        Some(error) => {
            let lang = request_lang(None, request.headers());
            // Counted like every refusal (405, 413, 414 too), logged within the budget.
            rejections.count(error.code(), None);
            error.into_response_in(lang)
        }
        None => next.run(request).await,
    }
}

/// Caching: trunk's content-hashed files never change (cache for a year) — but only a file
/// that exists: a hashed name this build does not have (a browser or CDN that saw another
/// version, during an upgrade or across replicas) is `404` and `no-store`, never a page kept
/// for a year under the file's name. The page itself is revalidated every time, API answers
/// are never stored by browsers or proxies.
pub(super) async fn cache_control(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/api/") || path == routes::METRICS;
    let hashed = is_content_hashed(path);
    let mut response = next.run(request).await;
    let policy = if api || (hashed && !response.status().is_success()) {
        "no-store"
    } else if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(policy));
    response
}

/// Whether a file name carries trunk's content hash: `frontend-0123456789abcdef_bg.wasm`. The
/// hash is a 64-bit number in hex without leading zeros, so it may be shorter than 16 digits.
pub(super) fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split(['-', '_', '.']).any(|part| {
        (12..=16).contains(&part.len())
            && part
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}
