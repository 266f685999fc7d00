//! The calendar-provider seam: what Sala asks of any calendar service (Google Calendar today,
//! Microsoft 365 next), in neutral terms. The app's calendar job and two-way sync speak only this
//! trait; each provider maps it onto its own API and answers ([`crate::google`]).
//!
//! - Grants: refresh a person's access token, give a grant back, act as a person with the
//!   organization's own credentials (a Google service account with domain-wide delegation), or
//!   as Sala itself in the organization's directory (Microsoft's admin-consented application).
//! - Events: insert, patch, read, find (by the booking they belong to), delete; an online-meeting
//!   link (Google Meet) asked for with the event.
//! - Free/busy of rooms' calendars, and the events on a calendar in a window (a room's, for an
//!   admin to adopt one as a booking).
//! - Changes both ways: the events changed since a cursor (`changes`, a full read when the cursor
//!   is gone), and push channels (`watch` / `renew_watch` / `stop_watch`) that tell Sala when to
//!   read them.
//!
//! Answers are classified once, as [`ProviderError`], for the job runner.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// A fresh access token from a token endpoint.
#[derive(Clone, Deserialize)]
pub struct AccessToken {
    pub access_token: String,
    /// Seconds from now.
    #[serde(default = "an_hour")]
    pub expires_in: u64,
}

fn an_hour() -> u64 {
    3600
}

/// A start or end: a local RFC 3339 time and the IANA zone it is in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventTime {
    pub date_time: String,
    pub time_zone: String,
}

/// Someone invited to an event, as Sala writes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventAttendee {
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A room's resource calendar.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub resource: bool,
}

/// The event as Sala writes it (insert and patch send all of it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventBody {
    pub booking_id: String,
    /// The booking's version this event was written from: a change read back from an event
    /// older than the booking is Sala's own write still on its way, not the person's.
    pub booking_version: i64,
    /// The iCalendar UID the event is created with, so that an `.ics` about the same meeting
    /// lands on this event rather than beside it; `None`: the provider makes one. Sent on insert
    /// only: an event's UID never changes.
    pub ical_uid: Option<String>,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub start: EventTime,
    pub end: EventTime,
    pub attendees: Vec<EventAttendee>,
}

/// What to do about the event's online meeting (Google Meet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conference {
    /// Leave it as it is (an edit keeps the link).
    Keep,
    /// Ask for one, with a request id unique to this ask (a repeated one is ignored).
    Create { request_id: String },
    /// Take it away.
    Remove,
    /// Join the conference of another event ([`Event::conference`], as the provider returned
    /// it): the occurrences of a series share one link.
    Copy(Value),
}

/// Where the provider is with an online meeting it was asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConferenceState {
    /// None asked for, or it is ready.
    #[default]
    Settled,
    /// Still being made: read the event again shortly.
    Pending,
    /// The provider could not make it.
    Failed,
}

/// An attendee's answer to an event, as their calendar shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response {
    NeedsAction,
    Accepted,
    Tentative,
    Declined,
}

/// Someone invited to an event, as the provider returns them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitee {
    pub email: String,
    pub response: Response,
    /// A room's (or other resource's) calendar.
    pub resource: bool,
}

/// An event as the provider returns it (only what Sala reads).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Event {
    pub id: String,
    /// Deleted (or declined by its calendar's owner): a change feed lists it so.
    pub cancelled: bool,
    /// The booking this event is for, when Sala wrote it (its private property).
    pub booking_id: Option<String>,
    /// The booking's version Sala last wrote the event from (its private property).
    pub booking_version: Option<i64>,
    pub summary: Option<String>,
    /// `None` for all-day events (a date, no time), which are never Sala's.
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// The organizer's address.
    pub organizer: Option<String>,
    pub invitees: Vec<Invitee>,
    /// The online meeting's join link, once it exists.
    pub meet_link: Option<String>,
    /// The conference as the provider describes it, to copy into another event.
    pub conference_data: Option<Value>,
    pub conference_state: ConferenceState,
}

impl Event {
    /// The conference to copy into another event, once it has a link.
    pub fn conference(&self) -> Option<Value> {
        self.meet_link.as_ref().and(self.conference_data.clone())
    }

    pub fn conference_pending(&self) -> bool {
        self.conference_state == ConferenceState::Pending
    }

    pub fn conference_failed(&self) -> bool {
        self.conference_state == ConferenceState::Failed
    }
}

/// Busy intervals by calendar id.
pub type BusyTimes = std::collections::HashMap<String, Vec<(Timestamp, Timestamp)>>;

/// The events changed since a cursor, and the cursor to ask from next time.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// Changed events, deleted ones included (`cancelled`); for a full read, every event from
    /// the window's start on.
    pub events: Vec<Event>,
    /// Where the next read starts (Google's `nextSyncToken`).
    pub cursor: String,
}

/// A push channel to open on a calendar: the provider calls `address` when it changes, with
/// `token` so Sala knows the call is genuine.
#[derive(Clone, Debug)]
pub struct WatchRequest {
    pub channel_id: String,
    pub address: String,
    pub token: String,
    /// How long Sala asks the channel to live (the provider may shorten it).
    pub ttl: Duration,
}

/// An open push channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    pub channel_id: String,
    /// The provider's id of what is watched (needed to stop the channel).
    pub resource_id: String,
    /// When the provider closes the channel; Sala opens a new one before.
    pub expires_at: Option<Timestamp>,
}

/// Why a call failed, classified for the job runner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("the provider refused the access token")]
    Unauthorized,
    #[error("the provider refused the grant (revoked or expired): {0}")]
    InvalidGrant(String),
    #[error("not found at the provider")]
    NotFound,
    /// The event's id or UID is taken in that calendar (Google keeps the UIDs of deleted events).
    #[error("the provider already has an event with that identifier")]
    Duplicate,
    /// The change cursor is no longer valid: read everything again (Google's 410 on a sync token).
    #[error("the change cursor expired; a full read is needed")]
    CursorExpired,
    #[error("the provider is unavailable or throttling: {reason}")]
    Retryable { reason: String, retry_after: Option<Duration> },
    #[error("the provider refused the request: {0}")]
    Final(String),
}

/// The organization's own credentials, acting as one of its people.
pub use crate::service_account::ServiceAccountKey;

/// What Sala asks of a calendar provider. `token` is a bearer access token from one of the
/// grant calls; `calendar` the provider's calendar id (`primary`: the person's own).
#[async_trait]
pub trait CalendarProvider: Send + Sync {
    /// A fresh access token for a refresh token.
    async fn refresh(&self, refresh_token: &str) -> Result<AccessToken, ProviderError>;
    /// Gives a grant back (the person disconnected): the provider forgets the consent, every
    /// scope of it and every token. One it no longer knows is fine.
    async fn revoke(&self, token: &str) -> Result<(), ProviderError>;
    /// An access token for the organization's credentials acting as `subject`.
    async fn delegated(
        &self,
        key: &ServiceAccountKey,
        subject: &str,
        scope: &str,
    ) -> Result<AccessToken, ProviderError>;
    /// The event of this booking, if one was made already (found by its private property):
    /// a retry after a lost answer must not make a second event.
    async fn find_event(&self, token: &str, calendar: &str, booking_id: &str) -> Result<Option<Event>, ProviderError>;
    async fn insert_event(
        &self,
        token: &str,
        calendar: &str,
        event: &EventBody,
        conference: &Conference,
    ) -> Result<Event, ProviderError>;
    async fn get_event(&self, token: &str, calendar: &str, event_id: &str) -> Result<Event, ProviderError>;
    async fn patch_event(
        &self,
        token: &str,
        calendar: &str,
        event_id: &str,
        event: &EventBody,
        conference: &Conference,
    ) -> Result<Event, ProviderError>;
    async fn delete_event(&self, token: &str, calendar: &str, event_id: &str) -> Result<(), ProviderError>;
    /// The busy intervals of `calendars` in `[from, to)`, by calendar. A calendar the provider
    /// could not read (no access, unknown) is left out.
    async fn free_busy(
        &self,
        token: &str,
        calendars: &[String],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<BusyTimes, ProviderError>;
    /// The events changed since `cursor`; without one (or after [`ProviderError::CursorExpired`]),
    /// every event from `since` on, with the cursor to go on from.
    async fn changes(
        &self,
        token: &str,
        calendar: &str,
        cursor: Option<&str>,
        since: Timestamp,
    ) -> Result<Changes, ProviderError>;
    /// The calendar's events overlapping `[from, to)`, recurring ones as their occurrences, by
    /// start; deleted ones left out.
    async fn list_events(
        &self,
        token: &str,
        calendar: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Event>, ProviderError>;
    /// Opens a push channel on the calendar's events.
    async fn watch(&self, token: &str, calendar: &str, request: &WatchRequest) -> Result<Watch, ProviderError>;
    /// Closes a push channel; one already closed is fine.
    async fn stop_watch(&self, token: &str, watch: &Watch) -> Result<(), ProviderError>;
    /// Keeps a push channel open past its expiry. Providers that extend a channel in place
    /// (Microsoft Graph's subscriptions) override this; by default a new channel is opened
    /// first and the old one closed after, so no change falls between the two.
    async fn renew_watch(
        &self,
        token: &str,
        calendar: &str,
        old: &Watch,
        request: &WatchRequest,
    ) -> Result<Watch, ProviderError> {
        let opened = self.watch(token, calendar, request).await?;
        if let Err(err) = self.stop_watch(token, old).await {
            tracing::info!(%err, "the old push channel could not be closed; it expires by itself");
        }
        Ok(opened)
    }
    /// An access token for Sala itself in an organization's directory, granted once by the
    /// organization's administrator (Microsoft's client credentials grant after admin consent).
    /// Providers without such a grant refuse.
    async fn application_token(&self, directory: &str) -> Result<AccessToken, ProviderError> {
        Err(ProviderError::Final(format!("this provider has no application grant (directory {directory})")))
    }
}
