//! `/rooms/{id}/week`: one room's week, Monday to Sunday, as the dashboard's timeline with a day
//! in each row: when a recurring meeting fits, and the room's closed hours, at a glance. A free
//! half hour links to the booking form; each day links to that day of all rooms.

use super::dashboard::{Cell, Day, RoomRow, busy_blocks, day_columns, hour_labels};
use super::error::{OrPage, PageResult};
use super::render;
use super::shell::{Nav, Page, Shell};
use crate::i18n::Texts;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use jiff::civil::Date;
use jiff::{Span, ToSpan};
use sala_app::AppError;
use sala_app::bookings::{AvailabilityQuery, availability, my_bookings};
use sala_domain::dates::{day, zoned};
use sala_domain::{BookingId, Millis, RoomId, now_millis};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/rooms/{id}/week", get(week))
}

#[derive(Deserialize, Default)]
pub struct WeekQuery {
    /// Any day of the week to show (`YYYY-MM-DD`); this week when absent or unreadable.
    date: Option<String>,
}

#[derive(Template)]
#[template(path = "app/room_week.html")]
pub struct WeekPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub title: String,
    pub day_title: String,
    /// The Monday shown, and the Mondays before and after.
    pub date: String,
    pub previous: String,
    pub next: String,
    pub is_this_week: bool,
    pub hours: Vec<(String, bool)>,
    pub rows: Vec<RoomRow>,
    pub now_line: Option<Millis>,
}

async fn week(
    State(state): State<AppState>,
    Page(shell): Page,
    Path(id): Path<String>,
    Query(q): Query<WeekQuery>,
) -> PageResult {
    let shell = shell.at(Nav::Home);
    let t = shell.t;
    let room_id = id.parse::<RoomId>().map_err(|_| AppError::NotFound { what: "room" }).or_page(t)?;
    let room = sala_app::rooms::get_room(state.store(), &shell.ctx(), room_id).await.or_page(t)?;
    let zone = shell.zone();
    let now = now_millis();
    let today = zoned(now, &zone).map(|z| z.date()).unwrap_or_default();
    let asked = q.date.as_deref().and_then(|d| d.parse::<Date>().ok()).unwrap_or(today);
    let monday = monday_of(asked);
    let days: Vec<Date> = (0..7).filter_map(|i| monday.checked_add(i.days()).ok()).collect();
    let (first_start, slots) = day_columns(monday, &zone);
    let (last_start, _) = day_columns(days.last().copied().unwrap_or(monday), &zone);
    let window_end = last_start + 30 * 60_000 * i64::try_from(slots).unwrap_or(28);

    let ctx = shell.ctx();
    let window = AvailabilityQuery { start: first_start, end: window_end, capacity: None, equipment: Vec::new() };
    let found = availability(state.store(), state.outside_busy(), &ctx, window).await.or_page(t)?;
    let Some(this_room) = found.rooms.into_iter().find(|r| r.room.id == room.id) else {
        return Err(AppError::NotFound { what: "room" }).or_page(t);
    };
    let (busy, taken_label) = busy_blocks(t, &this_room);
    let mine = my_bookings(state.store(), &ctx, first_start, Some(window_end), 500).await.or_page(t)?;
    let mine: HashMap<BookingId, _> = mine.into_iter().map(|b| (b.id, b)).collect();
    let rows = days
        .iter()
        .map(|date| {
            let (start, slots) = day_columns(*date, &zone);
            let timeline = Day { shell: &shell, zone: &zone, start, slots, now, mine: &mine, date };
            let heading = zoned(start, &zone).map(|z| short_day(shell.locale, &z)).unwrap_or_default();
            timeline.row(room.clone(), Some((heading, format!("/?date={date}"))), &busy, taken_label)
        })
        .collect();
    let monday_words = zoned(first_start, &zone).map(|z| day(shell.locale, &z)).unwrap_or_default();
    let title = t.week_title.replace("{room}", &room.name).replace("{day}", &monday_words);
    let week_of_today = monday_of(today);
    let page = WeekPage {
        t,
        title: title.clone(),
        day_title: title,
        date: monday.to_string(),
        previous: monday.checked_sub(Span::new().weeks(1)).map(|d| d.to_string()).unwrap_or_default(),
        next: monday.checked_add(Span::new().weeks(1)).map(|d| d.to_string()).unwrap_or_default(),
        is_this_week: monday == week_of_today,
        hours: hour_labels(first_start, first_start - 1),
        rows,
        now_line: None,
        shell,
    };
    Ok(page.shell.finish(render(&page)))
}

/// The Monday of `date`'s week.
fn monday_of(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(Span::new().days(back)).unwrap_or(date)
}

/// "lunes 7" / "Monday 7": a row's day, short enough for the room column.
fn short_day(locale: sala_domain::Locale, z: &jiff::ZonedDateTime) -> String {
    const CODES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let code = CODES[usize::from(z.weekday().to_monday_zero_offset().unsigned_abs()) % 7];
    format!("{} {}", crate::i18n::words::weekday_name(locale, code), z.day())
}
