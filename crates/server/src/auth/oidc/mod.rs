//! Google sign-in with OpenID Connect: authorization code flow with PKCE (S256), `state` and
//! `nonce`, and an ID token verified against the issuer's published keys.
//!
//! `GET /auth/google?return_to=/path` stores the flow (state, nonce, PKCE verifier, where to land)
//! in the database under a random token, puts that token in the `sala_login` cookie (so the flow
//! belongs to this browser) and sends the browser to Google. `GET /auth/google/callback` takes
//! the flow back exactly once, checks `state`, exchanges the code with the PKCE verifier, verifies
//! the ID token (signature against the JWKS, issuer, audience, expiry, nonce), reads the Workspace
//! `hd` claim and lets [`sala_app::sign_in::sign_in_with_google`] decide who the person is.
//!
//! The discovery document and the keys are fetched on first use and kept; a failed fetch is not
//! kept, so the next sign-in tries again. When a token names a key we do not know (Google rotates
//! its keys), the key set is fetched again once before the token is refused.
//!
//! Every failure is a readable page, logged at `warn` without tokens:
//!
//! | what went wrong | status |
//! | --- | --- |
//! | Google sign-in not configured | 404 |
//! | no, unknown, expired or used `sala_login` flow; `state` mismatch; no `code` | 400 |
//! | the ID token fails verification (signature, issuer, audience, expiry, nonce) | 400 |
//! | the person declined (`error=access_denied`); sign-in refused (unknown domain, ...) | 403 |
//! | the Google account is linked to someone else | 409 |
//! | the provider cannot be reached, answers badly or reports another error | 502 |
//!
//! The parts: `client` talks to the provider (discovery, keys, code exchange, ID-token
//! verification), `handlers` are the two routes, `failure` turns what went wrong into a page and a
//! log line, and `http` carries openidconnect's requests over our reqwest client.

mod client;
mod failure;
mod handlers;
mod http;

pub use client::{GoogleClaims, GoogleIdToken};

use crate::config::Settings;
use crate::state::AppState;
use axum::Router;
use axum::routing::get;
use client::{Provider, Registration};
use failure::Failure;
use http::OidcHttp;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;

/// How long a browser has to come back from Google.
const FLOW_LIFETIME: Duration = Duration::from_secs(600);
/// Where Google sends the browser back, below the base URL.
const CALLBACK_PATH: &str = "/auth/google/callback";
/// Where a signed-in person starts connecting their Google Calendar.
pub const CONNECT_PATH: &str = "/auth/google/calendar";

/// Google's OpenID Connect client, discovered lazily from the configured issuer.
pub struct GoogleSignIn {
    /// `None` when Google sign-in is not configured.
    registration: Option<Registration>,
    issuer: String,
    http: OidcHttp,
    provider: RwLock<Option<Arc<Provider>>>,
}

impl GoogleSignIn {
    /// A client for the issuer in `settings`, speaking over `http`. Nothing is fetched yet.
    pub fn new(settings: &Settings, http: reqwest::Client) -> Self {
        Self {
            registration: Registration::from_settings(settings),
            issuer: settings.google_issuer.clone(),
            http: OidcHttp(http),
            provider: RwLock::new(None),
        }
    }

    /// Is Google sign-in configured?
    pub fn enabled(&self) -> bool {
        self.registration.is_some()
    }

    /// The registration, or the failure that says sign-in is not configured.
    fn registration(&self) -> Result<&Registration, Failure> {
        self.registration.as_ref().ok_or(Failure::NotConfigured)
    }
}

/// `/auth/google` and `/auth/google/callback`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/google", get(handlers::start))
        .route(CONNECT_PATH, get(handlers::connect_calendar))
        .route(CALLBACK_PATH, get(handlers::callback))
}
