//! `GET /api/v1/check/stream`: the same check as Server-Sent Events, so the page can show each
//! endpoint the moment it is finished.
//!
//! Events, in order: `start` (`{"total": N, "cached": bool}`), one `endpoint` per finished
//! endpoint (an `EndpointReport`), then `report` (the `CheckReport`), after which the stream
//! ends. A cached answer sends `start` and `report` only: the endpoints are in the report. A refused request is answered with the usual JSON error instead of a stream; a check
//! that ends without a report (a bug) ends its stream with an `error` event holding the JSON
//! error (`internal`), never with silence. A stream the service must give up because it is
//! stopping ends with `restart` (`{"retry_after_ms": N}`, plus the SSE `retry:` field): the page
//! asks again after that pause, on another replica or on this service once it is back.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde::Serialize;
use tokio::sync::broadcast;

use mailtls_shared::stream::{StreamRestart, StreamStart, event};
use mailtls_shared::{EndpointReport, ErrorBody, ErrorDetail, Lang};

use super::AppState;
use super::check::{check_query, client, subscribe};
use super::checks::{self, Served, Subscription};
use super::lifecycle::{self, Lifecycle, RECONNECT_AFTER_MS};

/// The check as Server-Sent Events.
#[utoipa::path(
    get,
    path = "/api/v1/check/stream",
    tag = "check",
    summary = "Check mail servers, streaming each endpoint as it finishes",
    description = "Server-Sent Events: `start` (a `StreamStart`), one `endpoint` event per \
                   finished endpoint (an `EndpointReport`), then `report` (the `CheckReport`), \
                   after which the stream ends. Refusals are the same JSON errors as for \
                   `/api/v1/check`.",
    params(
        ("target" = Vec<String>, Query, description = "As for `/api/v1/check`."),
        ("lang" = Option<mailtls_shared::Lang>, Query, description = "`de` or `en` for error messages."),
        ("fresh" = Option<String>, Query, description = "`1`: check again instead of answering \
          from the cache; refused with `429` and `Retry-After` when the cached report is younger \
          than 10 seconds."),
    ),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = String),
        (status = 400, description = "`missing_target` or `invalid_target`", body = mailtls_shared::ErrorBody),
        (status = 403, description = "`forbidden_address`, `forbidden_port` or `forbidden_domain`", body = mailtls_shared::ErrorBody),
        (status = 413, description = "`too_many_targets` or `request_too_large`", body = mailtls_shared::ErrorBody),
        (status = 429, description = "`rate_limited`", body = mailtls_shared::ErrorBody),
        (status = 503, description = "`busy` or `unavailable`", body = mailtls_shared::ErrorBody),
    )
)]
pub(super) async fn check_stream(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = check_query(query, &headers);
    let (inputs, lang, fresh) = (query.inputs, query.lang, query.fresh);
    let client = client(&state, peer, &headers);
    match subscribe(&state, client, inputs, fresh).await {
        Ok(subscription) => {
            let open = state.lifecycle.stream();
            let lifecycle = state.lifecycle.clone();
            let mut response = Sse::new(events(subscription, lang, lifecycle, open))
                .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
                .into_response();
            // nginx buffers proxied answers by default, which would hold every event back until
            // the report; this header turns that off for this response only.
            response.headers_mut().insert(
                axum::http::HeaderName::from_static("x-accel-buffering"),
                axum::http::HeaderValue::from_static("no"),
            );
            response
        }
        Err(error) => error.into_response_in(lang),
    }
}

/// Where the stream is.
enum Step {
    Start(Subscription),
    /// Endpoints known before the subscription, then live events.
    Replay {
        known: std::vec::IntoIter<EndpointReport>,
        /// A cache hit: its report, sent right after `start`.
        report: Option<Served>,
        events: Option<broadcast::Receiver<checks::Event>>,
    },
    Done,
}

fn events(
    subscription: Subscription,
    lang: Lang,
    lifecycle: Arc<Lifecycle>,
    open: lifecycle::Open,
) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(Step::Start(subscription), move |step| {
        // Counted in `mailtls_streams_open` for as long as the stream exists.
        let _ = &open;
        let lifecycle = lifecycle.clone();
        async move {
            match step {
                Step::Start(subscription) => {
                    let start = json_event(
                        event::START,
                        &StreamStart {
                            total: subscription.total,
                            cached: subscription.cached,
                        },
                    );
                    let next = Step::Replay {
                        known: subscription.finished_endpoints.into_iter(),
                        report: subscription.report,
                        events: subscription.events,
                    };
                    Some((Ok(start), next))
                }
                Step::Replay {
                    mut known,
                    report,
                    mut events,
                } => {
                    if let Some(endpoint) = known.next() {
                        let event = json_event(event::ENDPOINT, &endpoint);
                        return Some((
                            Ok(event),
                            Step::Replay {
                                known,
                                report,
                                events,
                            },
                        ));
                    }
                    // A cache hit: the report at once (its endpoints are in it).
                    if let Some(served) = report {
                        return Some((Ok(report_event(&served)), Step::Done));
                    }
                    let receiver = events.as_mut()?;
                    loop {
                        let next = tokio::select! {
                            // An event already there (the report) goes before the restart.
                            biased;
                            next = receiver.recv() => next,
                            () = lifecycle.streams_closing() => {
                                let restart = json_event(
                                    event::RESTART,
                                    &StreamRestart { retry_after_ms: RECONNECT_AFTER_MS },
                                )
                                .retry(Duration::from_millis(RECONNECT_AFTER_MS));
                                return Some((Ok(restart), Step::Done));
                            }
                        };
                        match next {
                            Ok(checks::Event::Endpoint(endpoint)) => {
                                let event = json_event(event::ENDPOINT, &*endpoint);
                                return Some((
                                    Ok(event),
                                    Step::Replay {
                                        known,
                                        report: None,
                                        events,
                                    },
                                ));
                            }
                            Ok(checks::Event::Finished(report)) => {
                                let served = Served::Fresh(report);
                                return Some((Ok(report_event(&served)), Step::Done));
                            }
                            Err(broadcast::error::RecvError::Lagged(_)) => continue,
                            Err(broadcast::error::RecvError::Closed) => {
                                let died = super::AppError::Internal;
                                return Some((Ok(error_event(&died, lang)), Step::Done));
                            }
                            // This host ran out of sockets: come back in a moment.
                            Ok(checks::Event::Busy) => {
                                return Some((
                                    Ok(error_event(&super::AppError::Busy, lang)),
                                    Step::Done,
                                ));
                            }
                            // The shared store stopped answering: come back in a while.
                            Ok(checks::Event::StoreLost) => {
                                let lost =
                                    super::AppError::Unavailable(crate::store::StoreError::lost());
                                return Some((Ok(error_event(&lost, lang)), Step::Done));
                            }
                        }
                    }
                }
                Step::Done => None,
            }
        }
    })
}

/// The `error` event of a check that ended without a report.
fn error_event(error: &super::AppError, lang: Lang) -> Event {
    json_event(
        event::ERROR,
        &ErrorBody {
            error: ErrorDetail {
                code: error.code(),
                message: error.message(lang),
                port: None,
            },
        },
    )
}

fn report_event(served: &Served) -> Event {
    Event::default().event(event::REPORT).data(served.to_json())
}

fn json_event<T: Serialize>(name: &str, value: &T) -> Event {
    Event::default()
        .event(name)
        .json_data(value)
        .unwrap_or_else(|_| Event::default().event(name).data("{}"))
}
