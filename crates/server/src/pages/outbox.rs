//! `/dev/outbox` (dev mode only): every message Sala sent, as it would appear, so a newcomer sees
//! the whole flow with no mail server or WhatsApp account. An email's HTML is served as a page of
//! its own under a sandboxing CSP: it runs no script and reaches nothing.

use super::{error_page, page_locale, render};
use crate::auth::MaybeUser;
use crate::i18n;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sala_domain::jobs::OutboxMessage;

/// A locked-down policy for a rendered email: inline styles (emails have no other kind), no
/// scripts, nothing loaded from anywhere, and a sandbox.
const EMAIL_CSP: &str = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dev/outbox", get(outbox_page))
        .route("/dev/outbox/{id}/html", get(email_html))
        .route("/dev/outbox/{id}/invite.ics", get(email_ics))
}

struct Row {
    id: uuid::Uuid,
    channel: &'static str,
    at: String,
    recipient: String,
    subject: Option<String>,
    text: String,
    has_html: bool,
    has_ics: bool,
    ics: Option<String>,
}

impl From<OutboxMessage> for Row {
    fn from(m: OutboxMessage) -> Self {
        Self {
            id: m.id,
            channel: m.channel.as_str(),
            at: sala_domain::rfc3339(m.created_at),
            recipient: m.recipient,
            subject: m.subject,
            text: m.text,
            has_html: m.html.is_some(),
            has_ics: m.ics.is_some(),
            ics: m.ics,
        }
    }
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    t: &'static i18n::Texts,
    warnings: Vec<String>,
    messages: Vec<Row>,
}

async fn outbox_page(State(state): State<AppState>, MaybeUser(user): MaybeUser, headers: HeaderMap) -> Response {
    let t = i18n::texts(page_locale(&state, user.as_ref(), &headers).await);
    match state.store().list_outbox_messages(200).await {
        Ok(messages) => render(&OutboxPage {
            t,
            warnings: state.settings.channel_warnings(false),
            messages: messages.into_iter().map(Row::from).collect(),
        }),
        Err(err) => {
            tracing::error!(%err, "could not read the dev outbox");
            error_page(t, StatusCode::INTERNAL_SERVER_ERROR, "Error", "The outbox could not be read.")
        }
    }
}

async fn find(state: &AppState, raw: &str) -> Option<OutboxMessage> {
    let id = raw.parse::<uuid::Uuid>().ok()?;
    state.store().get_outbox_message(id).await.ok().flatten()
}

async fn email_html(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match find(&state, &id).await.and_then(|m| m.html) {
        Some(html) => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CONTENT_SECURITY_POLICY, EMAIL_CSP)], html)
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such email in the outbox").into_response(),
    }
}

async fn email_ics(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match find(&state, &id).await.and_then(|m| m.ics) {
        Some(ics) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"invite.ics\""),
            ],
            ics,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such invitation in the outbox").into_response(),
    }
}
