//! A room's kiosk: an admin makes the link (and its QR code), the page shows the room and its
//! meetings with every text escaped, people check in by email (CSRF-protected, rate-limited),
//! and a replaced or removed link stops working.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use reqwest::{Method, StatusCode};
use sala_domain::now_millis;
use serde_json::{Value, json};

pub(crate) const MINUTE: i64 = 60_000;

pub(crate) fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms / MINUTE * MINUTE).unwrap().to_string()
}

/// The path of a kiosk URL (`/kiosk/<token>`).
pub(crate) fn path_of(url: &str) -> String {
    url[url.find("/kiosk/").unwrap()..].to_owned()
}

pub(crate) fn csrf_cookie(response: &reqwest::Response) -> String {
    let all = response.headers().get_all("set-cookie");
    let cookie = all.iter().filter_map(|v| v.to_str().ok()).find_map(|v| v.strip_prefix("sala_csrf="));
    cookie.unwrap().split(';').next().unwrap().to_owned()
}

async fn post_check_in(app: &TestApp, path: &str, csrf: &str, email: &str) -> (StatusCode, String) {
    let response = app
        .request(Method::POST, &format!("{path}/check-in"))
        .header("cookie", format!("sala_csrf={csrf}"))
        .form(&[("csrf", csrf), ("email", email)])
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn people_check_in_at_the_rooms_kiosk(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let maria = app.user(&tenant, "maria@acme.test", "María", "member").await;
    app.user(&tenant, "juan@acme.test", "Juan", "member").await;
    let key = app.api_key(&tenant).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala <Norte>", "capacity": 6, "location": "Planta 2"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let kiosk_api = format!("/api/v1/rooms/{}/kiosk", room["id"].as_str().unwrap());

    // Only admins make links; none yet.
    expect_problem(app.api(Method::GET, &kiosk_api, &key).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
        .await;
    let as_maria = app
        .request(Method::POST, &kiosk_api)
        .header("cookie", format!("sala_session={}; sala_csrf={}", app.session(&maria).await, "t".repeat(43)))
        .header("x-csrf-token", "t".repeat(43))
        .send()
        .await
        .unwrap();
    expect_problem(as_maria, StatusCode::FORBIDDEN, "forbidden").await;
    let (status, made) = json(app.api(Method::POST, &kiosk_api, &key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let url = made["url"].as_str().unwrap();
    assert!(url.starts_with(&app.url), "{url}");
    assert!(made["qr_svg"].as_str().unwrap().starts_with("<?xml") || made["qr_svg"].as_str().unwrap().contains("<svg"));
    let (status, kept) = json(app.api(Method::GET, &kiosk_api, &key).send().await.unwrap()).await;
    assert_eq!((status, kept.get("url")), (StatusCode::OK, None), "the URL is shown once: {kept}");
    let path = path_of(url);

    // The page: the room, free, its later meeting; every text escaped; private headers.
    let soon = now_millis() + 10 * MINUTE;
    let book = |start: i64, title: &str| {
        let body = json!({"room_id": room["id"], "title": title, "start": iso(start), "end": iso(start + 60 * MINUTE),
                          "organizer": "ana@acme.test", "attendees": [{"email": "maria@acme.test"}, {"email": "cliente@globex.com"}]});
        app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send()
    };
    let (status, meeting) = json(book(soon, "<script>alert(1)</script> Revisión").await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    let (status, _) = json(book(soon + 120 * MINUTE, "Más tarde").await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    let page = app.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()["referrer-policy"],
        "same-origin",
        "no Referer to other sites, a real Origin on its form"
    );
    assert_eq!(page.headers()["cache-control"], "no-store");
    let csrf = csrf_cookie(&page);
    let html = page.text().await.unwrap();
    assert!(html.contains("Sala &#60;Norte&#62;") || html.contains("Sala &lt;Norte&gt;"), "{html}");
    assert!(!html.contains("<script>"), "titles are escaped");
    assert!(html.contains("Libre") && html.contains("Hacer check-in") && html.contains("Más tarde"), "{html}");
    let english = app.request(Method::GET, &format!("{path}?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(english.contains("Free") && english.contains("Check in"), "{english}");

    // Check-in: a forged form is refused; someone not invited is told so; María checks in.
    let forged = app
        .request(Method::POST, &format!("{path}/check-in"))
        .header("cookie", format!("sala_csrf={csrf}"))
        .form(&[("csrf", "x".repeat(43).as_str()), ("email", "maria@acme.test")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (status, html) = post_check_in(&app, &path, &csrf, "intruso@x.test").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("no está en la lista de invitados"), "{html}");
    assert!(html.contains("value=\"intruso@x.test\""), "kept for correcting: {html}");
    let (status, html) = post_check_in(&app, &path, &csrf, "not an address").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("correo válida"), "{html}");
    let (status, html) = post_check_in(&app, &path, &csrf, "MARIA@acme.test").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Check-in hecho:"), "{html}");
    assert!(html.contains("1 con check-in"), "{html}");
    let (status, html) = post_check_in(&app, &path, &csrf, "maria@acme.test").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ya tenías check-in:"), "{html}");

    // The attendance shows it came from the kiosk; the audit log has the kiosk's check-in.
    let attendance = format!("/api/v1/bookings/{}/attendance", meeting["id"].as_str().unwrap());
    let (_, people) = json(app.api(Method::GET, &attendance, &key).send().await.unwrap()).await;
    let maria_row = people.as_array().unwrap().iter().find(|p| p["email"] == "maria@acme.test").unwrap();
    assert_eq!(maria_row["source"], "kiosk", "{people}");
    let (_, audit) = json(
        app.api(Method::GET, "/api/v1/audit", &key).query(&[("action", "booking.checked_in")]).send().await.unwrap(),
    )
    .await;
    let audit = audit["items"].clone();
    assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit}");
    assert_eq!(audit[0]["actor"]["type"], "system");
    assert_eq!(audit[0]["ip"], "127.0.0.1");
    drop(ana);

    // A new link replaces the old; removing it ends it; another tenant cannot touch the room.
    let (_, again) = json(app.api(Method::POST, &kiosk_api, &key).send().await.unwrap()).await;
    let old = app.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(old.status(), StatusCode::NOT_FOUND);
    assert!(old.text().await.unwrap().contains("Enlace no válido"));
    let new_path = path_of(again["url"].as_str().unwrap());
    assert_eq!(app.request(Method::GET, &new_path).send().await.unwrap().status(), StatusCode::OK);
    let globex = app.tenant("Globex", "globex.test").await;
    let other_key = app.api_key(&globex).await;
    expect_problem(
        app.api(Method::DELETE, &kiosk_api, &other_key).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (status, _) = json(app.api(Method::DELETE, &kiosk_api, &key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Deleted for real: the API answers 404 for it, as for any deleted resource.
    expect_problem(app.api(Method::GET, &kiosk_api, &key).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
        .await;
    assert_eq!(app.request(Method::GET, &new_path).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(app.request(Method::GET, "/kiosk/nonsense").send().await.unwrap().status(), StatusCode::NOT_FOUND);
}
both!(people_check_in_at_the_rooms_kiosk);

/// A kiosk with no meeting to check in to says so; too many attempts are slowed down.
async fn a_kiosk_without_a_meeting_and_one_tried_too_often(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let key = app.api_key(&tenant).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key).json(&json!({"name": "Sur", "capacity": 4})).send().await.unwrap(),
    )
    .await;
    let kiosk_api = format!("/api/v1/rooms/{}/kiosk", room["id"].as_str().unwrap());
    let (_, made): (StatusCode, Value) = json(app.api(Method::POST, &kiosk_api, &key).send().await.unwrap()).await;
    let path = path_of(made["url"].as_str().unwrap());
    let page = app.request(Method::GET, &path).send().await.unwrap();
    let csrf = csrf_cookie(&page);
    let html = page.text().await.unwrap();
    assert!(!html.contains("/check-in"), "no meeting, no check-in form: {html}");
    let (status, html) = post_check_in(&app, &path, &csrf, "ana@acme.test").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("no hay ninguna reunión"), "{html}");
    let mut statuses = Vec::new();
    for _ in 0..31 {
        statuses.push(post_check_in(&app, &path, &csrf, "ana@acme.test").await.0);
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
}
both!(a_kiosk_without_a_meeting_and_one_tried_too_often);

async fn post_book(app: &TestApp, path: &str, csrf: &str, email: &str, minutes: &str) -> (StatusCode, String) {
    let response = app
        .request(Method::POST, &format!("{path}/book"))
        .header("cookie", format!("sala_csrf={csrf}"))
        .form(&[("csrf", csrf), ("email", email), ("minutes", minutes)])
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The door display: the whole page free or busy, the time, until when; a person of the
/// organization books the room from now at the door (15, 30 or 60 minutes) under their own name,
/// the booking saying it came from the kiosk; strangers and taken times are refused; no link
/// leads out of the kiosk.
async fn a_room_is_booked_at_the_door(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let maria = app.user(&tenant, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&tenant).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Puerta", "capacity": 4}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let kiosk_api = format!("/api/v1/rooms/{}/kiosk", room["id"].as_str().unwrap());
    let (_, made): (StatusCode, Value) = json(app.api(Method::POST, &kiosk_api, &key).send().await.unwrap()).await;
    let path = path_of(made["url"].as_str().unwrap());
    let page = app.request(Method::GET, &path).send().await.unwrap();
    let csrf = csrf_cookie(&page);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"class="kiosk door free""#) && html.contains(r#"<p class="clock""#), "{html}");
    assert!(!html.contains(r#"href="/""#), "no way out of the kiosk: {html}");
    assert!(html.contains(&format!(r#"action="{path}/book""#)), "{html}");

    // A stranger, a made-up length, a form from elsewhere: refused, nothing booked.
    let (status, html) = post_book(&app, &path, &csrf, "intruso@globex.com", "30").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("no es de una persona de la organización") && html.contains("intruso@globex.com"), "{html}");
    assert_eq!(post_book(&app, &path, &csrf, "maria@acme.test", "45").await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let forged = app
        .request(Method::POST, &format!("{path}/book"))
        .header("cookie", format!("sala_csrf={csrf}"))
        .form(&[("csrf", "x".repeat(43).as_str()), ("email", "maria@acme.test"), ("minutes", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // María books 30 minutes: under her name, from the kiosk; the door turns busy.
    let (status, html) = post_book(&app, &path, &csrf, "maria@acme.test", "30").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Reservada hasta las") && html.contains(r#"class="kiosk door busy""#), "{html}");
    assert!(html.contains("Ocupada hasta las") && html.contains("· Reserva en la puerta"), "{html}");
    let (_, list) = json(app.api(Method::GET, "/api/v1/bookings?limit=10", &key).send().await.unwrap()).await;
    let booked = &list["items"][0];
    assert_eq!(booked["metadata"]["source"], "kiosk", "{list}");
    assert_eq!(booked["organizer"]["email"], "maria@acme.test", "{list}");
    let audit =
        sala_store::AuditQuery { action_prefix: Some("booking.created".into()), limit: 10, ..Default::default() };
    let entries = app.store().list_audit(tenant.id, &audit).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor, sala_domain::Actor::User(maria.id));
    assert!(entries[0].ip.is_some(), "the kiosk's address is kept");
    // Taken now: another try is a conflict, said at the door.
    let (status, html) = post_book(&app, &path, &csrf, "maria@acme.test", "15").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("no está libre todo ese tiempo"), "{html}");
}
both!(a_room_is_booked_at_the_door);
