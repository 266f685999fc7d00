//! Forms posted from a signed-in page, checked before the handler sees them: [`PageForm`] (any
//! signed-in person), [`AdminForm`] (admins) and [`AdminUpload`] (an admin's form with a file). Each reads the page's shell, then the body; a
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
    admit(shell, &token.csrf, state).map_err(IntoResponse::into_response)?;
    serde_urlencoded::from_bytes(&bytes).map_err(|err| {
        tracing::warn!(%err, "a form that does not fit its page");
        PageError::bad_form(shell.t).into_response()
    })
}

/// A form is taken when its token proves it came from this browser's page and the person is
/// within their rate of changes (every form and upload alike).
fn admit(shell: &Shell, csrf: &str, state: &AppState) -> Result<(), PageError> {
    if !shell.accepts(csrf) {
        return Err(PageError::form_expired(shell.t));
    }
    if let Err(limited) = state.person_write_rate_limit.check(shell.user.id) {
        return Err(PageError::too_many(shell.t, limited.seconds));
    }
    Ok(())
}

/// A posted form's fields in order, for a form where a name repeats (ticked boxes that share a
/// name: events, days, equipment); posted as `AdminForm<Vec<(String, String)>>`.
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name` (empty when absent).
    pub fn one(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }
}

/// An admin page's shell and its posted `multipart/form-data` (a form with a file), the CSRF
/// token checked like any form's. The parts are read whole, within the route's body limit.
pub struct AdminUpload(pub Shell, pub Upload);

/// The parts of an uploaded form by name (the last of a repeated name wins).
#[derive(Default)]
pub struct Upload {
    parts: Vec<(String, Vec<u8>)>,
}

impl Upload {
    /// The part named `name`, as sent.
    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.parts.iter().rev().find(|(n, _)| n == name).map(|(_, b)| b.as_slice())
    }

    /// The part named `name` as text; not text is empty.
    pub fn text(&self, name: &str) -> String {
        self.bytes(name).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default()
    }
}

impl FromRequest<AppState> for AdminUpload {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let AdminPage(shell) = AdminPage::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let Ok(mut multipart) = axum::extract::Multipart::from_request(req, state).await else {
            return Err(PageError::bad_form(shell.t).into_response());
        };
        let mut upload = Upload::default();
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_owned();
                    match field.bytes().await {
                        Ok(bytes) => upload.parts.push((name, bytes.to_vec())),
                        Err(e) => return Err(refused(&shell, &e)),
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(refused(&shell, &e)),
            }
        }
        admit(&shell, &upload.text("csrf"), state).map_err(IntoResponse::into_response)?;
        Ok(Self(shell, upload))
    }
}

/// Too large says so, in the reader's words; anything else is a form that is not this page's.
fn refused(shell: &Shell, e: &axum::extract::multipart::MultipartError) -> Response {
    let t = shell.t;
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        let said = t.refusal(sala_domain::ErrorCode::PayloadTooLarge);
        return crate::web::error_page(t, axum::http::StatusCode::PAYLOAD_TOO_LARGE, t.error_title, said);
    }
    tracing::warn!(%e, "an upload that could not be read");
    PageError::bad_form(t).into_response()
}
