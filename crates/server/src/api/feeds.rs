//! `/feeds`: calendar feeds, secret `.ics` URLs that Google Calendar, Outlook and Apple Calendar
//! subscribe to. The URL is shown once, when the feed is made; deleting the feed revokes it.

use crate::auth::Caller;
use crate::extract::{ApiJson, PathId};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::time::Utc;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sala_app::feeds::{self, NewFeed};
use sala_domain::{Feed, FeedId, RoomId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_feed, list_feeds)).routes(routes!(delete_feed))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scope": "room", "room_id": "0190f5a2-7c1e-7b7e-9a40-2f5d3c1e9a10"}))]
pub struct CreateFeedBody {
    /// `me` (the meetings the signed-in person organizes or is invited to; not for API keys),
    /// `room` (one room's bookings) or `organization` (every booking; admins and API keys).
    scope: String,
    /// The room of a `room` feed (required for it, refused for the others).
    #[schema(value_type = Option<String>, format = Uuid)]
    room_id: Option<RoomId>,
}

/// A feed just made: the only time its URL is shown.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6f3-4d5e-7f6a-8b7c-9d0e1f2a3b4c",
    "url": "https://sala.example.com/feeds/3q2-7wM1c8bQ0yqKk9xJ2m5fZrD1uXo4sNeA6vTgLhE.ics"}))]
pub struct CreatedFeedView {
    #[schema(value_type = String, format = Uuid)]
    id: FeedId,
    /// Subscribe to it from a calendar app ("From URL" in Google Calendar, "Subscribe from web"
    /// in Outlook, "New Calendar Subscription" in Apple Calendar). Whoever has it sees the feed.
    url: String,
}

/// A feed as kept (never its URL).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6f3-4d5e-7f6a-8b7c-9d0e1f2a3b4c", "scope": "room",
    "room_id": "0190f5a2-7c1e-7b7e-9a40-2f5d3c1e9a10", "created_at": "2026-12-01T09:00:00Z"}))]
pub struct FeedView {
    #[schema(value_type = String, format = Uuid)]
    id: FeedId,
    /// `me`, `room` or `organization`.
    scope: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    room_id: Option<RoomId>,
    #[schema(value_type = String, format = DateTime)]
    created_at: Utc,
}

impl From<Feed> for FeedView {
    fn from(f: Feed) -> Self {
        Self { id: f.id, scope: f.scope.as_str().to_owned(), room_id: f.room_id, created_at: Utc(f.created_at) }
    }
}

/// Make a calendar feed. People may make `me` and `room` feeds, admins `organization` ones; API
/// keys `room` and `organization` ones (a `me` feed belongs to a person: `feed_needs_person`).
/// An unknown scope is `invalid_feed_scope`, a room feed without its room `required`, another
/// organization's room `unknown_room`; at most 20 feeds each (`too_many_feeds`).
#[utoipa::path(post, path = "/feeds", tag = "feeds", request_body = CreateFeedBody,
    responses((status = 201, body = CreatedFeedView), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_feed(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<CreateFeedBody>,
) -> ApiResult<(StatusCode, Json<CreatedFeedView>)> {
    let created = feeds::create_feed(state.store(), &ctx, NewFeed { scope: body.scope, room_id: body.room_id }).await?;
    let url = created.url(&state.settings.base_url);
    Ok((StatusCode::CREATED, Json(CreatedFeedView { id: created.feed.id, url })))
}

/// The caller's own feeds, oldest first; their URLs are never shown again.
#[utoipa::path(get, path = "/feeds", tag = "feeds", responses((status = 200, body = Vec<FeedView>)))]
async fn list_feeds(State(state): State<AppState>, Caller(ctx): Caller) -> ApiResult<Json<Vec<FeedView>>> {
    let feeds = feeds::list_feeds(state.store(), &ctx).await?;
    Ok(Json(feeds.into_iter().map(FeedView::from).collect()))
}

/// Delete a feed (its maker, or an admin): its URL answers 404 from now on.
#[utoipa::path(delete, path = "/feeds/{id}", tag = "feeds", params(("id" = String, Path, format = Uuid)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_feed(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<FeedId>,
) -> ApiResult<StatusCode> {
    feeds::delete_feed(state.store(), &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
