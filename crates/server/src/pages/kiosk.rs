//! `/kiosk/{token}`: a room's kiosk page, for a tablet by the door or a phone that scanned the QR
//! code on it. It shows whether the room is free, the meeting under way and the next ones, and
//! checks people in by their email address, with no sign-in: the link is the credential (made by
//! an admin, `POST /api/v1/rooms/{id}/kiosk`). One tap checks a meeting in; a person of the
//! organization books the room from now or ends the meeting they are in; the meeting open for
//! check-in has a QR code of its own short-lived check-in link (`/check-in/{token}`), never the
//! kiosk's. It works without JavaScript and reloads itself every minute. The link is kept out of
//! Referer headers and caches.

use super::{error_page, private, render, with_cookie};
use crate::auth::csrf;
use crate::i18n::{self, Texts};
use crate::state::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sala_app::AppError;
use sala_app::check_in_links::{CheckInLink, CheckInLinkKey};
use sala_app::kiosks::{
    KioskMeeting, KioskView, kiosk_book, kiosk_check_in, kiosk_check_in_meeting, kiosk_end_now, open_kiosk,
};
use sala_domain::ErrorCode;
use sala_domain::{BookingId, Locale, TimeZoneName, now_millis};
use serde::Deserialize;
use std::net::SocketAddr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kiosk/{token}", get(kiosk_page))
        .route("/kiosk/{token}/check-in", post(check_in))
        .route("/kiosk/{token}/book", post(book_at_door))
        .route("/kiosk/{token}/check-in-meeting", post(check_in_meeting))
        .route("/kiosk/{token}/end", post(end_now))
}

#[derive(Template)]
#[template(path = "kiosk.html")]
pub struct KioskTemplate {
    pub t: &'static Texts,
    pub csrf: String,
    pub token: String,
    pub room_name: String,
    pub location: Option<String>,
    /// The time now, on the organization's clock: "09:41".
    pub clock: String,
    /// "11:00" while a meeting is under way; `None`: the room is free.
    pub busy_until: Option<String>,
    /// The meeting under way's title.
    pub current_title: Option<String>,
    /// Free: until the next meeting ("11:00"), if one is coming within the kiosk's view.
    pub free_until: Option<String>,
    /// The lengths a meeting booked at the door may have, in minutes.
    pub door_minutes: &'static [i64],
    /// The address typed to book at the door, kept after a refusal.
    pub book_email: String,
    /// The address typed to end the meeting under way, kept after a refusal.
    pub end_email: String,
    /// The QR code of the check-in link of the meeting open for check-in.
    pub qr: Option<CheckInQr>,
    /// Meetings open for check-in now.
    pub open: Vec<KioskRow>,
    pub later: Vec<KioskRow>,
    pub notice: Option<Notice>,
    /// What the person typed to check in, kept after a refusal so they can correct it.
    pub email: String,
}

/// What the person typed into one of the kiosk's forms, kept after a refusal.
#[derive(Default)]
pub struct Typed {
    pub check_in_email: String,
    pub book_email: String,
    pub end_email: String,
}

/// A meeting's check-in link as the kiosk shows it: its QR code (an SVG data URI) and the link
/// itself, in a data attribute only: a kiosk has no link out of itself.
pub struct CheckInQr {
    pub img: String,
    pub link: String,
}

/// A meeting as a kiosk lists it.
pub struct KioskRow {
    pub id: String,
    pub title: String,
    /// "10:00–11:00" in the organization's time zone.
    pub time: String,
    pub organizer: String,
    pub checked_in: usize,
}

/// What happened to the last check-in attempt.
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

async fn kiosk_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    match open_kiosk(state.store(), &token).await {
        Ok((_, view)) => {
            let t = i18n::texts(chosen(q.lang.as_deref(), view.tenant.locale));
            page(&state, &headers, t, &token, &view, None, Typed::default(), StatusCode::OK)
        }
        Err(err) => failure(i18n::texts(chosen(q.lang.as_deref(), Locale::Es)), &err),
    }
}

#[derive(Deserialize)]
struct CheckInForm {
    csrf: String,
    email: String,
    lang: Option<String>,
}

async fn check_in(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CheckInForm>,
) -> Response {
    let typed = || Typed { check_in_email: form.email.clone(), ..Typed::default() };
    let t = match admit(&state, &headers, &token, form.lang.as_deref(), &form.csrf, typed()).await {
        Ok((t, _)) => t,
        Err(refused) => return refused,
    };
    let (notice, kept) = match kiosk_check_in(state.store(), &token, &form.email, Some(addr.ip().to_string())).await {
        Ok((booking, _, new)) => {
            let said = if new { t.kiosk_done } else { t.kiosk_already };
            (Ok(Notice { ok: true, text: format!("{said} {}", booking.title) }), Typed::default())
        }
        Err(err) => (Err(err), typed()),
    };
    after_form(&state, &headers, t, &token, notice, kept, |err| refusal(t, err)).await
}

#[derive(Deserialize)]
struct BookForm {
    csrf: String,
    email: String,
    minutes: String,
    lang: Option<String>,
}

/// Books the room from now at the door, for a person of the organization (`kiosk_book`).
async fn book_at_door(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<BookForm>,
) -> Response {
    let typed = || Typed { book_email: form.email.clone(), ..Typed::default() };
    let (t, before) = match admit(&state, &headers, &token, form.lang.as_deref(), &form.csrf, typed()).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let minutes = form.minutes.trim().parse::<i64>().unwrap_or_default();
    let ip = Some(addr.ip().to_string());
    let outside = state.outside_busy();
    let outcome = kiosk_book(state.store(), outside, &token, &form.email, minutes, t.kiosk_booked_title, ip).await;
    let (notice, kept) = match outcome {
        Ok(booking) => {
            let until = clock(booking.time.end, &before.tenant.time_zone);
            (Ok(Notice { ok: true, text: t.kiosk_booked.replace("{time}", &until) }), Typed::default())
        }
        Err(err) => (Err(err), typed()),
    };
    after_form(&state, &headers, t, &token, notice, kept, |err| book_refusal(t, err)).await
}

/// What a refused booking at the door tells the person; `None` for a failure of ours.
fn book_refusal(t: &'static Texts, err: &AppError) -> Option<(StatusCode, &'static str)> {
    match err {
        AppError::Invalid(f) if f.iter().any(|f| f.code == ErrorCode::UnknownOrganizer) => {
            Some((StatusCode::UNPROCESSABLE_ENTITY, t.kiosk_not_person))
        }
        AppError::BookingConflict(_) => Some((StatusCode::CONFLICT, t.kiosk_taken)),
        AppError::Invalid(f) => {
            Some((StatusCode::UNPROCESSABLE_ENTITY, f.first().map_or(t.try_again, |f| t.refusal(f.code))))
        }
        AppError::Forbidden { .. } | AppError::Conflict { .. } => Some((StatusCode::CONFLICT, t.refusal(err.code()))),
        _ => None,
    }
}

#[derive(Deserialize)]
struct MeetingForm {
    csrf: String,
    booking: String,
    lang: Option<String>,
}

/// One tap checks a meeting open for check-in in (`kiosk_check_in_meeting`).
async fn check_in_meeting(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<MeetingForm>,
) -> Response {
    let t = match admit(&state, &headers, &token, form.lang.as_deref(), &form.csrf, Typed::default()).await {
        Ok((t, _)) => t,
        Err(refused) => return refused,
    };
    // An id that is no id names no meeting of this room: the same answer as another room's.
    let booking = form.booking.trim().parse().map(BookingId).unwrap_or_else(|_| BookingId(uuid::Uuid::nil()));
    let outcome = kiosk_check_in_meeting(state.store(), &token, booking, Some(addr.ip().to_string())).await;
    let notice = match outcome {
        Ok((booking, _, new)) => {
            let said = if new { t.kiosk_meeting_checked_in } else { t.kiosk_meeting_already };
            Ok(Notice { ok: true, text: format!("{said} {}", booking.title) })
        }
        Err(err) => Err(err),
    };
    after_form(&state, &headers, t, &token, notice, Typed::default(), |err| refusal(t, err)).await
}

#[derive(Deserialize)]
struct EndForm {
    csrf: String,
    email: String,
    lang: Option<String>,
}

/// Ends the meeting under way now, for a person of the organization in it (`kiosk_end_now`).
async fn end_now(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<EndForm>,
) -> Response {
    let typed = || Typed { end_email: form.email.clone(), ..Typed::default() };
    let t = match admit(&state, &headers, &token, form.lang.as_deref(), &form.csrf, typed()).await {
        Ok((t, _)) => t,
        Err(refused) => return refused,
    };
    let outcome = kiosk_end_now(state.store(), &token, &form.email, Some(addr.ip().to_string())).await;
    let (notice, kept) = match outcome {
        Ok(_) => (Ok(Notice { ok: true, text: t.kiosk_ended.to_owned() }), Typed::default()),
        Err(err) => (Err(err), typed()),
    };
    after_form(&state, &headers, t, &token, notice, kept, |err| end_refusal(t, err)).await
}

/// What a refused "end now" tells the person at the door; `None` for a failure of ours.
fn end_refusal(t: &'static Texts, err: &AppError) -> Option<(StatusCode, &'static str)> {
    let has = |code| matches!(err, AppError::Invalid(f) if f.iter().any(|f| f.code == code));
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    match err {
        _ if has(ErrorCode::UnknownOrganizer) => Some((unprocessable, t.kiosk_not_person)),
        _ if has(ErrorCode::NotInvited) => Some((unprocessable, t.kiosk_end_not_in_meeting)),
        AppError::Invalid(_) => Some((unprocessable, t.kiosk_bad_email)),
        AppError::Conflict { code: ErrorCode::NoMeetingNow, .. } => {
            Some((StatusCode::CONFLICT, t.kiosk_nothing_to_end))
        }
        AppError::Conflict { code, .. } => Some((StatusCode::CONFLICT, t.refusal(*code))),
        AppError::Forbidden { .. } => Some((StatusCode::FORBIDDEN, t.refusal(err.code()))),
        _ => None,
    }
}

/// The kiosk as it stands after a form: with what happened (`Ok`) or why not (`Err`, worded by
/// `refused`, with what was `typed` kept); a failure of ours is the error page.
async fn after_form(
    state: &AppState,
    headers: &HeaderMap,
    t: &'static Texts,
    token: &str,
    outcome: Result<Notice, AppError>,
    typed: Typed,
    refused: impl Fn(&AppError) -> Option<(StatusCode, &'static str)>,
) -> Response {
    let view = match open_kiosk(state.store(), token).await {
        Ok((_, view)) => view,
        Err(err) => return failure(t, &err),
    };
    let (status, notice) = match outcome {
        Ok(notice) => (StatusCode::OK, notice),
        Err(err) => {
            let Some((status, text)) = refused(&err) else { return failure(t, &err) };
            (status, Notice { ok: false, text: text.to_owned() })
        }
    };
    page(state, headers, t, token, &view, Some(notice), typed, status)
}

/// What every form posted at a kiosk passes first: a kiosk the link opens, the form this
/// browser's (CSRF), and the room's attempts within their limit. Returns the kiosk's words and
/// the kiosk as it was, or the page that says why not (with what was `typed` kept).
async fn admit(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    lang: Option<&str>,
    submitted: &str,
    typed: Typed,
) -> Result<(&'static Texts, KioskView), Response> {
    let (_, view) = match open_kiosk(state.store(), token).await {
        Ok(opened) => opened,
        Err(err) => return Err(failure(i18n::texts(chosen(lang, Locale::Es)), &err)),
    };
    let t = i18n::texts(chosen(lang, view.tenant.locale));
    if !csrf::verify(headers, submitted, &state.settings.base_url) {
        return Err(private(error_page(t, StatusCode::FORBIDDEN, t.error_title, t.form_expired)));
    }
    if state.kiosk_rate_limit.check(view.room.id).is_err() {
        let notice = Notice { ok: false, text: t.kiosk_slow_down.to_owned() };
        return Err(page(state, headers, t, token, &view, Some(notice), typed, StatusCode::TOO_MANY_REQUESTS));
    }
    Ok((t, view))
}

/// What a refused check-in tells the person at the kiosk; `None` for a failure of ours.
fn refusal(t: &'static Texts, err: &AppError) -> Option<(StatusCode, &'static str)> {
    match err {
        AppError::Invalid(fields) if fields.iter().any(|f| f.code == ErrorCode::NotInvited) => {
            Some((StatusCode::UNPROCESSABLE_ENTITY, t.kiosk_not_invited))
        }
        AppError::Invalid(_) => Some((StatusCode::UNPROCESSABLE_ENTITY, t.kiosk_bad_email)),
        AppError::Conflict { .. } => Some((StatusCode::CONFLICT, t.kiosk_no_meeting)),
        _ => None,
    }
}

/// The kiosk's language: `?lang=` when given (a visitor's choice), else the organization's.
fn chosen(lang: Option<&str>, default: Locale) -> Locale {
    lang.and_then(|l| Locale::parse(l).ok()).unwrap_or(default)
}

#[expect(clippy::too_many_arguments, reason = "one page is made of all of these")]
fn page(
    state: &AppState,
    headers: &HeaderMap,
    t: &'static Texts,
    token: &str,
    view: &KioskView,
    notice: Option<Notice>,
    typed: Typed,
    status: StatusCode,
) -> Response {
    let now = now_millis();
    let zone = &view.tenant.time_zone;
    let row = |m: &KioskMeeting| KioskRow {
        id: m.booking.id.0.to_string(),
        title: m.booking.title.clone(),
        time: format!("{}–{}", clock(m.booking.time.start, zone), clock(m.booking.time.end, zone)),
        organizer: m.organizer.clone(),
        checked_in: m.checked_in,
    };
    let (open, later): (Vec<&KioskMeeting>, Vec<&KioskMeeting>) = view.meetings.iter().partition(|m| m.check_in_open);
    let (csrf, set_cookie) = csrf::ensure(headers, state.settings.secure_cookies());
    let template = KioskTemplate {
        t,
        csrf,
        token: token.to_owned(),
        room_name: view.room.name.clone(),
        location: view.room.location.clone(),
        clock: clock(now, zone),
        busy_until: view.current(now).map(|m| clock(m.booking.time.end, zone)),
        current_title: view.current(now).map(|m| m.booking.title.clone()),
        free_until: view
            .meetings
            .iter()
            .find(|m| m.booking.time.start > now)
            .map(|m| clock(m.booking.time.start, zone)),
        door_minutes: &sala_app::bookings::ON_THE_SPOT_MINUTES,
        book_email: typed.book_email,
        end_email: typed.end_email,
        qr: open.first().and_then(|m| check_in_qr(state, m, now)),
        open: open.into_iter().map(row).collect(),
        later: later.into_iter().map(row).collect(),
        notice,
        email: typed.check_in_email,
    };
    let mut response = (status, render(&template)).into_response();
    response = with_cookie(response, set_cookie);
    private(response)
}

/// The QR code of `meeting`'s check-in link: signed for that meeting alone, for minutes.
fn check_in_qr(state: &AppState, meeting: &KioskMeeting, now: i64) -> Option<CheckInQr> {
    let token = CheckInLinkKey::new(&state.secret_key).token(&CheckInLink::for_booking(&meeting.booking, now));
    let link = format!("{}/check-in/{token}", state.settings.base_url);
    let svg = crate::qr::svg(&link)?;
    Some(CheckInQr { img: format!("data:image/svg+xml;base64,{}", BASE64.encode(svg)), link })
}

/// An unknown link is a readable 404; anything else a readable 500 (logged).
fn failure(t: &'static Texts, err: &AppError) -> Response {
    let response = match err {
        AppError::NotFound { .. } => error_page(t, StatusCode::NOT_FOUND, t.kiosk_not_found_title, t.kiosk_not_found),
        _ => {
            tracing::error!(%err, "kiosk failed");
            error_page(t, StatusCode::INTERNAL_SERVER_ERROR, t.error_title, t.try_again)
        }
    };
    private(response)
}

/// `ms` as the wall clock of `zone` writes it: "10:00".
pub(super) fn clock(ms: i64, zone: &TimeZoneName) -> String {
    let time = jiff::Timestamp::from_millisecond(ms).map(|t| t.to_zoned_datetime(zone.time_zone()));
    time.map(|t| t.strftime("%H:%M").to_string()).unwrap_or_default()
}
