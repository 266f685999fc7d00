//! The few cookies Sala sets, read and written by hand: a crate would add more than it saves.
//! All are HttpOnly and SameSite=Lax; `Secure` when the base URL is https.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

pub const SESSION: &str = "sala_session";
pub const CSRF: &str = "sala_csrf";
pub const LOGIN: &str = "sala_login";

/// The value of cookie `name` in the request, if present.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value. `max_age` in seconds; `None` for a browser-session cookie.
pub fn set(name: &str, value: &str, max_age: Option<u64>, secure: bool) -> String {
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
        assert_eq!(read(&headers, SESSION).as_deref(), Some("abc"));
        assert_eq!(read(&headers, CSRF), None);
    }

    #[test]
    fn writes_safe_attributes() {
        let c = set(SESSION, "v", Some(60), true);
        assert_eq!(c, "sala_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
    }
}
