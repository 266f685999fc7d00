//! `GET /api/v1/reports/utilization`: the figures of two crafted days, worked out by hand, in
//! every grouping and as CSV; and the refusals (bad dates, an empty or too long range, an unknown
//! grouping, room or format, a member).

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// `date` at `hh:mm` in Madrid (the organization's zone), as RFC 3339.
pub(crate) fn madrid(date: jiff::civil::Date, hour: i8, minute: i8) -> String {
    date.at(hour, minute, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Madrid").unwrap())
        .unwrap()
        .timestamp()
        .to_string()
}

/// A Monday at least a week away.
pub(crate) fn next_monday() -> jiff::civil::Date {
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Madrid").unwrap()).date();
    let mut day = today.checked_add(jiff::Span::new().days(7)).unwrap();
    while day.weekday() != jiff::civil::Weekday::Monday {
        day = day.tomorrow().unwrap();
    }
    day
}

async fn utilization_is_reported_by_room_day_and_hour(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    assert_eq!(tenant.time_zone.as_str(), "Europe/Madrid");
    app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let maria = app.user(&tenant, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&tenant).await;
    // No bookable hours: the report counts Monday-Friday 08:00-20:00.
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Sur", "capacity": 4}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let room = room["id"].as_str().unwrap().to_owned();
    // Two more rooms on the first floor, office hours too, never booked.
    for name in ["Sala Norte", "Sala Este"] {
        let body = json!({"name": name, "capacity": 6, "location": "Planta 1, ala \"A\""});
        let (status, _) = json(app.api(Method::POST, "/api/v1/rooms", &key).json(&body).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let monday = next_monday();
    let tuesday = monday.tomorrow().unwrap();
    let book = async |start: String, end: String| {
        let body =
            json!({"room_id": room, "title": "Reunión", "start": start, "end": end, "organizer": "ana@acme.test"});
        let (status, booking) =
            json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{booking}");
        booking["id"].as_str().unwrap().to_owned()
    };
    // Monday 10:00-11:00 (60 minutes) and 19:30-20:30 (30 of them before closing); Tuesday
    // 09:00-10:00, cancelled (none).
    book(madrid(monday, 10, 0), madrid(monday, 11, 0)).await;
    book(madrid(monday, 19, 30), madrid(monday, 20, 30)).await;
    let cancelled = book(madrid(tuesday, 9, 0), madrid(tuesday, 10, 0)).await;
    let response = app
        .api(Method::DELETE, &format!("/api/v1/bookings/{cancelled}"), &key)
        .json(&json!({"reason": "ya no hace falta"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());

    let report = async |query: String| {
        let (status, body) =
            json(app.api(Method::GET, &format!("/api/v1/reports/utilization?{query}"), &key).send().await.unwrap())
                .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    };
    let range = format!("from={monday}&to={tuesday}");
    // By room: 90 booked of 2 x 720 bookable minutes = 0.0625.
    let rows = report(format!("{range}&room_id={room}")).await;
    assert_eq!(rows, json!([{"room_id": room, "booked_minutes": 90, "bookable_minutes": 1440, "utilization": 0.0625}]));
    let rows = report(range.clone()).await;
    assert_eq!(rows.as_array().unwrap().len(), 3);
    // By location: the first floor's two rooms sum up (0 of 2 x 1440), Sala Sur has none.
    let rows = report(format!("{range}&group_by=location")).await;
    assert_eq!(
        rows,
        json!([
            {"location": "", "booked_minutes": 90, "bookable_minutes": 1440, "utilization": 0.0625},
            {"location": "Planta 1, ala \"A\"", "booked_minutes": 0, "bookable_minutes": 2880, "utilization": 0.0},
        ])
    );
    let csv = app
        .api(Method::GET, &format!("/api/v1/reports/utilization?{range}&group_by=location&format=csv"), &key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        csv.text().await.unwrap(),
        "location,booked_minutes,bookable_minutes,utilization\r\n,90,1440,0.0625\r\n\"Planta 1, ala \"\"A\"\"\",0,2880,0\r\n"
    );
    // Only one location: its two rooms, by room or in all; a location no room has is not found.
    let floor = "location=Planta%201%2C%20ala%20%22A%22";
    let rows = report(format!("{range}&{floor}")).await;
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert!(rows.as_array().unwrap().iter().all(|r| r["room_id"] != json!(room)), "{rows}");
    let rows = report(format!("{range}&{floor}&group_by=day")).await;
    assert_eq!(rows[0]["bookable_minutes"], 1440);
    let (status, body) = json(
        app.api(Method::GET, &format!("/api/v1/reports/utilization?{range}&location=Marte"), &key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{body}");
    for report in ["cancellations", "ghosts", "sizing", "external-guests"] {
        let path = format!("/api/v1/reports/{report}?{range}&location=Marte");
        let response = app.api(Method::GET, &path, &key).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let path = format!("/api/v1/reports/{report}?{range}&{floor}");
        let response = app.api(Method::GET, &path, &key).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    // Sala Sur is in no location: with the floor, it is not found.
    let response = app
        .api(Method::GET, &format!("/api/v1/reports/utilization?{range}&{floor}&room_id={room}"), &key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // By day: Monday 90/720 = 0.125, Tuesday nothing.
    let rows = report(format!("{range}&group_by=day&room_id={room}")).await;
    assert_eq!(
        rows,
        json!([
            {"date": monday.to_string(), "booked_minutes": 90, "bookable_minutes": 720, "utilization": 0.125},
            {"date": tuesday.to_string(), "booked_minutes": 0, "bookable_minutes": 720, "utilization": 0.0},
        ])
    );
    // By weekday x hour: Monday (0) at 10 is full, at 19 half full, at 20 closed.
    let rows = report(format!("{range}&group_by=weekday_hour&room_id={room}")).await;
    let cell = |weekday: u8, hour: u8| -> Value {
        rows.as_array().unwrap().iter().find(|r| r["weekday"] == weekday && r["hour"] == hour).unwrap().clone()
    };
    assert_eq!(rows.as_array().unwrap().len(), 168);
    assert_eq!((cell(0, 10)["booked_minutes"].clone(), cell(0, 10)["utilization"].clone()), (json!(60), json!(1.0)));
    assert_eq!((cell(0, 19)["booked_minutes"].clone(), cell(0, 19)["utilization"].clone()), (json!(30), json!(0.5)));
    assert_eq!((cell(0, 20)["booked_minutes"].clone(), cell(0, 20)["bookable_minutes"].clone()), (json!(0), json!(0)));
    assert_eq!(cell(1, 9)["booked_minutes"], 0, "a cancelled booking holds nothing");

    // CSV: a header line and one line per day.
    let csv = app
        .api(Method::GET, &format!("/api/v1/reports/utilization?{range}&group_by=day&format=csv&room_id={room}"), &key)
        .send()
        .await
        .unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(
        csv.text().await.unwrap(),
        format!("date,booked_minutes,bookable_minutes,utilization\r\n{monday},90,720,0.125\r\n{tuesday},0,720,0\r\n")
    );

    // Cancellations over the bookings starting in the range: one of three, a week or more ahead.
    let (status, c) =
        json(app.api(Method::GET, &format!("/api/v1/reports/cancellations?{range}"), &key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(
        (c["bookings"].clone(), c["cancelled"].clone(), c["cancellation_rate"].clone()),
        (json!(3), json!(1), json!(0.3333))
    );
    assert_eq!(c["by_reason"], json!([{"reason": "ya no hace falta", "count": 1}]));
    let notices: Vec<(&str, u64)> = c["by_notice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["notice"].as_str().unwrap(), n["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        notices,
        [("after_start", 0), ("under_an_hour", 0), ("under_a_day", 0), ("under_a_week", 0), ("a_week_or_more", 1)]
    );
    assert_eq!(c["average_duration_minutes"], 60);
    assert!(c["average_lead_minutes"].as_i64().unwrap() >= 7 * 24 * 60, "{c}");
    let (status, _) = json(
        app.api(Method::GET, &format!("/api/v1/reports/cancellations?from={tuesday}&to={monday}"), &key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Refusals, each with its field and code.
    for (query, status, field, code) in [
        (format!("from=2027-02-30&to={tuesday}"), StatusCode::UNPROCESSABLE_ENTITY, "from", "invalid_date"),
        (format!("from={tuesday}&to={monday}"), StatusCode::UNPROCESSABLE_ENTITY, "to", "invalid_range"),
        ("from=2027-01-01&to=2037-01-02".to_owned(), StatusCode::UNPROCESSABLE_ENTITY, "to", "invalid_range"),
        (
            "from=2027-01-01&to=2029-01-02&group_by=room_day".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "to",
            "invalid_range",
        ),
        (format!("{range}&group_by=month"), StatusCode::UNPROCESSABLE_ENTITY, "group_by", "invalid_format"),
        (format!("{range}&format=xlsx"), StatusCode::UNPROCESSABLE_ENTITY, "format", "invalid_format"),
        (format!("{range}&room_id=nope"), StatusCode::UNPROCESSABLE_ENTITY, "room_id", "invalid_id"),
    ] {
        let response =
            app.api(Method::GET, &format!("/api/v1/reports/utilization?{query}"), &key).send().await.unwrap();
        let problem = expect_problem(response, status, "validation_failed").await;
        assert_eq!(
            (problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()),
            (Some(field), Some(code)),
            "{query}"
        );
    }
    let unknown = format!("{range}&room_id=01a3b81d-1c01-7c7f-973a-dae48201e2bd");
    let response = app.api(Method::GET, &format!("/api/v1/reports/utilization?{unknown}"), &key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // A member sees no reports.
    let session = app.session(&maria).await;
    let response = app
        .request(Method::GET, &format!("/api/v1/reports/utilization?{range}"))
        .header("cookie", format!("sala_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
both!(utilization_is_reported_by_room_day_and_hour);
