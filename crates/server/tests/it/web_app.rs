//! The web app's forms with bad input and the wrong people (the browser tests in `e2e/` play the
//! happy path): CSRF, field problems as a readable page with what was typed kept and escaped,
//! other tenants' and other people's bookings, the slot check, the language switch.

use crate::both;
use crate::helpers::{TestApp, json};
use reqwest::{Method, StatusCode};
use sala_domain::now_millis;
use serde_json::json;

pub(crate) const CSRF: &str = "csrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsr";

pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    pub(crate) cookie: String,
}

impl Browser<'_> {
    pub(crate) async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self.app.request(Method::GET, path).header("cookie", &self.cookie).send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    pub(crate) async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.app.request(Method::POST, path).header("cookie", &self.cookie).form(form).send().await.unwrap()
    }
}

pub(crate) async fn browser<'a>(app: &'a TestApp, user: &sala_domain::User) -> Browser<'a> {
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
    // Neither Google sign-in nor a service account here: the form offers no Meet link that could never come.
    let (status, empty) = me.get("/bookings/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(empty.contains("name=\"title\"") && !empty.contains("name=\"google_meet\""), "{empty}");
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

/// The admin pages: members are refused, forms need the CSRF token, bad input comes back
/// readably, a new API key's secret is shown once (and works), webhooks refuse private addresses.
async fn admin_pages_guard_and_explain(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let juan = app.user(&tenant, "juan@acme.test", "Juan", "member").await;
    let admin = browser(&app, &ana).await;
    let member = browser(&app, &juan).await;

    for path in [
        "/admin/rooms",
        "/admin/people",
        "/admin/api-keys",
        "/admin/webhooks",
        "/admin/jobs",
        "/admin/audit",
        "/admin/settings",
    ] {
        assert_eq!(member.get(path).await.0, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(admin.get(path).await.0, StatusCode::OK, "{path}");
    }
    let room = [("csrf", CSRF), ("name", "Sala Norte"), ("capacity", "6"), ("kind", "physical")];
    assert_eq!(member.post("/admin/rooms", &room).await.status(), StatusCode::FORBIDDEN);
    let forged = [("csrf", "nope"), ("name", "Sala Norte"), ("capacity", "6")];
    assert_eq!(admin.post("/admin/rooms", &forged).await.status(), StatusCode::FORBIDDEN);

    // Bad hours: said, and the form keeps what was typed.
    let bad = [
        ("csrf", CSRF),
        ("name", "Sala <Norte>"),
        ("capacity", "6"),
        ("day", "mon"),
        ("day", "fri"),
        ("opens", "20:00"),
        ("closes", "08:00"),
        ("equipment", "projector"),
        ("equipment_other", "espresso-machine"),
    ];
    let response = admin.post("/admin/rooms", &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("role=\"alert\"") && html.contains(r#"name="opens" type="time" step="900" value="20:00""#),
        "{html}"
    );
    assert!(
        html.contains(r#"value="mon" checked> lunes"#) && html.contains(r#"value="tue"> martes"#),
        "ticks kept: {html}"
    );
    assert!(
        html.contains(r#"value="projector" checked> Proyector"#) && html.contains(r#"value="espresso-machine""#),
        "{html}"
    );
    assert!(html.contains("apertura anterior a la de cierre"), "said in the reader's language: {html}");
    // Times without a day, or a day without times: said, not guessed.
    for fields in [
        vec![("opens", "08:00"), ("closes", "18:00")],
        vec![("day", "mon")],
        vec![("day", "someday"), ("opens", "08:00"), ("closes", "18:00")],
    ] {
        let mut form = vec![("csrf", CSRF), ("name", "Sala Oeste"), ("capacity", "6")];
        form.extend(fields);
        assert_eq!(admin.post("/admin/rooms", &form).await.status(), StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
    }
    assert!(html.contains("value=\"Sala &#60;Norte&#62;\""), "escaped: {html}");
    let made = admin.post("/admin/rooms", &room).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let again = admin.post("/admin/rooms", &room).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY, "a second Sala Norte");
    assert!(again.text().await.unwrap().contains("Ya hay una sala con ese nombre."));
    // Hours ticked and picked, equipment ticked and typed: in words on the list, ticked again on
    // the room's page, the made-up tag kept as typed.
    let mut ticked =
        vec![("csrf", CSRF), ("name", "Sala Este"), ("capacity", "8"), ("opens", "08:00"), ("closes", "20:00")];
    ticked.extend(["mon", "tue", "wed", "thu", "fri"].map(|d| ("day", d)));
    ticked.extend([("equipment", "projector"), ("equipment", "whiteboard"), ("equipment_other", "espresso-machine")]);
    assert_eq!(admin.post("/admin/rooms", &ticked).await.status(), StatusCode::SEE_OTHER);
    let (_, list) = admin.get("/admin/rooms").await;
    assert!(list.contains("lun-vie 08:00-20:00"), "{list}");
    let at = list.find("Sala Este").unwrap();
    let href_start = list[..at].rfind("/admin/rooms/").unwrap();
    let href: String = list[href_start..].chars().take_while(|c| *c != '"').collect();
    let (_, page) = admin.get(&href).await;
    assert!(page.contains(r#"value="fri" checked> viernes"#) && page.contains(r#"value="sat"> sábado"#), "{page}");
    assert!(page.contains(r#"value="whiteboard" checked> Pizarra"#), "{page}");
    assert!(page.contains(r#"name="equipment_other" maxlength="200" value="espresso-machine""#), "{page}");

    // An API key: its secret rides a one-minute cookie to the list, shown once, then forgotten.
    let created = admin.post("/admin/api-keys", &[("csrf", CSRF), ("name", "CRM"), ("read", "on")]).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let once = created
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("sala_once="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("the secret's cookie");
    let shown = app
        .request(Method::GET, "/admin/api-keys")
        .header("cookie", format!("{}; sala_once={once}", admin.cookie))
        .send()
        .await
        .unwrap();
    let forget = shown
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("sala_once=;") && v.contains("Max-Age=0"));
    assert!(forget, "the cookie is cleared once read");
    let html = shown.text().await.unwrap();
    let start = html.find("sala_").unwrap();
    let secret: String =
        html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
    let (status, _) = json(app.api(Method::GET, "/api/v1/rooms", &secret).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "the shown key works: {secret}");
    let (status, _) = json(
        app.api(Method::POST, "/api/v1/rooms", &secret)
            .json(&json!({"name": "X", "capacity": 2}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "read only, as chosen");
    assert!(!admin.get("/admin/api-keys").await.1.contains(&secret), "never shown again");

    // Settings: a bad zone and a bad number are refused; the audit log pages.
    let settings = |zone: &'static str, no_show: &'static str| {
        [
            ("csrf", CSRF),
            ("name", "Acme"),
            ("time_zone", zone),
            ("locale", "es"),
            ("reminder", "15"),
            ("reminder", "60"),
            ("no_show", no_show),
        ]
    };
    assert_eq!(
        admin.post("/admin/settings", &settings("Mars/Olympus", "")).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        admin.post("/admin/settings", &settings("Europe/Madrid", "diez")).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut forged = settings("Europe/Madrid", "10").to_vec();
    forged.push(("reminder", "soon"));
    assert_eq!(admin.post("/admin/settings", &forged).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(admin.post("/admin/settings", &settings("Europe/Madrid", "10")).await.status(), StatusCode::SEE_OTHER);
    // Picked, not typed: the zone from a list, reminders ticked in words.
    let (_, html) = admin.get("/admin/settings").await;
    assert!(html.contains(r#"<option value="Europe/Madrid" selected>Europe/Madrid</option>"#), "{html}");
    assert!(html.contains(r#"<option value="America/Santiago">America/Santiago</option>"#), "{html}");
    assert!(
        html.contains(r#"value="60" checked> 1 hora antes"#) && html.contains(r#"value="1440"> 1 día antes"#),
        "{html}"
    );
    let (status, html) = admin.get("/admin/audit?action=room.").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("room.created") && !html.contains("api_key.created"), "filtered: {html}");
    assert_eq!(admin.get("/admin/audit?cursor=nonsense").await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // Webhooks: a private address is refused outside dev mode.
    let hook = [("csrf", CSRF), ("url", "https://127.0.0.1/hook"), ("event", "booking.created")];
    let response = admin.post("/admin/webhooks", &hook).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("role=\"alert\"") && html.contains("no apuntar a una red privada"), "{html}");

    // People: a bad phone is refused; a role change is saved.
    let person = format!("/admin/people/{}", juan.id);
    let bad_phone = admin.post(&person, &[("csrf", CSRF), ("role", "member"), ("phone", "12"), ("active", "on")]).await;
    assert_eq!(bad_phone.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_phone.text().await.unwrap().contains("prefijo internacional"));
    let promoted = admin.post(&person, &[("csrf", CSRF), ("role", "admin"), ("phone", ""), ("active", "on")]).await;
    assert_eq!(promoted.status(), StatusCode::SEE_OTHER);
    assert_eq!(member.get("/admin/rooms").await.0, StatusCode::OK, "Juan is an admin now");

    // Juan changed Google accounts: his page offers to unlink the old one, and the form does it.
    let linked = sala_domain::User { google_subject: Some("g-juan-old".into()), ..juan.clone() };
    let entry = sala_app::Context::system(tenant.id).audit("user.google_linked", "user", Some(juan.id.0), None, None);
    app.store().update_user(&linked, &entry).await.unwrap();
    let (_, page) = admin.get(&person).await;
    assert!(page.contains("name=\"unlink_google\""), "{page}");
    let unlinked = admin
        .post(&person, &[("csrf", CSRF), ("role", "admin"), ("phone", ""), ("active", "on"), ("unlink_google", "on")])
        .await;
    assert_eq!(unlinked.status(), StatusCode::SEE_OTHER);
    let after = app.store().get_user(tenant.id, juan.id).await.unwrap().unwrap();
    assert_eq!(after.google_subject, None);
    assert!(!admin.get(&person).await.1.contains("name=\"unlink_google\""), "nothing left to unlink");
}
both!(admin_pages_guard_and_explain);

/// A person's own settings: their reminders, language and zone are saved; bad ones are said.
async fn people_keep_their_own_settings(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let maria = app.user(&tenant, "maria@acme.test", "María", "member").await;
    let me = browser(&app, &maria).await;
    let (status, html) = me.get("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Como diga la organización"), "{html}");
    let form = |zone: &'static str, phone: &'static str, minutes: &'static str| {
        vec![
            ("csrf", CSRF),
            ("name", "María López"),
            ("locale", "en"),
            ("time_zone", zone),
            ("phone", phone),
            ("whatsapp", "on"),
            ("reminders", "own"),
            ("minutes", minutes),
            ("remind_email", "on"),
        ]
    };
    assert_eq!(me.post("/account", &form("Mars/Olympus", "", "30")).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(me.post("/account", &form("", "12", "30")).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(me.post("/account", &form("", "", "treinta")).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut forged = form("", "", "30");
    forged[0] = ("csrf", "nope");
    assert_eq!(me.post("/account", &forged).await.status(), StatusCode::FORBIDDEN);
    let saved = me.post("/account", &form("America/Santiago", "+34 612 345 602", "30, 5")).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let stored = app.store().get_user(tenant.id, maria.id).await.unwrap().unwrap();
    assert_eq!(stored.locale, Some(sala_domain::Locale::En));
    assert_eq!(stored.time_zone.as_ref().map(|z| z.as_str()), Some("America/Santiago"));
    let reminders = stored.reminders.expect("her own reminders");
    assert_eq!((reminders.minutes_before, reminders.email, reminders.whatsapp), (vec![30, 5], true, false));
    assert!(stored.whatsapp_opt_in && stored.phone.is_some());
    let (_, html) = me.get("/account").await;
    assert!(html.contains("As the organization says") && html.contains("value=\"30, 5\""), "in English now: {html}");
}
both!(people_keep_their_own_settings);

/// My bookings: upcoming or past, by text, room and whether one organizes or is invited.
async fn my_bookings_filter(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "member").await;
    app.user(&tenant, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&tenant).await;
    let room = |name: &'static str| {
        let key = key.clone();
        let app = &app;
        async move {
            let body = json!({"name": name, "capacity": 6});
            json(app.api(Method::POST, "/api/v1/rooms", &key).json(&body).send().await.unwrap()).await.1["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (norte, sur) = (room("Norte").await, room("Sur").await);
    let at = |hours: i64| {
        jiff::Timestamp::from_millisecond((now_millis() / 3_600_000 + hours) * 3_600_000).unwrap().to_string()
    };
    for (room, title, organizer, guests, hours) in [
        (&norte, "Planificación trimestral", "ana@acme.test", json!([]), 30),
        (&sur, "Revisión de precios", "maria@acme.test", json!([{"email": "ana@acme.test"}]), 50),
    ] {
        let body = json!({"room_id": room, "title": title, "start": at(hours), "end": at(hours + 1),
                          "organizer": organizer, "attendees": guests});
        let (status, _) = json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let me = browser(&app, &ana).await;
    let titles = |html: &str| -> Vec<&'static str> {
        ["Planificación trimestral", "Revisión de precios"].into_iter().filter(|t| html.contains(t)).collect()
    };
    let (_, all) = me.get("/bookings").await;
    assert_eq!(titles(&all), ["Planificación trimestral", "Revisión de precios"]);
    assert_eq!(titles(&me.get("/bookings?role=organizer").await.1), ["Planificación trimestral"]);
    assert_eq!(titles(&me.get("/bookings?role=guest").await.1), ["Revisión de precios"]);
    assert_eq!(titles(&me.get(&format!("/bookings?room={sur}")).await.1), ["Revisión de precios"]);
    assert_eq!(titles(&me.get("/bookings?q=planificacion").await.1), ["Planificación trimestral"], "accents aside");
    assert!(titles(&me.get("/bookings?when=past").await.1).is_empty());
}
both!(my_bookings_filter);

/// The booking form sent with these fields.
async fn post_new(b: &Browser<'_>, fields: Vec<(String, String)>) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post("/bookings/new", &fields).await
}

/// The office manager's form: an admin books for someone else (a member may not), and a weekly
/// series either names the taken dates or, asked to, leaves them out and says which.
async fn an_admin_books_for_someone_and_a_series_skips_taken_dates(app: TestApp) {
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
    let base = |title: &str, organizer: &str| {
        vec![
            ("csrf".to_owned(), CSRF.to_owned()),
            ("room_id".to_owned(), room_id.clone()),
            ("date".to_owned(), day.clone()),
            ("start".to_owned(), "09:00".to_owned()),
            ("end".to_owned(), "10:00".to_owned()),
            ("title".to_owned(), title.to_owned()),
            ("organizer".to_owned(), organizer.to_owned()),
        ]
    };
    let admin = browser(&app, &ana).await;
    let member = browser(&app, &maria).await;

    // Only admins see the field.
    assert!(admin.get("/bookings/new").await.1.contains("name=\"organizer\""));
    assert!(!member.get("/bookings/new").await.1.contains("name=\"organizer\""));

    // Someone not of the organization: the field says so, with what was typed kept.
    let refused = post_new(&admin, base("Para nadie", "nadie@otra.test")).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("id=\"organizer-error\"") && html.contains("value=\"nadie@otra.test\""), "{html}");

    // Ana books for María: María organizes it.
    let made = post_new(&admin, base("Para María", "maria@acme.test")).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let id = made.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/bookings/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let (_, got) = json(app.api(Method::GET, &format!("/api/v1/bookings/{id}"), &key).send().await.unwrap()).await;
    assert_eq!(got["organizer"]["email"], "maria@acme.test", "{got}");

    // A member's form naming someone else still books for the member (the field is not theirs).
    let mut forged = base("Mío", "ana@acme.test");
    forged[3].1 = "11:00".to_owned();
    forged[4].1 = "12:00".to_owned();
    let made = post_new(&member, forged).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let id = made.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/bookings/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let (_, got) = json(app.api(Method::GET, &format!("/api/v1/bookings/{id}"), &key).send().await.unwrap()).await;
    assert_eq!(got["organizer"]["email"], "maria@acme.test");

    // A weekly series from tomorrow at 9:00 for three weeks: its first date is María's meeting.
    // Refused, naming the taken date...
    let series = |skip: bool| {
        let mut fields = base("Semanal", "");
        fields.extend([("repeat".to_owned(), "on".to_owned()), ("repeat_count".to_owned(), "3".to_owned())]);
        if skip {
            fields.push(("repeat_skip".to_owned(), "on".to_owned()));
        }
        fields
    };
    let refused = post_new(&admin, series(false)).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let html = refused.text().await.unwrap();
    assert!(html.contains("La sala está ocupada el") && html.contains("id=\"repeat-error\""), "{html}");
    assert!(html.contains("id=\"repeat_skip\" name=\"repeat_skip\" type=\"checkbox\">"), "not ticked for them");
    // ...and, asked to skip, the two free weeks are booked and the page says which date was left out.
    let made = post_new(&admin, series(true)).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let location = made.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("&skipped="), "{location}");
    let (status, page) = admin.get(&location).await;
    assert_eq!(status, StatusCode::OK);
    let notice = page.split("id=\"series-skipped\">").nth(1).expect("the skipped dates").split('<').next().unwrap();
    assert!(notice.starts_with("Se saltaron estas fechas porque la sala estaba ocupada:"), "{notice}");
    let (_, list) = json(
        app.api(Method::GET, "/api/v1/bookings", &key).query(&[("room_id", room_id.as_str())]).send().await.unwrap(),
    )
    .await;
    let titles: Vec<&str> = list["items"].as_array().unwrap().iter().map(|b| b["title"].as_str().unwrap()).collect();
    assert_eq!(titles.iter().filter(|t| **t == "Semanal").count(), 2, "{titles:?}");

    // A made-up list in the link shows nothing odd: unreadable parts are dropped.
    let (status, page) = admin.get(&format!("{}&skipped=<script>,x", location.split('&').next().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("<script>,x") && !page.contains("id=\"series-skipped\""));
}
both!(an_admin_books_for_someone_and_a_series_skips_taken_dates);

/// No raw codes on the pages: roles, equipment, job kinds, audit actions and delivery statuses
/// are in the reader's words (Spanish for Elena, English for Emma); a tag an administrator made
/// up stays as typed.
async fn pages_show_words_not_codes(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let elena = app.user(&acme, "elena@acme.test", "Elena Torres", "admin").await;
    let emma = app.user(&acme, "emma@acme.test", "Emma Wilson", "admin").await;
    let en = sala_app::users::UserChanges { locale: Some(Some(sala_domain::Locale::En)), ..Default::default() };
    let ctx = sala_app::Context::system(acme.id);
    sala_app::users::update_user(app.store(), &ctx, emma.id, en).await.unwrap();
    let key = app.api_key(&acme).await;
    let room = serde_json::json!({"name": "Sala Norte", "capacity": 6, "equipment": ["projector", "tv-screen", "espresso-machine"],
                                  "bookable_hours": {"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "20:00"}});
    assert!(app.api(Method::POST, "/api/v1/rooms", &key).json(&room).send().await.unwrap().status().is_success());

    let (es, en) = (browser(&app, &elena).await, browser(&app, &emma).await);
    let (_, people) = es.get("/admin/people").await;
    assert!(people.contains("<td>Administración</td>") && !people.contains("<td>admin</td>"), "{people}");
    let (_, rooms) = es.get("/admin/rooms").await;
    assert!(rooms.contains(">Proyector<") && rooms.contains(">Pantalla<"), "{rooms}");
    assert!(rooms.contains(">espresso-machine<"), "a made-up tag stays as typed");
    assert!(rooms.contains("lun-vie 08:00-20:00"), "{rooms}");
    let (_, rooms) = en.get("/admin/rooms").await;
    assert!(rooms.contains(">Projector<") && rooms.contains(">TV screen<"), "{rooms}");
    assert!(rooms.contains("Mon-Fri 08:00-20:00"), "days in words: {rooms}");
    let (_, keys) = es.get("/admin/api-keys").await;
    assert!(keys.contains("Leer, Cambiar, Webhooks"), "{keys}");
    let (_, dashboard) = en.get("/").await;
    assert!(dashboard.contains(r#"<option value="tv-screen">TV screen</option>"#), "{dashboard}");
    let (_, audit) = es.get("/admin/audit").await;
    assert!(audit.contains(r#"<span title="room.created">Sala creada</span>"#), "{audit}");
    assert!(!audit.contains("<code>room.created</code>"));
    // What each entry is about, by name and linked; the integration by its key's name; no ids.
    assert!(audit.contains("Sala «Sala Norte»</a>") && audit.contains(r#"href="/admin/rooms/"#), "{audit}");
    assert!(audit.contains("Clave de API «test»"), "{audit}");
    assert!(!audit.contains("room 0") && !audit.contains("room 1"), "no raw subject ids: {audit}");
    let (_, audit) = en.get("/admin/audit").await;
    assert!(audit.contains(">Room created<"), "{audit}");
}
both!(pages_show_words_not_codes);
