//! Rows as both backends read them, and their conversion to domain types.
//!
//! Columns are plain (uuid, text, integer, boolean) so one `FromRow` serves SQLite and PostgreSQL.
//! Instants are Unix milliseconds; lists and structured values are JSON text. Anything that fails
//! to convert is reported as `Corrupt`: it was validated on the way in, so it means a bad row.

use crate::StoreError;
use sala_domain::{
    Actor, ApiKey, ApiKeyId, AuditEntry, AuditId, Email, LoginFlow, Room, RoomId, Session, Tenant, TenantId, User,
    UserId, audit, room, user, values,
};
use uuid::Uuid;

fn corrupt(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {err}"))
}

fn json_text<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

/// Serializes a value for a JSON text column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serializing plain domain structs cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

#[derive(sqlx::FromRow)]
pub(crate) struct TenantRow {
    id: Uuid,
    name: String,
    slug: String,
    email_domains: String,
    time_zone: String,
    locale: String,
    created_at: i64,
    updated_at: i64,
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
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

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
            role: user::Role::parse(&r.role).map_err(|e| corrupt("user role", e))?,
            locale: r.locale.map(|l| values::Locale::parse(&l)).transpose().map_err(|e| corrupt("user locale", e))?,
            time_zone: r
                .time_zone
                .map(|z| values::TimeZoneName::parse(&z))
                .transpose()
                .map_err(|e| corrupt("user zone", e))?,
            google_subject: r.google_subject,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RoomRow {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    capacity: i32,
    location: Option<String>,
    equipment: String,
    kind: String,
    google_calendar: Option<String>,
    active: bool,
    bookable_hours: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<RoomRow> for Room {
    type Error = StoreError;
    fn try_from(r: RoomRow) -> Result<Self, StoreError> {
        Ok(Room {
            id: RoomId(r.id),
            tenant_id: TenantId(r.tenant_id),
            name: r.name,
            capacity: u32::try_from(r.capacity).map_err(|e| corrupt("room capacity", e))?,
            location: r.location,
            equipment: json_text("room equipment", &r.equipment)?,
            kind: room::RoomKind::parse(&r.kind).map_err(|e| corrupt("room kind", e))?,
            google_calendar: r
                .google_calendar
                .map(|c| Email::parse(&c))
                .transpose()
                .map_err(|e| corrupt("room calendar", e))?,
            active: r.active,
            bookable_hours: r.bookable_hours.map(|h| json_text("room hours", &h)).transpose()?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// How an actor is stored: a kind column and an optional id column.
pub(crate) fn actor_columns(actor: &Actor) -> (&'static str, Option<Uuid>) {
    (actor.kind(), actor.id())
}

fn actor_from_columns(kind: &str, id: Option<Uuid>) -> Result<Actor, StoreError> {
    match (kind, id) {
        ("user", Some(id)) => Ok(Actor::User(UserId(id))),
        ("api_key", Some(id)) => Ok(Actor::ApiKey(ApiKeyId(id))),
        ("system", _) => Ok(Actor::System),
        _ => Err(corrupt("actor", kind)),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    prefix: String,
    created_by_type: String,
    created_by_id: Option<Uuid>,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;
    fn try_from(r: ApiKeyRow) -> Result<Self, StoreError> {
        Ok(ApiKey {
            id: ApiKeyId(r.id),
            tenant_id: TenantId(r.tenant_id),
            name: r.name,
            prefix: r.prefix,
            created_by: actor_from_columns(&r.created_by_type, r.created_by_id)?,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    tenant_id: Uuid,
    user_id: Uuid,
    created_at: i64,
    expires_at: i64,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Self {
        Session {
            tenant_id: TenantId(r.tenant_id),
            user_id: UserId(r.user_id),
            created_at: r.created_at,
            expires_at: r.expires_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LoginFlowRow {
    csrf_state: String,
    nonce: String,
    pkce_verifier: String,
    return_to: String,
    expires_at: i64,
}

impl LoginFlowRow {
    pub(crate) fn expires_at_ms(&self) -> i64 {
        self.expires_at
    }
}

impl From<LoginFlowRow> for LoginFlow {
    fn from(r: LoginFlowRow) -> Self {
        LoginFlow {
            csrf_state: r.csrf_state,
            nonce: r.nonce,
            pkce_verifier: r.pkce_verifier,
            return_to: r.return_to,
            expires_at: r.expires_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    id: Uuid,
    tenant_id: Uuid,
    at: i64,
    actor_type: String,
    actor_id: Option<Uuid>,
    action: String,
    subject_type: String,
    subject_id: Option<Uuid>,
    before_state: Option<String>,
    after_state: Option<String>,
    request_id: Option<String>,
    ip: Option<String>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self, StoreError> {
        Ok(audit::AuditEntry {
            id: AuditId(r.id),
            tenant_id: TenantId(r.tenant_id),
            at: r.at,
            actor: actor_from_columns(&r.actor_type, r.actor_id)?,
            action: r.action,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
            before: r.before_state.map(|b| json_text("audit before", &b)).transpose()?,
            after: r.after_state.map(|a| json_text("audit after", &a)).transpose()?,
            request_id: r.request_id,
            ip: r.ip,
        })
    }
}

/// Escapes `%`, `_` and `\` so user text is matched literally inside a LIKE pattern (`ESCAPE '\'`).
pub(crate) fn like_contains(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The pattern for "starts with", escaped the same way.
pub(crate) fn like_prefix(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("{escaped}%")
}
