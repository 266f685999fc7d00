//! Who books (admins, API keys): the top organizers, a per-person figure the organization may
//! switch off (`report_per_person`), and the share of meetings with external guests, an
//! aggregate that is always there. Over the bookings starting in the range.
//!
//! Both are summed from the rollups ([`super::rollups`]): the share from the rooms' rows, the
//! organizers from their rows per month inside the range and per date around those months.

use super::{UtilizationQuery, checked_range_within, covered, rollups};
use crate::{AppError, AppResult, Context, Store};
use sala_domain::reports::people::{GuestShare, OrganizerRow, top_of};
use sala_domain::{ErrorCode, User};

/// The range and how many organizers to name.
#[derive(Clone, Debug)]
pub struct OrganizersQuery {
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    pub limit: usize,
}

/// An organizer's figures, with the person (`None` if they are gone from the store).
#[derive(Clone, Debug)]
pub struct OrganizerFigures {
    pub row: OrganizerRow,
    pub user: Option<User>,
}

/// The organizers with the most meetings starting in the range, most first. Refused with
/// `per_person_reports_off` (a conflict with the organization's settings, not a lack of rights:
/// no caller may see it until an admin switches the figures back on) when the organization has
/// switched per-person figures off.
pub async fn organizers_report(
    store: &dyn Store,
    ctx: &Context,
    q: OrganizersQuery,
) -> AppResult<Vec<OrganizerFigures>> {
    let range = UtilizationQuery::all_rooms(q.from, q.to);
    let (_, zone, _) = checked_range_within(store, ctx, &range, super::MAX_ROLLUP_DAYS).await?;
    let tenant = crate::tenants::current_tenant(store, ctx).await?;
    if !tenant.report_per_person {
        return Err(AppError::Conflict {
            code: ErrorCode::PerPersonReportsOff,
            message: "the organization has switched off per-person figures in reports (report_per_person)".to_owned(),
        });
    }
    rollups::refresh(store, ctx.tenant_id(), &zone).await?;
    let rows = store
        .meetings_by_organizer(ctx.tenant_id(), q.from, q.to)
        .await?
        .into_iter()
        .map(|(organizer_id, meetings, minutes)| OrganizerRow { organizer_id, meetings, minutes })
        .collect();
    let mut out = Vec::new();
    for row in top_of(rows, q.limit) {
        let user = store.get_user(ctx.tenant_id(), row.organizer_id).await?;
        out.push(OrganizerFigures { row, user });
    }
    Ok(out)
}

/// The share of meetings starting in the range (in one room, when asked) with at least one
/// external guest; whatever the per-person switch says.
pub async fn external_guests_report(store: &dyn Store, ctx: &Context, q: UtilizationQuery) -> AppResult<GuestShare> {
    let (_, zone, _) = checked_range_within(store, ctx, &q, super::MAX_ROLLUP_DAYS).await?;
    let covered = covered(store, ctx, &q).await?;
    rollups::refresh(store, ctx.tenant_id(), &zone).await?;
    let (meetings, with_external_guests) = store.guest_sums(ctx.tenant_id(), covered.dates(q.from, q.to)).await?;
    Ok(GuestShare::of(meetings, with_external_guests))
}
