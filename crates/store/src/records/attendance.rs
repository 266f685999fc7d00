//! Attendance as both backends read it: check-ins, rooms' kiosk links and guests' answers.

use super::{actor_from_columns, corrupt};
use crate::StoreError;
use sala_domain::{BookingId, Email, RoomId, TenantId};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct CheckInRow {
    tenant_id: Uuid,
    booking_id: Uuid,
    email: String,
    at: i64,
    actor_type: String,
    actor_id: Option<Uuid>,
    source: String,
}

impl TryFrom<CheckInRow> for sala_domain::attendance::CheckIn {
    type Error = StoreError;
    fn try_from(r: CheckInRow) -> Result<Self, StoreError> {
        use sala_domain::attendance::CheckInSource;
        Ok(Self {
            tenant_id: TenantId(r.tenant_id),
            booking_id: BookingId(r.booking_id),
            email: Email::parse(&r.email).map_err(|e| corrupt("check-in email", e))?,
            at: r.at,
            by: actor_from_columns(&r.actor_type, r.actor_id)?,
            source: CheckInSource::parse(&r.source).ok_or_else(|| corrupt("check-in source", &r.source))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct KioskRow {
    tenant_id: Uuid,
    room_id: Uuid,
    token_hash: String,
    created_by_type: String,
    created_by_id: Option<Uuid>,
    created_at: i64,
}

impl TryFrom<KioskRow> for sala_domain::attendance::Kiosk {
    type Error = StoreError;
    fn try_from(r: KioskRow) -> Result<Self, StoreError> {
        Ok(Self {
            tenant_id: TenantId(r.tenant_id),
            room_id: RoomId(r.room_id),
            token_hash: r.token_hash,
            created_by: actor_from_columns(&r.created_by_type, r.created_by_id)?,
            created_at: r.created_at,
        })
    }
}

/// The columns every kiosk query reads, in `KioskRow`'s order.
pub(crate) const KIOSK_COLUMNS: &str = "tenant_id, room_id, token_hash, created_by_type, created_by_id, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ReplyRow {
    tenant_id: Uuid,
    booking_id: Uuid,
    email: String,
    answer: String,
    at: i64,
}

impl TryFrom<ReplyRow> for sala_domain::attendance::Reply {
    type Error = StoreError;
    fn try_from(r: ReplyRow) -> Result<Self, StoreError> {
        use sala_domain::attendance::Answer;
        Ok(Self {
            tenant_id: TenantId(r.tenant_id),
            booking_id: BookingId(r.booking_id),
            email: Email::parse(&r.email).map_err(|e| corrupt("reply email", e))?,
            answer: Answer::parse(&r.answer).ok_or_else(|| corrupt("reply answer", &r.answer))?,
            at: r.at,
        })
    }
}
