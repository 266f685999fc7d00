//! Rooms as both backends read them.

use super::{corrupt, json_text};
use crate::StoreError;
use sala_domain::{Email, Room, RoomId, TenantId, room};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct RoomRow {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    capacity: i32,
    location: Option<String>,
    equipment: String,
    kind: String,
    max_meetings: Option<i32>,
    video_link: Option<String>,
    google_calendar: Option<String>,
    active: bool,
    bookable_hours: Option<String>,
    booking_rules: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<RoomRow> for Room {
    type Error = StoreError;
    fn try_from(r: RoomRow) -> Result<Self, StoreError> {
        Ok(Room {
            id: RoomId(r.id),
            tenant_id: TenantId(r.tenant_id),
            name: r.name,
            capacity: u32::try_from(r.capacity).map_err(|e| corrupt("room capacity", e))?,
            location: r.location,
            equipment: json_text("room equipment", &r.equipment)?,
            kind: room::RoomKind::parse(&r.kind).map_err(|e| corrupt("room kind", e))?,
            max_meetings: r.max_meetings.map(u32::try_from).transpose().map_err(|e| corrupt("room max_meetings", e))?,
            video_link: r.video_link,
            google_calendar: r
                .google_calendar
                .map(|c| Email::parse(&c))
                .transpose()
                .map_err(|e| corrupt("room calendar", e))?,
            active: r.active,
            bookable_hours: r.bookable_hours.map(|h| json_text("room hours", &h)).transpose()?,
            rules: json_text("room rules", &r.booking_rules)?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}
