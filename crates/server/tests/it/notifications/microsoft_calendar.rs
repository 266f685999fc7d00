//! Microsoft 365 end to end: an organization tied to its Entra tenant, Sala's application
//! consented there, bookings over the API, the job runner as `sala serve` builds it, and the
//! Microsoft Graph fake (client-credentials token endpoint, events, getSchedule, calendarView
//! delta, subscriptions with their validation handshake and change notifications posted to
//! Sala's hook). The Teams link reaches every message as the Meet link does; a room mailbox's
//! meetings in Exchange are busy in Sala; what the organizer changes in Outlook comes back; a
//! throttled Graph is retried after its `Retry-After`; subscriptions are renewed in place.

use super::*;
use sala_channels::testing::microsoft::{FAKE_MICROSOFT_CLIENT_ID, FAKE_MICROSOFT_CLIENT_SECRET, FakeMicrosoft};
use sala_domain::jobs::{JobPayload, PullPayload};
use sala_domain::tenant::CalendarService;

/// The organization's Entra tenant (directory) id.
const DIRECTORY: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/// Sala Atlántico's room mailbox in Exchange.
const ROOM_MAILBOX: &str = "atlantico@acme.test";

/// The notifications world with Microsoft's fake configured, the organization tied to its
/// directory and living in Microsoft 365, its admin's consent given, and `more` settings on top.
async fn microsoft_world(
    app: TestApp,
    more: impl FnOnce(&mut sala_server::config::Settings),
) -> Option<(TestApp, World, FakeMicrosoft)> {
    let kind = app.db.backend();
    if kind == "postgres" && sala_store::testing::fresh_postgres().await.is_none() {
        return None;
    }
    drop(app);
    let graph = FakeMicrosoft::start().await.unwrap();
    let (graph_base, login_base) = (graph.graph_base.clone(), graph.login_base.clone());
    let (app, w) = world_configured(
        |smtp, _| (kind.to_owned(), smtp.url(false)),
        |s| {
            s.microsoft_client_id = Some(FAKE_MICROSOFT_CLIENT_ID.into());
            s.microsoft_client_secret = Some(sala_server::config::Secret::new(FAKE_MICROSOFT_CLIENT_SECRET));
            s.microsoft_graph_base = graph_base;
            s.microsoft_login_base = login_base;
            more(s);
        },
    )
    .await;
    let before = w.tenant.clone();
    let tied = Tenant {
        entra_tenant_id: Some(DIRECTORY.into()),
        calendar_service: CalendarService::Microsoft,
        ..before.clone()
    };
    let ctx = Context::system(tied.id);
    let entry = ctx.audit("tenant.updated", "tenant", Some(tied.id.0), None, None);
    app.store().update_tenant(&tied, &entry).await.unwrap();
    graph.consent(DIRECTORY);
    for mailbox in ["ana@acme.test", "maria@acme.test", "juan@acme.test"] {
        graph.add_mailbox(DIRECTORY, mailbox, false);
    }
    graph.add_mailbox(DIRECTORY, ROOM_MAILBOX, true);
    let (status, room) = json(
        app.api(Method::PATCH, &format!("/api/v1/rooms/{}", w.room), &w.key)
            .json(&json!({"google_calendar": ROOM_MAILBOX}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{room}");
    Some((app, w, graph))
}

async fn book(app: &TestApp, w: &World, start: i64, title: &str, teams: bool) -> (StatusCode, Value) {
    let body = json!({"room_id": w.room, "title": title, "start": iso(start), "end": iso(start + HOUR),
        "time_zone": "Europe/Madrid", "organizer": "ana@acme.test", "google_meet": teams,
        "attendees": [{"email": "maria@acme.test"}, {"email": "cliente@globex.com", "name": "Cliente"}]});
    json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await
}

async fn booking(app: &TestApp, w: &World, id: &str) -> Value {
    json(app.api(Method::GET, &format!("/api/v1/bookings/{id}"), &w.key).send().await.unwrap()).await.1
}

fn instant(value: &Value) -> i64 {
    value.as_str().unwrap().parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

fn ts(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap()
}

/// Runs the jobs (notifications arrive on their own, a moment after the change) until `done`.
async fn run_until(app: &TestApp, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let runner = app.runner();
    for _ in 0..100 {
        app.run_jobs_at(&runner, now_millis()).await;
        if done().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The organizer's Outlook event of the booking.
fn event_of(graph: &FakeMicrosoft, id: &str) -> Value {
    graph
        .events_in("ana@acme.test")
        .into_iter()
        .find(|e| {
            e["singleValueExtendedProperties"].as_array().is_some_and(|props| {
                props.iter().any(|p| p["value"] == id && p["id"].as_str().is_some_and(|i| i.ends_with("salaBookingId")))
            })
        })
        .expect("the booking's Outlook event")
}

async fn the_teams_link_reaches_every_message_as_meet_does(app: TestApp) {
    let Some((app, w, graph)) = microsoft_world(app, |_| {}).await else { return };
    let start = now_millis() + 30 * HOUR;
    let (status, created) = book(&app, &w, start, "Demo con Globex", true).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    app.run_jobs_at(&app.runner(), now_millis()).await;

    // The event in Ana's Outlook calendar, as a Teams meeting, with the room mailbox invited.
    let outlook = event_of(&graph, &id);
    assert_eq!(outlook["subject"], "Demo con Globex");
    assert_eq!(outlook["isOnlineMeeting"], true);
    assert_eq!(outlook["onlineMeetingProvider"], "teamsForBusiness");
    let link = outlook["onlineMeeting"]["joinUrl"].as_str().unwrap().to_owned();
    assert!(link.starts_with("https://teams.microsoft.com/"), "{link}");
    let invited: Vec<(&str, &str)> = outlook["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["emailAddress"]["address"].as_str().unwrap(), a["type"].as_str().unwrap()))
        .collect();
    assert!(invited.contains(&(ROOM_MAILBOX, "resource")), "{invited:?}");

    // The booking holds both; webhooks and the API show the Teams link where the Meet link goes.
    let shown = booking(&app, &w, &id).await;
    assert_eq!(shown["meet_link"], link.as_str());
    assert_eq!(shown["google_event_id"], outlook["id"]);

    // Every email names Teams and carries its link. Exchange invites everyone the Outlook event
    // lists (it cannot be told not to), so Sala's emails carry no .ics that would add the meeting
    // a second time, and say so.
    let mails = mails_since(&w.smtp, 0);
    assert_eq!(mails.len(), 3, "{:?}", mails.keys());
    for (who, footer) in [
        ("cliente@globex.com", "Outlook te envía la invitación"),
        ("ana@acme.test", "Outlook te envía la invitación"),
        ("maria@acme.test", "Outlook sends you the meeting's invitation"),
    ] {
        let mail = &mails[who];
        assert!(mail.text.contains(&format!("Microsoft Teams: {link}")), "{who}: {}", mail.text);
        assert!(mail.html.contains(&link), "{who}");
        assert!(mail.text.contains(footer), "{who}: {}", mail.text);
        assert!(!mail.text.contains("Google"), "{who}: {}", mail.text);
        assert!(mail.calendar.is_none(), "{who}: Exchange's invitation is the calendar's; no second .ics");
    }
    let guest = &mails["cliente@globex.com"];
    assert!(guest.html.contains("Unirse con Microsoft Teams"), "{}", guest.html);

    // The reminder, 15 minutes before, carries it too.
    let seen = w.smtp.received().len();
    app.run_jobs_at(&app.runner(), start - 14 * MINUTE).await;
    let reminders = mails_since(&w.smtp, seen);
    assert!(!reminders.is_empty(), "reminders went out");
    for (who, reminder) in &reminders {
        assert!(reminder.text.contains(&format!("Microsoft Teams: {link}")), "{who}: {}", reminder.text);
    }

    // The booking's own calendar file carries the Teams link as its URL, as it would a Meet link.
    let ana = app
        .store()
        .user_by_email(w.tenant.id, &sala_domain::Email::parse("ana@acme.test").unwrap())
        .await
        .unwrap()
        .unwrap();
    let session = app.session(&ana).await;
    let file = app
        .request(Method::GET, &format!("/bookings/{id}/calendar.ics"))
        .header("cookie", format!("sala_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    let cal: Calendar = file.text().await.unwrap().parse().unwrap();
    assert_eq!(event(&cal).property_value("URL"), Some(link.as_str()));
    // And its page names Teams and joins it.
    let page = app
        .request(Method::GET, &format!("/bookings/{id}"))
        .header("cookie", format!("sala_session={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<dt>Microsoft Teams</dt>"), "{page}");
    assert!(page.contains(">Unirse con Microsoft Teams</a>"), "{page}");
}
both!(the_teams_link_reaches_every_message_as_meet_does);

async fn a_room_mailbox_busy_in_exchange_is_busy_in_sala(app: TestApp) {
    let Some((app, w, graph)) = microsoft_world(app, |_| {}).await else { return };
    let start = now_millis() / HOUR * HOUR + 30 * HOUR;
    graph.put_on_calendar(ROOM_MAILBOX, ts(start), ts(start + HOUR), "Reunión puesta en Outlook");
    let (status, refused) = book(&app, &w, start, "Choca", false).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["code"], "booking_conflict");
    let (status, created) = book(&app, &w, start + HOUR, "Después", false).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}
both!(a_room_mailbox_busy_in_exchange_is_busy_in_sala);

async fn a_move_and_a_delete_in_outlook_come_back_through_notifications(app: TestApp) {
    let Some((app, w, graph)) = microsoft_world(app, |s| s.calendar_push = true).await else { return };
    let start = now_millis() / HOUR * HOUR + 30 * HOUR;
    let (_, created) = book(&app, &w, start, "Plan trimestral", false).await;
    let id = created["id"].as_str().unwrap().to_owned();
    // The event is written and Sala subscribes to Ana's events; Graph validated the hook first.
    run_until(&app, "the subscription", async || !graph.subscriptions().is_empty()).await;
    let subscriptions = graph.subscriptions();
    assert_eq!(subscriptions.len(), 1, "{subscriptions:?}");
    assert!(subscriptions[0].notification_url.ends_with("/hooks/calendar/microsoft"));
    assert_eq!(subscriptions[0].mailbox, "ana@acme.test");
    let event_id = event_of(&graph, &id)["id"].as_str().unwrap().to_owned();

    // Ana drags the meeting an hour later in Outlook: Graph notifies, the booking follows.
    graph.move_in_outlook(&event_id, ts(start + HOUR), ts(start + 2 * HOUR));
    run_until(&app, "the move", async || instant(&booking(&app, &w, &id).await["start"]) == start + HOUR).await;
    assert_eq!(instant(&booking(&app, &w, &id).await["end"]), start + 2 * HOUR);

    // María answers in Outlook: her answer reaches Sala.
    graph.answer_in_outlook("ana@acme.test", &event_id, "maria@acme.test", "declined");
    let booking_id = sala_domain::BookingId(id.parse().unwrap());
    let replies = async || app.store().replies(w.tenant.id, booking_id).await.unwrap();
    run_until(&app, "the answer", async || !replies().await.is_empty()).await;
    let held = replies().await;
    assert_eq!((held[0].email.as_str(), held[0].answer.as_str()), ("maria@acme.test", "declined"));

    // Then she deletes it in Outlook: the booking is cancelled, saying where.
    graph.delete_in_outlook(&event_id);
    run_until(&app, "the cancellation", async || booking(&app, &w, &id).await["status"] == "cancelled").await;
    assert_eq!(booking(&app, &w, &id).await["cancel_reason"], sala_app::calendar::DELETED_IN_OUTLOOK);

    // A forged notification (the right subscription, a wrong clientState) changes nothing.
    let forged = json!({"value": [{"subscriptionId": subscriptions[0].id, "clientState": "guess",
        "changeType": "updated", "resource": "Users/x/Events/y", "tenantId": DIRECTORY}]});
    let response = app.request(Method::POST, "/hooks/calendar/microsoft").json(&forged).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED, "Graph is told it arrived, whatever Sala makes of it");
    // Graph's validation request is answered with its token as plain text, and nothing else.
    let response = app
        .request(Method::POST, "/hooks/calendar/microsoft?validationToken=Validation%3A%20Testing%20%3Cb%3E")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    assert_eq!(response.text().await.unwrap(), "Validation: Testing <b>");
    let response = app.request(Method::POST, "/hooks/calendar/microsoft").body("not json").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
both!(a_move_and_a_delete_in_outlook_come_back_through_notifications);

async fn a_throttled_graph_is_retried_after_retry_after(app: TestApp) {
    let Some((app, w, graph)) = microsoft_world(app, |_| {}).await else { return };
    let start = now_millis() + 30 * HOUR;
    let (_, created) = book(&app, &w, start, "Con espera", true).await;
    let id = created["id"].as_str().unwrap().to_owned();
    // Graph throttles the calendar job's first call.
    graph.throttle_next(1, 2);
    let runner = app.runner();
    app.run_jobs_at(&runner, now_millis()).await;
    assert!(graph.events_in("ana@acme.test").is_empty(), "Graph said 429: nothing written yet");
    let job = app
        .store()
        .jobs_for_booking(w.tenant.id, id.parse().unwrap())
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.kind == sala_domain::JobKind::CalendarSync)
        .unwrap();
    assert_eq!(job.status, JobStatus::Pending);
    assert!(job.run_at >= now_millis() + 1000, "retried no sooner than Retry-After says");
    app.run_jobs_at(&runner, job.run_at).await;
    assert_eq!(event_of(&graph, &id)["subject"], "Con espera");
}
both!(a_throttled_graph_is_retried_after_retry_after);

async fn subscriptions_are_renewed_in_place_before_they_expire(app: TestApp) {
    let Some((app, w, graph)) = microsoft_world(app, |s| s.calendar_push = true).await else { return };
    let start = now_millis() / HOUR * HOUR + 30 * HOUR;
    book(&app, &w, start, "Renovación", false).await;
    run_until(&app, "the subscription", async || !graph.subscriptions().is_empty()).await;
    let first = graph.subscriptions().remove(0);

    // The subscription ends within the renewal margin: the next read extends it (PATCH), the
    // same subscription with the same clientState, rather than opening another.
    let ana = app
        .store()
        .user_by_email(w.tenant.id, &sala_domain::Email::parse("ana@acme.test").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut watch = app.store().calendar_watch(w.tenant.id, ana.id).await.unwrap().unwrap();
    watch.expires_at = Some(now_millis() + HOUR);
    app.store().save_calendar_watch(&watch).await.unwrap();
    let now = now_millis();
    let read =
        sala_domain::Job::for_tenant(w.tenant.id, JobPayload::CalendarPull(PullPayload { user_id: ana.id }), now, now);
    app.store().enqueue_jobs(&[read]).await.unwrap();
    app.run_jobs_at(&app.runner(), now).await;
    let after = graph.subscriptions();
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].id, first.id);
    assert_eq!(after[0].client_state, first.client_state);
    assert!(after[0].expires_at >= first.expires_at, "{:?} -> {:?}", first.expires_at, after[0].expires_at);
    let kept = app.store().calendar_watch(w.tenant.id, ana.id).await.unwrap().unwrap();
    assert!(kept.expires_at.unwrap() > now + 24 * HOUR, "renewed for days: {kept:?}");
    assert_eq!(kept.token_hash, watch.token_hash, "the same clientState, still accepted");

    // Graph removes it (a lifecycle notification): a new one is opened.
    graph.send_lifecycle(&first.id, "subscriptionRemoved");
    run_until(&app, "a new subscription", async || {
        graph.subscriptions().iter().any(|s| s.id != first.id && !s.deleted)
    })
    .await;
}
both!(subscriptions_are_renewed_in_place_before_they_expire);
