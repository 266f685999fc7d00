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
    /// When the person's consent to WhatsApp messages was recorded; set while `whatsapp_opt_in`
    /// is on, cleared when it goes off (see [`User::set_whatsapp`]).
    #[serde(default)]
    pub whatsapp_consent_at: Option<Millis>,
    pub role: Role,
    /// The person's own language; `None` follows the tenant's default.
    pub locale: Option<Locale>,
    /// The person's own zone; `None` follows the tenant's default.
    pub time_zone: Option<TimeZoneName>,
    /// The person's own reminders; `None` follows the tenant's.
    #[serde(default)]
    pub reminders: Option<crate::notify::ReminderSettings>,
    /// An admin's choice to get the weekly summary email of how the rooms were used (off by
    /// default; only admins get it).
    #[serde(default)]
    pub weekly_report: bool,
    /// The stable Google account id (`sub`), set on first Google sign-in.
    pub google_subject: Option<String>,
    /// The person's Microsoft Entra object id (`oid`), set on first Microsoft sign-in; with the
    /// tenant's Entra id it names the person for good (an address may change hands).
    #[serde(default)]
    pub microsoft_oid: Option<String>,
    pub active: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Turns WhatsApp messages on or off. Turning them on records when consent was given:
    /// `consent_at` when the one who records it says so (an import with its date), else an
    /// earlier record (or the lack of one: consent given before Sala kept dates) while the choice
    /// stays on, else `now`. Off forgets the consent: a later
    /// opt-in is a new consent with its own date.
    pub fn set_whatsapp(&mut self, on: bool, consent_at: Option<Millis>, now: Millis) {
        self.whatsapp_consent_at = match (on, consent_at, self.whatsapp_opt_in, self.whatsapp_consent_at) {
            (false, ..) => None,
            (true, Some(at), ..) => Some(at),
            (true, None, true, before) => before,
            (true, None, ..) => Some(now),
        };
        self.whatsapp_opt_in = on;
    }

    /// What search compares against: name and email, folded.
    pub fn search_key(&self) -> String {
        crate::search::fold(&format!("{} {}", self.name, self.email))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> User {
        User {
            id: UserId::new(),
            tenant_id: TenantId(uuid::Uuid::nil()),
            email: Email::parse("ana@acme.test").unwrap_or_else(|_| unreachable!()),
            name: "Ana".into(),
            phone: Phone::parse("+34 612 345 678").ok(),
            whatsapp_opt_in: false,
            whatsapp_consent_at: None,
            role: Role::Member,
            locale: None,
            time_zone: None,
            reminders: None,
            google_subject: None,
            microsoft_oid: None,
            weekly_report: false,
            active: true,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn consent_is_recorded_when_whatsapp_goes_on_and_forgotten_when_off() {
        let mut p = person();
        p.set_whatsapp(true, None, 100);
        assert_eq!((p.whatsapp_opt_in, p.whatsapp_consent_at), (true, Some(100)));
        p.set_whatsapp(true, None, 200);
        assert_eq!(p.whatsapp_consent_at, Some(100), "staying on keeps the first record");
        p.set_whatsapp(true, Some(50), 300);
        assert_eq!(p.whatsapp_consent_at, Some(50), "a given date is the record");
        p.set_whatsapp(false, Some(50), 400);
        assert_eq!((p.whatsapp_opt_in, p.whatsapp_consent_at), (false, None));
        p.set_whatsapp(true, None, 500);
        assert_eq!(p.whatsapp_consent_at, Some(500), "a new opt-in is a new consent");
    }
}
