//! CSRF protection for forms and for the web UI's own API calls: a random token in a cookie that
//! the page repeats in a hidden field (or the `X-CSRF-Token` header). Another site can make the
//! browser send the cookie but cannot read it, so it cannot repeat it. SameSite=Lax cookies and an
//! Origin check are two more layers.

use super::cookies;
use axum::http::{HeaderMap, header};
use sala_app::tokens::{random_token, same_secret};

/// The token for this browser, and a `Set-Cookie` when it had none yet.
pub fn ensure(headers: &HeaderMap, secure: bool) -> (String, Option<String>) {
    match cookies::read(headers, cookies::CSRF, secure).filter(|t| t.len() == 43) {
        Some(token) => (token, None),
        None => {
            let token = random_token();
            let cookie = cookies::set(cookies::CSRF, &token, None, secure);
            (token, Some(cookie))
        }
    }
}

/// Does the submitted token match this browser's, and does the request come from our own origin?
pub fn verify(headers: &HeaderMap, submitted: &str, base_url: &str) -> bool {
    CsrfCheck::of(headers, base_url).accepts(submitted)
}

/// What a request's form token is checked against: the browser's cookie, and whether the
/// request came from our own origin. Read once from the request, asked of each form.
#[derive(Clone, Debug)]
pub struct CsrfCheck {
    cookie: Option<String>,
    from_us: bool,
}

impl CsrfCheck {
    pub fn of(headers: &HeaderMap, base_url: &str) -> Self {
        // Browsers send Origin on every cross-site POST; a missing one leaves the decision to the token.
        let from_us = match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
            None => true,
            Some(origin) => same_origin(origin, base_url),
        };
        let secure = base_url.starts_with("https://");
        Self { cookie: cookies::read(headers, cookies::CSRF, secure), from_us }
    }

    pub fn accepts(&self, submitted: &str) -> bool {
        self.from_us && self.cookie.as_deref().is_some_and(|cookie| same_secret(cookie, submitted))
    }
}

/// `origin` (scheme://host[:port]) is exactly the origin of `base_url`.
fn same_origin(origin: &str, base_url: &str) -> bool {
    url::Url::parse(base_url).is_ok_and(|u| u.origin().ascii_serialization() == origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(cookie: &str, origin: Option<&'static str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap_or(HeaderValue::from_static("")));
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_static(o));
        }
        h
    }

    #[test]
    fn token_must_match_cookie_and_origin() {
        let token = "a".repeat(43);
        let cookie = format!("sala_csrf={token}");
        let base = "http://127.0.0.1:8080";
        assert!(verify(&headers(&cookie, None), &token, base));
        assert!(verify(&headers(&cookie, Some("http://127.0.0.1:8080")), &token, base));
        assert!(!verify(&headers(&cookie, Some("https://evil.test")), &token, base));
        assert!(!verify(&headers(&cookie, Some("null")), &token, base));
        assert!(!verify(&headers(&cookie, None), &"b".repeat(43), base));
        assert!(!verify(&headers("", None), &token, base));
    }
}
