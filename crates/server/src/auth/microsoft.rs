//! The routes of Microsoft sign-in (Entra ID, OpenID Connect); the provider talk is
//! `crate::oidc::MicrosoftSignIn`.
//!
//! `GET /auth/microsoft?return_to=/path` stores the flow and sends the browser to Microsoft, as
//! Google's start does; `GET /auth/microsoft/callback` takes the flow back once, checks `state`,
//! exchanges the code with the PKCE verifier, verifies the ID token (signature, audience, expiry,
//! nonce, and an issuer that is the token's own tenant's) and lets
//! [`sala_app::sign_in_microsoft::sign_in_with_microsoft`] decide who the person is. Failures are
//! the same readable pages and statuses as Google's (`crate::auth::google`).

use crate::auth::login_flow::{CallbackParams, StartParams, callback_code, clear_flow, locale, redirect_to_provider};
use crate::auth::session::sign_in_response;
use crate::auth::sign_in_page::{Provider, respond};
use crate::oidc::{Failure, MICROSOFT_CALLBACK_PATH};
use crate::state::AppState;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use sala_domain::User;
use std::net::SocketAddr;

/// Where the sign-in page's Microsoft button goes.
pub const START_PATH: &str = "/auth/microsoft";

/// `/auth/microsoft` and its callback.
pub fn routes() -> Router<AppState> {
    Router::new().route(START_PATH, get(start)).route(MICROSOFT_CALLBACK_PATH, get(callback))
}

/// Starts a sign-in: remembers the flow for this browser and sends it to Microsoft.
async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<StartParams>, QueryRejection>,
) -> Response {
    // Each start stores a flow: an anonymous address may start only so many a minute.
    if let Err(limited) = state.sign_in_rate_limit.check(peer.ip()) {
        return respond(Provider::Microsoft, Failure::TooMany(limited.seconds), locale(&headers));
    }
    let started = match state.microsoft.authorization(&StartParams::return_to(params)).await {
        Ok((url, flow)) => redirect_to_provider(&state, &url, &flow).await,
        Err(failure) => Err(failure),
    };
    started.unwrap_or_else(|failure| respond(Provider::Microsoft, failure, locale(&headers)))
}

/// Finishes a sign-in: on success a session and a redirect to where the person was going. The
/// `sala_login` cookie is cleared either way: a flow is used once.
async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Response {
    let response = match finish(&state, &headers, params).await {
        Ok((user, return_to)) => sign_in_response(&state, &user, &return_to).await,
        Err(failure) => respond(Provider::Microsoft, failure, locale(&headers)),
    };
    clear_flow(&state, response)
}

async fn finish(
    state: &AppState,
    headers: &HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Result<(User, String), Failure> {
    state.microsoft.configured()?;
    let (flow, code) = callback_code(state, headers, params).await?;
    if flow.connect_for.is_some() {
        // A Google calendar connection's flow, brought to the wrong callback.
        return Err(Failure::BadCallback("not a sign-in flow"));
    }
    let identity = state.microsoft.exchange(code, &flow).await?;
    let user = sala_app::sign_in_microsoft::sign_in_with_microsoft(state.store(), &identity)
        .await
        .map_err(|err| Failure::about(err, identity.username.clone()))?;
    Ok((user, flow.return_to))
}
