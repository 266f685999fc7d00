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
    assert!(created["meet_link"].is_null(), "Google has not made the link yet");
    app.run_jobs_at(&runner, now_millis()).await;
    // The calendar job wrote the link's webhook when Google answered: due now, after the first run.
    app.run_jobs_at(&runner, now_millis()).await;

    // The CRM never polls: the link arrives by webhook, as booking.updated naming meet_link, and
    // each event says who made the change (the CRM's own key: it can ignore its echo).
    let events =
        |r: &Receiver| -> Vec<Value> { r.got().iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect() };
    let heard = events(&receiver);
    let types: Vec<&str> = heard.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["booking.created", "booking.updated"], "{heard:?}");
    let actor = &heard[0]["data"]["actor"];
    assert_eq!((&actor["type"], &actor["name"]), (&json!("api_key"), &json!("test")), "{actor}");
    assert!(actor["id"].is_string());
    let change = &heard[1]["data"]["changes"][0];
    assert_eq!((&change["field"], &change["before"]), (&json!("meet_link"), &Value::Null));
    let link = change["after"].as_str().expect("the Meet link").to_owned();
    assert_eq!(heard[1]["data"]["booking"]["meet_link"], link.as_str());
    assert_eq!(heard[1]["data"]["actor"]["type"], "system", "Google's answer, brought by Sala");
    assert!(mails_since(&w.smtp, 0)["cliente@globex.com"].text.contains(&link), "the client's email has the link");

    // The CRM finds its own record by its own id.
    let (status, found) =
        json(app.api(Method::GET, "/api/v1/bookings?external_ref=opp-4711", crm).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["items"][0]["id"], id.as_str());
    let (_, none) = json(app.api(Method::GET, "/api/v1/bookings?external_ref=opp-47", crm).send().await.unwrap()).await;
    assert!(none["items"].as_array().unwrap().is_empty(), "exact match only");

    // The CRM tags the booking with its own data: webhooks hear it, no person is told.
    let mails_before = w.smtp.received().len();
    let whatsapp_before = w.whatsapp.seen().len();
    let (status, _) = json(
        app.api(Method::PATCH, &format!("/api/v1/bookings/{id}"), crm)
            .json(&json!({"metadata": {"deal": "D-88", "stage": "demo"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.run_jobs_at(&runner, now_millis()).await;
    assert_eq!(w.smtp.received().len(), mails_before, "nobody is emailed about the CRM's own data");
    assert_eq!(w.whatsapp.seen().len(), whatsapp_before, "nor sent a WhatsApp");
    let tagged = events(&receiver);
    assert_eq!(tagged.len(), 3);
    assert_eq!(tagged[2]["type"], "booking.updated");
    assert_eq!(tagged[2]["data"]["changes"][0]["field"], "metadata");

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
    assert_eq!(types, ["booking.created", "booking.updated", "booking.updated", "booking.updated"]);
    assert!(heard.iter().all(|r| verify(&secret, r, &r.body)), "every event verifies");
    let update = &events[3]["data"];
    assert_eq!(update["actor"], json!({"type": "user", "id": ana.id.to_string(), "name": "Ana García"}));
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
    let last: Value = serde_json::from_slice(&receiver.got()[4].body).unwrap();
    assert_eq!(last["type"], "booking.cancelled");
    assert_eq!(last["data"]["booking"]["cancel_reason"], "Cancelada desde el CRM");
    assert!(google.events().is_empty(), "gone from Ana's calendar too");
}
both!(the_crm_schedules_reads_hears_and_cancels);
