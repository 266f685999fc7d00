//! The use cases' one error type. The server maps each variant to an HTTP status and a stable
//! problem code exactly once; internal causes are logged there, never shown.

use sala_domain::ErrorCode;
use sala_store::{StoreError, Unique};
use serde::Serialize;

/// One invalid field: which, a stable code (`invalid_phone`), and a message for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: ErrorCode,
    pub message: String,
}

/// What stands in the way: a confirmed booking (its id and time, never its title: the caller may
/// not be allowed to see it), or a meeting in the room's Google calendar (`source: google`, its
/// time only). `requested` is the occurrence that was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub requested_start: String,
    pub requested_end: String,
    /// `sala` (a booking) or `google` (the room's Google resource calendar).
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<sala_domain::BookingId>,
    pub start: String,
    pub end: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the request is invalid")]
    Invalid(Vec<FieldError>),
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("{message}")]
    Conflict { code: ErrorCode, message: String },
    #[error("{message}")]
    Forbidden { message: String },
    #[error("not signed in")]
    Unauthenticated,
    #[error("the room is already booked at that time")]
    BookingConflict(Vec<Conflict>),
    #[error("{message}")]
    PreconditionFailed { message: String },
    /// A body that could not be read at all (a calendar file with a broken line): 400.
    #[error("{message}")]
    BadInput { code: ErrorCode, message: String },
    #[error("{message}")]
    SignInRefused { code: ErrorCode, message: String },
    /// The database cannot take writes for now (full, or read-only), or cannot be reached at all
    /// (down or restarting): nothing was written, and the same request may succeed later (once
    /// an operator has made room, or the database is back). 503 with `Retry-After`.
    #[error("{message}")]
    Unavailable { code: ErrorCode, message: String },
    #[error("internal error: {0}")]
    Internal(#[source] StoreError),
}

impl AppError {
    pub fn invalid(field: &str, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError { field: field.to_owned(), code, message: message.into() }])
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden { message: message.into() }
    }

    /// The stable, machine-readable code clients branch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(_) => ErrorCode::ValidationFailed,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Conflict { code, .. }
            | Self::SignInRefused { code, .. }
            | Self::BadInput { code, .. }
            | Self::Unavailable { code, .. } => *code,
            Self::Forbidden { .. } => ErrorCode::Forbidden,
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::BookingConflict(_) => ErrorCode::BookingConflict,
            Self::PreconditionFailed { .. } => ErrorCode::VersionMismatch,
            Self::Internal(_) => ErrorCode::InternalError,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Duplicate(rule) => {
                let (code, message) = match rule {
                    Unique::TenantSlug => (ErrorCode::TenantSlugTaken, "a tenant with that slug already exists"),
                    Unique::TenantDomain => {
                        (ErrorCode::TenantDomainTaken, "that email domain already belongs to a tenant")
                    }
                    Unique::UserEmail => (ErrorCode::UserEmailTaken, "a person with that email already exists"),
                    Unique::UserGoogleSubject => {
                        (ErrorCode::GoogleAccountTaken, "that Google account is already linked")
                    }
                    Unique::TenantEntra => {
                        (ErrorCode::TenantEntraTaken, "that Microsoft Entra tenant already belongs to an organization")
                    }
                    Unique::UserMicrosoft => {
                        (ErrorCode::MicrosoftAccountTaken, "that Microsoft account is already linked")
                    }
                    Unique::RoomName => (ErrorCode::RoomNameTaken, "a room with that name already exists"),
                    Unique::ApiKeyHash => (ErrorCode::ApiKeyCollision, "please try again"),
                    Unique::IdempotencyKey => {
                        (ErrorCode::IdempotencyKeyInUse, "a request with this Idempotency-Key is in progress")
                    }
                    Unique::DeliveryKey => (ErrorCode::AlreadyDelivered, "that message was already delivered"),
                };
                Self::Conflict { code, message: message.to_owned() }
            }
            StoreError::NotFound => Self::NotFound { what: "record" },
            StoreError::VersionMismatch => Self::PreconditionFailed {
                message: "the booking was changed by someone else; fetch it again and retry".to_owned(),
            },
            StoreError::Overlap(busy) => Self::BookingConflict(vec![Conflict::of(busy.time, &busy)]),
            StoreError::NotConfirmed => Self::Conflict {
                code: ErrorCode::BookingNotConfirmed,
                message: "the booking was cancelled or released meanwhile".to_owned(),
            },
            StoreError::Attended => Self::Conflict {
                code: ErrorCode::CheckedIn,
                message: "someone has checked in to the booking".to_owned(),
            },
            StoreError::Full => Self::Unavailable {
                code: ErrorCode::StorageFull,
                message: "the database is full, so nothing was saved; try again once an operator has made room"
                    .to_owned(),
            },
            StoreError::ReadOnly => Self::Unavailable {
                code: ErrorCode::ReadOnly,
                message: "the database can only be read just now, so nothing was saved; try again later".to_owned(),
            },
            StoreError::Unavailable(cause) => {
                // The cause (refused, timed out, shutting down) is for the log, never the caller.
                tracing::warn!(error = %cause, "the database cannot be reached");
                Self::Unavailable {
                    code: ErrorCode::DatabaseUnavailable,
                    message: "the database cannot be reached just now, so nothing was done; try again shortly"
                        .to_owned(),
                }
            }
            other => Self::Internal(other),
        }
    }
}

impl Conflict {
    /// `requested` was refused because of `existing`.
    pub fn of(requested: sala_domain::TimeRange, existing: &sala_store::Busy) -> Self {
        use sala_domain::rfc3339;
        Self {
            requested_start: rfc3339(requested.start),
            requested_end: rfc3339(requested.end),
            source: "sala",
            booking_id: Some(existing.booking_id),
            start: rfc3339(existing.time.start),
            end: rfc3339(existing.time.end),
        }
    }

    /// A meeting booked directly in the room's Google calendar.
    pub fn outside(requested: sala_domain::TimeRange, busy: sala_domain::TimeRange) -> Self {
        use sala_domain::rfc3339;
        Self {
            requested_start: rfc3339(requested.start),
            requested_end: rfc3339(requested.end),
            source: "google",
            booking_id: None,
            start: rfc3339(busy.start),
            end: rfc3339(busy.end),
        }
    }
}
