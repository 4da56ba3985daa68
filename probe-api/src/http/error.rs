//! The one error type of the HTTP layer: every failure becomes `{"error": {"code", "message"}}`.
//!
//! Bad input is a quiet 4xx whose message says, in the request's language, what to change.
//! Internal failures are logged and answered with a generic 500: no internals leak.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use mailtls_shared::{ErrorBody, ErrorCode, ErrorDetail, Lang, TargetError};

use crate::probe::PlanError;

/// Most targets one request may name.
pub const MAX_TARGETS: usize = 8;

#[derive(Debug)]
pub enum AppError {
    MissingTarget,
    TooManyTargets {
        count: usize,
    },
    InvalidTarget {
        input: String,
        error: TargetError,
    },
    Plan(PlanError),
    NotFound,
    /// No provider profile is configured (`/api/v1/profile`).
    NoProfile,
    /// Too many checks are running; come back in a moment.
    Busy,
    /// This client, or this mail server, had its share of checks for now.
    RateLimited {
        retry_after: std::time::Duration,
    },
    /// The URL, a header or a body was larger than the service accepts.
    RequestTooLarge {
        what: Oversized,
    },
    /// Anything but `GET`/`HEAD`.
    MethodNotAllowed,
    /// A check ended without a report (a bug; logged).
    Internal,
}

/// Which part of a request was too large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversized {
    Url { limit: usize },
    Body,
}

impl AppError {
    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            AppError::MissingTarget => (StatusCode::BAD_REQUEST, ErrorCode::MissingTarget),
            AppError::TooManyTargets { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooManyTargets)
            }
            AppError::InvalidTarget { .. } => (StatusCode::BAD_REQUEST, ErrorCode::InvalidTarget),
            AppError::Plan(PlanError::ForbiddenPort { .. }) => {
                (StatusCode::FORBIDDEN, ErrorCode::ForbiddenPort)
            }
            AppError::Plan(PlanError::ForbiddenDomain { .. }) => {
                (StatusCode::FORBIDDEN, ErrorCode::ForbiddenDomain)
            }
            AppError::Plan(PlanError::ForbiddenAddress { .. }) => {
                (StatusCode::FORBIDDEN, ErrorCode::ForbiddenAddress)
            }
            AppError::NotFound | AppError::NoProfile => {
                (StatusCode::NOT_FOUND, ErrorCode::NotFound)
            }
            AppError::Busy => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Busy),
            AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            AppError::RequestTooLarge {
                what: Oversized::Url { .. },
            } => (StatusCode::URI_TOO_LONG, ErrorCode::RequestTooLarge),
            AppError::RequestTooLarge {
                what: Oversized::Body,
            } => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::RequestTooLarge),
            AppError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed)
            }
            AppError::Plan(PlanError::OutsideProviderDomains { .. }) => {
                (StatusCode::FORBIDDEN, ErrorCode::ForbiddenDomain)
            }
            AppError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        }
    }

    /// The stable code this error is reported under.
    pub fn code(&self) -> ErrorCode {
        self.status_and_code().1
    }

    /// What a person reads.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AppError::MissingTarget, Lang::De) => {
                "Bitte geben Sie an, was geprüft werden soll: ?target=imaps://mail.example.de"
                    .into()
            }
            (AppError::MissingTarget, Lang::En) => {
                "Please say what to check: ?target=imaps://mail.example.com".into()
            }
            (AppError::TooManyTargets { count }, Lang::De) => format!(
                "{count} Ziele auf einmal sind zu viele; höchstens {MAX_TARGETS} sind möglich."
            ),
            (AppError::TooManyTargets { count }, Lang::En) => {
                format!("{count} targets at once are too many; at most {MAX_TARGETS} are possible.")
            }
            (AppError::InvalidTarget { input, error }, Lang::De) => {
                format!("„{}“: {}", shorten(input.as_str()), error.message(lang))
            }
            (AppError::InvalidTarget { input, error }, Lang::En) => {
                format!("\"{}\": {}", shorten(input.as_str()), error.message(lang))
            }
            (AppError::Plan(PlanError::ForbiddenPort { port }), Lang::De) => format!(
                "Port {port} ist kein Mail-Port. Geprüft werden die Ports 25, 587, 465, 143, 993, 110 und 995."
            ),
            (AppError::Plan(PlanError::ForbiddenPort { port }), Lang::En) => format!(
                "Port {port} is not a mail port. This service checks ports 25, 587, 465, 143, 993, 110 and 995."
            ),
            (AppError::Plan(PlanError::ForbiddenAddress { host, address, why }), Lang::De)
                if *host == address.to_string() =>
            {
                format!(
                    "{address} ist eine nicht öffentliche Adresse ({why}). Solche Adressen prüft dieser Dienst nicht."
                )
            }
            (AppError::Plan(PlanError::ForbiddenAddress { host, address, why }), Lang::En)
                if *host == address.to_string() =>
            {
                format!(
                    "{address} is a non-public address ({why}). This service does not check such addresses."
                )
            }
            (AppError::Plan(PlanError::ForbiddenAddress { host, address, why }), Lang::De) => {
                format!(
                    "{host} zeigt auf {address}, eine nicht öffentliche Adresse ({why}). Solche Adressen prüft dieser Dienst nicht."
                )
            }
            (AppError::Plan(PlanError::ForbiddenAddress { host, address, why }), Lang::En) => {
                format!(
                    "{host} points to {address}, a non-public address ({why}). This service does not check such addresses."
                )
            }
            (AppError::Plan(PlanError::ForbiddenDomain { host, domain }), Lang::De) => format!("{host} liegt in der reservierten Domain .{domain}; dort gibt es keine öffentlichen Mailserver. Bitte geben Sie den öffentlichen Namen Ihres Mailservers ein."),
            (AppError::Plan(PlanError::ForbiddenDomain { host, domain }), Lang::En) => format!("{host} is in the reserved domain .{domain}, which holds no public mail servers. Please enter your mail server's public name."),
            (AppError::Plan(PlanError::OutsideProviderDomains { host, domains }), Lang::De) => format!("Dieser Dienst prüft nur die Mailserver unter {}; {host} gehört nicht dazu. Bitte geben Sie den Servernamen aus Ihren Zugangsdaten ein.", domains.join(", ")),
            (AppError::Plan(PlanError::OutsideProviderDomains { host, domains }), Lang::En) => format!("This service checks only the mail servers under {}; {host} is not one of them. Please enter the server name from your account details.", domains.join(", ")),
            (AppError::RequestTooLarge { what: Oversized::Url { limit } }, Lang::De) => format!("Die Adresse (URL) ist zu lang; höchstens {limit} Zeichen sind möglich."),
            (AppError::RequestTooLarge { what: Oversized::Url { limit } }, Lang::En) => format!("The address (URL) is too long; at most {limit} characters are possible."),
            (AppError::RequestTooLarge { what: Oversized::Body }, Lang::De) => "Anfragen an diesen Dienst haben keinen Inhalt; die Parameter gehören in die Adresse.".into(),
            (AppError::RequestTooLarge { what: Oversized::Body }, Lang::En) => "Requests to this service carry no body; the parameters belong in the URL.".into(),
            (AppError::MethodNotAllowed, Lang::De) => "Dieser Dienst beantwortet nur GET-Anfragen.".into(),
            (AppError::MethodNotAllowed, Lang::En) => "This service answers GET requests only.".into(),
            (AppError::NotFound, Lang::De) => "Diese Adresse gibt es in der API nicht.".into(),
            (AppError::NotFound, Lang::En) => "There is no such API address.".into(),
            (AppError::NoProfile, Lang::De) => "Für diesen Dienst ist kein Anbieterprofil eingerichtet.".into(),
            (AppError::NoProfile, Lang::En) => "This service has no provider profile configured.".into(),
            (AppError::RateLimited { retry_after }, Lang::De) => format!("Zu viele Prüfungen in kurzer Zeit. Bitte warten Sie {} Sekunden und versuchen Sie es dann noch einmal.", whole_seconds(*retry_after)),
            (AppError::RateLimited { retry_after }, Lang::En) => format!("Too many checks in a short time. Please wait {} seconds, then try again.", whole_seconds(*retry_after)),
            (AppError::Busy, Lang::De) => "Gerade laufen sehr viele Prüfungen. Bitte versuchen Sie es in einigen Sekunden noch einmal.".into(),
            (AppError::Busy, Lang::En) => "Very many checks are running right now. Please try again in a few seconds.".into(),
            (AppError::Internal, Lang::De) => "Bei der Prüfung ist ein interner Fehler aufgetreten. Bitte versuchen Sie es noch einmal.".into(),
            (AppError::Internal, Lang::En) => "The check failed because of an internal error. Please try again.".into(),
        }
    }

    /// The response, with the message in `lang`.
    pub fn into_response_in(self, lang: Lang) -> Response {
        let (status, code) = self.status_and_code();
        if matches!(self, AppError::Internal) {
            tracing::error!("a check ended without a report");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.message(lang),
            },
        };
        let mut response = (status, Json(body)).into_response();
        let retry_after = match self {
            AppError::Busy => Some(BUSY_RETRY_AFTER_SECONDS),
            AppError::RateLimited { retry_after } => Some(whole_seconds(retry_after)),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        if matches!(self, AppError::MethodNotAllowed) {
            response.headers_mut().insert(
                axum::http::header::ALLOW,
                axum::http::HeaderValue::from_static("GET, HEAD"),
            );
        }
        response
    }
}

/// Seconds a client is told to wait when every check slot is taken.
const BUSY_RETRY_AFTER_SECONDS: u64 = 10;

/// A wait in whole seconds, rounded up: `Retry-After: 0` would invite an immediate retry.
fn whole_seconds(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// Echoes at most 80 characters of the input, with control characters made visible.
fn shorten(input: &str) -> String {
    let mut shown: String = input
        .chars()
        .take(80)
        .flat_map(char::escape_debug)
        .collect();
    if input.chars().count() > 80 {
        shown.push('…');
    }
    shown
}
