//! Telling people: the `notify` and `reminder` jobs. A booking change writes a `notify` job
//! carrying the booking as it was right after the change; this module finds who is told what
//! (`sala_domain::notify`), composes each message in the reader's language and zone, and hands it
//! to the channels (email with `.ics`, WhatsApp), at most once per recipient (the delivery log).
//!
//! A reminder rechecks the booking when it fires: a cancelled meeting, or one that moved since the
//! reminder was scheduled, gets no reminder.

pub(crate) mod compose;
mod deliver;
mod texts;
pub mod weekly;

use crate::Store;
use crate::jobs::JobFailure;
use crate::secrets::SecretBox;
use crate::tenants::whatsapp_token_owner;
use compose::{ChangeRow, EmailBody, Extras, Meeting};
use deliver::{Message, Tally};
use sala_channels::ChannelError;
use sala_channels::email::{Address, Mailbox, Mailer, OutgoingEmail};
use sala_channels::ics::Method;
use sala_channels::whatsapp::{TemplateMessage, WhatsApp, WhatsAppConfig};
use sala_domain::jobs::{BookingEvent, Channel, NotifyPayload, OutboxMessage, ReminderPayload, SeriesInvite};
use sala_domain::notify::{
    CalendarMethod, EmailRecipient, Occasion, People, WhatsAppRecipient, recipients, reminder_recipients,
};
use sala_domain::tenant::CalendarService;
use sala_domain::{Booking, BookingStatus, Job, Locale, Room, RoomId, Tenant, User, now_millis};
use sala_store::BookingQuery;
use std::sync::Arc;
use texts::{InCalendar, Kind};

/// The approved WhatsApp templates (business-initiated messages need them) and their language codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatsAppTemplates {
    pub created: String,
    /// The confirmation with the Meet link as a fifth parameter, sent instead of `created` when
    /// set and the meeting has a link (Meta fixes a template's parameter count, so it is another
    /// template).
    pub created_with_link: Option<String>,
    pub updated: String,
    pub cancelled: String,
    pub reminder: String,
    pub language_es: String,
    pub language_en: String,
}

impl Default for WhatsAppTemplates {
    fn default() -> Self {
        Self {
            created: "sala_booking_created".into(),
            created_with_link: None,
            updated: "sala_booking_updated".into(),
            cancelled: "sala_booking_cancelled".into(),
            reminder: "sala_booking_reminder".into(),
            language_es: "es".into(),
            language_en: "en".into(),
        }
    }
}

/// WhatsApp as configured: the API, the installation's sending number, the templates.
#[derive(Clone)]
pub struct WhatsAppChannel {
    pub api: Arc<dyn WhatsApp>,
    /// The Graph API base including its version, e.g. `https://graph.facebook.com/v21.0`.
    pub api_base: String,
    /// The installation's number and token; a tenant with its own number (in its settings) sends
    /// from that instead. `None` and no number of its own: WhatsApp is not configured.
    pub default: Option<WhatsAppConfig>,
    pub templates: WhatsAppTemplates,
}

/// The channels messages go out on. A channel that is not configured (no mailer; no WhatsApp
/// number, the installation's or the tenant's) has its messages logged as not delivered (and kept
/// in the dev outbox in dev mode), never silently dropped.
#[derive(Clone)]
pub struct Channels {
    pub mailer: Option<Arc<dyn Mailer>>,
    pub mail_from: Mailbox,
    pub whatsapp: WhatsAppChannel,
    /// Opens tenants' sealed secrets (their WhatsApp tokens).
    pub secrets: SecretBox,
    /// Dev mode: keep a copy of every message in the outbox (`/dev/outbox`).
    pub dev_outbox: bool,
    /// The installation's host, for `.ics` UIDs and `Message-ID`s.
    pub uid_domain: String,
    /// Where guests answer their invitations; `None`: invitations carry no answer link.
    pub rsvp: Option<RsvpLinks>,
    /// The installation's public URL, for links to its pages (the weekly summary's report).
    pub base_url: String,
}

/// The answer links put in invitations: `<base_url>/rsvp/<token>`.
#[derive(Clone)]
pub struct RsvpLinks {
    pub key: crate::rsvp::RsvpKey,
    pub base_url: String,
}

/// Composes and delivers messages; shared by the notify and reminder handlers.
pub struct Notifier {
    store: Arc<dyn Store>,
    channels: Channels,
}

/// Everything a message about a booking needs from the store.
struct Involved {
    tenant: Tenant,
    organizer: User,
    internal: Vec<User>,
    room: Room,
}

impl Involved {
    /// The organizer and the internal attendees: the readers whose language and zone are known.
    fn people(&self) -> impl Iterator<Item = &User> {
        self.internal.iter().chain([&self.organizer])
    }
}

fn store_failure(e: sala_store::StoreError) -> JobFailure {
    JobFailure::retry(format!("store: {e}"))
}

impl Notifier {
    pub fn new(store: Arc<dyn Store>, channels: Channels) -> Self {
        Self { store, channels }
    }

    /// The `notify` job: everyone involved told of the change it carries.
    pub(crate) async fn notify(&self, job: &Job, payload: NotifyPayload) -> Result<(), JobFailure> {
        let booking = &payload.booking;
        let series = match &payload.series {
            Some(series) => Some(self.less_cancelled(booking, series).await?),
            None => None,
        };
        let current = self.store.get_booking(booking.tenant_id, booking.id).await.map_err(store_failure)?;
        let cancelled_since = current.as_ref().is_some_and(|b| !b.is_confirmed());
        let ends_it = matches!(payload.event, BookingEvent::Cancelled | BookingEvent::NoShow);
        if !ends_it && series.is_none() && cancelled_since {
            // Its cancellation tells people; an invitation or update now would only confuse.
            tracing::info!(job = %job.id, booking = %booking.id, "booking cancelled since; nothing to send");
            return Ok(());
        }
        let involved = self.involved(booking).await?;
        let before = (payload.event == BookingEvent::Updated)
            .then(|| Booking { attendees: payload.before_attendees.clone(), ..booking.clone() });
        let occasion = match payload.event {
            BookingEvent::Created => Occasion::Created,
            BookingEvent::Updated if payload.put_back => Occasion::PutBack,
            BookingEvent::Updated => Occasion::Updated,
            BookingEvent::Cancelled => Occasion::Cancelled,
            BookingEvent::NoShow => Occasion::Released,
            // Check-ins and answers are told to webhooks only; nobody is emailed about them.
            BookingEvent::CheckedIn | BookingEvent::Responded => return Ok(()),
        };
        let people = People {
            organizer: &involved.organizer,
            internal: &involved.internal,
            tenant_locale: involved.tenant.locale,
        };
        let to = recipients(occasion, booking, before.as_ref(), &people);
        let before_room = self.before_room(job, &payload).await?;
        let meet_link = current.as_ref().and_then(|b| b.video_link(&involved.room));
        let meeting =
            Meeting { series: series.as_ref(), more: &payload.more, meet_link, ..self.meeting(booking, &involved) };
        // When Sala keeps the organizer's calendar, Google writes the event into the organizer's
        // calendar and those of the colleagues it lists, and Exchange (which has no way to stay
        // silent) sends its own invitation to everyone the Outlook event lists: an .ics from Sala
        // would add the meeting twice.
        let organizer_calendar =
            crate::calendar::kept_calendar(self.store.as_ref(), booking.tenant_id, booking.organizer_id)
                .await
                .map_err(store_failure)?;
        let scope = job.id.to_string();
        let mut tally = Tally::default();
        for r in &to.email {
            let kind = email_kind(occasion, r, &payload);
            let colleague = r.is_organizer || involved.internal.iter().any(|u| u.email == r.email);
            let in_their_calendar =
                organizer_calendar.filter(|service| colleague || *service == CalendarService::Microsoft);
            let extras = Extras {
                changes: change_rows(&payload, r.locale, &meeting, before_room.as_ref()),
                reason: reason(occasion, &payload, r.locale, &involved),
                minutes: released_after(&involved),
                rsvp: self.rsvp_link(booking, r, kind),
                calendar: match (in_their_calendar, r.method) {
                    (Some(service), method) => InCalendar::Kept { service, gone: method == CalendarMethod::Cancel },
                    (None, CalendarMethod::Cancel) => InCalendar::Cancellation,
                    (None, _) => InCalendar::Invitation,
                },
            };
            let only = (r.method == CalendarMethod::Cancel && occasion == Occasion::Updated)
                .then(|| {
                    payload.before_attendees.iter().find(|a| a.email.as_str().eq_ignore_ascii_case(r.email.as_str()))
                })
                .flatten();
            let invitations = meeting.invitations(r.method, only, jiff::Timestamp::now());
            let method = if r.method == CalendarMethod::Cancel { Method::Cancel } else { Method::Request };
            let calendar = in_their_calendar.is_none().then(|| (method, sala_channels::ics::to_ics_all(&invitations)));
            let message = self.email_message(job, &scope, &meeting, &involved, r, kind, &extras, calendar);
            self.deliver(job, message, &mut tally).await;
        }
        for w in &to.whatsapp {
            let kind = match occasion {
                Occasion::Created => Kind::Confirmed,
                Occasion::Updated => Kind::Updated,
                Occasion::Released => Kind::Released,
                _ => Kind::Cancelled,
            };
            let extras = Extras {
                changes: change_rows(&payload, w.locale, &meeting, before_room.as_ref()),
                reason: reason(occasion, &payload, w.locale, &involved),
                minutes: released_after(&involved),
                ..Extras::default()
            };
            let message = self.whatsapp_message(job, &scope, &meeting, &involved, w, kind, &extras);
            self.deliver(job, message, &mut tally).await;
        }
        tracing::info!(job = %job.id, sent = tally.sent, already = tally.already, failed = tally.failed, "notification job ran");
        tally.outcome()
    }

    /// The answer link for a guest's invitation (or its update); none for the organizer, or for
    /// a message that is not an invitation. The page it opens speaks the email's language.
    fn rsvp_link(&self, booking: &Booking, r: &EmailRecipient, kind: Kind) -> Option<String> {
        let links = self.channels.rsvp.as_ref()?;
        if r.is_organizer || !matches!(kind, Kind::Invited | Kind::Updated) {
            return None;
        }
        let invitee =
            crate::rsvp::Invitee { tenant_id: booking.tenant_id, booking_id: booking.id, email: r.email.clone() };
        Some(format!("{}/rsvp/{}?lang={}", links.base_url, links.key.token(&invitee), r.locale.as_str()))
    }

    /// The `reminder` job: the booking rechecked, then those who chose this offset reminded.
    pub(crate) async fn remind(&self, job: &Job, payload: ReminderPayload) -> Result<(), JobFailure> {
        let Some(booking_id) = job.booking_id else {
            return Err(JobFailure::final_("a reminder without a booking"));
        };
        let current = self.store.get_booking(job.tenant_id, booking_id).await.map_err(store_failure)?;
        let Some(booking) = current.filter(|b| b.is_confirmed() && b.time.start == payload.start) else {
            tracing::info!(job = %job.id, booking = %booking_id, "the meeting was cancelled or moved; no reminder");
            return Ok(());
        };
        if now_millis() >= booking.time.start {
            tracing::info!(job = %job.id, booking = %booking_id, "the meeting has started; reminder too late");
            return Ok(());
        }
        let involved = self.involved(&booking).await?;
        let people = People {
            organizer: &involved.organizer,
            internal: &involved.internal,
            tenant_locale: involved.tenant.locale,
        };
        let to = reminder_recipients(&booking, &people, &involved.tenant.reminders, payload.minutes_before);
        let meeting = self.meeting(&booking, &involved);
        let scope = payload.delivery_scope(booking.id);
        let extras = Extras { minutes: payload.minutes_before, ..Extras::default() };
        let mut tally = Tally::default();
        for w in &to.whatsapp {
            let message = self.whatsapp_message(job, &scope, &meeting, &involved, w, Kind::Reminder, &extras);
            self.deliver(job, message, &mut tally).await;
        }
        for r in &to.email {
            let message = self.email_message(job, &scope, &meeting, &involved, r, Kind::Reminder, &extras, None);
            self.deliver(job, message, &mut tally).await;
        }
        tracing::info!(job = %job.id, sent = tally.sent, already = tally.already, failed = tally.failed, "reminder job ran");
        tally.outcome()
    }

    /// A new series' invitation leaves out the occurrences cancelled since it was written: the
    /// rest of the series is still worth inviting to, and their own cancellations may reach
    /// calendars before it.
    async fn less_cancelled(&self, booking: &Booking, series: &SeriesInvite) -> Result<SeriesInvite, JobFailure> {
        let Some(series_id) = booking.series_id else { return Ok(series.clone()) };
        let query = BookingQuery {
            series_id: Some(series_id),
            status: Some(BookingStatus::Cancelled),
            limit: 500,
            ..Default::default()
        };
        let cancelled = self.store.list_bookings(booking.tenant_id, &query).await.map_err(store_failure)?;
        let mut skipped = series.skipped.clone();
        skipped.extend(cancelled.iter().filter_map(|b| b.recurrence_id));
        skipped.sort_unstable();
        skipped.dedup();
        Ok(SeriesInvite { skipped, ..series.clone() })
    }

    async fn involved(&self, booking: &Booking) -> Result<Involved, JobFailure> {
        let (s, t) = (&self.store, booking.tenant_id);
        let missing = |what: &str| JobFailure::final_(format!("the booking's {what} no longer exists"));
        let tenant = s.get_tenant(t).await.map_err(store_failure)?.ok_or_else(|| missing("organization"))?;
        let organizer =
            s.get_user(t, booking.organizer_id).await.map_err(store_failure)?.ok_or_else(|| missing("organizer"))?;
        let room = s.get_room(t, booking.room_id).await.map_err(store_failure)?.ok_or_else(|| missing("room"))?;
        let mut internal = Vec::new();
        for id in booking.attendees.iter().filter_map(|a| a.user_id) {
            internal.extend(s.get_user(t, id).await.map_err(store_failure)?);
        }
        Ok(Involved { tenant, organizer, internal, room })
    }

    /// The room the booking was in before an update moved it, to say "from A to B".
    async fn before_room(&self, job: &Job, payload: &NotifyPayload) -> Result<Option<Room>, JobFailure> {
        let Some(change) = payload.changes.iter().find(|c| c.field == "room_id") else { return Ok(None) };
        let Ok(id) = serde_json::from_value::<RoomId>(change.before.clone()) else { return Ok(None) };
        self.store.get_room(job.tenant_id, id).await.map_err(store_failure)
    }

    fn meeting<'a>(&'a self, booking: &'a Booking, involved: &'a Involved) -> Meeting<'a> {
        Meeting {
            booking,
            room: &involved.room,
            organizer: &involved.organizer,
            organization: &involved.tenant.name,
            uid_domain: &self.channels.uid_domain,
            series: None,
            more: &[],
            meet_link: booking.video_link(&involved.room),
        }
    }

    #[expect(clippy::too_many_arguments, reason = "one message is made of all of these")]
    fn email_message<'a>(
        &'a self,
        job: &Job,
        scope: &'a str,
        meeting: &Meeting<'_>,
        involved: &Involved,
        r: &EmailRecipient,
        kind: Kind,
        extras: &Extras,
        calendar: Option<(Method, String)>,
    ) -> Message<'a> {
        let reader = involved.people().find(|u| u.email == r.email);
        let zone = meeting.zone_for(reader);
        let body = meeting.email(kind, r.locale, &zone, extras);
        self.email(job, scope, (r.email.as_str(), r.name.clone()), body, calendar)
    }

    /// An email to one address (`name` shown beside it): its copy for the dev outbox and, when
    /// SMTP is set, its sending under a Message-ID made from the delivery scope.
    fn email<'a>(
        &'a self,
        job: &Job,
        scope: &'a str,
        (address, name): (&str, Option<String>),
        body: EmailBody,
        calendar: Option<(Method, String)>,
    ) -> Message<'a> {
        let copy = OutboxMessage {
            id: uuid::Uuid::now_v7(),
            tenant_id: job.tenant_id,
            booking_id: job.booking_id,
            channel: Channel::Email,
            recipient: address.to_owned(),
            subject: Some(body.subject.clone()),
            text: body.text.clone(),
            html: Some(body.html.clone()),
            ics: calendar.as_ref().map(|(_, ics)| ics.clone()),
            created_at: now_millis(),
        };
        let send = self.channels.mailer.clone().map(|mailer| {
            let to = address.parse::<Address>().map(|a| Mailbox::new(name, a));
            let message_id =
                format!("{}.{}@{}", scope.replace(':', "."), short_hash(address), self.channels.uid_domain);
            let from = self.channels.mail_from.clone();
            let send: deliver::Send<'a> = Box::pin(async move {
                let to =
                    to.map_err(|e| sala_channels::ChannelError::final_(format!("address not accepted for SMTP: {e}")))?;
                let email = OutgoingEmail {
                    from,
                    to,
                    subject: body.subject,
                    text: body.text,
                    html: body.html,
                    calendar,
                    message_id: message_id.clone(),
                };
                mailer.send(&email).await.map(|()| message_id)
            });
            send
        });
        Message { scope, channel: Channel::Email, recipient: address.to_owned(), send, copy }
    }

    #[expect(clippy::too_many_arguments, reason = "one message is made of all of these")]
    fn whatsapp_message<'a>(
        &'a self,
        job: &Job,
        scope: &'a str,
        meeting: &Meeting<'_>,
        involved: &Involved,
        w: &WhatsAppRecipient,
        kind: Kind,
        extras: &Extras,
    ) -> Message<'a> {
        let reader = involved.people().find(|u| u.phone.as_ref() == Some(&w.phone));
        let zone = meeting.zone_for(reader);
        let templates = self.channels.whatsapp.templates.clone();
        let (template, with_link) = match kind {
            Kind::Reminder => (templates.reminder, false),
            Kind::Updated => (templates.updated, false),
            Kind::Cancelled | Kind::Uninvited | Kind::Released | Kind::PutBack => (templates.cancelled, false),
            Kind::Invited | Kind::Confirmed => match (templates.created_with_link, meeting.meet_link) {
                (Some(with_link), Some(_)) => (with_link, true),
                _ => (templates.created, false),
            },
        };
        let params = meeting.whatsapp_params(kind, w.locale, &zone, extras, with_link);
        let language = match w.locale {
            Locale::Es => templates.language_es,
            Locale::En => templates.language_en,
        };
        let copy = OutboxMessage {
            id: uuid::Uuid::now_v7(),
            tenant_id: job.tenant_id,
            booking_id: job.booking_id,
            channel: Channel::Whatsapp,
            recipient: w.phone.to_string(),
            subject: Some(format!("{template} ({language})")),
            text: texts::whatsapp_preview(w.locale, kind, &params),
            html: None,
            ics: None,
            created_at: now_millis(),
        };
        let msg = TemplateMessage {
            to_e164: w.phone.to_string(),
            template_name: template,
            language_code: language,
            body_parameters: params,
        };
        let api = self.channels.whatsapp.api.clone();
        let send = self.whatsapp_config(&involved.tenant).transpose().map(|config| {
            let send: deliver::Send<'a> = Box::pin(async move { api.send_template(&config?, &msg).await });
            send
        });
        Message { scope, channel: Channel::Whatsapp, recipient: w.phone.to_string(), send, copy }
    }
}

impl Notifier {
    /// The number a tenant's WhatsApp messages go from: its own, else the installation's; `None`
    /// when neither is set. A tenant token that no longer opens (the server's key changed) is a
    /// misconfiguration: the job ends dead, to be replayed once an admin enters the token again.
    fn whatsapp_config(&self, tenant: &Tenant) -> Result<Option<WhatsAppConfig>, ChannelError> {
        let channel = &self.channels.whatsapp;
        let Some(account) = &tenant.whatsapp else { return Ok(channel.default.clone()) };
        let token = self
            .channels
            .secrets
            .open(&whatsapp_token_owner(tenant.id), &account.token_sealed)
            .map_err(|e| ChannelError::misconfigured(format!("the organization's WhatsApp token: {e}")))?;
        Ok(Some(WhatsAppConfig {
            api_base: channel.api_base.clone(),
            phone_number_id: account.phone_number_id.clone(),
            token,
        }))
    }
}

/// What a reader of an email is told, by occasion and who they are.
fn email_kind(occasion: Occasion, r: &EmailRecipient, payload: &NotifyPayload) -> Kind {
    match occasion {
        Occasion::Created if r.is_organizer => Kind::Confirmed,
        Occasion::Created => Kind::Invited,
        Occasion::Updated if r.method == CalendarMethod::Cancel => Kind::Uninvited,
        Occasion::Updated => {
            let was_invited =
                payload.before_attendees.iter().any(|a| a.email.as_str().eq_ignore_ascii_case(r.email.as_str()));
            if r.is_organizer || was_invited { Kind::Updated } else { Kind::Invited }
        }
        Occasion::Cancelled => Kind::Cancelled,
        Occasion::Reminder => Kind::Reminder,
        Occasion::Released => Kind::Released,
        Occasion::PutBack => Kind::PutBack,
    }
}

/// Why the meeting ended, in the reader's language: a cancellation's reason as given, a
/// release's in Sala's words.
fn reason(occasion: Occasion, payload: &NotifyPayload, locale: Locale, involved: &Involved) -> Option<String> {
    match occasion {
        Occasion::Released => Some(texts::released_reason(locale, released_after(involved))),
        Occasion::PutBack => Some(texts::put_back_reason(locale, payload.reason.as_deref().unwrap_or_default())),
        _ => payload.reason.clone(),
    }
}

/// How long the booking's room waits for a check-in, for the release's message (0: never).
fn released_after(involved: &Involved) -> u32 {
    let rules = involved.tenant.booking_rules.with_override(&involved.room.rules);
    rules.no_show_release_minutes.unwrap_or(0)
}

/// "What changed" in the reader's language: one row for the time, one per other field people
/// plan around (integration fields such as `metadata` are not for people).
fn change_rows(
    payload: &NotifyPayload,
    locale: Locale,
    meeting: &Meeting<'_>,
    before_room: Option<&Room>,
) -> Vec<ChangeRow> {
    let p = texts::phrases(locale);
    let b = &payload.booking;
    let changed = |field: &str| payload.changes.iter().find(|c| c.field == field);
    let mut rows = Vec::new();
    if changed("start").is_some() || changed("end").is_some() || changed("time_zone").is_some() {
        let instant = |field: &str, now: i64| {
            changed(field)
                .and_then(|c| c.before.as_str())
                .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                .map_or(now, |t| t.as_millisecond())
        };
        let old = sala_domain::TimeRange { start: instant("start", b.time.start), end: instant("end", b.time.end) };
        let old_zone = changed("time_zone")
            .and_then(|c| c.before.as_str())
            .and_then(|z| sala_domain::TimeZoneName::parse(z).ok())
            .unwrap_or_else(|| b.time_zone.clone());
        rows.push(ChangeRow {
            label: p.when,
            before: texts::when(locale, old, &old_zone),
            after: texts::when(locale, b.time, &b.time_zone),
        });
    }
    if changed("room_id").is_some() {
        let before = before_room.map_or_else(|| "—".to_owned(), |r| r.name.clone());
        rows.push(ChangeRow { label: p.room, before, after: meeting.place() });
    }
    if let Some(c) = changed("title") {
        rows.push(ChangeRow { label: p.title_label, before: text_of(&c.before), after: b.title.clone() });
    }
    if let Some(c) = changed("description") {
        rows.push(ChangeRow {
            label: p.description,
            before: text_of(&c.before),
            after: b.description.clone().unwrap_or_default(),
        });
    }
    if let Some(c) = changed("attendees") {
        let list = |v: &serde_json::Value| -> Vec<String> {
            v.as_array().into_iter().flatten().filter_map(|e| e.as_str().map(str::to_owned)).collect()
        };
        let (old, new) = (list(&c.before), list(&c.after));
        let added: Vec<&String> = new.iter().filter(|e| !old.contains(e)).collect();
        let removed: Vec<&String> = old.iter().filter(|e| !new.contains(e)).collect();
        let join = |v: &[&String]| {
            if v.is_empty() { "—".to_owned() } else { v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ") }
        };
        rows.push(ChangeRow {
            label: p.attendees,
            before: format!("{}: {}", p.removed, join(&removed)),
            after: format!("{}: {}", p.added, join(&added)),
        });
    }
    if let Some(c) = changed("meet_link") {
        rows.push(ChangeRow { label: p.meet_label, before: text_of(&c.before), after: text_of(&c.after) });
    }
    if let Some(c) = changed("google_meet") {
        let yes_no = |v: &serde_json::Value| if v.as_bool() == Some(true) { p.yes } else { p.no }.to_owned();
        rows.push(ChangeRow { label: p.meet_label, before: yes_no(&c.before), after: yes_no(&c.after) });
    }
    rows
}

fn text_of(v: &serde_json::Value) -> String {
    v.as_str().map_or_else(|| "—".to_owned(), str::to_owned)
}

/// 16 hex characters of SHA-256: a recipient's part of a stable `Message-ID`.
fn short_hash(s: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(s.to_lowercase().as_bytes());
    hex::encode(&digest[..8])
}
