//! Tenants as both backends read them: the organization, its settings and its sealed channel credentials.

use super::{corrupt, json_text};
use crate::StoreError;
use sala_domain::{Tenant, TenantId, values};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct TenantRow {
    id: Uuid,
    name: String,
    slug: String,
    email_domains: String,
    time_zone: String,
    locale: String,
    booking_rules: String,
    reminders: String,
    created_at: i64,
    updated_at: i64,
    whatsapp_phone_number_id: Option<String>,
    whatsapp_token_sealed: Option<String>,
    google_sa_email: Option<String>,
    google_sa_key_sealed: Option<String>,
    workspace_only: bool,
    report_per_person: bool,
    entra_tenant_id: Option<String>,
    calendar_service: String,
}

impl TryFrom<TenantRow> for Tenant {
    type Error = StoreError;
    fn try_from(r: TenantRow) -> Result<Self, StoreError> {
        Ok(Tenant {
            id: TenantId(r.id),
            name: r.name,
            slug: values::Slug::parse(&r.slug).map_err(|e| corrupt("tenant slug", e))?,
            email_domains: json_text("tenant domains", &r.email_domains)?,
            time_zone: values::TimeZoneName::parse(&r.time_zone).map_err(|e| corrupt("tenant zone", e))?,
            locale: values::Locale::parse(&r.locale).map_err(|e| corrupt("tenant locale", e))?,
            booking_rules: json_text("tenant rules", &r.booking_rules)?,
            reminders: json_text("tenant reminders", &r.reminders)?,
            whatsapp: match (r.whatsapp_phone_number_id, r.whatsapp_token_sealed) {
                (Some(phone_number_id), Some(token_sealed)) => {
                    Some(sala_domain::tenant::WhatsAppAccount { phone_number_id, token_sealed })
                }
                _ => None,
            },
            google_service_account: match (r.google_sa_email, r.google_sa_key_sealed) {
                (Some(client_email), Some(key_sealed)) => {
                    Some(sala_domain::tenant::ServiceAccount { client_email, key_sealed })
                }
                _ => None,
            },
            workspace_only: r.workspace_only,
            report_per_person: r.report_per_person,
            entra_tenant_id: r.entra_tenant_id,
            calendar_service: sala_domain::tenant::CalendarService::parse(&r.calendar_service)
                .map_err(|e| corrupt("tenant calendar service", e))?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}
