//! `/find`: a room finder that starts from the time, as people ask for a room: "3 people,
//! tomorrow 10-11, with a screen". It lists the rooms that fit, are free for all of it and may
//! be booked then, smallest first, each a link to the booking form filled in.

use super::booking_form::{BookingForm, read_time};
use super::error::{OrPage, PageResult};
use super::render;
use super::shell::{Nav, Page, Shell};
use crate::i18n::Texts;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use sala_app::bookings::{AvailabilityQuery, find_rooms};
use sala_domain::Room;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/find", get(find))
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FindQuery {
    pub people: String,
    pub date: String,
    pub start: String,
    pub end: String,
    pub equipment: String,
}

#[derive(Template)]
#[template(path = "app/finder.html")]
pub struct FinderPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub q: FindQuery,
    /// `None`: nothing asked yet.
    pub found: Option<Vec<Room>>,
    pub problems: Vec<String>,
    /// Each tag with its words.
    pub equipment_options: Vec<(String, String)>,
}

impl FinderPage {
    /// The booking form for `room` at the time asked.
    pub fn book_href(&self, room: &Room) -> String {
        let query = [
            ("room", room.id.to_string()),
            ("start", format!("{}T{}", self.q.date.trim(), self.q.start.trim())),
            ("end", self.q.end.trim().to_owned()),
        ];
        format!("/bookings/new?{}", url::form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish())
    }

    pub fn equipment(&self, tag: &str) -> String {
        crate::i18n::words::equipment(self.shell.locale, tag).into_owned()
    }
}

async fn find(State(state): State<AppState>, Page(shell): Page, Query(q): Query<FindQuery>) -> PageResult {
    let shell = shell.at(Nav::Find);
    let t = shell.t;
    let rooms = sala_app::rooms::list_rooms(state.store(), &shell.ctx(), false).await.or_page(t)?;
    let mut tags: Vec<&str> = rooms.iter().flat_map(|r| r.equipment.iter().map(|e| e.as_str())).collect();
    tags.sort_unstable();
    tags.dedup();
    let equipment_options = tags
        .into_iter()
        .map(|tag| (tag.to_owned(), crate::i18n::words::equipment(shell.locale, tag).into_owned()))
        .collect();
    let asked = !q.date.trim().is_empty();
    let (found, problems, status) =
        if asked { search(&state, &shell, &q).await? } else { (None, Vec::new(), StatusCode::OK) };
    let page = FinderPage { t, shell, q, found, problems, equipment_options };
    let response = (status, render(&page)).into_response();
    Ok(page.shell.finish(response))
}

type Search = (Option<Vec<Room>>, Vec<String>, StatusCode);

async fn search(state: &AppState, shell: &Shell, q: &FindQuery) -> Result<Search, super::error::PageError> {
    let t = shell.t;
    let form =
        BookingForm { date: q.date.clone(), start: q.start.clone(), end: q.end.clone(), ..BookingForm::default() };
    let (time, mut problems) = read_time(t, shell, &form);
    let people = match q.people.trim() {
        "" => Some(1),
        n => n.parse::<u32>().ok().filter(|n| (1..=1000).contains(n)),
    };
    if people.is_none() {
        problems.push((String::new(), t.err_people.to_owned()));
    }
    let (Some(time), Some(people)) = (time, people) else {
        let said = problems.into_iter().map(|(_, m)| m).collect();
        return Ok((None, said, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let equipment: Vec<String> = Some(q.equipment.trim().to_owned()).filter(|e| !e.is_empty()).into_iter().collect();
    let query = AvailabilityQuery { start: time.start, end: time.end, capacity: Some(people), equipment };
    let found = find_rooms(state.store(), state.outside_busy(), &shell.ctx(), query).await.or_page(t)?;
    Ok((Some(found), Vec::new(), StatusCode::OK))
}
