//! Recurring bookings: a rule (daily, every weekday, weekly, monthly) expanded into independent
//! occurrences that keep their local wall-clock time across daylight-saving changes.

use crate::ErrorCode;
use crate::{Millis, TimeRange, TimeZoneName, ValueError};
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    /// Every `interval` days.
    Daily,
    /// Monday to Friday (`interval` must be 1).
    Weekdays,
    /// Every `interval` weeks on the first occurrence's weekday.
    Weekly,
    /// Every `interval` months, on the day [`MonthlyBy`] reads from the first occurrence.
    Monthly,
}

/// Which day of each month a monthly series falls on, read from its first occurrence; as RFC 5545
/// does, a month without that day is skipped (and listed by [`Recurrence::expansion`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthlyBy {
    /// The same day of the month (`BYMONTHDAY=31`: no February, April, June...).
    #[default]
    DayOfMonth,
    /// The same nth weekday (`BYDAY=2TU`, the second Tuesday; a month without a fifth is skipped).
    Weekday,
    /// The month's last such weekday (`BYDAY=-1TU`); the first occurrence must be its month's last.
    LastWeekday,
}

/// How a series repeats: exactly one of `count` and `until` ends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    pub frequency: Frequency,
    #[serde(default = "one")]
    pub interval: u32,
    /// How many occurrences in all, the first included.
    pub count: Option<u32>,
    /// The last civil date (in the booking's zone) an occurrence may fall on, inclusive.
    pub until: Option<Date>,
    /// Monthly series only: which day of each month (default: the same day of the month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<MonthlyBy>,
}

/// A series worked out: its occurrences, and the months a monthly rule skipped for want of its day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    pub occurrences: Vec<TimeRange>,
    /// The first day of each month skipped, in order, from the first occurrence to the series' end.
    pub months_skipped: Vec<Date>,
}

fn one() -> u32 {
    1
}

impl Recurrence {
    /// No series is longer than this: about three years of weekly meetings.
    pub const MAX_OCCURRENCES: usize = 156;
    /// The longest gap between occurrences, in days (daily), weeks (weekly) or months (monthly).
    pub const MAX_INTERVAL: u32 = 52;
    /// A monthly series stops looking for its day after this many months without an occurrence
    /// (29 February every month: the next is years away, past any booking horizon).
    const MAX_MONTHS_SKIPPED: usize = 48;

    /// Checks the rule on its own: an end (count xor until), 1 <= interval <= 52, count within
    /// `MAX_OCCURRENCES`, `weekdays` only with interval 1, `by` only with `monthly`.
    ///
    /// Codes: `recurrence_needs_end`, `invalid_interval`, `weekdays_interval`, `invalid_count`
    /// (a count of 0), `too_many_occurrences`, `by_needs_monthly`.
    pub fn validate(&self) -> Result<(), ValueError> {
        if self.count.is_some() == self.until.is_some() {
            return Err(ValueError::new(
                ErrorCode::RecurrenceNeedsEnd,
                "a repeating booking needs exactly one end: a number of occurrences or a last date",
            ));
        }
        if !(1..=Self::MAX_INTERVAL).contains(&self.interval) {
            return Err(ValueError::new(
                ErrorCode::InvalidInterval,
                format!("the repeat interval must be between 1 and {}", Self::MAX_INTERVAL),
            ));
        }
        if self.frequency == Frequency::Weekdays && self.interval != 1 {
            return Err(ValueError::new(
                ErrorCode::WeekdaysInterval,
                "a series on weekdays repeats every weekday (interval 1)",
            ));
        }
        if self.by.is_some() && self.frequency != Frequency::Monthly {
            return Err(ValueError::new(
                ErrorCode::ByNeedsMonthly,
                "`by` says which day of the month: only a monthly series has one",
            ));
        }
        match self.count {
            Some(0) => {
                Err(ValueError::new(ErrorCode::InvalidCount, "a repeating booking needs at least one occurrence"))
            }
            Some(n) if n as usize > Self::MAX_OCCURRENCES => Err(too_many()),
            _ => Ok(()),
        }
    }

    /// The occurrences' ranges, `first` included, in order; see [`Recurrence::expansion`].
    pub fn expand(&self, first: TimeRange, zone: &TimeZoneName) -> Result<Vec<TimeRange>, ValueError> {
        self.expansion(first, zone).map(|expansion| expansion.occurrences)
    }

    /// The occurrences, `first` included, in order, and the months skipped. Each occurrence
    /// starts at the same local wall-clock time as `first` in `zone` (a time that does not exist on
    /// a DST day moves forward by the gap; an ambiguous one takes the earlier instant) and lasts as
    /// long as `first`. As in RFC 5545, `count` counts occurrences, not skipped months.
    /// Fails when the rule is invalid, `until` is before the first date, or the series would be
    /// longer than `MAX_OCCURRENCES`.
    ///
    /// A `weekdays` series must start on a Monday to Friday (`weekdays_starts_on_weekend`): the
    /// exported RRULE (`BYDAY=MO,...,FR`) could not describe a Saturday first occurrence, and
    /// calendar clients would disagree with Sala about it. Likewise a `last_weekday` series must
    /// start on its month's last such weekday (`not_last_weekday`).
    pub fn expansion(&self, first: TimeRange, zone: &TimeZoneName) -> Result<Expansion, ValueError> {
        self.validate()?;
        let tz = zone.time_zone();
        let local = Timestamp::from_millisecond(first.start).map_err(|_| out_of_range())?.to_zoned_datetime(tz.clone());
        let (start, time) = (local.date(), local.time());
        self.check_start(start)?;
        let mut expansion = Expansion { occurrences: vec![first], months_skipped: Vec::new() };
        let mut step: i64 = 0;
        while self.count.is_none_or(|count| expansion.occurrences.len() < count as usize) {
            step += 1;
            let date = match self.nth_date(start, step)? {
                Next::On(date) => date,
                Next::Skipped(month) => {
                    // The missing day would fall after `until` only if the whole month does.
                    if self.until.is_some_and(|until| month.last_of_month() > until) {
                        break;
                    }
                    if expansion.months_skipped.len() >= Self::MAX_MONTHS_SKIPPED {
                        return Err(too_many());
                    }
                    expansion.months_skipped.push(month);
                    continue;
                }
            };
            if self.until.is_some_and(|until| date > until) {
                break;
            }
            if expansion.occurrences.len() >= Self::MAX_OCCURRENCES {
                return Err(too_many());
            }
            let start = wall_clock(date, time, &tz)?;
            expansion.occurrences.push(TimeRange { start, end: start + first.duration_ms() });
        }
        Ok(expansion)
    }

    /// The first date must be one the rule itself would produce.
    fn check_start(&self, start: Date) -> Result<(), ValueError> {
        if self.frequency == Frequency::Weekdays && is_weekend(start) {
            return Err(ValueError::new(
                ErrorCode::WeekdaysStartsOnWeekend,
                "a series on weekdays must start on a Monday to Friday",
            ));
        }
        if self.monthly_by() == Some(MonthlyBy::LastWeekday) && !is_last_of_its_weekday(start) {
            return Err(ValueError::new(
                ErrorCode::NotLastWeekday,
                "a series on the last weekday of each month must start on its month's last such weekday",
            ));
        }
        if self.until.is_some_and(|until| until < start) {
            return Err(ValueError::new(
                ErrorCode::UntilBeforeStart,
                "the last date of the series is before its first booking",
            ));
        }
        Ok(())
    }

    /// How a monthly series picks its day; `None` for any other frequency.
    pub fn monthly_by(&self) -> Option<MonthlyBy> {
        (self.frequency == Frequency::Monthly).then(|| self.by.unwrap_or_default())
    }

    /// The RFC 5545 RRULE value (without the `RRULE:` name) of a series whose first occurrence is
    /// on the civil date `start`, e.g. `FREQ=WEEKLY;INTERVAL=1;COUNT=10`,
    /// `FREQ=MONTHLY;INTERVAL=1;BYDAY=-1TU;COUNT=6` or
    /// `FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270131T225959Z` (UNTIL as the UTC instant of the end
    /// of the until date in `zone`).
    ///
    /// Meant for a rule that passed `validate`: should both ends be set, only COUNT is written.
    pub fn to_rrule(&self, start: Date, zone: &TimeZoneName) -> String {
        let mut rule = match self.frequency {
            Frequency::Daily => format!("FREQ=DAILY;INTERVAL={}", self.interval),
            Frequency::Weekly => format!("FREQ=WEEKLY;INTERVAL={}", self.interval),
            Frequency::Weekdays => "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR".to_owned(),
            Frequency::Monthly => format!("FREQ=MONTHLY;INTERVAL={};{}", self.interval, self.by_part(start)),
        };
        match (self.count, self.until) {
            (Some(count), _) => rule.push_str(&format!(";COUNT={count}")),
            (None, Some(until)) => rule.push_str(&format!(";UNTIL={}", end_of_date_utc(until, &zone.time_zone()))),
            (None, None) => {}
        }
        rule
    }

    /// A monthly rule's BYMONTHDAY or BYDAY part for a series starting on `start`.
    fn by_part(&self, start: Date) -> String {
        let day = ICAL_DAYS[start.weekday().to_monday_zero_offset() as usize];
        match self.by.unwrap_or_default() {
            MonthlyBy::DayOfMonth => format!("BYMONTHDAY={}", start.day()),
            MonthlyBy::Weekday => format!("BYDAY={}{day}", nth_of_its_weekday(start)),
            MonthlyBy::LastWeekday => format!("BYDAY=-1{day}"),
        }
    }

    /// The civil date of occurrence number `step` (the first is 0) of a series starting on
    /// `start`, or the month skipped for want of its day.
    fn nth_date(&self, start: Date, step: i64) -> Result<Next, ValueError> {
        let interval = i64::from(self.interval);
        let days = match self.frequency {
            Frequency::Daily => step * interval,
            Frequency::Weekly => 7 * step * interval,
            // Five weekdays to a week: whole weeks, then the rest counted from the first's weekday.
            Frequency::Weekdays => {
                let from_monday = i64::from(start.weekday().to_monday_zero_offset()) + step;
                7 * (from_monday / 5) + from_monday % 5 - i64::from(start.weekday().to_monday_zero_offset())
            }
            Frequency::Monthly => return self.monthly_date(start, step * interval),
        };
        start.checked_add(Span::new().days(days)).map(Next::On).map_err(|_| out_of_range())
    }

    /// The day of the month `months` after `start`'s that a monthly rule picks, if that month has it.
    fn monthly_date(&self, start: Date, months: i64) -> Result<Next, ValueError> {
        let month = start.first_of_month().checked_add(Span::new().months(months)).map_err(|_| out_of_range())?;
        let on = match self.by.unwrap_or_default() {
            MonthlyBy::DayOfMonth => {
                (start.day() <= month.days_in_month()).then(|| month.with().day(start.day()).build().ok()).flatten()
            }
            MonthlyBy::Weekday => month.nth_weekday_of_month(nth_of_its_weekday(start), start.weekday()).ok(),
            MonthlyBy::LastWeekday => month.nth_weekday_of_month(-1, start.weekday()).ok(),
        };
        Ok(on.map_or(Next::Skipped(month), Next::On))
    }
}

/// The next date of a series, or the month a monthly series skips (its first day).
enum Next {
    On(Date),
    Skipped(Date),
}

/// RFC 5545's weekday names, Monday first.
const ICAL_DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// Which of its month's Mondays (Tuesdays...) `date` is: 1 to 5.
pub fn nth_of_its_weekday(date: Date) -> i8 {
    (date.day() - 1) / 7 + 1
}

/// Is `date` its month's last Monday (Tuesday...)?
pub fn is_last_of_its_weekday(date: Date) -> bool {
    date.day() + 7 > date.days_in_month()
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// `date` at `time` in `tz`, as Unix milliseconds. jiff's default "compatible" disambiguation is
/// what people expect of a meeting: a time skipped by a spring-forward gap moves forward by the
/// gap (02:30 becomes 03:30), a time repeated by an autumn fold takes its first (earlier) instant.
fn wall_clock(date: Date, time: Time, tz: &TimeZone) -> Result<Millis, ValueError> {
    let zoned = date.to_datetime(time).to_zoned_datetime(tz.clone()).map_err(|_| out_of_range())?;
    Ok(zoned.timestamp().as_millisecond())
}

/// The last second of `date` in `tz` as an RFC 5545 UTC date-time, e.g. `20270131T225959Z`.
fn end_of_date_utc(date: Date, tz: &TimeZone) -> String {
    match date.to_zoned_datetime(tz.clone()).and_then(|day| day.end_of_day()) {
        Ok(end) => end.timestamp().strftime("%Y%m%dT%H%M%SZ").to_string(),
        // Only dates at the very end of jiff's range fail; their civil end of day is close enough.
        Err(_) => format!("{}T235959Z", date.strftime("%Y%m%d")),
    }
}

fn too_many() -> ValueError {
    ValueError::new(
        ErrorCode::TooManyOccurrences,
        format!("a repeating booking may have at most {} occurrences", Recurrence::MAX_OCCURRENCES),
    )
}

fn out_of_range() -> ValueError {
    ValueError::new(ErrorCode::OutOfRange, "the series reaches beyond the dates Sala can represent")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use jiff::tz::AmbiguousOffset;
    use proptest::prelude::*;

    const HOUR: i64 = 3_600_000;

    fn zone(name: &str) -> TimeZoneName {
        TimeZoneName::parse(name).unwrap()
    }

    /// A civil date-time in `zone` as Unix milliseconds (compatible disambiguation).
    fn local(zone: &str, (y, mo, d): (i16, i8, i8), (h, mi): (i8, i8)) -> Millis {
        date(y, mo, d).at(h, mi, 0, 0).in_tz(zone).unwrap().timestamp().as_millisecond()
    }

    fn utc(text: &str) -> Millis {
        text.parse::<Timestamp>().unwrap().as_millisecond()
    }

    fn zoned(ms: Millis, zone: &str) -> jiff::ZonedDateTime {
        Timestamp::from_millisecond(ms).unwrap().in_tz(zone).unwrap()
    }

    fn rule(frequency: Frequency, interval: u32, count: Option<u32>, until: Option<Date>) -> Recurrence {
        Recurrence { frequency, interval, count, until, by: None }
    }

    fn monthly(by: MonthlyBy, interval: u32, count: Option<u32>, until: Option<Date>) -> Recurrence {
        Recurrence { frequency: Frequency::Monthly, interval, count, until, by: Some(by) }
    }

    fn dates_of(series: &[TimeRange], tz: &str) -> Vec<Date> {
        series.iter().map(|r| zoned(r.start, tz).date()).collect()
    }

    fn hour_from(start: Millis) -> TimeRange {
        TimeRange::new(start, start + HOUR).unwrap()
    }

    fn code(result: Result<Vec<TimeRange>, ValueError>) -> &'static str {
        result.err().map_or("ok", |e| e.code.as_str())
    }

    /// Local offsets in hours, and local times, of each occurrence's start.
    fn offsets_and_times(ranges: &[TimeRange], tz: &str) -> (Vec<i32>, Vec<Time>) {
        ranges.iter().map(|r| zoned(r.start, tz)).map(|z| (z.offset().seconds() / 3600, z.time())).unzip()
    }

    #[test]
    fn weekly_in_madrid_keeps_ten_o_clock_across_both_2027_changes() {
        // Mondays from 15 March to 8 November 2027: summer time runs 28 March to 31 October.
        let first = hour_from(local("Europe/Madrid", (2027, 3, 15), (10, 0)));
        let series = rule(Frequency::Weekly, 1, Some(35), None).expand(first, &zone("Europe/Madrid")).unwrap();
        assert_eq!(series.len(), 35);
        let (offsets, times) = offsets_and_times(&series, "Europe/Madrid");
        assert!(times.iter().all(|t| *t == Time::constant(10, 0, 0, 0)));
        assert_eq!(&offsets[..3], &[1, 1, 2]);
        assert_eq!(&offsets[32..], &[2, 1, 1]);
        assert_eq!(series[1].start, utc("2027-03-22T09:00:00Z"));
        assert_eq!(series[2].start, utc("2027-03-29T08:00:00Z"));
        assert_eq!(series[32].start, utc("2027-10-25T08:00:00Z"));
        assert_eq!(series[33].start, utc("2027-11-01T09:00:00Z"));
        assert!(series.iter().all(|r| r.duration_ms() == HOUR));
    }

    #[test]
    fn weekly_in_santiago_keeps_ten_o_clock_across_both_2027_changes() {
        // The bundled tzdb: Chile leaves summer time on Sun 4 April 2027 (-03 -> -04) and goes
        // back on Sun 5 September 2027 (-04 -> -03), both at local midnight.
        let tz = "America/Santiago";
        assert_eq!(zoned(utc("2027-04-04T02:59:59Z"), tz).offset().seconds(), -3 * 3600);
        assert_eq!(zoned(utc("2027-04-04T03:00:00Z"), tz).offset().seconds(), -4 * 3600);
        assert_eq!(zoned(utc("2027-09-05T03:59:59Z"), tz).offset().seconds(), -4 * 3600);
        assert_eq!(zoned(utc("2027-09-05T04:00:00Z"), tz).offset().seconds(), -3 * 3600);

        // Wednesdays from 24 March to 15 September 2027.
        let first = hour_from(local(tz, (2027, 3, 24), (10, 0)));
        let series = rule(Frequency::Weekly, 1, Some(26), None).expand(first, &zone(tz)).unwrap();
        let (offsets, times) = offsets_and_times(&series, tz);
        assert!(times.iter().all(|t| *t == Time::constant(10, 0, 0, 0)));
        assert_eq!(offsets, [vec![-3; 2], vec![-4; 22], vec![-3; 2]].concat());
        assert_eq!(series[1].start, utc("2027-03-31T13:00:00Z"));
        assert_eq!(series[2].start, utc("2027-04-07T14:00:00Z"));
        assert_eq!(series[23].start, utc("2027-09-01T14:00:00Z"));
        assert_eq!(series[24].start, utc("2027-09-08T13:00:00Z"));
    }

    #[test]
    fn daily_at_half_past_two_across_madrid_spring_gap_moves_forward() {
        let first = hour_from(local("Europe/Madrid", (2027, 3, 26), (2, 30)));
        let series = rule(Frequency::Daily, 1, Some(4), None).expand(first, &zone("Europe/Madrid")).unwrap();
        let starts: Vec<Millis> = series.iter().map(|r| r.start).collect();
        assert_eq!(
            starts,
            [
                utc("2027-03-26T01:30:00Z"),
                utc("2027-03-27T01:30:00Z"),
                // 02:30 does not exist on 28 March: it becomes 03:30+02:00.
                utc("2027-03-28T01:30:00Z"),
                utc("2027-03-29T00:30:00Z"),
            ]
        );
        assert_eq!(zoned(starts[2], "Europe/Madrid").time(), Time::constant(3, 30, 0, 0));
        assert!(series.iter().all(|r| r.duration_ms() == HOUR));
    }

    #[test]
    fn daily_at_half_past_two_across_madrid_autumn_fold_takes_the_earlier_instant() {
        let first = hour_from(local("Europe/Madrid", (2027, 10, 30), (2, 30)));
        let series = rule(Frequency::Daily, 1, Some(3), None).expand(first, &zone("Europe/Madrid")).unwrap();
        assert_eq!(series[1].start, utc("2027-10-31T00:30:00Z"));
        assert_eq!(zoned(series[1].start, "Europe/Madrid").offset().seconds(), 2 * 3600);
        assert_eq!(series[2].start, utc("2027-11-01T01:30:00Z"));
        let (_, times) = offsets_and_times(&series, "Europe/Madrid");
        assert!(times.iter().all(|t| *t == Time::constant(2, 30, 0, 0)));
    }

    #[test]
    fn until_is_an_inclusive_civil_date_in_the_zone() {
        // 23:30 in New York is already the next day in UTC: the 8 January occurrence still counts.
        let tz = "America/New_York";
        let first = hour_from(local(tz, (2027, 1, 4), (23, 30)));
        let series = rule(Frequency::Daily, 1, None, Some(date(2027, 1, 8))).expand(first, &zone(tz)).unwrap();
        assert_eq!(series.len(), 5);
        assert_eq!(series[4].start, utc("2027-01-09T04:30:00Z"));

        // 00:30 in Kolkata is still the previous day in UTC: 9 January is not included.
        let tz = "Asia/Kolkata";
        let first = hour_from(local(tz, (2027, 1, 4), (0, 30)));
        let series = rule(Frequency::Daily, 1, None, Some(date(2027, 1, 8))).expand(first, &zone(tz)).unwrap();
        assert_eq!(series.len(), 5);
        assert_eq!(zoned(series[4].start, tz).date(), date(2027, 1, 8));

        let single = rule(Frequency::Weekly, 1, None, Some(date(2027, 1, 4))).expand(first, &zone(tz)).unwrap();
        assert_eq!(single, vec![first]);
    }

    #[test]
    fn count_includes_the_first_occurrence() {
        let first = hour_from(local("Europe/Madrid", (2027, 1, 4), (9, 0)));
        let one = rule(Frequency::Weekly, 1, Some(1), None).expand(first, &zone("Europe/Madrid")).unwrap();
        assert_eq!(one, vec![first]);
        let max = Recurrence::MAX_OCCURRENCES as u32;
        let full = rule(Frequency::Weekly, 1, Some(max), None).expand(first, &zone("Europe/Madrid")).unwrap();
        assert_eq!(full.len(), Recurrence::MAX_OCCURRENCES);
    }

    #[test]
    fn weekdays_skip_weekends() {
        let tz = "Europe/Madrid";
        // Thursday 7 January 2027.
        let first = hour_from(local(tz, (2027, 1, 7), (9, 0)));
        let series = rule(Frequency::Weekdays, 1, Some(5), None).expand(first, &zone(tz)).unwrap();
        let days: Vec<Date> = series.iter().map(|r| zoned(r.start, tz).date()).collect();
        assert_eq!(days, [date(2027, 1, 7), date(2027, 1, 8), date(2027, 1, 11), date(2027, 1, 12), date(2027, 1, 13)]);

        let until = rule(Frequency::Weekdays, 1, None, Some(date(2027, 1, 17))).expand(first, &zone(tz)).unwrap();
        assert_eq!(until.len(), 7);
    }

    #[test]
    fn weekdays_refuse_a_weekend_start() {
        let saturday = hour_from(local("Europe/Madrid", (2027, 1, 9), (9, 0)));
        let result = rule(Frequency::Weekdays, 1, Some(5), None).expand(saturday, &zone("Europe/Madrid"));
        assert_eq!(code(result), "weekdays_starts_on_weekend");
    }

    #[test]
    fn every_two_weeks() {
        let tz = "Europe/Madrid";
        let first = hour_from(local(tz, (2027, 1, 4), (9, 0)));
        let series = rule(Frequency::Weekly, 2, None, Some(date(2027, 2, 14))).expand(first, &zone(tz)).unwrap();
        let days: Vec<Date> = series.iter().map(|r| zoned(r.start, tz).date()).collect();
        assert_eq!(days, [date(2027, 1, 4), date(2027, 1, 18), date(2027, 2, 1)]);
        let daily = rule(Frequency::Daily, 3, Some(3), None).expand(first, &zone(tz)).unwrap();
        assert_eq!(zoned(daily[2].start, tz).date(), date(2027, 1, 10));
    }

    #[test]
    fn invalid_rules_have_their_own_codes() {
        let first = hour_from(local("Europe/Madrid", (2027, 1, 4), (9, 0)));
        let madrid = zone("Europe/Madrid");
        let day = Some(date(2027, 3, 1));
        let cases = [
            (rule(Frequency::Weekly, 1, None, None), "recurrence_needs_end"),
            (rule(Frequency::Weekly, 1, Some(3), day), "recurrence_needs_end"),
            (rule(Frequency::Weekly, 0, Some(3), None), "invalid_interval"),
            (rule(Frequency::Daily, 53, Some(3), None), "invalid_interval"),
            (rule(Frequency::Weekdays, 2, Some(3), None), "weekdays_interval"),
            (rule(Frequency::Weekly, 1, Some(0), None), "invalid_count"),
            (rule(Frequency::Weekly, 1, Some(157), None), "too_many_occurrences"),
            (rule(Frequency::Daily, 1, None, Some(date(2027, 12, 31))), "too_many_occurrences"),
            (rule(Frequency::Weekly, 1, None, Some(date(2027, 1, 3))), "until_before_start"),
        ];
        for (recurrence, expected) in cases {
            assert_eq!(code(recurrence.expand(first, &madrid)), expected, "{recurrence:?}");
        }
        assert_eq!(rule(Frequency::Weekly, 52, Some(156), None).validate(), Ok(()));
        // 156 days from 4 January 2027 is 9 June: the 156th occurrence, allowed; one more day is not.
        let last = Some(date(2027, 6, 8));
        assert_eq!(rule(Frequency::Daily, 1, None, last).expand(first, &madrid).map(|s| s.len()), Ok(156));
        let one_more = rule(Frequency::Daily, 1, None, Some(date(2027, 6, 9))).expand(first, &madrid);
        assert_eq!(code(one_more), "too_many_occurrences");
    }

    #[test]
    fn rrule_strings() {
        let madrid = zone("Europe/Madrid");
        let start = date(2027, 1, 4);
        assert_eq!(
            rule(Frequency::Weekly, 1, Some(10), None).to_rrule(start, &madrid),
            "FREQ=WEEKLY;INTERVAL=1;COUNT=10"
        );
        assert_eq!(rule(Frequency::Daily, 2, Some(4), None).to_rrule(start, &madrid), "FREQ=DAILY;INTERVAL=2;COUNT=4");
        assert_eq!(
            rule(Frequency::Weekdays, 1, None, Some(date(2027, 1, 31))).to_rrule(start, &madrid),
            "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270131T225959Z"
        );
        // Summer time: the end of the day is two hours earlier in UTC.
        assert_eq!(
            rule(Frequency::Weekly, 2, None, Some(date(2027, 7, 31))).to_rrule(start, &madrid),
            "FREQ=WEEKLY;INTERVAL=2;UNTIL=20270731T215959Z"
        );
        // The last day of Chilean winter time ends at 23:59:59-04.
        assert_eq!(
            rule(Frequency::Daily, 1, None, Some(date(2027, 9, 4))).to_rrule(start, &zone("America/Santiago")),
            "FREQ=DAILY;INTERVAL=1;UNTIL=20270905T035959Z"
        );
        assert_eq!(
            rule(Frequency::Daily, 1, None, Some(date(2027, 1, 8))).to_rrule(start, &zone("UTC")),
            "FREQ=DAILY;INTERVAL=1;UNTIL=20270108T235959Z"
        );
    }

    #[test]
    fn monthly_rrule_strings() {
        let madrid = zone("Europe/Madrid");
        // Tuesday 30 March 2027: the fifth Tuesday, and the last.
        let start = date(2027, 3, 30);
        assert_eq!(
            monthly(MonthlyBy::DayOfMonth, 1, Some(6), None).to_rrule(start, &madrid),
            "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=30;COUNT=6"
        );
        assert_eq!(
            monthly(MonthlyBy::Weekday, 2, Some(3), None).to_rrule(start, &madrid),
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=5TU;COUNT=3"
        );
        assert_eq!(
            monthly(MonthlyBy::LastWeekday, 1, None, Some(date(2027, 12, 31))).to_rrule(start, &madrid),
            "FREQ=MONTHLY;INTERVAL=1;BYDAY=-1TU;UNTIL=20271231T225959Z"
        );
    }

    #[test]
    fn monthly_on_the_31st_skips_and_lists_the_short_months() {
        let tz = "Europe/Madrid";
        // Sunday 31 January 2027 at 10:00, six times: as RFC 5545, COUNT counts occurrences.
        let first = hour_from(local(tz, (2027, 1, 31), (10, 0)));
        let expansion = monthly(MonthlyBy::DayOfMonth, 1, Some(6), None).expansion(first, &zone(tz)).unwrap();
        assert_eq!(
            dates_of(&expansion.occurrences, tz),
            [
                date(2027, 1, 31),
                date(2027, 3, 31),
                date(2027, 5, 31),
                date(2027, 7, 31),
                date(2027, 8, 31),
                date(2027, 10, 31)
            ]
        );
        assert_eq!(expansion.months_skipped, [date(2027, 2, 1), date(2027, 4, 1), date(2027, 6, 1), date(2027, 9, 1)]);
        // Summer time in between: still 10:00 on the wall clock.
        let (_, times) = offsets_and_times(&expansion.occurrences, tz);
        assert!(times.iter().all(|t| *t == Time::constant(10, 0, 0, 0)));

        // Until 30 June: June has no 31st, and it is listed; until 15 June, June is not reached.
        let to_june = monthly(MonthlyBy::DayOfMonth, 1, None, Some(date(2027, 6, 30))).expansion(first, &zone(tz));
        assert_eq!(to_june.unwrap().months_skipped.last(), Some(&date(2027, 6, 1)));
        let mid_june = monthly(MonthlyBy::DayOfMonth, 1, None, Some(date(2027, 6, 15))).expansion(first, &zone(tz));
        assert_eq!(mid_june.unwrap().months_skipped.last(), Some(&date(2027, 4, 1)));
    }

    #[test]
    fn monthly_by_weekday_and_last_weekday() {
        let tz = "America/Santiago";
        // Tuesday 12 January 2027: the second Tuesday, every two months.
        let first = hour_from(local(tz, (2027, 1, 12), (9, 0)));
        let series = monthly(MonthlyBy::Weekday, 2, Some(4), None).expand(first, &zone(tz)).unwrap();
        assert_eq!(dates_of(&series, tz), [date(2027, 1, 12), date(2027, 3, 9), date(2027, 5, 11), date(2027, 7, 13)]);

        // Friday 29 January 2027, the fifth Friday: only months with five Fridays.
        let fifth = hour_from(local(tz, (2027, 1, 29), (9, 0)));
        let expansion = monthly(MonthlyBy::Weekday, 1, Some(3), None).expansion(fifth, &zone(tz)).unwrap();
        assert_eq!(dates_of(&expansion.occurrences, tz), [date(2027, 1, 29), date(2027, 4, 30), date(2027, 7, 30)]);
        assert_eq!(expansion.months_skipped.len(), 4);

        // The same Friday as "the last Friday": every month has one.
        let last = monthly(MonthlyBy::LastWeekday, 1, Some(3), None).expand(fifth, &zone(tz)).unwrap();
        assert_eq!(dates_of(&last, tz), [date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 26)]);
        // A second Tuesday is not a last Tuesday.
        let wrong = monthly(MonthlyBy::LastWeekday, 1, Some(3), None).expand(first, &zone(tz));
        assert_eq!(code(wrong), "not_last_weekday");
    }

    #[test]
    fn monthly_refusals() {
        let tz = zone("Europe/Madrid");
        let first = hour_from(local("Europe/Madrid", (2028, 2, 29), (9, 0)));
        // 29 February every year finds its day once in four years: twenty of them are refused.
        let leap = monthly(MonthlyBy::DayOfMonth, 12, Some(20), None).expand(first, &tz);
        assert_eq!(code(leap), "too_many_occurrences");
        let by_on_weekly = Recurrence { by: Some(MonthlyBy::Weekday), ..rule(Frequency::Weekly, 1, Some(3), None) };
        assert_eq!(code(by_on_weekly.expand(first, &tz)), "by_needs_monthly");
        let too_long = monthly(MonthlyBy::DayOfMonth, 1, Some(157), None).expand(first, &tz);
        assert_eq!(code(too_long), "too_many_occurrences");
    }

    const ZONES: [&str; 5] = ["Europe/Madrid", "America/Santiago", "America/New_York", "Asia/Kolkata", "UTC"];

    fn frequency() -> impl Strategy<Value = Frequency> {
        prop_oneof![Just(Frequency::Daily), Just(Frequency::Weekly), Just(Frequency::Weekdays)]
    }

    /// Is `time` skipped on `date` in `tz` by a spring-forward gap?
    fn in_gap(date: Date, time: Time, tz: &TimeZone) -> bool {
        matches!(tz.to_ambiguous_zoned_datetime(date.to_datetime(time)).offset(), AmbiguousOffset::Gap { .. })
    }

    /// Days from one occurrence's date to the next.
    fn days_between(frequency: Frequency, date: Date) -> i32 {
        match (frequency, date.weekday()) {
            (Frequency::Daily, _) => 1,
            (Frequency::Weekly, _) => 7,
            (Frequency::Weekdays, Weekday::Friday) => 3,
            (Frequency::Weekdays, _) => 1,
            (Frequency::Monthly, _) => unreachable!("monthly series have their own property"),
        }
    }

    proptest! {
        #[test]
        fn expansion_keeps_wall_clock_duration_order_and_count(
            zone_index in 0..ZONES.len(),
            // 2026-01-01T00:00Z to 2030-12-31T00:00Z, on whole minutes.
            minute in 29_455_200i64..32_069_520,
            duration in 15i64..=240,
            frequency in frequency(),
            count in 1u32..=60,
        ) {
            let name = zone(ZONES[zone_index]);
            let tz = name.time_zone();
            let first = TimeRange::new(minute * 60_000, (minute + duration) * 60_000).unwrap();
            let first_local = zoned(first.start, ZONES[zone_index]);
            let result = rule(frequency, 1, Some(count), None).expand(first, &name);
            if frequency == Frequency::Weekdays && is_weekend(first_local.date()) {
                prop_assert_eq!(code(result), "weekdays_starts_on_weekend");
                return Ok(());
            }
            let series = result.unwrap();
            prop_assert_eq!(series.len(), count as usize);
            prop_assert_eq!(series[0], first);
            prop_assert!(series.windows(2).all(|pair| pair[0].start < pair[1].start));
            for pair in series.windows(2) {
                let (before, after) = (zoned(pair[0].start, ZONES[zone_index]), zoned(pair[1].start, ZONES[zone_index]));
                prop_assert_eq!(before.date().until(after.date()).unwrap().get_days(), days_between(frequency, before.date()));
            }
            for range in &series[1..] {
                prop_assert_eq!(range.duration_ms(), first.duration_ms());
                let local = zoned(range.start, ZONES[zone_index]);
                if !in_gap(local.date(), first_local.time(), &tz) {
                    prop_assert_eq!(local.time(), first_local.time());
                }
                // In a gap or a fold, the occurrence is jiff's "compatible" reading of the wall clock.
                prop_assert_eq!(range.start, wall_clock(local.date(), first_local.time(), &tz).unwrap());
            }
        }

        #[test]
        fn monthly_dates_keep_their_day_and_account_for_every_month(
            zone_index in 0..ZONES.len(),
            minute in 29_455_200i64..32_069_520,
            by in prop_oneof![Just(MonthlyBy::DayOfMonth), Just(MonthlyBy::Weekday), Just(MonthlyBy::LastWeekday)],
            interval in 1u32..=3,
            count in 1u32..=24,
        ) {
            let tz = ZONES[zone_index];
            let first = TimeRange::new(minute * 60_000, (minute + 60) * 60_000).unwrap();
            let start = zoned(first.start, tz).date();
            let result = monthly(by, interval, Some(count), None).expansion(first, &zone(tz));
            if by == MonthlyBy::LastWeekday && !is_last_of_its_weekday(start) {
                prop_assert_eq!(result.err().map(|e| e.code.as_str()), Some("not_last_weekday"));
                return Ok(());
            }
            // A day most months lack (a fifth Friday, a 30th) may run out of months to look in.
            let rare = (by == MonthlyBy::Weekday && nth_of_its_weekday(start) == 5)
                || (by == MonthlyBy::DayOfMonth && start.day() >= 29);
            if rare && result.as_ref().is_err_and(|e| e.code == ErrorCode::TooManyOccurrences) {
                return Ok(());
            }
            let expansion = result.unwrap();
            prop_assert_eq!(expansion.occurrences.len(), count as usize);
            let dates = dates_of(&expansion.occurrences, tz);
            for day in &dates {
                match by {
                    MonthlyBy::DayOfMonth => prop_assert_eq!(day.day(), start.day()),
                    MonthlyBy::Weekday => {
                        prop_assert_eq!(day.weekday(), start.weekday());
                        prop_assert_eq!(nth_of_its_weekday(*day), nth_of_its_weekday(start));
                    }
                    MonthlyBy::LastWeekday => {
                        prop_assert_eq!(day.weekday(), start.weekday());
                        prop_assert!(is_last_of_its_weekday(*day));
                    }
                }
            }
            // Every `interval`-th month from the first to the last is either booked or skipped.
            let months = |d: Date| i32::from(d.year()) * 12 + i32::from(d.month());
            let span = months(dates[dates.len() - 1]) - months(start);
            prop_assert_eq!(span % interval as i32, 0);
            prop_assert_eq!((span / interval as i32 + 1) as usize, dates.len() + expansion.months_skipped.len());
        }

        #[test]
        fn overlap_is_symmetric_and_matches_brute_force(
            (a_start, a_len, b_start, b_len) in (0i64..60, 1i64..30, 0i64..60, 1i64..30),
        ) {
            let a = TimeRange::new(a_start, a_start + a_len).unwrap();
            let b = TimeRange::new(b_start, b_start + b_len).unwrap();
            prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
            let shared = (0..100).any(|t| a.start <= t && t < a.end && b.start <= t && t < b.end);
            prop_assert_eq!(a.overlaps(&b), shared);
            prop_assert!(a.overlaps(&a));
        }

        #[test]
        fn back_to_back_ranges_never_overlap(start in -1_000_000i64..1_000_000, first in 1i64..10_000, second in 1i64..10_000) {
            let before = TimeRange::new(start, start + first).unwrap();
            let after = TimeRange::new(start + first, start + first + second).unwrap();
            prop_assert!(!before.overlaps(&after));
            prop_assert!(!after.overlaps(&before));
        }
    }
}
