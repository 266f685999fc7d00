//! Turns a booking event into the messages people read: the email (subject, text, HTML), its
//! `.ics` invitation, and the WhatsApp template's parameters. Pure: no store, no sending.
//!
//! Everything a person typed (title, description, reason, names) reaches the HTML through askama,
//! which escapes it; the subject loses line breaks in the channel; the `.ics` is escaped by the
//! channel's writer; WhatsApp parameters lose the new lines and runs of spaces Meta refuses.

use super::texts::{self, InCalendar, Kind, Phrases};
use askama::Template;
use sala_channels::ics::{Attendee as IcsAttendee, EventStatus, Invitation, Method, PartStat, Person, Role};
use sala_domain::jobs::SeriesInvite;
use sala_domain::notify::CalendarMethod;
use sala_domain::{Attendee, Booking, Locale, Room, TimeZoneName, User};

/// What every message about one booking is made from.
pub struct Meeting<'a> {
    pub booking: &'a Booking,
    pub room: &'a Room,
    pub organizer: &'a User,
    /// The organization's name: every invitation names it beside the organizer.
    pub organization: &'a str,
    /// The domain part of the `.ics` UID (the installation's host), so UIDs are globally unique.
    pub uid_domain: &'a str,
    /// A new series: its invitation is one event whose `RRULE` stands for every occurrence.
    pub series: Option<&'a SeriesInvite>,
    /// The other occurrences the same change touched ("this and following"): one message, one
    /// `.ics` event each.
    pub more: &'a [Booking],
    /// The Google Meet link, as the booking holds it now (it may come after the change).
    pub meet_link: Option<&'a str>,
}

/// One row of "what changed".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeRow {
    pub label: &'static str,
    pub before: String,
    pub after: String,
}

/// An email's subject and bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailBody {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What else a message says besides the meeting's details.
#[derive(Clone, Debug, Default)]
pub struct Extras {
    pub changes: Vec<ChangeRow>,
    pub reason: Option<String>,
    /// For reminders: how many minutes before.
    pub minutes: u32,
    /// A guest's invitation: where they answer whether they come.
    pub rsvp: Option<String>,
    /// How the meeting reaches the reader's calendar (the footer says it).
    pub calendar: InCalendar,
}

#[derive(Template)]
#[template(path = "email.html")]
struct EmailHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    heading: &'a str,
    title: &'a str,
    intro: &'a str,
    meet_link: Option<&'a str>,
    join: &'a str,
    details: &'a [(&'static str, String)],
    changes: &'a [ChangeRow],
    what_changed: &'a str,
    reason: Option<&'a str>,
    reason_label: &'a str,
    rsvp: Option<&'a str>,
    rsvp_label: &'a str,
    footer: &'a str,
}

impl Meeting<'_> {
    /// The room as people find it: "Sala Atlántico (Planta 1)".
    pub fn place(&self) -> String {
        match self.room.location.as_deref().filter(|l| !l.is_empty()) {
            Some(location) => format!("{} ({location})", self.room.name),
            None => self.room.name.clone(),
        }
    }

    /// The `.ics` UID: the same for the invitation, every update and the cancellation.
    pub fn uid(&self, b: &Booking) -> String {
        b.ical_uid(self.uid_domain)
    }

    /// The meeting's details as label/value rows, in the reader's language and zone.
    fn details(&self, p: &Phrases, locale: Locale, zone: &TimeZoneName) -> Vec<(&'static str, String)> {
        let b = self.booking;
        let mut rows = vec![(p.when, texts::when(locale, b.time, zone)), (p.room, self.place())];
        if let Some(link) = self.meet_link {
            rows.push((p.video(link).0, link.to_owned()));
        }
        rows.push((p.organizer, format!("{} <{}>", self.organizer.name, self.organizer.email)));
        if !b.attendees.is_empty() {
            let names: Vec<String> =
                b.attendees.iter().map(|a| a.name.clone().unwrap_or_else(|| a.email.to_string())).collect();
            rows.push((p.attendees, names.join(", ")));
        }
        if let Some(series) = self.series {
            let last_start = series.last_end - b.time.duration_ms();
            rows.push((
                p.repeats,
                texts::repeats(locale, &series.rule, series.first.start, series.booked, last_start, zone),
            ));
            if !series.skipped.is_empty() {
                rows.push((p.except, texts::dates(locale, &series.skipped, zone)));
            }
        }
        if !self.more.is_empty() {
            let starts: Vec<i64> = self.more.iter().map(|m| m.time.start).collect();
            rows.push((p.other_dates, texts::dates(locale, &starts, zone)));
        }
        if let Some(d) = b.description.as_deref().filter(|d| !d.is_empty()) {
            rows.push((p.description, d.to_owned()));
        }
        rows
    }

    /// The email for one reader.
    pub fn email(&self, kind: Kind, locale: Locale, zone: &TimeZoneName, extras: &Extras) -> EmailBody {
        let p = texts::phrases(locale);
        let b = self.booking;
        let when = texts::when(locale, b.time, zone);
        let subject = texts::subject(locale, kind, &b.title, &when, extras.minutes);
        let organizer =
            texts::organizer_line(locale, &self.organizer.name, self.organizer.email.as_str(), self.organization);
        let intro = texts::intro(locale, kind, &organizer, extras.minutes);
        let details = self.details(p, locale, zone);
        let reason = match kind {
            Kind::Cancelled | Kind::Released | Kind::PutBack => {
                Some(extras.reason.clone().unwrap_or_else(|| p.no_reason.to_owned()))
            }
            _ => None,
        };
        let heading = subject.split(':').next().unwrap_or_default().to_owned();
        let html = EmailHtml {
            lang: p.lang,
            subject: &subject,
            heading: &heading,
            title: &b.title,
            intro: &intro,
            meet_link: self.meet_link,
            join: self.meet_link.map_or(p.join_video, |link| p.video(link).1),
            details: &details,
            changes: &extras.changes,
            what_changed: p.what_changed,
            reason: reason.as_deref(),
            reason_label: p.reason,
            rsvp: extras.rsvp.as_deref(),
            rsvp_label: p.rsvp,
            footer: p.footer(extras.calendar),
        }
        .render()
        .unwrap_or_else(|e| {
            // The template is compiled in; a render error would be a bug, so the text part still goes.
            tracing::error!(error = %e, "email template failed");
            String::new()
        });
        let mut text =
            plain_text(&b.title, &intro, &details, p, &extras.changes, reason.as_deref(), p.footer(extras.calendar));
        if let Some(link) = &extras.rsvp {
            // Before the signature, where people look for what to do.
            let at = text.rfind("\n-- \n").unwrap_or(text.len());
            text.insert_str(at, &format!("\n{}: {link}\n", p.rsvp));
        }
        EmailBody { subject, text, html }
    }

    /// The `.ics` events for a reader: a new series as one event with its `RRULE`, otherwise one
    /// per booking the message is about. `only` narrows the attendees to one person (a removed
    /// guest's cancellation names only them, RFC 5546 §3.2.5); the whole meeting otherwise.
    pub fn invitations(
        &self,
        method: CalendarMethod,
        only: Option<&Attendee>,
        now: jiff::Timestamp,
    ) -> Vec<Invitation> {
        let event = self.event(self.booking, method, only, now);
        if let Some(series) = self.series {
            let ts = |ms| jiff::Timestamp::from_millisecond(ms).unwrap_or(now);
            let zone = &self.booking.time_zone;
            let first_date = sala_domain::dates::zoned(series.first.start, zone).map(|z| z.date()).unwrap_or_default();
            return vec![Invitation {
                start: ts(series.first.start),
                end: ts(series.first.end),
                rrule: Some(series.rule.to_rrule(first_date, zone)),
                exdates: series.skipped.iter().map(|ms| ts(*ms)).collect(),
                series_end: Some(ts(series.last_end)),
                time_zone: Some(zone.as_str().to_owned()),
                recurrence_id: None,
                ..event
            }];
        }
        std::iter::once(event).chain(self.more.iter().map(|b| self.event(b, method, only, now))).collect()
    }

    /// One booking's `.ics` event; an occurrence of a series names itself with `RECURRENCE-ID`
    /// in the series' zone, as the series' own `DTSTART` is written.
    fn event(&self, b: &Booking, method: CalendarMethod, only: Option<&Attendee>, now: jiff::Timestamp) -> Invitation {
        let ts = |ms| jiff::Timestamp::from_millisecond(ms).unwrap_or(now);
        let chair = IcsAttendee {
            person: Person { name: Some(self.organizer.name.clone()), email: self.organizer.email.to_string() },
            role: Role::Chair,
            partstat: PartStat::Accepted,
            rsvp: false,
        };
        let guests = match only {
            Some(one) => vec![guest(one)],
            None => b.attendees.iter().map(guest).collect(),
        };
        let cancelled = method == CalendarMethod::Cancel;
        let recurrence_id = b.series_id.and(b.recurrence_id);
        Invitation {
            uid: self.uid(b),
            // Every change bumps the version, so SEQUENCE grows with each update and the cancellation.
            sequence: u32::try_from(b.version.saturating_sub(1)).unwrap_or(0),
            method: if cancelled { Method::Cancel } else { Method::Request },
            dtstamp: now,
            start: ts(b.time.start),
            end: ts(b.time.end),
            summary: b.title.clone(),
            description: b.description.clone(),
            location: Some(self.place()),
            organizer: chair.person.clone(),
            attendees: if only.is_some() { guests } else { std::iter::once(chair).chain(guests).collect() },
            url: self.meet_link.map(str::to_owned),
            rrule: None,
            status: if cancelled { EventStatus::Cancelled } else { EventStatus::Confirmed },
            time_zone: recurrence_id.map(|_| b.time_zone.as_str().to_owned()),
            recurrence_id: recurrence_id.map(ts),
            exdates: Vec::new(),
            series_end: None,
        }
    }

    /// The values for the WhatsApp template's `{{1}}`, `{{2}}`, ... (see the README's table);
    /// `with_link`: the confirmation's template that also carries the Meet link, as `{{5}}`.
    pub fn whatsapp_params(
        &self,
        kind: Kind,
        locale: Locale,
        zone: &TimeZoneName,
        extras: &Extras,
        with_link: bool,
    ) -> Vec<String> {
        let b = self.booking;
        let when = texts::when(locale, b.time, zone);
        let params = match kind {
            Kind::Reminder => {
                let link = self.meet_link.unwrap_or("—").to_owned();
                vec![b.title.clone(), extras.minutes.to_string(), self.place(), link]
            }
            Kind::Cancelled | Kind::Released => vec![
                b.title.clone(),
                when,
                extras.reason.clone().unwrap_or_else(|| texts::phrases(locale).no_reason.to_owned()),
            ],
            Kind::Updated => {
                let mut changed: Vec<&str> = extras.changes.iter().map(|c| c.label).collect();
                changed.dedup();
                vec![b.title.clone(), when, self.place(), changed.join(", ")]
            }
            _ => {
                let mut params = vec![b.title.clone(), when, self.place(), attendee_count(locale, b.attendees.len())];
                params.extend(self.meet_link.filter(|_| with_link).map(str::to_owned));
                params
            }
        };
        params.into_iter().map(|p| whatsapp_text(&p)).collect()
    }

    /// The name and zone of the reader: a person of the tenant reads in their own zone, a guest in
    /// the booking's.
    pub fn zone_for(&self, user: Option<&User>) -> TimeZoneName {
        user.and_then(|u| u.time_zone.clone()).unwrap_or_else(|| self.booking.time_zone.clone())
    }
}

fn guest(a: &Attendee) -> IcsAttendee {
    IcsAttendee::required(Person { name: a.name.clone(), email: a.email.to_string() })
}

fn attendee_count(locale: Locale, n: usize) -> String {
    match (locale, n) {
        (Locale::Es, 1) => "1 invitado".to_owned(),
        (Locale::Es, n) => format!("{n} invitados"),
        (Locale::En, 1) => "1 guest".to_owned(),
        (Locale::En, n) => format!("{n} guests"),
    }
}

/// WhatsApp template parameters may not hold new lines, tabs or more than four spaces in a row,
/// nor be empty (Meta refuses the message): an empty one reads "—". At most 1,024 characters.
pub fn whatsapp_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut spaces = 0;
    for c in s.chars().map(|c| if c.is_control() || c.is_whitespace() { ' ' } else { c }) {
        spaces = if c == ' ' { spaces + 1 } else { 0 };
        if spaces <= 1 {
            out.push(c);
        }
    }
    let trimmed = out.trim();
    if trimmed.is_empty() {
        return "—".to_owned();
    }
    match trimmed.char_indices().nth(1024) {
        Some((end, _)) => trimmed[..end].to_owned(),
        None => trimmed.to_owned(),
    }
}

fn plain_text(
    title: &str,
    intro: &str,
    details: &[(&'static str, String)],
    p: &Phrases,
    changes: &[ChangeRow],
    reason: Option<&str>,
    footer: &str,
) -> String {
    let mut text = format!("{title}\n\n{intro}\n\n");
    for (label, value) in details {
        text.push_str(&format!("{label}: {value}\n"));
    }
    if !changes.is_empty() {
        text.push_str(&format!("\n{}:\n", p.what_changed));
        for c in changes {
            text.push_str(&format!("- {}: {} -> {}\n", c.label, c.before, c.after));
        }
    }
    if let Some(reason) = reason {
        text.push_str(&format!("\n{}: {reason}\n", p.reason));
    }
    text.push_str(&format!("\n-- \n{footer}\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatsapp_parameters_lose_what_meta_refuses() {
        assert_eq!(whatsapp_text("a\r\nb\tc      d"), "a b c d");
        assert_eq!(whatsapp_text("  x  "), "x");
        assert_eq!(whatsapp_text(""), "—", "Meta refuses an empty parameter");
        assert_eq!(whatsapp_text(" \n\t "), "—");
        assert_eq!(whatsapp_text(&"é".repeat(2000)).chars().count(), 1024);
    }
}
