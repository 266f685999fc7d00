//! A person's Google Calendar connection: the grant Sala keeps to put their meetings in their
//! calendar (and ask Google Meet for a link), and what became of it.

use crate::{Millis, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// The scope Sala asks for on top of sign-in: create, change and delete events.
pub const CALENDAR_SCOPE: &str = "https://www.googleapis.com/auth/calendar.events";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// Sala may write the calendar.
    Connected,
    /// Google refused the grant (`invalid_grant`: revoked, expired, password changed): the person
    /// must connect again. Bookings go on; only the calendar waits.
    Revoked,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Connected, Self::Revoked].into_iter().find(|s| s.as_str() == raw)
    }
}

/// What Sala holds of one person's Google grant. Tokens are sealed (`sala_app::secrets`): the
/// store never sees them in clear.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoogleConnection {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// The Google account (`sub`) that granted it.
    pub google_subject: String,
    pub refresh_token_sealed: String,
    /// The last access token and when it expires; refreshed shortly before.
    pub access_token_sealed: Option<String>,
    pub access_expires_at: Option<Millis>,
    pub scopes: Vec<String>,
    pub status: ConnectionStatus,
    /// Why it stopped working, for the person ("reconnect Google").
    pub last_error: Option<String>,
    pub connected_at: Millis,
    pub updated_at: Millis,
}

impl GoogleConnection {
    pub fn is_connected(&self) -> bool {
        self.status == ConnectionStatus::Connected
    }

    /// Can a call be made with the access token held, or must it be refreshed first? A minute
    /// of margin, so a token does not expire on the way.
    pub fn access_token_fresh(&self, now: Millis) -> bool {
        self.access_token_sealed.is_some() && self.access_expires_at.is_some_and(|at| at - 60_000 > now)
    }
}

/// A push channel Sala keeps open on a person's calendar, and where its reading of that
/// calendar's changes stands: the two halves of keeping calendars in step both ways. The provider
/// calls Sala when the calendar changes (authenticated by the channel's token, of which only the
/// hash is kept); Sala then reads the changes since `cursor`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarWatch {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// The open channel's id (a new one each renewal), `None` while none is open.
    pub channel_id: Option<String>,
    /// SHA-256 of the token the provider echoes in every notification.
    pub token_hash: Option<String>,
    /// The provider's id of the watched resource (needed to close the channel).
    pub resource_id: Option<String>,
    /// When the provider closes the channel; it is renewed before.
    pub expires_at: Option<Millis>,
    /// Where the next read of changes starts (Google's sync token); `None`: read everything.
    pub cursor: Option<String>,
    pub synced_at: Option<Millis>,
    pub created_at: Millis,
}

impl CalendarWatch {
    /// A watch with nothing open yet and nothing read.
    pub fn new(tenant_id: TenantId, user_id: UserId, now: Millis) -> Self {
        Self {
            tenant_id,
            user_id,
            channel_id: None,
            token_hash: None,
            resource_id: None,
            expires_at: None,
            cursor: None,
            synced_at: None,
            created_at: now,
        }
    }

    /// Must a new channel be opened (none open, or the open one ends within `margin`)?
    pub fn needs_channel(&self, now: Millis, margin: Millis) -> bool {
        self.channel_id.is_none() || self.expires_at.is_none_or(|end| end - margin <= now)
    }
}
