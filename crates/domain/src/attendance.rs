//! Attendance: who checked in to a meeting, when, and through what (the organizer in the web
//! app, an attendance or access-control system with an API key, a room's kiosk).

use crate::{Actor, BookingId, Email, Millis, RoomId, TenantId};
use serde::{Deserialize, Serialize};

/// How early before its start a meeting takes check-ins.
pub const CHECK_IN_OPENS_MS: Millis = 15 * 60_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInSource {
    /// The web app (the organizer, or the person themself).
    Web,
    /// Another system through the API (attendance, access control).
    Api,
    /// A room's kiosk page.
    Kiosk,
}

impl CheckInSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Api => "api",
            Self::Kiosk => "kiosk",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Web, Self::Api, Self::Kiosk].into_iter().find(|s| s.as_str() == raw)
    }
}

/// One person's check-in to one booking; a person checks in once (the first time counts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    pub tenant_id: TenantId,
    pub booking_id: BookingId,
    /// The organizer's or an attendee's address.
    pub email: Email,
    pub at: Millis,
    /// Who recorded it.
    pub by: Actor,
    pub source: CheckInSource,
}

/// A room's kiosk link: whoever opens it (a tablet by the door, a phone that scanned the QR code
/// on it) sees the room's meetings and checks people in to the one under way. The link carries a
/// secret token; only its SHA-256 is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kiosk {
    pub tenant_id: TenantId,
    pub room_id: RoomId,
    pub token_hash: String,
    pub created_by: Actor,
    pub created_at: Millis,
}

/// A guest's answer to an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Accepted,
    Tentative,
    Declined,
}

impl Answer {
    pub const ALL: [Self; 3] = [Self::Accepted, Self::Tentative, Self::Declined];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Tentative => "tentative",
            Self::Declined => "declined",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

/// Someone invited answered (through the link in their invitation); the latest answer counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub tenant_id: TenantId,
    pub booking_id: BookingId,
    pub email: Email,
    pub answer: Answer,
    pub at: Millis,
}
