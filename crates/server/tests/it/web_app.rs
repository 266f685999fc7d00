//! The web app's forms with bad input and the wrong people (the browser tests in `e2e/` play the
//! happy path): CSRF, field problems as a readable page with what was typed kept and escaped,
//! other tenants' and other people's bookings, the slot check, the language switch.

use crate::both;
use crate::helpers::{TestApp, json};
use reqwest::{Method, StatusCode};
use sala_domain::now_millis;
use serde_json::json;

const CSRF: &str = "csrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsr";

struct Browser<'a> {
    app: &'a TestApp,
    cookie: String,
}

impl Browser<'_> {
    async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self.app.request(Method::GET, path).header("cookie", &self.cookie).send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.app.request(Method::POST, path).header("cookie", &self.cookie).form(form).send().await.unwrap()
    }
}

async fn browser<'a>(app: &'a TestApp, user: &sala_domain::User) -> Browser<'a> {
    Browser { app, cookie: format!("sala_session={}; sala_csrf={CSRF}", app.session(user).await) }
}

/// Tomorrow in Madrid, `YYYY-MM-DD`.
fn tomorrow() -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Madrid").unwrap();
    let now = jiff::Timestamp::from_millisecond(now_millis()).unwrap().to_zoned_datetime(tz);
    now.date().tomorrow().unwrap().to_string()
}

async fn the_booking_form_refuses_bad_input_readably(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let maria = app.user(&tenant, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&tenant).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Sur", "capacity": 4}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    let day = tomorrow();
    let me = browser(&app, &ana).await;
    let form = |title: &'static str, start: &'static str, end: &'static str| {
        vec![
            ("csrf", CSRF.to_owned()),
            ("room_id", room_id.clone()),
            ("date", day.clone()),
            ("start", start.to_owned()),
            ("end", end.to_owned()),
            ("title", title.to_owned()),
            ("guests", "maria@acme.test".to_owned()),
        ]
    };
    let as_refs = |f: &Vec<(&'static str, String)>| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();

    // A form from elsewhere (no matching token) changes nothing.
    let mut forged = as_refs(&form("Demo", "10:00", "11:00"));
    forged[0].1 = "x".repeat(43);
    let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = me.post("/bookings/new", &forged).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("El formulario caducó"));

    // The end before the start, a bad address: each said next to its field, the typed title kept
    // and escaped.
    let bad = as_refs(&form("<script>alert(1)</script>", "11:00", "10:00"));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = me.post("/bookings/new", &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("La hora de fin debe ser posterior a la de inicio."), "{html}");
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"end-error\""), "{html}");
    assert!(!html.contains("<script>alert(1)</script>") && html.contains("&#60;script&#62;"), "escaped: {html}");
    let mut guest = as_refs(&form("Demo", "10:00", "11:00"));
    guest[6].1 = "maria@acme.test, not-an-address".to_owned();
    let guest: Vec<(&str, &str)> = guest.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = me.post("/bookings/new", &guest).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("Hay una dirección de correo que no es válida"));

    // A good one: to its page; then the same slot is taken, with suggestions.
    let good = as_refs(&form("Demo", "10:00", "11:00"));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = me.post("/bookings/new", &good).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let location = made.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with("?done=created"), "{location}");
    let booking_path = location.trim_end_matches("?done=created").to_owned();
    let again = me.post("/bookings/new", &good).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let html = again.text().await.unwrap();
    assert!(html.contains("Esa sala ya está ocupada a esa hora") && html.contains("11:00–12:00"), "{html}");

    // The script's check agrees, and an edit of the booking itself does not clash with itself.
    let query = format!("/bookings/check?room_id={room_id}&date={day}&start=10:30&end=11:30");
    let (status, body) = me.get(&query).await;
    assert_eq!(status, StatusCode::OK);
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["state"], "taken", "{answer}");
    assert_eq!(answer["slots"][0]["label"], "11:00–12:00");
    let own = booking_path.trim_start_matches("/bookings/");
    let (_, body) = me.get(&format!("{query}&except={own}")).await;
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["state"], "free");
    let (_, body) = me.get(&format!("/bookings/check?room_id={room_id}&date={day}&start=25:00&end=11:30")).await;
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["state"], "invalid");

    // María, a guest, sees the booking but no edit, cancel, log or history; she may not edit it.
    let guest = browser(&app, &maria).await;
    let (status, html) = guest.get(&booking_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Demo") && !html.contains("/edit\"") && !html.contains("Historial"), "{html}");
    let (status, _) = guest.get(&format!("{booking_path}/edit")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let cancel = guest.post(&format!("{booking_path}/cancel"), &[("csrf", CSRF), ("reason", "no")]).await;
    assert_eq!(cancel.status(), StatusCode::FORBIDDEN);

    // Another organization's person: not found, like a booking that does not exist.
    let other_tenant = app.tenant("Globex", "globex.test").await;
    let outsider = app.user(&other_tenant, "bob@globex.test", "Bob", "admin").await;
    let outsider = browser(&app, &outsider).await;
    let (status, html) = outsider.get(&booking_path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("No encontrado"), "{html}");
    assert_eq!(me.get("/bookings/not-an-id").await.0, StatusCode::NOT_FOUND);

    // Not signed in: to the sign-in page.
    let anonymous = app.request(Method::GET, "/bookings/new").send().await.unwrap();
    assert!(anonymous.status().is_redirection(), "{}", anonymous.status());
    assert_eq!(anonymous.headers()["location"], "/", "to sign in");

    // The language switch: saved with the person, never sends anyone off-site.
    let switched =
        me.post("/language", &[("csrf", CSRF), ("lang", "en"), ("back", "https://evil.example/phish")]).await;
    assert_eq!(switched.status(), StatusCode::SEE_OTHER);
    assert_eq!(switched.headers()["location"], "/");
    let (_, html) = me.get(&booking_path).await;
    assert!(html.contains("Confirmed") && html.contains("lang=\"en\""), "{html}");
    let bad_lang = me.post("/language", &[("csrf", CSRF), ("lang", "fr"), ("back", "/")]).await;
    assert_eq!(bad_lang.status(), StatusCode::BAD_REQUEST);
}
both!(the_booking_form_refuses_bad_input_readably);
