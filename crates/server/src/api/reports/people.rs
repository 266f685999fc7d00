//! `GET /reports/organizers?from=&to=&limit=`: the top organizers (a per-person figure the
//! organization may switch off), and `GET /reports/external-guests?from=&to=&room_id=`: the share
//! of meetings with external guests (an aggregate, always there).

use super::{RangeParams, range_query, range_refusal};
use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sala_app::reports::people::{OrganizersQuery, external_guests_report, organizers_report};
use sala_domain::UserId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizersParams {
    /// The first day, a civil date in the organization's zone (`2027-03-01`).
    #[param(format = Date)]
    from: String,
    /// The last day, included (at most 3653 days after `from`).
    #[param(format = Date)]
    to: String,
    /// How many organizers, most meetings first (1-100, default 10).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// One organizer's meetings starting in the range.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"organizer_id": "0193a6f0-5c2e-7b1a-9d4e-1f2a3b4c5d6e", "name": "Ana García",
    "email": "ana@acme.test", "meetings": 5, "minutes": 350}))]
pub struct OrganizerView {
    #[schema(value_type = String, format = Uuid)]
    organizer_id: UserId,
    /// Null only if the person is no longer known.
    name: Option<String>,
    #[schema(format = Email)]
    email: Option<String>,
    /// Confirmed or released bookings they organized (not cancelled).
    meetings: u64,
    /// Whole minutes those held their rooms (to the end, or to a no-show release).
    minutes: i64,
}

/// The top organizers.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"organizers": [{"organizer_id": "0193a6f0-5c2e-7b1a-9d4e-1f2a3b4c5d6e",
    "name": "Ana García", "email": "ana@acme.test", "meetings": 5, "minutes": 350}]}))]
pub struct OrganizersView {
    /// Most meetings first, then most minutes.
    organizers: Vec<OrganizerView>,
}

/// The organizers with the most meetings starting in the range (admins, API keys with `read`),
/// with their minutes. A per-person figure: when the organization has switched those off
/// (`report_per_person: false` in the settings, for a works council) it answers 409
/// `per_person_reports_off`; the aggregates, `/reports/external-guests` among them, still answer.
#[utoipa::path(get, path = "/reports/organizers", tag = "reports", params(OrganizersParams),
    responses((status = 200, body = OrganizersView),
              (status = 400, description = "`invalid_query`: a query that cannot be read (`from` or `to` missing)", body = Problem),
              (status = 403, description = "`forbidden`: not an admin; `insufficient_scope`: an API key without `read`", body = Problem),
              (status = 409, description = "`per_person_reports_off`: the organization has switched per-person figures off", body = Problem),
              (status = 422, description = "`validation_failed`: `invalid_date`, `invalid_range`, `out_of_range` (`limit`)", body = Problem)))]
pub(super) async fn organizers(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(p): ApiQuery<OrganizersParams>,
) -> ApiResult<Json<OrganizersView>> {
    let range = range_query(&p.from, &p.to, None, None)?;
    let limit = crate::wire::cursor::limit(p.limit, 10, 100)?;
    let query = OrganizersQuery { from: range.from, to: range.to, limit: limit as usize };
    let rows = organizers_report(state.store(), &ctx, query).await.map_err(range_refusal)?;
    let organizers = rows
        .into_iter()
        .map(|o| OrganizerView {
            organizer_id: o.row.organizer_id,
            name: o.user.as_ref().map(|u| u.name.clone()),
            email: o.user.as_ref().map(|u| u.email.as_str().to_owned()),
            meetings: o.row.meetings,
            minutes: o.row.minutes,
        })
        .collect();
    Ok(Json(OrganizersView { organizers }))
}

/// How many meetings had external guests.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"meetings": 12, "with_external_guests": 3, "external_guest_share": 0.25}))]
pub struct ExternalGuestsView {
    /// Bookings starting in the range, confirmed or released (not cancelled).
    meetings: u64,
    /// Those with at least one invitee who is not a person of the organization.
    with_external_guests: u64,
    /// `with_external_guests / meetings`, 0-1, 4 decimals; 0 with no meetings.
    external_guest_share: f64,
}

/// The share of meetings with external guests (admins, API keys with `read`), over the bookings
/// starting in the range: an aggregate, there whatever the per-person switch says.
#[utoipa::path(get, path = "/reports/external-guests", tag = "reports", params(RangeParams),
    responses((status = 200, body = ExternalGuestsView),
              (status = 400, description = "`invalid_query`: a query that cannot be read (`from` or `to` missing)", body = Problem),
              (status = 403, description = "`forbidden`: not an admin; `insufficient_scope`: an API key without `read`", body = Problem),
              (status = 404, description = "`not_found`: no such room or location", body = Problem),
              (status = 422, description = "`validation_failed`: `invalid_date`, `invalid_range`, `invalid_id`", body = Problem)))]
pub(super) async fn external_guests(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(p): ApiQuery<RangeParams>,
) -> ApiResult<Json<ExternalGuestsView>> {
    let query = range_query(&p.from, &p.to, p.room_id.as_deref(), p.location.as_deref())?;
    let share = external_guests_report(state.store(), &ctx, query).await.map_err(range_refusal)?;
    Ok(Json(ExternalGuestsView {
        meetings: share.meetings,
        with_external_guests: share.with_external_guests,
        external_guest_share: share.external_guest_share,
    }))
}
