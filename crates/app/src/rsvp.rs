//! Answers to invitations (RSVP). Each guest's invitation carries a link to a page where they say
//! whether they come; the link holds the booking and the address, signed with a key derived from
//! the server's, so it cannot be made up or moved to another person or meeting. The page asks
//! before it records (mail scanners open links; only a posted form answers), the latest answer
//! counts, and webhooks hear `attendee.responded`.

use crate::bookings::invited;
use crate::context::Context;
use crate::{AppError, AppResult, Store};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sala_domain::ErrorCode;
use sala_domain::attendance::{Answer, Reply};
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::{Booking, BookingId, Email, TenantId, now_millis};
use sha2::{Digest, Sha256};

/// Signs and checks answer links.
#[derive(Clone)]
pub struct RsvpKey {
    key: [u8; 32],
}

/// Who a link speaks for: a person invited to a booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitee {
    pub tenant_id: TenantId,
    pub booking_id: BookingId,
    pub email: Email,
}

impl RsvpKey {
    /// The key for the server's secret key, derived for this one purpose.
    pub fn new(server_key: &[u8; 32]) -> Self {
        let key = Sha256::new().chain_update(b"sala rsvp links v1\0").chain_update(server_key).finalize();
        Self { key: key.into() }
    }

    fn mac(&self, invitee: &Invitee) -> Vec<u8> {
        // A 32-byte key is always accepted.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else { return Vec::new() };
        mac.update(invitee.tenant_id.0.as_bytes());
        mac.update(invitee.booking_id.0.as_bytes());
        mac.update(invitee.email.as_str().to_lowercase().as_bytes());
        mac.finalize().into_bytes()[..16].to_vec()
    }

    /// The link's token: `<tenant>.<booking>.<address>.<signature>`, each part URL-safe.
    pub fn token(&self, invitee: &Invitee) -> String {
        format!(
            "{}.{}.{}.{}",
            invitee.tenant_id.0.simple(),
            invitee.booking_id.0.simple(),
            URL_SAFE_NO_PAD.encode(invitee.email.as_str()),
            URL_SAFE_NO_PAD.encode(self.mac(invitee))
        )
    }

    /// Who `token` speaks for, if Sala signed it; "not found" otherwise, like any wrong link.
    pub fn open(&self, token: &str) -> AppResult<Invitee> {
        let not_found = || AppError::NotFound { what: "invitation" };
        let parts: Vec<&str> = token.split('.').collect();
        let [tenant, booking, email, signature] = parts[..] else { return Err(not_found()) };
        let tenant = tenant.parse().map(TenantId).map_err(|_| not_found())?;
        let booking = booking.parse().map(BookingId).map_err(|_| not_found())?;
        let email = URL_SAFE_NO_PAD.decode(email).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(not_found)?;
        let email = Email::parse(&email).map_err(|_| not_found())?;
        let invitee = Invitee { tenant_id: tenant, booking_id: booking, email };
        let given = URL_SAFE_NO_PAD.decode(signature).map_err(|_| not_found())?;
        let expected = self.mac(&invitee);
        if !crate::tokens::same_secret(&hex::encode(given), &hex::encode(expected)) {
            return Err(not_found());
        }
        Ok(invitee)
    }
}

/// What the answer page shows: the meeting, and the person's answer so far.
pub struct Invitation {
    pub booking: Booking,
    pub invitee: Invitee,
    pub answer: Option<Answer>,
}

/// The invitation a link opens. A cancelled meeting still opens (to say so); another tenant's,
/// or one the address is no longer invited to, is not found.
pub async fn open_invitation(store: &dyn Store, key: &RsvpKey, token: &str) -> AppResult<Invitation> {
    let invitee = key.open(token)?;
    let ctx = Context::system(invitee.tenant_id);
    let booking = store
        .get_booking(invitee.tenant_id, invitee.booking_id)
        .await?
        .ok_or(AppError::NotFound { what: "invitation" })?;
    if invited(store, &ctx, &booking, &invitee.email).await?.is_none() {
        return Err(AppError::NotFound { what: "invitation" });
    }
    let answer = store
        .replies(invitee.tenant_id, invitee.booking_id)
        .await?
        .into_iter()
        .find(|r| r.email.as_str().eq_ignore_ascii_case(invitee.email.as_str()))
        .map(|r| r.answer);
    Ok(Invitation { booking, invitee, answer })
}

/// Records the answer of the person a link speaks for (the meeting must still be on, and not
/// over). Returns the invitation as it now stands.
pub async fn answer(store: &dyn Store, key: &RsvpKey, token: &str, answer: Answer) -> AppResult<Invitation> {
    let invitation = open_invitation(store, key, token).await?;
    let ctx = Context::system(invitation.booking.tenant_id);
    record(store, &ctx, invitation, answer).await
}

/// Records the signed-in person's answer to a meeting they are invited to, from the app (its
/// page or the dashboard); the same answer as from their invitation's link. The organizer, and
/// anyone not invited, has nothing to answer (403).
pub async fn answer_as_invitee(
    store: &dyn Store,
    ctx: &Context,
    booking: BookingId,
    answer: Answer,
) -> AppResult<Invitation> {
    let Some(me) = ctx.user() else { return Err(AppError::Unauthenticated) };
    let booking = crate::bookings::get_booking(store, ctx, booking).await?;
    let invited = booking
        .attendees
        .iter()
        .find(|a| a.user_id == Some(me.id) || a.email.as_str().eq_ignore_ascii_case(me.email.as_str()));
    let Some(attendee) = invited else {
        return Err(AppError::forbidden("only the people invited to a meeting answer its invitation"));
    };
    let invitee = Invitee { tenant_id: booking.tenant_id, booking_id: booking.id, email: attendee.email.clone() };
    record(store, ctx, Invitation { booking, invitee, answer: None }, answer).await
}

/// The answer stored for `invitation`, with its audit entry and the webhook it causes.
async fn record(store: &dyn Store, ctx: &Context, invitation: Invitation, answer: Answer) -> AppResult<Invitation> {
    let booking = &invitation.booking;
    crate::bookings::still_confirmed(booking, "answered")?;
    if booking.time.end <= now_millis() {
        return Err(AppError::Conflict { code: ErrorCode::BookingEnded, message: "the meeting has ended".into() });
    }
    let reply = Reply {
        tenant_id: booking.tenant_id,
        booking_id: booking.id,
        email: invitation.invitee.email.clone(),
        answer,
        at: now_millis(),
    };
    record_reply(store, ctx, booking, &reply).await?;
    Ok(Invitation { answer: Some(answer), ..invitation })
}

/// Stores an answer with its audit entry and the webhook it causes (`attendee.responded`),
/// however it came: a link, the app, or the person's own calendar.
pub(crate) async fn record_reply(
    store: &dyn Store,
    ctx: &Context,
    booking: &Booking,
    reply: &Reply,
) -> sala_store::Result<bool> {
    let after = serde_json::json!({"email": reply.email, "answer": reply.answer.as_str()});
    let entry = ctx.audit("booking.answered", "booking", Some(booking.id.0), None, Some(after));
    let jobs = outbox::plan(Change::Responded { booking, reply }, &Facts::at(reply.at)).jobs;
    store.record_reply(reply, &jobs, &entry).await
}

/// A booking's answers so far (for its page).
pub async fn replies(store: &dyn Store, ctx: &Context, booking: BookingId) -> AppResult<Vec<Reply>> {
    let booking = crate::bookings::get_booking(store, ctx, booking).await?;
    Ok(store.replies(ctx.tenant_id(), booking.id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_open_only_as_signed() {
        let key = RsvpKey::new(&[7; 32]);
        let invitee = Invitee {
            tenant_id: TenantId::new(),
            booking_id: BookingId::new(),
            email: Email::parse("Cliente@globex.com").unwrap_or_else(|e| panic!("{e:?}")),
        };
        let token = key.token(&invitee);
        assert_eq!(key.open(&token).ok(), Some(invitee.clone()));
        assert!(RsvpKey::new(&[8; 32]).open(&token).is_err(), "another installation's key");
        let other = Invitee { email: Email::parse("otro@globex.com").unwrap_or_else(|e| panic!("{e:?}")), ..invitee };
        let parts: Vec<&str> = token.split('.').collect();
        let moved = format!("{}.{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(other.email.as_str()), parts[3]);
        assert!(key.open(&moved).is_err(), "a signature does not move to another address");
        for bad in ["", "a.b.c.d", "x", &format!("{token}x")] {
            assert!(key.open(bad).is_err(), "{bad}");
        }
    }
}
