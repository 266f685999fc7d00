//! The audit log's entries as both backends read them.

use super::{actor_from_columns, json_text};
use crate::StoreError;
use sala_domain::{Actor, AuditEntry, AuditId, Millis, TenantId, audit};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    id: Uuid,
    tenant_id: Uuid,
    at: i64,
    actor_type: String,
    actor_id: Option<Uuid>,
    action: String,
    subject_type: String,
    subject_id: Option<Uuid>,
    before_state: Option<String>,
    after_state: Option<String>,
    request_id: Option<String>,
    ip: Option<String>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self, StoreError> {
        Ok(audit::AuditEntry {
            id: AuditId(r.id),
            tenant_id: TenantId(r.tenant_id),
            at: r.at,
            actor: actor_from_columns(&r.actor_type, r.actor_id)?,
            action: r.action,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
            before: r.before_state.map(|b| json_text("audit before", &b)).transpose()?,
            after: r.after_state.map(|a| json_text("audit after", &a)).transpose()?,
            request_id: r.request_id,
            ip: r.ip,
        })
    }
}

/// The `guest_invite_hours` counter of `actor`, or of the whole organization: the columns its
/// key holds (see migration 0033: an actor without an id, and the organization, use the tenant's).
pub(crate) fn invite_counter(tenant: TenantId, actor: Option<&Actor>) -> (&'static str, Uuid) {
    match actor {
        Some(actor) => (actor.kind(), actor.id().unwrap_or(tenant.0)),
        None => ("*", tenant.0),
    }
}

/// The counters' buckets: invitations are counted by the hour.
pub(crate) const INVITE_HOUR: Millis = 3_600_000;
