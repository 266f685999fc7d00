//! People as both backends read them.

use super::{corrupt, json_text};
use crate::StoreError;
use sala_domain::{Email, TenantId, User, UserId, user, values};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    tenant_id: Uuid,
    email: String,
    name: String,
    phone: Option<String>,
    whatsapp_opt_in: bool,
    role: String,
    locale: Option<String>,
    time_zone: Option<String>,
    google_subject: Option<String>,
    active: bool,
    created_at: i64,
    updated_at: i64,
    reminders: Option<String>,
    whatsapp_consent_at: Option<i64>,
    microsoft_oid: Option<String>,
    weekly_report: bool,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: UserId(r.id),
            tenant_id: TenantId(r.tenant_id),
            email: Email::parse(&r.email).map_err(|e| corrupt("user email", e))?,
            name: r.name,
            phone: r.phone.map(|p| values::Phone::parse(&p)).transpose().map_err(|e| corrupt("user phone", e))?,
            whatsapp_opt_in: r.whatsapp_opt_in,
            whatsapp_consent_at: r.whatsapp_consent_at,
            role: user::Role::parse(&r.role).map_err(|e| corrupt("user role", e))?,
            locale: r.locale.map(|l| values::Locale::parse(&l)).transpose().map_err(|e| corrupt("user locale", e))?,
            time_zone: r
                .time_zone
                .map(|z| values::TimeZoneName::parse(&z))
                .transpose()
                .map_err(|e| corrupt("user zone", e))?,
            google_subject: r.google_subject,
            microsoft_oid: r.microsoft_oid,
            reminders: r.reminders.map(|j| json_text("user reminders", &j)).transpose()?,
            weekly_report: r.weekly_report,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}
