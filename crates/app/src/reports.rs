//! Reports on how the rooms are used, for admins and API keys: the figures of
//! [`sala_domain::reports`] over the organization's bookings, in its time zone.
//!
//! The bookings of the range are read from the store page by page and the figures computed from
//! them: the reference the rollups that make long ranges fast will be checked against. Until
//! then a range is at most [`MAX_DAYS`] days.

use crate::{AppError, AppResult, Context, Store};
use sala_domain::dates::day_start;
use sala_domain::reports::{DateRange, ReportBooking, ReportRoom, Utilization, utilization};
use sala_domain::{ErrorCode, Millis, RoomId};
use sala_store::BookingQuery;

/// The longest range one report covers, in days (two years and a day of leap).
pub const MAX_DAYS: i32 = 731;

/// What a utilization report is asked for: civil dates in the organization's zone, `to`
/// included, and optionally one room.
#[derive(Clone, Debug)]
pub struct UtilizationQuery {
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    pub room_id: Option<RoomId>,
}

/// Utilization of the organization's rooms (or one of them) over the range.
pub async fn utilization_report(store: &dyn Store, ctx: &Context, q: UtilizationQuery) -> AppResult<Utilization> {
    ctx.require_admin()?;
    let bad_range = |message: String| AppError::BadInput { code: ErrorCode::InvalidRange, message };
    let range = DateRange::new(q.from, q.to).map_err(|e| bad_range(e.to_string()))?;
    let days = q.from.until(q.to).map(|span| span.get_days()).unwrap_or(i32::MAX);
    if days >= MAX_DAYS {
        return Err(bad_range(format!("a report covers at most {MAX_DAYS} days")));
    }
    let tenant = store.get_tenant(ctx.tenant_id()).await?.ok_or(AppError::NotFound { what: "organization" })?;
    let zone = tenant.time_zone;
    let mut rooms: Vec<ReportRoom> =
        store.list_rooms(ctx.tenant_id(), true).await?.iter().map(ReportRoom::from).collect();
    if let Some(id) = q.room_id {
        rooms.retain(|r| r.id == id);
        if rooms.is_empty() {
            return Err(AppError::NotFound { what: "room" });
        }
    }
    let window = local_window(&zone, q.from, q.to).map_err(bad_range)?;
    let bookings = bookings_in(store, ctx, window, q.room_id).await?;
    utilization(&zone, range, &rooms, &bookings).map_err(|e| bad_range(e.to_string()))
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

/// Every booking overlapping the window, page by page, as the report reads them.
async fn bookings_in(
    store: &dyn Store,
    ctx: &Context,
    (from, to): (Millis, Millis),
    room_id: Option<RoomId>,
) -> AppResult<Vec<ReportBooking>> {
    let mut query = BookingQuery { from: Some(from), to: Some(to), room_id, limit: 500, ..Default::default() };
    let mut found = Vec::new();
    loop {
        let page = store.list_bookings(ctx.tenant_id(), &query).await?;
        found.extend(page.iter().map(ReportBooking::from));
        match page.last() {
            Some(last) if page.len() == 500 => query.after = Some((last.time.start, last.id)),
            _ => return Ok(found),
        }
    }
}
