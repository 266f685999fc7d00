//! Who books, and with whom: the organizers with the most meetings (a per-person figure, which an
//! organization may switch off) and the share of meetings with external guests (an aggregate,
//! always there). Over the bookings that start in a report's range.
//!
//! - **Meetings**: confirmed and released bookings; cancelled ones never count.
//! - **Minutes** of an organizer: the whole minutes their meetings held the room, to the end or to
//!   the release (instants floored to the minute, as in utilization), not clipped to the range.
//! - **Top organizers**: most meetings first, then most minutes, then by id (so ties are stable).
//! - **External guests**: a meeting has one when an invitee is not a person of the organization.

use crate::{Booking, BookingStatus, Millis, RoomId, TimeRange, UserId};
use serde::Serialize;
use std::collections::HashMap;

/// What the reports need of a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeopleFacts {
    pub room_id: RoomId,
    pub organizer_id: UserId,
    pub status: BookingStatus,
    pub time: TimeRange,
    /// When a released booking stopped holding the room (see [`super::ReportBooking`]).
    pub ended_holding_at: Option<Millis>,
    /// At least one invitee is not a person of the organization.
    pub external_guests: bool,
}

impl From<&Booking> for PeopleFacts {
    fn from(b: &Booking) -> Self {
        let held = super::ReportBooking::from(b);
        Self {
            room_id: b.room_id,
            organizer_id: b.organizer_id,
            status: b.status,
            time: b.time,
            ended_holding_at: held.ended_holding_at,
            external_guests: b.attendees.iter().any(|a| !a.is_internal()),
        }
    }
}

impl PeopleFacts {
    fn is_meeting(&self) -> bool {
        self.status != BookingStatus::Cancelled
    }
}

/// One organizer's meetings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrganizerRow {
    pub organizer_id: UserId,
    pub meetings: u64,
    pub minutes: i64,
}

/// The `limit` organizers with the most meetings among `bookings`.
pub fn top_organizers(bookings: &[PeopleFacts], limit: usize) -> Vec<OrganizerRow> {
    let mut sums: HashMap<UserId, (u64, i64)> = HashMap::new();
    for b in bookings.iter().filter(|b| b.is_meeting()) {
        let sum = sums.entry(b.organizer_id).or_default();
        sum.0 += 1;
        sum.1 += super::ghosts::held_minutes(b.time, b.ended_holding_at);
    }
    let rows = sums
        .into_iter()
        .map(|(organizer_id, (meetings, minutes))| OrganizerRow { organizer_id, meetings, minutes })
        .collect();
    top_of(rows, limit)
}

/// The `limit` first of every organizer's `rows`: most meetings first, then most minutes, then
/// by id.
pub fn top_of(mut rows: Vec<OrganizerRow>, limit: usize) -> Vec<OrganizerRow> {
    rows.sort_by(|a, b| {
        b.meetings.cmp(&a.meetings).then(b.minutes.cmp(&a.minutes)).then(a.organizer_id.cmp(&b.organizer_id))
    });
    rows.truncate(limit);
    rows
}

/// How many meetings had external guests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct GuestShare {
    pub meetings: u64,
    pub with_external_guests: u64,
    /// `with_external_guests / meetings`, 4 decimals; 0 with no meetings.
    pub external_guest_share: f64,
}

impl GuestShare {
    pub fn of(meetings: u64, with_external_guests: u64) -> Self {
        let share = super::ratio(
            i64::try_from(with_external_guests).unwrap_or(i64::MAX),
            i64::try_from(meetings).unwrap_or(i64::MAX),
        );
        Self { meetings, with_external_guests, external_guest_share: share }
    }
}

/// The share of `bookings`' meetings with at least one external guest.
pub fn external_guests(bookings: &[PeopleFacts]) -> GuestShare {
    let meetings: Vec<&PeopleFacts> = bookings.iter().filter(|b| b.is_meeting()).collect();
    let with = meetings.iter().filter(|b| b.external_guests).count();
    GuestShare::of(meetings.len() as u64, with as u64)
}

/// What the rollups need of a booking for the top organizers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrganizerFacts {
    pub organizer_id: UserId,
    pub status: BookingStatus,
    pub time: TimeRange,
    /// When it was last written: a released booking's release.
    pub updated_at: Millis,
}

/// One organizer's meetings that started on one local date, as the rollups keep them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizerDay {
    pub date: jiff::civil::Date,
    pub organizer_id: UserId,
    pub meetings: u64,
    pub minutes: i64,
}

/// Each organizer's meetings (not cancelled) per local start date of `range`, with the minutes of
/// [`top_organizers`]; bookings starting outside the range are ignored.
pub fn organizer_days(
    zone: &crate::TimeZoneName,
    range: super::DateRange,
    bookings: &[OrganizerFacts],
) -> Vec<OrganizerDay> {
    let tz = zone.time_zone();
    let mut sums: std::collections::BTreeMap<(jiff::civil::Date, UserId), (u64, i64)> = Default::default();
    for b in bookings.iter().filter(|b| b.status != BookingStatus::Cancelled) {
        let Ok(at) = jiff::Timestamp::from_millisecond(b.time.start) else { continue };
        let date = at.to_zoned_datetime(tz.clone()).date();
        if date < range.from() || date > range.to() {
            continue;
        }
        let released = (b.status == BookingStatus::Released).then_some(b.updated_at);
        let sum = sums.entry((date, b.organizer_id)).or_default();
        sum.0 += 1;
        sum.1 += super::ghosts::held_minutes(b.time, released);
    }
    sums.into_iter()
        .map(|((date, organizer_id), (meetings, minutes))| OrganizerDay { date, organizer_id, meetings, minutes })
        .collect()
}

/// Dates from the first to the last, both included.
pub type Dates = (jiff::civil::Date, jiff::civil::Date);

/// The runs merged where they overlap or follow each other, in date order.
pub fn merged(runs: impl IntoIterator<Item = Dates>) -> Vec<Dates> {
    let mut runs: Vec<Dates> = runs.into_iter().collect();
    runs.sort();
    let mut merged: Vec<Dates> = Vec::new();
    for (from, to) in runs {
        match merged.last_mut() {
            Some(last) if from <= last.1.tomorrow().unwrap_or(last.1) => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

/// A range split for sums kept per date and per month: the whole months inside it (the first day
/// of the first and of the last), and the runs of dates outside them.
pub fn month_split(range: super::DateRange) -> (Option<Dates>, Vec<Dates>) {
    let (from, to) = (range.from(), range.to());
    let first = if from.day() == 1 { Some(from) } else { from.last_of_month().tomorrow().ok() };
    let last = if to == to.last_of_month() {
        Some(to.first_of_month())
    } else {
        to.first_of_month().yesterday().ok().map(|d| d.first_of_month())
    };
    match (first, last) {
        (Some(first), Some(last)) if first <= last => {
            let mut runs = Vec::new();
            if from < first {
                runs.push((from, first.yesterday().unwrap_or(from)));
            }
            let after = last.last_of_month();
            if after < to {
                runs.push((after.tomorrow().unwrap_or(to), to));
            }
            (Some((first, last)), runs)
        }
        _ => (None, vec![(from, to)]),
    }
}
