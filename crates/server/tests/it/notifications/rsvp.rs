//! Answers to invitations: a guest's invitation links to a page that asks, the posted answer is
//! recorded (the latest counts), webhooks hear `attendee.responded`, the organizer sees it; a
//! made-up or moved link is not found, and a cancelled meeting takes no answers.

use super::*;
use crate::webhooks::Receiver;

/// The answer link in a text part.
fn link_in(text: &str) -> Option<String> {
    let start = text.find("http://")?;
    let url: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    url.contains("/rsvp/").then_some(url)
}

async fn guests_answer_their_invitations(app: TestApp) {
    let Some((app, w)) = webhook_world(app).await else { return };
    let runner = app.runner();
    let (receiver, url) = Receiver::start().await;
    let (status, _) = json(
        app.api(Method::POST, "/api/v1/webhooks", &w.key)
            .json(&json!({"url": url, "events": ["attendee.responded"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let start = now_millis() + 26 * HOUR;
    let booking = create(&app, &w, start, "Demo con Globex", &["maria@acme.test", "cliente@globex.com"]).await;
    let id = booking["id"].as_str().unwrap().to_owned();
    app.run_jobs_at(&runner, now_millis()).await;
    let mails = mails_since(&w.smtp, 0);
    assert!(link_in(&mails["ana@acme.test"].text).is_none(), "the organizer has nothing to answer");
    let link = link_in(&mails["cliente@globex.com"].text).expect("an answer link for the guest");
    assert!(mails["cliente@globex.com"].html.contains("/rsvp/"), "and in the HTML part");
    let path = link[link.find("/rsvp/").unwrap()..].to_owned();

    // Opening the link records nothing (mail scanners open links).
    let page = app.request(Method::GET, &path).header("accept-language", "es").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()["referrer-policy"],
        "same-origin",
        "no Referer to other sites, a real Origin on its form"
    );
    let csrf = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("sala_csrf="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Demo con Globex") && html.contains("Sí, asistiré"), "{html}");
    assert!(app.store().replies(w.tenant.id, id.parse().unwrap()).await.unwrap().is_empty());

    let post = |answer: &'static str, token: String| {
        app.request(Method::POST, &path)
            .header("cookie", format!("sala_csrf={csrf}"))
            .form(&[("csrf", token), ("answer", answer.to_owned())])
            .send()
    };
    assert_eq!(post("declined", "x".repeat(43)).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(post("maybe", csrf.clone()).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    let saved = post("declined", csrf.clone()).await.unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(saved.text().await.unwrap().contains("respuesta está guardada"));
    post("declined", csrf.clone()).await.unwrap();
    post("accepted", csrf.clone()).await.unwrap();
    app.run_jobs_at(&runner, now_millis()).await;
    let heard: Vec<Value> = receiver.got().iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    // Webhooks promise no order between events, only each event once.
    let mut answers: Vec<&str> = heard.iter().map(|h| h["data"]["reply"]["answer"].as_str().unwrap()).collect();
    answers.sort_unstable();
    assert_eq!(answers, ["accepted", "declined"], "the same answer twice is one event");
    for h in &heard {
        assert_eq!(h["type"], "attendee.responded");
        assert_eq!(h["data"]["reply"]["email"], "cliente@globex.com");
        assert_eq!(h["data"]["booking"]["id"], booking["id"]);
    }

    // The organizer sees it on the booking's page.
    let ana = app
        .store()
        .search_users(w.tenant.id, &sala_store::UserQuery { text: "ana".into(), limit: 1, include_inactive: false })
        .await
        .unwrap()
        .remove(0);
    let cookie = format!("sala_session={}", app.session(&ana).await);
    let page = app.request(Method::GET, &format!("/bookings/{id}")).header("cookie", &cookie).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Asistirá"));

    // A made-up link, or one moved to another address, is not found.
    let token = path.trim_start_matches("/rsvp/");
    let parts: Vec<&str> = token.split('.').collect();
    use base64::Engine;
    let other = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("maria@acme.test");
    let moved = format!("/rsvp/{}.{}.{other}.{}", parts[0], parts[1], parts[3]);
    assert_eq!(app.request(Method::GET, &moved).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(app.request(Method::GET, "/rsvp/nonsense").send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // Cancelled: the page says so and takes no answer.
    let (status, _) =
        json(app.api(Method::DELETE, &format!("/api/v1/bookings/{id}"), &w.key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let late = post("tentative", csrf.clone()).await.unwrap();
    assert_eq!(late.status(), StatusCode::CONFLICT);
    assert!(late.text().await.unwrap().contains("ya no admite respuestas"));
}
both!(guests_answer_their_invitations);
