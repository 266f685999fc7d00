//! `POST /rooms/{id}/import`: another system's calendar of a room (`text/calendar`, up to
//! 10 MiB) becomes bookings of the room; `?dry_run=true` shows what would happen.

use crate::auth::Caller;
use crate::extract::{ApiQuery, CalendarBody, PathId};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::time::Local;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use sala_app::bookings::{self, ConflictPolicy, ImportReport, ImportRequest, ImportSkip, Imported};
use sala_channels::ics_import::MAX_BYTES;
use sala_domain::{BookingId, RoomId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Its own body limit: a calendar file is larger than the JSON bodies the server takes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_calendar)).layer(DefaultBodyLimit::max(MAX_BYTES))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Work out what would be created, skipped and in conflict; write nothing (200).
    #[serde(default)]
    dry_run: bool,
    /// `fail` (default): any conflict refuses the whole import (409, nothing written); `skip`:
    /// the occurrences in conflict are left out and listed, the rest imported.
    #[serde(default)]
    #[param(schema_with = super::schemas::conflict_policy)]
    on_conflict: ConflictPolicy,
}

/// What an import did, or (`dry_run`) would do.
#[derive(Serialize, ToSchema)]
#[schema(example = import_example)]
pub struct ImportView {
    /// True when nothing was written (`?dry_run=true`).
    dry_run: bool,
    /// The bookings made (in a dry run: that would be made, without `id`), by start.
    created: Vec<ImportedView>,
    /// Events or occurrences left out, and why.
    skipped: Vec<SkippedView>,
    /// Every conflict found, as `booking_conflict` lists them; `source` is `sala` (a booking of
    /// the room) or `import` (an earlier event of the same file).
    #[schema(value_type = Vec<Object>)]
    conflicts: Vec<sala_app::Conflict>,
}

/// A booking an import makes.
#[derive(Serialize, ToSchema)]
pub struct ImportedView {
    /// Absent in a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    id: Option<BookingId>,
    /// The event's `UID` in the file.
    uid: String,
    title: String,
    #[schema(value_type = String, format = DateTime)]
    start: Local,
    #[schema(value_type = String, format = DateTime)]
    end: Local,
    /// The event's zone (an IANA name; Windows names are translated), else the organization's.
    time_zone: String,
    organizer: ImportedOrganizer,
    attendees: Vec<ImportedAttendee>,
}

/// Who organizes an imported booking.
#[derive(Serialize, ToSchema)]
pub struct ImportedOrganizer {
    email: String,
    name: String,
    /// `true`: the file's organizer is this person of the organization. `false`: nobody here
    /// has that address, so the importing admin (for an API key: the organization's first admin)
    /// organizes it and the file's organizer is a guest.
    matched: bool,
}

/// An attendee of an imported booking.
#[derive(Serialize, ToSchema)]
pub struct ImportedAttendee {
    email: String,
    name: Option<String>,
    /// A person of the organization (else an outside guest).
    colleague: bool,
}

/// An event, or one occurrence, left out.
#[derive(Serialize, ToSchema)]
pub struct SkippedView {
    uid: String,
    title: Option<String>,
    /// RFC 3339; a date (`2027-03-01`) for a whole-day event.
    start: String,
    /// `past` (it ended), `all_day` (a whole-day event), `cancelled` (`STATUS:CANCELLED`),
    /// `no_duration`, `outside_horizon` (it, or the rest of its repetitions from this one on,
    /// starts after the booking horizon), `conflict` (see `conflict`) or `already_present` (a
    /// confirmed booking of the room with the same start, end and title: imported before).
    #[schema(schema_with = reason_schema)]
    reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    conflict: Option<sala_app::Conflict>,
}

fn reason_schema() -> utoipa::openapi::Object {
    super::schemas::one_of(&[
        "past",
        "all_day",
        "cancelled",
        "no_duration",
        "outside_horizon",
        "conflict",
        "already_present",
    ])
}

fn import_example() -> serde_json::Value {
    serde_json::json!({
        "dry_run": false,
        "created": [{
            "id": "0193a6f0-5c2e-7b1a-9d4e-1f2a3b4c5d6e",
            "uid": "040000008200E00074C5B7101A82E008@outlook.com",
            "title": "Comité de dirección",
            "start": "2027-03-01T10:00:00+01:00",
            "end": "2027-03-01T11:00:00+01:00",
            "time_zone": "Europe/Madrid",
            "organizer": {"email": "maria@acme.test", "name": "María López", "matched": true},
            "attendees": [{"email": "juan@acme.test", "name": "Juan Pérez", "colleague": true},
                          {"email": "cliente@globex.com", "name": "Cliente", "colleague": false}]
        }],
        "skipped": [
            {"uid": "holiday-2027@google.com", "title": "Festivo", "start": "2027-03-19", "reason": "all_day"},
            {"uid": "7kq3@google.com", "title": "Demo", "start": "2027-03-02T09:00:00Z", "reason": "conflict",
             "conflict": {"requested_start": "2027-03-02T09:00:00Z", "requested_end": "2027-03-02T10:00:00Z",
                          "source": "sala", "booking_id": "0193a6f0-5c2e-7b1a-9d4e-1f2a3b4c5d70",
                          "start": "2027-03-02T09:30:00Z", "end": "2027-03-02T10:30:00Z"}}
        ],
        "conflicts": [{"requested_start": "2027-03-02T09:00:00Z", "requested_end": "2027-03-02T10:00:00Z",
                       "source": "sala", "booking_id": "0193a6f0-5c2e-7b1a-9d4e-1f2a3b4c5d70",
                       "start": "2027-03-02T09:30:00Z", "end": "2027-03-02T10:30:00Z"}]
    })
}

fn dry_run_example() -> serde_json::Value {
    let mut example = import_example();
    example["dry_run"] = true.into();
    if let Some(first) = example["created"].get_mut(0).and_then(serde_json::Value::as_object_mut) {
        first.remove("id");
    }
    example
}

impl ImportView {
    pub fn of(report: ImportReport, dry_run: bool) -> Self {
        Self {
            dry_run,
            created: report.created.into_iter().map(|c| ImportedView::of(c, dry_run)).collect(),
            skipped: report.skipped.into_iter().map(SkippedView::from).collect(),
            conflicts: report.conflicts,
        }
    }
}

impl ImportedView {
    fn of(c: Imported, dry_run: bool) -> Self {
        let b = c.booking;
        Self {
            id: (!dry_run).then_some(b.id),
            uid: c.uid,
            title: b.title,
            start: Local::new(b.time.start, &b.time_zone),
            end: Local::new(b.time.end, &b.time_zone),
            time_zone: b.time_zone.to_string(),
            organizer: ImportedOrganizer {
                email: c.organizer.email.to_string(),
                name: c.organizer.name,
                matched: c.organizer_matched,
            },
            attendees: b
                .attendees
                .into_iter()
                .map(|a| ImportedAttendee { colleague: a.is_internal(), email: a.email.to_string(), name: a.name })
                .collect(),
        }
    }
}

impl From<ImportSkip> for SkippedView {
    fn from(s: ImportSkip) -> Self {
        Self { uid: s.uid, title: s.title, start: s.start, reason: s.reason, conflict: s.conflict }
    }
}

/// Import a calendar file into a room (admins, API keys with `write`).
///
/// The body is an iCalendar file (`text/calendar`, at most 10 MiB): an export of another room
/// system, or of the room's Google or Outlook calendar. Each occurrence of its events between now
/// and the booking horizon becomes one booking of the room (repetitions are expanded: `RRULE`,
/// `RDATE`, `EXDATE`, overrides by `RECURRENCE-ID`, cancelled occurrences left out); events that
/// ended and whole-day events are skipped. Organizers and attendees are matched to people of the
/// organization by email. The booking rules (hours, notice, seats) do not refuse imported
/// meetings; a double booking does. Nobody is emailed or messaged (their calendars have these
/// meetings); webhooks hear `booking.created`. Importing the same file again creates nothing new.
#[utoipa::path(post, path = "/rooms/{id}/import", tag = "rooms",
    params(("id" = String, Path, format = Uuid), ImportQuery),
    request_body(content = String, content_type = "text/calendar",
        description = "An iCalendar (RFC 5545) file, at most 10 MiB.",
        example = json!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Acme//Rooms//EN\r\nBEGIN:VEVENT\r\nUID:comite-1@acme.test\r\nSUMMARY:Comité de dirección\r\nDTSTART;TZID=Europe/Madrid:20270301T100000\r\nDTEND;TZID=Europe/Madrid:20270301T110000\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\nORGANIZER;CN=María López:mailto:maria@acme.test\r\nATTENDEE;CN=Juan Pérez:mailto:juan@acme.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")),
    responses(
        (status = 200, description = "A dry run: what would be created, skipped and in conflict; nothing written (also a real import that found nothing to create)",
            body = ImportView, example = json!(dry_run_example())),
        (status = 201, description = "The bookings were created", body = ImportView),
        (status = 400, description = "`calendar_invalid`: the file cannot be read (the detail names the line and what is wrong: a BEGIN without END, a DTSTART that does not parse, an unknown TZID, a repetition more often than daily, ...); `invalid_id`; `invalid_query`",
            body = Problem),
        (status = 404, description = "`not_found`: no such room in your organization", body = Problem),
        (status = 409, description = "`booking_conflict` (with `on_conflict=fail`): occurrences collide with the room's bookings or with each other, all listed in `conflicts`; nothing was written",
            body = Problem),
        (status = 413, description = "`payload_too_large`: the file is larger than 10 MiB", body = Problem),
        (status = 415, description = "`unsupported_media_type`: the body was not sent as `text/calendar`", body = Problem),
        (status = 422, description = "`validation_failed`: the room is out of service (`room_inactive`), or the organization has no admin to organize meetings of unknown organizers (`organizer_required`)",
            body = Problem)))]
async fn import_calendar(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<RoomId>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    CalendarBody(body): CalendarBody,
) -> ApiResult<(StatusCode, Json<ImportView>)> {
    let request = ImportRequest { room_id: id, dry_run: q.dry_run, on_conflict: q.on_conflict };
    let report = bookings::import_calendar(state.store(), &ctx, request, &body).await?;
    let status = if report.written { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(ImportView::of(report, q.dry_run))))
}
