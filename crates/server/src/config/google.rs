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

impl Settings {
    /// Google sign-in is offered only when both client id and secret are set.
    pub fn google_enabled(&self) -> bool {
        self.google_client_id.as_deref().is_some_and(|id| !id.is_empty())
            && self.google_client_secret.as_ref().is_some_and(|s| !s.expose().is_empty())
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
