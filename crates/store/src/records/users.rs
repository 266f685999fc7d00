//! People as both backends read them.

use super::{corrupt, json_text};
use crate::StoreError;
use sala_domain::{Email, TenantId, User, UserId, user, values};
use uuid::Uuid;

/// The columns of a `UserRow`, in both databases.
pub(crate) const USER_COLUMNS: &str = "id, tenant_id, email, name, phone, whatsapp_opt_in, role, locale, time_zone,
                       google_subject, active, created_at, updated_at, reminders, whatsapp_consent_at, microsoft_oid,
                       weekly_report";

/// The admins of `$1` who asked for the weekly summary, oldest first.
pub(crate) fn weekly_report_admins_sql() -> String {
    format!(
        "SELECT {USER_COLUMNS} FROM users
         WHERE tenant_id = $1 AND weekly_report AND active AND role = 'admin'
         ORDER BY created_at, id"
    )
}

/// Marks week `$3` as scheduled for admin `$2` of `$1`, if it was not yet. The mark only moves
/// forward: of two instances scheduling the same week, the second finds it set (it waits for the
/// first one's row lock, then reads the committed mark) and updates no row.
pub(crate) const MARK_WEEKLY_REPORT_SQL: &str = "UPDATE users SET weekly_report_week = $3
     WHERE tenant_id = $1 AND id = $2 AND weekly_report AND active AND role = 'admin'
       AND (weekly_report_week IS NULL OR weekly_report_week < $3)";

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
