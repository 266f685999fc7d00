//! What every provider's sign-in routes share: the `sala_login` cookie that ties a stored flow
//! to this browser, the callback's query and its checks (the flow taken once, `state`, `code`).

use crate::auth::cookies;
use crate::i18n;
use crate::oidc::{FLOW_LIFETIME, Failure};
use crate::state::AppState;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use sala_app::AppError;
use sala_domain::{Locale, LoginFlow};
use serde::Deserialize;

/// `?return_to=/path` on a sign-in's start.
#[derive(Deserialize)]
pub struct StartParams {
    pub return_to: Option<String>,
}

impl StartParams {
    /// Where to land after signing in (made safe when the flow is stored).
    pub fn return_to(params: Result<Query<Self>, QueryRejection>) -> String {
        params.ok().and_then(|Query(p)| p.return_to).unwrap_or_else(|| "/".to_owned())
    }
}

/// What the provider appends to the redirect URI.
#[derive(Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Stores `flow` and sends the browser to the provider's `url` with the flow's cookie.
pub async fn redirect_to_provider(state: &AppState, url: &url::Url, flow: &LoginFlow) -> Result<Response, Failure> {
    let token = sala_app::sessions::begin_login(state.store(), flow).await.map_err(Failure::from_app)?;
    let cookie = cookies::set(cookies::LOGIN, &token, Some(FLOW_LIFETIME.as_secs()), state.settings.secure_cookies());
    Ok(with_cookie(Redirect::to(url.as_str()).into_response(), &cookie))
}

/// The callback's checks in order: the flow is taken (and so used up) first, then the provider's
/// answer must be a code for this flow's `state`.
pub async fn callback_code(
    state: &AppState,
    headers: &HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Result<(LoginFlow, String), Failure> {
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
    Ok((flow, code))
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

/// The `sala_login` cookie cleared on `response`: a flow is used once.
pub fn clear_flow(state: &AppState, response: Response) -> Response {
    with_cookie(response, &cookies::clear(cookies::LOGIN, state.settings.secure_cookies()))
}

/// The visitor's language, for failure pages.
pub fn locale(headers: &HeaderMap) -> Locale {
    i18n::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
