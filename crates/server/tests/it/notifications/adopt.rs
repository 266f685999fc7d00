//! An event put straight on a room's Google calendar, listed for admins and adopted as a booking:
//! Sala's own events are not listed, the organizer is matched, nobody is told, the event's own
//! busy time is no conflict, and the refusals (twice, another tenant's room, a member, a room
//! without a calendar).

use super::google_calendar::{connect_ana, google_world_with};
use super::*;

const ROOM_CALENDAR: &str = "c_atlantico@resource.calendar.google.com";

async fn adopt(app: &TestApp, key: &str, room: &str, event: &str) -> reqwest::Response {
    app.api(Method::POST, &format!("/api/v1/rooms/{room}/calendar-events/{event}/adopt"), key).send().await.unwrap()
}

async fn listed(app: &TestApp, key: &str, room: &str) -> Value {
    let (status, body) =
        json(app.api(Method::GET, &format!("/api/v1/rooms/{room}/calendar-events"), key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn an_admin_adopts_an_event_put_straight_on_the_room_calendar(app: TestApp) {
    let Some((app, w, google)) = google_world_with(app, |_| {}).await else { return };
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
    let start = now_millis() / HOUR * HOUR + 30 * HOUR;

    // Sala's own booking, written to Ana's calendar with the room invited: on the room's
    // calendar too, and not listed.
    let body = json!({"room_id": w.room, "title": "Plan trimestral", "start": iso(start), "end": iso(start + HOUR),
        "time_zone": "Europe/Madrid", "organizer": "ana@acme.test"});
    let (status, own) = json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    let runner = app.runner();
    app.run_jobs_at(&runner, now_millis()).await;
    assert_eq!(google.events_in(ROOM_CALENDAR).len(), 1, "Sala's event has its copy on the room's calendar");

    // María books the room straight in Google, inviting Juan and a client; someone from outside
    // books it later.
    let maria = google.put_on_calendar(
        ROOM_CALENDAR,
        "Visita de Globex",
        "maria@acme.test",
        start + 2 * HOUR,
        start + 3 * HOUR,
    );
    let outside = google.put_on_calendar(ROOM_CALENDAR, "", "cliente@globex.com", start + 4 * HOUR, start + 5 * HOUR);
    let rows = listed(&app, &w.key, &w.room).await;
    let ids: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [maria.as_str(), outside.as_str()], "{rows}");
    assert_eq!(rows[0]["organizer"], "maria@acme.test");
    assert_eq!(rows[0]["organizer_is_colleague"], true);
    assert_eq!(rows[0]["adoptable"], true);
    assert_eq!(rows[1]["organizer_is_colleague"], false);

    // Adopted: María organizes it, the booking holds the event, nobody is emailed, and the
    // event's own busy time at Google is no conflict.
    let mails = w.smtp.received().len();
    let (status, booking) = json(adopt(&app, &w.key, &w.room, &maria).await).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    assert_eq!(booking["organizer"]["email"], "maria@acme.test", "{booking}");
    assert_eq!(booking["title"], "Visita de Globex");
    assert_eq!(booking["google_event_id"], maria.as_str(), "{booking}");
    let held = app.store().booking_with_event(w.tenant.id, &maria).await.unwrap();
    assert_eq!(held.map(|b| b.to_string()).as_deref(), booking["id"].as_str());
    app.run_jobs_at(&runner, now_millis()).await;
    assert_eq!(w.smtp.received().len(), mails, "nobody is told of an adopted meeting");
    let audit = app.store().list_audit(w.tenant.id, &Default::default()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "booking.adopted"), "the audit says adopted");

    // Twice: already adopted; and it is no longer listed.
    expect_problem(adopt(&app, &w.key, &w.room, &maria).await, StatusCode::CONFLICT, "already_adopted").await;
    let rows = listed(&app, &w.key, &w.room).await;
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");

    // An outsider's event: the admin organizes it, the outsider is a guest, the default title.
    let (status, booking) = json(adopt(&app, &w.key, &w.room, &outside).await).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    assert_eq!(booking["organizer"]["email"], "ana@acme.test", "{booking}");
    assert_eq!(booking["title"], "Reunión adoptada");
    assert_eq!(booking["google_event_id"], Value::Null);
    let guests: Vec<&str> =
        booking["attendees"].as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap()).collect();
    assert_eq!(guests, ["cliente@globex.com"], "{booking}");
    app.run_jobs_at(&runner, now_millis()).await;
    assert_eq!(w.smtp.received().len(), mails, "nobody is told of an adopted meeting");

    // Another organization's key: the room is not found.
    let other = app.tenant("Globex", "globex.test").await;
    app.user(&other, "admin@globex.test", "Admin", "admin").await;
    let other_key = app.api_key(&other).await;
    let third = google.put_on_calendar(ROOM_CALENDAR, "Otra", "maria@acme.test", start + 6 * HOUR, start + 7 * HOUR);
    expect_problem(adopt(&app, &other_key, &w.room, &third).await, StatusCode::NOT_FOUND, "not_found").await;
    let response =
        app.api(Method::GET, &format!("/api/v1/rooms/{}/calendar-events", w.room), &other_key).send().await.unwrap();
    expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;

    // A member may not.
    let maria_user =
        app.store().user_by_email(w.tenant.id, &sala_domain::Email::parse("maria@acme.test").unwrap()).await.unwrap();
    let session = app.session(&maria_user.unwrap()).await;
    let response = app
        .request(Method::GET, &format!("/api/v1/rooms/{}/calendar-events", w.room))
        .header("cookie", format!("sala_session={session}"))
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;

    // A room without a Google calendar.
    let (_, bare) = json(
        app.api(Method::POST, "/api/v1/rooms", &w.key)
            .json(&json!({"name": "Sala Pacífico", "capacity": 4}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let bare = bare["id"].as_str().unwrap();
    let response = app.api(Method::GET, &format!("/api/v1/rooms/{bare}/calendar-events"), &w.key).send().await.unwrap();
    expect_problem(response, StatusCode::CONFLICT, "room_without_calendar").await;
    expect_problem(adopt(&app, &w.key, bare, &third).await, StatusCode::CONFLICT, "room_without_calendar").await;

    // An unknown event, and a window too long.
    expect_problem(adopt(&app, &w.key, &w.room, "no-such-event").await, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .api(Method::GET, &format!("/api/v1/rooms/{}/calendar-events", w.room), &w.key)
        .query(&[("from", iso(start)), ("to", iso(start + 91 * 24 * HOUR))])
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::BAD_REQUEST, "invalid_range").await;
}
both!(an_admin_adopts_an_event_put_straight_on_the_room_calendar);
