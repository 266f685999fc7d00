//! OpenAPI schemas of the enums the API takes whose types live in crates without utoipa: each
//! names every value the server accepts, so the document refuses exactly what the server does.
//! A body's optional field also takes `null` (the same as leaving it out, or clearing it): those
//! are the `*_or_null` ones.

use utoipa::openapi::Object;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};

/// A string that is one of `values`.
pub(super) fn one_of(values: &[&'static str]) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.iter().copied())).build()
}

/// A string that is one of `values`, or `null`.
fn one_of_or_null(values: &[&'static str]) -> Object {
    let values = values.iter().map(|v| serde_json::Value::from(*v)).chain([serde_json::Value::Null]);
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(values))
        .build()
}

/// A series' frequency (`sala_domain::Frequency`).
pub fn frequency() -> Object {
    one_of(&["weekly", "weekdays", "daily", "monthly"])
}

/// Which day of the month a monthly series takes (`sala_domain::MonthlyBy`); null: the default.
pub fn monthly_by() -> Object {
    one_of_or_null(&["day_of_month", "weekday", "last_weekday"])
}

/// What a series does with taken dates (`sala_app::bookings::ConflictPolicy`).
pub fn conflict_policy() -> Object {
    one_of(&["fail", "skip"])
}

/// Which occurrences an edit or cancellation touches (`sala_app::bookings::Scope`).
pub fn scope() -> Object {
    one_of(&["this", "following"])
}

/// A booking's status (`sala_domain::BookingStatus`).
pub fn booking_status() -> Object {
    one_of(&["confirmed", "cancelled", "released"])
}

/// A job's status (`sala_domain::JobStatus`).
pub fn job_status() -> Object {
    one_of(&["pending", "running", "done", "dead"])
}

/// A room's kind (`sala_domain::RoomKind`), or `null`.
pub fn room_kind_or_null() -> Object {
    one_of_or_null(&["physical", "virtual"])
}

/// A person's role (`sala_domain::Role`), or `null`.
pub fn role_or_null() -> Object {
    one_of_or_null(&["admin", "member"])
}

/// A language Sala speaks (`sala_domain::Locale`), or `null`.
pub fn locale_or_null() -> Object {
    one_of_or_null(&["es", "en"])
}

/// What the attendance export is sent as.
pub fn export_format() -> Object {
    one_of(&["json", "csv"])
}

/// An organization's calendar service.
pub fn calendar_service() -> Object {
    one_of(&["google", "microsoft"])
}

/// An organization's calendar service, or `null` (a change that leaves it as it is).
pub fn calendar_service_or_null() -> Object {
    one_of_or_null(&["google", "microsoft"])
}
