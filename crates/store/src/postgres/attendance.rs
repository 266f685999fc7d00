//! Check-ins.

use super::{PgStore, audit, db};
use crate::records::{CheckInRow, actor_columns};
use crate::{AttendanceStore, Result};
use async_trait::async_trait;
use sala_domain::attendance::CheckIn;
use sala_domain::{AuditEntry, BookingId, Job, TenantId};

#[async_trait]
impl AttendanceStore for PgStore {
    async fn record_check_in(&self, c: &CheckIn, jobs: &[Job], entry: &AuditEntry) -> Result<bool> {
        let mut tx = self.begin().await?;
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
}
