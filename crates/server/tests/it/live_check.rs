//! The booking form's live check tells the truth before submitting: it reads the whole form as a
//! submit does and checks it as a create does (the past, seats, bookable hours, the closed
//! weekend, every date of a series), says why in one language with the numbers that help, and
//! offers the nearest slots and rooms that would do. A submit says the same, under the date and
//! times, with a summary that links to the fields. A wrong address in a browser is a page.

use crate::both;
use crate::helpers::{TestApp, json};
use crate::web_app::{Browser, CSRF, browser};
use jiff::civil::{Date, Weekday};
use reqwest::{Method, StatusCode};
use sala_domain::now_millis;
use serde_json::{Value, json};

/// Today in Madrid (the tenant's zone).
fn today() -> Date {
    let tz = jiff::tz::TimeZone::get("Europe/Madrid").unwrap();
    jiff::Timestamp::from_millisecond(now_millis()).unwrap().to_zoned_datetime(tz).date()
}

/// The first `weekday` at least two days from today.
fn next(weekday: Weekday) -> Date {
    let mut day = today().checked_add(jiff::Span::new().days(2)).unwrap();
    while day.weekday() != weekday {
        day = day.tomorrow().unwrap();
    }
    day
}

async fn check(b: &Browser<'_>, query: &[(&str, &str)]) -> Value {
    let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
    let (status, body) = b.get(&format!("/bookings/check?{encoded}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn the_live_check_runs_the_submits_validation(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let emma = app.user(&acme, "emma@acme.test", "Emma", "member").await;
    let en = sala_app::users::UserChanges { locale: Some(Some(sala_domain::Locale::En)), ..Default::default() };
    sala_app::users::update_user(app.store(), &sala_app::Context::system(acme.id), emma.id, en).await.unwrap();
    let key = app.api_key(&acme).await;
    let hours = json!({"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "20:00"});
    let (_, cabin) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Cabina 1", "capacity": 2, "bookable_hours": hours}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let cabin = cabin["id"].as_str().unwrap().to_owned();
    let big = json!({"name": "Sala Mediterráneo", "capacity": 20});
    assert!(app.api(Method::POST, "/api/v1/rooms", &key).json(&big).send().await.unwrap().status().is_success());
    let tuesday = next(Weekday::Tuesday).to_string();
    let me = browser(&app, &maria).await;
    let slot = |date: &str, start: &str, end: &str| {
        vec![("room_id", cabin.clone()), ("date", date.to_owned()), ("start", start.into()), ("end", end.into())]
    };
    let q = |fields: &Vec<(&'static str, String)>| fields.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let ask = |fields: Vec<(&'static str, String)>| {
        let me = &me;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            check(me, &pairs).await
        }
    };

    // Free: said so, with no title typed yet (that is no reason to say no while picking).
    let free = ask(slot(&tuesday, "10:00", "11:00")).await;
    assert_eq!(free["state"], "free", "{free}");
    assert_eq!(free["message"], "La sala está libre a esa hora.");

    // In the past: refused, with the nearest slots from now on.
    let yesterday = today().yesterday().unwrap().to_string();
    let past = ask(slot(&yesterday, "10:00", "11:00")).await;
    assert_eq!(past["state"], "invalid", "{past}");
    assert_eq!(past["message"], "Esa hora ya ha pasado.");
    assert_eq!(past["problems"][0]["field"], "when");
    assert!(!past["slots"].as_array().unwrap().is_empty(), "the nearest slots from now: {past}");

    // More people than seats: the numbers, and the rooms that fit with the form kept.
    let mut crowded = slot(&tuesday, "10:00", "11:00");
    crowded.push(("guests", "a@x.test, b@x.test, c@x.test, d@x.test".into()));
    crowded.push(("title", "Comité".into()));
    crowded.push(("reminder", "60".into()));
    let seats = ask(q(&crowded)).await;
    assert_eq!(seats["state"], "invalid", "{seats}");
    assert_eq!(seats["message"], "Sois 5 y en Cabina 1 caben 2.");
    assert_eq!(seats["problems"][0]["field"], "guests");
    let room = &seats["rooms"][0];
    assert_eq!(room["label"], "Sala Mediterráneo (20 plazas)", "{seats}");
    let href = room["href"].as_str().unwrap();
    assert!(
        href.contains("title=Comit%C3%A9") && href.contains("reminder=60") && href.contains("guests=a%40x.test"),
        "{href}"
    );

    // Before the room opens: its hours in words, and the first bookable hour that day.
    let early = ask(slot(&tuesday, "07:00", "08:00")).await;
    assert_eq!(early["state"], "invalid", "{early}");
    assert_eq!(early["message"], "Cabina 1 solo se puede reservar lun-vie 08:00-20:00.");
    assert_eq!(early["slots"][0]["label"], "08:00–09:00", "{early}");

    // A Saturday: closed, and the nearest bookable slot is first thing on Monday, named by its day.
    let saturday = next(Weekday::Saturday).to_string();
    let weekend = ask(slot(&saturday, "10:00", "11:00")).await;
    assert_eq!(weekend["state"], "invalid", "{weekend}");
    let first = weekend["slots"][0]["label"].as_str().unwrap();
    assert!(first.starts_with("lunes,") && first.ends_with("08:00–09:00"), "{weekend}");

    // A weekly series whose second date is taken: every date checked and listed.
    let second = next(Weekday::Tuesday).checked_add(jiff::Span::new().weeks(1)).unwrap();
    let taken = json!({"room_id": cabin, "title": "Ya reservada", "organizer": "emma@acme.test",
                       "start": format!("{second}T10:00:00+01:00"), "end": format!("{second}T11:00:00+01:00")});
    let made = app.api(Method::POST, "/api/v1/bookings", &key).json(&taken).send().await.unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let mut series = slot(&tuesday, "10:00", "11:00");
    series.extend([("repeat", "on".into()), ("repeat_count", "3".into())]);
    let dates = ask(q(&series)).await;
    assert_eq!(dates["state"], "taken", "{dates}");
    assert_eq!(dates["message"], "1 de 3 fechas no se pueden reservar.");
    let states: Vec<&str> = dates["dates"].as_array().unwrap().iter().map(|d| d["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["free", "taken", "free"], "{dates}");

    // A submit says the same, under the date and times, with a summary linking to the field.
    let mut early_form = slot(&tuesday, "07:00", "08:00");
    early_form.extend([("csrf", CSRF.into()), ("title", "Pronto".into())]);
    let pairs: Vec<(&str, &str)> = early_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = me.post("/bookings/new", &pairs).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains(
            r#"<p class="field-error" id="when-error">Cabina 1 solo se puede reservar lun-vie 08:00-20:00.</p>"#
        ),
        "{html}"
    );
    assert!(html.contains(r##"<a href="#date">Cabina 1 solo se puede reservar"##), "{html}");
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="when-error""#), "{html}");

    // In English, English only.
    let emma = browser(&app, &emma).await;
    let early =
        check(&emma, &q(&slot(&tuesday, "07:00", "08:00")).iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())
            .await;
    assert_eq!(early["message"], "Cabina 1 can only be booked Mon-Fri 08:00-20:00.");
}
both!(the_live_check_runs_the_submits_validation);

/// A wrong address: a page in a browser (inside the app's header when signed in), problem+json
/// for the API and for clients that do not ask for HTML.
async fn a_wrong_address_is_a_page_in_a_browser(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let me = browser(&app, &maria).await;
    let html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let signed_in =
        app.request(Method::GET, "/bookngs").header("accept", html).header("cookie", &me.cookie).send().await.unwrap();
    assert_eq!(signed_in.status(), StatusCode::NOT_FOUND);
    assert!(signed_in.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let body = signed_in.text().await.unwrap();
    assert!(body.contains("Esa dirección no existe en Sala.") && body.contains(r#"<nav class="main""#), "{body}");
    let anonymous = app
        .request(Method::GET, "/nowhere")
        .header("accept", html)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::NOT_FOUND);
    assert!(anonymous.text().await.unwrap().contains("That address does not exist in Sala."));
    for (path, accept) in [("/api/v1/nowhere", html), ("/nowhere", "application/json")] {
        let (status, problem) =
            json(app.request(Method::GET, path).header("accept", accept).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(problem["code"], "not_found", "{path}: {problem}");
    }
}
both!(a_wrong_address_is_a_page_in_a_browser);

/// A series repeats as chosen in words (every two weeks, every day, weekdays), the live check
/// lists its dates that way, and its page says how it repeats; a forged choice is refused.
async fn a_series_repeats_as_chosen(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&acme).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Sur", "capacity": 4}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    let me = browser(&app, &maria).await;
    let monday = next(Weekday::Monday);
    let form = |every: &str| {
        vec![
            ("csrf", CSRF.to_owned()),
            ("room_id", room_id.clone()),
            ("date", monday.to_string()),
            ("start", "09:00".into()),
            ("end", "09:30".into()),
            ("title", "Seguimiento".into()),
            ("repeat", "on".into()),
            ("repeat_every", every.to_owned()),
            ("repeat_count", "3".into()),
        ]
    };
    let pairs = |f: &Vec<(&'static str, String)>| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();

    // The live check lists the dates two weeks apart.
    let checked = check(&me, &pairs(&form("biweekly")).iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    let labels: Vec<&str> = checked["dates"].as_array().unwrap().iter().map(|d| d["label"].as_str().unwrap()).collect();
    let third = monday.checked_add(jiff::Span::new().weeks(4)).unwrap();
    assert_eq!(labels.len(), 3, "{checked}");
    assert!(labels[2].contains(&format!(" {} de ", third.day())), "{labels:?}");

    // Booked: its page says how it repeats.
    let posted = pairs(&form("biweekly"));
    let posted: Vec<(&str, &str)> = posted.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = me.post("/bookings/new", &posted).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let page = made.headers()["location"].to_str().unwrap().to_owned();
    let (_, html) = me.get(&page).await;
    assert!(html.contains(r#"<dd id="series-repeats">cada 2 semanas, 3 veces, hasta el lunes, "#), "{html}");

    // Weekdays from a Monday: Monday, Tuesday, Wednesday.
    let mut weekdays = form("weekdays");
    weekdays[3].1 = "11:00".into();
    weekdays[4].1 = "11:30".into();
    let checked = check(&me, &pairs(&weekdays).iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    let labels: Vec<&str> = checked["dates"].as_array().unwrap().iter().map(|d| d["label"].as_str().unwrap()).collect();
    assert!(
        labels[0].starts_with("lunes") && labels[1].starts_with("martes") && labels[2].starts_with("miércoles"),
        "{labels:?}"
    );

    // A choice the form never offers.
    let forged = pairs(&form("hourly"));
    let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(me.post("/bookings/new", &forged).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both!(a_series_repeats_as_chosen);

/// Monthly choices name their day from the form's date; the live check lists the months a 31st
/// skips, and the series' page says it repeats on day 31.
async fn a_monthly_series_names_its_day_and_the_months_it_skips(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&acme).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Sur", "capacity": 4}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    let me = browser(&app, &maria).await;
    let mut day = next(Weekday::Monday);
    while day.day() != 31 {
        day = day.tomorrow().unwrap();
    }
    let date = day.to_string();
    let form = |every: &'static str| {
        vec![
            ("csrf", CSRF),
            ("room_id", room_id.as_str()),
            ("date", date.as_str()),
            ("start", "09:00"),
            ("end", "09:30"),
            ("title", "Cierre de mes"),
            ("repeat", "on"),
            ("repeat_every", every),
            ("repeat_count", "4"),
        ]
    };
    let checked = check(&me, &form("monthly")).await;
    let choices: Vec<(&str, &str)> = checked["repeat_choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["value"].as_str().unwrap(), c["label"].as_str().unwrap()))
        .collect();
    assert!(choices.contains(&("monthly", "cada mes el día 31")), "{choices:?}");
    // The 31st is always its month's last such weekday: "the last" is offered.
    assert!(choices.iter().any(|(value, label)| *value == "monthly_last" && label.starts_with("cada mes el último ")));
    assert_eq!(checked["dates"].as_array().unwrap().len(), 4, "{checked}");
    let warnings = checked["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w.as_str().unwrap().starts_with("Estos meses no tienen ese día y se saltan: ")),
        "{checked}"
    );

    // On the 10th, "the last" is not offered.
    let tenth = day.checked_add(jiff::Span::new().days(10)).unwrap().to_string();
    let mut early = form("monthly");
    early[2].1 = tenth.as_str();
    let checked = check(&me, &early).await;
    assert!(!checked["repeat_choices"].as_array().unwrap().iter().any(|c| c["value"] == "monthly_last"), "{checked}");

    let made = me.post("/bookings/new", &form("monthly")).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let page = made.headers()["location"].to_str().unwrap().to_owned();
    let (_, html) = me.get(&page).await;
    assert!(html.contains(r#"<dd id="series-repeats">cada mes el día 31, 4 veces, hasta el "#), "{html}");

    // "The last weekday" from a date that is not its month's last is refused, in words.
    let mut wrong = form("monthly_last");
    wrong[2].1 = tenth.as_str();
    let refused = me.post("/bookings/new", &wrong).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("la primera fecha debe ser el último de su mes"), "{html}");
}
both!(a_monthly_series_names_its_day_and_the_months_it_skips);

/// A new form with nothing chosen offers the first free half hour in the smallest room, and the
/// next smallest when that one is taken then.
async fn a_new_form_starts_in_the_smallest_free_room(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&acme).await;
    let mut ids = Vec::new();
    for (name, seats) in [("Grande", 10), ("Pequeña", 2), ("Mediana", 6)] {
        let (_, room) = json(
            app.api(Method::POST, "/api/v1/rooms", &key)
                .json(&json!({"name": name, "capacity": seats}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        ids.push(room["id"].as_str().unwrap().to_owned());
    }
    let selected = |html: &str, id: &str| html.contains(&format!(r#"<option value="{id}" selected"#));
    let me = browser(&app, &maria).await;
    let (_, html) = me.get("/bookings/new").await;
    assert!(selected(&html, &ids[1]), "the smallest room: {html}");
    // Pequeña taken for the next three hours: Mediana, at the same first half hour.
    let now = jiff::Timestamp::now();
    let body = json!({"room_id": ids[1], "title": "Ocupada", "organizer": "maria@acme.test",
                      "start": now.to_string(), "end": now.checked_add(jiff::SignedDuration::from_hours(3)).unwrap().to_string()});
    assert_eq!(
        app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap().status(),
        StatusCode::CREATED
    );
    let (_, html) = me.get("/bookings/new").await;
    assert!(selected(&html, &ids[2]), "the next smallest: {html}");
}
both!(a_new_form_starts_in_the_smallest_free_room);

/// A series' taken date names a room free then; made skipping it, the booking page offers that
/// room for the date, one tap from a meeting of its own there, a copy of the series' meeting.
async fn another_room_for_a_taken_date(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let juan = app.user(&acme, "juan@acme.test", "Juan", "member").await;
    let key = app.api_key(&acme).await;
    let mut rooms = Vec::new();
    for (name, seats) in [("Sala Sur", 4), ("Sala Norte", 6)] {
        let (_, room) = json(
            app.api(Method::POST, "/api/v1/rooms", &key)
                .json(&json!({"name": name, "capacity": seats}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        rooms.push(room["id"].as_str().unwrap().to_owned());
    }
    let (south, north) = (rooms[0].clone(), rooms[1].clone());
    let monday = next(Weekday::Monday);
    let second = monday.checked_add(jiff::Span::new().weeks(1)).unwrap();
    let at = |h: i8| second.at(h, 0, 0, 0).in_tz("Europe/Madrid").unwrap().timestamp().to_string();
    let blocker =
        json!({"room_id": south, "title": "Ya estaba", "organizer": "juan@acme.test", "start": at(10), "end": at(11)});
    assert_eq!(
        app.api(Method::POST, "/api/v1/bookings", &key).json(&blocker).send().await.unwrap().status(),
        StatusCode::CREATED
    );

    let me = browser(&app, &maria).await;
    let date = monday.to_string();
    let mut form = vec![
        ("csrf", CSRF),
        ("room_id", south.as_str()),
        ("date", date.as_str()),
        ("start", "10:00"),
        ("end", "11:00"),
        ("title", "Seguimiento semanal"),
        ("guests", "cliente@globex.test"),
        ("repeat", "on"),
        ("repeat_every", "weekly"),
        ("repeat_count", "3"),
    ];
    let checked = check(&me, &form).await;
    assert_eq!(checked["dates"][1]["state"], "taken", "{checked}");
    assert!(checked["dates"][1]["reason"].as_str().unwrap().contains("Sala Norte está libre"), "{checked}");

    form.push(("repeat_skip", "on"));
    let made = me.post("/bookings/new", &form).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let page = made.headers()["location"].to_str().unwrap().to_owned();
    let (_, html) = me.get(&page).await;
    assert!(html.contains("Otra sala para esas fechas"), "{html}");
    assert!(html.contains("Sala Norte está libre."), "{html}");
    let start = second.at(10, 0, 0, 0).in_tz("Europe/Madrid").unwrap().timestamp().as_millisecond().to_string();
    let id = page.trim_start_matches("/bookings/").split('?').next().unwrap().to_owned();
    let action = format!("/bookings/{id}/elsewhere");
    assert!(html.contains(&format!(r#"action="{action}""#)) && html.contains(&format!(r#"value="{start}""#)), "{html}");

    // Someone who may not change the series may not copy it.
    let other = browser(&app, &juan).await;
    let offer = [("csrf", CSRF), ("start", start.as_str()), ("room_id", north.as_str())];
    assert_eq!(other.post(&action, &offer).await.status(), StatusCode::NOT_FOUND, "Juan cannot even see it");
    // Bad input: an unreadable start, the room taken then.
    let garbage = [("csrf", CSRF), ("start", "soon"), ("room_id", north.as_str())];
    assert_eq!(me.post(&action, &garbage).await.status(), StatusCode::BAD_REQUEST);
    let taken = [("csrf", CSRF), ("start", start.as_str()), ("room_id", south.as_str())];
    assert_eq!(me.post(&action, &taken).await.status(), StatusCode::CONFLICT);

    let booked = me.post(&action, &offer).await;
    assert_eq!(booked.status(), StatusCode::SEE_OTHER);
    let new_page = booked.headers()["location"].to_str().unwrap().to_owned();
    let new_id = new_page.trim_start_matches("/bookings/").split('?').next().unwrap().to_owned();
    let (_, copy) = json(app.api(Method::GET, &format!("/api/v1/bookings/{new_id}"), &key).send().await.unwrap()).await;
    assert_eq!(copy["room_id"], json!(north));
    assert_eq!(copy["title"], "Seguimiento semanal");
    assert_eq!(copy["attendees"][0]["email"], "cliente@globex.test");
    assert!(copy["series_id"].is_null(), "a meeting of its own: {copy}");
    assert_eq!(&copy["start"].as_str().unwrap()[..16], &format!("{second}T10:00"));
}
both!(another_room_for_a_taken_date);
