//! Who met in each room, in sums that add up: what the report rollups keep per room and local
//! start date for the ghost, right-sizing and external-guest reports, beside the cancellations'
//! [`super::cancellations::Tally`].
//!
//! A [`MeetingTally`] counts with the very rules of [`super::ghosts`], [`super::sizing`] and
//! [`super::people`], so merged tallies give their figures exactly (checked in the tests). Only
//! the ghost counts depend on the clock: a tally counts its meetings as if they were all over, and
//! says until when one may still hold its room ([`MeetingTally::held_until`]); a report reads a
//! tally's ghost counts only once that has passed, and the meetings of the dates before it live.

use super::cancellations::BookingFacts;
use super::ghosts::{GhostFacts, GhostSums, held_minutes};
use super::sizing::SizingSums;
use crate::{BookingStatus, Millis, RoomId};
use std::collections::HashMap;

/// What the rollups need of a booking that starts on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingFacts {
    /// What the cancellations report needs.
    pub booking: BookingFacts,
    /// When it was last written: a released booking's release (see [`super::ReportBooking`]).
    pub updated_at: Millis,
    /// Invitees plus the organizer.
    pub people: u32,
    /// At least one invitee is not a person of the organization.
    pub external_guests: bool,
    /// Somebody checked in to it.
    pub checked_in: bool,
}

impl MeetingFacts {
    fn ended_holding_at(&self) -> Option<Millis> {
        (self.booking.status == BookingStatus::Released).then_some(self.updated_at)
    }

    /// When it stopped (or will stop) holding its room: its end, or its release.
    fn holds_until(&self) -> Millis {
        self.ended_holding_at().map_or(self.booking.time.end, |at| at.min(self.booking.time.end))
    }
}

/// The meetings of one room on one date (or of many, merged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeetingTally {
    /// Bookings somebody checked in to, whatever became of them: check-in is used in the room.
    pub checked_in: u64,
    /// Confirmed and released bookings (cancelled ones are no meeting), their people (organizers
    /// included) against the room's seats.
    pub sizing: SizingSums,
    pub with_external_guests: u64,
    /// Meetings nobody checked in to, and the whole minutes they held their rooms.
    pub ghosts: u64,
    pub ghost_minutes: i64,
    /// When the last meeting stops holding its room (0 with none): until then the ghost counts
    /// are not final.
    pub held_until: Millis,
}

impl MeetingTally {
    /// Counts a booking of a room with `seats` (`None`: not a seated room).
    pub fn add(&mut self, b: &MeetingFacts, seats: Option<u32>) {
        self.checked_in += u64::from(b.checked_in);
        if b.booking.status == BookingStatus::Cancelled {
            return;
        }
        self.sizing.add(b.people, seats);
        self.with_external_guests += u64::from(b.external_guests);
        if !b.checked_in {
            self.ghosts += 1;
            self.ghost_minutes += held_minutes(b.booking.time, b.ended_holding_at());
        }
        self.held_until = self.held_until.max(b.holds_until());
    }

    pub fn merge(&mut self, other: &MeetingTally) {
        self.checked_in += other.checked_in;
        self.sizing.merge(&other.sizing);
        self.with_external_guests += other.with_external_guests;
        self.ghosts += other.ghosts;
        self.ghost_minutes += other.ghost_minutes;
        self.held_until = self.held_until.max(other.held_until);
    }

    /// The ghost sums, the meetings being over (see [`MeetingTally::held_until`]).
    pub fn ghosts(&self) -> GhostSums {
        GhostSums {
            used: self.checked_in > 0,
            bookings: self.sizing.meetings,
            ghosts: self.ghosts,
            ghost_minutes: self.ghost_minutes,
        }
    }
}

/// Each room's ghost sums over a range whose dates before the first not yet settled one (some
/// meeting still holding its room at `now`) are summed from their tallies (`settled`), and whose
/// remaining dates are counted live from their bookings (`live`). Whether check-in is used comes
/// from the tallies of the whole range (`whole`), which hold every check-in.
pub fn ghost_sums_of(
    whole: &HashMap<RoomId, MeetingTally>,
    settled: &HashMap<RoomId, MeetingTally>,
    live: &[GhostFacts],
    now: Millis,
) -> HashMap<RoomId, GhostSums> {
    let mut sums = super::ghosts::ghost_sums(live, now);
    for (room, tally) in settled {
        sums.entry(*room).or_default().merge(&tally.ghosts());
    }
    for (room, tally) in whole {
        sums.entry(*room).or_default().used |= tally.checked_in > 0;
    }
    sums
}
