//! `/admin`: the organization's administration, for its admins only: rooms, people, API keys,
//! webhooks, dead jobs, the audit log, the reports, the settings and the connections (its WhatsApp number and
//! Google service account). Each section is a page that lists and a form that changes; every form
//! carries the CSRF token, and each change goes through the same use case (and leaves the same
//! audit entry) as the API's.

mod audit;
mod connections;
mod jobs;
mod keys;
mod people;
mod people_csv;
mod people_directory;
mod people_fields;
mod people_import;
mod people_new;
mod reports;
mod room_calendar;
mod room_form;
mod room_import;
mod rooms;
mod settings;
mod webhooks;

use crate::state::AppState;
use axum::Router;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/rooms") }))
        .merge(rooms::routes())
        .merge(room_import::routes())
        .merge(room_calendar::routes())
        .merge(people::routes())
        .merge(people_import::routes())
        .merge(people_directory::routes())
        .merge(keys::routes())
        .merge(webhooks::routes())
        .merge(jobs::routes())
        .merge(audit::routes())
        .merge(reports::routes())
        .merge(settings::routes())
        .merge(connections::routes())
}

/// The admin section a page belongs to, for its tabs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Rooms,
    People,
    Keys,
    Webhooks,
    Jobs,
    Audit,
    Reports,
    Settings,
}

/// After a change: back to `to` with a notice code the page words.
fn done(to: &str, code: &str) -> Response {
    Redirect::to(&format!("{to}?done={code}")).into_response()
}

/// After a change that has numbers to tell: back to `to` with the notice code and `counts`.
fn done_with(to: &str, code: &str, counts: &[(&str, usize)]) -> Response {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("done", code);
    for (name, count) in counts {
        query.append_pair(name, &count.to_string());
    }
    Redirect::to(&format!("{to}?{}", query.finish())).into_response()
}

/// The use case's refusal as the reader's words, when it is about what was typed (a field
/// problem, a conflict); `None` for anything else, which gets the error page.
fn problems(t: &'static crate::i18n::Texts, err: &sala_app::AppError) -> Option<Vec<String>> {
    match err {
        sala_app::AppError::Invalid(fields) => Some(fields.iter().map(|f| super::error::message(t, f)).collect()),
        sala_app::AppError::Conflict { code, .. } => Some(vec![t.refusal(*code).to_owned()]),
        _ => None,
    }
}

/// A secret shown once (a new API key, a webhook's signing secret) travels from the form's answer
/// to the page it redirects to in a cookie that lives a minute and is cleared when read: reloading
/// the page neither shows it again nor makes a second one (which re-posting the form would).
const ONCE_COOKIE: &str = "sala_once";

/// Redirects to `to`, carrying `label` and `secret` to be shown there once.
pub(crate) fn redirect_with_secret(state: &AppState, to: &str, label: &str, secret: &str) -> Response {
    let value = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("label", label)
        .append_pair("secret", secret)
        .finish();
    let cookie = crate::auth::cookies::set(ONCE_COOKIE, &value, Some(60), state.settings.secure_cookies());
    super::with_cookie(Redirect::to(to).into_response(), Some(cookie))
}

/// The secret to show once, if one came along, and the cookie that forgets it.
pub(crate) fn take_secret(state: &AppState, headers: &HeaderMap) -> (Option<(String, String)>, Option<String>) {
    let Some(raw) = crate::auth::cookies::read(headers, ONCE_COOKIE, state.settings.secure_cookies()) else {
        return (None, None);
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let clear = crate::auth::cookies::clear(ONCE_COOKIE, state.settings.secure_cookies());
    (get("label").zip(get("secret")), Some(clear))
}
