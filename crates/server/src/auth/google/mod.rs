//! The routes of Google sign-in with OpenID Connect; the provider talk (discovery, keys, code
//! exchange, ID-token verification) is `crate::oidc`.
//!
//! `GET /auth/google?return_to=/path` stores the flow (state, nonce, PKCE verifier, where to land)
//! in the database under a random token, puts that token in the `sala_login` cookie (so the flow
//! belongs to this browser) and sends the browser to Google. `GET /auth/google/callback` takes
//! the flow back exactly once, checks `state`, exchanges the code with the PKCE verifier, verifies
//! the ID token (signature against the JWKS, issuer, audience, expiry, nonce), reads the Workspace
//! `hd` claim and lets [`sala_app::sign_in::sign_in_with_google`] decide who the person is.
//!
//! Every failure is a readable page, logged at `warn` without tokens:
//!
//! | what went wrong | status |
//! | --- | --- |
//! | Google sign-in not configured | 404 |
//! | no, unknown, expired or used `sala_login` flow; `state` mismatch; no `code` | 400 |
//! | the ID token fails verification (signature, issuer, audience, expiry, nonce) | 400 |
//! | the person declined (`error=access_denied`); sign-in refused (unknown domain, ...) | 403 |
//! | the Google account is linked to someone else | 409 |
//! | the provider cannot be reached, answers badly or reports another error | 502 |
//!
//! `handlers` are the two routes (and the calendar connection); `crate::auth::sign_in_page` turns
//! a [`crate::oidc::Failure`] into a page and a log line.

mod handlers;

use crate::oidc::{CALLBACK_PATH, CONNECT_PATH};
use crate::state::AppState;
use axum::Router;
use axum::routing::get;

/// `/auth/google`, the calendar connection and the callback.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/google", get(handlers::start))
        .route(CONNECT_PATH, get(handlers::connect_calendar))
        .route(CALLBACK_PATH, get(handlers::callback))
}
