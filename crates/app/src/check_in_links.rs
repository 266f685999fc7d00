//! Check-in links: the QR code a room's kiosk shows for the meeting open for check-in. Scanned
//! with a phone, it opens that meeting and checks its bearer in by their address, like the kiosk
//! itself, but for that one meeting and for a few minutes only: a photo of the door is no lasting
//! way in, and the kiosk's own link (its secret) is never in the code.
//!
//! A link holds the organization, the booking and when it expires, signed (HMAC-SHA-256) with a
//! key derived from the server's: nothing is stored, nothing can be made up or moved to another
//! meeting or organization, and a later expiry cannot be written in.

use crate::bookings::{CheckInRequest, check_in};
use crate::{AppError, AppResult, Context, Store};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sala_domain::ErrorCode;
use sala_domain::attendance::{CheckIn, CheckInSource};
use sala_domain::{Booking, BookingId, Millis, Room, Tenant, TenantId, now_millis};
use sha2::{Digest, Sha256};

/// The longest a link lasts. The kiosk shows a fresh one each minute it reloads; this is time to
/// scan, open and tap, not to come back later.
pub const LINK_LIFETIME_MS: Millis = 10 * 60_000;

/// Signs and checks check-in links.
#[derive(Clone)]
pub struct CheckInLinkKey {
    key: [u8; 32],
}

/// What a link allows: checking in to one booking of one organization until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInLink {
    pub tenant_id: TenantId,
    pub booking_id: BookingId,
    pub expires_at: Millis,
}

impl CheckInLink {
    /// The link for `booking` made at `now`: until the meeting ends, and a few minutes at most.
    pub fn for_booking(booking: &Booking, now: Millis) -> Self {
        Self {
            tenant_id: booking.tenant_id,
            booking_id: booking.id,
            expires_at: booking.time.end.min(now + LINK_LIFETIME_MS),
        }
    }
}

impl CheckInLinkKey {
    /// The key for the server's secret key, derived for this one purpose.
    pub fn new(server_key: &[u8; 32]) -> Self {
        let key = Sha256::new().chain_update(b"sala check-in links v1\0").chain_update(server_key).finalize();
        Self { key: key.into() }
    }

    fn mac(&self, link: &CheckInLink) -> Vec<u8> {
        // A 32-byte key is always accepted.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else { return Vec::new() };
        mac.update(link.tenant_id.0.as_bytes());
        mac.update(link.booking_id.0.as_bytes());
        mac.update(&link.expires_at.to_be_bytes());
        mac.finalize().into_bytes()[..16].to_vec()
    }

    /// The link's token: `<tenant>.<booking>.<expiry, ms>.<signature>`, each part URL-safe.
    pub fn token(&self, link: &CheckInLink) -> String {
        format!(
            "{}.{}.{}.{}",
            link.tenant_id.0.simple(),
            link.booking_id.0.simple(),
            link.expires_at,
            URL_SAFE_NO_PAD.encode(self.mac(link))
        )
    }

    /// What `token` allows at `now`: "not found" unless Sala signed it as it is, like any wrong
    /// link; `link_expired` once its time is up.
    pub fn open(&self, token: &str, now: Millis) -> AppResult<CheckInLink> {
        let not_found = || AppError::NotFound { what: "check-in link" };
        let parts: Vec<&str> = token.split('.').collect();
        let [tenant, booking, expires, signature] = parts[..] else { return Err(not_found()) };
        let link = CheckInLink {
            tenant_id: tenant.parse().map(TenantId).map_err(|_| not_found())?,
            booking_id: booking.parse().map(BookingId).map_err(|_| not_found())?,
            expires_at: expires.parse().map_err(|_| not_found())?,
        };
        let given = URL_SAFE_NO_PAD.decode(signature).map_err(|_| not_found())?;
        if !crate::tokens::same_secret(&hex::encode(given), &hex::encode(self.mac(&link))) {
            return Err(not_found());
        }
        if now >= link.expires_at {
            return Err(AppError::Conflict {
                code: ErrorCode::LinkExpired,
                message: "this check-in link has expired; scan the code on the door again".into(),
            });
        }
        Ok(link)
    }
}

impl std::fmt::Debug for CheckInLinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CheckInLinkKey(..)")
    }
}

/// The meeting a link opens, as its page shows it.
pub struct LinkedMeeting {
    pub link: CheckInLink,
    pub tenant: Tenant,
    pub booking: Booking,
    pub room: Room,
    /// The organizer's name.
    pub organizer: String,
    pub checked_in: usize,
}

/// The meeting `token` opens. A link that Sala did not sign, or whose booking is gone, is "not
/// found"; an expired one `link_expired`.
pub async fn open_check_in_link(store: &dyn Store, key: &CheckInLinkKey, token: &str) -> AppResult<LinkedMeeting> {
    let link = key.open(token, now_millis())?;
    let not_found = || AppError::NotFound { what: "check-in link" };
    let tenant = store.get_tenant(link.tenant_id).await?.ok_or_else(not_found)?;
    let booking = store.get_booking(link.tenant_id, link.booking_id).await?.ok_or_else(not_found)?;
    let room = store.get_room(link.tenant_id, booking.room_id).await?.ok_or_else(not_found)?;
    let organizer = store.get_user(link.tenant_id, booking.organizer_id).await?.map(|u| u.name).unwrap_or_default();
    let checked_in = store.check_ins(link.tenant_id, booking.id).await?.len();
    Ok(LinkedMeeting { link, tenant, booking, room, organizer, checked_in })
}

/// Checks `email` in to the meeting `token` opens, with the authority of the kiosk that showed
/// it (the system of its organization, the source `kiosk`, the phone's address audited): the
/// person must be invited and the meeting open for check-in, as at the kiosk.
pub async fn check_in_by_link(
    store: &dyn Store,
    key: &CheckInLinkKey,
    token: &str,
    email: &str,
    ip: Option<String>,
) -> AppResult<(LinkedMeeting, CheckIn, bool)> {
    let meeting = open_check_in_link(store, key, token).await?;
    let ctx = Context { ip, ..Context::system(meeting.tenant.id) };
    let request = CheckInRequest { email: Some(email.to_owned()), source: CheckInSource::Kiosk };
    let (check_in, new) = check_in(store, &ctx, meeting.booking.id, request).await?;
    let checked_in = store.check_ins(meeting.tenant.id, meeting.booking.id).await?.len();
    Ok((LinkedMeeting { checked_in, ..meeting }, check_in, new))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(expires_at: Millis) -> CheckInLink {
        CheckInLink { tenant_id: TenantId::new(), booking_id: BookingId::new(), expires_at }
    }

    #[test]
    fn links_open_only_as_signed_and_until_they_expire() {
        let key = CheckInLinkKey::new(&[7; 32]);
        let made = link(1_000_000);
        let token = key.token(&made);
        assert_eq!(key.open(&token, 999_999).ok(), Some(made.clone()));
        assert!(matches!(key.open(&token, 1_000_000), Err(AppError::Conflict { code: ErrorCode::LinkExpired, .. })));
        assert!(matches!(CheckInLinkKey::new(&[8; 32]).open(&token, 0), Err(AppError::NotFound { .. })));
        let parts: Vec<&str> = token.split('.').collect();
        let later = format!("{}.{}.{}.{}", parts[0], parts[1], 9_000_000, parts[3]);
        let other = format!("{}.{}.{}.{}", parts[0], BookingId::new().0.simple(), parts[2], parts[3]);
        for bad in ["", "a.b.c.d", "x", later.as_str(), other.as_str(), &format!("{token}x")] {
            assert!(matches!(key.open(bad, 0), Err(AppError::NotFound { .. })), "{bad}");
        }
    }
}
