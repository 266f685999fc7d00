//! Free time: where a meeting of some length still fits among a room's busy intervals, for the
//! suggestions a conflict comes with ("the next free slots in this room").

use crate::{Millis, TimeRange};

/// Up to `count` free ranges as long as `want`, the first starting at `want.start` or later, each
/// on a multiple of `step` from `want.start`, none overlapping `busy` or another suggestion, all
/// ending by `until`.
pub fn free_slots(busy: &[TimeRange], want: TimeRange, until: Millis, step: Millis, count: usize) -> Vec<TimeRange> {
    free_slots_where(busy, want, until, step, count, |_| true)
}

/// [`free_slots`] that are also `allowed` (the booking rules and the room's hours, say).
pub fn free_slots_where(
    busy: &[TimeRange],
    want: TimeRange,
    until: Millis,
    step: Millis,
    count: usize,
    allowed: impl Fn(&TimeRange) -> bool,
) -> Vec<TimeRange> {
    let length = want.duration_ms();
    let mut found = Vec::new();
    let mut start = want.start;
    while found.len() < count && step > 0 && length > 0 && start + length <= until {
        let candidate = TimeRange { start, end: start + length };
        match busy.iter().filter(|b| b.overlaps(&candidate)).map(|b| b.end).max() {
            // Jump past what is in the way, to the next step boundary.
            Some(busy_end) => {
                let gap = busy_end - start;
                start += ((gap + step - 1) / step).max(1) * step;
            }
            None if allowed(&candidate) => {
                found.push(candidate);
                start = candidate.end;
            }
            None => start += step,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Millis = 60_000;

    fn r(from_min: i64, to_min: i64) -> TimeRange {
        TimeRange { start: from_min * M, end: to_min * M }
    }

    #[test]
    fn the_next_free_slots_skip_what_is_busy() {
        // Busy 10:00-11:00 and 11:30-12:00 (minutes from midnight); an hour wanted at 10:00.
        let busy = [r(600, 660), r(690, 720)];
        let slots = free_slots(&busy, r(600, 660), 18 * 60 * M, 15 * M, 3);
        assert_eq!(slots, [r(720, 780), r(780, 840), r(840, 900)]);
        // Half an hour fits in the gap between them.
        assert_eq!(free_slots(&busy, r(600, 630), 24 * 60 * M, 15 * M, 1), [r(660, 690)]);
        // Nothing before the day ends.
        assert!(free_slots(&busy, r(600, 660), 700 * M, 15 * M, 3).is_empty());
        // A free start is its own first suggestion.
        assert_eq!(free_slots(&[], r(600, 660), 24 * 60 * M, 15 * M, 1), [r(600, 660)]);
    }

    #[test]
    fn slots_a_rule_forbids_are_passed_over() {
        // Only starts from 09:00 are allowed; an hour wanted at 07:00, 08:30-09:30 busy.
        let allowed = |t: &TimeRange| t.start >= 540 * M;
        let slots = free_slots_where(&[r(510, 570)], r(420, 480), 24 * 60 * M, 15 * M, 2, allowed);
        assert_eq!(slots, [r(570, 630), r(630, 690)]);
        // Nothing allowed: nothing, and the search ends.
        assert!(free_slots_where(&[], r(420, 480), 24 * 60 * M, 15 * M, 2, |_| false).is_empty());
    }
}
