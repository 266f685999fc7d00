//! `/audit`: the audit log for admins: who (person, API key or system) changed what, when, from
//! where, with the state before and after.

use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::time::Utc;
use axum::Json;
use axum::extract::State;
use sala_app::AppError;
use sala_domain::AuditEntry;
use sala_domain::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries about this booking.
    booking_id: Option<String>,
    /// Entries about this subject (any kind: room, user, api key).
    subject_id: Option<String>,
    /// Entries whose action starts with this, e.g. `booking.` or `room.created`.
    action: Option<String>,
    /// At most this many, newest first (1-500, default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// From `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6f2-7a1b-7c2d-8e3f-4a5b6c7d8e9f", "at": "2026-12-01T09:15:00Z",
    "actor": {"type": "user", "id": "0193a6ef-1a2b-7c3d-9e4f-5a6b7c8d9e0f"}, "action": "booking.cancelled",
    "subject_type": "booking", "subject_id": "0193a6f0-5c2e-7b1a-9d4e-1f2a3b4c5d6e",
    "before": {"status": "confirmed"}, "after": {"status": "cancelled", "cancel_reason": "El cliente no puede venir"},
    "request_id": "5f0c6a2e-9b7d-4e1a-8c3f-2d4b6a8c0e1f", "ip": "203.0.113.7"}))]
pub struct AuditView {
    #[schema(value_type = String, format = Uuid)]
    id: sala_domain::AuditId,
    #[schema(value_type = String, format = DateTime)]
    at: Utc,
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
            at: Utc(e.at),
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

/// A page of the audit log, newest first.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    items: Vec<AuditView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// The audit log (admins and API keys), newest first.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_audit(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> ApiResult<Json<AuditPage>> {
    let subject = p.booking_id.or(p.subject_id);
    let subject_id = subject
        .as_deref()
        .map(|s| {
            s.parse().map_err(|_| AppError::invalid("booking_id", ErrorCode::InvalidId, format!("'{s}' is not an id")))
        })
        .transpose()?;
    let filter = sala_app::audit::AuditFilter {
        action_prefix: p.action,
        subject_id,
        before: crate::wire::cursor::before(p.cursor.as_deref())?,
        limit: crate::wire::cursor::limit(p.limit, 100, 500)?,
    };
    let page = sala_app::audit::list_audit(state.store(), &ctx, filter).await?;
    Ok(Json(AuditPage {
        items: page.items.into_iter().map(AuditView::from).collect(),
        next_cursor: crate::wire::cursor::next(page.next),
    }))
}
