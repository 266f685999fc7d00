//! Outbox jobs: the side effects a booking change causes, written in the same transaction as the
//! change and delivered later by the job runner (email, WhatsApp, calendar, webhooks, reminders).
//! This module decides *which* jobs a change causes; the channels decide how to deliver them.

use crate::{Booking, BookingId, FieldChange, JobId, Millis, TenantId};
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
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notify => "notify",
            Self::CalendarSync => "calendar_sync",
            Self::Webhook => "webhook",
            Self::Reminder => "reminder",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Notify, Self::CalendarSync, Self::Webhook, Self::Reminder].into_iter().find(|k| k.as_str() == raw)
    }
}

/// What happened to a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingEvent {
    Created,
    Updated,
    Cancelled,
}

impl BookingEvent {
    /// The event's name in webhooks and logs: `booking.created`, ...
    pub fn name(self) -> &'static str {
        match self {
            Self::Created => "booking.created",
            Self::Updated => "booking.updated",
            Self::Cancelled => "booking.cancelled",
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
    /// The stable key of a (job, recipient, channel): `job:channel:recipient`, the recipient
    /// lower-cased so `Ana@x` and `ana@x` are one person.
    pub fn key(job: JobId, channel: Channel, recipient: &str) -> String {
        format!("{job}:{}:{}", channel.as_str(), recipient.to_lowercase())
    }
}

/// How long before the start the reminder goes out, unless a tenant or person says otherwise.
pub const DEFAULT_REMINDER_MS: Millis = 15 * 60 * 1000;

/// The jobs a booking event causes, to be written with the change. `changes` lists what an
/// update changed (empty otherwise); `reason` is a cancellation's reason.
///
/// Every event notifies people, syncs the calendar and tells webhooks. A confirmed booking whose
/// reminder time is still ahead gets a reminder job carrying the booking's version, so a reminder
/// for a meeting that was moved or cancelled since finds a newer version and sends nothing.
pub fn jobs_for(event: BookingEvent, booking: &Booking, changes: &[FieldChange], now: Millis) -> Vec<Job> {
    let payload = serde_json::json!({
        "event": event.name(),
        "booking_version": booking.version,
        "changes": changes,
        "reason": booking.cancel_reason,
    });
    let job = |kind: JobKind, run_at: Millis, payload: serde_json::Value| Job {
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
    };
    let mut jobs = vec![
        job(JobKind::Notify, now, payload.clone()),
        job(JobKind::CalendarSync, now, payload.clone()),
        job(JobKind::Webhook, now, payload),
    ];
    let remind_at = booking.time.start - DEFAULT_REMINDER_MS;
    let time_changed = changes.iter().any(|c| c.field == "start" || c.field == "end");
    let needs_reminder = match event {
        BookingEvent::Created => true,
        BookingEvent::Updated => time_changed,
        BookingEvent::Cancelled => false,
    };
    if needs_reminder && booking.is_confirmed() && remind_at > now {
        jobs.push(job(JobKind::Reminder, remind_at, serde_json::json!({"booking_version": booking.version})));
    }
    jobs
}
