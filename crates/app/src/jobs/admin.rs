//! What admins do with jobs: see the dead ones (and why they died) and give them another life
//! once the cause is fixed. A replayed job sends only what was not delivered before (the delivery
//! log's idempotency keys), so a replay never sends a second copy.

use crate::context::snapshot;
use crate::paging::{Before, Page, page_of};
use crate::{AppError, AppResult, Context, Store};
use sala_domain::{Job, JobId, JobKind, JobStatus, now_millis};

/// A webhook job's error as a caller without the `webhooks` scope sees it: the error names the
/// receiver and quotes its answer.
pub const WEBHOOK_ERROR_HIDDEN: &str = "a webhook receiver failed (details for keys with the webhooks scope)";

/// A page of the tenant's jobs, newest first; only those in `status` when given; at most 200.
pub async fn list_jobs(
    store: &dyn Store,
    ctx: &Context,
    status: Option<JobStatus>,
    before: Option<Before>,
    limit: u32,
) -> AppResult<Page<Job>> {
    ctx.require_admin()?;
    let limit = limit.clamp(1, 200);
    let mut jobs = store.list_jobs(ctx.tenant_id(), status, before, limit + 1).await?;
    if !ctx.may_see_webhooks() {
        for job in jobs.iter_mut().filter(|j| j.kind == JobKind::Webhook && j.last_error.is_some()) {
            job.last_error = Some(WEBHOOK_ERROR_HIDDEN.to_owned());
        }
    }
    Ok(page_of(jobs, limit, |j| Before { at: j.created_at, id: j.id.0 }))
}

/// Makes a dead job of the tenant due again now. Another tenant's job, or one that is not dead,
/// is not found.
pub async fn replay_job(store: &dyn Store, ctx: &Context, id: JobId) -> AppResult<()> {
    ctx.require_admin()?;
    match store.replay_job(ctx.tenant_id(), id, now_millis()).await {
        Ok(()) => {}
        Err(sala_store::StoreError::NotFound) => return Err(AppError::NotFound { what: "dead job" }),
        Err(e) => return Err(e.into()),
    }
    let entry = ctx.audit("job.replayed", "job", Some(id.0), None, snapshot(&serde_json::json!({"status": "pending"})));
    if let Err(e) = store.insert_audit(&entry).await {
        tracing::error!(error = %e, "could not audit a job replay");
    }
    tracing::info!(job = %id, "dead job replayed");
    Ok(())
}
