//! Google: sign-in (OpenID Connect) and the Calendar API the calendar job writes with.

use super::Settings;
use sala_channels::google::GoogleConfig;

/// Google's OpenID issuer; tests point `SALA_GOOGLE_ISSUER` at their own provider.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";
/// Google's APIs (the Calendar API lives under `/calendar/v3`).
pub const GOOGLE_API_BASE: &str = "https://www.googleapis.com";
/// Google's OAuth token endpoint, for refreshing access tokens.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Google's OAuth revocation endpoint: a disconnected calendar's grant is given back there.
pub const GOOGLE_REVOKE_URL: &str = "https://oauth2.googleapis.com/revoke";

/// Where Google's push notifications for calendar changes arrive.
pub const CALENDAR_HOOK_PATH: &str = "/hooks/calendar/google";

impl Settings {
    /// Google sign-in is offered only when both client id and secret are set.
    pub fn google_enabled(&self) -> bool {
        self.google_client_id.as_deref().is_some_and(|id| !id.is_empty())
            && self.google_client_secret.as_ref().is_some_and(|s| !s.expose().is_empty())
    }

    /// Two-way calendar sync: where Google and Microsoft Graph push changes (when
    /// `SALA_CALENDAR_PUSH`).
    pub fn two_way(&self) -> sala_app::calendar::TwoWay {
        let at = |path: &str| self.calendar_push.then(|| format!("{}{path}", self.base_url));
        sala_app::calendar::TwoWay {
            push_address: at(CALENDAR_HOOK_PATH),
            microsoft_push_address: at(super::MICROSOFT_HOOK_PATH),
            ..sala_app::calendar::TwoWay::default()
        }
    }

    /// How often every watched calendar is read again (at least every minute).
    pub fn calendar_reconcile(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.calendar_reconcile_minutes.max(1) * 60)
    }

    /// The Calendar API as the calendar job reaches it (the sign-in client's credentials).
    pub fn google_api(&self) -> GoogleConfig {
        GoogleConfig {
            api_base: self.google_api_base.trim_end_matches('/').to_owned(),
            token_url: self.google_token_url.clone(),
            revoke_url: self.google_revoke_url.clone(),
            client_id: self.google_client_id.clone().unwrap_or_default(),
            client_secret: self.google_client_secret.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default(),
        }
    }
}
