//! The product spec's use cases 1 and 2, counted message by message with the default settings
//! (the README's table): everyone involved hears at booking and is reminded 15 minutes before,
//! each on a channel they receive. Ana (the organizer, and in case 2 the executive) opted in to
//! WhatsApp; María opted in; Juan has no phone; the client is outside the organization.

use super::google_calendar::{connect_ana, google_world_with};
use super::*;

/// The recipients of the emails and WhatsApp messages sent since `(mails, whatsapps)`.
fn sent_since(w: &World, (mails, whatsapps): (usize, usize)) -> (Vec<String>, Vec<String>) {
    let emails = mails_since(&w.smtp, mails).into_keys().collect();
    let mut phones: Vec<String> =
        w.whatsapp.accepted()[whatsapps..].iter().map(|m| m["to"].as_str().unwrap().to_owned()).collect();
    phones.sort();
    (emails, phones)
}

fn seen(w: &World) -> (usize, usize) {
    (w.smtp.received().len(), w.whatsapp.accepted().len())
}

const ANA: &str = "34612345601";
const MARIA: &str = "34612345602";

async fn use_case_1_a_meeting_among_colleagues(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    let runner = app.runner();
    let start = now_millis() + 3 * HOUR;
    create(&app, &w, start, "Reunión de equipo", &["maria@acme.test", "juan@acme.test"]).await;
    app.run_jobs_at(&runner, now_millis()).await;
    let at_booking = sent_since(&w, (0, 0));
    assert_eq!(
        at_booking.0,
        ["ana@acme.test", "juan@acme.test", "maria@acme.test"],
        "Ana's confirmation, two invitations"
    );
    assert_eq!(at_booking.1, [ANA], "WhatsApp to the organizer");

    let before = seen(&w);
    app.run_jobs_at(&runner, start - 15 * MINUTE + 1000).await;
    let reminded = sent_since(&w, before);
    assert_eq!(reminded.1, [ANA, MARIA], "WhatsApp to whoever opted in");
    assert_eq!(reminded.0, ["juan@acme.test"], "email to Juan, who has no WhatsApp");
}
both!(use_case_1_a_meeting_among_colleagues);

async fn use_case_2_a_meeting_with_an_outside_client(app: TestApp) {
    let Some((app, w, google)) = google_world_with(app, |_| {}).await else { return };
    connect_ana(&app, &w, &google).await;
    let runner = app.runner();
    let start = now_millis() + 3 * HOUR;
    let (s, e) = (iso(start), iso(start + HOUR));
    let body = json!({"room_id": w.room, "title": "Llamada con Globex", "start": s, "end": e, "organizer": "ana@acme.test",
                      "google_meet": true, "attendees": [{"email": "cliente@globex.com"}]});
    let (status, booking) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    app.run_jobs_at(&runner, now_millis()).await;
    app.run_jobs_at(&runner, now_millis()).await;
    let mails = mails_since(&w.smtp, 0);
    assert_eq!(mails.keys().collect::<Vec<_>>(), ["ana@acme.test", "cliente@globex.com"]);
    let path = format!("/api/v1/bookings/{}", booking["id"].as_str().unwrap());
    let (_, read) = json(app.api(Method::GET, &path, &w.key).send().await.unwrap()).await;
    let link = read["meet_link"].as_str().expect("a Meet link").to_owned();
    assert!(mails["cliente@globex.com"].text.contains(&link), "the client's invitation carries the Meet link");
    assert_eq!(sent_since(&w, (0, 0)).1, [ANA], "WhatsApp to the executive");

    let before = seen(&w);
    app.run_jobs_at(&runner, start - 15 * MINUTE + 1000).await;
    let reminded = sent_since(&w, before);
    assert_eq!(reminded.1, [ANA], "the executive by WhatsApp");
    assert_eq!(reminded.0, ["cliente@globex.com"], "the client by email");
    assert!(mails_since(&w.smtp, before.0)["cliente@globex.com"].text.contains(&link), "with the Meet link");
}
both!(use_case_2_a_meeting_with_an_outside_client);
