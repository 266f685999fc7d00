//! Sala's domain: the types a meeting-room booking service talks about and the rules they obey.
//!
//! Everything here is pure: no IO, no async, no SQL. Values that can be invalid (an email, a phone
//! number, a time zone, a capacity) are newtypes that can only be built through `parse`, so the
//! layers above never hold an unchecked one.

pub mod attendance;
pub mod audit;
pub mod auth;
pub mod booking;
pub mod dates;
pub mod error_code;
pub mod feed;
pub mod google;
pub mod ids;
pub mod jobs;
pub mod notify;
pub mod outbox;
pub mod recurrence;
pub mod reports;
pub mod room;
pub mod rules;
pub mod search;
pub mod slots;
pub mod tenant;
pub mod user;
pub mod values;
pub mod video;
pub mod webhook;

pub use audit::{Actor, AuditEntry};
pub use auth::{ApiKey, LoginFlow, Session};
pub use booking::{Attendee, Booking, BookingStatus, FieldChange, Series, TimeRange};
pub use error_code::ErrorCode;
pub use feed::{Feed, FeedScope};
pub use ids::{ApiKeyId, AuditId, BookingId, FeedId, JobId, RoomId, SeriesId, TenantId, UserId, WebhookId};
pub use jobs::{BookingEvent, Claim, Job, JobKind, JobStatus, LeaseToken};
pub use recurrence::{Expansion, Frequency, MonthlyBy, Recurrence};
pub use room::{BookableHours, Equipment, Room, RoomKind};
pub use rules::{BookingRules, RuleViolation, RulesOverride};
pub use tenant::Tenant;
pub use user::{Role, User};
pub use values::{Email, EmailDomain, Locale, Phone, Slug, TimeZoneName, ValueError};

/// An instant as the store keeps it: Unix milliseconds, UTC.
pub type Millis = i64;

/// An instant in Unix milliseconds as RFC 3339 UTC (`2027-03-01T09:00:00Z`); empty if out of range.
pub fn rfc3339(ms: Millis) -> String {
    jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_default()
}

/// The current instant in Unix milliseconds.
pub fn now_millis() -> Millis {
    jiff::Timestamp::now().as_millisecond()
}
