//! The API's routes the page calls, and the check stream's contract: its event names and the
//! payloads that are not reports (`GET /api/v1/check/stream`, Server-Sent Events). The service
//! writes these, the page reads them: both use the names and types defined here.
//!
//! Events, in order: [`event::START`] ([`StreamStart`]), one [`event::ENDPOINT`] per finished
//! endpoint (an `EndpointReport`), then [`event::REPORT`] (the `CheckReport`) — or, instead of
//! the report, [`event::ERROR`] (an `ErrorBody`: the check died or this host was overloaded) or
//! [`event::RESTART`] ([`StreamRestart`]: the service is stopping; ask again after the pause).

use serde::{Deserialize, Serialize};

/// The API routes the page calls.
pub mod routes {
    pub const CHECK: &str = "/api/v1/check";
    pub const CHECK_STREAM: &str = "/api/v1/check/stream";
    pub const PROFILE: &str = "/api/v1/profile";
}

/// The event names of the check stream.
pub mod event {
    pub const START: &str = "start";
    pub const ENDPOINT: &str = "endpoint";
    pub const REPORT: &str = "report";
    pub const ERROR: &str = "error";
    pub const RESTART: &str = "restart";
    /// All of them, for tests that every one is handled.
    pub const ALL: [&str; 5] = [START, ENDPOINT, REPORT, ERROR, RESTART];
}

/// The first event of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamStart {
    /// How many endpoint events will follow.
    pub total: usize,
    /// Whether the report comes from the cache (every event follows at once).
    pub cached: bool,
}
crate::json::record!(StreamStart {
    required: total, cached;
});

/// The last event of a stream the stopping service gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamRestart {
    /// Milliseconds to wait before asking again.
    pub retry_after_ms: u64,
}
crate::json::record!(StreamRestart {
    required: retry_after_ms;
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_payloads_read_back_as_written() {
        let start = StreamStart {
            total: 3,
            cached: true,
        };
        let text = serde_json::to_string(&start).expect("JSON");
        assert_eq!(text, r#"{"total":3,"cached":true}"#);
        assert_eq!(
            serde_json::from_str::<StreamStart>(&text).expect("read"),
            start
        );
        let restart = StreamRestart {
            retry_after_ms: 2000,
        };
        let text = serde_json::to_string(&restart).expect("JSON");
        assert_eq!(text, r#"{"retry_after_ms":2000}"#);
        assert_eq!(
            serde_json::from_str::<StreamRestart>(&text).expect("read"),
            restart
        );
    }

    #[test]
    fn event_names_are_distinct() {
        let mut names = event::ALL.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), event::ALL.len());
    }
}
