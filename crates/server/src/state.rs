//! What every handler shares: the store, the settings, the secret key and outbound HTTP.

use crate::config::Settings;
use sala_app::Store;
use std::ops::Deref;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub settings: Settings,
    /// Signs and encrypts what we hand out or keep at rest.
    pub secret_key: [u8; 32],
    /// One client for every outside service (Google today; WhatsApp and webhooks later).
    pub http: reqwest::Client,
    pub google: crate::auth::oidc::GoogleSignIn,
    /// Rooms' Google calendars, for their busy times (cached briefly).
    pub room_calendars: Arc<sala_app::calendar::CalendarSync>,
    /// Requests per API key.
    pub api_rate_limit: crate::auth::rate_limit::ApiRateLimit,
    /// Check-in attempts per room kiosk.
    pub kiosk_rate_limit: crate::auth::rate_limit::KioskRateLimit,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings, secret_key: [u8; 32]) -> anyhow::Result<Self> {
        // One TLS stack for every outbound connection: rustls with ring. Installing twice is a no-op.
        let http = outbound_client()?;
        let google = crate::auth::oidc::GoogleSignIn::new(&settings, http.clone());
        let secrets = sala_app::secrets::SecretBox::new(&secret_key);
        let room_calendars = Arc::new(crate::worker::calendar_sync(store.clone(), &settings, &http, secrets));
        let api_rate_limit = crate::auth::rate_limit::ApiRateLimit::per_minute(settings.api_requests_per_minute);
        let kiosk_rate_limit = crate::auth::rate_limit::KioskRateLimit::per_minute(settings.kiosk_check_ins_per_minute);
        Ok(Self(Arc::new(Inner {
            store,
            settings,
            secret_key,
            http,
            google,
            room_calendars,
            api_rate_limit,
            kiosk_rate_limit,
        })))
    }

    pub fn store(&self) -> &dyn Store {
        self.0.store.as_ref()
    }

    /// Busy times rooms have in their Google calendars.
    pub fn outside_busy(&self) -> &dyn sala_app::calendar::OutsideBusy {
        self.0.room_calendars.as_ref()
    }

    /// Seals and opens the secrets kept at rest (tenants' WhatsApp tokens).
    pub fn secrets(&self) -> sala_app::secrets::SecretBox {
        sala_app::secrets::SecretBox::new(&self.0.secret_key)
    }
}

/// The one client for every outside service: a timeout, and no redirects followed (an endpoint
/// must not bounce us elsewhere: SSRF care).
pub fn outbound_client() -> anyhow::Result<reqwest::Client> {
    // One TLS stack for every outbound connection: rustls with ring. Installing twice is a no-op.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("sala/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
