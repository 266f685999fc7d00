//! Each event's occurrences within a window: now to a horizon.
//!
//! Repetition rules are expanded by the `rrule` crate *on the wall clock*: the event's local
//! start is handed to it as if it were UTC, so it never meets a daylight-saving change (it has a
//! known bug there at sub-daily frequencies, which are refused anyway: nobody books a room
//! hourly), and each local date-time it yields is placed in the event's zone here, with jiff.
//! So a weekly 10:00 in Europe/Madrid stays 10:00 across the change, as RFC 5545 says.

use super::Unreadable;
use super::event::{ForeignEvent, Stamp, Zone, parse_date_time};
use chrono::{Datelike, TimeZone as _, Timelike};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

/// At most this many occurrences come out of one file (the horizon bounds a repetition without
/// an end, or with `COUNT=1000`, well before).
pub const MAX_OCCURRENCES: usize = 10_000;

/// Occurrences ending after `now` and starting before `horizon` are in.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub now: Timestamp,
    pub horizon: Timestamp,
}

/// One occurrence of `events[event]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub event: usize,
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// It ended before now.
    Past,
    /// A whole-day event (`VALUE=DATE`): not a meeting in a room.
    AllDay,
    /// `STATUS:CANCELLED`.
    Cancelled,
    /// It (or the rest of its repetitions, from this one on) starts after the booking horizon.
    OutsideHorizon,
    /// It lasts no time (no `DTEND` or `DURATION`).
    NoDuration,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Past => "past",
            Self::AllDay => "all_day",
            Self::Cancelled => "cancelled",
            Self::OutsideHorizon => "outside_horizon",
            Self::NoDuration => "no_duration",
        }
    }
}

/// An event, or the part of it, left out: once per event, at its first such start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    pub event: usize,
    pub start: SkipStart,
    pub reason: SkipReason,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipStart {
    Day(Date),
    At(Timestamp),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expansion {
    /// By start.
    pub occurrences: Vec<Occurrence>,
    pub skipped: Vec<Skip>,
}

/// The occurrences of `events` in `window`; floating times are read in `floating`.
pub fn expand(events: &[ForeignEvent], floating: &TimeZone, window: Window) -> Result<Expansion, Unreadable> {
    let mut out = Expansion::default();
    for (i, event) in events.iter().enumerate() {
        let skip = |reason, start| Skip { event: i, start, reason };
        if let Stamp::Date(day) = event.start {
            out.skipped.push(skip(SkipReason::AllDay, SkipStart::Day(day)));
            continue;
        }
        let first = SkipStart::At(event.start.instant(floating));
        if event.cancelled {
            out.skipped.push(skip(SkipReason::Cancelled, first));
            continue;
        }
        let duration = event.duration(floating);
        if duration <= SignedDuration::ZERO {
            out.skipped.push(skip(SkipReason::NoDuration, first));
            continue;
        }
        let mut starts = starts(events, i, floating, window, duration)?;
        let beyond = starts.iter().position(|s| *s >= window.horizon);
        let later = beyond.map(|at| starts.split_off(at));
        let ended = |s: &Timestamp| s.checked_add(duration).is_ok_and(|end| end <= window.now);
        let past = starts.iter().filter(|s| ended(s)).count();
        let current: Vec<Timestamp> = starts.into_iter().filter(|s| !ended(s)).collect();
        if current.is_empty() && later.is_none() && past > 0 {
            out.skipped.push(skip(SkipReason::Past, first));
        }
        if let Some(start) = later.and_then(|l| l.first().copied()) {
            out.skipped.push(skip(SkipReason::OutsideHorizon, SkipStart::At(start)));
        }
        for start in current {
            let end = start.checked_add(duration).unwrap_or(start);
            out.occurrences.push(Occurrence { event: i, start, end });
        }
        if out.occurrences.len() > MAX_OCCURRENCES {
            return Err(Unreadable::at(
                Some(event.line),
                format!("the calendar holds more than {MAX_OCCURRENCES} meetings within the booking horizon: split it"),
            ));
        }
    }
    out.occurrences.sort_by_key(|o| (o.start, o.end, o.event));
    Ok(out)
}

/// The starts of `events[i]` from `window.now - duration` on, by start, with at most one past
/// the horizon (enough to tell that some are): its `DTSTART` and `RRULE`, plus `RDATE`s, less
/// `EXDATE`s and the occurrences another event of its `UID` overrides (`RECURRENCE-ID`).
fn starts(
    events: &[ForeignEvent],
    i: usize,
    floating: &TimeZone,
    window: Window,
    duration: SignedDuration,
) -> Result<Vec<Timestamp>, Unreadable> {
    let event = &events[i];
    let first = event.start.instant(floating);
    let (Some(rule), None) = (&event.rrule, &event.recurrence_id) else {
        return Ok(vec![first]);
    };
    let Stamp::At { at: local_start, zone } = &event.start else {
        return Ok(vec![first]);
    };
    let tz = zone.tz(floating);
    let set = rule_set(*local_start, zone, rule).map_err(|why| Unreadable::at(Some(event.line), why))?;
    let local = |t: Timestamp| tz.to_datetime(t);
    let from = local(window.now.checked_sub(duration).unwrap_or(window.now)) - 1.day();
    let until = local(window.horizon) + 1.day();
    let limit = u16::try_from(MAX_OCCURRENCES + 1).unwrap_or(u16::MAX);
    let out_of_range = || Unreadable::at(Some(event.line), "a date is out of range");
    let (Some(from), Some(until), Some(last)) = (utc(from), utc(until), utc(until - 1.second())) else {
        return Err(out_of_range());
    };
    let mut locals: Vec<DateTime> = set.clone().after(from).before(until).all(limit).dates.iter().map(civil).collect();
    if locals.len() > MAX_OCCURRENCES {
        return Err(Unreadable::at(
            Some(event.line),
            format!("the event repeats more than {MAX_OCCURRENCES} times within the booking horizon"),
        ));
    }
    // One beyond the horizon, if there is any, tells that the rest is left out.
    locals.extend(set.after(last).all(1).dates.iter().map(civil));
    let mut starts: Vec<Timestamp> =
        locals.into_iter().filter_map(|l| tz.to_ambiguous_timestamp(l).compatible().ok()).collect();
    starts.extend(event.rdates.iter().map(|d| match d {
        Stamp::Date(day) => {
            tz.to_ambiguous_timestamp(day.to_datetime(local_start.time())).compatible().unwrap_or(first)
        }
        Stamp::At { .. } => d.instant(floating),
    }));
    let overridden: Vec<Timestamp> = events
        .iter()
        .filter(|e| e.uid == event.uid)
        .filter_map(|e| e.recurrence_id.as_ref())
        .map(|r| r.instant(floating))
        .collect();
    starts.retain(|s| {
        let day = tz.to_datetime(*s).date();
        !overridden.contains(s)
            && !event.exdates.iter().any(|x| match x {
                Stamp::Date(d) => *d == day,
                Stamp::At { .. } => x.instant(floating) == *s,
            })
    });
    starts.sort();
    starts.dedup();
    Ok(starts)
}

/// Checks an event's `RRULE` as [`expand`] will read it.
pub(super) fn check_rule(start: &Stamp, raw: &str) -> Result<(), String> {
    match start {
        Stamp::At { at, zone } => rule_set(*at, zone, raw).map(|_| ()),
        Stamp::Date(day) => rule_set(day.to_datetime(jiff::civil::Time::midnight()), &Zone::Floating, raw).map(|_| ()),
    }
}

/// The rule on the wall clock: `DTSTART` and `UNTIL` as local date-times written as UTC.
fn rule_set(local_start: DateTime, zone: &Zone, raw: &str) -> Result<rrule::RRuleSet, String> {
    let mut parts = Vec::new();
    for part in raw.split(';').filter(|p| !p.trim().is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(format!("RRULE part '{part}' is not NAME=value"));
        };
        let key = key.trim().to_ascii_uppercase();
        let value = value.trim().to_ascii_uppercase();
        if key == "FREQ" && matches!(value.as_str(), "HOURLY" | "MINUTELY" | "SECONDLY") {
            return Err(format!("a meeting repeating more often than daily (FREQ={value}) is not imported"));
        }
        let value = if key == "UNTIL" { local_until(&value, zone)? } else { value };
        parts.push(format!("{key}={value}"));
    }
    let text = format!("DTSTART:{}Z\nRRULE:{}", stamp(local_start), parts.join(";"));
    text.parse::<rrule::RRuleSet>().map_err(|e| format!("RRULE '{raw}' is not valid: {e}"))
}

/// `UNTIL` as a local date-time in the event's zone (a date: its last second).
fn local_until(value: &str, zone: &Zone) -> Result<String, String> {
    let bad = || format!("UNTIL '{value}' is not a date or date-time");
    if value.len() == 8 {
        return Ok(format!("{value}T235959Z"));
    }
    let (digits, is_utc) = match value.strip_suffix('Z') {
        Some(d) => (d, true),
        None => (value, false),
    };
    let at = parse_date_time(digits).ok_or_else(bad)?;
    let local = match zone {
        Zone::Named { tz, .. } if is_utc => {
            tz.to_datetime(TimeZone::UTC.to_ambiguous_timestamp(at).compatible().map_err(|_| bad())?)
        }
        _ => at,
    };
    Ok(format!("{}Z", stamp(local)))
}

fn stamp(at: DateTime) -> String {
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}", at.year(), at.month(), at.day(), at.hour(), at.minute(), at.second())
}

/// A local date-time as the rule's pretend-UTC instant.
fn utc(at: DateTime) -> Option<chrono::DateTime<rrule::Tz>> {
    rrule::Tz::UTC
        .with_ymd_and_hms(
            i32::from(at.year()),
            u32::try_from(at.month()).unwrap_or(1),
            u32::try_from(at.day()).unwrap_or(1),
            u32::try_from(at.hour()).unwrap_or(0),
            u32::try_from(at.minute()).unwrap_or(0),
            u32::try_from(at.second()).unwrap_or(0),
        )
        .earliest()
}

/// The rule's pretend-UTC instant as the local date-time it stands for.
fn civil(at: &chrono::DateTime<rrule::Tz>) -> DateTime {
    let n = at.naive_utc();
    DateTime::new(
        i16::try_from(n.year()).unwrap_or(1970),
        i8::try_from(n.month()).unwrap_or(1),
        i8::try_from(n.day()).unwrap_or(1),
        i8::try_from(n.hour()).unwrap_or(0),
        i8::try_from(n.minute()).unwrap_or(0),
        i8::try_from(n.second()).unwrap_or(0),
        0,
    )
    .unwrap_or_default()
}
