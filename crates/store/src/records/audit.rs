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

/// The guests one counter holds from an hour on (`$4`), the same statement on both backends.
pub(crate) const INVITED_GUESTS_SQL: &str = "SELECT CAST(COALESCE(SUM(guests), 0) AS BIGINT) FROM guest_invite_hours
     WHERE tenant_id = $1 AND actor_type = $2 AND actor_id = $3 AND hour >= $4";

/// The counters' buckets: invitations are counted by the hour.
pub(crate) const INVITE_HOUR: Millis = 3_600_000;

/// Deletes the counters of the hours ending at or before `$1` (an hour number).
pub(crate) const PURGE_INVITE_COUNTERS_SQL: &str = "DELETE FROM guest_invite_hours WHERE hour < $1";

/// The first hour whose counter a purge before `before` keeps: the one `before` falls in.
pub(crate) fn first_kept_hour(before: Millis) -> i64 {
    before.div_euclid(INVITE_HOUR)
}

/// Audit entries per multi-row INSERT: 12 parameters each, under SQLite's 32,766 and
/// PostgreSQL's 65,535.
pub(crate) const INSERT_CHUNK: usize = 1000;

/// One `INSERT INTO audit_log` of `entries` (at most [`INSERT_CHUNK`]), the same text for both
/// databases: a booking write's entries cost one round trip, not one each.
pub(crate) fn insert_entries<DB>(entries: &[AuditEntry]) -> sqlx::QueryBuilder<DB>
where
    DB: sqlx::Database,
    for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<Uuid>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> &'static str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<String>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut sql = sqlx::QueryBuilder::new(
        "INSERT INTO audit_log (id, tenant_id, at, actor_type, actor_id, action, subject_type, subject_id,
                                before_state, after_state, request_id, ip) ",
    );
    sql.push_values(entries, |mut row, e| {
        let (actor_type, actor_id) = super::actor_columns(&e.actor);
        row.push_bind(e.id.0)
            .push_bind(e.tenant_id.0)
            .push_bind(e.at)
            .push_bind(actor_type)
            .push_bind(actor_id)
            .push_bind(e.action.clone())
            .push_bind(e.subject_type.clone())
            .push_bind(e.subject_id)
            .push_bind(e.before.as_ref().map(super::to_json))
            .push_bind(e.after.as_ref().map(super::to_json))
            .push_bind(e.request_id.clone())
            .push_bind(e.ip.clone());
    });
    sql
}
