//! `/admin/rooms/{id}/calendar`: the events someone put straight on a room's calendar (not
//! Sala's), over the next four weeks, each with a button that adopts it as a booking of the
//! room. The same use cases as `GET /api/v1/rooms/{id}/calendar-events` and `POST
//! .../{event_id}/adopt`; a refusal (a booking in the way, a calendar Sala cannot read) is shown
//! on the page in the reader's words.

use super::Tab;
use crate::i18n::Texts;
use crate::pages::form::AdminForm;
use crate::pages::render;
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::pages::show_error;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sala_app::AppError;
use sala_app::calendar::{LISTED_DAYS, RoomEvent};
use sala_domain::dates::when;
use sala_domain::{BookingId, Room, RoomId, TimeRange, now_millis};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/rooms/{id}/calendar", get(list)).route("/admin/rooms/{id}/calendar/adopt", post(adopt))
}

#[derive(Template)]
#[template(path = "admin/room_calendar.html")]
pub struct RoomCalendarPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub room: Room,
    pub events: Vec<EventRow>,
}

/// One event as the page lists it.
pub struct EventRow {
    pub id: String,
    pub title: String,
    pub when: String,
    /// The event's organizer, as the calendar has it.
    pub organizer: String,
    /// The organizer is not a person of the organization: the adopting admin organizes.
    pub outsider: bool,
    /// The Sala booking in the way, if any (then it cannot be adopted).
    pub taken_by: Option<BookingId>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: Option<String>,
}

/// `GET /admin/rooms/{id}/calendar`.
async fn list(
    State(state): State<AppState>,
    AdminPage(shell): AdminPage,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    let notice = q.done.filter(|d| d == "adopted").map(|_| shell.t.room_calendar_adopted);
    page(&state, shell, &id, notice, None).await
}

#[derive(Deserialize)]
pub struct AdoptForm {
    #[serde(default)]
    event_id: String,
}

/// `POST /admin/rooms/{id}/calendar/adopt`: the event becomes a booking; back to the list.
async fn adopt(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, form): AdminForm<AdoptForm>,
) -> Response {
    let Some(room_id) = id.parse::<RoomId>().ok() else {
        return show_error(shell.t, &AppError::NotFound { what: "room" });
    };
    match state.calendar.adopt_event(&shell.ctx(), room_id, form.event_id.trim()).await {
        Ok(_) => Redirect::to(&format!("/admin/rooms/{room_id}/calendar?done=adopted")).into_response(),
        Err(err) => page(&state, shell, &id, None, Some(err)).await,
    }
}

/// The list, with `refused` (an adoption's refusal) above it when there is one.
async fn page(
    state: &AppState,
    shell: Shell,
    id: &str,
    notice: Option<&'static str>,
    refused: Option<AppError>,
) -> Response {
    let t = shell.t;
    let room = match id.parse::<RoomId>() {
        Ok(room_id) => sala_app::rooms::get_room(state.store(), &shell.ctx(), room_id).await,
        Err(_) => Err(AppError::NotFound { what: "room" }),
    };
    let room = match room {
        Ok(room) => room,
        Err(err) => return show_error(t, &err),
    };
    let mut problems = Vec::new();
    let mut status = StatusCode::OK;
    if let Some(err) = refused {
        status = refusal_status(&err).unwrap_or(StatusCode::CONFLICT);
        if refusal_status(&err).is_none() {
            return show_error(t, &err);
        }
        problems.push(t.refusal(err.code()).to_owned());
    }
    let from = now_millis();
    let to = from + LISTED_DAYS * 24 * 3600 * 1000;
    let events = match state.calendar.room_calendar_events(&shell.ctx(), room.id, from, to).await {
        Ok(events) => events,
        Err(err) => match refusal_status(&err) {
            Some(refused) => {
                status = refused;
                problems.push(t.refusal(err.code()).to_owned());
                Vec::new()
            }
            None => return show_error(t, &err),
        },
    };
    let rows = events.into_iter().map(|e| row(&shell, e)).collect();
    let page = RoomCalendarPage { t, shell, tab: Tab::Rooms, notice, problems, room, events: rows };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

/// The status of a refusal the page explains itself; `None` for what gets the error page.
fn refusal_status(err: &AppError) -> Option<StatusCode> {
    match err {
        AppError::Conflict { .. } | AppError::BookingConflict(_) => Some(StatusCode::CONFLICT),
        AppError::Invalid(_) | AppError::BadInput { .. } => Some(StatusCode::UNPROCESSABLE_ENTITY),
        AppError::NotFound { .. } => Some(StatusCode::NOT_FOUND),
        _ => None,
    }
}

fn row(shell: &Shell, event: RoomEvent) -> EventRow {
    let time = TimeRange { start: event.start, end: event.end };
    EventRow {
        title: event
            .summary
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| shell.t.room_calendar_untitled.to_owned()),
        when: when(shell.locale, time, &shell.zone()),
        organizer: event.organizer.clone().unwrap_or_default(),
        outsider: !event.organizer_is_colleague,
        taken_by: event.taken_by,
        id: event.id,
    }
}
