//! The one place that lists every route, and the layers every answer passes, in order: the
//! access log outermost, then the security headers, the request caps, caching, and — for the
//! page — its CSP and encodings.

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use super::assets::{self, Assets};
use super::middleware::{
    PERMISSIONS_POLICY, cache_control, frame_ancestors, page_headers, request_limits,
};
use super::{AppState, HttpOptions, access, check, exporter, handlers, metrics, openapi, stream};

/// The service's routes, one constant each, so the OpenAPI document can be checked against them.
pub mod routes {
    /// The routes the page calls are the shared contract's.
    pub use mailtls_shared::stream::routes::{CHECK, CHECK_STREAM, PROFILE};
    pub const OPENAPI: &str = "/api/openapi.json";
    pub const HEALTHZ: &str = "/healthz";
    pub const READYZ: &str = "/readyz";
    pub const METRICS: &str = "/metrics";
    pub const EMBED_JS: &str = "/embed.js";
    /// One check as Prometheus metrics (monitoring a provider's own servers).
    pub const PROBE: &str = "/probe";
    /// Served with the page (not part of the API, so not in [`ALL`] and the OpenAPI document).
    pub const ROBOTS_TXT: &str = "/robots.txt";
    /// Every API route above.
    pub const ALL: [&str; 9] = [
        CHECK,
        CHECK_STREAM,
        PROFILE,
        OPENAPI,
        HEALTHZ,
        READYZ,
        METRICS,
        EMBED_JS,
        PROBE,
    ];
}

/// The whole service with default options: API routes, and the page when `assets` is given.
pub fn app(state: AppState, assets: Option<Assets>) -> Router {
    app_with(state, assets, &HttpOptions::default())
}

/// The whole service: API routes, and the page when `assets` is given.
pub fn app_with(state: AppState, assets: Option<Assets>, options: &HttpOptions) -> Router {
    let rejections = state.rejections.clone();
    let logged = state.clone();
    let mut api = Router::new()
        .route(routes::CHECK, get(check::check))
        .route(routes::CHECK_STREAM, get(stream::check_stream))
        .route(routes::PROFILE, get(handlers::profile))
        .route(routes::OPENAPI, get(openapi::openapi_json))
        .route(routes::HEALTHZ, get(handlers::healthz))
        .route(routes::READYZ, get(handlers::readyz))
        .route(routes::METRICS, get(metrics::metrics))
        .route(routes::EMBED_JS, get(handlers::embed_js))
        .route(routes::PROBE, get(exporter::probe))
        .route("/api", get(handlers::api_not_found))
        .route("/api/{*rest}", get(handlers::api_not_found))
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
            let mut site = api.route(routes::ROBOTS_TXT, get(handlers::robots_txt));
            for path in assets::PAGE_ROUTES {
                let assets = assets.clone();
                site = site.route(
                    path,
                    get(move |request: axum::extract::Request| async move {
                        assets.page(request).await
                    }),
                );
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
        None => api.fallback(handlers::api_not_found),
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
