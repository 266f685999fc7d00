//! "Another room for that date": after a series skipped dates its room could not take, the
//! booking page offers, for each, a room that fits and is free then, one tap from a meeting of
//! its own there (`POST /bookings/{id}/elsewhere`, see [`sala_app::bookings::book_elsewhere`]).

use super::error::{OrPage, PageError, PageResult, id_from};
use super::form::PageForm;
use super::shell::Shell;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use sala_app::bookings::{book_elsewhere, other_free_room};
use sala_domain::{Booking, Millis, RoomId, TimeRange};
use serde::Deserialize;

/// At most this many skipped dates get a room looked up for them.
const OFFERED: usize = 12;

pub fn routes() -> Router<AppState> {
    Router::new().route("/bookings/{id}/elsewhere", post(elsewhere_post))
}

/// A skipped date and a room free then: "martes, 12 de enero: Sala Mediterráneo (8 plazas)".
pub struct Offer {
    pub start: Millis,
    pub room_id: RoomId,
    pub label: String,
    pub button: String,
}

/// The starts a new series left out, from the link the form redirected to: only shown, so
/// anything unreadable is dropped (and at most a series' worth).
pub(super) fn skipped_starts(raw: Option<&str>) -> Vec<Millis> {
    raw.map(|r| r.split(',').filter_map(|s| s.trim().parse().ok()).take(156).collect()).unwrap_or_default()
}

/// For each skipped start still ahead, the smallest room that fits the meeting, is free for it
/// and may be booked then; dates with none are left out.
pub(super) async fn offers(state: &AppState, shell: &Shell, booking: &Booking, skipped: &[Millis]) -> Vec<Offer> {
    let seats = u32::try_from(booking.attendees.len() + 1).unwrap_or(u32::MAX);
    let now = sala_domain::now_millis();
    let ctx = shell.ctx();
    let mut offers = Vec::new();
    for &start in skipped.iter().filter(|s| **s > now).take(OFFERED) {
        let time = TimeRange { start, end: start + booking.time.duration_ms() };
        let found = other_free_room(state.store(), state.outside_busy(), &ctx, time, seats, booking.room_id);
        let Ok(Some(room)) = found.await else { continue };
        let day = sala_domain::dates::dates(shell.locale, &[start], &shell.zone());
        offers.push(Offer {
            start,
            room_id: room.id,
            label: shell.t.elsewhere_free.replace("{date}", &day).replace("{room}", &room.name),
            button: shell.t.elsewhere_book.replace("{room}", &room.name).replace("{date}", &day),
        });
    }
    offers
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ElsewhereForm {
    pub csrf: String,
    pub start: String,
    pub room_id: String,
}

async fn elsewhere_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(shell, form): PageForm<ElsewhereForm>,
) -> PageResult {
    let t = shell.t;
    let like = id_from(t, &id, "booking")?;
    let (Ok(start), Ok(room)) = (form.start.parse::<Millis>(), form.room_id.parse::<RoomId>()) else {
        return Err(PageError::bad_form(t));
    };
    let created =
        book_elsewhere(state.store(), state.outside_busy(), &shell.ctx(), like, start, room).await.or_page(t)?;
    let first = created.bookings.first().map(|b| b.id).ok_or_else(|| PageError::bad_form(t))?;
    Ok(Redirect::to(&format!("/bookings/{first}?done=created")).into_response())
}
