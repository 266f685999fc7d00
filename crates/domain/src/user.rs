//! A person of a tenant.

use crate::ErrorCode;
use crate::{Email, Locale, Millis, Phone, TenantId, TimeZoneName, UserId, ValueError};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    #[default]
    Member,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            _ => Err(ValueError::new(ErrorCode::InvalidRole, format!("'{raw}' is not a role (admin, member)"))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: Email,
    pub name: String,
    /// E.164 number for WhatsApp; messages go only when `whatsapp_opt_in` is also true.
    pub phone: Option<Phone>,
    pub whatsapp_opt_in: bool,
    pub role: Role,
    /// The person's own language; `None` follows the tenant's default.
    pub locale: Option<Locale>,
    /// The person's own zone; `None` follows the tenant's default.
    pub time_zone: Option<TimeZoneName>,
    /// The person's own reminders; `None` follows the tenant's.
    #[serde(default)]
    pub reminders: Option<crate::notify::ReminderSettings>,
    /// The stable Google account id (`sub`), set on first Google sign-in.
    pub google_subject: Option<String>,
    pub active: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// What search compares against: name and email, folded.
    pub fn search_key(&self) -> String {
        crate::search::fold(&format!("{} {}", self.name, self.email))
    }
}
