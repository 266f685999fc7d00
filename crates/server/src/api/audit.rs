//! `/audit`: the audit log for admins: who (person, API key or system) changed what, when, from
//! where, with the state before and after.

use super::rooms::rfc3339;
use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sala_app::AppError;
use sala_domain::AuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    /// Entries about this booking.
    booking_id: Option<String>,
    /// Entries about this subject (any kind: room, user, api key).
    subject_id: Option<String>,
    /// Entries whose action starts with this, e.g. `booking.` or `room.created`.
    action: Option<String>,
    /// At most this many, newest first (1-500, default 100).
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    #[schema(value_type = String, format = Uuid)]
    id: sala_domain::AuditId,
    at: String,
    /// `{"type": "user" | "api_key" | "system", "id": ...}`.
    #[schema(value_type = Object)]
    actor: sala_domain::Actor,
    action: String,
    subject_type: String,
    subject_id: Option<uuid::Uuid>,
    #[schema(value_type = Option<Object>)]
    before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    after: Option<serde_json::Value>,
    request_id: Option<String>,
    ip: Option<String>,
}

impl From<AuditEntry> for AuditView {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            at: rfc3339(e.at),
            actor: e.actor,
            action: e.action,
            subject_type: e.subject_type,
            subject_id: e.subject_id,
            before: e.before,
            after: e.after,
            request_id: e.request_id,
            ip: e.ip,
        }
    }
}

/// The audit log (admins and API keys), newest first.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Vec<AuditView>), (status = 403, body = Problem)))]
async fn list_audit(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> ApiResult<Json<Vec<AuditView>>> {
    ctx.require_admin()?;
    let subject = p.booking_id.or(p.subject_id);
    let subject_id = subject
        .as_deref()
        .map(|s| s.parse().map_err(|_| AppError::invalid("booking_id", "invalid_id", format!("'{s}' is not an id"))))
        .transpose()?;
    let query =
        sala_store::AuditQuery { subject_id, action_prefix: p.action, limit: p.limit.unwrap_or(100).clamp(1, 500) };
    let entries = state.store().list_audit(ctx.tenant_id(), &query).await.map_err(AppError::from)?;
    Ok(Json(entries.into_iter().map(AuditView::from).collect()))
}
