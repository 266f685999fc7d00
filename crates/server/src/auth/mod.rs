//! Who is calling: API keys and browser sessions for the API, sessions for pages, CSRF for forms,
//! Google's and Microsoft's sign-in routes (with what they share: `login_flow`, `sign_in_page`)
//! and (in dev mode) the dev login for signing in.

pub mod caller;
pub mod cookies;
pub mod csrf;
pub mod google;
pub mod login_flow;
pub mod microsoft;
pub mod session;
pub mod sign_in_page;

pub use caller::Caller;
pub use session::{CurrentUser, MaybeUser, sign_in_response};

use crate::state::AppState;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use sala_app::{Context, Principal};
use std::net::SocketAddr;

/// A context for `principal` carrying this request's id and the caller's address, for the audit log.
pub fn context_for(parts: &Parts, state: &AppState, principal: Principal) -> Context {
    let request_id = parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string());
    Context { principal, guest_quotas: state.settings.guest_quotas(), request_id, ip }
}
