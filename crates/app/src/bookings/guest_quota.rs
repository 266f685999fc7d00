//! Daily quotas on guests from outside the organization, so a member cannot turn Sala into a
//! relay that mails hundreds of strangers an invitation with a title of their choosing. Each
//! booking write that invites outside addresses not invited to it before adds an audit entry
//! ([`GUESTS_INVITED`]) in the same transaction; the quotas add those entries up over the last
//! 24 hours, per person and per organization. The store keeps them as hourly counters (so the
//! check reads at most 25 rows however many were invited), and the hour holding the start of the
//! 24 counts whole: an invitation counts for 24 to 25 hours. Updates and reminders to guests
//! already invited, and the organization's own people, do not count.

pub use crate::context::GuestQuotas;
use crate::{AppError, AppResult, Context, Store};
use sala_domain::audit::GUESTS_INVITED;
use sala_domain::{Actor, Attendee, AuditEntry, BookingId, Email, ErrorCode, Millis, now_millis};
use serde_json::json;
use std::collections::BTreeSet;

const DAY: Millis = 24 * 60 * 60 * 1000;

/// Checks that inviting `guests` (outside addresses new to the booking) keeps the caller and
/// the organization within their quotas; returns the audit entry to write with the booking.
pub(super) async fn admit(
    store: &dyn Store,
    ctx: &Context,
    booking: BookingId,
    guests: &[&Email],
) -> AppResult<Option<AuditEntry>> {
    if guests.is_empty() {
        return Ok(None);
    }
    let wanted = guests.len() as u64;
    let since = now_millis() - DAY;
    let quotas = ctx.guest_quotas;
    let tenant = ctx.tenant_id();
    if let actor @ Actor::User(_) = ctx.actor() {
        let used = store.count_invited_guests(tenant, Some(&actor), since).await?;
        if used + wanted > u64::from(quotas.per_person) {
            return Err(refusal(ErrorCode::GuestQuotaPerson, quotas.per_person, used, "you"));
        }
    }
    let used = store.count_invited_guests(tenant, None, since).await?;
    if used + wanted > u64::from(quotas.per_organization) {
        return Err(refusal(ErrorCode::GuestQuotaOrganization, quotas.per_organization, used, "your organization"));
    }
    let after = json!({"count": wanted, "guests": guests.iter().map(|g| g.as_str()).collect::<Vec<_>>()});
    Ok(Some(ctx.audit(GUESTS_INVITED, "booking", Some(booking.0), None, Some(after))))
}

/// The outside guests of the `after` lists not invited in the matching `before` ones, each
/// address once (a series' occurrences share their guests).
pub(super) fn new_guests<'a>(changes: impl IntoIterator<Item = (&'a [Attendee], &'a [Attendee])>) -> Vec<&'a Email> {
    let mut seen = BTreeSet::new();
    let mut guests = Vec::new();
    for (before, after) in changes {
        let known: BTreeSet<String> = before.iter().map(|a| a.email.as_str().to_lowercase()).collect();
        for guest in after.iter().filter(|a| !a.is_internal()) {
            let key = guest.email.as_str().to_lowercase();
            if !known.contains(&key) && seen.insert(key) {
                guests.push(&guest.email);
            }
        }
    }
    guests
}

fn refusal(code: ErrorCode, quota: u32, used: u64, who: &str) -> AppError {
    let left = u64::from(quota).saturating_sub(used);
    AppError::invalid(
        "attendees",
        code,
        format!("{who} may invite {quota} people from outside the organization a day; {left} left today"),
    )
}
