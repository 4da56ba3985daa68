//! The check handlers' shared part: the query of a check request, the client's rate-limit key,
//! validation of the targets, and the one call that gets a check
//! ([`super::checks::Checks::subscribe`]). The JSON answer is here; the event stream is
//! [`super::stream`].

use std::net::{IpAddr, SocketAddr};

use axum::Extension;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use mailtls_shared::{CheckReport as CheckReportSchema, ErrorBody, Lang, Target};

use super::checks::{self, Subscription};
use super::error::{AppError, MAX_TARGETS};
use super::{AppState, limits, request_lang};
use crate::store::Scope;

/// The parameters of a check request.
pub(super) struct CheckQuery {
    /// The targets as given.
    pub inputs: Vec<String>,
    pub lang: Lang,
    /// `fresh=1`: do not answer from the cache.
    pub fresh: bool,
}

pub(super) fn check_query(query: Option<String>, headers: &HeaderMap) -> CheckQuery {
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
        (status = 503, description = "`busy`: too many checks running, or `unavailable`: the \
          store the replicas share is unreachable", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub(super) async fn check(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = check_query(query, &headers);
    let client = client(&state, peer, &headers);
    match finished_report(&state, client, query.inputs, query.fresh).await {
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

/// [`subscribe`], then the finished report (the JSON route and `/probe` wait for it).
pub(super) async fn finished_report(
    state: &AppState,
    client: IpAddr,
    inputs: Vec<String>,
    fresh: bool,
) -> Result<checks::Served, AppError> {
    subscribe(state, client, inputs, fresh)
        .await?
        .report()
        .await
        .map_err(|failure| match failure {
            checks::NoReport::Busy => AppError::Busy,
            checks::NoReport::StoreLost => AppError::Unavailable(crate::store::StoreError::lost()),
            checks::NoReport::Died => AppError::Internal,
        })
}

/// The rate-limit key of the requesting client.
pub(super) fn client(
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
pub(super) async fn subscribe(
    state: &AppState,
    client: IpAddr,
    inputs: Vec<String>,
    fresh: bool,
) -> Result<Subscription, AppError> {
    let taken = state
        .store
        .take(Scope::Client, state.limits.per_client, &[client])
        .await;
    let result = match taken {
        Err(error) => Err(AppError::Unavailable(error)),
        Ok(Err(retry_after)) => Err(AppError::RateLimited { retry_after }),
        Ok(Ok(())) => start_or_join(state, inputs, fresh).await,
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
    // The mail servers are charged only if this request really starts a check (not when it
    // joins one that is running or cached), all of them or none.
    let (store, rate) = (state.store.clone(), state.limits.per_target);
    state
        .checks
        .subscribe(targets, fresh, async move |addresses: Vec<IpAddr>| {
            store.take(Scope::Target, rate, &addresses).await
        })
        .await
        .map_err(|refusal| match refusal {
            checks::Refusal::Busy => AppError::Busy,
            checks::Refusal::TooSoon(retry_after) => AppError::RateLimited { retry_after },
            checks::Refusal::Plan(error) => AppError::Plan(error),
            checks::Refusal::Unavailable(error) => AppError::Unavailable(error),
        })
}
