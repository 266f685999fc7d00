//! `/webhooks`: the organization's webhook endpoints (admins), and what each was sent.

use super::jobs::DeliveryView;
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiQuery, PathId};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::time::Utc;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sala_app::webhooks::{self, NewWebhook, WebhookChanges};
use sala_domain::WebhookId;
use sala_domain::webhook::WebhookEndpoint;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_webhook, list_webhooks))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(webhook_deliveries))
        .routes(routes!(rotate_secret))
        .routes(routes!(replay))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6f3-4d5e-7f6a-8b7c-9d0e1f2a3b4c", "url": "https://crm.example.com/sala/webhooks",
    "events": ["booking.created", "booking.updated", "booking.cancelled"], "description": "CRM", "enabled": true,
    "disabled_reason": null, "previous_secret_until": null, "created_at": "2026-12-01T09:00:00Z"}))]
pub struct WebhookView {
    #[schema(value_type = String, format = Uuid)]
    id: WebhookId,
    url: String,
    events: Vec<String>,
    description: Option<String>,
    enabled: bool,
    /// Why Sala turned it off (e.g. `410 Gone`).
    disabled_reason: Option<String>,
    /// After a rotation: until when the previous secret also signs.
    #[schema(value_type = Option<String>, format = DateTime)]
    previous_secret_until: Option<Utc>,
    #[schema(value_type = String, format = DateTime)]
    created_at: Utc,
    /// Only in the answer to its creation: `whsec_...`, to verify signatures. Never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl From<WebhookEndpoint> for WebhookView {
    fn from(e: WebhookEndpoint) -> Self {
        Self {
            id: e.id,
            url: e.url,
            events: e.events,
            description: e.description,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            previous_secret_until: e.previous_until.filter(|u| *u > sala_domain::now_millis()).map(Utc),
            created_at: Utc(e.created_at),
            secret: None,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://crm.example.com/sala/webhooks", "events": ["booking.created", "booking.updated", "booking.cancelled"], "description": "CRM"}))]
pub struct CreateWebhookBody {
    /// https (http and private addresses only in dev mode or with `SALA_WEBHOOKS_ALLOW_PRIVATE`).
    url: String,
    /// Any of `booking.created`, `booking.updated`, `booking.cancelled`, `booking.checked_in`,
    /// `booking.no_show`, `attendee.responded`.
    events: Vec<String>,
    description: Option<String>,
    /// Your own `whsec_` + base64 secret (24-64 bytes); generated when absent.
    secret: Option<String>,
}

/// Register an endpoint (admins). The answer carries its signing secret, this once.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = CreateWebhookBody,
    responses((status = 201, body = WebhookView), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_webhook(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<CreateWebhookBody>,
) -> ApiResult<(StatusCode, Json<WebhookView>)> {
    let input = NewWebhook { url: body.url, events: body.events, description: body.description, secret: body.secret };
    let allow = state.settings.webhooks_may_reach_private();
    let (endpoint, secret) = webhooks::create_webhook(state.store(), &ctx, &state.secrets(), allow, input).await?;
    Ok((StatusCode::CREATED, Json(WebhookView { secret: Some(secret), ..endpoint.into() })))
}

/// The organization's endpoints (admins), oldest first.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<WebhookView>), (status = 403, body = Problem)))]
async fn list_webhooks(State(state): State<AppState>, Caller(ctx): Caller) -> ApiResult<Json<Vec<WebhookView>>> {
    Ok(Json(webhooks::list_webhooks(state.store(), &ctx).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = WebhookView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_webhook(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<WebhookId>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(webhooks::get_webhook(state.store(), &ctx, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"events": ["booking.created", "booking.updated", "booking.cancelled", "booking.no_show"], "enabled": true}))]
pub struct UpdateWebhookBody {
    url: Option<String>,
    events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "super::double_option")]
    description: Option<Option<String>>,
    /// `true` turns a disabled endpoint on again.
    enabled: Option<bool>,
}

/// Change an endpoint (admins).
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path, format = Uuid)),
    request_body = UpdateWebhookBody,
    responses((status = 200, body = WebhookView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn update_webhook(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<WebhookId>,
    ApiJson(body): ApiJson<UpdateWebhookBody>,
) -> ApiResult<Json<WebhookView>> {
    let changes =
        WebhookChanges { url: body.url, events: body.events, description: body.description, enabled: body.enabled };
    let allow = state.settings.webhooks_may_reach_private();
    Ok(Json(webhooks::update_webhook(state.store(), &ctx, allow, id, changes).await?.into()))
}

#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path, format = Uuid)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_webhook(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<WebhookId>,
) -> ApiResult<StatusCode> {
    webhooks::delete_webhook(state.store(), &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// At most this many, newest first (1-200, default 100).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// From `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of an endpoint's delivery log, newest first.
#[derive(Serialize, ToSchema)]
pub struct DeliveryPage {
    items: Vec<DeliveryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// What an endpoint was sent (admins), newest first: status, latency and the start of the answer.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, format = Uuid), DeliveryParams),
    responses((status = 200, body = DeliveryPage), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn webhook_deliveries(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<WebhookId>,
    ApiQuery(p): ApiQuery<DeliveryParams>,
) -> ApiResult<Json<DeliveryPage>> {
    let before = crate::wire::cursor::before(p.cursor.as_deref())?;
    let page =
        webhooks::webhook_deliveries(state.store(), &ctx, id, before, crate::wire::cursor::limit(p.limit, 100, 200)?)
            .await?;
    Ok(Json(DeliveryPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: crate::wire::cursor::next(page.next),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grace_hours": 24}))]
pub struct RotateBody {
    /// How long the old secret keeps signing too (default 24, at most 168).
    grace_hours: Option<u64>,
    /// Your own new `whsec_` secret; generated when absent.
    secret: Option<String>,
}

/// A new signing secret (admins), shown this once; the old one signs too during the grace.
#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "webhooks",
    params(("id" = String, Path, format = Uuid)), request_body = RotateBody,
    responses((status = 200, body = WebhookView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn rotate_secret(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<WebhookId>,
    ApiJson(body): ApiJson<RotateBody>,
) -> ApiResult<Json<WebhookView>> {
    let grace = std::time::Duration::from_secs(body.grace_hours.unwrap_or(24).saturating_mul(3600));
    let (endpoint, secret) =
        webhooks::rotate_secret(state.store(), &ctx, &state.secrets(), id, grace, body.secret).await?;
    Ok(Json(WebhookView { secret: Some(secret), ..endpoint.into() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"job_id": "0193a6f1-2b3c-7d4e-8f5a-6b7c8d9e0f1a"}))]
pub struct ReplayBody {
    /// The event to send again: a `job_id` from the endpoint's delivery log.
    #[schema(value_type = String, format = Uuid)]
    job_id: sala_domain::JobId,
}

/// Send an earlier event to this endpoint again (admins): same `webhook-id`, a new attempt.
#[utoipa::path(post, path = "/webhooks/{id}/replay", tag = "webhooks",
    params(("id" = String, Path, format = Uuid)), request_body = ReplayBody,
    responses((status = 202), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn replay(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<WebhookId>,
    ApiJson(body): ApiJson<ReplayBody>,
) -> ApiResult<StatusCode> {
    webhooks::replay_delivery(state.store(), &ctx, id, body.job_id).await?;
    Ok(StatusCode::ACCEPTED)
}
