//! `/admin/api-keys`: the organization's API keys (name, scopes, last use), a form to make one,
//! whose secret the answer shows once, and revocation.

use super::{Tab, problems};
use crate::i18n::{Texts, words};
use crate::pages::form::{AdminForm, Button};
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::pages::{render, show_error};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sala_app::api_keys::{create_api_key, list_api_keys, revoke_api_key};
use sala_domain::dates::zoned;
use sala_domain::{ApiKey, ApiKeyId, Millis};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/api-keys", get(list).post(create)).route("/admin/api-keys/{id}/revoke", post(revoke))
}

pub struct KeyRow {
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "admin/keys.html")]
pub struct KeysPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub keys: Vec<KeyRow>,
    /// A key just made: its secret, shown this once.
    pub secret: Option<(String, String)>,
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
    let response = page(&state, shell, notice, Vec::new(), secret, StatusCode::OK).await;
    crate::web::with_cookie(response, forget)
}

async fn page(
    state: &AppState,
    shell: Shell,
    notice: Option<&'static str>,
    problems: Vec<String>,
    secret: Option<(String, String)>,
    status: StatusCode,
) -> Response {
    let keys = match list_api_keys(state.store(), &shell.ctx()).await {
        Ok(keys) => keys,
        Err(err) => return show_error(shell.t, &err),
    };
    let zone = shell.zone();
    let at = |ms: Option<Millis>| {
        ms.and_then(|ms| zoned(ms, &zone)).map(|z| z.strftime("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
    };
    let keys = keys
        .into_iter()
        .map(|k: ApiKey| KeyRow {
            id: k.id,
            scopes: k.scopes.iter().map(|s| words::scope(shell.locale, *s)).collect::<Vec<_>>().join(", "),
            created: at(Some(k.created_at)),
            last_used: at(k.last_used_at),
            revoked: k.revoked_at.is_some(),
            name: k.name,
            prefix: k.prefix,
        })
        .collect();
    let page = KeysPage { t: shell.t, shell, tab: Tab::Keys, notice, problems, keys, secret };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KeyForm {
    csrf: String,
    name: String,
    read: Option<String>,
    write: Option<String>,
    webhooks: Option<String>,
}

async fn create(State(state): State<AppState>, AdminForm(shell, form): AdminForm<KeyForm>) -> Response {
    let chosen: Vec<&str> = [("read", &form.read), ("write", &form.write), ("webhooks", &form.webhooks)]
        .into_iter()
        .filter(|(_, on)| on.is_some())
        .map(|(scope, _)| scope)
        .collect();
    let scopes = chosen.join(",");
    match create_api_key(state.store(), &shell.ctx(), &form.name, Some(&scopes)).await {
        Ok(created) => super::redirect_with_secret(&state, "/admin/api-keys", &created.key.name, &created.secret),
        Err(err) => match problems(shell.t, &err) {
            Some(problems) => page(&state, shell, None, problems, None, StatusCode::UNPROCESSABLE_ENTITY).await,
            None => show_error(shell.t, &err),
        },
    }
}

async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, _): AdminForm<Button>,
) -> Response {
    let Some(id) = id.parse::<ApiKeyId>().ok() else {
        return show_error(shell.t, &sala_app::AppError::NotFound { what: "api key" });
    };
    match revoke_api_key(state.store(), &shell.ctx(), id).await {
        Ok(_) => super::done("/admin/api-keys", "revoked"),
        Err(err) => show_error(shell.t, &err),
    }
}
