//! Outbox jobs: the side effects a booking change causes, written in the same transaction as the
//! change and delivered later by the job runner (email, WhatsApp, calendar, webhooks, reminders).
//! This module holds what a job is and carries; [`crate::outbox`] decides *which* jobs a change
//! causes; the channels decide how to deliver them.

use crate::recurrence::Recurrence;
use crate::{Actor, Attendee, Booking, BookingId, FieldChange, JobId, Millis, TenantId, TimeRange, UserId, WebhookId};
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
    /// Read what changed in a person's calendar (moved, deleted, answered) and bring Sala's
    /// bookings in line, or put the calendar back: two-way sync.
    CalendarPull,
    /// Email an admin who asked for it the summary of last week's use of the rooms.
    WeeklyReport,
}

impl JobKind {
    pub const ALL: [Self; 7] = [
        Self::Notify,
        Self::CalendarSync,
        Self::Webhook,
        Self::Reminder,
        Self::NoShowCheck,
        Self::CalendarPull,
        Self::WeeklyReport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notify => "notify",
            Self::CalendarSync => "calendar_sync",
            Self::Webhook => "webhook",
            Self::Reminder => "reminder",
            Self::NoShowCheck => "no_show_check",
            Self::CalendarPull => "calendar_pull",
            Self::WeeklyReport => "weekly_report",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
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

/// Proof that a runner still holds the jobs it claimed: every claim gives its jobs a fresh random
/// token, and renewing or settling a job is refused without the token it holds now. A runner
/// whose lease ran out and whose job another runner claimed (a paused process, a database
/// restart) holds an old token, so it can no longer settle that job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LeaseToken(pub Uuid);

impl LeaseToken {
    /// A fresh random token (UUID v4).
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }
}

impl Default for LeaseToken {
    fn default() -> Self {
        Self::new()
    }
}

/// The jobs one claim took, all held under one lease token.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    pub token: LeaseToken,
    /// Oldest due first.
    pub jobs: Vec<Job>,
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
    /// The organizer's change in their calendar was put back; `reason` holds the error code
    /// that refused it. Only the organizer is told.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub put_back: bool,
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

/// What a `calendar_pull` job carries: whose calendar to read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullPayload {
    pub user_id: UserId,
}

impl ReminderPayload {
    /// The idempotency scope of this reminder's deliveries: one reminder per booking, start and
    /// offset, however many jobs were made for it (a meeting moved away and back again).
    pub fn delivery_scope(&self, booking: BookingId) -> String {
        format!("reminder:{booking}:{}:{}", self.start, self.minutes_before)
    }
}

/// What a `weekly_report` job carries: whose summary, and the Monday of the week it covers
/// (Monday to Sunday, civil dates in the organization's zone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyReportPayload {
    pub user_id: UserId,
    pub week: jiff::civil::Date,
}

impl WeeklyReportPayload {
    /// The idempotency scope of the summary's delivery: one per organization, person and week,
    /// however many jobs were made for it.
    pub fn delivery_scope(&self, tenant: TenantId) -> String {
        format!("weekly_report:{tenant}:{}:{}", self.user_id, self.week)
    }
}

/// What a `webhook` job carries: the booking change, and for a manual replay the one endpoint
/// it goes to and the event it repeats (whose `webhook-id` it keeps, as a resend should).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookPayload {
    #[serde(flatten)]
    pub change: NotifyPayload,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_endpoint: Option<WebhookId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_of: Option<JobId>,
    /// For `booking.checked_in`: who, when, how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_in: Option<serde_json::Value>,
    /// For `attendee.responded`: who answered what, when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<serde_json::Value>,
    /// Who made the change (a person, an API key, the system), so a receiver can tell its own
    /// calls' echo. Absent in jobs written before Sala said it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
}

impl WebhookPayload {
    /// The webhook of a booking change made by `actor`, for every endpoint that wants its event.
    pub fn of(change: NotifyPayload, actor: Actor) -> Self {
        Self { change, only_endpoint: None, replay_of: None, check_in: None, reply: None, actor: Some(actor) }
    }
}

/// A job's work, typed: one variant per [`JobKind`], so a kind cannot be written with another
/// kind's payload, and a new kind is a compile error wherever jobs are run until it is handled.
#[derive(Clone, Debug, PartialEq)]
pub enum JobPayload {
    Notify(NotifyPayload),
    /// The calendar converges on the booking as it is when the job runs; the change is context.
    CalendarSync(NotifyPayload),
    Webhook(WebhookPayload),
    Reminder(ReminderPayload),
    NoShowCheck(NoShowPayload),
    CalendarPull(PullPayload),
    WeeklyReport(WeeklyReportPayload),
}

impl JobPayload {
    pub fn kind(&self) -> JobKind {
        match self {
            Self::Notify(_) => JobKind::Notify,
            Self::CalendarSync(_) => JobKind::CalendarSync,
            Self::Webhook(_) => JobKind::Webhook,
            Self::Reminder(_) => JobKind::Reminder,
            Self::NoShowCheck(_) => JobKind::NoShowCheck,
            Self::CalendarPull(_) => JobKind::CalendarPull,
            Self::WeeklyReport(_) => JobKind::WeeklyReport,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        // Serializing these plain structs cannot fail; an empty object would only make the job
        // fail loudly when it runs.
        let value = match self {
            Self::Notify(p) | Self::CalendarSync(p) => serde_json::to_value(p),
            Self::Webhook(p) => serde_json::to_value(p),
            Self::Reminder(p) => serde_json::to_value(p),
            Self::NoShowCheck(p) => serde_json::to_value(p),
            Self::CalendarPull(p) => serde_json::to_value(p),
            Self::WeeklyReport(p) => serde_json::to_value(p),
        };
        value.unwrap_or_default()
    }
}

impl Job {
    /// A pending job about `booking`, due at `run_at`.
    pub fn for_booking(booking: &Booking, payload: JobPayload, run_at: Millis, now: Millis) -> Self {
        Self {
            id: JobId::new(),
            tenant_id: booking.tenant_id,
            kind: payload.kind(),
            booking_id: Some(booking.id),
            payload: payload.to_json(),
            run_at,
            status: JobStatus::Pending,
            attempts: 0,
            last_error: None,
            created_at: now,
        }
    }

    /// A pending job about the tenant rather than one booking, due at `run_at`.
    pub fn for_tenant(tenant_id: TenantId, payload: JobPayload, run_at: Millis, now: Millis) -> Self {
        Self {
            id: JobId::new(),
            tenant_id,
            kind: payload.kind(),
            booking_id: None,
            payload: payload.to_json(),
            run_at,
            status: JobStatus::Pending,
            attempts: 0,
            last_error: None,
            created_at: now,
        }
    }

    /// The stored payload read as its kind's type: once, when the job runs.
    pub fn parse_payload(&self) -> Result<JobPayload, serde_json::Error> {
        let raw = self.payload.clone();
        Ok(match self.kind {
            JobKind::Notify => JobPayload::Notify(serde_json::from_value(raw)?),
            JobKind::CalendarSync => JobPayload::CalendarSync(serde_json::from_value(raw)?),
            JobKind::Webhook => JobPayload::Webhook(serde_json::from_value(raw)?),
            JobKind::Reminder => JobPayload::Reminder(serde_json::from_value(raw)?),
            JobKind::NoShowCheck => JobPayload::NoShowCheck(serde_json::from_value(raw)?),
            JobKind::CalendarPull => JobPayload::CalendarPull(serde_json::from_value(raw)?),
            JobKind::WeeklyReport => JobPayload::WeeklyReport(serde_json::from_value(raw)?),
        })
    }
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
