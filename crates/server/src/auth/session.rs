//! The signed-in person of a page request, from the session cookie; and the start of a session.

use super::cookies;
use crate::i18n;
use crate::state::AppState;
use crate::web::{error_page, safe_return_path, with_cookie};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use sala_domain::{Locale, User};

/// The signed-in person, or `None`: pages decide what an anonymous visitor sees. Fails only when
/// the database cannot be asked (a readable 503 page with `Retry-After`): taking the visitor for
/// signed out then would send them to the sign-in page, and a form they sent to a refusal.
pub struct MaybeUser(pub Option<User>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = cookies::read(&parts.headers, cookies::SESSION, state.settings.secure_cookies()) else {
            return Ok(Self(None));
        };
        match sala_app::sessions::resolve_session(state.store(), &token).await {
            Ok(user) => Ok(Self(user)),
            Err(sala_app::AppError::Unavailable { code, message }) => {
                tracing::debug!(%code, "could not read the session: {message}");
                let accepted = parts.headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
                let t = i18n::texts(i18n::from_accept_language(accepted));
                let mut page = error_page(t, StatusCode::SERVICE_UNAVAILABLE, t.error_title, t.refusal(code));
                let retry = crate::problem::DATABASE_RETRY_SECONDS;
                page.headers_mut().insert(axum::http::header::RETRY_AFTER, retry.into());
                Err(page)
            }
            Err(err) => {
                tracing::error!(%err, "could not read session");
                Ok(Self(None))
            }
        }
    }
}

/// The signed-in person; anonymous visitors are sent to the sign-in page.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match MaybeUser::from_request_parts(parts, state).await? {
            MaybeUser(Some(user)) => Ok(Self(user)),
            MaybeUser(None) => Err(Redirect::to("/").into_response()),
        }
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
