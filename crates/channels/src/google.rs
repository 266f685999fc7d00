//! Google behind the calendar-provider seam ([`CalendarProvider`]): Google Calendar API v3 and
//! Google's OAuth 2.0 token endpoint. Refresh an access token; insert, find, read, patch and
//! delete the organizer's event (with a Google Meet conference when asked for); rooms'
//! free/busy; changes by sync token (`events.list`) and push channels (`events.watch`,
//! `channels.stop`).
//!
//! Both base URLs are settings (`SALA_GOOGLE_API_BASE`, `SALA_GOOGLE_TOKEN_URL`) so tests point them
//! at a local fake. Every event is written with `sendUpdates=none` (Sala sends its own
//! invitations) and `conferenceDataVersion=1` (without it Google ignores `conferenceData`).
//!
//! Answers are classified for the job runner ([`ProviderError`]):
//!
//! | answer | result |
//! | --- | --- |
//! | 401 | `Unauthorized`: refresh the access token once and try again |
//! | token endpoint `invalid_grant` | `InvalidGrant`: the grant was revoked or expired; the person must connect again |
//! | 404, 410 | `NotFound`: the event is gone (fine for a delete) |
//! | 410 on `events.list` with a `syncToken` | `CursorExpired`: read everything again |
//! | 429, 403 with reason `rateLimitExceeded` / `userRateLimitExceeded`, 5xx, network errors | `Retryable`, honouring `Retry-After` |
//! | any other 4xx (400 bad request, 403 forbidden, 409 conflict, ...) | `Final` |

use crate::calendar::{
    AccessToken, BusyTimes, CalendarProvider, Changes, Conference, ConferenceState, Event, EventBody, Invitee,
    ProviderError, Response, Watch, WatchRequest,
};
pub use crate::service_account::ServiceAccountKey;
use async_trait::async_trait;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// Where Google is, and who Sala is to it.
#[derive(Clone)]
pub struct GoogleConfig {
    /// e.g. `https://www.googleapis.com` (the Calendar API lives under `/calendar/v3`).
    pub api_base: String,
    /// e.g. `https://oauth2.googleapis.com/token`.
    pub token_url: String,
    /// e.g. `https://oauth2.googleapis.com/revoke`: where a grant is given back on disconnect.
    pub revoke_url: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for GoogleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleConfig")
            .field("api_base", &self.api_base)
            .field("token_url", &self.token_url)
            .field("revoke_url", &self.revoke_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// The private extended property that ties an event to its booking.
pub const BOOKING_PROPERTY: &str = "salaBookingId";
/// The private extended property with the booking's version the event was written from.
pub const VERSION_PROPERTY: &str = "salaVersion";

/// The JSON Google takes for an event.
trait GoogleJson {
    fn to_insert_json(&self, conference: &Conference) -> Value;
    fn to_json(&self, conference: &Conference) -> Value;
}

impl GoogleJson for EventBody {
    /// A new event: everything, and its UID when Sala names it.
    fn to_insert_json(&self, conference: &Conference) -> Value {
        let mut body = self.to_json(conference);
        if let Some(uid) = &self.ical_uid {
            body["iCalUID"] = Value::String(uid.clone());
        }
        body
    }

    fn to_json(&self, conference: &Conference) -> Value {
        let mut body = serde_json::json!({
            "summary": self.summary,
            "description": self.description,
            "location": self.location,
            "start": self.start,
            "end": self.end,
            "attendees": self.attendees,
            "extendedProperties": {"private": {
                BOOKING_PROPERTY: self.booking_id,
                VERSION_PROPERTY: self.booking_version.to_string(),
            }},
            "guestsCanModify": false,
        });
        match conference {
            Conference::Keep => {}
            Conference::Create { request_id } => {
                body["conferenceData"] = serde_json::json!({"createRequest": {
                    "requestId": request_id,
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                }});
            }
            Conference::Remove => body["conferenceData"] = Value::Null,
            Conference::Copy(data) => {
                let mut data = data.clone();
                if let Some(map) = data.as_object_mut() {
                    map.remove("createRequest");
                }
                body["conferenceData"] = data;
            }
        }
        body
    }
}

/// An event as Google returns it (only what Sala reads), turned into the seam's [`Event`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GoogleEvent {
    id: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    hangout_link: Option<String>,
    #[serde(default)]
    conference_data: Option<Value>,
    #[serde(default)]
    start: Option<GoogleTime>,
    #[serde(default)]
    end: Option<GoogleTime>,
    #[serde(default)]
    organizer: Option<GooglePerson>,
    #[serde(default)]
    attendees: Vec<GooglePerson>,
    #[serde(default)]
    extended_properties: Option<Value>,
}

/// `{"dateTime": RFC 3339, "timeZone"}` or, for all-day events, `{"date"}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GoogleTime {
    #[serde(default)]
    date_time: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GooglePerson {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    response_status: Option<String>,
    #[serde(default)]
    resource: bool,
}

impl GoogleEvent {
    fn into_event(self) -> Event {
        let data = self.conference_data.as_ref();
        let video = data.and_then(|c| c["entryPoints"].as_array()).and_then(|points| {
            points.iter().find(|p| p["entryPointType"] == "video").and_then(|p| p["uri"].as_str().map(str::to_owned))
        });
        let state = match data.map(|c| &c["createRequest"]["status"]["statusCode"]) {
            Some(code) if code == "pending" => ConferenceState::Pending,
            Some(code) if code == "failure" => ConferenceState::Failed,
            _ => ConferenceState::Settled,
        };
        let at = |t: &Option<GoogleTime>| t.as_ref()?.date_time.as_deref()?.parse::<Timestamp>().ok();
        let private = |key: &str| self.extended_properties.as_ref().and_then(|p| p["private"][key].as_str());
        let booking_id = private(BOOKING_PROPERTY).map(str::to_owned);
        let booking_version = private(VERSION_PROPERTY).and_then(|v| v.parse().ok());
        let invitees = self
            .attendees
            .iter()
            .filter_map(|a| {
                let response = response(a.response_status.as_deref());
                Some(Invitee { email: a.email.clone()?, response, resource: a.resource })
            })
            .collect();
        Event {
            cancelled: self.status.as_deref() == Some("cancelled"),
            booking_id,
            booking_version,
            summary: self.summary.clone(),
            start: at(&self.start),
            end: at(&self.end),
            organizer: self.organizer.as_ref().and_then(|o| o.email.clone()),
            invitees,
            meet_link: video.or_else(|| self.hangout_link.clone()),
            conference_data: self.conference_data.clone(),
            conference_state: state,
            id: self.id,
        }
    }
}

/// Google's `responseStatus`: `needsAction`, `declined`, `tentative`, `accepted`.
fn response(status: Option<&str>) -> Response {
    match status {
        Some("accepted") => Response::Accepted,
        Some("tentative") => Response::Tentative,
        Some("declined") => Response::Declined,
        _ => Response::NeedsAction,
    }
}

/// The real API over HTTP.
pub struct GoogleHttp {
    pub(crate) http: reqwest::Client,
    pub(crate) config: GoogleConfig,
}

impl GoogleHttp {
    pub fn new(http: reqwest::Client, config: GoogleConfig) -> Self {
        Self { http, config }
    }

    fn events_url(&self, calendar: &str) -> Result<url::Url, ProviderError> {
        let mut url = url::Url::parse(self.config.api_base.trim_end_matches('/'))
            .map_err(|e| ProviderError::Final(format!("SALA_GOOGLE_API_BASE is not a URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| ProviderError::Final("SALA_GOOGLE_API_BASE cannot take a path".into()))?
            .extend(["calendar", "v3", "calendars", calendar, "events"]);
        Ok(url)
    }

    fn event_url(&self, calendar: &str, event_id: &str) -> Result<url::Url, ProviderError> {
        let mut url = self.events_url(calendar)?;
        url.path_segments_mut().map_err(|()| ProviderError::Final("bad URL".into()))?.push(event_id);
        Ok(url)
    }

    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Result<Option<Value>, ProviderError> {
        let response = request.send().await.map_err(|e| ProviderError::Retryable {
            reason: format!("Google could not be reached: {e}"),
            retry_after: None,
        })?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let text = crate::bounded::text_bounded(response).await;
        if status.is_success() {
            return Ok(serde_json::from_str(&text).ok());
        }
        Err(classify(status.as_u16(), &text, retry_after))
    }

    /// A request to the token endpoint, its answer classified (RFC 6749 §5.2: `invalid_grant`
    /// means this grant will never work again).
    async fn token(&self, form: &[(&str, &str)]) -> Result<AccessToken, ProviderError> {
        let response =
            self.http.post(&self.config.token_url).form(form).send().await.map_err(|e| ProviderError::Retryable {
                reason: format!("Google's token endpoint could not be reached: {e}"),
                retry_after: None,
            })?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let body: Value = crate::bounded::json_bounded(response).await;
        if status.is_success() {
            return serde_json::from_value(body).map_err(|e| ProviderError::Retryable {
                reason: format!("unreadable token answer: {e}"),
                retry_after: None,
            });
        }
        match body["error"].as_str() {
            Some("invalid_grant") => Err(ProviderError::InvalidGrant(
                body["error_description"].as_str().unwrap_or("invalid_grant").to_owned(),
            )),
            Some(error) if status.is_client_error() => Err(ProviderError::Final(format!("token endpoint: {error}"))),
            _ => Err(classify(status.as_u16(), &body.to_string(), retry_after)),
        }
    }
}

#[async_trait]
impl CalendarProvider for GoogleHttp {
    async fn refresh(&self, refresh_token: &str) -> Result<AccessToken, ProviderError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.as_str()),
        ];
        self.token(&form).await
    }

    async fn revoke(&self, token: &str) -> Result<(), ProviderError> {
        // Google answers 200, or 400 `invalid_token` for a token it no longer knows.
        let response = self.http.post(&self.config.revoke_url).form(&[("token", token)]).send().await.map_err(|e| {
            ProviderError::Retryable {
                reason: format!("Google's revoke endpoint could not be reached: {e}"),
                retry_after: None,
            }
        })?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let body: Value = crate::bounded::json_bounded(response).await;
        if status.is_success() || body["error"] == "invalid_token" {
            return Ok(());
        }
        Err(classify(status.as_u16(), &body.to_string(), retry_after))
    }

    async fn delegated(
        &self,
        key: &ServiceAccountKey,
        subject: &str,
        scope: &str,
    ) -> Result<AccessToken, ProviderError> {
        let assertion =
            key.assertion(subject, scope, &self.config.token_url, Timestamp::now()).map_err(ProviderError::Final)?;
        let form = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion.as_str())];
        self.token(&form).await
    }

    async fn find_event(&self, token: &str, calendar: &str, booking_id: &str) -> Result<Option<Event>, ProviderError> {
        let property = format!("{BOOKING_PROPERTY}={booking_id}");
        let request = self.http.get(self.events_url(calendar)?).bearer_auth(token).query(&[
            ("privateExtendedProperty", property.as_str()),
            ("showDeleted", "false"),
            ("maxResults", "5"),
        ]);
        let body = self.send(request).await?.unwrap_or_default();
        let items = body["items"].as_array().cloned().unwrap_or_default();
        Ok(items
            .into_iter()
            .filter_map(|item| serde_json::from_value::<GoogleEvent>(item).ok())
            .map(GoogleEvent::into_event)
            .find(|e| !e.cancelled))
    }

    async fn insert_event(
        &self,
        token: &str,
        calendar: &str,
        event: &EventBody,
        conference: &Conference,
    ) -> Result<Event, ProviderError> {
        let request = self
            .http
            .post(self.events_url(calendar)?)
            .bearer_auth(token)
            .query(&[("conferenceDataVersion", "1"), ("sendUpdates", "none")])
            .json(&event.to_insert_json(conference));
        parse_event(self.send(request).await?)
    }

    async fn get_event(&self, token: &str, calendar: &str, event_id: &str) -> Result<Event, ProviderError> {
        let request = self.http.get(self.event_url(calendar, event_id)?).bearer_auth(token);
        parse_event(self.send(request).await?)
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
            .http
            .patch(self.event_url(calendar, event_id)?)
            .bearer_auth(token)
            .query(&[("conferenceDataVersion", "1"), ("sendUpdates", "none")])
            .json(&event.to_json(conference));
        parse_event(self.send(request).await?)
    }

    async fn delete_event(&self, token: &str, calendar: &str, event_id: &str) -> Result<(), ProviderError> {
        let request =
            self.http.delete(self.event_url(calendar, event_id)?).bearer_auth(token).query(&[("sendUpdates", "none")]);
        self.send(request).await.map(|_| ())
    }

    async fn free_busy(
        &self,
        token: &str,
        calendars: &[String],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<BusyTimes, ProviderError> {
        let url = format!("{}/calendar/v3/freeBusy", self.config.api_base.trim_end_matches('/'));
        let items: Vec<Value> = calendars.iter().map(|id| serde_json::json!({"id": id})).collect();
        let body = serde_json::json!({"timeMin": from.to_string(), "timeMax": to.to_string(), "items": items});
        let answer = self.send(self.http.post(url).bearer_auth(token).json(&body)).await?.unwrap_or_default();
        Ok(parse_busy(&answer))
    }

    /// `events.list` page by page: with `syncToken` (deleted events come as `cancelled`), or a
    /// full read from `timeMin`; the last page carries `nextSyncToken`. A 410 on a sync token
    /// (`fullSyncRequired`) is [`ProviderError::CursorExpired`].
    async fn changes(
        &self,
        token: &str,
        calendar: &str,
        cursor: Option<&str>,
        since: Timestamp,
    ) -> Result<Changes, ProviderError> {
        let since = since.to_string();
        let mut events = Vec::new();
        let mut page: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("maxResults", "250")];
            match cursor {
                Some(cursor) => query.push(("syncToken", cursor)),
                None => query.extend([("timeMin", since.as_str()), ("showDeleted", "false")]),
            }
            if let Some(page) = &page {
                query.push(("pageToken", page));
            }
            let request = self.http.get(self.events_url(calendar)?).bearer_auth(token).query(&query);
            let body = match self.send(request).await {
                Err(ProviderError::NotFound) if cursor.is_some() => return Err(ProviderError::CursorExpired),
                other => other?.unwrap_or_default(),
            };
            let items = body["items"].as_array().cloned().unwrap_or_default();
            events.extend(
                items
                    .into_iter()
                    .filter_map(|item| serde_json::from_value::<GoogleEvent>(item).ok())
                    .map(GoogleEvent::into_event),
            );
            if let Some(next) = body["nextSyncToken"].as_str() {
                return Ok(Changes { events, cursor: next.to_owned() });
            }
            let Some(next) = body["nextPageToken"].as_str() else {
                return Err(ProviderError::Retryable {
                    reason: "events.list ended without nextSyncToken".into(),
                    retry_after: None,
                });
            };
            page = Some(next.to_owned());
        }
        Err(ProviderError::Final(format!("more than {MAX_PAGES} pages of changes")))
    }

    /// `events.list` of a window: `timeMin`/`timeMax`, `singleEvents=true` (a series as its
    /// occurrences) and `orderBy=startTime` (allowed only with single events), paged.
    async fn list_events(
        &self,
        token: &str,
        calendar: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Event>, ProviderError> {
        let (from, to) = (from.to_string(), to.to_string());
        let mut events = Vec::new();
        let mut page: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![
                ("maxResults", "250"),
                ("timeMin", from.as_str()),
                ("timeMax", to.as_str()),
                ("singleEvents", "true"),
                ("orderBy", "startTime"),
                ("showDeleted", "false"),
            ];
            if let Some(page) = &page {
                query.push(("pageToken", page));
            }
            let request = self.http.get(self.events_url(calendar)?).bearer_auth(token).query(&query);
            let body = self.send(request).await?.unwrap_or_default();
            let items = body["items"].as_array().cloned().unwrap_or_default();
            events.extend(
                items
                    .into_iter()
                    .filter_map(|item| serde_json::from_value::<GoogleEvent>(item).ok())
                    .map(GoogleEvent::into_event),
            );
            match body["nextPageToken"].as_str() {
                Some(next) => page = Some(next.to_owned()),
                None => return Ok(events),
            }
        }
        Err(ProviderError::Final(format!("more than {MAX_PAGES} pages of events")))
    }

    /// `events.watch`: a `web_hook` channel to `address`, with Sala's `token` echoed back in
    /// every notification's `X-Goog-Channel-Token`; `expiration` comes back in milliseconds.
    async fn watch(&self, token: &str, calendar: &str, request: &WatchRequest) -> Result<Watch, ProviderError> {
        let mut url = self.events_url(calendar)?;
        url.path_segments_mut().map_err(|()| ProviderError::Final("bad URL".into()))?.push("watch");
        let body = serde_json::json!({
            "id": request.channel_id,
            "type": "web_hook",
            "address": request.address,
            "token": request.token,
            "params": {"ttl": request.ttl.as_secs().to_string()},
        });
        let answer = self.send(self.http.post(url).bearer_auth(token).json(&body)).await?.unwrap_or_default();
        let resource_id = answer["resourceId"].as_str().ok_or_else(|| ProviderError::Retryable {
            reason: "a channel without resourceId".into(),
            retry_after: None,
        })?;
        let expires_at = match &answer["expiration"] {
            Value::String(ms) => ms.parse::<i64>().ok(),
            Value::Number(ms) => ms.as_i64(),
            _ => None,
        }
        .and_then(|ms| Timestamp::from_millisecond(ms).ok());
        Ok(Watch { channel_id: request.channel_id.clone(), resource_id: resource_id.to_owned(), expires_at })
    }

    /// `channels.stop` with the channel's id and resource id; one Google no longer knows is fine.
    async fn stop_watch(&self, token: &str, watch: &Watch) -> Result<(), ProviderError> {
        let url = format!("{}/calendar/v3/channels/stop", self.config.api_base.trim_end_matches('/'));
        let body = serde_json::json!({"id": watch.channel_id, "resourceId": watch.resource_id});
        match self.send(self.http.post(url).bearer_auth(token).json(&body)).await {
            Ok(_) | Err(ProviderError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// A bound on one read of changes (250 events a page): a calendar with more is read wrong.
const MAX_PAGES: usize = 400;

/// `{"calendars": {"<id>": {"busy": [{"start", "end"}], "errors": [...]}}}`.
fn parse_busy(body: &Value) -> BusyTimes {
    let mut busy = BusyTimes::new();
    for (id, calendar) in body["calendars"].as_object().into_iter().flatten() {
        if calendar["errors"].as_array().is_some_and(|e| !e.is_empty()) {
            tracing::warn!(calendar = %id, errors = %calendar["errors"], "Google could not read a room's calendar");
            continue;
        }
        let intervals = calendar["busy"].as_array().into_iter().flatten().filter_map(|b| {
            Some((b["start"].as_str()?.parse::<Timestamp>().ok()?, b["end"].as_str()?.parse::<Timestamp>().ok()?))
        });
        busy.insert(id.clone(), intervals.collect());
    }
    busy
}

fn parse_event(body: Option<Value>) -> Result<Event, ProviderError> {
    let body = body.ok_or_else(|| ProviderError::Retryable { reason: "an empty answer".into(), retry_after: None })?;
    serde_json::from_value::<GoogleEvent>(body)
        .map(GoogleEvent::into_event)
        .map_err(|e| ProviderError::Retryable { reason: format!("an unreadable event: {e}"), retry_after: None })
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok().map(Duration::from_secs)
}

/// Google's error body is `{"error": {"code", "message", "errors": [{"reason", ...}], "status"}}`.
fn classify(status: u16, body: &str, retry_after: Option<Duration>) -> ProviderError {
    let parsed: Value = serde_json::from_str(body).unwrap_or_default();
    let message = parsed["error"]["message"].as_str().unwrap_or("no message").to_owned();
    let reason = parsed["error"]["errors"][0]["reason"].as_str().unwrap_or_default().to_owned();
    let rate_limited = matches!(reason.as_str(), "rateLimitExceeded" | "userRateLimitExceeded");
    match status {
        401 => ProviderError::Unauthorized,
        404 | 410 => ProviderError::NotFound,
        409 if reason == "duplicate" => ProviderError::Duplicate,
        429 => ProviderError::Retryable { reason: format!("429 {message}"), retry_after },
        403 if rate_limited => ProviderError::Retryable { reason: format!("403 {reason}: {message}"), retry_after },
        500..=599 => ProviderError::Retryable { reason: format!("{status} {message}"), retry_after },
        _ => ProviderError::Final(format!("{status} {reason} {message}").replace("  ", " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::EventTime;

    #[test]
    fn answers_are_classified() {
        let body = |reason: &str| {
            serde_json::json!({"error": {"code": 403, "message": "m", "errors": [{"reason": reason}]}}).to_string()
        };
        assert_eq!(classify(401, "", None), ProviderError::Unauthorized);
        assert_eq!(classify(410, "", None), ProviderError::NotFound);
        assert!(matches!(classify(403, &body("rateLimitExceeded"), None), ProviderError::Retryable { .. }));
        assert!(matches!(classify(403, &body("forbiddenForNonOrganizer"), None), ProviderError::Final(_)));
        assert_eq!(classify(409, &body("duplicate"), None), ProviderError::Duplicate);
        assert!(matches!(classify(409, &body("conflict"), None), ProviderError::Final(_)));
        let slow = classify(429, "", Some(Duration::from_secs(7)));
        assert_eq!(
            slow,
            ProviderError::Retryable { reason: "429 no message".into(), retry_after: Some(Duration::from_secs(7)) }
        );
        assert!(matches!(classify(503, "not json", None), ProviderError::Retryable { .. }));
    }

    #[test]
    fn the_meet_link_is_the_video_entry_point() {
        let read = |json: Value| parse_event(Some(json)).unwrap_or_default();
        let event = read(serde_json::json!({
            "id": "e1",
            "hangoutLink": "https://meet.google.com/old-link-xyz",
            "conferenceData": {"entryPoints": [
                {"entryPointType": "phone", "uri": "tel:+34-900"},
                {"entryPointType": "video", "uri": "https://meet.google.com/abc-defg-hij"}
            ], "createRequest": {"status": {"statusCode": "success"}}}
        }));
        assert_eq!(event.meet_link.as_deref(), Some("https://meet.google.com/abc-defg-hij"));
        assert!(!event.conference_pending());
        let pending = read(serde_json::json!({
            "id": "e2", "conferenceData": {"createRequest": {"status": {"statusCode": "pending"}}}
        }));
        assert!(pending.conference_pending() && pending.meet_link.is_none());
    }

    #[test]
    fn an_event_read_back_carries_its_booking_times_and_answers() {
        let event = parse_event(Some(serde_json::json!({
            "id": "e3", "status": "confirmed", "summary": "Plan",
            "start": {"dateTime": "2027-01-05T10:00:00+01:00", "timeZone": "Europe/Madrid"},
            "end": {"dateTime": "2027-01-05T11:00:00+01:00", "timeZone": "Europe/Madrid"},
            "organizer": {"email": "ana@acme.test", "self": true},
            "attendees": [
                {"email": "bo@acme.test", "responseStatus": "accepted"},
                {"email": "room@resource.calendar.google.com", "resource": true, "responseStatus": "accepted"},
                {"email": "guest@else.test", "responseStatus": "declined"}
            ],
            "extendedProperties": {"private": {BOOKING_PROPERTY: "b-9", VERSION_PROPERTY: "4"}}
        })))
        .unwrap_or_default();
        assert_eq!((event.booking_id.as_deref(), event.booking_version), (Some("b-9"), Some(4)));
        assert_eq!(event.start.map(|t| t.to_string()).as_deref(), Some("2027-01-05T09:00:00Z"));
        assert_eq!(event.organizer.as_deref(), Some("ana@acme.test"));
        assert_eq!(event.invitees[0].response, Response::Accepted);
        assert!(event.invitees[1].resource && !event.invitees[0].resource);
        assert_eq!(event.invitees[2].response, Response::Declined);
        let all_day = parse_event(Some(serde_json::json!({"id": "e4", "status": "cancelled",
            "start": {"date": "2027-01-05"}, "end": {"date": "2027-01-06"}})))
        .unwrap_or_default();
        assert!(all_day.cancelled && all_day.start.is_none());
    }

    #[test]
    fn the_body_asks_for_meet_only_when_told() {
        let body = EventBody {
            booking_id: "b1".into(),
            booking_version: 3,
            ical_uid: Some("b1@sala.example".into()),
            summary: "S".into(),
            description: None,
            location: None,
            start: EventTime { date_time: "2027-01-05T10:00:00+01:00".into(), time_zone: "Europe/Madrid".into() },
            end: EventTime { date_time: "2027-01-05T11:00:00+01:00".into(), time_zone: "Europe/Madrid".into() },
            attendees: vec![],
        };
        let create = body.to_json(&Conference::Create { request_id: "r-1".into() });
        assert_eq!(create["conferenceData"]["createRequest"]["conferenceSolutionKey"]["type"], "hangoutsMeet");
        assert_eq!(create["extendedProperties"]["private"][BOOKING_PROPERTY], "b1");
        assert_eq!(create["extendedProperties"]["private"][VERSION_PROPERTY], "3", "private properties are strings");
        assert!(body.to_json(&Conference::Keep).get("conferenceData").is_none());
        assert!(body.to_json(&Conference::Remove)["conferenceData"].is_null());
        assert!(create.get("iCalUID").is_none(), "a patch never renames the event");
        assert_eq!(body.to_insert_json(&Conference::Keep)["iCalUID"], "b1@sala.example");
    }
}
