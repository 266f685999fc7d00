//! Notifications end to end: bookings made over the API, the job runner as `sala serve` builds it,
//! a real SMTP conversation with the fake SMTP server, and the WhatsApp Cloud API fake checking the
//! documented request shape. Emails and their `.ics` are parsed with mail-parser and icalendar.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use icalendar::{Calendar, CalendarComponent, Component, EventLike};
use mail_parser::{MessageParser, MimeHeaders};
use reqwest::{Method, StatusCode};
use sala_app::Context;
use sala_channels::testing::{FakeSmtp, FakeWhatsApp, SmtpMode, WhatsAppAnswer};
use sala_domain::{JobStatus, Tenant, now_millis};
use serde_json::{Value, json};
use std::collections::BTreeMap;

mod adopt;
mod crash;
mod crm_flow;
mod google_calendar;
mod lease;
mod meeting_reminders;
mod microsoft_calendar;
mod no_show;
mod noisy_neighbours;
mod rsvp;
mod series;
mod tenant_whatsapp;
mod two_way;
mod use_cases;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// An instant `ms` from now, to the minute, as RFC 3339.
fn at(ms_from_now: i64) -> (i64, String) {
    let ms = (now_millis() + ms_from_now) / MINUTE * MINUTE;
    (ms, iso(ms))
}

pub(crate) struct World {
    pub(crate) tenant: Tenant,
    pub(crate) key: String,
    pub(crate) room: String,
    pub(crate) smtp: FakeSmtp,
    pub(crate) whatsapp: FakeWhatsApp,
}

/// Acme (Spanish) with Ana (admin, WhatsApp), María (English, WhatsApp), Juan (no phone) and a
/// room; the server's SMTP and WhatsApp point at fakes.
async fn world_with(start: impl FnOnce(&FakeSmtp, &FakeWhatsApp) -> (String, String)) -> (TestApp, World) {
    world_configured(start, |_| {}).await
}

/// [`world_with`], with more settings (Google's fake, say).
async fn world_configured(
    start: impl FnOnce(&FakeSmtp, &FakeWhatsApp) -> (String, String),
    configure: impl FnOnce(&mut sala_server::config::Settings),
) -> (TestApp, World) {
    let smtp = FakeSmtp::start(SmtpMode::Accept).await.unwrap();
    let whatsapp = FakeWhatsApp::start().await.unwrap();
    let (db_kind, smtp_url) = start(&smtp, &whatsapp);
    let db = if db_kind == "postgres" {
        match sala_store::testing::fresh_postgres().await {
            Some(db) => db,
            None => panic!("no PostgreSQL"),
        }
    } else {
        sala_store::testing::fresh_sqlite().await
    };
    let config = whatsapp.config();
    let app = TestApp::start(db, |s| {
        s.smtp_url = Some(sala_server::config::Secret::new(smtp_url));
        s.mail_from = Some("Sala Acme <sala@acme.test>".into());
        s.whatsapp_api_base = config.api_base.clone();
        s.whatsapp_phone_number_id = Some(config.phone_number_id.clone());
        s.whatsapp_token = Some(sala_server::config::Secret::new(config.token.clone()));
        configure(s);
    })
    .await;
    let tenant = app.tenant("Acme", "acme.test").await;
    person(&app, &tenant, "ana@acme.test", "Ana García", "admin", Some("+34 612 345 601"), None).await;
    person(&app, &tenant, "maria@acme.test", "María López", "member", Some("+34 612 345 602"), Some("en")).await;
    person(&app, &tenant, "juan@acme.test", "Juan Pérez", "member", None, None).await;
    let key = app.api_key(&tenant).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Atlántico", "capacity": 8, "location": "Planta 1"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let room = room["id"].as_str().unwrap().to_owned();
    (app, World { tenant, key, room, smtp, whatsapp })
}

/// Only SQLite or PostgreSQL runs a test; `None` skips it (no PostgreSQL outside CI).
async fn world(app: TestApp) -> Option<(TestApp, World)> {
    let kind = app.db.backend();
    if kind == "postgres" && sala_store::testing::fresh_postgres().await.is_none() {
        return None;
    }
    drop(app);
    Some(world_with(|smtp, _| (kind.to_owned(), smtp.url(false))).await)
}

/// `world`, with webhooks allowed to reach the tests' local receivers.
pub(crate) async fn webhook_world(app: TestApp) -> Option<(TestApp, World)> {
    let kind = app.db.backend();
    if kind == "postgres" && sala_store::testing::fresh_postgres().await.is_none() {
        return None;
    }
    drop(app);
    let start = |smtp: &FakeSmtp, _: &FakeWhatsApp| (kind.to_owned(), smtp.url(false));
    Some(world_configured(start, |s| s.webhooks_allow_private = true).await)
}

async fn person(
    app: &TestApp,
    tenant: &Tenant,
    email: &str,
    name: &str,
    role: &str,
    phone: Option<&str>,
    locale: Option<&str>,
) {
    let input = sala_app::users::NewUser {
        email: email.into(),
        name: name.into(),
        role: Some(sala_domain::Role::parse(role).unwrap()),
        phone: phone.map(Into::into),
        whatsapp_opt_in: phone.is_some(),
        locale: locale.map(|l| sala_domain::Locale::parse(l).unwrap()),
        whatsapp_consent_at: None,
        time_zone: None,
    };
    sala_app::users::create_user(app.store(), &Context::system(tenant.id), input).await.unwrap();
}

/// `sala worker` (the real binary) on the test's database, sending through the test's SMTP and
/// WhatsApp fakes; the caller adds settings and spawns it.
fn worker(app: &TestApp, w: &World, data_dir: &std::path::Path) -> std::process::Command {
    let mut command = sala_with_fakes(app, w, data_dir);
    command.arg("worker");
    command
}

/// The real `sala` binary on the test's database with the test's SMTP and WhatsApp fakes and
/// nothing from the developer's environment; the caller adds the command and settings.
pub(crate) fn sala_with_fakes(app: &TestApp, w: &World, data_dir: &std::path::Path) -> std::process::Command {
    let whatsapp = w.whatsapp.config();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sala"));
    command
        .env_clear()
        .env("SALA_DATA_DIR", data_dir)
        .env("SALA_DATABASE_URL", &app.db.url)
        .env("SALA_SECRET_KEY", "07".repeat(32))
        .env("SALA_SMTP_URL", w.smtp.url(false))
        .env("SALA_MAIL_FROM", "Sala Acme <sala@acme.test>")
        .env("SALA_WHATSAPP_API_BASE", &whatsapp.api_base)
        .env("SALA_WHATSAPP_PHONE_NUMBER_ID", &whatsapp.phone_number_id)
        .env("SALA_WHATSAPP_TOKEN", &whatsapp.token)
        .env("SALA_LOG", "warn");
    command
}

/// Waits (up to a minute) until `done`, failing the test with `what` otherwise.
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// An instant as RFC 3339, to the minute.
fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms / MINUTE * MINUTE).unwrap().to_string()
}

async fn create(app: &TestApp, w: &World, start: i64, title: &str, guests: &[&str]) -> Value {
    let (s, e) = (iso(start), iso(start + HOUR));
    let attendees: Vec<Value> = guests.iter().map(|g| json!({"email": g})).collect();
    let body = json!({"room_id": w.room, "title": title, "start": s, "end": e, "time_zone": "Europe/Madrid",
                      "organizer": "ana@acme.test", "attendees": attendees, "description": "Agenda:\n1. Precios"});
    let (status, booking) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    booking
}

/// One received email, parsed.
#[derive(Debug)]
pub(crate) struct Mail {
    pub(crate) to: String,
    subject: String,
    text: String,
    html: String,
    /// The `method` parameter of the text/calendar part, and the parsed calendar.
    calendar: Option<(String, Calendar)>,
    pub(crate) message_id: String,
    /// The decoded text of the calendar part.
    ics: String,
    raw: String,
}

pub(crate) fn parse(data: &[u8]) -> Mail {
    let msg = MessageParser::default().parse(data).unwrap();
    let part = |t: &str, s: &str| msg.parts.iter().find(|p| p.is_content_type(t, s));
    let ics = part("text", "calendar").map(|p| String::from_utf8(p.contents().to_vec()).unwrap()).unwrap_or_default();
    let calendar = part("text", "calendar").map(|p| {
        let method = p.content_type().unwrap().attribute("method").unwrap().to_owned();
        (method, ics.parse::<Calendar>().unwrap())
    });
    Mail {
        to: msg.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap().to_owned(),
        subject: msg.subject().unwrap().to_owned(),
        text: part("text", "plain").and_then(|p| p.text_contents()).unwrap().replace("\r\n", "\n"),
        html: part("text", "html").and_then(|p| p.text_contents()).unwrap().to_owned(),
        calendar,
        message_id: msg.message_id().unwrap().to_owned(),
        ics,
        raw: String::from_utf8_lossy(data).into_owned(),
    }
}

/// The emails received since `seen`, by recipient.
fn mails_since(smtp: &FakeSmtp, seen: usize) -> BTreeMap<String, Mail> {
    let received = smtp.received();
    let mut by_to = BTreeMap::new();
    for r in &received[seen..] {
        let mail = parse(&r.data);
        assert!(by_to.insert(mail.to.clone(), mail).is_none(), "two emails to one person in one step");
    }
    by_to
}

fn event(cal: &Calendar) -> &icalendar::Event {
    let events: Vec<&icalendar::Event> = cal
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1);
    events[0]
}

fn attendees(ev: &icalendar::Event) -> Vec<String> {
    let mut v: Vec<String> =
        ev.multi_properties().get("ATTENDEE").into_iter().flatten().map(|p| p.value().to_owned()).collect();
    v.sort();
    v
}

/// Checks an invitation's method (MIME and METHOD agree), UID and SEQUENCE; returns the event.
fn invitation<'a>(mail: &'a Mail, method: &str, uid: &str, sequence: &str) -> &'a icalendar::Event {
    let (mime_method, cal) = mail.calendar.as_ref().unwrap_or_else(|| panic!("no calendar part in {mail:?}"));
    assert_eq!(mime_method, method, "MIME method of {}", mail.to);
    assert_eq!(cal.property_value("METHOD"), Some(method));
    assert_eq!(cal.property_value("PRODID"), Some(sala_channels::ics::PRODID));
    assert_eq!(cal.property_value("VERSION"), Some("2.0"));
    let ev = event(cal);
    assert_eq!(ev.property_value("UID"), Some(uid));
    assert_eq!(ev.property_value("SEQUENCE"), Some(sequence), "SEQUENCE for {}", mail.to);
    assert!(ev.property_value("DTSTAMP").is_some_and(|d| d.ends_with('Z')));
    ev
}

async fn invitations_updates_and_cancellation_reach_everyone(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    let runner = app.runner();
    let start = now_millis() + 26 * HOUR;
    let booking =
        create(&app, &w, start, "Demo con Globex", &["maria@acme.test", "juan@acme.test", "cliente@globex.com"]).await;
    let id = booking["id"].as_str().unwrap().to_owned();
    let uid = format!("{id}@127.0.0.1");
    assert!(app.run_jobs_at(&runner, now_millis()).await >= 1);

    // Created: the organizer's confirmation and three invitations, each in its reader's language.
    let mails = mails_since(&w.smtp, 0);
    assert_eq!(
        mails.keys().collect::<Vec<_>>(),
        ["ana@acme.test", "cliente@globex.com", "juan@acme.test", "maria@acme.test"]
    );
    assert!(
        mails["ana@acme.test"].subject.starts_with("Reserva confirmada: Demo con Globex"),
        "{}",
        mails["ana@acme.test"].subject
    );
    assert!(mails["maria@acme.test"].subject.starts_with("Invitation: Demo con Globex"));
    assert!(
        mails["cliente@globex.com"].subject.starts_with("Invitación: Demo con Globex"),
        "guests read the tenant's language"
    );
    // The organizer and the organization are named, whatever the title says.
    let intro = "Ana García (ana@acme.test), de Acme, te invita a una reunión.";
    assert!(mails["juan@acme.test"].text.contains(intro), "{}", mails["juan@acme.test"].text);
    assert!(mails["juan@acme.test"].html.contains("Ana García (ana@acme.test), de Acme, te invita"));
    for mail in mails.values() {
        let ev = invitation(mail, "REQUEST", &uid, "0");
        assert_eq!(ev.get_location(), Some("Sala Atlántico (Planta 1)"));
        assert_eq!(ev.get_summary(), Some("Demo con Globex"));
        assert_eq!(ev.get_description(), Some("Agenda:\n1. Precios"));
        assert_eq!(ev.property_value("STATUS"), Some("CONFIRMED"));
        let organizer = ev.properties().get("ORGANIZER").unwrap();
        assert_eq!(organizer.value(), "mailto:ana@acme.test");
        assert_eq!(
            attendees(ev),
            ["mailto:ana@acme.test", "mailto:cliente@globex.com", "mailto:juan@acme.test", "mailto:maria@acme.test"]
        );
        let guest = ev.multi_properties()["ATTENDEE"].iter().find(|p| p.value() == "mailto:maria@acme.test").unwrap();
        let param = |k: &str| guest.params().get(k).map(|p| p.value().to_owned());
        assert_eq!(param("ROLE").as_deref(), Some("REQ-PARTICIPANT"));
        assert_eq!(param("PARTSTAT").as_deref(), Some("NEEDS-ACTION"));
        assert_eq!(param("RSVP").as_deref(), Some("TRUE"));
        assert!(
            mail.raw.contains("From: \"Sala Acme\" <sala@acme.test>")
                || mail.raw.contains("From: Sala Acme <sala@acme.test>")
        );
        assert!(mail.html.contains("Sala Atlántico (Planta 1)"));
    }
    // Times are in UTC, and the reader's zone in the text.
    let ev = event(&mails["maria@acme.test"].calendar.as_ref().unwrap().1);
    assert_eq!(
        ev.property_value("DTSTART").unwrap(),
        jiff::Timestamp::from_millisecond(start / MINUTE * MINUTE).unwrap().strftime("%Y%m%dT%H%M%SZ").to_string()
    );
    assert!(mails["maria@acme.test"].text.contains("(Europe/Madrid)"));
    // WhatsApp: the organizer, with the created template in Spanish.
    let sent = w.whatsapp.accepted();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["to"], "34612345601");
    assert_eq!(sent[0]["template"]["name"], "sala_booking_created");
    assert_eq!(sent[0]["template"]["language"]["code"], "es");
    assert_eq!(sent[0]["template"]["components"][0]["parameters"][0]["text"], "Demo con Globex");

    // The delivery log shows every message, to the organizer's side.
    let (status, log) =
        json(app.api(Method::GET, &format!("/api/v1/bookings/{id}/deliveries"), &w.key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|d| d["status"] == "sent"), "{log:?}");
    assert_eq!(log.iter().filter(|d| d["channel"] == "whatsapp").count(), 1);

    // Edited: an hour later, Juan out, Pedro in.
    let (new_start, new_end) = (iso(start + HOUR), iso(start + 2 * HOUR));
    let patch = json!({"start": new_start, "end": new_end,
                       "attendees": [{"email": "maria@acme.test"}, {"email": "cliente@globex.com"}, {"email": "pedro@globex.com", "name": "Pedro"}]});
    let (status, _) =
        json(app.api(Method::PATCH, &format!("/api/v1/bookings/{id}"), &w.key).json(&patch).send().await.unwrap())
            .await;
    assert_eq!(status, StatusCode::OK);
    app.run_jobs_at(&runner, now_millis()).await;
    let mails = mails_since(&w.smtp, 4);
    assert_eq!(
        mails.keys().collect::<Vec<_>>(),
        ["ana@acme.test", "cliente@globex.com", "juan@acme.test", "maria@acme.test", "pedro@globex.com"]
    );
    for who in ["ana@acme.test", "cliente@globex.com", "maria@acme.test", "pedro@globex.com"] {
        invitation(&mails[who], "REQUEST", &uid, "1");
    }
    assert!(mails["maria@acme.test"].subject.starts_with("Meeting updated: Demo con Globex"));
    assert!(mails["maria@acme.test"].text.contains("What changed:"), "{}", mails["maria@acme.test"].text);
    assert!(mails["pedro@globex.com"].subject.starts_with("Invitación: "), "an added guest gets an invitation");
    let juan = invitation(&mails["juan@acme.test"], "CANCEL", &uid, "1");
    assert_eq!(attendees(juan), ["mailto:juan@acme.test"], "a removed guest's cancellation names only them");
    assert!(mails["juan@acme.test"].subject.starts_with("Ya no estás invitado"));
    let sent = w.whatsapp.accepted();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1]["template"]["name"], "sala_booking_updated");

    // Cancelled with a reason: everyone invited gets a CANCEL with the same UID and a higher SEQUENCE.
    let (status, _) = json(
        app.api(Method::DELETE, &format!("/api/v1/bookings/{id}"), &w.key)
            .json(&json!({"reason": "El cliente no puede"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.run_jobs_at(&runner, now_millis()).await;
    let mails = mails_since(&w.smtp, 9);
    assert_eq!(
        mails.keys().collect::<Vec<_>>(),
        ["ana@acme.test", "cliente@globex.com", "maria@acme.test", "pedro@globex.com"]
    );
    for mail in mails.values() {
        let ev = invitation(mail, "CANCEL", &uid, "2");
        assert_eq!(ev.property_value("STATUS"), Some("CANCELLED"));
    }
    assert!(mails["cliente@globex.com"].text.contains("Motivo: El cliente no puede"));
    assert!(mails["maria@acme.test"].html.contains("El cliente no puede"));
    let sent = w.whatsapp.accepted();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[2]["template"]["name"], "sala_booking_cancelled");
    assert_eq!(sent[2]["template"]["components"][0]["parameters"][2]["text"], "El cliente no puede");

    // Nothing more goes out: the reminders of the cancelled meeting send nothing either.
    app.run_jobs_at(&runner, start).await;
    assert_eq!(w.smtp.received().len(), 13);
    assert_eq!(w.whatsapp.seen().len(), 3);
}
both!(invitations_updates_and_cancellation_reach_everyone);

async fn reminders_recheck_the_booking_when_they_fire(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    let runner = app.runner();
    let start = now_millis() + 3 * HOUR;
    let kept = create(&app, &w, start, "Reunión semanal", &["maria@acme.test", "juan@acme.test"]).await;
    let cancelled = create(&app, &w, start + 2 * HOUR, "Se cancela", &["maria@acme.test"]).await;
    let moved = create(&app, &w, start + 4 * HOUR, "Se mueve", &[]).await;
    app.run_jobs_at(&runner, now_millis()).await;
    let whatsapp_before = w.whatsapp.accepted().len();
    assert_eq!(whatsapp_before, 3, "one confirmation each");
    let id = |b: &Value| b["id"].as_str().unwrap().to_owned();
    app.api(Method::DELETE, &format!("/api/v1/bookings/{}", id(&cancelled)), &w.key).send().await.unwrap();
    let (later_start, later_end) = (iso(start + 6 * HOUR), iso(start + 7 * HOUR));
    let (status, _) = json(
        app.api(Method::PATCH, &format!("/api/v1/bookings/{}", id(&moved)), &w.key)
            .json(&json!({"start": later_start, "end": later_end}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.run_jobs_at(&runner, now_millis()).await;
    let after_changes = w.whatsapp.accepted().len();

    // 15 minutes before the first: the organizer and María (Juan has no WhatsApp), with "15".
    app.run_jobs_at(&runner, start - 15 * MINUTE + 1000).await;
    let reminders: Vec<Value> = w.whatsapp.accepted()[after_changes..].to_vec();
    let mut to: Vec<&str> = reminders.iter().map(|r| r["to"].as_str().unwrap()).collect();
    to.sort();
    assert_eq!(to, ["34612345601", "34612345602"]);
    for r in &reminders {
        assert_eq!(r["template"]["name"], "sala_booking_reminder");
        assert_eq!(r["template"]["components"][0]["parameters"][0]["text"], "Reunión semanal");
        assert_eq!(r["template"]["components"][0]["parameters"][1]["text"], "15");
    }
    let maria = reminders.iter().find(|r| r["to"] == "34612345602").unwrap();
    assert_eq!(maria["template"]["language"]["code"], "en");

    // The cancelled one and the old time of the moved one: nothing. The moved one's new time: sent.
    let count = w.whatsapp.accepted().len();
    app.run_jobs_at(&runner, start + 2 * HOUR - 15 * MINUTE + 1000).await;
    app.run_jobs_at(&runner, start + 4 * HOUR - 15 * MINUTE + 1000).await;
    assert_eq!(w.whatsapp.accepted().len(), count, "no reminder for a cancelled or moved meeting");
    app.run_jobs_at(&runner, start + 6 * HOUR - 15 * MINUTE + 1000).await;
    let last = w.whatsapp.accepted();
    assert_eq!(last.len(), count + 1);
    assert_eq!(last[count]["template"]["components"][0]["parameters"][0]["text"], "Se mueve");
    let kept_log =
        json(app.api(Method::GET, &format!("/api/v1/bookings/{}/deliveries", id(&kept)), &w.key).send().await.unwrap())
            .await
            .1;
    assert_eq!(
        kept_log.as_array().unwrap().iter().filter(|d| d["channel"] == "whatsapp").count(),
        3,
        "confirmation + 2 reminders"
    );

    // Tenants choose their reminders: an hour and ten minutes before, by email too.
    let admin_key = &w.key;
    let (status, settings) = json(
        app.api(Method::PATCH, "/api/v1/settings", admin_key)
            .json(&json!({"reminders": {"minutes_before": [60, 10], "whatsapp": true, "email": true}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["reminders"]["minutes_before"], json!([60, 10]));
    let second = now_millis() + 30 * HOUR;
    let b = create(&app, &w, second, "Con dos avisos", &["cliente@globex.com"]).await;
    let jobs = app.store().jobs_for_booking(w.tenant.id, id(&b).parse().unwrap()).await.unwrap();
    assert_eq!(jobs.iter().filter(|j| j.kind == sala_domain::JobKind::Reminder).count(), 2);
    app.run_jobs_at(&runner, now_millis()).await;
    let mails_before = w.smtp.received().len();
    app.run_jobs_at(&runner, second - 60 * MINUTE + 1000).await;
    let mails = mails_since(&w.smtp, mails_before);
    // Each person once: Ana by WhatsApp (she opted in), the guest by email.
    assert_eq!(mails.keys().collect::<Vec<_>>(), ["cliente@globex.com"]);
    assert!(mails["cliente@globex.com"].subject.starts_with("Recordatorio: Con dos avisos empieza en 60 min"));
    assert!(mails["cliente@globex.com"].calendar.is_none(), "a reminder is no invitation");
    app.run_jobs_at(&runner, second - 10 * MINUTE + 1000).await;
    assert_eq!(w.smtp.received().len(), mails_before + 2);

    // Bad reminder settings are refused, each with its own code.
    for (bad, code) in [
        (json!({"minutes_before": [0]}), "invalid_reminder"),
        (json!({"minutes_before": [20000]}), "invalid_reminder"),
        (json!({"minutes_before": [1, 2, 3, 4, 5]}), "too_many_reminders"),
        (json!({"minutes_before": [15, 15]}), "duplicate_reminder"),
    ] {
        let body = expect_problem(
            app.api(Method::PATCH, "/api/v1/settings", admin_key)
                .json(&json!({"reminders": bad}))
                .send()
                .await
                .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["code"], code, "{body}");
    }
    expect_problem(
        app.api(Method::PATCH, "/api/v1/settings", admin_key)
            .json(&json!({"reminders": {"hours": 1}}))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
}
both!(reminders_recheck_the_booking_when_they_fire);

async fn smtp_down_then_back_delivers_everything_once(app: TestApp) {
    let kind = app.db.backend();
    drop(app);
    if kind == "postgres" && sala_store::testing::fresh_postgres().await.is_none() {
        return;
    }
    // SMTP points at a port where nobody listens yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (app, w) = world_with(|_, _| (kind.to_owned(), format!("smtp://127.0.0.1:{port}?tls=none"))).await;
    let runner = app.runner();
    let b = create(&app, &w, now_millis() + 26 * HOUR, "Sin correo", &["maria@acme.test", "cliente@globex.com"]).await;
    let now = now_millis();
    app.run_jobs_at(&runner, now).await;
    let notify =
        |jobs: &[sala_domain::Job]| jobs.iter().find(|j| j.kind == sala_domain::JobKind::Notify).cloned().unwrap();
    let booking_id = b["id"].as_str().unwrap().parse().unwrap();
    let job = notify(&app.store().jobs_for_booking(w.tenant.id, booking_id).await.unwrap());
    assert_eq!(job.status, JobStatus::Pending, "retried later");
    assert!(job.last_error.as_deref().unwrap().contains("3 message(s) not yet delivered"), "{:?}", job.last_error);
    assert_eq!(w.whatsapp.accepted().len(), 1, "WhatsApp went out");

    // Still down at the first retry; then back.
    app.run_jobs_at(&runner, now + 2 * MINUTE).await;
    let smtp = FakeSmtp::start_on(port, SmtpMode::Busy).await.unwrap();
    app.run_jobs_at(&runner, now + 10 * MINUTE).await;
    assert!(smtp.received().is_empty(), "421: nothing accepted");
    smtp.set_mode(SmtpMode::Accept);
    app.run_jobs_at(&runner, now + 3 * HOUR).await;
    let mails = mails_since(&smtp, 0);
    assert_eq!(mails.len(), 3, "each email once");
    assert_eq!(w.whatsapp.seen().len(), 1, "the WhatsApp message was not sent again");
    let job = notify(&app.store().jobs_for_booking(w.tenant.id, booking_id).await.unwrap());
    assert_eq!(job.status, JobStatus::Done);
    assert!(job.attempts >= 3);
    // Later runs send nothing more.
    app.run_jobs_at(&runner, now + 6 * HOUR).await;
    assert_eq!(smtp.received().len(), 3);
}
both!(smtp_down_then_back_delivers_everything_once);

async fn whatsapp_errors_are_retried_or_final(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    let runner = app.runner();
    // Rate limited, then a server error, then accepted: the message goes out once, emails once.
    w.whatsapp
        .answer_next(&[WhatsAppAnswer::Error(429, Some(130429), Some(1)), WhatsAppAnswer::Error(500, None, None)]);
    let b = create(&app, &w, now_millis() + 26 * HOUR, "Con reintentos", &["maria@acme.test"]).await;
    let now = now_millis();
    for step in 0..4 {
        app.run_jobs_at(&runner, now + step * 30 * MINUTE).await;
    }
    assert_eq!(w.whatsapp.seen().len(), 3);
    assert_eq!(w.whatsapp.accepted().len(), 1);
    assert_eq!(w.smtp.received().len(), 2, "emails were not sent again on the retries");
    let id = b["id"].as_str().unwrap();
    let log =
        json(app.api(Method::GET, &format!("/api/v1/bookings/{id}/deliveries"), &w.key).send().await.unwrap()).await.1;
    let whatsapp: Vec<&Value> = log.as_array().unwrap().iter().filter(|d| d["channel"] == "whatsapp").collect();
    assert_eq!(
        whatsapp.iter().map(|d| d["status"].as_str().unwrap()).collect::<Vec<_>>(),
        ["failed", "failed", "sent"]
    );
    assert!(whatsapp[0]["detail"].as_str().unwrap().contains("130429"));

    // A number WhatsApp cannot deliver to: final, logged, and the job is done (emails went out).
    w.whatsapp.answer_for("+34612345601", &[WhatsAppAnswer::Error(400, Some(131026), None)]);
    let b = create(&app, &w, now_millis() + 28 * HOUR, "Número inválido", &[]).await;
    app.run_jobs_at(&runner, now_millis()).await;
    let id = b["id"].as_str().unwrap();
    let log =
        json(app.api(Method::GET, &format!("/api/v1/bookings/{id}/deliveries"), &w.key).send().await.unwrap()).await.1;
    let failed: Vec<&Value> = log.as_array().unwrap().iter().filter(|d| d["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["detail"].as_str().unwrap().contains("131026"), "{failed:?}");
    let jobs = app.store().jobs_for_booking(w.tenant.id, id.parse().unwrap()).await.unwrap();
    let notify = jobs.iter().find(|j| j.kind == sala_domain::JobKind::Notify).unwrap();
    assert_eq!(notify.status, JobStatus::Done);
}
both!(whatsapp_errors_are_retried_or_final);

async fn an_expired_token_leaves_a_dead_job_to_replay(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    let mut stale = app.settings.clone();
    stale.whatsapp_token = Some(sala_server::config::Secret::new("stale-token"));
    let stale_runner = app.runner_with(&stale, app.db.store.clone());
    let b = create(&app, &w, now_millis() + 26 * HOUR, "Token caducado", &["cliente@globex.com"]).await;
    app.run_jobs_at(&stale_runner, now_millis()).await;
    assert_eq!(w.smtp.received().len(), 2, "emails go out whatever WhatsApp does");

    let (status, dead) = json(app.api(Method::GET, "/api/v1/jobs?status=dead", &w.key).send().await.unwrap()).await;
    let dead = dead["items"].clone();
    assert_eq!(status, StatusCode::OK);
    let dead = dead.as_array().unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["kind"], "notify");
    assert_eq!(dead[0]["booking_id"], b["id"]);
    assert!(dead[0]["last_error"].as_str().unwrap().contains("190"), "{}", dead[0]["last_error"]);

    // The admin renews the token and replays: only the WhatsApp message goes out.
    let job_id = dead[0]["id"].as_str().unwrap();
    let (status, replayed) =
        json(app.api(Method::POST, &format!("/api/v1/jobs/{job_id}/replay"), &w.key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(replayed["status"], "pending");
    app.run_jobs_at(&app.runner(), now_millis()).await;
    assert_eq!(w.whatsapp.accepted().len(), 1);
    assert_eq!(w.smtp.received().len(), 2, "no second copy of the emails");
    let (_, dead) = json(app.api(Method::GET, "/api/v1/jobs?status=dead", &w.key).send().await.unwrap()).await;
    let dead = dead["items"].clone();
    assert_eq!(dead, json!([]));
    let audit =
        json(app.api(Method::GET, "/api/v1/audit?action=job.replayed", &w.key).send().await.unwrap()).await.1["items"]
            .clone();
    assert_eq!(audit.as_array().unwrap().len(), 1);

    // Bad input on the jobs API.
    expect_problem(
        app.api(Method::POST, &format!("/api/v1/jobs/{job_id}/replay"), &w.key).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.api(Method::POST, "/api/v1/jobs/not-an-id/replay", &w.key).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_id",
    )
    .await;
    expect_problem(
        app.api(Method::GET, "/api/v1/jobs?status=zombie", &w.key).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    expect_problem(
        app.api(Method::GET, "/api/v1/jobs?limit=x", &w.key).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    let maria = app.person(w.tenant.id, "maria@acme.test").await.unwrap();
    let cookie = app.session(&maria).await;
    let as_maria =
        |method: Method, path: &str| app.request(method, path).header("cookie", format!("sala_session={cookie}"));
    expect_problem(as_maria(Method::GET, "/api/v1/jobs").send().await.unwrap(), StatusCode::FORBIDDEN, "forbidden")
        .await;
    // Another organization's admin sees none of it.
    let other = app.tenant("Globex", "globex.test").await;
    let other_key = app.api_key(&other).await;
    let (_, theirs) = json(app.api(Method::GET, "/api/v1/jobs", &other_key).send().await.unwrap()).await;
    let theirs = theirs["items"].clone();
    assert_eq!(theirs, json!([]));
    expect_problem(
        app.api(Method::POST, &format!("/api/v1/jobs/{job_id}/replay"), &other_key).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let id = b["id"].as_str().unwrap();
    expect_problem(
        app.api(Method::GET, &format!("/api/v1/bookings/{id}/deliveries"), &other_key).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
both!(an_expired_token_leaves_a_dead_job_to_replay);

async fn a_runner_that_dies_loses_nothing_and_duplicates_nothing(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    let b = create(&app, &w, now_millis() + 26 * HOUR, "Caída", &["maria@acme.test", "cliente@globex.com"]).await;
    let booking_id = b["id"].as_str().unwrap().parse().unwrap();
    let now = now_millis();
    let lease = 5 * MINUTE;
    // A runner claims the notification, sends every message and dies before it can say so.
    let claimed =
        app.store().claim_jobs(now, now + lease, 10, &[sala_domain::JobKind::Notify], &[]).await.unwrap().jobs;
    assert_eq!(claimed.len(), 1);
    use sala_app::jobs::Dispatch;
    app.app.handlers().run(&claimed[0]).await.unwrap();
    assert_eq!(w.smtp.received().len(), 3);
    // Another runner, after the lease: it takes the job again and sends nothing twice.
    let runner = app.runner();
    app.run_jobs_at(&runner, now + 1000).await;
    assert_eq!(w.smtp.received().len(), 3, "the lease holds it while it lasts");
    app.run_jobs_at(&runner, now + lease + 1000).await;
    assert_eq!(w.smtp.received().len(), 3, "nothing sent twice");
    assert_eq!(w.whatsapp.seen().len(), 1);
    let jobs = app.store().jobs_for_booking(w.tenant.id, booking_id).await.unwrap();
    let notify = jobs.iter().find(|j| j.kind == sala_domain::JobKind::Notify).unwrap();
    assert_eq!((notify.status, notify.attempts), (JobStatus::Done, 2));

    // A runner that died before sending anything: the job comes back and is sent, once.
    let b = create(&app, &w, now_millis() + 28 * HOUR, "Caída antes", &["maria@acme.test"]).await;
    let now = now_millis();
    assert_eq!(
        app.store().claim_jobs(now, now + lease, 10, &[sala_domain::JobKind::Notify], &[]).await.unwrap().jobs.len(),
        1
    );
    app.run_jobs_at(&runner, now + lease + 1000).await;
    assert_eq!(w.smtp.received().len(), 5);
    let id = b["id"].as_str().unwrap();
    let log =
        json(app.api(Method::GET, &format!("/api/v1/bookings/{id}/deliveries"), &w.key).send().await.unwrap()).await.1;
    assert_eq!(log.as_array().unwrap().len(), 3, "two emails and one WhatsApp, each once");
}
both!(a_runner_that_dies_loses_nothing_and_duplicates_nothing);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_on_one_postgres_send_each_message_once() {
    if sala_store::testing::fresh_postgres().await.is_none() {
        return;
    }
    let (app, w) = world_with(|smtp, _| ("postgres".to_owned(), smtp.url(false))).await;
    for i in 0..12 {
        create(&app, &w, now_millis() + (30 + 2 * i) * HOUR, &format!("Reunión {i}"), &["maria@acme.test"]).await;
    }
    let other_store = sala_store::connect(&app.db.url).await.unwrap();
    let (one, two) = (app.runner(), app.runner_with(&app.settings, other_store));
    let now = now_millis();
    let (a, b) = tokio::join!(app.run_jobs_at(&one, now), app.run_jobs_at(&two, now));
    // 12 notifications, 12 calendar and 12 webhook jobs (nobody connected Google and no webhook
    // endpoint is registered: those end at once).
    assert_eq!(a + b, 36, "every job ran once between them ({a} + {b})");
    let received = w.smtp.received();
    assert_eq!(received.len(), 24);
    let mut ids: Vec<String> = received.iter().map(|r| parse(&r.data).message_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 24, "no message twice");
    assert_eq!(w.whatsapp.seen().len(), 12);
}

async fn what_people_type_is_escaped_everywhere(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    let runner = app.runner();
    // Control characters cannot be in a title at all.
    let (s, e) = (at(26 * HOUR).1, at(27 * HOUR).1);
    let body = json!({"room_id": w.room, "title": "Hola\r\nBcc: evil@x.test", "start": s, "end": e, "organizer": "ana@acme.test"});
    expect_problem(
        app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // HTML, iCalendar specials and line breaks in a description come out escaped.
    let title = "<script>alert(1)</script> Q1; a,b\\c";
    let description = "Línea 1\r\nATTENDEE:mailto:evil@x.test\r\n<b>negrita</b>";
    let body = json!({"room_id": w.room, "title": title, "start": s, "end": e, "organizer": "ana@acme.test",
                      "description": description, "attendees": [{"email": "cliente@globex.com", "name": "Eve\";ROLE=CHAIR"}]});
    let (status, _) = json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    app.run_jobs_at(&runner, now_millis()).await;
    let mails = mails_since(&w.smtp, 0);
    let mail = &mails["cliente@globex.com"];
    assert!(mail.subject.contains(title), "{}", mail.subject);
    assert!(!mail.html.contains("<script>"), "HTML escaped");
    assert!(mail.html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{}", mail.html);
    assert!(mail.html.contains("&#60;b&#62;negrita&#60;/b&#62;"));
    let uid = ev_uid(mail);
    assert!(uid.ends_with("@127.0.0.1"));
    let ev = invitation(mail, "REQUEST", &uid, "0");
    assert_eq!(ev.get_summary(), Some(title));
    assert_eq!(ev.get_description(), Some("Línea 1\nATTENDEE:mailto:evil@x.test\n<b>negrita</b>"));
    assert_eq!(attendees(ev).len(), 2, "no injected attendee");
    let guest = ev.multi_properties()["ATTENDEE"].iter().find(|p| p.value() == "mailto:cliente@globex.com").unwrap();
    assert_eq!(guest.params().get("ROLE").map(|p| p.value()), Some("REQ-PARTICIPANT"));
    let unfolded = mail.ics.replace("\r\n ", "");
    assert!(unfolded.contains("SUMMARY:<script>alert(1)</script> Q1\\; a\\,b\\\\c"), "TEXT escaping: {unfolded}");
    // WhatsApp parameters carry no line breaks (Meta refuses them; the fake checks).
    assert_eq!(w.whatsapp.accepted().len(), 1);
}
both!(what_people_type_is_escaped_everywhere);

fn ev_uid(mail: &Mail) -> String {
    event(&mail.calendar.as_ref().unwrap().1).property_value("UID").unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_outbox_shows_what_would_be_sent() {
    let db = sala_store::testing::fresh_sqlite().await;
    let app = TestApp::start(db, |s| s.dev = true).await;
    sala_app::demo::seed_demo(app.store()).await.unwrap();
    let tenant = app.store().tenant_by_slug(sala_app::demo::DEMO_SLUG).await.unwrap().unwrap();
    let key = app.api_key(&tenant).await;
    // A room bookable at any hour, so the test runs whatever the time of day.
    let room = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Outbox", "capacity": 6}))
            .send()
            .await
            .unwrap(),
    )
    .await
    .1;
    let room = room["id"].as_str().unwrap();
    let people =
        json(app.api(Method::GET, "/api/v1/bookings/search-users?q=maria", &key).send().await.unwrap()).await.1;
    let organizer =
        json(app.api(Method::GET, "/api/v1/bookings/search-users?q=ana", &key).send().await.unwrap()).await.1;
    let (s, e) = (at(26 * HOUR).1, at(27 * HOUR).1);
    let body = json!({"room_id": room, "title": "<i>Demo</i> del outbox", "start": s, "end": e,
                      "organizer": organizer[0]["email"], "attendees": [{"email": people[0]["email"]}, {"email": "cliente@globex.com"}]});
    let (status, booking) =
        json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    app.run_jobs_at(&app.runner(), now_millis()).await;

    let messages = app.store().list_outbox_messages(50).await.unwrap();
    assert_eq!(messages.iter().filter(|m| m.channel == sala_domain::jobs::Channel::Email).count(), 3);
    assert!(messages.iter().any(|m| m.channel == sala_domain::jobs::Channel::Whatsapp), "the organizer has WhatsApp");
    let page = app.request(Method::GET, "/dev/outbox").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("&#60;i&#62;Demo&#60;/i&#62; del outbox"), "escaped on the page");
    assert!(!html.contains("<i>Demo</i>"));
    assert!(html.contains("BEGIN:VCALENDAR"));
    assert!(html.contains("email is not configured"), "the warning shows");
    let email = messages.iter().find(|m| m.html.is_some()).unwrap();
    let shown = app.request(Method::GET, &format!("/dev/outbox/{}/html", email.id)).send().await.unwrap();
    let csp = shown.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.starts_with("sandbox;") && csp.contains("default-src 'none'"), "{csp}");
    assert!(shown.text().await.unwrap().contains("&#60;i&#62;Demo&#60;/i&#62;"));
    let ics = app.request(Method::GET, &format!("/dev/outbox/{}/invite.ics", email.id)).send().await.unwrap();
    assert_eq!(ics.headers()["content-type"], "text/calendar; charset=utf-8");
    assert!(ics.text().await.unwrap().contains("METHOD:REQUEST"));
    assert_eq!(app.request(Method::GET, "/dev/outbox/nope/html").send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // Delivered to the outbox, logged as such.
    let id = booking["id"].as_str().unwrap();
    let log =
        json(app.api(Method::GET, &format!("/api/v1/bookings/{id}/deliveries"), &key).send().await.unwrap()).await.1;
    assert!(log.as_array().unwrap().iter().all(|d| d["status"] == "sent" && d["detail"] == "dev outbox"), "{log}");
}

async fn without_channels_nothing_is_dropped_silently(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let key = app.api_key(&tenant).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala", "capacity": 4}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (s, e) = (at(26 * HOUR).1, at(27 * HOUR).1);
    let body = json!({"room_id": room["id"], "title": "Sin canales", "start": s, "end": e, "organizer": "ana@acme.test",
                      "attendees": [{"email": "cliente@globex.com"}]});
    let (_, b) = json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
    app.run_jobs_at(&app.runner(), now_millis()).await;
    let id = b["id"].as_str().unwrap();
    let log =
        json(app.api(Method::GET, &format!("/api/v1/bookings/{id}/deliveries"), &key).send().await.unwrap()).await.1;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter().all(|d| d["status"] == "failed" && d["detail"].as_str().unwrap().contains("not configured")),
        "{log:?}"
    );
    let (status, health) = json(app.api(Method::GET, "/api/v1/notifications/status", &key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["email_configured"], false);
    assert_eq!(health["warnings"].as_array().unwrap().len(), 2, "{health}");
    // No outbox outside dev mode.
    assert_eq!(app.request(Method::GET, "/dev/outbox").send().await.unwrap().status(), StatusCode::NOT_FOUND);
}
both!(without_channels_nothing_is_dropped_silently);

/// A meeting in a virtual room with a standing link: everyone's email carries the link as a
/// video call (not as Google Meet), and the .ics its `URL`.
async fn a_virtual_rooms_link_reaches_every_invitation(app: TestApp) {
    let Some((app, mut w)) = world(app).await else { return };
    let link = "https://zoom.example.com/j/123456";
    let body = json!({"name": "Sala Remota", "capacity": 40, "kind": "virtual", "max_meetings": 2, "video_link": link});
    let (status, room) = json(app.api(Method::POST, "/api/v1/rooms", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    w.room = room["id"].as_str().unwrap().to_owned();
    let booking =
        create(&app, &w, now_millis() + 30 * HOUR, "Remota", &["maria@acme.test", "cliente@globex.com"]).await;
    assert_eq!(booking["meet_link"], link);
    app.run_jobs_at(&app.runner(), now_millis()).await;
    let mails = mails_since(&w.smtp, 0);
    for who in ["maria@acme.test", "cliente@globex.com"] {
        let mail = &mails[who];
        assert!(mail.html.contains(link) && mail.text.contains(link), "{}", mail.text);
        assert!(!mail.text.contains("Google Meet"), "{}", mail.text);
        let (_, cal) = mail.calendar.as_ref().expect("an invitation");
        assert_eq!(event(cal).property_value("URL"), Some(link));
    }
    assert!(mails["maria@acme.test"].text.contains("Video call: "), "{}", mails["maria@acme.test"].text);
}
both!(a_virtual_rooms_link_reaches_every_invitation);
