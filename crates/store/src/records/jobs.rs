//! The job runner's rows as both backends read them: jobs, the delivery log, and the messages kept
//! in the outbox instead of being sent.

use super::{corrupt, json_text};
use crate::StoreError;
use sala_domain::jobs::{Channel, Delivery, DeliveryStatus, OutboxMessage};
use sala_domain::{BookingId, Job, JobId, JobKind, JobStatus, TenantId};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    id: Uuid,
    tenant_id: Uuid,
    kind: String,
    booking_id: Option<Uuid>,
    payload: String,
    run_at: i64,
    status: String,
    attempts: i32,
    last_error: Option<String>,
    created_at: i64,
}

impl TryFrom<JobRow> for Job {
    type Error = StoreError;
    fn try_from(r: JobRow) -> Result<Self, StoreError> {
        let status = JobStatus::parse(&r.status).ok_or_else(|| corrupt("job status", &r.status))?;
        Ok(Job {
            id: JobId(r.id),
            tenant_id: TenantId(r.tenant_id),
            kind: JobKind::parse(&r.kind).ok_or_else(|| corrupt("job kind", &r.kind))?,
            booking_id: r.booking_id.map(BookingId),
            payload: json_text("job payload", &r.payload)?,
            run_at: r.run_at,
            status,
            attempts: u32::try_from(r.attempts).map_err(|e| corrupt("job attempts", e))?,
            last_error: r.last_error,
            created_at: r.created_at,
        })
    }
}

/// Settling a job: the same statements on both backends. Each changes the job only while it is
/// `running` under the settling runner's lease token, and lets go of the lease.
/// Binds: `$1` id, `$2` token, `$3` the new status, `$4` running, `$5` when.
pub(crate) const COMPLETE_JOB: &str =
    "UPDATE jobs SET status = $3, lease_until = NULL, lease_token = NULL, updated_at = $5
     WHERE id = $1 AND lease_token = $2 AND status = $4";
/// As [`COMPLETE_JOB`], plus `$6` the error and `$7` when the retry is due.
pub(crate) const RETRY_JOB: &str =
    "UPDATE jobs SET status = $3, run_at = $7, last_error = $6, lease_until = NULL, lease_token = NULL, updated_at = $5
     WHERE id = $1 AND lease_token = $2 AND status = $4";
/// As [`COMPLETE_JOB`], plus `$6` the error.
pub(crate) const BURY_JOB: &str =
    "UPDATE jobs SET status = $3, last_error = $6, lease_until = NULL, lease_token = NULL, updated_at = $5
     WHERE id = $1 AND lease_token = $2 AND status = $4";

/// No row changed by a settle or a renewal: the runner no longer holds the job's lease.
pub(crate) fn lease_held(rows_affected: u64) -> Result<(), StoreError> {
    if rows_affected == 0 { Err(StoreError::LeaseLost) } else { Ok(()) }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    id: Uuid,
    tenant_id: Uuid,
    job_id: Uuid,
    booking_id: Option<Uuid>,
    channel: String,
    recipient: String,
    idempotency_key: String,
    status: String,
    detail: Option<String>,
    created_at: i64,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;
    fn try_from(r: DeliveryRow) -> Result<Self, StoreError> {
        Ok(Delivery {
            id: r.id,
            tenant_id: TenantId(r.tenant_id),
            job_id: JobId(r.job_id),
            booking_id: r.booking_id.map(BookingId),
            channel: Channel::parse(&r.channel).ok_or_else(|| corrupt("delivery channel", &r.channel))?,
            recipient: r.recipient,
            idempotency_key: r.idempotency_key,
            status: DeliveryStatus::parse(&r.status).ok_or_else(|| corrupt("delivery status", &r.status))?,
            detail: r.detail,
            created_at: r.created_at,
        })
    }
}

/// At most this many characters of a job's error are kept: enough to diagnose, never a whole
/// response body.
pub(crate) const MAX_ERROR_CHARS: usize = 2000;

/// `error` cut to [`MAX_ERROR_CHARS`] characters (on a character boundary).
pub(crate) fn truncated_error(error: &str) -> &str {
    error.char_indices().nth(MAX_ERROR_CHARS).map_or(error, |(end, _)| &error[..end])
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutboxRow {
    id: Uuid,
    tenant_id: Uuid,
    booking_id: Option<Uuid>,
    channel: String,
    recipient: String,
    subject: Option<String>,
    text: String,
    html: Option<String>,
    ics: Option<String>,
    created_at: i64,
}

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;
    fn try_from(r: OutboxRow) -> Result<Self, StoreError> {
        Ok(OutboxMessage {
            id: r.id,
            tenant_id: TenantId(r.tenant_id),
            booking_id: r.booking_id.map(BookingId),
            channel: Channel::parse(&r.channel).ok_or_else(|| corrupt("outbox channel", &r.channel))?,
            recipient: r.recipient,
            subject: r.subject,
            text: r.text,
            html: r.html,
            ics: r.ics,
            created_at: r.created_at,
        })
    }
}

/// Per kind: jobs due now, running and dead, and the oldest due job's `run_at` (`$1`: now). Both
/// backends take it as it is; rows are [`JobQueueRow`].
pub(crate) const JOB_QUEUES: &str = "SELECT kind, COUNT(*) FILTER (WHERE status = 'pending'), \
     COUNT(*) FILTER (WHERE status = 'running'), COUNT(*) FILTER (WHERE status = 'dead'), \
     MIN(run_at) FILTER (WHERE status = 'pending') \
     FROM jobs WHERE (status = 'pending' AND run_at <= $1) OR status IN ('running', 'dead') \
     GROUP BY kind ORDER BY kind";

pub(crate) type JobQueueRow = (String, i64, i64, i64, Option<i64>);

pub(crate) fn job_queue((kind, due, running, dead, oldest_due): JobQueueRow) -> crate::JobQueue {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    crate::JobQueue { kind, due: count(due), running: count(running), dead: count(dead), oldest_due }
}

/// Deliveries per channel and result since `$2` (`$1`: the smallest id of that millisecond, so
/// the primary key bounds the read). Rows are [`DeliveryCountRow`].
pub(crate) const DELIVERIES_SINCE: &str = "SELECT channel, status, COUNT(*) FROM deliveries \
     WHERE id >= $1 AND created_at >= $2 GROUP BY channel, status ORDER BY channel, status";

pub(crate) type DeliveryCountRow = (String, String, i64);

pub(crate) fn delivery_count((channel, status, count): DeliveryCountRow) -> crate::DeliveryCount {
    crate::DeliveryCount { channel, status, count: u64::try_from(count).unwrap_or(0) }
}
