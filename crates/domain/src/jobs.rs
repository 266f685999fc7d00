//! Outbox jobs: the side effects a booking change causes, written in the same transaction as the
//! change and delivered later by the job runner (email, WhatsApp, calendar, webhooks, reminders).
//! This module decides *which* jobs a change causes; the channels decide how to deliver them.

use crate::notify::ReminderSettings;
use crate::recurrence::Recurrence;
use crate::{Attendee, Booking, BookingId, FieldChange, JobId, Millis, TenantId, TimeRange};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What kind of work a job is; each kind has one consumer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Tell the organizer and attendees (email + .ics, WhatsApp).
    Notify,
    /// Bring the organizer's Google Calendar event in line with the booking.
    CalendarSync,
    /// Tell the tenant's webhook endpoints.
    Webhook,
    /// Remind people shortly before the start; rechecks the booking when it fires.
    Reminder,
    /// Release the room if nobody checked in by then (the no-show release); rechecks too.
    NoShowCheck,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notify => "notify",
            Self::CalendarSync => "calendar_sync",
            Self::Webhook => "webhook",
            Self::Reminder => "reminder",
            Self::NoShowCheck => "no_show_check",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Notify, Self::CalendarSync, Self::Webhook, Self::Reminder, Self::NoShowCheck]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }

    /// Kinds that wait for a time of the booking (its start, less or plus some minutes): a
    /// booking that moves or ends drops the pending ones, and its new time brings new ones.
    pub const TIMED: [Self; 2] = [Self::Reminder, Self::NoShowCheck];
}

/// What happened to a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BookingEvent {
    #[serde(rename = "booking.created")]
    Created,
    #[serde(rename = "booking.updated")]
    Updated,
    #[serde(rename = "booking.cancelled")]
    Cancelled,
    /// Someone checked in (webhooks only).
    #[serde(rename = "booking.checked_in")]
    CheckedIn,
    /// Nobody checked in in time: the booking was released.
    #[serde(rename = "booking.no_show")]
    NoShow,
    /// A guest answered the invitation (webhooks only).
    #[serde(rename = "attendee.responded")]
    Responded,
}

impl BookingEvent {
    /// The event's name in webhooks and logs: `booking.created`, ...
    pub fn name(self) -> &'static str {
        match self {
            Self::Created => "booking.created",
            Self::Updated => "booking.updated",
            Self::Cancelled => "booking.cancelled",
            Self::CheckedIn => "booking.checked_in",
            Self::NoShow => "booking.no_show",
            Self::Responded => "attendee.responded",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its `run_at`.
    Pending,
    /// Claimed by a runner until its lease ends; a runner that dies leaves it to be claimed again.
    Running,
    Done,
    /// Failed too often; kept with its last error until an admin replays it.
    Dead,
}

impl JobStatus {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Running, Self::Done, Self::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// A unit of deferred work as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    pub tenant_id: TenantId,
    pub kind: JobKind,
    pub booking_id: Option<BookingId>,
    /// What the consumer needs: the event, the booking version it was made for, the changes.
    pub payload: serde_json::Value,
    /// Not before this instant.
    pub run_at: Millis,
    pub status: JobStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: Millis,
}

/// The way a message reaches someone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Whatsapp,
    Calendar,
    Webhook,
}

impl Channel {
    pub const ALL: [Self; 4] = [Self::Email, Self::Whatsapp, Self::Calendar, Self::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Whatsapp => "whatsapp",
            Self::Calendar => "calendar",
            Self::Webhook => "webhook",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

/// What one attempt to deliver a message ended in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// The provider accepted it: it must never be sent again.
    Sent,
    /// It was refused or could not be handed over; a later attempt may still send it.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Sent, Self::Failed].into_iter().find(|s| s.as_str() == raw)
    }
}

/// One attempt to deliver a job's message to one recipient on one channel: the delivery log.
///
/// The `idempotency_key` is the same for every attempt of a (job, recipient, channel), so a
/// runner that crashed after the provider accepted a message, or an admin's replay, finds the
/// `Sent` entry and does not send a second copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub job_id: JobId,
    pub booking_id: Option<BookingId>,
    pub channel: Channel,
    /// An email address, an E.164 phone number, a calendar or a webhook endpoint.
    pub recipient: String,
    pub idempotency_key: String,
    pub status: DeliveryStatus,
    /// The provider's message id when sent, the error when failed.
    pub detail: Option<String>,
    pub created_at: Millis,
}

impl Delivery {
    /// The stable key of a message: `scope:channel:recipient`, the recipient lower-cased so
    /// `Ana@x` and `ana@x` are one person. The scope is the job's id, or what makes two jobs one
    /// message (see [`ReminderPayload::delivery_scope`]).
    pub fn key(scope: impl std::fmt::Display, channel: Channel, recipient: &str) -> String {
        format!("{scope}:{}:{}", channel.as_str(), recipient.to_lowercase())
    }
}

/// What a notification job carries: the event and the booking as it was right after it, so the
/// message describes exactly that change even if the booking has changed again since (a later
/// change sends its own message with a higher `SEQUENCE`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotifyPayload {
    pub event: BookingEvent,
    pub booking_version: i64,
    /// What an update changed (empty otherwise).
    #[serde(default)]
    pub changes: Vec<FieldChange>,
    /// A cancellation's reason.
    #[serde(default)]
    pub reason: Option<String>,
    pub booking: Booking,
    /// For an update: who was invited before it, so removed people get a cancellation and new
    /// ones an invitation.
    #[serde(default)]
    pub before_attendees: Vec<Attendee>,
    /// For a new series: the rule and its dates, so one invitation describes every occurrence.
    #[serde(default)]
    pub series: Option<SeriesInvite>,
    /// The other occurrences the same change touched ("this and following"), in order: one
    /// message tells of them all.
    #[serde(default)]
    pub more: Vec<Booking>,
}

/// What a new series' invitation needs: one `.ics` event with an `RRULE` stands for all its
/// occurrences, and the dates the rule gives but that were not booked are excluded (`EXDATE`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesInvite {
    pub rule: Recurrence,
    /// The first occurrence the rule gives (the `.ics` `DTSTART`), booked or not.
    pub first: TimeRange,
    /// Starts the rule gives that were left out for a conflict.
    pub skipped: Vec<Millis>,
    /// The end of the last occurrence.
    pub last_end: Millis,
    /// How many occurrences were booked.
    pub booked: usize,
}

/// What a reminder job carries: the start it was scheduled for, so a reminder for a meeting that
/// moved since (or was cancelled) finds the booking changed and sends nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderPayload {
    pub booking_version: i64,
    /// The booking's start when the reminder was scheduled.
    pub start: Millis,
    pub minutes_before: u32,
}

/// What a no-show check carries: the start and the minutes it was scheduled for, so a check for
/// a meeting that moved since finds it changed and releases nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoShowPayload {
    pub start: Millis,
    pub minutes_after: u32,
}

impl ReminderPayload {
    /// The idempotency scope of this reminder's deliveries: one reminder per booking, start and
    /// offset, however many jobs were made for it (a meeting moved away and back again).
    pub fn delivery_scope(&self, booking: BookingId) -> String {
        format!("reminder:{booking}:{}:{}", self.start, self.minutes_before)
    }
}

/// A booking event, as the use cases report it to [`jobs_for`].
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    pub event: BookingEvent,
    /// The booking after the change.
    pub booking: &'a Booking,
    /// For an update, the booking before it.
    pub before: Option<&'a Booking>,
    /// What an update changed (see `booking::diff`).
    pub changes: &'a [FieldChange],
    /// A new series' rule and dates, for its one invitation.
    pub series: Option<&'a SeriesInvite>,
    /// The other occurrences changed with this one; the notification tells of them too.
    pub more: &'a [Booking],
}

impl<'a> Change<'a> {
    pub fn created(booking: &'a Booking) -> Self {
        Self { event: BookingEvent::Created, booking, before: None, changes: &[], series: None, more: &[] }
    }

    pub fn cancelled(booking: &'a Booking) -> Self {
        Self { event: BookingEvent::Cancelled, booking, before: None, changes: &[], series: None, more: &[] }
    }

    pub fn released(booking: &'a Booking) -> Self {
        Self { event: BookingEvent::NoShow, booking, before: None, changes: &[], series: None, more: &[] }
    }

    pub fn updated(before: &'a Booking, booking: &'a Booking, changes: &'a [FieldChange]) -> Self {
        Self { event: BookingEvent::Updated, booking, before: Some(before), changes, series: None, more: &[] }
    }
}

/// The jobs a booking change causes, to be written with the change.
///
/// Every event notifies people, syncs the calendar and tells webhooks. A confirmed booking gets a
/// reminder job for each of the tenant's reminder offsets whose time is still ahead, when it is
/// created or its time changes; the reminder rechecks the booking when it fires, so the reminders
/// of a meeting that was moved or cancelled since send nothing.
pub fn jobs_for(change: Change<'_>, reminders: &ReminderSettings, now: Millis) -> Vec<Job> {
    let booking = change.booking;
    let notify = NotifyPayload {
        event: change.event,
        booking_version: booking.version,
        changes: change.changes.to_vec(),
        reason: booking.cancel_reason.clone(),
        booking: booking.clone(),
        before_attendees: change.before.map(|b| b.attendees.clone()).unwrap_or_default(),
        series: None,
        more: Vec::new(),
    };
    // Calendar and webhook jobs are per occurrence; only the notification speaks for the others.
    let payload = to_value(&notify);
    let notify_payload =
        to_value(&NotifyPayload { series: change.series.cloned(), more: change.more.to_vec(), ..notify });
    let job =
        |kind: JobKind, run_at: Millis, payload: serde_json::Value| booking_job(booking, kind, run_at, payload, now);
    let mut jobs = vec![
        job(JobKind::Notify, now, notify_payload),
        job(JobKind::CalendarSync, now, payload.clone()),
        job(JobKind::Webhook, now, payload),
    ];
    // A booking moved to another room, or whose reminder choice changed, gets its timed jobs anew
    // too (the store drops the old).
    let time_changed = change.changes.iter().any(|c| matches!(c.field.as_str(), "start" | "room_id" | "reminders"));
    let needs_reminder = match change.event {
        BookingEvent::Created => true,
        BookingEvent::Updated => time_changed,
        BookingEvent::Cancelled | BookingEvent::CheckedIn | BookingEvent::NoShow | BookingEvent::Responded => false,
    };
    if needs_reminder && booking.is_confirmed() && reminders.any_channel() {
        for minutes in reminders.offsets() {
            let remind_at = booking.time.start - Millis::from(minutes) * 60_000;
            if remind_at > now {
                let payload = ReminderPayload {
                    booking_version: booking.version,
                    start: booking.time.start,
                    minutes_before: minutes,
                };
                jobs.push(job(JobKind::Reminder, remind_at, to_value(&payload)));
            }
        }
    }
    jobs
}

/// The no-show check of a confirmed booking, `minutes` after its start, or after `now` for one
/// booked once it had started (whoever booked it is there, and gets the same time to check in);
/// `None` when the meeting would be over by then.
pub fn no_show_job(booking: &Booking, minutes: u32, now: Millis) -> Option<Job> {
    let at = booking.time.start.max(now) + Millis::from(minutes) * 60_000;
    let payload = NoShowPayload { start: booking.time.start, minutes_after: minutes };
    (booking.is_confirmed() && at < booking.time.end)
        .then(|| booking_job(booking, JobKind::NoShowCheck, at, to_value(&payload), now))
}

fn booking_job(booking: &Booking, kind: JobKind, run_at: Millis, payload: serde_json::Value, now: Millis) -> Job {
    Job {
        id: JobId::new(),
        tenant_id: booking.tenant_id,
        kind,
        booking_id: Some(booking.id),
        payload,
        run_at,
        status: JobStatus::Pending,
        attempts: 0,
        last_error: None,
        created_at: now,
    }
}

fn to_value<T: Serialize>(value: &T) -> serde_json::Value {
    // Serializing these plain structs cannot fail; an empty object would only make the job fail
    // loudly when it runs.
    serde_json::to_value(value).unwrap_or_default()
}

/// A copy of a message as it would appear, kept by dev mode for `/dev/outbox`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub booking_id: Option<BookingId>,
    /// `Email` or `Whatsapp`.
    pub channel: Channel,
    /// The email address or the E.164 number.
    pub recipient: String,
    /// The email's subject; the WhatsApp template's name.
    pub subject: Option<String>,
    /// The plain text: the email's text part, or the WhatsApp message as the template renders it.
    pub text: String,
    pub html: Option<String>,
    pub ics: Option<String>,
    pub created_at: Millis,
}
