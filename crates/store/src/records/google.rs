//! People's Google Calendar connections as both backends read them.

use super::{corrupt, json_text};
use crate::StoreError;
use sala_domain::google::ConnectionStatus;
use sala_domain::{TenantId, UserId};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct GoogleConnectionRow {
    tenant_id: Uuid,
    user_id: Uuid,
    google_subject: String,
    refresh_token_sealed: String,
    access_token_sealed: Option<String>,
    access_expires_at: Option<i64>,
    scopes: String,
    status: String,
    last_error: Option<String>,
    connected_at: i64,
    updated_at: i64,
}

impl TryFrom<GoogleConnectionRow> for sala_domain::google::GoogleConnection {
    type Error = StoreError;
    fn try_from(r: GoogleConnectionRow) -> Result<Self, StoreError> {
        Ok(Self {
            tenant_id: TenantId(r.tenant_id),
            user_id: UserId(r.user_id),
            google_subject: r.google_subject,
            refresh_token_sealed: r.refresh_token_sealed,
            access_token_sealed: r.access_token_sealed,
            access_expires_at: r.access_expires_at,
            scopes: json_text("google scopes", &r.scopes)?,
            status: ConnectionStatus::parse(&r.status).ok_or_else(|| corrupt("google connection status", &r.status))?,
            last_error: r.last_error,
            connected_at: r.connected_at,
            updated_at: r.updated_at,
        })
    }
}

/// One person's connection state, without the tokens.
#[derive(sqlx::FromRow)]
pub(crate) struct CalendarStateRow {
    user_id: Uuid,
    status: String,
}

impl TryFrom<CalendarStateRow> for (UserId, ConnectionStatus) {
    type Error = StoreError;

    fn try_from(r: CalendarStateRow) -> Result<Self, StoreError> {
        let status =
            ConnectionStatus::parse(&r.status).ok_or_else(|| corrupt("google connection status", &r.status))?;
        Ok((UserId(r.user_id), status))
    }
}
