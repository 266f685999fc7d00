//! No-show release: when a tenant (or a room) sets `no_show_release_minutes`, a booking nobody
//! checked in to by then is released (status `released`) and its room is free for others. The
//! organizer is told, webhooks hear `booking.no_show`, and the calendar event goes.
//!
//! The check is a timed job written with the booking (see `sala_domain::outbox`) and dropped when the
//! booking is cancelled or rescheduled; when it fires it rechecks everything, so a booking that
//! moved, was cancelled, got a check-in, or whose tenant turned the release off stays as it is.

use super::facts::release_minutes;
use crate::context::snapshot;
use crate::jobs::JobFailure;
use crate::{Context, Store};
use sala_domain::jobs::NoShowPayload;
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::{Booking, BookingStatus, Job, Millis, now_millis};
use sala_store::{BookingWrite, StoreError};
use std::sync::Arc;

/// The `no_show_check` job's handler.
pub struct NoShowRelease {
    store: Arc<dyn Store>,
}

impl NoShowRelease {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The `no_show_check` job: the booking rechecked, then released if nobody came.
    pub(crate) async fn check(&self, job: &Job, payload: NoShowPayload) -> Result<(), JobFailure> {
        let Some(booking_id) = job.booking_id else {
            return Err(JobFailure::final_("a no-show check without a booking"));
        };
        let store = self.store.as_ref();
        let current = store.get_booking(job.tenant_id, booking_id).await.map_err(retry)?;
        let Some(booking) = current.filter(|b| b.is_confirmed() && b.time.start == payload.start) else {
            tracing::info!(job = %job.id, booking = %booking_id, "cancelled or moved since; nothing to release");
            return Ok(());
        };
        if !store.check_ins(job.tenant_id, booking_id).await.map_err(retry)?.is_empty() {
            tracing::info!(job = %job.id, booking = %booking_id, "someone checked in; the booking stays");
            return Ok(());
        }
        // The tenant may have turned the release off (or exempted the room) since.
        let tenant = store.get_tenant(job.tenant_id).await.map_err(retry)?;
        let room = store.get_room(job.tenant_id, booking.room_id).await.map_err(retry)?;
        if tenant.zip(room).and_then(|(t, r)| release_minutes(&t, &r)).is_none() {
            tracing::info!(job = %job.id, booking = %booking_id, "no-show release is off now; the booking stays");
            return Ok(());
        }
        let now = now_millis();
        if now >= booking.time.end {
            tracing::info!(job = %job.id, booking = %booking_id, "the meeting is over; nothing to release");
            return Ok(());
        }
        if release(store, &booking, now).await? {
            tracing::info!(job = %job.id, booking = %booking_id, minutes = payload.minutes_after, "no-show: booking released");
        }
        Ok(())
    }
}

/// Marks the booking released, with its audit entry (by the system) and the jobs a release
/// causes: the organizer's message, the calendar, `booking.no_show` webhooks. `false` when a
/// check-in won the race (the store refuses a release of an attended booking).
async fn release(store: &dyn Store, booking: &Booking, now: Millis) -> Result<bool, JobFailure> {
    let released =
        Booking { status: BookingStatus::Released, updated_at: now, version: booking.version + 1, ..booking.clone() };
    let ctx = Context::system(booking.tenant_id);
    let entry = ctx.audit("booking.released", "booking", Some(booking.id.0), snapshot(booking), snapshot(&released));
    let plan = outbox::plan(Change::Released { booking: &released }, &Facts::at(now));
    let write = BookingWrite {
        tenant_id: booking.tenant_id,
        series: None,
        bookings: std::slice::from_ref(&released),
        audit: std::slice::from_ref(&entry),
        jobs: &plan.jobs,
        idempotency: None,
        drop_timed_jobs: &plan.drop_timed_jobs,
        unless_checked_in: true,
    };
    match store.update_bookings(write).await {
        Ok(()) => Ok(true),
        // Someone checked in while this check ran: the booking stays.
        Err(StoreError::Attended) => {
            tracing::info!(booking = %booking.id, "a check-in arrived meanwhile; the booking stays");
            Ok(false)
        }
        // Changed meanwhile (an edit, a cancellation): look again with the booking as it is now.
        Err(StoreError::VersionMismatch) => Err(JobFailure::retry("the booking changed while being released")),
        Err(e) => Err(retry(e)),
    }
}

fn retry(e: StoreError) -> JobFailure {
    JobFailure::retry(format!("store: {e}"))
}
