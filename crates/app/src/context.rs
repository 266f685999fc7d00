//! Who is asking, for which tenant, and from where. Every use case takes a `Context`; it decides
//! permissions and becomes the actor of the audit entry.

use crate::AppError;
use sala_domain::auth::Scope;
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

/// How many outside guests may be invited in any 24 hours (`crate::bookings` holds them to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestQuotas {
    /// By one signed-in person (API keys count toward their organization only).
    pub per_person: u32,
    /// By everyone of one organization, keys included.
    pub per_organization: u32,
}

impl Default for GuestQuotas {
    fn default() -> Self {
        Self { per_person: 50, per_organization: 500 }
    }
}

#[derive(Clone, Debug)]
pub struct Context {
    pub principal: Principal,
    /// How many outside guests this caller and its organization may invite a day.
    pub guest_quotas: GuestQuotas,
    pub request_id: Option<String>,
    pub ip: Option<String>,
}

impl Context {
    pub fn new(principal: Principal) -> Self {
        Self { principal, guest_quotas: Default::default(), request_id: None, ip: None }
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

    /// Webhook receivers' addresses (which may carry a token) and their answers are shown to
    /// admins, the operator and API keys with the `webhooks` scope; a `read` key does not see them.
    pub fn may_see_webhooks(&self) -> bool {
        match &self.principal {
            Principal::User(u) => u.is_admin(),
            Principal::ApiKey(k) => k.scopes.contains(&Scope::Webhooks),
            Principal::System(_) => true,
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

/// A value as the audit log stores it: never a secret, sealed or not. Every secret Sala keeps is
/// a field named `*_sealed` (an organization's WhatsApp token, a service account's key, people's
/// Google tokens), so those fields are left out wherever they sit.
pub(crate) fn snapshot<T: serde::Serialize>(value: &T) -> Option<serde_json::Value> {
    let mut value = serde_json::to_value(value).ok()?;
    drop_sealed(&mut value);
    Some(value)
}

fn drop_sealed(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(fields) => {
            fields.retain(|name, _| !name.ends_with("_sealed"));
            fields.values_mut().for_each(drop_sealed);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_sealed),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::snapshot;
    use serde_json::json;

    #[test]
    fn the_audit_log_never_keeps_a_sealed_secret() {
        let tenant = json!({"name": "Acme", "whatsapp": {"phone_number_id": "1065", "token_sealed": "v1.abc"},
            "google_service_account": {"client_email": "sa@x.iam.gserviceaccount.com", "key_sealed": "v1.def"},
            "list": [{"refresh_token_sealed": "v1.ghi", "kept": 1}]});
        assert_eq!(
            snapshot(&tenant),
            Some(json!({"name": "Acme", "whatsapp": {"phone_number_id": "1065"},
                "google_service_account": {"client_email": "sa@x.iam.gserviceaccount.com"}, "list": [{"kept": 1}]}))
        );
    }
}
