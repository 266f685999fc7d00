//! One `VEVENT` read into plain values: its times resolved, its people, its repetition checked.

use super::Unreadable;
use super::lines::EventLines;
use super::zones;
use icalendar::parser::{Component, Property};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};

/// Where a date-time is on the clock.
#[derive(Clone, Debug)]
pub enum Zone {
    /// `...Z`.
    Utc,
    /// No zone given: the reader's (the room's organization's).
    Floating,
    /// `TZID=...`, with the IANA name it resolved to.
    Named { name: String, tz: TimeZone },
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Utc, Self::Utc) | (Self::Floating, Self::Floating) => true,
            (Self::Named { name: a, .. }, Self::Named { name: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl Zone {
    /// The zone's rules, with `floating` for a floating time.
    pub fn tz<'a>(&'a self, floating: &'a TimeZone) -> &'a TimeZone {
        static UTC: TimeZone = TimeZone::UTC;
        match self {
            Self::Utc => &UTC,
            Self::Floating => floating,
            Self::Named { tz, .. } => tz,
        }
    }
}

/// A `DTSTART`, `DTEND`, `EXDATE`, `RDATE` or `RECURRENCE-ID` value.
#[derive(Clone, Debug, PartialEq)]
pub enum Stamp {
    /// `VALUE=DATE`: a whole day.
    Date(Date),
    /// A date and time on a clock.
    At { at: DateTime, zone: Zone },
}

impl Stamp {
    /// The instant, a floating time read in `floating`; a date is its day's start there.
    pub fn instant(&self, floating: &TimeZone) -> Timestamp {
        let (at, tz) = match self {
            Self::Date(date) => (date.to_datetime(jiff::civil::Time::midnight()), floating),
            Self::At { at, zone } => (*at, zone.tz(floating)),
        };
        tz.to_ambiguous_timestamp(at).compatible().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    pub fn is_date(&self) -> bool {
        matches!(self, Self::Date(_))
    }
}

/// An organizer or attendee: the address (without `mailto:`), the `CN`, and whether it is a
/// room or other resource (`CUTYPE=ROOM` or `RESOURCE`) rather than a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    pub email: String,
    pub name: Option<String>,
    pub resource: bool,
}

/// A `VEVENT` as the file has it.
#[derive(Clone, Debug)]
pub struct ForeignEvent {
    /// Its `UID`; without one, `line-<n>` after the line of its `BEGIN`.
    pub uid: String,
    /// The line of its `BEGIN:VEVENT`.
    pub line: usize,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub organizer: Option<Party>,
    pub attendees: Vec<Party>,
    pub start: Stamp,
    /// From `DTEND` or `DURATION`; without either, a day for a date and no time for a date-time.
    pub end: EndAt,
    /// The `RRULE` as written, checked against `DTSTART`.
    pub rrule: Option<String>,
    pub exdates: Vec<Stamp>,
    pub rdates: Vec<Stamp>,
    /// Set on an override of one occurrence of a repeating event.
    pub recurrence_id: Option<Stamp>,
    /// `STATUS:CANCELLED`.
    pub cancelled: bool,
}

/// How an event ends: at a time, or after a duration from each occurrence's start.
#[derive(Clone, Debug)]
pub enum EndAt {
    Stamp(Stamp),
    After(Span),
}

impl ForeignEvent {
    /// How long each occurrence lasts (RFC 5545: the exact duration of the first, for `DTEND`).
    pub fn duration(&self, floating: &TimeZone) -> SignedDuration {
        let start = self.start.instant(floating);
        match &self.end {
            EndAt::Stamp(end) => end.instant(floating).duration_since(start),
            EndAt::After(span) => {
                let zoned = start.to_zoned_datetime(self.zone_tz(floating));
                zoned.checked_add(*span).map_or(SignedDuration::ZERO, |end| end.timestamp().duration_since(start))
            }
        }
    }

    /// The IANA zone its start was written in; `None` for UTC, a floating time or a date.
    pub fn zone_name(&self) -> Option<&str> {
        match &self.start {
            Stamp::At { zone: Zone::Named { name, .. }, .. } => Some(name),
            _ => None,
        }
    }

    fn zone_tz(&self, floating: &TimeZone) -> TimeZone {
        match &self.start {
            Stamp::At { zone, .. } => zone.tz(floating).clone(),
            Stamp::Date(_) => floating.clone(),
        }
    }
}

pub(super) fn read(c: &Component<'_>, lines: &EventLines) -> Result<ForeignEvent, Unreadable> {
    let line = lines.begin;
    let text = |name: &str| {
        c.find_prop(name)
            .map(|p| p.val.clone().unescape_text().as_str().trim().to_owned())
            .filter(|v: &String| !v.is_empty())
    };
    let uid = text("UID").unwrap_or_else(|| format!("line-{line}"));
    let Some(dtstart) = c.find_prop("DTSTART") else {
        return Err(Unreadable::at(Some(line), "the event has no DTSTART"));
    };
    let start = stamp(dtstart).map_err(|why| Unreadable::at(Some(lines.line_of("DTSTART")), why))?;
    let end = match (c.find_prop("DTEND"), c.find_prop("DURATION")) {
        (Some(dtend), _) => {
            let at = |why| Unreadable::at(Some(lines.line_of("DTEND")), why);
            let end = stamp(dtend).map_err(at)?;
            if end.is_date() != start.is_date() {
                return Err(at("DTEND is a date where DTSTART is a date-time, or the other way round".into()));
            }
            EndAt::Stamp(end)
        }
        (None, Some(duration)) => {
            let span = duration.val.as_str().trim().parse::<Span>().map_err(|_| {
                Unreadable::at(
                    Some(lines.line_of("DURATION")),
                    format!("DURATION '{}' is not a duration like PT1H30M", duration.val.as_str()),
                )
            })?;
            EndAt::After(span)
        }
        (None, None) if start.is_date() => EndAt::After(Span::new().days(1)),
        (None, None) => EndAt::After(Span::new()),
    };
    let floating = TimeZone::UTC;
    if let EndAt::Stamp(end) = &end
        && end.instant(&floating) < start.instant(&floating)
    {
        return Err(Unreadable::at(Some(lines.line_of("DTEND")), "DTEND is before DTSTART"));
    }
    // Checked by the caller, which knows how it will be expanded.
    let rrule = c.find_prop("RRULE").map(|rule| rule.val.as_str().trim().to_owned());
    let stamps = |name: &str| -> Result<Vec<Stamp>, Unreadable> {
        let mut out = Vec::new();
        let mut lines_of = lines.props.iter().filter(|(n, _)| n == name).map(|(_, l)| *l);
        for prop in c.properties.iter().filter(|p| p.name.as_str().eq_ignore_ascii_case(name)) {
            let line = lines_of.next().unwrap_or(line);
            for value in prop.val.as_str().split(',').filter(|v| !v.trim().is_empty()) {
                // An RDATE period (start/end) repeats the event at its start.
                let value = value.split('/').next().unwrap_or(value);
                let one = Property { val: value.trim().into(), ..prop.clone() };
                out.push(stamp(&one).map_err(|why| Unreadable::at(Some(line), why))?);
            }
        }
        Ok(out)
    };
    let recurrence_id = match c.find_prop("RECURRENCE-ID") {
        Some(p) => Some(stamp(p).map_err(|why| Unreadable::at(Some(lines.line_of("RECURRENCE-ID")), why))?),
        None => None,
    };
    Ok(ForeignEvent {
        uid,
        line,
        summary: text("SUMMARY"),
        description: text("DESCRIPTION"),
        organizer: c.find_prop("ORGANIZER").and_then(party),
        attendees: c.properties.iter().filter(|p| p.name.as_str() == "ATTENDEE").filter_map(party).collect(),
        start,
        end,
        rrule,
        exdates: stamps("EXDATE")?,
        rdates: stamps("RDATE")?,
        recurrence_id,
        cancelled: text("STATUS").is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED")),
    })
}

fn param<'a>(p: &'a Property<'_>, key: &str) -> Option<&'a str> {
    p.params.iter().find(|x| x.key.as_str().eq_ignore_ascii_case(key)).and_then(|x| x.val.as_ref()).map(|v| v.as_str())
}

/// A date-time property's value read with its `VALUE` and `TZID`.
fn stamp(p: &Property<'_>) -> Result<Stamp, String> {
    let raw = p.val.as_str().trim();
    let name = p.name.as_str();
    let is_date = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE")) || raw.len() == 8;
    if is_date {
        return date(raw).map(Stamp::Date).ok_or_else(|| format!("{name} '{raw}' is not a date like 20270301"));
    }
    let (digits, utc) = match raw.strip_suffix(['Z', 'z']) {
        Some(rest) => (rest, true),
        None => (raw, false),
    };
    let at =
        parse_date_time(digits).ok_or_else(|| format!("{name} '{raw}' is not a date-time like 20270301T100000"))?;
    let zone = match (utc, param(p, "TZID")) {
        (true, _) => Zone::Utc,
        (false, Some(tzid)) => {
            let (name, tz) = zones::resolve(tzid).ok_or_else(|| {
                format!(
                    "{name}: the time zone '{tzid}' is not one Sala knows; use an IANA name like Europe/Madrid \
                     (or a common Windows name like Romance Standard Time)"
                )
            })?;
            Zone::Named { name, tz }
        }
        (false, None) => Zone::Floating,
    };
    Ok(Stamp::At { at, zone })
}

fn date(raw: &str) -> Option<Date> {
    if raw.len() != 8 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = raw[0..4].parse().ok()?;
    let month = raw[4..6].parse().ok()?;
    let day = raw[6..8].parse().ok()?;
    Date::new(year, month, day).ok()
}

pub(super) fn parse_date_time(raw: &str) -> Option<DateTime> {
    let (day, time) = raw.split_once(['T', 't'])?;
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hour = time[0..2].parse().ok()?;
    let minute = time[2..4].parse().ok()?;
    // A leap second (60) is read as the second before.
    let second = time[4..6].parse::<i8>().ok()?.min(59);
    let time = jiff::civil::Time::new(hour, minute, second, 0).ok()?;
    Some(date(day)?.to_datetime(time))
}

/// `mailto:` address and `CN` of an `ORGANIZER` or `ATTENDEE`; `None` without an address.
fn party(p: &Property<'_>) -> Option<Party> {
    let value = p.val.as_str().trim();
    let email = match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("mailto:") => &value[7..],
        _ => value,
    };
    if !email.contains('@') {
        return None;
    }
    let cutype = param(p, "CUTYPE").unwrap_or("");
    Some(Party {
        email: email.trim().to_owned(),
        name: param(p, "CN").map(|n| n.trim().to_owned()).filter(|n| !n.is_empty() && n != email),
        resource: cutype.eq_ignore_ascii_case("ROOM") || cutype.eq_ignore_ascii_case("RESOURCE"),
    })
}
