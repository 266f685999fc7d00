//! What the outbox plan ([`sala_domain::outbox::plan`]) needs to know about a change, read from
//! the store: the reminders of the meeting, which rooms release unattended bookings, and whether
//! a new booking's confirmation waits for its Meet link.

use crate::{AppResult, Context, Store};
use sala_domain::notify::ReminderSettings;
use sala_domain::{Booking, Room, RoomId, Tenant, User};
use std::collections::HashMap;

/// The reminders a booking needs: its own choice when its organizer made one; else the tenant's,
/// plus whatever its organizer and internal attendees chose for themselves (each reminder then
/// reaches only those who chose its offset).
pub(super) async fn reminders(
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

/// The minutes after its start that a booking in `room` waits for a check-in; `None`: forever.
pub(crate) fn release_minutes(tenant: &Tenant, room: &Room) -> Option<u32> {
    tenant.booking_rules.with_override(&room.rules).no_show_release_minutes
}

/// [`no_show_minutes`] for bookings all in `room`, which the caller has read already.
pub(super) fn no_show_minutes_in(tenant: &Tenant, room: &Room) -> HashMap<RoomId, u32> {
    release_minutes(tenant, room).map(|minutes| (room.id, minutes)).into_iter().collect()
}

/// The rooms of `bookings` that release unattended bookings, and after how many minutes.
pub(super) async fn no_show_minutes(
    store: &dyn Store,
    tenant: &Tenant,
    bookings: &[Booking],
) -> AppResult<HashMap<RoomId, u32>> {
    let mut minutes = HashMap::new();
    let mut seen = Vec::new();
    for booking in bookings {
        if seen.contains(&booking.room_id) {
            continue;
        }
        seen.push(booking.room_id);
        if let Some(room) = store.get_room(tenant.id, booking.room_id).await?
            && let Some(m) = release_minutes(tenant, &room)
        {
            minutes.insert(room.id, m);
        }
    }
    Ok(minutes)
}

/// Does a new booking's confirmation wait for its Meet link? When it asked for Meet and Sala
/// keeps the organizer's calendar (the calendar job then releases it with the link).
pub(super) async fn meet_wait(
    store: &dyn Store,
    ctx: &Context,
    organizer: &User,
    google_meet: bool,
) -> AppResult<bool> {
    Ok(google_meet && crate::calendar_facts::keeps_calendar(store, ctx.tenant_id(), organizer.id).await?)
}
