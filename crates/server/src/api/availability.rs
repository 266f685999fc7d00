//! `/rooms/availability`: which rooms are free for a window, and each room's busy intervals in it
//! (for a day view). Busy intervals carry no titles: anyone in the organization may ask.

use super::rooms::RoomView;
use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::time::Local;
use axum::Json;
use axum::extract::State;
use sala_app::{AppError, Validator};
use sala_domain::ErrorCode;
use sala_domain::values::parse_instant;
use sala_domain::{BookingId, ValueError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(room_availability))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityParams {
    /// RFC 3339 with an offset.
    #[param(format = DateTime)]
    start: String,
    #[param(format = DateTime)]
    end: String,
    /// Only rooms with at least this many seats (a room seats at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    capacity: Option<u32>,
    /// Comma-separated tags every room must have, e.g. `projector,whiteboard`.
    equipment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BusyView {
    /// `sala` (a booking) or `google` (booked directly in the room's Google calendar).
    source: &'static str,
    /// The booking, for `sala` intervals.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    booking_id: Option<BookingId>,
    #[schema(value_type = String, format = DateTime)]
    start: Local,
    #[schema(value_type = String, format = DateTime)]
    end: Local,
}

#[derive(Serialize, ToSchema)]
pub struct RoomAvailabilityView {
    room: RoomView,
    /// Free for the whole window.
    free: bool,
    busy: Vec<BusyView>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"start": "2027-03-01T08:00:00+01:00", "end": "2027-03-01T20:00:00+01:00",
    "rooms": [{"room": super::rooms::room_example(), "free": false,
        "busy": [{"source": "sala", "booking_id": "01a3b81d-1c01-7c7f-973a-dae48201e2bd",
            "start": "2027-03-01T10:00:00+01:00", "end": "2027-03-01T11:00:00+01:00"}]}]}))]
pub struct AvailabilityView {
    #[schema(value_type = String, format = DateTime)]
    start: Local,
    #[schema(value_type = String, format = DateTime)]
    end: Local,
    /// Free rooms first, then by name.
    rooms: Vec<RoomAvailabilityView>,
}

/// Which rooms are free for a window (at most 31 days).
#[utoipa::path(get, path = "/rooms/availability", tag = "rooms", params(AvailabilityParams),
    responses((status = 200, body = AvailabilityView), (status = 400, body = Problem), (status = 422, body = Problem)))]
async fn room_availability(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(p): ApiQuery<AvailabilityParams>,
) -> ApiResult<Json<AvailabilityView>> {
    let equipment = p
        .equipment
        .as_deref()
        .map(|e| e.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    let mut v = Validator::default();
    if let Some(seats) = p.capacity.filter(|c| !(1..=1000).contains(c)) {
        v.check::<()>(
            "capacity",
            Err(ValueError::new(ErrorCode::OutOfRange, format!("{seats} is not between 1 and 1000"))),
        );
    }
    let start = v.check("start", parse_instant("start", &p.start));
    let end = v.check("end", parse_instant("end", &p.end));
    v.finish()?;
    let (Some(start), Some(end)) = (start, end) else {
        return Err(
            AppError::invalid("start", ErrorCode::InvalidDatetime, "start and end are RFC 3339 date-times").into()
        );
    };
    let query = sala_app::bookings::AvailabilityQuery { start, end, capacity: p.capacity, equipment };
    let found = sala_app::bookings::availability(state.store(), state.outside_busy(), &ctx, query).await?;
    let tenant = state.store().get_tenant(ctx.tenant_id()).await.map_err(sala_app::AppError::from)?;
    let zone = tenant.map_or(jiff::tz::TimeZone::UTC, |t| t.time_zone.time_zone());
    let rooms = found
        .rooms
        .into_iter()
        .map(|r| RoomAvailabilityView {
            free: r.free,
            busy: r
                .busy
                .iter()
                .map(|b| (Some(b.booking_id), b.time))
                .chain(r.outside.iter().map(|t| (None, *t)))
                .map(|(booking_id, time)| BusyView {
                    source: if booking_id.is_some() { "sala" } else { "google" },
                    booking_id,
                    start: Local::in_zone(time.start, &zone),
                    end: Local::in_zone(time.end, &zone),
                })
                .collect(),
            room: r.room.into(),
        })
        .collect();
    Ok(Json(AvailabilityView {
        start: Local::in_zone(found.window.start, &zone),
        end: Local::in_zone(found.window.end, &zone),
        rooms,
    }))
}
