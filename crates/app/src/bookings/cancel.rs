//! Cancelling (DELETE): the booking stays, marked cancelled with a reason; the room is free again.
//! Cancelling a cancelled booking changes nothing and is not an error.

use super::Scope;
use super::policy::{deny, load_visible, may_change};
use crate::context::snapshot;
use crate::validate::Validator;
use crate::{AppResult, Context, Store};
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::values::clean_text;
use sala_domain::{Booking, BookingId, BookingStatus, now_millis};
use sala_store::{BookingQuery, BookingWrite};

#[derive(Clone, Debug, Default)]
pub struct CancelRequest {
    pub reason: Option<String>,
    pub scope: Scope,
}

/// Cancels the booking (and with `ThisAndFollowing` the later occurrences of its series that have
/// not started). Returns the booking named, cancelled.
pub async fn cancel_booking(store: &dyn Store, ctx: &Context, id: BookingId, req: CancelRequest) -> AppResult<Booking> {
    let current = load_visible(store, ctx, id).await?;
    if !may_change(ctx, &current) {
        return Err(deny(store, ctx, "booking.cancel_denied", id).await);
    }
    let mut v = Validator::default();
    let reason = v.check_opt("reason", req.reason.as_deref(), |r| clean_text("reason", r, 500)).flatten();
    v.finish()?;
    let mut targets = Vec::new();
    if current.is_confirmed() {
        targets.push(current.clone());
    }
    if req.scope == Scope::ThisAndFollowing
        && let Some(series_id) = current.series_id
    {
        let query = BookingQuery {
            series_id: Some(series_id),
            from: Some(current.time.start.max(now_millis())),
            status: Some(BookingStatus::Confirmed),
            limit: 500,
            ..Default::default()
        };
        let later = store.list_bookings(ctx.tenant_id(), &query).await?;
        targets.extend(later.into_iter().filter(|b| b.id != current.id && b.time.start > current.time.start));
    }
    if targets.is_empty() {
        return Ok(current);
    }
    let now = now_millis();
    let cancelled: Vec<Booking> = targets
        .iter()
        .map(|b| Booking {
            status: BookingStatus::Cancelled,
            cancel_reason: reason.clone(),
            cancelled_at: Some(now),
            updated_at: now,
            version: b.version + 1,
            ..b.clone()
        })
        .collect();
    let audit: Vec<_> = targets
        .iter()
        .zip(&cancelled)
        .map(|(before, after)| {
            ctx.audit("booking.cancelled", "booking", Some(after.id.0), snapshot(before), snapshot(after))
        })
        .collect();
    let plan =
        outbox::plan(Change::Cancelled { bookings: &cancelled }, &Facts { actor: ctx.actor(), ..Facts::at(now) });
    let write = BookingWrite {
        drop_timed_jobs: &plan.drop_timed_jobs,
        ..BookingWrite::new(ctx.tenant_id(), &cancelled, &audit, &plan.jobs)
    };
    store.update_bookings(write).await?;
    Ok(cancelled.into_iter().find(|b| b.id == id).unwrap_or(current))
}
