//! `/admin/rooms`: the rooms, a form to add one, and each room's form (name, capacity, location,
//! equipment, kind, Google resource calendar, bookable hours, no-show release), deactivation
//! and its return, and the room's kiosk link (made, shown once with its QR code, replaced or
//! removed).

use super::room_form::RoomForm;
use super::{Tab, done, problems};
use crate::i18n::Texts;
use crate::pages::error::{OrPage, PageError, PageResult, id_from};
use crate::pages::form::{AdminForm, Button, Fields};
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::pages::{render, show_error};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sala_app::kiosks;
use sala_app::rooms::{self, NewRoom, RoomChanges};
use sala_domain::dates::zoned;
use sala_domain::{Room, RoomId, RoomKind, RulesOverride};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/rooms", get(list).post(create))
        .route("/admin/rooms/{id}", get(edit).post(update))
        .route("/admin/rooms/{id}/active", post(set_active))
        .route("/admin/rooms/{id}/kiosk", post(make_kiosk_link))
        .route("/admin/rooms/{id}/kiosk/delete", post(remove_kiosk_link))
        .route("/admin/rooms/{id}/feed", post(make_room_feed))
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

impl RoomsPage {
    /// An equipment tag in the reader's words.
    pub fn equipment<'a>(&self, tag: &'a str) -> std::borrow::Cow<'a, str> {
        crate::i18n::words::equipment(self.shell.locale, tag)
    }

    /// Bookable hours with the reader's day names.
    pub fn hours(&self, hours: &sala_domain::BookableHours) -> String {
        crate::i18n::words::bookable_hours(self.shell.locale, hours)
    }
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
    /// Since when the room has a kiosk link, in the admin's zone; `None` without one.
    pub kiosk_since: Option<String>,
    /// A kiosk link just made, shown this once.
    pub new_kiosk: Option<NewKioskLink>,
    /// A calendar feed of the room just made (its URL), shown this once.
    pub new_feed: Option<String>,
}

/// A kiosk link just made: its URL and the QR code to print (a `data:` URL of an SVG).
pub struct NewKioskLink {
    pub url: String,
    pub qr: Option<String>,
}

impl NewKioskLink {
    fn of(url: String) -> Self {
        let qr = crate::qr::svg(&url).map(|svg| format!("data:image/svg+xml;base64,{}", BASE64.encode(svg)));
        Self { url, qr }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: Option<String>,
}

fn notice(t: &'static Texts, done: &Done) -> Option<&'static str> {
    done.done.as_deref().map(|code| if code == "imported" { t.ics_done } else { t.saved_notice })
}

async fn list(State(state): State<AppState>, AdminPage(shell): AdminPage, Query(q): Query<Done>) -> Response {
    let notice = notice(shell.t, &q);
    let form = RoomForm::new_room();
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

async fn create(State(state): State<AppState>, AdminForm(shell, fields): AdminForm<Vec<(String, String)>>) -> Response {
    let form = RoomForm::read(&Fields(fields));
    let t = shell.t;
    let parsed =
        form.hours(t).and_then(|hours| Ok((hours, form.no_show(t, &RulesOverride::default())?, form.kind(t)?)));
    let (bookable_hours, rules, kind) = match parsed {
        Ok(parsed) => parsed,
        Err(problem) => {
            return rooms_page(&state, shell, None, vec![problem], form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let input = NewRoom {
        name: form.name.clone(),
        capacity: form.capacity.trim().parse().unwrap_or(0),
        location: Some(form.location.clone()).filter(|l| !l.trim().is_empty()),
        equipment: form.equipment_tags(),
        kind,
        max_meetings: form.max_meetings(),
        video_link: Some(form.video_link.clone()),
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

/// An existing room's form: its kind is shown, not chosen.
fn fixed(form: RoomForm) -> RoomForm {
    RoomForm { kind_fixed: true, ..form }
}

fn room_id(raw: &str) -> Option<RoomId> {
    raw.parse::<RoomId>().ok()
}

async fn edit(
    State(state): State<AppState>,
    AdminPage(shell): AdminPage,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    let room = match room_id(&id) {
        Some(id) => rooms::get_room(state.store(), &shell.ctx(), id).await,
        None => Err(sala_app::AppError::NotFound { what: "room" }),
    };
    match room {
        Ok(room) => {
            // A link just made travels here as a secret shown once, labelled with its room.
            let (secret, forget) = super::take_secret(&state, &headers);
            let (kiosk_label, feed_label) = (room.id.to_string(), feed_label(room.id));
            let new_kiosk = secret.as_ref().filter(|(label, _)| *label == kiosk_label).map(|(_, url)| url.clone());
            let new_feed = secret.filter(|(label, _)| *label == feed_label).map(|(_, url)| url);
            let notice = if new_kiosk.is_some() || new_feed.is_some() { None } else { notice(shell.t, &q) };
            let form = RoomForm::of(&room);
            let new_kiosk = new_kiosk.map(NewKioskLink::of);
            let response = room_page(&state, shell, room, notice, Vec::new(), form, (new_kiosk, new_feed)).await;
            crate::web::with_cookie(response, forget)
        }
        Err(err) => show_error(shell.t, &err),
    }
}

async fn room_page(
    state: &AppState,
    shell: Shell,
    room: Room,
    notice: Option<&'static str>,
    problems: Vec<String>,
    form: RoomForm,
    (new_kiosk, new_feed): (Option<NewKioskLink>, Option<String>),
) -> Response {
    let kiosk = match kiosks::kiosk_link(state.store(), &shell.ctx(), room.id).await {
        Ok(kiosk) => Some(kiosk),
        Err(sala_app::AppError::NotFound { .. }) => None,
        Err(err) => return show_error(shell.t, &err),
    };
    let zone = shell.zone();
    let kiosk_since = kiosk.and_then(|k| zoned(k.created_at, &zone)).map(|z| z.strftime("%Y-%m-%d %H:%M").to_string());
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page =
        RoomPage { t: shell.t, shell, tab: Tab::Rooms, notice, problems, room, form, kiosk_since, new_kiosk, new_feed };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, fields): AdminForm<Vec<(String, String)>>,
) -> Response {
    let form = RoomForm::read(&Fields(fields));
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
    let parsed = form.hours(t).and_then(|hours| Ok((hours, form.no_show(t, &room.rules)?, form.kind(t)?)));
    let (hours, rules, kind) = match parsed {
        Ok(parsed) => parsed,
        Err(problem) => return room_page(&state, shell, room, None, vec![problem], fixed(form), (None, None)).await,
    };
    let changes = RoomChanges {
        name: Some(form.name.clone()),
        capacity: Some(form.capacity.trim().parse().unwrap_or(0)),
        location: Some(form.location.clone()),
        equipment: Some(form.equipment_tags()),
        kind,
        max_meetings: (room.kind == RoomKind::Virtual).then(|| form.max_meetings()),
        video_link: (room.kind == RoomKind::Virtual).then(|| form.video_link.clone()),
        google_calendar: Some(form.google_calendar.clone()),
        clear_bookable_hours: hours.is_none(),
        bookable_hours: hours,
        rules: Some(rules),
        ..RoomChanges::default()
    };
    match rooms::update_room(state.store(), &ctx, room.id, changes).await {
        Ok(room) => done(&format!("/admin/rooms/{}", room.id), "saved"),
        Err(err) => match problems(t, &err) {
            Some(problems) => room_page(&state, shell, room, None, problems, fixed(form), (None, None)).await,
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
    Path(id): Path<String>,
    AdminForm(shell, form): AdminForm<ActiveForm>,
) -> Response {
    let Some(id) = room_id(&id) else {
        return show_error(shell.t, &sala_app::AppError::NotFound { what: "room" });
    };
    let changes = RoomChanges { active: Some(form.active == "true"), ..RoomChanges::default() };
    match rooms::update_room(state.store(), &shell.ctx(), id, changes).await {
        Ok(_) => done(&format!("/admin/rooms/{id}"), "saved"),
        Err(err) => show_error(shell.t, &err),
    }
}

/// Makes the room's kiosk link (replacing any earlier one) and shows it once on the room's page.
async fn make_kiosk_link(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, _): AdminForm<Button>,
) -> PageResult {
    let id: RoomId = id_from(shell.t, &id, "room")?;
    let created = kiosks::create_kiosk_link(state.store(), &shell.ctx(), id).await.or_page(shell.t)?;
    let url = created.url(&state.settings.base_url);
    Ok(super::redirect_with_secret(&state, &format!("/admin/rooms/{id}"), &id.to_string(), &url))
}

/// Removes the room's kiosk link: it stops working at once (removing it twice is no error).
async fn remove_kiosk_link(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, _): AdminForm<Button>,
) -> PageResult {
    let id: RoomId = id_from(shell.t, &id, "room")?;
    match kiosks::remove_kiosk_link(state.store(), &shell.ctx(), id).await {
        Ok(()) | Err(sala_app::AppError::NotFound { what: "kiosk link" }) => {
            Ok(done(&format!("/admin/rooms/{id}"), "saved"))
        }
        Err(err) => Err(PageError::app(shell.t, err)),
    }
}

/// The label under which a room feed's new URL travels to the room's page.
fn feed_label(room: RoomId) -> String {
    format!("feed:{room}")
}

/// Makes a calendar feed of the room (the admin's own, listed and revoked on their account page)
/// and shows its URL once on the room's page.
async fn make_room_feed(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, _): AdminForm<Button>,
) -> PageResult {
    let id: RoomId = id_from(shell.t, &id, "room")?;
    let input = sala_app::feeds::NewFeed { scope: "room".to_owned(), room_id: Some(id) };
    let created = sala_app::feeds::create_feed(state.store(), &shell.ctx(), input).await.or_page(shell.t)?;
    let url = created.url(&state.settings.base_url);
    Ok(super::redirect_with_secret(&state, &format!("/admin/rooms/{id}"), &feed_label(id), &url))
}

impl RoomsPage {
    pub fn is_virtual(room: &Room) -> bool {
        room.kind == RoomKind::Virtual
    }
}
