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
    /// The shared store is unreachable: no check may start without the fleet's limits.
    Unavailable(crate::store::StoreError),
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
            AppError::Plan(
                PlanError::ForbiddenDomain { .. } | PlanError::AliasOfReserved { .. },
            ) => (StatusCode::FORBIDDEN, ErrorCode::ForbiddenDomain),
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
            AppError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
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
                "{count} Ziele auf einmal sind zu viele. Bitte geben Sie höchstens {MAX_TARGETS} an."
            ),
            (AppError::TooManyTargets { count }, Lang::En) => format!(
                "{count} targets at once are too many. Please give at most {MAX_TARGETS}."
            ),
            (AppError::InvalidTarget { input, error }, Lang::De) => {
                format!("„{}“: {}", shorten(input.as_str()), error.message(lang))
            }
            (AppError::InvalidTarget { input, error }, Lang::En) => {
                format!("“{}”: {}", shorten(input.as_str()), error.message(lang))
            }
            // The seven ports are always admitted; a configuration may admit more
            // (`allow_ports`), so this names the usual ones without claiming they are the only ones.
            (AppError::Plan(PlanError::ForbiddenPort { port }), Lang::De) => format!(
                "Port {port} können wir hier nicht prüfen. Für E-Mail üblich sind die Ports 25, 465, 587, 143, 993, 110 und 995. Bitte prüfen Sie die Portnummer in Ihrem E-Mail-Programm. Wenn sie stimmt, wenden Sie sich an den Kundenservice Ihres Anbieters."
            ),
            (AppError::Plan(PlanError::ForbiddenPort { port }), Lang::En) => format!(
                "We cannot check port {port} here. The usual email ports are 25, 465, 587, 143, 993, 110 and 995. Please check the port number in your email program. If it is correct, contact your provider's support."
            ),
            // The denied range (`why`, e.g. "private network (RFC 1918)") is English jargon; the
            // code `forbidden_address` and the address say enough.
            (AppError::Plan(PlanError::ForbiddenAddress { host, address, .. }), Lang::De)
                if *host == address.to_string() =>
            {
                format!(
                    "{address} ist keine öffentliche Internetadresse. Solche Adressen können wir nicht prüfen. Bitte geben Sie den Servernamen ein, den Ihr Anbieter angibt, zum Beispiel mail.example.de."
                )
            }
            (AppError::Plan(PlanError::ForbiddenAddress { host, address, .. }), Lang::En)
                if *host == address.to_string() =>
            {
                format!(
                    "{address} is not a public internet address. We cannot check such addresses. Please enter the server name your provider gives, for example mail.example.com."
                )
            }
            // A name's private address is not told: the answer must not map internal networks
            // for whoever asks.
            (AppError::Plan(PlanError::ForbiddenAddress { host, .. }), Lang::De) => {
                format!(
                    "{host} zeigt auf eine Adresse, die nicht öffentlich im Internet erreichbar ist. Solche Adressen können wir nicht prüfen. Bitte geben Sie den Servernamen ein, den Ihr Anbieter angibt."
                )
            }
            (AppError::Plan(PlanError::ForbiddenAddress { host, .. }), Lang::En) => {
                format!(
                    "{host} points to an address that is not publicly reachable on the internet. We cannot check such addresses. Please enter the server name your provider gives."
                )
            }
            (AppError::Plan(PlanError::ForbiddenDomain { host, domain }), Lang::De) => format!("{host} endet auf .{domain}. Unter dieser Endung gibt es keine öffentlichen Mailserver. Bitte geben Sie den Servernamen ein, den Ihr Anbieter angibt."),
            (AppError::Plan(PlanError::ForbiddenDomain { host, domain }), Lang::En) => format!("{host} ends in .{domain}, where there are no public mail servers. Please enter the server name your provider gives."),
            (AppError::Plan(PlanError::AliasOfReserved { host, alias, domain }), Lang::De) => format!("{host} ist nur ein anderer Name für {alias}. Unter der Endung .{domain} gibt es keine öffentlichen Mailserver. Bitte geben Sie den Servernamen ein, den Ihr Anbieter angibt."),
            (AppError::Plan(PlanError::AliasOfReserved { host, alias, domain }), Lang::En) => format!("{host} is just another name for {alias}. There are no public mail servers under .{domain}. Please enter the server name your provider gives."),
            (AppError::Plan(PlanError::OutsideProviderDomains { host, domains }), Lang::De) => format!("Hier können wir nur die Mailserver unter {} prüfen. {host} gehört nicht dazu. Bitte geben Sie den Servernamen aus Ihren Zugangsdaten ein.", domains.join(", ")),
            (AppError::Plan(PlanError::OutsideProviderDomains { host, domains }), Lang::En) => format!("Here we can only check the mail servers under {}. {host} is not one of them. Please enter the server name from your account details.", domains.join(", ")),
            (AppError::RequestTooLarge { what: Oversized::Url { limit } }, Lang::De) => format!("Die Adresse (URL) ist zu lang. Höchstens {limit} Zeichen sind möglich."),
            (AppError::RequestTooLarge { what: Oversized::Url { limit } }, Lang::En) => format!("The address (URL) is too long. At most {limit} characters are possible."),
            (AppError::RequestTooLarge { what: Oversized::Body }, Lang::De) => "Anfragen an diesen Dienst haben keinen Inhalt. Bitte geben Sie die Parameter in der Adresse (URL) an.".into(),
            (AppError::RequestTooLarge { what: Oversized::Body }, Lang::En) => "Requests to this service carry no body. Please put the parameters in the URL.".into(),
            (AppError::MethodNotAllowed, Lang::De) => "Dieser Dienst beantwortet nur GET-Anfragen.".into(),
            (AppError::MethodNotAllowed, Lang::En) => "This service answers GET requests only.".into(),
            (AppError::NotFound, Lang::De) => "Diese Adresse gibt es in der API nicht.".into(),
            (AppError::NotFound, Lang::En) => "There is no such API address.".into(),
            (AppError::NoProfile, Lang::De) => "Für diesen Dienst ist kein Anbieterprofil eingerichtet.".into(),
            (AppError::NoProfile, Lang::En) => "This service has no provider profile configured.".into(),
            (AppError::RateLimited { retry_after }, Lang::De) => format!("Zu viele Prüfungen in kurzer Zeit. Bitte warten Sie {} und versuchen Sie es dann noch einmal.", wait_in_words(*retry_after, lang)),
            (AppError::RateLimited { retry_after }, Lang::En) => format!("Too many checks in a short time. Please wait {} and then try again.", wait_in_words(*retry_after, lang)),
            (AppError::Busy, Lang::De) => "Gerade laufen sehr viele Prüfungen. Bitte versuchen Sie es in einigen Sekunden noch einmal.".into(),
            (AppError::Busy, Lang::En) => "Very many checks are running right now. Please try again in a few seconds.".into(),
            (AppError::Internal, Lang::De) => "Bei der Prüfung ist ein interner Fehler aufgetreten. Bitte versuchen Sie es in einigen Minuten noch einmal. Wenn der Fehler bleibt, wenden Sie sich bitte an den Kundenservice Ihres Anbieters.".into(),
            (AppError::Internal, Lang::En) => "The check failed because of an internal error. Please try again in a few minutes. If the error persists, please contact your provider's support.".into(),
            (AppError::Unavailable(_), Lang::De) => "Prüfungen sind gerade vorübergehend nicht möglich. Bitte versuchen Sie es in einigen Minuten noch einmal.".into(),
            (AppError::Unavailable(_), Lang::En) => "Checks are temporarily unavailable. Please try again in a few minutes.".into(),
        }
    }

    /// The response, with the message in `lang`.
    pub fn into_response_in(self, lang: Lang) -> Response {
        let (status, code) = self.status_and_code();
        // (A lost store is logged where it is noticed, once per outage: `store::Store`.)
        if matches!(self, AppError::Internal) {
            tracing::error!("a check ended without a report");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.message(lang),
                port: match self {
                    AppError::Plan(PlanError::ForbiddenPort { port }) => Some(port),
                    _ => None,
                },
            },
        };
        let mut response = (status, Json(body)).into_response();
        let retry_after = match self {
            AppError::Busy => Some(BUSY_RETRY_AFTER_SECONDS),
            AppError::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER_SECONDS),
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

/// `Retry-After` while the shared store is unreachable: it usually comes back within a minute
/// (a restart, a failover).
const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 30;

/// A wait in whole seconds, rounded up: `Retry-After: 0` would invite an immediate retry.
fn whole_seconds(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// A wait as people say it, rounded up: "1 Sekunde", "45 Sekunden", and whole minutes from two
/// minutes on ("2 Minuten" for 120 s, "3 Minuten" for 121 s).
fn wait_in_words(wait: std::time::Duration, lang: Lang) -> String {
    let seconds = whole_seconds(wait).max(1);
    if seconds >= 120 {
        let minutes = seconds.div_ceil(60);
        return match lang {
            Lang::De => format!("{minutes} Minuten"),
            Lang::En => format!("{minutes} minutes"),
        };
    }
    match (seconds, lang) {
        (1, Lang::De) => "1 Sekunde".into(),
        (1, Lang::En) => "1 second".into(),
        (_, Lang::De) => format!("{seconds} Sekunden"),
        (_, Lang::En) => format!("{seconds} seconds"),
    }
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_wait_is_said_in_seconds_then_in_whole_minutes() {
        let cases = [
            (Duration::from_millis(200), "1 Sekunde", "1 second"),
            (Duration::from_secs(1), "1 Sekunde", "1 second"),
            (Duration::from_millis(1001), "2 Sekunden", "2 seconds"),
            (Duration::from_secs(59), "59 Sekunden", "59 seconds"),
            (Duration::from_secs(119), "119 Sekunden", "119 seconds"),
            (Duration::from_millis(119_500), "2 Minuten", "2 minutes"),
            (Duration::from_secs(120), "2 Minuten", "2 minutes"),
            (Duration::from_secs(121), "3 Minuten", "3 minutes"),
            (Duration::from_secs(3600), "60 Minuten", "60 minutes"),
        ];
        for (wait, de, en) in cases {
            assert_eq!(wait_in_words(wait, Lang::De), de, "{wait:?}");
            assert_eq!(wait_in_words(wait, Lang::En), en, "{wait:?}");
        }
    }

    #[test]
    fn a_rate_limited_client_reads_the_wait_in_a_sentence() {
        let one = AppError::RateLimited {
            retry_after: Duration::from_secs(1),
        };
        assert_eq!(
            one.message(Lang::De),
            "Zu viele Prüfungen in kurzer Zeit. Bitte warten Sie 1 Sekunde und versuchen Sie es dann noch einmal."
        );
        assert_eq!(
            one.message(Lang::En),
            "Too many checks in a short time. Please wait 1 second and then try again."
        );
        let long = AppError::RateLimited {
            retry_after: Duration::from_secs(150),
        };
        assert!(long.message(Lang::De).contains("warten Sie 3 Minuten und"));
        assert!(long.message(Lang::En).contains("wait 3 minutes and"));
    }
}
