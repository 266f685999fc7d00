//! A tenant: one company sharing the installation, with its email domains and defaults.

use crate::{BookingRules, EmailDomain, ErrorCode, Locale, Millis, Slug, TenantId, TimeZoneName, ValueError};
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
    /// Reports may show figures per person (the top organizers). Off, for a works council: only
    /// aggregates exist, and the per-person report answers `per_person_reports_off`.
    #[serde(default = "yes")]
    pub report_per_person: bool,
    /// The organization's Microsoft Entra tenant (directory) id: its people sign in with
    /// Microsoft, matched by this id and their object id, and Sala's application acts in it
    /// once the organization's administrator has consented.
    #[serde(default)]
    pub entra_tenant_id: Option<String>,
    /// Whose calendars the organization lives in (a person's own Google connection wins).
    #[serde(default)]
    pub calendar_service: CalendarService,
    pub created_at: Millis,
    pub updated_at: Millis,
}

fn yes() -> bool {
    true
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

/// The calendar service an organization lives in: where Sala writes organizers' events (with
/// their online meeting), reads rooms' free/busy and hears of changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CalendarService {
    /// Google Calendar, with Google Meet.
    #[default]
    Google,
    /// Microsoft 365 (Outlook and Exchange), with Microsoft Teams.
    Microsoft,
}

impl CalendarService {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "google" => Ok(Self::Google),
            "microsoft" => Ok(Self::Microsoft),
            _ => Err(ValueError::new(
                ErrorCode::InvalidCalendarService,
                format!("'{raw}' is not a calendar service (google, microsoft)"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Microsoft => "microsoft",
        }
    }
}

/// A Microsoft Entra tenant id as Microsoft writes it: a GUID, kept in lowercase.
pub fn entra_tenant_id(raw: &str) -> Result<String, ValueError> {
    uuid::Uuid::parse_str(raw.trim()).map(|id| id.hyphenated().to_string()).map_err(|_| {
        ValueError::new(
            ErrorCode::InvalidEntraTenant,
            format!("'{raw}' is not a Microsoft Entra tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47)"),
        )
    })
}
