//! Reading bookings: one, a filtered page, and which rooms are free when.

use super::policy::{load_visible, may_change};
use crate::calendar_facts::OutsideBusy;
use crate::validate::Validator;
use crate::{AppError, AppResult, Context, Principal, Store};
use sala_domain::ErrorCode;
use sala_domain::booking::overlap::full_stretches;
use sala_domain::jobs::{Channel, Delivery};
use sala_domain::rfc3339;
use sala_domain::{Booking, BookingId, BookingStatus, Equipment, Millis, Room, RoomId, TimeRange, UserId};
use sala_store::{BookingQuery, Busy};
use std::collections::HashMap;

/// One booking the caller may see (its organizer, an attendee, an admin, an API key).
pub async fn get_booking(store: &dyn Store, ctx: &Context, id: BookingId) -> AppResult<Booking> {
    load_visible(store, ctx, id).await
}

/// What was sent, or tried, to whom about a booking: its organizer, admins and API keys see it;
/// an attendee sees the booking but not who else was told what.
pub async fn deliveries(store: &dyn Store, ctx: &Context, id: BookingId) -> AppResult<Vec<Delivery>> {
    let booking = load_visible(store, ctx, id).await?;
    if !may_change(ctx, &booking) {
        return Err(AppError::forbidden("only the organizer and administrators see the delivery log"));
    }
    let mut log = store.deliveries_for_booking(ctx.tenant_id(), id).await?;
    if !ctx.may_see_webhooks() {
        log.retain(|d| d.channel != Channel::Webhook);
    }
    Ok(log)
}

/// The filters of a booking list, as a client sends them.
#[derive(Clone, Debug, Default)]
pub struct ListRequest {
    /// Bookings that end after this instant.
    pub from: Option<Millis>,
    /// Bookings that start before this instant.
    pub to: Option<Millis>,
    pub room_id: Option<RoomId>,
    pub organizer: Option<UserId>,
    pub status: Option<BookingStatus>,
    /// Only the bookings a caller tagged with this `external_ref` (exact).
    pub external_ref: Option<String>,
    pub after: Option<(Millis, BookingId)>,
    pub limit: u32,
}

/// A page of bookings, and where the next page starts (`None`: this was the last).
pub async fn list_bookings(
    store: &dyn Store,
    ctx: &Context,
    req: ListRequest,
) -> AppResult<(Vec<Booking>, Option<(Millis, BookingId)>)> {
    let (from, to, status) = (req.from, req.to, req.status);
    let limit = req.limit.clamp(1, 200);
    // People see the bookings they organize or attend; admins and integrations see all.
    let involving = match &ctx.principal {
        Principal::User(u) if !u.is_admin() => Some(u.id),
        _ => None,
    };
    let query = BookingQuery {
        from,
        to,
        room_id: req.room_id,
        organizer_id: req.organizer,
        status,
        series_id: None,
        external_ref: req.external_ref,
        involving,
        after: req.after,
        limit: limit + 1,
    };
    let mut page = store.list_bookings(ctx.tenant_id(), &query).await?;
    let next = if page.len() > limit as usize {
        page.truncate(limit as usize);
        page.last().map(|b| (b.time.start, b.id))
    } else {
        None
    };
    Ok((page, next))
}

/// Which rooms to consider, and for when.
#[derive(Clone, Debug, Default)]
pub struct AvailabilityQuery {
    pub start: Millis,
    pub end: Millis,
    pub capacity: Option<u32>,
    pub equipment: Vec<String>,
}

/// A room, whether it takes another meeting at any time of the window, and its meetings in it.
#[derive(Clone, Debug)]
pub struct RoomAvailability {
    pub room: Room,
    pub free: bool,
    /// Sala's meetings in the room (a virtual room's may overlap).
    pub busy: Vec<Busy>,
    /// Meetings booked directly in the room's Google calendar.
    pub outside: Vec<TimeRange>,
}

impl RoomAvailability {
    /// When the room takes no other meeting, leaving out `except` (the booking being edited): a
    /// physical room whenever it has one, a virtual room when it holds its limit (never, without).
    pub fn taken(&self, except: Option<BookingId>) -> Vec<TimeRange> {
        let meetings = self
            .busy
            .iter()
            .filter(|b| Some(b.booking_id) != except)
            .map(|b| b.time)
            .chain(self.outside.iter().copied());
        if !self.room.is_shared() {
            return meetings.collect();
        }
        match self.room.max_meetings {
            Some(limit) => full_stretches(&meetings.collect::<Vec<_>>(), limit as usize),
            None => Vec::new(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Availability {
    pub window: TimeRange,
    pub rooms: Vec<RoomAvailability>,
}

/// The longest window availability answers for: a month of day views.
const MAX_WINDOW_MS: Millis = 31 * 24 * 3600 * 1000;

/// Active rooms with at least `capacity` seats and every piece of `equipment`, each with its busy
/// intervals in `[start, end)` (no titles: anyone in the tenant may ask), free ones first.
pub async fn availability(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    q: AvailabilityQuery,
) -> AppResult<Availability> {
    let mut v = Validator::default();
    let equipment = v.check("equipment", Equipment::parse_list(&q.equipment));
    let window = v.check("end", sala_domain::TimeRange::new(q.start, q.end));
    v.finish()?;
    let (Some(window), Some(equipment)) = (window, equipment) else {
        return Err(AppError::invalid("window", ErrorCode::ValidationFailed, "invalid window"));
    };
    if window.duration_ms() > MAX_WINDOW_MS {
        return Err(AppError::invalid("end", ErrorCode::WindowTooLong, "ask for at most 31 days at a time"));
    }
    let rooms: Vec<Room> = store
        .list_rooms(ctx.tenant_id(), false)
        .await?
        .into_iter()
        .filter(|r| q.capacity.is_none_or(|c| r.capacity >= c))
        .filter(|r| equipment.iter().all(|e| r.equipment.contains(e)))
        .collect();
    let ids: Vec<RoomId> = rooms.iter().map(|r| r.id).collect();
    let busy = if ids.is_empty() { Vec::new() } else { store.busy(ctx.tenant_id(), &ids, window).await? };
    let elsewhere = outside.busy(ctx.tenant_id(), ctx.user().map(|u| u.id), &rooms, window).await;
    // By room in one pass: filtering the whole list once per room was quadratic (200 rooms with
    // 1,400 meetings in a day made 280,000 comparisons per answer).
    let mut busy_by_room: HashMap<RoomId, Vec<Busy>> = HashMap::new();
    for b in busy {
        busy_by_room.entry(b.room_id).or_default().push(b);
    }
    let mut outside_by_room: HashMap<RoomId, Vec<TimeRange>> = HashMap::new();
    for (room, time) in elsewhere {
        outside_by_room.entry(room).or_default().push(time);
    }
    let mut result: Vec<RoomAvailability> = rooms
        .into_iter()
        .map(|room| {
            let busy = busy_by_room.remove(&room.id).unwrap_or_default();
            let outside = outside_by_room.remove(&room.id).unwrap_or_default();
            let mut found = RoomAvailability { free: false, busy, outside, room };
            found.free = found.taken(None).is_empty();
            found
        })
        .collect();
    result.sort_by_key(|r| !r.free);
    tracing::debug!(window = %rfc3339(window.start), rooms = result.len(), "availability");
    Ok(Availability { window, rooms: result })
}

/// The confirmed bookings a person organizes or attends that end after `from`, soonest first
/// (for their own pages: an admin's dashboard shows their own meetings, not everyone's).
pub async fn my_bookings(
    store: &dyn Store,
    ctx: &Context,
    from: Millis,
    to: Option<Millis>,
    limit: u32,
) -> AppResult<Vec<Booking>> {
    let Some(me) = ctx.user() else { return Err(AppError::Unauthenticated) };
    let query = BookingQuery {
        from: Some(from),
        to,
        status: Some(BookingStatus::Confirmed),
        involving: Some(me.id),
        limit: limit.clamp(1, 200),
        ..Default::default()
    };
    Ok(store.list_bookings(ctx.tenant_id(), &query).await?)
}

/// What to offer when a slot is taken or breaks a rule.
#[derive(Clone, Debug, Default)]
pub struct Suggestions {
    /// The room's nearest free slots of the same length that its rules allow.
    pub slots: Vec<TimeRange>,
    /// Other rooms free for the slot (or the first one suggested, when it is past) with enough
    /// seats, whose rules allow it.
    pub rooms: Vec<Room>,
    /// The time the rooms are free for: the wanted one, or from now when it has passed.
    pub rooms_at: Option<TimeRange>,
}

/// How far ahead suggestions look for a free slot.
const SUGGESTION_DAYS: Millis = 14;

/// The nearest free slots of `room` from `want` on (from now, when `want` has passed) that the
/// caller may book, within two weeks; and up to three other rooms with at least `seats` seats
/// free and bookable for that time.
pub async fn suggestions(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    room: RoomId,
    want: TimeRange,
    seats: u32,
    except: Option<BookingId>,
) -> AppResult<Suggestions> {
    const STEP_MS: Millis = 15 * 60_000;
    let tenant = super::load_tenant(store, ctx).await?;
    let now = sala_domain::now_millis();
    let want = if want.start < now {
        let start = (now / STEP_MS + 1) * STEP_MS;
        TimeRange { start, end: start + want.duration_ms() }
    } else {
        want
    };
    let until = want.start + SUGGESTION_DAYS * 24 * 3600 * 1000;
    let window = AvailabilityQuery { start: want.start, end: until.max(want.end), ..Default::default() };
    let found = availability(store, outside, ctx, window).await?.rooms;
    let allowed = |room: &Room, time: &TimeRange| super::policy::allows(ctx, &tenant, room, *time, now);
    let slots = found
        .iter()
        .find(|r| r.room.id == room)
        .map(|r| {
            let busy = r.taken(except);
            sala_domain::slots::free_slots_where(&busy, want, until, STEP_MS, 3, |t| allowed(&r.room, t))
        })
        .unwrap_or_default();
    let rooms = found
        .into_iter()
        .filter(|r| r.room.id != room && r.room.capacity >= seats.max(1))
        .filter(|r| !r.taken(except).iter().any(|t| t.overlaps(&want)) && allowed(&r.room, &want))
        .map(|r| r.room)
        .take(3)
        .collect();
    Ok(Suggestions { slots, rooms, rooms_at: Some(want) })
}

/// Where a new booking goes when the person has chosen nothing yet: the first half hour from
/// now (within a week) at which some room with at least `seats` seats may be booked for an hour
/// and is free, in the smallest such room (physical rooms before virtual ones). `None` when
/// nothing is free all week.
pub async fn first_free_slot(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    seats: u32,
) -> AppResult<Option<(Room, TimeRange)>> {
    const HALF_HOUR: Millis = 30 * 60_000;
    const WEEK: Millis = 7 * 24 * 3600 * 1000;
    let tenant = super::load_tenant(store, ctx).await?;
    let now = sala_domain::now_millis();
    let from = (now / HALF_HOUR + 1) * HALF_HOUR;
    let window = AvailabilityQuery { start: from, end: from + WEEK + HALF_HOUR * 2, ..Default::default() };
    let mut rooms: Vec<(Room, Vec<TimeRange>)> = availability(store, outside, ctx, window)
        .await?
        .rooms
        .into_iter()
        .filter(|r| r.room.capacity >= seats.max(1))
        .map(|r| {
            let taken = r.taken(None);
            (r.room, taken)
        })
        .collect();
    rooms.sort_by(|(a, _), (b, _)| (a.is_shared(), a.capacity, &a.name).cmp(&(b.is_shared(), b.capacity, &b.name)));
    let mut start = from;
    while start < from + WEEK {
        let slot = TimeRange { start, end: start + 2 * HALF_HOUR };
        let fits = |(room, taken): &&(Room, Vec<TimeRange>)| {
            !taken.iter().any(|t| t.overlaps(&slot)) && super::policy::allows(ctx, &tenant, room, slot, now)
        };
        if let Some((room, _)) = rooms.iter().find(fits) {
            return Ok(Some((room.clone(), slot)));
        }
        start += HALF_HOUR;
    }
    Ok(None)
}

/// A room as it is right now: busy until when, or free until when, and whether the caller may
/// book it from now for the minutes asked.
#[derive(Clone, Debug)]
pub struct RoomNow {
    pub room: Room,
    /// Taken now: until the end of what holds it (back-to-back meetings count as one).
    pub busy_until: Option<Millis>,
    /// Free now: until the next meeting within the look-ahead; `None` with `busy_until` `None`:
    /// free all that time.
    pub free_until: Option<Millis>,
    /// Free for the minutes asked, and the rules allow the caller to book it so.
    pub bookable: bool,
}

/// Every active room with at least `seats` seats as it is now, free ones first; `bookable`
/// says whether the caller may book it from now for `minutes`.
pub async fn rooms_now(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    seats: u32,
    minutes: i64,
) -> AppResult<Vec<RoomNow>> {
    const LOOK_AHEAD: Millis = 12 * 3600 * 1000;
    let tenant = super::load_tenant(store, ctx).await?;
    let now = sala_domain::now_millis();
    // A booking made now starts on the minute.
    let from = now / 60_000 * 60_000;
    let window =
        AvailabilityQuery { start: from, end: now + LOOK_AHEAD, capacity: Some(seats.max(1)), ..Default::default() };
    let want = TimeRange { start: from, end: from + minutes.max(1) * 60_000 };
    let mut found: Vec<RoomNow> = availability(store, outside, ctx, window)
        .await?
        .rooms
        .into_iter()
        .map(|r| {
            let mut taken = r.taken(None);
            taken.sort_by_key(|t| t.start);
            let busy_until = taken.iter().find(|t| t.start <= now && t.end > now).map(|first| {
                // Follow back-to-back meetings to the first gap.
                taken
                    .iter()
                    .filter(|t| t.start >= first.start)
                    .fold(first.end, |end, t| if t.start <= end { end.max(t.end) } else { end })
            });
            let free_until =
                busy_until.is_none().then(|| taken.iter().find(|t| t.start > now).map(|t| t.start)).flatten();
            let bookable =
                !taken.iter().any(|t| t.overlaps(&want)) && super::policy::allows(ctx, &tenant, &r.room, want, now);
            RoomNow { room: r.room, busy_until, free_until, bookable }
        })
        .collect();
    found.sort_by(|a, b| (a.busy_until.is_some(), &a.room.name).cmp(&(b.busy_until.is_some(), &b.room.name)));
    Ok(found)
}

/// The rooms that fit the query (seats, equipment), are free for all of it and that the
/// caller may book then, smallest first: a room finder that starts from the time.
pub async fn find_rooms(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    query: AvailabilityQuery,
) -> AppResult<Vec<Room>> {
    let tenant = super::load_tenant(store, ctx).await?;
    let now = sala_domain::now_millis();
    let want = TimeRange { start: query.start, end: query.end };
    let mut rooms: Vec<Room> = availability(store, outside, ctx, query)
        .await?
        .rooms
        .into_iter()
        .filter(|r| r.free && super::policy::allows(ctx, &tenant, &r.room, want, now))
        .map(|r| r.room)
        .collect();
    rooms.sort_by(|a, b| (a.is_shared(), a.capacity, &a.name).cmp(&(b.is_shared(), b.capacity, &b.name)));
    Ok(rooms)
}

/// The smallest room other than `instead_of` with `seats` seats that is free for all of `time`
/// and that the caller may book then: where a date a series' room cannot take may go instead.
pub async fn other_free_room(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    ctx: &Context,
    time: TimeRange,
    seats: u32,
    instead_of: RoomId,
) -> AppResult<Option<Room>> {
    let query = AvailabilityQuery { start: time.start, end: time.end, capacity: Some(seats), equipment: Vec::new() };
    Ok(find_rooms(store, outside, ctx, query).await?.into_iter().find(|r| r.id != instead_of))
}

/// A booking's audit trail, newest first (its organizer, admins, API keys).
pub async fn history(store: &dyn Store, ctx: &Context, id: BookingId) -> AppResult<Vec<sala_domain::AuditEntry>> {
    let booking = load_visible(store, ctx, id).await?;
    if !may_change(ctx, &booking) {
        return Err(AppError::forbidden("only the organizer and administrators see a booking's history"));
    }
    let query = sala_store::AuditQuery { subject_id: Some(id.0), limit: 100, ..Default::default() };
    Ok(store.list_audit(ctx.tenant_id(), &query).await?)
}
