//! Keeping the report rollups in step with the bookings (migration 0028).
//!
//! Every write that can change a figure leaves a mark in its own transaction (database triggers,
//! so no code path can forget one). [`refresh`] takes the marks in: it works out which dates of
//! which rooms they touch, recomputes those room-days from the bookings with the reference
//! arithmetic ([`sala_domain::reports::rollup::room_days`]) and writes them with the deletion of
//! the marks in one transaction. Reports refresh before they answer, so they are always live;
//! a background task refreshes too, so a burst of changes is not left to the next reader.
//!
//! Two refreshes at once cannot leave stale rows behind: each deletes its marks first and writes
//! nothing if another took one of them (the other read the bookings later, or as late). A change
//! committed after a refresh read the bookings keeps its mark for the next one.

use crate::{AppResult, Store};
use sala_domain::dates::day_start;
use sala_domain::reports::people::{OrganizerDay, merged, organizer_days};
use sala_domain::reports::rollup::{RoomDay, RoomDayStarts, room_day_starts, room_days};
use sala_domain::reports::sizing::SizingRoom;
use sala_domain::reports::{DateRange, ReportRoom};
use sala_domain::{Millis, Room, RoomId, TenantId, TimeRange, TimeZoneName};
use sala_store::{RollupRefresh, StaleMark};
use std::collections::BTreeMap;

/// Marks taken in per round: a large import's are worked through in rounds of this many.
const MARKS_PER_ROUND: u32 = 50_000;

/// Rounds lost to a concurrent refresh before this one leaves the rest to it.
const ATTEMPTS: usize = 3;

/// What a refresh took in and wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Refreshed {
    pub marks: usize,
    pub room_days: usize,
}

/// Which dates of one room a round recomputes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Span {
    /// Everything: the room's rows all go, its history is recomputed.
    Whole,
    Dates(jiff::civil::Date, jiff::civil::Date),
}

impl Span {
    fn widen(self, other: Span) -> Span {
        match (self, other) {
            (Span::Dates(a, b), Span::Dates(c, d)) => Span::Dates(a.min(c), b.max(d)),
            _ => Span::Whole,
        }
    }
}

/// Takes in every change marked for the tenant since the last refresh.
pub async fn refresh(store: &dyn Store, tenant: TenantId, zone: &TimeZoneName) -> AppResult<Refreshed> {
    let mut done = Refreshed::default();
    let mut lost = 0;
    loop {
        let marks = store.report_marks(tenant, MARKS_PER_ROUND).await?;
        if marks.is_empty() {
            return Ok(done);
        }
        let rooms = store.list_rooms(tenant, true).await?;
        let spans = spans(zone, &rooms, &marks);
        let Recomputed { cleared, days, starts } = recompute(store, (tenant, zone), &rooms, &spans).await?;
        let (organizer_runs, organizer_days) = organizers(store, (tenant, zone), &spans).await?;
        let ids: Vec<i64> = marks.iter().map(|m| m.id).collect();
        let refresh = RollupRefresh {
            marks: &ids,
            spans: &cleared,
            days: &days,
            starts: &starts,
            organizer_runs: &organizer_runs,
            organizer_days: &organizer_days,
        };
        if store.apply_rollup_refresh(tenant, refresh).await? {
            done.marks += ids.len();
            done.room_days += days.len();
            if marks.len() >= MARKS_PER_ROUND as usize {
                tracing::info!(tenant = %tenant, marks = done.marks, "report rollups: catching up");
            }
        } else {
            lost += 1;
            if lost >= ATTEMPTS {
                tracing::debug!(tenant = %tenant, "report rollups: left to a concurrent refresh");
                return Ok(done);
            }
        }
    }
}

/// The dates each room's marks touch: from the local date of a change's start to that of its
/// last instant, merged into one span per room.
fn spans(zone: &TimeZoneName, rooms: &[Room], marks: &[StaleMark]) -> BTreeMap<RoomId, Span> {
    let mut spans: BTreeMap<RoomId, Span> = BTreeMap::new();
    let mut touch = |room: RoomId, span: Span| {
        spans.entry(room).and_modify(|s| *s = s.widen(span)).or_insert(span);
    };
    for mark in marks {
        let span = mark.time.and_then(|t| local_dates(zone, t)).map_or(Span::Whole, |(a, b)| Span::Dates(a, b));
        match mark.room_id {
            Some(room) => touch(room, span),
            None => rooms.iter().for_each(|r| touch(r.id, Span::Whole)),
        }
    }
    spans
}

fn local_dates(zone: &TimeZoneName, time: TimeRange) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
    let date = |ms: Millis| sala_domain::dates::zoned(ms, zone).map(|z| z.date());
    Some((date(time.start)?, date(time.end.max(time.start + 1) - 1)?))
}

/// What a round writes: the dates each span clears (a whole room: all of them) and the rows.
#[derive(Default)]
struct Recomputed {
    cleared: Vec<(RoomId, jiff::civil::Date, jiff::civil::Date)>,
    days: Vec<RoomDay>,
    starts: Vec<RoomDayStarts>,
}

async fn recompute(
    store: &dyn Store,
    (tenant, zone): (TenantId, &TimeZoneName),
    rooms: &[Room],
    spans: &BTreeMap<RoomId, Span>,
) -> AppResult<Recomputed> {
    let mut out = Recomputed::default();
    for (&room_id, &span) in spans {
        let dates = match span {
            Span::Dates(from, to) => Some((from, to)),
            Span::Whole => store.room_booking_span(tenant, room_id).await?.and_then(|t| local_dates(zone, t)),
        };
        out.cleared.push(match span {
            Span::Whole => (room_id, WHOLE.0, WHOLE.1),
            Span::Dates(from, to) => (room_id, from, to),
        });
        // A room gone from the list (it cannot be deleted today) keeps no rows.
        let (Some((from, to)), Some(room)) = (dates, rooms.iter().find(|r| r.id == room_id)) else { continue };
        let (days, starts) = room_rows(store, (tenant, zone), room, (from, to)).await?;
        out.days.extend(days);
        out.starts.extend(starts);
    }
    Ok(out)
}

/// The organizers' rows of every date the spans touch (their union, in runs), recomputed from
/// every room's bookings of those dates: a person organizes in many rooms.
async fn organizers(
    store: &dyn Store,
    (tenant, zone): (TenantId, &TimeZoneName),
    spans: &BTreeMap<RoomId, Span>,
) -> AppResult<(Vec<(jiff::civil::Date, jiff::civil::Date)>, Vec<OrganizerDay>)> {
    let mut runs: Vec<(jiff::civil::Date, jiff::civil::Date)> = Vec::new();
    for span in spans.values() {
        match span {
            Span::Dates(from, to) => runs.push((*from, *to)),
            Span::Whole => {
                let starts = store.tenant_booking_starts(tenant).await?;
                runs.extend(starts.and_then(|t| local_dates(zone, TimeRange { start: t.start, end: t.end + 1 })));
            }
        }
    }
    let merged = merged(runs);
    let mut days = Vec::new();
    for &(from, to) in &merged {
        let (Some(start), Some(end)) = (day_start(from, zone), to.tomorrow().ok().and_then(|d| day_start(d, zone)))
        else {
            continue;
        };
        let Ok(range) = DateRange::new(from, to) else { continue };
        let facts = store.organizer_facts(tenant, TimeRange { start, end }).await?;
        days.extend(organizer_days(zone, range, &facts));
    }
    Ok((merged, days))
}

/// Every date a statement can name: what a whole room's refresh clears.
const WHOLE: (jiff::civil::Date, jiff::civil::Date) =
    (jiff::civil::Date::constant(1, 1, 1), jiff::civil::Date::constant(9999, 12, 31));

async fn room_rows(
    store: &dyn Store,
    (tenant, zone): (TenantId, &TimeZoneName),
    room: &Room,
    (from, to): (jiff::civil::Date, jiff::civil::Date),
) -> AppResult<(Vec<RoomDay>, Vec<RoomDayStarts>)> {
    let (Some(start), Some(end)) = (day_start(from, zone), to.tomorrow().ok().and_then(|d| day_start(d, zone))) else {
        return Ok(Default::default());
    };
    let Ok(range) = DateRange::new(from, to) else { return Ok(Default::default()) };
    let window = TimeRange { start, end };
    let held = store.held_bookings(tenant, room.id, window).await?;
    let days = room_days(zone, range, &ReportRoom::from(room), &held)
        .map_err(|e| crate::AppError::Internal(sala_store::StoreError::Corrupt(format!("report rollup: {e}"))))?;
    let starting = store.starting_bookings(tenant, room.id, window).await?;
    Ok((days, room_day_starts(zone, range, SizingRoom::from(room), &starting)))
}

/// Tenants refreshed per background round.
const TENANTS_PER_ROUND: u32 = 100;

/// Refreshes every tenant with marks waiting (the background task's round): how many marks it
/// took in. A tenant that fails is logged and left for the next round.
pub async fn refresh_all(store: &dyn Store) -> AppResult<usize> {
    let mut marks = 0;
    for tenant in store.tenants_with_report_marks(TENANTS_PER_ROUND).await? {
        let Some(found) = store.get_tenant(tenant).await? else { continue };
        match refresh(store, tenant, &found.time_zone).await {
            Ok(done) => marks += done.marks,
            Err(err) => tracing::warn!(%tenant, %err, "could not refresh the report rollups"),
        }
    }
    Ok(marks)
}
