//! `POST /bookings/now`: one tap books a free room from now for 15, 30 or 60 minutes (the
//! dashboard's "Now" strip). It is an ordinary create: the same rules, conflicts and audit.

use super::error::{OrPage, PageError, PageResult};
use super::form::PageForm;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use sala_app::bookings::{NewBooking, create_booking};
use sala_domain::{RoomId, now_millis};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/bookings/now", post(book_now))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NowForm {
    pub csrf: String,
    pub room_id: String,
    pub minutes: String,
}

async fn book_now(State(state): State<AppState>, PageForm(shell, form): PageForm<NowForm>) -> PageResult {
    let t = shell.t;
    let room_id = form.room_id.parse::<RoomId>().map_err(|_| PageError::bad_form(t))?;
    let minutes =
        form.minutes.trim().parse::<i64>().ok().filter(|m| sala_app::bookings::ON_THE_SPOT_MINUTES.contains(m));
    let Some(minutes) = minutes else { return Err(PageError::bad_form(t)) };
    let start = now_millis() / 60_000 * 60_000;
    let input = NewBooking {
        room_id,
        title: t.quick_title.to_owned(),
        start,
        end: start + minutes * 60_000,
        time_zone: Some(shell.zone()),
        ..NewBooking::default()
    };
    let created = create_booking(state.store(), state.outside_busy(), &shell.ctx(), input).await.or_page(t)?;
    let id = created.bookings.first().map(|b| b.id).ok_or_else(|| PageError::not_found(t, "booking"))?;
    Ok(Redirect::to(&format!("/bookings/{id}?done=created")).into_response())
}
