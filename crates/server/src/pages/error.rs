//! [`PageError`]: a page that cannot be shown as asked renders itself as a readable page in the
//! reader's language, with the status that says why. Handlers return [`PageResult`] and use `?`
//! on use cases through [`OrPage::or_page`].

use crate::i18n::Texts;
use crate::web::error_page;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sala_app::{AppError, FieldError};
use sala_domain::ErrorCode;

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
    /// More changes than a person may make a minute: wait this many seconds.
    TooMany(u64),
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

    pub fn too_many(t: &'static Texts, retry_after_seconds: u64) -> Self {
        Self { t, why: Why::TooMany(retry_after_seconds) }
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
            Why::TooMany(seconds) => {
                let mut page = error_page(t, StatusCode::TOO_MANY_REQUESTS, t.error_title, t.changes_slow_down);
                page.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
                page
            }
        }
    }
}

/// A choice from a form's `<select>`: empty is no choice; anything but one of its values (a
/// forged or outdated form) is the reader's words for why.
pub fn choice<T>(
    t: &Texts,
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, sala_domain::ValueError>,
) -> Result<Option<T>, String> {
    match raw.trim() {
        "" => Ok(None),
        text => parse(text).map(Some).map_err(|e| t.refusal(e.code).to_owned()),
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
            error_page(t, StatusCode::CONFLICT, t.error_title, t.refusal(err.code()))
        }
        AppError::SignInRefused { code, .. } => {
            error_page(t, StatusCode::FORBIDDEN, t.forbidden_title, t.refusal(*code))
        }
        AppError::BadInput { code, .. } => error_page(t, StatusCode::BAD_REQUEST, t.error_title, t.refusal(*code)),
        AppError::Unavailable { code, message } => {
            // An unreachable database was logged with its cause already (see `crate::problem`).
            if *code != ErrorCode::DatabaseUnavailable {
                tracing::error!(%code, "a page was refused for now: {message}");
            }
            error_page(t, StatusCode::SERVICE_UNAVAILABLE, t.error_title, t.refusal(*code))
        }
        AppError::Internal(cause) => {
            tracing::error!(error = %cause, "page failed");
            error_page(t, StatusCode::INTERNAL_SERVER_ERROR, t.error_title, t.try_again)
        }
    }
}

/// A field's problem in the reader's language, from its code alone: every code has words in
/// each language (`crate::i18n::refusal`), so no page shows the use case's English.
pub fn message(t: &Texts, e: &FieldError) -> String {
    match e.code {
        // On `start` the code is the booking rule's (the meeting is longer than allowed).
        ErrorCode::TooLong if e.field == "start" => t.err_meeting_too_long.to_owned(),
        code => t.refusal(code).to_owned(),
    }
}
