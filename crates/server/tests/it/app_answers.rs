//! Invitees answer from the app: on the booking's page and on the dashboard, as a posted form
//! (CSRF); the organizer sees a count of the answers; the organizer and people not invited have
//! nothing to answer; the booking form warns when a colleague invited is busy then.

use crate::both;
use crate::helpers::{TestApp, json};
use crate::web_app::{CSRF, browser};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn invitees_answer_from_the_app(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&acme, "ana@acme.test", "Ana", "member").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let juan = app.user(&acme, "juan@acme.test", "Juan", "member").await;
    let key = app.api_key(&acme).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Sur", "capacity": 8}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    // The day after tomorrow at 10:00 in Madrid: a meeting the form can name by date and times
    // whatever the hour the test runs (now + 30 hours could end past midnight).
    let madrid = jiff::tz::TimeZone::get("Europe/Madrid").unwrap();
    let day =
        jiff::Timestamp::now().to_zoned_datetime(madrid.clone()).date().checked_add(jiff::Span::new().days(2)).unwrap();
    let start = day.at(10, 0, 0, 0).to_zoned_datetime(madrid).unwrap().timestamp();
    let end = start.checked_add(jiff::SignedDuration::from_hours(1)).unwrap();
    let body = json!({"room_id": room["id"], "title": "Plan", "organizer": "ana@acme.test", "start": start.to_string(),
                      "end": end.to_string(), "attendees": [{"email": "maria@acme.test"}, {"email": "cliente@globex.test"}]});
    let (status, booking) =
        json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    let id = booking["id"].as_str().unwrap().to_owned();
    let page = format!("/bookings/{id}");
    let answer = format!("/bookings/{id}/answer");

    // María is invited: the page asks her, and the dashboard too.
    let maria_b = browser(&app, &maria).await;
    let (_, html) = maria_b.get(&page).await;
    assert!(html.contains(&format!(r#"action="{answer}""#)) && html.contains("2 sin respuesta"), "{html}");
    let (_, dashboard) = maria_b.get("/").await;
    assert!(dashboard.contains(&format!(r#"action="{answer}""#)), "{dashboard}");
    // "Add to my calendar" from the dashboard as from the booking's page: the meeting's .ics.
    let ics = format!("/bookings/{id}/calendar.ics");
    assert!(dashboard.contains(&format!(r#"href="{ics}" download aria-label="Añadir al calendario (.ics): Plan""#)));
    let (status, file) = maria_b.get(&ics).await;
    assert_eq!(status, StatusCode::OK);
    assert!(file.contains("BEGIN:VEVENT") && file.contains("SUMMARY:Plan"), "{file}");
    // From the dashboard: back to it, saying so.
    let posted = maria_b.post(&answer, &[("csrf", CSRF), ("answer", "tentative"), ("back", "/")]).await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    assert_eq!(posted.headers()["location"], "/?done=answered");
    let (_, dashboard) = maria_b.get("/?done=answered").await;
    assert!(dashboard.contains("Respuesta guardada"), "{dashboard}");
    assert!(dashboard.contains(r#"value="tentative" class="chip-button" aria-pressed="true""#), "{dashboard}");
    // From the page, changing her mind; a forged answer and a foreign form change nothing.
    let posted = maria_b.post(&answer, &[("csrf", CSRF), ("answer", "accepted"), ("back", &page)]).await;
    assert_eq!(posted.headers()["location"].to_str().unwrap(), format!("{page}?done=answered"));
    assert_eq!(maria_b.post(&answer, &[("csrf", CSRF), ("answer", "perhaps")]).await.status(), StatusCode::BAD_REQUEST);
    let forged = maria_b.post(&answer, &[("csrf", &"x".repeat(43)), ("answer", "declined")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Ana, the organizer, sees the count and has nothing to answer; Juan, not invited, cannot even see it.
    let ana_b = browser(&app, &ana).await;
    let (_, html) = ana_b.get(&page).await;
    assert!(html.contains(r#"<p class="answers" id="answers-summary">1 sí · 1 sin respuesta</p>"#), "{html}");
    assert!(!html.contains(&format!(r#"action="{answer}""#)), "the organizer is not asked");
    assert_eq!(ana_b.post(&answer, &[("csrf", CSRF), ("answer", "accepted")]).await.status(), StatusCode::FORBIDDEN);
    let juan_b = browser(&app, &juan).await;
    assert_eq!(juan_b.post(&answer, &[("csrf", CSRF), ("answer", "accepted")]).await.status(), StatusCode::NOT_FOUND);

    // The audit log has the answer, by María.
    let audit = sala_store::AuditQuery { subject_id: Some(id.parse().unwrap()), limit: 50, ..Default::default() };
    let entries = app.store().list_audit(acme.id, &audit).await.unwrap();
    let answered: Vec<_> = entries.iter().filter(|e| e.action == "booking.answered").collect();
    assert_eq!(answered.len(), 2);
    assert!(answered.iter().all(|e| e.actor == sala_domain::Actor::User(maria.id)));

    // Juan books the same time with María invited: the form warns she is busy (not with what).
    let date = start.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Madrid").unwrap());
    let query = format!(
        "/bookings/check?room_id={}&date={}&start={}&end={}&guests=maria%40acme.test",
        room["id"].as_str().unwrap(),
        date.date(),
        date.strftime("%H:%M"),
        date.checked_add(jiff::SignedDuration::from_hours(1)).unwrap().strftime("%H:%M"),
    );
    let (_, body) = juan_b.get(&query).await;
    let check: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(check["warnings"][0], "Ya tienen otra reunión a esa hora: María.", "{check}");
    assert!(!body.contains("Plan"), "what she is busy with stays hers: {body}");
}
both!(invitees_answer_from_the_app);
