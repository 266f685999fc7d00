//! Ghost meetings (admins, API keys): the bookings starting in the range that ended, or were
//! released, with nobody checked in, in the rooms where check-in is used.
//!
//! Summed from the rollups ([`super::rollups`]) up to the first date with a meeting still holding
//! its room (usually today); from there the bookings are read, as only they know what is over by
//! now.

use super::{Covered, UtilizationQuery, bookings_in, checked_range_within, covered, rollups};
use crate::{AppResult, Context, Store};
use sala_domain::dates::day_start;
use sala_domain::reports::ReportBooking;
use sala_domain::reports::ghosts::{GhostFacts, Ghosts, ghosts_from};
use sala_domain::reports::meetings::{MeetingTally, ghost_sums_of};
use sala_domain::{BookingId, Millis, RoomId, now_millis};
use sala_store::RollupDates;
use std::collections::{HashMap, HashSet};

/// Ghost meetings of the organization's rooms (or one of them) over the range, as of now.
pub async fn ghosts_report(store: &dyn Store, ctx: &Context, q: UtilizationQuery) -> AppResult<Ghosts> {
    let (_, zone, window) = checked_range_within(store, ctx, &q, super::MAX_ROLLUP_DAYS).await?;
    let covered = covered(store, ctx, &q).await?;
    rollups::refresh(store, ctx.tenant_id(), &zone).await?;
    let (tenant, now) = (ctx.tenant_id(), now_millis());
    let dates = covered.room_by_room(q.from, q.to);
    let whole = meetings_by_room(store, ctx, dates).await?;
    let (settled, live) = match store.first_unsettled_date(tenant, dates, now).await? {
        None => (whole.clone(), Vec::new()),
        Some(first) => {
            let settled = match first.yesterday() {
                Ok(last) if first > q.from => meetings_by_room(store, ctx, RollupDates { to: last, ..dates }).await?,
                _ => HashMap::new(),
            };
            let from = day_start(first, &zone).unwrap_or(window.0);
            (settled, live_facts(store, ctx, (from, window.1.min(now)), &covered).await?)
        }
    };
    Ok(ghosts_from(covered.ids(), &ghost_sums_of(&whole, &settled, &live, now)))
}

async fn meetings_by_room(
    store: &dyn Store,
    ctx: &Context,
    dates: RollupDates<'_>,
) -> AppResult<HashMap<RoomId, MeetingTally>> {
    Ok(store.meetings_by_room(ctx.tenant_id(), dates).await?.into_iter().collect())
}

/// What the report needs of the bookings of the covered rooms starting in the window, read from
/// the bookings.
async fn live_facts(
    store: &dyn Store,
    ctx: &Context,
    window: (Millis, Millis),
    covered: &Covered,
) -> AppResult<Vec<GhostFacts>> {
    if window.0 >= window.1 {
        return Ok(Vec::new());
    }
    let room = match covered.ids() {
        [one] => Some(*one),
        _ => None,
    };
    let mut starting = bookings_in(store, ctx, window, room).await?;
    starting.retain(|b| b.time.start >= window.0 && b.time.start < window.1 && covered.ids().contains(&b.room_id));
    let attended: HashSet<BookingId> =
        store.checked_in_bookings(ctx.tenant_id(), window.0, window.1).await?.into_iter().collect();
    Ok(starting.iter().map(|b| GhostFacts::of(&ReportBooking::from(b), attended.contains(&b.id))).collect())
}
