//! A Google fake on 127.0.0.1: the OAuth token endpoint (`grant_type=refresh_token`) and the
//! Calendar API v3 events collection (insert with `conferenceData`, list by private extended
//! property, get, patch, delete), speaking the documented shapes and checking the bearer token,
//! the client credentials and the fields Sala must send. An `iCalUID` is unique in a calendar,
//! deleted events included (409 `duplicate`), and never changes. Tests script failures (401, 403
//! rate limit, 404, 409, 5xx) and a Meet conference that stays `pending` for a few reads.
//!
//! Calendars are per person: `primary` is the calendar of the access token's owner (the person
//! who holds the refresh token, or the subject a service account acts as), and a person's
//! address names it too when the fake knows it ([`FakeGoogle::grant_as`], delegation). A room
//! booked as a resource attendee gets a copy of the event under the same id, without the
//! organizer's private extended properties (Google keeps those per copy).
//!
//! Changes are tracked as Google's incremental sync documents them: every change (Sala's calls
//! and the test's "someone did it in Google" helpers alike) gets a sequence number and `updated`;
//! `events.list` pages by `maxResults`/`pageToken`, ends with `nextSyncToken`, and with
//! `syncToken` lists what changed since, deleted events included as `cancelled`; a token the fake
//! has invalidated answers 410 `fullSyncRequired`. Push channels (`events.watch`,
//! `channels.stop`) POST Google's header-only notifications to their address: a `sync` message,
//! then `exists` for each change of the watched calendar, until stopped or expired.
//!
//! The Admin SDK Directory API's `users.list` too: paged by `maxResults` and `pageToken`, only
//! for an access token granted the directory scope by domain-wide delegation, and only to a
//! Workspace admin; a scope the Workspace admin has not delegated is refused at the token
//! endpoint as Google does (401 `unauthorized_client`).

use super::lock;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// The OAuth client the fake knows.
pub const FAKE_GOOGLE_CLIENT_ID: &str = "sala-test.apps.googleusercontent.com";
pub const FAKE_GOOGLE_CLIENT_SECRET: &str = "test-secret";

/// A scripted answer for the next Calendar call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoogleAnswer {
    /// This HTTP status with Google's error body (`401`, `404`, `409`, `500`, `503`, ...).
    Status(u16),
    /// `403` with reason `rateLimitExceeded`.
    RateLimited,
}

#[derive(Default)]
struct Inner {
    /// Refresh tokens and whether they still work.
    refresh_tokens: HashMap<String, bool>,
    /// Access tokens that work now.
    access_tokens: HashSet<String>,
    /// Whose every access token is: the calendar `primary` means for it (the refresh token, or
    /// the person's address when known; the subject of a delegated grant).
    owners: HashMap<String, String>,
    /// The address of a refresh token's holder, when the test named it ([`FakeGoogle::grant_as`]).
    holders: HashMap<String, String>,
    /// Events by id.
    events: HashMap<String, Stored>,
    /// The last change's sequence number.
    change_seq: u64,
    /// Sync tokens handed out: the calendar and the change sequence they stand at.
    sync_tokens: HashMap<String, (String, u64)>,
    /// Sync tokens that now answer 410.
    expired_sync_tokens: HashSet<String>,
    /// Push channels, oldest first (stopped and expired ones included).
    channels: Vec<Channel>,
    /// The opaque `resourceId` of each watched calendar.
    resource_ids: HashMap<String, String>,
    /// The longest a channel lives, in seconds.
    ttl_cap: Option<u64>,
    /// Changes happen but no notification is sent.
    muted: bool,
    /// Notifications handed to the outbox so far.
    notifications: usize,
    /// Where notifications go to be POSTed, in order.
    outbox: Option<mpsc::UnboundedSender<Delivery>>,
    /// `http://127.0.0.1:PORT`, for channels' `resourceUri`.
    api_base: String,
    /// Meet request ids seen: Google ignores a repeated one.
    request_ids: HashSet<String>,
    /// How many reads a new conference stays `pending` for.
    pending_reads: u32,
    /// Reads left before each pending event's conference is ready.
    pending: HashMap<String, u32>,
    script: Vec<GoogleAnswer>,
    /// `METHOD path` of every Calendar call, oldest first.
    calls: Vec<String>,
    /// Service accounts (email -> their RSA public key) allowed domain-wide delegation, and
    /// the domain they may act in.
    service_accounts: HashMap<String, (rsa::RsaPublicKey, String)>,
    /// The subjects service accounts acted as, oldest first.
    delegated_subjects: Vec<String>,
    /// Busy intervals of calendars (rooms' resource calendars), RFC 3339.
    busy: HashMap<String, Vec<(String, String)>>,
    /// Tokens revoked through `/revoke`, oldest first.
    revoked: Vec<String>,
    /// Delegated access tokens: whom they act as and the scopes granted.
    grants: HashMap<String, (String, Vec<String>)>,
    /// Scopes the Workspace admin has not delegated to service accounts.
    withheld: HashSet<String>,
    /// The Workspace directory's users (Google's `User` resources), in order.
    directory: Vec<Value>,
    /// Who is a Workspace admin (the Directory API answers only them).
    directory_admins: HashSet<String>,
    counter: u64,
}

#[derive(Clone, Default)]
struct Fake(Arc<Mutex<Inner>>);

/// An event as the fake keeps it: the organizer's copy, the other calendars holding a copy, and
/// its last change.
struct Stored {
    /// The organizer's calendar.
    calendar: String,
    event: Value,
    /// Other calendars given a copy (rooms booked as resource attendees, or the calendar of
    /// [`FakeGoogle::put_on_calendar`]) and whether they still hold it: a room taken off the
    /// attendees keeps a cancelled copy, which its change feed must show.
    copies: BTreeMap<String, bool>,
    /// The sequence number of its last change.
    seq: u64,
}

impl Stored {
    fn in_calendar(&self, calendar: &str) -> bool {
        self.calendar == calendar || self.copies.contains_key(calendar)
    }

    /// The event as `calendar` shows it: a copy carries no private extended properties (they
    /// belong to the organizer's copy), and a copy the calendar no longer holds is cancelled.
    fn view(&self, calendar: &str) -> Value {
        let mut event = self.event.clone();
        if calendar == self.calendar {
            return event;
        }
        if let Some(&held) = self.copies.get(calendar) {
            if let Some(properties) = event.get_mut("extendedProperties").and_then(Value::as_object_mut) {
                properties.remove("private");
            }
            if event["extendedProperties"].as_object().is_some_and(serde_json::Map::is_empty)
                && let Some(map) = event.as_object_mut()
            {
                map.remove("extendedProperties");
            }
            if !held {
                event["status"] = json!("cancelled");
            }
        }
        event
    }

    /// Brings the copies in line with the attendees: every resource attendee's calendar holds
    /// one; a calendar no longer among the attendees holds a cancelled one.
    fn sync_copies(&mut self) {
        let attendees: Vec<(String, bool)> = self.event["attendees"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| Some((a["email"].as_str()?.to_lowercase(), a["resource"] == true)))
            .collect();
        for (calendar, held) in &mut self.copies {
            *held = attendees.iter().any(|(email, _)| email == calendar);
        }
        for (email, resource) in attendees {
            if resource && email != self.calendar {
                self.copies.insert(email, true);
            }
        }
    }
}

/// A push channel as a test sees it ([`FakeGoogle::channels`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeChannel {
    pub id: String,
    /// The calendar watched, resolved (`primary` is its owner's calendar).
    pub calendar: String,
    pub address: String,
    /// Echoed in `X-Goog-Channel-Token`, when given.
    pub token: Option<String>,
    pub resource_id: String,
    /// When the channel closes (Unix ms): no notification after it.
    pub expiration_ms: i64,
    /// Stopped with `channels.stop`.
    pub stopped: bool,
}

struct Channel {
    public: FakeChannel,
    resource_uri: String,
    /// The last `X-Goog-Message-Number` sent.
    messages: u64,
}

impl Channel {
    fn open(&self, now_ms: i64) -> bool {
        !self.public.stopped && now_ms <= self.public.expiration_ms
    }

    /// The next notification: `sync` or `exists`, header-only as Google sends them.
    fn message(&mut self, state: &str) -> Delivery {
        self.messages += 1;
        let c = &self.public;
        let expiration = jiff::Timestamp::from_millisecond(c.expiration_ms)
            .map(|t| t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string())
            .unwrap_or_default();
        let mut headers = vec![
            ("X-Goog-Channel-ID", c.id.clone()),
            ("X-Goog-Channel-Expiration", expiration),
            ("X-Goog-Message-Number", self.messages.to_string()),
            ("X-Goog-Resource-ID", c.resource_id.clone()),
            ("X-Goog-Resource-State", state.to_owned()),
            ("X-Goog-Resource-URI", self.resource_uri.clone()),
        ];
        if let Some(token) = &c.token {
            headers.push(("X-Goog-Channel-Token", token.clone()));
        }
        Delivery { address: c.address.clone(), headers }
    }
}

/// A notification on its way.
struct Delivery {
    address: String,
    headers: Vec<(&'static str, String)>,
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// RFC 3339 in UTC with milliseconds, as Google writes `updated`.
fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()).unwrap_or_default()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
}

impl Inner {
    /// The calendar a path names: `primary` is the calendar of the token's owner; any other id
    /// (a person's address, a room's) is that calendar.
    fn resolve(&self, headers: &HeaderMap, calendar: &str) -> String {
        if calendar == "primary" {
            return bearer(headers).and_then(|t| self.owners.get(t)).cloned().unwrap_or_else(|| calendar.to_owned());
        }
        calendar.to_lowercase()
    }

    /// Records a change to the event: the next sequence number, a new `updated`, and an
    /// `exists` notification on the channels of every calendar holding it.
    fn changed(&mut self, id: &str) {
        self.change_seq += 1;
        let seq = self.change_seq;
        let Some(stored) = self.events.get_mut(id) else { return };
        stored.seq = seq;
        stored.event["updated"] = json!(rfc3339(now_ms()));
        let calendars: Vec<String> =
            std::iter::once(stored.calendar.clone()).chain(stored.copies.keys().cloned()).collect();
        for calendar in calendars {
            self.notify(Some(&calendar), None);
        }
    }

    /// Sends `exists` to the open channels on `calendar`, or `sync` to the channel `sync_of`.
    fn notify(&mut self, calendar: Option<&str>, sync_of: Option<&str>) {
        if self.muted {
            return;
        }
        let now = now_ms();
        for channel in self.channels.iter_mut().filter(|c| c.open(now)) {
            let state = if sync_of == Some(channel.public.id.as_str()) {
                "sync"
            } else if calendar == Some(channel.public.calendar.as_str()) {
                "exists"
            } else {
                continue;
            };
            let delivery = channel.message(state);
            self.notifications += 1;
            if let Some(outbox) = &self.outbox {
                let _ = outbox.send(delivery);
            }
        }
    }
}

/// POSTs the notifications in order, each with an empty body, waiting for the receiver's answer
/// (at most 5 s). Plain HTTP only: the receivers are the tests' own, on 127.0.0.1. (Not reqwest:
/// built with `rustls-no-provider`, it panics in a process that has not installed a crypto
/// provider.)
async fn deliver(mut outbox: mpsc::UnboundedReceiver<Delivery>) {
    while let Some(delivery) = outbox.recv().await {
        let _ = tokio::time::timeout(Duration::from_secs(5), post_notification(&delivery)).await;
    }
}

async fn post_notification(delivery: &Delivery) -> std::io::Result<()> {
    let url = url::Url::parse(&delivery.address).map_err(std::io::Error::other)?;
    let host = url.host_str().unwrap_or("127.0.0.1").trim_start_matches('[').trim_end_matches(']').to_owned();
    if url.scheme() != "http" {
        return Ok(());
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let mut stream = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
    let path = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\
         User-Agent: APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)\r\n"
    );
    for (name, value) in &delivery.headers {
        let value: String = value.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(())
}

/// The fake Google; `api_base` and `token_url` go into Sala's settings.
pub struct FakeGoogle {
    /// `http://127.0.0.1:PORT`.
    pub api_base: String,
    /// `http://127.0.0.1:PORT/token`.
    pub token_url: String,
    /// `http://127.0.0.1:PORT/revoke`.
    pub revoke_url: String,
    fake: Fake,
}

impl FakeGoogle {
    pub async fn start() -> std::io::Result<Self> {
        let fake = Fake::default();
        let app = Router::new()
            .route("/token", post(token))
            .route("/revoke", post(revoke))
            .route("/calendar/v3/calendars/{calendar}/events", post(insert).get(list))
            .route("/calendar/v3/calendars/{calendar}/events/watch", post(watch))
            .route("/calendar/v3/calendars/{calendar}/events/{id}", get(read).patch(patch).delete(delete))
            .route("/calendar/v3/channels/stop", post(stop))
            .route("/calendar/v3/freeBusy", post(free_busy))
            .route("/admin/directory/v1/users", get(list_users))
            .with_state(fake.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let (outbox, deliveries) = mpsc::unbounded_channel();
        tokio::spawn(deliver(deliveries));
        {
            let mut inner = lock(&fake.0);
            inner.outbox = Some(outbox);
            inner.api_base = format!("http://{addr}");
        }
        Ok(Self {
            api_base: format!("http://{addr}"),
            token_url: format!("http://{addr}/token"),
            revoke_url: format!("http://{addr}/revoke"),
            fake,
        })
    }

    /// A refresh token the token endpoint will honour (as if the person had just consented).
    /// Its access tokens' `primary` calendar is keyed by the refresh token itself (see
    /// [`FakeGoogle::events_in`]).
    pub fn grant(&self, refresh_token: &str) {
        lock(&self.fake.0).refresh_tokens.insert(refresh_token.into(), true);
    }

    /// [`FakeGoogle::grant`] by the person with this address: their `primary` calendar is the
    /// address's (which names it too), and they organize the events inserted there.
    pub fn grant_as(&self, refresh_token: &str, email: &str) {
        let mut inner = lock(&self.fake.0);
        inner.refresh_tokens.insert(refresh_token.into(), true);
        inner.holders.insert(refresh_token.into(), email.to_lowercase());
    }

    /// A service account (its key as PEM) with domain-wide delegation for `domain`, as a
    /// Workspace admin grants it: its JWT bearer grants for people of that domain are honoured.
    pub fn trust_service_account(&self, client_email: &str, private_key_pem: &str, domain: &str) {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(private_key_pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(private_key_pem))
            .map(|k| k.to_public_key());
        if let Ok(public) = key {
            lock(&self.fake.0).service_accounts.insert(client_email.into(), (public, domain.into()));
        }
    }

    /// The Workspace admin takes `scope` out of the service accounts' domain-wide delegation.
    pub fn withhold_scope(&self, scope: &str) {
        lock(&self.fake.0).withheld.insert(scope.into());
    }

    /// A user of the Workspace directory, as `users.list` shows one.
    pub fn add_directory_user(&self, email: &str, full_name: &str, mobile: Option<&str>, suspended: bool) {
        let mut phones = vec![json!({"value": "+34 910 000 000", "type": "work"})];
        phones.extend(mobile.map(|m| json!({"value": m, "type": "mobile"})));
        let (given, family) = full_name.split_once(' ').unwrap_or((full_name, ""));
        lock(&self.fake.0).directory.push(json!({
            "kind": "admin#directory#user", "id": format!("10{}", email.len()), "primaryEmail": email,
            "name": {"givenName": given, "familyName": family, "fullName": full_name},
            "suspended": suspended, "phones": phones,
        }));
    }

    /// `email` is a Workspace admin: the Directory API answers them.
    pub fn make_directory_admin(&self, email: &str) {
        lock(&self.fake.0).directory_admins.insert(email.to_lowercase());
    }

    /// Whom service accounts acted as, oldest first.
    pub fn delegated_subjects(&self) -> Vec<String> {
        lock(&self.fake.0).delegated_subjects.clone()
    }

    /// The person revoked Sala's access: the refresh token now answers `invalid_grant`.
    pub fn revoke(&self, refresh_token: &str) {
        let mut inner = lock(&self.fake.0);
        inner.refresh_tokens.insert(refresh_token.into(), false);
        inner.access_tokens.clear();
    }

    /// The refresh tokens Sala gave back (revoked), oldest first.
    pub fn revoked(&self) -> Vec<String> {
        lock(&self.fake.0).revoked.clone()
    }

    /// Every access token issued so far stops working (they expired).
    pub fn expire_access_tokens(&self) {
        lock(&self.fake.0).access_tokens.clear();
    }

    /// New conferences stay `pending` for this many reads of their event.
    pub fn conferences_pending_for(&self, reads: u32) {
        lock(&self.fake.0).pending_reads = reads;
    }

    /// The next Calendar calls get these answers, in order.
    pub fn answer_next(&self, answers: &[GoogleAnswer]) {
        lock(&self.fake.0).script.extend_from_slice(answers);
    }

    /// The calendar (a room's resource calendar) is busy in `[start, end)` (Unix ms), as if
    /// someone had booked the room directly in Google Calendar.
    pub fn add_busy(&self, calendar: &str, start: i64, end: i64) {
        let text = |ms: i64| jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_default();
        lock(&self.fake.0).busy.entry(calendar.into()).or_default().push((text(start), text(end)));
    }

    /// `METHOD path` of every Calendar call so far (token calls are not listed).
    pub fn calls(&self) -> Vec<String> {
        lock(&self.fake.0).calls.clone()
    }

    /// Someone deletes the event in Google Calendar (Google keeps it as `cancelled`, UID and all):
    /// a change, notified.
    pub fn delete_in_google(&self, id: &str) {
        let mut inner = lock(&self.fake.0);
        if let Some(stored) = inner.events.get_mut(id) {
            stored.event["status"] = json!("cancelled");
            inner.changed(id);
        }
    }

    /// The organizer drags the event in Google Calendar to `[start_ms, end_ms)` (Unix ms): start
    /// and end are rewritten in the event's own `timeZone`; a change, notified.
    pub fn move_in_google(&self, event_id: &str, start_ms: i64, end_ms: i64) {
        let mut inner = lock(&self.fake.0);
        let Some(stored) = inner.events.get_mut(event_id) else { return };
        for (end, ms) in [("start", start_ms), ("end", end_ms)] {
            let zone = stored.event[end]["timeZone"].as_str().unwrap_or("UTC").to_owned();
            stored.event[end] = json!({"dateTime": local_time(ms, &zone), "timeZone": zone});
        }
        inner.changed(event_id);
    }

    /// An attendee answers the invitation in Google Calendar: `response_status` is one of
    /// `accepted`, `declined`, `tentative`, `needsAction`; a change, notified.
    pub fn answer_in_google(&self, event_id: &str, email: &str, response_status: &str) {
        let mut inner = lock(&self.fake.0);
        let Some(stored) = inner.events.get_mut(event_id) else { return };
        let attendee = stored.event["attendees"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .find(|a| a["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email)));
        if let Some(attendee) = attendee {
            attendee["responseStatus"] = json!(response_status);
            inner.changed(event_id);
        }
    }

    /// Someone books `calendar` (a room's, or anyone's) straight in Google Calendar: an event
    /// organized by `organizer_email`, in `[start_ms, end_ms)` (Unix ms, UTC). Unless the
    /// organizer's own, the calendar is an attendee (a resource, unless it is a person the fake
    /// knows) holding a copy; the time is busy in its free/busy. A change, notified. Returns the
    /// event's id.
    pub fn put_on_calendar(
        &self,
        calendar: &str,
        summary: &str,
        organizer_email: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> String {
        let (calendar, organizer) = (calendar.to_lowercase(), organizer_email.to_lowercase());
        let mut inner = lock(&self.fake.0);
        inner.counter += 1;
        let id = format!("evt{:06}", inner.counter);
        let now = rfc3339(now_ms());
        let mut event = json!({
            "kind": "calendar#event", "id": id, "status": "confirmed", "iCalUID": format!("{id}@google.com"),
            "htmlLink": format!("https://www.google.com/calendar/event?eid={id}"), "created": now,
            "summary": summary, "organizer": {"email": organizer}, "creator": {"email": organizer},
            "start": {"dateTime": local_time(start_ms, "UTC"), "timeZone": "UTC"},
            "end": {"dateTime": local_time(end_ms, "UTC"), "timeZone": "UTC"},
        });
        let mut copies = BTreeMap::new();
        if calendar != organizer {
            let person = inner.owners.values().any(|o| *o == calendar);
            event["attendees"] = json!([
                {"email": organizer, "organizer": true, "responseStatus": "accepted"},
                {"email": calendar, "resource": !person, "responseStatus": "accepted"},
            ]);
            copies.insert(calendar, true);
        }
        inner.events.insert(id.clone(), Stored { calendar: organizer, event, copies, seq: 0 });
        inner.changed(&id);
        id
    }

    /// Every sync token issued so far answers 410 `fullSyncRequired` from now on.
    pub fn expire_sync_tokens(&self) {
        let mut inner = lock(&self.fake.0);
        let issued: Vec<String> = inner.sync_tokens.keys().cloned().collect();
        inner.expired_sync_tokens.extend(issued);
    }

    /// Channels opened from now on live at most `secs` (Google may shorten the ttl asked for).
    pub fn cap_channel_ttl(&self, secs: u64) {
        lock(&self.fake.0).ttl_cap = Some(secs);
    }

    /// While muted, changes happen but no notification is sent (Google documents push as not
    /// fully reliable).
    pub fn mute_notifications(&self, muted: bool) {
        lock(&self.fake.0).muted = muted;
    }

    /// Every push channel opened, oldest first (stopped and expired ones included).
    pub fn channels(&self) -> Vec<FakeChannel> {
        lock(&self.fake.0).channels.iter().map(|c| c.public.clone()).collect()
    }

    /// Notifications sent so far (`sync` ones included), counted when handed to delivery.
    pub fn notifications_sent(&self) -> usize {
        lock(&self.fake.0).notifications
    }

    /// The events in a calendar now, as it shows them, by id: `calendar` is a person's address
    /// (or, for [`FakeGoogle::grant`], their refresh token) or a room's. Deleted ones are gone.
    pub fn events_in(&self, calendar: &str) -> Vec<Value> {
        let inner = lock(&self.fake.0);
        let calendar = match inner.holders.get(calendar) {
            Some(email) => email.clone(),
            None if inner.refresh_tokens.contains_key(calendar) => calendar.to_owned(),
            None => calendar.to_lowercase(),
        };
        let mut events: Vec<(&String, Value)> = inner
            .events
            .iter()
            .filter(|(_, s)| s.in_calendar(&calendar))
            .map(|(id, s)| (id, s.view(&calendar)))
            .filter(|(_, e)| e["status"] != "cancelled")
            .collect();
        events.sort_by(|a, b| a.0.cmp(b.0));
        events.into_iter().map(|(_, e)| e).collect()
    }

    /// The events now (deleted ones are gone), by id, as their organizers' calendars show them.
    pub fn events(&self) -> HashMap<String, Value> {
        lock(&self.fake.0)
            .events
            .iter()
            .filter(|(_, s)| s.event["status"] != "cancelled")
            .map(|(id, s)| (id.clone(), s.event.clone()))
            .collect()
    }
}

/// `ms` as a local RFC 3339 time in `zone` (UTC when unknown), as Google writes `dateTime`.
fn local_time(ms: i64, zone: &str) -> String {
    let zone = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned_datetime(zone).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
        .unwrap_or_default()
}

fn google_error(status: u16, reason: &str, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"error": {"code": status, "message": message, "errors": [{"domain": "global", "reason": reason, "message": message}]}});
    (code, Json(body)).into_response()
}

/// Records the call; the refusal to answer instead, when a failure is scripted or the bearer
/// token does not work.
fn refusal(fake: &Fake, headers: &HeaderMap, call: String) -> Option<Response> {
    let mut inner = lock(&fake.0);
    inner.calls.push(call);
    if !inner.script.is_empty() {
        return Some(match inner.script.remove(0) {
            GoogleAnswer::RateLimited => google_error(403, "rateLimitExceeded", "Rate Limit Exceeded"),
            GoogleAnswer::Status(401) => google_error(401, "authError", "Invalid Credentials"),
            GoogleAnswer::Status(status) => google_error(status, "backendError", "scripted failure"),
        });
    }
    match bearer(headers) {
        Some(t) if inner.access_tokens.contains(t) => None,
        _ => Some(google_error(401, "authError", "Request had invalid authentication credentials.")),
    }
}

async fn token(State(fake): State<Fake>, Form(form): Form<HashMap<String, String>>) -> Response {
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    // A service account's grant carries no client credentials: its signed JWT is the credential.
    if field("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer" {
        return jwt_bearer(&fake, field("assertion"));
    }
    if field("client_id") != FAKE_GOOGLE_CLIENT_ID || field("client_secret") != FAKE_GOOGLE_CLIENT_SECRET {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client", "error_description": "Unauthorized"})),
        )
            .into_response();
    }
    if field("grant_type") != "refresh_token" {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "unsupported_grant_type"}))).into_response();
    }
    let mut inner = lock(&fake.0);
    if inner.refresh_tokens.get(field("refresh_token")) != Some(&true) {
        let body = json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    inner.counter += 1;
    let access = format!("ya29.fake-access-{}", inner.counter);
    inner.access_tokens.insert(access.clone());
    let refresh = field("refresh_token").to_owned();
    let owner = inner.holders.get(&refresh).cloned().unwrap_or(refresh);
    inner.owners.insert(access.clone(), owner);
    Json(json!({"access_token": access, "expires_in": 3599, "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/calendar.events"}))
    .into_response()
}

/// Google's revocation endpoint: a form with `token`; 200, or 400 `invalid_token` for a token
/// it does not know. Revoking a refresh token ends the whole grant, access tokens included.
async fn revoke(State(fake): State<Fake>, Form(form): Form<HashMap<String, String>>) -> Response {
    let token = form.get("token").cloned().unwrap_or_default();
    let mut inner = lock(&fake.0);
    if inner.refresh_tokens.get(&token) != Some(&true) && !inner.access_tokens.contains(&token) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_token", "error_description": "Token expired or revoked"})),
        )
            .into_response();
    }
    inner.refresh_tokens.insert(token.clone(), false);
    inner.access_tokens.clear();
    inner.revoked.push(token);
    StatusCode::OK.into_response()
}

/// The scopes a Workspace admin may delegate to a service account here.
const DELEGABLE: &[&str] = &[
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
];

/// The JWT bearer grant (RFC 7523) as Google checks it: RS256 signed by a trusted service
/// account, for the token endpoint, unexpired, with a subject in the domain it may act in.
fn jwt_bearer(fake: &Fake, assertion: &str) -> Response {
    use base64::Engine;
    use rsa::signature::Verifier;
    let refuse = |description: &str| {
        (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": description})))
            .into_response()
    };
    let parts: Vec<&str> = assertion.split('.').collect();
    let decode = |part: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).ok();
    let [header, claims, signature] = parts.as_slice() else { return refuse("Invalid JWT") };
    let (Some(header_json), Some(claims_json), Some(signature)) = (decode(header), decode(claims), decode(signature))
    else {
        return refuse("Invalid JWT encoding");
    };
    let header: Value = serde_json::from_slice(&header_json).unwrap_or_default();
    let claims: Value = serde_json::from_slice(&claims_json).unwrap_or_default();
    if header["alg"] != "RS256" {
        return refuse("Invalid JWT algorithm");
    }
    let mut inner = lock(&fake.0);
    let issuer = claims["iss"].as_str().unwrap_or_default();
    let Some((public, domain)) = inner.service_accounts.get(issuer).cloned() else {
        return refuse("Invalid JWT Signature.");
    };
    let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
    let signed = format!("{}.{}", parts[0], parts[1]);
    let valid = rsa::pkcs1v15::Signature::try_from(signature.as_slice())
        .is_ok_and(|sig| verifier.verify(signed.as_bytes(), &sig).is_ok());
    if !valid {
        return refuse("Invalid JWT Signature.");
    }
    let now = jiff::Timestamp::now().as_second();
    if claims["exp"].as_i64().is_none_or(|exp| exp <= now) || claims["iat"].as_i64().is_none_or(|iat| iat > now + 60) {
        return refuse("Invalid JWT: Token must be a short-lived token and in a reasonable timeframe");
    }
    if !claims["aud"].as_str().is_some_and(|aud| aud.ends_with("/token")) {
        return refuse("Invalid JWT audience");
    }
    let scopes: Vec<String> = claims["scope"].as_str().unwrap_or_default().split(' ').map(str::to_owned).collect();
    if scopes.is_empty() || !scopes.iter().all(|s| DELEGABLE.contains(&s.as_str())) {
        return refuse("Invalid scope");
    }
    let subject = claims["sub"].as_str().unwrap_or_default().to_owned();
    if !subject.to_lowercase().ends_with(&format!("@{domain}")) || scopes.iter().any(|s| inner.withheld.contains(s)) {
        // Google's answer when delegation does not cover the subject.
        let body = json!({"error": "unauthorized_client", "error_description": "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    inner.counter += 1;
    let access = format!("ya29.fake-delegated-{}", inner.counter);
    inner.access_tokens.insert(access.clone());
    inner.owners.insert(access.clone(), subject.to_lowercase());
    inner.grants.insert(access.clone(), (subject.clone(), scopes));
    inner.delegated_subjects.push(subject);
    Json(json!({"access_token": access, "expires_in": 3599, "token_type": "Bearer"})).into_response()
}

/// What Sala must send in every event (the documented required fields, and ours).
fn shape_problems(body: &Value) -> Vec<&'static str> {
    let mut problems = Vec::new();
    if !body["summary"].is_string() {
        problems.push("summary");
    }
    for end in ["start", "end"] {
        let parsed = body[end]["dateTime"].as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
        if parsed.is_none() || body[end]["timeZone"].as_str().and_then(|z| jiff::tz::TimeZone::get(z).ok()).is_none() {
            problems.push(if end == "start" { "start" } else { "end" });
        }
    }
    // Google's extended properties map names to strings only.
    let private = body["extendedProperties"]["private"].as_object();
    if private.is_some_and(|p| p.values().any(|v| !v.is_string())) {
        problems.push("extendedProperties.private (values must be strings)");
    }
    if !body["extendedProperties"]["private"]["salaBookingId"].is_string() {
        problems.push("extendedProperties.private.salaBookingId");
    }
    if let Some(request) = body.get("conferenceData").and_then(|c| c.get("createRequest")) {
        if request["requestId"].as_str().is_none_or(str::is_empty) {
            problems.push("conferenceData.createRequest.requestId");
        }
        if request["conferenceSolutionKey"]["type"] != "hangoutsMeet" {
            problems.push("conferenceData.createRequest.conferenceSolutionKey.type");
        }
    }
    problems
}

/// The refusal of a write without `sendUpdates=none`, or with `conferenceData` but without
/// `conferenceDataVersion=1` (Google would silently drop it).
fn query_refusal(query: &HashMap<String, String>, body: &Value) -> Option<Response> {
    if query.get("sendUpdates").map(String::as_str) != Some("none") {
        return Some(google_error(400, "invalid", "Sala must send sendUpdates=none (it sends its own invitations)"));
    }
    if body.get("conferenceData").is_some() && query.get("conferenceDataVersion").map(String::as_str) != Some("1") {
        return Some(google_error(400, "invalid", "conferenceData needs conferenceDataVersion=1"));
    }
    None
}

/// Applies a conference create request (or removal) to a stored event.
fn conference(inner: &mut Inner, id: &str, event: &mut Value, requested: Option<&Value>) {
    match requested {
        Some(Value::Null) => {
            if let Some(map) = event.as_object_mut() {
                map.remove("conferenceData");
                map.remove("hangoutLink");
            }
        }
        // An existing conference copied from another event: joined as it is.
        Some(data) if data.get("createRequest").is_none() => {
            let link = data["entryPoints"].as_array().into_iter().flatten().find(|p| p["entryPointType"] == "video");
            event["hangoutLink"] = link.map(|p| p["uri"].clone()).unwrap_or_default();
            event["conferenceData"] = data.clone();
        }
        Some(data) => {
            let request_id = data["createRequest"]["requestId"].as_str().unwrap_or_default().to_owned();
            if !inner.request_ids.insert(request_id.clone()) {
                return; // A repeated requestId: Google ignores the request.
            }
            inner.counter += 1;
            let link = format!("https://meet.google.com/fak-{:04}-xyz", inner.counter);
            let mut data = json!({"createRequest": {"requestId": request_id, "conferenceSolutionKey": {"type": "hangoutsMeet"},
                                   "status": {"statusCode": "pending"}},
                                  "conferenceId": format!("fak-{:04}-xyz", inner.counter)});
            if inner.pending_reads == 0 {
                ready(&mut data, &link);
                event["hangoutLink"] = json!(link);
            } else {
                inner.pending.insert(id.to_owned(), inner.pending_reads);
                data["pendingLink"] = json!(link);
            }
            event["conferenceData"] = data;
        }
        None => {}
    }
}

fn ready(data: &mut Value, link: &str) {
    data["createRequest"]["status"]["statusCode"] = json!("success");
    data["entryPoints"] =
        json!([{"entryPointType": "video", "uri": link, "label": link.trim_start_matches("https://")}]);
    data["conferenceSolution"] = json!({"key": {"type": "hangoutsMeet"}, "name": "Google Meet"});
    if let Some(map) = data.as_object_mut() {
        map.remove("pendingLink");
    }
}

/// Google's own additions to an attendee list: people who have not answered `needsAction`, a
/// room accepts (it was free, as the fake has it); an answer already given is kept when the
/// organizer sends the list again without it.
fn settle_attendees(event: &mut Value, before: Option<&Value>) {
    for attendee in event["attendees"].as_array_mut().into_iter().flatten() {
        if attendee.get("responseStatus").is_some() {
            continue;
        }
        let email = attendee["email"].as_str().unwrap_or_default().to_lowercase();
        let earlier = before
            .and_then(|b| b["attendees"].as_array())
            .into_iter()
            .flatten()
            .find(|a| a["email"].as_str().is_some_and(|e| e.to_lowercase() == email))
            .map(|a| a["responseStatus"].clone())
            .filter(Value::is_string);
        let default = if attendee["resource"] == true { "accepted" } else { "needsAction" };
        attendee["responseStatus"] = earlier.unwrap_or_else(|| json!(default));
    }
}

async fn insert(
    State(fake): State<Fake>,
    Path(calendar): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(r) = refusal(&fake, &headers, format!("POST {calendar}/events")) {
        return r;
    }
    if let Some(r) = query_refusal(&query, &body) {
        return r;
    }
    let problems = shape_problems(&body);
    if !problems.is_empty() {
        return google_error(400, "required", &format!("Missing or invalid: {problems:?}"));
    }
    let mut inner = lock(&fake.0);
    let calendar = inner.resolve(&headers, &calendar);
    // An iCalUID is one event's in a calendar, deleted ones included (Google keeps them).
    if let Some(uid) = body["iCalUID"].as_str()
        && inner.events.values().any(|s| s.calendar == calendar && s.event["iCalUID"] == uid)
    {
        return google_error(409, "duplicate", "The requested identifier already exists.");
    }
    inner.counter += 1;
    let id = format!("evt{:06}", inner.counter);
    let mut event = body.clone();
    event["kind"] = json!("calendar#event");
    event["id"] = json!(id);
    if event.get("iCalUID").is_none() {
        event["iCalUID"] = json!(format!("{id}@google.com"));
    }
    event["status"] = json!("confirmed");
    event["htmlLink"] = json!(format!("https://www.google.com/calendar/event?eid={id}"));
    event["created"] = json!(rfc3339(now_ms()));
    if calendar.contains('@') {
        event["organizer"] = json!({"email": calendar});
        event["creator"] = json!({"email": calendar});
    }
    settle_attendees(&mut event, None);
    if let Some(map) = event.as_object_mut() {
        map.remove("conferenceData");
    }
    conference(&mut inner, &id, &mut event, body.get("conferenceData"));
    let mut stored = Stored { calendar, event, copies: BTreeMap::new(), seq: 0 };
    stored.sync_copies();
    inner.events.insert(id.clone(), stored);
    inner.changed(&id);
    let event = inner.events.get(&id).map(|s| s.event.clone()).unwrap_or_default();
    Json(event).into_response()
}

/// Parameters Google refuses beside `syncToken` ("to ensure consistency of the client state").
const NOT_WITH_SYNC_TOKEN: &[&str] = &[
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
];

/// `events.list`: a calendar's events, by id, `maxResults` a page (250 by default, at most
/// 2500) with `nextPageToken`; the last page carries `nextSyncToken`. Without `syncToken`: the
/// events now (`showDeleted` to include cancelled ones; `timeMin`/`timeMax`, `iCalUID` and
/// `privateExtendedProperty` filter; `orderBy=startTime` only with `singleEvents=true`, as
/// Google; the fake holds no recurring events and lists by id, its ids growing with time). With it: every event changed since the token, deleted
/// ones always included, and none of the filters allowed. Deleted events carry only their id,
/// status and `updated` ("only guaranteed to have the id field populated").
async fn list(
    State(fake): State<Fake>,
    Path(path_calendar): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refusal(&fake, &headers, format!("GET {path_calendar}/events")) {
        return r;
    }
    let param = |k: &str| query.get(k).map(String::as_str);
    let size = match param("maxResults").map(str::parse::<usize>) {
        None => 250,
        Some(Ok(n)) if n >= 1 => n.min(2500),
        Some(_) => return google_error(400, "invalid", "Invalid value for: maxResults"),
    };
    let instant = |k: &str| param(k).map(|v| v.parse::<jiff::Timestamp>());
    let (time_min, time_max) = match (instant("timeMin"), instant("timeMax")) {
        (Some(Err(_)), _) => return google_error(400, "invalid", "Invalid value for: timeMin"),
        (_, Some(Err(_))) => return google_error(400, "invalid", "Invalid value for: timeMax"),
        (min, max) => (min.and_then(Result::ok), max.and_then(Result::ok)),
    };
    if param("orderBy") == Some("startTime") && param("singleEvents") != Some("true") {
        // Google: "startTime ... is only available when querying single events".
        return google_error(400, "badRequest", "The requested ordering is not available for the particular query.");
    }
    let mut inner = lock(&fake.0);
    let calendar = inner.resolve(&headers, &path_calendar);
    let since = match param("syncToken") {
        None => None,
        Some(token) => {
            if NOT_WITH_SYNC_TOKEN.iter().any(|k| query.contains_key(*k)) || param("showDeleted") == Some("false") {
                return google_error(400, "invalid", "Sync token cannot be used with other request restrictions.");
            }
            if inner.expired_sync_tokens.contains(token) {
                return google_error(
                    410,
                    "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                );
            }
            match inner.sync_tokens.get(token) {
                Some((for_calendar, seq)) if *for_calendar == calendar => Some(*seq),
                _ => return google_error(400, "invalid", "Invalid sync token value."),
            }
        }
    };
    // A page token: the change sequence the listing stands at (its first page's) and the last id
    // listed; events changed meanwhile come again with the next sync token.
    let (upto, after) = match param("pageToken") {
        None => (inner.change_seq, None),
        Some(token) => {
            let parsed = token.strip_prefix("pg-").and_then(|t| t.split_once('-'));
            match parsed.and_then(|(seq, id)| Some((seq.parse::<u64>().ok()?, id.to_owned()))) {
                Some((seq, id)) => (seq, Some(id)),
                None => return google_error(400, "invalid", "Invalid page token value."),
            }
        }
    };
    let show_deleted = since.is_some() || param("showDeleted") == Some("true");
    let wanted = param("privateExtendedProperty").and_then(|p| p.split_once('='));
    let at = |v: &Value| v["dateTime"].as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let mut ids: Vec<&String> = inner
        .events
        .iter()
        .filter(|(id, s)| s.in_calendar(&calendar) && after.as_ref().is_none_or(|a| *id > a))
        .filter(|(_, s)| since.is_none_or(|since| s.seq > since))
        .map(|(id, _)| id)
        .collect();
    ids.sort();
    let mut items = Vec::new();
    let mut last = None;
    let mut more = false;
    for id in ids {
        let Some(stored) = inner.events.get(id) else { continue };
        let event = stored.view(&calendar);
        let cancelled = event["status"] == "cancelled";
        let keep = (show_deleted || !cancelled)
            && time_min.is_none_or(|min| at(&event["end"]).is_none_or(|end| end > min))
            && time_max.is_none_or(|max| at(&event["start"]).is_none_or(|start| start < max))
            && param("iCalUID").is_none_or(|uid| event["iCalUID"] == uid)
            && wanted.is_none_or(|(k, v)| event["extendedProperties"]["private"][k] == v);
        if !keep {
            continue;
        }
        if items.len() == size {
            more = true;
            break;
        }
        items.push(if cancelled {
            json!({"kind": "calendar#event", "id": id, "status": "cancelled", "updated": event["updated"]})
        } else {
            event
        });
        last = Some(id.clone());
    }
    let mut body = json!({"kind": "calendar#events", "summary": calendar, "updated": rfc3339(now_ms()),
                          "timeZone": "UTC", "accessRole": "owner", "defaultReminders": [], "items": items});
    match last.filter(|_| more) {
        Some(last) => body["nextPageToken"] = json!(format!("pg-{upto}-{last}")),
        None => {
            inner.counter += 1;
            let token = format!("sync-{:06}-{upto}", inner.counter);
            inner.sync_tokens.insert(token.clone(), (calendar, upto));
            body["nextSyncToken"] = json!(token);
        }
    }
    Json(body).into_response()
}

async fn read(State(fake): State<Fake>, Path((calendar, id)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if let Some(r) = refusal(&fake, &headers, format!("GET {calendar}/events/{id}")) {
        return r;
    }
    let mut inner = lock(&fake.0);
    let calendar = inner.resolve(&headers, &calendar);
    let left = inner.pending.get(&id).copied();
    let Some(stored) = inner.events.get_mut(&id) else { return google_error(404, "notFound", "Not Found") };
    let event = &mut stored.event;
    match left {
        Some(n) if n > 1 => {
            inner.pending.insert(id.clone(), n - 1);
        }
        Some(_) => {
            let link = event["conferenceData"]["pendingLink"].as_str().unwrap_or_default().to_owned();
            ready(&mut event["conferenceData"], &link);
            event["hangoutLink"] = json!(link);
            inner.pending.remove(&id);
        }
        None => {}
    }
    // Lenient about the calendar: any calendar's path reads the event; a copy's reads the copy.
    let event = inner.events.get(&id).map(|s| s.view(&calendar)).unwrap_or_default();
    Json(event).into_response()
}

async fn patch(
    State(fake): State<Fake>,
    Path((calendar, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(r) = refusal(&fake, &headers, format!("PATCH {calendar}/events/{id}")) {
        return r;
    }
    if let Some(r) = query_refusal(&query, &body) {
        return r;
    }
    let mut inner = lock(&fake.0);
    let Some(stored) = inner.events.get(&id).map(|s| s.event.clone()) else {
        return google_error(404, "notFound", "Not Found");
    };
    if stored["status"] == "cancelled" {
        return google_error(410, "deleted", "Resource has been deleted");
    }
    if body.get("iCalUID").is_some_and(|uid| *uid != stored["iCalUID"]) {
        return google_error(400, "invalid", "An event's iCalUID cannot change");
    }
    let mut event = stored.clone();
    for (key, value) in body.as_object().into_iter().flatten().filter(|(k, _)| *k != "conferenceData") {
        event[key.as_str()] = value.clone();
    }
    let problems = shape_problems(&event);
    if !problems.is_empty() {
        return google_error(400, "required", &format!("Missing or invalid: {problems:?}"));
    }
    settle_attendees(&mut event, Some(&stored));
    conference(&mut inner, &id, &mut event, body.get("conferenceData"));
    if let Some(stored) = inner.events.get_mut(&id) {
        stored.event = event;
        stored.sync_copies();
    }
    inner.changed(&id);
    let event = inner.events.get(&id).map(|s| s.event.clone()).unwrap_or_default();
    Json(event).into_response()
}

async fn delete(
    State(fake): State<Fake>,
    Path((calendar, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refusal(&fake, &headers, format!("DELETE {calendar}/events/{id}")) {
        return r;
    }
    let mut inner = lock(&fake.0);
    match inner.events.get_mut(&id) {
        None => google_error(404, "notFound", "Not Found"),
        Some(s) if s.event["status"] == "cancelled" => google_error(410, "deleted", "Resource has been deleted"),
        Some(s) => {
            s.event["status"] = json!("cancelled");
            inner.changed(&id);
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

/// `events.watch`: a `web_hook` (or `webhook`) channel on the calendar's events, to an HTTPS
/// address (plain HTTP is let through to 127.0.0.1 and localhost only, the tests' receivers).
/// `params.ttl` in seconds (604800 by default), shortened by [`FakeGoogle::cap_channel_ttl`]; a
/// channel id used before is refused (400 `channelIdNotUnique`). The `sync` message follows.
async fn watch(
    State(fake): State<Fake>,
    Path(path_calendar): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(r) = refusal(&fake, &headers, format!("POST {path_calendar}/events/watch")) {
        return r;
    }
    let id = body["id"].as_str().unwrap_or_default().to_owned();
    if id.is_empty() {
        return google_error(400, "required", "Required: id");
    }
    if id.len() > 64 {
        return google_error(400, "invalid", "Invalid value for: id");
    }
    if !matches!(body["type"].as_str(), Some("web_hook" | "webhook")) {
        return google_error(400, "invalid", "Invalid value for: type");
    }
    let Some(address) = body["address"].as_str().filter(|a| !a.is_empty()).map(str::to_owned) else {
        return google_error(400, "required", "Required: address");
    };
    let secure = match url::Url::parse(&address) {
        Ok(url) if url.scheme() == "https" => true,
        Ok(url) if url.scheme() == "http" => matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        _ => false,
    };
    if !secure {
        return google_error(400, "push.webhookUrlNotHttps", &format!("WebHook callback must be HTTPS: {address}"));
    }
    let number = |v: &Value| match v {
        Value::String(s) => s.parse::<i64>().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    };
    let ttl = match &body["params"]["ttl"] {
        Value::Null => 604_800,
        ttl => match number(ttl) {
            Some(secs) if secs > 0 => secs,
            _ => return google_error(400, "invalid", "Invalid value for: params.ttl"),
        },
    };
    let token = body["token"].as_str().filter(|t| !t.is_empty()).map(str::to_owned);
    let mut inner = lock(&fake.0);
    if inner.channels.iter().any(|c| c.public.id == id) {
        return google_error(400, "channelIdNotUnique", &format!("Channel id {id} not unique"));
    }
    let calendar = inner.resolve(&headers, &path_calendar);
    let next = inner.resource_ids.len() + 1;
    let resource_id =
        inner.resource_ids.entry(calendar.clone()).or_insert_with(|| format!("fake-resource-{next:04}")).clone();
    let ttl = inner.ttl_cap.map_or(ttl, |cap| ttl.min(i64::try_from(cap).unwrap_or(i64::MAX)));
    let mut expiration_ms = now_ms().saturating_add(ttl.saturating_mul(1000));
    if let Some(asked) = number(&body["expiration"]) {
        expiration_ms = expiration_ms.min(asked);
    }
    let resource_uri = format!("{}/calendar/v3/calendars/{path_calendar}/events?alt=json", inner.api_base);
    let public = FakeChannel {
        id: id.clone(),
        calendar,
        address,
        token: token.clone(),
        resource_id: resource_id.clone(),
        expiration_ms,
        stopped: false,
    };
    inner.channels.push(Channel { public, resource_uri: resource_uri.clone(), messages: 0 });
    inner.notify(None, Some(&id));
    let mut answer = json!({"kind": "api#channel", "id": id, "resourceId": resource_id, "resourceUri": resource_uri,
                            "expiration": expiration_ms.to_string()});
    if let Some(token) = token {
        answer["token"] = json!(token);
    }
    Json(answer).into_response()
}

/// `channels.stop` with the channel's `id` and `resourceId`: 204 and no more notifications; a
/// channel it does not know (or no longer: stopped) answers 404.
async fn stop(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Some(r) = refusal(&fake, &headers, "POST channels/stop".to_owned()) {
        return r;
    }
    let (id, resource) = (body["id"].as_str().unwrap_or_default(), body["resourceId"].as_str().unwrap_or_default());
    let mut inner = lock(&fake.0);
    match inner.channels.iter_mut().find(|c| c.public.id == id && c.public.resource_id == resource && !c.public.stopped)
    {
        Some(channel) => {
            channel.public.stopped = true;
            StatusCode::NO_CONTENT.into_response()
        }
        None => google_error(404, "notFound", &format!("Channel '{id}' not found for project 'sala-test'")),
    }
}

/// `POST /calendar/v3/freeBusy`: the busy intervals of the calendars asked for (overlapping
/// ones merged), from [`FakeGoogle::add_busy`] and the calendar's timed events that are not
/// cancelled, transparent or declined by the calendar itself; a calendar the fake does not know
/// answers `notFound` in its `errors`.
async fn free_busy(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Some(r) = refusal(&fake, &headers, "POST freeBusy".to_owned()) {
        return r;
    }
    let instant = |v: &Value| v.as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let (Some(from), Some(to)) = (instant(&body["timeMin"]), instant(&body["timeMax"])) else {
        return google_error(400, "badRequest", "timeMin and timeMax are required");
    };
    let inner = lock(&fake.0);
    let mut calendars = serde_json::Map::new();
    for item in body["items"].as_array().into_iter().flatten() {
        let id = item["id"].as_str().unwrap_or_default();
        let calendar = inner.resolve(&headers, id);
        let mut intervals: Vec<(jiff::Timestamp, jiff::Timestamp)> = inner
            .busy
            .get(&calendar)
            .or_else(|| inner.busy.get(id))
            .into_iter()
            .flatten()
            .filter_map(|(s, e)| Some((s.parse().ok()?, e.parse().ok()?)))
            .collect();
        let mut known = inner.busy.contains_key(&calendar) || inner.busy.contains_key(id);
        known |= inner.owners.values().any(|o| *o == calendar);
        for stored in inner.events.values().filter(|s| s.in_calendar(&calendar)) {
            known = true;
            let event = stored.view(&calendar);
            let declined = event["attendees"].as_array().into_iter().flatten().any(|a| {
                a["email"].as_str().is_some_and(|e| e.to_lowercase() == calendar) && a["responseStatus"] == "declined"
            });
            if event["status"] == "cancelled" || event["transparency"] == "transparent" || declined {
                continue;
            }
            if let (Some(s), Some(e)) = (instant(&event["start"]["dateTime"]), instant(&event["end"]["dateTime"])) {
                intervals.push((s, e));
            }
        }
        let answer = if known {
            intervals.retain(|(s, e)| *s < to && *e > from);
            intervals.sort();
            let mut merged: Vec<(jiff::Timestamp, jiff::Timestamp)> = Vec::new();
            for (s, e) in intervals {
                match merged.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            let busy: Vec<Value> =
                merged.iter().map(|(s, e)| json!({"start": s.to_string(), "end": e.to_string()})).collect();
            json!({"busy": busy})
        } else {
            json!({"errors": [{"domain": "global", "reason": "notFound"}], "busy": []})
        };
        calendars.insert(id.to_owned(), answer);
    }
    Json(json!({"kind": "calendar#freeBusy", "timeMin": body["timeMin"], "timeMax": body["timeMax"], "calendars": calendars}))
        .into_response()
}

/// `users.list` as the Directory API answers it: `customer` (or `domain`) required, `maxResults`
/// 1-500 (default 100), `pageToken` from the previous page; `viewType=domain_public` leaves out
/// the administrator-only fields (`suspended` among them), `admin_view` (the default) keeps them;
/// 403 `insufficientPermissions` for a token without the directory scope, 403 `forbidden` for a
/// subject who is not a Workspace admin.
async fn list_users(
    State(fake): State<Fake>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refusal(&fake, &headers, "GET /admin/directory/v1/users".into()) {
        return refused;
    }
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let inner = lock(&fake.0);
    let grant = token.and_then(|t| inner.grants.get(t));
    let scoped = grant.is_some_and(|(_, scopes)| scopes.iter().any(|s| s == DELEGABLE[1]));
    let Some((subject, _)) = grant.filter(|_| scoped) else {
        return google_error(403, "insufficientPermissions", "Request had insufficient authentication scopes.");
    };
    if !inner.directory_admins.contains(&subject.to_lowercase()) {
        return google_error(403, "forbidden", "Not Authorized to access this resource/api");
    }
    if query.get("customer").map(String::as_str) != Some("my_customer") && !query.contains_key("domain") {
        return google_error(400, "badRequest", "Bad Request");
    }
    let size = match query.get("maxResults").map(|m| m.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=500).contains(&n) => n,
        Some(_) => return google_error(400, "invalid", "Invalid value for maxResults"),
    };
    let start = match query.get("pageToken").map(|t| t.strip_prefix("page-").and_then(|n| n.parse::<usize>().ok())) {
        None => 0,
        Some(Some(n)) if n <= inner.directory.len() => n,
        Some(_) => return google_error(400, "invalid", "Invalid Page Token"),
    };
    let public_only = query.get("viewType").map(String::as_str) == Some("domain_public");
    let users: Vec<Value> = inner
        .directory
        .iter()
        .skip(start)
        .take(size)
        .cloned()
        .map(|mut user| {
            if public_only && let Some(fields) = user.as_object_mut() {
                fields.remove("suspended");
            }
            user
        })
        .collect();
    let mut body = json!({"kind": "admin#directory#users", "etag": "\"fake-etag\"", "users": users});
    if start + size < inner.directory.len() {
        body["nextPageToken"] = json!(format!("page-{}", start + size));
    }
    Json(body).into_response()
}
