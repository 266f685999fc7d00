//! Sending one message at most once: the delivery log's idempotency key is checked before and
//! written after every send, and dev mode keeps a copy in the outbox.
//!
//! A runner that dies after the provider accepted a message but before the log was written sends
//! it again on the retry (at least once); the `Message-ID` is the same both times, so mail systems
//! can tell. Everything else that could resend, a retry of a job that half failed, a replay by an
//! admin, a second reminder job for the same meeting time, finds the `sent` entry and stops.

use super::Notifier;
use crate::jobs::JobFailure;
use sala_channels::ChannelError;
use sala_domain::jobs::{Channel, Delivery, DeliveryStatus, OutboxMessage};
use sala_domain::{Job, now_millis};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A send to a provider: its message id (or another receipt) when accepted.
pub(super) type Send<'a> = Pin<Box<dyn Future<Output = Result<String, ChannelError>> + std::marker::Send + 'a>>;

/// One message to deliver.
pub(super) struct Message<'a> {
    /// The delivery log's scope: the job, or what makes several jobs one message.
    pub scope: &'a str,
    pub channel: Channel,
    pub recipient: String,
    /// The real send, `None` when this channel is not configured.
    pub send: Option<Send<'a>>,
    /// What the dev outbox keeps of it.
    pub copy: OutboxMessage,
}

/// How the messages of one job fared, and what that makes of the job.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub sent: usize,
    pub already: usize,
    pub failed: usize,
    retry: Option<(String, Option<Duration>)>,
    misconfigured: Option<String>,
}

impl Tally {
    fn failed(&mut self, err: ChannelError) {
        self.failed += 1;
        match err {
            ChannelError::Retryable { reason, retry_after } => {
                let wait = match &self.retry {
                    Some((_, Some(longest))) => retry_after.map(|w| w.max(*longest)).or(Some(*longest)),
                    _ => retry_after,
                };
                self.retry = Some((reason, wait));
            }
            ChannelError::Misconfigured { reason } => self.misconfigured = Some(reason),
            // Final for this recipient only (an unknown address, a number not on WhatsApp): logged
            // in the delivery log; the others still get theirs and the job is done.
            ChannelError::Final { .. } => {}
        }
    }

    /// Retry while anything may still go through; dead (replayable once fixed) when a channel is
    /// misconfigured; done otherwise.
    pub fn outcome(self) -> Result<(), JobFailure> {
        if let Some((reason, after)) = self.retry {
            return Err(JobFailure::Retry {
                reason: format!("{} message(s) not yet delivered: {reason}", self.failed),
                after,
            });
        }
        if let Some(reason) = self.misconfigured {
            return Err(JobFailure::final_(format!("a channel is misconfigured: {reason}")));
        }
        Ok(())
    }
}

impl Notifier {
    /// Delivers `message` unless its key was delivered already, and logs the attempt.
    pub(super) async fn deliver(&self, job: &Job, message: Message<'_>, tally: &mut Tally) {
        let key = Delivery::key(message.scope, message.channel, &message.recipient);
        match self.store.delivered(&key).await {
            Ok(true) => {
                tally.already += 1;
                return;
            }
            Ok(false) => {}
            Err(e) => return tally.failed(ChannelError::retryable(format!("delivery log unreadable: {e}"))),
        }
        let result = match message.send {
            Some(send) => send.await,
            None if self.channels.dev_outbox => Ok("dev outbox".to_owned()),
            None => Err(ChannelError::final_(format!(
                "{} is not configured on this server; nothing was sent",
                message.channel.as_str()
            ))),
        };
        let (status, detail) = match &result {
            Ok(receipt) => (DeliveryStatus::Sent, receipt.clone()),
            Err(e) => (DeliveryStatus::Failed, e.to_string()),
        };
        let entry = Delivery {
            id: uuid::Uuid::now_v7(),
            tenant_id: job.tenant_id,
            job_id: job.id,
            booking_id: job.booking_id,
            channel: message.channel,
            recipient: message.recipient.clone(),
            idempotency_key: key,
            status,
            detail: Some(detail),
            created_at: now_millis(),
        };
        if let Err(e) = self.store.record_delivery(&entry).await {
            // Sent but not logged: a retry may send it again, which beats losing the log.
            tracing::error!(job = %job.id, channel = message.channel.as_str(), error = %e, "could not log a delivery");
        }
        match result {
            Ok(_) => {
                tally.sent += 1;
                tracing::info!(job = %job.id, channel = message.channel.as_str(), "message delivered");
                if self.channels.dev_outbox
                    && let Err(e) = self.store.insert_outbox_message(&message.copy).await
                {
                    tracing::warn!(error = %e, "could not keep a copy in the dev outbox");
                }
            }
            Err(err) => {
                tracing::warn!(job = %job.id, channel = message.channel.as_str(), error = %err, "message not delivered");
                tally.failed(err);
            }
        }
    }
}
