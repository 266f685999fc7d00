//! A booking checked exactly as its create checks it, without writing anything: what the booking
//! form's live check asks while a person picks a slot. Unlike a create, which stops at the first
//! kind of problem, a preview goes on to say, for every date of a series, whether it breaks a
//! rule and whether the room is taken, so the form can show each date before submitting.

use super::create::{self, NewBooking};
use super::{guest_quota, policy};
use crate::calendar_facts::OutsideBusy;
use crate::error::Conflict;
use crate::{AppError, AppResult, Context, FieldError, Store};
use sala_domain::{Attendee, Booking, BookingId, BookingStatus, Expansion, TimeRange};
use sala_store::BookingQuery;

/// What a create of the same request would meet.
#[derive(Clone, Debug)]
pub struct Preview {
    /// The one booking, or each date of a series, soonest first.
    pub occurrences: Vec<PlannedOccurrence>,
    /// A monthly series' months without its day (the first of each): skipped, as in RFC 5545.
    pub months_skipped: Vec<jiff::civil::Date>,
    /// Accepted but worth knowing, e.g. `over_capacity` when remote attendance is possible.
    pub warnings: Vec<FieldError>,
    /// Guests of the organization who already have another meeting then (the first date), by
    /// name: only that they are busy, never what with.
    pub busy_guests: Vec<String>,
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
    let Expansion { occurrences: ranges, months_skipped } = create::occurrences(&draft, input.recurrence.as_ref())?;
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
    let busy_guests = match ranges.first() {
        Some(first) => busy_guests(store, ctx, &draft.attendees, *first, except).await?,
        None => Vec::new(),
    };
    let in_the_way = create::conflicts(store, outside, ctx, &draft, &ranges, except, true).await?;
    let occurrences = ranges
        .into_iter()
        .zip(in_the_way)
        .map(|(time, conflict)| {
            let slot = policy::Slot { room: &draft.room, time, zone: &draft.zone };
            PlannedOccurrence { time, broken: policy::check_rules(ctx, &draft.tenant, &[slot]), conflict }
        })
        .collect();
    Ok(Preview { occurrences, months_skipped, warnings: draft.warnings, busy_guests })
}

/// The most guests of the organization looked up for other meetings (one query each).
const BUSY_GUESTS_CHECKED: usize = 20;

/// The names of the internal guests with another confirmed meeting overlapping `time`.
async fn busy_guests(
    store: &dyn Store,
    ctx: &Context,
    attendees: &[Attendee],
    time: TimeRange,
    except: Option<BookingId>,
) -> AppResult<Vec<String>> {
    let mut busy = Vec::new();
    for attendee in attendees.iter().filter(|a| a.user_id.is_some()).take(BUSY_GUESTS_CHECKED) {
        let query = BookingQuery {
            from: Some(time.start),
            to: Some(time.end),
            status: Some(BookingStatus::Confirmed),
            involving: attendee.user_id,
            limit: 2,
            ..Default::default()
        };
        let meetings = store.list_bookings(ctx.tenant_id(), &query).await?;
        if meetings.iter().any(|b| Some(b.id) != except && b.time.overlaps(&time)) {
            busy.push(attendee.name.clone().unwrap_or_else(|| attendee.email.to_string()));
        }
    }
    Ok(busy)
}
