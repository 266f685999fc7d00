//! A weekly series is one invitation (RRULE, EXDATE for a skipped date, local times with a
//! VTIMEZONE); an occurrence moved or cancelled later is an override of that series event
//! (same UID, RECURRENCE-ID), and "this and following" is one message for all it touches.

use super::*;
use sala_domain::JobKind;

/// `ms` as the local DATE-TIME Europe/Madrid writes it in an `.ics`, e.g. `20261208T100000`.
fn madrid(ms: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Madrid").unwrap();
    tz.to_datetime(jiff::Timestamp::from_millisecond(ms).unwrap()).strftime("%Y%m%dT%H%M%S").to_string()
}

fn events(mail: &Mail) -> Vec<&icalendar::Event> {
    let (_, cal) = mail.calendar.as_ref().unwrap();
    cal.components.iter().filter_map(|c| c.as_event()).collect()
}

/// A property's value and its TZID parameter.
fn local(ev: &icalendar::Event, name: &str) -> (String, Option<String>) {
    let multi = ev.multi_properties().get(name).and_then(|all| all.first());
    let p = ev.properties().get(name).or(multi).unwrap_or_else(|| panic!("no {name}"));
    (p.value().to_owned(), p.params().get("TZID").map(|t| t.value().to_owned()))
}

async fn reminders_of(app: &TestApp, w: &World, id: &str) -> Vec<sala_domain::Job> {
    let jobs = app.store().jobs_for_booking(w.tenant.id, id.parse().unwrap()).await.unwrap();
    jobs.into_iter().filter(|j| j.kind == JobKind::Reminder && j.status == JobStatus::Pending).collect()
}

async fn a_series_is_one_invitation_and_its_changes_are_overrides(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    let runner = app.runner();
    let week = 7 * 24 * HOUR;
    let (first, _) = at(26 * HOUR);
    // The second week's slot is taken, so the series skips it.
    create(&app, &w, first + week, "Ocupado", &[]).await;
    app.run_jobs_at(&runner, now_millis()).await;
    let seen = w.smtp.received().len();

    let body = json!({"room_id": w.room, "title": "Comité semanal", "start": iso(first), "end": iso(first + HOUR),
        "time_zone": "Europe/Madrid", "organizer": "ana@acme.test",
        "attendees": [{"email": "maria@acme.test"}, {"email": "cliente@globex.com"}],
        "recurrence": {"frequency": "weekly", "count": 4, "on_conflict": "skip"}});
    let (status, created) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let occurrences: Vec<String> =
        created["occurrences"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(occurrences.len(), 3, "{created}");
    let uid = format!("{}@127.0.0.1", created["series_id"].as_str().unwrap());
    app.run_jobs_at(&runner, now_millis()).await;

    // One message per person for the whole series (mails_since refuses two to one person).
    let mails = mails_since(&w.smtp, seen);
    assert_eq!(mails.keys().collect::<Vec<_>>(), ["ana@acme.test", "cliente@globex.com", "maria@acme.test"]);
    for mail in mails.values() {
        let ev = invitation(mail, "REQUEST", &uid, "0");
        assert_eq!(ev.property_value("RRULE"), Some("FREQ=WEEKLY;INTERVAL=1;COUNT=4"));
        assert_eq!(local(ev, "DTSTART"), (madrid(first), Some("Europe/Madrid".to_owned())));
        assert_eq!(local(ev, "DTEND"), (madrid(first + HOUR), Some("Europe/Madrid".to_owned())));
        assert_eq!(local(ev, "EXDATE"), (madrid(first + week), Some("Europe/Madrid".to_owned())));
        assert!(ev.properties().get("RECURRENCE-ID").is_none());
        assert!(mail.ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Madrid\r\n"), "{}", mail.ics);
    }
    assert!(
        mails["ana@acme.test"].text.contains("Se repite: cada semana, 3 veces, hasta el"),
        "{}",
        mails["ana@acme.test"].text
    );
    assert!(mails["ana@acme.test"].text.contains("Excepto: "));
    assert!(mails["maria@acme.test"].text.contains("Repeats: every week, 3 times, until"));
    assert!(mails["maria@acme.test"].html.contains("Except"));

    // The third week moves an hour later: an override of that occurrence only, by its original
    // start; its reminder moves with it.
    let third = &occurrences[1];
    let third_start = first + 2 * week;
    let (status, _) = json(
        app.api(Method::PATCH, &format!("/api/v1/bookings/{third}"), &w.key)
            .json(&json!({"start": iso(third_start + HOUR), "end": iso(third_start + 2 * HOUR)}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let reminders = reminders_of(&app, &w, third).await;
    assert_eq!(reminders.len(), 1, "the old time's reminder is gone");
    assert_eq!(reminders[0].payload["start"], third_start + HOUR);
    let seen = w.smtp.received().len();
    app.run_jobs_at(&runner, now_millis()).await;
    let mails = mails_since(&w.smtp, seen);
    assert_eq!(mails.len(), 3);
    for mail in mails.values() {
        let ev = invitation(mail, "REQUEST", &uid, "1");
        assert_eq!(local(ev, "RECURRENCE-ID"), (madrid(third_start), Some("Europe/Madrid".to_owned())));
        assert_eq!(local(ev, "DTSTART"), (madrid(third_start + HOUR), Some("Europe/Madrid".to_owned())));
        assert!(ev.property_value("RRULE").is_none());
    }

    // Cancelling the third and the following: one message each, one CANCEL event per occurrence.
    let (status, _) = json(
        app.api(Method::DELETE, &format!("/api/v1/bookings/{third}?scope=following"), &w.key)
            .json(&json!({"reason": "Fin del proyecto"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let seen = w.smtp.received().len();
    app.run_jobs_at(&runner, now_millis()).await;
    let mails = mails_since(&w.smtp, seen);
    assert_eq!(mails.len(), 3);
    for mail in mails.values() {
        assert_eq!(mail.calendar.as_ref().unwrap().0, "CANCEL");
        let evs = events(mail);
        let ids: Vec<(String, Option<String>)> = evs.iter().map(|e| local(e, "RECURRENCE-ID")).collect();
        let zone = Some("Europe/Madrid".to_owned());
        assert_eq!(ids, [(madrid(third_start), zone.clone()), (madrid(first + 3 * week), zone)]);
        let sequences: Vec<_> = evs.iter().map(|e| e.property_value("SEQUENCE")).collect();
        assert_eq!(sequences, [Some("2"), Some("1")]);
        assert!(evs.iter().all(|e| e.property_value("UID") == Some(uid.as_str())));
        assert!(evs.iter().all(|e| e.property_value("STATUS") == Some("CANCELLED")));
    }
    assert!(mails["ana@acme.test"].text.contains("También el: "), "{}", mails["ana@acme.test"].text);
    assert!(mails["maria@acme.test"].text.contains("Reason: Fin del proyecto"));
    for id in &occurrences[1..] {
        assert!(reminders_of(&app, &w, id).await.is_empty(), "a cancelled occurrence keeps no reminder");
    }
    assert_eq!(reminders_of(&app, &w, &occurrences[0]).await.len(), 1, "the first week still reminds");
}
both!(a_series_is_one_invitation_and_its_changes_are_overrides);

async fn people_choose_their_own_reminders(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    let runner = app.runner();
    let maria = app
        .store()
        .user_by_email(w.tenant.id, &sala_domain::Email::parse("maria@acme.test").unwrap())
        .await
        .unwrap()
        .unwrap();
    let path = format!("/api/v1/users/{}", maria.id);

    // Bad choices are refused with the tenant settings' codes; unknown fields are a bad body.
    for (bad, code) in [
        (json!({"minutes_before": [0]}), "invalid_reminder"),
        (json!({"minutes_before": [5, 5]}), "duplicate_reminder"),
    ] {
        let body = expect_problem(
            app.api(Method::PATCH, &path, &w.key).json(&json!({"reminders": bad})).send().await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            (body["errors"][0]["field"].as_str(), body["errors"][0]["code"].as_str()),
            (Some("reminders"), Some(code))
        );
    }
    expect_problem(
        app.api(Method::PATCH, &path, &w.key).json(&json!({"reminders": {"minutes": 30}})).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;

    // María wants one email half an hour before, and no WhatsApp.
    let choice = json!({"minutes_before": [30], "whatsapp": false, "email": true});
    let (status, user) =
        json(app.api(Method::PATCH, &path, &w.key).json(&json!({"reminders": choice})).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(
        user["reminders"],
        json!({"minutes_before": [30], "whatsapp": false, "email": true, "guest_email": true})
    );

    let start = now_millis() + 3 * HOUR;
    let booking = create(&app, &w, start, "Revisión", &["maria@acme.test", "juan@acme.test"]).await;
    let id = booking["id"].as_str().unwrap();
    let jobs = app.store().jobs_for_booking(w.tenant.id, id.parse().unwrap()).await.unwrap();
    let mut offsets: Vec<i64> = jobs
        .iter()
        .filter(|j| j.kind == JobKind::Reminder)
        .map(|j| j.payload["minutes_before"].as_i64().unwrap())
        .collect();
    offsets.sort();
    assert_eq!(offsets, [15, 30], "the tenant's 15 and María's 30");
    app.run_jobs_at(&runner, now_millis()).await;
    let (mails_seen, whatsapp_seen) = (w.smtp.received().len(), w.whatsapp.accepted().len());

    // Half an hour before: only María, by email.
    app.run_jobs_at(&runner, start - 30 * MINUTE + 1000).await;
    let mails = mails_since(&w.smtp, mails_seen);
    assert_eq!(mails.keys().collect::<Vec<_>>(), ["maria@acme.test"]);
    assert!(mails["maria@acme.test"].subject.starts_with("Reminder: Revisión starts in 30 min"));
    assert_eq!(w.whatsapp.accepted().len(), whatsapp_seen);

    // A quarter before: the tenant's reminder, to whoever chose it on a channel they receive:
    // WhatsApp to Ana, email to Juan (no phone); María chose half an hour only.
    app.run_jobs_at(&runner, start - 15 * MINUTE + 1000).await;
    let sent = &w.whatsapp.accepted()[whatsapp_seen..];
    assert_eq!(sent.iter().map(|m| m["to"].as_str().unwrap()).collect::<Vec<_>>(), ["34612345601"]);
    let mails = mails_since(&w.smtp, mails_seen + 1);
    assert_eq!(mails.keys().collect::<Vec<_>>(), ["juan@acme.test"]);

    // `null` goes back to the organization's reminders.
    let (status, user) =
        json(app.api(Method::PATCH, &path, &w.key).json(&json!({"reminders": null})).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["reminders"], Value::Null);
}
both!(people_choose_their_own_reminders);
