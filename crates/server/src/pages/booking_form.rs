//! `/bookings/new` and `/bookings/{id}/edit`: the booking form. Times are the person's wall clock
//! in their zone; guests are addresses separated by commas or lines. The form works without
//! JavaScript: a refused booking comes back with every field as typed, each problem next to its
//! field, and for a taken slot the room's next free slots and other free rooms with enough seats.

use super::booking_problems::explain;
use super::error::{PageError, PageResult, id_from};
use super::form::PageForm;
use super::meet::{self, MeetAccess};
use super::shell::{Nav, Page, Shell};
use super::{render, show_error};
use crate::i18n::Texts;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sala_app::AppError;
use sala_app::bookings::{
    AttendeeInput, BookingChanges, ConflictPolicy, NewBooking, Scope, Suggestions, create_booking, edit_booking,
    first_free_slot, get_booking, suggestions,
};
use sala_domain::dates::{local_instant, zoned};
use sala_domain::notify::ReminderSettings;
use sala_domain::tenant::CalendarService;
use sala_domain::{Booking, BookingId, Frequency, Locale, Millis, MonthlyBy, Recurrence, Room, RoomId, TimeRange};
use serde::Deserialize;

/// What the form holds, as typed (or prefilled).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BookingForm {
    pub csrf: String,
    pub room_id: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// `HH:MM`
    pub start: String,
    pub end: String,
    pub title: String,
    pub description: String,
    pub guests: String,
    pub google_meet: Option<String>,
    pub repeat: Option<String>,
    /// How often: `weekly` (the default), `biweekly`, `every4weeks`, `daily`, `weekdays`.
    pub repeat_every: String,
    pub repeat_count: String,
    pub repeat_until: String,
    /// A weekly series leaves out the dates the room is taken instead of refusing them all.
    pub repeat_skip: Option<String>,
    /// An admin booking for someone else: their email; empty: the admin themself.
    pub organizer: String,
    /// This meeting's reminder: empty (as usual), `none`, or minutes before.
    pub reminder: String,
    /// Edit of a series occurrence: `this` or `following`.
    pub scope: Option<String>,
    /// Edit: the version the form was made from.
    pub version: Option<String>,
    /// Opened from a link that chose the room and time (the timeline's free slot, a finder's
    /// room), so the title is what is left to type.
    #[serde(skip)]
    pub from_link: bool,
}

/// A prefill from a link: the timeline's free slot (`room`, `start` = `YYYY-MM-DDTHH:MM`) or a
/// suggestion (with `end` and the rest of what was typed).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Prefill {
    room: Option<String>,
    start: Option<String>,
    end: Option<String>,
    title: Option<String>,
    description: Option<String>,
    guests: Option<String>,
    meet: Option<String>,
    repeat: Option<String>,
    repeat_every: Option<String>,
    repeat_count: Option<String>,
    repeat_until: Option<String>,
    repeat_skip: Option<String>,
    reminder: Option<String>,
    organizer: Option<String>,
}

/// A suggestion to take instead of a taken slot: a link that fills the form in again.
pub struct Alternative {
    pub label: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "app/booking_form.html")]
pub struct FormPage {
    pub t: &'static Texts,
    pub shell: Shell,
    /// `Some` when editing this booking.
    pub editing: Option<BookingId>,
    /// Editing an occurrence of a series: offer "this and following".
    pub in_series: bool,
    pub form: BookingForm,
    pub rooms: Vec<Room>,
    pub errors: Vec<(String, String)>,
    /// Taken: the next free slots, and other free rooms.
    pub conflict: Option<(Vec<Alternative>, Vec<Alternative>)>,
    /// Whether a Meet link can come for the organizer.
    pub meet: MeetAccess,
    /// The reader is the organizer and has not connected their calendar: where to connect.
    pub meet_connect_href: Option<String>,
}

impl FormPage {
    /// The problem with `field`, if any.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// The ids of the problems a date or time field is described by: its own, and the one
    /// under the date and times as a whole (a rule's).
    pub fn time_problems(&self, field: &str) -> Option<String> {
        let ids: Vec<String> =
            [field, "when"].into_iter().filter(|f| self.error(f).is_some()).map(|f| format!("{f}-error")).collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    /// Where the error summary links a problem to: the field to fix (`None`: the form as a whole).
    pub fn anchor(field: &str) -> Option<&str> {
        match field {
            "form" => None,
            "when" => Some("date"),
            other => Some(other),
        }
    }

    pub fn checked(value: &Option<String>) -> bool {
        value.as_deref().is_some_and(|v| !v.is_empty())
    }

    /// The online-meeting box's label: Teams where the organization lives in Microsoft 365.
    pub fn meeting_label(&self) -> &'static str {
        match self.shell.tenant.calendar_service {
            CalendarService::Microsoft => self.t.teams_meeting,
            CalendarService::Google => self.t.google_meet,
        }
    }

    /// The Meet box shows where a link can come, and stays on a booking that already asked for one.
    pub fn offers_meet(&self) -> bool {
        self.meet != MeetAccess::Unavailable || Self::checked(&self.form.google_meet)
    }

    /// A new booking whose room and time came from a link (the timeline's free slot, the
    /// finder): the title is what is left to type, so it takes focus.
    pub fn focus_title(&self) -> bool {
        self.editing.is_none()
            && self.errors.is_empty()
            && self.conflict.is_none()
            && self.form.from_link
            && self.form.title.is_empty()
    }

    /// Admins may book a new meeting for someone else (as the API allows).
    pub fn books_for_others(&self) -> bool {
        self.editing.is_none() && self.shell.user.is_admin()
    }

    /// The choices of how often to repeat: `(value, words, chosen)`.
    pub fn repeat_choices(&self) -> Vec<(&'static str, String, bool)> {
        repeat_choices(self.shell.locale, &self.form)
    }

    pub fn scope_following(&self) -> bool {
        self.form.scope.as_deref() == Some("following")
    }

    /// The reminder choices: `(value, label)`, the current one included if it is unusual.
    pub fn reminder_options(&self) -> Vec<(String, String)> {
        let mut values = vec!["", "15", "60", "1440", "none"];
        if !values.contains(&self.form.reminder.as_str()) {
            values.push(&self.form.reminder);
        }
        values.into_iter().map(|v| (v.to_owned(), reminder_label(self.t, v))).collect()
    }
}

/// The reminder chosen in the form for this meeting, on the organization's channels; `None`: as
/// usual (the organization's and each person's).
fn chosen_reminders(form: &BookingForm, shell: &Shell) -> Result<Option<ReminderSettings>, String> {
    let channels = &shell.tenant.reminders;
    let with = |minutes_before: Vec<u32>| ReminderSettings { minutes_before, ..channels.clone() };
    match form.reminder.trim() {
        "" => Ok(None),
        "none" => Ok(Some(with(Vec::new()))),
        minutes => minutes.parse::<u32>().map(|m| Some(with(vec![m]))).map_err(|_| shell.t.err_numbers.to_owned()),
    }
}

/// A reminder choice as the reader says it: "1 hora antes", "Sin recordatorio"...
pub(super) fn reminder_label(t: &Texts, value: &str) -> String {
    match value {
        "" => t.reminder_default.to_owned(),
        "none" => t.reminder_none.to_owned(),
        "60" => t.reminder_hour.to_owned(),
        "1440" => t.reminder_day.to_owned(),
        minutes => format!("{minutes} {}", t.minutes_before),
    }
}

/// The form's value for a booking's own reminders.
pub(super) fn reminder_value(reminders: Option<&ReminderSettings>) -> String {
    match reminders {
        None => String::new(),
        Some(r) if r.minutes_before.is_empty() => "none".to_owned(),
        Some(r) => r.minutes_before.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bookings/new", get(new_page).post(new_post))
        .route("/bookings/{id}/edit", get(edit_page).post(edit_post))
}

async fn new_page(State(state): State<AppState>, Page(shell): Page, Query(prefill): Query<Prefill>) -> Response {
    new_form(&state, shell.at(Nav::NewBooking), prefill).await
}

async fn new_post(State(state): State<AppState>, PageForm(shell, form): PageForm<BookingForm>) -> Response {
    create(&state, shell.at(Nav::NewBooking), form).await
}

async fn edit_page(
    State(state): State<AppState>,
    Page(shell): Page,
    Path(id): Path<String>,
    Query(prefill): Query<Prefill>,
) -> PageResult {
    let id = id_from(shell.t, &id, "booking")?;
    Ok(edit_form(&state, shell, id, prefill).await)
}

async fn edit_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(shell, form): PageForm<BookingForm>,
) -> PageResult {
    let id = id_from(shell.t, &id, "booking")?;
    Ok(update(&state, shell, id, form).await)
}

async fn new_form(state: &AppState, shell: Shell, prefill: Prefill) -> Response {
    let zone = shell.zone();
    let from_link = prefill.room.is_some() && prefill.start.is_some();
    let mut prefill = prefill;
    // Nothing chosen yet: the first slot some room can take, in the smallest room that fits.
    if prefill.room.is_none() && prefill.start.is_none() {
        let first = first_free_slot(state.store(), state.outside_busy(), &shell.ctx(), 1).await.ok().flatten();
        if let Some((room, slot)) = first {
            let hm = |ms: Millis| zoned(ms, &zone).map(|z| z.strftime("%H:%M").to_string()).unwrap_or_default();
            let date = zoned(slot.start, &zone).map(|z| z.date().to_string()).unwrap_or_default();
            prefill.room = Some(room.id.to_string());
            prefill.start = Some(format!("{date}T{}", hm(slot.start)));
            prefill.end = Some(hm(slot.end));
        }
    }
    let (date, start) = prefill
        .start
        .as_deref()
        .and_then(|s| s.split_once('T'))
        .map(|(d, t)| (d.to_owned(), t.chars().take(5).collect::<String>()))
        .unwrap_or_else(|| next_half_hour(&zone));
    let end = prefill.end.clone().unwrap_or_else(|| plus_an_hour(&start));
    let form = BookingForm {
        room_id: prefill.room.unwrap_or_default(),
        date,
        start,
        end,
        title: prefill.title.unwrap_or_default(),
        description: prefill.description.unwrap_or_default(),
        guests: prefill.guests.unwrap_or_default(),
        google_meet: prefill.meet,
        repeat: prefill.repeat,
        repeat_every: prefill.repeat_every.unwrap_or_default(),
        repeat_count: prefill.repeat_count.unwrap_or_default(),
        repeat_until: prefill.repeat_until.unwrap_or_default(),
        repeat_skip: prefill.repeat_skip,
        reminder: prefill.reminder.unwrap_or_default(),
        organizer: prefill.organizer.unwrap_or_default(),
        from_link,
        ..BookingForm::default()
    };
    page(state, shell, None, false, form, Vec::new(), None, StatusCode::OK).await
}

async fn create(state: &AppState, shell: Shell, form: BookingForm) -> Response {
    let input = match booking_input(&shell, &form) {
        Ok(input) => input,
        Err(errors) => {
            return page(state, shell, None, false, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (room_id, time) = (input.room_id, TimeRange { start: input.start, end: input.end });
    match create_booking(state.store(), state.outside_busy(), &shell.ctx(), input).await {
        Ok(created) => match created.bookings.first() {
            Some(b) => Redirect::to(&created_href(b.id, &created.skipped)).into_response(),
            None => show_error(shell.t, &AppError::NotFound { what: "booking" }),
        },
        Err(err) => refused(state, shell, None, false, form, err, room_id, time).await,
    }
}

/// The form as a new booking, read exactly as a submit reads it (the live check reads it so
/// too); or each field's problem.
pub(super) fn booking_input(shell: &Shell, form: &BookingForm) -> Result<NewBooking, Vec<(String, String)>> {
    let t = shell.t;
    let (time, mut errors) = read_time(t, shell, form);
    let room_id = form.room_id.parse::<RoomId>().ok();
    if room_id.is_none() {
        errors.push(("room_id".into(), t.err_room.into()));
    }
    let recurrence = recurrence(t, form).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let reminders = chosen_reminders(form, shell).unwrap_or_else(|e| {
        errors.push(("reminder".into(), e));
        None
    });
    let (Some(time), Some(room_id), true) = (time, room_id, errors.is_empty()) else { return Err(errors) };
    Ok(NewBooking {
        room_id,
        title: form.title.clone(),
        description: Some(form.description.clone()).filter(|d| !d.trim().is_empty()),
        start: time.start,
        end: time.end,
        time_zone: Some(shell.zone()),
        attendees: guests(&form.guests),
        google_meet: FormPage::checked(&form.google_meet),
        recurrence,
        on_conflict: if FormPage::checked(&form.repeat_skip) { ConflictPolicy::Skip } else { ConflictPolicy::Fail },
        organizer: Some(form.organizer.trim().to_owned()).filter(|o| !o.is_empty() && shell.user.is_admin()),
        reminders,
        ..NewBooking::default()
    })
}

/// The new booking's page, naming the dates a series left out (their starts, in milliseconds;
/// the page only shows them).
fn created_href(id: BookingId, skipped: &[sala_app::bookings::Skipped]) -> String {
    let starts: Vec<String> = skipped
        .iter()
        .filter_map(|c| c.requested_start.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_millisecond().to_string())
        .collect();
    if starts.is_empty() {
        format!("/bookings/{id}?done=created")
    } else {
        format!("/bookings/{id}?done=created&skipped={}", starts.join(","))
    }
}

async fn edit_form(state: &AppState, shell: Shell, id: BookingId, prefill: Prefill) -> Response {
    let ctx = shell.ctx();
    let booking = match get_booking(state.store(), &ctx, id).await {
        Ok(b) => b,
        Err(err) => return show_error(shell.t, &err),
    };
    if !may_edit(&shell, &booking) {
        return PageError::forbidden(shell.t).into_response();
    }
    let zone = shell.zone();
    let at = |ms: Millis| zoned(ms, &zone);
    let (Some(start), Some(end)) = (at(booking.time.start), at(booking.time.end)) else {
        return show_error(shell.t, &AppError::NotFound { what: "booking" });
    };
    let mut form = BookingForm {
        room_id: prefill.room.unwrap_or_else(|| booking.room_id.to_string()),
        date: start.date().to_string(),
        start: start.strftime("%H:%M").to_string(),
        end: end.strftime("%H:%M").to_string(),
        title: booking.title.clone(),
        description: booking.description.clone().unwrap_or_default(),
        guests: booking.attendees.iter().map(|a| a.email.to_string()).collect::<Vec<_>>().join(", "),
        google_meet: booking.google_meet.then(|| "on".to_owned()),
        version: Some(booking.version.to_string()),
        reminder: reminder_value(booking.reminders.as_ref()),
        ..BookingForm::default()
    };
    if let Some((date, time)) = prefill.start.as_deref().and_then(|s| s.split_once('T')) {
        form.date = date.to_owned();
        form.start = time.chars().take(5).collect();
        form.end = prefill.end.unwrap_or_else(|| plus_an_hour(&form.start));
    }
    let in_series = booking.series_id.is_some();
    page(state, shell, Some(id), in_series, form, Vec::new(), None, StatusCode::OK).await
}

async fn update(state: &AppState, shell: Shell, id: BookingId, form: BookingForm) -> Response {
    let ctx = shell.ctx();
    let t = shell.t;
    let booking = match get_booking(state.store(), &ctx, id).await {
        Ok(b) => b,
        Err(err) => return show_error(t, &err),
    };
    let in_series = booking.series_id.is_some();
    let (time, mut errors) = read_time(t, &shell, &form);
    let room_id = form.room_id.parse::<RoomId>().ok();
    if room_id.is_none() {
        errors.push(("room_id".into(), t.err_room.into()));
    }
    let reminders = chosen_reminders(&form, &shell).unwrap_or_else(|e| {
        errors.push(("reminder".into(), e));
        None
    });
    let (Some(time), Some(room_id), true) = (time, room_id, errors.is_empty()) else {
        return page(state, shell, Some(id), in_series, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let changes = BookingChanges {
        room_id: Some(room_id),
        title: Some(form.title.clone()),
        description: Some(form.description.clone()),
        start: Some(time.start),
        end: Some(time.end),
        attendees: Some(guests(&form.guests)),
        google_meet: Some(FormPage::checked(&form.google_meet)),
        reminders: Some(reminders),
        ..BookingChanges::default()
    };
    let scope = if form.scope.as_deref() == Some("following") { Scope::ThisAndFollowing } else { Scope::This };
    let version = form.version.as_deref().and_then(|v| v.trim().parse().ok());
    match edit_booking(state.store(), state.outside_busy(), &ctx, id, changes, version, scope).await {
        Ok(_) => Redirect::to(&format!("/bookings/{id}?done=updated")).into_response(),
        Err(err) => refused(state, shell, Some(id), in_series, form, err, room_id, time).await,
    }
}

/// Organizers and admins edit; guests only look.
fn may_edit(shell: &Shell, booking: &Booking) -> bool {
    booking.organizer_id == shell.user.id || shell.user.is_admin()
}

/// The form again after the use case refused it: its field problems in the reader's language, or
/// for a taken slot, what is free instead.
#[expect(clippy::too_many_arguments, reason = "the refused form is made of all of these")]
async fn refused(
    state: &AppState,
    shell: Shell,
    editing: Option<BookingId>,
    in_series: bool,
    form: BookingForm,
    err: AppError,
    room_id: RoomId,
    time: TimeRange,
) -> Response {
    let t = shell.t;
    match err {
        AppError::Invalid(fields) => {
            let room = sala_app::rooms::get_room(state.store(), &shell.ctx(), room_id).await.ok();
            let people = guests(&form.guests).len() + 1;
            let errors = fields
                .iter()
                .map(|f| (form_field(&f.field).to_owned(), explain(&shell, room.as_ref(), people, f)))
                .collect();
            page(state, shell, editing, in_series, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        AppError::BookingConflict(conflicts) if editing.is_none() && FormPage::checked(&form.repeat) => {
            // A series: name the taken dates and offer to leave them out.
            let starts: Vec<Millis> = conflicts
                .iter()
                .filter_map(|c| c.requested_start.parse::<jiff::Timestamp>().ok())
                .map(|t| t.as_millisecond())
                .collect();
            let taken = sala_domain::dates::dates(shell.locale, &starts, &shell.zone());
            let errors = vec![("repeat_count".to_owned(), t.err_series_taken.replace("{dates}", &taken))];
            page(state, shell, editing, in_series, form, errors, None, StatusCode::CONFLICT).await
        }
        AppError::BookingConflict(_) => {
            let seats = u32::try_from(guests(&form.guests).len() + 1).unwrap_or(u32::MAX);
            let found = suggestions(state.store(), state.outside_busy(), &shell.ctx(), room_id, time, seats, editing)
                .await
                .unwrap_or_default();
            let conflict = alternatives(&shell, editing, &form, &found);
            page(state, shell, editing, in_series, form, Vec::new(), Some(conflict), StatusCode::CONFLICT).await
        }
        AppError::PreconditionFailed { .. } => {
            let errors = vec![("form".to_owned(), t.err_changed.to_owned())];
            page(state, shell, editing, in_series, form, errors, None, StatusCode::PRECONDITION_FAILED).await
        }
        other => show_error(t, &other),
    }
}

/// The suggestions as links that fill the form in again with everything else as typed.
pub(super) fn alternatives(
    shell: &Shell,
    editing: Option<BookingId>,
    form: &BookingForm,
    found: &Suggestions,
) -> (Vec<Alternative>, Vec<Alternative>) {
    let zone = shell.zone();
    let base = match editing {
        Some(id) => format!("/bookings/{id}/edit"),
        None => "/bookings/new".to_owned(),
    };
    let link = |room: &str, start: &str, end: &str| {
        let mut query = vec![("room", room.to_owned()), ("start", start.to_owned()), ("end", end.to_owned())];
        if editing.is_none() {
            query.extend(
                [
                    ("title", &form.title),
                    ("description", &form.description),
                    ("guests", &form.guests),
                    ("repeat_every", &form.repeat_every),
                    ("repeat_count", &form.repeat_count),
                    ("repeat_until", &form.repeat_until),
                    ("reminder", &form.reminder),
                    ("organizer", &form.organizer),
                ]
                .into_iter()
                .filter(|(_, value)| !value.trim().is_empty())
                .map(|(name, value)| (name, value.clone())),
            );
            let boxes = [("meet", &form.google_meet), ("repeat", &form.repeat), ("repeat_skip", &form.repeat_skip)];
            query
                .extend(boxes.into_iter().filter(|(_, on)| FormPage::checked(on)).map(|(name, _)| (name, "on".into())));
        }
        let encoded: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
        format!("{base}?{encoded}")
    };
    let hm = |ms: Millis| zoned(ms, &zone).map(|z| z.strftime("%H:%M").to_string()).unwrap_or_default();
    let date = |ms: Millis| zoned(ms, &zone).map(|z| z.date().to_string()).unwrap_or_default();
    let slots = found
        .slots
        .iter()
        .map(|s| {
            // A slot on another day (the wanted one has passed or is closed) names its day.
            let day = (date(s.start) != form.date).then(|| zoned(s.start, &zone)).flatten();
            let on = day.map(|z| format!("{}, ", sala_domain::dates::day(shell.locale, &z))).unwrap_or_default();
            Alternative {
                label: format!("{on}{}–{}", hm(s.start), hm(s.end)),
                href: link(&form.room_id, &format!("{}T{}", date(s.start), hm(s.start)), &hm(s.end)),
            }
        })
        .collect();
    let (room_start, room_end) = match found.rooms_at {
        Some(at) => (format!("{}T{}", date(at.start), hm(at.start)), hm(at.end)),
        None => (format!("{}T{}", form.date, form.start), form.end.clone()),
    };
    let rooms = found
        .rooms
        .iter()
        .map(|r| Alternative {
            label: format!("{} ({} {})", r.name, r.capacity, shell.t.seats),
            href: link(&r.id.to_string(), &room_start, &room_end),
        })
        .collect();
    (slots, rooms)
}

#[expect(clippy::too_many_arguments, reason = "one page is made of all of these")]
async fn page(
    state: &AppState,
    shell: Shell,
    editing: Option<BookingId>,
    in_series: bool,
    form: BookingForm,
    errors: Vec<(String, String)>,
    conflict: Option<(Vec<Alternative>, Vec<Alternative>)>,
    status: StatusCode,
) -> Response {
    let rooms = match sala_app::rooms::list_rooms(state.store(), &shell.ctx(), false).await {
        Ok(rooms) => rooms,
        Err(err) => return show_error(shell.t, &err),
    };
    let (meet, meet_connect_href) = match meet_offer(state, &shell, editing).await {
        Ok(offer) => offer,
        Err(err) => return show_error(shell.t, &err),
    };
    let mut shell = shell;
    shell.nav = if editing.is_none() { Some(Nav::NewBooking) } else { None };
    let page =
        FormPage { t: shell.t, shell, editing, in_series, form, rooms, errors, conflict, meet, meet_connect_href };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

/// Whether a Meet link can come for the booking's organizer (the reader, for a new booking), and
/// where the reader connects their calendar when it is theirs to connect.
async fn meet_offer(
    state: &AppState,
    shell: &Shell,
    editing: Option<BookingId>,
) -> Result<(MeetAccess, Option<String>), AppError> {
    let organizer = match editing {
        Some(id) => get_booking(state.store(), &shell.ctx(), id).await?.organizer_id,
        None => shell.user.id,
    };
    let access = meet::access(state, shell.ctx().tenant_id(), organizer).await?;
    let back = match editing {
        Some(id) => format!("/bookings/{id}/edit"),
        None => "/bookings/new?meet=on".to_owned(),
    };
    let href = (access == MeetAccess::NeedsConnect && organizer == shell.user.id).then(|| meet::connect_href(&back));
    Ok((access, href))
}

/// The start and end the form names, on the person's wall clock; or what is wrong with them.
pub(super) fn read_time(t: &Texts, shell: &Shell, form: &BookingForm) -> (Option<TimeRange>, Vec<(String, String)>) {
    let mut errors = Vec::new();
    let date = form.date.trim().parse::<jiff::civil::Date>().ok();
    if date.is_none() {
        errors.push(("date".into(), t.err_date.into()));
    }
    let clock = |raw: &str, field: &str, errors: &mut Vec<(String, String)>| {
        let parsed = jiff::civil::Time::strptime("%H:%M", raw.trim()).ok();
        if parsed.is_none() {
            errors.push((field.to_owned(), t.err_time.to_owned()));
        }
        parsed
    };
    let start = clock(&form.start, "start", &mut errors);
    let end = clock(&form.end, "end", &mut errors);
    let zone = shell.zone();
    let (Some(date), Some(start), Some(end)) = (date, start, end) else { return (None, errors) };
    let (Some(from), Some(to)) = (local_instant(date, start, &zone), local_instant(date, end, &zone)) else {
        errors.push(("start".into(), t.err_time.into()));
        return (None, errors);
    };
    if to <= from {
        errors.push(("end".into(), t.err_end_before_start.into()));
        return (None, errors);
    }
    (Some(TimeRange { start: from, end: to }), errors)
}

/// How often a series may repeat, as the form offers it: `(value, frequency, interval, by)`.
const REPEATS: [(&str, Frequency, u32, Option<MonthlyBy>); 8] = [
    ("weekly", Frequency::Weekly, 1, None),
    ("biweekly", Frequency::Weekly, 2, None),
    ("every4weeks", Frequency::Weekly, 4, None),
    ("daily", Frequency::Daily, 1, None),
    ("weekdays", Frequency::Weekdays, 1, None),
    ("monthly", Frequency::Monthly, 1, Some(MonthlyBy::DayOfMonth)),
    ("monthly_weekday", Frequency::Monthly, 1, Some(MonthlyBy::Weekday)),
    ("monthly_last", Frequency::Monthly, 1, Some(MonthlyBy::LastWeekday)),
];

/// The choices of how often to repeat for the form's date: `(value, words, chosen)`. A monthly
/// choice names its day ("cada mes el segundo martes"); "the last Tuesday" is offered only when
/// the date is its month's last Tuesday (or it is already chosen).
pub(super) fn repeat_choices(locale: Locale, form: &BookingForm) -> Vec<(&'static str, String, bool)> {
    let chosen = if form.repeat_every.trim().is_empty() { "weekly" } else { form.repeat_every.trim() };
    let date = form
        .date
        .trim()
        .parse::<jiff::civil::Date>()
        .unwrap_or_else(|_| jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date());
    REPEATS
        .into_iter()
        .filter(|(value, _, _, by)| {
            *by != Some(MonthlyBy::LastWeekday)
                || *value == chosen
                || sala_domain::recurrence::is_last_of_its_weekday(date)
        })
        .map(|(value, frequency, interval, by)| {
            let rule = Recurrence { frequency, interval, count: None, until: None, by };
            (value, sala_domain::dates::every(locale, &rule, date), value == chosen)
        })
        .collect()
}

/// "Repeat" as a rule: how often (weekly unless chosen), and a count or an end date.
fn recurrence(t: &Texts, form: &BookingForm) -> Result<Option<Recurrence>, (String, String)> {
    if !FormPage::checked(&form.repeat) {
        return Ok(None);
    }
    let every = match form.repeat_every.trim() {
        "" => Some(REPEATS[0]),
        chosen => REPEATS.into_iter().find(|(value, _, _, _)| *value == chosen),
    };
    let Some((_, frequency, interval, by)) = every else { return Err(("repeat_count".into(), t.err_count.into())) };
    let count = form.repeat_count.trim().parse::<u32>().ok().filter(|c| (2..=156).contains(c));
    let until = form.repeat_until.trim().parse::<jiff::civil::Date>().ok();
    if count.is_none() && until.is_none() {
        return Err(("repeat_count".into(), t.err_count.into()));
    }
    let until = if count.is_some() { None } else { until };
    Ok(Some(Recurrence { frequency, interval, count, until, by }))
}

/// Guests as typed: addresses separated by commas, semicolons, spaces or lines.
pub(super) fn guests(raw: &str) -> Vec<AttendeeInput> {
    raw.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|email| AttendeeInput { email: email.to_owned(), name: None })
        .collect()
}

/// The form field a use-case field error belongs to.
pub(super) fn form_field(field: &str) -> &str {
    if field.starts_with("attendees") {
        "guests"
    } else {
        match field {
            // A rule's problem is with the time as a whole: it goes under the date and times.
            "start" => "when",
            "room_id" | "title" | "description" | "end" | "date" => field,
            "recurrence" | "recurrence.count" | "recurrence.until" => "repeat_count",
            "reminders" => "reminder",
            "organizer" => "organizer",
            _ => "form",
        }
    }
}

/// The next half hour on the person's clock, for a new form with nothing chosen.
fn next_half_hour(zone: &sala_domain::TimeZoneName) -> (String, String) {
    let half = 30 * 60_000;
    let next = (sala_domain::now_millis() / half + 1) * half;
    zoned(next, zone)
        .map(|z| (z.date().to_string(), z.strftime("%H:%M").to_string()))
        .unwrap_or_else(|| (String::new(), "09:00".to_owned()))
}

fn plus_an_hour(start: &str) -> String {
    jiff::civil::Time::strptime("%H:%M", start)
        .ok()
        .and_then(|t| t.checked_add(jiff::SignedDuration::from_hours(1)).ok())
        .map(|t| t.strftime("%H:%M").to_string())
        .unwrap_or_default()
}
