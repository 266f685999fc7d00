//! Creating a booking, or a series of independent occurrences, with idempotent retries.

use super::policy::{self, Slot};
use super::{AttendeeInput, attendees, facts, guest_quota, load_tenant};
use crate::calendar_facts::OutsideBusy;
use crate::context::snapshot;
use crate::error::Conflict;
use crate::validate::Validator;
use crate::{AppError, AppResult, Context, FieldError, Store};
use sala_domain::ErrorCode;
use sala_domain::booking::overlap::full_stretches;
use sala_domain::jobs::SeriesInvite;
use sala_domain::notify::ReminderSettings;
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::values::{clean_name, clean_text};
use sala_domain::{
    Actor, Attendee, Booking, BookingId, BookingStatus, Expansion, Millis, Recurrence, Room, Series, SeriesId, Tenant,
    TimeRange, TimeZoneName, User, now_millis,
};
use sala_store::{BookingWrite, IdempotencyRecord, StoreError, Unique};

/// What to do when some occurrences of a series collide with existing bookings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConflictPolicy {
    /// Create nothing and list every conflicting date (409).
    #[default]
    Fail,
    /// Create the free occurrences and report the skipped ones.
    Skip,
}

/// A booking request, its values parsed at the edge (API body, form, CLI); the use case checks
/// what they mean (the end after the start, the rules, the room, the people).
#[derive(Clone, Debug, Default)]
pub struct NewBooking {
    pub room_id: sala_domain::RoomId,
    pub title: String,
    pub description: Option<String>,
    pub start: Millis,
    pub end: Millis,
    /// The zone for display and recurrence; default: the organizer's, else the tenant's.
    pub time_zone: Option<TimeZoneName>,
    pub attendees: Vec<AttendeeInput>,
    pub google_meet: bool,
    pub external_ref: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub recurrence: Option<Recurrence>,
    pub on_conflict: ConflictPolicy,
    /// The organizer's email: required with an API key; admins may book for someone else.
    pub organizer: Option<String>,
    /// The reminders of this meeting, for everyone; `None`: the organization's and each person's.
    pub reminders: Option<ReminderSettings>,
    /// The client's `Idempotency-Key`, and a hash of the request it came with.
    pub idempotency_key: Option<String>,
    pub request_hash: String,
}

/// An occurrence left out under `ConflictPolicy::Skip`.
pub type Skipped = Conflict;

/// What a create produced.
#[derive(Clone, Debug)]
pub struct Created {
    pub bookings: Vec<Booking>,
    pub skipped: Vec<Skipped>,
    /// A monthly series' months without its day (the first of each), as RFC 5545 skips them.
    pub months_skipped: Vec<jiff::civil::Date>,
    /// Accepted but worth knowing, e.g. `over_capacity` when remote attendance is possible.
    pub warnings: Vec<FieldError>,
    /// True when this answers a retry of an earlier request with the same `Idempotency-Key`.
    pub replayed: bool,
    /// The room and organizer of the new bookings as the create read them, so the answer can name
    /// them without reading them again; `None` on a replay.
    pub room_and_organizer: Option<(Room, User)>,
}

/// Everything validated about a request, before occurrences are worked out.
pub(super) struct Draft {
    pub(super) tenant: Tenant,
    pub(super) room: Room,
    pub(super) organizer: User,
    time: TimeRange,
    pub(super) zone: TimeZoneName,
    pub(super) attendees: Vec<Attendee>,
    google_meet: bool,
    title: String,
    description: Option<String>,
    external_ref: Option<String>,
    metadata: serde_json::Value,
    reminders: Option<ReminderSettings>,
    pub(super) warnings: Vec<FieldError>,
}

/// Creates the booking (or series). `outside` tells of meetings booked directly in the room's
/// Google calendar, which count as conflicts like Sala's own bookings.
pub async fn create_booking(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    input: NewBooking,
) -> AppResult<Created> {
    create(store, outside, ctx, input, None).await
}

/// A meeting someone put straight on a room's calendar, made a booking by an admin.
#[derive(Clone, Debug)]
pub struct Adoption {
    /// The calendar event's id (in the audit entry).
    pub event_id: String,
}

/// Creates the booking of an adopted calendar event as [`create_booking`] does (the same
/// checks, audit and webhooks), but its people are not told (they have the meeting in their
/// calendars already) and no calendar is written: the jobs are an import's
/// ([`Change::Imported`]), and the audit entry is `booking.adopted`, naming the event.
pub async fn create_adopted(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    input: NewBooking,
    adoption: &Adoption,
) -> AppResult<Created> {
    create(store, outside, ctx, NewBooking { recurrence: None, idempotency_key: None, ..input }, Some(adoption)).await
}

async fn create(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    input: NewBooking,
    adoption: Option<&Adoption>,
) -> AppResult<Created> {
    if let Some(key) = &input.idempotency_key {
        check_idempotency_key(key)?;
        if let Some(replayed) = replay(store, ctx, key, &input.request_hash).await? {
            return Ok(replayed);
        }
    }
    let draft = validate(store, ctx, &input).await?;
    let Expansion { occurrences: ranges, months_skipped } = occurrences(&draft, input.recurrence.as_ref())?;
    check_rules(store, ctx, &draft, &ranges).await?;
    let planned = ranges.clone();
    let (ranges, skipped) = resolve_conflicts(store, outside, ctx, &draft, ranges, input.on_conflict).await?;
    let now = now_millis();
    let series = input.recurrence.as_ref().map(|rule| Series {
        id: SeriesId::new(),
        tenant_id: ctx.tenant_id(),
        rule: rule.clone(),
        time_zone: draft.zone.clone(),
        created_at: now,
    });
    let bookings: Vec<Booking> =
        ranges.iter().map(|range| build(ctx, &draft, *range, series.as_ref().map(|s| s.id), now)).collect();
    let mut audit: Vec<_> = bookings
        .iter()
        .map(|b| match adoption {
            None => ctx.audit("booking.created", "booking", Some(b.id.0), None, snapshot(b)),
            Some(adoption) => {
                let mut after = snapshot(b);
                if let Some(fields) = after.as_mut().and_then(serde_json::Value::as_object_mut) {
                    fields.insert("adopted_event_id".into(), adoption.event_id.clone().into());
                }
                ctx.audit("booking.adopted", "booking", Some(b.id.0), None, after)
            }
        })
        .collect();
    if let Some(first) = bookings.first() {
        let guests = guest_quota::new_guests([(&[][..], &first.attendees[..])]);
        audit.extend(guest_quota::admit(store, ctx, first.id, &guests).await?);
    }
    let invite = input.recurrence.as_ref().map(|rule| series_invite(rule, &planned, &ranges));
    let facts = Facts {
        reminders: match bookings.first() {
            Some(first) => facts::reminders(store, ctx, &draft.tenant, &draft.organizer, first).await?,
            None => draft.tenant.reminders.clone(),
        },
        // Every booking of a create is in the draft's room.
        no_show_minutes: facts::no_show_minutes_in(&draft.tenant, &draft.room),
        meet_wait: facts::meet_wait(store, ctx, &draft.organizer, draft.google_meet).await?,
        actor: ctx.actor(),
        ..Facts::at(now)
    };
    let change = match adoption {
        None => Change::Created { bookings: &bookings, series: invite.as_ref() },
        Some(_) => Change::Imported { bookings: &bookings },
    };
    let plan = outbox::plan(change, &facts);
    let record = input.idempotency_key.as_ref().map(|key| IdempotencyRecord {
        actor: actor_key(ctx),
        key: key.clone(),
        request_hash: input.request_hash.clone(),
        booking_ids: bookings.iter().map(|b| b.id).collect(),
        created_at: now,
    });
    let write = BookingWrite {
        tenant_id: ctx.tenant_id(),
        series: series.as_ref(),
        bookings: &bookings,
        audit: &audit,
        jobs: &plan.jobs,
        idempotency: record.as_ref(),
        drop_timed_jobs: &plan.drop_timed_jobs,
        unless_checked_in: false,
    };
    match store.insert_bookings(write).await {
        Ok(()) => Ok(Created {
            bookings,
            skipped,
            months_skipped,
            warnings: draft.warnings,
            replayed: false,
            room_and_organizer: Some((draft.room, draft.organizer)),
        }),
        Err(StoreError::Overlap(busy)) => Err(policy::overlap_conflict(ranges.iter().copied(), &busy)),
        Err(StoreError::Duplicate(Unique::IdempotencyKey)) => {
            let key = input.idempotency_key.as_deref().unwrap_or_default();
            replay(store, ctx, key, &input.request_hash).await?.ok_or_else(|| StoreError::NotFound.into())
        }
        Err(err) => Err(err.into()),
    }
}

pub(super) async fn validate(store: &dyn Store, ctx: &Context, input: &NewBooking) -> AppResult<Draft> {
    let tenant = load_tenant(store, ctx).await?;
    let room = policy::bookable_room(store, ctx, input.room_id).await?;
    let organizer = policy::organizer(store, ctx, input.organizer.as_deref()).await?;
    let mut v = Validator::default();
    let title = v.check("title", clean_name("title", &input.title, 200));
    let description = v.check_opt("description", input.description.as_deref(), |d| clean_text("description", d, 5000));
    let external_ref =
        v.check_opt("external_ref", input.external_ref.as_deref(), |r| clean_name("external_ref", r, 200));
    let metadata = v.check("metadata", policy::check_metadata(input.metadata.clone()));
    let reminders = v.check("reminders", policy::check_reminders(input.reminders.clone()));
    let time = v.check("end", TimeRange::new(input.start, input.end));
    let default_zone = || organizer.time_zone.clone().unwrap_or_else(|| tenant.time_zone.clone());
    let zone = Some(input.time_zone.clone().unwrap_or_else(default_zone));
    let attendees = attendees::resolve(store, ctx, &organizer, &input.attendees, &mut v).await?;
    let warnings = match policy::capacity_check(&room, attendees.len() + 1, input.google_meet) {
        Ok(warning) => warning.into_iter().collect(),
        Err(err) => {
            v.check::<()>("attendees", Err(err));
            Vec::new()
        }
    };
    v.finish()?;
    let (Some(title), Some(description), Some(external_ref), Some(metadata), Some(time), Some(zone), Some(reminders)) =
        (title, description, external_ref, metadata, time, zone, reminders)
    else {
        return Err(AppError::invalid("booking", ErrorCode::ValidationFailed, "invalid booking"));
    };
    let google_meet = policy::meet_in(&room, input.google_meet);
    Ok(Draft {
        tenant,
        room,
        organizer,
        time,
        zone,
        attendees,
        google_meet,
        title,
        description,
        external_ref,
        metadata,
        reminders,
        warnings,
    })
}

/// The occurrences' ranges: just the one, or the series expanded in the booking's zone.
pub(super) fn occurrences(draft: &Draft, rule: Option<&Recurrence>) -> AppResult<Expansion> {
    match rule {
        None => Ok(Expansion { occurrences: vec![draft.time], months_skipped: Vec::new() }),
        Some(rule) => {
            rule.expansion(draft.time, &draft.zone).map_err(|e| AppError::invalid("recurrence", e.code, e.message))
        }
    }
}

/// Every occurrence must follow the tenant's rules (with the room's exceptions), unless an admin
/// books; and the organizer must stay within their limit of upcoming bookings.
async fn check_rules(store: &dyn Store, ctx: &Context, draft: &Draft, ranges: &[TimeRange]) -> AppResult<()> {
    let slots: Vec<Slot<'_>> = ranges.iter().map(|&time| Slot { room: &draft.room, time, zone: &draft.zone }).collect();
    let mut errors = policy::check_rules(ctx, &draft.tenant, &slots);
    let limit = policy::check_active_limit(store, ctx, &draft.tenant, &draft.room, &draft.organizer, ranges.len());
    errors.extend(limit.await?);
    if errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(errors)) }
}

/// Checks the occurrences against the room's bookings: all free, or skip the taken ones when the
/// caller allows, or refuse naming every conflicting date.
async fn resolve_conflicts(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    draft: &Draft,
    ranges: Vec<TimeRange>,
    on_conflict: ConflictPolicy,
) -> AppResult<(Vec<TimeRange>, Vec<Skipped>)> {
    // A single booking needs no look-ahead in Sala's own bookings: the store refuses an overlap
    // in the same transaction as the insert and names the booking in the way.
    let look_ahead = ranges.len() > 1;
    let in_the_way = conflicts(store, outside, ctx, draft, &ranges, None, look_ahead).await?;
    let mut free = Vec::new();
    let mut conflicts = Vec::new();
    for (range, conflict) in ranges.into_iter().zip(in_the_way) {
        match conflict {
            Some(conflict) => conflicts.push(conflict),
            None => free.push(range),
        }
    }
    if conflicts.is_empty() || (on_conflict == ConflictPolicy::Skip && !free.is_empty()) {
        Ok((free, conflicts))
    } else {
        Err(AppError::BookingConflict(conflicts))
    }
}

/// For each of `ranges`, the meeting in its way, if any: Sala's own bookings in the room (when
/// `look_ahead`; leaving out `except`, a booking being moved) and meetings booked directly in the
/// room's calendar.
pub(super) async fn conflicts(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    draft: &Draft,
    ranges: &[TimeRange],
    except: Option<BookingId>,
    look_ahead: bool,
) -> AppResult<Vec<Option<Conflict>>> {
    let (Some(first), Some(last)) = (ranges.first(), ranges.last()) else {
        return Ok(Vec::new());
    };
    let window = TimeRange { start: first.start, end: last.end };
    let elsewhere = policy::outside_busy(outside, ctx, &draft.organizer, &draft.room, ranges).await;
    let mut busy = if look_ahead { store.busy(ctx.tenant_id(), &[draft.room.id], window).await? } else { Vec::new() };
    busy.retain(|b| Some(b.booking_id) != except);
    // A virtual room is taken only where it holds its limit of meetings.
    let full = draft.room.is_shared().then(|| {
        let meetings: Vec<TimeRange> = busy.iter().map(|b| b.time).collect();
        draft.room.max_meetings.map(|limit| full_stretches(&meetings, limit as usize)).unwrap_or_default()
    });
    let in_the_way = |range: &TimeRange| match &full {
        Some(full) => {
            full.iter().any(|f| f.overlaps(range)).then(|| busy.iter().find(|b| b.time.overlaps(range))).flatten()
        }
        None => busy.iter().find(|b| b.time.overlaps(range)),
    };
    Ok(ranges
        .iter()
        .map(|range| match in_the_way(range) {
            Some(b) => Some(Conflict::of(*range, b)),
            None => elsewhere.iter().find(|(slot, _)| slot == range).map(|(_, time)| Conflict::outside(*range, *time)),
        })
        .collect())
}

fn build(ctx: &Context, d: &Draft, time: TimeRange, series_id: Option<SeriesId>, now: i64) -> Booking {
    Booking {
        id: BookingId::new(),
        tenant_id: ctx.tenant_id(),
        room_id: d.room.id,
        organizer_id: d.organizer.id,
        title: d.title.clone(),
        description: d.description.clone(),
        time,
        time_zone: d.zone.clone(),
        attendees: d.attendees.clone(),
        google_meet: d.google_meet,
        status: BookingStatus::Confirmed,
        cancel_reason: None,
        external_ref: d.external_ref.clone(),
        metadata: d.metadata.clone(),
        series_id,
        recurrence_id: series_id.map(|_| time.start),
        google_event_id: None,
        meet_link: None,
        reminders: d.reminders.clone(),
        version: 1,
        created_by: ctx.actor(),
        created_at: now,
        updated_at: now,
        cancelled_at: None,
    }
}

/// The series as its invitation describes it: the rule from its first planned date, less the
/// dates skipped for conflicts.
fn series_invite(rule: &Recurrence, planned: &[TimeRange], booked: &[TimeRange]) -> SeriesInvite {
    let first = planned.first().or(booked.first()).copied().unwrap_or(TimeRange { start: 0, end: 1 });
    SeriesInvite {
        rule: rule.clone(),
        first,
        skipped: planned.iter().filter(|p| !booked.contains(p)).map(|p| p.start).collect(),
        last_end: booked.last().map_or(first.end, |b| b.end),
        booked: booked.len(),
    }
}

/// Idempotency keys are scoped to their sender.
fn actor_key(ctx: &Context) -> String {
    match ctx.actor() {
        Actor::User(id) => format!("user:{id}"),
        Actor::ApiKey(id) => format!("api_key:{id}"),
        Actor::System => "system".to_owned(),
    }
}

fn check_idempotency_key(key: &str) -> AppResult<()> {
    let ok = (1..=255).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "Idempotency-Key",
            ErrorCode::InvalidIdempotencyKey,
            "use 1-255 visible ASCII characters",
        ))
    }
}

/// The bookings an earlier request with this key created, or `None` for a new key. The same key
/// with a different request is refused: it is almost always a client bug.
async fn replay(store: &dyn Store, ctx: &Context, key: &str, request_hash: &str) -> AppResult<Option<Created>> {
    let Some(record) = store.idempotency_record(ctx.tenant_id(), &actor_key(ctx), key).await? else {
        return Ok(None);
    };
    if record.request_hash != request_hash {
        return Err(AppError::invalid(
            "Idempotency-Key",
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was already used with a different request",
        ));
    }
    let mut bookings = Vec::new();
    for id in record.booking_ids {
        bookings.extend(store.get_booking(ctx.tenant_id(), id).await?);
    }
    Ok(Some(Created {
        bookings,
        skipped: Vec::new(),
        months_skipped: Vec::new(),
        warnings: Vec::new(),
        replayed: true,
        room_and_organizer: None,
    }))
}
