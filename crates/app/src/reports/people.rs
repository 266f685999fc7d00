//! Who books (admins, API keys): the top organizers, a per-person figure the organization may
//! switch off (`report_per_person`), and the share of meetings with external guests, an
//! aggregate that is always there. Over the bookings starting in the range.

use super::ghosts::{rooms_of, starting_in};
use super::{UtilizationQuery, checked_range};
use crate::{AppError, AppResult, Context, Store};
use sala_domain::reports::people::{GuestShare, OrganizerRow, PeopleFacts, external_guests, top_organizers};
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
    let range = UtilizationQuery { from: q.from, to: q.to, room_id: None };
    let (_, _, window) = checked_range(store, ctx, &range).await?;
    let tenant = crate::tenants::current_tenant(store, ctx).await?;
    if !tenant.report_per_person {
        return Err(AppError::Conflict {
            code: ErrorCode::PerPersonReportsOff,
            message: "the organization has switched off per-person figures in reports (report_per_person)".to_owned(),
        });
    }
    let facts: Vec<PeopleFacts> = starting_in(store, ctx, window, None).await?.iter().map(PeopleFacts::from).collect();
    let mut out = Vec::new();
    for row in top_organizers(&facts, q.limit) {
        let user = store.get_user(ctx.tenant_id(), row.organizer_id).await?;
        out.push(OrganizerFigures { row, user });
    }
    Ok(out)
}

/// The share of meetings starting in the range (in one room, when asked) with at least one
/// external guest; whatever the per-person switch says.
pub async fn external_guests_report(store: &dyn Store, ctx: &Context, q: UtilizationQuery) -> AppResult<GuestShare> {
    let (_, _, window) = checked_range(store, ctx, &q).await?;
    rooms_of(store, ctx, q.room_id).await?;
    let facts: Vec<PeopleFacts> =
        starting_in(store, ctx, window, q.room_id).await?.iter().map(PeopleFacts::from).collect();
    Ok(external_guests(&facts))
}
