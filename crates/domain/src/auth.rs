//! Credentials as the domain sees them: API keys and sign-in sessions. Secrets never live here,
//! only what is safe to show or store (a key's prefix, a session's owner and lifetime).

use crate::{Actor, ApiKeyId, Millis, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// An API key of a tenant. The key itself is shown once at creation; only its SHA-256 is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub tenant_id: TenantId,
    pub name: String,
    /// The first characters of the key (`sala_3f9a…`), so people can tell their keys apart.
    pub prefix: String,
    pub created_by: Actor,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

impl ApiKey {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// A signed-in browser. Stored under the SHA-256 of its cookie value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub created_at: Millis,
    pub expires_at: Millis,
}

/// An OpenID Connect sign-in in progress, bound to the browser that started it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFlow {
    pub csrf_state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// A local path to land on afterwards (never a full URL: no open redirects).
    pub return_to: String,
    pub expires_at: Millis,
    /// A signed-in person connecting their Google Calendar, rather than someone signing in:
    /// the callback keeps the grant for this person (and only if they are still the one
    /// signed in).
    #[serde(default)]
    pub connect_for: Option<UserId>,
}
