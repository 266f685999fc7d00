//! `/admin/rooms/{id}/import`: a room's calendar file (.ics) imported from its admin page. The
//! upload is first a dry run (what would be created, what is left out and why); the preview
//! carries the file in a hidden field of its CSRF-protected confirm form, and the confirm step
//! imports it with `on_conflict=skip`, reading and checking it again from scratch. The same use
//! case as `POST /api/v1/rooms/{id}/import`.

use super::Tab;
use crate::i18n::Texts;
use crate::pages::error::{PageError, PageResult, message};
use crate::pages::form::{AdminForm, AdminUpload};
use crate::pages::render;
use crate::pages::shell::{Nav, Shell};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use sala_app::AppError;
use sala_app::bookings::{ConflictPolicy, ImportReport, ImportRequest, import_calendar};
use sala_channels::ics_import::MAX_BYTES;
use sala_domain::RoomId;
use sala_domain::dates::{day, when, zoned};
use serde::Deserialize;

/// The file, or three times it as a urlencoded hidden field.
const BODY_LIMIT: usize = 3 * MAX_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/rooms/{id}/import", post(preview_post))
        .route("/admin/rooms/{id}/import/confirm", post(confirm_post))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

#[derive(Template)]
#[template(path = "admin/room_import.html")]
pub struct ImportPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub room_id: RoomId,
    pub room_name: String,
    pub created: Vec<CreatedRow>,
    pub skipped: Vec<SkippedRow>,
    pub conflicts: usize,
    /// The file, for the confirm form.
    pub ics: String,
}

pub struct CreatedRow {
    pub title: String,
    pub when: String,
    pub organizer: String,
    pub attendees: usize,
}

pub struct SkippedRow {
    pub title: String,
    pub when: String,
    pub reason: &'static str,
}

fn reason(t: &Texts, code: &str) -> &'static str {
    match code {
        "past" => t.ics_reason_past,
        "all_day" => t.ics_reason_all_day,
        "cancelled" => t.ics_reason_cancelled,
        "no_duration" => t.ics_reason_no_duration,
        "outside_horizon" => t.ics_reason_outside_horizon,
        "conflict" => t.ics_reason_conflict,
        _ => t.ics_reason_already_present,
    }
}

fn room_id(raw: &str) -> Option<RoomId> {
    raw.parse().ok()
}

/// `POST /admin/rooms/{id}/import` (a form with a file): its dry run, shown.
async fn preview_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminUpload(shell, upload): AdminUpload,
) -> PageResult {
    let file = upload.bytes("file").unwrap_or_default().to_vec();
    run(&state, shell, &id, file, true).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    ics: String,
}

/// `POST /admin/rooms/{id}/import/confirm`: the previewed file imported, conflicts skipped.
async fn confirm_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, form): AdminForm<ConfirmForm>,
) -> PageResult {
    run(&state, shell, &id, form.ics.into_bytes(), false).await
}

async fn run(state: &AppState, shell: Shell, id: &str, file: Vec<u8>, dry_run: bool) -> PageResult {
    let t = shell.t;
    let Some(room_id) = room_id(id) else {
        return Err(PageError::app(t, AppError::NotFound { what: "room" }));
    };
    let room =
        sala_app::rooms::get_room(state.store(), &shell.ctx(), room_id).await.map_err(|e| PageError::app(t, e))?;
    let request = ImportRequest { room_id, dry_run, on_conflict: ConflictPolicy::Skip };
    let ics = String::from_utf8_lossy(&file).into_owned();
    let report = match import_calendar(state.store(), &shell.ctx(), request, &file).await {
        Ok(report) => report,
        Err(AppError::BadInput { code, message }) => {
            // The reason in the reader's words, and where (the use case's line number).
            let said = format!("{} ({message})", t.refusal(code));
            return Ok(page(shell, room_id, room.name, vec![said], None, String::new()));
        }
        Err(AppError::Invalid(fields)) => {
            let said = fields.iter().map(|f| message(t, f)).collect();
            return Ok(page(shell, room_id, room.name, said, None, String::new()));
        }
        Err(err) => return Err(PageError::app(t, err)),
    };
    if dry_run {
        Ok(page(shell, room_id, room.name, Vec::new(), Some(report), ics))
    } else {
        Ok(Redirect::to(&format!("/admin/rooms/{room_id}?done=imported")).into_response())
    }
}

fn page(
    shell: Shell,
    room_id: RoomId,
    room_name: String,
    problems: Vec<String>,
    report: Option<ImportReport>,
    ics: String,
) -> Response {
    let t = shell.t;
    let zone = shell.zone();
    let (created, skipped, conflicts) = match report {
        Some(report) => {
            let created = report
                .created
                .iter()
                .map(|c| CreatedRow {
                    title: c.booking.title.clone(),
                    when: when(shell.locale, c.booking.time, &zone),
                    organizer: c.organizer.name.clone(),
                    attendees: c.booking.attendees.len(),
                })
                .collect();
            let skipped = report
                .skipped
                .iter()
                .map(|s| SkippedRow {
                    title: s.title.clone().unwrap_or_else(|| s.uid.clone()),
                    when: match s.start.parse::<jiff::Timestamp>().ok().and_then(|at| zoned(at.as_millisecond(), &zone))
                    {
                        Some(z) => format!("{}, {}", day(shell.locale, &z), z.strftime("%H:%M")),
                        None => s.start.clone(),
                    },
                    reason: reason(t, s.reason),
                })
                .collect();
            (created, skipped, report.conflicts.len())
        }
        None => (Vec::new(), Vec::new(), 0),
    };
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ImportPage {
        t,
        shell,
        tab: Tab::Rooms,
        notice: None,
        problems,
        room_id,
        room_name,
        created,
        skipped,
        conflicts,
        ics,
    };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}
