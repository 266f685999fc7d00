//! The page templates (askama: compiled and type-checked; HTML-escaped by default).

use crate::i18n::Texts;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use sala_domain::User;

#[derive(Template)]
#[template(path = "landing.html")]
pub struct Landing {
    pub t: &'static Texts,
    pub csrf: String,
    pub google_enabled: bool,
    pub dev_people: Vec<User>,
}

#[derive(Template)]
#[template(path = "kiosk.html")]
pub struct Kiosk {
    pub t: &'static Texts,
    pub csrf: String,
    pub token: String,
    pub room_name: String,
    pub location: Option<String>,
    /// "11:00" while a meeting is under way; `None`: the room is free.
    pub busy_until: Option<String>,
    /// Meetings open for check-in now.
    pub open: Vec<super::kiosk::KioskRow>,
    pub later: Vec<super::kiosk::KioskRow>,
    pub notice: Option<super::kiosk::Notice>,
    /// What the person typed, kept after a refusal so they can correct it.
    pub email: String,
}

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
