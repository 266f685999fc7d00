//! `/admin/webhooks`: where other systems hear about bookings. Endpoints (URL, events, on or off),
//! a new one's signing secret shown once, secret rotation with a day's grace, the delivery log,
//! and sending an event again.

use super::{Tab, done, problems};
use crate::i18n::Texts;
use crate::pages::form::{AdminForm, Button, Fields};
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::pages::{render, show_error};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sala_app::webhooks::{self, NewWebhook, WebhookChanges};
use sala_domain::dates::zoned;
use sala_domain::webhook::{EVENT_TYPES, WebhookEndpoint};
use sala_domain::{JobId, WebhookId};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/webhooks", get(list).post(create))
        .route("/admin/webhooks/{id}", get(show).post(update))
        .route("/admin/webhooks/{id}/rotate", post(rotate))
        .route("/admin/webhooks/{id}/replay", post(replay))
        .route("/admin/webhooks/{id}/delete", post(delete))
}

/// How long the old secret keeps signing after a rotation from this page.
const GRACE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

pub struct Sent {
    pub at: String,
    pub status: &'static str,
    pub detail: String,
    pub job_id: JobId,
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
pub struct WebhooksPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub endpoints: Vec<WebhookEndpoint>,
    pub events: &'static [&'static str],
    /// A new endpoint's secret, this once.
    pub secret: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
pub struct WebhookPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub endpoint: WebhookEndpoint,
    pub events: &'static [&'static str],
    pub sent: Vec<Sent>,
    pub secret: Option<String>,
}

impl WebhookPage {
    pub fn has(&self, event: &str) -> bool {
        self.endpoint.events.iter().any(|e| e == event)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    AdminPage(shell): AdminPage,
    headers: HeaderMap,
    Query(q): Query<Done>,
) -> Response {
    let (secret, forget) = super::take_secret(&state, &headers);
    let notice = if secret.is_some() { None } else { q.done.map(|_| shell.t.saved_notice) };
    let response = list_page(&state, shell, notice, Vec::new(), secret.map(|(_, s)| s), StatusCode::OK).await;
    crate::web::with_cookie(response, forget)
}

async fn list_page(
    state: &AppState,
    shell: Shell,
    notice: Option<&'static str>,
    problems: Vec<String>,
    secret: Option<String>,
    status: StatusCode,
) -> Response {
    let endpoints = match webhooks::list_webhooks(state.store(), &shell.ctx()).await {
        Ok(endpoints) => endpoints,
        Err(err) => return show_error(shell.t, &err),
    };
    let page = WebhooksPage {
        t: shell.t,
        shell,
        tab: Tab::Webhooks,
        notice,
        problems,
        endpoints,
        events: &EVENT_TYPES,
        secret,
    };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

async fn create(State(state): State<AppState>, AdminForm(shell, fields): AdminForm<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    let description = Some(fields.one("description")).filter(|d| !d.trim().is_empty());
    let input = NewWebhook { url: fields.one("url"), events: fields.all("event"), description, secret: None };
    let allow = state.settings.webhooks_may_reach_private();
    match webhooks::create_webhook(state.store(), &shell.ctx(), &state.secrets(), allow, input).await {
        Ok((endpoint, secret)) => super::redirect_with_secret(&state, "/admin/webhooks", &endpoint.url, &secret),
        Err(err) => match problems(shell.t, &err) {
            Some(problems) => list_page(&state, shell, None, problems, None, StatusCode::UNPROCESSABLE_ENTITY).await,
            None => show_error(shell.t, &err),
        },
    }
}

fn webhook_id(raw: &str) -> Option<WebhookId> {
    raw.parse::<WebhookId>().ok()
}

async fn show(
    State(state): State<AppState>,
    AdminPage(shell): AdminPage,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    let (secret, forget) = super::take_secret(&state, &headers);
    let notice = match q.done.as_deref() {
        _ if secret.is_some() => None,
        Some("replayed") => Some(shell.t.replayed_notice),
        Some(_) => Some(shell.t.saved_notice),
        None => None,
    };
    let secret = secret.map(|(_, s)| s);
    let response = endpoint_page(&state, shell, &id, notice, Vec::new(), secret, StatusCode::OK).await;
    crate::web::with_cookie(response, forget)
}

async fn endpoint_page(
    state: &AppState,
    shell: Shell,
    id: &str,
    notice: Option<&'static str>,
    problems: Vec<String>,
    secret: Option<String>,
    status: StatusCode,
) -> Response {
    let ctx = shell.ctx();
    let Some(id) = webhook_id(id) else {
        return show_error(shell.t, &sala_app::AppError::NotFound { what: "webhook" });
    };
    let endpoint = match webhooks::get_webhook(state.store(), &ctx, id).await {
        Ok(endpoint) => endpoint,
        Err(err) => return show_error(shell.t, &err),
    };
    let log = match webhooks::webhook_deliveries(state.store(), &ctx, id, None, 50).await {
        Ok(log) => log,
        Err(err) => return show_error(shell.t, &err),
    };
    let zone = shell.zone();
    let sent = log
        .items
        .into_iter()
        .map(|d| Sent {
            at: zoned(d.created_at, &zone).map(|z| z.strftime("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default(),
            status: d.status.as_str(),
            detail: d.detail.unwrap_or_default(),
            job_id: d.job_id,
        })
        .collect();
    let page = WebhookPage {
        t: shell.t,
        shell,
        tab: Tab::Webhooks,
        notice,
        problems,
        endpoint,
        events: &EVENT_TYPES,
        sent,
        secret,
    };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, fields): AdminForm<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let Some(webhook) = webhook_id(&id) else {
        return show_error(shell.t, &sala_app::AppError::NotFound { what: "webhook" });
    };
    let description = fields.one("description");
    let changes = WebhookChanges {
        url: Some(fields.one("url")),
        events: Some(fields.all("event")),
        description: Some(Some(description).filter(|d| !d.trim().is_empty())),
        enabled: Some(!fields.one("enabled").is_empty()),
    };
    let allow = state.settings.webhooks_may_reach_private();
    match webhooks::update_webhook(state.store(), &shell.ctx(), allow, webhook, changes).await {
        Ok(_) => done(&format!("/admin/webhooks/{id}"), "saved"),
        Err(err) => match problems(shell.t, &err) {
            Some(problems) => {
                endpoint_page(&state, shell, &id, None, problems, None, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => show_error(shell.t, &err),
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReplayForm {
    job_id: String,
}

async fn rotate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, _): AdminForm<Button>,
) -> Response {
    let Some(webhook) = webhook_id(&id) else {
        return show_error(shell.t, &sala_app::AppError::NotFound { what: "webhook" });
    };
    match webhooks::rotate_secret(state.store(), &shell.ctx(), &state.secrets(), webhook, GRACE, None).await {
        Ok((endpoint, secret)) => {
            super::redirect_with_secret(&state, &format!("/admin/webhooks/{id}"), &endpoint.url, &secret)
        }
        Err(err) => show_error(shell.t, &err),
    }
}

async fn replay(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, form): AdminForm<ReplayForm>,
) -> Response {
    let (Some(webhook), Some(job)) = (webhook_id(&id), form.job_id.parse::<JobId>().ok()) else {
        return show_error(shell.t, &sala_app::AppError::NotFound { what: "webhook" });
    };
    match webhooks::replay_delivery(state.store(), &shell.ctx(), webhook, job).await {
        Ok(()) => done(&format!("/admin/webhooks/{id}"), "replayed"),
        Err(err) => show_error(shell.t, &err),
    }
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, _): AdminForm<Button>,
) -> Response {
    let Some(webhook) = webhook_id(&id) else {
        return show_error(shell.t, &sala_app::AppError::NotFound { what: "webhook" });
    };
    match webhooks::delete_webhook(state.store(), &shell.ctx(), webhook).await {
        Ok(()) => done("/admin/webhooks", "deleted"),
        Err(err) => show_error(shell.t, &err),
    }
}
