//! OpenAPI schemas of the enums the API takes whose types live in crates without utoipa: each
//! names every value the server accepts, so the document refuses exactly what the server does.

use utoipa::openapi::Object;
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// A string that is one of `values`.
fn one_of(values: &[&'static str]) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.iter().copied())).build()
}

/// A series' frequency (`sala_domain::Frequency`).
pub fn frequency() -> Object {
    one_of(&["weekly", "weekdays", "daily"])
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

/// A room's kind (`sala_domain::RoomKind`).
pub fn room_kind() -> Object {
    one_of(&["physical", "virtual"])
}

/// A person's role (`sala_domain::Role`).
pub fn role() -> Object {
    one_of(&["admin", "member"])
}

/// A language Sala speaks (`sala_domain::Locale`).
pub fn locale() -> Object {
    one_of(&["es", "en"])
}
