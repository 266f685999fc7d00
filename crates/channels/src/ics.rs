//! iCalendar invitations (RFC 5545 objects, RFC 5546 iTIP methods).
//!
//! [`to_ics`] turns an [`Invitation`] into a `VCALENDAR` with one `VEVENT`, written with the
//! [`icalendar`] crate, which escapes TEXT values (`\\`, `\;`, `\,`, `\n`) and folds content lines at
//! 75 octets. Times are always written in UTC (`...Z`), so no `VTIMEZONE` is needed; a recurring
//! series keeps its wall-clock time only if the caller expands it or supplies a UTC-safe `RRULE`.
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

/// The `PRODID` written into every calendar.
pub const PRODID: &str = "-//Sala//Sala meeting rooms//EN";

/// The iTIP method of the calendar object (RFC 5546 §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Invite to, or update, an event.
    Request,
    /// Cancel an event (or remove attendees from it).
    Cancel,
}

impl Method {
    /// The value as written in `METHOD:` and in the `text/calendar; method=` MIME parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
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
    /// `ORGANIZER`.
    pub organizer: Person,
    /// `ATTENDEE` lines.
    pub attendees: Vec<Attendee>,
    /// `URL`, e.g. the Google Meet link.
    pub url: Option<String>,
    /// `RRULE` value without the `RRULE:` prefix, e.g. `FREQ=WEEKLY;COUNT=10`.
    pub rrule: Option<String>,
    /// `STATUS`.
    pub status: EventStatus,
}

/// Writes the invitation as an RFC 5545 calendar object (CRLF line endings, folded lines).
pub fn to_ics(inv: &Invitation) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(("PRODID", PRODID));
    cal.append_property(("VERSION", "2.0"));
    cal.append_property(("CALSCALE", "GREGORIAN"));
    cal.append_property(("METHOD", inv.method.as_str()));

    let mut ev = Event::new();
    ev.add_property("UID", clean_text(&inv.uid));
    ev.add_property("DTSTAMP", utc(inv.dtstamp));
    ev.add_property("SEQUENCE", inv.sequence.to_string());
    ev.add_property("DTSTART", utc(inv.start));
    ev.add_property("DTEND", utc(inv.end));
    ev.add_property("SUMMARY", clean_text(&inv.summary));
    if let Some(d) = &inv.description {
        ev.add_property("DESCRIPTION", clean_text(d));
    }
    if let Some(l) = &inv.location {
        ev.add_property("LOCATION", clean_text(l));
    }
    ev.append_property(cal_address("ORGANIZER", &inv.organizer));
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
    ev.add_property("STATUS", inv.status.as_str());
    cal.push(ev.done());
    cal.to_string()
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
        }
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
