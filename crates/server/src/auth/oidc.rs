//! Google sign-in (OpenID Connect). Not offered yet: the landing page says it is not configured.

use crate::config::Settings;
use crate::state::AppState;
use axum::Router;

/// Google's OpenID Connect client.
pub struct GoogleSignIn {
    enabled: bool,
}

impl GoogleSignIn {
    pub fn new(settings: &Settings, _http: reqwest::Client) -> Self {
        Self { enabled: settings.google_enabled() }
    }

    /// Is Google sign-in configured?
    pub fn enabled(&self) -> bool {
        self.enabled
    }
}

/// `/auth/google` and `/auth/google/callback`.
pub fn routes() -> Router<AppState> {
    Router::new()
}
