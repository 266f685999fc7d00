//! Right-sizing (admins, API keys): people per meeting against each room's seats, over the
//! bookings starting in the range.

use super::ghosts::{rooms_of, starting_in};
use super::{UtilizationQuery, checked_range};
use crate::{AppResult, Context, Store};
use sala_domain::reports::sizing::{SizingFacts, SizingRoom, SizingRow, sizing};

/// One row per room of the organization (or the one asked for), in the rooms' order.
pub async fn sizing_report(store: &dyn Store, ctx: &Context, q: UtilizationQuery) -> AppResult<Vec<SizingRow>> {
    let (_, _, window) = checked_range(store, ctx, &q).await?;
    let rooms: Vec<SizingRoom> = rooms_of(store, ctx, q.room_id).await?.iter().map(SizingRoom::from).collect();
    let facts: Vec<SizingFacts> =
        starting_in(store, ctx, window, q.room_id).await?.iter().map(SizingFacts::from).collect();
    Ok(sizing(&rooms, &facts))
}
