//! Reports on how the rooms are used (admins, API keys with `read`):
//! `GET /reports/utilization?from=&to=&room_id=&group_by=room|location|day|weekday_hour&format=json|csv`
//! and `GET /reports/cancellations?from=&to=&room_id=`; beside them, each in its file, ghost
//! meetings, right-sizing, the top organizers and the share of meetings with external guests.

use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sala_app::AppError;
use sala_app::reports::{
    Grouping, UtilizationQuery, UtilizationReport, cancellations_report, utilization_by_room_day, utilization_grouped,
};
use sala_domain::reports::Figures;
use sala_domain::{ErrorCode, RoomId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod ghosts;
mod people;
mod sizing;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(utilization))
        .routes(routes!(cancellation_report))
        .routes(routes!(ghosts::ghost_report))
        .routes(routes!(sizing::sizing))
        .routes(routes!(people::organizers))
        .routes(routes!(people::external_guests))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UtilizationParams {
    /// The first day, a civil date in the organization's zone (`2027-03-01`).
    #[param(format = Date)]
    from: String,
    /// The last day, included (at most 3653 days after `from`; 731 with `group_by=room_day`).
    #[param(format = Date)]
    to: String,
    /// Only this room.
    #[param(value_type = Option<String>, format = Uuid)]
    room_id: Option<String>,
    /// Only the rooms of this location, as the rooms' `location` names it (with `room_id`: that
    /// room, if it is there).
    location: Option<String>,
    /// `room` (default), `location`, `day`, `weekday_hour`, or `room_day` (each room on each
    /// date, for exports: a closed room's idle days are left out).
    #[param(schema_with = group_by_schema)]
    group_by: Option<String>,
    /// `json` (default) or `csv`.
    #[param(schema_with = super::schemas::export_format)]
    format: Option<String>,
}

fn group_by_schema() -> utoipa::openapi::schema::Object {
    super::schemas::one_of(&["room", "location", "day", "weekday_hour", "room_day"])
}

/// One row of a utilization report: what it is about (`room_id`, `location` (`""` for rooms
/// without one), `date`, or `weekday` (0 = Monday) with `hour`), and the arithmetic.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"room_id": "01a3b81d-1c01-7c7f-973a-dae48201e2bd", "booked_minutes": 315,
    "bookable_minutes": 16560, "utilization": 0.019}))]
pub struct UtilizationRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    room_id: Option<RoomId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date)]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weekday: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hour: Option<u8>,
    /// Minutes of confirmed bookings inside the bookable hours (a released booking until its release).
    booked_minutes: i64,
    /// Minutes the room(s) could be booked (rooms without bookable hours: Monday-Friday 08:00-20:00).
    bookable_minutes: i64,
    /// `booked_minutes / bookable_minutes`, 0-1, rounded to 4 decimals.
    utilization: f64,
}

impl UtilizationRow {
    fn of(figures: &Figures) -> Self {
        Self {
            room_id: None,
            location: None,
            date: None,
            weekday: None,
            hour: None,
            booked_minutes: figures.booked_minutes,
            bookable_minutes: figures.bookable_minutes,
            utilization: figures.utilization,
        }
    }
}

/// How the rooms were used over a range of days: utilization per room, per day, or as a
/// weekday x hour heatmap, in the organization's time zone.
///
/// Computed from the bookings of the range: confirmed bookings count inside their room's
/// bookable hours (the hours in force now apply to the whole range), released ones until their
/// release, cancelled ones not at all; overlapping bookings of a room count once.
#[utoipa::path(get, path = "/reports/utilization", tag = "reports", params(UtilizationParams),
    responses((status = 200, description = "The rows: JSON, or with `format=csv` CSV with a header line",
               content((Vec<UtilizationRow> = "application/json"), (String = "text/csv"))),
              (status = 403, body = Problem), (status = 404, description = "`not_found`: no such room or location", body = Problem),
              (status = 422, description = "`validation_failed`: a date that is not one (`invalid_date`), `to` before `from` or more than 3653 days after it (731 by `room_day`) (`invalid_range`), an unknown `group_by` or `format`",
               body = Problem)))]
async fn utilization(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(p): ApiQuery<UtilizationParams>,
) -> ApiResult<Response> {
    let query = range_query(&p.from, &p.to, p.room_id.as_deref(), p.location.as_deref())?;
    let group_by = p.group_by.unwrap_or_else(|| "room".to_owned());
    let grouping = match group_by.as_str() {
        "room" => Some(Grouping::Room),
        "location" => Some(Grouping::Location),
        "day" => Some(Grouping::Day),
        "weekday_hour" => Some(Grouping::WeekdayHour),
        "room_day" => None,
        _ => {
            let message = format!("'{group_by}' is not room, location, day, weekday_hour or room_day");
            return Err(AppError::invalid("group_by", ErrorCode::InvalidFormat, message).into());
        }
    };
    let csv = super::wants_csv(p.format.as_deref())?;
    let rows = match grouping {
        Some(grouping) => {
            let report = utilization_grouped(state.store(), &ctx, query, &[grouping]).await.map_err(range_refusal)?;
            rows(&report, grouping)
        }
        None => utilization_by_room_day(state.store(), &ctx, query)
            .await
            .map_err(range_refusal)?
            .into_iter()
            .map(|r| UtilizationRow {
                room_id: Some(r.room_id),
                date: Some(r.date.to_string()),
                ..UtilizationRow::of(&r.figures)
            })
            .collect(),
    };
    if csv { Ok(csv_of(rows, &group_by).into_response()) } else { Ok(Json(rows).into_response()) }
}

fn rows(full: &UtilizationReport, grouping: Grouping) -> Vec<UtilizationRow> {
    let report = &full.figures;
    match grouping {
        Grouping::Location => full
            .by_location
            .iter()
            .map(|r| UtilizationRow { location: Some(r.location.clone()), ..UtilizationRow::of(&r.figures) })
            .collect(),
        Grouping::Day => report
            .by_day
            .iter()
            .map(|r| UtilizationRow { date: Some(r.date.to_string()), ..UtilizationRow::of(&r.figures) })
            .collect(),
        Grouping::WeekdayHour => report
            .by_weekday_hour
            .iter()
            .map(|r| UtilizationRow { weekday: Some(r.weekday), hour: Some(r.hour), ..UtilizationRow::of(&r.figures) })
            .collect(),
        Grouping::Room => report
            .by_room
            .iter()
            .map(|r| UtilizationRow { room_id: Some(r.room_id), ..UtilizationRow::of(&r.figures) })
            .collect(),
    }
}

/// CSV rows per chunk of the streamed body.
const CSV_ROWS_PER_CHUNK: usize = 2000;

/// The rows as CSV (RFC 4180, CRLF), with a header line naming the grouping's columns; streamed
/// in chunks, so a per-room-per-day export of two years starts arriving at once.
fn csv_of(rows: Vec<UtilizationRow>, group_by: &str) -> impl IntoResponse {
    let header_line = match group_by {
        "location" => "location",
        "day" => "date",
        "weekday_hour" => "weekday,hour",
        "room_day" => "room_id,date",
        _ => "room_id",
    };
    let header_line = format!("{header_line},booked_minutes,bookable_minutes,utilization\r\n");
    let rows = std::sync::Arc::new(rows);
    let chunks = (0..rows.len().div_ceil(CSV_ROWS_PER_CHUNK)).map(move |n| {
        let from = n * CSV_ROWS_PER_CHUNK;
        let text: String = rows[from..rows.len().min(from + CSV_ROWS_PER_CHUNK)].iter().map(csv_line).collect();
        Ok::<_, std::convert::Infallible>(text)
    });
    let body = std::iter::once(Ok(header_line)).chain(chunks);
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], Body::from_stream(futures_util::stream::iter(body)))
}

fn csv_line(r: &UtilizationRow) -> String {
    let key = match (r.room_id, &r.location, &r.date, r.weekday.zip(r.hour)) {
        (Some(room), _, Some(date), _) => format!("{room},{date}"),
        (Some(room), ..) => room.to_string(),
        (_, Some(location), ..) => super::csv_field(location),
        (_, _, Some(date), _) => date.clone(),
        (.., Some((weekday, hour))) => format!("{weekday},{hour}"),
        _ => String::new(),
    };
    format!("{key},{},{},{}\r\n", r.booked_minutes, r.bookable_minutes, r.utilization)
}

/// The range, room and location of a report, read from the query; a field error for what is not
/// a date or an id. An empty location is none.
fn range_query(
    from: &str,
    to: &str,
    room_id: Option<&str>,
    location: Option<&str>,
) -> Result<UtilizationQuery, AppError> {
    let date = |field: &str, raw: &str| {
        raw.parse::<jiff::civil::Date>().map_err(|_| {
            AppError::invalid(field, ErrorCode::InvalidDate, format!("'{raw}' is not a date like 2027-03-01"))
        })
    };
    let room_id =
        match room_id {
            None => None,
            Some(raw) => Some(raw.parse::<RoomId>().map_err(|_| {
                AppError::invalid("room_id", ErrorCode::InvalidId, format!("'{raw}' is not a valid id."))
            })?),
        };
    let location = location.map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned);
    Ok(UtilizationQuery { from: date("from", from)?, to: date("to", to)?, room_id, location })
}

/// A range the use case refused (`to` before `from`, too long) is about `to`.
fn range_refusal(e: AppError) -> AppError {
    match e {
        AppError::BadInput { code, message } => AppError::invalid("to", code, message),
        other => other,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// The first day, a civil date in the organization's zone (`2027-03-01`).
    #[param(format = Date)]
    from: String,
    /// The last day, included (at most 3653 days after `from`).
    #[param(format = Date)]
    to: String,
    /// Only this room.
    #[param(value_type = Option<String>, format = Uuid)]
    room_id: Option<String>,
    /// Only the rooms of this location, as the rooms' `location` names it (with `room_id`: that
    /// room, if it is there).
    location: Option<String>,
}

/// Cancellations and booking habits over the bookings that start in the range.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"bookings": 4, "cancelled": 3, "cancellation_rate": 0.75,
    "by_reason": [{"reason": "Cliente canceló", "count": 2}, {"reason": "", "count": 1}],
    "by_notice": [{"notice": "after_start", "count": 0}, {"notice": "under_an_hour", "count": 1},
        {"notice": "under_a_day", "count": 1}, {"notice": "under_a_week", "count": 0},
        {"notice": "a_week_or_more", "count": 1}],
    "average_lead_minutes": 5760, "average_duration_minutes": 60}))]
pub struct CancellationsView {
    /// Bookings starting in the range, whatever became of them.
    bookings: u64,
    cancelled: u64,
    /// `cancelled / bookings`, 4 decimals.
    cancellation_rate: f64,
    /// The reasons people gave (`""`: none), most given first.
    #[schema(value_type = Vec<Object>)]
    by_reason: Vec<sala_domain::reports::cancellations::ReasonRow>,
    /// How long before the start: `after_start`, `under_an_hour`, `under_a_day`, `under_a_week`,
    /// `a_week_or_more`.
    #[schema(value_type = Vec<Object>)]
    by_notice: Vec<sala_domain::reports::cancellations::NoticeRow>,
    /// From making a booking to its start, on average.
    average_lead_minutes: i64,
    average_duration_minutes: i64,
}

/// Cancellations by reason and by notice, and how far ahead and how long people book (admins,
/// API keys with `read`), over the bookings that start in the range.
#[utoipa::path(get, path = "/reports/cancellations", tag = "reports", params(RangeParams),
    responses((status = 200, body = CancellationsView),
              (status = 403, body = Problem), (status = 404, description = "`not_found`: no such room or location", body = Problem),
              (status = 422, description = "`validation_failed`: `invalid_date`, `invalid_range`, `invalid_id`", body = Problem)))]
async fn cancellation_report(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(p): ApiQuery<RangeParams>,
) -> ApiResult<Json<CancellationsView>> {
    let query = range_query(&p.from, &p.to, p.room_id.as_deref(), p.location.as_deref())?;
    let c = cancellations_report(state.store(), &ctx, query).await.map_err(range_refusal)?;
    Ok(Json(CancellationsView {
        bookings: c.bookings,
        cancelled: c.cancelled,
        cancellation_rate: c.cancellation_rate,
        by_reason: c.by_reason,
        by_notice: c.by_notice,
        average_lead_minutes: c.average_lead_minutes,
        average_duration_minutes: c.average_duration_minutes,
    }))
}
