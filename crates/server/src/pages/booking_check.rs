//! `GET /bookings/check`: what the booking form's script asks while a person picks a slot: is
//! it free? The same reading of the form and the same suggestions a submitted form gets, before
//! submitting.

use super::booking_form::{Alternative, BookingForm, alternatives, guests, read_time};
use super::error::message;
use super::shell::{Page, Shell};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sala_app::AppError;
use sala_app::bookings::suggestions;
use sala_domain::{BookingId, RoomId};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/bookings/check", get(check_slot))
}

async fn check_slot(State(state): State<AppState>, Page(shell): Page, Query(q): Query<CheckQuery>) -> Response {
    axum::Json(check(&state, &shell, q).await).into_response()
}

/// The slot the form holds, as the script sends it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CheckQuery {
    room_id: String,
    date: String,
    start: String,
    end: String,
    guests: String,
    /// Editing this booking: its own slot does not count as taken.
    except: Option<String>,
}

#[derive(serde::Serialize)]
pub struct CheckAnswer {
    /// `free`, `taken` or `invalid`.
    state: &'static str,
    message: String,
    slots: Vec<AlternativeJson>,
    rooms: Vec<AlternativeJson>,
}

#[derive(serde::Serialize)]
pub struct AlternativeJson {
    label: String,
    href: String,
}

async fn check(state: &AppState, shell: &Shell, q: CheckQuery) -> CheckAnswer {
    let t = shell.t;
    let form = BookingForm {
        room_id: q.room_id.clone(),
        date: q.date,
        start: q.start,
        end: q.end,
        guests: q.guests,
        ..BookingForm::default()
    };
    let (time, errors) = read_time(t, shell, &form);
    let room_id = form.room_id.parse::<RoomId>().ok();
    let (Some(time), Some(room_id)) = (time, room_id) else {
        let message = errors.first().map(|(_, m)| m.clone()).unwrap_or_else(|| t.err_room.to_owned());
        return CheckAnswer { state: "invalid", message, slots: Vec::new(), rooms: Vec::new() };
    };
    let except = q.except.as_deref().and_then(|e| e.parse::<BookingId>().ok());
    let ctx = shell.ctx();
    let window = sala_app::bookings::AvailabilityQuery { start: time.start, end: time.end, ..Default::default() };
    let taken = match sala_app::bookings::availability(state.store(), state.outside_busy(), &ctx, window).await {
        Ok(found) => found.rooms.iter().filter(|r| r.room.id == room_id).any(|r| !r.taken(except).is_empty()),
        Err(err) => {
            let message = match &err {
                AppError::Invalid(fields) => fields.first().map(|f| message(t, f)).unwrap_or_default(),
                other => t.refusal(other.code()).to_owned(),
            };
            return CheckAnswer { state: "invalid", message, slots: Vec::new(), rooms: Vec::new() };
        }
    };
    if !taken {
        return CheckAnswer { state: "free", message: t.slot_free.to_owned(), slots: Vec::new(), rooms: Vec::new() };
    }
    let seats = u32::try_from(guests(&form.guests).len() + 1).unwrap_or(u32::MAX);
    let found = suggestions(state.store(), state.outside_busy(), &ctx, room_id, time, seats, &shell.zone())
        .await
        .unwrap_or_default();
    let (slots, rooms) = alternatives(shell, except, &form, &found);
    let json =
        |list: Vec<Alternative>| list.into_iter().map(|a| AlternativeJson { label: a.label, href: a.href }).collect();
    CheckAnswer { state: "taken", message: t.conflict_title.to_owned(), slots: json(slots), rooms: json(rooms) }
}
