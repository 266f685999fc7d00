//! Booking rules: how short, how long, how soon, how far ahead, when, and how many a person may
//! hold. A tenant sets them; a room may override any of them; admins may bypass them.

use crate::ErrorCode;
use crate::{BookableHours, Millis, TimeRange, TimeZoneName, ValueError};
use serde::{Deserialize, Serialize};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;
/// A booking lasts at most a day, whatever a tenant sets.
const MAX_DURATION_LIMIT: u32 = 24 * 60;
/// No tenant books more than ten years ahead.
const MAX_DAYS_AHEAD_LIMIT: u32 = 3650;
/// A booking is released at most four hours into its start, whatever a tenant sets.
const MAX_NO_SHOW_MINUTES: u32 = 240;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BookingRules {
    pub min_duration_minutes: u32,
    pub max_duration_minutes: u32,
    /// How long before its start a booking may still be made.
    pub min_notice_minutes: u32,
    /// How far ahead a booking may start.
    pub max_days_ahead: u32,
    /// How many upcoming confirmed bookings one person may organize; `None`: no limit.
    pub max_active_per_person: Option<u32>,
    /// No-show release: a booking nobody checked in to this many minutes after its start is
    /// released and the room is free again. `None` (the default): bookings are never released.
    pub no_show_release_minutes: Option<u32>,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            min_duration_minutes: 5,
            max_duration_minutes: 12 * 60,
            min_notice_minutes: 0,
            max_days_ahead: 365,
            max_active_per_person: None,
            no_show_release_minutes: None,
        }
    }
}

/// A room's exceptions to its tenant's rules; `None` fields follow the tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesOverride {
    pub min_duration_minutes: Option<u32>,
    pub max_duration_minutes: Option<u32>,
    pub min_notice_minutes: Option<u32>,
    pub max_days_ahead: Option<u32>,
    pub max_active_per_person: Option<u32>,
    /// The room's own no-show release; `Some(0)` turns it off for the room.
    pub no_show_release_minutes: Option<u32>,
}

/// A booking may start this long in the past (a person booking "now" after a slow form).
pub const PAST_GRACE_MS: Millis = 5 * 60 * 1000;

/// One rule a booking breaks: a stable code and a message for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleViolation {
    /// `too_short`, `too_long`, `in_the_past`, `too_little_notice`, `too_far_ahead`,
    /// `outside_bookable_hours`.
    pub code: ErrorCode,
    pub message: String,
}

impl BookingRules {
    /// These rules with a room's exceptions applied.
    pub fn with_override(&self, room: &RulesOverride) -> Self {
        Self {
            min_duration_minutes: room.min_duration_minutes.unwrap_or(self.min_duration_minutes),
            max_duration_minutes: room.max_duration_minutes.unwrap_or(self.max_duration_minutes),
            min_notice_minutes: room.min_notice_minutes.unwrap_or(self.min_notice_minutes),
            max_days_ahead: room.max_days_ahead.unwrap_or(self.max_days_ahead),
            max_active_per_person: room.max_active_per_person.or(self.max_active_per_person),
            no_show_release_minutes: match room.no_show_release_minutes {
                Some(0) => None,
                Some(minutes) => Some(minutes),
                None => self.no_show_release_minutes,
            },
        }
    }

    /// Every rule `range` breaks at `now`. `hours`, when the room has them, are local times in
    /// `zone` (the tenant's): the booking must start and end on one such day, within them.
    /// (The per-person limit needs a count from the store and is checked by the caller, and so is
    /// whether the actor is an admin who may bypass these rules.)
    ///
    /// `too_little_notice` is only reported when there is a notice to give (`min_notice_minutes`
    /// above 0) and the booking is not already `in_the_past`, so the past grace still lets a
    /// person book "now". Days ahead are counted as 24-hour days from `now`.
    pub fn check(
        &self,
        range: TimeRange,
        now: Millis,
        hours: Option<&BookableHours>,
        zone: &TimeZoneName,
    ) -> Vec<RuleViolation> {
        let mut violations = self.check_duration(range);
        violations.extend(self.check_timing(range, now));
        if let Some(hours) = hours.filter(|hours| !hours.allows(range, zone)) {
            violations.push(RuleViolation::new(ErrorCode::OutsideBookableHours, hours_message(hours, zone)));
        }
        violations
    }

    /// Checks the rules a tenant sets: durations between 1 and 1440 minutes with the minimum not
    /// above the maximum, and 1 to 3650 days ahead (code `invalid_rules`).
    pub fn validate(&self) -> Result<(), ValueError> {
        check_duration_limit("minimum duration", self.min_duration_minutes)?;
        check_duration_limit("maximum duration", self.max_duration_minutes)?;
        check_min_max(self.min_duration_minutes, self.max_duration_minutes)?;
        check_days_ahead(self.max_days_ahead)?;
        self.no_show_release_minutes.map_or(Ok(()), check_no_show_minutes)
    }

    fn check_duration(&self, range: TimeRange) -> Vec<RuleViolation> {
        let (min, max) = (self.min_duration_minutes, self.max_duration_minutes);
        let mut violations = Vec::new();
        if range.duration_ms() < i64::from(min) * MINUTE_MS {
            violations
                .push(RuleViolation::new(ErrorCode::TooShort, format!("a booking must last at least {min} minutes")));
        }
        if range.duration_ms() > i64::from(max) * MINUTE_MS {
            violations
                .push(RuleViolation::new(ErrorCode::TooLong, format!("a booking may last at most {max} minutes")));
        }
        violations
    }

    fn check_timing(&self, range: TimeRange, now: Millis) -> Vec<RuleViolation> {
        let (notice, days) = (self.min_notice_minutes, self.max_days_ahead);
        let mut violations = Vec::new();
        if range.start < now.saturating_sub(PAST_GRACE_MS) {
            violations.push(RuleViolation::new(
                ErrorCode::InThePast,
                format!("the booking starts in the past (more than {} minutes ago)", PAST_GRACE_MS / MINUTE_MS),
            ));
        } else if notice > 0 && range.start < now.saturating_add(i64::from(notice) * MINUTE_MS) {
            violations.push(RuleViolation::new(
                ErrorCode::TooLittleNotice,
                format!("bookings must be made at least {notice} minutes before they start"),
            ));
        }
        if range.start > now.saturating_add(i64::from(days) * DAY_MS) {
            violations.push(RuleViolation::new(
                ErrorCode::TooFarAhead,
                format!("bookings may start at most {days} days ahead"),
            ));
        }
        violations
    }
}

impl RulesOverride {
    /// Checks the exceptions a room sets, with the bounds of `BookingRules::validate` (code
    /// `invalid_rules`). The minimum and maximum durations are compared when both are set; to
    /// check a room's exceptions against its tenant's rules, validate `tenant.with_override(room)`.
    pub fn validate(&self) -> Result<(), ValueError> {
        if let Some(min) = self.min_duration_minutes {
            check_duration_limit("minimum duration", min)?;
        }
        if let Some(max) = self.max_duration_minutes {
            check_duration_limit("maximum duration", max)?;
        }
        if let (Some(min), Some(max)) = (self.min_duration_minutes, self.max_duration_minutes) {
            check_min_max(min, max)?;
        }
        self.max_days_ahead.map_or(Ok(()), check_days_ahead)?;
        // 0 is the room's way to say "never release here".
        self.no_show_release_minutes.filter(|m| *m != 0).map_or(Ok(()), check_no_show_minutes)
    }
}

impl RuleViolation {
    fn new(code: ErrorCode, message: String) -> Self {
        Self { code, message }
    }
}

fn check_duration_limit(name: &str, minutes: u32) -> Result<(), ValueError> {
    if (1..=MAX_DURATION_LIMIT).contains(&minutes) {
        Ok(())
    } else {
        Err(invalid_rules(format!("the {name} must be between 1 and {MAX_DURATION_LIMIT} minutes")))
    }
}

fn check_min_max(min: u32, max: u32) -> Result<(), ValueError> {
    if min <= max {
        Ok(())
    } else {
        Err(invalid_rules(format!(
            "the minimum duration ({min} minutes) may not be longer than the maximum ({max} minutes)"
        )))
    }
}

fn check_days_ahead(days: u32) -> Result<(), ValueError> {
    if (1..=MAX_DAYS_AHEAD_LIMIT).contains(&days) {
        Ok(())
    } else {
        Err(invalid_rules(format!(
            "how far ahead bookings may start must be between 1 and {MAX_DAYS_AHEAD_LIMIT} days"
        )))
    }
}

fn check_no_show_minutes(minutes: u32) -> Result<(), ValueError> {
    if (1..=MAX_NO_SHOW_MINUTES).contains(&minutes) {
        Ok(())
    } else {
        Err(invalid_rules(format!(
            "the no-show release must be between 1 and {MAX_NO_SHOW_MINUTES} minutes after the start (null turns it off)"
        )))
    }
}

fn invalid_rules(message: String) -> ValueError {
    ValueError::new(ErrorCode::InvalidRules, message)
}

/// Is `range`, read on the wall clock of `zone`, inside one bookable day? Each end is converted
/// with the offset in force at that instant, so a DST change day is judged by its own clock.
fn hours_message(hours: &BookableHours, zone: &TimeZoneName) -> String {
    let days: Vec<String> = hours.days.iter().map(|d| format!("{d:?}")).collect();
    format!(
        "this room can only be booked on {} from {} to {} ({} time), starting and ending on the same day",
        days.join(", "),
        hours.opens.strftime("%H:%M"),
        hours.closes.strftime("%H:%M"),
        zone.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const HOUR: i64 = 60 * MINUTE_MS;

    fn madrid() -> TimeZoneName {
        TimeZoneName::parse("Europe/Madrid").unwrap()
    }

    fn utc(text: &str) -> Millis {
        text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    /// Monday 4 January 2027, 10:00 in Madrid.
    fn now() -> Millis {
        utc("2027-01-04T09:00:00Z")
    }

    fn range(start: Millis, end: Millis) -> TimeRange {
        TimeRange::new(start, end).unwrap()
    }

    /// A civil date-time in Madrid as Unix milliseconds.
    fn madrid_at((y, mo, d): (i16, i8, i8), (h, mi): (i8, i8)) -> Millis {
        date(y, mo, d).at(h, mi, 0, 0).in_tz("Europe/Madrid").unwrap().timestamp().as_millisecond()
    }

    fn codes(rules: &BookingRules, range: TimeRange, hours: Option<&BookableHours>) -> Vec<&'static str> {
        rules.check(range, now(), hours, &madrid()).into_iter().map(|v| v.code.as_str()).collect()
    }

    fn messages(rules: &BookingRules, range: TimeRange) -> Vec<String> {
        rules.check(range, now(), None, &madrid()).into_iter().map(|v| v.message).collect()
    }

    fn tomorrow_at_ten() -> Millis {
        now() + 24 * HOUR
    }

    #[test]
    fn a_reasonable_booking_breaks_nothing() {
        let start = tomorrow_at_ten();
        assert!(codes(&BookingRules::default(), range(start, start + HOUR), Some(&BookableHours::office())).is_empty());
    }

    #[test]
    fn too_short_and_too_long_name_the_limits() {
        let rules = BookingRules::default();
        let start = tomorrow_at_ten();
        assert_eq!(codes(&rules, range(start, start + 4 * MINUTE_MS), None), ["too_short"]);
        assert_eq!(messages(&rules, range(start, start + 4 * MINUTE_MS)), ["a booking must last at least 5 minutes"]);
        assert!(codes(&rules, range(start, start + 5 * MINUTE_MS), None).is_empty());
        assert!(codes(&rules, range(start, start + 720 * MINUTE_MS), None).is_empty());
        assert_eq!(codes(&rules, range(start, start + 721 * MINUTE_MS), None), ["too_long"]);
        assert_eq!(messages(&rules, range(start, start + 721 * MINUTE_MS)), ["a booking may last at most 720 minutes"]);
    }

    #[test]
    fn the_past_has_a_small_grace() {
        let rules = BookingRules { min_notice_minutes: 30, ..BookingRules::default() };
        let six_minutes_ago = now() - 6 * MINUTE_MS;
        // Already in the past: too little notice is not reported on top.
        assert_eq!(codes(&rules, range(six_minutes_ago, now() + HOUR), None), ["in_the_past"]);
        let four_minutes_ago = now() - 4 * MINUTE_MS;
        assert!(codes(&BookingRules::default(), range(four_minutes_ago, now() + HOUR), None).is_empty());
        let edge = now() - PAST_GRACE_MS;
        assert!(codes(&BookingRules::default(), range(edge, now() + HOUR), None).is_empty());
    }

    #[test]
    fn minimum_notice() {
        let rules = BookingRules { min_notice_minutes: 60, ..BookingRules::default() };
        let soon = now() + 30 * MINUTE_MS;
        assert_eq!(codes(&rules, range(soon, soon + HOUR), None), ["too_little_notice"]);
        assert_eq!(
            messages(&rules, range(soon, soon + HOUR)),
            ["bookings must be made at least 60 minutes before they start"]
        );
        let in_an_hour = now() + HOUR;
        assert!(codes(&rules, range(in_an_hour, in_an_hour + HOUR), None).is_empty());
    }

    #[test]
    fn how_far_ahead() {
        let rules = BookingRules { max_days_ahead: 30, ..BookingRules::default() };
        let last = now() + 30 * DAY_MS;
        assert!(codes(&rules, range(last, last + HOUR), None).is_empty());
        let later = last + MINUTE_MS;
        assert_eq!(codes(&rules, range(later, later + HOUR), None), ["too_far_ahead"]);
        assert_eq!(messages(&rules, range(later, later + HOUR)), ["bookings may start at most 30 days ahead"]);
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let rules = BookingRules { max_days_ahead: 30, ..BookingRules::default() };
        let far = now() + 40 * DAY_MS;
        let found = codes(&rules, range(far, far + 13 * HOUR), Some(&BookableHours::office()));
        assert_eq!(found, ["too_long", "too_far_ahead", "outside_bookable_hours"]);
    }

    #[test]
    fn bookable_hours_are_local_times_on_one_listed_day() {
        let rules = BookingRules::default();
        let office = BookableHours::office();
        let check = |start, end| codes(&rules, range(start, end), Some(&office));
        // Tuesday 5 January 2027, Madrid (+01).
        let day = (2027, 1, 5);
        assert!(check(madrid_at(day, (8, 0)), madrid_at(day, (20, 0))).is_empty());
        assert_eq!(check(madrid_at(day, (7, 30)), madrid_at(day, (9, 0))), ["outside_bookable_hours"]);
        assert_eq!(check(madrid_at(day, (19, 30)), madrid_at(day, (20, 1))), ["outside_bookable_hours"]);
        // 08:00 UTC is 09:00 in Madrid: inside, though 07:xx UTC would look early.
        assert!(check(utc("2027-01-05T07:00:00Z"), utc("2027-01-05T08:00:00Z")).is_empty());
        // Saturday.
        let saturday = (2027, 1, 9);
        assert_eq!(check(madrid_at(saturday, (10, 0)), madrid_at(saturday, (11, 0))), ["outside_bookable_hours"]);
        let message = rules.check(
            range(madrid_at(saturday, (10, 0)), madrid_at(saturday, (11, 0))),
            now(),
            Some(&office),
            &madrid(),
        );
        assert_eq!(
            message[0].message,
            "this room can only be booked on Mon, Tue, Wed, Thu, Fri from 08:00 to 20:00 (Europe/Madrid time), \
             starting and ending on the same day"
        );
    }

    #[test]
    fn bookable_hours_never_span_midnight() {
        let rules = BookingRules { max_duration_minutes: 1440, ..BookingRules::default() };
        let always = BookableHours::parse_compact("mon-sun 00:00-23:59").unwrap();
        let check = |start, end| codes(&rules, range(start, end), Some(&always));
        let (day, next) = ((2027, 1, 5), (2027, 1, 6));
        assert!(check(madrid_at(day, (0, 0)), madrid_at(day, (23, 59))).is_empty());
        assert_eq!(check(madrid_at(day, (23, 0)), madrid_at(next, (0, 0))), ["outside_bookable_hours"]);
        assert_eq!(check(madrid_at(day, (23, 0)), madrid_at(next, (1, 0))), ["outside_bookable_hours"]);
    }

    #[test]
    fn bookable_hours_on_madrid_dst_change_days() {
        let rules = BookingRules::default();
        let sundays = BookableHours::parse_compact("sun 08:00-20:00").unwrap();
        let check = |start: &str, end: &str| codes(&rules, range(utc(start), utc(end)), Some(&sundays));
        // Sunday 28 March 2027 goes from +01 to +02 at 02:00 local: 08:00-20:00 is 06:00Z-18:00Z.
        assert!(check("2027-03-28T06:00:00Z", "2027-03-28T18:00:00Z").is_empty());
        assert_eq!(check("2027-03-28T05:30:00Z", "2027-03-28T07:00:00Z"), ["outside_bookable_hours"]);
        // 18:00Z-19:00Z would be 19:00-20:00 with the winter offset, but is 20:00-21:00 that day.
        assert_eq!(check("2027-03-28T18:00:00Z", "2027-03-28T19:00:00Z"), ["outside_bookable_hours"]);
        // Sunday 31 October 2027 goes from +02 to +01 at 03:00 local: 08:00-20:00 is 07:00Z-19:00Z.
        assert!(check("2027-10-31T07:00:00Z", "2027-10-31T19:00:00Z").is_empty());
        assert_eq!(check("2027-10-31T06:30:00Z", "2027-10-31T08:00:00Z"), ["outside_bookable_hours"]);
        // The early hours of that day include the repeated hour, all before opening.
        let night = BookableHours::parse_compact("sun 01:00-04:00").unwrap();
        let fold = range(utc("2027-10-30T23:30:00Z"), utc("2027-10-31T02:30:00Z"));
        assert!(rules.check(fold, now(), Some(&night), &madrid()).is_empty());
    }

    #[test]
    fn rules_are_validated() {
        assert_eq!(BookingRules::default().validate(), Ok(()));
        let bad = [
            BookingRules { min_duration_minutes: 0, ..BookingRules::default() },
            BookingRules { max_duration_minutes: 1441, ..BookingRules::default() },
            BookingRules { min_duration_minutes: 60, max_duration_minutes: 30, ..BookingRules::default() },
            BookingRules { max_days_ahead: 0, ..BookingRules::default() },
            BookingRules { max_days_ahead: 3651, ..BookingRules::default() },
            BookingRules { no_show_release_minutes: Some(0), ..BookingRules::default() },
            BookingRules { no_show_release_minutes: Some(241), ..BookingRules::default() },
        ];
        for rules in bad {
            assert_eq!(rules.validate().map_err(|e| e.code.as_str()), Err("invalid_rules"), "{rules:?}");
        }
        let edges = BookingRules {
            min_duration_minutes: 1440,
            max_duration_minutes: 1440,
            max_days_ahead: 3650,
            ..BookingRules::default()
        };
        assert_eq!(edges.validate(), Ok(()));
    }

    #[test]
    fn a_room_may_change_or_turn_off_the_no_show_release() {
        let tenant = BookingRules { no_show_release_minutes: Some(10), ..BookingRules::default() };
        let room = |m: Option<u32>| RulesOverride { no_show_release_minutes: m, ..RulesOverride::default() };
        assert_eq!(tenant.with_override(&room(None)).no_show_release_minutes, Some(10));
        assert_eq!(tenant.with_override(&room(Some(20))).no_show_release_minutes, Some(20));
        assert_eq!(tenant.with_override(&room(Some(0))).no_show_release_minutes, None);
        assert_eq!(BookingRules::default().with_override(&room(Some(5))).no_show_release_minutes, Some(5));
        assert_eq!(room(Some(0)).validate(), Ok(()));
        assert_eq!(room(Some(241)).validate().map_err(|e| e.code.as_str()), Err("invalid_rules"));
    }

    #[test]
    fn room_overrides_are_validated() {
        assert_eq!(RulesOverride::default().validate(), Ok(()));
        let only_min = RulesOverride { min_duration_minutes: Some(60), ..RulesOverride::default() };
        assert_eq!(only_min.validate(), Ok(()));
        let bad = [
            RulesOverride { min_duration_minutes: Some(0), ..RulesOverride::default() },
            RulesOverride { max_duration_minutes: Some(2000), ..RulesOverride::default() },
            RulesOverride {
                min_duration_minutes: Some(90),
                max_duration_minutes: Some(60),
                ..RulesOverride::default()
            },
            RulesOverride { max_days_ahead: Some(0), ..RulesOverride::default() },
        ];
        for rules in bad {
            assert_eq!(rules.validate().map_err(|e| e.code.as_str()), Err("invalid_rules"), "{rules:?}");
        }
        let tenant = BookingRules { max_duration_minutes: 30, ..BookingRules::default() };
        assert_eq!(tenant.with_override(&only_min).validate().map_err(|e| e.code.as_str()), Err("invalid_rules"));
        assert_eq!(tenant.with_override(&only_min).min_duration_minutes, 60);
    }
}
