//! `/admin/rooms`: the rooms, a form to add one, and each room's form (name, capacity, location,
//! equipment, kind, Google resource calendar, bookable hours, no-show release), deactivation
//! and its return.

use super::{Tab, done, problems};
use crate::i18n::Texts;
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::pages::{render, show_error};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use sala_app::rooms::{self, NewRoom, RoomChanges};
use sala_domain::{BookableHours, Room, RoomId, RoomKind, RulesOverride};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/rooms", get(list).post(create))
        .route("/admin/rooms/{id}", get(edit).post(update))
        .route("/admin/rooms/{id}/active", post(set_active))
}

/// A room's fields as the form holds them.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoomForm {
    pub csrf: String,
    pub name: String,
    pub capacity: String,
    pub location: String,
    pub equipment: String,
    pub kind: String,
    pub google_calendar: String,
    pub bookable_hours: String,
    pub no_show: String,
}

impl RoomForm {
    fn of(room: &Room) -> Self {
        Self {
            name: room.name.clone(),
            capacity: room.capacity.to_string(),
            location: room.location.clone().unwrap_or_default(),
            equipment: room.equipment.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", "),
            kind: room.kind.as_str().to_owned(),
            google_calendar: room.google_calendar.as_ref().map(ToString::to_string).unwrap_or_default(),
            bookable_hours: room.bookable_hours.as_ref().map(BookableHours::to_compact).unwrap_or_default(),
            no_show: room.rules.no_show_release_minutes.map(|m| m.to_string()).unwrap_or_default(),
            ..Self::default()
        }
    }

    fn equipment(&self) -> Vec<String> {
        self.equipment.split(',').map(str::trim).filter(|e| !e.is_empty()).map(str::to_owned).collect()
    }

    /// The hours as typed, or the reader's problem with them.
    fn hours(&self, t: &Texts) -> Result<Option<BookableHours>, String> {
        let text = self.bookable_hours.trim();
        if text.is_empty() {
            return Ok(None);
        }
        BookableHours::parse_compact(text).map(Some).map_err(|_| t.err_hours.to_owned())
    }

    fn no_show(&self, t: &Texts, keep: &RulesOverride) -> Result<RulesOverride, String> {
        let text = self.no_show.trim();
        let minutes =
            if text.is_empty() { None } else { Some(text.parse::<u32>().map_err(|_| t.err_no_show.to_owned())?) };
        Ok(RulesOverride { no_show_release_minutes: minutes, ..keep.clone() })
    }
}

#[derive(Template)]
#[template(path = "admin/rooms.html")]
pub struct RoomsPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub rooms: Vec<Room>,
    /// The new room's form, as typed after a refusal.
    pub form: RoomForm,
}

#[derive(Template)]
#[template(path = "admin/room.html")]
pub struct RoomPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub room: Room,
    pub form: RoomForm,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: Option<String>,
}

fn notice(t: &'static Texts, done: &Done) -> Option<&'static str> {
    done.done.as_ref().map(|_| t.saved_notice)
}

async fn list(State(state): State<AppState>, AdminPage(shell): AdminPage, Query(q): Query<Done>) -> Response {
    let notice = notice(shell.t, &q);
    let form = RoomForm { capacity: "6".into(), kind: "physical".into(), ..RoomForm::default() };
    rooms_page(&state, shell, notice, Vec::new(), form, StatusCode::OK).await
}

async fn rooms_page(
    state: &AppState,
    shell: Shell,
    notice: Option<&'static str>,
    problems: Vec<String>,
    form: RoomForm,
    status: StatusCode,
) -> Response {
    let rooms = match rooms::list_rooms(state.store(), &shell.ctx(), true).await {
        Ok(rooms) => rooms,
        Err(err) => return show_error(shell.t, &err),
    };
    let page = RoomsPage { t: shell.t, shell, tab: Tab::Rooms, notice, problems, rooms, form };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

async fn create(State(state): State<AppState>, AdminPage(shell): AdminPage, Form(form): Form<RoomForm>) -> Response {
    if let Some(refused) = shell.refused(&form.csrf) {
        return refused;
    }
    let t = shell.t;
    let parsed = form.hours(t).and_then(|hours| Ok((hours, form.no_show(t, &RulesOverride::default())?)));
    let (bookable_hours, rules) = match parsed {
        Ok(parsed) => parsed,
        Err(problem) => {
            return rooms_page(&state, shell, None, vec![problem], form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let input = NewRoom {
        name: form.name.clone(),
        capacity: form.capacity.trim().parse().unwrap_or(0),
        location: Some(form.location.clone()).filter(|l| !l.trim().is_empty()),
        equipment: form.equipment(),
        kind: Some(form.kind.clone()).filter(|k| !k.is_empty()),
        google_calendar: Some(form.google_calendar.clone()).filter(|g| !g.trim().is_empty()),
        bookable_hours,
        rules,
    };
    match rooms::create_room(state.store(), &shell.ctx(), input).await {
        Ok(_) => done("/admin/rooms", "created"),
        Err(err) => match problems(t, &err) {
            Some(problems) => rooms_page(&state, shell, None, problems, form, StatusCode::UNPROCESSABLE_ENTITY).await,
            None => show_error(t, &err),
        },
    }
}

fn room_id(raw: &str) -> Option<RoomId> {
    raw.parse::<RoomId>().ok()
}

async fn edit(
    State(state): State<AppState>,
    AdminPage(shell): AdminPage,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    let room = match room_id(&id) {
        Some(id) => rooms::get_room(state.store(), &shell.ctx(), id).await,
        None => Err(sala_app::AppError::NotFound { what: "room" }),
    };
    match room {
        Ok(room) => {
            let notice = notice(shell.t, &q);
            let form = RoomForm::of(&room);
            room_page(shell, room, notice, Vec::new(), form, StatusCode::OK)
        }
        Err(err) => show_error(shell.t, &err),
    }
}

fn room_page(
    shell: Shell,
    room: Room,
    notice: Option<&'static str>,
    problems: Vec<String>,
    form: RoomForm,
    status: StatusCode,
) -> Response {
    let page = RoomPage { t: shell.t, shell, tab: Tab::Rooms, notice, problems, room, form };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

async fn update(
    State(state): State<AppState>,
    AdminPage(shell): AdminPage,
    Path(id): Path<String>,
    Form(form): Form<RoomForm>,
) -> Response {
    if let Some(refused) = shell.refused(&form.csrf) {
        return refused;
    }
    let t = shell.t;
    let ctx = shell.ctx();
    let room = match room_id(&id) {
        Some(id) => rooms::get_room(state.store(), &ctx, id).await,
        None => Err(sala_app::AppError::NotFound { what: "room" }),
    };
    let room = match room {
        Ok(room) => room,
        Err(err) => return show_error(t, &err),
    };
    let parsed = form.hours(t).and_then(|hours| Ok((hours, form.no_show(t, &room.rules)?)));
    let (hours, rules) = match parsed {
        Ok(parsed) => parsed,
        Err(problem) => return room_page(shell, room, None, vec![problem], form, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let changes = RoomChanges {
        name: Some(form.name.clone()),
        capacity: Some(form.capacity.trim().parse().unwrap_or(0)),
        location: Some(form.location.clone()),
        equipment: Some(form.equipment()),
        kind: Some(form.kind.clone()).filter(|k| !k.is_empty()),
        google_calendar: Some(form.google_calendar.clone()),
        clear_bookable_hours: hours.is_none(),
        bookable_hours: hours,
        rules: Some(rules),
        ..RoomChanges::default()
    };
    match rooms::update_room(state.store(), &ctx, room.id, changes).await {
        Ok(room) => done(&format!("/admin/rooms/{}", room.id), "saved"),
        Err(err) => match problems(t, &err) {
            Some(problems) => room_page(shell, room, None, problems, form, StatusCode::UNPROCESSABLE_ENTITY),
            None => show_error(t, &err),
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActiveForm {
    csrf: String,
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    AdminPage(shell): AdminPage,
    Path(id): Path<String>,
    Form(form): Form<ActiveForm>,
) -> Response {
    if let Some(refused) = shell.refused(&form.csrf) {
        return refused;
    }
    let Some(id) = room_id(&id) else {
        return show_error(shell.t, &sala_app::AppError::NotFound { what: "room" });
    };
    let changes = RoomChanges { active: Some(form.active == "true"), ..RoomChanges::default() };
    match rooms::update_room(state.store(), &shell.ctx(), id, changes).await {
        Ok(_) => done(&format!("/admin/rooms/{id}"), "saved"),
        Err(err) => show_error(shell.t, &err),
    }
}

impl RoomsPage {
    pub fn is_virtual(room: &Room) -> bool {
        room.kind == RoomKind::Virtual
    }
}
