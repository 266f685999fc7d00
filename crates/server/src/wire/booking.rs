//! How bookings look on the wire: times in the booking's own zone (RFC 3339 with offset), the
//! organizer and room by id and name, attendees, status and version.

use crate::problem::ApiResult;
use crate::wire::time::{Local, Utc};
use sala_app::Store;
use sala_app::bookings::Created;
use sala_domain::{Booking, BookingId, Room, RoomId, TenantId, User, UserId};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// A person as a booking names them.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6f0-5c2e-7b1a-9d4e-1f2a3b4c5d6e", "name": "María López",
    "email": "maria@acme.test"}))]
pub struct PersonRef {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub name: String,
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct AttendeeView {
    pub email: String,
    pub name: Option<String>,
    /// Set for people of your organization; absent for external guests.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub user_id: Option<UserId>,
    pub internal: bool,
}

/// A booking as the API shows it.
#[derive(Serialize, ToSchema)]
#[schema(example = booking_example)]
pub struct BookingView {
    #[schema(value_type = String, format = Uuid)]
    pub id: BookingId,
    #[schema(value_type = String, format = Uuid)]
    pub room_id: RoomId,
    pub room_name: String,
    pub organizer: PersonRef,
    pub title: String,
    pub description: Option<String>,
    /// RFC 3339 in the booking's zone, e.g. `2027-03-01T10:00:00+01:00`.
    #[schema(value_type = String, format = DateTime)]
    pub start: Local,
    #[schema(value_type = String, format = DateTime)]
    pub end: Local,
    /// IANA zone the booking was made in.
    pub time_zone: String,
    pub attendees: Vec<AttendeeView>,
    pub google_meet: bool,
    /// The Google Meet link, once Google has created it.
    pub meet_link: Option<String>,
    /// The event in the organizer's Google Calendar, once Sala has made it.
    pub google_event_id: Option<String>,
    /// This meeting's own reminders; null: the organization's and each person's.
    #[schema(value_type = Option<Object>)]
    pub reminders: Option<sala_domain::notify::ReminderSettings>,
    /// `confirmed`, `cancelled` or `released` (nobody checked in in time).
    pub status: String,
    pub cancel_reason: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub cancelled_at: Option<Utc>,
    pub external_ref: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// The series this occurrence belongs to, for recurring bookings.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub series_id: Option<sala_domain::SeriesId>,
    /// Send it back in `If-Match` when editing.
    pub version: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Utc,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Utc,
}

/// The booking the example of `CreateBookingBody` makes, as `POST /bookings` answers: Google has
/// not yet made its event nor its Meet link.
pub fn created_booking_example() -> serde_json::Value {
    serde_json::json!({
        "id": "01a3b81d-1c01-7c7f-973a-dae48201e2bd",
        "room_id": "0190f5a2-7c1e-7b7e-9a40-2f5d3c1e9a10",
        "room_name": "Sala Atlántico",
        "organizer": {"id": "0193a6f0-5c2e-7b1a-9d4e-1f2a3b4c5d6e", "name": "María López", "email": "maria@acme.test"},
        "title": "Demo con Globex",
        "description": null,
        "start": "2027-03-01T10:00:00+01:00",
        "end": "2027-03-01T11:00:00+01:00",
        "time_zone": "Europe/Madrid",
        "attendees": [
            {"email": "juan@acme.test", "name": "Juan García", "user_id": "0193a6f4-318d-773c-b8f4-ec99db5b5fab",
                "internal": true},
            {"email": "cliente@globex.com", "name": "Cliente", "user_id": null, "internal": false}
        ],
        "google_meet": true,
        "meet_link": null,
        "google_event_id": null,
        "status": "confirmed",
        "cancel_reason": null,
        "cancelled_at": null,
        "external_ref": "crm-4711",
        "metadata": {"deal": "D-88"},
        "series_id": null,
        "version": 1,
        "created_at": "2027-02-15T08:30:12.481Z",
        "updated_at": "2027-02-15T08:30:12.481Z"
    })
}

/// That booking once Google has made its event and Meet link (which leaves the version as is).
pub fn booking_example() -> serde_json::Value {
    let mut booking = created_booking_example();
    booking["meet_link"] = "https://meet.google.com/abc-defg-hij".into();
    booking["google_event_id"] = "5q8v2n1k7d3j9h0m4c6b8a2f1e".into();
    booking
}

/// Names for the rooms and organizers of a set of bookings, fetched once per set.
pub struct Names {
    rooms: HashMap<RoomId, Room>,
    people: HashMap<UserId, User>,
}

impl Names {
    /// The names of what a create wrote, from what it read (reading them again on a replay).
    pub async fn of_created(store: &dyn Store, tenant: TenantId, created: &Created) -> ApiResult<Self> {
        match &created.room_and_organizer {
            Some((room, organizer)) => Ok(Self {
                rooms: HashMap::from([(room.id, room.clone())]),
                people: HashMap::from([(organizer.id, organizer.clone())]),
            }),
            None => Self::load(store, tenant, &created.bookings).await,
        }
    }

    pub async fn load(store: &dyn Store, tenant: TenantId, bookings: &[Booking]) -> ApiResult<Self> {
        let mut room_ids: Vec<RoomId> = bookings.iter().map(|b| b.room_id).collect();
        room_ids.sort();
        room_ids.dedup();
        // A few rooms are cheaper to fetch one by one than the whole list.
        let rooms = if room_ids.len() <= 3 {
            let mut found = Vec::new();
            for id in room_ids {
                found.extend(store.get_room(tenant, id).await.map_err(sala_app::AppError::from)?);
            }
            found
        } else {
            store.list_rooms(tenant, true).await.map_err(sala_app::AppError::from)?
        };
        let mut people = HashMap::new();
        for id in bookings.iter().map(|b| b.organizer_id) {
            if let std::collections::hash_map::Entry::Vacant(slot) = people.entry(id)
                && let Some(user) = store.get_user(tenant, id).await.map_err(sala_app::AppError::from)?
            {
                slot.insert(user);
            }
        }
        Ok(Self { rooms: rooms.into_iter().map(|r| (r.id, r)).collect(), people })
    }

    pub fn view(&self, b: Booking) -> BookingView {
        let organizer = self.people.get(&b.organizer_id).map_or_else(
            || PersonRef { id: b.organizer_id, name: String::new(), email: String::new() },
            |u| PersonRef { id: u.id, name: u.name.clone(), email: u.email.to_string() },
        );
        // A virtual room's standing link is the meeting's link too.
        let meet_link =
            self.rooms.get(&b.room_id).and_then(|r| b.video_link(r)).or(b.meet_link.as_deref()).map(str::to_owned);
        BookingView {
            id: b.id,
            room_id: b.room_id,
            room_name: self.rooms.get(&b.room_id).map(|r| r.name.clone()).unwrap_or_default(),
            organizer,
            start: Local::new(b.time.start, &b.time_zone),
            end: Local::new(b.time.end, &b.time_zone),
            time_zone: b.time_zone.to_string(),
            attendees: b
                .attendees
                .into_iter()
                .map(|a| AttendeeView {
                    internal: a.is_internal(),
                    email: a.email.into(),
                    name: a.name,
                    user_id: a.user_id,
                })
                .collect(),
            title: b.title,
            description: b.description,
            google_meet: b.google_meet,
            meet_link,
            google_event_id: b.google_event_id,
            reminders: b.reminders,
            status: b.status.as_str().to_owned(),
            cancel_reason: b.cancel_reason,
            cancelled_at: b.cancelled_at.map(Utc),
            external_ref: b.external_ref,
            metadata: b.metadata,
            series_id: b.series_id,
            version: b.version,
            created_at: Utc(b.created_at),
            updated_at: Utc(b.updated_at),
        }
    }
}

/// The booking exactly as the API returns it, for webhooks: one representation for every path.
pub struct ApiRepresentation(pub std::sync::Arc<dyn Store>);

#[async_trait::async_trait]
impl sala_app::webhooks::BookingRepresentation for ApiRepresentation {
    async fn booking_json(&self, booking: &Booking) -> Result<serde_json::Value, String> {
        let names = Names::load(self.0.as_ref(), booking.tenant_id, std::slice::from_ref(booking))
            .await
            .map_err(|_| "could not read the booking's room and organizer".to_owned())?;
        serde_json::to_value(names.view(booking.clone())).map_err(|e| e.to_string())
    }
}
