//! Reports: how the rooms are really used, computed from plain data (issue 20).
//!
//! This is the reference computation: it reads bookings one by one, so it is the yardstick the
//! stored rollups are checked against, not what answers a two-year query. Every figure is in the
//! organization's time zone, over civil dates `from..=to`, in whole minutes of real time (a
//! bookable window across a DST change is as long as the clock on the wall says it lasted).
//!
//! Utilization is booked minutes over bookable minutes:
//! - bookable: each room's window (its bookable hours in force now, or Monday to Friday 08:00-20:00
//!   for a room without them) on every date of the range, from the local opening instant to the
//!   local closing one;
//! - booked: the minutes a room was held inside those windows. Confirmed bookings hold it from
//!   start to end, released (no-show) ones until their release, cancelled ones never. Where
//!   bookings of one room overlap (several meetings at once in a virtual room) a minute counts
//!   once: utilization says how much of the time the room was in use, never above 1.
//!
//! Instants are floored to the whole minute before anything else, so every row's
//! `booked_minutes / bookable_minutes` is its `utilization` exactly (rounded to 4 decimals).

pub mod cancellations;
mod clock;
pub mod ghosts;
pub mod meetings;
pub mod people;
pub mod rollup;
pub mod sizing;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_usage;

use crate::{BookableHours, Booking, BookingStatus, Millis, RoomId, TimeRange, TimeZoneName};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashMap;

/// A room as reports see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRoom {
    pub id: RoomId,
    /// `None`: Monday to Friday 08:00-20:00 ([`BookableHours::office`]) for reports, although such
    /// a room takes bookings at any time.
    pub bookable_hours: Option<BookableHours>,
}

impl From<&crate::Room> for ReportRoom {
    fn from(room: &crate::Room) -> Self {
        Self { id: room.id, bookable_hours: room.bookable_hours.clone() }
    }
}

/// A booking reduced to what reports need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportBooking {
    pub room_id: RoomId,
    pub status: BookingStatus,
    pub time: TimeRange,
    /// When the booking stopped holding the room before its end: a no-show release. `None`: it
    /// held it to `time.end` (a meeting ended early has its end moved instead).
    pub ended_holding_at: Option<Millis>,
}

impl From<&Booking> for ReportBooking {
    /// A released booking's release instant is its `updated_at`: the no-show job releases it by
    /// setting `status` and `updated_at` (`cancelled_at` stays `None`), and a released booking
    /// takes no edits afterwards (`bookings::policy` refuses them; the calendar id write leaves
    /// `updated_at` alone).
    fn from(b: &Booking) -> Self {
        let ended_holding_at = (b.status == BookingStatus::Released).then_some(b.updated_at);
        Self { room_id: b.room_id, status: b.status, time: b.time, ended_holding_at }
    }
}

/// The civil dates `from..=to` a report covers, in the organization's zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    from: Date,
    to: Date,
}

impl DateRange {
    /// At least one day: `from` after `to` is [`ReportError::EmptyRange`] (the API's 422), not an
    /// empty report, so a swapped pair of dates is noticed.
    pub fn new(from: Date, to: Date) -> Result<Self, ReportError> {
        if from > to { Err(ReportError::EmptyRange { from, to }) } else { Ok(Self { from, to }) }
    }

    pub fn from(&self) -> Date {
        self.from
    }

    pub fn to(&self) -> Date {
        self.to
    }

    /// The dates in order.
    pub fn dates(&self) -> impl Iterator<Item = Date> {
        let to = self.to;
        self.from.series(jiff::ToSpan::day(1)).take_while(move |d| *d <= to)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("the range is empty: {from} is after {to}")]
    EmptyRange { from: Date, to: Date },
    /// A date or instant jiff cannot place (near the years -9999 or 9999).
    #[error("a date is out of range: {0}")]
    OutOfRange(String),
}

impl From<jiff::Error> for ReportError {
    fn from(e: jiff::Error) -> Self {
        Self::OutOfRange(e.to_string())
    }
}

/// Booked and bookable minutes and their ratio; every row of a report carries them so anyone can
/// check the arithmetic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    pub booked_minutes: i64,
    pub bookable_minutes: i64,
    /// `booked_minutes / bookable_minutes` rounded to 4 decimals; 0 with nothing bookable.
    pub utilization: f64,
}

impl Figures {
    pub fn new(booked_minutes: i64, bookable_minutes: i64) -> Self {
        Self { booked_minutes, bookable_minutes, utilization: ratio(booked_minutes, bookable_minutes) }
    }
}

/// `part / whole` rounded to 4 decimals; 0 when `whole` is not positive.
pub fn ratio(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        return 0.0;
    }
    // Minutes stay far below 2^52, so the conversions are exact.
    ((part as f64 / whole as f64) * 10_000.0).round() / 10_000.0
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoomRow {
    pub room_id: RoomId,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayRow {
    pub date: Date,
    #[serde(flatten)]
    pub figures: Figures,
}

/// One cell of the occupancy heatmap: a weekday (Monday = 0 ... Sunday = 6) and a local hour
/// (0-23), summed over every such day in the range.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HourRow {
    pub weekday: u8,
    pub hour: u8,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Utilization over a range, grouped three ways; each grouping sums to [`Utilization::total`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Utilization {
    /// One row per room given, in the order given.
    pub by_room: Vec<RoomRow>,
    /// One row per date of the range, in order, over all the rooms given.
    pub by_day: Vec<DayRow>,
    /// 168 rows: Monday 00:00 to Sunday 23:00, over all the rooms given.
    pub by_weekday_hour: Vec<HourRow>,
    pub total: Figures,
}

/// Minutes per group while summing.
#[derive(Clone, Copy, Default)]
struct Sums {
    booked: i64,
    bookable: i64,
}

impl Sums {
    fn figures(self) -> Figures {
        Figures::new(self.booked, self.bookable)
    }
}

/// One room's bookable window on one date, in Unix minutes `[open, close)`.
struct Window {
    day: usize,
    open: i64,
    close: i64,
}

/// Where the minutes go while a report is summed.
struct Tally {
    rooms: Vec<Sums>,
    days: Vec<Sums>,
    hours: [[Sums; 24]; 7],
}

/// Utilization of `rooms` over `range` in `zone`. Bookings of other rooms are ignored; rooms
/// should be listed once. Time: bookings sorted per room, then one pass over each room's windows
/// (O(b log b + days x rooms x hours per window)).
pub fn utilization(
    zone: &TimeZoneName,
    range: DateRange,
    rooms: &[ReportRoom],
    bookings: &[ReportBooking],
) -> Result<Utilization, ReportError> {
    let tz = zone.time_zone();
    let dates: Vec<Date> = range.dates().collect();
    let mut tally = Tally {
        rooms: vec![Sums::default(); rooms.len()],
        days: vec![Sums::default(); dates.len()],
        hours: [[Sums::default(); 24]; 7],
    };
    let held = held_by_room(rooms, bookings);
    let office = BookableHours::office();
    for (index, room) in rooms.iter().enumerate() {
        let windows = windows(&tz, &dates, room.bookable_hours.as_ref().unwrap_or(&office))?;
        for w in &windows {
            tally.rooms[index].bookable += w.close - w.open;
            tally.days[w.day].bookable += w.close - w.open;
            clock::by_local_hour(&tz, w.open, w.close, |d, h, m| tally.hours[d][h].bookable += m)?;
        }
        for (w, start, end) in intersect(&windows, &held[index]) {
            tally.rooms[index].booked += end - start;
            tally.days[w.day].booked += end - start;
            clock::by_local_hour(&tz, start, end, |d, h, m| tally.hours[d][h].booked += m)?;
        }
    }
    Ok(report(rooms, &dates, &tally))
}

/// Each room's held minutes as sorted, disjoint `[start, end)` pairs (Unix minutes).
fn held_by_room(rooms: &[ReportRoom], bookings: &[ReportBooking]) -> Vec<Vec<(i64, i64)>> {
    let index: HashMap<RoomId, usize> = rooms.iter().enumerate().rev().map(|(i, r)| (r.id, i)).collect();
    let mut held = vec![Vec::new(); rooms.len()];
    for b in bookings.iter().filter(|b| b.status != BookingStatus::Cancelled) {
        let Some(&i) = index.get(&b.room_id) else { continue };
        let end = b.ended_holding_at.map_or(b.time.end, |at| at.min(b.time.end));
        let (start, end) = (clock::minute_of(b.time.start), clock::minute_of(end));
        if start < end {
            held[i].push((start, end));
        }
    }
    held.into_iter().map(union).collect()
}

/// Overlapping or touching intervals merged: a minute held by two meetings counts once.
fn union(mut intervals: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    intervals.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// A room's bookable windows on `dates`, in order (each lies within its date, so they are disjoint).
fn windows(tz: &jiff::tz::TimeZone, dates: &[Date], hours: &BookableHours) -> Result<Vec<Window>, ReportError> {
    let mut windows = Vec::new();
    for (day, date) in dates.iter().enumerate() {
        if hours.days.contains(&date.weekday().into()) {
            let (open, close) = clock::window(tz, *date, hours.opens, hours.closes)?;
            if open < close {
                windows.push(Window { day, open, close });
            }
        }
    }
    Ok(windows)
}

/// The overlaps of two sorted lists of disjoint intervals, each with the window it lies in.
fn intersect<'w>(windows: &'w [Window], held: &[(i64, i64)]) -> Vec<(&'w Window, i64, i64)> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while let (Some(w), Some(&(start, end))) = (windows.get(i), held.get(j)) {
        let (from, until) = (w.open.max(start), w.close.min(end));
        if from < until {
            out.push((w, from, until));
        }
        if w.close < end { i += 1 } else { j += 1 }
    }
    out
}

fn report(rooms: &[ReportRoom], dates: &[Date], tally: &Tally) -> Utilization {
    let by_room =
        rooms.iter().zip(&tally.rooms).map(|(r, s)| RoomRow { room_id: r.id, figures: s.figures() }).collect();
    let by_day = dates.iter().zip(&tally.days).map(|(d, s)| DayRow { date: *d, figures: s.figures() }).collect();
    let mut by_weekday_hour = Vec::with_capacity(7 * 24);
    for (weekday, hours) in (0u8..).zip(&tally.hours) {
        for (hour, sums) in (0u8..).zip(hours) {
            by_weekday_hour.push(HourRow { weekday, hour, figures: sums.figures() });
        }
    }
    let total = tally
        .rooms
        .iter()
        .fold(Sums::default(), |t, s| Sums { booked: t.booked + s.booked, bookable: t.bookable + s.bookable });
    Utilization { by_room, by_day, by_weekday_hour, total: total.figures() }
}
