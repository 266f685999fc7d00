//! The real Graph client (`MicrosoftGraph`) against the crate's fake Microsoft: application
//! tokens per directory, events with Teams meetings and Sala's extended properties, rooms'
//! schedules, delta reads (paged, throttled, expiring) and subscriptions whose validation
//! handshake and notifications reach a small receiver on 127.0.0.1.

#![allow(clippy::unwrap_used)]

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::{SignedDuration, Timestamp};
use sala_channels::calendar::{
    CalendarProvider, Conference, EventAttendee, EventBody, EventTime, ProviderError, Response, WatchRequest,
};
use sala_channels::microsoft::notifications::{
    GraphNotification, NotificationKind, parse_notifications, validation_token,
};
use sala_channels::microsoft::{MicrosoftConfig, MicrosoftGraph};
use sala_channels::testing::microsoft::{
    FAKE_MICROSOFT_CLIENT_ID, FAKE_MICROSOFT_CLIENT_SECRET, FakeMicrosoft, MicrosoftAnswer,
};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const ACME: &str = "acme.onmicrosoft.com";
const ANA: &str = "ana@acme.test";
const ROOM: &str = "atlantico@acme.test";
const ROOM2: &str = "pacifico@acme.test";
const HOUR: SignedDuration = SignedDuration::from_hours(1);

struct World {
    fake: FakeMicrosoft,
    graph: MicrosoftGraph,
    token: String,
}

fn config(fake: &FakeMicrosoft, secret: &str) -> MicrosoftConfig {
    MicrosoftConfig {
        graph_base: fake.graph_base.clone(),
        login_base: fake.login_base.clone(),
        client_id: FAKE_MICROSOFT_CLIENT_ID.into(),
        client_secret: secret.into(),
        delta_window: Duration::from_secs(730 * 24 * 3600),
    }
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap()
}

async fn world() -> World {
    let fake = FakeMicrosoft::start().await.unwrap();
    fake.consent(ACME);
    fake.add_mailbox(ACME, ANA, false);
    fake.add_mailbox(ACME, ROOM, true);
    fake.add_mailbox(ACME, ROOM2, true);
    let graph = MicrosoftGraph::new(http(), config(&fake, FAKE_MICROSOFT_CLIENT_SECRET));
    let token = graph.application_token(ACME).await.unwrap().access_token;
    World { fake, graph, token }
}

/// Tomorrow at 10:00 UTC plus `hours`.
fn at(hours: i64) -> Timestamp {
    let now = Timestamp::now();
    let midnight = now.as_second() - now.as_second().rem_euclid(86_400);
    Timestamp::from_second(midnight + (34 + hours) * 3600).unwrap()
}

fn time(t: Timestamp) -> EventTime {
    let local = t.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Madrid").unwrap());
    EventTime { date_time: local.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(), time_zone: "Europe/Madrid".into() }
}

fn body(booking: &str, start: Timestamp, room: Option<&str>) -> EventBody {
    let mut attendees = vec![EventAttendee { email: "bo@acme.test".into(), display_name: None, resource: false }];
    attendees.extend(room.map(|r| EventAttendee {
        email: r.into(),
        display_name: Some("Atlántico".into()),
        resource: true,
    }));
    EventBody {
        booking_id: booking.into(),
        booking_version: 1,
        ical_uid: Some(format!("{booking}@sala.test")),
        summary: format!("Booking {booking}"),
        description: Some("Agenda".into()),
        location: None,
        start: time(start),
        end: time(start + HOUR),
        attendees,
    }
}

impl World {
    async fn insert(&self, booking: &str, start: Timestamp, room: Option<&str>) -> String {
        self.graph.insert_event(&self.token, ANA, &body(booking, start, room), &Conference::Keep).await.unwrap().id
    }

    fn calls_to(&self, what: &str) -> usize {
        self.fake.calls().iter().filter(|c| c.contains(what)).count()
    }
}

#[tokio::test]
async fn application_tokens_are_cached_per_directory_and_refused_without_consent() {
    let w = world().await;
    assert_eq!(w.fake.token_requests(), 1);
    let again = w.graph.application_token(ACME).await.unwrap();
    assert_eq!((again.access_token.as_str(), w.fake.token_requests()), (w.token.as_str(), 1), "cached");
    assert!(again.expires_in > 3000);

    w.fake.consent("globex.onmicrosoft.com");
    let other = w.graph.application_token("globex.onmicrosoft.com").await.unwrap();
    assert_ne!(other.access_token, w.token);
    assert_eq!(w.fake.token_requests(), 2, "one token per directory");

    let Err(refused) = w.graph.application_token("initech.onmicrosoft.com").await else { panic!("no consent") };
    let ProviderError::Final(reason) = &refused else { panic!("{refused:?}") };
    assert!(reason.contains("unauthorized_client") && reason.contains("AADSTS700016"), "{reason}");
    assert!(!reason.contains(FAKE_MICROSOFT_CLIENT_SECRET) && !reason.contains("Trace ID"), "{reason}");
    assert!(matches!(w.graph.application_token("a/../b").await, Err(ProviderError::Final(_))));

    let wrong = MicrosoftGraph::new(http(), config(&w.fake, "not-the-secret"));
    let Err(refused) = wrong.application_token(ACME).await else { panic!("wrong secret") };
    assert!(matches!(&refused, ProviderError::Final(r) if r.contains("invalid_client") && r.contains("AADSTS7000215")));
    assert!(!format!("{refused}").contains("not-the-secret"));

    // A token that expires within five minutes is not reused.
    w.fake.set_token_lifetime(200);
    let fresh = MicrosoftGraph::new(http(), config(&w.fake, FAKE_MICROSOFT_CLIENT_SECRET));
    let before = w.fake.token_requests();
    fresh.application_token(ACME).await.unwrap();
    fresh.application_token(ACME).await.unwrap();
    assert_eq!(w.fake.token_requests(), before + 2);

    w.fake.grant_refresh_token("rt-ana", ACME, ANA);
    let delegated = w.graph.refresh("rt-ana").await.unwrap();
    let own = w.graph.find_event(&delegated.access_token, "primary", "none").await.unwrap();
    assert!(own.is_none() && w.fake.calls().last().unwrap().starts_with("GET /me/events"));
    assert!(matches!(w.graph.refresh("rt-gone").await, Err(ProviderError::InvalidGrant(_))));
    assert_eq!(w.graph.revoke("rt-ana").await, Ok(()));
    // `/me` means nothing to an application token.
    assert!(
        matches!(w.graph.find_event(&w.token, "primary", "x").await, Err(ProviderError::Final(r)) if r.contains("/me request"))
    );
}

#[tokio::test]
async fn mailboxes_outside_the_tokens_directory_are_not_found() {
    let w = world().await;
    w.fake.consent("globex.onmicrosoft.com");
    w.fake.add_mailbox("globex.onmicrosoft.com", "zoe@globex.test", false);
    let found = w.graph.find_event(&w.token, "zoe@globex.test", "b1").await;
    assert_eq!(found.unwrap_err(), ProviderError::NotFound);
    assert_eq!(w.graph.get_event(&w.token, "nobody@acme.test", "x").await.unwrap_err(), ProviderError::NotFound);
    w.fake.expire_access_tokens();
    assert_eq!(w.graph.get_event(&w.token, ANA, "x").await.unwrap_err(), ProviderError::Unauthorized);
}

#[tokio::test]
async fn an_event_with_teams_is_found_after_a_lost_answer_then_moved_and_deleted() {
    let w = world().await;
    let create = Conference::Create { request_id: "r-1".into() };
    let first = w.graph.insert_event(&w.token, ANA, &body("b1", at(0), None), &create).await.unwrap();
    let link = first.meet_link.clone().unwrap();
    assert!(link.starts_with("https://teams.microsoft.com/l/meetup-join/"), "{link}");
    assert_eq!((first.booking_id.as_deref(), first.booking_version), (Some("b1"), Some(1)));
    assert_eq!((first.start, first.end), (Some(at(0)), Some(at(1))));

    // The answer was lost; the retry carries the same transactionId and gets the same event.
    let retried = w.graph.insert_event(&w.token, ANA, &body("b1", at(0), None), &create).await.unwrap();
    assert_eq!(retried.id, first.id);
    let stored = w.fake.events_in(ANA);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["transactionId"], "sala-b1-v1");
    assert_eq!(stored[0]["start"]["timeZone"], "UTC");
    assert_ne!(stored[0]["iCalUId"], "b1@sala.test", "Graph makes the UID; Sala cannot set it");

    let found = w.graph.find_event(&w.token, ANA, "b1").await.unwrap().unwrap();
    assert_eq!(
        (found.id.as_str(), found.booking_version, found.meet_link.as_deref()),
        (first.id.as_str(), Some(1), Some(link.as_str()))
    );
    assert!(w.graph.find_event(&w.token, ANA, "b2").await.unwrap().is_none());
    assert!(w.graph.find_event(&w.token, ANA, "b1' or 'x").await.unwrap().is_none(), "quotes are escaped");

    let mut moved = body("b1", at(2), None);
    moved.booking_version = 2;
    let patched = w.graph.patch_event(&w.token, ANA, &first.id, &moved, &Conference::Keep).await.unwrap();
    assert_eq!((patched.start, patched.meet_link.as_deref()), (Some(at(2)), Some(link.as_str())));
    let read = w.graph.get_event(&w.token, ANA, &first.id).await.unwrap();
    assert_eq!((read.booking_version, read.start, read.organizer.as_deref()), (Some(2), Some(at(2)), Some(ANA)));
    assert_eq!(read.invitees[0].response, Response::NeedsAction);
    w.fake.answer_in_outlook(ANA, &first.id, "bo@acme.test", "tentativelyAccepted");
    assert_eq!(w.graph.get_event(&w.token, ANA, &first.id).await.unwrap().invitees[0].response, Response::Tentative);

    let removed = w.graph.patch_event(&w.token, ANA, &first.id, &moved, &Conference::Remove).await.unwrap();
    assert!(removed.meet_link.is_none() && removed.conference().is_none());

    w.graph.delete_event(&w.token, ANA, &first.id).await.unwrap();
    assert_eq!(w.graph.get_event(&w.token, ANA, &first.id).await.unwrap_err(), ProviderError::NotFound);
    assert_eq!(w.graph.delete_event(&w.token, ANA, &first.id).await.unwrap_err(), ProviderError::NotFound);
    assert!(w.graph.find_event(&w.token, ANA, "b1").await.unwrap().is_none());
}

#[tokio::test]
async fn an_occurrence_joins_the_first_occurrences_meeting() {
    let w = world().await;
    let create = Conference::Create { request_id: "r-1".into() };
    let first = w.graph.insert_event(&w.token, ANA, &body("s1", at(0), None), &create).await.unwrap();
    let own = w.graph.insert_event(&w.token, ANA, &body("s0", at(8), None), &create).await.unwrap();
    assert_ne!(own.meet_link, first.meet_link, "each Teams meeting has its own link");

    let copy = Conference::Copy(first.conference().unwrap());
    let second = w.graph.insert_event(&w.token, ANA, &body("s2", at(24), None), &copy).await.unwrap();
    assert_eq!(second.meet_link, first.meet_link);
    let read = w.graph.get_event(&w.token, ANA, &second.id).await.unwrap();
    assert_eq!(read.meet_link, first.meet_link);
    assert_eq!(read.conference(), first.conference());
    let stored = w.fake.events_in(ANA).into_iter().find(|e| e["id"] == second.id.as_str()).unwrap();
    assert_eq!(stored["isOnlineMeeting"], false, "no second meeting");
    assert!(stored["body"]["content"].as_str().unwrap().contains(first.meet_link.as_deref().unwrap()));
}

#[tokio::test]
async fn get_schedule_shows_rooms_and_outside_events_and_leaves_unknown_schedules_out() {
    let w = world().await;
    let id = w.insert("b1", at(0), Some(ROOM)).await;
    let read = w.graph.get_event(&w.token, ANA, &id).await.unwrap();
    let room = read.invitees.iter().find(|i| i.email == ROOM).unwrap();
    assert!(room.resource && room.response == Response::Accepted, "{room:?}");
    w.fake.put_on_calendar(ROOM2, at(3), at(4), "Board");
    let free = w.fake.put_on_calendar(ROOM2, at(5), at(6), "Lunch");
    w.fake.set_show_as(&free, "free");

    let calendars: Vec<String> =
        [ROOM, "Pacifico@Acme.test", "ghost@acme.test"].iter().map(|s| s.to_string()).collect();
    let busy = w.graph.free_busy(&w.token, &calendars, at(-1), at(10)).await.unwrap();
    assert_eq!(busy.len(), 2, "{busy:?}");
    assert_eq!(busy[ROOM], vec![(at(0), at(1))]);
    assert_eq!(busy[ROOM2], vec![(at(3), at(4))], "keyed by the lowercased address; free time is not busy");

    // More than 20 schedules: two calls.
    let mut many = vec![ROOM.to_string()];
    many.extend((0..21).map(|n| format!("ghost{n}@acme.test")));
    let before = w.calls_to("getSchedule");
    let busy = w.graph.free_busy(&w.token, &many, at(-1), at(10)).await.unwrap();
    assert_eq!((w.calls_to("getSchedule") - before, busy.len()), (2, 1));
    // getSchedule is asked under a mailbox: an unknown first one gives way to the next.
    let before = w.calls_to("getSchedule");
    let busy = w.graph.free_busy(&w.token, &["ghost@acme.test".into(), ROOM.into()], at(-1), at(10)).await.unwrap();
    assert_eq!((w.calls_to("getSchedule") - before, busy[ROOM].len()), (2, 1));
    // More than 62 days: split too.
    let before = w.calls_to("getSchedule");
    let busy = w.graph.free_busy(&w.token, &[ROOM.to_string()], at(-1), at(24 * 100)).await.unwrap();
    assert_eq!((w.calls_to("getSchedule") - before, busy[ROOM].len()), (2, 1));
}

#[tokio::test]
async fn a_full_delta_read_in_pages_then_only_what_changed() {
    let w = world().await;
    w.fake.cap_page_size(2);
    let ids: Vec<String> = futures_free_insert(&w, 5).await;
    let outside = w.fake.put_on_calendar(ANA, at(-72), at(-71), "Long ago");
    let since = Timestamp::now() - HOUR;

    let full = w.graph.changes(&w.token, ANA, None, since).await.unwrap();
    assert_eq!(w.calls_to("calendarView/delta"), 3, "five events in pages of two");
    let mut read: Vec<&str> = full.events.iter().map(|e| e.id.as_str()).collect();
    read.sort_unstable();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(read, want, "{outside} is before the window");
    assert!(full.events.iter().all(|e| e.booking_id.is_some() && e.booking_version == Some(1) && !e.cancelled));
    assert!(full.cursor.starts_with(&w.fake.graph_base) && full.cursor.contains("$deltatoken="));

    let nothing = w.graph.changes(&w.token, ANA, Some(&full.cursor), since).await.unwrap();
    assert!(nothing.events.is_empty());

    w.fake.move_in_outlook(&ids[0], at(30), at(31));
    w.fake.delete_in_outlook(&ids[1]);
    let added = w.fake.put_on_calendar(ANA, at(40), at(41), "Dentist");
    let changed = w.graph.changes(&w.token, ANA, Some(&nothing.cursor), since).await.unwrap();
    assert_eq!(changed.events.len(), 3, "{:?}", changed.events);
    let moved = changed.events.iter().find(|e| e.id == ids[0]).unwrap();
    assert_eq!((moved.start, moved.booking_id.as_deref(), moved.cancelled), (Some(at(30)), Some("b0"), false));
    let deleted = changed.events.iter().find(|e| e.id == ids[1]).unwrap();
    assert!(deleted.cancelled && deleted.booking_id.is_none());
    let new = changed.events.iter().find(|e| e.id == added).unwrap();
    assert_eq!((new.summary.as_deref(), new.booking_id.as_deref()), (Some("Dentist"), None));

    // Deleted between the delta read and the read of its properties: cancelled.
    w.fake.move_in_outlook(&ids[2], at(50), at(51));
    w.fake.script(&[MicrosoftAnswer::Pass, MicrosoftAnswer::Status(404)]);
    let vanished = w.graph.changes(&w.token, ANA, Some(&changed.cursor), since).await.unwrap();
    assert_eq!(vanished.events.len(), 1);
    assert!(vanished.events[0].id == ids[2] && vanished.events[0].cancelled);

    w.fake.expire_delta_tokens();
    assert_eq!(
        w.graph.changes(&w.token, ANA, Some(&vanished.cursor), since).await.unwrap_err(),
        ProviderError::CursorExpired
    );
    let again = w.graph.changes(&w.token, ANA, None, since).await.unwrap();
    assert_eq!(again.events.len(), 5, "a full read after expiry: four of Sala's and the dentist");

    // A stored cursor never sends the token anywhere but Graph.
    let calls = w.fake.calls().len();
    for evil in [
        "https://evil.test/v1.0/users/x/calendarView/delta?$deltatoken=a".to_string(),
        format!("{}@evil.test/x", w.fake.graph_base),
    ] {
        let refused = w.graph.changes(&w.token, ANA, Some(&evil), since).await.unwrap_err();
        assert!(matches!(refused, ProviderError::Final(_)), "{refused:?}");
    }
    assert_eq!(w.fake.calls().len(), calls);
}

/// Five of Sala's events, an hour apart.
async fn futures_free_insert(w: &World, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(w.insert(&format!("b{i}"), at(2 * i as i64), None).await);
    }
    ids
}

#[tokio::test]
async fn a_calendar_view_lists_the_window_by_start() {
    let w = world().await;
    w.fake.cap_page_size(2);
    let late = w.insert("late", at(6), None).await;
    let early = w.insert("early", at(0), None).await;
    let gone = w.insert("gone", at(3), None).await;
    w.fake.put_on_calendar(ANA, at(48), at(49), "Outside the window");
    w.graph.delete_event(&w.token, ANA, &gone).await.unwrap();
    let middle = w.fake.put_on_calendar(ANA, at(4), at(5), "Walk-in");
    let listed = w.graph.list_events(&w.token, ANA, at(-1), at(24)).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [early.as_str(), middle.as_str(), late.as_str()]);
    assert_eq!(listed[0].booking_id.as_deref(), Some("early"));
    assert!(w.calls_to("GET /users/ana@acme.test/calendarView") >= 2, "paged");
}

#[tokio::test]
async fn a_throttled_page_is_asked_again_in_place_and_a_throttled_call_is_retryable() {
    let w = world().await;
    w.fake.cap_page_size(2);
    futures_free_insert(&w, 5).await;
    let since = Timestamp::now() - HOUR;
    w.fake.script(&[MicrosoftAnswer::Pass, MicrosoftAnswer::Throttle(1)]);
    let started = Instant::now();
    let full = w.graph.changes(&w.token, ANA, None, since).await.unwrap();
    assert_eq!(full.events.len(), 5);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was honoured");
    assert_eq!(w.calls_to("calendarView/delta"), 4, "the second page twice, the first once");

    w.fake.throttle_next(1, 1);
    let throttled = w.graph.get_event(&w.token, ANA, "x").await.unwrap_err();
    assert!(matches!(throttled, ProviderError::Retryable { retry_after: Some(d), .. } if d == Duration::from_secs(1)));
    for (status, retryable) in [(503, true), (504, true), (500, true), (400, false), (403, false)] {
        w.fake.fail_next(status);
        let failed = w.graph.get_event(&w.token, ANA, "x").await.unwrap_err();
        assert_eq!(matches!(failed, ProviderError::Retryable { .. }), retryable, "{status}: {failed:?}");
    }
    w.fake.fail_next(409);
    assert_eq!(w.graph.get_event(&w.token, ANA, "x").await.unwrap_err(), ProviderError::Duplicate);
    w.fake.fail_next(401);
    assert_eq!(w.graph.get_event(&w.token, ANA, "x").await.unwrap_err(), ProviderError::Unauthorized);
    // Throttled past the attempts: the read gives up, retryable, without starting over.
    w.fake.throttle_next(3, 1);
    let given_up = w.graph.changes(&w.token, ANA, None, since).await.unwrap_err();
    assert!(matches!(given_up, ProviderError::Retryable { .. }), "{given_up:?}");
}

/// A receiver on 127.0.0.1 that answers Graph's validation (when `echo`) and hands over every
/// notification.
async fn receiver(echo: bool) -> (String, mpsc::UnboundedReceiver<GraphNotification>) {
    let (sender, received) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/graph",
        axum::routing::post(move |RawQuery(query): RawQuery, body: axum::body::Bytes| {
            let sender = sender.clone();
            async move {
                if let Some(token) = validation_token(query.as_deref().unwrap_or_default()) {
                    assert!(body.is_empty());
                    return if echo {
                        ([("content-type", "text/plain")], token).into_response()
                    } else {
                        StatusCode::ACCEPTED.into_response()
                    };
                }
                for notification in parse_notifications(&body).unwrap() {
                    let _ = sender.send(notification);
                }
                StatusCode::ACCEPTED.into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graph", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

async fn next(received: &mut mpsc::UnboundedReceiver<GraphNotification>) -> GraphNotification {
    tokio::time::timeout(Duration::from_secs(5), received.recv()).await.unwrap().unwrap()
}

async fn nothing_more(received: &mut mpsc::UnboundedReceiver<GraphNotification>) {
    let more = tokio::time::timeout(Duration::from_millis(400), received.recv()).await;
    assert!(more.is_err(), "{more:?}");
}

fn request(address: &str, ttl_days: u64) -> WatchRequest {
    WatchRequest {
        channel_id: "ignored-by-graph".into(),
        address: address.into(),
        token: "client-state-secret".into(),
        ttl: Duration::from_secs(ttl_days * 24 * 3600),
    }
}

#[tokio::test]
async fn a_subscription_is_validated_notifies_changes_is_renewed_and_stopped() {
    let w = world().await;
    let (address, mut received) = receiver(true).await;
    let watch = w.graph.watch(&w.token, ANA, &request(&address, 30)).await.unwrap();
    assert_eq!(watch.channel_id, watch.resource_id);
    let expires = watch.expires_at.unwrap();
    assert!(expires <= Timestamp::now() + SignedDuration::from_mins(10_080), "capped at Graph's maximum");
    assert!(expires > Timestamp::now() + SignedDuration::from_hours(24 * 6));
    let subscription = w.fake.subscriptions().pop().unwrap();
    assert_eq!((subscription.id.as_str(), subscription.mailbox.as_str()), (watch.channel_id.as_str(), ANA));
    assert_eq!(subscription.resource, "/users/ana@acme.test/events");
    assert_eq!(subscription.client_state.as_deref(), Some("client-state-secret"));

    let id = w.insert("b1", at(0), None).await;
    let created = next(&mut received).await;
    assert_eq!((created.kind.clone(), created.event_id.as_deref()), (NotificationKind::Created, Some(id.as_str())));
    assert_eq!(created.subscription_id, watch.channel_id);
    assert!(created.genuine("client-state-secret") && created.tenant_id.as_deref() == Some(ACME));
    w.fake.move_in_outlook(&id, at(2), at(3));
    assert_eq!(next(&mut received).await.kind, NotificationKind::Updated);
    w.fake.delete_in_outlook(&id);
    assert_eq!(next(&mut received).await.kind, NotificationKind::Deleted);
    // Another mailbox's changes are not told here.
    w.fake.put_on_calendar(ROOM, at(0), at(1), "Elsewhere");
    nothing_more(&mut received).await;

    w.fake.send_lifecycle(&watch.channel_id, "reauthorizationRequired");
    assert_eq!(next(&mut received).await.kind, NotificationKind::ReauthorizationRequired);

    let renewed = w.graph.renew_watch(&w.token, ANA, &watch, &request(&address, 2)).await.unwrap();
    assert_eq!(renewed.channel_id, watch.channel_id, "renewed in place");
    assert!(renewed.expires_at.unwrap() < expires);
    assert_eq!(w.calls_to(&format!("PATCH /subscriptions/{}", watch.channel_id)), 1);
    assert_eq!(w.fake.subscriptions().len(), 1);

    w.graph.stop_watch(&w.token, &renewed).await.unwrap();
    assert!(w.fake.subscriptions()[0].deleted);
    w.insert("b2", at(5), None).await;
    nothing_more(&mut received).await;
    w.graph.stop_watch(&w.token, &renewed).await.unwrap();

    // A subscription Graph no longer knows is opened anew.
    let reopened = w.graph.renew_watch(&w.token, ANA, &renewed, &request(&address, 1)).await.unwrap();
    assert_ne!(reopened.channel_id, watch.channel_id);
    assert_eq!(w.fake.subscriptions().len(), 2);
    w.fake.mute_notifications(true);
    w.insert("b3", at(7), None).await;
    nothing_more(&mut received).await;
}

#[tokio::test]
async fn a_receiver_that_does_not_echo_the_validation_token_gets_no_subscription() {
    let w = world().await;
    let (address, _received) = receiver(false).await;
    let refused = w.graph.watch(&w.token, ANA, &request(&address, 1)).await.unwrap_err();
    assert!(matches!(&refused, ProviderError::Final(r) if r.contains("ValidationError")), "{refused:?}");
    assert!(w.fake.subscriptions().is_empty());
    let unreachable = w.graph.watch(&w.token, ANA, &request("http://127.0.0.1:9/graph", 1)).await.unwrap_err();
    assert!(matches!(unreachable, ProviderError::Final(_)));
}
