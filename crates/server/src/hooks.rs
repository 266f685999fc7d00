//! Notifications other services push to Sala: Google Calendar's push channels
//! (`POST /hooks/calendar/google`).
//!
//! Google posts an empty body with headers: `X-Goog-Channel-ID`, `X-Goog-Channel-Token` (the
//! secret Sala set when it opened the channel), `X-Goog-Resource-State` (`sync` when the channel
//! opens, then `exists` / `not_exists`), `X-Goog-Message-Number`. A genuine `exists` schedules a
//! read of that person's calendar (a `calendar_pull` job, claimed within the runner's poll
//! interval). Anything else (an unknown channel, a wrong token) is 404, as for any path that is
//! not there; Google retries only 5xx-like failures, and Sala answers those only when its own
//! database fails.

use crate::problem::Problem;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sala_domain::ErrorCode;

/// `POST /hooks/calendar/google`.
pub async fn google_calendar(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(channel) = header("x-goog-channel-id") else { return unknown() };
    let state_header = header("x-goog-resource-state").unwrap_or_default();
    match state.calendar.notified(channel, header("x-goog-channel-token"), state_header != "sync").await {
        Ok(true) => {
            tracing::info!(resource_state = state_header, "calendar change notified");
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(false) => {
            tracing::info!("a calendar notification for no channel of Sala's, or with a wrong token");
            unknown()
        }
        Err(err) => {
            tracing::warn!(%err, "could not take a calendar notification");
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::InternalError, "try again shortly").into_response()
        }
    }
}

fn unknown() -> Response {
    Problem::not_found("no such channel").into_response()
}
