//! What Microsoft Graph POSTs to a subscription's `notificationUrl`, for the server's hook.
//!
//! - **Validation**: when a subscription is created (or its notification URL changes) Graph POSTs
//!   `?validationToken=<opaque>` with `Content-Type: text/plain`; the hook must answer `200` with
//!   the decoded token as `text/plain` within 10 seconds ([`validation_token`]), or the
//!   subscription is refused.
//! - **Change notifications**: `{"value": [{subscriptionId, clientState, changeType, resource,
//!   resourceData: {id, ...}, tenantId, subscriptionExpirationDateTime}]}`. The hook finds the
//!   watch by `subscriptionId`, checks `clientState` against the token Sala gave, answers `202`
//!   quickly and reads the changes (`changes`) later: a notification only says *that* something
//!   changed.
//! - **Lifecycle notifications** (to `lifecycleNotificationUrl`, which Sala sets to the same URL):
//!   the same envelope with `lifecycleEvent`: `reauthorizationRequired` (renew the subscription),
//!   `subscriptionRemoved` (open a new one) or `missed` (read the changes now).
//!
//! The parsing is pure so the hook can be tested without Graph.

use jiff::Timestamp;
use serde_json::Value;

/// What a notification says happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotificationKind {
    Created,
    Updated,
    Deleted,
    /// The subscription needs renewing (`PATCH`) soon, or it is removed.
    ReauthorizationRequired,
    /// Graph removed the subscription: open a new one and read the changes.
    SubscriptionRemoved,
    /// Graph could not deliver some notifications: read the changes.
    Missed,
    /// A change type or lifecycle event this version does not know.
    Other(String),
}

/// One entry of a notification POST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphNotification {
    pub subscription_id: String,
    /// Echo of the subscription's `clientState` (Sala's watch token): compare it before trusting.
    pub client_state: Option<String>,
    pub kind: NotificationKind,
    /// e.g. `Users/{user id}/Events/{event id}`; absent in lifecycle notifications.
    pub resource: Option<String>,
    /// `resourceData.id`: the event changed.
    pub event_id: Option<String>,
    /// The directory (tenant) the subscription lives in.
    pub tenant_id: Option<String>,
    pub subscription_expires_at: Option<Timestamp>,
}

impl GraphNotification {
    /// Whether the notification carries `expected` as its `clientState` (constant-time compare).
    pub fn genuine(&self, expected: &str) -> bool {
        let Some(given) = self.client_state.as_deref() else { return false };
        given.len() == expected.len() && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// Why a notification body could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    #[error("the notification body is not JSON: {0}")]
    NotJson(String),
    #[error("the notification body has no `value` array")]
    NoValue,
    #[error("a notification without subscriptionId")]
    NoSubscription,
}

/// The validation token of a validation request, from its raw query string (percent-decoded);
/// `None` for a notification. Answer it as `200 text/plain` with exactly this text.
pub fn validation_token(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "validationToken").map(|(_, v)| v.into_owned())
}

/// The entries of a notification POST (change and lifecycle notifications alike).
pub fn parse_notifications(body: &[u8]) -> Result<Vec<GraphNotification>, NotificationError> {
    let json: Value = serde_json::from_slice(body).map_err(|e| NotificationError::NotJson(e.to_string()))?;
    let entries = json["value"].as_array().ok_or(NotificationError::NoValue)?;
    entries.iter().map(entry).collect()
}

fn entry(item: &Value) -> Result<GraphNotification, NotificationError> {
    let text = |key: &str| item[key].as_str().map(str::to_owned);
    let subscription_id = text("subscriptionId").ok_or(NotificationError::NoSubscription)?;
    let kind = match (item["lifecycleEvent"].as_str(), item["changeType"].as_str()) {
        (Some("reauthorizationRequired"), _) => NotificationKind::ReauthorizationRequired,
        (Some("subscriptionRemoved"), _) => NotificationKind::SubscriptionRemoved,
        (Some("missed"), _) => NotificationKind::Missed,
        (Some(other), _) => NotificationKind::Other(other.to_owned()),
        (None, Some("created")) => NotificationKind::Created,
        (None, Some("updated")) => NotificationKind::Updated,
        (None, Some("deleted")) => NotificationKind::Deleted,
        (None, other) => NotificationKind::Other(other.unwrap_or_default().to_owned()),
    };
    Ok(GraphNotification {
        subscription_id,
        client_state: text("clientState"),
        kind,
        resource: text("resource"),
        event_id: item["resourceData"]["id"].as_str().map(str::to_owned),
        tenant_id: text("tenantId"),
        subscription_expires_at: item["subscriptionExpirationDateTime"].as_str().and_then(|t| t.parse().ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_and_lifecycle_notifications_are_read() {
        let body = br#"{"value": [
            {"subscriptionId": "s1", "clientState": "secret", "changeType": "updated",
             "resource": "Users/u1/Events/e1", "tenantId": "t1",
             "subscriptionExpirationDateTime": "2027-01-05T10:00:00.0000000+00:00",
             "resourceData": {"@odata.type": "x", "id": "e1"}},
            {"subscriptionId": "s1", "clientState": "secret", "lifecycleEvent": "reauthorizationRequired", "tenantId": "t1"},
            {"subscriptionId": "s2", "lifecycleEvent": "missed"}
        ]}"#;
        let read = parse_notifications(body).unwrap_or_default();
        assert_eq!(read.len(), 3);
        assert_eq!((read[0].kind.clone(), read[0].event_id.as_deref()), (NotificationKind::Updated, Some("e1")));
        assert_eq!(read[0].subscription_expires_at.map(|t| t.to_string()).as_deref(), Some("2027-01-05T10:00:00Z"));
        assert!(read[0].genuine("secret") && !read[0].genuine("secreT") && !read[2].genuine(""));
        assert_eq!(read[1].kind, NotificationKind::ReauthorizationRequired);
        assert_eq!(read[2].kind, NotificationKind::Missed);
        assert!(matches!(parse_notifications(b"{not json"), Err(NotificationError::NotJson(_))));
        assert_eq!(parse_notifications(b"{}"), Err(NotificationError::NoValue));
        assert_eq!(
            parse_notifications(br#"{"value":[{"changeType":"created"}]}"#),
            Err(NotificationError::NoSubscription)
        );
        assert_eq!(validation_token("validationToken=a%2Bb%20c").as_deref(), Some("a+b c"));
        assert_eq!(validation_token("x=1"), None);
    }
}
