//! iCalendar invitations (RFC 5545 objects, RFC 5546 iTIP methods).
//!
//! [`to_ics`] turns an [`Invitation`] into a `VCALENDAR` with one `VEVENT` ([`to_ics_all`]: several
//! VEVENTs of one UID, the occurrences of a series changed at once), written with the [`icalendar`]
//! crate, which escapes TEXT values (`\\`, `\;`, `\,`, `\n`) and folds content lines at 75 octets.
//!
//! Times are written in UTC (`...Z`) unless the invitation names a `time_zone`: then `DTSTART`,
//! `DTEND`, `RECURRENCE-ID` and `EXDATE` are local times with `TZID`, and a `VTIMEZONE` generated from
//! the tz database is included. A series needs that: `RRULE` repeats the *local* time of `DTSTART`,
//! so a weekly 10:00 in Madrid stays 10:00 after the clocks change, as Sala's occurrences do.
//!
//! On top of what the crate does, this module cleans what the crate would pass through verbatim:
//! - TEXT values have CR and CRLF normalised to LF (written as `\n`) and other control characters
//!   removed: the crate escapes `\n` but would emit a bare CR.
//! - Parameter values (`CN`) cannot contain a double quote (RFC 5545 §3.1 has no escape for it), so
//!   `"` becomes `'` and control characters are dropped; the crate then quotes values containing
//!   `:`, `;` or `,`. A display name therefore cannot add parameters such as `ROLE=CHAIR`.
//! - Values the crate writes unescaped (`mailto:` addresses, `URL`, `RRULE`) lose control
//!   characters, so they cannot start a new content line.
//!
//! Updates and cancellations must reuse the same `uid`; an update increments `sequence`.

use icalendar::{Calendar, Component, Event, Property};
use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

/// The `PRODID` written into every calendar.
pub const PRODID: &str = "-//Sala//Sala meeting rooms//EN";

/// The iTIP method of the calendar object (RFC 5546 §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Invite to, or update, an event.
    Request,
    /// Cancel an event (or remove attendees from it).
    Cancel,
    /// Publish events without asking for replies: a subscribed feed, a download.
    Publish,
}

impl Method {
    /// The value as written in `METHOD:` and in the `text/calendar; method=` MIME parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
            Self::Publish => "PUBLISH",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The event's `STATUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventStatus {
    /// `CONFIRMED`.
    Confirmed,
    /// `CANCELLED`: use with [`Method::Cancel`].
    Cancelled,
}

impl EventStatus {
    /// The value as written in `STATUS:`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "CONFIRMED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// A calendar user: an optional display name (`CN`) and an email address (`mailto:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Display name, written as the `CN` parameter.
    pub name: Option<String>,
    /// Email address, written as `mailto:<email>`.
    pub email: String,
}

/// An attendee's participation role (`ROLE`, RFC 5545 §3.2.16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Role {
    /// `CHAIR`.
    Chair,
    /// `REQ-PARTICIPANT` (the default).
    #[default]
    ReqParticipant,
    /// `OPT-PARTICIPANT`.
    OptParticipant,
    /// `NON-PARTICIPANT`.
    NonParticipant,
}

impl Role {
    /// The parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chair => "CHAIR",
            Self::ReqParticipant => "REQ-PARTICIPANT",
            Self::OptParticipant => "OPT-PARTICIPANT",
            Self::NonParticipant => "NON-PARTICIPANT",
        }
    }
}

/// An attendee's participation status (`PARTSTAT`, RFC 5545 §3.2.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PartStat {
    /// `NEEDS-ACTION` (the default for invitations).
    #[default]
    NeedsAction,
    /// `ACCEPTED`.
    Accepted,
    /// `DECLINED`.
    Declined,
    /// `TENTATIVE`.
    Tentative,
}

impl PartStat {
    /// The parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NeedsAction => "NEEDS-ACTION",
            Self::Accepted => "ACCEPTED",
            Self::Declined => "DECLINED",
            Self::Tentative => "TENTATIVE",
        }
    }
}

/// One `ATTENDEE` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    /// Who.
    pub person: Person,
    /// `ROLE`.
    pub role: Role,
    /// `PARTSTAT`.
    pub partstat: PartStat,
    /// `RSVP=TRUE`: ask the calendar client to offer Accept/Decline.
    pub rsvp: bool,
}

impl Attendee {
    /// A required participant who is asked to reply (`REQ-PARTICIPANT`, `NEEDS-ACTION`, `RSVP=TRUE`).
    pub fn required(person: Person) -> Self {
        Self { person, role: Role::ReqParticipant, partstat: PartStat::NeedsAction, rsvp: true }
    }
}

/// Everything needed to write one invitation, update or cancellation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Stable `UID`, identical for the invitation, every update and the cancellation.
    pub uid: String,
    /// `SEQUENCE`: 0 for the first invitation, incremented on every significant change.
    pub sequence: u32,
    /// `METHOD` of the calendar object.
    pub method: Method,
    /// `DTSTAMP`: when this object was produced.
    pub dtstamp: Timestamp,
    /// `DTSTART`, written in UTC.
    pub start: Timestamp,
    /// `DTEND`, written in UTC.
    pub end: Timestamp,
    /// `SUMMARY` (the meeting title).
    pub summary: String,
    /// `DESCRIPTION`.
    pub description: Option<String>,
    /// `LOCATION` (the room).
    pub location: Option<String>,
    /// `ORGANIZER`; an empty `email` leaves it out (a published busy block that names nobody).
    pub organizer: Person,
    /// `ATTENDEE` lines.
    pub attendees: Vec<Attendee>,
    /// `URL`, e.g. the Google Meet link.
    pub url: Option<String>,
    /// `RRULE` value without the `RRULE:` prefix, e.g. `FREQ=WEEKLY;COUNT=10`.
    pub rrule: Option<String>,
    /// `STATUS`.
    pub status: EventStatus,
    /// An IANA zone (`Europe/Madrid`): times are written as local times in it, with a `VTIMEZONE`.
    /// `None`, or a zone the tz database does not know: UTC.
    pub time_zone: Option<String>,
    /// For one occurrence of a series: the start the series gave it (`RECURRENCE-ID`), which
    /// identifies the occurrence even after it moved.
    pub recurrence_id: Option<Timestamp>,
    /// `EXDATE`: starts the `RRULE` produces that have no occurrence.
    pub exdates: Vec<Timestamp>,
    /// For a series: the end of its last occurrence, so the `VTIMEZONE` covers all of them.
    pub series_end: Option<Timestamp>,
}

/// Writes the invitation as an RFC 5545 calendar object (CRLF line endings, folded lines).
pub fn to_ics(inv: &Invitation) -> String {
    to_ics_all(std::slice::from_ref(inv))
}

/// Writes several events in one calendar object: the overrides of the occurrences of one series
/// that a single change touched (RFC 5546 allows several components of one UID in a REQUEST or
/// CANCEL). `METHOD` and the zone come from the first; an empty slice gives an empty calendar.
pub fn to_ics_all(invitations: &[Invitation]) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(("PRODID", PRODID));
    cal.append_property(("VERSION", "2.0"));
    cal.append_property(("CALSCALE", "GREGORIAN"));
    let Some(first) = invitations.first() else { return cal.to_string() };
    cal.append_property(("METHOD", first.method.as_str()));
    let zone = first.time_zone.as_deref().and_then(|name| Some((name, TimeZone::get(name).ok()?)));
    for inv in invitations {
        cal.push(event(inv, zone.as_ref()));
    }
    let ics = cal.to_string();
    match zone {
        Some((name, tz)) => {
            let from = invitations.iter().flat_map(|i| [i.start].into_iter().chain(i.recurrence_id)).min();
            let to = invitations.iter().flat_map(|i| [i.end].into_iter().chain(i.series_end)).max();
            let block = vtimezone(name, &tz, from.unwrap_or(first.start), to.unwrap_or(first.end));
            with_vtimezone(ics, &block)
        }
        None => ics,
    }
}

/// What a published calendar says of itself: its name in calendar apps (`X-WR-CALNAME`) and how
/// often a subscriber should fetch it again (`REFRESH-INTERVAL`, RFC 7986, and the older
/// `X-PUBLISHED-TTL` that Outlook reads).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    pub name: Option<String>,
    pub refresh_minutes: Option<u32>,
}

/// Writes a published calendar (`METHOD:PUBLISH`): a feed or a download, events of many meetings
/// whose zones may differ. Unlike [`to_ics_all`], each event is written in its own `time_zone`
/// (UTC without one), and the calendar holds one `VTIMEZONE` per zone used, covering the events
/// written in it. Each invitation's `method` is ignored.
pub fn to_published(invitations: &[Invitation], published: &Published) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(("PRODID", PRODID));
    cal.append_property(("VERSION", "2.0"));
    cal.append_property(("CALSCALE", "GREGORIAN"));
    cal.append_property(("METHOD", Method::Publish.as_str()));
    if let Some(name) = &published.name {
        cal.append_property(("X-WR-CALNAME", clean_text(name).as_str()));
    }
    if let Some(minutes) = published.refresh_minutes {
        let mut refresh = Property::new("REFRESH-INTERVAL", format!("PT{minutes}M"));
        refresh.add_parameter("VALUE", "DURATION");
        cal.append_property(refresh);
        cal.append_property(("X-PUBLISHED-TTL", format!("PT{minutes}M").as_str()));
    }
    // Each zone once, in the order first used, with the span of the events written in it.
    let mut zones: Vec<(&str, TimeZone, Timestamp, Timestamp)> = Vec::new();
    for inv in invitations {
        let zone = inv.time_zone.as_deref().and_then(|name| Some((name, TimeZone::get(name).ok()?)));
        if let Some((name, tz)) = &zone {
            let from = [inv.start].into_iter().chain(inv.recurrence_id).min().unwrap_or(inv.start);
            let to = [inv.end].into_iter().chain(inv.series_end).max().unwrap_or(inv.end);
            match zones.iter_mut().find(|z| z.0 == *name) {
                Some(z) => (z.2, z.3) = (z.2.min(from), z.3.max(to)),
                None => zones.push((name, tz.clone(), from, to)),
            }
        }
        cal.push(event(inv, zone.as_ref()));
    }
    let blocks: String = zones.iter().map(|(name, tz, from, to)| vtimezone(name, tz, *from, *to)).collect();
    with_vtimezone(cal.to_string(), &blocks)
}

fn event(inv: &Invitation, zone: Option<&(&str, TimeZone)>) -> Event {
    // DATE-TIME values: local with TZID when the invitation has a zone, UTC otherwise.
    let times = |key: &str, values: &[Timestamp]| -> Property {
        let text = |ts: &Timestamp| match zone {
            Some((_, tz)) => tz.to_datetime(*ts).strftime("%Y%m%dT%H%M%S").to_string(),
            None => utc(*ts),
        };
        let mut p = Property::new(key, values.iter().map(text).collect::<Vec<_>>().join(","));
        if let Some((name, _)) = zone {
            p.add_parameter("TZID", name);
        }
        p
    };
    let time = |key: &str, ts: Timestamp| times(key, &[ts]);
    let mut ev = Event::new();
    ev.add_property("UID", clean_text(&inv.uid));
    ev.add_property("DTSTAMP", utc(inv.dtstamp));
    ev.add_property("SEQUENCE", inv.sequence.to_string());
    if let Some(id) = inv.recurrence_id {
        ev.append_property(time("RECURRENCE-ID", id));
    }
    ev.append_property(time("DTSTART", inv.start));
    ev.append_property(time("DTEND", inv.end));
    ev.add_property("SUMMARY", clean_text(&inv.summary));
    if let Some(d) = &inv.description {
        ev.add_property("DESCRIPTION", clean_text(d));
    }
    if let Some(l) = &inv.location {
        ev.add_property("LOCATION", clean_text(l));
    }
    if !inv.organizer.email.is_empty() {
        ev.append_property(cal_address("ORGANIZER", &inv.organizer));
    }
    for a in &inv.attendees {
        let mut p = cal_address("ATTENDEE", &a.person);
        p.add_parameter("ROLE", a.role.as_str());
        p.add_parameter("PARTSTAT", a.partstat.as_str());
        p.add_parameter("RSVP", if a.rsvp { "TRUE" } else { "FALSE" });
        ev.append_multi_property(p);
    }
    if let Some(u) = &inv.url {
        ev.add_property("URL", clean_line(u));
    }
    if let Some(r) = &inv.rrule {
        ev.add_property("RRULE", clean_line(r));
    }
    if !inv.exdates.is_empty() {
        // One EXDATE holding a list, in the same form (local with TZID, or UTC) as DTSTART.
        ev.append_property(times("EXDATE", &inv.exdates));
    }
    ev.add_property("STATUS", inv.status.as_str());
    ev.done()
}

/// The calendar text with `block` before its first component. The crate would give any component
/// pushed into it a `UID` and a `DTSTAMP`, which a `VTIMEZONE` must not have, so the block is
/// written here; it holds only zone names and offsets from the tz database, no user text.
fn with_vtimezone(ics: String, block: &str) -> String {
    match ics.find("BEGIN:VEVENT\r\n") {
        Some(at) => format!("{}{block}{}", &ics[..at], &ics[at..]),
        None => ics,
    }
}

/// A `VTIMEZONE` for `tz` covering `[from, to]`: the observance in force at `from`, then one
/// `STANDARD` or `DAYLIGHT` per transition up to `to`, each written out as a single onset (no
/// `RRULE`), so a client needs no rules of its own and a future rule change in the tz database
/// cannot be misread.
fn vtimezone(name: &str, tz: &TimeZone, from: Timestamp, to: Timestamp) -> String {
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", clean_line(name));
    let info = tz.to_offset_info(from);
    let second = jiff::SignedDuration::from_secs(1);
    // The observance in force at `from` began at the last transition up to it (a zone that never
    // changed has none: its one observance is written from `from`).
    let (onset, before) = match tz.preceding(from.saturating_add(second).unwrap_or(from)).next() {
        Some(t) => (t.timestamp(), tz.to_offset(t.timestamp().saturating_sub(second).unwrap_or(t.timestamp()))),
        None => (from, info.offset()),
    };
    out.push_str(&observance(onset, before, info.offset(), info.abbreviation(), info.dst().is_dst()));
    let mut previous = info.offset();
    for t in tz.following(from).take_while(|t| t.timestamp() <= to) {
        out.push_str(&observance(t.timestamp(), previous, t.offset(), t.abbreviation(), t.dst().is_dst()));
        previous = t.offset();
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

/// One `STANDARD`/`DAYLIGHT` sub-component: its `DTSTART` is the onset as a local time in the
/// offset in force before it (RFC 5545 §3.6.5).
fn observance(onset: Timestamp, from: Offset, to: Offset, abbreviation: &str, dst: bool) -> String {
    let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
    let local = from.to_datetime(onset).strftime("%Y%m%dT%H%M%S");
    let name = clean_param(abbreviation);
    format!(
        "BEGIN:{kind}\r\nDTSTART:{local}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\nTZNAME:{name}\r\nEND:{kind}\r\n",
        utc_offset(from),
        utc_offset(to)
    )
}

/// RFC 5545 UTC-OFFSET: `+0100`, `-0330`, with seconds only when there are any.
fn utc_offset(offset: Offset) -> String {
    let total = offset.seconds();
    let sign = if total < 0 { '-' } else { '+' };
    let (h, m, s) = (total.abs() / 3600, total.abs() / 60 % 60, total.abs() % 60);
    if s == 0 { format!("{sign}{h:02}{m:02}") } else { format!("{sign}{h:02}{m:02}{s:02}") }
}

/// `ORGANIZER` / `ATTENDEE` with a cleaned `CN` and a `mailto:` value.
fn cal_address(key: &str, person: &Person) -> Property {
    let mut p = Property::new(key, format!("mailto:{}", clean_line(&person.email)));
    if let Some(name) = person.name.as_deref() {
        let cn = clean_param(name);
        if !cn.is_empty() {
            p.add_parameter("CN", &cn);
        }
    }
    p
}

/// UTC DATE-TIME form, e.g. `20261125T093000Z`.
fn utc(ts: Timestamp) -> String {
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values: CRLF and CR become LF (escaped as `\n` by the crate); other controls but TAB go.
fn clean_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

/// Values written verbatim (URI, CAL-ADDRESS, RECUR): no control characters at all.
fn clean_line(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// Parameter values: no control characters and no DQUOTE (which would end a quoted value).
fn clean_param(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).map(|c| if c == '"' { '\'' } else { c }).collect::<String>().trim().to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use icalendar::{CalendarComponent, EventLike};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn sample() -> Invitation {
        Invitation {
            uid: "booking-0192@sala.example".into(),
            sequence: 2,
            method: Method::Request,
            dtstamp: ts("2026-11-25T08:00:00Z"),
            start: ts("2026-11-26T09:30:00Z"),
            end: ts("2026-11-26T10:15:00Z"),
            summary: "Planning Q1".into(),
            description: Some("Agenda:\n1. Budget\n2. Hiring".into()),
            location: Some("Sala Goya, planta 2".into()),
            organizer: Person { name: Some("Ana García".into()), email: "ana@acme.example".into() },
            attendees: vec![
                Attendee::required(Person { name: Some("Luis Pérez".into()), email: "luis@acme.example".into() }),
                Attendee::required(Person { name: None, email: "guest@other.example".into() }),
            ],
            url: Some("https://meet.google.com/abc-defg-hij".into()),
            rrule: Some("FREQ=WEEKLY;COUNT=4".into()),
            status: EventStatus::Confirmed,
            time_zone: None,
            recurrence_id: None,
            exdates: Vec::new(),
            series_end: None,
        }
    }

    /// A weekly series in Madrid from Tuesday 16 March 2027, 10:00 (CET), four times: the clocks
    /// go forward on 28 March, so the last two occurrences are at 10:00 CEST.
    fn madrid_series() -> Invitation {
        Invitation {
            start: ts("2027-03-16T09:00:00Z"),
            end: ts("2027-03-16T10:00:00Z"),
            time_zone: Some("Europe/Madrid".into()),
            exdates: vec![ts("2027-03-23T09:00:00Z")],
            series_end: Some(ts("2027-04-06T09:00:00Z")),
            ..sample()
        }
    }

    fn lines(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "").split("\r\n").map(str::to_owned).collect()
    }

    fn parse(ics: &str) -> Calendar {
        ics.parse::<Calendar>().unwrap()
    }

    fn only_event(cal: &Calendar) -> &Event {
        let events: Vec<&Event> = cal
            .components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(e) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(events.len(), 1);
        events[0]
    }

    fn params(p: &Property) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> =
            p.params().values().map(|x| (x.key().to_owned(), x.value().to_owned())).collect();
        v.sort();
        v
    }

    #[test]
    fn round_trips_every_field() {
        let inv = sample();
        let ics = to_ics(&inv);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        let cal = parse(&ics);
        assert_eq!(cal.property_value("PRODID"), Some(PRODID));
        assert_eq!(cal.property_value("VERSION"), Some("2.0"));
        assert_eq!(cal.property_value("METHOD"), Some("REQUEST"));
        let ev = only_event(&cal);
        assert_eq!(ev.property_value("UID"), Some("booking-0192@sala.example"));
        assert_eq!(ev.property_value("DTSTAMP"), Some("20261125T080000Z"));
        assert_eq!(ev.property_value("SEQUENCE"), Some("2"));
        assert_eq!(ev.property_value("DTSTART"), Some("20261126T093000Z"));
        assert_eq!(ev.property_value("DTEND"), Some("20261126T101500Z"));
        assert_eq!(ev.get_summary(), Some("Planning Q1"));
        assert_eq!(ev.get_description(), Some("Agenda:\n1. Budget\n2. Hiring"));
        assert_eq!(ev.get_location(), Some("Sala Goya, planta 2"));
        assert_eq!(ev.property_value("URL"), Some("https://meet.google.com/abc-defg-hij"));
        assert_eq!(ev.property_value("RRULE"), Some("FREQ=WEEKLY;COUNT=4"));
        assert_eq!(ev.property_value("STATUS"), Some("CONFIRMED"));

        let org = ev.properties().get("ORGANIZER").unwrap();
        assert_eq!(org.value(), "mailto:ana@acme.example");
        assert_eq!(params(org), vec![("CN".to_owned(), "Ana García".to_owned())]);

        let atts = ev.multi_properties().get("ATTENDEE").unwrap();
        assert_eq!(atts.len(), 2);
        assert_eq!(atts[0].value(), "mailto:luis@acme.example");
        assert_eq!(
            params(&atts[0]),
            vec![
                ("CN".to_owned(), "Luis Pérez".to_owned()),
                ("PARTSTAT".to_owned(), "NEEDS-ACTION".to_owned()),
                ("ROLE".to_owned(), "REQ-PARTICIPANT".to_owned()),
                ("RSVP".to_owned(), "TRUE".to_owned()),
            ]
        );
        assert_eq!(atts[1].value(), "mailto:guest@other.example");
        assert_eq!(params(&atts[1]).len(), 3, "no CN without a name");
    }

    #[test]
    fn text_is_escaped_and_survives_round_trip() {
        let mut inv = sample();
        inv.summary = "Hack\r\nATTENDEE:mailto:evil@x.example; a,b\\c <b>bold</b>".into();
        let ics = to_ics(&inv);
        let unfolded = ics.replace("\r\n ", "");
        let line = unfolded.split("\r\n").find(|l| l.starts_with("SUMMARY")).unwrap();
        assert_eq!(line, "SUMMARY:Hack\\nATTENDEE:mailto:evil@x.example\\; a\\,b\\\\c <b>bold</b>");
        assert!(!ics.contains("\r\nATTENDEE:mailto:evil"));
        // No bare CR or LF anywhere: every line ends in CRLF.
        assert_eq!(ics.matches('\r').count(), ics.matches('\n').count());
        assert_eq!(ics.matches("\r\n").count(), ics.matches('\n').count());

        let cal = parse(&ics);
        let ev = only_event(&cal);
        assert_eq!(ev.get_summary(), Some("Hack\nATTENDEE:mailto:evil@x.example; a,b\\c <b>bold</b>"));
        assert_eq!(ev.multi_properties().get("ATTENDEE").unwrap().len(), 2);
    }

    #[test]
    fn display_names_cannot_inject_parameters_or_lines() {
        let mut inv = sample();
        inv.organizer.name = Some("Mallory\";ROLE=CHAIR:mailto:x@y".into());
        inv.attendees[0].person.name = Some("Eve\r\nATTENDEE:mailto:evil@x.example".into());
        let ics = to_ics(&inv);
        let cal = parse(&ics);
        let ev = only_event(&cal);
        let org = ev.properties().get("ORGANIZER").unwrap();
        assert_eq!(org.value(), "mailto:ana@acme.example");
        assert_eq!(params(org), vec![("CN".to_owned(), "Mallory';ROLE=CHAIR:mailto:x@y".to_owned())]);
        let atts = ev.multi_properties().get("ATTENDEE").unwrap();
        assert_eq!(atts.len(), 2);
        assert_eq!(atts[0].value(), "mailto:luis@acme.example");
        assert_eq!(atts[0].params().get("CN").map(|p| p.value()), Some("EveATTENDEE:mailto:evil@x.example"));
    }

    #[test]
    fn long_lines_are_folded_at_75_octets() {
        let mut inv = sample();
        inv.description = Some("Descripción muy larga con acentos: ñandú, pingüino. ".repeat(20));
        let ics = to_ics(&inv);
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "line of {} octets: {line}", line.len());
        }
        assert!(ics.contains("\r\n "), "expected folded continuation lines");
        let cal = parse(&ics);
        assert_eq!(only_event(&cal).get_description(), inv.description.as_deref());
    }

    #[test]
    fn a_series_is_written_in_local_time_with_its_zone() {
        let ics = to_ics(&madrid_series());
        let lines = lines(&ics);
        let has = |l: &str| lines.iter().any(|x| x == l);
        assert!(has("DTSTART;TZID=Europe/Madrid:20270316T100000"), "{ics}");
        assert!(has("DTEND;TZID=Europe/Madrid:20270316T110000"));
        assert!(has("EXDATE;TZID=Europe/Madrid:20270323T100000"));
        assert!(has("RRULE:FREQ=WEEKLY;COUNT=4"));
        // The zone block comes before the event, with the observance in force at the start (CET
        // since October 2026) and the change to CEST at 02:00 local on 28 March 2027.
        let zone_at = lines.iter().position(|l| l == "BEGIN:VTIMEZONE").unwrap();
        assert!(zone_at < lines.iter().position(|l| l == "BEGIN:VEVENT").unwrap());
        let block: Vec<&str> =
            lines[zone_at..].iter().take_while(|l| *l != "END:VTIMEZONE").map(|s| s.as_str()).collect();
        assert_eq!(
            block,
            [
                "BEGIN:VTIMEZONE",
                "TZID:Europe/Madrid",
                "BEGIN:STANDARD",
                "DTSTART:20261025T030000",
                "TZOFFSETFROM:+0200",
                "TZOFFSETTO:+0100",
                "TZNAME:CET",
                "END:STANDARD",
                "BEGIN:DAYLIGHT",
                "DTSTART:20270328T020000",
                "TZOFFSETFROM:+0100",
                "TZOFFSETTO:+0200",
                "TZNAME:CEST",
                "END:DAYLIGHT",
            ]
        );
        assert!(!block.iter().any(|l| l.starts_with("UID") || l.starts_with("DTSTAMP")));
        // A real parser reads it: one event, and the zone as its own component.
        let cal = parse(&ics);
        assert_eq!(only_event(&cal).property_value("DTSTART"), Some("20270316T100000"));
        assert!(cal.components.iter().any(|c| matches!(c, CalendarComponent::Other(_))));
    }

    #[test]
    fn occurrences_changed_together_share_one_calendar_object() {
        let series = madrid_series();
        let moved = Invitation {
            recurrence_id: Some(ts("2027-03-30T08:00:00Z")),
            start: ts("2027-03-30T09:00:00Z"),
            end: ts("2027-03-30T10:00:00Z"),
            rrule: None,
            exdates: Vec::new(),
            series_end: None,
            sequence: 1,
            ..series.clone()
        };
        let last = Invitation {
            recurrence_id: Some(ts("2027-04-06T08:00:00Z")),
            start: ts("2027-04-06T09:00:00Z"),
            end: ts("2027-04-06T10:00:00Z"),
            ..moved.clone()
        };
        let ics = to_ics_all(&[moved, last]);
        let lines = lines(&ics);
        let ids: Vec<&String> = lines.iter().filter(|l| l.starts_with("RECURRENCE-ID")).collect();
        assert_eq!(
            ids,
            ["RECURRENCE-ID;TZID=Europe/Madrid:20270330T100000", "RECURRENCE-ID;TZID=Europe/Madrid:20270406T100000"]
        );
        assert!(lines.iter().any(|l| l == "DTSTART;TZID=Europe/Madrid:20270330T110000"));
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 2);
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VTIMEZONE").count(), 1);
        assert!(!lines.iter().any(|l| l.starts_with("RRULE")));
        let cal = parse(&ics);
        let uids: Vec<_> = cal.components.iter().filter_map(|c| c.as_event()).map(|e| e.get_uid()).collect();
        assert_eq!(uids, [Some("booking-0192@sala.example"), Some("booking-0192@sala.example")]);
    }

    #[test]
    fn a_published_calendar_writes_each_event_in_its_own_zone() {
        let madrid = madrid_series();
        let mexico = Invitation {
            uid: "single@sala.example".into(),
            time_zone: Some("America/Mexico_City".into()),
            rrule: None,
            exdates: Vec::new(),
            series_end: None,
            ..sample()
        };
        let utc = Invitation { uid: "utc@sala.example".into(), rrule: None, ..sample() };
        let published = Published { name: Some("Sala, Goya".into()), refresh_minutes: Some(15) };
        let ics = to_published(&[madrid, mexico, utc], &published);
        let lines = lines(&ics);
        let has = |l: &str| lines.iter().any(|x| x == l);
        assert!(has("METHOD:PUBLISH"));
        assert!(has("X-WR-CALNAME:Sala\\, Goya"), "{ics}");
        assert!(has("REFRESH-INTERVAL;VALUE=DURATION:PT15M"));
        assert!(has("X-PUBLISHED-TTL:PT15M"));
        assert!(has("DTSTART;TZID=Europe/Madrid:20270316T100000"));
        assert!(has("DTSTART;TZID=America/Mexico_City:20261126T033000"));
        assert!(has("DTSTART:20261126T093000Z"));
        let zones: Vec<&String> = lines.iter().filter(|l| l.starts_with("TZID:")).collect();
        assert_eq!(zones, ["TZID:Europe/Madrid", "TZID:America/Mexico_City"]);
        let cal = parse(&ics);
        assert_eq!(cal.components.iter().filter_map(|c| c.as_event()).count(), 3);
        assert!(to_published(&[], &Published::default()).contains("METHOD:PUBLISH"));
    }

    #[test]
    fn utc_offsets_keep_half_hours_and_seconds() {
        assert_eq!(utc_offset(Offset::from_seconds(-(3 * 3600 + 1800)).unwrap()), "-0330");
        assert_eq!(utc_offset(Offset::from_seconds(5 * 3600 + 45 * 60).unwrap()), "+0545");
        assert_eq!(utc_offset(Offset::from_seconds(-(17 * 60 + 30)).unwrap()), "-001730");
        assert_eq!(utc_offset(Offset::UTC), "+0000");
    }

    #[test]
    fn an_unknown_zone_falls_back_to_utc() {
        let inv = Invitation { time_zone: Some("Mars/Olympus".into()), ..madrid_series() };
        let ics = to_ics(&inv);
        assert!(ics.contains("DTSTART:20270316T090000Z"));
        assert!(!ics.contains("VTIMEZONE"));
    }

    #[test]
    fn cancel_keeps_uid_and_is_cancelled() {
        let request = sample();
        let mut cancel = sample();
        cancel.method = Method::Cancel;
        cancel.status = EventStatus::Cancelled;
        cancel.sequence = request.sequence + 1;
        let a = parse(&to_ics(&request));
        let b = parse(&to_ics(&cancel));
        assert_eq!(b.property_value("METHOD"), Some("CANCEL"));
        let (ea, eb) = (only_event(&a), only_event(&b));
        assert_eq!(ea.property_value("UID"), eb.property_value("UID"));
        assert_eq!(eb.property_value("STATUS"), Some("CANCELLED"));
        assert_eq!(eb.property_value("SEQUENCE"), Some("3"));
    }
}
