//! Bookings: a room, a half-open time range, an organizer, attendees, and what happened to it.

pub mod overlap;
#[cfg(any(test, feature = "testing"))]
pub mod sample;

use crate::ErrorCode;
use crate::{Actor, BookingId, Email, Millis, RoomId, SeriesId, TenantId, TimeZoneName, UserId, ValueError};
use serde::{Deserialize, Serialize};

/// A half-open interval `[start, end)` of UTC instants in Unix milliseconds. Back-to-back ranges
/// (10:00-11:00 and 11:00-12:00) do not overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TimeRange {
    pub start: Millis,
    pub end: Millis,
}

impl TimeRange {
    /// A range that ends after it starts.
    pub fn new(start: Millis, end: Millis) -> Result<Self, ValueError> {
        if end > start {
            Ok(Self { start, end })
        } else {
            Err(ValueError::new(ErrorCode::EndBeforeStart, "the end must be after the start"))
        }
    }

    /// Do the two ranges share any instant? (Half-open: touching ends do not.)
    pub fn overlaps(&self, other: &TimeRange) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// What is left of this range once `others` are taken out of it, in order (a range split
    /// in two by one inside it; nothing when they cover it).
    pub fn minus(&self, others: &[TimeRange]) -> Vec<TimeRange> {
        let mut left = vec![*self];
        for other in others {
            left = left
                .into_iter()
                .flat_map(|piece| {
                    if !piece.overlaps(other) {
                        return vec![piece];
                    }
                    let before = TimeRange::new(piece.start, other.start.min(piece.end)).ok();
                    let after = TimeRange::new(other.end.max(piece.start), piece.end).ok();
                    before.into_iter().chain(after).collect()
                })
                .collect();
        }
        left
    }

    pub fn duration_ms(&self) -> i64 {
        self.end - self.start
    }

    /// The same range moved by `delta` milliseconds.
    pub fn shifted(&self, delta: i64) -> Self {
        Self { start: self.start + delta, end: self.end + delta }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BookingStatus {
    /// Holds the room.
    Confirmed,
    /// Kept for history; frees the room.
    Cancelled,
    /// Nobody checked in in time (the tenant's no-show release): kept for history; frees the room.
    Released,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
            Self::Released => "released",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "confirmed" => Ok(Self::Confirmed),
            "cancelled" | "canceled" => Ok(Self::Cancelled),
            "released" => Ok(Self::Released),
            _ => Err(ValueError::new(
                ErrorCode::InvalidStatus,
                format!("'{raw}' is not a status (confirmed, cancelled, released)"),
            )),
        }
    }
}

/// Someone invited to a booking: a person of the tenant (`user_id` set) or an external guest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub email: Email,
    pub name: Option<String>,
    pub user_id: Option<UserId>,
}

impl Attendee {
    pub fn is_internal(&self) -> bool {
        self.user_id.is_some()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Booking {
    pub id: BookingId,
    pub tenant_id: TenantId,
    pub room_id: RoomId,
    pub organizer_id: UserId,
    pub title: String,
    pub description: Option<String>,
    pub time: TimeRange,
    /// The zone the booking was made in: for display and for recurrence (wall-clock stays put).
    pub time_zone: TimeZoneName,
    /// Invitees, not including the organizer.
    pub attendees: Vec<Attendee>,
    pub google_meet: bool,
    pub status: BookingStatus,
    pub cancel_reason: Option<String>,
    /// The caller's own id for this booking (a CRM record), echoed back in webhooks.
    pub external_ref: Option<String>,
    /// A small JSON object the caller keeps with the booking.
    pub metadata: serde_json::Value,
    pub series_id: Option<SeriesId>,
    /// For an occurrence of a series: the start the series gave it, which never changes when the
    /// occurrence is moved. Invitations name the occurrence by it (the `.ics` `RECURRENCE-ID`).
    /// `None` for single bookings and for occurrences made before Sala kept it.
    #[serde(default)]
    pub recurrence_id: Option<Millis>,
    /// The organizer's Google Calendar event for this booking, once the calendar job made it.
    /// Written only by that job (never by edits), so an edit cannot lose it.
    #[serde(default)]
    pub google_event_id: Option<String>,
    /// The Google Meet link, kept across edits once Google gave it.
    #[serde(default)]
    pub meet_link: Option<String>,
    /// The organizer's reminder choice for this meeting, for everyone; `None`: the organization's
    /// and each person's own.
    #[serde(default)]
    pub reminders: Option<crate::notify::ReminderSettings>,
    /// Grows by one on every change; clients send it back in `If-Match`.
    pub version: i64,
    pub created_by: Actor,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub cancelled_at: Option<Millis>,
}

impl Booking {
    pub fn is_confirmed(&self) -> bool {
        self.status == BookingStatus::Confirmed
    }

    /// The meeting's iCalendar `UID` (RFC 5545) under `domain`: the same in every `.ics` about it
    /// and, for a single meeting, in the organizer's Google event, so calendars hold one event.
    /// The occurrences of a series share the series' UID and are told apart by `RECURRENCE-ID`
    /// (occurrences made before Sala kept their series start have their own UID).
    pub fn ical_uid(&self, domain: &str) -> String {
        match (self.series_id, self.recurrence_id) {
            (Some(series), Some(_)) => format!("{series}@{domain}"),
            _ => format!("{}@{domain}", self.id),
        }
    }

    /// The link people join by: the meeting's own Meet link, else (without Meet) its virtual
    /// room's standing link. A hybrid meeting is a physical room with its own Meet link.
    pub fn video_link<'a>(&'a self, room: &'a crate::Room) -> Option<&'a str> {
        let standing = room.video_link.as_deref().filter(|_| room.id == self.room_id && room.is_shared());
        self.meet_link.as_deref().or(standing.filter(|_| !self.google_meet))
    }

    /// Is this one occurrence of a series as calendars see it (sharing the series' UID)?
    pub fn is_occurrence(&self) -> bool {
        self.series_id.is_some() && self.recurrence_id.is_some()
    }
}

/// One field that an edit changed, with its value before and after (for the audit log, the
/// "what changed" of notification emails and `booking.updated` webhooks).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// A recurring series: the rule it was made with. Occurrences are independent bookings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub id: SeriesId,
    pub tenant_id: TenantId,
    pub rule: crate::recurrence::Recurrence,
    pub time_zone: TimeZoneName,
    pub created_at: Millis,
}

/// What an edit changed, field by field, in the order people read a meeting: when, where, what,
/// who. Unchanged fields are left out; an empty list means nothing changed.
pub fn diff(before: &Booking, after: &Booking) -> Vec<FieldChange> {
    use serde_json::{Value, json};
    let attendees = |b: &Booking| -> Value {
        let mut emails: Vec<String> = b.attendees.iter().map(|a| a.email.as_str().to_lowercase()).collect();
        emails.sort();
        json!(emails)
    };
    let instant = |ms: Millis| -> Value {
        jiff::Timestamp::from_millisecond(ms).map(|t| json!(t.to_string())).unwrap_or(Value::Null)
    };
    let fields: [(&str, Value, Value); 11] = [
        ("start", instant(before.time.start), instant(after.time.start)),
        ("end", instant(before.time.end), instant(after.time.end)),
        ("time_zone", json!(before.time_zone), json!(after.time_zone)),
        ("room_id", json!(before.room_id), json!(after.room_id)),
        ("title", json!(before.title), json!(after.title)),
        ("description", json!(before.description), json!(after.description)),
        ("attendees", attendees(before), attendees(after)),
        ("google_meet", json!(before.google_meet), json!(after.google_meet)),
        ("external_ref", json!(before.external_ref), json!(after.external_ref)),
        ("metadata", before.metadata.clone(), after.metadata.clone()),
        ("reminders", json!(before.reminders), json!(after.reminders)),
    ];
    fields
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(field, before, after)| FieldChange { field: field.to_owned(), before, after })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOUR: i64 = 3_600_000;

    fn attendee(email: &str) -> Attendee {
        Attendee { email: Email::parse(email).unwrap(), name: None, user_id: None }
    }

    #[test]
    fn a_range_minus_others_keeps_what_they_leave() {
        let r = |s: i64, e: i64| TimeRange { start: s * HOUR, end: e * HOUR };
        assert_eq!(r(10, 14).minus(&[]), [r(10, 14)]);
        assert_eq!(r(10, 14).minus(&[r(11, 12)]), [r(10, 11), r(12, 14)], "split in two");
        assert_eq!(r(10, 14).minus(&[r(9, 11), r(13, 15)]), [r(11, 13)], "both ends cut");
        assert!(r(10, 14).minus(&[r(10, 12), r(12, 14)]).is_empty(), "covered back to back");
        assert_eq!(r(10, 14).minus(&[r(14, 15), r(8, 10)]), [r(10, 14)], "touching is not overlapping");
    }

    fn booking() -> Booking {
        // 2027-01-05T09:00:00Z to 10:00.
        let start = 1_799_139_600_000;
        let attendees = vec![attendee("ana@acme.test"), attendee("luis@acme.test")];
        Booking { attendees, ..sample::booking(TimeRange::new(start, start + HOUR).unwrap()) }
    }

    fn fields(changes: &[FieldChange]) -> Vec<&str> {
        changes.iter().map(|c| c.field.as_str()).collect()
    }

    #[test]
    fn an_unchanged_booking_has_no_diff() {
        let before = booking();
        let after = Booking { version: 2, updated_at: 99, ..before.clone() };
        assert!(diff(&before, &after).is_empty());
    }

    #[test]
    fn moving_a_booking_lists_start_and_end() {
        let before = booking();
        let after = Booking { time: before.time.shifted(HOUR), ..before.clone() };
        let changes = diff(&before, &after);
        assert_eq!(fields(&changes), ["start", "end"]);
        assert_eq!(changes[0].before, json!("2027-01-05T09:00:00Z"));
        assert_eq!(changes[0].after, json!("2027-01-05T10:00:00Z"));
        assert_eq!(changes[1].after, json!("2027-01-05T11:00:00Z"));
    }

    #[test]
    fn attendee_order_and_email_case_are_not_changes() {
        let before = booking();
        let after =
            Booking { attendees: vec![attendee("LUIS@ACME.TEST"), attendee("Ana@acme.test")], ..before.clone() };
        assert!(diff(&before, &after).is_empty());
    }

    #[test]
    fn changes_come_in_reading_order() {
        let before = booking();
        let after = Booking {
            title: "Planning".to_owned(),
            room_id: RoomId::new(),
            attendees: vec![attendee("ana@acme.test")],
            google_meet: true,
            metadata: json!({"crm": 7}),
            ..before.clone()
        };
        let changes = diff(&before, &after);
        assert_eq!(fields(&changes), ["room_id", "title", "attendees", "google_meet", "metadata"]);
        assert_eq!(changes[2].before, json!(["ana@acme.test", "luis@acme.test"]));
        assert_eq!(changes[2].after, json!(["ana@acme.test"]));
    }
}
