//! `POST /api/v1/rooms/{id}/import`: a room's calendar from another system becomes bookings:
//! dry run, conflicts (fail or skip), idempotent re-import, people matched by email, repetitions
//! across a daylight-saving change, what jobs it writes, and the files and calls it refuses.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use reqwest::{Method, StatusCode};
use sala_domain::Tenant;
use serde_json::{Value, json};

fn madrid() -> TimeZone {
    jiff::tz::db().get("Europe/Madrid").unwrap()
}

fn today() -> Date {
    jiff::Timestamp::now().to_zoned_datetime(madrid()).date()
}

/// The first Monday to Friday at least `days` ahead (the test room is bookable on those).
fn weekday_ahead(days: i64) -> Date {
    let mut day = today() + jiff::Span::new().days(days);
    while matches!(day.weekday(), jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday) {
        day += jiff::Span::new().days(1);
    }
    day
}

/// `day` at `hour`:00 as an iCalendar local date-time.
fn local(day: Date, hour: i8) -> String {
    format!("{}T{hour:02}0000", day.strftime("%Y%m%d"))
}

fn calendar(events: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Rooms//EN\r\n{events}END:VCALENDAR\r\n")
}

/// A one-hour event in Madrid at `hour` on `day`, with extra lines.
fn event(uid: &str, title: &str, day: Date, hour: i8, extra: &str) -> String {
    format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{title}\r\nDTSTART;TZID=Europe/Madrid:{}\r\n\
         DTEND;TZID=Europe/Madrid:{}\r\n{extra}END:VEVENT\r\n",
        local(day, hour),
        local(day, hour + 1)
    )
}

struct World {
    tenant: Tenant,
    key: String,
    room: String,
}

async fn world(app: &TestApp) -> World {
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "ana@acme.test", "Ana Admin", "admin").await;
    let key = app.api_key(&tenant).await;
    let body = json!({"name": "Sala Atlántico", "capacity": 4, "google_calendar": "atlantico@resource.calendar.google.com",
        "bookable_hours": {"days": ["mon","tue","wed","thu","fri"], "opens": "09:00", "closes": "18:00"}});
    let (status, room) = json(app.api(Method::POST, "/api/v1/rooms", &key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    World { tenant, key, room: room["id"].as_str().unwrap().to_owned() }
}

async fn import(app: &TestApp, w: &World, query: &str, ics: &str) -> (StatusCode, Value) {
    let path = format!("/api/v1/rooms/{}/import{query}", w.room);
    let request = app.api(Method::POST, &path, &w.key).header("content-type", "text/calendar").body(ics.to_owned());
    json(request.send().await.unwrap()).await
}

async fn bookings_of_room(app: &TestApp, w: &World) -> Vec<Value> {
    let path = format!("/api/v1/bookings?room_id={}&limit=100", w.room);
    let (status, page) = json(app.api(Method::GET, &path, &w.key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn reasons(report: &Value) -> Vec<(String, String)> {
    let skipped = report["skipped"].as_array().unwrap();
    let mut out: Vec<(String, String)> = skipped
        .iter()
        .map(|s| (s["uid"].as_str().unwrap().to_owned(), s["reason"].as_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

async fn dry_run_fail_skip_and_reimport(app: TestApp) {
    let w = world(&app).await;
    let day = weekday_ahead(10);
    // A booking already in Sala at 12:00-13:00 (made through the API like any other).
    let body = json!({"room_id": w.room, "title": "Ya reservada", "organizer": "ana@acme.test",
        "start": format!("{}T12:00:00+00:00", day), "end": format!("{}T13:00:00+00:00", day), "time_zone": "UTC"});
    let (status, existing) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{existing}");
    let d = day.strftime("%Y%m%d").to_string();
    let events = [
        // Free at 07:00 Madrid (before the room's bookable hours: an import is not refused for it).
        event("free", "Desayuno", day, 7, ""),
        // 12:30-13:30 UTC: in the way of the booking above, whatever Madrid's offset.
        format!("BEGIN:VEVENT\r\nUID:taken\r\nSUMMARY:Choca\r\nDTSTART:{d}T123000Z\r\nDTEND:{d}T133000Z\r\nEND:VEVENT\r\n"),
        // Overlaps "free" within the file itself.
        event("twin", "Solapada", day, 7, ""),
        "BEGIN:VEVENT\r\nUID:old\r\nSUMMARY:Antigua\r\nDTSTART:20200301T100000Z\r\nDTEND:20200301T110000Z\r\nEND:VEVENT\r\n"
            .to_owned(),
        format!("BEGIN:VEVENT\r\nUID:holiday\r\nSUMMARY:Festivo\r\nDTSTART;VALUE=DATE:{d}\r\nEND:VEVENT\r\n"),
    ];
    let ics = calendar(&events.concat());

    let (status, dry) = import(&app, &w, "?dry_run=true", &ics).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["dry_run"], true);
    let created = dry["created"].as_array().unwrap();
    assert_eq!(created.len(), 1, "{dry}");
    assert_eq!((created[0]["uid"].as_str(), created[0].get("id")), (Some("free"), None));
    assert_eq!(
        reasons(&dry),
        [("holiday", "all_day"), ("old", "past"), ("taken", "conflict"), ("twin", "conflict")]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let conflicts = dry["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 2, "{dry}");
    let sources: Vec<&str> = conflicts.iter().map(|c| c["source"].as_str().unwrap()).collect();
    assert!(sources.contains(&"sala") && sources.contains(&"import"), "{sources:?}");
    assert!(conflicts.iter().any(|c| c["booking_id"] == existing["id"]));
    assert_eq!(bookings_of_room(&app, &w).await.len(), 1, "a dry run writes nothing");

    // fail (the default): nothing written, every conflict listed.
    let path = format!("/api/v1/rooms/{}/import", w.room);
    let refused = app.api(Method::POST, &path, &w.key).header("content-type", "text/calendar").body(ics.clone());
    let problem = expect_problem(refused.send().await.unwrap(), StatusCode::CONFLICT, "booking_conflict").await;
    assert_eq!(problem["conflicts"].as_array().unwrap().len(), 2, "{problem}");
    assert_eq!(bookings_of_room(&app, &w).await.len(), 1);

    // skip: the free one is written, with its audit entry and only a webhook job.
    let (status, done) = import(&app, &w, "?on_conflict=skip", &ics).await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    let id = done["created"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(bookings_of_room(&app, &w).await.len(), 2);
    let booking_id = id.parse().unwrap();
    let jobs = app.store().jobs_for_booking(w.tenant.id, booking_id).await.unwrap();
    let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
    assert_eq!(kinds, ["webhook"], "no email, WhatsApp, calendar or reminder for an imported meeting");
    assert_eq!(jobs[0].payload["event"], "booking.created");
    let query = sala_store::AuditQuery { subject_id: Some(booking_id.0), limit: 5, ..Default::default() };
    let trail = app.store().list_audit(w.tenant.id, &query).await.unwrap();
    assert_eq!(trail.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["booking.imported"]);

    // The same file again: nothing new; the imported one is already present.
    let (status, again) = import(&app, &w, "?on_conflict=skip", &ics).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["created"], json!([]));
    assert!(reasons(&again).contains(&("free".to_owned(), "already_present".to_owned())), "{again}");
    assert_eq!(bookings_of_room(&app, &w).await.len(), 2);
}
both!(dry_run_fail_skip_and_reimport);

async fn people_are_matched_by_email(app: TestApp) {
    let w = world(&app).await;
    app.user(&w.tenant, "maria@acme.test", "María López", "member").await;
    app.user(&w.tenant, "juan@acme.test", "Juan Pérez", "member").await;
    let admin = app.user(&w.tenant, "zoe@acme.test", "Zoe Admin", "admin").await;
    let day = today() + jiff::Span::new().days(3);
    let people = "ORGANIZER;CN=María:mailto:MARIA@acme.test\r\nATTENDEE;CN=Juan:mailto:juan@acme.test\r\n\
                  ATTENDEE;CN=Cliente:mailto:cliente@globex.com\r\n\
                  ATTENDEE;CUTYPE=ROOM;CN=Sala:mailto:sala-x@resource.calendar.google.com\r\n\
                  ATTENDEE;CN=Atlántico:mailto:atlantico@resource.calendar.google.com\r\n";
    let stranger = "ORGANIZER;CN=Pedro Fuera:mailto:pedro@elsewhere.test\r\nATTENDEE:mailto:maria@acme.test\r\n";
    let ics = calendar(&format!(
        "{}{}{}",
        event("known", "Con María", day, 9, people),
        event("unknown", "", day, 11, stranger),
        event("unknown-2", "Otra", day, 13, stranger)
    ));
    let (status, done) = import(&app, &w, "", &ics).await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    let created = done["created"].as_array().unwrap();
    assert_eq!(created[0]["organizer"], json!({"email": "maria@acme.test", "name": "María López", "matched": true}));
    assert_eq!(
        created[0]["attendees"],
        json!([{"email": "juan@acme.test", "name": "Juan Pérez", "colleague": true},
               {"email": "cliente@globex.com", "name": "Cliente", "colleague": false}])
    );
    // Nobody here is Pedro: the first admin (an API key imports) organizes, Pedro is a guest.
    assert_eq!(created[1]["organizer"]["email"], "ana@acme.test");
    assert_eq!(created[1]["organizer"]["matched"], false);
    assert_eq!(created[1]["title"], "Reserva importada", "an empty SUMMARY gets the default, in Spanish");
    assert_eq!(
        created[1]["attendees"][0],
        json!({"email": "pedro@elsewhere.test", "name": "Pedro Fuera", "colleague": false})
    );
    assert_eq!(created[1]["attendees"][1]["colleague"], true);

    // An admin importing in the browser organizes those themself.
    let session = app.session(&admin).await;
    let csrf = "c".repeat(43);
    let path = format!("/api/v1/rooms/{}/import?dry_run=true", w.room);
    let response = app
        .request(Method::POST, &path)
        .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
        .header("x-csrf-token", &csrf)
        .header("content-type", "text/calendar; charset=utf-8")
        .body(calendar(&event("later", "Más tarde", day, 16, stranger)))
        .send()
        .await
        .unwrap();
    let (status, dry) = json(response).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["created"][0]["organizer"]["email"], "zoe@acme.test");
}
both!(people_are_matched_by_email);

/// The first daylight-saving change in Madrid at least three weeks ahead: its date.
fn next_dst_change() -> Date {
    let tz = madrid();
    let offset = |d: Date| tz.to_offset(tz.to_ambiguous_timestamp(d.at(12, 0, 0, 0)).compatible().unwrap());
    let mut day = today() + jiff::Span::new().days(21);
    while offset(day) == offset(day + jiff::Span::new().days(1)) {
        day += jiff::Span::new().days(1);
    }
    day + jiff::Span::new().days(1)
}

async fn a_weekly_meeting_keeps_its_local_time_across_dst(app: TestApp) {
    let w = world(&app).await;
    let change = next_dst_change();
    let first = change - jiff::Span::new().days(13);
    let week = |n: i64| first + jiff::Span::new().days(7 * n);
    let master = format!("RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Europe/Madrid:{}\r\n", local(week(1), 10));
    let moved = format!("RECURRENCE-ID;TZID=Europe/Madrid:{}\r\n", local(week(2), 10));
    let ics = calendar(&format!(
        "{}{}",
        event("weekly", "Comité", first, 10, &master),
        event("weekly", "Comité (movido)", week(2), 12, &moved)
    ));
    let (status, done) = import(&app, &w, "", &ics).await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    let starts: Vec<DateTime> = done["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["start"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap().to_zoned_datetime(madrid()).datetime()
        })
        .collect();
    assert_eq!(starts, [week(0).at(10, 0, 0, 0), week(2).at(12, 0, 0, 0), week(3).at(10, 0, 0, 0)]);
    let titles: Vec<&str> = done["created"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Comité", "Comité (movido)", "Comité"]);
    // Same wall clock, another UTC hour.
    let utc_hour = |i: usize| {
        done["created"][i]["start"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .to_zoned_datetime(TimeZone::UTC)
            .hour()
    };
    assert_ne!(utc_hour(0), utc_hour(2));
    assert_eq!(done["created"][0]["time_zone"], "Europe/Madrid");
    assert_eq!(bookings_of_room(&app, &w).await.len(), 3);
}
both!(a_weekly_meeting_keeps_its_local_time_across_dst);

async fn endless_and_long_rules_stop_at_the_horizon(app: TestApp) {
    let w = world(&app).await;
    let day = today() + jiff::Span::new().days(1);
    let ics = calendar(&format!(
        "{}{}",
        event("endless", "Diaria", day, 8, "RRULE:FREQ=DAILY\r\n"),
        event("thousand", "Mil", day, 15, "RRULE:FREQ=DAILY;COUNT=1000\r\n")
    ));
    let (status, dry) = import(&app, &w, "?dry_run=true", &ics).await;
    assert_eq!(status, StatusCode::OK);
    let created = dry["created"].as_array().unwrap().len();
    // 365 days ahead (the default horizon): about 365 of each, never 1000.
    assert!((2 * 363..=2 * 366).contains(&created), "{created}");
    assert_eq!(
        reasons(&dry),
        [("endless", "outside_horizon"), ("thousand", "outside_horizon")].map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
}
both!(endless_and_long_rules_stop_at_the_horizon);

async fn bad_files_and_calls_are_refused(app: TestApp) {
    let w = world(&app).await;
    let path = format!("/api/v1/rooms/{}/import", w.room);
    let send = |ct: &'static str, body: Vec<u8>| {
        app.api(Method::POST, &path, &w.key).header("content-type", ct).body(body).send()
    };
    let day = today() + jiff::Span::new().days(2);
    for (body, line) in [
        (String::new(), None),
        ("not a calendar at all".to_owned(), Some(1)),
        (format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:{}Z\r\n", local(day, 9)), Some(2)),
        (calendar("BEGIN:VEVENT\r\nUID:x\r\nDTSTART:tomorrow\r\nEND:VEVENT\r\n"), Some(6)),
        (
            calendar(&format!("BEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Madrid Time:{}\r\nEND:VEVENT\r\n", local(day, 9))),
            Some(6),
        ),
    ] {
        let problem = expect_problem(
            send("text/calendar", body.into_bytes()).await.unwrap(),
            StatusCode::BAD_REQUEST,
            "calendar_invalid",
        )
        .await;
        let detail = problem["detail"].as_str().unwrap();
        if let Some(line) = line {
            assert!(detail.starts_with(&format!("line {line}:")), "{detail}");
        }
    }
    let ics = calendar(&event("x", "X", day, 9, ""));
    expect_problem(
        send("application/json", ics.clone().into_bytes()).await.unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let huge = format!("{}{}", ics, "X-PAD:".to_owned() + &"x".repeat(10 * 1024 * 1024));
    expect_problem(
        send("text/calendar", huge.into_bytes()).await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;

    // Another tenant's room, a made-up one: 404; a member: 403.
    let globex = app.tenant("Globex", "globex.test").await;
    let other_key = app.api_key(&globex).await;
    let foreign = app.api(Method::POST, &path, &other_key).header("content-type", "text/calendar").body(ics.clone());
    expect_problem(foreign.send().await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
    let made_up = format!("/api/v1/rooms/{}/import", uuid::Uuid::now_v7());
    let missing = app.api(Method::POST, &made_up, &w.key).header("content-type", "text/calendar").body(ics.clone());
    expect_problem(missing.send().await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
    let member = app.user(&w.tenant, "juan@acme.test", "Juan", "member").await;
    let session = app.session(&member).await;
    let csrf = "c".repeat(43);
    let as_member = app
        .request(Method::POST, &path)
        .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
        .header("x-csrf-token", &csrf)
        .header("content-type", "text/calendar")
        .body(ics);
    expect_problem(as_member.send().await.unwrap(), StatusCode::FORBIDDEN, "forbidden").await;
    assert!(bookings_of_room(&app, &w).await.is_empty());
}
both!(bad_files_and_calls_are_refused);

async fn webhooks_hear_imported_bookings_and_nobody_is_messaged(app: TestApp) {
    let app = crate::webhooks::local_receivers(app).await;
    let w = world(&app).await;
    let (receiver, url) = crate::webhooks::Receiver::start().await;
    let body = json!({"url": url, "events": ["booking.created"]});
    let (status, endpoint) =
        json(app.api(Method::POST, "/api/v1/webhooks", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");
    let day = today() + jiff::Span::new().days(4);
    let people = "ORGANIZER:mailto:ana@acme.test\r\nATTENDEE;CN=Cliente:mailto:cliente@globex.com\r\n";
    let ics = calendar(&[event("a", "Uno", day, 9, people), event("b", "Dos", day, 11, people)].concat());
    let (status, done) = import(&app, &w, "", &ics).await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    app.run_jobs_at(&app.runner(), sala_domain::now_millis()).await;
    let got = receiver.got();
    let mut heard: Vec<(String, String)> = got
        .iter()
        .map(|r| {
            let event: Value = serde_json::from_slice(&r.body).unwrap();
            (event["type"].as_str().unwrap().to_owned(), event["data"]["booking"]["title"].as_str().unwrap().to_owned())
        })
        .collect();
    heard.sort();
    assert_eq!(
        heard,
        [("booking.created".to_owned(), "Dos".to_owned()), ("booking.created".to_owned(), "Uno".to_owned())]
    );
    for created in done["created"].as_array().unwrap() {
        let id = created["id"].as_str().unwrap().parse().unwrap();
        let deliveries = app.store().deliveries_for_booking(w.tenant.id, id).await.unwrap();
        let channels: Vec<String> = deliveries.iter().map(|d| format!("{:?}", d.channel).to_lowercase()).collect();
        assert_eq!(channels, ["webhook"], "no email or WhatsApp for an imported meeting");
    }
}
both!(webhooks_hear_imported_bookings_and_nobody_is_messaged);
