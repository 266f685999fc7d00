//! The job runner as the server runs it: the channels built from settings (SMTP, WhatsApp, the dev
//! outbox), the notify and reminder handlers over them, and the runner. `sala serve` runs it beside
//! the HTTP server; `sala worker` runs it alone (several may run against one PostgreSQL).

use crate::config::Settings;
use anyhow::Context as _;
use sala_app::Store;
use sala_app::calendar::CalendarSync;
use sala_app::handlers::Handlers;
use sala_app::jobs::{Runner, RunnerConfig};
use sala_app::notifications::{Channels, Notifier, WhatsAppChannel, WhatsAppTemplates};
use sala_app::secrets::SecretBox;
use sala_app::webhooks::WebhookDelivery;
use sala_channels::email::{Mailbox, Mailer, SmtpMailer};
use sala_channels::google::{GoogleConfig, GoogleHttp};
use sala_channels::whatsapp::{CloudApi, WhatsAppConfig};
use std::sync::Arc;

/// The channels the settings configure. Must be called inside the runtime (the SMTP pool starts a
/// task).
pub fn channels(settings: &Settings, http: &reqwest::Client) -> anyhow::Result<Channels> {
    let mailer = match settings.smtp_url.as_ref().filter(|_| settings.smtp_enabled()) {
        Some(url) => {
            let mailer = SmtpMailer::from_url(url.expose()).context("SALA_SMTP_URL")?;
            Some(Arc::new(mailer) as Arc<dyn Mailer>)
        }
        None => None,
    };
    let mail_from = match &settings.mail_from {
        Some(from) => from.parse::<Mailbox>().with_context(|| format!("SALA_MAIL_FROM {from:?} is not an address"))?,
        None => match format!("Sala <sala@{}>", settings.host()).parse::<Mailbox>() {
            Ok(from) => from,
            // An IP address as host makes no mail domain.
            Err(_) => Mailbox::new(Some("Sala".into()), sala_channels::email::Address::new("sala", "localhost")?),
        },
    };
    let default = match (&settings.whatsapp_phone_number_id, &settings.whatsapp_token) {
        (Some(id), Some(token)) if settings.whatsapp_enabled() => Some(WhatsAppConfig {
            api_base: settings.whatsapp_api_base.trim_end_matches('/').to_owned(),
            phone_number_id: id.clone(),
            token: token.expose().to_owned(),
        }),
        _ => None,
    };
    let whatsapp = WhatsAppChannel {
        api: Arc::new(CloudApi::new(http.clone())),
        api_base: settings.whatsapp_api_base.trim_end_matches('/').to_owned(),
        default,
        templates: WhatsAppTemplates {
            created: settings.whatsapp_template_created.clone(),
            updated: settings.whatsapp_template_updated.clone(),
            cancelled: settings.whatsapp_template_cancelled.clone(),
            reminder: settings.whatsapp_template_reminder.clone(),
            language_es: settings.whatsapp_language_es.clone(),
            language_en: settings.whatsapp_language_en.clone(),
        },
    };
    let server_key = settings.load_or_create_secret_key()?;
    let secrets = SecretBox::new(&server_key);
    let rsvp = sala_app::notifications::RsvpLinks {
        key: sala_app::rsvp::RsvpKey::new(&server_key),
        base_url: settings.base_url.trim_end_matches('/').to_owned(),
    };
    Ok(Channels {
        mailer,
        mail_from,
        whatsapp,
        secrets,
        dev_outbox: settings.dev,
        uid_domain: settings.host(),
        rsvp: Some(rsvp),
    })
}

/// What an administrator should know about the channels: nothing when every message has a way out.
/// `own_whatsapp`: the tenant asking has its own WhatsApp number, so the installation's is not needed.
pub fn channel_warnings(settings: &Settings, own_whatsapp: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    if !settings.smtp_enabled() {
        warnings.push(if settings.dev {
            "email is not configured (SALA_SMTP_URL): emails go to the dev outbox only".to_owned()
        } else {
            "email is not configured (SALA_SMTP_URL): invitations are logged as not delivered".to_owned()
        });
    }
    if !settings.whatsapp_enabled() && !own_whatsapp {
        warnings.push(if settings.dev {
            "WhatsApp is not configured (SALA_WHATSAPP_PHONE_NUMBER_ID, SALA_WHATSAPP_TOKEN): messages go to the dev outbox only".to_owned()
        } else {
            "WhatsApp is not configured (SALA_WHATSAPP_PHONE_NUMBER_ID, SALA_WHATSAPP_TOKEN): WhatsApp messages and reminders are logged as not delivered".to_owned()
        });
    }
    warnings
}

/// The runner with every job handler: notifications and reminders, calendar, no-show release,
/// webhooks.
pub fn runner(store: Arc<dyn Store>, settings: &Settings, http: &reqwest::Client) -> anyhow::Result<Runner> {
    let handlers = handlers(store.clone(), settings, http)?;
    let defaults = RunnerConfig::default();
    let lease = std::time::Duration::from_secs(settings.jobs_lease_seconds.max(2));
    let config = RunnerConfig {
        concurrency: settings.jobs_concurrency.max(1),
        lease,
        // A run is settled well before its lease ends, so no two runners hold one job at once.
        job_timeout: defaults.job_timeout.min(lease / 2),
        ..defaults
    };
    Ok(Runner::new(store, Arc::new(handlers), config))
}

/// Every job kind's consumer, over the channels the settings configure.
pub fn handlers(store: Arc<dyn Store>, settings: &Settings, http: &reqwest::Client) -> anyhow::Result<Handlers> {
    let channels = channels(settings, http)?;
    let representation = Arc::new(crate::api::booking_view::ApiRepresentation(store.clone()));
    let allow_private = settings.webhooks_may_reach_private();
    let timeout = std::time::Duration::from_secs(settings.webhooks_timeout_seconds.clamp(1, 60));
    let handlers = Handlers {
        notifier: Arc::new(Notifier::new(store.clone(), channels.clone())),
        calendar: Arc::new(calendar_sync(store.clone(), settings, http, channels.secrets.clone())),
        webhooks: Arc::new(WebhookDelivery::new(
            store.clone(),
            channels.secrets,
            representation,
            allow_private,
            timeout,
        )),
        no_show: Arc::new(sala_app::bookings::NoShowRelease::new(store)),
    };
    Ok(handlers)
}

/// The calendar job over Google's API as the settings place it. Without Google configured nobody
/// can connect a calendar, so its jobs find no connection and end at once.
pub fn calendar_sync(
    store: Arc<dyn Store>,
    settings: &Settings,
    http: &reqwest::Client,
    secrets: SecretBox,
) -> CalendarSync {
    let config = GoogleConfig {
        api_base: settings.google_api_base.trim_end_matches('/').to_owned(),
        token_url: settings.google_token_url.clone(),
        client_id: settings.google_client_id.clone().unwrap_or_default(),
        client_secret: settings.google_client_secret.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default(),
    };
    CalendarSync::new(store, Arc::new(GoogleHttp::new(http.clone(), config)), secrets)
}

/// Logs each channel warning once at start, loudly outside dev mode.
pub fn warn_about_channels(settings: &Settings) {
    for warning in channel_warnings(settings, false) {
        if settings.dev {
            tracing::info!("{warning}");
        } else {
            tracing::warn!("{warning}");
        }
    }
}
