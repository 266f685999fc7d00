//! The few cookies Sala sets, read and written by hand: a crate would add more than it saves.
//! All are HttpOnly and SameSite=Lax. When the base URL is https they are `Secure` and named with
//! the `__Host-` prefix (RFC 6265bis): browsers then accept them only from a secure origin, for
//! the whole site and without a `Domain`, so neither a sibling subdomain nor a plain-http page
//! can plant or overwrite one (cookie tossing).

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use std::borrow::Cow;

pub const SESSION: &str = "sala_session";
pub const CSRF: &str = "sala_csrf";
pub const LOGIN: &str = "sala_login";

/// The name cookie `base` goes by: `__Host-` prefixed when `secure`.
pub fn name(base: &str, secure: bool) -> Cow<'_, str> {
    if secure { format!("__Host-{base}").into() } else { base.into() }
}

/// The value of cookie `base` in the request, if present (by its [`name`]).
pub fn read(headers: &HeaderMap, base: &str, secure: bool) -> Option<String> {
    let name = name(base, secure);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value for cookie `base` (by its [`name`]). `max_age` in seconds; `None` for a
/// browser-session cookie.
pub fn set(base: &str, value: &str, max_age: Option<u64>, secure: bool) -> String {
    let name = name(base, secure);
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

/// A `Set-Cookie` value that deletes the cookie.
pub fn clear(name: &str, secure: bool) -> String {
    set(name, "", Some(0), secure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_one_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; sala_session=abc; b=2"));
        assert_eq!(read(&headers, SESSION, false).as_deref(), Some("abc"));
        assert_eq!(read(&headers, CSRF, false), None);
    }

    #[test]
    fn writes_safe_attributes() {
        let c = set(SESSION, "v", Some(60), false);
        assert_eq!(c, "sala_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60");
    }

    #[test]
    fn over_https_cookies_carry_the_host_prefix_and_only_it_is_read() {
        let c = set(SESSION, "v", Some(60), true);
        assert_eq!(c, "__Host-sala_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
        let mut headers = HeaderMap::new();
        // A cookie without the prefix could have been planted by a sibling subdomain: ignored.
        headers.insert(COOKIE, HeaderValue::from_static("sala_session=planted; __Host-sala_session=real"));
        assert_eq!(read(&headers, SESSION, true).as_deref(), Some("real"));
        headers.insert(COOKIE, HeaderValue::from_static("sala_session=planted"));
        assert_eq!(read(&headers, SESSION, true), None);
    }
}
