//! Editing a booking (PATCH): only the fields sent change; optimistic concurrency with the version;
//! for a series, "this and following" applies the same change to later occurrences.

use super::policy::{self, Slot};
use super::{AttendeeInput, Scope, attendees, facts, guest_quota, load_tenant};
use crate::calendar_facts::OutsideBusy;
use crate::context::snapshot;
use crate::error::Conflict;
use crate::validate::Validator;
use crate::{AppError, AppResult, Context, Store};
use sala_domain::ErrorCode;
use sala_domain::booking::diff;
use sala_domain::notify::ReminderSettings;
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::values::{clean_name, clean_text};
use sala_domain::{Booking, Millis, RoomId, Tenant, TimeRange, TimeZoneName, User, now_millis};
use sala_store::{BookingQuery, BookingWrite, StoreError};

/// The fields to change, parsed at the edge; `None` leaves a field as it is. For the optional
/// texts, `Some("")` clears them.
#[derive(Clone, Debug, Default)]
pub struct BookingChanges {
    pub room_id: Option<RoomId>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub start: Option<Millis>,
    pub end: Option<Millis>,
    pub time_zone: Option<TimeZoneName>,
    pub attendees: Option<Vec<AttendeeInput>>,
    pub google_meet: Option<bool>,
    pub external_ref: Option<String>,
    pub metadata: Option<serde_json::Value>,
    /// `Some(None)` goes back to the organization's and each person's reminders.
    pub reminders: Option<Option<ReminderSettings>>,
}

/// Applies `changes` to the booking (and, with `ThisAndFollowing`, to the later occurrences of its
/// series). `if_match` is the version the client last saw. Returns the changed bookings, the
/// named one first; an edit that changes nothing returns the booking as it is.
pub async fn edit_booking(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    id: sala_domain::BookingId,
    changes: BookingChanges,
    if_match: Option<i64>,
    scope: Scope,
) -> AppResult<Vec<Booking>> {
    let current = policy::load_visible(store, ctx, id).await?;
    if !policy::may_change(ctx, &current) {
        return Err(policy::deny(store, ctx, "booking.edit_denied", id).await);
    }
    check_editable(&current, if_match)?;
    let tenant = load_tenant(store, ctx).await?;
    let organizer =
        store.get_user(ctx.tenant_id(), current.organizer_id).await?.ok_or(AppError::NotFound { what: "organizer" })?;
    let edited = apply(store, ctx, &organizer, &current, &changes).await?;
    let mut pairs = vec![(current.clone(), edited.clone())];
    if scope == Scope::ThisAndFollowing {
        pairs.extend(following(store, ctx, &current, &edited).await?);
    }
    let pairs: Vec<(Booking, Booking)> = pairs.into_iter().filter(|(b, a)| !diff(b, a).is_empty()).collect();
    if pairs.is_empty() {
        return Ok(vec![current]);
    }
    check_moves(store, outside, ctx, &tenant, &organizer, &pairs).await?;
    let reminders = facts::reminders(store, ctx, &tenant, &organizer, &pairs[0].1).await?;
    save(store, ctx, &tenant, reminders, pairs, Vec::new()).await
}

/// Ends the meeting under way at `end` (a room kiosk's "end now"): an ordinary edit of its end
/// time, so the same `booking.updated` entry, messages, calendar update and webhooks follow, with
/// `note` (who ended it and from where) audited beside it in the same write. Only the end moves,
/// and only to a time inside the meeting: no new time is taken, so the booking rules and the
/// conflict checks, which guard new time, have nothing to say (their minimum length and "not in
/// the past" would refuse every meeting under way).
pub(crate) async fn end_early(
    store: &dyn Store,
    ctx: &Context,
    id: sala_domain::BookingId,
    end: Millis,
    note: sala_domain::AuditEntry,
) -> AppResult<Booking> {
    let current = policy::load_visible(store, ctx, id).await?;
    if !policy::may_change(ctx, &current) {
        return Err(policy::deny(store, ctx, "booking.edit_denied", id).await);
    }
    check_editable(&current, None)?;
    if !(current.time.start < end && end < current.time.end) {
        return Err(AppError::Conflict {
            code: ErrorCode::NoMeetingNow,
            message: "only a meeting under way can be ended now".into(),
        });
    }
    let tenant = load_tenant(store, ctx).await?;
    let organizer =
        store.get_user(ctx.tenant_id(), current.organizer_id).await?.ok_or(AppError::NotFound { what: "organizer" })?;
    let edited = Booking { time: TimeRange { start: current.time.start, end }, ..current.clone() };
    let reminders = facts::reminders(store, ctx, &tenant, &organizer, &edited).await?;
    let saved = save(store, ctx, &tenant, reminders, vec![(current, edited)], vec![note]).await?;
    saved.into_iter().next().ok_or(AppError::NotFound { what: "booking" })
}

fn check_editable(current: &Booking, if_match: Option<i64>) -> AppResult<()> {
    if if_match.is_some_and(|v| v != current.version) {
        return Err(AppError::PreconditionFailed {
            message: format!("the booking is at version {}; fetch it again and retry", current.version),
        });
    }
    policy::still_confirmed(current, "edited")?;
    if current.time.end <= now_millis() {
        return Err(AppError::Conflict {
            code: ErrorCode::BookingEnded,
            message: "a booking that has ended cannot be edited".into(),
        });
    }
    Ok(())
}

/// The booking with the changes applied, every field validated.
async fn apply(
    store: &dyn Store,
    ctx: &Context,
    organizer: &User,
    current: &Booking,
    c: &BookingChanges,
) -> AppResult<Booking> {
    let mut b = current.clone();
    let mut v = Validator::default();
    if let Some(room_id) = c.room_id.filter(|r| *r != current.room_id) {
        b.room_id = policy::bookable_room(store, ctx, room_id).await?.id;
    }
    if let Some(title) = &c.title {
        b.title = v.check("title", clean_name("title", title, 200)).unwrap_or_default();
    }
    if let Some(d) = c.description.as_deref() {
        b.description = v.check_opt("description", Some(d), |d| clean_text("description", d, 5000)).flatten();
    }
    if let Some(r) = c.external_ref.as_deref() {
        b.external_ref = v.check_opt("external_ref", Some(r), |r| clean_name("external_ref", r, 200)).flatten();
    }
    if let Some(m) = &c.metadata {
        b.metadata = v.check("metadata", policy::check_metadata(Some(m.clone()))).unwrap_or_default();
    }
    if let Some(zone) = &c.time_zone {
        b.time_zone = zone.clone();
    }
    let (start, end) = (c.start.unwrap_or(b.time.start), c.end.unwrap_or(b.time.end));
    b.time = v.check("end", TimeRange::new(start, end)).unwrap_or(b.time);
    if let Some(reminders) = &c.reminders {
        b.reminders = v.check("reminders", policy::check_reminders(reminders.clone())).flatten();
    }
    if let Some(meet) = c.google_meet {
        b.google_meet = meet;
    }
    if let Some(inputs) = &c.attendees {
        b.attendees = attendees::resolve(store, ctx, organizer, inputs, &mut v).await?;
    }
    let room = store.get_room(ctx.tenant_id(), b.room_id).await?.ok_or(AppError::NotFound { what: "room" })?;
    b.google_meet = policy::meet_in(&room, b.google_meet);
    if let Err(e) = policy::capacity_check(&room, b.attendees.len() + 1, b.google_meet) {
        v.check::<()>("attendees", Err(e));
    }
    v.finish()?;
    Ok(b)
}

/// The later confirmed occurrences of the series with the same change: the same fields, and for a
/// time change the same local wall-clock start (shifted by as many days) and duration.
async fn following(
    store: &dyn Store,
    ctx: &Context,
    current: &Booking,
    edited: &Booking,
) -> AppResult<Vec<(Booking, Booking)>> {
    let Some(series_id) = current.series_id else { return Ok(Vec::new()) };
    let query = BookingQuery {
        series_id: Some(series_id),
        from: Some(current.time.start + 1),
        status: Some(sala_domain::BookingStatus::Confirmed),
        limit: 500,
        ..Default::default()
    };
    let later = store.list_bookings(ctx.tenant_id(), &query).await?;
    let moved = |b: &Booking| shift_like(current, edited, b);
    Ok(later
        .into_iter()
        .filter(|b| b.id != current.id && b.time.start > current.time.start)
        .map(|b| {
            let mut after = b.clone();
            after.room_id = edited.room_id;
            after.title = edited.title.clone();
            after.description = edited.description.clone();
            after.attendees = edited.attendees.clone();
            after.google_meet = edited.google_meet;
            after.external_ref = edited.external_ref.clone();
            after.metadata = edited.metadata.clone();
            after.time_zone = edited.time_zone.clone();
            after.time = moved(&b);
            (b, after)
        })
        .collect())
}

/// Where `other` goes when `before` moved to `after`: same day offset, same new local start time
/// in the new zone, same new duration. Unchanged time leaves `other` where it is.
fn shift_like(before: &Booking, after: &Booking, other: &Booking) -> TimeRange {
    if before.time == after.time && before.time_zone == after.time_zone {
        return other.time;
    }
    let local = |ms: Millis, zone: &TimeZoneName| {
        jiff::Timestamp::from_millisecond(ms).map(|t| t.to_zoned_datetime(zone.time_zone())).ok()
    };
    let shifted = (|| {
        let old = local(before.time.start, &before.time_zone)?;
        let new = local(after.time.start, &after.time_zone)?;
        let days = (new.date() - old.date()).get_days();
        let date = local(other.time.start, &before.time_zone)?.date().checked_add(jiff::Span::new().days(days)).ok()?;
        let start = date
            .to_datetime(new.time())
            .to_zoned_datetime(after.time_zone.time_zone())
            .ok()?
            .timestamp()
            .as_millisecond();
        Some(TimeRange { start, end: start + after.time.duration_ms() })
    })();
    shifted.unwrap_or(other.time)
}

/// Every occurrence moved in time or to another room follows the rules (unless an admin edits)
/// and must not land on a meeting booked directly in its room's Google calendar.
async fn check_moves(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    tenant: &Tenant,
    organizer: &User,
    pairs: &[(Booking, Booking)],
) -> AppResult<()> {
    let moved: Vec<&Booking> =
        pairs.iter().filter(|(b, a)| b.time != a.time || b.room_id != a.room_id).map(|(_, a)| a).collect();
    let Some(first) = moved.first() else { return Ok(()) };
    // "This and following" moves every occurrence to the same room.
    let room = store.get_room(ctx.tenant_id(), first.room_id).await?.ok_or(AppError::NotFound { what: "room" })?;
    let slots: Vec<Slot<'_>> = moved.iter().map(|b| Slot { room: &room, time: b.time, zone: &b.time_zone }).collect();
    let errors = policy::check_rules(ctx, tenant, &slots);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let times: Vec<TimeRange> = moved.iter().map(|b| b.time).collect();
    let busy = policy::outside_busy(outside, ctx, organizer, &room, &times).await;
    if busy.is_empty() {
        return Ok(());
    }
    Err(AppError::BookingConflict(busy.into_iter().map(|(slot, time)| Conflict::outside(slot, time)).collect()))
}

/// Writes the edited bookings with their audit entries (and `notes`, entries the caller adds) and
/// the jobs the outbox plan gives.
async fn save(
    store: &dyn Store,
    ctx: &Context,
    tenant: &Tenant,
    reminders: ReminderSettings,
    pairs: Vec<(Booking, Booking)>,
    notes: Vec<sala_domain::AuditEntry>,
) -> AppResult<Vec<Booking>> {
    let now = now_millis();
    let pairs: Vec<(Booking, Booking)> = pairs
        .into_iter()
        .map(|(before, after)| {
            let after = Booking { version: before.version + 1, updated_at: now, ..after };
            (before, after)
        })
        .collect();
    let audit: Vec<_> = pairs
        .iter()
        .map(|(before, after)| {
            ctx.audit("booking.updated", "booking", Some(after.id.0), snapshot(before), snapshot(after))
        })
        .collect();
    let mut audit = audit;
    audit.extend(notes);
    let guests = guest_quota::new_guests(pairs.iter().map(|(b, a)| (&b.attendees[..], &a.attendees[..])));
    if let Some((_, named)) = pairs.first() {
        audit.extend(guest_quota::admit(store, ctx, named.id, &guests).await?);
    }
    let bookings: Vec<Booking> = pairs.iter().map(|(_, after)| after.clone()).collect();
    let facts = Facts {
        reminders,
        no_show_minutes: facts::no_show_minutes(store, tenant, &bookings).await?,
        actor: ctx.actor(),
        ..Facts::at(now)
    };
    let plan = outbox::plan(Change::Updated { pairs: &pairs }, &facts);
    let write = BookingWrite {
        drop_timed_jobs: &plan.drop_timed_jobs,
        ..BookingWrite::new(ctx.tenant_id(), &bookings, &audit, &plan.jobs)
    };
    match store.update_bookings(write).await {
        Ok(()) => Ok(bookings),
        Err(StoreError::Overlap(busy)) => Err(policy::overlap_conflict(bookings.iter().map(|b| b.time), &busy)),
        Err(err) => Err(err.into()),
    }
}
