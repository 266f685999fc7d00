//! The real Google client (`GoogleHttp`) against the crate's fake Google: per-person calendars
//! and rooms' copies, change feeds by sync token (paged, expiring), and push channels whose
//! notifications reach a small receiver on 127.0.0.1.

#![allow(clippy::unwrap_used)]

use axum::http::{HeaderMap, StatusCode};
use jiff::Timestamp;
use sala_channels::calendar::{
    CalendarProvider, Conference, EventAttendee, EventBody, EventTime, ProviderError, Response, Watch, WatchRequest,
};
use sala_channels::google::{GoogleConfig, GoogleHttp};
use sala_channels::testing::{FAKE_GOOGLE_CLIENT_ID, FAKE_GOOGLE_CLIENT_SECRET, FakeGoogle};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::mpsc;

const HOUR: i64 = 3_600_000;
const ANA: &str = "ana@acme.test";
const ROOM: &str = "c_atlantico@resource.calendar.google.com";

struct World {
    fake: FakeGoogle,
    google: GoogleHttp,
    http: reqwest::Client,
    /// Ana's access token.
    token: String,
}

async fn world() -> World {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fake = FakeGoogle::start().await.unwrap();
    fake.grant_as("rt-ana", ANA);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let google = GoogleHttp::new(
        http.clone(),
        GoogleConfig {
            api_base: fake.api_base.clone(),
            token_url: fake.token_url.clone(),
            revoke_url: fake.revoke_url.clone(),
            client_id: FAKE_GOOGLE_CLIENT_ID.into(),
            client_secret: FAKE_GOOGLE_CLIENT_SECRET.into(),
        },
    );
    let token = google.refresh("rt-ana").await.unwrap().access_token;
    World { fake, google, http, token }
}

/// A day from now at 10:00 UTC plus `hours`, in ms.
fn at(hours: i64) -> i64 {
    let now = Timestamp::now().as_millisecond();
    now - now % (24 * HOUR) + 34 * HOUR + hours * HOUR
}

fn time(ms: i64) -> EventTime {
    let zone = jiff::tz::TimeZone::get("Europe/Madrid").unwrap();
    let local = Timestamp::from_millisecond(ms).unwrap().to_zoned_datetime(zone);
    EventTime { date_time: local.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(), time_zone: "Europe/Madrid".into() }
}

fn body(booking: &str, start: i64, room: Option<&str>) -> EventBody {
    let mut attendees = vec![EventAttendee { email: "bo@acme.test".into(), display_name: None, resource: false }];
    attendees.extend(room.map(|r| EventAttendee {
        email: r.into(),
        display_name: Some("Atlántico".into()),
        resource: true,
    }));
    EventBody {
        booking_id: booking.into(),
        booking_version: 1,
        ical_uid: None,
        summary: format!("Booking {booking}"),
        description: None,
        location: None,
        start: time(start),
        end: time(start + HOUR),
        attendees,
    }
}

impl World {
    async fn insert(&self, booking: &str, start: i64, room: Option<&str>) -> String {
        let body = body(booking, start, room);
        self.google.insert_event(&self.token, "primary", &body, &Conference::Keep).await.unwrap().id
    }

    /// `events.list` as is, for what `GoogleHttp` never asks.
    async fn list(&self, calendar: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
        let url = format!("{}/calendar/v3/calendars/{calendar}/events", self.fake.api_base);
        let answer = self.http.get(url).bearer_auth(&self.token).query(query).send().await.unwrap();
        let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
        (status, answer.json().await.unwrap_or_default())
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let url = format!("{}/calendar/v3/{path}", self.fake.api_base);
        let answer = self.http.post(url).bearer_auth(&self.token).json(&body).send().await.unwrap();
        let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
        (status, answer.json().await.unwrap_or_default())
    }
}

fn an_hour_ago() -> Timestamp {
    Timestamp::from_millisecond(Timestamp::now().as_millisecond() - HOUR).unwrap()
}

#[tokio::test]
async fn a_full_read_then_only_what_changed_since() {
    let w = world().await;
    let moved = w.insert("b1", at(0), None).await;
    let deleted = w.insert("b2", at(2), None).await;
    let kept = w.insert("b3", at(4), None).await;
    // Already over before the window, and already deleted: not in a full read.
    w.fake.put_on_calendar(ANA, "Old", ANA, at(-72), at(-71));
    let gone = w.fake.put_on_calendar(ANA, "Gone", ANA, at(6), at(7));
    w.fake.delete_in_google(&gone);

    let full = w.google.changes(&w.token, "primary", None, an_hour_ago()).await.unwrap();
    let mut ids: Vec<&str> = full.events.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [moved.as_str(), deleted.as_str(), kept.as_str()]);
    assert_eq!(full.events[0].booking_id.as_deref(), Some("b1"));
    assert!(!full.cursor.is_empty());

    // Nothing changed: nothing listed.
    let none = w.google.changes(&w.token, "primary", Some(&full.cursor), an_hour_ago()).await.unwrap();
    assert!(none.events.is_empty(), "{:?}", none.events);

    w.fake.move_in_google(&moved, at(1), at(3));
    w.fake.delete_in_google(&deleted);
    w.fake.answer_in_google(&kept, "bo@acme.test", "declined");
    let changes = w.google.changes(&w.token, "primary", Some(&none.cursor), an_hour_ago()).await.unwrap();
    let find = |id: &str| changes.events.iter().find(|e| e.id == id).unwrap();
    assert_eq!(changes.events.len(), 3, "{:?}", changes.events);
    assert_eq!(find(&moved).start.map(|t| t.as_millisecond()), Some(at(1)));
    assert_eq!(find(&moved).end.map(|t| t.as_millisecond()), Some(at(3)));
    assert!(!find(&moved).cancelled);
    assert!(find(&deleted).cancelled, "a deleted event comes as cancelled");
    assert_eq!(find(&kept).invitees[0].response, Response::Declined);
    // Moved in its own zone, as Google Calendar does.
    let stored = &w.fake.events()[&moved];
    assert_eq!(stored["start"]["timeZone"], "Europe/Madrid");
    assert!(
        stored["start"]["dateTime"].as_str().unwrap().ends_with(":00+01:00")
            || stored["start"]["dateTime"].as_str().unwrap().ends_with(":00+02:00")
    );

    // Sala's own changes are changes too.
    let later = body("b3", at(5), None);
    w.google.patch_event(&w.token, "primary", &kept, &later, &Conference::Keep).await.unwrap();
    let after = w.google.changes(&w.token, "primary", Some(&changes.cursor), an_hour_ago()).await.unwrap();
    assert_eq!(after.events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), [kept.as_str()]);
    assert_eq!(after.events[0].invitees[0].response, Response::Declined, "Bo's answer outlives the organizer's patch");
}

#[tokio::test]
async fn many_events_come_in_pages() {
    let w = world().await;
    for i in 0..260 {
        w.fake.put_on_calendar(ANA, &format!("E{i}"), ANA, at(i), at(i) + HOUR / 2);
    }
    let full = w.google.changes(&w.token, "primary", None, an_hour_ago()).await.unwrap();
    assert_eq!(full.events.len(), 260);
    let pages = w.fake.calls().iter().filter(|c| *c == "GET primary/events").count();
    assert_eq!(pages, 2, "250 a page");

    // Small pages, by hand: every page but the last has nextPageToken, only the last a sync token.
    let mut seen = Vec::new();
    let mut page: Option<String> = None;
    let sync_token = loop {
        let mut query = vec![("maxResults", "100"), ("timeMin", "2000-01-01T00:00:00Z")];
        if let Some(page) = &page {
            query.push(("pageToken", page));
        }
        let (status, answer) = w.list("primary", &query).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        seen.extend(answer["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()));
        if let Some(token) = answer["nextSyncToken"].as_str() {
            assert!(answer.get("nextPageToken").is_none());
            break token.to_owned();
        }
        page = Some(answer["nextPageToken"].as_str().unwrap().to_owned());
    };
    assert_eq!(seen.len(), 260);
    seen.dedup();
    assert_eq!(seen.len(), 260, "no event twice");

    // An event changed between two pages is not lost: the next sync lists it.
    let first = w.list("primary", &[("maxResults", "2")]).await.1;
    let first_id = first["items"][0]["id"].as_str().unwrap().to_owned();
    w.fake.move_in_google(&first_id, at(300), at(301));
    let mut page = first["nextPageToken"].as_str().unwrap().to_owned();
    let token = loop {
        let answer = w.list("primary", &[("maxResults", "100"), ("pageToken", &page)]).await.1;
        match answer["nextSyncToken"].as_str() {
            Some(token) => break token.to_owned(),
            None => page = answer["nextPageToken"].as_str().unwrap().to_owned(),
        }
    };
    let changes = w.google.changes(&w.token, "primary", Some(&token), an_hour_ago()).await.unwrap();
    assert!(changes.events.iter().any(|e| e.id == first_id));

    // Changes page too.
    for id in seen.iter().take(5) {
        w.fake.delete_in_google(id);
    }
    let (status, one) = w.list("primary", &[("syncToken", &sync_token), ("maxResults", "2")]).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["items"].as_array().unwrap().len(), 2);
    assert_eq!(one["items"][0]["status"], "cancelled");
    assert!(one["nextPageToken"].is_string() && one.get("nextSyncToken").is_none());
}

#[tokio::test]
async fn a_sync_token_takes_no_filters_and_can_expire() {
    let w = world().await;
    w.insert("b1", at(0), None).await;
    let full = w.google.changes(&w.token, "primary", None, an_hour_ago()).await.unwrap();
    for refused in
        [("timeMin", "2030-01-01T00:00:00Z"), ("privateExtendedProperty", "salaBookingId=b1"), ("showDeleted", "false")]
    {
        let (status, answer) = w.list("primary", &[("syncToken", &full.cursor), refused]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused:?}");
        assert_eq!(answer["error"]["errors"][0]["reason"], "invalid");
    }
    let (status, _) = w.list("primary", &[("syncToken", "made-up")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    w.fake.expire_sync_tokens();
    let expired = w.google.changes(&w.token, "primary", Some(&full.cursor), an_hour_ago()).await;
    assert_eq!(expired.unwrap_err(), ProviderError::CursorExpired);
    let (status, answer) = w.list("primary", &[("syncToken", &full.cursor)]).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(answer["error"]["code"], 410);
    assert_eq!(answer["error"]["errors"][0]["reason"], "fullSyncRequired");
    // A full read gives a token that works.
    let again = w.google.changes(&w.token, "primary", None, an_hour_ago()).await.unwrap();
    assert_eq!(again.events.len(), 1);
    w.google.changes(&w.token, "primary", Some(&again.cursor), an_hour_ago()).await.unwrap();
}

#[tokio::test]
async fn everyone_has_their_own_primary_calendar() {
    let w = world().await;
    w.fake.grant_as("rt-bo", "bo@acme.test");
    w.fake.grant("rt-plain");
    let bo = w.google.refresh("rt-bo").await.unwrap().access_token;
    let plain = w.google.refresh("rt-plain").await.unwrap().access_token;
    let anas = w.insert("b1", at(0), None).await;
    let bos = w.google.insert_event(&bo, "primary", &body("b2", at(1), None), &Conference::Keep).await.unwrap();
    let plains = w.google.insert_event(&plain, "primary", &body("b3", at(2), None), &Conference::Keep).await.unwrap();
    assert_eq!(bos.organizer.as_deref(), Some("bo@acme.test"));

    let ids = |calendar: &str| -> Vec<String> {
        w.fake.events_in(calendar).iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids(ANA), [anas.as_str()]);
    assert_eq!(ids("bo@acme.test"), [bos.id.as_str()]);
    assert_eq!(ids("rt-plain"), [plains.id.as_str()], "without an address, the refresh token names the calendar");
    let read = w.google.changes(&w.token, "primary", None, an_hour_ago()).await.unwrap();
    assert_eq!(read.events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), [anas.as_str()]);
    // The address names the same calendar as `primary`.
    let by_address = w.google.changes(&bo, "bo@acme.test", None, an_hour_ago()).await.unwrap();
    assert_eq!(by_address.events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), [bos.id.as_str()]);
    assert!(w.google.find_event(&w.token, "primary", "b2").await.unwrap().is_none(), "Bo's booking is not Ana's");
    assert!(w.google.find_event(&bo, "primary", "b2").await.unwrap().is_some());
}

#[tokio::test]
async fn a_room_gets_a_copy_without_the_organizers_private_properties() {
    let w = world().await;
    let id = w.insert("b1", at(0), Some(ROOM)).await;
    let copy = w.fake.events_in(ROOM);
    assert_eq!(copy.len(), 1);
    assert_eq!(copy[0]["id"], id.as_str(), "the same event id");
    assert!(copy[0].get("extendedProperties").is_none(), "{}", copy[0]);
    assert_eq!(w.fake.events()[&id]["extendedProperties"]["private"]["salaBookingId"], "b1");
    let room = copy[0]["attendees"].as_array().unwrap().iter().find(|a| a["resource"] == true).unwrap().clone();
    assert_eq!(room["responseStatus"], "accepted", "a free room accepts");

    let feed = w.google.changes(&w.token, ROOM, None, an_hour_ago()).await.unwrap();
    assert_eq!(feed.events.len(), 1);
    assert_eq!(feed.events[0].booking_id, None);
    assert_eq!(feed.events[0].organizer.as_deref(), Some(ANA));
    assert!(w.google.find_event(&w.token, ROOM, "b1").await.unwrap().is_none());
    assert!(w.google.find_event(&w.token, "primary", "b1").await.unwrap().is_some());
    assert!(w.google.get_event(&w.token, ROOM, &id).await.unwrap().booking_id.is_none());

    // Busy in the room's free/busy, with what was booked straight in Google and add_busy.
    let walk_in = w.fake.put_on_calendar(ROOM, "Walk-in", "carla@acme.test", at(3), at(4));
    w.fake.add_busy(ROOM, at(6), at(7));
    let from = Timestamp::from_millisecond(at(-1)).unwrap();
    let to = Timestamp::from_millisecond(at(10)).unwrap();
    let busy = w.google.free_busy(&w.token, &[ROOM.to_owned()], from, to).await.unwrap();
    let ms: Vec<(i64, i64)> = busy[ROOM].iter().map(|(s, e)| (s.as_millisecond(), e.as_millisecond())).collect();
    assert_eq!(ms, [(at(0), at(1)), (at(3), at(4)), (at(6), at(7))]);
    let organizer = &w.fake.events()[&walk_in]["organizer"]["email"];
    assert_eq!(organizer, "carla@acme.test");

    // Taken off the attendees, the room's copy is cancelled in its feed and frees the room.
    let roomless = body("b1", at(0), None);
    w.google.patch_event(&w.token, "primary", &id, &roomless, &Conference::Keep).await.unwrap();
    let after = w.google.changes(&w.token, ROOM, Some(&feed.cursor), an_hour_ago()).await.unwrap();
    assert_eq!(after.events.len(), 2, "{:?}", after.events);
    assert!(after.events.iter().any(|e| e.id == id && e.cancelled));
    let busy = w.google.free_busy(&w.token, &[ROOM.to_owned()], from, to).await.unwrap();
    assert_eq!(busy[ROOM].len(), 2);
    assert!(w.fake.events_in(ROOM).iter().all(|e| e["id"] != id.as_str()));
}

/// A receiver on 127.0.0.1 that hands over each notification's headers (and checks the body is
/// empty).
async fn receiver() -> (String, mpsc::UnboundedReceiver<HeaderMap>) {
    let (sender, received) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/push",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let sender = sender.clone();
            async move {
                assert!(body.is_empty());
                let _ = sender.send(headers);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/push", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

async fn next(received: &mut mpsc::UnboundedReceiver<HeaderMap>) -> HeaderMap {
    tokio::time::timeout(Duration::from_secs(5), received.recv()).await.unwrap().unwrap()
}

async fn nothing_more(received: &mut mpsc::UnboundedReceiver<HeaderMap>) {
    let more = tokio::time::timeout(Duration::from_millis(400), received.recv()).await;
    assert!(more.is_err(), "{more:?}");
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

fn watch_request(id: &str, address: &str, ttl_secs: u64) -> WatchRequest {
    WatchRequest {
        channel_id: id.into(),
        address: address.into(),
        token: "secret-of-sala".into(),
        ttl: Duration::from_secs(ttl_secs),
    }
}

#[tokio::test]
async fn a_channel_notifies_every_change_until_stopped() {
    let w = world().await;
    w.fake.grant_as("rt-bo", "bo@acme.test");
    let bo = w.google.refresh("rt-bo").await.unwrap().access_token;
    let (address, mut received) = receiver().await;
    let watch = w.google.watch(&w.token, "primary", &watch_request("chan-1", &address, 3600)).await.unwrap();
    let expires = watch.expires_at.unwrap().as_millisecond() - Timestamp::now().as_millisecond();
    assert!((3_590_000..=3_600_000).contains(&expires), "{expires}");

    let sync = next(&mut received).await;
    assert_eq!(header(&sync, "x-goog-resource-state"), "sync");
    assert_eq!(header(&sync, "x-goog-message-number"), "1");
    assert_eq!(header(&sync, "x-goog-channel-id"), "chan-1");
    assert_eq!(header(&sync, "x-goog-channel-token"), "secret-of-sala");
    assert_eq!(header(&sync, "x-goog-resource-id"), watch.resource_id);
    assert!(header(&sync, "x-goog-resource-uri").ends_with("/calendar/v3/calendars/primary/events?alt=json"));
    let expiration = jiff::fmt::rfc2822::parse(header(&sync, "x-goog-channel-expiration")).unwrap();
    assert_eq!(expiration.timestamp().as_second(), watch.expires_at.unwrap().as_second());
    assert!(header(&sync, "x-goog-channel-expiration").ends_with(" GMT"));

    // Sala's own insert, then someone in Google: both notified, numbered on.
    let id = w.insert("b1", at(0), None).await;
    let first = next(&mut received).await;
    assert_eq!(header(&first, "x-goog-resource-state"), "exists");
    assert_eq!(header(&first, "x-goog-message-number"), "2");
    w.fake.move_in_google(&id, at(1), at(2));
    assert_eq!(header(&next(&mut received).await, "x-goog-message-number"), "3");
    // Another calendar's change is not this channel's.
    w.google.insert_event(&bo, "primary", &body("b2", at(0), None), &Conference::Keep).await.unwrap();
    nothing_more(&mut received).await;
    assert_eq!(w.fake.notifications_sent(), 3);

    // A channel id is used once.
    let again = w.google.watch(&w.token, "primary", &watch_request("chan-1", &address, 3600)).await;
    assert!(matches!(again, Err(ProviderError::Final(ref m)) if m.contains("channelIdNotUnique")), "{again:?}");

    w.google.stop_watch(&w.token, &watch).await.unwrap();
    assert!(w.fake.channels()[0].stopped);
    w.fake.delete_in_google(&id);
    nothing_more(&mut received).await;
    assert_eq!(w.fake.notifications_sent(), 3);
    // Stopping it again: Google no longer knows it (404), which the client takes as done.
    let stop = json!({"id": "chan-1", "resourceId": watch.resource_id});
    assert_eq!(w.post("channels/stop", stop).await.0, StatusCode::NOT_FOUND);
    w.google.stop_watch(&w.token, &watch).await.unwrap();
    let unknown = Watch { channel_id: "nope".into(), resource_id: watch.resource_id.clone(), expires_at: None };
    w.google.stop_watch(&w.token, &unknown).await.unwrap();
}

#[tokio::test]
async fn a_watch_is_checked_like_google_checks_it() {
    let w = world().await;
    let (address, _received) = receiver().await;
    let ask = |id: &str, kind: &str, address: &str| json!({"id": id, "type": kind, "address": address, "token": "t", "params": {"ttl": "600"}});
    let (status, answer) = w.post("calendars/primary/events/watch", ask("c1", "web_hook", &address)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["kind"], "api#channel");
    assert_eq!(answer["token"], "t");
    assert!(answer["expiration"].is_string(), "int64 as a string: {answer}");
    assert!(answer["resourceUri"].is_string() && answer["resourceId"].is_string());
    // The same calendar is the same resource.
    let (_, other) = w.post(&format!("calendars/{ANA}/events/watch"), ask("c2", "webhook", &address)).await;
    assert_eq!(other["resourceId"], answer["resourceId"]);

    let (status, refused) = w.post("calendars/primary/events/watch", ask("c1", "web_hook", &address)).await;
    assert_eq!(
        (status, &refused["error"]["errors"][0]["reason"]),
        (StatusCode::BAD_REQUEST, &json!("channelIdNotUnique"))
    );
    assert_eq!(w.post("calendars/primary/events/watch", ask("c3", "email", &address)).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(w.post("calendars/primary/events/watch", ask("c4", "web_hook", "")).await.0, StatusCode::BAD_REQUEST);
    let (status, http) =
        w.post("calendars/primary/events/watch", ask("c5", "web_hook", "http://sala.example/push")).await;
    assert_eq!(
        (status, &http["error"]["errors"][0]["reason"]),
        (StatusCode::BAD_REQUEST, &json!("push.webhookUrlNotHttps"))
    );
    // Without the bearer token, nothing.
    let url = format!("{}/calendar/v3/channels/stop", w.fake.api_base);
    let anonymous =
        w.http.post(url).json(&json!({"id": "c1", "resourceId": answer["resourceId"]})).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(w.post("channels/stop", json!({"id": "c1", "resourceId": "other"})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        w.post("channels/stop", json!({"id": "c1", "resourceId": answer["resourceId"]})).await.0,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn google_may_shorten_a_channel_and_an_expired_one_is_silent() {
    let w = world().await;
    let (address, mut received) = receiver().await;
    w.fake.cap_channel_ttl(60);
    let watch = w.google.watch(&w.token, "primary", &watch_request("short", &address, 3600)).await.unwrap();
    let left = watch.expires_at.unwrap().as_millisecond() - Timestamp::now().as_millisecond();
    assert!((55_000..=60_000).contains(&left), "{left}");
    assert_eq!(w.fake.channels()[0].expiration_ms, watch.expires_at.unwrap().as_millisecond());
    assert_eq!(header(&next(&mut received).await, "x-goog-resource-state"), "sync");
    w.google.stop_watch(&w.token, &watch).await.unwrap();

    w.fake.cap_channel_ttl(0);
    w.google.watch(&w.token, "primary", &watch_request("gone", &address, 3600)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let sent = w.fake.notifications_sent();
    w.insert("b1", at(0), None).await;
    assert_eq!(w.fake.notifications_sent(), sent, "an expired channel sends nothing");
    while let Ok(Some(headers)) = tokio::time::timeout(Duration::from_millis(300), received.recv()).await {
        assert_ne!(header(&headers, "x-goog-resource-state"), "exists");
    }
}

#[tokio::test]
async fn muted_changes_are_still_in_the_feed() {
    let w = world().await;
    let (address, mut received) = receiver().await;
    let full = w.google.changes(&w.token, "primary", None, an_hour_ago()).await.unwrap();
    w.google.watch(&w.token, "primary", &watch_request("quiet", &address, 3600)).await.unwrap();
    next(&mut received).await;
    w.fake.mute_notifications(true);
    let id = w.insert("b1", at(0), None).await;
    nothing_more(&mut received).await;
    assert_eq!(w.fake.notifications_sent(), 1);
    let changes = w.google.changes(&w.token, "primary", Some(&full.cursor), an_hour_ago()).await.unwrap();
    assert_eq!(changes.events[0].id, id);
    w.fake.mute_notifications(false);
    w.fake.delete_in_google(&id);
    assert_eq!(header(&next(&mut received).await, "x-goog-resource-state"), "exists");
}
