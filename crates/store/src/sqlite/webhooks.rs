//! Webhook endpoints.

use super::{SqliteStore, audit, db, one_row};
use crate::records::{DeliveryRow, WebhookRow, to_json};
use crate::{Before, Result, WebhookStore};
use async_trait::async_trait;
use sala_domain::jobs::Delivery;
use sala_domain::webhook::WebhookEndpoint;
use sala_domain::{AuditEntry, TenantId, WebhookId};

const COLUMNS: &str = "id, tenant_id, url, events, description, secret_sealed, enabled, disabled_reason, created_at,
                       updated_at, previous_secret_sealed, previous_until";

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn insert_webhook(&self, e: &WebhookEndpoint, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.write().await?;
        let sql = format!(
            "INSERT INTO webhook_endpoints ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(e.id.0)
            .bind(e.tenant_id.0)
            .bind(&e.url)
            .bind(to_json(&e.events))
            .bind(&e.description)
            .bind(&e.secret_sealed)
            .bind(e.enabled)
            .bind(&e.disabled_reason)
            .bind(e.created_at)
            .bind(e.updated_at)
            .bind(&e.previous_secret_sealed)
            .bind(e.previous_until)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn update_webhook(&self, e: &WebhookEndpoint, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.write().await?;
        let result = sqlx::query(
            "UPDATE webhook_endpoints SET url = $3, events = $4, description = $5, secret_sealed = $6, enabled = $7,
                    disabled_reason = $8, updated_at = $9, previous_secret_sealed = $10, previous_until = $11
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(e.tenant_id.0)
        .bind(e.id.0)
        .bind(&e.url)
        .bind(to_json(&e.events))
        .bind(&e.description)
        .bind(&e.secret_sealed)
        .bind(e.enabled)
        .bind(&e.disabled_reason)
        .bind(e.updated_at)
        .bind(&e.previous_secret_sealed)
        .bind(e.previous_until)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        one_row(result)?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn webhook(&self, tenant: TenantId, id: WebhookId) -> Result<Option<WebhookEndpoint>> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2");
        let row: Option<WebhookRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn webhooks(&self, tenant: TenantId) -> Result<Vec<WebhookEndpoint>> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id");
        let rows: Vec<WebhookRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_all(&self.pool).await.map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn delete_webhook(&self, tenant: TenantId, id: WebhookId, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.write().await?;
        let result = sqlx::query("DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        one_row(result)?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn webhook_deliveries(
        &self,
        tenant: TenantId,
        id: WebhookId,
        before: Option<Before>,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT id, tenant_id, job_id, booking_id, channel, recipient, idempotency_key, status, detail, created_at
             FROM deliveries WHERE tenant_id = $1 AND channel = 'webhook' AND recipient = $2
               AND ($4 IS NULL OR created_at < $4 OR (created_at = $4 AND id < $5))
             ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(tenant.0)
        .bind(id.to_string())
        .bind(i64::from(limit.clamp(1, 500)))
        .bind(before.map(|b| b.at))
        .bind(before.map(|b| b.id))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn count_disabled_webhooks(&self) -> Result<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints WHERE enabled = $1")
            .bind(false)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}
