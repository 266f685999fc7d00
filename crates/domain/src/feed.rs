//! Calendar feeds: secret `.ics` subscription URLs that calendar apps (Google, Outlook, Apple)
//! poll. A feed shows a person's meetings, a room's bookings or the whole organization's; the URL
//! carries a random token of which only the SHA-256 is kept, and deleting the feed revokes it.

use crate::{Actor, FeedId, Millis, RoomId, TenantId};
use serde::{Deserialize, Serialize};

/// What a feed shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedScope {
    /// The meetings its person organizes or is invited to.
    Me,
    /// One room's bookings.
    Room,
    /// Every booking of the organization (admins).
    Organization,
}

impl FeedScope {
    pub const ALL: [Self; 3] = [Self::Me, Self::Room, Self::Organization];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Me => "me",
            Self::Room => "room",
            Self::Organization => "organization",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// A feed as kept: never its token, only the token's hash. A `me` feed belongs to the person who
/// made it (`created_by`); room and organization feeds show what their maker may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feed {
    pub id: FeedId,
    pub tenant_id: TenantId,
    pub scope: FeedScope,
    /// The room of a `room` feed; `None` for the others.
    pub room_id: Option<RoomId>,
    pub token_hash: String,
    pub created_by: Actor,
    pub created_at: Millis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_text() {
        for scope in FeedScope::ALL {
            assert_eq!(FeedScope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(FeedScope::parse("everyone"), None);
        assert_eq!(FeedScope::parse("Me"), None);
    }
}
