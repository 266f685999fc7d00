//! Webhook endpoints: where a tenant's other systems (a CRM, an attendance system) hear about
//! bookings, signed per the Standard Webhooks specification.

use crate::ErrorCode;
use crate::{Millis, TenantId, ValueError, WebhookId};
use serde::{Deserialize, Serialize};

/// The events an endpoint may subscribe to.
pub const EVENT_TYPES: [&str; 6] = [
    "booking.created",
    "booking.updated",
    "booking.cancelled",
    "booking.checked_in",
    "booking.no_show",
    "attendee.responded",
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: WebhookId,
    pub tenant_id: TenantId,
    pub url: String,
    /// Event types, each one of [`EVENT_TYPES`].
    pub events: Vec<String>,
    pub description: Option<String>,
    /// The signing secret (`whsec_...`), sealed with the server's key.
    pub secret_sealed: String,
    /// After a rotation, the previous secret, which also signs until `previous_until`.
    pub previous_secret_sealed: Option<String>,
    pub previous_until: Option<Millis>,
    pub enabled: bool,
    /// Why Sala turned it off (e.g. the receiver answered `410 Gone`).
    pub disabled_reason: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl WebhookEndpoint {
    /// Is this endpoint told of `event`?
    pub fn wants(&self, event: &str) -> bool {
        self.enabled && self.events.iter().any(|e| e == event)
    }
}

/// The subscribed events, checked: at least one, each known, no repeats (order kept).
pub fn parse_events(events: &[String]) -> Result<Vec<String>, ValueError> {
    if events.is_empty() {
        return Err(ValueError::new(
            ErrorCode::NoEvents,
            format!("subscribe to at least one of {}", EVENT_TYPES.join(", ")),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for event in events {
        let event = event.trim();
        if !EVENT_TYPES.contains(&event) {
            return Err(ValueError::new(
                ErrorCode::UnknownEvent,
                format!("'{event}' is not an event (one of {})", EVENT_TYPES.join(", ")),
            ));
        }
        if !out.iter().any(|e| e == event) {
            out.push(event.to_owned());
        }
    }
    Ok(out)
}
