//! Typed identifiers, so a room id can never be passed where a user id is expected.
//!
//! All ids are UUIDv7: time-ordered (good index locality) and unguessable enough that a foreign id
//! reveals nothing. They print and parse as the usual hyphenated form.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// A company sharing the installation.
    TenantId
);
typed_id!(
    /// A person of a tenant.
    UserId
);
typed_id!(
    /// A bookable room of a tenant.
    RoomId
);
typed_id!(
    /// A webhook endpoint of a tenant.
    WebhookId
);
typed_id!(
    /// An API key of a tenant.
    ApiKeyId
);
typed_id!(
    /// One audit log entry.
    AuditId
);

typed_id!(
    /// A booking: one occurrence, even when it belongs to a series.
    BookingId
);
typed_id!(
    /// A recurring series of bookings.
    SeriesId
);
typed_id!(
    /// An outbox job.
    JobId
);
typed_id!(
    /// A calendar feed (a secret `.ics` subscription URL).
    FeedId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = RoomId::new();
        assert_eq!(id.to_string().parse::<RoomId>().ok(), Some(id));
    }

    #[test]
    fn malformed_ids_are_rejected() {
        assert!("not-an-id".parse::<RoomId>().is_err());
        assert!("'; drop table rooms; --".parse::<UserId>().is_err());
    }
}
