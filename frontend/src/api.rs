//! Calls to the probe API, the page's only network access: `fetch` to its own origin.
//! (web-sys directly rather than a fetch wrapper crate: it keeps the wasm small.)

use std::rc::Rc;

use mailtls_shared::json;
use mailtls_shared::stream::{StreamRestart, StreamStart, event, routes};
use mailtls_shared::{CheckReport, EndpointReport, ErrorBody, Lang, Profile, Target};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Request, RequestInit, Response};

use crate::sse::SseParser;

/// Why a check produced no report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// The API refused the check; its message is already in the page's language. `retry`:
    /// asking again later can help (busy, rate-limited, an internal error), unlike a refused
    /// target.
    Refused {
        message: String,
        retry: bool,
        port: Option<u16>,
    },
    /// The API could not be reached.
    Unreachable,
    /// The API answered with something that is not a report.
    BadAnswer,
}

/// What the check stream reports, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// The check began; `total` endpoints will follow.
    Started { total: usize },
    /// One endpoint is finished.
    Endpoint(Rc<EndpointReport>),
    /// The whole report; the stream is over.
    Finished(Rc<CheckReport>),
}

/// `GET /api/v1/check/stream?target=…&lang=…[&fresh=1]`: calls `on_event` for each event as it
/// arrives; `fresh` asks for a new check instead of the cached report. Ends with `Ok` after the
/// report, or with why there is none.
pub async fn check_stream(
    targets: &[Target],
    lang: Lang,
    fresh: bool,
    mut on_event: impl FnMut(StreamEvent),
) -> Result<(), ApiFailure> {
    let mut url = String::from(STREAM_URL);
    for target in targets {
        url.push_str("target=");
        url.push_str(&String::from(js_sys::encode_uri_component(
            &target.to_string(),
        )));
        url.push('&');
    }
    url.push_str("lang=");
    url.push_str(lang.tag());
    if fresh {
        url.push_str("&fresh=1");
    }
    let mut resumed = 0;
    loop {
        match stream_once(&url, &mut on_event).await? {
            Ended::Report => return Ok(()),
            // The service is restarting: ask again after the pause it names — on another
            // replica, or on this one once it is back — a few times, then say so.
            Ended::Restart { after_ms } if resumed < MAX_RESUMES => {
                resumed += 1;
                sleep_ms(after_ms.clamp(500, 10_000)).await;
            }
            Ended::Restart { .. } => return Err(ApiFailure::Unreachable),
        }
    }
}

/// [`routes::CHECK_STREAM`] with its query to come (a literal: cheaper in the wasm than building
/// it; a test holds the two together).
const STREAM_URL: &str = "/api/v1/check/stream?";

/// How often a check stream is asked for again after `restart` events.
const MAX_RESUMES: u32 = 3;

/// How a stream ended without an error.
enum Ended {
    Report,
    /// The service is stopping (`restart` event).
    Restart {
        after_ms: u64,
    },
}

/// Waits `ms` milliseconds (the browser's timer).
async fn sleep_ms(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// One request of the check stream, to its report, its `restart`, or an error.
async fn stream_once(
    url: &str,
    on_event: &mut impl FnMut(StreamEvent),
) -> Result<Ended, ApiFailure> {
    let response = fetch(url, "text/event-stream").await?;
    if !response.ok() {
        let body = response_text(&response).await?;
        return Err(match json::from_str::<ErrorBody>(&body) {
            Ok(body) => ApiFailure::Refused {
                retry: matches!(
                    body.error.code,
                    mailtls_shared::ErrorCode::RateLimited
                        | mailtls_shared::ErrorCode::Unavailable
                        | mailtls_shared::ErrorCode::Busy
                        | mailtls_shared::ErrorCode::Internal
                ),
                message: body.error.message,
                port: body.error.port,
            },
            Err(_) => ApiFailure::BadAnswer,
        });
    }
    let reader: ReadableStreamDefaultReader = response
        .body()
        .ok_or(ApiFailure::BadAnswer)?
        .get_reader()
        .dyn_into()
        .map_err(|_| ApiFailure::BadAnswer)?;
    let mut parser = SseParser::default();
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|_| ApiFailure::Unreachable)?;
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|done| done.as_bool())
            .unwrap_or(true);
        if done {
            // The stream ended before the report: the connection broke.
            return Err(ApiFailure::Unreachable);
        }
        let value = js_sys::Reflect::get(&chunk, &JsValue::from_str("value"))
            .map_err(|_| ApiFailure::BadAnswer)?;
        let bytes = js_sys::Uint8Array::new(&value).to_vec();
        for (name, data) in parser.push(&bytes) {
            match name.as_str() {
                event::START => {
                    let start: StreamStart = read(&data)?;
                    on_event(StreamEvent::Started { total: start.total });
                }
                event::ENDPOINT => on_event(StreamEvent::Endpoint(Rc::new(read(&data)?))),
                event::REPORT => {
                    on_event(StreamEvent::Finished(Rc::new(read(&data)?)));
                    let _ = reader.cancel();
                    return Ok(Ended::Report);
                }
                event::RESTART => {
                    let _ = reader.cancel();
                    let restart: StreamRestart = read(&data)?;
                    return Ok(Ended::Restart {
                        after_ms: restart.retry_after_ms,
                    });
                }
                // The check ended without a report (the service's fault): asking again helps.
                event::ERROR => {
                    let _ = reader.cancel();
                    return Err(match json::from_str::<ErrorBody>(&data) {
                        Ok(body) => ApiFailure::Refused {
                            message: body.error.message,
                            retry: true,
                            port: None,
                        },
                        Err(_) => ApiFailure::BadAnswer,
                    });
                }
                _ => {}
            }
        }
    }
}

/// `GET /api/v1/profile`: the provider's profile.
pub async fn profile() -> Result<Profile, ApiFailure> {
    let response = fetch(routes::PROFILE, "application/json").await?;
    if !response.ok() {
        return Err(ApiFailure::BadAnswer);
    }
    let body = response_text(&response).await?;
    read(&body)
}

/// Reads one JSON answer of the service; anything else is a bad answer.
fn read<T: json::Decode>(text: &str) -> Result<T, ApiFailure> {
    json::from_str(text).map_err(|_| ApiFailure::BadAnswer)
}

/// `GET url` with this `Accept` header.
async fn fetch(url: &str, accept: &str) -> Result<Response, ApiFailure> {
    let window = web_sys::window().ok_or(ApiFailure::Unreachable)?;
    let init = RequestInit::new();
    init.set_method("GET");
    let request =
        Request::new_with_str_and_init(url, &init).map_err(|_| ApiFailure::Unreachable)?;
    request
        .headers()
        .set("Accept", accept)
        .map_err(|_| ApiFailure::Unreachable)?;
    JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| ApiFailure::Unreachable)?
        .dyn_into()
        .map_err(|_| ApiFailure::BadAnswer)
}

/// The whole body as text.
async fn response_text(response: &Response) -> Result<String, ApiFailure> {
    let text = response.text().map_err(|_| ApiFailure::BadAnswer)?;
    JsFuture::from(text)
        .await
        .map_err(|_| ApiFailure::Unreachable)?
        .as_string()
        .ok_or(ApiFailure::BadAnswer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_reads_what_the_service_writes() {
        assert_eq!(STREAM_URL, format!("{}?", routes::CHECK_STREAM));
        let start = StreamStart {
            total: 4,
            cached: false,
        };
        let text = serde_json::to_string(&start).expect("JSON");
        assert_eq!(read::<StreamStart>(&text), Ok(start));
        let restart = StreamRestart {
            retry_after_ms: 2000,
        };
        let text = serde_json::to_string(&restart).expect("JSON");
        assert_eq!(read::<StreamRestart>(&text), Ok(restart));
        assert_eq!(
            read::<StreamStart>("{\"total\":4}"),
            Err(ApiFailure::BadAnswer)
        );
    }
}
