//! `GET /api/v1/reports/ghosts`, `/sizing`, `/organizers` and `/external-guests` over two past
//! days worked out by hand, JSON and CSV; the per-person switch (`report_per_person`); and the
//! refusals (bad dates, an empty range, an unknown room, a bad limit or format, a member, a key
//! without `read`).
//!
//! The bookings are in the past, so they are written straight to the store (the API takes no
//! booking that has started), with their check-ins and a no-show release.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use reqwest::{Method, StatusCode};
use sala_domain::attendance::{CheckIn, CheckInSource};
use sala_domain::booking::sample;
use sala_domain::{Actor, Attendee, Booking, BookingStatus, Email, Millis, RoomId, TimeRange, User};
use sala_store::BookingWrite;
use serde_json::{Value, json};

const MINUTE: Millis = 60_000;

fn madrid() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Madrid").unwrap()
}

/// `date` at `hh:mm` in Madrid, in Unix milliseconds.
fn at(date: jiff::civil::Date, hour: i8, minute: i8) -> Millis {
    date.at(hour, minute, 0, 0).to_zoned_datetime(madrid()).unwrap().timestamp().as_millisecond()
}

/// A Monday two to three weeks ago: its days are over.
fn past_monday() -> jiff::civil::Date {
    let today = jiff::Timestamp::now().to_zoned_datetime(madrid()).date();
    let mut day = today.checked_sub(jiff::Span::new().days(14)).unwrap();
    while day.weekday() != jiff::civil::Weekday::Monday {
        day = day.yesterday().unwrap();
    }
    day
}

fn guest(address: &str, user: Option<&User>) -> Attendee {
    Attendee { email: Email::parse(address).unwrap(), name: None, user_id: user.map(|u| u.id) }
}

async fn create_room(app: &TestApp, key: &str, body: Value) -> RoomId {
    let (status, room) = json(app.api(Method::POST, "/api/v1/rooms", key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    room["id"].as_str().unwrap().parse().unwrap()
}

async fn ghosts_sizing_and_people_are_reported(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let maria = app.user(&tenant, "maria@acme.test", "María", "member").await;
    let luis = app.user(&tenant, "luis@acme.test", "Luis", "member").await;
    let key = app.api_key(&tenant).await;
    let sur = create_room(&app, &key, json!({"name": "Sala Sur", "capacity": 4})).await;
    let norte = create_room(&app, &key, json!({"name": "Sala Norte", "capacity": 10})).await;
    let virtual_room = create_room(
        &app,
        &key,
        json!({"name": "Sala Virtual", "capacity": 50, "kind": "virtual", "video_link": "https://meet.example.com/x"}),
    )
    .await;

    let monday = past_monday();
    let tuesday = monday.tomorrow().unwrap();
    let wednesday = tuesday.tomorrow().unwrap();
    let booking = |room: RoomId, organizer: &User, start: Millis, end: Millis, attendees: Vec<Attendee>| Booking {
        tenant_id: tenant.id,
        room_id: room,
        organizer_id: organizer.id,
        attendees,
        created_at: start - 7 * 24 * 60 * MINUTE,
        updated_at: start - 7 * 24 * 60 * MINUTE,
        ..sample::booking(TimeRange { start, end })
    };
    let cliente = || guest("cliente@globex.test", None);
    // Sur (4 seats): b1 Monday 10:00-11:00, Ana with María (2 people), María checks in.
    let b1 = booking(sur, &ana, at(monday, 10, 0), at(monday, 11, 0), vec![guest("maria@acme.test", Some(&maria))]);
    // b2 Monday 12:00-13:30, Ana with María and a client (3 people): nobody checks in, 90 minutes.
    let b2 = booking(
        sur,
        &ana,
        at(monday, 12, 0),
        at(monday, 13, 30),
        vec![guest("maria@acme.test", Some(&maria)), cliente()],
    );
    // b3 Tuesday 09:00-10:00, María with Ana and three clients (5 people: over 4), released at
    // 09:10: 10 minutes.
    let b3 = booking(
        sur,
        &maria,
        at(tuesday, 9, 0),
        at(tuesday, 10, 0),
        vec![
            guest("ana@acme.test", Some(&ana)),
            cliente(),
            guest("c2@globex.test", None),
            guest("c3@globex.test", None),
        ],
    );
    // b4 Tuesday 15:00-16:00, Ana and a client: cancelled, never counts.
    let b4 = booking(sur, &ana, at(tuesday, 15, 0), at(tuesday, 16, 0), vec![cliente()]);
    // b5 Norte (10 seats) Monday 09:00-10:00, María with two (3 people); nobody ever checks in there.
    let b5 = booking(
        norte,
        &maria,
        at(monday, 9, 0),
        at(monday, 10, 0),
        vec![guest("ana@acme.test", Some(&ana)), guest("luis@acme.test", Some(&luis))],
    );
    // b6 Sur Wednesday, after the range: ignored.
    let b6 = booking(sur, &ana, at(wednesday, 10, 0), at(wednesday, 11, 0), vec![cliente()]);
    let all = [b1.clone(), b2.clone(), b3.clone(), b4.clone(), b5.clone(), b6.clone()];
    app.store().insert_bookings(BookingWrite::new(tenant.id, &all, &[], &[])).await.unwrap();
    let entry = |action: &str| sala_app::Context::system(tenant.id).audit(action, "booking", None, None, None);
    let check_in = CheckIn {
        tenant_id: tenant.id,
        booking_id: b1.id,
        email: maria.email.clone(),
        at: at(monday, 10, 3),
        by: Actor::System,
        source: CheckInSource::Api,
    };
    assert!(app.store().record_check_in(&check_in, &[], &entry("booking.checked_in")).await.unwrap());
    let released = Booking { status: BookingStatus::Released, updated_at: at(tuesday, 9, 10), version: 2, ..b3 };
    let cancelled = Booking {
        status: BookingStatus::Cancelled,
        cancelled_at: Some(at(monday, 8, 0)),
        updated_at: at(monday, 8, 0),
        version: 2,
        ..b4
    };
    app.store().update_bookings(BookingWrite::new(tenant.id, &[released, cancelled], &[], &[])).await.unwrap();

    let get = async |path: String| {
        let (status, body) = json(app.api(Method::GET, &path, &key).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    };
    let range = format!("from={monday}&to={tuesday}");
    let row = |rows: &Value, room: RoomId| -> Value {
        rows.as_array().unwrap().iter().find(|r| r["room_id"] == room.to_string()).unwrap().clone()
    };

    // Ghosts. Sur uses check-in (b1): b1, b2 and b3 are over, b2 and b3 are ghosts (2 / 3 =
    // 0.6667) of 90 + 10 minutes. Nobody checks in in Norte or the virtual room: no figures.
    let ghosts = get(format!("/api/v1/reports/ghosts?{range}")).await;
    assert_eq!(
        ghosts["total"],
        json!({"rooms_with_check_in": 1, "bookings": 3, "ghosts": 2, "ghost_rate": 0.6667, "ghost_minutes": 100})
    );
    assert_eq!(ghosts["by_room"].as_array().unwrap().len(), 3);
    assert_eq!(
        row(&ghosts["by_room"], sur),
        json!({"room_id": sur.to_string(), "check_in_used": true, "bookings": 3, "ghosts": 2, "ghost_rate": 0.6667,
               "ghost_minutes": 100})
    );
    assert_eq!(
        row(&ghosts["by_room"], norte),
        json!({"room_id": norte.to_string(), "check_in_used": false, "bookings": 0, "ghosts": 0, "ghost_rate": 0.0,
               "ghost_minutes": 0})
    );
    // Monday alone: b1 attended, b2 a ghost.
    let monday_only = get(format!("/api/v1/reports/ghosts?from={monday}&to={monday}&room_id={sur}")).await;
    assert_eq!(monday_only["by_room"][0]["ghosts"], 1);
    assert_eq!(monday_only["total"]["ghost_minutes"], 90);
    let csv = app
        .api(Method::GET, &format!("/api/v1/reports/ghosts?{range}&room_id={sur}&format=csv"), &key)
        .send()
        .await
        .unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(
        csv.text().await.unwrap(),
        format!("room_id,check_in_used,bookings,ghosts,ghost_rate,ghost_minutes\r\n{sur},true,3,2,0.6667,100\r\n")
    );

    // Sizing. Sur: b1, b2, b3 (b4 cancelled) of 2 + 3 + 5 = 10 people, 3.3333; b3 over 4 seats (1
    // in 3: too small); b1 half empty. Norte: 3 of 10 seats, half empty: too big. The virtual
    // room has no seats: unknown.
    let sizing = get(format!("/api/v1/reports/sizing?{range}")).await;
    assert_eq!(
        row(&sizing, sur),
        json!({"room_id": sur.to_string(), "capacity": 4, "meetings": 3, "average_people": 3.3333, "peak_people": 5,
               "over_capacity": 1, "half_empty": 1, "verdict": "too_small"})
    );
    assert_eq!(
        row(&sizing, norte),
        json!({"room_id": norte.to_string(), "capacity": 10, "meetings": 1, "average_people": 3.0, "peak_people": 3,
               "over_capacity": 0, "half_empty": 1, "verdict": "too_big"})
    );
    assert_eq!(
        row(&sizing, virtual_room),
        json!({"room_id": virtual_room.to_string(), "capacity": null, "meetings": 0, "average_people": 0.0,
               "peak_people": 0, "over_capacity": 0, "half_empty": 0, "verdict": "unknown"})
    );
    let csv = app
        .api(Method::GET, &format!("/api/v1/reports/sizing?{range}&room_id={virtual_room}&format=csv"), &key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        csv.text().await.unwrap(),
        format!(
            "room_id,capacity,meetings,average_people,peak_people,over_capacity,half_empty,verdict\r\n\
             {virtual_room},,0,0,0,0,0,unknown\r\n"
        )
    );

    // Top organizers: Ana b1 60 + b2 90; María b3 10 (released) + b5 60; tied on meetings, Ana
    // has more minutes.
    let organizers = get(format!("/api/v1/reports/organizers?{range}")).await;
    assert_eq!(
        organizers,
        json!({"organizers": [
            {"organizer_id": ana.id.to_string(), "name": "Ana", "email": "ana@acme.test", "meetings": 2, "minutes": 150},
            {"organizer_id": maria.id.to_string(), "name": "María", "email": "maria@acme.test", "meetings": 2,
             "minutes": 70},
        ]})
    );
    let first = get(format!("/api/v1/reports/organizers?{range}&limit=1")).await;
    assert_eq!(first["organizers"].as_array().unwrap().len(), 1);

    // External guests: b2 and b3 of b1, b2, b3, b5 (b4 cancelled, b6 after the range).
    let share = json!({"meetings": 4, "with_external_guests": 2, "external_guest_share": 0.5});
    assert_eq!(get(format!("/api/v1/reports/external-guests?{range}")).await, share);
    let norte_only = get(format!("/api/v1/reports/external-guests?{range}&room_id={norte}")).await;
    assert_eq!(norte_only, json!({"meetings": 1, "with_external_guests": 0, "external_guest_share": 0.0}));

    // The works council asks: no per-person figures. The organizers answer 409, the aggregates stay.
    let (status, settings) = json(
        app.api(Method::PATCH, "/api/v1/settings", &key)
            .json(&json!({"report_per_person": false}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, settings["report_per_person"].clone()), (StatusCode::OK, json!(false)), "{settings}");
    let response = app.api(Method::GET, &format!("/api/v1/reports/organizers?{range}"), &key).send().await.unwrap();
    expect_problem(response, StatusCode::CONFLICT, "per_person_reports_off").await;
    assert_eq!(get(format!("/api/v1/reports/external-guests?{range}")).await, share);
    assert_eq!(get(format!("/api/v1/reports/ghosts?{range}")).await["total"]["ghosts"], 2);
    let (_, settings) = json(
        app.api(Method::PATCH, "/api/v1/settings", &key)
            .json(&json!({"report_per_person": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(settings["report_per_person"], true);
    get(format!("/api/v1/reports/organizers?{range}")).await;

    // Nine years up to the same Tuesday at once, from the rollups: the same figures.
    let decade = format!("from={}&to={tuesday}", tuesday.checked_sub(jiff::Span::new().years(9)).unwrap());
    for report in ["ghosts", "sizing", "external-guests", "cancellations"] {
        let (short, long) = (
            get(format!("/api/v1/reports/{report}?{range}")).await,
            get(format!("/api/v1/reports/{report}?{decade}")).await,
        );
        assert_eq!(short, long, "{report}: nothing else in those ten years");
    }

    // Refusals, each with its field and code.
    for (path, field, code) in [
        (format!("ghosts?from=2027-02-30&to={tuesday}"), "from", "invalid_date"),
        (format!("ghosts?from=yesterday&to={tuesday}"), "from", "invalid_date"),
        (format!("ghosts?from={tuesday}&to={monday}"), "to", "invalid_range"),
        (format!("sizing?from={tuesday}&to={monday}"), "to", "invalid_range"),
        // Summed from rollups: up to ten years.
        ("sizing?from=2027-01-01&to=2037-01-01".to_owned(), "to", "invalid_range"),
        ("organizers?from=2027-01-01&to=2037-01-01".to_owned(), "to", "invalid_range"),
        (format!("sizing?{range}&room_id=nope"), "room_id", "invalid_id"),
        (format!("sizing?{range}&format=xlsx"), "format", "invalid_format"),
        (format!("ghosts?{range}&format=pdf"), "format", "invalid_format"),
        (format!("organizers?from={tuesday}&to={monday}"), "to", "invalid_range"),
        (format!("organizers?{range}&limit=0"), "limit", "out_of_range"),
        (format!("organizers?{range}&limit=101"), "limit", "out_of_range"),
        (format!("external-guests?from={monday}&to=2027-13-01"), "to", "invalid_date"),
    ] {
        let response = app.api(Method::GET, &format!("/api/v1/reports/{path}"), &key).send().await.unwrap();
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(
            (problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()),
            (Some(field), Some(code)),
            "{path}"
        );
    }
    let unknown = "01a3b81d-1c01-7c7f-973a-dae48201e2bd";
    for report in ["ghosts", "sizing", "external-guests"] {
        let path = format!("/api/v1/reports/{report}?{range}&room_id={unknown}");
        expect_problem(app.api(Method::GET, &path, &key).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
            .await;
        let missing = format!("/api/v1/reports/{report}?from={monday}");
        let response = app.api(Method::GET, &missing, &key).send().await.unwrap();
        expect_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    }

    // A key that may only write, and a member: no reports.
    let ctx = sala_app::Context::system(tenant.id);
    let writer = sala_app::api_keys::create_api_key(app.store(), &ctx, "writer", Some("write")).await.unwrap().secret;
    let session = app.session(&maria).await;
    for report in ["ghosts", "sizing", "organizers", "external-guests"] {
        let path = format!("/api/v1/reports/{report}?{range}");
        let response = app.api(Method::GET, &path, &writer).send().await.unwrap();
        expect_problem(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
        let response =
            app.request(Method::GET, &path).header("cookie", format!("sala_session={session}")).send().await.unwrap();
        expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
}
both!(ghosts_sizing_and_people_are_reported);
