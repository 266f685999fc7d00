//! Tenants' webhook endpoints as both backends read them.

use super::json_text;
use crate::StoreError;
use sala_domain::TenantId;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct WebhookRow {
    id: Uuid,
    tenant_id: Uuid,
    url: String,
    events: String,
    description: Option<String>,
    secret_sealed: String,
    enabled: bool,
    disabled_reason: Option<String>,
    created_at: i64,
    updated_at: i64,
    previous_secret_sealed: Option<String>,
    previous_until: Option<i64>,
}

impl TryFrom<WebhookRow> for sala_domain::webhook::WebhookEndpoint {
    type Error = StoreError;
    fn try_from(r: WebhookRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: sala_domain::WebhookId(r.id),
            tenant_id: TenantId(r.tenant_id),
            url: r.url,
            events: json_text("webhook events", &r.events)?,
            description: r.description,
            secret_sealed: r.secret_sealed,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            previous_secret_sealed: r.previous_secret_sealed,
            previous_until: r.previous_until,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}
