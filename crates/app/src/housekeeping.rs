//! Forgetting what is no longer needed, so the database does not grow for ever and keeps no
//! secrets longer than they serve: expired sessions and sign-in flows, idempotency keys and done
//! jobs (with their delivery log) older than the retention, and the outside-guest quotas' hourly
//! counters once no quota reads them. Dead jobs and the audit log stay.

use crate::Store;
use sala_domain::Millis;
use std::time::Duration;

/// Done jobs are deleted this many at a time, so a large backlog never holds the database's
/// write lock for long.
const JOB_BATCH: u32 = 1000;

/// What one purge removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Expired sessions and sign-in flows.
    pub sessions: u64,
    pub idempotency_keys: u64,
    /// Done jobs (their delivery log went with them).
    pub jobs: u64,
    /// Hourly counters of invited outside guests.
    pub invite_counters: u64,
}

/// How long the outside-guest counters are kept: the quotas read the last 24 hours, and a day
/// more leaves room for a clock that jumps.
const INVITE_COUNTERS_KEPT: Millis = 2 * 24 * 3_600_000;

/// Removes what expired by `now`, and the history older than `retention`.
pub async fn purge(store: &dyn Store, now: Millis, retention: Duration) -> sala_store::Result<Purged> {
    let before = now.saturating_sub(Millis::try_from(retention.as_millis()).unwrap_or(Millis::MAX));
    let sessions = store.purge_expired(now).await?;
    let idempotency_keys = store.purge_idempotency_keys(before).await?;
    let mut jobs = 0;
    loop {
        let batch = store.purge_done_jobs(before, JOB_BATCH).await?;
        jobs += batch;
        if batch < u64::from(JOB_BATCH) {
            break;
        }
    }
    let invite_counters = store.purge_invite_counters(now.saturating_sub(INVITE_COUNTERS_KEPT)).await?;
    Ok(Purged { sessions, idempotency_keys, jobs, invite_counters })
}
