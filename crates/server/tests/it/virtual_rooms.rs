//! Virtual rooms through the API: several meetings at once up to the room's limit, each with
//! the room's standing link (or its own Meet), the limit in availability, bad input refused, and
//! physical rooms as strict as ever beside them.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use reqwest::{Method, StatusCode};
use sala_domain::now_millis;
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;
const LINK: &str = "https://meet.google.com/vir-tual-abc";

fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).unwrap().to_string()
}

async fn a_virtual_room_holds_several_meetings_up_to_its_limit(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let key = app.api_key(&tenant).await;
    let post = |path: &str, body: Value| app.api(Method::POST, path, &key).json(&body).send();

    // Bad input: each refused with its code, nothing made.
    for (body, code) in [
        (
            json!({"name": "V", "capacity": 50, "kind": "virtual", "video_link": "http://meet.example.com/x"}),
            "invalid_video_link",
        ),
        (
            json!({"name": "V", "capacity": 50, "kind": "virtual", "video_link": "javascript:alert(1)"}),
            "invalid_video_link",
        ),
        (json!({"name": "V", "capacity": 50, "kind": "virtual", "max_meetings": 0}), "invalid_max_meetings"),
        (json!({"name": "P", "capacity": 8, "max_meetings": 2}), "invalid_max_meetings"),
        (json!({"name": "P", "capacity": 8, "video_link": LINK}), "invalid_video_link"),
    ] {
        let problem = expect_problem(
            post("/api/v1/rooms", body).await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    let (_, rooms) = json(app.api(Method::GET, "/api/v1/rooms", &key).send().await.unwrap()).await;
    assert_eq!(rooms, json!([]));

    let (status, room) = json(
        post(
            "/api/v1/rooms",
            json!({"name": "Sala Virtual", "capacity": 50, "kind": "virtual", "max_meetings": 2, "video_link": LINK}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    assert_eq!((&room["max_meetings"], &room["video_link"]), (&json!(2), &json!(LINK)));
    let virtual_id = room["id"].as_str().unwrap().to_owned();
    let refused = app
        .api(Method::PATCH, &format!("/api/v1/rooms/{virtual_id}"), &key)
        .json(&json!({"kind": "physical"}))
        .send()
        .await
        .unwrap();
    let problem = expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "room_kind_fixed");

    // Two meetings at once fit, each with the standing link; a third is refused naming one.
    let start = now_millis() + 30 * HOUR;
    let book = |room: &str, title: &str, from: i64| json!({"room_id": room, "title": title, "start": iso(from), "end": iso(from + HOUR), "organizer": "ana@acme.test"});
    let mut made = Vec::new();
    for (i, title) in ["Uno", "Dos"].iter().enumerate() {
        let (status, b) = json(
            post("/api/v1/bookings", book(&virtual_id, title, start + i64::try_from(i).unwrap() * HOUR / 2))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{b}");
        assert_eq!(b["meet_link"], LINK, "{b}");
        made.push(b["id"].as_str().unwrap().to_owned());
    }
    let full = expect_problem(
        post("/api/v1/bookings", book(&virtual_id, "Tres", start + HOUR / 4)).await.unwrap(),
        StatusCode::CONFLICT,
        "booking_conflict",
    )
    .await;
    assert!(made.iter().any(|id| full["conflicts"][0]["booking_id"] == id.as_str()), "{full}");
    // Where only one runs, a third fits: from the end of Uno (half-open), beside Dos alone.
    let (status, _) = json(post("/api/v1/bookings", book(&virtual_id, "Tres", start + HOUR)).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);

    // Availability: full while two run, bookable where one does.
    let free = |from: i64, to: i64| {
        let key = key.clone();
        let app = &app;
        let virtual_id = virtual_id.clone();
        async move {
            let (_, found) = json(
                app.api(Method::GET, "/api/v1/rooms/availability", &key)
                    .query(&[("start", iso(from)), ("end", iso(to))])
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            let room = found["rooms"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["room"]["id"] == virtual_id.as_str())
                .cloned()
                .unwrap();
            room["free"].as_bool().unwrap()
        }
    };
    assert!(!free(start + HOUR / 2, start + HOUR).await, "two meetings run");
    assert!(free(start, start + HOUR / 2).await, "one meeting runs");

    // A virtual room without a standing link gives every meeting its own Meet.
    let (_, open) =
        json(post("/api/v1/rooms", json!({"name": "Sala Abierta", "capacity": 50, "kind": "virtual"})).await.unwrap())
            .await;
    let (status, b) =
        json(post("/api/v1/bookings", book(open["id"].as_str().unwrap(), "Con Meet", start)).await.unwrap()).await;
    assert_eq!((status, &b["google_meet"]), (StatusCode::CREATED, &json!(true)), "{b}");

    // The physical room beside them still takes one meeting at a time.
    let (_, physical) = json(post("/api/v1/rooms", json!({"name": "Sala Sur", "capacity": 6})).await.unwrap()).await;
    let physical = physical["id"].as_str().unwrap();
    let (status, _) = json(post("/api/v1/bookings", book(physical, "Física", start)).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    expect_problem(
        post("/api/v1/bookings", book(physical, "Otra", start)).await.unwrap(),
        StatusCode::CONFLICT,
        "booking_conflict",
    )
    .await;
    // A hybrid meeting stays one booking: the physical room with its own Meet.
    let mut hybrid = book(physical, "Híbrida", start + 2 * HOUR);
    hybrid["google_meet"] = json!(true);
    let (status, b) = json(post("/api/v1/bookings", hybrid).await.unwrap()).await;
    assert_eq!((status, &b["room_id"], &b["google_meet"]), (StatusCode::CREATED, &json!(physical), &json!(true)));
}
both!(a_virtual_room_holds_several_meetings_up_to_its_limit);
