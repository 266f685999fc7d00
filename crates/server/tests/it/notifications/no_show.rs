//! No-show release: with `no_show_release_minutes` set, a booking nobody checked in to by then is
//! released (the room is free again), its organizer is told, `booking.no_show` reaches webhooks
//! and the audit log has it; a checked-in, moved, cancelled or exempt booking stays.

use super::*;
use crate::webhooks::Receiver;
use sala_domain::{Job, JobKind};

async fn pending_checks(app: &TestApp, w: &World, id: &Value) -> Vec<Job> {
    let jobs = app.store().jobs_for_booking(w.tenant.id, id.as_str().unwrap().parse().unwrap()).await.unwrap();
    jobs.into_iter().filter(|j| j.kind == JobKind::NoShowCheck && j.status == JobStatus::Pending).collect()
}

async fn settings(app: &TestApp, w: &World, rules: Value) -> reqwest::Response {
    app.api(Method::PATCH, "/api/v1/settings", &w.key).json(&json!({"booking_rules": rules})).send().await.unwrap()
}

async fn get(app: &TestApp, w: &World, id: &Value) -> Value {
    let path = format!("/api/v1/bookings/{}", id.as_str().unwrap());
    json(app.api(Method::GET, &path, &w.key).send().await.unwrap()).await.1
}

async fn bookings_nobody_checks_in_to_are_released(app: TestApp) {
    let Some((app, w)) = webhook_world(app).await else { return };
    let runner = app.runner();

    // Bad settings are refused with the reason; off by default, so nothing is scheduled yet.
    let (off, _) = at(2 * HOUR);
    let early = create(&app, &w, off, "Antes de activar", &[]).await;
    assert!(pending_checks(&app, &w, &early["id"]).await.is_empty(), "off by default");
    for bad in [json!({"no_show_release_minutes": 0}), json!({"no_show_release_minutes": 241})] {
        let problem =
            expect_problem(settings(&app, &w, bad).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], "invalid_rules", "{problem}");
    }
    expect_problem(
        settings(&app, &w, json!({"no_show_release_mins": 10})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    let (status, saved) = json(settings(&app, &w, json!({"no_show_release_minutes": 10})).await).await;
    assert_eq!((status, &saved["booking_rules"]["no_show_release_minutes"]), (StatusCode::OK, &json!(10)));

    // A room may opt out (0).
    let (status, exempt) = json(
        app.api(Method::POST, "/api/v1/rooms", &w.key)
            .json(&json!({"name": "Dirección", "capacity": 6, "rules": {"no_show_release_minutes": 0}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{exempt}");
    let (receiver, url) = Receiver::start().await;
    let (status, hook) = json(
        app.api(Method::POST, "/api/v1/webhooks", &w.key)
            .json(&json!({"url": url, "events": ["booking.no_show"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");

    // Three meetings in ten minutes: nobody comes to the first; María comes to the second; the
    // third is in the exempt room.
    let (start, _) = at(10 * MINUTE);
    let empty = create(&app, &w, start, "Nadie viene", &["maria@acme.test", "cliente@globex.com"]).await;
    let checks = pending_checks(&app, &w, &empty["id"]).await;
    assert_eq!(checks.iter().map(|j| j.run_at).collect::<Vec<_>>(), [start + 10 * MINUTE]);
    let (status, room2) = json(
        app.api(Method::POST, "/api/v1/rooms", &w.key)
            .json(&json!({"name": "Sala Pacífico", "capacity": 6}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let body = |room: &Value, title: &str| {
        json!({"room_id": room["id"], "title": title, "start": iso(start), "end": iso(start + HOUR),
               "organizer": "ana@acme.test", "attendees": [{"email": "maria@acme.test"}]})
    };
    let (_, came) = json(
        app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body(&room2, "Viene María")).send().await.unwrap(),
    )
    .await;
    let (_, exempted) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body(&exempt, "Dirección")).send().await.unwrap())
            .await;
    assert!(pending_checks(&app, &w, &exempted["id"]).await.is_empty(), "the exempt room schedules no check");
    let path = format!("/api/v1/bookings/{}/check-in", came["id"].as_str().unwrap());
    let (status, _) =
        json(app.api(Method::POST, &path, &w.key).json(&json!({"email": "maria@acme.test"})).send().await.unwrap())
            .await;
    assert_eq!(status, StatusCode::CREATED);
    app.run_jobs_at(&runner, now_millis()).await;
    let seen = w.smtp.received().len();
    let seen_whatsapp = w.whatsapp.accepted().len();

    // Ten minutes in: the empty one is released, the other stays.
    app.run_jobs_at(&runner, start + 10 * MINUTE).await;
    let released = get(&app, &w, &empty["id"]).await;
    assert_eq!(released["status"], "released", "{released}");
    assert_eq!(get(&app, &w, &came["id"]).await["status"], "confirmed");
    assert_eq!(get(&app, &w, &exempted["id"]).await["status"], "confirmed");

    // Only the organizer is told, in Spanish, with a calendar cancellation.
    let mails = mails_since(&w.smtp, seen);
    assert_eq!(mails.keys().collect::<Vec<_>>(), ["ana@acme.test"], "guests are not told");
    let mail = &mails["ana@acme.test"];
    assert!(mail.subject.starts_with("Sala liberada: Nadie viene"), "{}", mail.subject);
    assert!(mail.text.contains("Nadie hizo check-in en los primeros 10 minutos"), "{}", mail.text);
    let uid = format!("{}@127.0.0.1", empty["id"].as_str().unwrap());
    invitation(mail, "CANCEL", &uid, "1");
    let whatsapp = w.whatsapp.accepted();
    assert_eq!(whatsapp.len(), seen_whatsapp + 1, "the organizer's WhatsApp");
    assert_eq!(whatsapp[seen_whatsapp]["to"], "34612345601");
    assert_eq!(whatsapp[seen_whatsapp]["template"]["name"], "sala_booking_cancelled");

    // The webhook, signed like every other, with the booking as the API shows it.
    let heard: Vec<Value> = receiver.got().iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0]["type"], "booking.no_show");
    assert_eq!(heard[0]["data"]["booking"]["id"], empty["id"]);
    assert_eq!(heard[0]["data"]["booking"]["status"], "released");
    assert!(crate::webhooks::verify(hook["secret"].as_str().unwrap(), &receiver.got()[0], &receiver.got()[0].body));

    // The audit log says the system released it.
    let (_, audit) = json(
        app.api(Method::GET, "/api/v1/audit", &w.key).query(&[("action", "booking.released")]).send().await.unwrap(),
    )
    .await;
    let audit = audit["items"].clone();
    let entries = audit.as_array().unwrap_or_else(|| panic!("{audit}"));
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["actor"]["type"], "system", "{audit}");

    // The room is free again for the rest of the hour; the released booking is history.
    let late = json!({"room_id": w.room, "title": "Improvisada", "start": iso(start + 15 * MINUTE),
                      "end": iso(start + 45 * MINUTE), "organizer": "juan@acme.test"});
    let (status, taken) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&late).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{taken}");
    let empty_path = format!("/api/v1/bookings/{}", empty["id"].as_str().unwrap());
    expect_problem(
        app.api(Method::POST, &format!("{empty_path}/check-in"), &w.key)
            .json(&json!({"email": "maria@acme.test"}))
            .send()
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "booking_released",
    )
    .await;
    expect_problem(
        app.api(Method::PATCH, &empty_path, &w.key).json(&json!({"title": "Otra"})).send().await.unwrap(),
        StatusCode::CONFLICT,
        "booking_released",
    )
    .await;
    let (status, listed) =
        json(app.api(Method::GET, "/api/v1/bookings", &w.key).query(&[("status", "released")]).send().await.unwrap())
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "{listed}");
}
both!(bookings_nobody_checks_in_to_are_released);

async fn moved_cancelled_and_late_bookings_keep_their_own_check(app: TestApp) {
    let Some((app, w)) = webhook_world(app).await else { return };
    let runner = app.runner();
    let (status, _) = json(settings(&app, &w, json!({"no_show_release_minutes": 15})).await).await;
    assert_eq!(status, StatusCode::OK);
    let (start, _) = at(3 * HOUR);
    let booking = create(&app, &w, start, "Se mueve", &[]).await;
    let path = format!("/api/v1/bookings/{}", booking["id"].as_str().unwrap());

    // Moved an hour later: one check, for the new start; the old one is gone.
    let moved = json!({"start": iso(start + HOUR), "end": iso(start + 2 * HOUR)});
    let (status, _) = json(app.api(Method::PATCH, &path, &w.key).json(&moved).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let checks = pending_checks(&app, &w, &booking["id"]).await;
    assert_eq!(checks.iter().map(|j| j.run_at).collect::<Vec<_>>(), [start + HOUR + 15 * MINUTE]);

    // The tenant turns the release off before it fires: the booking stays.
    let (status, _) = json(settings(&app, &w, json!({})).await).await;
    assert_eq!(status, StatusCode::OK);
    app.run_jobs_at(&runner, start + HOUR + 16 * MINUTE).await;
    assert_eq!(get(&app, &w, &booking["id"]).await["status"], "confirmed");

    // Cancelled: its check goes with it.
    let (status, _) = json(settings(&app, &w, json!({"no_show_release_minutes": 15})).await).await;
    assert_eq!(status, StatusCode::OK);
    let other = create(&app, &w, start + 5 * HOUR, "Se cancela", &[]).await;
    assert_eq!(pending_checks(&app, &w, &other["id"]).await.len(), 1);
    let other_path = format!("/api/v1/bookings/{}", other["id"].as_str().unwrap());
    let (status, _) = json(app.api(Method::DELETE, &other_path, &w.key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pending_checks(&app, &w, &other["id"]).await.is_empty());

    // Booked once it had started: the same fifteen minutes from the moment it was booked.
    let (now, _) = at(0);
    let body = json!({"room_id": w.room, "title": "Ya empezó", "start": iso(now - 3 * MINUTE),
                      "end": iso(now + HOUR), "organizer": "ana@acme.test"});
    let (status, late) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{late}");
    let check = pending_checks(&app, &w, &late["id"]).await;
    assert_eq!(check.len(), 1);
    assert!(check[0].run_at >= now + 15 * MINUTE, "not before fifteen minutes from now");

    // A meeting shorter than the release is never released.
    let short = json!({"room_id": w.room, "title": "Corta", "start": iso(start + 8 * HOUR),
                       "end": iso(start + 8 * HOUR + 10 * MINUTE), "organizer": "ana@acme.test"});
    let (status, short) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&short).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{short}");
    assert!(pending_checks(&app, &w, &short["id"]).await.is_empty());
}
both!(moved_cancelled_and_late_bookings_keep_their_own_check);
