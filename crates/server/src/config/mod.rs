//! Typed configuration, built once at start: defaults, then an optional TOML file, then `SALA_*`
//! environment variables. Secrets are wrapped so `Debug` and logs never print them.
//!
//! The settings are one flat struct (every `SALA_*` variable is one field, so the environment maps
//! onto it with no nesting rules); what each area makes of its fields lives in a module of its
//! own: `http` (addresses, cookies, the outbound client), `google`, `microsoft`, `whatsapp`, `smtp`, `jobs`
//! (the runner, and what is not configured), `webhooks` and `metrics`.

mod google;
mod http;
mod jobs;
mod metrics;
mod microsoft;
mod smtp;
mod webhooks;
mod whatsapp;

pub use google::{CALENDAR_HOOK_PATH, GOOGLE_API_BASE, GOOGLE_ISSUER, GOOGLE_REVOKE_URL, GOOGLE_TOKEN_URL};
pub use http::outbound_client;
pub use microsoft::{MICROSOFT_GRAPH_BASE, MICROSOFT_HOOK_PATH, MICROSOFT_ISSUER, MICROSOFT_LOGIN_BASE};
pub use whatsapp::WHATSAPP_API_BASE;

use anyhow::Context as _;
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A value that must not appear in logs.
#[derive(Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Every setting, with its default. The README lists them all.
#[derive(Clone, Debug, Deserialize)]
pub struct Settings {
    /// Where files live when nothing else says: the SQLite database and the generated secret key.
    pub data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://...`. Default: `sqlite:<data_dir>/sala.db`.
    pub database_url: Option<String>,
    pub listen: SocketAddr,
    /// The address people reach Sala at; used for redirects, links and cookie security.
    pub base_url: String,
    /// 32 bytes as hex. Generated into `<data_dir>/secret.key` on first run when unset.
    pub secret_key: Option<Secret>,
    /// Dev mode: dev login, demo tenant, dev outbox. Never on unless asked.
    pub dev: bool,
    pub google_client_id: Option<String>,
    pub google_client_secret: Option<Secret>,
    /// Sign-in asks for the person's Google Calendar in the same consent (incremental
    /// authorization), so Meet links work with nothing else to do. Off: people connect it from
    /// their account page or the booking form.
    pub google_calendar_at_sign_in: bool,
    pub google_issuer: String,
    /// The Calendar API's base; tests point it at a fake.
    pub google_api_base: String,
    /// The token endpoint the calendar job refreshes access tokens at.
    pub google_token_url: String,
    /// Where a disconnected calendar's grant is revoked; tests point it at a fake.
    pub google_revoke_url: String,
    /// The Microsoft Entra app registration; Microsoft sign-in is offered when both are set.
    pub microsoft_client_id: Option<String>,
    pub microsoft_client_secret: Option<Secret>,
    /// The OpenID issuer: `.../organizations/v2.0` (any work or school directory, the `{tenantid}`
    /// issuer template), or one tenant's `.../{tenant id}/v2.0`.
    pub microsoft_issuer: String,
    /// Where tokens and the admin consent are asked for (`{base}/{tenant}/...`); tests point it at a fake.
    pub microsoft_login_base: String,
    /// Microsoft Graph with its version; tests point it at a fake.
    pub microsoft_graph_base: String,
    pub log_format: LogFormat,
    /// How long a browser stays signed in.
    pub session_hours: u64,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Connections open at once in one process; past it, new ones wait in the listen queue.
    pub http_max_connections: usize,
    /// Time a client has to send a request's headers (from connecting or from the previous
    /// answer): also how long a kept-alive connection may stay idle.
    pub http_header_timeout_seconds: u64,
    /// Longest wait for the next part of a request body.
    pub http_body_timeout_seconds: u64,
    /// Longest time from a request's headers to its answer (reading the body included).
    pub http_request_timeout_seconds: u64,
    /// Where email goes: `smtp://user:pass@host:587` (STARTTLS required), `smtps://...:465`, or
    /// `smtp://host:25?tls=none` (local only). None: email is not configured.
    pub smtp_url: Option<Secret>,
    /// `From:` of every email, e.g. `Sala <sala@acme.com>`. Default: `Sala <sala@<base host>>`.
    pub mail_from: Option<String>,
    /// WhatsApp Cloud API base with the Graph API version (versions expire: keep it current).
    pub whatsapp_api_base: String,
    /// The sending number's id; WhatsApp is configured when this and the token are set.
    pub whatsapp_phone_number_id: Option<String>,
    pub whatsapp_token: Option<Secret>,
    /// The approved template names per message, and the language codes they were approved in.
    pub whatsapp_template_created: String,
    /// The confirmation template with the Meet link as `{{5}}`; unset: `whatsapp_template_created` always.
    pub whatsapp_template_created_with_link: Option<String>,
    pub whatsapp_template_updated: String,
    pub whatsapp_template_cancelled: String,
    pub whatsapp_template_reminder: String,
    pub whatsapp_language_es: String,
    pub whatsapp_language_en: String,
    /// Run the job runner (notifications, reminders) inside `sala serve`; turn off where
    /// `sala worker` runs it in processes of its own.
    pub jobs: bool,
    /// Jobs running at once in one process.
    pub jobs_concurrency: usize,
    /// Days done jobs (with their delivery log) and idempotency keys are kept.
    pub retention_days: u64,
    /// Ask Google to push calendar changes to `{base_url}/hooks/calendar/google` (needs a
    /// public https base URL in production); off: the periodic reconciliation alone.
    pub calendar_push: bool,
    /// Minutes between reads of every watched calendar (push is not fully reliable).
    pub calendar_reconcile_minutes: u64,
    /// Jobs of one tenant running at once in one process (at most `jobs_concurrency`): what is
    /// left is for the other tenants, whatever one tenant's receivers do.
    pub jobs_tenant_share: usize,
    /// How long a claimed job is a runner's before another may take it over. The runner renews
    /// the lease of the jobs it is running every third of this (the heartbeat), so a runner that
    /// died leaves its jobs to others after at most this, however long a job runs.
    pub jobs_lease_seconds: u64,
    /// Let webhook endpoints be http or on private addresses (a receiver on this machine or the
    /// LAN); dev mode allows them anyway. Off in production: SSRF.
    pub webhooks_allow_private: bool,
    /// How long a webhook receiver has to answer.
    pub webhooks_timeout_seconds: u64,
    /// Requests a minute one API key may make (in bursts of as many); past it, 429.
    pub api_requests_per_minute: u32,
    /// Changes a minute one signed-in person may make (forms and API calls with a session).
    pub person_writes_per_minute: u32,
    /// People from outside the organization one person may invite in any 24 hours.
    pub guests_per_person_per_day: u32,
    /// People from outside one organization may invite in any 24 hours (API keys included).
    pub guests_per_organization_per_day: u32,
    /// Check-in attempts a minute one room's kiosk may make; past it the kiosk says to wait.
    pub kiosk_check_ins_per_minute: u32,
    /// The bearer token Prometheus presents at `/metrics`; unset, `/metrics` is not served.
    pub metrics_token: Option<Secret>,
}

impl Settings {
    /// Loads defaults, then `file` (TOML) if given, then `SALA_*` variables.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder()
            .set_default("data_dir", "sala-data")?
            .set_default("listen", "127.0.0.1:8080")?
            .set_default("base_url", "")?
            .set_default("dev", false)?
            .set_default("google_issuer", GOOGLE_ISSUER)?
            .set_default("google_calendar_at_sign_in", true)?
            .set_default("google_api_base", GOOGLE_API_BASE)?
            .set_default("google_token_url", GOOGLE_TOKEN_URL)?
            .set_default("google_revoke_url", GOOGLE_REVOKE_URL)?
            .set_default("microsoft_issuer", MICROSOFT_ISSUER)?
            .set_default("microsoft_login_base", MICROSOFT_LOGIN_BASE)?
            .set_default("microsoft_graph_base", MICROSOFT_GRAPH_BASE)?
            .set_default("log_format", "text")?
            .set_default("session_hours", 24 * 14)?
            .set_default("max_body_bytes", 256 * 1024)?
            .set_default("http_max_connections", 1024)?
            .set_default("http_header_timeout_seconds", 15)?
            .set_default("http_body_timeout_seconds", 10)?
            .set_default("http_request_timeout_seconds", 30)?
            .set_default("whatsapp_api_base", WHATSAPP_API_BASE)?
            .set_default("whatsapp_template_created", "sala_booking_created")?
            .set_default("whatsapp_template_updated", "sala_booking_updated")?
            .set_default("whatsapp_template_cancelled", "sala_booking_cancelled")?
            .set_default("whatsapp_template_reminder", "sala_booking_reminder")?
            .set_default("whatsapp_language_es", "es")?
            .set_default("whatsapp_language_en", "en")?
            .set_default("jobs", true)?
            .set_default("jobs_concurrency", 16)?
            .set_default("jobs_tenant_share", 8)?
            .set_default("retention_days", 30)?
            .set_default("calendar_push", true)?
            .set_default("calendar_reconcile_minutes", 15)?
            .set_default("jobs_lease_seconds", 30)?
            .set_default("webhooks_allow_private", false)?
            .set_default("webhooks_timeout_seconds", 10)?
            .set_default("api_requests_per_minute", 600)?
            .set_default("person_writes_per_minute", 60)?
            .set_default("guests_per_person_per_day", 50)?
            .set_default("guests_per_organization_per_day", 500)?
            .set_default("kiosk_check_ins_per_minute", 30)?;
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml).required(true));
        }
        // Values stay strings until a field asks for a number or a flag: parsing them up front
        // would turn an all-digit key or id ("0707...", "0123") into a number and lose its zeros.
        builder = builder.add_source(config::Environment::with_prefix("SALA"));
        let settings: Settings = builder
            .build()
            .and_then(config::Config::try_deserialize)
            .context("invalid configuration (see the README's settings table)")?;
        Ok(settings)
    }

    /// Fills what derives from other settings (the base URL from the listen address) and checks
    /// it. Call after command-line overrides.
    pub fn finish(mut self) -> anyhow::Result<Self> {
        if self.base_url.is_empty() {
            self.base_url = format!("http://{}", self.listen);
        }
        self.base_url = self.base_url.trim_end_matches('/').to_owned();
        let url = url::Url::parse(&self.base_url)
            .with_context(|| format!("SALA_BASE_URL {:?} is not a URL", self.base_url))?;
        anyhow::ensure!(matches!(url.scheme(), "http" | "https"), "SALA_BASE_URL must start with http:// or https://");
        Ok(self)
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite:{}", self.data_dir.join("sala.db").display()))
    }

    /// The secret key: from settings, else from `<data_dir>/secret.key`, generated there if absent.
    pub fn load_or_create_secret_key(&self) -> anyhow::Result<[u8; 32]> {
        if let Some(key) = &self.secret_key {
            return parse_key(key.expose()).context("SALA_SECRET_KEY must be 64 hex characters (32 bytes)");
        }
        let path = self.data_dir.join("secret.key");
        if let Ok(text) = std::fs::read_to_string(&path) {
            return parse_key(text.trim()).with_context(|| format!("{} is not a valid key", path.display()));
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create data folder {}", self.data_dir.display()))?;
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
        write_private(&path, &hex::encode(key))?;
        tracing::info!(path = %path.display(), "generated a new secret key");
        Ok(key)
    }
}

/// A database URL without its password, for logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

fn parse_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(text)?;
    bytes.try_into().map_err(|_| anyhow::anyhow!("wrong length"))
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "[redacted]");
    }

    #[test]
    fn keys_parse_from_hex() {
        assert!(parse_key(&"ab".repeat(32)).is_ok());
        assert!(parse_key("abcd").is_err());
        assert!(parse_key(&"zz".repeat(32)).is_err());
    }
}
