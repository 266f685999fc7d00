//! A page that does not exist, as a browser is shown it: signed in, inside the app's header (so
//! the way on is one click away); signed out, as the plain readable page, in the browser's
//! language. API clients get problem+json from the router instead.

use super::shell::{Nav, Page, Shell};
use super::{error_page, page_locale, render};
use crate::i18n::{self, Texts};
use crate::state::AppState;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "app/message.html")]
struct AppMessage {
    t: &'static Texts,
    shell: Shell,
    title: &'static str,
    message: &'static str,
}

/// The 404 page for `parts`' request.
pub async fn not_found(state: &AppState, parts: &mut Parts) -> Response {
    match Page::from_request_parts(parts, state).await {
        Ok(Page(shell)) => {
            let t = shell.t;
            let page = AppMessage { t, shell, title: t.not_found_title, message: t.page_not_found };
            let response = (StatusCode::NOT_FOUND, render(&page)).into_response();
            page.shell.finish(response)
        }
        Err(_) => {
            let t = i18n::texts(page_locale(state, None, &parts.headers).await);
            error_page(t, StatusCode::NOT_FOUND, t.not_found_title, t.page_not_found)
        }
    }
}
