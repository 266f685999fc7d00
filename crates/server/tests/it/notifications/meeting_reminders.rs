//! A meeting's own reminders: its organizer chooses them for everyone (over the organization's
//! and each person's), can take them back, and a change of reminders alone tells nobody.

use super::*;
use sala_domain::JobKind;

async fn reminder_offsets(app: &TestApp, w: &World, id: &str) -> Vec<i64> {
    let jobs = app.store().jobs_for_booking(w.tenant.id, id.parse().unwrap()).await.unwrap();
    let mut offsets: Vec<i64> = jobs
        .iter()
        .filter(|j| j.kind == JobKind::Reminder && j.status == JobStatus::Pending)
        .map(|j| j.payload["minutes_before"].as_i64().unwrap())
        .collect();
    offsets.sort();
    offsets
}

async fn a_meeting_can_have_its_own_reminders(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    let runner = app.runner();
    // María chose 30 minutes by email for herself; this meeting asks for an hour, by email.
    let maria = app
        .store()
        .search_users(w.tenant.id, &sala_store::UserQuery { text: "maria".into(), limit: 1, include_inactive: false })
        .await
        .unwrap()
        .remove(0);
    let own = json!({"reminders": {"minutes_before": [30], "whatsapp": false, "email": true}});
    let (status, _) =
        json(app.api(Method::PATCH, &format!("/api/v1/users/{}", maria.id), &w.key).json(&own).send().await.unwrap())
            .await;
    assert_eq!(status, StatusCode::OK);

    let start = now_millis() + 3 * HOUR;
    let (s, e) = (iso(start), iso(start + HOUR));
    let choice = json!({"minutes_before": [60], "whatsapp": false, "email": true});
    for bad in [json!({"minutes_before": [0]}), json!({"minutes_before": [60], "sms": true})] {
        let body = json!({"room_id": w.room, "title": "Revisión", "start": s, "end": e, "organizer": "ana@acme.test", "reminders": bad});
        let response = app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let body = json!({"room_id": w.room, "title": "Revisión", "start": s, "end": e, "organizer": "ana@acme.test",
                      "attendees": [{"email": "maria@acme.test"}, {"email": "cliente@globex.com"}], "reminders": choice});
    let (status, booking) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    assert_eq!(
        booking["reminders"],
        json!({"minutes_before": [60], "whatsapp": false, "email": true, "guest_email": true})
    );
    let id = booking["id"].as_str().unwrap().to_owned();
    assert_eq!(reminder_offsets(&app, &w, &id).await, [60], "the meeting's choice, not the tenant's 15 nor María's 30");
    app.run_jobs_at(&runner, now_millis()).await;
    let seen = w.smtp.received().len();

    // An hour before: everyone by email, María and the guest included.
    app.run_jobs_at(&runner, start - 60 * MINUTE + 1000).await;
    let mails = mails_since(&w.smtp, seen);
    assert_eq!(mails.keys().collect::<Vec<_>>(), ["ana@acme.test", "cliente@globex.com", "maria@acme.test"]);
    assert!(mails["maria@acme.test"].subject.contains("60 min"), "{}", mails["maria@acme.test"].subject);

    // Taken back (null): the usual reminders again, and nobody is emailed about that.
    let path = format!("/api/v1/bookings/{id}");
    let seen = w.smtp.received().len();
    let (status, edited) =
        json(app.api(Method::PATCH, &path, &w.key).json(&json!({"reminders": null})).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["reminders"], Value::Null);
    assert_eq!(reminder_offsets(&app, &w, &id).await, [15, 30], "the tenant's 15 and María's 30");
    app.run_jobs_at(&runner, now_millis()).await;
    assert_eq!(w.smtp.received().len(), seen, "a change of reminders alone is no news");
    // No reminders at all for this one.
    let (status, _) = json(
        app.api(Method::PATCH, &path, &w.key).json(&json!({"reminders": {"minutes_before": []}})).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(reminder_offsets(&app, &w, &id).await.is_empty());
}
both!(a_meeting_can_have_its_own_reminders);
