//! [`PageError`]: a page that cannot be shown as asked renders itself as a readable page in the
//! reader's language, with the status that says why. Handlers return [`PageResult`] and use `?`
//! on use cases through [`OrPage::or_page`].

use crate::i18n::Texts;
use crate::web::error_page;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sala_app::{AppError, FieldError};

/// What a page handler answers: the page, or why not.
pub type PageResult = Result<Response, PageError>;

/// Why a page could not be shown, and the words to say it in.
pub struct PageError {
    t: &'static Texts,
    why: Why,
}

#[derive(Debug)]
enum Why {
    App(AppError),
    /// The form's CSRF token is not this browser's (another site's form, or an old one).
    FormExpired,
    /// Not for this person (an admin page for a member).
    Forbidden,
    /// A posted form that is not this page's (fields of the wrong shape).
    BadForm,
}

impl PageError {
    pub fn app(t: &'static Texts, err: AppError) -> Self {
        Self { t, why: Why::App(err) }
    }

    pub fn form_expired(t: &'static Texts) -> Self {
        Self { t, why: Why::FormExpired }
    }

    pub fn forbidden(t: &'static Texts) -> Self {
        Self { t, why: Why::Forbidden }
    }

    pub fn bad_form(t: &'static Texts) -> Self {
        Self { t, why: Why::BadForm }
    }

    /// A page that does not exist (a malformed id in the path, for one).
    pub fn not_found(t: &'static Texts, what: &'static str) -> Self {
        Self::app(t, AppError::NotFound { what })
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let t = self.t;
        match self.why {
            Why::App(err) => show_error(t, &err),
            Why::FormExpired => error_page(t, StatusCode::FORBIDDEN, t.error_title, t.form_expired),
            Why::Forbidden => error_page(t, StatusCode::FORBIDDEN, t.forbidden_title, t.forbidden),
            Why::BadForm => error_page(t, StatusCode::BAD_REQUEST, t.error_title, t.try_again),
        }
    }
}

/// An id from the path; anything else is a page that does not exist.
pub fn id_from<T: std::str::FromStr>(t: &'static Texts, raw: &str, what: &'static str) -> Result<T, PageError> {
    raw.parse().map_err(|_| PageError::not_found(t, what))
}

/// A use case's result on a page: its error becomes the page's, in the reader's words.
pub trait OrPage<T> {
    fn or_page(self, t: &'static Texts) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, AppError> {
    fn or_page(self, t: &'static Texts) -> Result<T, PageError> {
        self.map_err(|err| PageError::app(t, err))
    }
}

/// An error from a use case as a readable page in the reader's language.
pub fn show_error(t: &'static Texts, err: &AppError) -> Response {
    match err {
        AppError::NotFound { .. } => error_page(t, StatusCode::NOT_FOUND, t.not_found_title, t.not_found),
        AppError::Forbidden { .. } => error_page(t, StatusCode::FORBIDDEN, t.forbidden_title, t.forbidden),
        AppError::Unauthenticated => Redirect::to("/").into_response(),
        AppError::Invalid(fields) => {
            let said: Vec<String> = fields.iter().map(|f| message(t, f)).collect();
            error_page(t, StatusCode::UNPROCESSABLE_ENTITY, t.error_title, &said.join(" "))
        }
        AppError::PreconditionFailed { .. } => {
            error_page(t, StatusCode::PRECONDITION_FAILED, t.error_title, t.err_changed)
        }
        AppError::Conflict { .. } | AppError::BookingConflict(_) => {
            error_page(t, StatusCode::CONFLICT, t.error_title, &err.to_string())
        }
        AppError::SignInRefused { message, .. } => error_page(t, StatusCode::FORBIDDEN, t.forbidden_title, message),
        AppError::Internal(cause) => {
            tracing::error!(error = %cause, "page failed");
            error_page(t, StatusCode::INTERNAL_SERVER_ERROR, t.error_title, t.try_again)
        }
    }
}

/// A problem in the reader's language: the common ones by their code, others as the use case
/// words them.
pub fn message(t: &Texts, e: &FieldError) -> String {
    match e.code {
        "required" | "empty" => t.err_required.to_owned(),
        "end_before_start" => t.err_end_before_start.to_owned(),
        "in_the_past" => t.err_in_the_past.to_owned(),
        "invalid_email" => t.err_email.to_owned(),
        "duplicate_attendee" => t.err_duplicate_guest.to_owned(),
        "over_capacity" => t.err_over_capacity.to_owned(),
        "unknown_room" | "room_inactive" => t.err_room.to_owned(),
        // Booking rules come on `start` (or `organizer`): the rule's own words tell the limits.
        "too_short" | "too_little_notice" | "too_far_ahead" | "outside_bookable_hours" | "too_many_active_bookings" => {
            format!("{} {}", t.err_rules, e.message)
        }
        "too_long" if e.field == "start" => format!("{} {}", t.err_rules, e.message),
        "too_long" => t.err_too_long.to_owned(),
        "invalid_characters" => t.err_characters.to_owned(),
        "invalid_capacity" => t.err_capacity.to_owned(),
        "invalid_bookable_hours" => t.err_hours.to_owned(),
        "invalid_phone" => t.err_phone.to_owned(),
        "invalid_time_zone" => t.err_time_zone.to_owned(),
        "invalid_equipment" | "too_many_equipment_tags" => t.err_equipment.to_owned(),
        "invalid_webhook_url" => t.err_webhook_url.to_owned(),
        "no_events" | "unknown_event" => t.err_events.to_owned(),
        "invalid_reminder" | "too_many_reminders" | "duplicate_reminder" => t.err_reminders.to_owned(),
        "invalid_rules" => t.err_no_show.to_owned(),
        "invalid_scope" => t.err_scopes.to_owned(),
        "too_many_attendees" => t.err_too_many_guests.to_owned(),
        "invalid_datetime" => t.err_time.to_owned(),
        _ => e.message.clone(),
    }
}
