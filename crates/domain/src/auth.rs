//! Credentials as the domain sees them: API keys and sign-in sessions. Secrets never live here,
//! only what is safe to show or store (a key's prefix, a session's owner and lifetime).

use crate::ErrorCode;
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
    /// What the key may do; a key made without a choice has them all.
    #[serde(default = "Scope::all")]
    pub scopes: Vec<Scope>,
}

impl ApiKey {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }

    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// What an API key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read: `GET` everywhere but `/webhooks`.
    Read,
    /// Change: `POST`, `PATCH`, `PUT`, `DELETE` everywhere but `/webhooks`.
    Write,
    /// Manage webhook endpoints (`/webhooks`, reading and changing).
    Webhooks,
}

impl Scope {
    pub const ALL: [Self; 3] = [Self::Read, Self::Write, Self::Webhooks];

    pub fn all() -> Vec<Self> {
        Self::ALL.to_vec()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Webhooks => "webhooks",
        }
    }

    /// A comma-separated list (`read,write`); empty names none, so it is refused.
    pub fn parse_list(raw: &str) -> Result<Vec<Self>, crate::ValueError> {
        let mut scopes = Vec::new();
        for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let scope = Self::ALL.into_iter().find(|s| s.as_str() == name).ok_or_else(|| {
                crate::ValueError::new(
                    ErrorCode::InvalidScope,
                    format!("'{name}' is not a scope (read, write, webhooks)"),
                )
            })?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err(crate::ValueError::new(
                ErrorCode::InvalidScope,
                "name at least one scope (read, write, webhooks)",
            ));
        }
        Ok(scopes)
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
