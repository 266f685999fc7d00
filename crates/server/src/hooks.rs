//! Notifications other services push to Sala: Google Calendar's push channels
//! (`POST /hooks/calendar/google`) and Microsoft Graph's change notifications
//! (`POST /hooks/calendar/microsoft`).
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
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sala_channels::microsoft::notifications::{
    GraphNotification, NotificationKind, parse_notifications, validation_token,
};
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

/// The longest validation token echoed: Graph's are opaque strings of a few hundred characters.
const MAX_VALIDATION_TOKEN: usize = 4096;

/// `POST /hooks/calendar/microsoft`: Microsoft Graph's subscription validation and its change
/// and lifecycle notifications.
///
/// - Validation (`?validationToken=...`, sent when Sala creates a subscription): the token is
///   answered back, decoded, as `200 text/plain` (never HTML: it is the caller's text).
/// - Notifications (`{"value": [...]}`): each entry is matched to Sala's watch by its
///   `subscriptionId` and trusted only with the `clientState` Sala set; a change schedules a read
///   of that person's calendar, `reauthorizationRequired` / `subscriptionRemoved` its renewal,
///   `missed` a read. Graph wants `202 Accepted` within three seconds whatever Sala makes of the
///   entries, and retries otherwise; so an entry for no watch of Sala's is logged and ignored,
///   and only a body that is not Graph's (`400`) or Sala's own database failing (`503`) is not
///   accepted.
pub async fn microsoft_calendar(State(state): State<AppState>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    if let Some(token) = query.as_deref().and_then(validation_token) {
        if token.len() > MAX_VALIDATION_TOKEN {
            return Problem::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidQuery, "validation token too long")
                .into_response();
        }
        return (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], token).into_response();
    }
    let notifications = match parse_notifications(&body) {
        Ok(notifications) => notifications,
        Err(err) => {
            tracing::info!(%err, "a Microsoft Graph notification that could not be read");
            return Problem::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidBody, "not a Graph notification")
                .into_response();
        }
    };
    for notification in &notifications {
        match take(&state, notification).await {
            Ok(true) => tracing::info!(kind = ?notification.kind, "calendar change notified"),
            Ok(false) => {
                tracing::info!("a Graph notification for no subscription of Sala's, or with a wrong clientState")
            }
            Err(err) => {
                tracing::warn!(%err, "could not take a calendar notification");
                return Problem::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::InternalError, "try again shortly")
                    .into_response();
            }
        }
    }
    StatusCode::ACCEPTED.into_response()
}

/// One Graph notification turned into Sala's work; `false` when it is not for a watch of Sala's.
async fn take(state: &AppState, n: &GraphNotification) -> Result<bool, sala_store::StoreError> {
    let token = n.client_state.as_deref();
    match n.kind {
        NotificationKind::ReauthorizationRequired | NotificationKind::SubscriptionRemoved => {
            state.calendar.channel_ending(&n.subscription_id, token).await
        }
        _ => state.calendar.notified(&n.subscription_id, token, true).await,
    }
}
