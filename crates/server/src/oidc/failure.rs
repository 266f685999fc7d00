//! Why a sign-in did not complete, and how each reason becomes a status and a log line (never a
//! token). `crate::auth::sign_in_page` words it as a page in the visitor's language.

use axum::http::StatusCode;
use sala_app::AppError;
use sala_domain::ErrorCode;

/// Why a sign-in did not complete: the page the person sees and the line in the log.
#[derive(Debug)]
pub enum Failure {
    NotConfigured,
    /// The provider could not be reached or answered badly (detail for the log).
    Unreachable(String),
    /// The provider sent `error=...` back instead of a code.
    Declined(String),
    /// No flow for this browser: no cookie, expired, or already used.
    Expired(&'static str),
    /// A callback that does not belong to the flow (state) or lacks its code.
    BadCallback(&'static str),
    /// The ID token failed verification.
    InvalidToken(String),
    /// The app refused the person (unknown domain, unverified email, deactivated...).
    Refused {
        code: ErrorCode,
        message: String,
        /// What the words name: the domain of an `unknown_domain` refusal, the address of an
        /// `other_google_account` one.
        detail: Option<String>,
    },
    /// The provider's account is already linked to another person.
    Conflict(String),
    /// Too many sign-ins started from this address: wait this many seconds.
    TooMany(u64),
    Internal(String),
}

impl Failure {
    pub fn from_app(err: AppError) -> Self {
        match err {
            AppError::SignInRefused { code, message } => Self::Refused { code, message, detail: None },
            AppError::Conflict { message, .. } => Self::Conflict(message),
            other => Self::Internal(error_chain(&other)),
        }
    }

    /// Like [`Failure::from_app`], remembering what a refusal is about (the domain no
    /// organization uses, say) for its page.
    pub fn about(err: AppError, detail: String) -> Self {
        match Self::from_app(err) {
            Self::Refused { code, message, .. } => Self::Refused { code, message, detail: Some(detail) },
            other => other,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotConfigured => StatusCode::NOT_FOUND,
            Self::Unreachable(_) => StatusCode::BAD_GATEWAY,
            Self::Declined(error) if error == "access_denied" => StatusCode::FORBIDDEN,
            Self::Declined(_) => StatusCode::BAD_GATEWAY,
            Self::Expired(_) | Self::BadCallback(_) | Self::InvalidToken(_) => StatusCode::BAD_REQUEST,
            Self::Refused { .. } => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the log says (never a token).
    pub fn reason(&self) -> String {
        match self {
            Self::NotConfigured => "sign-in with this provider is not configured".to_owned(),
            Self::Unreachable(detail)
            | Self::InvalidToken(detail)
            | Self::Conflict(detail)
            | Self::Internal(detail) => detail.clone(),
            Self::Declined(error) => {
                format!("the provider answered error={:?}", error.chars().take(64).collect::<String>())
            }
            Self::Expired(detail) | Self::BadCallback(detail) => (*detail).to_owned(),
            Self::Refused { code, .. } => format!("sign-in refused: {code}"),
            Self::TooMany(seconds) => format!("too many sign-ins from this address; wait {seconds} s"),
        }
    }
}

/// An error and its causes on one line.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_map_to_fitting_statuses() {
        assert_eq!(Failure::Declined("access_denied".into()).status(), StatusCode::FORBIDDEN);
        assert_eq!(Failure::Declined("server_error".into()).status(), StatusCode::BAD_GATEWAY);
        assert_eq!(Failure::Expired("x").status(), StatusCode::BAD_REQUEST);
        assert_eq!(Failure::Unreachable("x".into()).status(), StatusCode::BAD_GATEWAY);
    }
}
