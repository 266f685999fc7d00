//! The two routes: `GET /auth/google` starts a sign-in and `GET /auth/google/callback` finishes
//! it, with the `sala_login` cookie that ties the flow to this browser.

use super::page::respond;
use crate::auth::cookies;
use crate::auth::session::{MaybeUser, sign_in_response};
use crate::i18n;
use crate::oidc::{FLOW_LIFETIME, Failure};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use sala_app::AppError;
use sala_domain::ErrorCode;
use sala_domain::{Locale, LoginFlow, User};
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Deserialize)]
pub(super) struct StartParams {
    return_to: Option<String>,
}

/// Starts a sign-in: remembers the flow for this browser and sends it to Google.
pub(super) async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<StartParams>, QueryRejection>,
) -> Response {
    // Each start stores a flow: an anonymous address may start only so many a minute.
    if let Err(limited) = state.sign_in_rate_limit.check(peer.ip()) {
        return respond(Failure::TooMany(limited.seconds), locale(&headers));
    }
    let return_to = params.ok().and_then(|Query(p)| p.return_to).unwrap_or_else(|| "/".to_owned());
    redirect_to_google(&state, &headers, &return_to, None).await
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
    let return_to = params.ok().and_then(|Query(p)| p.return_to).unwrap_or_else(|| "/".to_owned());
    redirect_to_google(&state, &headers, &return_to, Some(&user)).await
}

async fn redirect_to_google(
    state: &AppState,
    headers: &HeaderMap,
    return_to: &str,
    connect: Option<&User>,
) -> Response {
    match begin(state, return_to, connect).await {
        Ok((url, token)) => {
            let cookie =
                cookies::set(cookies::LOGIN, &token, Some(FLOW_LIFETIME.as_secs()), state.settings.secure_cookies());
            with_cookie(Redirect::to(url.as_str()).into_response(), &cookie)
        }
        Err(failure) => respond(failure, locale(headers)),
    }
}

/// The provider's URL for this sign-in (or calendar connection) and the token of the stored flow.
async fn begin(state: &AppState, return_to: &str, connect: Option<&User>) -> Result<(url::Url, String), Failure> {
    let (url, flow) = state.google.authorization(return_to, connect).await?;
    let token = sala_app::sessions::begin_login(state.store(), &flow).await.map_err(Failure::from_app)?;
    Ok((url, token))
}

/// What the provider appends to the redirect URI.
#[derive(Deserialize)]
pub(super) struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
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
        Err(failure) => respond(failure, locale(&headers)),
    };
    with_cookie(response, &cookies::clear(cookies::LOGIN, state.settings.secure_cookies()))
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
    let flow = take_flow(state, headers).await?;
    let Query(params) = params.map_err(|_| Failure::BadCallback("unreadable query string"))?;
    if let Some(error) = params.error {
        return Err(Failure::Declined(error));
    }
    let returned_state = params.state.ok_or(Failure::BadCallback("no state"))?;
    if !sala_app::tokens::same_secret(&returned_state, &flow.csrf_state) {
        return Err(Failure::BadCallback("state does not match the flow"));
    }
    let code = params.code.ok_or(Failure::BadCallback("no code"))?;
    if let Some(person) = flow.connect_for {
        return connect(state, &flow, code, person, signed_in).await;
    }
    let (identity, grant) = state.google.exchange(code, &flow).await?;
    let user = sala_app::sign_in::sign_in_with_google(state.store(), &identity)
        .await
        .map_err(|err| Failure::from_sign_in(err, &identity))?;
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

/// The flow this browser started, by its `sala_login` cookie. Each flow comes back once.
async fn take_flow(state: &AppState, headers: &HeaderMap) -> Result<LoginFlow, Failure> {
    let token = cookies::read(headers, cookies::LOGIN, state.settings.secure_cookies())
        .filter(|t| !t.is_empty())
        .ok_or(Failure::Expired("no sala_login cookie"))?;
    sala_app::sessions::finish_login(state.store(), &token).await.map_err(|err| match err {
        AppError::SignInRefused { .. } => Failure::Expired("unknown, expired or used flow"),
        other => Failure::from_app(other),
    })
}

fn locale(headers: &HeaderMap) -> Locale {
    i18n::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
