//! `/bookings`: the person's meetings, upcoming (soonest first) or past (latest first), with a
//! search over titles and rooms.

use super::shell::{Nav, Page, Shell};
use super::{render, show_error};
use crate::i18n::Texts;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use sala_app::bookings::my_bookings;
use sala_domain::dates::when;
use sala_domain::search::fold;
use sala_domain::{BookingId, now_millis};
use serde::Deserialize;
use std::collections::HashMap;

const DAY_MS: i64 = 24 * 3_600_000;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MyBookingsQuery {
    q: String,
    /// `past` for the last 90 days; upcoming otherwise.
    when: String,
    /// Only this room's.
    room: String,
    /// `organizer`: the ones I organize; `guest`: the ones I am invited to; else both.
    role: String,
}

pub struct Row {
    pub id: BookingId,
    pub title: String,
    pub when: String,
    pub room: String,
}

#[derive(Template)]
#[template(path = "app/my_bookings.html")]
pub struct MyBookingsPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub q: String,
    pub past: bool,
    pub room: String,
    pub role: String,
    pub rooms: Vec<(String, String)>,
    pub rows: Vec<Row>,
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/bookings", get(my_bookings_page))
}

async fn my_bookings_page(
    State(state): State<AppState>,
    Page(shell): Page,
    Query(q): Query<MyBookingsQuery>,
) -> Response {
    page(&state, shell.at(Nav::MyBookings), q).await
}

async fn page(state: &AppState, shell: Shell, query: MyBookingsQuery) -> Response {
    let ctx = shell.ctx();
    let now = now_millis();
    let past = query.when == "past";
    let (from, to) = if past { (now - 90 * DAY_MS, Some(now)) } else { (now, Some(now + 365 * DAY_MS)) };
    let found = match my_bookings(state.store(), &ctx, from, to, 200).await {
        Ok(found) => found,
        Err(err) => return show_error(shell.t, &err),
    };
    let all_rooms = match sala_app::rooms::list_rooms(state.store(), &ctx, true).await {
        Ok(rooms) => rooms,
        Err(err) => return show_error(shell.t, &err),
    };
    let rooms: HashMap<_, _> = all_rooms.iter().map(|r| (r.id, r.name.clone())).collect();
    let me = shell.user.id;
    let needle = fold(query.q.trim());
    let zone = shell.zone();
    let mut rows: Vec<Row> = found
        .into_iter()
        .filter(|b| !past || b.time.end <= now)
        .filter(|b| query.room.is_empty() || b.room_id.to_string() == query.room)
        .filter(|b| match query.role.as_str() {
            "organizer" => b.organizer_id == me,
            "guest" => b.organizer_id != me,
            _ => true,
        })
        .map(|b| Row {
            id: b.id,
            when: when(shell.locale, b.time, &zone),
            room: rooms.get(&b.room_id).cloned().unwrap_or_default(),
            title: b.title,
        })
        .filter(|r| needle.is_empty() || fold(&r.title).contains(&needle) || fold(&r.room).contains(&needle))
        .collect();
    if past {
        rows.reverse();
    }
    let room_options = all_rooms.into_iter().map(|r| (r.id.to_string(), r.name)).collect();
    let page = MyBookingsPage {
        t: shell.t,
        q: query.q,
        past,
        room: query.room,
        role: query.role,
        rooms: room_options,
        rows,
        shell,
    };
    let response = render(&page);
    page.shell.finish(response)
}
