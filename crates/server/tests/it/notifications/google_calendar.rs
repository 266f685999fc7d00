//! Google Calendar and Meet end to end: bookings over the API, the job runner as `sala serve`
//! builds it, and the Google fake (token endpoint + Calendar API v3) checking tokens and shapes.

use super::*;
use sala_app::Principal;
use sala_app::google_connections::{Grant, connect};
use sala_app::secrets::SecretBox;
use sala_channels::testing::{FAKE_GOOGLE_CLIENT_ID, FAKE_GOOGLE_CLIENT_SECRET, FakeGoogle, GoogleAnswer};
use sala_domain::google::CALENDAR_SCOPE;

pub(super) const REFRESH: &str = "1//fake-refresh-ana";

async fn google_world(app: TestApp) -> Option<(TestApp, World, FakeGoogle)> {
    google_world_with(app, |_| {}).await
}

/// The notifications world with Google's fake configured (and `more` settings on top).
pub(super) async fn google_world_with(
    app: TestApp,
    more: impl FnOnce(&mut sala_server::config::Settings),
) -> Option<(TestApp, World, FakeGoogle)> {
    let kind = app.db.backend();
    if kind == "postgres" && sala_store::testing::fresh_postgres().await.is_none() {
        return None;
    }
    drop(app);
    let google = FakeGoogle::start().await.unwrap();
    let (api_base, token_url, revoke_url) =
        (google.api_base.clone(), google.token_url.clone(), google.revoke_url.clone());
    let (app, w) = world_configured(
        |smtp, _| (kind.to_owned(), smtp.url(false)),
        |s| {
            s.google_client_id = Some(FAKE_GOOGLE_CLIENT_ID.into());
            s.google_client_secret = Some(sala_server::config::Secret::new(FAKE_GOOGLE_CLIENT_SECRET));
            s.google_api_base = api_base;
            s.google_token_url = token_url;
            s.google_revoke_url = revoke_url;
            more(s);
        },
    )
    .await;
    Some((app, w, google))
}

/// A page as `user` reads it in their browser.
async fn page_of(app: &TestApp, user: &sala_domain::User, path: &str) -> String {
    let session = app.session(user).await;
    let response =
        app.request(Method::GET, path).header("cookie", format!("sala_session={session}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

async fn person_named(app: &TestApp, w: &World, email: &str) -> sala_domain::User {
    app.store().user_by_email(w.tenant.id, &sala_domain::Email::parse(email).unwrap()).await.unwrap().unwrap()
}

/// Ana connects her calendar, as if she had just consented on Google's screen. The access token
/// she got is already stale, so Sala's first call meets a 401 and refreshes.
pub(super) async fn connect_ana(app: &TestApp, w: &World, google: &FakeGoogle) {
    google.grant(REFRESH);
    let ana = person_named(app, w, "ana@acme.test").await;
    let grant = Grant {
        subject: "google-sub-ana".into(),
        refresh_token: REFRESH.into(),
        access_token: "ya29.stale".into(),
        expires_in_secs: 3600,
        scopes: vec!["openid".into(), CALENDAR_SCOPE.into()],
    };
    let ctx = Context::new(Principal::User(ana));
    connect(app.store(), &ctx, &SecretBox::new(&[7; 32]), grant).await.unwrap();
}

async fn book_with_meet(app: &TestApp, w: &World, start: i64, title: &str) -> String {
    let body = json!({"room_id": w.room, "title": title, "start": iso(start), "end": iso(start + HOUR),
        "time_zone": "Europe/Madrid", "organizer": "ana@acme.test", "google_meet": true,
        "attendees": [{"email": "maria@acme.test"}, {"email": "cliente@globex.com", "name": "Cliente"}]});
    let (status, booking) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    booking["id"].as_str().unwrap().to_owned()
}

async fn booking(app: &TestApp, w: &World, id: &str) -> Value {
    json(app.api(Method::GET, &format!("/api/v1/bookings/{id}"), &w.key).send().await.unwrap()).await.1
}

async fn the_organizers_calendar_follows_the_booking_with_one_meet_link(app: TestApp) {
    let Some((app, w, google)) = google_world(app).await else { return };
    connect_ana(&app, &w, &google).await;
    let runner = app.runner();
    let start = now_millis() + 30 * HOUR;
    let id = book_with_meet(&app, &w, start, "Demo con Globex").await;
    app.run_jobs_at(&runner, now_millis()).await;

    // The event: looked for first (a retry must not make a second one), the stale token
    // refreshed after the 401, then inserted with a Meet request.
    assert_eq!(google.calls(), ["GET primary/events", "GET primary/events", "POST primary/events"]);
    let events = google.events();
    assert_eq!(events.len(), 1);
    let (event_id, event) = events.iter().next().unwrap();
    assert_eq!(event["summary"], "Demo con Globex");
    assert_eq!(event["start"]["timeZone"], "Europe/Madrid");
    assert_eq!(event["location"], "Sala Atlántico (Planta 1)");
    assert_eq!(event["extendedProperties"]["private"]["salaBookingId"], id.as_str());
    let guests: Vec<&str> =
        event["attendees"].as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap()).collect();
    assert_eq!(guests, ["maria@acme.test", "cliente@globex.com"]);
    let link = event["hangoutLink"].as_str().unwrap().to_owned();
    assert!(link.starts_with("https://meet.google.com/"));

    // The booking shows both; the confirmation waited for the link and carries it.
    let shown = booking(&app, &w, &id).await;
    assert_eq!(
        (shown["google_event_id"].as_str(), shown["meet_link"].as_str()),
        (Some(event_id.as_str()), Some(link.as_str()))
    );
    let mails = mails_since(&w.smtp, 0);
    assert_eq!(mails.len(), 3);
    let guest = &mails["cliente@globex.com"];
    assert!(guest.text.contains(&link) && guest.html.contains(&link), "{}", guest.text);
    let (_, cal) = guest.calendar.as_ref().unwrap();
    assert_eq!(event_of(cal).property_value("URL"), Some(link.as_str()));
    // One meeting, one event: the guest's .ics names the very event Google holds.
    assert_eq!(event_of(cal).property_value("UID"), event["iCalUID"].as_str());
    assert!(event["iCalUID"].as_str().unwrap().starts_with(&format!("{id}@")), "{event}");
    // Google writes the calendars of the organizer and of the colleague it lists: no second event
    // by .ics, and their footer says where the meeting is.
    for person in ["ana@acme.test", "maria@acme.test"] {
        assert!(mails[person].calendar.is_none(), "{person}: Google's event is in their calendar already");
    }
    assert!(
        mails["maria@acme.test"].text.contains("already in your Google Calendar"),
        "{}",
        mails["maria@acme.test"].text
    );
    assert!(guest.text.contains("si respondes desde él, tu respuesta le llega a quien organiza"), "{}", guest.text);
    let log =
        json(app.api(Method::GET, &format!("/api/v1/bookings/{id}/deliveries"), &w.key).send().await.unwrap()).await.1;
    let calendar: Vec<&Value> = log.as_array().unwrap().iter().filter(|d| d["channel"] == "calendar").collect();
    assert_eq!(calendar.len(), 1);
    assert!(calendar[0]["detail"].as_str().unwrap().contains("created"), "{}", calendar[0]);

    // Moved an hour and renamed: the event is patched, the Meet link stays.
    let (status, _) = json(
        app.api(Method::PATCH, &format!("/api/v1/bookings/{id}"), &w.key)
            .json(&json!({"title": "Demo (nueva hora)", "start": iso(start + HOUR), "end": iso(start + 2 * HOUR)}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.run_jobs_at(&runner, now_millis()).await;
    let event = &google.events()[event_id];
    assert_eq!(event["summary"], "Demo (nueva hora)");
    assert_eq!(event["hangoutLink"], link.as_str(), "the same Meet link after the edit");
    assert!(google.calls().contains(&format!("PATCH primary/events/{event_id}")));
    assert_eq!(booking(&app, &w, &id).await["meet_link"], link.as_str());

    // Someone deletes the event in Google Calendar; the booking stands, so the next change makes
    // it anew. Google keeps the deleted event's UID, so the new one gets a UID of Google's.
    google.delete_in_google(event_id);
    let (status, _) = json(
        app.api(Method::PATCH, &format!("/api/v1/bookings/{id}"), &w.key)
            .json(&json!({"title": "Demo (de nuevo)"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.run_jobs_at(&runner, now_millis()).await;
    let events = google.events();
    let (event_id, again) = events.iter().next().expect("the event made anew");
    assert_eq!(again["summary"], "Demo (de nuevo)");
    assert!(again["iCalUID"].as_str().unwrap().ends_with("@google.com"), "{again}");
    let log =
        json(app.api(Method::GET, &format!("/api/v1/bookings/{id}/deliveries"), &w.key).send().await.unwrap()).await.1;
    assert!(!log.to_string().contains("\"failed\""), "{log}");

    // Cancelled: the event goes.
    app.api(Method::DELETE, &format!("/api/v1/bookings/{id}"), &w.key).send().await.unwrap();
    app.run_jobs_at(&runner, now_millis()).await;
    assert!(google.events().is_empty());
    assert_eq!(google.calls().last().unwrap(), &format!("DELETE primary/events/{event_id}"));

    // A booking whose event was deleted on Google's side: its cancellation is fine too.
    let other = book_with_meet(&app, &w, start + 5 * HOUR, "Otra").await;
    app.run_jobs_at(&runner, now_millis()).await;
    app.api(Method::DELETE, &format!("/api/v1/bookings/{other}"), &w.key).send().await.unwrap();
    google.answer_next(&[GoogleAnswer::Status(404)]);
    app.run_jobs_at(&runner, now_millis()).await;
    let (_, dead) = json(app.api(Method::GET, "/api/v1/jobs?status=dead", &w.key).send().await.unwrap()).await;
    let dead = dead["items"].clone();
    assert_eq!(dead, json!([]));
}
both!(the_organizers_calendar_follows_the_booking_with_one_meet_link);

fn event_of(cal: &Calendar) -> &icalendar::Event {
    cal.components.iter().find_map(|c| c.as_event()).unwrap()
}

async fn a_pending_conference_is_read_again_until_its_link_exists(app: TestApp) {
    let Some((app, w, google)) = google_world(app).await else { return };
    connect_ana(&app, &w, &google).await;
    google.conferences_pending_for(2);
    let runner = app.runner();
    let id = book_with_meet(&app, &w, now_millis() + 30 * HOUR, "Pendiente").await;
    app.run_jobs_at(&runner, now_millis()).await;
    let event_id = booking(&app, &w, &id).await["google_event_id"].as_str().unwrap().to_owned();
    let reads = google.calls().iter().filter(|c| **c == format!("GET primary/events/{event_id}")).count();
    assert_eq!(reads, 2, "{:?}", google.calls());
    let link = booking(&app, &w, &id).await["meet_link"].as_str().unwrap().to_owned();
    assert!(mails_since(&w.smtp, 0)["maria@acme.test"].text.contains(&link));
}
both!(a_pending_conference_is_read_again_until_its_link_exists);

async fn google_down_for_a_while_then_back(app: TestApp) {
    let Some((app, w, google)) = google_world(app).await else { return };
    connect_ana(&app, &w, &google).await;
    let runner = app.runner();
    google.answer_next(&[GoogleAnswer::RateLimited, GoogleAnswer::Status(500), GoogleAnswer::Status(503)]);
    let id = book_with_meet(&app, &w, now_millis() + 30 * HOUR, "Con Google caído").await;
    app.run_jobs_at(&runner, now_millis()).await;
    assert!(w.smtp.received().is_empty(), "the confirmation waits for the Meet link");

    // Five minutes on, Google still failing: the confirmation goes without the link.
    app.run_jobs_at(&runner, now_millis() + 6 * MINUTE).await;
    let first = mails_since(&w.smtp, 0);
    assert_eq!(first.len(), 3);
    assert!(!first["maria@acme.test"].text.contains("meet.google.com"));
    assert!(booking(&app, &w, &id).await["meet_link"].is_null());

    // One more failure (each retry waits longer), then Google is back: the event and its link,
    // and an update carrying the link.
    app.run_jobs_at(&runner, now_millis() + 30 * MINUTE).await;
    assert!(booking(&app, &w, &id).await["meet_link"].is_null());
    app.run_jobs_at(&runner, now_millis() + 60 * MINUTE).await;
    let link = booking(&app, &w, &id).await["meet_link"].as_str().unwrap().to_owned();
    let update = mails_since(&w.smtp, 3);
    assert_eq!(update.len(), 3, "{:?}", update.keys());
    let maria = &update["maria@acme.test"];
    assert!(maria.subject.starts_with("Meeting updated: Con Google caído"), "{}", maria.subject);
    assert!(maria.text.contains(&format!("Google Meet: — -> {link}")), "{}", maria.text);
    assert_eq!(google.events().len(), 1, "one event however many tries");
}
both!(google_down_for_a_while_then_back);

async fn a_revoked_grant_asks_to_reconnect_and_the_booking_stands(app: TestApp) {
    let Some((app, w, google)) = google_world(app).await else { return };
    connect_ana(&app, &w, &google).await;
    google.revoke(REFRESH);
    let runner = app.runner();
    let id = book_with_meet(&app, &w, now_millis() + 30 * HOUR, "Sin permiso").await;
    app.run_jobs_at(&runner, now_millis()).await;
    let ana = person_named(&app, &w, "ana@acme.test").await;
    let connection = app.store().google_connection(w.tenant.id, ana.id).await.unwrap().unwrap();
    assert_eq!(connection.status, sala_domain::google::ConnectionStatus::Revoked);
    assert!(connection.last_error.as_deref().unwrap().contains("revoked"), "{:?}", connection.last_error);
    assert_eq!(booking(&app, &w, &id).await["status"], "confirmed");
    let (_, dead) = json(app.api(Method::GET, "/api/v1/jobs?status=dead", &w.key).send().await.unwrap()).await;
    let dead = dead["items"].clone();
    assert_eq!(dead, json!([]), "Google's refusal is no failure of Sala's");
    // The confirmation still goes out when its wait ends, without a link.
    app.run_jobs_at(&runner, now_millis() + 6 * MINUTE).await;
    assert_eq!(w.smtp.received().len(), 3);

    // Ana sees that she must reconnect.
    let session = app.session(&ana).await;
    let status = app
        .request(Method::GET, "/api/v1/me/google")
        .header("cookie", format!("sala_session={session}"))
        .send()
        .await
        .unwrap();
    let (code, body) = json(status).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "revoked");
    assert_eq!(body["connect_url"], "/auth/google/calendar");
}
both!(a_revoked_grant_asks_to_reconnect_and_the_booking_stands);

async fn without_a_connection_nothing_waits(app: TestApp) {
    let Some((app, w, google)) = google_world(app).await else { return };
    let runner = app.runner();
    let id = book_with_meet(&app, &w, now_millis() + 30 * HOUR, "Sin Google").await;
    app.run_jobs_at(&runner, now_millis()).await;
    assert_eq!(w.smtp.received().len(), 3, "no Meet link to wait for");
    assert!(google.calls().is_empty());
    assert!(booking(&app, &w, &id).await["meet_link"].is_null());
    let (_, pending) = json(app.api(Method::GET, "/api/v1/jobs?status=pending", &w.key).send().await.unwrap()).await;
    let pending = pending["items"].clone();
    assert!(!pending.as_array().unwrap().iter().any(|j| j["kind"] == "calendar_sync"), "{pending}");
}
both!(without_a_connection_nothing_waits);

async fn connecting_later_brings_the_meet_link_to_upcoming_bookings(app: TestApp) {
    let Some((app, w, google)) = google_world(app).await else { return };
    let runner = app.runner();
    let start = now_millis() + 30 * HOUR;
    let with_meet = book_with_meet(&app, &w, start, "Demo con Globex").await;
    let body = json!({"room_id": w.room, "title": "Sin Meet", "start": iso(start + 3 * HOUR),
        "end": iso(start + 4 * HOUR), "organizer": "ana@acme.test", "attendees": [{"email": "maria@acme.test"}]});
    let (status, _) = json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    app.run_jobs_at(&runner, now_millis()).await;
    let confirmed = w.smtp.received().len();
    assert!(google.calls().is_empty() && booking(&app, &w, &with_meet).await["meet_link"].is_null());

    // No page promises the link: Ana is offered to connect, right on the booking and the form;
    // María, invited, reads that the organizer has not connected.
    let ana = person_named(&app, &w, "ana@acme.test").await;
    let maria = person_named(&app, &w, "maria@acme.test").await;
    let connect_here = format!("/auth/google/calendar?return_to=%2Fbookings%2F{with_meet}");
    let page = page_of(&app, &ana, &format!("/bookings/{with_meet}")).await;
    assert!(page.contains(&connect_here) && !page.contains("llegará"), "{page}");
    let form = page_of(&app, &ana, "/bookings/new").await;
    assert!(form.contains("id=\"meet-hint\"") && form.contains("return_to=%2Fbookings%2Fnew%3Fmeet%3Don"), "{form}");
    let calendar_of = |page: &str, who: &str| {
        let row = page.split("<tr").find(|row| row.contains(who)).expect("a row for the person").to_owned();
        ["Conectado", "No conectado"].into_iter().find(|state| row.contains(&format!(">{state}<"))).map(str::to_owned)
    };
    let people = page_of(&app, &ana, "/admin/people").await;
    assert_eq!(calendar_of(&people, "ana@acme.test").as_deref(), Some("No conectado"), "{people}");
    let page = page_of(&app, &maria, &format!("/bookings/{with_meet}")).await;
    assert!(page.contains("the organizer has not connected") && !page.contains("/auth/google/calendar"), "{page}");

    // Ana connects her calendar: both bookings go into it; the one that asked for Meet gets its link.
    connect_ana(&app, &w, &google).await;
    let page = page_of(&app, &ana, &format!("/bookings/{with_meet}")).await;
    assert!(page.contains("llegará en unos segundos") && !page.contains(&connect_here), "{page}");
    assert!(!page_of(&app, &ana, "/bookings/new").await.contains("meet-hint"));
    let people = page_of(&app, &ana, "/admin/people").await;
    assert_eq!(calendar_of(&people, "ana@acme.test").as_deref(), Some("Conectado"));
    assert_eq!(calendar_of(&people, "juan@acme.test").as_deref(), Some("No conectado"));
    app.run_jobs_at(&runner, now_millis()).await;
    // (The message about the link is written when the link arrives: a later round sends it.)
    app.run_jobs_at(&runner, now_millis()).await;
    let events = google.events();
    assert_eq!(events.len(), 2, "{events:?}");
    let link = booking(&app, &w, &with_meet).await["meet_link"].as_str().expect("a Meet link").to_owned();
    let conferenced: Vec<&Value> = events.values().filter(|e| e.get("hangoutLink").is_some()).collect();
    assert_eq!(conferenced.len(), 1);
    assert_eq!(conferenced[0]["hangoutLink"], link.as_str());

    // Everyone invited to that meeting is told once, with the link; no one hears of the other.
    let told = mails_since(&w.smtp, confirmed);
    assert_eq!(told.keys().collect::<Vec<_>>(), ["ana@acme.test", "cliente@globex.com", "maria@acme.test"]);
    for mail in told.values() {
        assert!(mail.text.contains(&link), "{}", mail.text);
    }
    app.run_jobs_at(&runner, now_millis()).await;
    assert_eq!(w.smtp.received().len(), confirmed + 3, "told once");

    let page = page_of(&app, &maria, &format!("/bookings/{with_meet}")).await;
    assert!(page.contains(&format!("href=\"{link}\"")), "{page}");

    // Disconnecting gives the grant back to Google; Sala's copy is gone.
    let ctx = Context::new(Principal::User(ana.clone()));
    sala_app::google_connections::disconnect(app.store(), &ctx, &app.app.state().calendar).await.unwrap();
    assert_eq!(google.revoked(), [REFRESH]);
    assert!(app.store().google_connection(w.tenant.id, ana.id).await.unwrap().is_none());
}
both!(connecting_later_brings_the_meet_link_to_upcoming_bookings);

const ROOM_CALENDAR: &str = "c_atlantico@resource.calendar.google.com";

async fn a_room_booked_directly_in_google_is_busy_in_sala(app: TestApp) {
    let Some((app, w, google)) = google_world(app).await else { return };
    connect_ana(&app, &w, &google).await;
    let (status, _) = json(
        app.api(Method::PATCH, &format!("/api/v1/rooms/{}", w.room), &w.key)
            .json(&json!({"google_calendar": ROOM_CALENDAR}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (day, _) = at(50 * HOUR);
    google.add_busy(ROOM_CALENDAR, day + 2 * HOUR, day + 3 * HOUR);

    // Ana's day view shows the Google meeting (no title, source google); asked again within the
    // minute, Google is not asked again.
    let ana = person_named(&app, &w, "ana@acme.test").await;
    let session = app.session(&ana).await;
    let day_view = || {
        app.request(Method::GET, "/api/v1/rooms/availability")
            .query(&[("start", iso(day)), ("end", iso(day + 8 * HOUR))])
            .header("cookie", format!("sala_session={session}"))
            .send()
    };
    let (status, view) = json(day_view().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let room = &view["rooms"][0];
    assert_eq!(room["free"], false);
    assert_eq!(room["busy"].as_array().unwrap().len(), 1, "{room}");
    assert_eq!(room["busy"][0]["source"], "google");
    assert!(room["busy"][0].get("booking_id").is_none());
    let asked = |google: &FakeGoogle| google.calls().iter().filter(|c| *c == "POST freeBusy").count();
    // The first ask met a 401 (Ana's stale token) and went again after a refresh.
    assert_eq!(asked(&google), 2);
    json(day_view().await.unwrap()).await;
    assert_eq!(asked(&google), 2, "the second view comes from the cache");

    // Booking over it is refused like any conflict; next to it is fine.
    let body = |start: i64| {
        json!({"room_id": w.room, "title": "Choque", "start": iso(start), "end": iso(start + HOUR),
                                   "organizer": "ana@acme.test"})
    };
    let refused = expect_problem(
        app.api(Method::POST, "/api/v1/bookings", &w.key)
            .json(&body(day + 2 * HOUR + 30 * MINUTE))
            .send()
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "booking_conflict",
    )
    .await;
    assert_eq!(refused["conflicts"][0]["source"], "google", "{refused}");
    assert_eq!(refused["conflicts"][0]["start"], iso(day + 2 * HOUR));
    let (status, fine) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body(day + 3 * HOUR)).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{fine}");

    // Moving it onto the Google meeting is refused too.
    let moved = app
        .api(Method::PATCH, &format!("/api/v1/bookings/{}", fine["id"].as_str().unwrap()), &w.key)
        .json(&json!({"start": iso(day + 2 * HOUR), "end": iso(day + 3 * HOUR)}))
        .send()
        .await
        .unwrap();
    expect_problem(moved, StatusCode::CONFLICT, "booking_conflict").await;

    // A weekly series skips the week Google has taken.
    google.add_busy(ROOM_CALENDAR, day + 7 * 24 * HOUR + 5 * HOUR, day + 7 * 24 * HOUR + 6 * HOUR);
    let series = json!({"room_id": w.room, "title": "Semanal", "start": iso(day + 5 * HOUR), "end": iso(day + 6 * HOUR),
        "organizer": "ana@acme.test", "recurrence": {"frequency": "weekly", "count": 3, "on_conflict": "skip"}});
    let (status, created) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&series).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["occurrences"].as_array().unwrap().len(), 2);
    assert_eq!(created["skipped"][0]["source"], "google");
}
both!(a_room_booked_directly_in_google_is_busy_in_sala);

async fn a_series_shares_one_meet_link(app: TestApp) {
    let Some((app, w, google)) = google_world(app).await else { return };
    connect_ana(&app, &w, &google).await;
    let runner = app.runner();
    let start = now_millis() + 30 * HOUR;
    let body = json!({"room_id": w.room, "title": "Semanal con Meet", "start": iso(start), "end": iso(start + HOUR),
        "time_zone": "Europe/Madrid", "organizer": "ana@acme.test", "google_meet": true,
        "attendees": [{"email": "cliente@globex.com"}, {"email": "maria@acme.test"}],
        "recurrence": {"frequency": "weekly", "count": 3}});
    let (status, created) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // The later occurrences wait for the first one's conference, then join it.
    app.run_jobs_at(&runner, now_millis()).await;
    app.run_jobs_at(&runner, now_millis() + MINUTE).await;
    let mut links = Vec::new();
    for occurrence in created["occurrences"].as_array().unwrap() {
        links.push(
            booking(&app, &w, occurrence["id"].as_str().unwrap()).await["meet_link"].as_str().unwrap().to_owned(),
        );
    }
    assert!(links.windows(2).all(|pair| pair[0] == pair[1]), "{links:?}");
    let events = google.events();
    assert_eq!(events.len(), 3);
    let conferences: std::collections::BTreeSet<&str> =
        events.values().map(|e| e["conferenceData"]["conferenceId"].as_str().unwrap()).collect();
    assert_eq!(conferences.len(), 1, "one conference for the series");
    // The series' one invitation carries that link. One meeting, one event: the client's calendar
    // gets the series as one recurring .ics; María's gets Google's events, and no .ics beside them.
    let mails = mails_since(&w.smtp, 0);
    let client = &mails["cliente@globex.com"];
    assert!(client.text.contains(&links[0]));
    let (_, cal) = client.calendar.as_ref().expect("the client's invitation");
    assert!(event_of(cal).property_value("RRULE").is_some_and(|r| r.contains("COUNT=3")), "{}", client.ics);
    let maria = &mails["maria@acme.test"];
    assert!(maria.calendar.is_none() && maria.text.contains("already in your Google Calendar"), "{}", maria.text);
    assert!(events.values().all(|e| e["attendees"].to_string().contains("maria@acme.test")));
}
both!(a_series_shares_one_meet_link);

const SERVICE_ACCOUNT: &str = "sala-calendar@acme-project.iam.gserviceaccount.com";
const SERVICE_KEY: &str = include_str!("../fixtures/fake_google_key.pem");

async fn a_workspace_service_account_writes_calendars_without_consent(app: TestApp) {
    let Some((app, w, google)) = google_world(app).await else { return };
    let runner = app.runner();
    let put = |body: Value| app.api(Method::PUT, "/api/v1/settings/google-service-account", &w.key).json(&body).send();

    // Bad key files are refused with one code and a reason.
    for bad in [
        json!({"type": "authorized_user", "client_email": SERVICE_ACCOUNT, "private_key": SERVICE_KEY}),
        json!({"type": "service_account", "client_email": SERVICE_ACCOUNT, "private_key": "not a key"}),
        json!({"type": "service_account", "private_key": SERVICE_KEY}),
    ] {
        let problem =
            expect_problem(put(bad).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], "invalid_service_account", "{problem}");
    }

    let key = json!({"type": "service_account", "client_email": SERVICE_ACCOUNT, "private_key": SERVICE_KEY,
                     "private_key_id": "k1", "token_uri": google.token_url});
    let (status, settings) = json(put(key).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["google_service_account"], SERVICE_ACCOUNT);
    assert!(!settings.to_string().contains("PRIVATE KEY"));
    let stored = app.store().get_tenant(w.tenant.id).await.unwrap().unwrap().google_service_account.unwrap();
    assert!(!stored.key_sealed.contains("PRIVATE KEY"));

    // Ana never connected; the service account acts as her (after Google checks its JWT). Her
    // form offers Meet with nothing to connect, and the admin's list says why.
    let ana = person_named(&app, &w, "ana@acme.test").await;
    let form = page_of(&app, &ana, "/bookings/new").await;
    assert!(form.contains("name=\"google_meet\"") && !form.contains("meet-hint"), "{form}");
    assert!(page_of(&app, &ana, "/admin/people").await.contains("Por la cuenta de servicio"));
    google.trust_service_account(SERVICE_ACCOUNT, SERVICE_KEY, "acme.test");
    let id = book_with_meet(&app, &w, now_millis() + 30 * HOUR, "Con la cuenta de servicio").await;
    app.run_jobs_at(&runner, now_millis()).await;
    let log =
        json(app.api(Method::GET, &format!("/api/v1/bookings/{id}/deliveries"), &w.key).send().await.unwrap()).await.1;
    assert_eq!(google.delegated_subjects(), ["ana@acme.test"], "{log}");
    assert_eq!(google.events().len(), 1);
    assert!(
        booking(&app, &w, &id).await["meet_link"].as_str().is_some_and(|l| l.starts_with("https://meet.google.com/"))
    );
    let mails = mails_since(&w.smtp, 0);
    assert!(mails["ana@acme.test"].calendar.is_none(), "her calendar has it already");

    // A service account Google does not trust: the job ends dead, saying why.
    let other = json!({"type": "service_account", "client_email": "untrusted@other.iam.gserviceaccount.com",
                       "private_key": SERVICE_KEY});
    assert_eq!(put(other).await.unwrap().status(), StatusCode::OK);
    let refused = book_with_meet(&app, &w, now_millis() + 40 * HOUR, "Sin delegación").await;
    app.run_jobs_at(&runner, now_millis()).await;
    // The page stops promising: it says Google did not make the link and how it comes.
    let page = page_of(&app, &ana, &format!("/bookings/{refused}")).await;
    assert!(page.contains("Google no creó el enlace") && !page.contains("llegará en unos segundos"), "{page}");
    let (_, dead) = json(app.api(Method::GET, "/api/v1/jobs?status=dead", &w.key).send().await.unwrap()).await;
    let dead = dead["items"].clone();
    let dead = dead.as_array().unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0]["last_error"].as_str().unwrap().contains("may not act as ana@acme.test"), "{}", dead[0]);
    let (status, settings) =
        json(app.api(Method::DELETE, "/api/v1/settings/google-service-account", &w.key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(settings["google_service_account"].is_null());
}
both!(a_workspace_service_account_writes_calendars_without_consent);

async fn without_meet_the_event_has_no_conference_and_a_refused_call_is_replayable(app: TestApp) {
    let Some((app, w, google)) = google_world(app).await else { return };
    connect_ana(&app, &w, &google).await;
    let runner = app.runner();
    let (status, created) = json(
        app.api(Method::POST, "/api/v1/bookings", &w.key)
            .json(&json!({"room_id": w.room, "title": "Sin Meet", "start": iso(now_millis() + 30 * HOUR),
                          "end": iso(now_millis() + 31 * HOUR), "organizer": "ana@acme.test"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // Nothing to wait for: the confirmation goes at once; the event has no conference.
    google.answer_next(&[GoogleAnswer::Status(409)]);
    app.run_jobs_at(&runner, now_millis()).await;
    assert_eq!(w.smtp.received().len(), 1);
    let id = created["id"].as_str().unwrap();
    // Google refused the first call with a 409: a 4xx no retry mends, so the job is dead...
    let (_, dead) = json(app.api(Method::GET, "/api/v1/jobs?status=dead", &w.key).send().await.unwrap()).await;
    let dead = dead["items"].clone();
    let dead = dead.as_array().unwrap().clone();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["kind"], "calendar_sync");
    assert!(dead[0]["last_error"].as_str().unwrap().contains("409"), "{}", dead[0]);
    assert!(google.events().is_empty());
    // ...and replayed by an admin once Google answers again, it makes the event.
    let replay = app
        .api(Method::POST, &format!("/api/v1/jobs/{}/replay", dead[0]["id"].as_str().unwrap()), &w.key)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::ACCEPTED);
    app.run_jobs_at(&runner, now_millis()).await;
    let events = google.events();
    assert_eq!(events.len(), 1);
    let event = events.values().next().unwrap();
    assert!(event.get("conferenceData").is_none() && event.get("hangoutLink").is_none(), "{event}");
    let shown = booking(&app, &w, id).await;
    assert!(shown["meet_link"].is_null() && shown["google_event_id"].is_string(), "{shown}");
}
both!(without_meet_the_event_has_no_conference_and_a_refused_call_is_replayable);

/// With a template registered with the link as `{{5}}`, the organizer's WhatsApp confirmation of
/// a Meet booking carries it; a booking without a link keeps the four-parameter template.
async fn the_whatsapp_confirmation_carries_the_meet_link_when_a_template_takes_it(app: TestApp) {
    let with_link = "sala_booking_created_meet";
    let Some((app, w, google)) =
        google_world_with(app, |s| s.whatsapp_template_created_with_link = Some(with_link.into())).await
    else {
        return;
    };
    connect_ana(&app, &w, &google).await;
    let runner = app.runner();
    let start = now_millis() + 30 * HOUR;
    let id = book_with_meet(&app, &w, start, "Demo con Globex").await;
    app.run_jobs_at(&runner, now_millis()).await;
    let link = booking(&app, &w, &id).await["meet_link"].as_str().expect("a Meet link").to_owned();
    let sent = w.whatsapp.accepted();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["template"]["name"], with_link);
    let params: Vec<&str> = sent[0]["template"]["components"][0]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(params.len(), 5, "{params:?}");
    assert_eq!((params[0], params[4]), ("Demo con Globex", link.as_str()));

    // No Meet, no link: the template Meta knows with four parameters, none of them empty.
    let body = json!({"room_id": w.room, "title": "Sin Meet", "start": iso(start + 3 * HOUR),
        "end": iso(start + 4 * HOUR), "organizer": "ana@acme.test"});
    let (status, _) = json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    app.run_jobs_at(&runner, now_millis()).await;
    let sent = w.whatsapp.accepted();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["template"]["name"], "sala_booking_created");
    let params = sent[1]["template"]["components"][0]["parameters"].as_array().unwrap();
    assert_eq!(params.len(), 4);
    assert!(params.iter().all(|p| !p["text"].as_str().unwrap().is_empty()));
}
both!(the_whatsapp_confirmation_carries_the_meet_link_when_a_template_takes_it);
