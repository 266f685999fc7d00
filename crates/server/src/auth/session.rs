//! The signed-in person of a page request, from the session cookie.

use super::cookies;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use sala_domain::User;

/// The signed-in person, or `None`. Never fails: pages decide what an anonymous visitor sees.
pub struct MaybeUser(pub Option<User>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = cookies::read(&parts.headers, cookies::SESSION) else {
            return Ok(Self(None));
        };
        match sala_app::sessions::resolve_session(state.store(), &token).await {
            Ok(user) => Ok(Self(user)),
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
        match MaybeUser::from_request_parts(parts, state).await {
            Ok(MaybeUser(Some(user))) => Ok(Self(user)),
            _ => Err(Redirect::to("/").into_response()),
        }
    }
}
