//! Right-sizing: how many people meet in each room against the seats it has, so rooms too big or
//! too small for their meetings stand out. Over the bookings that start in a report's range.
//!
//! - **Meetings**: confirmed and released bookings (a released one was still booked for those
//!   people); cancelled ones never count.
//! - **People** of a meeting: its invitees plus the organizer (invitees never include the
//!   organizer), whether or not they came.
//! - **Verdict**, per room, in this order:
//!   - `unknown`: the room has no seat count (a virtual room: its limit is meetings at once, not
//!     seats), or held no meeting;
//!   - `too_small`: at least 1 meeting in 10 had more people than seats;
//!   - `too_big`: at least 3 meetings in 4 used at most half the seats;
//!   - `fits`: otherwise.
//!
//! The thresholds compare whole counts (`10 x over >= meetings`, `4 x half_empty >= 3 x
//! meetings`), so a figure on the boundary gets the same verdict everywhere.

use crate::{BookingStatus, RoomId};
use serde::Serialize;
use std::collections::HashMap;

/// A room as this report sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizingRoom {
    pub id: RoomId,
    /// Seats; `None`: not a seated room (virtual), so no verdict.
    pub capacity: Option<u32>,
}

impl From<&crate::Room> for SizingRoom {
    fn from(room: &crate::Room) -> Self {
        Self { id: room.id, capacity: (!room.is_shared()).then_some(room.capacity) }
    }
}

/// What the report needs of a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizingFacts {
    pub room_id: RoomId,
    pub status: BookingStatus,
    /// Invitees plus the organizer.
    pub people: u32,
}

impl From<&crate::Booking> for SizingFacts {
    fn from(b: &crate::Booking) -> Self {
        let invitees = u32::try_from(b.attendees.len()).unwrap_or(u32::MAX);
        Self { room_id: b.room_id, status: b.status, people: invitees.saturating_add(1) }
    }
}

/// Whether a room suits its meetings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    TooSmall,
    TooBig,
    Fits,
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooSmall => "too_small",
            Self::TooBig => "too_big",
            Self::Fits => "fits",
            Self::Unknown => "unknown",
        }
    }
}

/// One room's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SizingRow {
    pub room_id: RoomId,
    pub capacity: Option<u32>,
    pub meetings: u64,
    /// People per meeting on average, 4 decimals; 0 with no meetings.
    pub average_people: f64,
    /// The most people in one meeting; 0 with no meetings.
    pub peak_people: u32,
    /// Meetings with more people than seats (0 without a seat count).
    pub over_capacity: u64,
    /// Meetings with at most half as many people as seats (0 without a seat count).
    pub half_empty: u64,
    pub verdict: Verdict,
}

/// What a room's figures are made of, in sums that add up (see [`super::meetings`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SizingSums {
    pub meetings: u64,
    /// People of the meetings, summed.
    pub people: i64,
    pub peak: u32,
    pub over: u64,
    pub half_empty: u64,
}

impl SizingSums {
    /// Counts a meeting of `people` in a room with `seats` (`None`: not a seated room).
    pub fn add(&mut self, people: u32, seats: Option<u32>) {
        self.meetings += 1;
        self.people += i64::from(people);
        self.peak = self.peak.max(people);
        if let Some(seats) = seats {
            self.over += u64::from(people > seats);
            self.half_empty += u64::from(u64::from(people) * 2 <= u64::from(seats));
        }
    }

    pub fn merge(&mut self, other: &SizingSums) {
        self.meetings += other.meetings;
        self.people += other.people;
        self.peak = self.peak.max(other.peak);
        self.over += other.over;
        self.half_empty += other.half_empty;
    }
}

/// One row per room given, in the order given, over `bookings` (those starting in the range;
/// other rooms' are ignored).
pub fn sizing(rooms: &[SizingRoom], bookings: &[SizingFacts]) -> Vec<SizingRow> {
    let seats: HashMap<RoomId, Option<u32>> = rooms.iter().map(|r| (r.id, r.capacity)).collect();
    let mut sums: HashMap<RoomId, SizingSums> = HashMap::new();
    for b in bookings.iter().filter(|b| b.status != BookingStatus::Cancelled) {
        let Some(&capacity) = seats.get(&b.room_id) else { continue };
        sums.entry(b.room_id).or_default().add(b.people, capacity);
    }
    sizing_from(rooms, &sums)
}

/// The rows from each room's sums (rooms without any held no meeting).
pub fn sizing_from(rooms: &[SizingRoom], sums: &HashMap<RoomId, SizingSums>) -> Vec<SizingRow> {
    rooms
        .iter()
        .map(|room| {
            let s = sums.get(&room.id).copied().unwrap_or_default();
            SizingRow {
                room_id: room.id,
                capacity: room.capacity,
                meetings: s.meetings,
                average_people: super::ratio(s.people, s.meetings as i64),
                peak_people: s.peak,
                over_capacity: s.over,
                half_empty: s.half_empty,
                verdict: verdict(room.capacity, &s),
            }
        })
        .collect()
}

fn verdict(capacity: Option<u32>, s: &SizingSums) -> Verdict {
    if capacity.is_none() || s.meetings == 0 {
        Verdict::Unknown
    } else if s.over * 10 >= s.meetings && s.over > 0 {
        Verdict::TooSmall
    } else if s.half_empty * 4 >= s.meetings * 3 {
        Verdict::TooBig
    } else {
        Verdict::Fits
    }
}
