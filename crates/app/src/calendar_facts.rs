//! What the booking rules need to know of people's and rooms' calendars, without the calendar
//! jobs themselves ([`crate::calendar`]): rooms' busy times outside Sala, and whether Sala keeps
//! a person's calendar. Kept apart so that bookings and the calendar jobs (which move and cancel
//! bookings for changes made in a calendar) do not depend on each other.

use crate::Store;
use async_trait::async_trait;
use sala_domain::tenant::CalendarService;
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

/// Does Sala keep this person's calendar? Their confirmations then need no `.ics` and wait for
/// the online meeting's link.
pub async fn keeps_calendar(store: &dyn Store, tenant: TenantId, user: UserId) -> Result<bool, sala_store::StoreError> {
    Ok(kept_calendar(store, tenant, user).await?.is_some())
}

/// Which calendar service Sala keeps this person's calendar in: their own Google grant wins,
/// then the organization's Microsoft 365 directory when it lives there, then its Google service
/// account; `None` when Sala keeps none.
pub async fn kept_calendar(
    store: &dyn Store,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<CalendarService>, sala_store::StoreError> {
    if store.google_connection(tenant, user).await?.is_some_and(|c| c.is_connected()) {
        return Ok(Some(CalendarService::Google));
    }
    let Some(t) = store.get_tenant(tenant).await? else { return Ok(None) };
    Ok(if t.calendar_service == CalendarService::Microsoft && t.entra_tenant_id.is_some() {
        Some(CalendarService::Microsoft)
    } else {
        t.google_service_account.is_some().then_some(CalendarService::Google)
    })
}
