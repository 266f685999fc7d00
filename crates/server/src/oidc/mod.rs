//! Google's OpenID Connect client: discovery, the signing keys, the authorization URL and the code
//! exchange with ID-token verification. It talks to the provider and knows no HTTP routes; the
//! sign-in routes are in `crate::auth::google`.
//!
//! Authorization code flow with PKCE (S256), `state` and `nonce`, and an ID token verified against
//! the issuer's published keys (signature, issuer, audience, expiry, nonce). The discovery
//! document and the keys are fetched on first use and kept; a failed fetch is not kept, so the
//! next sign-in tries again. When a token names a key we do not know (Google rotates its keys),
//! the key set is fetched again once before the token is refused.

mod client;
mod failure;
mod http;

pub use client::{GoogleClaims, GoogleIdToken};
pub use failure::{Failure, error_chain};

use crate::config::Settings;
use client::{Provider, Registration};
use http::OidcHttp;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;

/// How long a browser has to come back from Google.
pub const FLOW_LIFETIME: Duration = Duration::from_secs(600);
/// Where Google sends the browser back, below the base URL.
pub const CALLBACK_PATH: &str = "/auth/google/callback";
/// Where a signed-in person starts connecting their Google Calendar.
pub const CONNECT_PATH: &str = "/auth/google/calendar";

/// Google's OpenID Connect client, discovered lazily from the configured issuer.
pub struct GoogleSignIn {
    /// `None` when Google sign-in is not configured.
    registration: Option<Registration>,
    /// Sign-in asks for the calendar too (`SALA_GOOGLE_CALENDAR_AT_SIGN_IN`).
    calendar_at_sign_in: bool,
    issuer: String,
    http: OidcHttp,
    provider: RwLock<Option<Arc<Provider>>>,
}

impl GoogleSignIn {
    /// A client for the issuer in `settings`, speaking over `http`. Nothing is fetched yet.
    pub fn new(settings: &Settings, http: reqwest::Client) -> Self {
        Self {
            registration: Registration::from_settings(settings),
            calendar_at_sign_in: settings.google_calendar_at_sign_in,
            issuer: settings.google_issuer.clone(),
            http: OidcHttp(http),
            provider: RwLock::new(None),
        }
    }

    /// Is Google sign-in configured?
    pub fn enabled(&self) -> bool {
        self.registration.is_some()
    }

    /// `Ok` when sign-in is configured; else the failure that says it is not.
    pub fn configured(&self) -> Result<(), Failure> {
        self.registration().map(|_| ())
    }

    /// The registration, or the failure that says sign-in is not configured.
    fn registration(&self) -> Result<&Registration, Failure> {
        self.registration.as_ref().ok_or(Failure::NotConfigured)
    }
}
