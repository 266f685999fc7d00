//! Check-in and attendance: who came to a meeting. The organizer (web app), an attendance or
//! access-control system (API key) or a room's kiosk records a person's arrival; the first
//! check-in of each person counts, and each tells webhooks `booking.checked_in`.

use super::policy::{deny, load_visible, may_change, may_see, still_confirmed};
use crate::{AppError, AppResult, Context, Store};
use sala_domain::ErrorCode;
use sala_domain::attendance::{CHECK_IN_OPENS_MS, CheckIn, CheckInSource};
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::{Booking, BookingId, Email, now_millis};
use sala_store::BookingQuery;

/// Who checks in: a person's address (the caller's own when absent and the caller is a person).
#[derive(Clone, Debug)]
pub struct CheckInRequest {
    pub email: Option<String>,
    pub source: CheckInSource,
}

/// Records a check-in. Returns it (the earlier one if the person had checked in already) and
/// whether it is new. Open from 15 minutes before the start to the end.
pub async fn check_in(
    store: &dyn Store,
    ctx: &Context,
    id: BookingId,
    req: CheckInRequest,
) -> AppResult<(CheckIn, bool)> {
    let booking = load_visible(store, ctx, id).await?;
    let email = match (req.email.as_deref().map(str::trim).filter(|e| !e.is_empty()), ctx.user()) {
        (Some(raw), _) => Email::parse(raw).map_err(|e| AppError::invalid("email", e.code, e.message))?,
        (None, Some(me)) => me.email.clone(),
        (None, None) => return Err(AppError::invalid("email", ErrorCode::Required, "name who checks in by email")),
    };
    // People check themselves in; the organizer, admins and integrations check anyone in.
    let is_self = ctx.user().is_some_and(|u| same(&u.email, &email));
    if !may_change(ctx, &booking) && !is_self {
        return Err(deny(store, ctx, "booking.check_in_denied", id).await);
    }
    // The address as the meeting has it (addresses compare without case).
    let Some(email) = invited(store, ctx, &booking, &email).await? else {
        return Err(AppError::invalid(
            "email",
            ErrorCode::NotInvited,
            format!("{email} is not invited to this meeting"),
        ));
    };
    check_open(&booking)?;
    let check_in = CheckIn {
        tenant_id: ctx.tenant_id(),
        booking_id: id,
        email: email.clone(),
        at: now_millis(),
        by: ctx.actor(),
        source: req.source,
    };
    let facts = Facts { actor: ctx.actor(), ..Facts::at(check_in.at) };
    let jobs = outbox::plan(Change::CheckedIn { booking: &booking, check_in: &check_in }, &facts).jobs;
    let after = serde_json::json!({"email": email, "source": req.source.as_str()});
    let entry = ctx.audit("booking.checked_in", "booking", Some(id.0), None, Some(after));
    match store.record_check_in(&check_in, &jobs, &entry).await {
        Ok(true) => return Ok((check_in, true)),
        Ok(false) => {}
        // Cancelled or released since it was read: say which, as for any other late check-in.
        Err(sala_store::StoreError::NotConfirmed) => {
            let now = store.get_booking(ctx.tenant_id(), id).await?.ok_or(AppError::NotFound { what: "booking" })?;
            still_confirmed(&now, "checked in to")?;
            return Err(sala_store::StoreError::NotConfirmed.into());
        }
        Err(err) => return Err(err.into()),
    }
    let earlier = store.check_ins(ctx.tenant_id(), id).await?.into_iter().find(|c| same(&c.email, &email));
    Ok((earlier.unwrap_or(check_in), false))
}

fn check_open(booking: &Booking) -> AppResult<()> {
    let now = now_millis();
    still_confirmed(booking, "checked in to")?;
    if now < booking.time.start - CHECK_IN_OPENS_MS {
        return Err(AppError::Conflict {
            code: ErrorCode::CheckInNotOpen,
            message: "check-in opens 15 minutes before the meeting starts".into(),
        });
    }
    if now >= booking.time.end {
        return Err(AppError::Conflict { code: ErrorCode::BookingEnded, message: "the meeting has ended".into() });
    }
    Ok(())
}

/// The invited person's address as the meeting has it: the organizer's or an attendee's.
pub(crate) async fn invited(
    store: &dyn Store,
    ctx: &Context,
    booking: &Booking,
    email: &Email,
) -> AppResult<Option<Email>> {
    if let Some(a) = booking.attendees.iter().find(|a| same(&a.email, email)) {
        return Ok(Some(a.email.clone()));
    }
    let organizer = store.get_user(ctx.tenant_id(), booking.organizer_id).await?;
    Ok(organizer.map(|o| o.email).filter(|o| same(o, email)))
}

fn same(a: &Email, b: &Email) -> bool {
    a.as_str().eq_ignore_ascii_case(b.as_str())
}

/// One person of a meeting and whether they came.
#[derive(Clone, Debug)]
pub struct Attendance {
    pub email: Email,
    pub name: Option<String>,
    pub organizer: bool,
    pub check_in: Option<CheckIn>,
}

/// Everyone invited to a booking (the organizer first) with their check-in, if any.
pub async fn attendance(store: &dyn Store, ctx: &Context, id: BookingId) -> AppResult<Vec<Attendance>> {
    let booking = load_visible(store, ctx, id).await?;
    if !may_see(ctx, &booking) {
        return Err(AppError::NotFound { what: "booking" });
    }
    people(store, ctx, &booking).await
}

async fn people(store: &dyn Store, ctx: &Context, booking: &Booking) -> AppResult<Vec<Attendance>> {
    let check_ins = store.check_ins(ctx.tenant_id(), booking.id).await?;
    let of = |email: &Email| check_ins.iter().find(|c| same(&c.email, email)).cloned();
    let mut rows = Vec::new();
    if let Some(organizer) = store.get_user(ctx.tenant_id(), booking.organizer_id).await? {
        rows.push(Attendance {
            check_in: of(&organizer.email),
            email: organizer.email,
            name: Some(organizer.name),
            organizer: true,
        });
    }
    rows.extend(booking.attendees.iter().map(|a| Attendance {
        email: a.email.clone(),
        name: a.name.clone(),
        organizer: false,
        check_in: of(&a.email),
    }));
    Ok(rows)
}

/// Attendance of every booking starting in `[from, to)` (admins and integrations): for HR and
/// attendance systems. At most 500 bookings per call.
/// Bookings read per page of an export.
const PAGE: u32 = 500;
/// The most bookings one export holds; a larger range is refused, never cut short.
const MAX_EXPORTED: usize = 20_000;

pub async fn attendance_export(
    store: &dyn Store,
    ctx: &Context,
    from: i64,
    to: i64,
) -> AppResult<Vec<(Booking, Vec<Attendance>)>> {
    ctx.require_admin()?;
    if to <= from || to - from > 93 * 24 * 3_600_000 {
        return Err(AppError::invalid(
            "to",
            ErrorCode::InvalidRange,
            "ask for a range of at most 93 days, `to` after `from`",
        ));
    }
    // Page by page (the store answers at most 500 at a time): an export never stops silently.
    let mut query = BookingQuery { from: Some(from), to: Some(to), limit: PAGE, ..Default::default() };
    let mut out = Vec::new();
    loop {
        let page = store.list_bookings(ctx.tenant_id(), &query).await?;
        let full = page.len() >= PAGE as usize;
        query.after = page.last().map(|b| (b.time.start, b.id));
        for booking in page {
            let rows = people(store, ctx, &booking).await?;
            out.push((booking, rows));
        }
        if !full {
            return Ok(out);
        }
        if out.len() >= MAX_EXPORTED {
            return Err(AppError::invalid(
                "to",
                ErrorCode::ExportTooLarge,
                format!("more than {MAX_EXPORTED} bookings in that range; ask for a shorter one"),
            ));
        }
    }
}
