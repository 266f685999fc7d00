//! `GET /reports/sizing?from=&to=&room_id=&format=json|csv`: people per meeting against each
//! room's seats.

use super::ghosts::RoomReportParams;
use super::{range_query, range_refusal};
use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sala_app::reports::sizing::sizing_report;
use sala_domain::RoomId;
use sala_domain::reports::sizing::SizingRow;
use serde::Serialize;
use utoipa::ToSchema;

/// One room: its meetings' people against its seats, and a verdict.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"room_id": "01a3b81d-1c01-7c7f-973a-dae48201e2bd", "capacity": 10, "meetings": 3,
    "average_people": 6.3333, "peak_people": 12, "over_capacity": 1, "half_empty": 2, "verdict": "too_small"}))]
pub struct SizingView {
    #[schema(value_type = String, format = Uuid)]
    room_id: RoomId,
    /// Seats; null for a virtual room (its limit is meetings at once, not seats).
    capacity: Option<u32>,
    /// Bookings starting in the range, confirmed or released (not cancelled).
    meetings: u64,
    /// Invitees plus the organizer, per meeting on average, 4 decimals.
    average_people: f64,
    /// The most people in one meeting.
    peak_people: u32,
    /// Meetings with more people than seats.
    over_capacity: u64,
    /// Meetings with at most half as many people as seats.
    half_empty: u64,
    /// `too_small` (at least 1 meeting in 10 over capacity), else `too_big` (at least 3 in 4 half
    /// empty), else `fits`; `unknown` without seats or meetings.
    #[schema(schema_with = verdict_schema)]
    verdict: &'static str,
}

fn verdict_schema() -> utoipa::openapi::schema::Object {
    super::super::schemas::one_of(&["too_small", "too_big", "fits", "unknown"])
}

impl From<&SizingRow> for SizingView {
    fn from(r: &SizingRow) -> Self {
        Self {
            room_id: r.room_id,
            capacity: r.capacity,
            meetings: r.meetings,
            average_people: r.average_people,
            peak_people: r.peak_people,
            over_capacity: r.over_capacity,
            half_empty: r.half_empty,
            verdict: r.verdict.as_str(),
        }
    }
}

/// Right-sizing (admins, API keys with `read`): per room, the people invited to its meetings
/// (invitees plus the organizer) against its seats, over the bookings starting in the range:
/// rooms too big or too small for their meetings.
#[utoipa::path(get, path = "/reports/sizing", tag = "reports", params(RoomReportParams),
    responses((status = 200, description = "One row per room: JSON, or with `format=csv` CSV with a header line",
               content((Vec<SizingView> = "application/json"), (String = "text/csv"))),
              (status = 400, description = "`invalid_query`: a query that cannot be read (`from` or `to` missing)", body = Problem),
              (status = 403, description = "`forbidden`: not an admin; `insufficient_scope`: an API key without `read`", body = Problem),
              (status = 404, description = "`not_found`: no such room or location", body = Problem),
              (status = 422, description = "`validation_failed`: `invalid_date`, `invalid_range`, `invalid_id`, `invalid_format`", body = Problem)))]
pub(super) async fn sizing(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(p): ApiQuery<RoomReportParams>,
) -> ApiResult<Response> {
    let query = range_query(&p.from, &p.to, p.room_id.as_deref(), p.location.as_deref())?;
    let csv = super::super::wants_csv(p.format.as_deref())?;
    let rows: Vec<SizingView> =
        sizing_report(state.store(), &ctx, query).await.map_err(range_refusal)?.iter().map(SizingView::from).collect();
    if !csv {
        return Ok(Json(rows).into_response());
    }
    let mut text =
        "room_id,capacity,meetings,average_people,peak_people,over_capacity,half_empty,verdict\r\n".to_owned();
    for r in &rows {
        let capacity = r.capacity.map(|c| c.to_string()).unwrap_or_default();
        text.push_str(&format!(
            "{},{capacity},{},{},{},{},{},{}\r\n",
            r.room_id, r.meetings, r.average_people, r.peak_people, r.over_capacity, r.half_empty, r.verdict
        ));
    }
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response())
}
