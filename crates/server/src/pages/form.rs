//! Forms posted from a signed-in page, checked before the handler sees them: [`PageForm`] (any
//! signed-in person) and [`AdminForm`] (admins). Each reads the page's shell, then the body; a
//! body whose CSRF token is not this browser's is refused with the "form expired" page, so no
//! handler can forget the check.

use super::error::PageError;
use super::shell::{AdminPage, Page, Shell};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The one field every form carries.
#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

/// A form with nothing but its CSRF token (a button that does one thing).
#[derive(Deserialize)]
pub struct Button {}

/// A signed-in page's shell and its posted form `T`, the CSRF token checked.
pub struct PageForm<T>(pub Shell, pub T);

/// An admin page's shell and its posted form `T`, the CSRF token checked.
pub struct AdminForm<T>(pub Shell, pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Page(shell) = Page::from_request_parts(&mut parts, state).await?;
        let form = checked(&shell, Request::from_parts(parts, body), state).await?;
        Ok(Self(shell, form))
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for AdminForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let AdminPage(shell) = AdminPage::from_request_parts(&mut parts, state).await?;
        let form = checked(&shell, Request::from_parts(parts, body), state).await?;
        Ok(Self(shell, form))
    }
}

/// The form in `req`'s body, once its token proves it came from this browser's page.
async fn checked<T: DeserializeOwned>(shell: &Shell, req: Request, state: &AppState) -> Result<T, Response> {
    let bytes = Bytes::from_request(req, state).await.map_err(IntoResponse::into_response)?;
    let token: Token = serde_urlencoded::from_bytes(&bytes).unwrap_or(Token { csrf: String::new() });
    if !shell.accepts(&token.csrf) {
        return Err(PageError::form_expired(shell.t).into_response());
    }
    serde_urlencoded::from_bytes(&bytes).map_err(|err| {
        tracing::warn!(%err, "a form that does not fit its page");
        PageError::bad_form(shell.t).into_response()
    })
}
