//! `/feeds/{token}.ics`: a calendar feed as calendar apps fetch it, with no sign-in (the URL is
//! the credential, made with `POST /api/v1/feeds` or on the account and room pages). It answers
//! `text/calendar` with an `ETag`, and `304 Not Modified` to an `If-None-Match` that names it; an
//! unknown or revoked token is a plain 404. The token stays out of the logs (see the router).

use crate::i18n;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sala_app::AppError;
use sala_app::feeds::{CalendarFile, feed_calendar, open_feed};

pub fn routes() -> Router<AppState> {
    Router::new().route("/feeds/{file}", get(feed))
}

async fn feed(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(token) = file.strip_suffix(".ics") else { return nothing_here() };
    let opened = match open_feed(state.store(), token).await {
        Ok(opened) => opened,
        Err(AppError::NotFound { .. }) => return nothing_here(),
        Err(err) => return failed(&err),
    };
    let (feed, tenant, ctx) = opened;
    let locale = ctx.user().and_then(|u| u.locale).unwrap_or(tenant.locale);
    let busy = i18n::texts(locale).busy;
    match feed_calendar(state.store(), &feed, &tenant, &ctx, &state.settings.host(), busy).await {
        Ok(file) => calendar_response(&file, &headers, None),
        Err(err) => failed(&err),
    }
}

/// A calendar file as an answer: `text/calendar` with its `ETag`, or `304` when the client holds
/// it already. `attachment`: a download's file name.
pub(crate) fn calendar_response(file: &CalendarFile, headers: &HeaderMap, attachment: Option<&str>) -> Response {
    let etag = HeaderValue::from_str(&file.etag).ok();
    let mut response = if holds(headers, &file.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], file.body.clone()).into_response()
    };
    let h = response.headers_mut();
    if let Some(etag) = etag {
        h.insert(header::ETAG, etag);
    }
    // Calendar apps poll; each poll asks again (cheaply, with If-None-Match) rather than trusting
    // a cache, and no shared cache keeps a feed that only its URL's holder should see.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    if let Some(value) =
        attachment.and_then(|name| HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).ok())
    {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Does `If-None-Match` name `etag` (or `*`)? Weak tags compare equal too (RFC 9110 §13.1.2).
fn holds(headers: &HeaderMap, etag: &str) -> bool {
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |tag| {
            let tag = tag.trim();
            tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag
        },
    )
}

fn nothing_here() -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "Not found\n").into_response()
}

fn failed(err: &AppError) -> Response {
    tracing::error!(%err, "calendar feed failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

#[cfg(test)]
mod tests {
    use super::holds;
    use axum::http::{HeaderMap, HeaderValue, header};

    #[test]
    fn if_none_match_names_the_tag() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")));
            h
        };
        assert!(holds(&with("\"abc\""), "\"abc\""));
        assert!(holds(&with("\"x\", W/\"abc\""), "\"abc\""));
        assert!(holds(&with("*"), "\"abc\""));
        assert!(!holds(&with("\"abcd\""), "\"abc\""));
        assert!(!holds(&HeaderMap::new(), "\"abc\""));
    }
}
