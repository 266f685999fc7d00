//! A room's Google calendar: the events someone put straight on it (not Sala's), and adopting
//! one as a booking of the room. Admins and API keys (`read` to list, `write` to adopt).

use crate::auth::Caller;
use crate::extract::{ApiQuery, PathId};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::booking::{BookingView, Names};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sala_app::AppError;
use sala_app::calendar::{LISTED_DAYS as DEFAULT_DAYS, RoomEvent};
use sala_domain::values::parse_instant;
use sala_domain::{BookingId, ErrorCode, Millis, RoomId, now_millis, rfc3339};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_calendar_events)).routes(routes!(adopt_calendar_event))
}

const DAY_MS: Millis = 24 * 3600 * 1000;
/// The longest window listed at once.
const MAX_DAYS: Millis = 90;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    /// RFC 3339; default: now.
    from: Option<String>,
    /// RFC 3339; default: 28 days after `from`. At most 90 days after `from`.
    to: Option<String>,
}

/// An event on the room's Google calendar that Sala did not write.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "5u2b0q8m1v9c3k7e4t6r2p0s1a", "summary": "Visita de Globex",
    "start": "2027-03-01T09:00:00Z", "end": "2027-03-01T10:00:00Z", "organizer": "maria@acme.test",
    "organizer_is_colleague": true, "adoptable": true}))]
pub struct RoomEventView {
    /// The calendar event's id (adopt it with this).
    id: String,
    summary: Option<String>,
    #[schema(format = DateTime)]
    start: String,
    #[schema(format = DateTime)]
    end: String,
    /// The organizer's address, as the calendar has it.
    organizer: Option<String>,
    /// `true`: the organizer is a person of the organization and would organize the booking;
    /// `false`: the adopting admin would, with the organizer as a guest.
    organizer_is_colleague: bool,
    /// `false` while a Sala booking of the room overlaps it (`taken_by`).
    adoptable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    taken_by: Option<BookingId>,
}

impl From<RoomEvent> for RoomEventView {
    fn from(e: RoomEvent) -> Self {
        Self {
            adoptable: e.adoptable(),
            id: e.id,
            summary: e.summary,
            start: rfc3339(e.start),
            end: rfc3339(e.end),
            organizer: e.organizer,
            organizer_is_colleague: e.organizer_is_colleague,
            taken_by: e.taken_by,
        }
    }
}

/// The window asked for: `[from, to)`, default now to 28 days on, at most 90 days.
pub fn window(from: Option<&str>, to: Option<&str>) -> Result<(Millis, Millis), AppError> {
    let bad = |e: sala_domain::ValueError| AppError::BadInput { code: e.code, message: e.message };
    let from = match from {
        Some(raw) => parse_instant("from", raw).map_err(bad)?,
        None => now_millis(),
    };
    let to = match to {
        Some(raw) => parse_instant("to", raw).map_err(bad)?,
        None => from + DEFAULT_DAYS * DAY_MS,
    };
    if to <= from || to - from > MAX_DAYS * DAY_MS {
        return Err(AppError::BadInput {
            code: ErrorCode::InvalidRange,
            message: format!("`to` must be after `from`, at most {MAX_DAYS} days"),
        });
    }
    Ok((from, to))
}

/// The events on the room's Google calendar (admins).
///
/// Someone booked the room straight in Google Calendar: Sala counts those times as busy, and
/// lists them here, by start, to be adopted as bookings. Sala's own events, all-day events and
/// cancelled ones are left out. The calendar is read as the calling admin (their Google
/// connection, else the organization's service account acting as them; for an API key, the
/// organization's first admin).
#[utoipa::path(get, path = "/rooms/{id}/calendar-events", tag = "rooms",
    params(("id" = String, Path, format = Uuid), WindowQuery),
    responses(
        (status = 200, body = Vec<RoomEventView>),
        (status = 400, description = "`invalid_datetime`: `from` or `to` is not RFC 3339; `invalid_range`: `to` is not after `from`, or more than 90 days after it",
            body = Problem),
        (status = 409, description = "`room_without_calendar`: the room has no Google calendar; `calendar_unreadable`: Sala could not read it (no Google connection or service account, access refused); `google_unavailable`: Google did not answer",
            body = Problem)))]
async fn list_calendar_events(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<RoomId>,
    ApiQuery(q): ApiQuery<WindowQuery>,
) -> ApiResult<Json<Vec<RoomEventView>>> {
    let (from, to) = window(q.from.as_deref(), q.to.as_deref())?;
    let events = state.calendar.room_calendar_events(&ctx, id, from, to).await?;
    Ok(Json(events.into_iter().map(RoomEventView::from).collect()))
}

/// Adopt an event of the room's Google calendar as a booking (admins, API keys with `write`).
///
/// The booking is the room's for the event's time, titled with its summary; its organizer is
/// the event's when that is a person of the organization (the booking then holds the event, and
/// two-way sync follows it), else the adopting admin (for an API key, the organization's first
/// admin) with the event's organizer as a guest; the event's other invitees are its attendees
/// (colleagues linked). The event itself is not counted as busy; a Sala booking in the way is
/// (`booking_conflict`). Nobody is emailed or messaged (they have the meeting); webhooks hear
/// `booking.created`; the audit says `booking.adopted`.
#[utoipa::path(post, path = "/rooms/{id}/calendar-events/{event_id}/adopt", tag = "rooms",
    params(("id" = String, Path, format = Uuid), ("event_id" = String, Path, description = "The calendar event's id")),
    responses(
        (status = 201, description = "The booking made of the event", body = BookingView),
        (status = 404, description = "`not_found`: no such room in your organization, or no such (timed, not cancelled) event on its calendar",
            body = Problem),
        (status = 409, description = "`already_adopted`: the event is a Sala booking already; `booking_conflict`: a booking of the room overlaps it; `room_without_calendar`; `calendar_unreadable`; `google_unavailable`",
            body = Problem),
        (status = 422, description = "`validation_failed`: the room is out of service, or the booking breaks a rule an admin is held to",
            body = Problem)))]
async fn adopt_calendar_event(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Path((room, event_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let room: RoomId = room.parse().map_err(|_| AppError::BadInput {
        code: ErrorCode::InvalidId,
        message: format!("'{room}' is not a valid id."),
    })?;
    let created = state.calendar.adopt_event(&ctx, room, &event_id).await?;
    let names = Names::of_created(state.store(), ctx.tenant_id(), &created).await?;
    let booking = created.bookings.into_iter().next().ok_or(AppError::NotFound { what: "booking" })?;
    let location = format!("/api/v1/bookings/{}", booking.id);
    let mut response = (StatusCode::CREATED, Json(names.view(booking))).into_response();
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}
