//! Local wall-clock arithmetic for reports, in whole Unix minutes: where a room's bookable window
//! falls on a civil date, and how a stretch of time splits into local hours. jiff does the DST.

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Error, Timestamp};

/// Milliseconds in a minute.
const MINUTE_MS: i64 = 60_000;

/// The Unix minute an instant falls in (floored, so instants before 1970 too).
pub(super) fn minute_of(ms: i64) -> i64 {
    ms.div_euclid(MINUTE_MS)
}

/// The Unix minute at which `local` happens in `tz`. A time skipped by a spring-forward gap reads
/// as the instant after the gap and a time repeated by a fall-back as its first occurrence (RFC
/// 5545's and jiff's "compatible" rule), so a window 01:00-04:00 on Madrid's spring-forward day
/// is two hours of real time and one 01:00-04:00 on its fall-back day four.
pub(super) fn minute_at(tz: &TimeZone, local: DateTime) -> Result<i64, Error> {
    let instant = tz.to_ambiguous_timestamp(local).compatible()?;
    Ok(instant.as_second().div_euclid(60))
}

/// The real minutes `[open, close)` of a window from `opens` to `closes` (wall clock) on `date`.
pub(super) fn window(tz: &TimeZone, date: Date, opens: Time, closes: Time) -> Result<(i64, i64), Error> {
    Ok((minute_at(tz, date.to_datetime(opens))?, minute_at(tz, date.to_datetime(closes))?))
}

/// Calls `each(weekday, hour, minutes)` for every piece of `[start, end)` (Unix minutes) that
/// lies in one local hour, the weekday counted from Monday = 0. A fall-back's repeated hour is
/// one piece labelled with that hour; a spring-forward's missing hour gets nothing.
pub(super) fn by_local_hour(
    tz: &TimeZone,
    start: i64,
    end: i64,
    mut each: impl FnMut(usize, usize, i64),
) -> Result<(), Error> {
    let mut at = start;
    while at < end {
        let local = tz.to_datetime(Timestamp::from_second(at * 60)?);
        let hour_start = local.date().to_datetime(Time::new(local.hour(), 0, 0, 0)?);
        // The next local hour starts at the next wall-clock hour, wherever DST puts it; always
        // at least a minute on, so an odd zone's transition cannot stall the walk.
        let next = minute_at(tz, hour_start.checked_add(1.hour())?)?.max(at + 1).min(end);
        let weekday = usize::from(local.weekday().to_monday_zero_offset().unsigned_abs());
        each(weekday, usize::from(local.hour().unsigned_abs()), next - at);
        at = next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn madrid() -> TimeZone {
        TimeZone::get("Europe/Madrid").unwrap()
    }

    #[test]
    fn windows_are_real_time_on_dst_days() {
        let tz = madrid();
        let minutes = |d: Date| window(&tz, d, time(1, 0, 0, 0), time(4, 0, 0, 0)).map(|(o, c)| c - o).unwrap();
        // Spring forward (02:00 -> 03:00): 01:00 CET to 04:00 CEST is 2 h.
        assert_eq!(minutes(date(2027, 3, 28)), 120);
        // Fall back (03:00 -> 02:00): 01:00 CEST to 04:00 CET is 4 h.
        assert_eq!(minutes(date(2027, 10, 31)), 240);
        assert_eq!(minutes(date(2027, 3, 27)), 180);
    }

    #[test]
    fn hours_split_across_dst() {
        let tz = madrid();
        let spring = window(&tz, date(2027, 3, 28), time(1, 30, 0, 0), time(3, 30, 0, 0)).unwrap();
        let mut pieces = Vec::new();
        by_local_hour(&tz, spring.0, spring.1, |d, h, m| pieces.push((d, h, m))).unwrap();
        // Sunday (6): 01:30-02:00 in hour 1, then the clock jumps to 03:00.
        assert_eq!(pieces, vec![(6, 1, 30), (6, 3, 30)]);
        let autumn = window(&tz, date(2027, 10, 31), time(1, 30, 0, 0), time(3, 30, 0, 0)).unwrap();
        pieces.clear();
        by_local_hour(&tz, autumn.0, autumn.1, |d, h, m| pieces.push((d, h, m))).unwrap();
        // Hour 2 happens twice: 120 minutes.
        assert_eq!(pieces, vec![(6, 1, 30), (6, 2, 120), (6, 3, 30)]);
    }

    #[test]
    fn minutes_floor() {
        assert_eq!(minute_of(119_999), 1);
        assert_eq!(minute_of(-1), -1);
    }
}
