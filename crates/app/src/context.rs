//! Who is asking, for which tenant, and from where. Every use case takes a `Context`; it decides
//! permissions and becomes the actor of the audit entry.

use crate::AppError;
use sala_domain::{Actor, ApiKey, AuditEntry, AuditId, TenantId, User, now_millis};

#[derive(Clone, Debug)]
pub enum Principal {
    /// A signed-in person.
    User(User),
    /// Another system, with a key of the tenant. Keys are created by admins and act for the tenant.
    ApiKey(ApiKey),
    /// The operator's CLI or the demo seed, acting inside one tenant.
    System(TenantId),
}

#[derive(Clone, Debug)]
pub struct Context {
    pub principal: Principal,
    pub request_id: Option<String>,
    pub ip: Option<String>,
}

impl Context {
    pub fn new(principal: Principal) -> Self {
        Self { principal, request_id: None, ip: None }
    }

    pub fn system(tenant: TenantId) -> Self {
        Self::new(Principal::System(tenant))
    }

    pub fn tenant_id(&self) -> TenantId {
        match &self.principal {
            Principal::User(u) => u.tenant_id,
            Principal::ApiKey(k) => k.tenant_id,
            Principal::System(t) => *t,
        }
    }

    pub fn actor(&self) -> Actor {
        match &self.principal {
            Principal::User(u) => Actor::User(u.id),
            Principal::ApiKey(k) => Actor::ApiKey(k.id),
            Principal::System(_) => Actor::System,
        }
    }

    /// The signed-in person, if a person is asking.
    pub fn user(&self) -> Option<&User> {
        match &self.principal {
            Principal::User(u) => Some(u),
            _ => None,
        }
    }

    /// Admins, API keys and the operator may manage the tenant's rooms, people and keys.
    pub fn can_administer(&self) -> bool {
        match &self.principal {
            Principal::User(u) => u.is_admin(),
            Principal::ApiKey(_) | Principal::System(_) => true,
        }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.can_administer() {
            Ok(())
        } else {
            Err(AppError::forbidden("only an administrator of this organization may do this"))
        }
    }

    /// An audit entry by this actor, with this request's id and address.
    pub fn audit(
        &self,
        action: &str,
        subject_type: &str,
        subject_id: Option<uuid::Uuid>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> AuditEntry {
        AuditEntry {
            id: AuditId::new(),
            tenant_id: self.tenant_id(),
            at: now_millis(),
            actor: self.actor(),
            action: action.to_owned(),
            subject_type: subject_type.to_owned(),
            subject_id,
            before,
            after,
            request_id: self.request_id.clone(),
            ip: self.ip.clone(),
        }
    }
}

/// A value as the audit log stores it.
pub(crate) fn snapshot<T: serde::Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}
