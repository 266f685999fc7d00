//! What every HTTP handler shares: the store, the settings, the secret key, outbound HTTP, the
//! sign-in client, Google Calendar and the Workspace directory, the rate limits and the metrics. Built once by [`crate::app::App::build`].

use crate::config::Settings;
use crate::oidc::{GoogleSignIn, MicrosoftSignIn};
use crate::rate_limit::{ApiRateLimit, KioskRateLimit, PersonWriteRateLimit, SignInRateLimit};
use sala_app::Store;
use sala_app::calendar::CalendarSync;
use std::ops::Deref;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub settings: Settings,
    /// Signs and encrypts what we hand out or keep at rest.
    pub secret_key: [u8; 32],
    /// One client for every outside service.
    pub http: reqwest::Client,
    pub google: GoogleSignIn,
    /// Sign-in with Microsoft Entra ID.
    pub microsoft: MicrosoftSignIn,
    /// Google Calendar: rooms' busy times (cached briefly), and grants given back on disconnect.
    pub calendar: Arc<CalendarSync>,
    /// The Google Workspace directory, read for the people import.
    pub directory: Arc<dyn sala_channels::google_directory::GoogleDirectory>,
    /// Requests per API key.
    pub api_rate_limit: ApiRateLimit,
    /// Changes a signed-in person makes (API with a session, and forms).
    pub person_write_rate_limit: PersonWriteRateLimit,
    /// Check-in attempts per room kiosk.
    pub kiosk_rate_limit: KioskRateLimit,
    /// Anonymous sign-ins started per address.
    pub sign_in_rate_limit: SignInRateLimit,
    /// The request latency histogram `/metrics` shows.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }

    pub fn store(&self) -> &dyn Store {
        self.0.store.as_ref()
    }

    /// Busy times rooms have in their Google calendars.
    pub fn outside_busy(&self) -> &dyn sala_app::calendar::OutsideBusy {
        self.0.calendar.as_ref()
    }

    /// Seals and opens the secrets kept at rest (tenants' WhatsApp tokens).
    pub fn secrets(&self) -> sala_app::secrets::SecretBox {
        sala_app::secrets::SecretBox::new(&self.0.secret_key)
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
