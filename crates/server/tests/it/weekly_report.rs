//! The weekly summary email for admins: opted in over the API, scheduled with the clock set to
//! the Monday after a crafted week, sent through the job runner and a real SMTP conversation, and
//! read back as a mail client would (mail-parser). The figures are worked out by hand below.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use jiff::civil::Date;
use mail_parser::MessageParser;
use reqwest::{Method, StatusCode};
use sala_app::reports::weekly::schedule;
use sala_channels::testing::{FakeSmtp, SmtpMode};
use serde_json::json;

const MADRID: &str = "Europe/Madrid";

/// `date` at `hh:mm` in Madrid (the organization's zone), as Unix ms.
fn madrid_ms(date: Date, hour: i8, minute: i8) -> i64 {
    date.at(hour, minute, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::get(MADRID).unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

/// The same, as RFC 3339.
fn madrid(date: Date, hour: i8, minute: i8) -> String {
    jiff::Timestamp::from_millisecond(madrid_ms(date, hour, minute)).unwrap().to_string()
}

fn days(date: Date, n: i64) -> Date {
    date.checked_add(jiff::Span::new().days(n)).unwrap()
}

/// A Monday at least a week away (so last week's Friday is still ahead too).
fn next_monday() -> Date {
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get(MADRID).unwrap()).date();
    let mut day = days(today, 7);
    while day.weekday() != jiff::civil::Weekday::Monday {
        day = day.tomorrow().unwrap();
    }
    day
}

/// A weekly summary as a mail client shows it.
#[derive(Debug)]
struct Summary {
    to: String,
    subject: String,
    text: String,
    html: String,
}

/// The weekly summaries among the messages received since `seen`.
fn summaries_since(smtp: &FakeSmtp, seen: usize) -> Vec<Summary> {
    let mut found = Vec::new();
    for received in smtp.received().into_iter().skip(seen) {
        let message = MessageParser::default().parse(&received.data).unwrap();
        let subject = message.subject().unwrap_or_default().to_owned();
        if !(subject.contains("weekly summary") || subject.contains("Resumen semanal")) {
            continue; // The bookings' own messages.
        }
        assert_eq!(received.to.len(), 1);
        found.push(Summary {
            to: received.to[0].trim_matches(['<', '>']).to_owned(),
            subject,
            text: message.body_text(0).unwrap().replace("\r\n", "\n"),
            html: message.body_html(0).unwrap().into_owned(),
        });
    }
    found.sort_by(|a, b| a.to.cmp(&b.to));
    found
}

async fn a_weekly_summary_reaches_each_admin_who_asked_once_a_week(app: TestApp) {
    let kind = app.db.backend();
    let db = if kind == "postgres" {
        let Some(db) = sala_store::testing::fresh_postgres().await else { return };
        db
    } else {
        sala_store::testing::fresh_sqlite().await
    };
    drop(app);
    let smtp = FakeSmtp::start(SmtpMode::Accept).await.unwrap();
    let app = TestApp::start(db, |s| {
        s.smtp_url = Some(sala_server::config::Secret::new(smtp.url(false)));
        s.mail_from = Some("Sala Acme <sala@acme.test>".into());
    })
    .await;
    let tenant = app.tenant("Acme <Ibérica> & Co", "acme.test").await;
    assert_eq!((tenant.time_zone.as_str(), tenant.locale.as_str()), (MADRID, "es"));
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let john = app.user(&tenant, "john@acme.test", "John", "admin").await;
    app.user(&tenant, "luis@acme.test", "Luis", "admin").await;
    let maria = app.user(&tenant, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&tenant).await;

    // Ana (the organization's Spanish) and John (English) ask for it; Luis does not; María is no
    // admin and may not.
    let patch = async |id: String, body: serde_json::Value| {
        app.api(Method::PATCH, &format!("/api/v1/users/{id}"), &key).json(&body).send().await.unwrap()
    };
    let (status, body) = json(patch(ana.id.to_string(), json!({"weekly_report": true})).await).await;
    assert_eq!((status, &body["weekly_report"]), (StatusCode::OK, &json!(true)), "{body}");
    let (status, body) = json(patch(john.id.to_string(), json!({"weekly_report": true, "locale": "en"})).await).await;
    assert_eq!((status, &body["weekly_report"]), (StatusCode::OK, &json!(true)), "{body}");
    let refused = patch(maria.id.to_string(), json!({"weekly_report": true})).await;
    expect_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let (_, luis) = json(app.api(Method::GET, "/api/v1/users?q=luis", &key).send().await.unwrap()).await;
    assert_eq!(luis[0]["weekly_report"], false, "off unless asked for");

    // Six rooms without bookable hours (Monday-Friday 08:00-20:00: 3,600 minutes a week each).
    let mut rooms = Vec::new();
    for name in ["Sala Sur", "Sala \"Norte\" & <Co>", "Sala Centro", "Sala Este", "Sala Oeste", "Sala Patio"] {
        let (status, room) = json(
            app.api(Method::POST, "/api/v1/rooms", &key)
                .json(&json!({"name": name, "capacity": 6}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{room}");
        rooms.push(room["id"].as_str().unwrap().to_owned());
    }
    let (sur, norte) = (rooms[0].clone(), rooms[1].clone());
    let book = async |room: &str, start: String, end: String| {
        let body = json!({"room_id": room, "title": "Reunión", "start": start, "end": end,
                          "organizer": "maria@acme.test"});
        let (status, booking) =
            json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{booking}");
        booking["id"].as_str().unwrap().to_owned()
    };
    let monday = next_monday();
    let (tuesday, wednesday) = (days(monday, 1), days(monday, 2));
    // The week: Sur Monday 10:00-11:00 and Tuesday 10:00-12:00 (180 minutes), Norte Monday
    // 10:00-10:30 (30), Norte Wednesday 09:00-10:00 cancelled (none).
    book(&sur, madrid(monday, 10, 0), madrid(monday, 11, 0)).await;
    book(&sur, madrid(tuesday, 10, 0), madrid(tuesday, 12, 0)).await;
    book(&norte, madrid(monday, 10, 0), madrid(monday, 10, 30)).await;
    let cancelled = book(&norte, madrid(wednesday, 9, 0), madrid(wednesday, 10, 0)).await;
    let response =
        app.api(Method::DELETE, &format!("/api/v1/bookings/{cancelled}"), &key).json(&json!({})).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    // The week before: Sur Friday 10:00-12:00 (120 minutes).
    let friday_before = days(monday, -3);
    book(&sur, madrid(friday_before, 10, 0), madrid(friday_before, 12, 0)).await;
    let runner = app.runner();
    app.run_jobs_at(&runner, sala_domain::now_millis()).await;

    // Monday after the week, 07:59 in Madrid: the summary due is still the week before's.
    let next = days(monday, 7);
    let seen = smtp.received().len();
    let before_eight = madrid_ms(next, 7, 59);
    assert_eq!(schedule(app.store(), before_eight).await.unwrap(), 2, "Ana and John, for the week before");
    assert_eq!(schedule(app.store(), before_eight).await.unwrap(), 0, "written once");
    app.run_jobs_at(&runner, before_eight).await;
    let sent = summaries_since(&smtp, seen);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1].to, "john@acme.test");
    assert!(sent[1].subject.contains(&days(monday, -7).strftime("%b %-d, %Y").to_string()), "{}", sent[1].subject);

    // 08:00: the week turns, and each admin who asked gets this week's, in their language.
    let seen = smtp.received().len();
    let eight = madrid_ms(next, 8, 0);
    assert_eq!(schedule(app.store(), eight).await.unwrap(), 2);
    app.run_jobs_at(&runner, eight).await;
    let sent = summaries_since(&smtp, seen);
    assert_eq!(sent.iter().map(|s| s.to.as_str()).collect::<Vec<_>>(), ["ana@acme.test", "john@acme.test"]);
    let (ana_mail, john_mail) = (&sent[0], &sent[1]);
    let sunday = days(monday, 6);
    let link = format!("{}/admin/reports?from={monday}&to={sunday}", app.url);

    // By hand: 210 of 6 x 3,600 minutes = 0.0097 (1.0 %); the week before 120 / 21,600 = 0.0056
    // (0.6 %): up 0.4 points. Sur 180 / 3,600 = 5.0 %, Norte 30 / 3,600 = 0.0083 (0.8 %); the
    // four others none. Monday 10:00-11:00 holds 90 of 6 x 60 minutes (25.0 %), the most. One of
    // the four bookings starting in the week was cancelled.
    assert_eq!(
        john_mail.subject,
        format!(
            "Acme <Ibérica> & Co weekly summary: {} to {}",
            monday.strftime("%b %-d, %Y"),
            sunday.strftime("%b %-d, %Y")
        )
    );
    let text = &john_mail.text;
    for line in [
        "Utilization: 1.0% (3.5 h booked of 360.0 h bookable)",
        "Compared with the week before: ▲ up 0.4 points (the week before: 0.6%)",
        "Busiest hour: Monday, 10:00-11:00 (25.0%)",
        "Cancellations: 1 of 4 bookings (25.0%)",
        "Busiest rooms:\n1. Sala Sur: 5.0% (3.0 h booked of 60.0 h bookable)\n2. Sala \"Norte\" & <Co>: 0.8% (0.5 h booked of 60.0 h bookable)\n",
        "Least used rooms:\n1. Sala Centro: 0.0% (0.0 h booked of 60.0 h bookable)\n2. Sala Este: 0.0%",
        "4. Sala Patio: 0.0%",
        &format!("Open the full report: {link}"),
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    assert_eq!(
        ana_mail.subject,
        format!(
            "Resumen semanal de Acme <Ibérica> & Co: del {} al {}",
            monday.strftime("%d/%m/%Y"),
            sunday.strftime("%d/%m/%Y")
        )
    );
    let text = &ana_mail.text;
    for line in [
        "Ocupación: 1,0 % (3,5 h reservadas de 360,0 h disponibles)",
        "Frente a la semana anterior: ▲ sube 0,4 puntos (la semana anterior: 0,6 %)",
        "Hora punta: lunes, 10:00-11:00 (25,0 %)",
        "Cancelaciones: 1 de 4 reservas (25,0 %)",
        "Las salas más usadas:\n1. Sala Sur: 5,0 % (3,0 h reservadas de 60,0 h disponibles)",
        &format!("Ver el informe completo: {link}"),
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    // The HTML part: in the reader's language, everything typed escaped, the link to the report.
    assert!(ana_mail.html.contains("<html lang=\"es\">"), "{}", ana_mail.html);
    assert!(john_mail.html.contains("<html lang=\"en\">"));
    for mail in [ana_mail, john_mail] {
        assert!(mail.html.contains("Acme &#60;Ibérica&#62; &#38; Co"), "{}", mail.html);
        assert!(mail.html.contains("Sala &#34;Norte&#34; &#38; &#60;Co&#62;"), "{}", mail.html);
        assert!(!mail.html.contains("<Co>") && !mail.html.contains("<Ibérica>"));
        assert!(mail.html.contains(&format!("href=\"{}\"", link.replace('&', "&#38;"))), "{}", mail.html);
    }
    assert!(john_mail.html.contains("Monday, 10:00-11:00 (25.0%)"));

    // Later that week, and from two instances at once: nothing more.
    let seen = smtp.received().len();
    let other = sala_store::connect(&app.db.url).await.unwrap();
    let wednesday_after = madrid_ms(days(next, 2), 12, 0);
    let (a, b) = tokio::join!(schedule(app.store(), wednesday_after), schedule(other.as_ref(), wednesday_after));
    assert_eq!((a.unwrap(), b.unwrap()), (0, 0));
    app.run_jobs_at(&runner, wednesday_after).await;
    assert!(summaries_since(&smtp, seen).is_empty(), "one summary a week");

    // The next Monday, two instances race: each summary is written once.
    let monday_after = madrid_ms(days(next, 7), 8, 0);
    let (a, b) = tokio::join!(schedule(app.store(), monday_after), schedule(other.as_ref(), monday_after));
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    app.run_jobs_at(&runner, monday_after).await;
    assert_eq!(summaries_since(&smtp, seen).len(), 2);

    // Down for three Mondays: back up, only the latest week's summary goes, once per admin.
    let seen = smtp.received().len();
    let back = madrid_ms(days(next, 29), 9, 30);
    assert_eq!(schedule(app.store(), back).await.unwrap(), 2);
    app.run_jobs_at(&runner, back).await;
    let sent = summaries_since(&smtp, seen);
    assert_eq!(sent.len(), 2);
    let latest = days(next, 21);
    assert!(sent[0].subject.contains(&latest.strftime("%d/%m/%Y").to_string()), "{}", sent[0].subject);

    // Turned off, or no longer an admin, after the jobs were written: nothing.
    let seen = smtp.received().len();
    let later = madrid_ms(days(next, 35), 8, 0);
    assert_eq!(schedule(app.store(), later).await.unwrap(), 2);
    let (status, _) = json(patch(ana.id.to_string(), json!({"weekly_report": false})).await).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = json(patch(john.id.to_string(), json!({"role": "member"})).await).await;
    assert_eq!((status, &body["weekly_report"]), (StatusCode::OK, &json!(false)), "{body}");
    assert_eq!(schedule(app.store(), later).await.unwrap(), 0);
    app.run_jobs_at(&runner, later).await;
    assert!(summaries_since(&smtp, seen).is_empty());
}
both!(a_weekly_summary_reaches_each_admin_who_asked_once_a_week);
