//! Reading the audit log (admins and integrations): newest first, by action prefix and subject,
//! a page at a time.

use crate::paging::{Before, Page, page_of};
use crate::{AppResult, Context, Store};
use sala_domain::AuditEntry;
use sala_store::AuditQuery;

/// Which entries: actions starting with `action_prefix`, about `subject_id`, after `before`.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub action_prefix: Option<String>,
    pub subject_id: Option<uuid::Uuid>,
    pub before: Option<Before>,
    pub limit: u32,
}

/// A page of the tenant's audit log, at most 500 entries.
pub async fn list_audit(store: &dyn Store, ctx: &Context, filter: AuditFilter) -> AppResult<Page<AuditEntry>> {
    ctx.require_admin()?;
    let limit = filter.limit.clamp(1, 500);
    let query = AuditQuery {
        subject_id: filter.subject_id,
        action_prefix: filter.action_prefix.filter(|a| !a.is_empty()),
        before: filter.before,
        limit: limit + 1,
    };
    let entries = store.list_audit(ctx.tenant_id(), &query).await?;
    Ok(page_of(entries, limit, |e| Before { at: e.at, id: e.id.0 }))
}
