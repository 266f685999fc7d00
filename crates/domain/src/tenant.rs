//! A tenant: one company sharing the installation, with its email domains and defaults.

use crate::{BookingRules, EmailDomain, Locale, Millis, Slug, TenantId, TimeZoneName};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub slug: Slug,
    /// People whose verified Google email (or Workspace `hd`) is in one of these domains sign in here.
    pub email_domains: Vec<EmailDomain>,
    pub time_zone: TimeZoneName,
    pub locale: Locale,
    /// The rules every booking of this tenant follows, unless its room overrides them.
    pub booking_rules: BookingRules,
    /// When and how people are reminded of their meetings.
    #[serde(default)]
    pub reminders: crate::notify::ReminderSettings,
    /// The tenant's own WhatsApp Business number; `None` uses the installation's.
    #[serde(default)]
    pub whatsapp: Option<WhatsAppAccount>,
    /// A Google Workspace service account with domain-wide delegation: Sala writes calendars
    /// as the organizer without each person connecting.
    #[serde(default)]
    pub google_service_account: Option<ServiceAccount>,
    /// Only Google Workspace accounts of the organization's domains sign in (the ID token's
    /// `hd`): a consumer Google account made with a work address is refused.
    #[serde(default)]
    pub workspace_only: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// A tenant's Google service account: its address, and its JSON key sealed with the server's
/// key (never stored or shown in clear).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccount {
    pub client_email: String,
    pub key_sealed: String,
}

/// A tenant's own WhatsApp Business number, used instead of the installation's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatsAppAccount {
    /// The sending number's id in the WhatsApp Cloud API (not the number itself).
    pub phone_number_id: String,
    /// Its access token, sealed with the server's key (`sala_app::secrets`); never shown.
    pub token_sealed: String,
}
