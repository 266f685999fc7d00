//! Ghost meetings: bookings that held a room nobody came to. Over the bookings that start in a
//! report's range (like cancellations), in the rooms where check-in is used.
//!
//! - **Check-in is used** in a room when at least one of its bookings starting in the range has a
//!   check-in (whatever became of that booking). Elsewhere nobody checks in at all, so an empty
//!   check-in list says nothing: those rooms have a row, with `check_in_used: false` and zeros,
//!   and stay out of the total.
//! - **Counted**: the bookings of those rooms that are over by `now`: confirmed ones whose end has
//!   passed, and released (no-show) ones, whose release has. Cancelled bookings never count; a
//!   meeting still running or yet to come is not counted yet (it may still be attended).
//! - **Ghost**: a counted booking nobody checked in to. A released booking is always one (the
//!   release happens only when nobody checked in).
//! - **Minutes held**: a ghost's whole minutes from its start to its end, or to its release when
//!   released earlier (instants floored to the minute, as in utilization); not clipped to the
//!   range nor to bookable hours: the whole booking is what the room lost.
//!
//! The rate is `ghosts / bookings`, 4 decimals ([`super::ratio`]).

use super::ReportBooking;
use crate::{BookingStatus, Millis, RoomId, TimeRange};
use serde::Serialize;
use std::collections::HashMap;

/// What the report needs of a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GhostFacts {
    pub room_id: RoomId,
    pub status: BookingStatus,
    pub time: TimeRange,
    /// When a released booking stopped holding the room (see [`ReportBooking`]).
    pub ended_holding_at: Option<Millis>,
    /// Somebody checked in to it.
    pub checked_in: bool,
}

impl GhostFacts {
    pub fn of(booking: &ReportBooking, checked_in: bool) -> Self {
        Self {
            room_id: booking.room_id,
            status: booking.status,
            time: booking.time,
            ended_holding_at: booking.ended_holding_at,
            checked_in,
        }
    }

    /// Over by `now`: not cancelled, and its end (or its release) has passed.
    fn is_over(&self, now: Millis) -> bool {
        let end = self.ended_holding_at.map_or(self.time.end, |at| at.min(self.time.end));
        self.status != BookingStatus::Cancelled && end <= now
    }
}

/// Whole minutes a booking held its room: from its start to its end, or to its release when that
/// came first (instants floored to the minute).
pub(super) fn held_minutes(time: TimeRange, ended_holding_at: Option<Millis>) -> i64 {
    let end = ended_holding_at.map_or(time.end, |at| at.min(time.end));
    (super::clock::minute_of(end) - super::clock::minute_of(time.start)).max(0)
}

/// The figures of one room, or of all the rooms where check-in is used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct GhostFigures {
    /// Bookings over by now (confirmed and ended, or released).
    pub bookings: u64,
    /// Those nobody checked in to.
    pub ghosts: u64,
    /// `ghosts / bookings`, 4 decimals; 0 with no bookings.
    pub ghost_rate: f64,
    /// Whole minutes the ghosts held their rooms.
    pub ghost_minutes: i64,
}

impl GhostFigures {
    fn rated(mut self) -> Self {
        self.ghost_rate = super::ratio(self.ghosts as i64, self.bookings as i64);
        self
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GhostRoomRow {
    pub room_id: RoomId,
    /// Someone checked in to one of the room's bookings of the range; when not, the figures are 0.
    pub check_in_used: bool,
    #[serde(flatten)]
    pub figures: GhostFigures,
}

/// Ghost meetings per room and in all.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ghosts {
    /// One row per room given, in the order given.
    pub by_room: Vec<GhostRoomRow>,
    /// Over the rooms where check-in is used.
    pub total: GhostFigures,
    /// How many rooms those are.
    pub rooms_with_check_in: u64,
}

/// What a room's ghost figures are made of, in sums that add up (see [`super::meetings`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GhostSums {
    /// Someone checked in to one of the room's bookings.
    pub used: bool,
    /// Bookings over by now (confirmed and ended, or released).
    pub bookings: u64,
    pub ghosts: u64,
    pub ghost_minutes: i64,
}

impl GhostSums {
    pub fn merge(&mut self, other: &GhostSums) {
        self.used |= other.used;
        self.bookings += other.bookings;
        self.ghosts += other.ghosts;
        self.ghost_minutes += other.ghost_minutes;
    }

    fn figures(&self) -> GhostFigures {
        GhostFigures {
            bookings: self.bookings,
            ghosts: self.ghosts,
            ghost_rate: 0.0,
            ghost_minutes: self.ghost_minutes,
        }
    }
}

/// The sums of each room among `bookings` (those starting in the range), as of `now`.
pub fn ghost_sums(bookings: &[GhostFacts], now: Millis) -> HashMap<RoomId, GhostSums> {
    let mut sums: HashMap<RoomId, GhostSums> = HashMap::new();
    for b in bookings {
        let sum = sums.entry(b.room_id).or_default();
        sum.used |= b.checked_in;
        if b.is_over(now) {
            sum.bookings += 1;
            if !b.checked_in {
                sum.ghosts += 1;
                sum.ghost_minutes += held_minutes(b.time, b.ended_holding_at);
            }
        }
    }
    sums
}

/// The ghost meetings of `rooms` among `bookings` (those starting in the range; other rooms'
/// are ignored), as of `now`.
pub fn ghosts(rooms: &[RoomId], bookings: &[GhostFacts], now: Millis) -> Ghosts {
    ghosts_from(rooms, &ghost_sums(bookings, now))
}

/// The report from each room's sums (rooms without any held none).
pub fn ghosts_from(rooms: &[RoomId], sums: &HashMap<RoomId, GhostSums>) -> Ghosts {
    let mut total = GhostFigures::default();
    let mut by_room = Vec::with_capacity(rooms.len());
    let mut rooms_with_check_in = 0;
    for room_id in rooms {
        let sum = sums.get(room_id).copied().unwrap_or_default();
        let f = if sum.used { sum.figures() } else { GhostFigures::default() };
        rooms_with_check_in += u64::from(sum.used);
        total.bookings += f.bookings;
        total.ghosts += f.ghosts;
        total.ghost_minutes += f.ghost_minutes;
        by_room.push(GhostRoomRow { room_id: *room_id, check_in_used: sum.used, figures: f.rated() });
    }
    Ghosts { by_room, total: total.rated(), rooms_with_check_in }
}
