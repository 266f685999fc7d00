//! Writes the calendar a feed or a booking's download holds, with the invitations' own writer
//! and UIDs (so a calendar that has an invitation and the feed sees one meeting):
//! - a single booking is one `VEVENT`;
//! - the occurrences of a series shown are one `VEVENT` with the series' rule from the first of
//!   them (its `COUNT` up to the last), `EXDATE` for each date of the rule not shown (never
//!   booked, cancelled, in another room, not the reader's), and one `RECURRENCE-ID` override for
//!   each occurrence whose time, room, title or other details differ from the series';
//! - cancelled and released bookings are not there at all.
//!
//! Every event is written in its booking's zone with its `VTIMEZONE`. `DTSTAMP` is the booking's
//! last change, so the same bookings always give the same bytes and the `ETag` only changes when
//! something in the feed did.

use super::FeedScope;
use crate::bookings::{load_visible, may_see, still_confirmed};
use crate::notifications::compose::Meeting;
use crate::{AppError, AppResult, Context, Store};
use sala_channels::ics::{Invitation, Person, Published, to_published};
use sala_domain::notify::CalendarMethod;
use sala_domain::{Booking, BookingStatus, Feed, Millis, Recurrence, Room, RoomId, Tenant, TimeRange, User, UserId};
use sala_store::BookingQuery;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// How far back a feed reaches.
pub const FEED_DAYS_BACK: i64 = 90;
/// At most this many bookings in one feed (a room booked every half hour for a year is ~6,000).
const MAX_BOOKINGS: usize = 20_000;
/// How often subscribers are asked to fetch the feed again, in minutes.
const REFRESH_MINUTES: u32 = 15;
const DAY_MS: Millis = 86_400_000;

/// A calendar file and its entity tag (a quoted hash of the bytes).
pub struct CalendarFile {
    pub body: String,
    pub etag: String,
}

impl CalendarFile {
    fn of(body: String) -> Self {
        let etag = format!("\"{}\"", &hex::encode(Sha256::digest(body.as_bytes()))[..32]);
        Self { body, etag }
    }
}

/// The calendar a feed holds now: its bookings from 90 days back (counted from the start of
/// today, UTC, so the bytes do not change by the minute) to the end of the booking horizon.
/// `busy` is the title a reader's room feed gives other people's meetings.
pub async fn feed_calendar(
    store: &dyn Store,
    feed: &Feed,
    tenant: &Tenant,
    ctx: &Context,
    uid_domain: &str,
    busy: &str,
) -> AppResult<CalendarFile> {
    let from = (sala_domain::now_millis() / DAY_MS - FEED_DAYS_BACK) * DAY_MS;
    let mut query = BookingQuery {
        from: Some(from),
        status: Some(BookingStatus::Confirmed),
        room_id: feed.room_id.filter(|_| feed.scope == FeedScope::Room),
        involving: ctx.user().map(|u| u.id).filter(|_| feed.scope == FeedScope::Me),
        limit: 500,
        ..Default::default()
    };
    let mut bookings = Vec::new();
    while bookings.len() < MAX_BOOKINGS {
        let page = store.list_bookings(feed.tenant_id, &query).await?;
        let full = page.len() == 500;
        query.after = page.last().map(|b| (b.time.start, b.id));
        bookings.extend(page);
        if !full {
            break;
        }
    }
    let name = match feed.scope {
        FeedScope::Me => ctx.user().map(|u| u.name.clone()).unwrap_or_default(),
        FeedScope::Room => match feed.room_id {
            Some(id) => store.get_room(feed.tenant_id, id).await?.map(|r| r.name).unwrap_or_default(),
            None => String::new(),
        },
        FeedScope::Organization => tenant.name.clone(),
    };
    let published = Published { name: Some(format!("Sala · {name}")), refresh_minutes: Some(REFRESH_MINUTES) };
    let events = Writer::new(store, ctx, uid_domain, busy).events(bookings).await?;
    Ok(CalendarFile::of(to_published(&events, &published)))
}

/// A booking the caller may see as a calendar file to add to theirs (`METHOD:PUBLISH`). An
/// occurrence of a series gives the whole series as the caller sees it (its confirmed
/// occurrences, as one event with its rule): the same UID as the series' invitation, so a
/// calendar that holds it is updated rather than given a lone occurrence without its series.
pub async fn booking_calendar(
    store: &dyn Store,
    ctx: &Context,
    id: sala_domain::BookingId,
    uid_domain: &str,
) -> AppResult<CalendarFile> {
    let booking = load_visible(store, ctx, id).await?;
    still_confirmed(&booking, "added to a calendar")?;
    let bookings = match booking.series_id.filter(|_| booking.is_occurrence()) {
        Some(series) => {
            let query = BookingQuery {
                series_id: Some(series),
                status: Some(BookingStatus::Confirmed),
                limit: 500,
                ..Default::default()
            };
            store.list_bookings(ctx.tenant_id(), &query).await?.into_iter().filter(|b| may_see(ctx, b)).collect()
        }
        None => vec![booking],
    };
    let events = Writer::new(store, ctx, uid_domain, "").events(bookings).await?;
    Ok(CalendarFile::of(to_published(&events, &Published::default())))
}

/// Turns bookings into events, looking up rooms and organizers once each.
struct Writer<'a> {
    store: &'a dyn Store,
    ctx: &'a Context,
    uid_domain: &'a str,
    busy: &'a str,
    rooms: HashMap<RoomId, Room>,
    people: HashMap<UserId, User>,
    now: jiff::Timestamp,
}

impl<'a> Writer<'a> {
    fn new(store: &'a dyn Store, ctx: &'a Context, uid_domain: &'a str, busy: &'a str) -> Self {
        let (rooms, people, now) = (HashMap::new(), HashMap::new(), jiff::Timestamp::now());
        Self { store, ctx, uid_domain, busy, rooms, people, now }
    }

    /// The events of `bookings` (confirmed ones, in any order): single bookings as they are, the
    /// occurrences of each series as its rule with exceptions.
    async fn events(mut self, bookings: Vec<Booking>) -> AppResult<Vec<Invitation>> {
        let mut singles = Vec::new();
        let mut series: Vec<(sala_domain::SeriesId, Vec<Booking>)> = Vec::new();
        for b in bookings {
            match b.series_id.filter(|_| b.is_occurrence()) {
                Some(id) => match series.iter_mut().find(|(s, _)| *s == id) {
                    Some((_, group)) => group.push(b),
                    None => series.push((id, vec![b])),
                },
                None => singles.push(b),
            }
        }
        let mut events = Vec::new();
        for b in &singles {
            events.push(self.event(b).await?);
        }
        for (id, mut group) in series {
            group.sort_by_key(|b| (b.recurrence_id, b.time.start));
            let rule = self.store.get_series(self.ctx.tenant_id(), id).await?;
            let mut invitations = Vec::with_capacity(group.len());
            for b in &group {
                invitations.push(self.event(b).await?);
            }
            match rule.and_then(|s| as_series(&s.rule, &s.time_zone, &group, &invitations)) {
                Some(written) => events.extend(written),
                // A series whose dates no longer match its rule (a tz database change): each
                // occurrence on its own, under its own UID, rather than a rule that lies.
                None => events.extend(group.iter().zip(invitations).map(|(b, inv)| Invitation {
                    uid: format!("{}@{}", b.id, self.uid_domain),
                    recurrence_id: None,
                    ..inv
                })),
            }
        }
        Ok(events)
    }

    /// One booking's event as its invitation has it (same UID, sequence, people and place), in
    /// the booking's zone, or a nameless busy block for a meeting the reader may not see.
    async fn event(&mut self, b: &Booking) -> AppResult<Invitation> {
        let room = match self.rooms.get(&b.room_id) {
            Some(room) => room.clone(),
            None => {
                let room =
                    self.store.get_room(b.tenant_id, b.room_id).await?.ok_or(AppError::NotFound { what: "room" })?;
                self.rooms.insert(room.id, room.clone());
                room
            }
        };
        let organizer = match self.people.get(&b.organizer_id) {
            Some(user) => user.clone(),
            None => {
                let user = self
                    .store
                    .get_user(b.tenant_id, b.organizer_id)
                    .await?
                    .ok_or(AppError::NotFound { what: "user" })?;
                self.people.insert(user.id, user.clone());
                user
            }
        };
        let meeting = Meeting {
            booking: b,
            room: &room,
            organizer: &organizer,
            organization: "",
            uid_domain: self.uid_domain,
            series: None,
            more: &[],
            meet_link: b.video_link(&room),
        };
        let mut inv = meeting
            .invitations(CalendarMethod::Request, None, self.now)
            .into_iter()
            .next()
            .ok_or(AppError::NotFound { what: "booking" })?;
        inv.dtstamp = jiff::Timestamp::from_millisecond(b.updated_at).unwrap_or(self.now);
        inv.time_zone = Some(b.time_zone.as_str().to_owned());
        // Published, not an invitation: nobody is asked to answer.
        for a in &mut inv.attendees {
            a.rsvp = false;
        }
        if !may_see(self.ctx, b) {
            inv.summary = self.busy.to_owned();
            inv.description = None;
            inv.organizer = Person { name: None, email: String::new() };
            inv.attendees.clear();
            inv.url = None;
        }
        Ok(inv)
    }
}

/// A series' occurrences (`group`, sorted by their series start, with their events) as one
/// event with the rule from the first of them, its `EXDATE`s and overrides; `None` when an
/// occurrence's series start is not a date of the rule.
fn as_series(
    rule: &Recurrence,
    zone: &sala_domain::TimeZoneName,
    group: &[Booking],
    events: &[Invitation],
) -> Option<Vec<Invitation>> {
    let first = group.first()?;
    let anchor = first.recurrence_id?;
    // The series' own shape: the first occurrence that was not moved, else the first.
    let master_at = group.iter().position(|b| Some(b.time.start) == b.recurrence_id).unwrap_or(0);
    let (master, master_event) = (group.get(master_at)?, events.get(master_at)?);
    let duration = master.time.duration_ms();
    let starts: Vec<Millis> = rule
        .expand(TimeRange { start: anchor, end: anchor + duration }, zone)
        .ok()?
        .into_iter()
        .map(|r| r.start)
        .collect();
    let mut index_of = Vec::with_capacity(group.len());
    for b in group {
        index_of.push(starts.iter().position(|s| Some(*s) == b.recurrence_id)?);
    }
    let last = *index_of.iter().max()?;
    let shown: Vec<Millis> = group.iter().filter_map(|b| b.recurrence_id).collect();
    let ts = |ms: Millis| jiff::Timestamp::from_millisecond(ms).ok();
    let start_date = sala_domain::dates::zoned(anchor, zone)?.date();
    // The rule from the first occurrence shown, up to the last: its COUNT counts from there.
    let trimmed = Recurrence { count: Some(u32::try_from(last + 1).ok()?), until: None, ..rule.clone() };
    let exdates = starts[..=last].iter().filter(|s| !shown.contains(s)).map(|s| ts(*s)).collect::<Option<_>>()?;
    let series_event = Invitation {
        start: ts(anchor)?,
        end: ts(anchor + duration)?,
        rrule: Some(trimmed.to_rrule(start_date, zone)),
        exdates,
        series_end: ts(starts[last] + duration),
        recurrence_id: None,
        time_zone: Some(zone.as_str().to_owned()),
        dtstamp: events.iter().map(|e| e.dtstamp).max().unwrap_or(master_event.dtstamp),
        ..master_event.clone()
    };
    let mut written = vec![series_event];
    for (b, event) in group.iter().zip(events) {
        let on_rule = Some(b.time.start) == b.recurrence_id && b.time.duration_ms() == duration;
        if !(on_rule && same_details(event, master_event)) {
            written.push(Invitation { time_zone: Some(zone.as_str().to_owned()), ..event.clone() });
        }
    }
    Some(written)
}

/// Do two occurrences' events say the same apart from their time?
fn same_details(a: &Invitation, b: &Invitation) -> bool {
    (&a.summary, &a.description, &a.location, &a.organizer, &a.attendees, &a.url)
        == (&b.summary, &b.description, &b.location, &b.organizer, &b.attendees, &b.url)
}
