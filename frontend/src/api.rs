//! Calls to the probe API, the page's only network access: `fetch` to its own origin.
//! (web-sys directly rather than a fetch wrapper crate: it keeps the wasm small.)

use mailtls_shared::{CheckReport, ErrorBody, Lang, Target};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// Why a check produced no report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// The API refused the check; its message is already in the page's language.
    Refused(String),
    /// The API could not be reached.
    Unreachable,
    /// The API answered with something that is not a report.
    BadAnswer,
}

/// `GET /api/v1/check?target=…&lang=…`
pub async fn check(target: &Target, lang: Lang) -> Result<CheckReport, ApiFailure> {
    let url = format!(
        "/api/v1/check?target={}&lang={}",
        js_sys::encode_uri_component(&target.to_string()),
        lang.tag()
    );
    let (ok, body) = get_text(&url).await?;
    if ok {
        return serde_json::from_str(&body).map_err(|_| ApiFailure::BadAnswer);
    }
    match serde_json::from_str::<ErrorBody>(&body) {
        Ok(body) => Err(ApiFailure::Refused(body.error.message)),
        Err(_) => Err(ApiFailure::BadAnswer),
    }
}

/// Fetches `url` and returns whether the status was 2xx, and the body text.
async fn get_text(url: &str) -> Result<(bool, String), ApiFailure> {
    let window = web_sys::window().ok_or(ApiFailure::Unreachable)?;
    let init = RequestInit::new();
    init.set_method("GET");
    let request =
        Request::new_with_str_and_init(url, &init).map_err(|_| ApiFailure::Unreachable)?;
    request
        .headers()
        .set("Accept", "application/json")
        .map_err(|_| ApiFailure::Unreachable)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| ApiFailure::Unreachable)?
        .dyn_into()
        .map_err(|_| ApiFailure::BadAnswer)?;
    let text = response.text().map_err(|_| ApiFailure::BadAnswer)?;
    let body = JsFuture::from(text)
        .await
        .map_err(|_| ApiFailure::Unreachable)?
        .as_string()
        .ok_or(ApiFailure::BadAnswer)?;
    Ok((response.ok(), body))
}
