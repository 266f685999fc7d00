//! The one mapping from errors to HTTP: `application/problem+json` (RFC 9457) with a stable `code`.
//! Internal causes are logged here with the request's span and never shown to the caller.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sala_app::{AppError, FieldError};
use sala_domain::ErrorCode;
use serde::Serialize;
use utoipa::ToSchema;

/// An error as an API client sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:sala:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable and machine-readable: branch on this, not on the text.
    pub code: String,
    /// One entry per invalid field, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
    /// For `booking_conflict`: each refused time and the booking in the way (id and time only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub conflicts: Vec<sala_app::Conflict>,
    /// For `rate_limited`, `storage_full`, `read_only` and `database_unavailable`: the seconds to
    /// wait, sent as `Retry-After`.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:sala:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.as_str().to_owned(),
            errors: Vec::new(),
            conflicts: Vec::new(),
            retry_after: None,
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.retry_after;
        let mut response = (status, Json(self)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"sala\""));
        }
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// `Retry-After` of a write refused because the database is full or read-only: an operator has
/// to act, so a client should not retry at once, but it need not give up either.
pub const UNAVAILABLE_RETRY_SECONDS: u64 = 60;

/// `Retry-After` of a request refused because the database cannot be reached: a restart or a
/// failover takes seconds, and the pool reconnects by itself, so soon is worth trying.
pub const DATABASE_RETRY_SECONDS: u64 = 5;

fn retry_after(code: ErrorCode) -> u64 {
    match code {
        ErrorCode::DatabaseUnavailable => DATABASE_RETRY_SECONDS,
        _ => UNAVAILABLE_RETRY_SECONDS,
    }
}

/// What API handlers return on failure.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        Self(err)
    }
}

impl From<ApiError> for Problem {
    fn from(ApiError(err): ApiError) -> Self {
        let status = match &err {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Forbidden { .. } | AppError::SignInRefused { .. } => StatusCode::FORBIDDEN,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::BookingConflict(_) => StatusCode::CONFLICT,
            AppError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::BadInput { .. } => StatusCode::BAD_REQUEST,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let detail = match &err {
            AppError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
                "Something went wrong on our side. It has been logged; please try again.".to_owned()
            }
            AppError::Unavailable { code, message } => {
                // An unreachable database was logged with its cause where the store's error
                // became this one; once is enough in an outage that refuses every request.
                if *code != ErrorCode::DatabaseUnavailable {
                    tracing::error!(%code, "a request was refused for now: {message}");
                }
                message.clone()
            }
            AppError::Invalid(errors) => {
                errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
            }
            AppError::Unauthenticated => {
                "Sign in, or send a valid API key as 'Authorization: Bearer <key>'.".to_owned()
            }
            AppError::BookingConflict(c) if c.len() > 1 => {
                format!("The room is already booked at {} of the requested times.", c.len())
            }
            other => other.to_string(),
        };
        let mut problem = Problem::new(status, err.code(), detail);
        match err {
            AppError::Invalid(errors) => problem.errors = errors,
            AppError::BookingConflict(conflicts) => problem.conflicts = conflicts,
            AppError::Unavailable { code, .. } => problem.retry_after = Some(retry_after(code)),
            _ => {}
        }
        problem
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        Problem::from(self).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
