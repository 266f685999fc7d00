//! `/rsvp/{token}`: where a guest answers their invitation. Opening the link only shows the
//! meeting and three buttons (mail scanners open links); the answer is a posted form (with the
//! CSRF token). The link is a credential: kept out of Referer headers and caches.

use super::{error_page, private, render, show_error, with_cookie};
use crate::auth::csrf;
use crate::i18n::{self, Texts};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use sala_app::AppError;
use sala_app::rsvp::{Invitation, RsvpKey, answer, open_invitation};
use sala_domain::attendance::Answer;
use sala_domain::{Locale, dates::when};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/rsvp/{token}", get(show).post(save))
}

#[derive(Template)]
#[template(path = "rsvp.html")]
pub struct RsvpPage {
    pub t: &'static Texts,
    pub csrf: String,
    pub token: String,
    pub title: String,
    pub when: String,
    pub room: String,
    pub organizer: String,
    pub open: bool,
    pub answer: Option<&'static str>,
    pub saved: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The guest's language: `?lang=`, else their browser's.
fn locale(lang: Option<&str>, headers: &HeaderMap) -> Locale {
    lang.and_then(|l| Locale::parse(l).ok()).unwrap_or_else(|| {
        i18n::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
    })
}

pub fn answer_text(t: &'static Texts, answer: Answer) -> &'static str {
    match answer {
        Answer::Accepted => t.answer_accepted,
        Answer::Tentative => t.answer_tentative,
        Answer::Declined => t.answer_declined,
    }
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let t = i18n::texts(locale(q.lang.as_deref(), &headers));
    let key = RsvpKey::new(&state.secret_key);
    match open_invitation(state.store(), &key, &token).await {
        Ok(invitation) => page(&state, &headers, t, token, invitation, false, StatusCode::OK).await,
        Err(err) => private(show_error(t, &err)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    csrf: String,
    answer: String,
    lang: Option<String>,
}

async fn save(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<AnswerForm>,
) -> Response {
    let t = i18n::texts(locale(form.lang.as_deref(), &headers));
    if !csrf::verify(&headers, &form.csrf, &state.settings.base_url) {
        return private(error_page(t, StatusCode::FORBIDDEN, t.error_title, t.form_expired));
    }
    let Some(chosen) = Answer::parse(&form.answer) else {
        return private(error_page(t, StatusCode::UNPROCESSABLE_ENTITY, t.error_title, t.rsvp_title));
    };
    let key = RsvpKey::new(&state.secret_key);
    match answer(state.store(), &key, &token, chosen).await {
        Ok(invitation) => page(&state, &headers, t, token, invitation, true, StatusCode::OK).await,
        Err(AppError::Conflict { .. }) => match open_invitation(state.store(), &key, &token).await {
            Ok(invitation) => page(&state, &headers, t, token, invitation, false, StatusCode::CONFLICT).await,
            Err(err) => private(show_error(t, &err)),
        },
        Err(err) => private(show_error(t, &err)),
    }
}

async fn page(
    state: &AppState,
    headers: &HeaderMap,
    t: &'static Texts,
    token: String,
    invitation: Invitation,
    saved: bool,
    status: StatusCode,
) -> Response {
    let b = &invitation.booking;
    let store = state.store();
    let room = store.get_room(b.tenant_id, b.room_id).await.ok().flatten().map(|r| r.name).unwrap_or_default();
    let organizer =
        store.get_user(b.tenant_id, b.organizer_id).await.ok().flatten().map(|u| u.name).unwrap_or_default();
    let locale = if t.lang == "en" { Locale::En } else { Locale::Es };
    let open = b.is_confirmed() && b.time.end > sala_domain::now_millis();
    let (csrf, set_cookie) = csrf::ensure(headers, state.settings.secure_cookies());
    let page = RsvpPage {
        t,
        csrf,
        token,
        title: b.title.clone(),
        when: when(locale, b.time, &b.time_zone),
        room,
        organizer,
        open,
        answer: invitation.answer.map(|a| answer_text(t, a)),
        saved,
    };
    private(with_cookie((status, render(&page)).into_response(), set_cookie))
}
