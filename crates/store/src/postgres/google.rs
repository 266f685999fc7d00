//! People's Google Calendar connections, and the calendar job's notes on a booking.

use super::{PgStore, audit, db, one_row};
use crate::records::{CalendarStateRow, GoogleConnectionRow, to_json};
use crate::{GoogleStore, Result};
use async_trait::async_trait;
use sala_domain::google::{ConnectionStatus, GoogleConnection};
use sala_domain::{AuditEntry, BookingId, Job, TenantId, UserId};

const COLUMNS: &str =
    "tenant_id, user_id, google_subject, refresh_token_sealed, access_token_sealed, access_expires_at,
                       scopes, status, last_error, connected_at, updated_at";

#[async_trait]
impl GoogleStore for PgStore {
    async fn save_google_connection(
        &self,
        c: &GoogleConnection,
        entry: Option<&AuditEntry>,
        jobs: &[Job],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "INSERT INTO google_connections ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (tenant_id, user_id) DO UPDATE SET google_subject = excluded.google_subject,
                 refresh_token_sealed = excluded.refresh_token_sealed, access_token_sealed = excluded.access_token_sealed,
                 access_expires_at = excluded.access_expires_at, scopes = excluded.scopes, status = excluded.status,
                 last_error = excluded.last_error, connected_at = excluded.connected_at, updated_at = excluded.updated_at"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(c.tenant_id.0)
            .bind(c.user_id.0)
            .bind(&c.google_subject)
            .bind(&c.refresh_token_sealed)
            .bind(&c.access_token_sealed)
            .bind(c.access_expires_at)
            .bind(to_json(&c.scopes))
            .bind(c.status.as_str())
            .bind(&c.last_error)
            .bind(c.connected_at)
            .bind(c.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if let Some(entry) = entry {
            audit::insert(&mut tx, entry).await?;
        }
        super::bookings::insert_jobs(&mut tx, jobs).await?;
        tx.commit().await.map_err(db)
    }

    async fn google_connection(&self, tenant: TenantId, user: UserId) -> Result<Option<GoogleConnection>> {
        let sql = format!("SELECT {COLUMNS} FROM google_connections WHERE tenant_id = $1 AND user_id = $2");
        let row: Option<GoogleConnectionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn calendar_states(&self, tenant: TenantId) -> Result<Vec<(UserId, ConnectionStatus)>> {
        let rows: Vec<CalendarStateRow> =
            sqlx::query_as("SELECT user_id, status FROM google_connections WHERE tenant_id = $1")
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn delete_google_connection(&self, tenant: TenantId, user: UserId, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        let result = sqlx::query("DELETE FROM google_connections WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        one_row(result)?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_booking_calendar(
        &self,
        tenant: TenantId,
        booking: BookingId,
        event_id: Option<&str>,
        meet_link: Option<&str>,
    ) -> Result<()> {
        let result =
            sqlx::query("UPDATE bookings SET google_event_id = $3, meet_link = $4 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.0)
                .bind(booking.0)
                .bind(event_id)
                .bind(meet_link)
                .execute(&self.pool)
                .await
                .map_err(db)?;
        one_row(result)
    }
}
