//! `/jobs`, `/bookings/{id}/deliveries` and `/notifications/status`: what the background work did.
//! Admins see their organization's jobs and replay dead ones; a booking's organizer sees what was
//! sent to whom about it; admins see whether every channel has a way out.

use crate::auth::Caller;
use crate::extract::{ApiQuery, PathId};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::time::Utc;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sala_domain::jobs::Delivery;
use sala_domain::{BookingId, Job, JobId, JobStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs))
        .routes(routes!(replay_job))
        .routes(routes!(list_deliveries))
        .routes(routes!(notification_status))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobParams {
    /// `pending`, `running`, `done` or `dead` (those that failed for good).
    #[param(schema_with = super::schemas::job_status)]
    status: Option<JobStatus>,
    /// At most this many, newest first (1-200, default 100).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// From `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6f1-2b3c-7d4e-8f5a-6b7c8d9e0f1a", "kind": "notify", "status": "dead",
    "booking_id": "0193a6f0-5c2e-7b1a-9d4e-1f2a3b4c5d6e", "attempts": 8,
    "last_error": "email to maria@acme.test: 550 5.1.1 mailbox unavailable",
    "run_at": "2026-12-01T09:42:00Z", "created_at": "2026-12-01T09:00:00Z"}))]
pub struct JobView {
    #[schema(value_type = String, format = Uuid)]
    id: JobId,
    /// `notify`, `reminder`, `calendar_sync`, `webhook` or `no_show_check`.
    kind: String,
    status: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    booking_id: Option<BookingId>,
    attempts: u32,
    /// Why the last attempt failed.
    last_error: Option<String>,
    /// When it runs (or ran, or will be retried).
    #[schema(value_type = String, format = DateTime)]
    run_at: Utc,
    #[schema(value_type = String, format = DateTime)]
    created_at: Utc,
}

impl From<Job> for JobView {
    fn from(j: Job) -> Self {
        Self {
            id: j.id,
            kind: j.kind.as_str().to_owned(),
            status: j.status.as_str().to_owned(),
            booking_id: j.booking_id,
            attempts: j.attempts,
            last_error: j.last_error,
            run_at: Utc(j.run_at),
            created_at: Utc(j.created_at),
        }
    }
}

/// A page of jobs, newest first.
#[derive(Serialize, ToSchema)]
pub struct JobPage {
    items: Vec<JobView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// Your organization's background jobs (admins), e.g. `?status=dead` for those that failed for good.
#[utoipa::path(get, path = "/jobs", tag = "jobs", params(JobParams),
    responses((status = 200, body = JobPage), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
async fn list_jobs(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(p): ApiQuery<JobParams>,
) -> ApiResult<Json<JobPage>> {
    let status = p.status;
    let before = crate::wire::cursor::before(p.cursor.as_deref())?;
    let page = sala_app::jobs::admin::list_jobs(
        state.store(),
        &ctx,
        status,
        before,
        crate::wire::cursor::limit(p.limit, 100, 200)?,
    )
    .await?;
    Ok(Json(JobPage {
        items: page.items.into_iter().map(JobView::from).collect(),
        next_cursor: crate::wire::cursor::next(page.next),
    }))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6f1-2b3c-7d4e-8f5a-6b7c8d9e0f1a", "status": "pending"}))]
pub struct ReplayView {
    #[schema(value_type = String, format = Uuid)]
    id: JobId,
    /// Always `pending`: due now.
    status: String,
}

/// Give a dead job another life (admins). It sends only what was not delivered before.
#[utoipa::path(post, path = "/jobs/{id}/replay", tag = "jobs", params(("id" = String, Path, format = Uuid)),
    responses((status = 202, body = ReplayView), (status = 403, body = Problem),
              (status = 404, body = Problem, description = "No dead job with this id in your organization")))]
async fn replay_job(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<JobId>,
) -> ApiResult<(StatusCode, Json<ReplayView>)> {
    sala_app::jobs::admin::replay_job(state.store(), &ctx, id).await?;
    Ok((StatusCode::ACCEPTED, Json(ReplayView { id, status: JobStatus::Pending.as_str().to_owned() })))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"channel": "email", "recipient": "maria@acme.test", "status": "sent",
    "detail": "<0193a6f1-2b3c-7d4e-8f5a-6b7c8d9e0f1a.maria@sala.acme.test>", "at": "2026-12-01T09:00:02Z",
    "job_id": "0193a6f1-2b3c-7d4e-8f5a-6b7c8d9e0f1a"}))]
pub struct DeliveryView {
    /// `email` or `whatsapp`.
    channel: String,
    /// The email address or E.164 number.
    recipient: String,
    /// `sent` (the provider accepted it) or `failed`.
    status: String,
    /// The provider's message id when sent; the reason when failed.
    detail: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    at: Utc,
    #[schema(value_type = String, format = Uuid)]
    job_id: JobId,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            channel: d.channel.as_str().to_owned(),
            recipient: d.recipient,
            status: d.status.as_str().to_owned(),
            detail: d.detail,
            at: Utc(d.created_at),
            job_id: d.job_id,
        }
    }
}

/// What was sent, or tried, to whom about a booking, oldest first (its organizer, admins, API keys).
#[utoipa::path(get, path = "/bookings/{id}/deliveries", tag = "bookings", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<DeliveryView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_deliveries(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<BookingId>,
) -> ApiResult<Json<Vec<DeliveryView>>> {
    let deliveries = sala_app::bookings::deliveries(state.store(), &ctx, id).await?;
    Ok(Json(deliveries.into_iter().map(DeliveryView::from).collect()))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"email_configured": true, "whatsapp_configured": false, "dev_outbox": false,
    "warnings": ["WhatsApp is not configured (SALA_WHATSAPP_PHONE_NUMBER_ID, SALA_WHATSAPP_TOKEN): WhatsApp messages and reminders are logged as not delivered"]}))]
pub struct NotificationStatus {
    email_configured: bool,
    whatsapp_configured: bool,
    /// Dev mode keeps a copy of every message at `/dev/outbox`.
    dev_outbox: bool,
    /// What an administrator should fix so no message is left undelivered.
    warnings: Vec<String>,
}

/// Whether email and WhatsApp can go out from this installation (admins).
#[utoipa::path(get, path = "/notifications/status", tag = "jobs",
    responses((status = 200, body = NotificationStatus), (status = 403, body = Problem)))]
async fn notification_status(
    State(state): State<AppState>,
    Caller(ctx): Caller,
) -> ApiResult<Json<NotificationStatus>> {
    ctx.require_admin()?;
    let s = &state.settings;
    let own_whatsapp = sala_app::tenants::current_tenant(state.store(), &ctx).await?.whatsapp.is_some();
    Ok(Json(NotificationStatus {
        email_configured: s.smtp_enabled(),
        whatsapp_configured: s.whatsapp_enabled() || own_whatsapp,
        dev_outbox: s.dev,
        warnings: s.channel_warnings(own_whatsapp).into_iter().chain(disabled_webhooks(&state, &ctx).await?).collect(),
    }))
}

/// Webhook endpoints Sala turned off, and why: an admin should know.
async fn disabled_webhooks(state: &AppState, ctx: &sala_app::Context) -> ApiResult<Vec<String>> {
    let endpoints = sala_app::webhooks::list_webhooks(state.store(), ctx).await?;
    Ok(endpoints
        .into_iter()
        .filter_map(|e| {
            e.disabled_reason
                .map(|why| format!("webhook endpoint {} is disabled: {why}", sala_channels::webhook::shown_url(&e.url)))
        })
        .collect())
}
