//! Browser sessions and sign-in flows, kept in the database so any instance can serve any request.
//! The browser holds a random token; the store holds only its hash.

use crate::tokens::{hash_token, random_token};
use crate::{AppError, AppResult, Store};
use sala_domain::ErrorCode;
use sala_domain::{LoginFlow, Session, User, now_millis};
use std::time::Duration;

/// Starts a session for `user`; returns the token for the cookie.
pub async fn start_session(store: &dyn Store, user: &User, lifetime: Duration) -> AppResult<String> {
    let token = random_token();
    let now = now_millis();
    let session = Session {
        tenant_id: user.tenant_id,
        user_id: user.id,
        created_at: now,
        expires_at: now + i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX / 2),
    };
    store.insert_session(&hash_token(&token), &session).await?;
    Ok(token)
}

/// The signed-in person behind a cookie token, if the session is live and the person active.
pub async fn resolve_session(store: &dyn Store, token: &str) -> AppResult<Option<User>> {
    if token.len() > 100 {
        return Ok(None);
    }
    let Some(session) = store.session_by_hash(&hash_token(token), now_millis()).await? else {
        return Ok(None);
    };
    let user = store.get_user(session.tenant_id, session.user_id).await?;
    Ok(user.filter(|u| u.active))
}

pub async fn end_session(store: &dyn Store, token: &str) -> AppResult<()> {
    Ok(store.delete_session(&hash_token(token)).await?)
}

/// Stores a sign-in in progress; returns the token that binds it to this browser (a cookie).
pub async fn begin_login(store: &dyn Store, flow: &LoginFlow) -> AppResult<String> {
    let token = random_token();
    store.insert_login_flow(&hash_token(&token), flow).await?;
    Ok(token)
}

/// Takes back the sign-in this browser started. Each flow completes at most once.
pub async fn finish_login(store: &dyn Store, token: &str) -> AppResult<LoginFlow> {
    let expired = || AppError::SignInRefused {
        code: ErrorCode::SignInExpired,
        message: "This sign-in link has expired or was already used. Please sign in again.".to_owned(),
    };
    if token.len() > 100 {
        return Err(expired());
    }
    store.take_login_flow(&hash_token(token), now_millis()).await?.ok_or_else(expired)
}
