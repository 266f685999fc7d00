//! Who is told what: the product's contract for each booking event, as a pure function. The
//! notification job asks this module for its recipients and the channel adapters deliver.
//!
//! | event     | email (+ .ics)                                       | WhatsApp                       |
//! |-----------|------------------------------------------------------|--------------------------------|
//! | created   | organizer and every attendee (REQUEST)               | organizer                      |
//! | updated   | organizer and attendees (REQUEST, SEQUENCE+1); removed attendees get a CANCEL, added ones a fresh invitation | organizer |
//! | cancelled | organizer and every attendee (CANCEL, same UID)      | organizer                      |
//! | reminder  | everyone WhatsApp does not reach (guests included unless the tenant turns guest email off) | organizer and attendees with WhatsApp |
//!
//! WhatsApp goes only to people of the tenant with a phone number who opted in. A reminder
//! reaches each person once, on the channel they can receive: WhatsApp when they opted in, email
//! otherwise.

use crate::ErrorCode;
use crate::{Attendee, Booking, Email, FieldChange, Locale, Phone, User};
use serde::{Deserialize, Serialize};

/// A tenant's reminders: how long before a meeting, and on which channels. By default one
/// reminder 15 minutes before to everyone invited: by WhatsApp to people who opted in (the
/// product's contract), by email to everyone else, outside guests included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReminderSettings {
    /// Minutes before the start, one reminder each (e.g. `[60, 10]`); empty: no reminders.
    pub minutes_before: Vec<u32>,
    /// Remind by WhatsApp the people who opted in.
    pub whatsapp: bool,
    /// Remind by email the people WhatsApp does not reach.
    pub email: bool,
    /// Outside guests get the reminder email too (the tenant's choice; `email` must be on).
    pub guest_email: bool,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        Self { minutes_before: vec![DEFAULT_REMINDER_MINUTES], whatsapp: true, email: true, guest_email: true }
    }
}

/// The product's reminder: 15 minutes before.
pub const DEFAULT_REMINDER_MINUTES: u32 = 15;
/// At most this many reminders per meeting.
pub const MAX_REMINDERS: usize = 4;
/// The earliest reminder: a week before.
pub const MAX_REMINDER_MINUTES: u32 = 7 * 24 * 60;

impl ReminderSettings {
    /// Checks the offsets (1 minute to a week, at most four, no repeats).
    pub fn validate(&self) -> Result<(), crate::ValueError> {
        use crate::ValueError;
        if self.minutes_before.len() > MAX_REMINDERS {
            return Err(ValueError::new(ErrorCode::TooManyReminders, format!("at most {MAX_REMINDERS} reminders")));
        }
        if let Some(bad) = self.minutes_before.iter().find(|m| !(1..=MAX_REMINDER_MINUTES).contains(*m)) {
            return Err(ValueError::new(
                ErrorCode::InvalidReminder,
                format!("{bad} is not between 1 minute and {MAX_REMINDER_MINUTES} minutes (a week)"),
            ));
        }
        let mut seen = self.minutes_before.clone();
        seen.sort_unstable();
        seen.dedup();
        if seen.len() != self.minutes_before.len() {
            return Err(ValueError::new(ErrorCode::DuplicateReminder, "each reminder offset may appear once"));
        }
        Ok(())
    }

    /// The offsets, earliest reminder first.
    pub fn offsets(&self) -> Vec<u32> {
        let mut minutes = self.minutes_before.clone();
        minutes.sort_unstable_by(|a, b| b.cmp(a));
        minutes.dedup();
        minutes
    }

    /// Does a reminder go anywhere at all?
    pub fn any_channel(&self) -> bool {
        (self.whatsapp || self.email) && !self.minutes_before.is_empty()
    }

    /// What a meeting's reminder jobs must cover when its people chose differently: the tenant's
    /// offsets, then every other offset someone chose (at most [`MAX_MERGED_REMINDERS`]), on
    /// every channel someone wants. Each job then reaches only the people who chose its offset.
    pub fn merged<'a>(tenant: &ReminderSettings, people: impl IntoIterator<Item = &'a ReminderSettings>) -> Self {
        let mut merged = tenant.clone();
        for choice in people {
            for minutes in &choice.minutes_before {
                if !merged.minutes_before.contains(minutes) && merged.minutes_before.len() < MAX_MERGED_REMINDERS {
                    merged.minutes_before.push(*minutes);
                }
            }
            merged.whatsapp |= choice.whatsapp && !choice.minutes_before.is_empty();
            merged.email |= choice.email && !choice.minutes_before.is_empty();
            // Guests follow the tenant alone.
        }
        merged
    }

    /// Does this choice want the reminder `minutes` before by WhatsApp?
    pub fn wants_whatsapp(&self, minutes: u32) -> bool {
        self.whatsapp && self.minutes_before.contains(&minutes)
    }

    /// Does this choice want the reminder `minutes` before by email?
    pub fn wants_email(&self, minutes: u32) -> bool {
        self.email && self.minutes_before.contains(&minutes)
    }
}

/// At most this many reminder jobs per meeting, however its people chose.
pub const MAX_MERGED_REMINDERS: usize = 8;

/// What the message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Occasion {
    Created,
    Updated,
    Cancelled,
    Reminder,
    /// Nobody checked in in time and the room was released: only the organizer is told.
    Released,
    /// A change the organizer made in their calendar did not hold and was put back: only the
    /// organizer is told, by email.
    PutBack,
}

/// What an email's calendar part asks of the recipient's calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CalendarMethod {
    /// Add or update the event.
    Request,
    /// Remove the event.
    Cancel,
}

/// One email to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailRecipient {
    pub email: Email,
    pub name: Option<String>,
    /// The recipient's language: their own, else the tenant's (guests get the tenant's).
    pub locale: Locale,
    pub method: CalendarMethod,
    pub is_organizer: bool,
}

/// One WhatsApp message to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatsAppRecipient {
    pub phone: Phone,
    pub name: String,
    pub locale: Locale,
}

/// Everyone to tell about an occasion, by channel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recipients {
    pub email: Vec<EmailRecipient>,
    pub whatsapp: Vec<WhatsAppRecipient>,
}

/// The people of the tenant a booking involves, looked up by the caller: the organizer and the
/// internal attendees (by user id).
pub struct People<'a> {
    pub organizer: &'a User,
    pub internal: &'a [User],
    pub tenant_locale: Locale,
}

impl People<'_> {
    fn user(&self, attendee: &Attendee) -> Option<&User> {
        attendee.user_id.and_then(|id| self.internal.iter().find(|u| u.id == id))
    }

    fn locale_of(&self, attendee: &Attendee) -> Locale {
        self.user(attendee).and_then(|u| u.locale).unwrap_or(self.tenant_locale)
    }
}

/// A person who gets WhatsApp: a phone number and the opt-in.
fn whatsapp_of(user: &User, tenant_locale: Locale) -> Option<WhatsAppRecipient> {
    match (&user.phone, user.whatsapp_opt_in, user.active) {
        (Some(phone), true, true) => Some(WhatsAppRecipient {
            phone: phone.clone(),
            name: user.name.clone(),
            locale: user.locale.unwrap_or(tenant_locale),
        }),
        _ => None,
    }
}

/// The recipients of `occasion` for `booking`. For an update, `before` is the booking as it was,
/// so attendees who were removed get a cancellation and the rest an updated invitation.
pub fn recipients(occasion: Occasion, booking: &Booking, before: Option<&Booking>, people: &People<'_>) -> Recipients {
    let organizer = people.organizer;
    let mut email = Vec::new();
    let method = match occasion {
        Occasion::Cancelled | Occasion::Released => CalendarMethod::Cancel,
        _ => CalendarMethod::Request,
    };
    email.push(EmailRecipient {
        email: organizer.email.clone(),
        name: Some(organizer.name.clone()),
        locale: organizer.locale.unwrap_or(people.tenant_locale),
        method,
        is_organizer: true,
    });
    // Nobody came to a released meeting; the organizer decides whether to tell the guests.
    let attendees =
        if matches!(occasion, Occasion::Released | Occasion::PutBack) { &[][..] } else { &booking.attendees[..] };
    email.extend(attendees.iter().map(|a| EmailRecipient {
        email: a.email.clone(),
        name: a.name.clone(),
        locale: people.locale_of(a),
        method,
        is_organizer: false,
    }));
    if let (Occasion::Updated, Some(before)) = (occasion, before) {
        email.extend(removed(before, booking).map(|a| EmailRecipient {
            email: a.email.clone(),
            name: a.name.clone(),
            locale: people.locale_of(a),
            method: CalendarMethod::Cancel,
            is_organizer: false,
        }));
    }
    let mut whatsapp: Vec<WhatsAppRecipient> =
        whatsapp_of(organizer, people.tenant_locale).into_iter().filter(|_| occasion != Occasion::PutBack).collect();
    if occasion == Occasion::Reminder {
        whatsapp.extend(
            booking
                .attendees
                .iter()
                .filter_map(|a| people.user(a))
                .filter_map(|u| whatsapp_of(u, people.tenant_locale)),
        );
    }
    Recipients { email, whatsapp }
}

/// Who gets the reminder `minutes` before, and how: everyone by the meeting's own choice when
/// its organizer made one; else each person of the tenant by their own reminder choice (else the
/// tenant's), guests by the tenant's.
pub fn reminder_recipients(
    booking: &Booking,
    people: &People<'_>,
    tenant: &ReminderSettings,
    minutes: u32,
) -> Recipients {
    let all = recipients(Occasion::Reminder, booking, None, people);
    let users: Vec<&User> = people.internal.iter().chain([people.organizer]).collect();
    let by_phone = |phone: &Phone| users.iter().copied().find(|u| u.phone.as_ref() == Some(phone));
    let by_email =
        |email: &Email| users.iter().copied().find(|u| u.email.as_str().eq_ignore_ascii_case(email.as_str()));
    let whatsapp: Vec<WhatsAppRecipient> = all
        .whatsapp
        .into_iter()
        .filter(|w| reminder_choice(booking, by_phone(&w.phone), tenant).wants_whatsapp(minutes))
        .collect();
    // Each person once: email for whoever WhatsApp does not reach; guests as the tenant allows.
    let reached = |user: &User| whatsapp.iter().any(|w| user.phone.as_ref() == Some(&w.phone));
    let email = all
        .email
        .into_iter()
        .filter(|r| match by_email(&r.email) {
            Some(user) => !reached(user) && reminder_choice(booking, Some(user), tenant).wants_email(minutes),
            None => tenant.guest_email && reminder_choice(booking, None, tenant).wants_email(minutes),
        })
        .collect();
    Recipients { email, whatsapp }
}

/// Whose reminder choice counts for a person: the meeting's own, else theirs, else the tenant's.
fn reminder_choice<'a>(
    booking: &'a Booking,
    user: Option<&'a User>,
    tenant: &'a ReminderSettings,
) -> &'a ReminderSettings {
    booking.reminders.as_ref().or_else(|| user.and_then(|u| u.reminders.as_ref())).unwrap_or(tenant)
}

/// Attendees of `before` no longer invited in `after` (emails compared without case).
fn removed<'a>(before: &'a Booking, after: &'a Booking) -> impl Iterator<Item = &'a Attendee> {
    before
        .attendees
        .iter()
        .filter(|old| !after.attendees.iter().any(|new| new.email.as_str().eq_ignore_ascii_case(old.email.as_str())))
}

/// Did an update change anything people plan around (time, room)? Pure text edits still notify,
/// but a reminder only moves with the time.
pub fn moves_the_meeting(changes: &[FieldChange]) -> bool {
    changes.iter().any(|c| matches!(c.field.as_str(), "start" | "end" | "room_id" | "time_zone"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Actor, BookingId, BookingStatus, Role, RoomId, TenantId, TimeRange, TimeZoneName, UserId};

    fn person(name: &str, email: &str, phone: Option<&str>, opt_in: bool, locale: Option<Locale>) -> User {
        User {
            id: UserId::new(),
            tenant_id: TenantId(uuid::Uuid::nil()),
            email: Email::parse(email).unwrap_or_else(|e| panic!("{e}")),
            name: name.into(),
            phone: phone.map(|p| Phone::parse(p).unwrap_or_else(|e| panic!("{e}"))),
            whatsapp_opt_in: opt_in,
            whatsapp_consent_at: opt_in.then_some(0),
            role: Role::Member,
            locale,
            time_zone: None,
            google_subject: None,
            microsoft_oid: None,
            weekly_report: false,
            reminders: None,
            active: true,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn attendee_of(user: &User) -> Attendee {
        Attendee { email: user.email.clone(), name: Some(user.name.clone()), user_id: Some(user.id) }
    }

    fn guest(email: &str) -> Attendee {
        Attendee { email: Email::parse(email).unwrap_or_else(|e| panic!("{e}")), name: None, user_id: None }
    }

    fn booking(organizer: &User, attendees: Vec<Attendee>) -> Booking {
        Booking {
            id: BookingId::new(),
            tenant_id: organizer.tenant_id,
            room_id: RoomId::new(),
            organizer_id: organizer.id,
            title: "Demo".into(),
            description: None,
            time: TimeRange { start: 0, end: 3_600_000 },
            time_zone: TimeZoneName::parse("Europe/Madrid").unwrap_or_else(|e| panic!("{e}")),
            attendees,
            google_meet: true,
            status: BookingStatus::Confirmed,
            cancel_reason: None,
            external_ref: None,
            metadata: serde_json::json!({}),
            series_id: None,
            recurrence_id: None,
            google_event_id: None,
            meet_link: None,
            reminders: None,
            version: 1,
            created_by: Actor::System,
            created_at: 0,
            updated_at: 0,
            cancelled_at: None,
        }
    }

    #[test]
    fn merged_reminders_cover_every_choice_within_the_cap() {
        let tenant = ReminderSettings::default();
        let own = |minutes: Vec<u32>, whatsapp, email| ReminderSettings {
            minutes_before: minutes,
            whatsapp,
            email,
            ..ReminderSettings::default()
        };
        let maria = own(vec![30, 15], false, true);
        let silent = own(vec![], true, true);
        let merged = ReminderSettings::merged(&tenant, [&maria, &silent]);
        assert_eq!(merged.minutes_before, [15, 30]);
        assert!(merged.whatsapp && merged.email, "email because María wants it; nobody's empty choice counts");
        assert!(maria.wants_email(30) && !maria.wants_whatsapp(30) && !maria.wants_email(10));
        let many: Vec<ReminderSettings> = (1..=20).map(|m| own(vec![m], true, false)).collect();
        assert_eq!(ReminderSettings::merged(&tenant, &many).minutes_before.len(), MAX_MERGED_REMINDERS);
    }

    #[test]
    fn internal_meeting_matches_the_spec_case_1() {
        // "Reunión simple entre internos": 2 emails... to the invitees, plus the organizer's
        // confirmation; WhatsApp to the organizer.
        let ana = person("Ana", "ana@acme.test", Some("+34 612 345 601"), true, None);
        let maria = person("María", "maria@acme.test", Some("+34 612 345 602"), true, Some(Locale::En));
        let juan = person("Juan", "juan@acme.test", None, false, None);
        let b = booking(&ana, vec![attendee_of(&maria), attendee_of(&juan)]);
        let internal = [maria.clone(), juan.clone()];
        let people = People { organizer: &ana, internal: &internal, tenant_locale: Locale::Es };
        let r = recipients(Occasion::Created, &b, None, &people);
        let emails: Vec<(&str, Locale, bool)> =
            r.email.iter().map(|e| (e.email.as_str(), e.locale, e.is_organizer)).collect();
        assert_eq!(
            emails,
            [
                ("ana@acme.test", Locale::Es, true),
                ("maria@acme.test", Locale::En, false),
                ("juan@acme.test", Locale::Es, false)
            ]
        );
        assert!(r.email.iter().all(|e| e.method == CalendarMethod::Request));
        assert_eq!(r.whatsapp.iter().map(|w| w.phone.as_str()).collect::<Vec<_>>(), ["+34612345601"]);

        // The reminder reaches each of them once, with the default settings: WhatsApp to Ana and
        // María (opted in), email to Juan.
        let reminder = reminder_recipients(&b, &people, &ReminderSettings::default(), 15);
        let phones: Vec<&str> = reminder.whatsapp.iter().map(|w| w.phone.as_str()).collect();
        assert_eq!(phones, ["+34612345601", "+34612345602"]);
        let emails: Vec<&str> = reminder.email.iter().map(|e| e.email.as_str()).collect();
        assert_eq!(emails, ["juan@acme.test"]);
    }

    #[test]
    fn a_meeting_with_a_client_matches_the_spec_case_2() {
        // The executive (WhatsApp) books with an outside client: the client is reminded by email.
        let exec = person("Elena", "elena@acme.test", Some("+34 612 345 609"), true, None);
        let b = booking(&exec, vec![guest("cliente@globex.com")]);
        let people = People { organizer: &exec, internal: &[], tenant_locale: Locale::Es };
        let reminder = reminder_recipients(&b, &people, &ReminderSettings::default(), 15);
        assert_eq!(reminder.whatsapp.iter().map(|w| w.phone.as_str()).collect::<Vec<_>>(), ["+34612345609"]);
        assert_eq!(reminder.email.iter().map(|e| e.email.as_str()).collect::<Vec<_>>(), ["cliente@globex.com"]);
        // An organization may keep its guests out of reminder emails.
        let no_guests = ReminderSettings { guest_email: false, ..ReminderSettings::default() };
        assert!(reminder_recipients(&b, &people, &no_guests, 15).email.is_empty());
        // Without WhatsApp on, everyone is reminded by email.
        let email_only = ReminderSettings { whatsapp: false, ..ReminderSettings::default() };
        let by_email = reminder_recipients(&b, &people, &email_only, 15);
        assert!(by_email.whatsapp.is_empty());
        assert_eq!(by_email.email.len(), 2);
    }

    #[test]
    fn external_guests_get_email_only_and_removed_ones_a_cancellation() {
        let ana = person("Ana", "ana@acme.test", None, false, None);
        let before = booking(&ana, vec![guest("cliente@globex.com"), guest("old@globex.com")]);
        let mut after = before.clone();
        after.attendees = vec![guest("Cliente@globex.com"), guest("new@globex.com")];
        let people = People { organizer: &ana, internal: &[], tenant_locale: Locale::Es };
        let r = recipients(Occasion::Updated, &after, Some(&before), &people);
        let emails: Vec<(&str, CalendarMethod)> = r.email.iter().map(|e| (e.email.as_str(), e.method)).collect();
        assert_eq!(
            emails,
            [
                ("ana@acme.test", CalendarMethod::Request),
                ("Cliente@globex.com", CalendarMethod::Request),
                ("new@globex.com", CalendarMethod::Request),
                ("old@globex.com", CalendarMethod::Cancel),
            ]
        );
        assert!(r.whatsapp.is_empty(), "no phone, no WhatsApp");
        let cancelled = recipients(Occasion::Cancelled, &after, None, &people);
        assert!(cancelled.email.iter().all(|e| e.method == CalendarMethod::Cancel));
        assert_eq!(cancelled.email.len(), 3);
        let released = recipients(Occasion::Released, &after, None, &people);
        let emails: Vec<(&str, CalendarMethod)> = released.email.iter().map(|e| (e.email.as_str(), e.method)).collect();
        assert_eq!(emails, [("ana@acme.test", CalendarMethod::Cancel)], "only the organizer hears of a release");
    }

    #[test]
    fn only_time_and_place_move_a_meeting() {
        let change = |field: &str| FieldChange {
            field: field.into(),
            before: serde_json::json!(1),
            after: serde_json::json!(2),
        };
        assert!(moves_the_meeting(&[change("title"), change("start")]));
        assert!(moves_the_meeting(&[change("room_id")]));
        assert!(!moves_the_meeting(&[change("title"), change("attendees")]));
    }
}
