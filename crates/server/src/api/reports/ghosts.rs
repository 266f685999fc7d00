//! `GET /reports/ghosts?from=&to=&room_id=&format=json|csv`: meetings that held a room nobody
//! came to, per room and in all.

use super::{range_query, range_refusal};
use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sala_app::reports::ghosts::ghosts_report;
use sala_domain::RoomId;
use sala_domain::reports::ghosts::{GhostRoomRow, Ghosts};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A range, optionally one room, and the format: the parameters of the per-room reports.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomReportParams {
    /// The first day, a civil date in the organization's zone (`2027-03-01`).
    #[param(format = Date)]
    pub(super) from: String,
    /// The last day, included (at most 3653 days after `from`).
    #[param(format = Date)]
    pub(super) to: String,
    /// Only this room.
    #[param(value_type = Option<String>, format = Uuid)]
    pub(super) room_id: Option<String>,
    /// Only the rooms of this location, as the rooms' `location` names it (with `room_id`: that
    /// room, if it is there).
    pub(super) location: Option<String>,
    /// `json` (default) or `csv` (one line per room).
    #[param(schema_with = super::super::schemas::export_format)]
    pub(super) format: Option<String>,
}

/// Ghost meetings of one room. `check_in_used` false: nobody checked in to any of the room's
/// bookings of the range, so an empty check-in says nothing there and the figures are 0.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"room_id": "01a3b81d-1c01-7c7f-973a-dae48201e2bd", "check_in_used": true,
    "bookings": 5, "ghosts": 4, "ghost_rate": 0.8, "ghost_minutes": 285}))]
pub struct GhostRoomView {
    #[schema(value_type = String, format = Uuid)]
    room_id: RoomId,
    check_in_used: bool,
    /// Bookings starting in the range that are over: ended, or released (no-show).
    bookings: u64,
    /// Those nobody checked in to.
    ghosts: u64,
    /// `ghosts / bookings`, 0-1, 4 decimals; 0 with no bookings.
    ghost_rate: f64,
    /// Whole minutes the ghosts held the room (to their end, or to their release).
    ghost_minutes: i64,
}

impl From<&GhostRoomRow> for GhostRoomView {
    fn from(r: &GhostRoomRow) -> Self {
        Self {
            room_id: r.room_id,
            check_in_used: r.check_in_used,
            bookings: r.figures.bookings,
            ghosts: r.figures.ghosts,
            ghost_rate: r.figures.ghost_rate,
            ghost_minutes: r.figures.ghost_minutes,
        }
    }
}

/// Over the rooms where check-in is used.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"rooms_with_check_in": 3, "bookings": 8, "ghosts": 5, "ghost_rate": 0.625,
    "ghost_minutes": 345}))]
pub struct GhostTotalView {
    rooms_with_check_in: u64,
    bookings: u64,
    ghosts: u64,
    /// `ghosts / bookings`, 0-1, 4 decimals.
    ghost_rate: f64,
    ghost_minutes: i64,
}

/// Ghost meetings in all and per room.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "total": {"rooms_with_check_in": 1, "bookings": 5, "ghosts": 4, "ghost_rate": 0.8, "ghost_minutes": 285},
    "by_room": [{"room_id": "01a3b81d-1c01-7c7f-973a-dae48201e2bd", "check_in_used": true, "bookings": 5,
        "ghosts": 4, "ghost_rate": 0.8, "ghost_minutes": 285}]}))]
pub struct GhostsView {
    total: GhostTotalView,
    /// Every room of the organization (inactive ones too), or the one asked for.
    by_room: Vec<GhostRoomView>,
}

impl From<&Ghosts> for GhostsView {
    fn from(g: &Ghosts) -> Self {
        Self {
            total: GhostTotalView {
                rooms_with_check_in: g.rooms_with_check_in,
                bookings: g.total.bookings,
                ghosts: g.total.ghosts,
                ghost_rate: g.total.ghost_rate,
                ghost_minutes: g.total.ghost_minutes,
            },
            by_room: g.by_room.iter().map(GhostRoomView::from).collect(),
        }
    }
}

/// Ghost meetings (admins, API keys with `read`): bookings starting in the range that ended, or
/// were released, with nobody checked in, among the bookings of rooms where check-in is used
/// (someone checked in to one of the room's bookings of the range); a count, a rate and the
/// minutes they held the room. Meetings not over yet are not counted; cancelled ones never.
#[utoipa::path(get, path = "/reports/ghosts", tag = "reports", params(RoomReportParams),
    responses((status = 200, description = "The figures: JSON, or with `format=csv` one line per room with a header line",
               content((GhostsView = "application/json"), (String = "text/csv"))),
              (status = 400, description = "`invalid_query`: a query that cannot be read (`from` or `to` missing)", body = Problem),
              (status = 403, description = "`forbidden`: not an admin; `insufficient_scope`: an API key without `read`", body = Problem),
              (status = 404, description = "`not_found`: no such room or location", body = Problem),
              (status = 422, description = "`validation_failed`: `invalid_date`, `invalid_range`, `invalid_id`, `invalid_format`", body = Problem)))]
pub(super) async fn ghost_report(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(p): ApiQuery<RoomReportParams>,
) -> ApiResult<Response> {
    let query = range_query(&p.from, &p.to, p.room_id.as_deref(), p.location.as_deref())?;
    let csv = super::super::wants_csv(p.format.as_deref())?;
    let report = ghosts_report(state.store(), &ctx, query).await.map_err(range_refusal)?;
    let view = GhostsView::from(&report);
    if !csv {
        return Ok(Json(view).into_response());
    }
    let mut text = "room_id,check_in_used,bookings,ghosts,ghost_rate,ghost_minutes\r\n".to_owned();
    for r in &view.by_room {
        text.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            r.room_id, r.check_in_used, r.bookings, r.ghosts, r.ghost_rate, r.ghost_minutes
        ));
    }
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response())
}
