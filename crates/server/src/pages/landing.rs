//! `/`: the dashboard for a signed-in person, the sign-in page for anyone else; the dev login
//! (dev mode only) and signing out.

use super::shell::{Nav, Shell};
use super::{dashboard, error_page, page_locale, render, show_error, with_cookie};
use crate::auth::{MaybeUser, cookies, csrf, sign_in_response};
use crate::i18n::{self, Texts};
use crate::state::AppState;
use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use sala_domain::{Locale, User};
use serde::Deserialize;

pub fn routes(dev: bool) -> Router<AppState> {
    let router = Router::new().route("/", get(home)).route("/signout", post(sign_out));
    if dev { router.route("/dev/login", post(dev_login)) } else { router }
}

async fn home(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(q): Query<dashboard::DashboardQuery>,
) -> Response {
    match user {
        Some(user) => match Shell::load(&state, user, &headers, path_of(&uri), Some(Nav::Home)).await {
            Ok(shell) => dashboard::dashboard(&state, shell, q).await,
            Err(err) => show_error(i18n::texts(Locale::Es), &err),
        },
        None => {
            let t = i18n::texts(page_locale(&state, None, &headers).await);
            let (csrf, set_cookie) = csrf::ensure(&headers, state.settings.secure_cookies());
            with_cookie(landing(&state, t, csrf).await, set_cookie)
        }
    }
}

/// The sign-in page: Google and Microsoft (those configured), and in dev mode the demo people.
#[derive(Template)]
#[template(path = "landing.html")]
pub struct Landing {
    pub t: &'static Texts,
    pub csrf: String,
    pub google_enabled: bool,
    pub microsoft_enabled: bool,
    pub dev_people: Vec<User>,
}

async fn landing(state: &AppState, t: &'static Texts, csrf: String) -> Response {
    let dev_people = if state.settings.dev { demo_people(state).await } else { Vec::new() };
    let google_enabled = state.google.enabled();
    render(&Landing { t, csrf, google_enabled, microsoft_enabled: state.microsoft.enabled(), dev_people })
}

/// The request's path and query, for coming back to it.
fn path_of(uri: &OriginalUri) -> String {
    uri.0.path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
}

/// The demo tenant's people, for the dev login list.
async fn demo_people(state: &AppState) -> Vec<User> {
    let Ok(Some(tenant)) = state.store().tenant_by_slug(sala_app::demo::DEMO_SLUG).await else {
        return Vec::new();
    };
    let query = sala_store::UserQuery { text: String::new(), limit: 100, include_inactive: false };
    state.store().search_users(tenant.id, &query).await.unwrap_or_default()
}

#[derive(Deserialize)]
struct DevLoginForm {
    csrf: String,
    user_id: String,
}

/// Dev mode only: sign in as a person of the demo tenant without Google.
async fn dev_login(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<DevLoginForm>) -> Response {
    let t = i18n::texts(i18n::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())));
    if !csrf::verify(&headers, &form.csrf, &state.settings.base_url) {
        return error_page(
            t,
            StatusCode::FORBIDDEN,
            "CSRF",
            "The form expired. Go back, reload the page and try again.",
        );
    }
    let person = match form.user_id.parse() {
        Ok(id) => demo_people(&state).await.into_iter().find(|u| u.id == id),
        Err(_) => None,
    };
    let Some(person) = person else {
        return error_page(t, StatusCode::BAD_REQUEST, "?", "That person is not part of the demo organization.");
    };
    match sala_app::sign_in::admit(state.store(), person).await {
        Ok(user) => sign_in_response(&state, &user, "/").await,
        Err(err) => error_page(t, StatusCode::FORBIDDEN, t.forbidden_title, t.refusal(err.code())),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    if !csrf::verify(&headers, &form.csrf, &state.settings.base_url) {
        let t = i18n::texts(Locale::Es);
        return error_page(
            t,
            StatusCode::FORBIDDEN,
            "CSRF",
            "The form expired. Go back, reload the page and try again.",
        );
    }
    if let Some(token) = cookies::read(&headers, cookies::SESSION, state.settings.secure_cookies())
        && let Err(err) = sala_app::sessions::end_session(state.store(), &token).await
    {
        tracing::error!(%err, "could not end session");
    }
    let clear = cookies::clear(cookies::SESSION, state.settings.secure_cookies());
    with_cookie(Redirect::to("/").into_response(), Some(clear))
}
