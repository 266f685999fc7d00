//! Overlaps inside one batch of bookings (a series' occurrences, "this and following"): the rule
//! that no two confirmed bookings hold one room at once, applied to the batch itself before it is
//! compared with what is stored.

use crate::{Booking, TimeRange};

/// The most of `meetings` running at once at any instant of `within` (half-open ranges: one
/// ending as another starts never runs with it). A virtual room takes another meeting only while
/// this stays under its limit.
pub fn most_at_once(meetings: &[TimeRange], within: TimeRange) -> usize {
    let mut edges: Vec<(i64, i32)> = meetings
        .iter()
        .filter(|m| m.overlaps(&within))
        .flat_map(|m| [(m.start.max(within.start), 1), (m.end.min(within.end), -1)])
        .collect();
    // Ends before starts at the same instant.
    edges.sort_unstable();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    usize::try_from(most).unwrap_or(0)
}

/// The stretches of time in which `meetings` are `limit` or more at once: when a virtual room
/// with that limit is full. Touching stretches are joined.
pub fn full_stretches(meetings: &[TimeRange], limit: usize) -> Vec<TimeRange> {
    let mut edges: Vec<(i64, i32)> = meetings.iter().flat_map(|m| [(m.start, 1), (m.end, -1)]).collect();
    edges.sort_unstable();
    let mut full: Vec<TimeRange> = Vec::new();
    let (mut now, mut since) = (0usize, None);
    for (at, step) in edges {
        now = if step > 0 { now + 1 } else { now.saturating_sub(1) };
        match (now >= limit, since) {
            (true, None) => since = Some(at),
            (false, Some(start)) => {
                since = None;
                match full.last_mut() {
                    Some(last) if last.end == start => last.end = at,
                    _ => full.extend(TimeRange::new(start, at).ok()),
                }
            }
            _ => {}
        }
    }
    full
}

/// The first pair of confirmed bookings in `bookings` that share a room and overlap, as
/// `(earlier, later)` in the slice's order: `later` is the first booking that conflicts with one
/// before it, and `earlier` the first of those it conflicts with. `None` when no two overlap.
/// Cancelled and released bookings hold no room and never overlap.
pub fn first_overlap(bookings: &[Booking]) -> Option<(&Booking, &Booking)> {
    bookings.iter().enumerate().filter(|(_, b)| b.is_confirmed()).find_map(|(i, later)| {
        bookings
            .iter()
            .take(i)
            .find(|e| e.is_confirmed() && e.room_id == later.room_id && e.time.overlaps(&later.time))
            .map(|earlier| (earlier, later))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BookingStatus, RoomId, TimeRange};
    use proptest::prelude::*;

    const MINUTE: i64 = 60_000;
    /// 2027-01-05T09:00:00Z.
    const NINE: i64 = 1_799_139_600_000;

    /// A confirmed booking of `room` from `start` to `end` minutes after nine.
    fn booking(room: RoomId, start: i64, end: i64) -> Booking {
        let at = |minutes: i64| NINE + minutes * MINUTE;
        Booking { room_id: room, ..super::super::sample::booking(TimeRange::new(at(start), at(end)).unwrap()) }
    }

    fn range(start: i64, end: i64) -> TimeRange {
        TimeRange::new(NINE + start * MINUTE, NINE + end * MINUTE).unwrap()
    }

    #[test]
    fn meetings_at_once_count_half_open_ranges() {
        let meetings = [range(0, 60), range(30, 90), range(60, 120), range(45, 50)];
        assert_eq!(most_at_once(&meetings, range(0, 120)), 3, "9:45-9:50 has three");
        assert_eq!(most_at_once(&meetings, range(60, 120)), 2, "the first ends as the third starts");
        assert_eq!(most_at_once(&meetings, range(120, 180)), 0);
        assert_eq!(full_stretches(&meetings, 2), vec![range(30, 90)]);
        assert_eq!(full_stretches(&meetings, 3), vec![range(45, 50)]);
        assert_eq!(full_stretches(&meetings, 5), vec![]);
        assert_eq!(full_stretches(&[range(0, 30), range(30, 60)], 1), vec![range(0, 60)], "joined");
    }

    fn with_status(b: Booking, status: BookingStatus) -> Booking {
        Booking { status, ..b }
    }

    /// The pair found, as indexes into `bookings`.
    fn found(bookings: &[Booking]) -> Option<(usize, usize)> {
        let index = |b: &Booking| bookings.iter().position(|x| x.id == b.id).unwrap();
        first_overlap(bookings).map(|(earlier, later)| (index(earlier), index(later)))
    }

    #[test]
    fn no_bookings_or_one_do_not_overlap() {
        assert_eq!(found(&[]), None);
        assert_eq!(found(&[booking(RoomId::new(), 0, 60)]), None);
    }

    #[test]
    fn back_to_back_bookings_do_not_overlap() {
        let room = RoomId::new();
        assert_eq!(found(&[booking(room, 0, 60), booking(room, 60, 120), booking(room, -60, 0)]), None);
    }

    #[test]
    fn the_same_time_in_other_rooms_does_not_overlap() {
        assert_eq!(found(&[booking(RoomId::new(), 0, 60), booking(RoomId::new(), 0, 60)]), None);
    }

    #[test]
    fn overlapping_bookings_of_one_room_are_found_in_order() {
        let room = RoomId::new();
        assert_eq!(found(&[booking(room, 0, 60), booking(room, 30, 90)]), Some((0, 1)));
        // Containment counts; the earlier one is the one first in the batch, not the one first in time.
        assert_eq!(found(&[booking(room, 60, 120), booking(room, 0, 180)]), Some((0, 1)));
    }

    #[test]
    fn cancelled_and_released_bookings_hold_no_room() {
        let room = RoomId::new();
        let cancelled = with_status(booking(room, 0, 60), BookingStatus::Cancelled);
        let released = with_status(booking(room, 0, 60), BookingStatus::Released);
        assert_eq!(found(&[cancelled.clone(), booking(room, 0, 60)]), None);
        assert_eq!(found(&[booking(room, 0, 60), released.clone()]), None);
        assert_eq!(found(&[cancelled, released, booking(room, 30, 90), booking(room, 0, 60)]), Some((2, 3)));
    }

    #[test]
    fn the_first_conflicting_booking_wins_and_names_the_first_it_overlaps() {
        let (a, b) = (RoomId::new(), RoomId::new());
        let bookings = [
            booking(a, 0, 60),
            booking(b, 240, 300),
            booking(a, 120, 180),
            // Overlaps the first and the third: the first is named.
            booking(a, 30, 150),
            // Overlaps the second, but comes later in the batch.
            booking(b, 270, 330),
        ];
        assert_eq!(found(&bookings), Some((0, 3)));
        // Without the first booking, the one from 9:30 meets the one from 11:00 before the last one
        // meets the one from 13:00.
        assert_eq!(found(&bookings[1..]), Some((1, 2)));
    }

    proptest! {
        /// Against the rule written out pair by pair: the smallest `(later, earlier)` of confirmed
        /// bookings of one room that share an instant.
        #[test]
        fn matches_brute_force(
            batch in prop::collection::vec((0usize..2, 0i64..24, 1i64..8, prop::bool::weighted(0.8)), 0..10),
        ) {
            let rooms = [RoomId::new(), RoomId::new()];
            let bookings: Vec<Booking> = batch
                .iter()
                .map(|&(room, start, length, confirmed)| {
                    let b = booking(rooms[room], start * 15, (start + length) * 15);
                    if confirmed { b } else { with_status(b, BookingStatus::Cancelled) }
                })
                .collect();
            let shares_an_instant = |a: &Booking, b: &Booking| {
                (a.time.start..a.time.end).step_by(60_000).any(|t| b.time.start <= t && t < b.time.end)
            };
            let expected = (0..bookings.len())
                .flat_map(|later| (0..later).map(move |earlier| (earlier, later)))
                .find(|&(e, l)| {
                    let (e, l) = (&bookings[e], &bookings[l]);
                    e.is_confirmed() && l.is_confirmed() && e.room_id == l.room_id && shares_an_instant(e, l)
                });
            prop_assert_eq!(found(&bookings), expected);
        }
    }
}
