//! `GET /bookings/check`: what the booking form's script asks while a person fills it in. The
//! whole form is read as a submit reads it and checked as a create checks it (rules, seats,
//! bookable hours, guests, every date of a series), without writing; the answer says why not,
//! in the reader's words, with the nearest slots and rooms that would do.

use super::booking_form::{Alternative, BookingForm, alternatives, booking_input, form_field, repeat_choices};
use super::booking_problems::{explain, seats};
use super::shell::{Page, Shell};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sala_app::bookings::{NewBooking, Preview, get_booking, other_free_room, preview_booking, suggestions};
use sala_app::{AppError, FieldError};
use sala_domain::{Booking, BookingId, ErrorCode, Room, TimeRange};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/bookings/check", get(check_form))
}

async fn check_form(State(state): State<AppState>, Page(shell): Page, Query(q): Query<CheckQuery>) -> Response {
    axum::Json(check(&state, &shell, q).await).into_response()
}

/// The form as the script sends it (everything but the CSRF token).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CheckQuery {
    #[serde(flatten)]
    form: BookingForm,
    /// Editing this booking: its own slot does not count as taken.
    except: Option<String>,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct CheckAnswer {
    /// `free`, `taken` (another meeting is there) or `invalid` (a rule or a field says no).
    state: &'static str,
    /// The headline: free, taken, or the first problem.
    message: String,
    /// Every problem, each with the field it belongs to (`when` for the date and times).
    problems: Vec<ProblemJson>,
    /// Accepted but worth knowing (more people than seats, with a video call).
    warnings: Vec<String>,
    /// A series: each date and whether it can be booked.
    dates: Vec<DateJson>,
    slots: Vec<AlternativeJson>,
    rooms: Vec<AlternativeJson>,
    /// How often the series may repeat, worded for the form's date ("cada mes el segundo martes").
    repeat_choices: Vec<ChoiceJson>,
}

#[derive(Debug, serde::Serialize)]
pub struct ChoiceJson {
    value: &'static str,
    label: String,
}

#[derive(Debug, serde::Serialize)]
pub struct ProblemJson {
    field: String,
    message: String,
}

#[derive(Debug, serde::Serialize)]
pub struct DateJson {
    label: String,
    /// `free`, `taken` or `invalid`.
    state: &'static str,
    /// Free, or why not.
    reason: String,
}

#[derive(Debug, serde::Serialize)]
pub struct AlternativeJson {
    label: String,
    href: String,
}

async fn check(state: &AppState, shell: &Shell, q: CheckQuery) -> CheckAnswer {
    let mut form = q.form;
    let except = q.except.as_deref().and_then(|e| e.parse::<BookingId>().ok());
    let editing = match except {
        Some(id) => get_booking(state.store(), &shell.ctx(), id).await.ok(),
        None => None,
    };
    if editing.is_some() {
        // An edit changes one meeting of its organizer's; it is not a new series.
        form.repeat = None;
        form.organizer = String::new();
    }
    let input = match booking_input(shell, &form) {
        // A title not typed yet is no reason to say the slot cannot be booked.
        Ok(input) if input.title.trim().is_empty() => NewBooking { title: shell.t.new_booking.to_owned(), ..input },
        Ok(input) => input,
        Err(errors) => return invalid(errors.into_iter().map(|(field, message)| problem(&field, message)).collect()),
    };
    let room = sala_app::rooms::get_room(state.store(), &shell.ctx(), input.room_id).await.ok();
    let people = input.attendees.len() + 1;
    let checked = preview_booking(state.store(), state.outside_busy(), &shell.ctx(), &input, editing.as_ref()).await;
    let mut answer = match checked {
        Ok(preview) => {
            let mut answer = answer_for(shell, room.as_ref(), people, &preview);
            rooms_for_taken_dates(state, shell, &input, &preview, &mut answer).await;
            answer
        }
        Err(AppError::Invalid(fields)) => {
            invalid(fields.iter().map(|f| problem(&f.field, explain(shell, room.as_ref(), people, f))).collect())
        }
        Err(other) => invalid(vec![problem("form", shell.t.refusal(other.code()).to_owned())]),
    };
    if answer.state != "free" && input.recurrence.is_none() {
        offer(state, shell, &form, &input, editing.as_ref(), &mut answer).await;
    }
    answer.repeat_choices =
        repeat_choices(shell.locale, &form).into_iter().map(|(value, label, _)| ChoiceJson { value, label }).collect();
    answer
}

/// The answer for a request that passed the checks of the request as a whole.
fn answer_for(shell: &Shell, room: Option<&Room>, people: usize, preview: &Preview) -> CheckAnswer {
    let t = shell.t;
    let mut warnings = match room {
        Some(room) if preview.warnings.iter().any(|w| w.code == ErrorCode::OverCapacity) => {
            vec![seats(shell, room, people, true)]
        }
        _ => Vec::new(),
    };
    if !preview.busy_guests.is_empty() {
        warnings.push(t.guests_busy.replace("{names}", &preview.busy_guests.join(", ")));
    }
    let reasons = |broken: &[FieldError]| broken.iter().map(|f| explain(shell, room, people, f)).collect::<Vec<_>>();
    if let [only] = preview.occurrences.as_slice() {
        return match (only.broken.is_empty(), &only.conflict) {
            (false, _) => CheckAnswer {
                warnings,
                ..invalid(reasons(&only.broken).into_iter().map(|m| problem("start", m)).collect())
            },
            (true, Some(_)) => {
                CheckAnswer { state: "taken", message: t.conflict_title.to_owned(), warnings, ..Default::default() }
            }
            (true, None) => {
                CheckAnswer { state: "free", message: t.slot_free.to_owned(), warnings, ..Default::default() }
            }
        };
    }
    let zone = shell.zone();
    let dates: Vec<DateJson> = preview
        .occurrences
        .iter()
        .map(|o| {
            let label = sala_domain::dates::when(shell.locale, o.time, &zone);
            match (reasons(&o.broken).into_iter().next(), &o.conflict) {
                (Some(reason), _) => DateJson { label, state: "invalid", reason },
                (None, Some(_)) => DateJson { label, state: "taken", reason: t.date_taken.to_owned() },
                (None, None) => DateJson { label, state: "free", reason: t.date_free.to_owned() },
            }
        })
        .collect();
    let count = dates.len().to_string();
    let not_free = dates.iter().filter(|d| d.state != "free").count();
    let (state, message) = if not_free == 0 {
        ("free", t.series_all_free.replace("{count}", &count))
    } else {
        let state = if dates.iter().any(|d| d.state == "invalid") { "invalid" } else { "taken" };
        (state, t.series_some_taken.replace("{taken}", &not_free.to_string()).replace("{count}", &count))
    };
    if !preview.months_skipped.is_empty() {
        warnings.push(
            t.months_skipped.replace("{months}", &sala_domain::dates::months(shell.locale, &preview.months_skipped)),
        );
    }
    CheckAnswer { state, message, warnings, dates, ..Default::default() }
}

/// A series' taken dates (the first few) each say which room is free then: once the series is
/// made, skipping them, the booking page offers that room for each.
async fn rooms_for_taken_dates(
    state: &AppState,
    shell: &Shell,
    input: &NewBooking,
    preview: &Preview,
    answer: &mut CheckAnswer,
) {
    const LOOKED_UP: usize = 12;
    let ctx = shell.ctx();
    let seats = u32::try_from(input.attendees.len() + 1).unwrap_or(u32::MAX);
    let taken = preview.occurrences.iter().zip(answer.dates.iter_mut()).filter(|(o, _)| o.conflict.is_some());
    for (occurrence, date) in taken.take(LOOKED_UP) {
        let found = other_free_room(state.store(), state.outside_busy(), &ctx, occurrence.time, seats, input.room_id);
        if let Ok(Some(room)) = found.await {
            date.reason = shell.t.date_taken_elsewhere.replace("{room}", &room.name);
        }
    }
}

/// The nearest slots in the room that can be booked, and other rooms that fit.
async fn offer(
    state: &AppState,
    shell: &Shell,
    form: &BookingForm,
    input: &NewBooking,
    editing: Option<&Booking>,
    answer: &mut CheckAnswer,
) {
    let time = TimeRange { start: input.start, end: input.end };
    let seats = u32::try_from(input.attendees.len() + 1).unwrap_or(u32::MAX);
    let except = editing.map(|b| b.id);
    let ctx = shell.ctx();
    let Ok(found) = suggestions(state.store(), state.outside_busy(), &ctx, input.room_id, time, seats, except).await
    else {
        return;
    };
    let (slots, rooms) = alternatives(shell, except, form, &found);
    let json =
        |list: Vec<Alternative>| list.into_iter().map(|a| AlternativeJson { label: a.label, href: a.href }).collect();
    answer.slots = json(slots);
    answer.rooms = json(rooms);
}

fn invalid(problems: Vec<ProblemJson>) -> CheckAnswer {
    let message = problems.first().map(|p| p.message.clone()).unwrap_or_default();
    CheckAnswer { state: "invalid", message, problems, ..Default::default() }
}

/// A problem on the form field it belongs to (`when`: the date and times as a whole).
fn problem(field: &str, message: String) -> ProblemJson {
    ProblemJson { field: form_field(field).to_owned(), message }
}
