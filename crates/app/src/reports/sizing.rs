//! Right-sizing (admins, API keys): people per meeting against each room's seats, over the
//! bookings starting in the range, summed from the rollups ([`super::rollups`]).

use super::{UtilizationQuery, checked_range_within, covered, rollups};
use crate::{AppResult, Context, Store};
use sala_domain::RoomId;
use sala_domain::reports::sizing::{SizingRoom, SizingRow, SizingSums, sizing_from};
use std::collections::HashMap;

/// One row per room of the organization (or the one asked for), in the rooms' order.
pub async fn sizing_report(store: &dyn Store, ctx: &Context, q: UtilizationQuery) -> AppResult<Vec<SizingRow>> {
    let (_, zone, _) = checked_range_within(store, ctx, &q, super::MAX_ROLLUP_DAYS).await?;
    let covered = covered(store, ctx, &q).await?;
    let rooms: Vec<SizingRoom> = covered.rooms.iter().map(SizingRoom::from).collect();
    rollups::refresh(store, ctx.tenant_id(), &zone).await?;
    let sums: HashMap<RoomId, SizingSums> = store
        .meetings_by_room(ctx.tenant_id(), covered.room_by_room(q.from, q.to))
        .await?
        .into_iter()
        .map(|(room, tally)| (room, tally.sizing))
        .collect();
    Ok(sizing_from(&rooms, &sums))
}
