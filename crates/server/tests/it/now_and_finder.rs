//! The dashboard's "Now" strip (each room free or busy now, until when; one tap books 30 free
//! minutes) and the time-first room finder (people, time, equipment: the rooms that fit, are
//! free and may be booked then).

use crate::both;
use crate::helpers::{TestApp, json};
use crate::web_app::{CSRF, browser};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn room(app: &TestApp, key: &str, body: serde_json::Value) -> String {
    let (status, room) = json(app.api(Method::POST, "/api/v1/rooms", key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    room["id"].as_str().unwrap().to_owned()
}

fn madrid(ts: jiff::Timestamp) -> jiff::ZonedDateTime {
    ts.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Madrid").unwrap())
}

async fn the_now_strip_and_one_tap_booking(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&acme).await;
    let free = room(&app, &key, json!({"name": "Sala Libre", "capacity": 4})).await;
    let busy = room(&app, &key, json!({"name": "Sala Ocupada", "capacity": 4})).await;
    // Open only on a day that is not today: closed now, so nothing to tap.
    let today = madrid(jiff::Timestamp::now()).date().weekday();
    let other = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        [usize::from(today.to_monday_zero_offset().unsigned_abs() + 1) % 7];
    let hours = json!({"days": [other], "opens": "00:00", "closes": "23:59"});
    room(&app, &key, json!({"name": "Sala Cerrada", "capacity": 4, "bookable_hours": hours})).await;
    let now = jiff::Timestamp::now();
    let until = now.checked_add(jiff::SignedDuration::from_mins(45)).unwrap();
    let meeting = json!({"room_id": busy, "title": "En curso", "organizer": "maria@acme.test",
                         "start": now.to_string(), "end": until.to_string()});
    assert_eq!(
        app.api(Method::POST, "/api/v1/bookings", &key).json(&meeting).send().await.unwrap().status(),
        StatusCode::CREATED
    );

    let me = browser(&app, &maria).await;
    let (_, html) = me.get("/").await;
    let strip =
        &html[html.find(r#"id="now-title""#).expect("the Now strip")..html.find(r#"id="timeline-title""#).unwrap()];
    let busy_until = format!("Ocupada hasta las {}", madrid(until).strftime("%H:%M"));
    assert!(strip.contains(&busy_until), "{strip}");
    assert!(strip.contains(&format!(r#"name="room_id" value="{free}""#)), "a free room is one tap: {strip}");
    assert!(!strip.contains(&format!(r#"name="room_id" value="{busy}""#)), "a busy one is not: {strip}");
    let closed = &strip[strip.find("Sala Cerrada").unwrap()..];
    assert!(!closed[..closed.find("</li>").unwrap()].contains("<form"), "a closed room is not: {strip}");

    // One tap: 30 minutes from now; the same again is a conflict, said on a page.
    let tap = [("csrf", CSRF), ("room_id", free.as_str()), ("minutes", "30")];
    let made = me.post("/bookings/now", &tap).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let page = made.headers()["location"].to_str().unwrap().trim_end_matches("?done=created").to_owned();
    let id = page.trim_start_matches("/bookings/");
    let (_, booking) = json(app.api(Method::GET, &format!("/api/v1/bookings/{id}"), &key).send().await.unwrap()).await;
    let start: jiff::Timestamp = booking["start"].as_str().unwrap().parse().unwrap();
    let end: jiff::Timestamp = booking["end"].as_str().unwrap().parse().unwrap();
    assert_eq!(end.duration_since(start), jiff::SignedDuration::from_mins(30));
    assert_eq!(booking["title"], "Reunión rápida");
    let again = me.post("/bookings/now", &tap).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("<html"), "a page, not JSON");
    // Lengths not offered, rooms that are not rooms, forms from elsewhere.
    assert_eq!(
        me.post("/bookings/now", &[("csrf", CSRF), ("room_id", &free), ("minutes", "45")]).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        me.post("/bookings/now", &[("csrf", CSRF), ("room_id", "x"), ("minutes", "30")]).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        me.post("/bookings/now", &[("csrf", "nope"), ("room_id", &busy), ("minutes", "15")]).await.status(),
        StatusCode::FORBIDDEN
    );
}
both!(the_now_strip_and_one_tap_booking);

async fn the_room_finder_starts_from_the_time(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&acme).await;
    let small = room(&app, &key, json!({"name": "Cabina", "capacity": 2, "equipment": ["tv-screen"]})).await;
    let screen = room(&app, &key, json!({"name": "Sala Pantalla", "capacity": 6, "equipment": ["tv-screen"]})).await;
    let big =
        room(&app, &key, json!({"name": "Sala Grande", "capacity": 12, "equipment": ["tv-screen", "projector"]})).await;
    room(&app, &key, json!({"name": "Sala Sin Pantalla", "capacity": 8})).await;
    let tomorrow = madrid(jiff::Timestamp::now()).date().tomorrow().unwrap();
    let taken = json!({"room_id": screen, "title": "Ya", "organizer": "maria@acme.test",
                       "start": format!("{tomorrow}T10:30:00+01:00"), "end": format!("{tomorrow}T11:30:00+01:00")});
    assert_eq!(
        app.api(Method::POST, "/api/v1/bookings", &key).json(&taken).send().await.unwrap().status(),
        StatusCode::CREATED
    );

    let me = browser(&app, &maria).await;
    let (status, html) =
        me.get(&format!("/find?people=3&date={tomorrow}&start=10:00&end=11:00&equipment=tv-screen")).await;
    assert_eq!(status, StatusCode::OK);
    // Only Sala Grande: the cabin is too small, Sala Pantalla is taken, the other has no screen.
    assert!(html.contains("Sala Grande") && html.contains(&format!("room={big}")), "{html}");
    for absent in [small.as_str(), screen.as_str()] {
        assert!(!html.contains(&format!("room={absent}")), "{html}");
    }
    assert!(!html.contains("<strong>Sala Sin Pantalla</strong>"), "{html}");
    assert!(
        html.contains(&format!("start={tomorrow}T10%3A00")) && html.contains("end=11%3A00"),
        "the form filled in: {html}"
    );
    // Earlier, Sala Pantalla (smaller) comes first.
    let (_, html) = me.get(&format!("/find?people=3&date={tomorrow}&start=08:00&end=09:00&equipment=tv-screen")).await;
    assert!(html.find("Sala Pantalla").unwrap() < html.find("Sala Grande").unwrap(), "{html}");
    // Bad input: said on the page.
    let (status, html) = me.get(&format!("/find?people=muchos&date={tomorrow}&start=10:00&end=11:00")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("cuántas personas"), "{html}");
    let (status, _) = me.get(&format!("/find?people=3&date={tomorrow}&start=11:00&end=10:00")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
both!(the_room_finder_starts_from_the_time);

/// A room's week: a row per day, the person's own meeting by its title on its day, other
/// people's as busy; a room of another organization or a made-up id is a 404 page.
async fn a_rooms_week(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    app.user(&acme, "juan@acme.test", "Juan", "member").await;
    let key = app.api_key(&acme).await;
    let sala = room(&app, &key, json!({"name": "Sala Norte", "capacity": 4})).await;
    let day = madrid(jiff::Timestamp::now()).date().checked_add(jiff::Span::new().days(8)).unwrap();
    let at = |h: i8| day.at(h, 0, 0, 0).in_tz("Europe/Madrid").unwrap().timestamp().to_string();
    for (organizer, title, hour) in [("maria@acme.test", "Mi reunión", 10), ("juan@acme.test", "De Juan", 12)] {
        let body =
            json!({"room_id": sala, "title": title, "organizer": organizer, "start": at(hour), "end": at(hour + 1)});
        assert_eq!(
            app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap().status(),
            StatusCode::CREATED
        );
    }
    let me = browser(&app, &maria).await;
    let (status, html) = me.get(&format!("/rooms/{sala}/week?date={day}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Sala Norte: semana del lunes, "), "{html}");
    assert_eq!(html.matches("<tr>").count(), 1 + 7, "a header row and a row per day");
    assert!(html.contains(&format!(r#"<a href="/?date={day}">"#)), "each day links to its dashboard");
    assert!(html.contains("Mi reunión · 10:00–11:00"), "her own meeting by its title");
    assert!(html.contains("Ocupada · 12:00–13:00") && !html.contains("De Juan"), "another's only as busy");
    // The agenda under it says the same, with the free stretches between.
    let free_morning = format!("start={day}T07:00&#38;end=08:00\">Libre 07:00–10:00</a>");
    assert!(html.contains(&free_morning), "{html}");

    // In English too.
    let en = sala_app::users::UserChanges { locale: Some(Some(sala_domain::Locale::En)), ..Default::default() };
    sala_app::users::update_user(app.store(), &sala_app::Context::system(acme.id), maria.id, en).await.unwrap();
    let (_, english) = me.get(&format!("/rooms/{sala}/week?date={day}")).await;
    assert!(
        english.contains("<h1>Sala Norte: week of Monday, ") && english.contains(">Free 07:00–10:00</a>"),
        "{english}"
    );
    assert!(english.contains("Next week"), "{english}");

    let (status, _) = me.get(&format!("/rooms/{sala}/week?date=nonsense")).await;
    assert_eq!(status, StatusCode::OK, "an unreadable date is this week");
    let globex = app.tenant("Globex", "globex.test").await;
    let other_key = app.api_key(&globex).await;
    let theirs = room(&app, &other_key, json!({"name": "Sala Globex", "capacity": 4})).await;
    for path in [format!("/rooms/{theirs}/week"), "/rooms/not-a-room/week".to_owned()] {
        let (status, html) = me.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!html.contains("Sala Globex"));
    }
}
both!(a_rooms_week);
