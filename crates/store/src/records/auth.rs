//! Credentials as both backends read them: API keys, browser sessions and sign-in flows in progress.

use super::{actor_from_columns, json_text};
use crate::StoreError;
use sala_domain::{ApiKey, ApiKeyId, LoginFlow, Session, TenantId, UserId};
use uuid::Uuid;

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
    scopes: String,
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
            scopes: json_text("api key scopes", &r.scopes)?,
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
    connect_user_id: Option<Uuid>,
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
            connect_for: r.connect_user_id.map(UserId),
        }
    }
}
