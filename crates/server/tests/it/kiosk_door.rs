//! The door display's own actions: "end now" for the meeting under way (a person of the
//! organization who is in it), one tap to check a meeting in, and the QR code's short-lived
//! check-in link (for one meeting, never the kiosk's secret): each refused clearly when it may not.

use crate::both;
use crate::helpers::{TestApp, json};
use crate::kiosk::{MINUTE, csrf_cookie, iso, path_of};
use reqwest::{Method, StatusCode};
use sala_app::check_in_links::{CheckInLink, CheckInLinkKey};
use sala_domain::{BookingId, Tenant, TenantId, now_millis};
use serde_json::{Value, json};

/// The tests' server key (`SALA_SECRET_KEY` is 32 bytes of 7).
const SERVER_KEY: [u8; 32] = [7; 32];

/// A room of `tenant` with a kiosk: (room id, kiosk path).
async fn room_with_kiosk(app: &TestApp, key: &str, name: &str) -> (String, String) {
    let body = json!({"name": name, "capacity": 6});
    let (_, room) = json(app.api(Method::POST, "/api/v1/rooms", key).json(&body).send().await.unwrap()).await;
    let id = room["id"].as_str().unwrap().to_owned();
    let kiosk_api = format!("/api/v1/rooms/{id}/kiosk");
    let (_, made): (StatusCode, Value) = json(app.api(Method::POST, &kiosk_api, key).send().await.unwrap()).await;
    (id, path_of(made["url"].as_str().unwrap()))
}

/// Books `room` from `start` for an hour, organized by `organizer`, with `guests` invited.
async fn meeting(app: &TestApp, key: &str, room: &str, start: i64, organizer: &str, guests: &[&str]) -> Value {
    let attendees: Vec<Value> = guests.iter().map(|g| json!({"email": g})).collect();
    let body = json!({"room_id": room, "title": "Revisión", "start": iso(start), "end": iso(start + 60 * MINUTE),
                      "organizer": organizer, "attendees": attendees});
    let (status, booking) =
        json(app.api(Method::POST, "/api/v1/bookings", key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    booking
}

/// Posts a kiosk form; returns the status and the page.
async fn post(app: &TestApp, path: &str, csrf: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let mut form = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    let response =
        app.request(Method::POST, path).header("cookie", format!("sala_csrf={csrf}")).form(&form).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The kiosk page and its CSRF token.
async fn open(app: &TestApp, path: &str) -> (String, String) {
    let page = app.request(Method::GET, path).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = csrf_cookie(&page);
    (page.text().await.unwrap(), csrf)
}

async fn audit(app: &TestApp, tenant: &Tenant, action: &str) -> Vec<sala_domain::AuditEntry> {
    let query = sala_store::AuditQuery { action_prefix: Some(action.into()), limit: 10, ..Default::default() };
    app.store().list_audit(tenant.id, &query).await.unwrap()
}

async fn org(app: &TestApp) -> (Tenant, String) {
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "maria@acme.test", "María", "member").await;
    app.user(&tenant, "juan@acme.test", "Juan", "member").await;
    app.user(&tenant, "pedro@acme.test", "Pedro", "member").await;
    let key = app.api_key(&tenant).await;
    (tenant, key)
}

/// "End now": only someone of the organization who is in the meeting under way ends it; the end
/// moves to now as an edit (its messages queued), audited as the kiosk's with who asked.
async fn the_meeting_under_way_is_ended_at_the_door(app: TestApp) {
    let (tenant, key) = org(&app).await;
    let (room, path) = room_with_kiosk(&app, &key, "Norte").await;
    let end_path = format!("{path}/end");

    // Nothing under way: no form, and a post is told so.
    let (html, csrf) = open(&app, &path).await;
    assert!(!html.contains(&end_path), "{html}");
    let (status, html) = post(&app, &end_path, &csrf, &[("email", "maria@acme.test")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("no hay ninguna reunión en curso que terminar"), "{html}");

    let started = now_millis() - 2 * MINUTE;
    let booking =
        meeting(&app, &key, &room, started, "maria@acme.test", &["juan@acme.test", "cliente@globex.com"]).await;
    let id: BookingId = BookingId(booking["id"].as_str().unwrap().parse().unwrap());
    let (html, csrf) = open(&app, &path).await;
    assert!(html.contains(r#"class="kiosk door busy""#) && html.contains(&format!(r#"action="{end_path}""#)), "{html}");

    // A forged form; a guest from outside; a colleague not in the meeting; not an address.
    let forged = app
        .request(Method::POST, &end_path)
        .header("cookie", format!("sala_csrf={csrf}"))
        .form(&[("csrf", "x".repeat(43).as_str()), ("email", "juan@acme.test")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (status, html) = post(&app, &end_path, &csrf, &[("email", "cliente@globex.com")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("no es de una persona de la organización"), "{html}");
    assert!(html.contains(r#"value="cliente@globex.com""#), "what was typed stays: {html}");
    let (status, html) = post(&app, &end_path, &csrf, &[("email", "pedro@acme.test")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Solo quien está en la reunión puede terminarla"), "{html}");
    let (status, _) = post(&app, &end_path, &csrf, &[("email", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let jobs_before = app.store().jobs_for_booking(tenant.id, id).await.unwrap().len();
    assert!(audit(&app, &tenant, "booking.updated").await.is_empty());

    // Juan, invited, ends it: the room is free from now, in English too.
    let (status, html) = post(&app, &end_path, &csrf, &[("email", "JUAN@acme.test"), ("lang", "en")]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Meeting ended: the room is free.") && html.contains(r#"class="kiosk door free""#), "{html}");
    let now = now_millis();
    let ended = app.store().get_booking(tenant.id, id).await.unwrap().unwrap();
    assert!(ended.time.end <= now && ended.time.end > ended.time.start, "{:?}", ended.time);
    assert!(ended.is_confirmed() && ended.version == 2);
    assert!(app.store().jobs_for_booking(tenant.id, id).await.unwrap().len() > jobs_before, "the change is told");
    let updated = audit(&app, &tenant, "booking.updated").await;
    assert_eq!(updated.len(), 1);
    let noted = audit(&app, &tenant, "booking.ended_early").await;
    assert_eq!(noted.len(), 1);
    assert_eq!(noted[0].actor, sala_domain::Actor::System);
    assert_eq!(noted[0].after.as_ref().unwrap()["source"], "kiosk");
    assert_eq!(noted[0].after.as_ref().unwrap()["email"], "juan@acme.test");
    assert_eq!(noted[0].ip.as_deref(), Some("127.0.0.1"));

    // Ended: nothing more to end; the room is bookable at the door right away.
    let (status, html) = post(&app, &end_path, &csrf, &[("email", "maria@acme.test")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    let (status, html) =
        post(&app, &format!("{path}/book"), &csrf, &[("email", "pedro@acme.test"), ("minutes", "15")]).await;
    assert_eq!(status, StatusCode::OK, "{html}");

    // Another organization's kiosk ends nothing here: María is no person of theirs.
    let globex = app.tenant("Globex", "globex.test").await;
    let globex_key = app.api_key(&globex).await;
    let (_, globex_path) = room_with_kiosk(&app, &globex_key, "Sur").await;
    let (_, csrf) = open(&app, &globex_path).await;
    let (status, _) = post(&app, &format!("{globex_path}/end"), &csrf, &[("email", "maria@acme.test")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
both!(the_meeting_under_way_is_ended_at_the_door);

/// One tap checks a meeting open for check-in in, under its organizer's address; a meeting of
/// another room, another organization, later, or no id at all is refused.
async fn one_tap_checks_the_meeting_in(app: TestApp) {
    let (tenant, key) = org(&app).await;
    let (room, path) = room_with_kiosk(&app, &key, "Norte").await;
    let soon = now_millis() + 10 * MINUTE;
    let booking = meeting(&app, &key, &room, soon, "maria@acme.test", &["juan@acme.test"]).await;
    let later = meeting(&app, &key, &room, soon + 120 * MINUTE, "maria@acme.test", &[]).await;
    let (other_room, _) = room_with_kiosk(&app, &key, "Sur").await;
    let elsewhere = meeting(&app, &key, &other_room, soon, "juan@acme.test", &[]).await;
    let globex = app.tenant("Globex", "globex.test").await;
    app.user(&globex, "eva@globex.test", "Eva", "member").await;
    let globex_key = app.api_key(&globex).await;
    let (globex_room, _) = room_with_kiosk(&app, &globex_key, "Este").await;
    let foreign = meeting(&app, &globex_key, &globex_room, soon, "eva@globex.test", &[]).await;

    let (html, csrf) = open(&app, &path).await;
    let id = booking["id"].as_str().unwrap();
    assert!(
        html.contains(&format!(r#"name="booking" value="{id}""#)) && html.contains("Check-in de la reunión"),
        "{html}"
    );
    let tap = format!("{path}/check-in-meeting");
    for refused in [&later, &elsewhere, &foreign] {
        let (status, html) = post(&app, &tap, &csrf, &[("booking", refused["id"].as_str().unwrap())]).await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert!(html.contains("Ahora no hay ninguna reunión"), "{html}");
    }
    let (status, _) = post(&app, &tap, &csrf, &[("booking", "nonsense")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let globex_ins = app.store().check_ins(globex.id, BookingId(foreign["id"].as_str().unwrap().parse().unwrap()));
    assert!(globex_ins.await.unwrap().is_empty(), "nothing recorded in another organization");

    let (status, html) = post(&app, &tap, &csrf, &[("booking", id)]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Reunión con check-in: Revisión") && html.contains("1 con check-in"), "{html}");
    let (status, html) = post(&app, &tap, &csrf, &[("booking", id)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("La reunión ya tenía check-in"), "{html}");
    let ins = app.store().check_ins(tenant.id, BookingId(id.parse().unwrap())).await.unwrap();
    assert_eq!(ins.len(), 1);
    assert_eq!((ins[0].email.as_str(), ins[0].source.as_str()), ("maria@acme.test", "kiosk"));
    let forged = app
        .request(Method::POST, &tap)
        .header("cookie", format!("sala_csrf={csrf}"))
        .form(&[("csrf", "x".repeat(43).as_str()), ("booking", id)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}
both!(one_tap_checks_the_meeting_in);

/// The data attribute beside the kiosk's QR code: the check-in link it encodes.
fn qr_link(html: &str) -> Option<String> {
    let at = html.find("data-check-in-link=\"")? + "data-check-in-link=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

/// The kiosk's QR code opens a check-in link for the meeting open now only, without the kiosk's
/// token; the phone checks in by address (filled in when signed in); altered, forged, other
/// organizations' and expired links are readable pages.
async fn the_qr_code_opens_a_short_lived_check_in_link(app: TestApp) {
    let (tenant, key) = org(&app).await;
    let (room, path) = room_with_kiosk(&app, &key, "Norte").await;
    let (html, _) = open(&app, &path).await;
    assert_eq!(qr_link(&html), None, "no meeting, no code");
    let soon = now_millis() + 10 * MINUTE;
    let booking = meeting(&app, &key, &room, soon, "maria@acme.test", &["juan@acme.test", "cliente@globex.com"]).await;
    let id = BookingId(booking["id"].as_str().unwrap().parse().unwrap());

    let (html, _) = open(&app, &path).await;
    assert!(html.contains(r#"alt="Código QR para hacer check-in en la reunión""#), "{html}");
    let link = qr_link(&html).unwrap();
    let kiosk_token = path.trim_start_matches("/kiosk/");
    assert!(link.starts_with(&format!("{}/check-in/", app.url)) && !link.contains(kiosk_token), "{link}");
    let link_path = link[app.url.len()..].to_owned();
    let token = link_path.trim_start_matches("/check-in/").to_owned();
    let opened = CheckInLinkKey::new(&SERVER_KEY).open(&token, now_millis()).unwrap();
    assert_eq!((opened.tenant_id, opened.booking_id), (tenant.id, id));
    assert!(opened.expires_at <= now_millis() + 10 * MINUTE, "minutes, not the meeting's hour");

    // The phone: the meeting and a form; signed in, one's own address is filled in.
    let page = app.request(Method::GET, &link_path).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let csrf = csrf_cookie(&page);
    let html = page.text().await.unwrap();
    assert!(html.contains("Revisión") && html.contains("Norte") && html.contains("0 con check-in"), "{html}");
    let juan = app.person(tenant.id, "juan@acme.test").await.unwrap();
    let signed_in = app
        .request(Method::GET, &link_path)
        .header("cookie", format!("sala_session={}", app.session(&juan).await))
        .send()
        .await
        .unwrap();
    assert!(signed_in.text().await.unwrap().contains(r#"value="juan@acme.test""#));

    let (status, html) = post(&app, &link_path, &csrf, &[("email", "intruso@globex.com")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("no está en la lista de invitados"), "{html}");
    let (status, html) = post(&app, &link_path, &csrf, &[("email", "cliente@globex.com"), ("lang", "en")]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Checked in: Revisión") && html.contains("1 checked in"), "{html}");
    let ins = app.store().check_ins(tenant.id, id).await.unwrap();
    assert_eq!((ins.len(), ins[0].source.as_str()), (1, "kiosk"));

    // Altered, made up, moved to another organization, expired: readable, never a 500.
    let signer = CheckInLinkKey::new(&SERVER_KEY);
    let altered = format!("/check-in/{}A", token);
    let other_meeting = signer.token(&CheckInLink { booking_id: BookingId::new(), ..opened.clone() });
    let globex = app.tenant("Globex", "globex.test").await;
    let moved = signer.token(&CheckInLink { tenant_id: globex.id, ..opened.clone() });
    let unknown_tenant = signer.token(&CheckInLink { tenant_id: TenantId::new(), ..opened.clone() });
    for bad in [
        altered,
        "/check-in/nonsense".into(),
        format!("/check-in/{other_meeting}"),
        format!("/check-in/{moved}"),
        format!("/check-in/{unknown_tenant}"),
    ] {
        let response = app.request(Method::GET, &bad).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{bad}");
        assert!(response.text().await.unwrap().contains("Este enlace de check-in no es válido"));
        let (status, _) = post(&app, &bad, &csrf, &[("email", "juan@acme.test")]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }
    let expired = signer.token(&CheckInLink { expires_at: now_millis() - 1, ..opened.clone() });
    let response = app.request(Method::GET, &format!("/check-in/{expired}?lang=en")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(response.text().await.unwrap().contains("This check-in link has expired"));
    let (status, html) = post(&app, &format!("/check-in/{expired}"), &csrf, &[("email", "juan@acme.test")]).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("ha caducado"), "{html}");
    assert_eq!(app.store().check_ins(tenant.id, id).await.unwrap().len(), 1, "nothing more recorded");

    // A form from elsewhere is refused.
    let forged = app
        .request(Method::POST, &link_path)
        .header("cookie", format!("sala_csrf={csrf}"))
        .form(&[("csrf", "x".repeat(43).as_str()), ("email", "juan@acme.test")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}
both!(the_qr_code_opens_a_short_lived_check_in_link);
