//! What the booking rules need to know of people's and rooms' calendars, without the calendar
//! jobs themselves ([`crate::calendar`]): rooms' busy times outside Sala, and whether Sala keeps
//! a person's calendar. Kept apart so that bookings and the calendar jobs (which move and cancel
//! bookings for changes made in a calendar) do not depend on each other.

use crate::Store;
use async_trait::async_trait;
use sala_domain::{Room, RoomId, TenantId, TimeRange, UserId};

/// Busy times rooms have outside Sala: meetings booked directly in a room's Google resource
/// calendar, so Sala does not book the room over them.
#[async_trait]
pub trait OutsideBusy: Send + Sync {
    /// For the rooms among `rooms` that have a Google resource calendar, their busy intervals
    /// in `window`, asked with `person`'s Google connection. With nobody to ask as, or Google
    /// failing, there are none (logged): Sala's own bookings still never overlap.
    async fn busy(
        &self,
        tenant: TenantId,
        person: Option<UserId>,
        rooms: &[Room],
        window: TimeRange,
    ) -> Vec<(RoomId, TimeRange)>;
}

/// Does Sala keep this person's Google Calendar (their own grant, or the tenant's service
/// account)? Their confirmations then need no `.ics` and wait for a Meet link.
pub async fn keeps_calendar(store: &dyn Store, tenant: TenantId, user: UserId) -> Result<bool, sala_store::StoreError> {
    if store.google_connection(tenant, user).await?.is_some_and(|c| c.is_connected()) {
        return Ok(true);
    }
    Ok(store.get_tenant(tenant).await?.is_some_and(|t| t.google_service_account.is_some()))
}
