//! A booking for tests (the domain's own, and others' with the `testing` feature): confirmed, in Europe/Madrid, nobody invited, version 1.

use crate::{Actor, Booking, BookingId, BookingStatus, RoomId, TenantId, TimeRange, TimeZoneName, UserId};

/// A confirmed booking at `time`; tests change what they need with `..booking(time)`.
pub fn booking(time: TimeRange) -> Booking {
    Booking {
        id: BookingId::new(),
        tenant_id: TenantId::new(),
        room_id: RoomId::new(),
        organizer_id: UserId::new(),
        title: "Weekly sync".to_owned(),
        description: None,
        time,
        time_zone: TimeZoneName::parse("Europe/Madrid").expect("a zone of the bundled database"),
        attendees: Vec::new(),
        google_meet: false,
        status: BookingStatus::Confirmed,
        cancel_reason: None,
        external_ref: None,
        metadata: serde_json::json!({}),
        series_id: None,
        recurrence_id: None,
        google_event_id: None,
        meet_link: None,
        reminders: None,
        version: 1,
        created_by: Actor::System,
        created_at: 0,
        updated_at: 0,
        cancelled_at: None,
    }
}
