//! Check-in and attendance: by an attendance system's API key, by people for themselves, the
//! `booking.checked_in` webhook, and the export for HR (JSON and CSV).

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use crate::webhooks::{Receiver, local_receivers};
use reqwest::{Method, StatusCode};
use sala_domain::now_millis;
use serde_json::{Value, json};

const MINUTE: i64 = 60_000;

fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms / MINUTE * MINUTE).unwrap().to_string()
}

async fn attendance_is_recorded_told_and_exported(app: TestApp) {
    let app = local_receivers(app).await;
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let maria = app.user(&tenant, "maria@acme.test", "María", "member").await;
    let juan = app.user(&tenant, "juan@acme.test", "Juan", "member").await;
    let key = app.api_key(&tenant).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Sur", "capacity": 4}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (receiver, url) = Receiver::start().await;
    app.api(Method::POST, "/api/v1/webhooks", &key)
        .json(&json!({"url": url, "events": ["booking.checked_in"]}))
        .send()
        .await
        .unwrap();
    let book = |start: i64, title: &str| {
        let body = json!({"room_id": room["id"], "title": title, "start": iso(start), "end": iso(start + 60 * MINUTE),
                          "organizer": "ana@acme.test", "attendees": [{"email": "maria@acme.test"}, {"email": "cliente@globex.com"}]});
        app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send()
    };
    let (status, soon) = json(book(now_millis() + 10 * MINUTE, "=HYPERLINK(\"x\") Revisión").await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{soon}");
    let (_, later) = json(book(now_millis() + 180 * MINUTE, "Más tarde").await.unwrap()).await;
    let check_in = |id: &Value, body: Value| {
        app.api(Method::POST, &format!("/api/v1/bookings/{}/check-in", id.as_str().unwrap()), &key).json(&body).send()
    };

    // Too early, not invited, nobody named: each says so.
    expect_problem(
        check_in(&later["id"], json!({"email": "maria@acme.test"})).await.unwrap(),
        StatusCode::CONFLICT,
        "check_in_not_open",
    )
    .await;
    let problem = expect_problem(
        check_in(&soon["id"], json!({"email": "intruso@x.test"})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "not_invited");
    let problem = expect_problem(
        check_in(&soon["id"], json!({})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "required");

    // The attendance system checks María in; a second time keeps the first.
    let (status, first) = json(check_in(&soon["id"], json!({"email": "MARIA@acme.test"})).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!((first["source"].as_str(), first["new"].as_bool()), (Some("api"), Some(true)));
    let (status, again) = json(check_in(&soon["id"], json!({"email": "maria@acme.test"})).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["at"], first["at"]);

    // People check themselves in (no body); someone not invited cannot even see the meeting.
    let soon_id = soon["id"].as_str().unwrap();
    let as_person = |session: String| {
        let csrf = "t".repeat(43);
        app.request(Method::POST, &format!("/api/v1/bookings/{soon_id}/check-in"))
            .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
            .header("x-csrf-token", csrf)
            .send()
    };
    let (status, mine) = json(as_person(app.session(&maria).await).await.unwrap()).await;
    assert_eq!((status, mine["new"].as_bool()), (StatusCode::OK, Some(false)), "{mine}");
    expect_problem(as_person(app.session(&juan).await).await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;

    // Who came.
    let (_, people) =
        json(app.api(Method::GET, &format!("/api/v1/bookings/{soon_id}/attendance"), &key).send().await.unwrap()).await;
    let came: Vec<(&str, bool)> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["email"].as_str().unwrap(), p["checked_in_at"].is_string()))
        .collect();
    assert_eq!(came, [("ana@acme.test", false), ("maria@acme.test", true), ("cliente@globex.com", false)]);

    // The attendance system's webhook heard it.
    app.run_jobs_at(&app.runner(), now_millis()).await;
    let heard: Vec<Value> = receiver.got().iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    assert_eq!(heard.len(), 1, "one check-in, one event");
    assert_eq!(heard[0]["type"], "booking.checked_in");
    assert_eq!(heard[0]["data"]["check_in"]["email"], "maria@acme.test");
    assert_eq!(heard[0]["data"]["booking"]["id"], soon["id"]);

    // The export, as JSON and as CSV (a title that looks like a formula is defused).
    let range = [("from", iso(now_millis())), ("to", iso(now_millis() + 24 * 60 * MINUTE))];
    let (status, rows) =
        json(app.api(Method::GET, "/api/v1/attendance", &key).query(&range).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    assert_eq!(rows.as_array().unwrap().len(), 6, "three people in each of two meetings");
    let csv = app
        .api(Method::GET, "/api/v1/attendance", &key)
        .query(&range)
        .query(&[("format", "csv")])
        .send()
        .await
        .unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "booking_id,title,start,end,status,email,name,organizer,checked_in_at");
    let maria_line = lines.iter().find(|l| l.contains("maria@acme.test") && l.contains(soon_id)).unwrap();
    assert!(maria_line.contains("\"'=HYPERLINK(\"\"x\"\") Revisión\""), "{maria_line}");
    assert!(!maria_line.ends_with(','), "she came: {maria_line}");
    let problem = expect_problem(
        app.api(Method::GET, "/api/v1/attendance", &key)
            .query(&range)
            .query(&[("format", "xml")])
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "invalid_format");

    // A cancelled meeting takes no check-ins.
    app.api(Method::DELETE, &format!("/api/v1/bookings/{soon_id}"), &key).send().await.unwrap();
    expect_problem(
        check_in(&soon["id"], json!({"email": "ana@acme.test"})).await.unwrap(),
        StatusCode::CONFLICT,
        "booking_cancelled",
    )
    .await;
}
both!(attendance_is_recorded_told_and_exported);

/// An export of more than a page of bookings (540, the store answers 500 at a time) holds them
/// all: it never stops silently.
async fn an_export_holds_every_booking_of_its_range(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let key = app.api_key(&tenant).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Sur", "capacity": 4}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let start = (now_millis() / (24 * 60 * MINUTE) + 2) * 24 * 60 * MINUTE;
    for hour in 8..14 {
        let at = start + hour * 60 * MINUTE;
        let body = json!({"room_id": room["id"], "title": format!("Diaria {hour}"), "start": iso(at),
            "end": iso(at + 30 * MINUTE), "organizer": "ana@acme.test", "time_zone": "UTC",
            "recurrence": {"frequency": "daily", "count": 90}});
        let (status, made) =
            json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
    }
    let (status, rows) = json(
        app.api(Method::GET, "/api/v1/attendance", &key)
            .query(&[("from", iso(start)), ("to", iso(start + 91 * 24 * 60 * MINUTE))])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let ids: std::collections::BTreeSet<&str> =
        rows.as_array().unwrap().iter().map(|r| r["booking_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 540, "every booking of the range");
}
both!(an_export_holds_every_booking_of_its_range);
