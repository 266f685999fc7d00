//! The audit trail: who changed what, when, from where, with the state before and after.

use crate::{ApiKeyId, AuditId, Millis, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// Who did something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    User(UserId),
    ApiKey(ApiKeyId),
    /// The operator's CLI, the demo seed, or a background job.
    System,
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::ApiKey(_) => "api_key",
            Self::System => "system",
        }
    }

    pub fn id(&self) -> Option<uuid::Uuid> {
        match self {
            Self::User(id) => Some(id.0),
            Self::ApiKey(id) => Some(id.0),
            Self::System => None,
        }
    }
}

/// The entry a booking write adds when it invites people from outside the organization: its
/// `after` holds `count` and the `guests`. The daily quotas on outside guests add these up.
pub const GUESTS_INVITED: &str = "booking.guests_invited";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: AuditId,
    pub tenant_id: TenantId,
    pub at: Millis,
    pub actor: Actor,
    /// What happened, as `subject.verb`: `room.created`, `api_key.revoked`, `user.signed_in`.
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<uuid::Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
}
