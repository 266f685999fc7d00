//! Cancellations and habits: how many bookings were cancelled, why (the reasons people gave),
//! how long before the start, and how far ahead and how long people book. Over the bookings
//! that start in a report's range.

use crate::{Booking, BookingStatus, Millis, TimeRange};
use serde::Serialize;
use std::collections::HashMap;

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// What the report needs of a booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingFacts {
    pub status: BookingStatus,
    pub time: TimeRange,
    pub created_at: Millis,
    pub cancelled_at: Option<Millis>,
    pub cancel_reason: Option<String>,
}

impl From<&Booking> for BookingFacts {
    fn from(b: &Booking) -> Self {
        Self {
            status: b.status,
            time: b.time,
            created_at: b.created_at,
            cancelled_at: b.cancelled_at,
            cancel_reason: b.cancel_reason.clone(),
        }
    }
}

/// How long before its start a booking was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// At or after the start.
    AfterStart,
    UnderAnHour,
    UnderADay,
    UnderAWeek,
    AWeekOrMore,
}

impl Notice {
    pub const ALL: [Notice; 5] =
        [Notice::AfterStart, Notice::UnderAnHour, Notice::UnderADay, Notice::UnderAWeek, Notice::AWeekOrMore];

    /// The notice a cancellation at `at` gave a meeting starting at `start`.
    pub fn of(at: Millis, start: Millis) -> Self {
        match start - at {
            ahead if ahead <= 0 => Notice::AfterStart,
            ahead if ahead < HOUR => Notice::UnderAnHour,
            ahead if ahead < DAY => Notice::UnderADay,
            ahead if ahead < 7 * DAY => Notice::UnderAWeek,
            _ => Notice::AWeekOrMore,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReasonRow {
    /// As people wrote it (trimmed); `""` when they gave none.
    pub reason: String,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NoticeRow {
    pub notice: Notice,
    pub count: u64,
}

/// The figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cancellations {
    /// Bookings starting in the range, whatever became of them.
    pub bookings: u64,
    pub cancelled: u64,
    /// `cancelled / bookings`, 4 decimals.
    pub cancellation_rate: f64,
    /// Most given first, then by reason.
    pub by_reason: Vec<ReasonRow>,
    /// Every notice, in order from the latest.
    pub by_notice: Vec<NoticeRow>,
    /// Minutes from making a booking to its start, on average (whole minutes, rounded down).
    pub average_lead_minutes: i64,
    /// Minutes a booking lasts, on average.
    pub average_duration_minutes: i64,
}

/// The figures of `bookings` (those starting in the range).
pub fn cancellations(bookings: &[BookingFacts]) -> Cancellations {
    let mut tally = Tally::default();
    bookings.iter().for_each(|b| tally.add(b));
    tally.figures()
}

/// What the figures are made of, in sums that add up: a report over many days (or the rollups
/// of many rooms and days) merges the tallies of its parts and gets the same figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub bookings: u64,
    pub cancelled: u64,
    /// Cancellations by notice, in [`Notice::ALL`]'s order.
    pub notices: [u64; 5],
    /// Milliseconds from making each booking to its start (none before), summed.
    pub lead_ms: i64,
    /// Milliseconds each booking lasts, summed.
    pub length_ms: i64,
    /// Cancellations by reason (trimmed; `""` for none).
    pub reasons: HashMap<String, u64>,
}

impl Tally {
    pub fn add(&mut self, b: &BookingFacts) {
        self.bookings += 1;
        self.lead_ms += (b.time.start - b.created_at).max(0);
        self.length_ms += b.time.duration_ms();
        if b.status == BookingStatus::Cancelled {
            self.cancelled += 1;
            *self.reasons.entry(b.cancel_reason.as_deref().unwrap_or_default().trim().to_owned()).or_default() += 1;
            let notice = Notice::of(b.cancelled_at.unwrap_or(b.time.start), b.time.start);
            if let Some(i) = Notice::ALL.iter().position(|n| *n == notice) {
                self.notices[i] += 1;
            }
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.bookings += other.bookings;
        self.cancelled += other.cancelled;
        for (mine, theirs) in self.notices.iter_mut().zip(other.notices) {
            *mine += theirs;
        }
        self.lead_ms += other.lead_ms;
        self.length_ms += other.length_ms;
        for (reason, count) in &other.reasons {
            *self.reasons.entry(reason.clone()).or_default() += count;
        }
    }

    pub fn figures(&self) -> Cancellations {
        let mut by_reason: Vec<ReasonRow> =
            self.reasons.iter().map(|(reason, count)| ReasonRow { reason: reason.clone(), count: *count }).collect();
        by_reason.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
        let by_notice =
            Notice::ALL.iter().zip(self.notices).map(|(n, count)| NoticeRow { notice: *n, count }).collect();
        let count = i64::try_from(self.bookings).unwrap_or(i64::MAX);
        let average = |total: i64| if count == 0 { 0 } else { total / count / MINUTE };
        Cancellations {
            bookings: self.bookings,
            cancelled: self.cancelled,
            cancellation_rate: super::ratio(
                i64::try_from(self.cancelled).unwrap_or(i64::MAX),
                i64::try_from(self.bookings).unwrap_or(i64::MAX),
            ),
            by_reason,
            by_notice,
            average_lead_minutes: average(self.lead_ms),
            average_duration_minutes: average(self.length_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(start: Millis, minutes: i64, created: Millis, cancelled: Option<(Millis, &str)>) -> BookingFacts {
        BookingFacts {
            status: if cancelled.is_some() { BookingStatus::Cancelled } else { BookingStatus::Confirmed },
            time: TimeRange { start, end: start + minutes * MINUTE },
            created_at: created,
            cancelled_at: cancelled.map(|(at, _)| at),
            cancel_reason: cancelled.map(|(_, why)| why.to_owned()),
        }
    }

    #[test]
    fn notices_fall_in_their_buckets() {
        let start = 100 * DAY;
        assert_eq!(Notice::of(start + MINUTE, start), Notice::AfterStart);
        assert_eq!(Notice::of(start, start), Notice::AfterStart);
        assert_eq!(Notice::of(start - 59 * MINUTE, start), Notice::UnderAnHour);
        assert_eq!(Notice::of(start - HOUR, start), Notice::UnderADay);
        assert_eq!(Notice::of(start - DAY, start), Notice::UnderAWeek);
        assert_eq!(Notice::of(start - 7 * DAY, start), Notice::AWeekOrMore);
    }

    #[test]
    fn cancellations_by_reason_and_notice_with_lead_and_length() {
        let t = 1000 * DAY;
        let bookings = [
            // Booked 2 days ahead, 60 minutes, held.
            facts(t, 60, t - 2 * DAY, None),
            // Booked 1 day ahead, 30 minutes, cancelled 30 minutes before: under an hour.
            facts(t + DAY, 30, t, Some((t + DAY - 30 * MINUTE, " Cliente canceló "))),
            // Booked 10 days ahead, 90 minutes, cancelled 8 days before.
            facts(t + 2 * DAY, 90, t - 8 * DAY, Some((t - 6 * DAY, "Cliente canceló"))),
            // Booked 3 days ahead, 60 minutes, cancelled with no reason 2 hours before.
            facts(t + 3 * DAY, 60, t, Some((t + 3 * DAY - 2 * HOUR, ""))),
        ];
        let figures = cancellations(&bookings);
        assert_eq!((figures.bookings, figures.cancelled, figures.cancellation_rate), (4, 3, 0.75));
        assert_eq!(
            figures.by_reason,
            vec![ReasonRow { reason: "Cliente canceló".into(), count: 2 }, ReasonRow { reason: "".into(), count: 1 },]
        );
        let counts: Vec<u64> = figures.by_notice.iter().map(|r| r.count).collect();
        // after start, under an hour, under a day, under a week, a week or more
        assert_eq!(counts, [0, 1, 1, 0, 1]);
        // Lead: 2 + 1 + 10 + 3 = 16 days over 4 = 4 days = 5760 minutes.
        assert_eq!(figures.average_lead_minutes, 5760);
        // Length: (60 + 30 + 90 + 60) / 4 = 60 minutes.
        assert_eq!(figures.average_duration_minutes, 60);
    }

    #[test]
    fn nothing_to_count_is_all_zero() {
        let figures = cancellations(&[]);
        assert_eq!((figures.bookings, figures.cancellation_rate, figures.average_lead_minutes), (0, 0.0, 0));
        assert_eq!(figures.by_notice.len(), 5);
    }
}
