//! Calendar watches (two-way sync's push channels and change cursors).

use super::{SqliteStore, db};
use crate::records::{CalendarWatchRow, HOLD_WATCH, RELEASE_WATCH, UPSERT_WATCH, WATCH_COLUMNS};
use crate::{Result, WatchStore};
use async_trait::async_trait;
use sala_domain::google::CalendarWatch;
use sala_domain::{BookingId, Millis, TenantId, UserId};

#[async_trait]
impl WatchStore for SqliteStore {
    async fn calendar_watch(&self, tenant: TenantId, user: UserId) -> Result<Option<CalendarWatch>> {
        let sql = format!("SELECT {WATCH_COLUMNS} FROM calendar_watches WHERE tenant_id = $1 AND user_id = $2");
        let row: Option<CalendarWatchRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn calendar_watch_by_channel(&self, channel_id: &str) -> Result<Option<CalendarWatch>> {
        let sql = format!("SELECT {WATCH_COLUMNS} FROM calendar_watches WHERE channel_id = $1");
        let row: Option<CalendarWatchRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(channel_id).fetch_optional(&self.pool).await.map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn save_calendar_watch(&self, w: &CalendarWatch) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(UPSERT_WATCH)
            .bind(w.tenant_id.0)
            .bind(w.user_id.0)
            .bind(&w.channel_id)
            .bind(&w.token_hash)
            .bind(&w.resource_id)
            .bind(w.expires_at)
            .bind(&w.cursor)
            .bind(w.synced_at)
            .bind(w.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn all_calendar_watches(&self) -> Result<Vec<CalendarWatch>> {
        let sql = format!("SELECT {WATCH_COLUMNS} FROM calendar_watches ORDER BY tenant_id, user_id");
        let rows: Vec<CalendarWatchRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await.map_err(db)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn delete_calendar_watch(&self, tenant: TenantId, user: UserId) -> Result<bool> {
        let mut tx = self.write().await?;
        let deleted = sqlx::query("DELETE FROM calendar_watches WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(deleted.rows_affected() > 0)
    }

    async fn booking_with_event(&self, tenant: TenantId, event_id: &str) -> Result<Option<BookingId>> {
        let id: Option<uuid::Uuid> =
            sqlx::query_scalar("SELECT id FROM bookings WHERE tenant_id = $1 AND google_event_id = $2 LIMIT 1")
                .bind(tenant.0)
                .bind(event_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(id.map(BookingId))
    }

    async fn hold_calendar_watch(&self, tenant: TenantId, user: UserId, now: Millis, until: Millis) -> Result<bool> {
        let mut tx = self.write().await?;
        let held = sqlx::query(HOLD_WATCH)
            .bind(tenant.0)
            .bind(user.0)
            .bind(until)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let free = held.rows_affected() == 1
            || sqlx::query_scalar::<_, i64>("SELECT 1 FROM calendar_watches WHERE tenant_id = $1 AND user_id = $2")
                .bind(tenant.0)
                .bind(user.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .is_none();
        tx.commit().await.map_err(db)?;
        Ok(free)
    }

    async fn release_calendar_watch(&self, tenant: TenantId, user: UserId, until: Millis) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(RELEASE_WATCH).bind(tenant.0).bind(user.0).bind(until).execute(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)
    }
}
