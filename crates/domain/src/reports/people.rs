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
