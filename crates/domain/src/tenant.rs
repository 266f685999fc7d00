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
    pub created_at: Millis,
    pub updated_at: Millis,
}
