//! The HTTP face of the probe: the JSON API, health checks and the help page, on one origin.
//!
//! `app` builds the router; binding a socket is `main.rs`'s business, so tests drive the router
//! directly. The API re-validates every target with `shared`'s parser — the very code the page
//! ran — because nothing the browser checked is trusted.

pub mod assets;
pub mod checks;
pub mod error;
pub mod limits;
pub mod metrics;
mod stream;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use mailtls_shared::{Lang, Target};

use crate::probe::Engine;

use self::assets::Assets;
use self::checks::{Checks, Subscription};
use self::error::{AppError, MAX_TARGETS};

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub checks: Arc<Checks>,
    pub limits: Arc<limits::Limits>,
    pub rejections: Arc<metrics::Rejections>,
}

impl AppState {
    /// State with the service's defaults: 16 concurrent checks, reports cached for 60 s.
    pub fn new(engine: Engine) -> Self {
        AppState {
            checks: Arc::new(Checks::new(
                Arc::new(engine),
                16,
                std::time::Duration::from_secs(60),
            )),
            limits: Arc::default(),
            rejections: Arc::default(),
        }
    }
}

/// The whole service: API routes, and the page when `assets` is given.
pub fn app(state: AppState, assets: Option<Assets>) -> Router {
    let api = Router::new()
        .route("/api/v1/check", get(check))
        .route("/api/v1/check/stream", get(stream::check_stream))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api", get(api_not_found))
        .route("/api/{*rest}", get(api_not_found))
        .with_state(state);
    let router =
        match assets {
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
        .layer(axum::middleware::from_fn(cache_control))
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

/// Caching: trunk's content-hashed files never change (cache for a year), the page itself is
/// revalidated every time, API answers are never stored by browsers or proxies.
async fn cache_control(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path();
    let policy = if path.starts_with("/api/") || path == "/metrics" {
        "no-store"
    } else if is_content_hashed(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(policy));
    response
}

/// Whether a file name carries trunk's content hash: `frontend-0123456789abcdef_bg.wasm`.
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split(['-', '_', '.']).any(|part| {
        part.len() == 16
            && part
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn api_not_found(headers: HeaderMap) -> Response {
    AppError::NotFound.into_response_in(request_lang(None, &headers))
}

/// `GET /api/v1/check?target=T[&target=T…][&lang=de|en]`
async fn readyz(State(state): State<AppState>) -> Response {
    if state.checks.has_capacity() {
        "ready\n".into_response()
    } else {
        (axum::http::StatusCode::SERVICE_UNAVAILABLE, "busy\n").into_response()
    }
}

/// The parameters of a check request: the targets as given, and the language.
fn check_query(query: Option<String>, headers: &HeaderMap) -> (Vec<String>, Lang) {
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
    (inputs, request_lang(lang_param, headers))
}

/// `GET /api/v1/check?target=T[&target=T…][&lang=de|en]`: the finished report as JSON.
async fn check(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (inputs, lang) = check_query(query, &headers);
    let client = client(&state, peer, &headers);
    let report = match subscribe(&state, client, inputs).await {
        Ok(subscription) => subscription.report().await.ok_or(AppError::Internal),
        Err(error) => Err(error),
    };
    match report {
        Ok(report) => axum::Json(&*report).into_response(),
        Err(error) => error.into_response_in(lang),
    }
}

/// The rate-limit key of the requesting client.
fn client(
    state: &AppState,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
) -> IpAddr {
    // Router tests have no socket; they all count as one client.
    let peer = peer.map_or(
        IpAddr::from([0, 0, 0, 0]),
        |Extension(ConnectInfo(peer))| peer.ip(),
    );
    limits::client_key(limits::client_address(
        peer,
        headers,
        &state.limits.trusted_proxies,
    ))
}

/// Applies the limits, validates the inputs, then joins the cached or running identical check,
/// or starts one.
async fn subscribe(
    state: &AppState,
    client: IpAddr,
    inputs: Vec<String>,
) -> Result<Subscription, AppError> {
    let now = tokio::time::Instant::now();
    let result = match state.limits.per_client.take(client, now) {
        Err(retry_after) => Err(AppError::RateLimited { retry_after }),
        Ok(()) => start_or_join(state, inputs).await,
    };
    if let Err(error) = &result {
        // The code only: what a visitor typed is not logged at info level.
        tracing::info!(code = ?error.code(), "check refused");
        state.rejections.count(error.code());
    }
    result
}

async fn start_or_join(state: &AppState, inputs: Vec<String>) -> Result<Subscription, AppError> {
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
    let key = checks::key(&targets);
    if let Some(subscription) = state.checks.existing(&key) {
        return Ok(subscription);
    }
    let plan = state
        .checks
        .engine()
        .plan(targets)
        .await
        .map_err(AppError::Plan)?;
    let now = tokio::time::Instant::now();
    for address in plan.addresses() {
        state
            .limits
            .per_target
            .take(address, now)
            .map_err(|retry_after| AppError::RateLimited { retry_after })?;
    }
    state.checks.start(key, plan).map_err(|_| AppError::Busy)
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
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;
    use crate::probe::ProbeSettings;

    fn router(assets: Option<Assets>) -> Router {
        let engine = Engine::new(ProbeSettings::default()).expect("engine");
        app(AppState::new(engine), assets)
    }

    async fn get(
        router: Router,
        uri: &str,
        language: Option<&str>,
    ) -> (StatusCode, HeaderMap, String) {
        let mut request = Request::get(uri);
        if let Some(language) = language {
            request = request.header(header::ACCEPT_LANGUAGE, language);
        }
        let response = router
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    fn error_code(body: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(body).expect("JSON error body");
        value["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Requests refused before any connection: the engine's policy never lets these out.
    #[tokio::test]
    async fn refusals() {
        let many = ["target=imaps://a.example.de"; MAX_TARGETS + 1].join("&");
        let cases = [
            (
                "/api/v1/check",
                None,
                StatusCode::BAD_REQUEST,
                "missing_target",
                "Bitte",
            ),
            (
                "/api/v1/check?target=mail%20x.de",
                None,
                StatusCode::BAD_REQUEST,
                "invalid_target",
                "Leerzeichen",
            ),
            (
                "/api/v1/check?target=mail%20x.de",
                Some("en-GB,en;q=0.8"),
                StatusCode::BAD_REQUEST,
                "invalid_target",
                "no spaces",
            ),
            (
                "/api/v1/check?target=mail%20x.de&lang=de",
                Some("en"),
                StatusCode::BAD_REQUEST,
                "invalid_target",
                "Leerzeichen",
            ),
            (
                "/api/v1/check?target=imaps://x.de%0D%0AQUIT",
                Some("en"),
                StatusCode::BAD_REQUEST,
                "invalid_target",
                "line break",
            ),
            (
                &format!("/api/v1/check?{many}"),
                Some("en"),
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_many_targets",
                "at most 8",
            ),
            (
                "/api/v1/check?target=imaps://mail.example.de:8443",
                Some("en"),
                StatusCode::FORBIDDEN,
                "forbidden_port",
                "8443",
            ),
            (
                "/api/v1/check?target=imaps://127.0.0.1",
                Some("en"),
                StatusCode::FORBIDDEN,
                "forbidden_address",
                "loopback",
            ),
            (
                "/api/v1/check?target=imaps://%5B::ffff:7f00:1%5D",
                Some("en"),
                StatusCode::FORBIDDEN,
                "forbidden_address",
                "127.0.0.1",
            ),
            (
                "/api/v1/check?target=imaps://printer.local",
                Some("en"),
                StatusCode::FORBIDDEN,
                "forbidden_domain",
                ".local",
            ),
            (
                "/api/v1/check?target=mail.corp.internal&lang=de",
                None,
                StatusCode::FORBIDDEN,
                "forbidden_domain",
                "reservierten Domain .internal",
            ),
            (
                "/api/v2/nothing",
                Some("en"),
                StatusCode::NOT_FOUND,
                "not_found",
                "no such",
            ),
        ];
        for (uri, language, status, code, words) in cases {
            let (got, headers, body) = get(router(None), uri, language).await;
            assert_eq!(got, status, "{uri}: {body}");
            assert_eq!(error_code(&body), code, "{uri}: {body}");
            assert!(body.contains(words), "{uri}: {body}");
            assert_eq!(
                headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok()),
                Some("application/json")
            );
        }
    }

    #[test]
    fn content_hashed_files() {
        let cases = [
            ("/frontend-39706cf00a211fa9_bg.wasm", true),
            ("/frontend-39706cf00a211fa9.js", true),
            ("/style-7e74a075a58e3e5f.css", true),
            ("/", false),
            ("/index.html", false),
            ("/check", false),
            ("/logo.png", false),
        ];
        for (path, hashed) in cases {
            assert_eq!(is_content_hashed(path), hashed, "{path}");
        }
    }

    #[tokio::test]
    async fn health() {
        let (status, _, body) = get(router(None), "/healthz", None).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    }

    #[tokio::test]
    async fn page_routes_fall_back_to_the_app_with_a_strict_policy() {
        let dist = std::env::temp_dir().join(format!("mailtls-dist-{}", std::process::id()));
        std::fs::create_dir_all(&dist).expect("dist");
        std::fs::write(
            dist.join("index.html"),
            "<html><script type=module>import init from '/app.js';init();</script></html>",
        )
        .expect("index");
        std::fs::write(dist.join("app.js"), "export default function init() {}").expect("js");
        let assets = Assets::load(&dist).expect("assets");

        let (status, headers, body) = get(
            router(Some(assets.clone())),
            "/check?target=x&lang=en",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("import init"), "{body}");
        let policy = headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            policy.contains("'sha256-") && policy.contains("object-src 'none'"),
            "{policy}"
        );
        assert_eq!(
            headers
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );

        assert_eq!(
            headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()),
            Some(&b"no-cache"[..]),
            "the page is revalidated"
        );

        let (status, _, body) = get(router(Some(assets.clone())), "/app.js", None).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, "export default function init() {}")
        );

        // API paths never fall back to the page, and are never stored.
        let (status, headers, body) = get(router(Some(assets)), "/api/v1/nothing", None).await;
        assert_eq!(
            headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()),
            Some(&b"no-store"[..])
        );
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(error_code(&body), "not_found");
        let _ = std::fs::remove_dir_all(&dist);
    }

    #[test]
    fn a_missing_build_is_explained() {
        let error = Assets::load(std::path::Path::new("/nonexistent/dist")).expect_err("no index");
        assert!(error.to_string().contains("make run"), "{error}");
    }
}
