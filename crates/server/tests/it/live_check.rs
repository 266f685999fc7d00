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
