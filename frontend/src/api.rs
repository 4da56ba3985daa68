//! Calls to the probe API, the page's only network access (same origin, plain `fetch`).

use gloo_net::http::Request;
use mailtls_shared::{CheckReport, ErrorBody, Lang, Target};

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
    let response = Request::get(&url)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|_| ApiFailure::Unreachable)?;
    if response.ok() {
        return response
            .json::<CheckReport>()
            .await
            .map_err(|_| ApiFailure::BadAnswer);
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiFailure::Refused(body.error.message)),
        Err(_) => Err(ApiFailure::BadAnswer),
    }
}
