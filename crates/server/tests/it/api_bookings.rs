//! `/api/v1/bookings`: the CRM's API end to end, conflicts, concurrency, idempotency, optimistic
//! concurrency, permissions, isolation, recurrence and bad input. Every case runs on SQLite and on
//! PostgreSQL.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use reqwest::{Method, StatusCode};
use sala_domain::{JobKind, Tenant};
use serde_json::{Value, json};

/// A time `days` ahead (at least a week, on a Monday) at `hour`:00 Madrid time, lasting `minutes`.
fn slot(days: i64, hour: i8, minutes: i64) -> (String, String) {
    let zone = jiff::tz::TimeZone::get("Europe/Madrid").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(zone.clone()).date();
    let mut date = today.checked_add(jiff::Span::new().days(7 + days)).unwrap();
    while date.weekday() != jiff::civil::Weekday::Monday {
        date = date.checked_add(jiff::Span::new().days(1)).unwrap();
    }
    let start = date.at(hour, 0, 0, 0).to_zoned_datetime(zone).unwrap();
    let end = start.checked_add(jiff::Span::new().minutes(minutes)).unwrap();
    (start.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(), end.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

struct World {
    tenant: Tenant,
    key: String,
    room: String,
}

async fn world(app: &TestApp) -> World {
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "maria@acme.test", "María López", "member").await;
    app.user(&tenant, "juan@acme.test", "Juan Pérez", "member").await;
    app.user(&tenant, "ana@acme.test", "Ana García", "admin").await;
    let key = app.api_key(&tenant).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Atlántico", "capacity": 6, "equipment": ["projector"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    World { tenant, key, room: room["id"].as_str().unwrap().to_owned() }
}

fn booking(w: &World, (start, end): (String, String), organizer: &str) -> Value {
    json!({"room_id": w.room, "title": "Demo con Globex", "start": start, "end": end,
           "time_zone": "Europe/Madrid", "organizer": organizer})
}

async fn post(app: &TestApp, key: &str, body: &Value) -> (StatusCode, Value) {
    json(app.api(Method::POST, "/api/v1/bookings", key).json(body).send().await.unwrap()).await
}

async fn crm_flow_create_read_edit_cancel(app: TestApp) {
    let w = world(&app).await;
    let (_, people) =
        json(app.api(Method::GET, "/api/v1/bookings/search-users?q=maria", &w.key).send().await.unwrap()).await;
    assert_eq!(people[0]["email"], "maria@acme.test");

    let mut body = booking(&w, slot(0, 10, 60), "maria@acme.test");
    body["attendees"] =
        json!([{"email": "juan@acme.test"}, {"email": "cliente@globex.com", "name": "Cliente <b>VIP</b>"}]);
    body["google_meet"] = json!(true);
    body["external_ref"] = json!("crm-4711");
    body["metadata"] = json!({"deal": "D-88"});
    let response = app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap();
    assert_eq!(response.headers().get("etag").unwrap(), "\"1\"");
    let location = response.headers().get("location").unwrap().to_str().unwrap().to_owned();
    let (status, created) = json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["organizer"]["email"], "maria@acme.test");
    assert_eq!(created["start"], body["start"], "times come back in the booking's zone");
    assert_eq!(created["attendees"][0]["internal"], true);
    assert_eq!(
        created["attendees"][1],
        json!({"email": "cliente@globex.com", "name": "Cliente <b>VIP</b>", "user_id": null, "internal": false})
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/bookings/{id}"));

    let (status, got) = json(app.api(Method::GET, &location, &w.key).send().await.unwrap()).await;
    assert_eq!(
        (status, &got["external_ref"], &got["metadata"]["deal"]),
        (StatusCode::OK, &json!("crm-4711"), &json!("D-88"))
    );
    assert_eq!((&got["status"], &got["version"], &got["google_meet"]), (&json!("confirmed"), &json!(1), &json!(true)));

    // Optimistic concurrency: a stale version is refused, the current one accepted.
    let (start, end) = slot(0, 12, 30);
    let patch = json!({"start": start, "end": end, "title": "Demo (movida)"});
    let stale =
        app.api(Method::PATCH, &location, &w.key).header("if-match", "\"7\"").json(&patch).send().await.unwrap();
    expect_problem(stale, StatusCode::PRECONDITION_FAILED, "version_mismatch").await;
    let (status, edited) =
        json(app.api(Method::PATCH, &location, &w.key).header("if-match", "\"1\"").json(&patch).send().await.unwrap())
            .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        (&edited["version"], &edited["start"], &edited["title"]),
        (&json!(2), &json!(start), &json!("Demo (movida)"))
    );

    // Cancel with a reason; cancelling again is harmless.
    let (status, cancelled) = json(
        app.api(Method::DELETE, &location, &w.key)
            .json(&json!({"reason": "El cliente no puede"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &cancelled["status"], &cancelled["cancel_reason"]),
        (StatusCode::OK, &json!("cancelled"), &json!("El cliente no puede"))
    );
    let (status, again) = json(app.api(Method::DELETE, &location, &w.key).send().await.unwrap()).await;
    assert_eq!((status, &again["version"]), (StatusCode::OK, &json!(3)));
    let edit_cancelled = app.api(Method::PATCH, &location, &w.key).json(&json!({"title": "x"})).send().await.unwrap();
    expect_problem(edit_cancelled, StatusCode::CONFLICT, "booking_cancelled").await;

    // The audit trail, for admins.
    let (status, trail) =
        json(app.api(Method::GET, &format!("/api/v1/audit?booking_id={id}"), &w.key).send().await.unwrap()).await;
    let trail = trail["items"].clone();
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = trail.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    // The booking invited an outside guest: who did is on record, beside the creation.
    assert_eq!(actions, ["booking.cancelled", "booking.updated", "booking.guests_invited", "booking.created"]);
    assert_eq!(trail[0]["after"]["cancel_reason"], "El cliente no puede");
    assert_eq!(trail[1]["before"]["title"], "Demo con Globex");
    assert_eq!(trail[2]["after"]["count"], 1, "{}", trail[2]);

    // Every change wrote its outbox jobs; the move replaced the reminder and the cancellation
    // dropped it.
    let jobs = app.store().jobs_for_booking(w.tenant.id, id.parse().unwrap()).await.unwrap();
    let kinds: Vec<JobKind> = jobs.iter().map(|j| j.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == JobKind::Notify).count(), 3, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| **k == JobKind::Webhook).count(), 3);
    assert_eq!(kinds.iter().filter(|k| **k == JobKind::Reminder).count(), 0, "no reminder for a cancelled meeting");
    let events: Vec<&str> =
        jobs.iter().filter(|j| j.kind == JobKind::Webhook).map(|j| j.payload["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["booking.created", "booking.updated", "booking.cancelled"]);
}
both!(crm_flow_create_read_edit_cancel);

async fn conflicts_name_the_booking_but_not_its_title(app: TestApp) {
    let w = world(&app).await;
    let (status, first) = post(&app, &w.key, &booking(&w, slot(1, 10, 60), "maria@acme.test")).await;
    assert_eq!(status, StatusCode::CREATED);
    let juan = app
        .store()
        .search_users(w.tenant.id, &sala_store::UserQuery { text: "juan".into(), limit: 1, include_inactive: false })
        .await
        .unwrap()
        .remove(0);
    let session = app.session(&juan).await;
    let csrf = "z".repeat(43);
    let (start, _) = slot(1, 10, 60);
    let (_, end) = slot(1, 10, 90);
    let overlapping = json!({"room_id": w.room, "title": "Mine", "start": start.replace("10:00", "10:30"), "end": end});
    let response = app
        .request(Method::POST, "/api/v1/bookings")
        .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
        .header("x-csrf-token", &csrf)
        .json(&overlapping)
        .send()
        .await
        .unwrap();
    let problem = expect_problem(response, StatusCode::CONFLICT, "booking_conflict").await;
    assert_eq!(problem["conflicts"][0]["booking_id"], first["id"]);
    assert!(!problem.to_string().contains("Globex"), "the title stays private: {problem}");

    // Back-to-back is fine.
    let (b2b_start, b2b_end) = slot(1, 11, 60);
    let (status, _) = post(&app, &w.key, &booking(&w, (b2b_start, b2b_end), "juan@acme.test")).await;
    assert_eq!(status, StatusCode::CREATED);
}
both!(conflicts_name_the_booking_but_not_its_title);

async fn fifty_simultaneous_creates_give_one_booking(app: TestApp) {
    let w = world(&app).await;
    let body = booking(&w, slot(2, 9, 60), "maria@acme.test");
    let requests = (0..50).map(|_| {
        let request = app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body);
        tokio::spawn(async move { request.send().await.unwrap().status() })
    });
    let statuses: Vec<StatusCode> = futures_join(requests).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 49, "{statuses:?}");

    // Overlapping but different slots: every 10 minutes, each an hour long.
    let (base, _) = slot(21, 8, 60);
    let base = base.parse::<jiff::Timestamp>().unwrap();
    let requests = (0..50).map(|i| {
        let start = base.checked_add(jiff::SignedDuration::from_mins(10 * i)).unwrap();
        let end = start.checked_add(jiff::SignedDuration::from_mins(60)).unwrap();
        let b = json!({"room_id": w.room, "title": format!("r{i}"), "start": start.to_string(), "end": end.to_string(), "organizer": "juan@acme.test"});
        let request = app.api(Method::POST, "/api/v1/bookings", &w.key).json(&b);
        tokio::spawn(async move { request.send().await.unwrap().status() })
    });
    let statuses = futures_join(requests).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{statuses:?}");
    let window = sala_domain::TimeRange { start: base.as_millisecond(), end: base.as_millisecond() + 10 * 3_600_000 };
    let busy = app.store().busy(w.tenant.id, &[], window).await.unwrap();
    assert_eq!(busy.len(), statuses.iter().filter(|s| **s == StatusCode::CREATED).count());
    for (i, a) in busy.iter().enumerate() {
        for b in &busy[i + 1..] {
            assert!(!a.time.overlaps(&b.time), "double booking: {a:?} {b:?}");
        }
    }
}
both!(fifty_simultaneous_creates_give_one_booking);

/// Two server instances on one PostgreSQL database race for the same slot: one booking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_never_double_book() {
    let Some(app) = TestApp::postgres().await else { return };
    let w = world(&app).await;
    let other = app.second_instance().await;
    let body = booking(&w, slot(2, 9, 60), "maria@acme.test");
    let requests = (0..50).map(|i| {
        let base = if i % 2 == 0 { app.url.clone() } else { other.clone() };
        let request = app.http.post(format!("{base}/api/v1/bookings")).bearer_auth(&w.key).json(&body);
        tokio::spawn(async move { request.send().await.unwrap().status() })
    });
    let statuses = futures_join(requests).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 49, "{statuses:?}");
}

async fn futures_join<T: Send + 'static>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.unwrap());
    }
    out
}

async fn idempotent_retries(app: TestApp) {
    let w = world(&app).await;
    let body = booking(&w, slot(4, 10, 30), "maria@acme.test");
    let send = |key: &'static str, body: &Value| {
        app.api(Method::POST, "/api/v1/bookings", &w.key).header("idempotency-key", key).json(body).send()
    };
    let (status, first) = json(send("crm-req-1", &body).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, retry) = json(send("crm-req-1", &body).await.unwrap()).await;
    assert_eq!((status, &retry["id"]), (StatusCode::OK, &first["id"]), "the retry returns the original");
    let mut other = body.clone();
    other["title"] = json!("Otra cosa");
    let reused = send("crm-req-1", &other).await.unwrap();
    let problem = expect_problem(reused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "idempotency_key_reused");
    let (_, page) = json(app.api(Method::GET, "/api/v1/bookings", &w.key).send().await.unwrap()).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}
both!(idempotent_retries);

async fn who_may_see_and_change(app: TestApp) {
    let w = world(&app).await;
    let mut body = booking(&w, slot(5, 10, 60), "maria@acme.test");
    body["attendees"] = json!([{"email": "juan@acme.test"}]);
    let (_, created) = post(&app, &w.key, &body).await;
    let path = format!("/api/v1/bookings/{}", created["id"].as_str().unwrap());
    let app = &app;
    let tenant = w.tenant.id;
    let person = |email: &'static str| async move {
        let found = app.person(tenant, email).await.unwrap();
        format!("sala_session={}; sala_csrf={}", app.session(&found).await, "q".repeat(43))
    };
    let as_person = |cookie: String, method: Method, body: Value| {
        app.request(method, &path).header("cookie", cookie).header("x-csrf-token", "q".repeat(43)).json(&body).send()
    };
    let outsider = app.user(&w.tenant, "pablo@acme.test", "Pablo", "member").await;
    let outsider = format!("sala_session={}; sala_csrf={}", app.session(&outsider).await, "q".repeat(43));

    // An attendee sees it but may not change it; the refusal is audited.
    let juan = person("juan@acme.test").await;
    assert_eq!(as_person(juan.clone(), Method::GET, json!({})).await.unwrap().status(), StatusCode::OK);
    let refused = as_person(juan.clone(), Method::PATCH, json!({"title": "Hacked"})).await.unwrap();
    expect_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let refused = as_person(juan, Method::DELETE, json!({})).await.unwrap();
    expect_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let (_, trail) = json(
        app.api(Method::GET, &format!("/api/v1/audit?booking_id={}", created["id"].as_str().unwrap()), &w.key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let trail = trail["items"].clone();
    let actions: Vec<&str> = trail.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"booking.edit_denied") && actions.contains(&"booking.cancel_denied"), "{actions:?}");

    // Someone not involved does not even see it.
    expect_problem(
        as_person(outsider.clone(), Method::GET, json!({})).await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        as_person(outsider.clone(), Method::PATCH, json!({"title": "x"})).await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (_, mine) =
        json(app.request(Method::GET, "/api/v1/bookings").header("cookie", outsider.clone()).send().await.unwrap())
            .await;
    assert_eq!(mine["items"], json!([]));
    let audit = app.request(Method::GET, "/api/v1/audit").header("cookie", outsider).send().await.unwrap();
    expect_problem(audit, StatusCode::FORBIDDEN, "forbidden").await;

    // The organizer and an admin may.
    let maria = person("maria@acme.test").await;
    let (status, _) = json(as_person(maria, Method::PATCH, json!({"title": "Mine"})).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let ana = person("ana@acme.test").await;
    let (status, edited) = json(as_person(ana, Method::PATCH, json!({"title": "Admin"})).await.unwrap()).await;
    assert_eq!((status, &edited["title"]), (StatusCode::OK, &json!("Admin")));
}
both!(who_may_see_and_change);

async fn another_tenant_sees_nothing(app: TestApp) {
    let w = world(&app).await;
    let (_, created) = post(&app, &w.key, &booking(&w, slot(6, 10, 60), "maria@acme.test")).await;
    let globex = app.tenant("Globex", "globex.test").await;
    app.user(&globex, "boss@globex.test", "Boss", "admin").await;
    let other = app.api_key(&globex).await;
    let path = format!("/api/v1/bookings/{}", created["id"].as_str().unwrap());
    expect_problem(app.api(Method::GET, &path, &other).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
    expect_problem(
        app.api(Method::PATCH, &path, &other).json(&json!({"title": "x"})).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(app.api(Method::DELETE, &path, &other).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
        .await;
    let (_, page) = json(app.api(Method::GET, "/api/v1/bookings", &other).send().await.unwrap()).await;
    assert_eq!(page["items"], json!([]));
    let (_, people) =
        json(app.api(Method::GET, "/api/v1/bookings/search-users?q=maria", &other).send().await.unwrap()).await;
    assert_eq!(people, json!([]));
    // Booking another tenant's room from here: the room does not exist.
    let mut stolen = booking(&w, slot(6, 12, 60), "boss@globex.test");
    stolen["room_id"] = json!(w.room);
    let problem = expect_problem(
        app.api(Method::POST, "/api/v1/bookings", &other).json(&stolen).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "unknown_room");
    let (_, trail) = json(
        app.api(Method::GET, &format!("/api/v1/audit?booking_id={}", created["id"].as_str().unwrap()), &other)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let trail = trail["items"].clone();
    assert_eq!(trail, json!([]));
    let untouched =
        app.store().get_booking(w.tenant.id, created["id"].as_str().unwrap().parse().unwrap()).await.unwrap().unwrap();
    assert_eq!((untouched.version, untouched.is_confirmed()), (1, true));
}
both!(another_tenant_sees_nothing);

async fn bad_input_gets_its_own_code(app: TestApp) {
    let w = world(&app).await;
    let (start, end) = slot(7, 10, 60);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"start": end, "end": start}), "end_before_start"),
        (json!({"start": "2030-01-01T10:00:00", "end": end}), "invalid_datetime"),
        (json!({"room_id": sala_domain::RoomId::new()}), "unknown_room"),
        (json!({"time_zone": "Mars/Olympus"}), "invalid_time_zone"),
        (json!({"title": ""}), "required"),
        (json!({"title": "x".repeat(201)}), "too_long"),
        (json!({"attendees": [{"email": "not-an-email"}]}), "invalid_email"),
        (json!({"attendees": [{"email": "juan@acme.test"}, {"email": "JUAN@acme.test"}]}), "duplicate_attendee"),
        (
            json!({"attendees": (0..7).map(|i| json!({"email": format!("g{i}@x.test")})).collect::<Vec<_>>()}),
            "over_capacity",
        ),
        (json!({"start": "2020-01-06T10:00:00+01:00", "end": "2020-01-06T11:00:00+01:00"}), "in_the_past"),
        (json!({"end": slot(7, 10, 13 * 60).1}), "too_long"),
        (json!({"organizer": null}), "organizer_required"),
        (json!({"organizer": "nobody@acme.test"}), "unknown_organizer"),
        (json!({"metadata": [1, 2]}), "invalid_metadata"),
        (json!({"recurrence": {"frequency": "weekly"}}), "recurrence_needs_end"),
        (json!({"recurrence": {"frequency": "weekly", "count": 500}}), "too_many_occurrences"),
    ];
    for (patch, code) in cases {
        let mut body = booking(&w, (start.clone(), end.clone()), "maria@acme.test");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap();
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let codes: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
        assert!(codes.contains(&code), "{patch} -> {codes:?}");
    }
    // A value outside an enum of the document (frequency, conflict policy) is refused as the body
    // not fitting its schema, naming the values it takes.
    for recurrence in
        [json!({"frequency": "hourly", "count": 3}), json!({"frequency": "weekly", "count": 3, "on_conflict": "merge"})]
    {
        let mut body = booking(&w, (start.clone(), end.clone()), "maria@acme.test");
        body["recurrence"] = recurrence;
        let response = app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap();
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        assert!(problem["detail"].as_str().unwrap().contains("unknown variant"), "{problem}");
    }
    let extra_field = json!({"room_id": w.room, "title": "x", "start": start, "end": end, "colour": "red"});
    expect_problem(
        app.api(Method::POST, "/api/v1/bookings", &w.key).json(&extra_field).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    let not_json = app
        .api(Method::POST, "/api/v1/bookings", &w.key)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    expect_problem(not_json, StatusCode::BAD_REQUEST, "invalid_json").await;
    expect_problem(
        app.api(Method::GET, "/api/v1/bookings/42", &w.key).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_id",
    )
    .await;
    expect_problem(
        app.api(Method::GET, "/api/v1/bookings?cursor=%%%", &w.key).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_problem(
        app.api(Method::GET, "/api/v1/bookings?from=yesterday", &w.key).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let (_, page) = json(app.api(Method::GET, "/api/v1/bookings", &w.key).send().await.unwrap()).await;
    assert_eq!(page["items"], json!([]), "nothing was created");

    // With Google Meet, more people than seats is a warning, not a refusal.
    let mut remote = booking(&w, (start, end), "maria@acme.test");
    remote["google_meet"] = json!(true);
    remote["attendees"] = json!((0..7).map(|i| json!({"email": format!("g{i}@x.test")})).collect::<Vec<_>>());
    let (status, created) = post(&app, &w.key, &remote).await;
    assert_eq!((status, &created["warnings"][0]["code"]), (StatusCode::CREATED, &json!("over_capacity")));
}
both!(bad_input_gets_its_own_code);

async fn weekly_series_keep_local_time_and_report_conflicts(app: TestApp) {
    let w = world(&app).await;
    // 30 weeks from a Monday always crosses a daylight-saving change in Madrid.
    let first = slot(0, 10, 60);
    let third = slot(14, 10, 60);
    let (_, blocker) = post(&app, &w.key, &booking(&w, third.clone(), "juan@acme.test")).await;
    let mut series = booking(&w, first, "maria@acme.test");
    series["recurrence"] = json!({"frequency": "weekly", "count": 30});
    let problem = expect_problem(
        app.api(Method::POST, "/api/v1/bookings", &w.key).json(&series).send().await.unwrap(),
        StatusCode::CONFLICT,
        "booking_conflict",
    )
    .await;
    assert_eq!(problem["conflicts"].as_array().unwrap().len(), 1);
    assert_eq!(problem["conflicts"][0]["booking_id"], blocker["id"]);
    let (_, page) = json(app.api(Method::GET, "/api/v1/bookings?limit=200", &w.key).send().await.unwrap()).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "all or nothing");

    series["recurrence"]["on_conflict"] = json!("skip");
    let (status, created) = post(&app, &w.key, &series).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let occurrences = created["occurrences"].as_array().unwrap();
    assert_eq!(occurrences.len(), 29);
    assert_eq!(created["skipped"].as_array().unwrap().len(), 1);
    let offsets: std::collections::BTreeSet<&str> =
        occurrences.iter().map(|o| &o["start"].as_str().unwrap()[19..]).collect();
    assert!(occurrences.iter().all(|o| o["start"].as_str().unwrap()[11..16] == *"10:00"), "always 10:00 local");
    assert_eq!(offsets.len(), 2, "both winter and summer offsets: {offsets:?}");

    // "This and following": the 10th occurrence and later move to 11:00; earlier ones stay.
    let tenth = occurrences[9]["id"].as_str().unwrap();
    let start = occurrences[9]["start"].as_str().unwrap().replace("T10:", "T11:");
    let end = occurrences[9]["end"].as_str().unwrap().replace("T11:", "T12:");
    let (status, moved) = json(
        app.api(Method::PATCH, &format!("/api/v1/bookings/{tenth}?scope=following"), &w.key)
            .json(&json!({"start": start, "end": end}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    for (i, o) in occurrences.iter().enumerate() {
        let (_, now) = json(
            app.api(Method::GET, &format!("/api/v1/bookings/{}", o["id"].as_str().unwrap()), &w.key)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let expected = if i < 9 { "10:00" } else { "11:00" };
        assert_eq!(&now["start"].as_str().unwrap()[11..16], expected, "occurrence {i}: {now}");
    }

    // Cancel the 20th and following: 19 stay confirmed.
    let twentieth = occurrences[19]["id"].as_str().unwrap();
    let (status, _) = json(
        app.api(Method::DELETE, &format!("/api/v1/bookings/{twentieth}?scope=following"), &w.key).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, confirmed) =
        json(app.api(Method::GET, "/api/v1/bookings?status=confirmed&limit=200", &w.key).send().await.unwrap()).await;
    assert_eq!(confirmed["items"].as_array().unwrap().len(), 19 + 1, "19 occurrences and the blocker");
    let jobs = app
        .store()
        .jobs_for_booking(w.tenant.id, occurrences[1]["id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap();
    assert!(jobs.iter().all(|j| j.kind != JobKind::Notify), "one invitation for the series, not one per occurrence");
}
both!(weekly_series_keep_local_time_and_report_conflicts);

/// The next civil date at least a week ahead that `fits`, at `hour`:00 Madrid time, an hour long.
fn dated(fits: impl Fn(jiff::civil::Date) -> bool, hour: i8) -> (String, String) {
    let zone = jiff::tz::TimeZone::get("Europe/Madrid").unwrap();
    let mut date =
        jiff::Timestamp::now().to_zoned_datetime(zone.clone()).date().checked_add(jiff::Span::new().days(7)).unwrap();
    while !fits(date) {
        date = date.tomorrow().unwrap();
    }
    let start = date.at(hour, 0, 0, 0).to_zoned_datetime(zone).unwrap();
    let end = start.checked_add(jiff::Span::new().hours(1)).unwrap();
    (start.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(), end.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

async fn monthly_series_skip_months_without_their_day(app: TestApp) {
    let w = world(&app).await;
    // The 31st: four occurrences always pass a month without one, which is skipped and listed.
    let mut series = booking(&w, dated(|d| d.day() == 31, 10), "maria@acme.test");
    series["recurrence"] = json!({"frequency": "monthly", "count": 4});
    let (status, created) = post(&app, &w.key, &series).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let starts: Vec<&str> =
        created["occurrences"].as_array().unwrap().iter().map(|o| o["start"].as_str().unwrap()).collect();
    assert_eq!(starts.len(), 4);
    assert!(starts.iter().all(|s| &s[8..16] == "31T10:00"), "{starts:?}");
    let skipped = created["months_skipped"].as_array().unwrap();
    assert!(!skipped.is_empty(), "{created}");
    for month in skipped {
        let month = month.as_str().unwrap();
        assert_eq!(month.len(), 7, "YYYY-MM: {month}");
        assert!(starts.first().unwrap()[..7] < *month && *month < starts.last().unwrap()[..7], "{month}");
    }

    // The second Tuesday, every two months: the same weekday and week of the month each time.
    let second_tuesday =
        |d: jiff::civil::Date| d.weekday() == jiff::civil::Weekday::Tuesday && (8..=14).contains(&d.day());
    let mut series = booking(&w, dated(second_tuesday, 12), "maria@acme.test");
    series["recurrence"] = json!({"frequency": "monthly", "interval": 2, "by": "weekday", "count": 3});
    let (status, created) = post(&app, &w.key, &series).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    for o in created["occurrences"].as_array().unwrap() {
        let date: jiff::civil::Date = o["start"].as_str().unwrap()[..10].parse().unwrap();
        assert!(second_tuesday(date), "{date}");
    }
    assert!(created.get("months_skipped").is_none(), "every month has a second Tuesday: {created}");

    // Bad input: `by` on a weekly series, a last Tuesday that is not, an unknown `by`.
    let not_last = dated(|d| d.day() <= 14, 16);
    for (recurrence, code) in [
        (json!({"frequency": "weekly", "by": "weekday", "count": 3}), "by_needs_monthly"),
        (json!({"frequency": "monthly", "by": "last_weekday", "count": 3}), "not_last_weekday"),
    ] {
        let mut body = booking(&w, not_last.clone(), "maria@acme.test");
        body["recurrence"] = recurrence;
        let response = app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap();
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    let mut body = booking(&w, not_last, "maria@acme.test");
    body["recurrence"] = json!({"frequency": "monthly", "by": "fortnight", "count": 3});
    let response = app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap();
    expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
}
both!(monthly_series_skip_months_without_their_day);

async fn pages_of_bookings_and_availability(app: TestApp) {
    let w = world(&app).await;
    for hour in 8..15 {
        let (status, _) = post(&app, &w.key, &booking(&w, slot(8, hour, 60), "maria@acme.test")).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/bookings?limit=3&cursor={c}"),
            None => "/api/v1/bookings?limit=3".to_owned(),
        };
        let (_, page) = json(app.api(Method::GET, &path, &w.key).send().await.unwrap()).await;
        seen.extend(page["items"].as_array().unwrap().iter().map(|b| b["start"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    assert!(seen.windows(2).all(|p| p[0] < p[1]), "ordered by start: {seen:?}");

    let (_, other) = json(
        app.api(Method::POST, "/api/v1/rooms", &w.key)
            .json(&json!({"name": "Cabina", "capacity": 2}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (start, _) = slot(8, 9, 60);
    let (_, end) = slot(8, 11, 60);
    let url = format!("/api/v1/rooms/availability?start={}&end={}", urlencode(&start), urlencode(&end));
    let (status, found) = json(app.api(Method::GET, &url, &w.key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["rooms"][0]["room"]["id"], other["id"], "free rooms first");
    assert_eq!((&found["rooms"][0]["free"], &found["rooms"][1]["free"]), (&json!(true), &json!(false)));
    assert_eq!(found["rooms"][1]["busy"].as_array().unwrap().len(), 3, "09:00, 10:00 and 11:00 overlap 09:00-12:00");
    assert!(!found.to_string().contains("Demo con Globex"));
    let (_, big) =
        json(app.api(Method::GET, &format!("{url}&capacity=4&equipment=projector"), &w.key).send().await.unwrap())
            .await;
    assert_eq!(big["rooms"].as_array().unwrap().len(), 1);
    // Seats outside what a room can have (the schema's 1-1000): refused, not read as "any".
    for seats in ["0", "1001", "2147483648"] {
        let (status, problem) =
            json(app.api(Method::GET, &format!("{url}&capacity={seats}"), &w.key).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{seats}: {problem}");
        assert_eq!(problem["errors"][0]["code"], "out_of_range", "{problem}");
    }
    let too_long = format!("/api/v1/rooms/availability?start={}&end=2099-01-01T00:00:00Z", urlencode(&start));
    expect_problem(
        app.api(Method::GET, &too_long, &w.key).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}
both!(pages_of_bookings_and_availability);

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

async fn rules_bind_people_but_not_admins(app: TestApp) {
    let w = world(&app).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &w.key)
            .json(&json!({"name": "Horario", "capacity": 4, "bookable_hours": {"days": ["mon","tue","wed","thu","fri"], "opens": "08:00", "closes": "18:00"},
                          "rules": {"max_duration_minutes": 120}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let evening = |w: &World| {
        let mut b = booking(w, slot(9, 19, 60), "maria@acme.test");
        b["room_id"] = room["id"].clone();
        b
    };
    let problem = expect_problem(
        app.api(Method::POST, "/api/v1/bookings", &w.key).json(&evening(&w)).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "outside_bookable_hours");
    let mut long = booking(&w, slot(9, 9, 180), "maria@acme.test");
    long["room_id"] = room["id"].clone();
    let problem = expect_problem(
        app.api(Method::POST, "/api/v1/bookings", &w.key).json(&long).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "too_long", "the room's own limit");

    let ana = app.person(w.tenant.id, "ana@acme.test").await.unwrap();
    let cookie = format!("sala_session={}; sala_csrf={}", app.session(&ana).await, "a".repeat(43));
    let as_admin = |body: Value| {
        app.request(Method::POST, "/api/v1/bookings")
            .header("cookie", cookie.clone())
            .header("x-csrf-token", "a".repeat(43))
            .json(&body)
            .send()
    };
    assert_eq!(as_admin(evening(&w)).await.unwrap().status(), StatusCode::CREATED, "admins may bypass the rules");
    let mut past = evening(&w);
    past["start"] = json!("2020-01-06T10:00:00+01:00");
    past["end"] = json!("2020-01-06T11:00:00+01:00");
    let problem =
        expect_problem(as_admin(past).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let codes: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["in_the_past"], "but not the past");
}
both!(rules_bind_people_but_not_admins);

async fn tenant_rules_come_from_settings(app: TestApp) {
    let w = world(&app).await;
    let rules = json!({"booking_rules": {"max_active_per_person": 1, "max_days_ahead": 400}});
    let (status, settings) =
        json(app.api(Method::PATCH, "/api/v1/settings", &w.key).json(&rules).send().await.unwrap()).await;
    assert_eq!(
        (status, &settings["booking_rules"]["max_active_per_person"]),
        (StatusCode::OK, &json!(1)),
        "{settings}"
    );
    let bad = json!({"booking_rules": {"min_duration_minutes": 90, "max_duration_minutes": 30}});
    let problem = expect_problem(
        app.api(Method::PATCH, "/api/v1/settings", &w.key).json(&bad).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "invalid_rules");

    let (status, _) = post(&app, &w.key, &booking(&w, slot(10, 10, 60), "maria@acme.test")).await;
    assert_eq!(status, StatusCode::CREATED);
    let problem = expect_problem(
        app.api(Method::POST, "/api/v1/bookings", &w.key)
            .json(&booking(&w, slot(10, 12, 60), "maria@acme.test"))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "too_many_active_bookings");
    let (status, _) = post(&app, &w.key, &booking(&w, slot(10, 12, 60), "juan@acme.test")).await;
    assert_eq!(status, StatusCode::CREATED, "the limit is per person");

    let juan = app.person(w.tenant.id, "juan@acme.test").await.unwrap();
    let cookie = format!("sala_session={}; sala_csrf={}", app.session(&juan).await, "j".repeat(43));
    let (status, read) =
        json(app.request(Method::GET, "/api/v1/settings").header("cookie", &cookie).send().await.unwrap()).await;
    assert_eq!((status, &read["booking_rules"]["max_days_ahead"]), (StatusCode::OK, &json!(400)));
    let denied = app
        .request(Method::PATCH, "/api/v1/settings")
        .header("cookie", &cookie)
        .header("x-csrf-token", "j".repeat(43))
        .json(&json!({"name": "Mine"}))
        .send()
        .await
        .unwrap();
    expect_problem(denied, StatusCode::FORBIDDEN, "forbidden").await;
}
both!(tenant_rules_come_from_settings);

/// Outside guests are held to daily quotas, per person and per organization: a member cannot
/// mail a hundred strangers a day. Only addresses new to a booking count; the organization's own
/// people, edits and guests already invited do not; each invitation is in the audit log.
async fn outside_guests_are_held_to_daily_quotas(app: TestApp) {
    let kind = app.db.backend();
    drop(app);
    let db = match kind {
        "postgres" => sala_store::testing::fresh_postgres().await.expect("PostgreSQL was there a moment ago"),
        _ => sala_store::testing::fresh_sqlite().await,
    };
    let app = TestApp::start(db, |s| {
        s.guests_per_person_per_day = 3;
        s.guests_per_organization_per_day = 5;
    })
    .await;
    let w = world(&app).await;
    let maria = app.person(w.tenant.id, "maria@acme.test").await.unwrap();
    let juan = app.person(w.tenant.id, "juan@acme.test").await.unwrap();
    let csrf = "t".repeat(43);
    let as_person = |session: String, method: Method, path: String, body: Value| {
        app.request(method, &path)
            .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
            .header("x-csrf-token", csrf.clone())
            .json(&body)
            .send()
    };
    let guests = |list: &[&str]| -> Vec<Value> { list.iter().map(|g| json!({"email": g})).collect() };
    // Each booking in an hour of its own on the same day.
    let with_guests = |hour: i8, list: &[&str]| {
        let mut body = booking(&w, slot(0, hour, 30), "maria@acme.test");
        body.as_object_mut().unwrap().remove("organizer");
        body["attendees"] = json!(guests(list));
        body
    };
    let maria_session = app.session(&maria).await;
    let create = |body: Value| as_person(maria_session.clone(), Method::POST, "/api/v1/bookings".into(), body);

    // Two guests, then a third added by an edit, and a colleague and a title change that cost nothing.
    let (status, first) =
        json(create(with_guests(9, &["cliente@globex.test", "cfo@globex.test"])).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let path = format!("/api/v1/bookings/{}", first["id"].as_str().unwrap());
    let edit = |body: Value| as_person(maria_session.clone(), Method::PATCH, path.clone(), body);
    let more = json!({"attendees": guests(&["cliente@globex.test", "cfo@globex.test", "legal@globex.test"])});
    assert_eq!(edit(more).await.unwrap().status(), StatusCode::OK);
    let colleague = json!({"attendees": guests(&["cliente@globex.test", "cfo@globex.test", "legal@globex.test", "juan@acme.test"])});
    assert_eq!(edit(colleague).await.unwrap().status(), StatusCode::OK);
    assert_eq!(edit(json!({"title": "Demo (2)"})).await.unwrap().status(), StatusCode::OK);

    // A fourth outside guest is one too many for María today; nothing is booked.
    let refused = expect_problem(
        create(with_guests(10, &["otro@initech.test"])).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["code"], "guest_quota_person", "{refused}");
    assert_eq!(refused["errors"][0]["field"], "attendees", "{refused}");
    let (_, mine) = json(app.api(Method::GET, "/api/v1/bookings", &w.key).send().await.unwrap()).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");

    // Juan has his own quota; the organization's (5) runs out with his second guest, also for keys.
    let juan_session = app.session(&juan).await;
    let mut juans = with_guests(11, &["a@initech.test", "b@initech.test"]);
    juans["organizer"] = json!("juan@acme.test");
    let answer = as_person(juan_session, Method::POST, "/api/v1/bookings".into(), juans).await.unwrap();
    assert_eq!(answer.status(), StatusCode::CREATED);
    let mut by_key = with_guests(12, &["c@initech.test"]);
    by_key["organizer"] = json!("ana@acme.test");
    let (status, refused) = post(&app, &w.key, &by_key).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "guest_quota_organization", "{refused}");
    by_key["attendees"] = json!(guests(&["juan@acme.test"]));
    assert_eq!(post(&app, &w.key, &by_key).await.0, StatusCode::CREATED, "colleagues never count");

    // Who invited whom from outside is in the audit log.
    let (_, log) =
        json(app.api(Method::GET, "/api/v1/audit?action=booking.guests_invited", &w.key).send().await.unwrap()).await;
    let counts: Vec<i64> =
        log["items"].as_array().unwrap().iter().map(|e| e["after"]["count"].as_i64().unwrap()).collect();
    assert_eq!(counts, vec![2, 1, 2], "newest first: {log}");
}
both!(outside_guests_are_held_to_daily_quotas);
