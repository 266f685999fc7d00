//! Ghost meetings (admins, API keys): the bookings starting in the range that ended, or were
//! released, with nobody checked in, in the rooms where check-in is used. Also the reading of a
//! range's bookings and rooms the other reports of this folder share.

use super::{UtilizationQuery, bookings_in, checked_range};
use crate::{AppError, AppResult, Context, Store};
use sala_domain::reports::ReportBooking;
use sala_domain::reports::ghosts::{GhostFacts, Ghosts, ghosts};
use sala_domain::{Booking, BookingId, Millis, Room, RoomId, now_millis};
use std::collections::HashSet;

/// Ghost meetings of the organization's rooms (or one of them) over the range, as of now.
pub async fn ghosts_report(store: &dyn Store, ctx: &Context, q: UtilizationQuery) -> AppResult<Ghosts> {
    let (_, _, window) = checked_range(store, ctx, &q).await?;
    let rooms = rooms_of(store, ctx, q.room_id).await?;
    let starting = starting_in(store, ctx, window, q.room_id).await?;
    let attended: HashSet<BookingId> =
        store.checked_in_bookings(ctx.tenant_id(), window.0, window.1).await?.into_iter().collect();
    let facts: Vec<GhostFacts> =
        starting.iter().map(|b| GhostFacts::of(&ReportBooking::from(b), attended.contains(&b.id))).collect();
    let ids: Vec<RoomId> = rooms.iter().map(|r| r.id).collect();
    Ok(ghosts(&ids, &facts, now_millis()))
}

/// The organization's rooms, inactive ones included (they have history), or the one asked for:
/// `not_found` when it is not the organization's.
pub(super) async fn rooms_of(store: &dyn Store, ctx: &Context, room_id: Option<RoomId>) -> AppResult<Vec<Room>> {
    let mut rooms = store.list_rooms(ctx.tenant_id(), true).await?;
    if let Some(id) = room_id {
        rooms.retain(|r| r.id == id);
        if rooms.is_empty() {
            return Err(AppError::NotFound { what: "room" });
        }
    }
    Ok(rooms)
}

/// The bookings starting in the window (of one room, when asked), whatever became of them.
pub(super) async fn starting_in(
    store: &dyn Store,
    ctx: &Context,
    window: (Millis, Millis),
    room_id: Option<RoomId>,
) -> AppResult<Vec<Booking>> {
    let mut bookings = bookings_in(store, ctx, window, room_id).await?;
    bookings.retain(|b| b.time.start >= window.0 && b.time.start < window.1);
    Ok(bookings)
}
