//! Editing a booking (PATCH): only the fields sent change; optimistic concurrency with the version;
//! for a series, "this and following" applies the same change to later occurrences.

use super::create::{capacity_check, local_date};
use super::{
    AttendeeInput, Scope, attendees, bookable_room, bypasses_rules, deny, load_tenant, load_visible, may_change,
    reminder_plan,
};
use crate::calendar::OutsideBusy;
use crate::context::snapshot;
use crate::error::Conflict;
use crate::validate::Validator;
use crate::{AppError, AppResult, Context, FieldError, Store};
use sala_domain::booking::diff;
use sala_domain::jobs::{Change, jobs_for};
use sala_domain::notify::ReminderSettings;
use sala_domain::values::{clean_name, clean_text, parse_instant};
use sala_domain::{
    Booking, BookingId, FieldChange, JobKind, Millis, RoomId, Tenant, TimeRange, TimeZoneName, User, ValueError,
    now_millis,
};
use sala_store::{BookingQuery, BookingWrite, StoreError};

/// The fields to change; `None` leaves a field as it is. For the optional texts, `Some("")`
/// clears them.
#[derive(Clone, Debug, Default)]
pub struct BookingChanges {
    pub room_id: Option<RoomId>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub time_zone: Option<String>,
    pub attendees: Option<Vec<AttendeeInput>>,
    pub google_meet: Option<bool>,
    pub external_ref: Option<String>,
    pub metadata: Option<serde_json::Value>,
    /// `Some(None)` goes back to the organization's and each person's reminders.
    pub reminders: Option<Option<ReminderSettings>>,
}

/// Metadata is a small JSON object the caller keeps with the booking (its own ids).
pub(super) fn check_metadata(raw: Option<serde_json::Value>) -> Result<serde_json::Value, ValueError> {
    let value = raw.unwrap_or_else(|| serde_json::json!({}));
    let Some(object) = value.as_object() else {
        return Err(ValueError::new("invalid_metadata", "metadata must be a JSON object"));
    };
    if object.len() > 50 || value.to_string().len() > 4096 {
        return Err(ValueError::new("metadata_too_large", "metadata holds at most 50 keys and 4 KiB"));
    }
    Ok(value)
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
    let current = load_visible(store, ctx, id).await?;
    if !may_change(ctx, &current) {
        return Err(deny(store, ctx, "booking.edit_denied", id).await);
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
    check_rules(store, ctx, &tenant, &pairs).await?;
    check_outside(store, outside, ctx, &organizer, &pairs).await?;
    let reminders = reminder_plan(store, ctx, &tenant, &organizer, &pairs[0].1).await?;
    save(store, ctx, &tenant, &reminders, pairs).await
}

fn check_editable(current: &Booking, if_match: Option<i64>) -> AppResult<()> {
    if if_match.is_some_and(|v| v != current.version) {
        return Err(AppError::PreconditionFailed {
            message: format!("the booking is at version {}; fetch it again and retry", current.version),
        });
    }
    super::still_confirmed(current, "edited")?;
    if current.time.end <= now_millis() {
        return Err(AppError::Conflict {
            code: "booking_ended",
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
        b.room_id = bookable_room(store, ctx, room_id).await?.id;
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
        b.metadata = v.check("metadata", check_metadata(Some(m.clone()))).unwrap_or_default();
    }
    if let Some(zone) = &c.time_zone {
        b.time_zone = v.check("time_zone", TimeZoneName::parse(zone)).unwrap_or(b.time_zone);
    }
    let start = c.start.as_deref().map(|s| v.check("start", parse_instant("start", s))).unwrap_or(Some(b.time.start));
    let end = c.end.as_deref().map(|e| v.check("end", parse_instant("end", e))).unwrap_or(Some(b.time.end));
    if let (Some(start), Some(end)) = (start, end) {
        b.time = v.check("end", TimeRange::new(start, end)).unwrap_or(b.time);
    }
    if let Some(reminders) = &c.reminders {
        b.reminders = v.check("reminders", super::check_reminders(reminders.clone())).flatten();
    }
    if let Some(meet) = c.google_meet {
        b.google_meet = meet;
    }
    if let Some(inputs) = &c.attendees {
        b.attendees = attendees::resolve(store, ctx, organizer, inputs, &mut v).await?;
    }
    let room = store.get_room(ctx.tenant_id(), b.room_id).await?.ok_or(AppError::NotFound { what: "room" })?;
    if let Err(e) = capacity_check(&room, b.attendees.len() + 1, b.google_meet) {
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

/// Rules apply to every moved occurrence (unless an admin edits).
async fn check_rules(store: &dyn Store, ctx: &Context, tenant: &Tenant, pairs: &[(Booking, Booking)]) -> AppResult<()> {
    let bypass = bypasses_rules(ctx);
    let now = now_millis();
    let mut errors = Vec::new();
    for (before, after) in pairs {
        if before.time == after.time && before.room_id == after.room_id {
            continue;
        }
        let room = store.get_room(ctx.tenant_id(), after.room_id).await?.ok_or(AppError::NotFound { what: "room" })?;
        let rules = tenant.booking_rules.with_override(&room.rules);
        let violations = rules.check(after.time, now, room.bookable_hours.as_ref(), &tenant.time_zone);
        for violation in violations.into_iter().filter(|v| !bypass || super::binds_admins(v)) {
            let message = if pairs.len() > 1 {
                format!("the occurrence on {}: {}", local_date(after.time.start, &after.time_zone), violation.message)
            } else {
                violation.message
            };
            errors.push(FieldError { field: "start".into(), code: violation.code, message });
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(errors)) }
}

/// A moved booking must not land on a meeting booked directly in its room's Google calendar.
async fn check_outside(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    organizer: &User,
    pairs: &[(Booking, Booking)],
) -> AppResult<()> {
    let mut conflicts = Vec::new();
    for (_, after) in pairs.iter().filter(|(b, a)| b.time != a.time || b.room_id != a.room_id) {
        let Some(room) = store.get_room(ctx.tenant_id(), after.room_id).await? else { continue };
        let busy = outside.busy(ctx.tenant_id(), Some(organizer.id), std::slice::from_ref(&room), after.time).await;
        if let Some((_, time)) = busy.iter().find(|(_, t)| t.overlaps(&after.time)) {
            conflicts.push(Conflict::outside(after.time, *time));
        }
    }
    if conflicts.is_empty() { Ok(()) } else { Err(AppError::BookingConflict(conflicts)) }
}

/// Writes the edited bookings with their audit entries and jobs (one notification for the edit).
async fn save(
    store: &dyn Store,
    ctx: &Context,
    tenant: &Tenant,
    reminders: &ReminderSettings,
    pairs: Vec<(Booking, Booking)>,
) -> AppResult<Vec<Booking>> {
    let now = now_millis();
    let (befores, bookings): (Vec<Booking>, Vec<Booking>) = pairs
        .into_iter()
        .map(|(before, after)| {
            let after = Booking { version: before.version + 1, updated_at: now, ..after };
            (before, after)
        })
        .unzip();
    // A booking moved in time or to another room loses its reminders and no-show check for the
    // old slot; `jobs_for` and `no_show_checks` bring those for the new one.
    let rescheduled: Vec<Booking> = befores
        .iter()
        .zip(&bookings)
        .filter(|(b, a)| b.time.start != a.time.start || b.room_id != a.room_id || b.reminders != a.reminders)
        .map(|(_, a)| a.clone())
        .collect();
    let moved: Vec<BookingId> = rescheduled.iter().map(|b| b.id).collect();
    let mut audit = Vec::new();
    let mut jobs = Vec::new();
    for (i, (before, after)) in befores.iter().zip(&bookings).enumerate() {
        let changes: Vec<FieldChange> = diff(before, after);
        audit.push(ctx.audit("booking.updated", "booking", Some(after.id.0), snapshot(before), snapshot(after)));
        // The named booking's notification tells of the later occurrences changed with it.
        let more = if i == 0 { &bookings[1..] } else { &[] };
        let change = Change { more, ..Change::updated(before, after, &changes) };
        // A change of reminders alone is nothing to tell people about (its new reminders will).
        let tell = i == 0 && changes.iter().any(|c| c.field != "reminders");
        jobs.extend(jobs_for(change, reminders, now).into_iter().filter(|j| j.kind != JobKind::Notify || tell));
    }
    jobs.extend(super::no_show::no_show_checks(store, tenant, &rescheduled, now).await?);
    let write = BookingWrite {
        tenant_id: ctx.tenant_id(),
        series: None,
        bookings: &bookings,
        audit: &audit,
        jobs: &jobs,
        idempotency: None,
        drop_timed_jobs: &moved,
        unless_checked_in: false,
    };
    match store.update_bookings(write).await {
        Ok(()) => Ok(bookings),
        Err(StoreError::Overlap(busy)) => {
            let requested = bookings.iter().map(|b| b.time).find(|t| t.overlaps(&busy.time)).unwrap_or(busy.time);
            Err(AppError::BookingConflict(vec![Conflict::of(requested, &busy)]))
        }
        Err(err) => Err(err.into()),
    }
}
