//! Calendars in step both ways: what the organizer changes in Google Calendar comes back to
//! Sala through Google's push channel (the fake posts to `/hooks/calendar/google` as Google
//! does), passes Sala's rules or is put back, and a lost push or an expired sync token is caught
//! up by the reconciliation.

use super::google_calendar::{connect_ana, google_world_with};
use super::*;
use sala_channels::testing::FakeGoogle;

/// Google's fake with push on: Sala's base URL is the test server's, so channels point at it.
async fn two_way_world(app: TestApp) -> Option<(TestApp, World, FakeGoogle)> {
    google_world_with(app, |s| s.calendar_push = true).await
}

async fn book(app: &TestApp, w: &World, start: i64, title: &str, organizer: &str) -> String {
    let body = json!({"room_id": w.room, "title": title, "start": iso(start), "end": iso(start + HOUR),
        "time_zone": "Europe/Madrid", "organizer": organizer, "attendees": [{"email": "maria@acme.test"}]});
    let (status, booking) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    booking["id"].as_str().unwrap().to_owned()
}

async fn booking(app: &TestApp, w: &World, id: &str) -> Value {
    json(app.api(Method::GET, &format!("/api/v1/bookings/{id}"), &w.key).send().await.unwrap()).await.1
}

/// The Google event Sala keeps for the booking.
fn event_of(google: &FakeGoogle, id: &str) -> (String, Value) {
    google
        .events()
        .into_iter()
        .find(|(_, e)| e["extendedProperties"]["private"]["salaBookingId"] == id)
        .expect("the booking's event")
}

/// An instant the API wrote (RFC 3339, in whatever offset), in Unix ms.
fn instant(value: &Value) -> i64 {
    value.as_str().unwrap().parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

fn event_start(event: &Value) -> i64 {
    event["start"]["dateTime"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

/// Runs what is due now, including what the last run wrote.
async fn settle(app: &TestApp) {
    let runner = app.runner();
    app.run_jobs_at(&runner, now_millis()).await;
}

/// Runs the jobs (the pushes arrive on their own, a moment after the change) until `done`.
async fn run_until(app: &TestApp, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let runner = app.runner();
    for _ in 0..100 {
        app.run_jobs_at(&runner, now_millis()).await;
        if done().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn a_move_in_google_moves_the_booking_and_a_conflicting_one_is_put_back(app: TestApp) {
    let Some((app, w, google)) = two_way_world(app).await else { return };
    connect_ana(&app, &w, &google).await;
    let start = now_millis() / HOUR * HOUR + 30 * HOUR;
    let id = book(&app, &w, start, "Plan trimestral", "ana@acme.test").await;
    let other = book(&app, &w, start + 3 * HOUR, "Otra reunión", "maria@acme.test").await;
    // The event is written, and Sala starts watching Ana's calendar: one channel to its hook.
    run_until(&app, "the channel", async || !google.channels().is_empty()).await;
    let channels = google.channels();
    assert_eq!(channels.len(), 1, "{channels:?}");
    assert!(channels[0].address.ends_with("/hooks/calendar/google"), "{}", channels[0].address);
    let (event_id, _) = event_of(&google, &id);

    // Ana drags the meeting an hour later in Google Calendar: the booking follows.
    google.move_in_google(&event_id, start + HOUR, start + 2 * HOUR);
    run_until(&app, "the move", async || instant(&booking(&app, &w, &id).await["start"]) == start + HOUR).await;
    let moved = booking(&app, &w, &id).await;
    assert_eq!(instant(&moved["end"]), start + 2 * HOUR);
    assert_eq!(moved["version"], 2, "one edit, and Sala's own write back changed nothing: {moved}");
    settle(&app).await; // The update's messages, written by the move.

    // Then onto María's meeting: the room is taken, so the event goes back and Ana is told why.
    let mails = w.smtp.received().len();
    google.move_in_google(&event_id, start + 3 * HOUR, start + 4 * HOUR);
    run_until(&app, "the put back", async || event_start(&event_of(&google, &id).1) == start + HOUR).await;
    settle(&app).await;
    let kept = booking(&app, &w, &id).await;
    assert_eq!((instant(&kept["start"]), kept["version"].clone()), (start + HOUR, json!(2)));
    assert_eq!(instant(&booking(&app, &w, &other).await["start"]), start + 3 * HOUR);
    // Only the put back's email counts here: under load, a retry of the first move's update may
    // land in this step too.
    let put_back: Vec<Mail> = w.smtp.received()[mails..]
        .iter()
        .map(|r| parse(&r.data))
        .filter(|m| !m.subject.starts_with("Reunión actualizada") && !m.subject.starts_with("Meeting updated"))
        .collect();
    let subjects: Vec<(&String, &String)> = put_back.iter().map(|m| (&m.to, &m.subject)).collect();
    assert_eq!(put_back.len(), 1, "only the organizer is told: {subjects:?}");
    let to_ana = &put_back[0];
    assert_eq!(to_ana.to, "ana@acme.test");
    assert!(to_ana.subject.starts_with("Tu cambio en el calendario no se aplicó"), "{}", to_ana.subject);
    assert!(to_ana.text.contains("la sala ya está reservada a esa hora"), "{}", to_ana.text);
    assert!(to_ana.calendar.is_none(), "Google already shows it; no .ics");
}
both!(a_move_in_google_moves_the_booking_and_a_conflicting_one_is_put_back);

async fn answers_and_deletions_in_google_come_back(app: TestApp) {
    let Some((app, w, google)) = two_way_world(app).await else { return };
    connect_ana(&app, &w, &google).await;
    let start = now_millis() / HOUR * HOUR + 30 * HOUR;
    let id = book(&app, &w, start, "Revisión", "ana@acme.test").await;
    run_until(&app, "the channel", async || !google.channels().is_empty()).await;
    let (event_id, _) = event_of(&google, &id);
    let booking_id = sala_domain::BookingId(id.parse().unwrap());

    // María declines in her Google Calendar: Sala holds her answer (and webhooks hear it).
    google.answer_in_google(&event_id, "maria@acme.test", "declined");
    let replies = async || app.store().replies(w.tenant.id, booking_id).await.unwrap();
    run_until(&app, "the answer", async || !replies().await.is_empty()).await;
    let held = replies().await;
    assert_eq!((held[0].email.as_str(), held[0].answer.as_str()), ("maria@acme.test", "declined"));

    // Ana deletes the event: the booking is cancelled, saying where.
    google.delete_in_google(&event_id);
    run_until(&app, "the cancellation", async || booking(&app, &w, &id).await["status"] == "cancelled").await;
    let cancelled = booking(&app, &w, &id).await;
    assert_eq!(cancelled["cancel_reason"], sala_app::calendar::DELETED_REASON);
    let runner = app.runner();
    app.run_jobs_at(&runner, now_millis()).await;
    assert!(google.events().is_empty(), "nothing is put back for a cancellation made in Google");
}
both!(answers_and_deletions_in_google_come_back);

async fn reconciliation_catches_lost_pushes_expired_tokens_and_renews_channels(app: TestApp) {
    let Some((app, w, google)) = two_way_world(app).await else { return };
    // Channels that Google keeps for an hour: less than the day before expiry Sala renews at.
    google.cap_channel_ttl(3600);
    connect_ana(&app, &w, &google).await;
    let start = now_millis() / HOUR * HOUR + 30 * HOUR;
    let id = book(&app, &w, start, "Comité", "ana@acme.test").await;
    run_until(&app, "the channel", async || !google.channels().is_empty()).await;
    let (event_id, _) = event_of(&google, &id);
    let reconcile = async || app.app.handlers().calendar.reconcile().await.unwrap();

    // A push lost on the way: the reconciliation reads the change anyway.
    google.mute_notifications(true);
    google.move_in_google(&event_id, start + HOUR, start + 2 * HOUR);
    assert_eq!(reconcile().await, 1, "one watched calendar");
    run_until(&app, "the move", async || instant(&booking(&app, &w, &id).await["start"]) == start + HOUR).await;
    settle(&app).await; // Sala's write back of the move, before Ana drags again.

    // Google forgets the sync token (410 fullSyncRequired): Sala reads everything again.
    google.expire_sync_tokens();
    google.move_in_google(&event_id, start + 2 * HOUR, start + 3 * HOUR);
    reconcile().await;
    run_until(&app, "the move after a full read", async || {
        instant(&booking(&app, &w, &id).await["start"]) == start + 2 * HOUR
    })
    .await;

    // Each read found the channel ending within the day: a new one, and the old one stopped.
    let channels = google.channels();
    assert!(channels.len() >= 2, "{channels:?}");
    let open: Vec<_> = channels.iter().filter(|c| !c.stopped).collect();
    assert_eq!(open.len(), 1, "one open channel at a time: {channels:?}");
    assert_eq!(open[0].id, channels.last().unwrap().id);
}
both!(reconciliation_catches_lost_pushes_expired_tokens_and_renews_channels);

async fn only_genuine_notifications_schedule_a_read(app: TestApp) {
    let Some((app, w, google)) = two_way_world(app).await else { return };
    connect_ana(&app, &w, &google).await;
    let start = now_millis() / HOUR * HOUR + 30 * HOUR;
    book(&app, &w, start, "Comité", "ana@acme.test").await;
    run_until(&app, "the channel", async || !google.channels().is_empty()).await;
    let channel = google.channels()[0].clone();
    let pending = async || {
        let jobs = app.store().list_jobs(w.tenant.id, Some(JobStatus::Pending), None, 500).await.unwrap();
        jobs.iter().filter(|j| j.kind == sala_domain::JobKind::CalendarPull).count()
    };
    let before = pending().await;
    let token = channel.token.clone().expect("Sala sets a channel token");
    let notify = |id: &str, token: Option<&str>| {
        let mut request = app
            .request(Method::POST, "/hooks/calendar/google")
            .header("x-goog-channel-id", id)
            .header("x-goog-resource-state", "exists")
            .header("x-goog-message-number", "7");
        if let Some(token) = token {
            request = request.header("x-goog-channel-token", token);
        }
        request.send()
    };
    for (id, token) in
        [(channel.id.as_str(), Some("forged")), (channel.id.as_str(), None), ("no-such-channel", Some(token.as_str()))]
    {
        let response = notify(id, token).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id} {token:?}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(pending().await, before, "nothing scheduled for a forged notification");
    let genuine = notify(&channel.id, Some(&token)).await.unwrap();
    assert_eq!(genuine.status(), StatusCode::NO_CONTENT);
    assert_eq!(pending().await, before + 1, "a read is due now");
}
both!(only_genuine_notifications_schedule_a_read);
