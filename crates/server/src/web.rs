//! What every HTML response shares, pages and sign-in alike: rendering a template, the readable
//! error page, cookies on a response, the headers of a page whose URL is a credential, and the
//! local-path check that keeps redirects on this site.

use crate::i18n::Texts;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// The error page's template: a title, a message, and the request id to quote.
#[derive(Template)]
#[template(path = "message.html")]
pub struct Message {
    pub t: &'static Texts,
    pub title: String,
    pub message: String,
    pub request_id: Option<String>,
}

/// Renders a page; a template failure is logged and answered with a bare 500.
pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => {
            tracing::error!(%err, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A readable error page with the status.
pub fn error_page(t: &'static Texts, status: StatusCode, title: &str, message: &str) -> Response {
    let page = Message { t, title: title.to_owned(), message: message.to_owned(), request_id: None };
    (status, render(&page)).into_response()
}

/// Only local absolute paths (`/x`), never `//host` or a scheme: no open redirects.
pub fn safe_return_path(candidate: &str) -> &str {
    let local = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.starts_with("/\\")
        && !candidate.chars().any(|c| c.is_control());
    if local { candidate } else { "/" }
}

/// A page whose URL is a credential (a kiosk link, an invitation's answer link): kept out of
/// caches and search indexes, and out of the Referer of anything on another origin.
/// `same-origin`, not `no-referrer`: under `no-referrer` a browser posts the page's own form with
/// `Origin: null`, which the CSRF check rightly refuses (an opaque origin may be a sandboxed
/// frame of anyone's); `same-origin` keeps the real Origin on our own posts and still sends no
/// Referer at all to other sites.
pub fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

/// Adds `cookie` (a `Set-Cookie` value) to `response`, when there is one.
pub fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::safe_return_path;

    #[test]
    fn return_paths_stay_local() {
        assert_eq!(safe_return_path("/rooms?x=1"), "/rooms?x=1");
        for bad in ["https://evil.test", "//evil.test", "/\\evil.test", "javascript:alert(1)", "", "/a\r\nb"] {
            assert_eq!(safe_return_path(bad), "/", "{bad}");
        }
    }
}
