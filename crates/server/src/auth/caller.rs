//! Who is calling the API: an API key (`Authorization: Bearer sala_...`) or, for the web UI's own
//! calls, a session cookie plus the CSRF token in `X-CSRF-Token` on anything that changes state.

use super::{context_for, cookies, csrf};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::extract::OriginalUri;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use sala_app::{AppError, Context, Principal};
use sala_domain::ErrorCode;
use sala_domain::auth::Scope;

/// The authenticated caller, as a use-case context.
pub struct Caller(pub Context);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let unauthenticated = || Problem::from(ApiError(AppError::Unauthenticated));
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let secret = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(unauthenticated)?;
            let key = sala_app::api_keys::authenticate(state.store(), secret).await.map_err(ApiError)?;
            if let Some(missing) = needed_scopes(parts).iter().find(|needed| !key.may(**needed)) {
                return Err(Problem::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::InsufficientScope,
                    format!("This API key lacks the {} scope.", missing.as_str()),
                ));
            }
            state.api_rate_limit.check(key.id)?;
            return Ok(Self(context_for(parts, state, Principal::ApiKey(key))));
        }
        let token = cookies::read(&parts.headers, cookies::SESSION, state.settings.secure_cookies())
            .ok_or_else(unauthenticated)?;
        let user = sala_app::sessions::resolve_session(state.store(), &token)
            .await
            .map_err(ApiError)?
            .ok_or_else(unauthenticated)?;
        if !parts.method.is_safe() {
            let submitted = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !csrf::verify(&parts.headers, submitted, &state.settings.base_url) {
                return Err(Problem::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::CsrfFailed,
                    "Send the page's CSRF token in the X-CSRF-Token header.",
                ));
            }
            state.person_write_rate_limit.check(user.id)?;
        }
        Ok(Self(context_for(parts, state, Principal::User(user))))
    }
}

/// The scopes an API key needs for this request: `read` for GET/HEAD and `write` for the rest;
/// anything under `/webhooks` needs `webhooks` and `read` (an endpoint receives booking data, and
/// a replay sends past events, so managing them reads bookings). One rule for every endpoint.
fn needed_scopes(parts: &Parts) -> &'static [Scope] {
    let path = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.path(), |u| u.0.path());
    if path.split('/').any(|segment| segment == "webhooks") {
        &[Scope::Webhooks, Scope::Read]
    } else if parts.method.is_safe() {
        &[Scope::Read]
    } else {
        &[Scope::Write]
    }
}
