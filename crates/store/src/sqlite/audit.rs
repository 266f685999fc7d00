//! The audit log on SQLite.

use super::{SqliteStore, db};
use crate::records::{
    AuditRow, INSERT_CHUNK, INVITE_HOUR, INVITED_GUESTS_SQL, PURGE_INVITE_COUNTERS_SQL, first_kept_hour,
    insert_entries, invite_counter,
};
use crate::{AuditQuery, AuditStore, Result};
use async_trait::async_trait;
use sala_domain::{Actor, AuditEntry, Millis, TenantId};
use sqlx::{Sqlite, SqliteConnection};

/// Writes an audit entry inside the caller's transaction.
pub(super) async fn insert(conn: &mut SqliteConnection, e: &AuditEntry) -> Result<()> {
    insert_all(conn, std::slice::from_ref(e)).await
}

/// Writes audit entries inside the caller's transaction, a statement per [`INSERT_CHUNK`].
pub(super) async fn insert_all(conn: &mut SqliteConnection, entries: &[AuditEntry]) -> Result<()> {
    for chunk in entries.chunks(INSERT_CHUNK) {
        insert_entries::<Sqlite>(chunk).build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn insert_audit(&self, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.write().await?;
        insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn list_audit(&self, tenant: TenantId, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        // The prefix compares exactly: SQLite's LIKE would ignore ASCII case, unlike PostgreSQL's.
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT * FROM audit_log
             WHERE tenant_id = $1
               AND ($2 IS NULL OR subject_id = $2)
               AND ($3 IS NULL OR substr(action, 1, length($3)) = $3)
               AND ($5 IS NULL OR at < $5 OR (at = $5 AND id < $6))
             ORDER BY at DESC, id DESC
             LIMIT $4",
        )
        .bind(tenant.0)
        .bind(q.subject_id)
        .bind(q.action_prefix.as_deref())
        .bind(i64::from(q.limit.clamp(1, 1000)))
        .bind(q.before.map(|b| b.at))
        .bind(q.before.map(|b| b.id))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn count_invited_guests(&self, tenant: TenantId, actor: Option<&Actor>, since: Millis) -> Result<u64> {
        let (actor_type, actor_id) = invite_counter(tenant, actor);
        let (count,): (i64,) = sqlx::query_as(INVITED_GUESTS_SQL)
            .bind(tenant.0)
            .bind(actor_type)
            .bind(actor_id)
            .bind(since.div_euclid(INVITE_HOUR))
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn purge_invite_counters(&self, before: Millis) -> Result<u64> {
        let purged = sqlx::query(PURGE_INVITE_COUNTERS_SQL)
            .bind(first_kept_hour(before))
            .execute(&self.writer)
            .await
            .map_err(db)?;
        Ok(purged.rows_affected())
    }
}
