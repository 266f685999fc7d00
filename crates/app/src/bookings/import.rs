//! Importing a room's calendar from another system: each occurrence of the file's events within
//! the booking horizon becomes one independent booking of the room (never a Sala series).
//!
//! An import mirrors meetings that exist already, so the booking rules (bookable hours, notice,
//! duration, seats, per-person limits, guest quotas) do not refuse them; a double booking always
//! does: with the room's bookings, or between the file's own events. What is already in Sala
//! (same room, start, end and title, confirmed) is left as it is, so importing the same file again
//! changes nothing. Everything is one store write, with an audit entry per booking and the jobs
//! of [`Change::Imported`]: webhooks, no messages to people, no calendar writes.

use super::create::ConflictPolicy;
use super::facts;
use super::import_people::{Directory, People};
use super::load_tenant;
use crate::context::snapshot;
use crate::error::Conflict;
use crate::{AppError, AppResult, Context, Store};
use sala_channels::ics_import::{self, ForeignEvent, SkipStart, Window};
use sala_domain::booking::overlap::full_stretches;
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::values::{clean_name, clean_text};
use sala_domain::{
    Booking, BookingId, BookingStatus, ErrorCode, Locale, Room, RoomId, TimeRange, TimeZoneName, User, now_millis,
    rfc3339,
};
use sala_store::{BookingQuery, BookingWrite, StoreError};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// An import as the caller asks for it.
#[derive(Clone, Debug)]
pub struct ImportRequest {
    pub room_id: RoomId,
    /// Work everything out, write nothing.
    pub dry_run: bool,
    /// `fail`: any conflict refuses the whole import (409); `skip`: the rest is imported.
    pub on_conflict: ConflictPolicy,
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug)]
pub struct ImportReport {
    /// Whether the bookings were written (not a dry run, and something to write).
    pub written: bool,
    pub created: Vec<Imported>,
    pub skipped: Vec<ImportSkip>,
    /// Every conflict found (under `skip`, those occurrences are in `skipped` too).
    pub conflicts: Vec<Conflict>,
}

/// One booking an import makes.
#[derive(Clone, Debug)]
pub struct Imported {
    pub uid: String,
    pub booking: Booking,
    pub organizer: User,
    /// The file's organizer is this person (else the importer organizes, the original is a guest).
    pub organizer_matched: bool,
}

/// An event or occurrence left out, and why: `past`, `all_day`, `cancelled`, `no_duration`,
/// `outside_horizon`, `conflict` (with `conflict`) or `already_present`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSkip {
    pub uid: String,
    pub title: Option<String>,
    /// RFC 3339, or a date (`2027-03-01`) for a whole-day event.
    pub start: String,
    pub reason: &'static str,
    pub conflict: Option<Conflict>,
}

/// Imports (or previews) the events of `calendar` (an iCalendar file) into the room. Admins and
/// API keys only. A file that cannot be read is `calendar_invalid`, naming the line.
pub async fn import_calendar(
    store: &dyn Store,
    ctx: &Context,
    request: ImportRequest,
    calendar: &[u8],
) -> AppResult<ImportReport> {
    ctx.require_admin()?;
    let room = store.get_room(ctx.tenant_id(), request.room_id).await?.ok_or(AppError::NotFound { what: "room" })?;
    if !room.active {
        return Err(AppError::invalid("room_id", ErrorCode::RoomInactive, format!("{} is out of service", room.name)));
    }
    let unreadable =
        |why: ics_import::Unreadable| AppError::BadInput { code: ErrorCode::CalendarInvalid, message: why.describe() };
    let events = ics_import::read(calendar).map_err(unreadable)?;
    let tenant = load_tenant(store, ctx).await?;
    let now = now_millis();
    let days_ahead = i64::from(tenant.booking_rules.with_override(&room.rules).max_days_ahead);
    let floating = jiff::tz::db().get(tenant.time_zone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC);
    let window = Window { now: timestamp(now), horizon: timestamp(now + days_ahead * DAY_MS) };
    let expansion = ics_import::expand(&events, &floating, window).map_err(unreadable)?;
    let default_title = match tenant.locale {
        Locale::Es => "Reserva importada",
        Locale::En => "Imported booking",
    };
    let mut skipped: Vec<ImportSkip> = expansion
        .skipped
        .iter()
        .map(|s| ImportSkip {
            uid: events[s.event].uid.clone(),
            title: events[s.event].summary.clone(),
            start: match &s.start {
                SkipStart::Day(day) => day.to_string(),
                SkipStart::At(at) => rfc3339(at.as_millisecond()),
            },
            reason: s.reason.as_str(),
            conflict: None,
        })
        .collect();
    let (first, last) = match (expansion.occurrences.first(), expansion.occurrences.iter().map(|o| o.end).max()) {
        (Some(first), Some(last)) => (first.start.as_millisecond(), last.as_millisecond()),
        _ => (now, now + 1),
    };
    let span = TimeRange { start: first, end: last };
    let existing = room_bookings(store, ctx, room.id, span).await?;
    let mut directory = Directory::new(store, ctx, &room);
    let mut created: Vec<Imported> = Vec::new();
    // The times of `created`, by start (the occurrences come by start).
    let mut accepted: Vec<TimeRange> = Vec::new();
    let mut conflicts = Vec::new();
    for occurrence in &expansion.occurrences {
        let event = &events[occurrence.event];
        let time = TimeRange { start: occurrence.start.as_millisecond(), end: occurrence.end.as_millisecond() };
        let title = title_of(event, default_title);
        let skip = |reason, conflict| ImportSkip {
            uid: event.uid.clone(),
            title: Some(title.clone()),
            start: rfc3339(time.start),
            reason,
            conflict,
        };
        if existing.iter().any(|b| b.time == time && b.title == title) {
            skipped.push(skip("already_present", None));
            continue;
        }
        if let Some(conflict) = in_the_way(&room, &existing, &accepted, time) {
            conflicts.push(conflict.clone());
            skipped.push(skip("conflict", Some(conflict)));
            continue;
        }
        let People { organizer, organizer_matched, attendees } = directory.people(event).await?;
        let zone = event.zone_name().and_then(|z| TimeZoneName::parse(z).ok()).unwrap_or(tenant.time_zone.clone());
        let booking = Booking {
            id: BookingId::new(),
            tenant_id: ctx.tenant_id(),
            room_id: room.id,
            organizer_id: organizer.id,
            title,
            description: event.description.as_deref().and_then(description_of),
            time,
            time_zone: zone,
            attendees,
            google_meet: false,
            status: BookingStatus::Confirmed,
            cancel_reason: None,
            external_ref: None,
            metadata: serde_json::json!({}),
            series_id: None,
            recurrence_id: None,
            google_event_id: None,
            meet_link: None,
            reminders: None,
            version: 1,
            created_by: ctx.actor(),
            created_at: now,
            updated_at: now,
            cancelled_at: None,
        };
        accepted.push(time);
        created.push(Imported { uid: event.uid.clone(), booking, organizer, organizer_matched });
    }
    if !conflicts.is_empty() && request.on_conflict == ConflictPolicy::Fail && !request.dry_run {
        return Err(AppError::BookingConflict(conflicts));
    }
    let written = !request.dry_run && !created.is_empty();
    if written {
        write(store, ctx, &tenant, &created, now).await?;
    }
    Ok(ImportReport { written, created, skipped, conflicts })
}

/// One write: the bookings, an audit entry each (`booking.imported`), and their jobs.
async fn write(
    store: &dyn Store,
    ctx: &Context,
    tenant: &sala_domain::Tenant,
    created: &[Imported],
    now: i64,
) -> AppResult<()> {
    let bookings: Vec<Booking> = created.iter().map(|c| c.booking.clone()).collect();
    let audit: Vec<_> =
        bookings.iter().map(|b| ctx.audit("booking.imported", "booking", Some(b.id.0), None, snapshot(b))).collect();
    let facts = Facts {
        no_show_minutes: facts::no_show_minutes(store, tenant, &bookings).await?,
        actor: ctx.actor(),
        ..Facts::at(now)
    };
    let plan = outbox::plan(Change::Imported { bookings: &bookings }, &facts);
    let write = BookingWrite {
        drop_timed_jobs: &plan.drop_timed_jobs,
        ..BookingWrite::new(ctx.tenant_id(), &bookings, &audit, &plan.jobs)
    };
    match store.insert_bookings(write).await {
        Ok(()) => Ok(()),
        // Someone booked a slot meanwhile: nothing is written, the caller sees the conflict.
        Err(StoreError::Overlap(busy)) => {
            let requested = bookings.iter().find(|b| b.time.overlaps(&busy.time)).map_or(busy.time, |b| b.time);
            Err(AppError::BookingConflict(vec![Conflict::of(requested, &busy)]))
        }
        Err(err) => Err(err.into()),
    }
}

/// The room's confirmed bookings overlapping `span`.
async fn room_bookings(store: &dyn Store, ctx: &Context, room: RoomId, span: TimeRange) -> AppResult<Vec<Booking>> {
    let mut out: Vec<Booking> = Vec::new();
    loop {
        let query = BookingQuery {
            from: Some(span.start),
            to: Some(span.end),
            room_id: Some(room),
            status: Some(BookingStatus::Confirmed),
            after: out.last().map(|b| (b.time.start, b.id)),
            limit: 500,
            ..BookingQuery::default()
        };
        let page = store.list_bookings(ctx.tenant_id(), &query).await?;
        let full = page.len() == 500;
        out.extend(page);
        if !full {
            return Ok(out);
        }
    }
}

/// What stands in the way of `time`: a booking of the room, or an earlier event of the file. A
/// virtual room is taken only where it holds its limit of meetings (no limit: never).
fn in_the_way(room: &Room, existing: &[Booking], accepted: &[TimeRange], time: TimeRange) -> Option<Conflict> {
    let mut booked = existing.iter().filter(|b| b.time.overlaps(&time));
    let mut from_file = accepted.iter().filter(|a| a.overlaps(&time));
    if room.is_shared() {
        let limit = room.max_meetings? as usize;
        // Only the meetings at that time tell whether the room is full then.
        let mut meetings: Vec<TimeRange> = booked.clone().map(|b| b.time).collect();
        meetings.extend(from_file.clone());
        if !full_stretches(&meetings, limit).iter().any(|f| f.overlaps(&time)) {
            return None;
        }
    }
    let conflict = |source: &'static str, booking_id: Option<BookingId>, other: TimeRange| Conflict {
        requested_start: rfc3339(time.start),
        requested_end: rfc3339(time.end),
        source,
        booking_id,
        start: rfc3339(other.start),
        end: rfc3339(other.end),
    };
    match (booked.next(), from_file.next()) {
        (Some(b), _) => Some(conflict("sala", Some(b.id), b.time)),
        (None, Some(a)) => Some(conflict("import", None, *a)),
        (None, None) => None,
    }
}

/// The booking's title: the event's `SUMMARY` as a title may be (one line, 200 characters),
/// else the default.
fn title_of(event: &ForeignEvent, default: &str) -> String {
    let raw: String = event
        .summary
        .as_deref()
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    clean_name("title", &raw, 200).unwrap_or_else(|_| default.to_owned())
}

fn description_of(raw: &str) -> Option<String> {
    let text: String = raw.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).take(5000).collect();
    clean_text("description", &text, 5000).ok().filter(|d| !d.is_empty())
}

fn timestamp(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}
