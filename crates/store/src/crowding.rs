//! A virtual room's limit of meetings at once, as both backends check it inside the write's
//! transaction (holding the room's lock): the stored meetings overlapping each written booking,
//! plus the batch's own, must stay under the room's limit at every instant.

use crate::Busy;
use sala_domain::booking::overlap::most_at_once;
use sala_domain::{Booking, TimeRange};

/// The meeting in the way when `b` would make its room hold more than `limit` meetings at once:
/// `stored` are the room's confirmed meetings overlapping `b` (outside the batch), `batch` the
/// bookings being written.
pub(crate) fn over_limit(b: &Booking, limit: u32, stored: &[Busy], batch: &[Booking]) -> Option<Busy> {
    let others =
        batch.iter().filter(|o| o.id != b.id && o.is_confirmed() && o.room_id == b.room_id && o.time.overlaps(&b.time));
    let mut ranges: Vec<TimeRange> = stored.iter().map(|s| s.time).collect();
    ranges.extend(others.map(|o| o.time));
    let at_once = most_at_once(&ranges, b.time) + 1;
    if at_once <= usize::try_from(limit).unwrap_or(usize::MAX) {
        return None;
    }
    stored.iter().min_by_key(|s| (s.time.start, s.booking_id)).copied().or_else(|| {
        batch.iter().find(|o| o.id != b.id && o.room_id == b.room_id && o.time.overlaps(&b.time)).map(|o| Busy {
            booking_id: o.id,
            room_id: o.room_id,
            time: o.time,
        })
    })
}
