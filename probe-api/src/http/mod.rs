//! The HTTP face of the probe: the JSON API, health checks and the help page, on one origin.
//!
//! `app` builds the router; binding a socket is `main.rs`'s business, so tests drive the router
//! directly. The API re-validates every target with `shared`'s parser — the very code the page
//! ran — because nothing the browser checked is trusted.

pub mod assets;
pub mod error;

use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use mailtls_shared::{Lang, Target};

use crate::probe::Engine;

use self::assets::Assets;
use self::error::{AppError, MAX_TARGETS};

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
}

/// The whole service: API routes, and the page when `assets` is given.
pub fn app(state: AppState, assets: Option<Assets>) -> Router {
    let api = Router::new()
        .route("/api/v1/check", get(check))
        .route("/healthz", get(healthz))
        .route("/api", get(api_not_found))
        .route("/api/{*rest}", get(api_not_found))
        .with_state(state);
    let router = match assets {
        Some(assets) => {
            let policy = HeaderValue::from_str(&assets.content_security_policy)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
            api.fallback_service(assets.service()).layer(
                SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, policy),
            )
        }
        None => api.fallback(api_not_found),
    };
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(TraceLayer::new_for_http())
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn api_not_found(headers: HeaderMap) -> Response {
    AppError::NotFound.into_response_in(request_lang(None, &headers))
}

/// `GET /api/v1/check?target=T[&target=T…][&lang=de|en]`
async fn check(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let mut inputs = Vec::new();
    let mut lang_param = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "target" => inputs.push(value.into_owned()),
            "lang" => lang_param = Lang::from_tag(&value),
            _ => {}
        }
    }
    let lang = request_lang(lang_param, &headers);
    match run_check(&state, inputs).await {
        Ok(report) => axum::Json(report).into_response(),
        Err(error) => {
            tracing::info!(?error, "check refused");
            error.into_response_in(lang)
        }
    }
}

async fn run_check(
    state: &AppState,
    inputs: Vec<String>,
) -> Result<mailtls_shared::CheckReport, AppError> {
    if inputs.is_empty() {
        return Err(AppError::MissingTarget);
    }
    if inputs.len() > MAX_TARGETS {
        return Err(AppError::TooManyTargets {
            count: inputs.len(),
        });
    }
    let mut targets = Vec::with_capacity(inputs.len());
    for input in inputs {
        match Target::parse(&input) {
            Ok(target) if !targets.contains(&target) => targets.push(target),
            Ok(_) => {}
            Err(error) => return Err(AppError::InvalidTarget { input, error }),
        }
    }
    state.engine.check(targets).await.map_err(AppError::Plan)
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
