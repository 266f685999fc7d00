//! Bookings: create (one or a weekly/daily series), read, list, edit and cancel, plus room
//! availability. Every change is one store write carrying the bookings, their audit entries and
//! the outbox jobs the change causes (notifications, calendar, webhooks, reminders, no-show
//! checks).

mod attendees;
mod cancel;
mod check_in;
mod create;
mod edit;
mod no_show;
mod read;

pub use attendees::AttendeeInput;
pub use cancel::{CancelRequest, cancel_booking};
pub(crate) use check_in::invited;
pub use check_in::{Attendance, CheckInRequest, attendance, attendance_export, check_in};
pub use create::{ConflictPolicy, Created, NewBooking, Skipped, create_booking};
pub use edit::{BookingChanges, edit_booking};
pub use no_show::NoShowRelease;
pub use read::{
    Availability, AvailabilityQuery, ListRequest, RoomAvailability, Suggestions, availability, deliveries, get_booking,
    history, list_bookings, my_bookings, suggestions,
};

use crate::{AppError, AppResult, Context, Principal, Store};
use sala_domain::notify::ReminderSettings;
use sala_domain::{Booking, BookingId, BookingStatus, Room, RoomId, Tenant, User, rfc3339};

/// Which occurrences of a series an edit or cancellation applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Only the booking named.
    #[default]
    This,
    /// The booking named and the later occurrences of its series (never earlier or past ones).
    ThisAndFollowing,
}

/// May the caller change this booking? Its organizer, an admin of the tenant, or an API key.
fn may_change(ctx: &Context, booking: &Booking) -> bool {
    match &ctx.principal {
        Principal::User(user) => user.id == booking.organizer_id || user.is_admin(),
        Principal::ApiKey(_) | Principal::System(_) => true,
    }
}

/// May the caller see this booking's details? Whoever may change it, and its attendees.
fn may_see(ctx: &Context, booking: &Booking) -> bool {
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
fn binds_admins(violation: &sala_domain::RuleViolation) -> bool {
    violation.code == "in_the_past"
}

/// A cancelled or released booking is history: `booking_cancelled` or `booking_released` (409)
/// for anything that needs it confirmed (`what` says what, e.g. "edited").
pub(crate) fn still_confirmed(booking: &Booking, what: &str) -> AppResult<()> {
    let (code, message) = match booking.status {
        BookingStatus::Confirmed => return Ok(()),
        BookingStatus::Cancelled => ("booking_cancelled", format!("the booking was cancelled and cannot be {what}")),
        BookingStatus::Released => (
            "booking_released",
            format!("the room was released because nobody checked in; the booking cannot be {what}"),
        ),
    };
    Err(AppError::Conflict { code, message })
}

/// A refused attempt leaves an audit entry (who tried what), then answers 403.
async fn deny(store: &dyn Store, ctx: &Context, action: &str, booking: BookingId) -> AppError {
    let entry = ctx.audit(action, "booking", Some(booking.0), None, None);
    if let Err(err) = store.insert_audit(&entry).await {
        tracing::error!(%err, "could not audit a refused attempt");
    }
    AppError::forbidden("only the organizer, an administrator or an integration may change this booking")
}

/// The booking, if it exists in the caller's tenant and the caller may see it; 404 otherwise
/// (a booking one may not see looks exactly like a missing one).
async fn load_visible(store: &dyn Store, ctx: &Context, id: BookingId) -> AppResult<Booking> {
    match store.get_booking(ctx.tenant_id(), id).await? {
        Some(b) if may_see(ctx, &b) => Ok(b),
        _ => Err(AppError::NotFound { what: "booking" }),
    }
}

async fn load_tenant(store: &dyn Store, ctx: &Context) -> AppResult<Tenant> {
    store.get_tenant(ctx.tenant_id()).await?.ok_or(AppError::NotFound { what: "tenant" })
}

/// A room of the tenant that takes bookings, as a field error otherwise.
async fn bookable_room(store: &dyn Store, ctx: &Context, id: RoomId) -> AppResult<Room> {
    let room = store
        .get_room(ctx.tenant_id(), id)
        .await?
        .ok_or_else(|| AppError::invalid("room_id", "unknown_room", "there is no such room in your organization"))?;
    if !room.active {
        return Err(AppError::invalid("room_id", "room_inactive", format!("{} is out of service", room.name)));
    }
    Ok(room)
}

/// The organizer of a new booking: a person books for themself (admins may name someone else);
/// an API key must name the organizer by email.
async fn organizer(store: &dyn Store, ctx: &Context, email: Option<&str>) -> AppResult<User> {
    let named = match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(email) => Some(crate::users::find_by_email(store, ctx, email).await.map_err(|_| {
            AppError::invalid("organizer", "unknown_organizer", "the organizer must be a person of your organization")
        })?),
        None => None,
    };
    match (&ctx.principal, named) {
        (Principal::User(me), None) => Ok(me.clone()),
        (Principal::User(me), Some(other)) if other.id == me.id || me.is_admin() => Ok(other),
        (Principal::User(_), Some(_)) => Err(AppError::forbidden("only administrators may book for someone else")),
        (_, Some(other)) => Ok(other),
        (_, None) => Err(AppError::invalid("organizer", "organizer_required", "name the organizer by email")),
    }
    .and_then(|user| {
        if user.active {
            Ok(user)
        } else {
            Err(AppError::invalid("organizer", "organizer_inactive", "the organizer's account is deactivated"))
        }
    })
}

/// A meeting's own reminder choice, checked like a tenant's.
fn check_reminders(reminders: Option<ReminderSettings>) -> Result<Option<ReminderSettings>, sala_domain::ValueError> {
    reminders.map(|r| r.validate().map(|()| r)).transpose()
}

/// The reminders a booking needs: its own choice when its organizer made one; else the tenant's,
/// plus whatever its organizer and internal attendees chose for themselves (each reminder then
/// reaches only those who chose its offset).
async fn reminder_plan(
    store: &dyn Store,
    ctx: &Context,
    tenant: &Tenant,
    organizer: &User,
    booking: &Booking,
) -> AppResult<ReminderSettings> {
    if let Some(own) = &booking.reminders {
        return Ok(own.clone());
    }
    let mut people = vec![organizer.clone()];
    for id in booking.attendees.iter().filter_map(|a| a.user_id) {
        people.extend(store.get_user(ctx.tenant_id(), id).await?);
    }
    Ok(ReminderSettings::merged(&tenant.reminders, people.iter().filter_map(|u| u.reminders.as_ref())))
}
