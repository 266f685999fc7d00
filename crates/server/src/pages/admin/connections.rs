//! `/admin/settings/connections`: the organization's own WhatsApp Business number and its Google
//! service account, which the API sets with `PUT /settings/whatsapp` and
//! `PUT /settings/google-service-account`. Each form goes through the same use case as the API
//! (the same checks, the same sealing, the same audit entry). Secrets go in and never come back
//! out: the page shows the number's id and the account's address only, and a refused form is
//! shown again without the token or the key typed into it.

use super::{Tab, done};
use crate::i18n::Texts;
use crate::pages::form::{AdminForm, AdminUpload, Button, Upload};
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::pages::{render, show_error};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sala_app::AppError;
use sala_app::tenants::{WhatsAppInput, set_google_service_account, set_whatsapp};
use serde::Deserialize;

const PAGE: &str = "/admin/settings/connections";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(show))
        .route("/admin/settings/whatsapp", post(whatsapp_post))
        .route("/admin/settings/whatsapp/remove", post(whatsapp_remove))
        .route("/admin/settings/google-service-account", post(service_account_post))
        .route("/admin/settings/google-service-account/remove", post(service_account_remove))
}

#[derive(Template)]
#[template(path = "admin/connections.html")]
pub struct ConnectionsPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    /// Problems of no field of the page's forms.
    pub problems: Vec<String>,
    /// The organization's own number's id; `None`: the installation's.
    pub own_number: Option<String>,
    /// The installation has a number to fall back on.
    pub installation_number: bool,
    /// The service account's address; `None`: people connect their own calendars.
    pub service_account: Option<String>,
    /// The phone number id as typed, after a refusal (never the token).
    pub phone_number_id: String,
    /// Each refused field and why, said beside it.
    pub errors: Vec<(String, String)>,
}

impl ConnectionsPage {
    /// The problem of `field`, if it has one.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

/// The fields of this page's forms, whose problems are said beside them.
const PLACED: &[&str] = &["phone_number_id", "token", "key"];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: Option<String>,
}

async fn show(State(state): State<AppState>, AdminPage(shell): AdminPage, Query(q): Query<Done>) -> Response {
    let t = shell.t;
    let notice =
        q.done.as_deref().map(|code| if code.ends_with("removed") { t.removed_notice } else { t.saved_notice });
    page(&state, shell, notice, String::new(), Vec::new(), StatusCode::OK)
}

fn page(
    state: &AppState,
    shell: Shell,
    notice: Option<&'static str>,
    phone_number_id: String,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let (placed, unplaced): (Vec<_>, Vec<_>) = errors.into_iter().partition(|(f, _)| PLACED.contains(&f.as_str()));
    let page = ConnectionsPage {
        t: shell.t,
        own_number: shell.tenant.whatsapp.as_ref().map(|w| w.phone_number_id.clone()),
        installation_number: state.settings.whatsapp_enabled(),
        service_account: shell.tenant.google_service_account.as_ref().map(|a| a.client_email.clone()),
        shell,
        tab: Tab::Settings,
        notice,
        problems: unplaced.into_iter().map(|(_, m)| m).collect(),
        phone_number_id,
        errors: placed,
    };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

/// The use case's refusal beside its field, or the error page for anything not about the input.
fn refused(state: &AppState, shell: Shell, phone_number_id: String, err: &AppError) -> Response {
    let AppError::Invalid(fields) = err else { return show_error(shell.t, err) };
    let said = fields.iter().map(|f| (f.field.clone(), crate::pages::error::message(shell.t, f))).collect();
    page(state, shell, None, phone_number_id, said, StatusCode::UNPROCESSABLE_ENTITY)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WhatsAppForm {
    phone_number_id: String,
    token: String,
}

/// `POST /admin/settings/whatsapp`: send from the organization's own number.
async fn whatsapp_post(State(state): State<AppState>, AdminForm(shell, form): AdminForm<WhatsAppForm>) -> Response {
    let input = WhatsAppInput { phone_number_id: form.phone_number_id.clone(), token: form.token };
    match set_whatsapp(state.store(), &shell.ctx(), &state.secrets(), Some(input)).await {
        Ok(_) => done(PAGE, "whatsapp_set"),
        Err(err) => refused(&state, shell, form.phone_number_id, &err),
    }
}

/// `POST /admin/settings/whatsapp/remove`: back to the installation's number.
async fn whatsapp_remove(State(state): State<AppState>, AdminForm(shell, _): AdminForm<Button>) -> Response {
    match set_whatsapp(state.store(), &shell.ctx(), &state.secrets(), None).await {
        Ok(_) => done(PAGE, "whatsapp_removed"),
        Err(err) => show_error(shell.t, &err),
    }
}

/// `POST /admin/settings/google-service-account` (a form with a file): the uploaded key file if
/// one came, else the pasted text.
async fn service_account_post(State(state): State<AppState>, AdminUpload(shell, upload): AdminUpload) -> Response {
    let Some(key) = key_file(&upload) else {
        let missing = vec![("key".to_owned(), shell.t.service_account_no_file.to_owned())];
        return page(&state, shell, None, String::new(), missing, StatusCode::UNPROCESSABLE_ENTITY);
    };
    match set_google_service_account(state.store(), &shell.ctx(), &state.secrets(), Some(&key)).await {
        Ok(_) => done(PAGE, "service_account_set"),
        Err(err) => refused(&state, shell, String::new(), &err),
    }
}

/// The key file's text: the file chosen, else what was pasted; `None` when neither came. A byte
/// order mark (some editors save one) is no part of the JSON.
fn key_file(upload: &Upload) -> Option<String> {
    let file = upload.bytes("key_file").filter(|b| !b.is_empty()).map(|b| String::from_utf8_lossy(b).into_owned());
    let text = file.unwrap_or_else(|| upload.text("key"));
    let text = text.trim().trim_start_matches('\u{feff}').trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `POST /admin/settings/google-service-account/remove`: people's own connections remain.
async fn service_account_remove(State(state): State<AppState>, AdminForm(shell, _): AdminForm<Button>) -> Response {
    match set_google_service_account(state.store(), &shell.ctx(), &state.secrets(), None).await {
        Ok(_) => done(PAGE, "service_account_removed"),
        Err(err) => show_error(shell.t, &err),
    }
}
