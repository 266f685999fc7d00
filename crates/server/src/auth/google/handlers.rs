//! The two routes: `GET /auth/google` starts a sign-in and `GET /auth/google/callback` finishes
//! it, with the `sala_login` cookie that ties the flow to this browser (`crate::auth::login_flow`).

use crate::auth::login_flow::{CallbackParams, StartParams, callback_code, clear_flow, locale, redirect_to_provider};
use crate::auth::session::{MaybeUser, sign_in_response};
use crate::auth::sign_in_page::{Provider, respond};
use crate::oidc::{Failure, google_domain};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use sala_app::AppError;
use sala_domain::ErrorCode;
use sala_domain::{LoginFlow, User};
use std::net::SocketAddr;

/// Starts a sign-in: remembers the flow for this browser and sends it to Google.
pub(super) async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<StartParams>, QueryRejection>,
) -> Response {
    // Each start stores a flow: an anonymous address may start only so many a minute.
    if let Err(limited) = state.sign_in_rate_limit.check(peer.ip()) {
        return respond(Provider::Google, Failure::TooMany(limited.seconds), locale(&headers));
    }
    redirect_to_google(&state, &headers, &StartParams::return_to(params), None).await
}

/// A signed-in person connects their Google Calendar (`GET /auth/google/calendar`): the same
/// round trip to Google, asking for the calendar too. Anonymous visitors sign in first.
pub(super) async fn connect_calendar(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    params: Result<Query<StartParams>, QueryRejection>,
) -> Response {
    let Some(user) = user else {
        return Redirect::to(&format!("/auth/google?return_to={}", crate::oidc::CONNECT_PATH)).into_response();
    };
    redirect_to_google(&state, &headers, &StartParams::return_to(params), Some(&user)).await
}

async fn redirect_to_google(
    state: &AppState,
    headers: &HeaderMap,
    return_to: &str,
    connect: Option<&User>,
) -> Response {
    let started = match state.google.authorization(return_to, connect).await {
        Ok((url, flow)) => redirect_to_provider(state, &url, &flow).await,
        Err(failure) => Err(failure),
    };
    started.unwrap_or_else(|failure| respond(Provider::Google, failure, locale(headers)))
}

/// Finishes a sign-in: on success a session and a redirect to where the person was going. The
/// `sala_login` cookie is cleared either way: a flow is used once.
pub(super) async fn callback(
    State(state): State<AppState>,
    MaybeUser(signed_in): MaybeUser,
    headers: HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Response {
    let response = match finish(&state, &headers, params, signed_in).await {
        Ok(Finished::SignedIn(user, return_to)) => sign_in_response(&state, &user, &return_to).await,
        Ok(Finished::Connected(return_to)) => Redirect::to(&return_to).into_response(),
        Err(failure) => respond(Provider::Google, failure, locale(&headers)),
    };
    clear_flow(&state, response)
}

/// How a callback ended well.
enum Finished {
    /// Signed in: a session, then where the person was going.
    SignedIn(Box<User>, String),
    /// A signed-in person connected their calendar: back to where they were.
    Connected(String),
}

/// The callback's checks in order; the flow is taken (and so used up) before anything else.
async fn finish(
    state: &AppState,
    headers: &HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
    signed_in: Option<User>,
) -> Result<Finished, Failure> {
    state.google.configured()?;
    let (flow, code) = callback_code(state, headers, params).await?;
    if let Some(person) = flow.connect_for {
        return connect(state, &flow, code, person, signed_in).await;
    }
    let (identity, grant) = state.google.exchange(code, &flow).await?;
    let user = sala_app::sign_in::sign_in_with_google(state.store(), &identity)
        .await
        .map_err(|err| Failure::about(err, google_domain(&identity)))?;
    keep_calendar_grant(state, &user, grant).await;
    Ok(Finished::SignedIn(Box::new(user), flow.return_to))
}

/// A sign-in that also granted the calendar (with a refresh token, which Google sends on the
/// first consent) connects it at once: Meet links then work with nothing else to do. A sign-in
/// without it changes nothing; the person can still connect from their account page.
async fn keep_calendar_grant(state: &AppState, user: &User, grant: sala_app::google_connections::Grant) {
    if !grant.grants_calendar() {
        return;
    }
    let ctx = sala_app::Context::new(sala_app::Principal::User(user.clone()));
    if let Err(err) = sala_app::google_connections::connect(state.store(), &ctx, &state.secrets(), grant).await {
        // Signing in still succeeds; the account page offers to connect again.
        tracing::warn!(user = %user.id, error = %err, "the calendar granted at sign-in could not be kept");
    }
}

/// Keeps the calendar grant for the person who started the connection, if they are still the
/// one signed in and the Google account is theirs.
async fn connect(
    state: &AppState,
    flow: &LoginFlow,
    code: String,
    person: sala_domain::UserId,
    signed_in: Option<User>,
) -> Result<Finished, Failure> {
    let user = signed_in.filter(|u| u.id == person).ok_or(Failure::BadCallback("signed in as someone else"))?;
    let (identity, grant) = state.google.exchange(code, flow).await?;
    let same_account = match &user.google_subject {
        Some(subject) => *subject == identity.subject,
        None => identity.email.eq_ignore_ascii_case(user.email.as_str()),
    };
    if !same_account {
        return Err(Failure::Refused {
            code: ErrorCode::OtherGoogleAccount,
            message: format!("Connect the Google account you sign in with ({}).", user.email),
            detail: Some(user.email.to_string()),
        });
    }
    let ctx = sala_app::Context::new(sala_app::Principal::User(user));
    sala_app::google_connections::connect(state.store(), &ctx, &state.secrets(), grant).await.map_err(
        |err| match err {
            AppError::Invalid(errors) => Failure::Refused {
                code: errors.first().map_or(ErrorCode::CalendarNotGranted, |e| e.code),
                message: errors.first().map(|e| e.message.clone()).unwrap_or_default(),
                detail: None,
            },
            other => Failure::from_app(other),
        },
    )?;
    Ok(Finished::Connected(flow.return_to.clone()))
}
