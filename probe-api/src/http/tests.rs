//! The router as a whole, driven without a socket: refusals, limits, headers, the OpenAPI
//! document against the routes, the page and its embedding.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use axum::Router;
use axum::http::{HeaderMap, header};

use super::assets::Assets;
use super::error::MAX_TARGETS;
use super::middleware::is_content_hashed;
use super::*;
use crate::probe::Engine;
use crate::probe::ProbeSettings;

fn router(assets: Option<Assets>) -> Router {
    let engine = Engine::new(ProbeSettings::default()).expect("engine");
    app(AppState::new(engine), assets)
}

async fn get(router: Router, uri: &str, language: Option<&str>) -> (StatusCode, HeaderMap, String) {
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
        store: Arc::default(),
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
        per_client: crate::store::Rate::new(1, 1),
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
    std::fs::write(dist.join("index.html"), "<html><body>MailTLS</body></html>").expect("index");
    let assets = Assets::load(&dist, None).expect("assets");
    (dist, assets)
}

#[tokio::test]
async fn the_page_is_served_in_the_visitors_language_from_its_own_build() {
    let (dist, assets) = page_assets("languages");
    std::fs::create_dir_all(dist.join("en")).expect("en/");
    std::fs::write(
        dist.join("en").join("index.html"),
        "<html lang=en>English</html>",
    )
    .expect("en");
    std::fs::write(dist.join("en").join("app.js"), "english()").expect("asset");
    let site = router(Some(assets));
    for (uri, language, expected) in [
        ("/", None, "MailTLS"),
        ("/", Some("en-US,en;q=0.8"), "English"),
        ("/check?lang=en", Some("de"), "English"),
        ("/support?lang=de", Some("en"), "MailTLS"),
        ("/en/index.html", None, "English"),
        ("/en/app.js", None, "english()"),
    ] {
        let (status, headers, body) = get(site.clone(), uri, language).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(body.contains(expected), "{uri} {language:?}: {body}");
        if !uri.starts_with("/en/") {
            let vary: Vec<_> = headers.get_all(header::VARY).iter().collect();
            assert!(
                vary.iter()
                    .any(|value| value.as_bytes() == b"Accept-Language"),
                "{uri}: {vary:?}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(dist);
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
    // Every enum of the API is documented with exactly its wire names (declared once, in
    // `shared::wire`), in order.
    fn documents<T: mailtls_shared::wire::Wire>(
        schemas: &serde_json::Map<String, serde_json::Value>,
        name: &str,
    ) {
        let names: Vec<&str> = T::VALUES.iter().map(|value| value.wire_name()).collect();
        let documented: Vec<&str> = schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no enum: {}", schemas[name]))
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
        assert_eq!(documented, names, "{name}");
    }
    use mailtls_shared::*;
    documents::<ErrorCode>(schemas, "ErrorCode");
    documents::<TlsVersion>(schemas, "TlsVersion");
    documents::<Outcome>(schemas, "Outcome");
    documents::<Reason>(schemas, "Reason");
    documents::<CertificateVerdict>(schemas, "CertificateVerdict");
    documents::<Severity>(schemas, "Severity");
    documents::<FindingCode>(schemas, "FindingCode");
    documents::<Verdict>(schemas, "Verdict");
    documents::<EndpointErrorCode>(schemas, "EndpointErrorCode");
    documents::<MailProtocol>(schemas, "MailProtocol");
    documents::<CheckVerdict>(schemas, "CheckVerdict");
    documents::<MxSource>(schemas, "MxSource");
    documents::<MxStatus>(schemas, "MxStatus");
    documents::<MxProblemCode>(schemas, "MxProblemCode");
    documents::<DaneStatus>(schemas, "DaneStatus");
    documents::<MtaStsStatus>(schemas, "MtaStsStatus");
    documents::<MtaStsMode>(schemas, "MtaStsMode");
    documents::<TlsRptStatus>(schemas, "TlsRptStatus");
    documents::<DomainVerdict>(schemas, "DomainVerdict");
    documents::<SimulatedClient>(schemas, "SimulatedClient");
    documents::<ClientResult>(schemas, "ClientResult");
    documents::<ClientReason>(schemas, "ClientReason");
    documents::<ProfileSecurity>(schemas, "ProfileSecurity");
    documents::<Scheme>(schemas, "Scheme");
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
