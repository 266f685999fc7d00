//! [`Handlers`]: the consumer of every job kind, and the one dispatch over them that the runner
//! ([`crate::jobs`]) calls. It sits beside the runner, not in it: the consumers use the runner's
//! types, and the runner knows none of them.

use crate::bookings::NoShowRelease;
use crate::calendar::CalendarSync;
use crate::jobs::{Dispatch, JobFailure};
use crate::notifications::Notifier;
use crate::webhooks::WebhookDelivery;
use async_trait::async_trait;
use sala_domain::jobs::JobPayload;
use sala_domain::{Job, JobKind};
use std::sync::Arc;

/// Every kind's consumer, built once by the composition root.
#[derive(Clone)]
pub struct Handlers {
    /// `notify`, `reminder` and `weekly_report`: messages by email and WhatsApp.
    pub notifier: Arc<Notifier>,
    /// `calendar_sync`: the organizer's calendar in step with the booking.
    pub calendar: Arc<CalendarSync>,
    /// `webhook`: the tenant's endpoints told.
    pub webhooks: Arc<WebhookDelivery>,
    /// `no_show_check`: the room released when nobody checked in.
    pub no_show: Arc<NoShowRelease>,
}

#[async_trait]
impl Dispatch for Handlers {
    fn kinds(&self) -> Vec<JobKind> {
        JobKind::ALL.to_vec()
    }

    /// The payload is read once, as its kind's type; each kind has exactly one consumer.
    async fn run(&self, job: &Job) -> Result<(), JobFailure> {
        let payload = job
            .parse_payload()
            .map_err(|e| JobFailure::final_(format!("unreadable {} payload: {e}", job.kind.as_str())))?;
        match payload {
            JobPayload::Notify(change) => self.notifier.notify(job, change).await,
            JobPayload::Reminder(reminder) => self.notifier.remind(job, reminder).await,
            JobPayload::CalendarSync(_) => self.calendar.sync(job).await,
            JobPayload::Webhook(event) => self.webhooks.deliver(job, event).await,
            JobPayload::NoShowCheck(check) => self.no_show.check(job, check).await,
            JobPayload::CalendarPull(pull) => self.calendar.pull(job, pull).await,
            JobPayload::WeeklyReport(week) => self.notifier.weekly_report(job, week).await,
        }
    }

    fn max_attempts(&self, kind: JobKind) -> Option<u32> {
        match kind {
            JobKind::Webhook => Some(crate::webhooks::MAX_ATTEMPTS),
            JobKind::Notify
            | JobKind::CalendarSync
            | JobKind::Reminder
            | JobKind::NoShowCheck
            | JobKind::CalendarPull
            | JobKind::WeeklyReport => None,
        }
    }
}
