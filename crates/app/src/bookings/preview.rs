//! A booking checked exactly as its create checks it, without writing anything: what the booking
//! form's live check asks while a person picks a slot. Unlike a create, which stops at the first
//! kind of problem, a preview goes on to say, for every date of a series, whether it breaks a
//! rule and whether the room is taken, so the form can show each date before submitting.

use super::create::{self, NewBooking};
use super::{guest_quota, policy};
use crate::calendar::OutsideBusy;
use crate::error::Conflict;
use crate::{AppError, AppResult, Context, FieldError, Store};
use sala_domain::{Booking, BookingId, TimeRange};

/// What a create of the same request would meet.
#[derive(Clone, Debug)]
pub struct Preview {
    /// The one booking, or each date of a series, soonest first.
    pub occurrences: Vec<PlannedOccurrence>,
    /// Accepted but worth knowing, e.g. `over_capacity` when remote attendance is possible.
    pub warnings: Vec<FieldError>,
}

/// One date a booking is to take, and what stands in its way.
#[derive(Clone, Debug)]
pub struct PlannedOccurrence {
    pub time: TimeRange,
    /// The rules this date breaks for the caller (before opening, in the past...); each on
    /// `start`, like a create's.
    pub broken: Vec<FieldError>,
    /// The meeting in the room at that time, if any.
    pub conflict: Option<Conflict>,
}

impl PlannedOccurrence {
    pub fn is_free(&self) -> bool {
        self.broken.is_empty() && self.conflict.is_none()
    }
}

impl Preview {
    /// Would a create succeed (with `on_conflict: fail`)?
    pub fn is_free(&self) -> bool {
        self.occurrences.iter().all(PlannedOccurrence::is_free)
    }
}

/// Checks `input` as [`create::create_booking`] would; `editing` is the booking being changed,
/// whose own slot does not count as taken and whose guests are not new. Problems with the
/// request as a whole (a guest, the seats, the title, the organizer's limit or guest quota)
/// are the error, as they would be for a create.
pub async fn preview_booking(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    input: &NewBooking,
    editing: Option<&Booking>,
) -> AppResult<Preview> {
    let draft = create::validate(store, ctx, input).await?;
    let ranges = create::occurrences(&draft, input.recurrence.as_ref())?;
    if editing.is_none() {
        let limit = policy::check_active_limit(store, ctx, &draft.tenant, &draft.room, &draft.organizer, ranges.len());
        if let Some(error) = limit.await? {
            return Err(AppError::Invalid(vec![error]));
        }
    }
    let before = editing.map(|b| &b.attendees[..]).unwrap_or_default();
    let guests = guest_quota::new_guests([(before, &draft.attendees[..])]);
    guest_quota::admit(store, ctx, editing.map_or_else(BookingId::new, |b| b.id), &guests).await?;
    let except = editing.map(|b| b.id);
    let in_the_way = create::conflicts(store, outside, ctx, &draft, &ranges, except, true).await?;
    let occurrences = ranges
        .into_iter()
        .zip(in_the_way)
        .map(|(time, conflict)| {
            let slot = policy::Slot { room: &draft.room, time, zone: &draft.zone };
            PlannedOccurrence { time, broken: policy::check_rules(ctx, &draft.tenant, &[slot]), conflict }
        })
        .collect();
    Ok(Preview { occurrences, warnings: draft.warnings })
}
