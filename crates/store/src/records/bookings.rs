//! Bookings as both backends read and write them: the booking with its attendees, the busy rows
//! of overlap checks, series, idempotency records, and the checks every booking write passes first.

use super::{actor_from_columns, corrupt, json_text};
use crate::{BookingWrite, Busy, IdempotencyRecord, StoreError};
use sala_domain::booking::overlap::first_overlap;
use sala_domain::{
    Attendee, Booking, BookingId, BookingStatus, Email, RoomId, Series, SeriesId, TenantId, TimeRange, UserId, values,
};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct BookingRow {
    id: Uuid,
    tenant_id: Uuid,
    room_id: Uuid,
    organizer_id: Uuid,
    title: String,
    description: Option<String>,
    start_at: i64,
    end_at: i64,
    time_zone: String,
    google_meet: bool,
    status: String,
    cancel_reason: Option<String>,
    external_ref: Option<String>,
    metadata: String,
    series_id: Option<Uuid>,
    version: i64,
    created_by_type: String,
    created_by_id: Option<Uuid>,
    created_at: i64,
    updated_at: i64,
    cancelled_at: Option<i64>,
    recurrence_id: Option<i64>,
    google_event_id: Option<String>,
    meet_link: Option<String>,
    reminders: Option<String>,
}

impl BookingRow {
    pub(crate) fn id(&self) -> Uuid {
        self.id
    }

    fn into_booking(self, attendees: Vec<Attendee>) -> Result<Booking, StoreError> {
        Ok(Booking {
            id: BookingId(self.id),
            tenant_id: TenantId(self.tenant_id),
            room_id: RoomId(self.room_id),
            organizer_id: UserId(self.organizer_id),
            title: self.title,
            description: self.description,
            time: TimeRange::new(self.start_at, self.end_at).map_err(|e| corrupt("booking time", e))?,
            time_zone: values::TimeZoneName::parse(&self.time_zone).map_err(|e| corrupt("booking zone", e))?,
            attendees,
            google_meet: self.google_meet,
            status: BookingStatus::parse(&self.status).map_err(|e| corrupt("booking status", e))?,
            cancel_reason: self.cancel_reason,
            external_ref: self.external_ref,
            metadata: json_text("booking metadata", &self.metadata)?,
            series_id: self.series_id.map(SeriesId),
            recurrence_id: self.recurrence_id,
            google_event_id: self.google_event_id,
            meet_link: self.meet_link,
            reminders: self.reminders.map(|r| json_text("booking reminders", &r)).transpose()?,
            version: self.version,
            created_by: actor_from_columns(&self.created_by_type, self.created_by_id)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            cancelled_at: self.cancelled_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AttendeeRow {
    booking_id: Uuid,
    email: String,
    name: Option<String>,
    user_id: Option<Uuid>,
}

impl TryFrom<AttendeeRow> for Attendee {
    type Error = StoreError;
    fn try_from(r: AttendeeRow) -> Result<Self, StoreError> {
        Ok(Attendee {
            email: Email::parse(&r.email).map_err(|e| corrupt("attendee email", e))?,
            name: r.name,
            user_id: r.user_id.map(UserId),
        })
    }
}

/// Puts bookings together with their attendees (read with one query for all of them, each
/// booking's in position order), keeping the bookings' order.
pub(crate) fn bookings_with_attendees(
    rows: Vec<BookingRow>,
    attendees: Vec<AttendeeRow>,
) -> Result<Vec<Booking>, StoreError> {
    let mut by_booking: HashMap<Uuid, Vec<Attendee>> = HashMap::new();
    for a in attendees {
        by_booking.entry(a.booking_id).or_default().push(a.try_into()?);
    }
    rows.into_iter()
        .map(|row| {
            let attendees = by_booking.remove(&row.id).unwrap_or_default();
            row.into_booking(attendees)
        })
        .collect()
}

/// An attendee's columns besides its booking and position: email, email key (lower-case), name, user id.
pub(crate) fn attendee_columns(a: &Attendee) -> (&str, String, Option<&str>, Option<Uuid>) {
    (a.email.as_str(), a.email.as_str().to_lowercase(), a.name.as_deref(), a.user_id.map(|u| u.0))
}

/// A confirmed booking's room and time: `id, room_id, start_at, end_at`.
#[derive(sqlx::FromRow)]
pub(crate) struct BusyRow {
    id: Uuid,
    room_id: Uuid,
    start_at: i64,
    end_at: i64,
}

impl BusyRow {
    pub(crate) fn id(&self) -> Uuid {
        self.id
    }

    /// Busy intervals from a JSON list of `[id, room_id, start_at, end_at]`, the ids in hex (what
    /// SQLite's `json_group_array(json_array(hex(id), hex(room_id), start_at, end_at))` makes).
    pub(crate) fn from_json_list(json: &str) -> Result<Vec<Busy>, StoreError> {
        let rows: Vec<(String, String, i64, i64)> = json_text("busy intervals", json)?;
        rows.into_iter()
            .map(|(id, room_id, start_at, end_at)| {
                let id = Uuid::try_parse(&id).map_err(|e| corrupt("booking id", e))?;
                let room_id = Uuid::try_parse(&room_id).map_err(|e| corrupt("room id", e))?;
                BusyRow { id, room_id, start_at, end_at }.try_into()
            })
            .collect()
    }
}

impl TryFrom<BusyRow> for Busy {
    type Error = StoreError;
    fn try_from(r: BusyRow) -> Result<Self, StoreError> {
        Ok(Busy {
            booking_id: BookingId(r.id),
            room_id: RoomId(r.room_id),
            time: TimeRange::new(r.start_at, r.end_at).map_err(|e| corrupt("booking time", e))?,
        })
    }
}

/// What both backends check before a booking write touches the database: everything in it belongs
/// to the write's tenant (a row of another tenant is simply not found), and no two confirmed
/// bookings of the batch overlap in one room.
pub(crate) fn check_write(write: &BookingWrite<'_>) -> Result<(), StoreError> {
    let tenant = write.tenant_id;
    let foreign = write.bookings.iter().any(|b| b.tenant_id != tenant)
        || write.series.is_some_and(|s| s.tenant_id != tenant)
        || write.audit.iter().any(|e| e.tenant_id != tenant)
        || write.jobs.iter().any(|j| j.tenant_id != tenant);
    if foreign {
        return Err(StoreError::NotFound);
    }
    // The later booking conflicts with the earlier one, which the error names.
    match first_overlap(write.bookings) {
        Some((e, _)) => Err(StoreError::Overlap(Busy { booking_id: e.id, room_id: e.room_id, time: e.time })),
        None => Ok(()),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SeriesRow {
    id: Uuid,
    tenant_id: Uuid,
    rule: String,
    time_zone: String,
    created_at: i64,
}

impl TryFrom<SeriesRow> for Series {
    type Error = StoreError;
    fn try_from(r: SeriesRow) -> Result<Self, StoreError> {
        Ok(Series {
            id: SeriesId(r.id),
            tenant_id: TenantId(r.tenant_id),
            rule: json_text("series rule", &r.rule)?,
            time_zone: values::TimeZoneName::parse(&r.time_zone).map_err(|e| corrupt("series zone", e))?,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct IdempotencyRow {
    actor: String,
    key: String,
    request_hash: String,
    booking_ids: String,
    created_at: i64,
}

impl TryFrom<IdempotencyRow> for IdempotencyRecord {
    type Error = StoreError;
    fn try_from(r: IdempotencyRow) -> Result<Self, StoreError> {
        Ok(IdempotencyRecord {
            actor: r.actor,
            key: r.key,
            request_hash: r.request_hash,
            booking_ids: json_text("idempotency booking ids", &r.booking_ids)?,
            created_at: r.created_at,
        })
    }
}
