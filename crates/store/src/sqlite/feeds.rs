//! Calendar feeds.

use super::{SqliteStore, audit, db};
use crate::records::{FEED_COLUMNS, FeedRow, actor_columns};
use crate::{FeedStore, Result};
use async_trait::async_trait;
use sala_domain::{Actor, AuditEntry, Feed, FeedId, TenantId};

#[async_trait]
impl FeedStore for SqliteStore {
    async fn insert_feed(&self, f: &Feed, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.write().await?;
        let (actor_type, actor_id) = actor_columns(&f.created_by);
        sqlx::query(
            "INSERT INTO calendar_feeds (id, tenant_id, scope, room_id, token_hash, created_by_type, created_by_id,
                                         created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(f.id.0)
        .bind(f.tenant_id.0)
        .bind(f.scope.as_str())
        .bind(f.room_id.map(|r| r.0))
        .bind(&f.token_hash)
        .bind(actor_type)
        .bind(actor_id)
        .bind(f.created_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn feed_by_token(&self, token_hash: &str) -> Result<Option<Feed>> {
        let sql = format!("SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE token_hash = $1");
        let row: Option<FeedRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&self.pool).await.map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn get_feed(&self, tenant: TenantId, id: FeedId) -> Result<Option<Feed>> {
        let sql = format!("SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE tenant_id = $1 AND id = $2");
        let row: Option<FeedRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn feeds_by(&self, tenant: TenantId, creator: &Actor) -> Result<Vec<Feed>> {
        let (actor_type, actor_id) = actor_columns(creator);
        // `IS NOT DISTINCT FROM`: the system actor has no id, and NULL = NULL is not true.
        let sql = format!(
            "SELECT {FEED_COLUMNS} FROM calendar_feeds
             WHERE tenant_id = $1 AND created_by_type = $2 AND created_by_id IS NOT DISTINCT FROM $3
             ORDER BY created_at, id"
        );
        let rows: Vec<FeedRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(actor_type)
            .bind(actor_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn delete_feed(&self, tenant: TenantId, id: FeedId, entry: &AuditEntry) -> Result<bool> {
        let mut tx = self.write().await?;
        let deleted = sqlx::query("DELETE FROM calendar_feeds WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if deleted.rows_affected() == 0 {
            return Ok(false);
        }
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }
}
