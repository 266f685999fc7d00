//! `/rooms`: everyone in the tenant lists and reads rooms; admins create, change and deactivate.

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiQuery, PathId};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::time::Utc;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sala_app::rooms::{self, NewRoom, RoomChanges};
use sala_domain::{BookableHours, Room, RoomId, RoomKind, RulesOverride};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_rooms, create_room)).routes(routes!(
        get_room,
        update_room,
        deactivate_room
    ))
}

/// When a room may be booked, in the organization's time zone.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "20:00"}))]
pub struct HoursBody {
    /// `mon` … `sun`.
    days: Vec<String>,
    /// `HH:MM`.
    opens: String,
    closes: String,
}

/// A room as the API shows it.
#[derive(Serialize, ToSchema)]
#[schema(example = room_example)]
pub struct RoomView {
    #[schema(value_type = String, format = Uuid)]
    id: RoomId,
    name: String,
    capacity: u32,
    location: Option<String>,
    equipment: Vec<String>,
    /// `physical` (one meeting at a time) or `virtual` (several at once, each with a video link).
    kind: String,
    /// A virtual room's limit of meetings at once; `null`: no limit.
    max_meetings: Option<u32>,
    /// A virtual room's standing video link, every meeting's `meet_link`; `null`: each meeting gets
    /// its own Google Meet link.
    video_link: Option<String>,
    /// The room's calendar, when it has one: a Google resource calendar id, or (in a Microsoft
    /// 365 organization) the room mailbox's address in Exchange.
    google_calendar: Option<String>,
    active: bool,
    #[schema(value_type = Option<HoursBody>)]
    bookable_hours: Option<BookableHours>,
    /// This room's exceptions to the organization's booking rules (absent fields follow it;
    /// `no_show_release_minutes: 0` never releases bookings of this room).
    #[schema(value_type = Object)]
    rules: RulesOverride,
    /// RFC 3339.
    #[schema(value_type = String, format = DateTime)]
    created_at: Utc,
    #[schema(value_type = String, format = DateTime)]
    updated_at: Utc,
}

/// The room of the examples: the one `CreateRoomBody`'s example makes.
pub(super) fn room_example() -> serde_json::Value {
    serde_json::json!({
        "id": "0190f5a2-7c1e-7b7e-9a40-2f5d3c1e9a10",
        "name": "Sala Atlántico",
        "capacity": 12,
        "location": "Planta 1",
        "equipment": ["projector", "video-conference"],
        "kind": "physical",
        "max_meetings": null,
        "video_link": null,
        "google_calendar": null,
        "active": true,
        "bookable_hours": {"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "20:00"},
        "rules": {"min_duration_minutes": null, "max_duration_minutes": null, "min_notice_minutes": null,
            "max_days_ahead": null, "max_active_per_person": null, "no_show_release_minutes": null},
        "created_at": "2024-07-27T19:19:44.926Z",
        "updated_at": "2024-07-27T19:19:44.926Z"
    })
}

/// That room changed by the example of `UpdateRoomBody`.
fn updated_room_example() -> serde_json::Value {
    let mut room = room_example();
    room["capacity"] = 14.into();
    room["equipment"] = serde_json::json!(["projector", "video-conference", "whiteboard"]);
    room["updated_at"] = "2025-01-13T11:02:37.154Z".into();
    room
}

/// That room deactivated.
fn deactivated_room_example() -> serde_json::Value {
    let mut room = room_example();
    room["active"] = false.into();
    room["updated_at"] = "2027-04-05T09:41:26.308Z".into();
    room
}

impl From<Room> for RoomView {
    fn from(r: Room) -> Self {
        Self {
            id: r.id,
            name: r.name,
            capacity: r.capacity,
            location: r.location,
            equipment: r.equipment.into_iter().map(String::from).collect(),
            kind: r.kind.as_str().to_owned(),
            max_meetings: r.max_meetings,
            video_link: r.video_link,
            google_calendar: r.google_calendar.map(String::from),
            active: r.active,
            bookable_hours: r.bookable_hours,
            rules: r.rules,
            created_at: Utc(r.created_at),
            updated_at: Utc(r.updated_at),
        }
    }
}

/// Unix milliseconds as RFC 3339 UTC.

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListRoomsQuery {
    /// Admins only: include deactivated rooms.
    #[serde(default)]
    include_inactive: bool,
}

/// List the rooms of your organization, by name.
#[utoipa::path(get, path = "/rooms", tag = "rooms", params(ListRoomsQuery),
    responses((status = 200, body = Vec<RoomView>), (status = 401, body = Problem)))]
async fn list_rooms(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<ListRoomsQuery>,
) -> ApiResult<Json<Vec<RoomView>>> {
    let rooms = rooms::list_rooms(state.store(), &ctx, q.include_inactive).await?;
    Ok(Json(rooms.into_iter().map(RoomView::from).collect()))
}

/// Get one room.
#[utoipa::path(get, path = "/rooms/{id}", tag = "rooms", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = RoomView), (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn get_room(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<RoomId>,
) -> ApiResult<Json<RoomView>> {
    Ok(Json(rooms::get_room(state.store(), &ctx, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Sala Atlántico", "capacity": 12, "location": "Planta 1",
    "equipment": ["projector", "video-conference"], "kind": "physical",
    "bookable_hours": {"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "20:00"}}))]
pub struct CreateRoomBody {
    name: String,
    capacity: i64,
    location: Option<String>,
    #[serde(default)]
    equipment: Vec<String>,
    /// `physical` (default) or `virtual`.
    #[schema(schema_with = super::schemas::room_kind_or_null)]
    kind: Option<RoomKind>,
    /// Virtual rooms: at most this many meetings at once (1 to 1000); absent: no limit.
    #[schema(minimum = 1, maximum = 1000)]
    max_meetings: Option<i64>,
    /// Virtual rooms: a standing `https` video link for every meeting; absent: each meeting gets
    /// its own Google Meet link.
    video_link: Option<String>,
    /// A Google resource calendar id, or an Exchange room mailbox's address.
    google_calendar: Option<String>,
    #[schema(value_type = Option<HoursBody>)]
    bookable_hours: Option<BookableHours>,
    /// Exceptions to the organization's booking rules, e.g. `{"max_duration_minutes": 60}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    rules: RulesOverride,
}

/// Create a room (admins).
#[utoipa::path(post, path = "/rooms", tag = "rooms", request_body = CreateRoomBody,
    responses((status = 201, body = RoomView), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
async fn create_room(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<CreateRoomBody>,
) -> ApiResult<(StatusCode, Json<RoomView>)> {
    let input = NewRoom {
        name: body.name,
        capacity: body.capacity,
        location: body.location,
        equipment: body.equipment,
        kind: body.kind,
        max_meetings: body.max_meetings,
        video_link: body.video_link,
        google_calendar: body.google_calendar,
        bookable_hours: body.bookable_hours,
        rules: body.rules,
    };
    let room = rooms::create_room(state.store(), &ctx, input).await?;
    Ok((StatusCode::CREATED, Json(room.into())))
}

/// Fields to change; absent fields stay as they are, `null` clears an optional one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 14, "equipment": ["projector", "video-conference", "whiteboard"]}))]
pub struct UpdateRoomBody {
    name: Option<String>,
    capacity: Option<i64>,
    #[serde(default, deserialize_with = "super::double_option")]
    location: Option<Option<String>>,
    equipment: Option<Vec<String>>,
    /// A room's kind does not change (`room_kind_fixed`); sending the same one is fine.
    #[schema(schema_with = super::schemas::room_kind_or_null)]
    kind: Option<RoomKind>,
    /// Virtual rooms: `null` lifts the limit.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    max_meetings: Option<Option<i64>>,
    /// Virtual rooms: `null` takes the standing link away.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    video_link: Option<Option<String>>,
    /// A Google resource calendar id, or an Exchange room mailbox's address; `null` removes it.
    #[serde(default, deserialize_with = "super::double_option")]
    google_calendar: Option<Option<String>>,
    active: Option<bool>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<HoursBody>)]
    bookable_hours: Option<Option<BookableHours>>,
    /// Replaces the room's exceptions to the booking rules.
    #[schema(value_type = Option<Object>)]
    rules: Option<RulesOverride>,
}

/// Change a room (admins). `"active": true` brings a deactivated room back.
#[utoipa::path(patch, path = "/rooms/{id}", tag = "rooms", params(("id" = String, Path, format = Uuid)),
    request_body = UpdateRoomBody,
    responses((status = 200, body = RoomView, example = json!(updated_room_example())), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_room(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<RoomId>,
    ApiJson(body): ApiJson<UpdateRoomBody>,
) -> ApiResult<Json<RoomView>> {
    let changes = RoomChanges {
        name: body.name,
        capacity: body.capacity,
        location: body.location.map(Option::unwrap_or_default),
        equipment: body.equipment,
        kind: body.kind,
        max_meetings: body.max_meetings,
        video_link: body.video_link.map(Option::unwrap_or_default),
        google_calendar: body.google_calendar.map(Option::unwrap_or_default),
        active: body.active,
        clear_bookable_hours: matches!(body.bookable_hours, Some(None)),
        bookable_hours: body.bookable_hours.flatten(),
        rules: body.rules,
    };
    Ok(Json(rooms::update_room(state.store(), &ctx, id, changes).await?.into()))
}

/// Deactivate a room (admins): it takes no new bookings, but it is not deleted. It stays in its
/// bookings' history and keeps answering `GET /rooms/{id}` with `active: false` (lists show it only
/// with `include_inactive`); `PATCH` with `"active": true` brings it back. Deactivating it again
/// changes nothing.
#[utoipa::path(delete, path = "/rooms/{id}", tag = "rooms", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = RoomView, example = json!(deactivated_room_example())),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn deactivate_room(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<RoomId>,
) -> ApiResult<Json<RoomView>> {
    Ok(Json(rooms::deactivate_room(state.store(), &ctx, id).await?.into()))
}
