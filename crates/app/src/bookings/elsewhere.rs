//! "Another room for that date": a series lives in one room (one invitation, one location), so
//! a date its room could not take is booked as a meeting of its own in a room free then, a copy
//! of the series' meeting (title, description, guests, Meet, reminders, organizer) at that time.

use super::create::{NewBooking, create_booking};
use super::{AttendeeInput, Created, get_booking, policy};
use crate::calendar_facts::OutsideBusy;
use crate::{AppError, AppResult, Context, Store};
use sala_domain::{BookingId, Millis, RoomId};

/// Books `like`'s meeting at `start` (its own length) in `room`, for whoever may change `like`.
/// The new booking is checked as any create is: rules, seats, conflicts, guest quotas.
pub async fn book_elsewhere(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    like: BookingId,
    start: Millis,
    room: RoomId,
) -> AppResult<Created> {
    let original = get_booking(store, ctx, like).await?;
    if !policy::may_change(ctx, &original) {
        return Err(AppError::forbidden("only the organizer or an admin may book this meeting again"));
    }
    let organizer = store
        .get_user(ctx.tenant_id(), original.organizer_id)
        .await?
        .ok_or(AppError::NotFound { what: "organizer" })?;
    let attendees =
        original.attendees.iter().map(|a| AttendeeInput { email: a.email.to_string(), name: a.name.clone() }).collect();
    let input = NewBooking {
        room_id: room,
        title: original.title.clone(),
        description: original.description.clone(),
        start,
        end: start + original.time.duration_ms(),
        time_zone: Some(original.time_zone.clone()),
        attendees,
        google_meet: original.google_meet,
        organizer: Some(organizer.email.to_string()),
        reminders: original.reminders.clone(),
        ..NewBooking::default()
    };
    create_booking(store, outside, ctx, input).await
}
