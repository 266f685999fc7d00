//! Reports on how the rooms are used, for admins and API keys: the figures of
//! [`sala_domain::reports`] over the organization's bookings, in its time zone.
//!
//! Every report is summed from the rollups ([`rollups`]), refreshed first so it is live, over up
//! to [`MAX_ROLLUP_DAYS`] days; the rows by room and date (millions over ten years) cover up to
//! [`MAX_DAYS`].

pub mod rollups;

pub mod ghosts;
pub mod people;
pub mod sizing;

pub mod weekly;

use crate::{AppError, AppResult, Context, Store};
use sala_domain::dates::day_start;
use sala_domain::reports::cancellations::Cancellations;
use sala_domain::reports::rollup::{BookedSums, RoomDayRow, room_day_rows, utilization_from};
use sala_domain::reports::{DateRange, Figures, ReportRoom, Utilization};
use sala_domain::{Booking, ErrorCode, Millis, Room, RoomId};
use sala_store::{BookingQuery, RollupDates};
use std::collections::BTreeMap;

/// The longest range of the rows by room and date (and of the reports page), in days: two years
/// and a day of leap.
pub const MAX_DAYS: i32 = 731;

/// The longest range of a report summed from rollups: ten years, which they sum in well under a
/// second.
pub const MAX_ROLLUP_DAYS: i32 = 3653;

/// What a report is asked for: civil dates in the organization's zone, `to` included, and
/// optionally one room or the rooms of one location (both: that room, if it is there).
#[derive(Clone, Debug)]
pub struct UtilizationQuery {
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    pub room_id: Option<RoomId>,
    pub location: Option<String>,
}

impl UtilizationQuery {
    /// Every room over the dates.
    pub fn all_rooms(from: jiff::civil::Date, to: jiff::civil::Date) -> Self {
        Self { from, to, room_id: None, location: None }
    }

    /// Whether only some rooms are asked for.
    fn narrowed(&self) -> bool {
        self.room_id.is_some() || self.location.is_some()
    }
}

/// The rooms a report covers, and the rollups' dates of them.
pub(crate) struct Covered {
    pub rooms: Vec<Room>,
    ids: Vec<RoomId>,
    narrowed: bool,
}

impl Covered {
    /// The dates of the covered rooms: every room's rows (and their sums per date), or some.
    pub fn dates(&self, from: jiff::civil::Date, to: jiff::civil::Date) -> RollupDates<'_> {
        RollupDates { from, to, rooms: self.narrowed.then_some(self.ids.as_slice()) }
    }

    /// The same dates, naming every covered room: sums per room then read each room's rows along
    /// the rollups' primary key (room, date), whatever the share of the history the dates are.
    pub fn room_by_room(&self, from: jiff::civil::Date, to: jiff::civil::Date) -> RollupDates<'_> {
        RollupDates { from, to, rooms: Some(self.ids.as_slice()) }
    }

    pub fn ids(&self) -> &[RoomId] {
        &self.ids
    }
}

/// The rows a utilization report carries; each costs one pass over the rollups of the range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grouping {
    Room,
    /// The rooms' rows summed by location (computed from the rooms' rows).
    Location,
    Day,
    WeekdayHour,
}

impl Grouping {
    pub const ALL: [Grouping; 4] = [Grouping::Room, Grouping::Location, Grouping::Day, Grouping::WeekdayHour];
}

/// A utilization report: its figures, and the rooms' figures summed by location.
#[derive(Clone, Debug)]
pub struct UtilizationReport {
    pub figures: Utilization,
    /// By the rooms' location (`""` for rooms without one), in the locations' order.
    pub by_location: Vec<LocationRow>,
}

/// The rooms of one location, together.
#[derive(Clone, Debug, PartialEq)]
pub struct LocationRow {
    pub location: String,
    pub figures: Figures,
}

/// Utilization of the organization's rooms (or one of them) over the range, every grouping.
pub async fn utilization_report(store: &dyn Store, ctx: &Context, q: UtilizationQuery) -> AppResult<UtilizationReport> {
    utilization_grouped(store, ctx, q, &Grouping::ALL).await
}

/// Utilization with only the rows of `groupings` (the others empty; the total always).
pub async fn utilization_grouped(
    store: &dyn Store,
    ctx: &Context,
    q: UtilizationQuery,
    groupings: &[Grouping],
) -> AppResult<UtilizationReport> {
    let (range, zone, _) = checked_range_within(store, ctx, &q, MAX_ROLLUP_DAYS).await?;
    let covered = covered(store, ctx, &q).await?;
    let rooms = &covered.rooms;
    rollups::refresh(store, ctx.tenant_id(), &zone).await?;
    let dates = covered.dates(q.from, q.to);
    let tenant = ctx.tenant_id();
    let wants = |g: Grouping| groupings.contains(&g);
    let mut sums = BookedSums::default();
    if wants(Grouping::Room) || wants(Grouping::Location) || groupings.is_empty() {
        sums.by_room = Some(store.booked_by_room(tenant, dates).await?.into_iter().collect());
    }
    if wants(Grouping::Day) {
        sums.by_day = Some(store.booked_by_day(tenant, dates).await?.into_iter().collect());
    }
    if wants(Grouping::WeekdayHour) {
        sums.by_weekday_hour = Some(store.booked_by_weekday_hour(tenant, dates).await?);
    }
    let report_rooms: Vec<ReportRoom> = rooms.iter().map(ReportRoom::from).collect();
    let figures = utilization_from(&zone, range, &report_rooms, &sums).map_err(|e| bad_range(e.to_string()))?;
    let by_location = if wants(Grouping::Location) { by_location(&figures, rooms) } else { Vec::new() };
    Ok(UtilizationReport { figures, by_location })
}

/// Utilization of each room on each date of the range (a closed room's idle days left out), by
/// date then room: the finest grain, for exports.
pub async fn utilization_by_room_day(
    store: &dyn Store,
    ctx: &Context,
    q: UtilizationQuery,
) -> AppResult<Vec<RoomDayRow>> {
    let (range, zone, _) = checked_range(store, ctx, &q).await?;
    let covered = covered(store, ctx, &q).await?;
    rollups::refresh(store, ctx.tenant_id(), &zone).await?;
    let booked = store.booked_by_room_day(ctx.tenant_id(), covered.dates(q.from, q.to)).await?;
    let report_rooms: Vec<ReportRoom> = covered.rooms.iter().map(ReportRoom::from).collect();
    room_day_rows(&zone, range, &report_rooms, &booked).map_err(|e| bad_range(e.to_string()))
}

/// The organization's rooms (inactive ones included: they have history), or the one or the
/// location's asked for: `not_found` when there is none.
pub(crate) async fn covered(store: &dyn Store, ctx: &Context, q: &UtilizationQuery) -> AppResult<Covered> {
    let mut rooms = store.list_rooms(ctx.tenant_id(), true).await?;
    if let Some(id) = q.room_id {
        rooms.retain(|r| r.id == id);
        if rooms.is_empty() {
            return Err(AppError::NotFound { what: "room" });
        }
    }
    if let Some(location) = &q.location {
        rooms.retain(|r| r.location.as_deref() == Some(location.as_str()));
        if rooms.is_empty() {
            return Err(AppError::NotFound { what: if q.room_id.is_some() { "room" } else { "location" } });
        }
    }
    let ids = rooms.iter().map(|r| r.id).collect();
    Ok(Covered { rooms, ids, narrowed: q.narrowed() })
}

/// Cancellations (why, how long before), lead time and length of the bookings starting in the
/// range, of the organization's rooms or one of them.
pub async fn cancellations_report(store: &dyn Store, ctx: &Context, q: UtilizationQuery) -> AppResult<Cancellations> {
    let (_, zone, _) = checked_range_within(store, ctx, &q, MAX_ROLLUP_DAYS).await?;
    let covered = covered(store, ctx, &q).await?;
    rollups::refresh(store, ctx.tenant_id(), &zone).await?;
    Ok(store.starts_tally(ctx.tenant_id(), covered.dates(q.from, q.to)).await?.figures())
}

fn bad_range(message: String) -> AppError {
    AppError::BadInput { code: ErrorCode::InvalidRange, message }
}

/// An admin's range, checked: its dates, its zone (the organization's) and its instants.
async fn checked_range(
    store: &dyn Store,
    ctx: &Context,
    q: &UtilizationQuery,
) -> AppResult<(DateRange, sala_domain::TimeZoneName, (Millis, Millis))> {
    checked_range_within(store, ctx, q, MAX_DAYS).await
}

/// [`checked_range`] for a report that may cover up to `max_days` days.
async fn checked_range_within(
    store: &dyn Store,
    ctx: &Context,
    q: &UtilizationQuery,
    max_days: i32,
) -> AppResult<(DateRange, sala_domain::TimeZoneName, (Millis, Millis))> {
    ctx.require_admin()?;
    let range = DateRange::new(q.from, q.to).map_err(|e| bad_range(e.to_string()))?;
    let days = q.from.until(q.to).map(|span| span.get_days()).unwrap_or(i32::MAX);
    if days >= max_days {
        return Err(bad_range(format!("this report covers at most {max_days} days")));
    }
    let tenant = store.get_tenant(ctx.tenant_id()).await?.ok_or(AppError::NotFound { what: "organization" })?;
    let window = local_window(&tenant.time_zone, q.from, q.to).map_err(bad_range)?;
    Ok((range, tenant.time_zone, window))
}

/// The rooms' figures summed by their location: booked and bookable minutes add up, and the
/// location's utilization is their ratio (not an average of the rooms').
fn by_location(figures: &Utilization, rooms: &[Room]) -> Vec<LocationRow> {
    let mut sums: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for row in &figures.by_room {
        let location = rooms.iter().find(|r| r.id == row.room_id).and_then(|r| r.location.clone()).unwrap_or_default();
        let sum = sums.entry(location).or_default();
        sum.0 += row.figures.booked_minutes;
        sum.1 += row.figures.bookable_minutes;
    }
    sums.into_iter()
        .map(|(location, (booked, bookable))| LocationRow { location, figures: Figures::new(booked, bookable) })
        .collect()
}

/// The instants from the start of `from` to the end of `to`, in `zone`.
fn local_window(
    zone: &sala_domain::TimeZoneName,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Result<(Millis, Millis), String> {
    let out = || format!("the dates {from} to {to} are out of range");
    let after = to.tomorrow().map_err(|_| out())?;
    Ok((day_start(from, zone).ok_or_else(out)?, day_start(after, zone).ok_or_else(out)?))
}

/// Every booking overlapping the window, page by page.
async fn bookings_in(
    store: &dyn Store,
    ctx: &Context,
    (from, to): (Millis, Millis),
    room_id: Option<RoomId>,
) -> AppResult<Vec<Booking>> {
    let mut query = BookingQuery { from: Some(from), to: Some(to), room_id, limit: 500, ..Default::default() };
    let mut found = Vec::new();
    loop {
        let page = store.list_bookings(ctx.tenant_id(), &query).await?;
        found.extend(page.iter().cloned());
        match page.last() {
            Some(last) if page.len() == 500 => query.after = Some((last.time.start, last.id)),
            _ => return Ok(found),
        }
    }
}
