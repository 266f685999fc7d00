//! The CRM flow of the product spec, exactly as a CRM plays it: an API key, a webhook receiver
//! that verifies signatures, Google Meet through the Google fake, email through the SMTP fake.
//! (The steps match the guide in `docs/crm.md`.)

use super::google_calendar::{connect_ana, google_world_with};
use super::*;
use crate::webhooks::{Receiver, verify};

async fn the_crm_schedules_reads_hears_and_cancels(app: TestApp) {
    let Some((app, w, google)) = google_world_with(app, |s| s.webhooks_allow_private = true).await else { return };
    connect_ana(&app, &w, &google).await;
    let runner = app.runner();
    let crm = &w.key;

    // The CRM registers where it hears back.
    let (receiver, url) = Receiver::start().await;
    let (status, hook) = json(
        app.api(Method::POST, "/api/v1/webhooks", crm)
            .json(&json!({"url": url, "events": ["booking.created", "booking.updated", "booking.cancelled"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let secret = hook["secret"].as_str().unwrap().to_owned();

    // "Schedule meeting": find María, book with Meet, keeping the CRM's own id.
    let (status, people) =
        json(app.api(Method::GET, "/api/v1/bookings/search-users?q=maria", crm).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(people[0]["email"], "maria@acme.test", "{people}");
    let start = now_millis() + 30 * HOUR;
    let body = json!({"room_id": w.room, "title": "Demo con Globex", "start": iso(start), "end": iso(start + HOUR),
        "time_zone": "Europe/Madrid", "organizer": "ana@acme.test", "google_meet": true, "external_ref": "opp-4711",
        "attendees": [{"email": people[0]["email"]}, {"email": "cliente@globex.com", "name": "Cliente"}]});
    let (status, created) =
        json(app.api(Method::POST, "/api/v1/bookings", crm).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    app.run_jobs_at(&runner, now_millis()).await;

    // The CRM reads it back: the Meet link is there; it stores the booking id.
    let (_, read) = json(app.api(Method::GET, &format!("/api/v1/bookings/{id}"), crm).send().await.unwrap()).await;
    let link = read["meet_link"].as_str().expect("a Meet link").to_owned();
    assert_eq!(read["external_ref"], "opp-4711");
    assert!(mails_since(&w.smtp, 0)["cliente@globex.com"].text.contains(&link), "the client's email has the link");

    // Ana moves it in Sala (her browser): the CRM hears booking.updated, signed, with what changed.
    let ana = app
        .store()
        .user_by_email(w.tenant.id, &sala_domain::Email::parse("ana@acme.test").unwrap())
        .await
        .unwrap()
        .unwrap();
    let session = app.session(&ana).await;
    let csrf = "t".repeat(43);
    let moved = app
        .request(Method::PATCH, &format!("/api/v1/bookings/{id}"))
        .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"start": iso(start + HOUR), "end": iso(start + 2 * HOUR)}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    app.run_jobs_at(&runner, now_millis()).await;
    let heard = receiver.got();
    let events: Vec<Value> = heard.iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["booking.created", "booking.updated"]);
    assert!(heard.iter().all(|r| verify(&secret, r, &r.body)), "every event verifies");
    let update = &events[1]["data"];
    assert_eq!(update["booking"]["external_ref"], "opp-4711", "the CRM finds its record");
    assert_eq!(update["booking"]["meet_link"], link.as_str(), "the same Meet link after the move");
    let fields: Vec<&str> =
        update["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["start", "end"]);

    // The user cancels in the CRM: DELETE; everyone is emailed, the CRM hears booking.cancelled.
    let mails_before = w.smtp.received().len();
    let (status, _) = json(
        app.api(Method::DELETE, &format!("/api/v1/bookings/{id}"), crm)
            .json(&json!({"reason": "Cancelada desde el CRM"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.run_jobs_at(&runner, now_millis()).await;
    let cancelled = mails_since(&w.smtp, mails_before);
    assert_eq!(cancelled.keys().collect::<Vec<_>>(), ["ana@acme.test", "cliente@globex.com", "maria@acme.test"]);
    assert!(cancelled["cliente@globex.com"].text.contains("Cancelada desde el CRM"));
    let last: Value = serde_json::from_slice(&receiver.got()[2].body).unwrap();
    assert_eq!(last["type"], "booking.cancelled");
    assert_eq!(last["data"]["booking"]["cancel_reason"], "Cancelada desde el CRM");
    assert!(google.events().is_empty(), "gone from Ana's calendar too");
}
both!(the_crm_schedules_reads_hears_and_cancels);
