//! Check-ins and rooms' kiosk links.

use super::{PgStore, audit, db};
use crate::records::{CheckInRow, KIOSK_COLUMNS, KioskRow, ReplyRow, actor_columns};
use crate::{AttendanceStore, Result, StoreError};
use async_trait::async_trait;
use sala_domain::attendance::{CheckIn, Kiosk, Reply};
use sala_domain::{AuditEntry, BookingId, Job, Millis, RoomId, TenantId};
use uuid::Uuid;

#[async_trait]
impl AttendanceStore for PgStore {
    async fn record_check_in(&self, c: &CheckIn, jobs: &[Job], entry: &AuditEntry) -> Result<bool> {
        let mut tx = self.begin().await?;
        // The booking must still be confirmed, read under a lock a release's update waits for
        // (or, in SQLite, inside the one write transaction).
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM bookings WHERE tenant_id = $1 AND id = $2 FOR SHARE")
                .bind(c.tenant_id.0)
                .bind(c.booking_id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        match status.as_deref() {
            Some("confirmed") => {}
            Some(_) => return Err(StoreError::NotConfirmed),
            None => return Err(StoreError::NotFound),
        }
        let (actor_type, actor_id) = actor_columns(&c.by);
        let result = sqlx::query(
            "INSERT INTO check_ins (tenant_id, booking_id, email, email_key, at, actor_type, actor_id, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (booking_id, email_key) DO NOTHING",
        )
        .bind(c.tenant_id.0)
        .bind(c.booking_id.0)
        .bind(c.email.as_str())
        .bind(c.email.as_str().to_lowercase())
        .bind(c.at)
        .bind(actor_type)
        .bind(actor_id)
        .bind(c.source.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if result.rows_affected() == 0 {
            return Ok(false);
        }
        super::bookings::insert_jobs(&mut tx, jobs).await?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn check_ins(&self, tenant: TenantId, booking: BookingId) -> Result<Vec<CheckIn>> {
        let rows: Vec<CheckInRow> = sqlx::query_as(
            "SELECT tenant_id, booking_id, email, at, actor_type, actor_id, source FROM check_ins
             WHERE tenant_id = $1 AND booking_id = $2 ORDER BY at, email_key",
        )
        .bind(tenant.0)
        .bind(booking.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn checked_in_bookings(&self, tenant: TenantId, from: Millis, to: Millis) -> Result<Vec<BookingId>> {
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT DISTINCT c.booking_id FROM check_ins c
             JOIN bookings b ON b.tenant_id = c.tenant_id AND b.id = c.booking_id
             WHERE c.tenant_id = $1 AND b.start_at >= $2 AND b.start_at < $3",
        )
        .bind(tenant.0)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(ids.into_iter().map(BookingId).collect())
    }

    async fn put_kiosk(&self, k: &Kiosk, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        let (actor_type, actor_id) = actor_columns(&k.created_by);
        sqlx::query(
            "INSERT INTO room_kiosks (tenant_id, room_id, token_hash, created_by_type, created_by_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (tenant_id, room_id) DO UPDATE SET token_hash = excluded.token_hash,
                 created_by_type = excluded.created_by_type, created_by_id = excluded.created_by_id,
                 created_at = excluded.created_at",
        )
        .bind(k.tenant_id.0)
        .bind(k.room_id.0)
        .bind(&k.token_hash)
        .bind(actor_type)
        .bind(actor_id)
        .bind(k.created_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_kiosk(&self, tenant: TenantId, room: RoomId, entry: &AuditEntry) -> Result<bool> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM room_kiosks WHERE tenant_id = $1 AND room_id = $2")
            .bind(tenant.0)
            .bind(room.0)
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

    async fn kiosk_by_token(&self, token_hash: &str) -> Result<Option<Kiosk>> {
        let sql = format!("SELECT {KIOSK_COLUMNS} FROM room_kiosks WHERE token_hash = $1");
        let row: Option<KioskRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&self.pool).await.map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn kiosk_of(&self, tenant: TenantId, room: RoomId) -> Result<Option<Kiosk>> {
        let sql = format!("SELECT {KIOSK_COLUMNS} FROM room_kiosks WHERE tenant_id = $1 AND room_id = $2");
        let row: Option<KioskRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(room.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn record_reply(&self, r: &Reply, jobs: &[Job], entry: &AuditEntry) -> Result<bool> {
        let mut tx = self.begin().await?;
        let result = sqlx::query(
            "INSERT INTO booking_replies (tenant_id, booking_id, email, email_key, answer, at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (booking_id, email_key) DO UPDATE SET answer = excluded.answer, at = excluded.at
             WHERE booking_replies.answer <> excluded.answer",
        )
        .bind(r.tenant_id.0)
        .bind(r.booking_id.0)
        .bind(r.email.as_str())
        .bind(r.email.as_str().to_lowercase())
        .bind(r.answer.as_str())
        .bind(r.at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if result.rows_affected() == 0 {
            return Ok(false);
        }
        super::bookings::insert_jobs(&mut tx, jobs).await?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn replies(&self, tenant: TenantId, booking: BookingId) -> Result<Vec<Reply>> {
        let rows: Vec<ReplyRow> = sqlx::query_as(
            "SELECT tenant_id, booking_id, email, answer, at FROM booking_replies
             WHERE tenant_id = $1 AND booking_id = $2 ORDER BY at, email_key",
        )
        .bind(tenant.0)
        .bind(booking.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
