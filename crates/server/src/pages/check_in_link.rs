//! `/check-in/{token}`: the page a meeting's check-in QR code opens on a phone (the code a room's
//! kiosk shows, `sala_app::check_in_links`). It shows the meeting and checks its bearer in by
//! their address; a person signed in to the meeting's organization finds theirs filled in, so it
//! is one tap. The link is good for that one meeting and minutes only; an expired, altered or
//! made-up one is a readable page. Kept out of Referer headers and caches, like the kiosk.

use super::kiosk::{Notice, clock};
use super::{error_page, private, render, with_cookie};
use crate::auth::csrf;
use crate::auth::session::MaybeUser;
use crate::i18n::{self, Texts};
use crate::state::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use sala_app::AppError;
use sala_app::check_in_links::{CheckInLinkKey, LinkedMeeting, check_in_by_link, open_check_in_link};
use sala_domain::{ErrorCode, Locale};
use serde::Deserialize;
use std::net::SocketAddr;

pub fn routes() -> Router<AppState> {
    Router::new().route("/check-in/{token}", get(show).post(save))
}

#[derive(Template)]
#[template(path = "check_in_link.html")]
pub struct CheckInLinkPage {
    pub t: &'static Texts,
    pub csrf: String,
    pub token: String,
    pub title: String,
    pub room: String,
    /// "10:00–11:00" in the organization's time zone.
    pub time: String,
    pub organizer: String,
    pub checked_in: usize,
    /// Until when the link works: "10:12".
    pub valid_until: String,
    pub notice: Option<Notice>,
    /// The address to check in: what was typed, or the signed-in person's own.
    pub email: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The visitor's language: `?lang=`, else their phone's.
fn locale(lang: Option<&str>, headers: &HeaderMap) -> &'static Texts {
    i18n::texts(lang.and_then(|l| Locale::parse(l).ok()).unwrap_or_else(|| {
        i18n::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
    }))
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
) -> Response {
    let t = locale(q.lang.as_deref(), &headers);
    let key = CheckInLinkKey::new(&state.secret_key);
    match open_check_in_link(state.store(), &key, &token).await {
        Ok(meeting) => {
            // Signed in to the meeting's organization: their own address, one tap away.
            let email = user.filter(|u| u.tenant_id == meeting.tenant.id).map(|u| u.email.to_string());
            page(&state, &headers, t, token, &meeting, None, email.unwrap_or_default(), StatusCode::OK)
        }
        Err(err) => failure(t, &err),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckInForm {
    csrf: String,
    email: String,
    lang: Option<String>,
}

async fn save(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CheckInForm>,
) -> Response {
    let t = locale(form.lang.as_deref(), &headers);
    if !csrf::verify(&headers, &form.csrf, &state.settings.base_url) {
        return private(error_page(t, StatusCode::FORBIDDEN, t.error_title, t.form_expired));
    }
    let key = CheckInLinkKey::new(&state.secret_key);
    let meeting = match open_check_in_link(state.store(), &key, &token).await {
        Ok(meeting) => meeting,
        Err(err) => return failure(t, &err),
    };
    // The room's kiosk and its codes share one budget of attempts.
    if state.kiosk_rate_limit.check(meeting.room.id).is_err() {
        let notice = Notice { ok: false, text: t.kiosk_slow_down.to_owned() };
        return page(&state, &headers, t, token, &meeting, Some(notice), form.email, StatusCode::TOO_MANY_REQUESTS);
    }
    match check_in_by_link(state.store(), &key, &token, &form.email, Some(addr.ip().to_string())).await {
        Ok((meeting, _, new)) => {
            let said = if new { t.kiosk_done } else { t.kiosk_already };
            let notice = Notice { ok: true, text: format!("{said} {}", meeting.booking.title) };
            page(&state, &headers, t, token, &meeting, Some(notice), form.email, StatusCode::OK)
        }
        Err(err) => {
            let (status, text) = match &err {
                AppError::Invalid(f) if f.iter().any(|f| f.code == ErrorCode::NotInvited) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, t.kiosk_not_invited)
                }
                AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, t.kiosk_bad_email),
                AppError::Conflict { code, .. } if *code != ErrorCode::LinkExpired => {
                    (StatusCode::CONFLICT, t.refusal(*code))
                }
                _ => return failure(t, &err),
            };
            let notice = Notice { ok: false, text: text.to_owned() };
            page(&state, &headers, t, token, &meeting, Some(notice), form.email, status)
        }
    }
}

#[expect(clippy::too_many_arguments, reason = "one page is made of all of these")]
fn page(
    state: &AppState,
    headers: &HeaderMap,
    t: &'static Texts,
    token: String,
    meeting: &LinkedMeeting,
    notice: Option<Notice>,
    email: String,
    status: StatusCode,
) -> Response {
    let (b, zone) = (&meeting.booking, &meeting.tenant.time_zone);
    let (csrf, set_cookie) = csrf::ensure(headers, state.settings.secure_cookies());
    let page = CheckInLinkPage {
        t,
        csrf,
        token,
        title: b.title.clone(),
        room: meeting.room.name.clone(),
        time: format!("{}–{}", clock(b.time.start, zone), clock(b.time.end, zone)),
        organizer: meeting.organizer.clone(),
        checked_in: meeting.checked_in,
        valid_until: clock(meeting.link.expires_at, zone),
        notice,
        email,
    };
    private(with_cookie((status, render(&page)).into_response(), set_cookie))
}

/// An altered or made-up link is a readable 404, an expired one a readable 410; anything else a
/// readable 500 (logged).
fn failure(t: &'static Texts, err: &AppError) -> Response {
    let response = match err {
        AppError::NotFound { .. } => {
            error_page(t, StatusCode::NOT_FOUND, t.kiosk_not_found_title, t.check_in_link_not_found)
        }
        AppError::Conflict { code: ErrorCode::LinkExpired, .. } => {
            error_page(t, StatusCode::GONE, t.check_in_link_expired_title, t.check_in_link_expired)
        }
        _ => {
            tracing::error!(%err, "check-in link failed");
            error_page(t, StatusCode::INTERNAL_SERVER_ERROR, t.error_title, t.try_again)
        }
    };
    private(response)
}
