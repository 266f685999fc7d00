//! Check-in and attendance: `POST /bookings/{id}/check-in`, `GET /bookings/{id}/attendance`, and
//! `GET /attendance?from=&to=&format=csv|json` for HR and attendance systems.

use super::csv_field;
use crate::auth::Caller;
use crate::extract::{ApiQuery, OptionalJson, PathId};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::time::Utc;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sala_app::Principal;
use sala_app::bookings::{self, Attendance, CheckInRequest};
use sala_domain::attendance::{CheckIn, CheckInSource};
use sala_domain::values::parse_instant;
use sala_domain::{Booking, BookingId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(check_in))
        .routes(routes!(booking_attendance))
        .routes(routes!(attendance_export))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"email": "juan@acme.test", "at": "2027-03-01T08:58:41.207Z", "source": "api", "new": true}))]
pub struct CheckInView {
    email: String,
    #[schema(value_type = String, format = DateTime)]
    at: Utc,
    /// `web`, `api` or `kiosk`.
    source: String,
    /// Whether this call recorded it (`false`: the person had checked in already; the first counts).
    new: bool,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "juan@acme.test"}))]
pub struct CheckInBody {
    /// Who arrived: the organizer or an attendee. People signed in may leave it out for themselves.
    email: Option<String>,
}

/// Check someone in (from 15 minutes before the start to the end): the organizer or an admin
/// in the web app, an attendance system with an API key, or people for themselves.
#[utoipa::path(post, path = "/bookings/{id}/check-in", tag = "attendance", params(("id" = String, Path, format = Uuid)),
    request_body(content = Option<CheckInBody>, description = "Optional for people checking themselves in",
        example = json!({"email": "juan@acme.test"})),
    responses((status = 201, body = CheckInView),
              (status = 200, description = "Checked in already: the first check-in", body = CheckInView,
               example = json!({"email": "juan@acme.test", "at": "2027-03-01T08:58:41.207Z", "source": "api",
                   "new": false})),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
async fn check_in(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<BookingId>,
    // A person checking themself in may send no body at all.
    OptionalJson(body): OptionalJson<CheckInBody>,
) -> ApiResult<(StatusCode, Json<CheckInView>)> {
    let source = match ctx.principal {
        Principal::User(_) => CheckInSource::Web,
        _ => CheckInSource::Api,
    };
    let (check_in, new) =
        bookings::check_in(state.store(), &ctx, id, CheckInRequest { email: body.email, source }).await?;
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(view(&check_in, new))))
}

fn view(c: &CheckIn, new: bool) -> CheckInView {
    CheckInView { email: c.email.to_string(), at: Utc(c.at), source: c.source.as_str().to_owned(), new }
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"email": "juan@acme.test", "name": "Juan García", "organizer": false,
    "checked_in_at": "2027-03-01T08:58:41.207Z", "source": "api"}))]
pub struct AttendanceView {
    email: String,
    name: Option<String>,
    organizer: bool,
    /// When they checked in; null: not (yet).
    #[schema(value_type = Option<String>, format = DateTime)]
    checked_in_at: Option<Utc>,
    source: Option<String>,
}

impl From<Attendance> for AttendanceView {
    fn from(a: Attendance) -> Self {
        Self {
            email: a.email.to_string(),
            name: a.name,
            organizer: a.organizer,
            checked_in_at: a.check_in.as_ref().map(|c| Utc(c.at)),
            source: a.check_in.map(|c| c.source.as_str().to_owned()),
        }
    }
}

/// Who was invited and who came.
#[utoipa::path(get, path = "/bookings/{id}/attendance", tag = "attendance", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<AttendanceView>), (status = 404, body = Problem)))]
async fn booking_attendance(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<BookingId>,
) -> ApiResult<Json<Vec<AttendanceView>>> {
    Ok(Json(bookings::attendance(state.store(), &ctx, id).await?.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// RFC 3339: bookings starting from here...
    from: String,
    /// ...up to here (at most 93 days).
    to: String,
    /// `json` (default) or `csv`.
    #[param(schema_with = super::schemas::export_format)]
    format: Option<String>,
}

/// One person of one booking; times in UTC.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"booking_id": "01a3b81d-1c01-7c7f-973a-dae48201e2bd", "title": "Demo con Globex",
    "start": "2027-03-01T09:00:00Z", "end": "2027-03-01T10:00:00Z", "status": "confirmed", "email": "juan@acme.test",
    "name": "Juan García", "organizer": false, "checked_in_at": "2027-03-01T08:58:41.207Z"}))]
pub struct ExportRow {
    #[schema(value_type = String, format = Uuid)]
    booking_id: BookingId,
    title: String,
    #[schema(value_type = String, format = DateTime)]
    start: Utc,
    #[schema(value_type = String, format = DateTime)]
    end: Utc,
    status: String,
    email: String,
    name: Option<String>,
    organizer: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    checked_in_at: Option<Utc>,
}

/// Attendance of the bookings in a range, one row per person (admins, API keys), as JSON or CSV.
#[utoipa::path(get, path = "/attendance", tag = "attendance", params(ExportParams),
    responses((status = 200, description = "The rows: JSON, or with `format=csv` CSV with a header line",
               content((Vec<ExportRow> = "application/json"), (String = "text/csv"))),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn attendance_export(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let from = parse_instant("from", &p.from).map_err(|e| sala_app::AppError::invalid("from", e.code, e.message))?;
    let to = parse_instant("to", &p.to).map_err(|e| sala_app::AppError::invalid("to", e.code, e.message))?;
    let csv = super::wants_csv(p.format.as_deref())?;
    let rows: Vec<ExportRow> = bookings::attendance_export(state.store(), &ctx, from, to)
        .await?
        .into_iter()
        .flat_map(|(booking, people)| people.into_iter().map(move |a| row(&booking, a)))
        .collect();
    if !csv {
        return Ok(Json(rows).into_response());
    }
    let mut text = String::from("booking_id,title,start,end,status,email,name,organizer,checked_in_at\r\n");
    for r in &rows {
        let fields = [
            r.booking_id.to_string(),
            r.title.clone(),
            r.start.to_string(),
            r.end.to_string(),
            r.status.clone(),
            r.email.clone(),
            r.name.clone().unwrap_or_default(),
            r.organizer.to_string(),
            r.checked_in_at.map(|at| at.to_string()).unwrap_or_default(),
        ];
        text.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        text.push_str("\r\n");
    }
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response())
}

fn row(booking: &Booking, a: Attendance) -> ExportRow {
    ExportRow {
        booking_id: booking.id,
        title: booking.title.clone(),
        start: Utc(booking.time.start),
        end: Utc(booking.time.end),
        status: booking.status.as_str().to_owned(),
        email: a.email.to_string(),
        name: a.name,
        organizer: a.organizer,
        checked_in_at: a.check_in.map(|c| Utc(c.at)),
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, \"b\""), "\"a, \"\"b\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
        // A Spanish spreadsheet splits on `;`: the second cell must not start a formula.
        assert_eq!(csv_field("Reunión;=cmd|' /C calc'!A0"), "\"Reunión;=cmd|' /C calc'!A0\"");
        assert_eq!(csv_field("\t=1+1"), "'\t=1+1");
    }
}
