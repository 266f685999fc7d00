//! Booking policy, in one place: who may see and change a booking and book for whom, which room
//! takes bookings, the checks every new or moved time passes (the organization's rules with the
//! room's exceptions, seats, metadata, reminders), and how a taken slot becomes a conflict.
//! Create, edit, cancel and check-in ask here; none of them asks another.

use crate::calendar_facts::OutsideBusy;
use crate::error::Conflict;
use crate::{AppError, AppResult, Context, FieldError, Principal, Store};
use sala_domain::ErrorCode;
use sala_domain::notify::ReminderSettings;
use sala_domain::{
    Booking, BookingId, BookingStatus, Room, RoomId, RoomKind, RuleViolation, Tenant, TimeRange, TimeZoneName, User,
    ValueError, now_millis, rfc3339,
};
use sala_store::Busy;

/// May the caller change this booking? Its organizer, an admin of the tenant, or an API key.
pub(super) fn may_change(ctx: &Context, booking: &Booking) -> bool {
    match &ctx.principal {
        Principal::User(user) => user.id == booking.organizer_id || user.is_admin(),
        Principal::ApiKey(_) | Principal::System(_) => true,
    }
}

/// May the caller see this booking's details? Whoever may change it, and its attendees.
pub(crate) fn may_see(ctx: &Context, booking: &Booking) -> bool {
    may_change(ctx, booking) || ctx.user().is_some_and(|u| booking.attendees.iter().any(|a| a.user_id == Some(u.id)))
}

/// Human admins (and the operator) may bypass booking rules; API keys follow them like people do.
fn bypasses_rules(ctx: &Context) -> bool {
    match &ctx.principal {
        Principal::User(user) => user.is_admin(),
        Principal::ApiKey(_) => false,
        Principal::System(_) => true,
    }
}

/// Booking in the past is a validation error, not a rule: it binds admins too.
fn binds(ctx: &Context, violation: &RuleViolation) -> bool {
    !bypasses_rules(ctx) || violation.code == ErrorCode::InThePast
}

/// A refused attempt leaves an audit entry (who tried what), then answers 403.
pub(super) async fn deny(store: &dyn Store, ctx: &Context, action: &str, booking: BookingId) -> AppError {
    let entry = ctx.audit(action, "booking", Some(booking.0), None, None);
    if let Err(err) = store.insert_audit(&entry).await {
        tracing::error!(%err, "could not audit a refused attempt");
    }
    AppError::forbidden("only the organizer, an administrator or an integration may change this booking")
}

/// The booking, if it exists in the caller's tenant and the caller may see it; 404 otherwise
/// (a booking one may not see looks exactly like a missing one).
pub(crate) async fn load_visible(store: &dyn Store, ctx: &Context, id: BookingId) -> AppResult<Booking> {
    match store.get_booking(ctx.tenant_id(), id).await? {
        Some(b) if may_see(ctx, &b) => Ok(b),
        _ => Err(AppError::NotFound { what: "booking" }),
    }
}

/// A cancelled or released booking is history: `booking_cancelled` or `booking_released` (409)
/// for anything that needs it confirmed (`what` says what, e.g. "edited").
pub(crate) fn still_confirmed(booking: &Booking, what: &str) -> AppResult<()> {
    let (code, message) = match booking.status {
        BookingStatus::Confirmed => return Ok(()),
        BookingStatus::Cancelled => {
            (ErrorCode::BookingCancelled, format!("the booking was cancelled and cannot be {what}"))
        }
        BookingStatus::Released => (
            ErrorCode::BookingReleased,
            format!("the room was released because nobody checked in; the booking cannot be {what}"),
        ),
    };
    Err(AppError::Conflict { code, message })
}

/// A room of the tenant that takes bookings, as a field error otherwise.
pub(super) async fn bookable_room(store: &dyn Store, ctx: &Context, id: RoomId) -> AppResult<Room> {
    let room = store.get_room(ctx.tenant_id(), id).await?.ok_or_else(|| {
        AppError::invalid("room_id", ErrorCode::UnknownRoom, "there is no such room in your organization")
    })?;
    if !room.active {
        return Err(AppError::invalid("room_id", ErrorCode::RoomInactive, format!("{} is out of service", room.name)));
    }
    Ok(room)
}

/// The organizer of a new booking: a person books for themself (admins may name someone else);
/// an API key must name the organizer by email.
pub(super) async fn organizer(store: &dyn Store, ctx: &Context, email: Option<&str>) -> AppResult<User> {
    let named = match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(email) => match crate::users::person_with_email(store, ctx, email).await? {
            Some(person) => Some(person),
            None => {
                let message = "the organizer must be a person of your organization";
                return Err(AppError::invalid("organizer", ErrorCode::UnknownOrganizer, message));
            }
        },
        None => None,
    };
    match (&ctx.principal, named) {
        (Principal::User(me), None) => Ok(me.clone()),
        (Principal::User(me), Some(other)) if other.id == me.id || me.is_admin() => Ok(other),
        (Principal::User(_), Some(_)) => Err(AppError::forbidden("only administrators may book for someone else")),
        (_, Some(other)) => Ok(other),
        (_, None) => Err(AppError::invalid("organizer", ErrorCode::OrganizerRequired, "name the organizer by email")),
    }
    .and_then(|user| {
        if user.active {
            Ok(user)
        } else {
            Err(AppError::invalid("organizer", ErrorCode::OrganizerInactive, "the organizer's account is deactivated"))
        }
    })
}

/// Every meeting in a virtual room has a video link: the room's standing one, else its own Meet.
pub(super) fn meet_in(room: &Room, asked: bool) -> bool {
    asked || (room.is_shared() && room.video_link.is_none())
}

/// Physical rooms refuse more people than seats, unless the meeting has Google Meet: then
/// some can join remotely, and the caller gets a warning instead.
pub(super) fn capacity_check(room: &Room, people: usize, google_meet: bool) -> Result<Option<FieldError>, ValueError> {
    let seats = room.capacity as usize;
    if room.kind == RoomKind::Virtual || people <= seats {
        return Ok(None);
    }
    let message = format!("{} seats {seats}; this meeting has {people} people", room.name);
    if google_meet {
        Ok(Some(FieldError { field: "attendees".into(), code: ErrorCode::OverCapacity, message }))
    } else {
        Err(ValueError::new(ErrorCode::OverCapacity, message))
    }
}

/// Metadata is a small JSON object the caller keeps with the booking (its own ids).
pub(super) fn check_metadata(raw: Option<serde_json::Value>) -> Result<serde_json::Value, ValueError> {
    let value = raw.unwrap_or_else(|| serde_json::json!({}));
    let Some(object) = value.as_object() else {
        return Err(ValueError::new(ErrorCode::InvalidMetadata, "metadata must be a JSON object"));
    };
    if object.len() > 50 || value.to_string().len() > 4096 {
        return Err(ValueError::new(ErrorCode::MetadataTooLarge, "metadata holds at most 50 keys and 4 KiB"));
    }
    Ok(value)
}

/// A meeting's own reminder choice, checked like a tenant's.
pub(super) fn check_reminders(reminders: Option<ReminderSettings>) -> Result<Option<ReminderSettings>, ValueError> {
    reminders.map(|r| r.validate().map(|()| r)).transpose()
}

/// A time a booking is to take in a room, as the rules check it.
pub(super) struct Slot<'a> {
    pub room: &'a Room,
    pub time: TimeRange,
    /// The booking's zone, for naming the day of an occurrence.
    pub zone: &'a TimeZoneName,
}

/// Every slot follows the organization's rules with its room's exceptions (admins may bypass
/// them, but never book in the past). With several slots (a series) each problem names its day.
pub(super) fn check_rules(ctx: &Context, tenant: &Tenant, slots: &[Slot<'_>]) -> Vec<FieldError> {
    let now = now_millis();
    let mut errors = Vec::new();
    for slot in slots {
        let rules = tenant.booking_rules.with_override(&slot.room.rules);
        let violations = rules.check(slot.time, now, slot.room.bookable_hours.as_ref(), &tenant.time_zone);
        for violation in violations.into_iter().filter(|v| binds(ctx, v)) {
            let message = if slots.len() > 1 {
                format!("the occurrence on {}: {}", local_date(slot.time.start, slot.zone), violation.message)
            } else {
                violation.message
            };
            errors.push(FieldError { field: "start".into(), code: violation.code, message });
        }
    }
    errors
}

/// Whether `room` may be booked for `time` under the rules that bind the caller (a slot to
/// suggest instead of one refused).
pub(super) fn allows(ctx: &Context, tenant: &Tenant, room: &Room, time: TimeRange, now: i64) -> bool {
    let rules = tenant.booking_rules.with_override(&room.rules);
    rules.check(time, now, room.bookable_hours.as_ref(), &tenant.time_zone).iter().all(|v| !binds(ctx, v))
}

/// The organizer's limit of upcoming bookings (unless an admin books), with `adding` more.
pub(super) async fn check_active_limit(
    store: &dyn Store,
    ctx: &Context,
    tenant: &Tenant,
    room: &Room,
    organizer: &User,
    adding: usize,
) -> AppResult<Option<FieldError>> {
    let rules = tenant.booking_rules.with_override(&room.rules);
    let Some(limit) = rules.max_active_per_person.filter(|_| !bypasses_rules(ctx)) else { return Ok(None) };
    let active = store.count_active_bookings(ctx.tenant_id(), organizer.id, now_millis()).await?;
    if active + adding as u64 > u64::from(limit) {
        let message = format!("{} may hold at most {limit} upcoming bookings", organizer.name);
        return Ok(Some(FieldError { field: "organizer".into(), code: ErrorCode::TooManyActiveBookings, message }));
    }
    Ok(None)
}

/// The slots that land on a meeting booked directly in the room's Google calendar, each with
/// that meeting's time.
pub(super) async fn outside_busy(
    outside: &dyn OutsideBusy,
    ctx: &Context,
    organizer: &User,
    room: &Room,
    slots: &[TimeRange],
) -> Vec<(TimeRange, TimeRange)> {
    let (Some(first), Some(last)) = (slots.first(), slots.last()) else { return Vec::new() };
    let window = TimeRange { start: first.start, end: last.end.max(first.end) };
    let busy = outside.busy(ctx.tenant_id(), Some(organizer.id), std::slice::from_ref(room), window).await;
    slots
        .iter()
        .filter_map(|slot| busy.iter().find(|(_, t)| t.overlaps(slot)).map(|(_, time)| (*slot, *time)))
        .collect()
}

/// The conflict for a race lost in the store: which of the slots hit `busy`.
pub(super) fn overlap_conflict(slots: impl IntoIterator<Item = TimeRange>, busy: &Busy) -> AppError {
    let requested = slots.into_iter().find(|r| r.overlaps(&busy.time)).unwrap_or(busy.time);
    AppError::BookingConflict(vec![Conflict::of(requested, busy)])
}

/// The civil date of an instant in a zone, for messages ("the occurrence on 2027-03-29").
fn local_date(ms: i64, zone: &TimeZoneName) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned_datetime(zone.time_zone()).date().to_string())
        .unwrap_or_else(|_| rfc3339(ms))
}
