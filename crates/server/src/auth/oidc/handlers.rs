//! The two routes: `GET /auth/google` starts a sign-in and `GET /auth/google/callback` finishes
//! it, with the `sala_login` cookie that ties the flow to this browser.

use super::FLOW_LIFETIME;
use super::failure::Failure;
use crate::auth::cookies;
use crate::i18n;
use crate::pages::sign_in_response;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use sala_app::AppError;
use sala_domain::{Locale, LoginFlow, User};
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct StartParams {
    return_to: Option<String>,
}

/// Starts a sign-in: remembers the flow for this browser and sends it to Google.
pub(super) async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<StartParams>, QueryRejection>,
) -> Response {
    let return_to = params.ok().and_then(|Query(p)| p.return_to).unwrap_or_else(|| "/".to_owned());
    match begin(&state, &return_to).await {
        Ok((url, token)) => {
            let cookie =
                cookies::set(cookies::LOGIN, &token, Some(FLOW_LIFETIME.as_secs()), state.settings.secure_cookies());
            with_cookie(Redirect::to(url.as_str()).into_response(), &cookie)
        }
        Err(failure) => failure.respond(locale(&headers)),
    }
}

/// The provider's URL for this sign-in and the token of the stored flow.
async fn begin(state: &AppState, return_to: &str) -> Result<(url::Url, String), Failure> {
    let (url, flow) = state.google.authorization(return_to).await?;
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
    headers: HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Response {
    let response = match finish(&state, &headers, params).await {
        Ok((user, return_to)) => sign_in_response(&state, &user, &return_to).await,
        Err(failure) => failure.respond(locale(&headers)),
    };
    with_cookie(response, &cookies::clear(cookies::LOGIN, state.settings.secure_cookies()))
}

/// The callback's checks in order; the flow is taken (and so used up) before anything else.
async fn finish(
    state: &AppState,
    headers: &HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Result<(User, String), Failure> {
    state.google.registration()?;
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
    let identity = state.google.identify(code, &flow).await?;
    let user = sala_app::sign_in::sign_in_with_google(state.store(), &identity)
        .await
        .map_err(|err| Failure::from_sign_in(err, &identity))?;
    Ok((user, flow.return_to))
}

/// The flow this browser started, by its `sala_login` cookie. Each flow comes back once.
async fn take_flow(state: &AppState, headers: &HeaderMap) -> Result<LoginFlow, Failure> {
    let token = cookies::read(headers, cookies::LOGIN)
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
