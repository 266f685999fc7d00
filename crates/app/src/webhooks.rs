//! Webhooks: admins register endpoints; every booking change's `webhook` job tells each endpoint
//! subscribed to the event, signed per Standard Webhooks, at least once, logged per endpoint.
//!
//! The payload is `{"type", "timestamp", "data": {"booking", "changes"}}`, the booking exactly as
//! the API returns it (the server supplies that representation, so there is one builder for every
//! path). `webhook-id` is the job's id: the same for every retry and every endpoint, so receivers
//! can drop duplicates. A receiver answering `410 Gone` has its endpoint disabled.

use crate::context::snapshot;
use crate::jobs::JobFailure;
use crate::secrets::SecretBox;
use crate::validate::Validator;
use crate::{AppError, AppResult, Context, Store};
use async_trait::async_trait;
use sala_channels::webhook::{DeliveryError, Outgoing, SigningSecret, deliver, url_problem};
use sala_domain::ErrorCode;
use sala_domain::jobs::{Channel, Delivery, DeliveryStatus, WebhookPayload};
use sala_domain::values::clean_text;
use sala_domain::webhook::{WebhookEndpoint, parse_events};
use sala_domain::{Booking, Job, JobKind, ValueError, WebhookId, now_millis};
use std::sync::Arc;
use std::time::Duration;

/// The booking as the API shows it: the server's one representation.
#[async_trait]
pub trait BookingRepresentation: Send + Sync {
    async fn booking_json(&self, booking: &Booking) -> Result<serde_json::Value, String>;
}

/// What sealed secret belongs to which endpoint.
fn secret_owner(id: WebhookId) -> String {
    format!("webhook_secret:{id}")
}

/// A new endpoint, as an admin describes it.
#[derive(Clone, Debug, Default)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    /// `whsec_...`; generated when absent.
    pub secret: Option<String>,
}

/// Changes to an endpoint; `None` leaves a field.
#[derive(Clone, Debug, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// Registers an endpoint (admins). Returns it with its signing secret, shown this once.
/// Endpoints per organization: each event calls them all at once, so the cap bounds what one
/// organization's receivers can hold of the job runner.
pub const MAX_WEBHOOKS: usize = 10;

pub async fn create_webhook(
    store: &dyn Store,
    ctx: &Context,
    secrets: &SecretBox,
    allow_private: bool,
    input: NewWebhook,
) -> AppResult<(WebhookEndpoint, String)> {
    ctx.require_admin()?;
    if store.webhooks(ctx.tenant_id()).await?.len() >= MAX_WEBHOOKS {
        return Err(AppError::invalid(
            "url",
            ErrorCode::TooManyWebhooks,
            format!("an organization has at most {MAX_WEBHOOKS} webhook endpoints; remove one first"),
        ));
    }
    let mut v = Validator::default();
    let url = v.check("url", check_url(&input.url, allow_private));
    let events = v.check("events", parse_events(&input.events));
    let description =
        v.check_opt("description", input.description.as_deref(), |d| clean_text("description", d, 500)).flatten();
    let secret = match input.secret.as_deref() {
        Some(text) => {
            v.check("secret", SigningSecret::parse(text).map_err(|m| ValueError::new(ErrorCode::InvalidSecret, m)))
        }
        None => Some(SigningSecret::generate()),
    };
    v.finish()?;
    let (Some(url), Some(events), Some(secret)) = (url, events, secret) else {
        return Err(AppError::invalid("url", ErrorCode::ValidationFailed, "invalid webhook"));
    };
    let now = now_millis();
    let id = WebhookId::new();
    let endpoint = WebhookEndpoint {
        id,
        tenant_id: ctx.tenant_id(),
        url,
        events,
        description,
        secret_sealed: secrets.seal(&secret_owner(id), &secret.to_string()),
        previous_secret_sealed: None,
        previous_until: None,
        enabled: true,
        disabled_reason: None,
        created_at: now,
        updated_at: now,
    };
    let entry = ctx.audit("webhook.created", "webhook", Some(id.0), None, Some(public(&endpoint)));
    store.insert_webhook(&endpoint, &entry).await?;
    Ok((endpoint, secret.to_string()))
}

pub async fn list_webhooks(store: &dyn Store, ctx: &Context) -> AppResult<Vec<WebhookEndpoint>> {
    ctx.require_admin()?;
    Ok(store.webhooks(ctx.tenant_id()).await?)
}

pub async fn get_webhook(store: &dyn Store, ctx: &Context, id: WebhookId) -> AppResult<WebhookEndpoint> {
    ctx.require_admin()?;
    store.webhook(ctx.tenant_id(), id).await?.ok_or(AppError::NotFound { what: "webhook" })
}

/// Changes an endpoint (admins); enabling it again clears why it was disabled.
pub async fn update_webhook(
    store: &dyn Store,
    ctx: &Context,
    allow_private: bool,
    id: WebhookId,
    changes: WebhookChanges,
) -> AppResult<WebhookEndpoint> {
    let before = get_webhook(store, ctx, id).await?;
    let mut after = before.clone();
    let mut v = Validator::default();
    if let Some(url) = &changes.url {
        after.url = v.check("url", check_url(url, allow_private)).unwrap_or_default();
    }
    if let Some(events) = &changes.events {
        after.events = v.check("events", parse_events(events)).unwrap_or_default();
    }
    if let Some(description) = changes.description {
        after.description =
            v.check_opt("description", description.as_deref(), |d| clean_text("description", d, 500)).flatten();
    }
    if let Some(enabled) = changes.enabled {
        after.enabled = enabled;
        if enabled {
            after.disabled_reason = None;
        }
    }
    v.finish()?;
    after.updated_at = now_millis();
    let entry = ctx.audit("webhook.updated", "webhook", Some(id.0), Some(public(&before)), Some(public(&after)));
    store.update_webhook(&after, &entry).await?;
    Ok(after)
}

/// Gives an endpoint a new signing secret (admins; the caller's own `whsec_` one, or a fresh
/// one). The old secret also signs for `grace` (both signatures in the header), so receivers can
/// switch without missing an event. Returns the new secret, shown this once.
pub async fn rotate_secret(
    store: &dyn Store,
    ctx: &Context,
    secrets: &SecretBox,
    id: WebhookId,
    grace: Duration,
    secret: Option<String>,
) -> AppResult<(WebhookEndpoint, String)> {
    let before = get_webhook(store, ctx, id).await?;
    if grace > MAX_GRACE {
        return Err(AppError::invalid(
            "grace_hours",
            ErrorCode::InvalidGrace,
            "the grace period is at most 7 days (168 hours)",
        ));
    }
    let secret = match secret.as_deref() {
        Some(text) => {
            SigningSecret::parse(text).map_err(|m| AppError::invalid("secret", ErrorCode::InvalidSecret, m))?
        }
        None => SigningSecret::generate(),
    };
    let now = now_millis();
    let after = WebhookEndpoint {
        secret_sealed: secrets.seal(&secret_owner(id), &secret.to_string()),
        previous_secret_sealed: Some(before.secret_sealed.clone()),
        previous_until: Some(now + i64::try_from(grace.as_millis()).unwrap_or(0)),
        updated_at: now,
        ..before.clone()
    };
    let entry = ctx.audit("webhook.secret_rotated", "webhook", Some(id.0), Some(public(&before)), Some(public(&after)));
    store.update_webhook(&after, &entry).await?;
    Ok((after, secret.to_string()))
}

/// The longest grace a rotation may give the old secret.
pub const MAX_GRACE: Duration = Duration::from_secs(7 * 24 * 3600);

pub async fn delete_webhook(store: &dyn Store, ctx: &Context, id: WebhookId) -> AppResult<()> {
    let before = get_webhook(store, ctx, id).await?;
    let entry = ctx.audit("webhook.deleted", "webhook", Some(id.0), Some(public(&before)), None);
    Ok(store.delete_webhook(ctx.tenant_id(), id, &entry).await?)
}

/// Sends one earlier event to one endpoint again (admins), e.g. after the receiver lost it or
/// was fixed: a new job, the same event and `webhook-id`. Another tenant's (or a non-webhook)
/// job is not found.
pub async fn replay_delivery(
    store: &dyn Store,
    ctx: &Context,
    id: WebhookId,
    job_id: sala_domain::JobId,
) -> AppResult<()> {
    let endpoint = get_webhook(store, ctx, id).await?;
    let original = store
        .get_job(ctx.tenant_id(), job_id)
        .await?
        .filter(|j| j.kind == JobKind::Webhook)
        .ok_or(AppError::NotFound { what: "webhook event" })?;
    let mut payload: WebhookPayload =
        serde_json::from_value(original.payload.clone()).map_err(|_| AppError::NotFound { what: "webhook event" })?;
    payload.only_endpoint = Some(endpoint.id);
    payload.replay_of = Some(payload.replay_of.unwrap_or(original.id));
    let now = now_millis();
    let job = Job {
        id: sala_domain::JobId::new(),
        payload: serde_json::to_value(&payload).unwrap_or_default(),
        run_at: now,
        status: sala_domain::JobStatus::Pending,
        attempts: 0,
        last_error: None,
        created_at: now,
        ..original
    };
    let entry = ctx.audit(
        "webhook.replayed",
        "webhook",
        Some(id.0),
        None,
        Some(serde_json::json!({"event": job_id.to_string()})),
    );
    store.enqueue_jobs(std::slice::from_ref(&job)).await?;
    store.insert_audit(&entry).await?;
    Ok(())
}

/// A page of what one endpoint was sent, newest first; at most 200.
pub async fn webhook_deliveries(
    store: &dyn Store,
    ctx: &Context,
    id: WebhookId,
    before: Option<crate::paging::Before>,
    limit: u32,
) -> AppResult<crate::paging::Page<Delivery>> {
    get_webhook(store, ctx, id).await?;
    let limit = limit.clamp(1, 200);
    let deliveries = store.webhook_deliveries(ctx.tenant_id(), id, before, limit + 1).await?;
    Ok(crate::paging::page_of(deliveries, limit, |d| crate::paging::Before { at: d.created_at, id: d.id }))
}

fn check_url(url: &str, allow_private: bool) -> Result<String, ValueError> {
    match url_problem(url.trim(), allow_private) {
        None => Ok(url.trim().to_owned()),
        Some(problem) => Err(ValueError::new(ErrorCode::InvalidWebhookUrl, problem)),
    }
}

/// An endpoint as the audit log keeps it: never its secret, sealed or not.
fn public(e: &WebhookEndpoint) -> serde_json::Value {
    let mut value = snapshot(e).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.remove("secret_sealed");
        map.remove("previous_secret_sealed");
    }
    value
}

/// The `webhook` job's handler.
pub struct WebhookDelivery {
    store: Arc<dyn Store>,
    secrets: SecretBox,
    representation: Arc<dyn BookingRepresentation>,
    /// Dev mode or `SALA_WEBHOOKS_ALLOW_PRIVATE`: local receivers allowed.
    allow_private: bool,
    /// How long a receiver has to answer.
    timeout: Duration,
}

/// The Standard Webhooks retry schedule, after the first attempt: about two and a half days in
/// all, then the job is dead (replayable).
const SCHEDULE: [u64; 9] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000, 50_400, 50_400];

impl WebhookDelivery {
    pub fn new(
        store: Arc<dyn Store>,
        secrets: SecretBox,
        representation: Arc<dyn BookingRepresentation>,
        allow_private: bool,
        timeout: Duration,
    ) -> Self {
        Self { store, secrets, representation, allow_private, timeout }
    }

    /// The secrets that sign now: the current one, and a rotated-out one during its grace.
    fn signing_secrets(&self, endpoint: &WebhookEndpoint) -> Result<Vec<SigningSecret>, String> {
        let open = |sealed: &str| {
            self.secrets
                .open(&secret_owner(endpoint.id), sealed)
                .map_err(|e| e.to_string())
                .and_then(|t| SigningSecret::parse(&t))
        };
        let mut all = vec![open(&endpoint.secret_sealed)?];
        if let (Some(sealed), Some(until)) = (&endpoint.previous_secret_sealed, endpoint.previous_until)
            && until > now_millis()
        {
            all.extend(open(sealed).ok());
        }
        Ok(all)
    }

    async fn record(&self, job: &Job, endpoint: &WebhookEndpoint, key: &str, status: DeliveryStatus, detail: String) {
        let delivery = Delivery {
            id: uuid::Uuid::now_v7(),
            tenant_id: job.tenant_id,
            job_id: job.id,
            booking_id: job.booking_id,
            channel: Channel::Webhook,
            recipient: endpoint.id.to_string(),
            idempotency_key: key.to_owned(),
            status,
            detail: Some(detail),
            created_at: now_millis(),
        };
        if let Err(e) = self.store.record_delivery(&delivery).await {
            tracing::warn!(job = %job.id, error = %e, "could not log a webhook delivery");
        }
    }

    /// The receiver answered `410 Gone`: it wants no more; the admin sees why.
    async fn disable(&self, endpoint: &WebhookEndpoint, reason: &str) {
        let after = WebhookEndpoint {
            enabled: false,
            disabled_reason: Some(reason.to_owned()),
            updated_at: now_millis(),
            ..endpoint.clone()
        };
        let ctx = Context::system(endpoint.tenant_id);
        let entry =
            ctx.audit("webhook.disabled", "webhook", Some(endpoint.id.0), Some(public(endpoint)), Some(public(&after)));
        if let Err(e) = self.store.update_webhook(&after, &entry).await {
            tracing::warn!(webhook = %endpoint.id, error = %e, "could not disable a webhook endpoint");
        }
    }
}

impl WebhookDelivery {
    /// Who made a change, as receivers read it: `{"type", "id", "name"}` (a person's name, an API
    /// key's name, "Sala" for the system). A person or key deleted since keeps its id, `name` null.
    async fn actor_json(&self, tenant: sala_domain::TenantId, actor: sala_domain::Actor) -> serde_json::Value {
        use sala_domain::Actor;
        let name = match actor {
            Actor::User(id) => self.store.get_user(tenant, id).await.ok().flatten().map(|u| u.name),
            Actor::ApiKey(id) => self.store.get_api_key(tenant, id).await.ok().flatten().map(|k| k.name),
            Actor::System => Some("Sala".to_owned()),
        };
        serde_json::json!({"type": actor.kind(), "id": actor.id(), "name": name})
    }
}

/// How many attempts a webhook job gets: the first and one per step of the retry schedule.
pub const MAX_ATTEMPTS: u32 = SCHEDULE.len() as u32 + 1;

impl WebhookDelivery {
    /// The `webhook` job: each endpoint that wants the event gets it, signed, once.
    pub(crate) async fn deliver(&self, job: &Job, event: WebhookPayload) -> Result<(), JobFailure> {
        let WebhookPayload { change: payload, only_endpoint, replay_of, check_in, reply, actor } = event;
        let event = payload.event.name();
        let store_failure = |e: sala_store::StoreError| JobFailure::retry(format!("store: {e}"));
        let endpoints: Vec<WebhookEndpoint> = self
            .store
            .webhooks(job.tenant_id)
            .await
            .map_err(store_failure)?
            .into_iter()
            .filter(|e| e.wants(event) && only_endpoint.is_none_or(|only| only == e.id))
            .collect();
        if endpoints.is_empty() {
            return Ok(());
        }
        let booking = self.representation.booking_json(&payload.booking).await.map_err(JobFailure::retry)?;
        let mut data = serde_json::json!({"booking": booking});
        if !payload.changes.is_empty() {
            data["changes"] = serde_json::to_value(&payload.changes).unwrap_or_default();
        }
        if let Some(check_in) = check_in {
            data["check_in"] = check_in;
        }
        if let Some(reply) = reply {
            data["reply"] = reply;
        }
        if let Some(actor) = actor {
            data["actor"] = self.actor_json(job.tenant_id, actor).await;
        }
        // A replay repeats its event: the same id and timestamp as the first time.
        let event_id = replay_of.unwrap_or(job.id);
        let event_at = match replay_of {
            Some(original) => self
                .store
                .get_job(job.tenant_id, original)
                .await
                .ok()
                .flatten()
                .map_or(job.created_at, |j| j.created_at),
            None => job.created_at,
        };
        let body = serde_json::json!({"type": event, "timestamp": sala_domain::rfc3339(event_at), "data": data});
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let message_id = format!("msg_{}", event_id.0.simple());
        // Every receiver at once: one that hangs delays none of the others (each has its timeout).
        let calls = endpoints.iter().map(|endpoint| self.call(job, endpoint, &message_id, &body));
        let mut retry: Option<(String, Option<Duration>)> = None;
        for (reason, after) in futures_util::future::join_all(calls).await.into_iter().flatten() {
            let after = retry.as_ref().and_then(|(_, a)| *a).max(after);
            retry = Some((reason, after));
        }
        match retry {
            None => Ok(()),
            Some((reason, asked)) => {
                let index = usize::try_from(job.attempts.saturating_sub(1)).unwrap_or(0).min(SCHEDULE.len() - 1);
                let scheduled = Duration::from_secs(SCHEDULE[index]);
                Err(JobFailure::Retry { reason, after: Some(asked.map_or(scheduled, |a| a.max(scheduled))) })
            }
        }
    }

    /// One receiver's delivery of one event, recorded in the delivery log; `Some` (why, and when
    /// the receiver asked to be called again) when the job should try it again.
    async fn call(
        &self,
        job: &Job,
        endpoint: &WebhookEndpoint,
        message_id: &str,
        body: &[u8],
    ) -> Option<(String, Option<Duration>)> {
        let key = Delivery::key(job.id, Channel::Webhook, &endpoint.id.to_string());
        match self.store.delivered(&key).await {
            Ok(true) => return None,
            Ok(false) => {}
            Err(e) => return Some((format!("store: {e}"), None)),
        }
        let secrets = match self.signing_secrets(endpoint) {
            Ok(secrets) => secrets,
            Err(e) => {
                self.record(job, endpoint, &key, DeliveryStatus::Failed, format!("signing secret: {e}")).await;
                return None;
            }
        };
        let out = Outgoing {
            url: &endpoint.url,
            secrets: &secrets,
            message_id,
            timestamp: jiff::Timestamp::now().as_second(),
            body,
            allow_private: self.allow_private,
            timeout: self.timeout,
        };
        let last_try = job.attempts >= MAX_ATTEMPTS;
        let shown = sala_channels::webhook::shown_url(&endpoint.url);
        match deliver(&out).await {
            Ok(answer) if (200..300).contains(&answer.status) => {
                let detail = format!("{} in {} ms: {}", answer.status, answer.latency.as_millis(), answer.excerpt);
                self.record(job, endpoint, &key, DeliveryStatus::Sent, detail).await;
                None
            }
            Ok(answer) if answer.status == 410 => {
                self.record(job, endpoint, &key, DeliveryStatus::Failed, "410 Gone: endpoint disabled".into()).await;
                self.disable(endpoint, "the receiver answered 410 Gone").await;
                None
            }
            Ok(answer) => {
                let detail = format!("{} in {} ms: {}", answer.status, answer.latency.as_millis(), answer.excerpt);
                self.record(job, endpoint, &key, DeliveryStatus::Failed, detail.clone()).await;
                if last_try {
                    self.disable(endpoint, &format!("no event delivered for {} attempts over days", job.attempts))
                        .await;
                }
                Some((format!("{shown}: {detail}"), answer.retry_after))
            }
            Err(DeliveryError::Refused(reason)) => {
                // No retry makes a refused address acceptable; the log says why.
                self.record(job, endpoint, &key, DeliveryStatus::Failed, format!("refused: {reason}")).await;
                None
            }
            Err(DeliveryError::Unreachable(reason)) => {
                self.record(job, endpoint, &key, DeliveryStatus::Failed, reason.clone()).await;
                if last_try {
                    let why = format!("unreachable for {} attempts over days: {reason}", job.attempts);
                    self.disable(endpoint, &why).await;
                }
                Some((format!("{shown}: {reason}"), None))
            }
        }
    }
}
