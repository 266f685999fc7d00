//! Microsoft 365 behind the calendar-provider seam ([`CalendarProvider`]): Microsoft Graph v1.0
//! (Outlook calendars, Teams meetings, `getSchedule`, `calendarView/delta`, subscriptions) and the
//! Microsoft identity platform's token endpoint.
//!
//! Sala acts as **itself** in an organization's directory: an administrator consents once to
//! Sala's application permissions (`Calendars.ReadWrite`, which also covers `getSchedule`, delta
//! reads and subscriptions on `/users/{id}/events`), and Sala takes tokens with the client
//! credentials grant ([`CalendarProvider::application_token`]), cached per directory. The
//! `calendar` of every call is a mailbox (address or user id) of that directory: paths are
//! `/users/{mailbox}/...`, and `primary` is `/me/...` (only meaningful with a delegated token).
//!
//! Answers are classified for the job runner ([`ProviderError`]):
//!
//! | answer | result |
//! | --- | --- |
//! | 401 | `Unauthorized`: take a new token and try again |
//! | token endpoint `invalid_grant` | `InvalidGrant` |
//! | token endpoint `invalid_client`, `unauthorized_client`, AADSTS consent errors, any other 4xx | `Final` with Microsoft's error and description |
//! | 404 | `NotFound` (fine for a delete) |
//! | 409, 400 `ErrorDuplicateTransactionId` | `Duplicate` |
//! | 410 (or `SyncStateNotFound`) on a delta read | `CursorExpired`: read everything again |
//! | 429, 5xx (503, 504, ...), network errors | `Retryable`, honouring `Retry-After` (seconds) |
//! | any other 4xx | `Final` with Graph's `error.code: message` |
//!
//! Inside one paged read (delta, calendar view) a page answered 429 or 503 is asked again in
//! place after `Retry-After` (at most 10 s, 3 attempts), so a throttled page does not restart the
//! whole read. Answers are read up to [`crate::bounded::MAX_ANSWER_BYTES`].

mod http;
pub mod notifications;
mod schedule;
mod sync;
mod wire;

pub use wire::{BOOKING_PROPERTY, CONFERENCE_PROPERTY, SALA_PROPERTY_SET, VERSION_PROPERTY, property_id};

use crate::calendar::{
    AccessToken, BusyTimes, CalendarProvider, Changes, Conference, Event, EventBody, ProviderError, ServiceAccountKey,
    Watch, WatchRequest,
};
use async_trait::async_trait;
use http::{Failure, Graph};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where Microsoft is, and who Sala is to it.
#[derive(Clone)]
pub struct MicrosoftConfig {
    /// e.g. `https://graph.microsoft.com/v1.0`.
    pub graph_base: String,
    /// e.g. `https://login.microsoftonline.com`.
    pub login_base: String,
    pub client_id: String,
    pub client_secret: String,
    /// How far from `since` a full read of changes looks (`calendarView/delta` needs a window).
    pub delta_window: Duration,
}

impl MicrosoftConfig {
    /// Microsoft's public endpoints, a two-year delta window.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            graph_base: "https://graph.microsoft.com/v1.0".into(),
            login_base: "https://login.microsoftonline.com".into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            delta_window: Duration::from_secs(730 * 24 * 3600),
        }
    }
}

impl std::fmt::Debug for MicrosoftConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MicrosoftConfig")
            .field("graph_base", &self.graph_base)
            .field("login_base", &self.login_base)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("delta_window", &self.delta_window)
            .finish()
    }
}

/// The scope of an application token: every application permission the admin consented to.
const GRAPH_DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";
/// A cached token is used until this long before it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);
/// Graph's longest subscription on Outlook events is 10,080 minutes (under 7 days); Sala asks a
/// little less so clock skew never makes Graph refuse it.
pub const MAX_SUBSCRIPTION: Duration = Duration::from_secs(10_070 * 60);
const UTC_PREFER: &str = "outlook.timezone=\"UTC\"";

/// The real Graph over HTTP.
pub struct MicrosoftGraph {
    graph: Graph,
    config: MicrosoftConfig,
    /// Application tokens by directory, with when they expire.
    tokens: Mutex<HashMap<String, (String, Instant)>>,
}

fn bad_base(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::Final(format!("the Graph base URL cannot be used: {e}"))
}

impl MicrosoftGraph {
    pub fn new(http: reqwest::Client, config: MicrosoftConfig) -> Self {
        let graph = Graph { http, base: config.graph_base.trim_end_matches('/').to_owned() };
        Self { graph, config, tokens: Mutex::new(HashMap::new()) }
    }

    /// `{graph_base}/users/{mailbox}/{rest}` (the mailbox percent-encoded), or `/me/{rest}`.
    fn mailbox_url(&self, calendar: &str, rest: &[&str]) -> Result<url::Url, ProviderError> {
        let mut url = url::Url::parse(&self.graph.base).map_err(bad_base)?;
        {
            let mut segments = url.path_segments_mut().map_err(|()| bad_base("no path"))?;
            match calendar {
                "primary" => segments.push("me"),
                mailbox => segments.extend(["users", mailbox]),
            };
            segments.extend(rest);
        }
        Ok(url)
    }

    fn subscription_url(&self, id: Option<&str>) -> Result<url::Url, ProviderError> {
        let mut url = url::Url::parse(&self.graph.base).map_err(bad_base)?;
        url.path_segments_mut().map_err(|()| bad_base("no path"))?.push("subscriptions").extend(id);
        Ok(url)
    }

    async fn call(&self, request: reqwest::RequestBuilder, token: &str) -> Result<Option<Value>, ProviderError> {
        self.graph.call(request, token).await.map_err(Failure::classify)
    }

    /// An event read with Sala's extended properties.
    async fn read_event(&self, token: &str, calendar: &str, event_id: &str) -> Result<Event, ProviderError> {
        read_event(&self.graph, self.mailbox_url(calendar, &["events", event_id])?, token.to_owned()).await
    }

    /// A written event, with Sala's properties filled from what was sent (Graph's answer to a
    /// write does not carry extended properties).
    fn written(answer: Option<Value>, event: &EventBody, conference: &Conference) -> Result<Event, ProviderError> {
        let mut read = answer.as_ref().and_then(wire::parse_event).ok_or_else(|| ProviderError::Retryable {
            reason: "Graph answered a write without the event".into(),
            retry_after: None,
        })?;
        read.booking_id.get_or_insert_with(|| event.booking_id.clone());
        read.booking_version.get_or_insert(event.booking_version);
        if let (None, Conference::Copy(data)) = (&read.meet_link, conference)
            && let Some(url) = data["joinUrl"].as_str()
        {
            read.meet_link = Some(url.to_owned());
            read.conference_data = Some(json!({"joinUrl": url}));
        }
        Ok(read)
    }

    /// The subscription's expiry Sala asks for: `ttl` from now, at most Graph's maximum.
    fn expiry(ttl: Duration) -> Timestamp {
        let ttl = SignedDuration::try_from(ttl.min(MAX_SUBSCRIPTION)).unwrap_or(SignedDuration::from_hours(24));
        Timestamp::now().saturating_add(ttl).unwrap_or_else(|_| Timestamp::now())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn read_event(graph: &Graph, url: url::Url, token: String) -> Result<Event, ProviderError> {
    let request =
        graph.http.get(url).header("Prefer", UTC_PREFER).query(&[("$expand", wire::expand_properties().as_str())]);
    let answer = graph.call(request, &token).await.map_err(Failure::classify)?;
    answer
        .as_ref()
        .and_then(wire::parse_event)
        .ok_or_else(|| ProviderError::Retryable { reason: "an unreadable event".into(), retry_after: None })
}

/// A directory is a tenant id (GUID) or a domain: nothing else goes into the token URL's path.
fn valid_directory(directory: &str) -> bool {
    !directory.is_empty()
        && directory.len() <= 255
        && directory.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

#[async_trait]
impl CalendarProvider for MicrosoftGraph {
    /// A delegated grant's refresh (a person who connected their own Microsoft account); Sala's
    /// own access goes through [`CalendarProvider::application_token`].
    async fn refresh(&self, refresh_token: &str) -> Result<AccessToken, ProviderError> {
        let url = format!("{}/organizations/oauth2/v2.0/token", self.config.login_base.trim_end_matches('/'));
        let form = [
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("scope", "https://graph.microsoft.com/.default offline_access"),
        ];
        http::token(&self.graph.http, &url, &form).await
    }

    /// Graph has no endpoint that gives back one grant: a delegated refresh token can only be
    /// revoked with every other session of the user (`revokeSignInSessions`), and Sala's
    /// application grant is withdrawn by the organization's admin removing the consent. Sala
    /// forgets the token; nothing is asked of Microsoft.
    async fn revoke(&self, _token: &str) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn delegated(
        &self,
        _key: &ServiceAccountKey,
        _subject: &str,
        _scope: &str,
    ) -> Result<AccessToken, ProviderError> {
        Err(ProviderError::Final(
            "Microsoft has no service-account delegation; Sala uses its admin-consented application grant".into(),
        ))
    }

    async fn application_token(&self, directory: &str) -> Result<AccessToken, ProviderError> {
        if !valid_directory(directory) {
            return Err(ProviderError::Final(format!("not a directory (tenant id or domain): {directory:?}")));
        }
        let now = Instant::now();
        if let Some((token, expires)) = lock(&self.tokens).get(directory)
            && expires.saturating_duration_since(now) > TOKEN_MARGIN
        {
            let expires_in = expires.saturating_duration_since(now).as_secs();
            return Ok(AccessToken { access_token: token.clone(), expires_in });
        }
        let url = format!("{}/{directory}/oauth2/v2.0/token", self.config.login_base.trim_end_matches('/'));
        let form = [
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.as_str()),
            ("scope", GRAPH_DEFAULT_SCOPE),
            ("grant_type", "client_credentials"),
        ];
        let fresh = http::token(&self.graph.http, &url, &form).await?;
        let expires = now + Duration::from_secs(fresh.expires_in);
        lock(&self.tokens).insert(directory.to_owned(), (fresh.access_token.clone(), expires));
        Ok(fresh)
    }

    async fn find_event(&self, token: &str, calendar: &str, booking_id: &str) -> Result<Option<Event>, ProviderError> {
        let filter = wire::booking_filter(booking_id);
        let expand = wire::expand_properties();
        let request = self
            .graph
            .http
            .get(self.mailbox_url(calendar, &["events"])?)
            .header("Prefer", UTC_PREFER)
            .query(&[("$filter", filter.as_str()), ("$expand", expand.as_str()), ("$top", "5")]);
        let answer = self.call(request, token).await?.unwrap_or_default();
        Ok(answer["value"].as_array().into_iter().flatten().filter_map(wire::parse_event).find(|e| !e.cancelled))
    }

    async fn insert_event(
        &self,
        token: &str,
        calendar: &str,
        event: &EventBody,
        conference: &Conference,
    ) -> Result<Event, ProviderError> {
        let request = self
            .graph
            .http
            .post(self.mailbox_url(calendar, &["events"])?)
            .header("Prefer", UTC_PREFER)
            .json(&wire::insert_json(event, conference));
        Self::written(self.call(request, token).await?, event, conference)
    }

    async fn get_event(&self, token: &str, calendar: &str, event_id: &str) -> Result<Event, ProviderError> {
        self.read_event(token, calendar, event_id).await
    }

    async fn patch_event(
        &self,
        token: &str,
        calendar: &str,
        event_id: &str,
        event: &EventBody,
        conference: &Conference,
    ) -> Result<Event, ProviderError> {
        let request = self
            .graph
            .http
            .patch(self.mailbox_url(calendar, &["events", event_id])?)
            .header("Prefer", UTC_PREFER)
            .json(&wire::event_json(event, conference));
        Self::written(self.call(request, token).await?, event, conference)
    }

    async fn delete_event(&self, token: &str, calendar: &str, event_id: &str) -> Result<(), ProviderError> {
        let request = self.graph.http.delete(self.mailbox_url(calendar, &["events", event_id])?);
        self.call(request, token).await.map(|_| ())
    }

    async fn free_busy(
        &self,
        token: &str,
        calendars: &[String],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<BusyTimes, ProviderError> {
        self.busy(token, calendars, from, to).await
    }

    async fn changes(
        &self,
        token: &str,
        calendar: &str,
        cursor: Option<&str>,
        since: Timestamp,
    ) -> Result<Changes, ProviderError> {
        self.delta(token, calendar, cursor, since).await
    }

    async fn list_events(
        &self,
        token: &str,
        calendar: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Event>, ProviderError> {
        self.view(token, calendar, from, to).await
    }

    /// `POST /subscriptions` on the mailbox's events, with Sala's token as `clientState` and the
    /// same address for lifecycle notifications. Graph validates the address first (see
    /// [`notifications`]); the subscription's id names the watch both ways.
    async fn watch(&self, token: &str, calendar: &str, request: &WatchRequest) -> Result<Watch, ProviderError> {
        // The resource is the events' path relative to the version: `/users/{mailbox}/events`.
        let events = self.mailbox_url(calendar, &["events"])?;
        let base = url::Url::parse(&self.graph.base).map_err(bad_base)?;
        let resource =
            events.path().strip_prefix(base.path().trim_end_matches('/')).unwrap_or(events.path()).to_owned();
        let body = json!({
            "changeType": "created,updated,deleted",
            "notificationUrl": request.address,
            "lifecycleNotificationUrl": request.address,
            "resource": resource,
            "expirationDateTime": Self::expiry(request.ttl).to_string(),
            "clientState": request.token,
        });
        let answer = self.call(self.graph.http.post(self.subscription_url(None)?).json(&body), token).await?;
        subscription(answer.unwrap_or_default())
    }

    /// `DELETE /subscriptions/{id}`; one Graph no longer knows is fine.
    async fn stop_watch(&self, token: &str, watch: &Watch) -> Result<(), ProviderError> {
        let request = self.graph.http.delete(self.subscription_url(Some(&watch.resource_id))?);
        match self.call(request, token).await {
            Ok(_) | Err(ProviderError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `PATCH /subscriptions/{id}` with a new expiry: the same subscription lives on, so no
    /// notification falls between two. One Graph no longer knows (expired, removed) is opened anew.
    async fn renew_watch(
        &self,
        token: &str,
        calendar: &str,
        old: &Watch,
        request: &WatchRequest,
    ) -> Result<Watch, ProviderError> {
        let body = json!({"expirationDateTime": Self::expiry(request.ttl).to_string()});
        let patch = self.graph.http.patch(self.subscription_url(Some(&old.resource_id))?).json(&body);
        match self.call(patch, token).await {
            Ok(answer) => subscription(answer.unwrap_or_default()),
            Err(ProviderError::NotFound) => self.watch(token, calendar, request).await,
            Err(e) => Err(e),
        }
    }
}

/// A `subscription` resource as the seam's [`Watch`].
fn subscription(answer: Value) -> Result<Watch, ProviderError> {
    let id = answer["id"]
        .as_str()
        .ok_or_else(|| ProviderError::Retryable { reason: "a subscription without id".into(), retry_after: None })?;
    let expires_at = answer["expirationDateTime"].as_str().and_then(|t| t.parse().ok());
    Ok(Watch { channel_id: id.to_owned(), resource_id: id.to_owned(), expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_never_printed_and_directories_are_names() {
        let config = MicrosoftConfig::new("app-id", "s3cr3t");
        assert!(!format!("{config:?}").contains("s3cr3t"));
        assert!(valid_directory("contoso.onmicrosoft.com") && valid_directory("72f988bf-86f1-41af-91ab-2d7cd011db47"));
        assert!(!valid_directory("a/../b") && !valid_directory("") && !valid_directory("x?y"));
    }
}
