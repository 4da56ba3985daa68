//! The HTTP face of the probe: the JSON API, health checks and the help page, on one origin.
//!
//! `app` builds the router; binding a socket is `main.rs`'s business, so tests drive the router
//! directly. The API re-validates every target with `shared`'s parser — the very code the page
//! ran — because nothing the browser checked is trusted.

pub mod access;
pub mod assets;
pub mod checks;
pub mod error;
pub mod lifecycle;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod server;
mod stream;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use mailtls_shared::{CheckReport as CheckReportSchema, ErrorBody, Lang, Profile, Target};

use crate::config::Origin;
use crate::probe::Engine;

use self::assets::Assets;
use self::checks::{Checks, Subscription};
use self::error::{AppError, MAX_TARGETS, Oversized};

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub checks: Arc<Checks>,
    pub limits: Arc<limits::Limits>,
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

/// The service's routes, one constant each, so the OpenAPI document can be checked against them.
pub mod routes {
    /// The routes the page calls are the shared contract's.
    pub use mailtls_shared::stream::routes::{CHECK, CHECK_STREAM, PROFILE};
    pub const OPENAPI: &str = "/api/openapi.json";
    pub const HEALTHZ: &str = "/healthz";
    pub const READYZ: &str = "/readyz";
    pub const METRICS: &str = "/metrics";
    pub const EMBED_JS: &str = "/embed.js";
    /// Served with the page (not part of the API, so not in [`ALL`] and the OpenAPI document).
    pub const ROBOTS_TXT: &str = "/robots.txt";
    /// Every API route above.
    pub const ALL: [&str; 8] = [
        CHECK,
        CHECK_STREAM,
        PROFILE,
        OPENAPI,
        HEALTHZ,
        READYZ,
        METRICS,
        EMBED_JS,
    ];
}

/// The browser features the page may use: the clipboard for its copy buttons, nothing else.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), \
     magnetometer=(), microphone=(), payment=(), usb=(), clipboard-write=(self)";

/// The whole service with default options: API routes, and the page when `assets` is given.
pub fn app(state: AppState, assets: Option<Assets>) -> Router {
    app_with(state, assets, &HttpOptions::default())
}

/// The whole service: API routes, and the page when `assets` is given.
pub fn app_with(state: AppState, assets: Option<Assets>, options: &HttpOptions) -> Router {
    let rejections = state.rejections.clone();
    let logged = state.clone();
    let mut api = Router::new()
        .route(routes::CHECK, get(check))
        .route(routes::CHECK_STREAM, get(stream::check_stream))
        .route(routes::PROFILE, get(profile))
        .route(routes::OPENAPI, get(openapi::openapi_json))
        .route(routes::HEALTHZ, get(healthz))
        .route(routes::READYZ, get(readyz))
        .route(routes::METRICS, get(metrics::metrics))
        .route(routes::EMBED_JS, get(embed_js))
        .route("/api", get(api_not_found))
        .route("/api/{*rest}", get(api_not_found))
        .with_state(state)
        // JSON answers shrink to a fraction with gzip (reports are 2–256 KiB of repetitive
        // JSON). Event streams are left alone (the layer's default: compression would hold
        // events back), and the page's files come pre-compressed from the build.
        .layer(tower_http::compression::CompressionLayer::new());
    if !options.embed_origins.is_empty() {
        let origins: Vec<HeaderValue> = options
            .embed_origins
            .iter()
            .filter_map(|origin| HeaderValue::from_str(origin.as_str()).ok())
            .collect();
        api = api.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET])
                .max_age(std::time::Duration::from_secs(600)),
        );
    }
    let router = match assets {
        Some(assets) => {
            let ancestors = frame_ancestors(&options.embed_origins);
            let mut site = api.route(routes::ROBOTS_TXT, get(robots_txt));
            for path in assets::PAGE_ROUTES {
                site = site.route_service(path, assets.page());
            }
            if let Some(provider) = assets.provider_files() {
                site = site.nest_service(assets::PROVIDER_PREFIX, provider);
            }
            let files = assets.clone();
            site.fallback_service(assets.files())
                .layer(axum::middleware::from_fn(move |request, next| {
                    page_headers(files.clone(), ancestors.clone(), request, next)
                }))
        }
        None => api.fallback(api_not_found),
    };
    let max_url_bytes = options.max_url_bytes;
    router
        .layer(axum::middleware::from_fn(cache_control))
        .layer(axum::middleware::from_fn(move |request, next| {
            request_limits(max_url_bytes, rejections.clone(), request, next)
        }))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // The page needs none of the browser's powerful features but writing to the
        // clipboard (the copy buttons).
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        ))
        // Outermost: the access line sees every answer, refusals included.
        .layer(axum::middleware::from_fn_with_state(logged, access::log))
}

/// What the page's files need around them: old pre-compressed copies left out of the request's
/// `Accept-Encoding` (so the original is served), and the Content-Security-Policy of the
/// `index.html` there is now.
async fn page_headers(
    assets: Assets,
    ancestors: String,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/") && !routes::ALL.contains(&path) {
        let stale = assets.stale_encodings(path);
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
fn frame_ancestors(origins: &[Origin]) -> String {
    std::iter::once("'self'")
        .chain(origins.iter().map(Origin::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Refuses what the service never needs before any handler runs: methods other than reading,
/// over-long URLs, request bodies.
async fn request_limits(
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
async fn cache_control(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
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
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split(['-', '_', '.']).any(|part| {
        (12..=16).contains(&part.len())
            && part
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

/// The provider profile: official servers, aliases, support contact.
#[utoipa::path(get, path = "/api/v1/profile", tag = "check",
    responses(
        (status = 200, description = "The provider profile the service was started with", body = Profile),
        (status = 404, description = "No provider profile is configured", body = ErrorBody),
    ))]
async fn profile(State(state): State<AppState>, headers: HeaderMap) -> Response {
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
async fn embed_js(headers: HeaderMap) -> Response {
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

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "`ok`", content_type = "text/plain", body = String)))]
async fn healthz() -> &'static str {
    "ok\n"
}

async fn robots_txt() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        assets::ROBOTS_TXT,
    )
        .into_response()
}

async fn api_not_found(headers: HeaderMap) -> Response {
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
async fn readyz(State(state): State<AppState>) -> Response {
    // Ready means "can serve": the page, cached reports, health. Full check slots are a
    // per-request `503 busy` and a metric (`mailtls_check_slots_free`), not a reason for a
    // load balancer to take the only replica (or all of them, one after the other) out. Only a
    // stop takes it out: the first phase of the stop sequence (see `lifecycle`).
    if state.lifecycle.is_draining() {
        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response();
    }
    "ready\n".into_response()
}

/// The parameters of a check request.
pub(crate) struct CheckQuery {
    /// The targets as given.
    pub inputs: Vec<String>,
    pub lang: Lang,
    /// `fresh=1`: do not answer from the cache.
    pub fresh: bool,
}

fn check_query(query: Option<String>, headers: &HeaderMap) -> CheckQuery {
    let query = query.unwrap_or_default();
    let mut inputs = Vec::new();
    let mut lang_param = None;
    let mut fresh = false;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "target" => inputs.push(value.into_owned()),
            "lang" => lang_param = Lang::from_tag(&value),
            "fresh" => fresh = matches!(value.as_ref(), "1" | "true"),
            _ => {}
        }
    }
    CheckQuery {
        inputs,
        lang: request_lang(lang_param, headers),
        fresh,
    }
}

/// `GET /api/v1/check?target=T[&target=T…][&lang=de|en]`: the finished report as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/check",
    tag = "check",
    summary = "Check mail servers and return the report",
    description = "Runs the check (or joins an identical running one, or answers from the \
                   short-lived report cache) and returns the finished report.",
    params(
        ("target" = Vec<String>, Query, description = "What to check, 1 to 8 times: a host name \
          (every standard mail endpoint), `scheme://host[:port]` with scheme smtp, submission, \
          smtps, imap, imaps, pop3 or pop3s, or a mail domain as `domain:NAME` or `name@NAME` \
          (its MX hosts on port 25, MTA-STS and TLS-RPT; see `domains` in the report).", example = "imaps://mail.example.de"),
        ("lang" = Option<Lang>, Query, description = "`de` or `en` for error messages; \
          default from `Accept-Language`, else German."),
        ("fresh" = Option<String>, Query, description = "`1`: check again instead of answering \
          from the cache; refused with `429` and `Retry-After` when the cached report is younger \
          than 10 seconds."),
    ),
    responses(
        (status = 200, description = "The finished check", body = CheckReportSchema,
         headers(("Age" = u64, description = "For an answer from the cache: its age in seconds"))),
        (status = 400, description = "`missing_target` or `invalid_target`", body = ErrorBody),
        (status = 403, description = "`forbidden_address`, `forbidden_port` or `forbidden_domain`", body = ErrorBody),
        (status = 405, description = "`method_not_allowed`", body = ErrorBody),
        (status = 413, description = "`too_many_targets`, or a request body (`request_too_large`)", body = ErrorBody),
        (status = 414, description = "`request_too_large`: the URL is too long", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "`busy`: too many checks running", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
async fn check(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = check_query(query, &headers);
    let client = client(&state, peer, &headers);
    let report = match subscribe(&state, client, query.inputs, query.fresh).await {
        Ok(subscription) => subscription
            .report()
            .await
            .map_err(|failure| match failure {
                checks::NoReport::Busy => AppError::Busy,
                checks::NoReport::Died => AppError::Internal,
            }),
        Err(error) => Err(error),
    };
    match report {
        Ok(report) => {
            let mut response = (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                report.to_json(),
            )
                .into_response();
            // RFC 9111 §5.1: how old a cached answer is.
            if let Some(age) = report.age_seconds() {
                response
                    .headers_mut()
                    .insert(header::AGE, HeaderValue::from(age));
            }
            response
        }
        Err(error) => error.into_response_in(query.lang),
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
    warn_once_of_an_untrusted_proxy(peer, headers, &state.limits.trusted_proxies);
    limits::client_key(limits::client_address(
        peer,
        headers,
        &state.limits.trusted_proxies,
    ))
}

/// A reverse proxy the configuration does not name makes every visitor behind it one client,
/// sharing one rate limit: said once, at the first request that shows it.
fn warn_once_of_an_untrusted_proxy(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let peer = peer.to_canonical();
    let forwarded = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    if forwarded
        && !trusted.iter().any(|net| net.contains(&peer))
        && !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        tracing::warn!(
            %peer,
            "X-Forwarded-For or Forwarded arrives from {peer}, which is not a trusted proxy: \
             it is ignored, and every visitor behind that proxy shares one client's limits; \
             if it is your reverse proxy, name it in trusted_proxies"
        );
    }
}

/// Applies the limits, validates the inputs, then joins the cached or running identical check,
/// or starts one.
async fn subscribe(
    state: &AppState,
    client: IpAddr,
    inputs: Vec<String>,
    fresh: bool,
) -> Result<Subscription, AppError> {
    let now = tokio::time::Instant::now();
    let result = match state.limits.per_client.take(client, now) {
        Err(retry_after) => Err(AppError::RateLimited { retry_after }),
        Ok(()) => start_or_join(state, inputs, fresh).await,
    };
    match &result {
        // Counted always, logged within a budget (`metrics::Rejections`).
        Err(error) => state
            .rejections
            .count(error.code(), Some(&state.access.client_key(client))),
        // In the request's span, so the line carries its request ID.
        Ok(subscription) => tracing::info!(
            target: "mailtls::check",
            check = subscription.check_id,
            served = if subscription.cached {
                "cached"
            } else if subscription.joined {
                "joined"
            } else {
                "started"
            },
            endpoints = subscription.total,
            "check"
        ),
    }
    result
}

async fn start_or_join(
    state: &AppState,
    inputs: Vec<String>,
    fresh: bool,
) -> Result<Subscription, AppError> {
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
    if fresh {
        state
            .checks
            .forget(&key)
            .map_err(|retry_after| AppError::RateLimited { retry_after })?;
    }
    if let Some(subscription) = state.checks.existing(&key) {
        return Ok(subscription);
    }
    // The slot comes first: resolving names is work under the cap as well, and a busy service
    // says so at once instead of after the lookups.
    let reserved = state.checks.reserve().ok_or(AppError::Busy)?;
    let plan = state
        .checks
        .engine()
        .plan(targets)
        .await
        .map_err(AppError::Plan)?;
    // The mail servers are charged only if this request really starts a check (not when it
    // joins one that started meanwhile), all of them or none.
    let addresses = plan.addresses();
    let limits = state.limits.clone();
    state
        .checks
        .start_reserved(key, plan, Some(reserved), move || {
            limits
                .per_target
                .take_all(&addresses, tokio::time::Instant::now())
        })
        .map_err(|refused| match refused {
            checks::Refused::Busy => AppError::Busy,
            checks::Refused::Charge(retry_after) => AppError::RateLimited { retry_after },
        })
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
        send(router, request.body(Body::empty()).expect("request")).await
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
                "remove the spaces",
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
                "not a public internet address",
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
                "endet auf .internal",
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

    async fn send(router: Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let response = router.oneshot(request).await.expect("response");
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

    fn router_with(settings: ProbeSettings, limits: limits::Limits, max_checks: usize) -> Router {
        let engine = Engine::new(settings).expect("engine");
        let state = AppState {
            checks: Arc::new(Checks::new(
                Arc::new(engine),
                max_checks,
                std::time::Duration::from_secs(60),
            )),
            limits: Arc::new(limits),
            rejections: Arc::default(),
            profile: None,
            lifecycle: Arc::default(),
            access: Arc::default(),
        };
        app(state, None)
    }

    #[tokio::test]
    async fn provider_mode_refuses_names_outside_its_domains() {
        let settings = ProbeSettings {
            policy: crate::probe::policy::AddressPolicy::default()
                .only_domains(&[mailtls_shared::Hostname::parse("mxp.de").expect("domain")]),
            ..ProbeSettings::default()
        };
        for (target, host) in [
            ("imaps://mail.example.com", "mail.example.com"),
            ("mxp.de.example.com", "mxp.de.example.com"),
            ("imaps://193.99.144.80", "193.99.144.80"),
        ] {
            let router = router_with(settings.clone(), limits::Limits::default(), 4);
            let uri = format!("/api/v1/check?target={target}&lang=en");
            let (status, _, body) = get(router, &uri, None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{target}: {body}");
            assert_eq!(error_code(&body), "forbidden_domain", "{target}: {body}");
            assert!(body.contains(host) && body.contains("mxp.de"), "{body}");
        }
    }

    #[tokio::test]
    async fn a_client_over_its_limit_is_told_when_to_come_back() {
        let limits = limits::Limits {
            per_client: limits::Limiter::new(1, 1),
            ..limits::Limits::default()
        };
        let router = router_with(ProbeSettings::default(), limits, 4);
        // The first request uses the client's only token (and is refused for its address).
        let (status, _, _) = get(
            router.clone(),
            "/api/v1/check?target=imaps://10.0.0.1",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, headers, body) =
            get(router, "/api/v1/check?target=imaps://10.0.0.1", Some("de")).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(error_code(&body), "rate_limited");
        let wait: u64 = headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After in seconds");
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(
            body.contains(&format!("warten Sie {wait} Sekunden")),
            "{body}"
        );
    }

    #[tokio::test]
    async fn a_full_service_is_busy_with_retry_after() {
        // A silent server on loopback holds the only check slot.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = silent.local_addr().expect("addr").port();
        let settings = ProbeSettings {
            policy: crate::probe::policy::AddressPolicy::default()
                .allow("127.0.0.0/8".parse().expect("cidr"))
                .allow_ports(&[port]),
            ..ProbeSettings::default()
        };
        let router = router_with(settings, limits::Limits::default(), 1);
        let holder = tokio::spawn(get(
            router.clone(),
            Box::leak(format!("/api/v1/check?target=imaps://127.0.0.1:{port}").into_boxed_str()),
            None,
        ));
        let (_connection, _) = silent.accept().await.expect("the first check connects");
        let uri = format!("/api/v1/check?target=imaps://127.0.0.2:{port}&lang=en");
        let (status, headers, body) = get(router, &uri, None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(error_code(&body), "busy");
        assert_eq!(
            headers.get(header::RETRY_AFTER).map(|v| v.as_bytes()),
            Some(&b"10"[..])
        );
        holder.abort();
    }

    #[tokio::test]
    async fn only_small_get_requests_are_served() {
        let long = format!("/api/v1/check?target={}", "a".repeat(5000));
        let (status, _, body) = get(router(None), &long, Some("en")).await;
        assert_eq!(status, StatusCode::URI_TOO_LONG, "{body}");
        assert_eq!(error_code(&body), "request_too_large");
        assert!(body.contains("4096"), "{body}");

        let post = Request::post("/api/v1/check?target=x.de")
            .header(header::ACCEPT_LANGUAGE, "en")
            .body(Body::from("target=x.de"))
            .expect("request");
        let (status, headers, body) = send(router(None), post).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
        assert_eq!(error_code(&body), "method_not_allowed");
        assert_eq!(
            headers.get(header::ALLOW).map(|v| v.as_bytes()),
            Some(&b"GET, HEAD"[..])
        );

        let with_body = Request::get("/api/v1/check?target=x.de")
            .header(header::CONTENT_LENGTH, "5")
            .body(Body::from("hello"))
            .expect("request");
        let (status, _, body) = send(router(None), with_body).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert_eq!(error_code(&body), "request_too_large");
    }

    fn page_assets(name: &str) -> (std::path::PathBuf, Assets) {
        let dist = std::env::temp_dir().join(format!("mailtls-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dist).expect("dist");
        std::fs::write(dist.join("index.html"), "<html><body>MailTLS</body></html>")
            .expect("index");
        let assets = Assets::load(&dist, None).expect("assets");
        (dist, assets)
    }

    #[tokio::test]
    async fn only_configured_origins_may_embed_the_page_or_call_the_api() {
        let (dist, assets) = page_assets("embed");
        let options = HttpOptions {
            embed_origins: vec!["https://www.mxp.de".parse().expect("origin")],
            ..HttpOptions::default()
        };
        let engine = || Engine::new(ProbeSettings::default()).expect("engine");
        let embedding = app_with(AppState::new(engine()), Some(assets.clone()), &options);
        let (_, headers, _) = get(embedding.clone(), "/", None).await;
        let policy = headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            policy.ends_with("frame-ancestors 'self' https://www.mxp.de"),
            "{policy}"
        );

        let preflight = |origin: &str| {
            Request::options("/api/v1/check?target=x.de")
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
                .body(Body::empty())
                .expect("request")
        };
        let (_, headers, _) = send(embedding.clone(), preflight("https://www.mxp.de")).await;
        assert_eq!(
            headers
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .map(|v| v.as_bytes()),
            Some(&b"https://www.mxp.de"[..])
        );
        let (_, headers, _) = send(embedding.clone(), preflight("https://evil.example")).await;
        assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());

        // Without configured origins: same origin only.
        let alone = app(AppState::new(engine()), Some(assets));
        let (_, headers, _) = get(alone.clone(), "/", None).await;
        let policy = headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(policy.ends_with("frame-ancestors 'self'"), "{policy}");
        let (_, headers, _) = send(alone, preflight("https://www.mxp.de")).await;
        assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
        let _ = std::fs::remove_dir_all(&dist);
    }

    #[tokio::test]
    async fn the_openapi_document_describes_exactly_the_routes() {
        let (status, _, body) = get(router(None), routes::OPENAPI, None).await;
        assert_eq!(status, StatusCode::OK);
        let document: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert!(
            document["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.")),
            "{body}"
        );
        let paths: Vec<&str> = document["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .map(String::as_str)
            .collect();
        let mut documented = paths.clone();
        documented.sort_unstable();
        let mut routed = routes::ALL.to_vec();
        routed.sort_unstable();
        assert_eq!(documented, routed);
        for path in paths {
            let (status, _, body) = get(router(None), path, None).await;
            if path == routes::PROFILE {
                // Without a configured profile the route answers for itself, not the fallback.
                assert!(body.contains("Anbieterprofil"), "{path}: {body}");
            } else {
                assert_ne!(status, StatusCode::NOT_FOUND, "{path}: {body}");
            }
        }
        let schemas = document["components"]["schemas"]
            .as_object()
            .expect("schemas");
        for name in ["CheckReport", "EndpointReport", "ErrorBody", "ErrorCode"] {
            assert!(schemas.contains_key(name), "{name}");
        }
        // Every error code the service can answer with is in the document's enum.
        let codes = schemas["ErrorCode"].to_string();
        for code in [
            "busy",
            "rate_limited",
            "forbidden_domain",
            "request_too_large",
        ] {
            assert!(codes.contains(code), "{code}: {codes}");
        }
        // `lang` is the closed set the service understands, not any string.
        let check = &document["paths"][routes::CHECK]["get"];
        let lang = check["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == "lang")
            .expect("lang parameter");
        let lang_schema = lang["schema"].to_string();
        let enum_of_lang = if lang_schema.contains("$ref") {
            schemas["Lang"].to_string()
        } else {
            lang_schema
        };
        assert!(
            enum_of_lang.contains("\"de\"") && enum_of_lang.contains("\"en\""),
            "{enum_of_lang}"
        );
        assert!(
            check["responses"]["200"]["headers"]["Age"].is_object(),
            "{check}"
        );
    }

    #[test]
    fn content_hashed_files() {
        let cases = [
            ("/frontend-39706cf00a211fa9_bg.wasm", true),
            ("/frontend-39706cf00a211fa9.js", true),
            ("/style-7e74a075a58e3e5f.css", true),
            ("/frontend-a35e03d5e386dde.js", true),
            ("/frontend-a35e03d5e386dde_bg.wasm", true),
            ("/provider-logo.svg", false),
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
    async fn page_routes_serve_the_app_and_unknown_paths_a_real_404() {
        let dist = std::env::temp_dir().join(format!("mailtls-dist-{}", std::process::id()));
        std::fs::create_dir_all(&dist).expect("dist");
        std::fs::write(
            dist.join("index.html"),
            "<html><script type=module>import init from '/app.js';init();</script></html>",
        )
        .expect("index");
        std::fs::write(dist.join("app.js"), "export default function init() {}").expect("js");
        std::fs::write(dist.join("frontend-1a2b3c4d5e6f7a8b_bg.wasm"), b"\0asm").expect("wasm");
        let assets = Assets::load(&dist, None).expect("assets");

        // A hashed file of this build is cached for a year; one it lacks (another version's,
        // asked for during an upgrade) is a 404 nobody may keep.
        for (path, status, policy) in [
            (
                "/frontend-1a2b3c4d5e6f7a8b_bg.wasm",
                StatusCode::OK,
                "public, max-age=31536000, immutable",
            ),
            (
                "/frontend-0123456789abcdef_bg.wasm",
                StatusCode::NOT_FOUND,
                "no-store",
            ),
        ] {
            let (got, headers, _) = get(router(Some(assets.clone())), path, None).await;
            assert_eq!(got, status, "{path}");
            assert_eq!(
                headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()),
                Some(policy.as_bytes()),
                "{path}"
            );
        }

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
        assert_eq!(
            headers.get("permissions-policy").map(|v| v.as_bytes()),
            Some(PERMISSIONS_POLICY.as_bytes())
        );

        let (status, _, body) = get(router(Some(assets.clone())), "/app.js", None).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, "export default function init() {}")
        );
        for page in ["/", "/?lang=en&embed=https://www.example.test", "/support"] {
            let (status, _, body) = get(router(Some(assets.clone())), page, None).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert!(body.contains("import init"), "{page}: {body}");
        }

        // Anything else is a real 404 with a way back, not the app with 200 (a soft 404).
        for unknown in ["/wp-login.php", "/check/extra", "/index.htm", "/assets/"] {
            let (status, headers, body) = get(router(Some(assets.clone())), unknown, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
            assert!(!body.contains("import init"), "{unknown}: {body}");
            assert!(body.contains("<a href=\"/\">"), "{unknown}: {body}");
            assert_eq!(
                headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
                Some(&b"text/html; charset=utf-8"[..]),
                "{unknown}"
            );
        }
        let (status, headers, body) = get(router(Some(assets.clone())), "/robots.txt", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"text/plain")),
            "{headers:?}"
        );
        assert!(
            body.starts_with("User-agent: *\n") && body.contains("Disallow: /check\n"),
            "{body}"
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
        let error =
            Assets::load(std::path::Path::new("/nonexistent/dist"), None).expect_err("no index");
        assert!(error.to_string().contains("make run"), "{error}");
    }
}
