//! Server-rendered pages. Each page works without JavaScript; forms carry a CSRF token; all text
//! is escaped by the templates.

mod kiosk;
mod outbox;
mod templates;

use crate::auth::{MaybeUser, cookies, csrf};
use crate::i18n::{self, Texts};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use sala_domain::{Locale, User};
use serde::Deserialize;
pub use templates::render;
use templates::{Dashboard, Landing, Message};

/// The pages router: `/`, sign-out, the dev login (dev mode only), Google sign-in, rooms' kiosks,
/// the stylesheet.
pub fn routes(dev: bool) -> Router<AppState> {
    let mut router = Router::new()
        .route("/", get(home))
        .route("/signout", post(sign_out))
        .route("/static/app.css", get(stylesheet))
        .merge(kiosk::routes())
        .merge(crate::auth::oidc::routes());
    if dev {
        router = router.route("/dev/login", post(dev_login)).merge(outbox::routes());
    }
    router
}

/// The language for a page: the person's, else their tenant's, else the browser's.
async fn page_locale(state: &AppState, user: Option<&User>, headers: &HeaderMap) -> Locale {
    if let Some(user) = user {
        if let Some(locale) = user.locale {
            return locale;
        }
        if let Ok(Some(tenant)) = state.store().get_tenant(user.tenant_id).await {
            return tenant.locale;
        }
    }
    i18n::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

async fn home(State(state): State<AppState>, MaybeUser(user): MaybeUser, headers: HeaderMap) -> Response {
    let t = i18n::texts(page_locale(&state, user.as_ref(), &headers).await);
    let (csrf, set_cookie) = csrf::ensure(&headers, state.settings.secure_cookies());
    let page = match user {
        Some(user) => dashboard(&state, user, t, csrf).await,
        None => landing(&state, t, csrf).await,
    };
    with_cookie(page, set_cookie)
}

async fn landing(state: &AppState, t: &'static Texts, csrf: String) -> Response {
    let dev_people = if state.settings.dev { demo_people(state).await } else { Vec::new() };
    render(&Landing { t, csrf, google_enabled: state.google.enabled(), dev_people })
}

async fn dashboard(state: &AppState, user: User, t: &'static Texts, csrf: String) -> Response {
    let ctx = sala_app::Context::new(sala_app::Principal::User(user.clone()));
    let rooms = sala_app::rooms::list_rooms(state.store(), &ctx, false).await;
    let tenant = state.store().get_tenant(user.tenant_id).await;
    match (rooms, tenant) {
        (Ok(rooms), Ok(Some(tenant))) => render(&Dashboard { t, csrf, user, tenant_name: tenant.name, rooms }),
        _ => error_page(t, StatusCode::INTERNAL_SERVER_ERROR, "Error", "The dashboard could not be loaded."),
    }
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
        Err(err) => error_page(t, StatusCode::FORBIDDEN, "Sign-in refused", &err.to_string()),
    }
}

/// Starts a session for `user` and sends the browser to `return_to` (a local path).
pub async fn sign_in_response(state: &AppState, user: &User, return_to: &str) -> Response {
    let lifetime = std::time::Duration::from_secs(state.settings.session_hours * 3600);
    match sala_app::sessions::start_session(state.store(), user, lifetime).await {
        Ok(token) => {
            let cookie =
                cookies::set(cookies::SESSION, &token, Some(lifetime.as_secs()), state.settings.secure_cookies());
            with_cookie(Redirect::to(safe_return_path(return_to)).into_response(), Some(cookie))
        }
        Err(err) => {
            tracing::error!(%err, "could not start session");
            error_page(i18n::texts(Locale::Es), StatusCode::INTERNAL_SERVER_ERROR, "Error", "Please try again.")
        }
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
    if let Some(token) = cookies::read(&headers, cookies::SESSION)
        && let Err(err) = sala_app::sessions::end_session(state.store(), &token).await
    {
        tracing::error!(%err, "could not end session");
    }
    let clear = cookies::clear(cookies::SESSION, state.settings.secure_cookies());
    with_cookie(Redirect::to("/").into_response(), Some(clear))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
}

/// A readable error page with the status.
pub fn error_page(t: &'static Texts, status: StatusCode, title: &str, message: &str) -> Response {
    let page = Message { t, title: title.to_owned(), message: message.to_owned(), request_id: None };
    (status, render(&page)).into_response()
}

/// Only local absolute paths (`/x`), never `//host` or a scheme: no open redirects.
pub fn safe_return_path(candidate: &str) -> &str {
    let local = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.starts_with("/\\")
        && !candidate.chars().any(|c| c.is_control());
    if local { candidate } else { "/" }
}

fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::safe_return_path;

    #[test]
    fn return_paths_stay_local() {
        assert_eq!(safe_return_path("/rooms?x=1"), "/rooms?x=1");
        for bad in ["https://evil.test", "//evil.test", "/\\evil.test", "javascript:alert(1)", "", "/a\r\nb"] {
            assert_eq!(safe_return_path(bad), "/", "{bad}");
        }
    }
}
