//! `/` for a signed-in person: their next meetings, and a day of the rooms as a timeline (rooms
//! as rows, half hours as columns, busy blocks, the current half hour marked) with date
//! navigation and filters. A free slot links to the booking form filled in with room and time.

use super::shell::{Nav, Shell};
use super::{render, show_error};
use crate::state::AppState;
use askama::Template;
use axum::response::Response;
use sala_app::bookings::{AvailabilityQuery, RoomAvailability, availability, my_bookings, rooms_now};
use sala_domain::attendance::Answer;
use sala_domain::dates::{day, day_start, zoned};
use sala_domain::{Booking, BookingId, Millis, Room, TimeZoneName, now_millis};
use serde::Deserialize;
use std::collections::HashMap;

const SLOT_MS: Millis = 30 * 60_000;
/// The timeline shows 07:00 to 21:00, where nearly every meeting falls.
const FIRST_HOUR: i64 = 7;
const LAST_HOUR: i64 = 21;

#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    /// `YYYY-MM-DD`; today when absent or unreadable.
    date: Option<String>,
    capacity: Option<String>,
    equipment: Option<String>,
    location: Option<String>,
    /// `answered`: an invitation was just answered from here.
    done: Option<String>,
}

/// One cell of a room's row: free (bookable unless past) or a busy block spanning slots.
pub enum Cell {
    /// `closed`: outside the room's bookable hours, not offered.
    Free {
        time: String,
        start: String,
        past: bool,
        closed: bool,
        now: bool,
    },
    Busy {
        span: usize,
        label: String,
        href: Option<String>,
        mine: bool,
        now: bool,
    },
}

/// One row of the timeline: a room on a day (the dashboard), or a day of one room (its week,
/// where `heading` names the day and links to that day's dashboard).
pub struct RoomRow {
    pub room: Room,
    pub heading: Option<(String, String)>,
    pub cells: Vec<Cell>,
    /// The same row as a list, for a phone: free stretches and busy blocks in order.
    pub agenda: Vec<AgendaItem>,
}

/// A line of a room's agenda: "Libre 12:00–14:00" (a link to book it) or a busy block's label.
pub struct AgendaItem {
    pub label: String,
    pub href: Option<String>,
    pub free: bool,
    /// A free stretch's start and each hour in it, one tap from the form at that time:
    /// `(time, href, label for a screen reader)`.
    pub times: Vec<(String, String, String)>,
}

/// A room in the "Now" strip: free or busy, until when, and whether one tap books it.
pub struct NowRow {
    pub room_id: sala_domain::RoomId,
    pub name: String,
    pub busy: bool,
    /// "Libre hasta las 11:00", "Ocupada hasta las 10:30".
    pub state: String,
    pub bookable: bool,
}

pub struct Upcoming {
    pub id: BookingId,
    pub title: String,
    pub when: String,
    pub room: String,
    /// The reader is invited (not the organizer): `Some` with their answer so far, if any.
    pub answer: Option<Option<Answer>>,
}

impl Upcoming {
    /// Whether the reader's answer so far is `value` (for `aria-pressed`).
    pub fn answered(&self, value: &str) -> bool {
        self.answer.flatten().is_some_and(|a| a.as_str() == value)
    }
}

#[derive(Template)]
#[template(path = "app/dashboard.html")]
pub struct Dashboard {
    pub t: &'static crate::i18n::Texts,
    pub shell: Shell,
    pub upcoming: Vec<Upcoming>,
    /// An invitation was just answered from here.
    pub answered: bool,
    /// Today: each room now (the filters applied).
    pub now_rows: Vec<NowRow>,
    pub day_title: String,
    pub date: String,
    pub previous: String,
    pub next: String,
    pub is_today: bool,
    /// `(label, is the current half hour's hour)` for each hour column.
    pub hours: Vec<(String, bool)>,
    pub rows: Vec<RoomRow>,
    /// Today: the first column's start, for the line drawn at the current minute.
    pub now_line: Option<Millis>,
    pub capacity: String,
    pub equipment: String,
    pub location: String,
    /// Each tag with its words.
    pub equipment_options: Vec<(String, String)>,
    pub location_options: Vec<String>,
}

pub async fn dashboard(state: &AppState, shell: Shell, q: DashboardQuery) -> Response {
    match build(state, shell, q).await {
        Ok(page) => {
            let response = render(&page);
            page.shell.finish(response)
        }
        Err((t, err)) => show_error(t, &err),
    }
}

type Failure = (&'static crate::i18n::Texts, sala_app::AppError);

async fn build(state: &AppState, shell: Shell, q: DashboardQuery) -> Result<Dashboard, Failure> {
    let t = shell.t;
    let fail = |err| (t, err);
    let ctx = shell.ctx();
    let zone = shell.zone();
    let now = now_millis();
    let today = zoned(now, &zone).map(|z| z.date()).unwrap_or_default();
    let date = q.date.as_deref().and_then(|d| d.parse::<jiff::civil::Date>().ok()).unwrap_or(today);
    let (start, slots) = day_columns(date, &zone);
    let end = start + SLOT_MS * i64::try_from(slots).unwrap_or(28);

    let all_rooms = sala_app::rooms::list_rooms(state.store(), &ctx, false).await.map_err(fail)?;
    let capacity: Option<u32> = q.capacity.as_deref().and_then(|c| c.trim().parse().ok());
    let equipment = q.equipment.clone().filter(|e| !e.is_empty());
    let location = q.location.clone().filter(|l| !l.is_empty());
    let window = AvailabilityQuery { start, end, capacity, equipment: Vec::new() };
    let day_busy = availability(state.store(), state.outside_busy(), &ctx, window).await.map_err(fail)?;
    let mine = my_bookings(state.store(), &ctx, start, Some(end), 200).await.map_err(fail)?;
    let mine: HashMap<BookingId, Booking> = mine.into_iter().map(|b| (b.id, b)).collect();

    let timeline = Day { shell: &shell, zone: &zone, start, slots, now, mine: &mine, date: &date };
    let mut rows: Vec<RoomRow> = day_busy
        .rooms
        .into_iter()
        .filter(|r| equipment.as_deref().is_none_or(|e| r.room.equipment.iter().any(|x| x.as_str() == e)))
        .filter(|r| location.as_deref().is_none_or(|l| r.room.location.as_deref() == Some(l)))
        .map(|r| {
            let (busy, taken_label) = busy_blocks(shell.t, &r);
            timeline.row(r.room, None, &busy, taken_label)
        })
        .collect();
    rows.sort_by(|a, b| a.room.name.cmp(&b.room.name));

    let soon = my_bookings(state.store(), &ctx, now, None, 5).await.map_err(fail)?;
    let names: HashMap<_, _> = all_rooms.iter().map(|r| (r.id, r.name.clone())).collect();
    let mut upcoming = Vec::new();
    for b in soon {
        let answer = if b.organizer_id == shell.user.id {
            None
        } else {
            let mine = sala_app::rsvp::replies(state.store(), &ctx, b.id).await.map_err(fail)?;
            let me = b.attendees.iter().find(|a| a.user_id == Some(shell.user.id)).map(|a| a.email.as_str());
            Some(
                mine.into_iter()
                    .find(|r| me.is_some_and(|e| r.email.as_str().eq_ignore_ascii_case(e)))
                    .map(|r| r.answer),
            )
        };
        upcoming.push(Upcoming {
            id: b.id,
            when: sala_domain::dates::when(shell.locale, b.time, &zone),
            room: names.get(&b.room_id).cloned().unwrap_or_default(),
            title: b.title,
            answer,
        });
    }
    let hours = hour_labels(start, now);
    let mut tags: Vec<&str> = all_rooms.iter().flat_map(|r| r.equipment.iter().map(|e| e.as_str())).collect();
    tags.sort();
    tags.dedup();
    let words = |tag: &str| crate::i18n::words::equipment(shell.locale, tag).into_owned();
    let equipment_options: Vec<(String, String)> = tags.into_iter().map(|tag| (tag.to_owned(), words(tag))).collect();
    let mut location_options: Vec<String> = all_rooms.iter().filter_map(|r| r.location.clone()).collect();
    location_options.sort();
    location_options.dedup();
    let now_rows = if date == today {
        let found =
            rooms_now(state.store(), state.outside_busy(), &ctx, capacity.unwrap_or(1), 30).await.map_err(fail)?;
        let hm = |ms: Millis| zoned(ms, &zone).map(|z| z.strftime("%H:%M").to_string()).unwrap_or_default();
        found
            .into_iter()
            .filter(|r| equipment.as_deref().is_none_or(|e| r.room.equipment.iter().any(|x| x.as_str() == e)))
            .filter(|r| location.as_deref().is_none_or(|l| r.room.location.as_deref() == Some(l)))
            .map(|r| NowRow {
                room_id: r.room.id,
                name: r.room.name,
                busy: r.busy_until.is_some(),
                state: match (r.busy_until, r.free_until) {
                    (Some(until), _) => t.busy_until.replace("{time}", &hm(until)),
                    (None, Some(until)) => t.free_until.replace("{time}", &hm(until)),
                    (None, None) => t.free_now.to_owned(),
                },
                bookable: r.bookable,
            })
            .collect()
    } else {
        Vec::new()
    };
    let day_title = zoned(start, &zone).map(|z| day(shell.locale, &z)).unwrap_or_default();
    Ok(Dashboard {
        t,
        upcoming,
        answered: q.done.as_deref() == Some("answered"),
        now_rows,
        day_title,
        date: date.to_string(),
        previous: date.yesterday().map(|d| d.to_string()).unwrap_or_default(),
        next: date.tomorrow().map(|d| d.to_string()).unwrap_or_default(),
        is_today: date == today,
        hours,
        rows,
        now_line: (date == today).then_some(start),
        capacity: capacity.map(|c| c.to_string()).unwrap_or_default(),
        equipment: equipment.unwrap_or_default(),
        location: location.unwrap_or_default(),
        equipment_options,
        location_options,
        shell,
    })
}

/// A busy stretch of a room: from, to, and Sala's booking when it is one.
pub(super) type Busy = (Millis, Millis, Option<BookingId>);

/// A room's busy stretches, in order, and what they are called: its meetings and those booked
/// straight in its calendar; a virtual room is bookable until it holds its limit, so only the
/// stretches where it is full are busy ("Completa").
pub(super) fn busy_blocks(t: &'static crate::i18n::Texts, r: &RoomAvailability) -> (Vec<Busy>, &'static str) {
    let (mut busy, label): (Vec<Busy>, _) = if r.room.is_shared() {
        (r.taken(None).iter().map(|t| (t.start, t.end, None)).collect(), t.room_full)
    } else {
        let mut busy: Vec<_> = r.busy.iter().map(|b| (b.time.start, b.time.end, Some(b.booking_id))).collect();
        busy.extend(r.outside.iter().map(|o| (o.start, o.end, None)));
        (busy, t.busy)
    };
    busy.sort_unstable();
    (busy, label)
}

/// What every row of a day's timeline shares.
pub(super) struct Day<'a> {
    pub(super) shell: &'a Shell,
    /// The reader's zone, for the columns' times.
    pub(super) zone: &'a TimeZoneName,
    /// The first column's start, and how many half hours there are.
    pub(super) start: Millis,
    pub(super) slots: usize,
    pub(super) now: Millis,
    /// The reader's own meetings that day.
    pub(super) mine: &'a HashMap<BookingId, Booking>,
    pub(super) date: &'a jiff::civil::Date,
}

/// The columns of a day: `FIRST_HOUR` to `LAST_HOUR` of `date` in `zone`, as (start, half hours).
pub(super) fn day_columns(date: jiff::civil::Date, zone: &TimeZoneName) -> (Millis, usize) {
    let start = day_start(date, zone).unwrap_or_else(now_millis) + FIRST_HOUR * 3_600_000;
    (start, usize::try_from(LAST_HOUR - FIRST_HOUR).unwrap_or(14) * 2)
}

/// The hour columns' labels, the current one marked when `now` falls in the day.
pub(super) fn hour_labels(start: Millis, now: Millis) -> Vec<(String, bool)> {
    let end = start + (LAST_HOUR - FIRST_HOUR) * 3_600_000;
    let now_slot = (now >= start && now < end).then(|| (now - start) / SLOT_MS);
    (FIRST_HOUR..LAST_HOUR)
        .enumerate()
        .map(|(i, h)| {
            let i = i64::try_from(i).unwrap_or_default();
            (format!("{h:02}:00"), now_slot.is_some_and(|s| s / 2 == i))
        })
        .collect()
}

impl Day<'_> {
    /// A room's row of this day: its cells and the same as an agenda.
    pub(super) fn row(
        &self,
        room: Room,
        heading: Option<(String, String)>,
        busy: &[Busy],
        taken_label: &str,
    ) -> RoomRow {
        let cells = self.cells(&room, busy, taken_label);
        let agenda = self.agenda(&room, &cells);
        RoomRow { room, heading, cells, agenda }
    }

    /// The row as a list: each stretch of bookable half hours ("Libre 12:00–14:00", a link to
    /// book its first hour) and each busy block, in order; past and closed half hours left out.
    fn agenda(&self, room: &Room, cells: &[Cell]) -> Vec<AgendaItem> {
        let mut items = Vec::new();
        let mut free_from: Option<usize> = None;
        let mut slot = 0;
        let close_free = |from: Option<usize>, to: usize, items: &mut Vec<AgendaItem>| {
            let Some(from) = from else { return };
            let (start, end) = (self.slot_start(from), self.slot_start(to));
            // The stretch's first half hour, then every one on the hour.
            let times = (from..to)
                .filter(|i| *i == from || (FIRST_HOUR * 2 + i64::try_from(*i).unwrap_or_default()) % 2 == 0)
                .map(|i| {
                    let time = self.hm(self.slot_start(i));
                    let href = format!("/bookings/new?room={}&start={}T{time}", room.id, self.date);
                    let label = format!("{} {time}: {}", self.shell.t.book_at, room.name);
                    (time, href, label)
                })
                .collect();
            let first_hour_end = end.min(start + 2 * SLOT_MS);
            let label = self.shell.t.agenda_free.replace("{from}", &self.hm(start)).replace("{to}", &self.hm(end));
            let href = format!(
                "/bookings/new?room={}&start={}T{}&end={}",
                room.id,
                self.date,
                self.hm(start),
                self.hm(first_hour_end)
            );
            items.push(AgendaItem { label, href: Some(href), free: true, times });
        };
        for cell in cells {
            match cell {
                Cell::Free { past: false, closed: false, .. } => {
                    free_from.get_or_insert(slot);
                    slot += 1;
                }
                Cell::Free { .. } => {
                    close_free(free_from.take(), slot, &mut items);
                    slot += 1;
                }
                Cell::Busy { span, label, href, .. } => {
                    close_free(free_from.take(), slot, &mut items);
                    items.push(AgendaItem { label: label.clone(), href: href.clone(), free: false, times: Vec::new() });
                    slot += span;
                }
            }
        }
        close_free(free_from.take(), slot, &mut items);
        items
    }

    fn slot_start(&self, i: usize) -> Millis {
        self.start + SLOT_MS * i64::try_from(i).unwrap_or_default()
    }

    fn hm(&self, ms: Millis) -> String {
        zoned(ms, self.zone).map(|z| z.strftime("%H:%M").to_string()).unwrap_or_default()
    }

    /// A room's row: each half hour free, closed (outside the room's bookable hours) or covered
    /// by a busy block (one cell spanning the half hours it touches), labelled with its time.
    /// The person's own meetings show their title and link to them; admins may open anyone's;
    /// other people's are just busy.
    pub(super) fn cells(&self, room: &Room, busy: &[Busy], taken_label: &str) -> Vec<Cell> {
        let mut cells = Vec::new();
        let mut i = 0;
        let is_now = |from: Millis, to: Millis| self.now >= from && self.now < to;
        let org_zone = &self.shell.tenant.time_zone;
        while i < self.slots {
            let (from, to) = (self.slot_start(i), self.slot_start(i + 1));
            match busy.iter().find(|(s, e, _)| *s < to && *e > from) {
                Some((busy_start, busy_end, id)) => {
                    let last = (i..self.slots).take_while(|j| self.slot_start(*j) < *busy_end).count().max(1);
                    let own = id.and_then(|id| self.mine.get(&id));
                    let what = own.map_or_else(|| taken_label.to_owned(), |b| b.title.clone());
                    let label = format!("{what} · {}–{}", self.hm(*busy_start), self.hm(*busy_end));
                    let may_open = own.is_some() || self.shell.user.is_admin();
                    let href = id.filter(|_| may_open).map(|id| format!("/bookings/{id}"));
                    let now = is_now(from, self.slot_start(i + last));
                    cells.push(Cell::Busy { span: last, label, href, mine: own.is_some(), now });
                    i += last;
                }
                None => {
                    let time = self.hm(from);
                    let start = format!("{}T{time}", self.date);
                    let slot = sala_domain::TimeRange { start: from, end: to };
                    let closed = room.bookable_hours.as_ref().is_some_and(|h| !h.allows(slot, org_zone));
                    cells.push(Cell::Free { time, start, past: to <= self.now, closed, now: is_now(from, to) });
                    i += 1;
                }
            }
        }
        cells
    }
}
