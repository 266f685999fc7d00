//! Tenants and their email domains on PostgreSQL.

use super::{PgStore, audit, db, one_row};
use crate::records::{TenantRow, to_json};
use crate::{Result, TenantStore};
use async_trait::async_trait;
use sala_domain::{AuditEntry, Tenant, TenantId};

#[async_trait]
impl TenantStore for PgStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    async fn refresh_planner_statistics(&self) -> Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    async fn insert_tenant(&self, t: &Tenant, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO tenants (id, name, slug, email_domains, time_zone, locale, created_at, updated_at, booking_rules,
                                  reminders)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(t.id.0)
        .bind(&t.name)
        .bind(t.slug.as_str())
        .bind(to_json(&t.email_domains))
        .bind(t.time_zone.as_str())
        .bind(t.locale.as_str())
        .bind(t.created_at)
        .bind(t.updated_at)
        .bind(to_json(&t.booking_rules))
        .bind(to_json(&t.reminders))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        for domain in &t.email_domains {
            sqlx::query("INSERT INTO tenant_domains (domain, tenant_id) VALUES ($1, $2)")
                .bind(domain.as_str())
                .bind(t.id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn get_tenant(&self, id: TenantId) -> Result<Option<Tenant>> {
        let row: Option<TenantRow> = sqlx::query_as("SELECT * FROM tenants WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>> {
        let row: Option<TenantRow> = sqlx::query_as("SELECT * FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn tenant_by_domain(&self, domain: &str) -> Result<Option<Tenant>> {
        let row: Option<TenantRow> =
            sqlx::query_as("SELECT t.* FROM tenants t JOIN tenant_domains d ON d.tenant_id = t.id WHERE d.domain = $1")
                .bind(domain)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn update_tenant(&self, t: &Tenant, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        let result = sqlx::query(
            "UPDATE tenants SET name = $2, time_zone = $3, locale = $4, booking_rules = $5, updated_at = $6,
                               reminders = $7, whatsapp_phone_number_id = $8, whatsapp_token_sealed = $9,
                               google_sa_email = $10, google_sa_key_sealed = $11, workspace_only = $12,
                               entra_tenant_id = $13, calendar_service = $14, report_per_person = $15
             WHERE id = $1",
        )
        .bind(t.id.0)
        .bind(&t.name)
        .bind(t.time_zone.as_str())
        .bind(t.locale.as_str())
        .bind(to_json(&t.booking_rules))
        .bind(t.updated_at)
        .bind(to_json(&t.reminders))
        .bind(t.whatsapp.as_ref().map(|w| w.phone_number_id.as_str()))
        .bind(t.whatsapp.as_ref().map(|w| w.token_sealed.as_str()))
        .bind(t.google_service_account.as_ref().map(|a| a.client_email.as_str()))
        .bind(t.google_service_account.as_ref().map(|a| a.key_sealed.as_str()))
        .bind(t.workspace_only)
        .bind(&t.entra_tenant_id)
        .bind(t.calendar_service.as_str())
        .bind(t.report_per_person)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        one_row(result)?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn tenant_by_entra(&self, entra_tenant_id: &str) -> Result<Option<Tenant>> {
        let row: Option<TenantRow> = sqlx::query_as("SELECT * FROM tenants WHERE entra_tenant_id = $1")
            .bind(entra_tenant_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        let rows: Vec<TenantRow> = sqlx::query_as("SELECT * FROM tenants ORDER BY name COLLATE \"C\"")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
