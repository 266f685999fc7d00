//! HTTP: where people reach Sala, its cookies, and the one client for every outside service.

use super::Settings;

impl Settings {
    /// The host people reach us at (for `.ics` UIDs, `Message-ID`s and the default sender).
    pub fn host(&self) -> String {
        url::Url::parse(&self.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".to_owned())
    }

    /// How many connections the server holds and how long a client may take with its headers.
    pub fn connection_limits(&self) -> crate::connections::ConnectionLimits {
        crate::connections::ConnectionLimits {
            max_connections: self.http_max_connections.max(1),
            header_timeout: std::time::Duration::from_secs(self.http_header_timeout_seconds.max(1)),
        }
    }

    /// How many outside guests a person and an organization may invite a day.
    pub fn guest_quotas(&self) -> sala_app::bookings::GuestQuotas {
        sala_app::bookings::GuestQuotas {
            per_person: self.guests_per_person_per_day,
            per_organization: self.guests_per_organization_per_day,
        }
    }

    /// Cookies get `Secure` when people reach us over https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
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
