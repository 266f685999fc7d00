//! `/me/google`: the caller's Google Calendar connection, and disconnecting it. Connecting goes
//! through Google's consent screen (`/auth/google/calendar`), not the API.

use crate::auth::Caller;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::time::Utc;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sala_app::google_connections;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::oidc::CONNECT_PATH;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(connection, disconnect))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "connected",
    "scopes": ["openid", "https://www.googleapis.com/auth/userinfo.email",
        "https://www.googleapis.com/auth/userinfo.profile", "https://www.googleapis.com/auth/calendar.events"],
    "connected_at": "2024-12-09T08:12:55.734Z", "last_error": null, "connect_url": CONNECT_PATH}))]
pub struct GoogleConnectionView {
    /// `connected`, `revoked` (Google refused the grant: connect again) or `not_connected`.
    status: String,
    scopes: Vec<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    connected_at: Option<Utc>,
    /// Why it stopped working.
    last_error: Option<String>,
    /// Open this in the browser to connect or reconnect.
    connect_url: String,
}

/// Your Google Calendar connection: whether Sala keeps your calendar in step.
#[utoipa::path(get, path = "/me/google", tag = "users",
    responses((status = 200, body = GoogleConnectionView), (status = 403, body = Problem)))]
async fn connection(State(state): State<AppState>, Caller(ctx): Caller) -> ApiResult<Json<GoogleConnectionView>> {
    let found = google_connections::status(state.store(), &ctx).await?;
    Ok(Json(GoogleConnectionView {
        status: found.as_ref().map_or("not_connected", |c| c.status.as_str()).to_owned(),
        scopes: found.as_ref().map(|c| c.scopes.clone()).unwrap_or_default(),
        connected_at: found.as_ref().map(|c| Utc(c.connected_at)),
        last_error: found.and_then(|c| c.last_error),
        connect_url: CONNECT_PATH.to_owned(),
    }))
}

/// Stop keeping your Google Calendar in step (events already there stay).
#[utoipa::path(delete, path = "/me/google", tag = "users",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn disconnect(State(state): State<AppState>, Caller(ctx): Caller) -> ApiResult<StatusCode> {
    google_connections::disconnect(state.store(), &ctx, &state.calendar).await?;
    Ok(StatusCode::NO_CONTENT)
}
