//! The job runner as `sala serve` builds it, killed in the middle of a notification (its future
//! dropped: no more heartbeats, its run stopped): with a short lease, another runner takes the job
//! over within the lease, and every message goes out once (the one being sent at the kill may
//! repeat, with the same Message-ID).

use super::*;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn a_killed_runners_notification_is_taken_over_within_the_lease(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    const BOOKINGS: usize = 3;
    let mut ids = Vec::new();
    for i in 0..BOOKINGS {
        let b = create(&app, &w, now_millis() + (30 + 2 * i as i64) * HOUR, &format!("Relevo {i}"), &[]).await;
        ids.push(b["id"].as_str().unwrap().parse::<sala_domain::BookingId>().unwrap());
    }
    // One job at a time, a 2 s lease renewed every 2/3 s.
    let mut settings = app.settings.clone();
    settings.jobs_lease_seconds = 2;
    settings.jobs_concurrency = 1;
    let first = Arc::new(app.runner_with(&settings, app.db.store.clone()));
    w.smtp.set_mode(SmtpMode::SlowMail(1500));
    let dying = tokio::spawn({
        let first = Arc::clone(&first);
        async move { first.run_due(now_millis()).await.unwrap() }
    });
    // Killed while its notification is held up by the slow server, after a renewal or two.
    let notify_running = || async {
        let mut running = Vec::new();
        for id in &ids {
            for j in app.store().jobs_for_booking(w.tenant.id, *id).await.unwrap() {
                if j.kind == sala_domain::JobKind::Notify && j.status == JobStatus::Running {
                    running.push(j);
                }
            }
        }
        running
    };
    for _ in 0..200 {
        if !notify_running().await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    dying.abort();
    let _ = dying.await;
    drop(first);
    let killed = Instant::now();
    let held = notify_running().await;
    assert_eq!(held.len(), 1, "one notification was running at the kill: {held:?}");
    let held = held[0].clone();
    w.smtp.set_mode(SmtpMode::Accept);

    // Another runner (same short lease) polls; the held job comes back only when the lease ends.
    let second = app.runner_with(&settings, app.db.store.clone());
    let mut taken_after = None;
    while taken_after.is_none() {
        assert!(killed.elapsed() < Duration::from_secs(10), "not taken over in 10 s");
        second.run_due(now_millis()).await.unwrap();
        let now = app.store().jobs_for_booking(w.tenant.id, held.booking_id.unwrap()).await.unwrap();
        let job = now.iter().find(|j| j.id == held.id).unwrap();
        if job.attempts > held.attempts {
            taken_after = Some(killed.elapsed());
            assert_eq!(job.status, JobStatus::Done);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let taken_after = taken_after.unwrap();
    eprintln!("the killed runner's notification was taken over after {} ms (lease 2 s)", taken_after.as_millis());
    assert!(taken_after <= Duration::from_millis(2500), "the 2 s lease bounds the wait: {taken_after:?}");
    app.run_jobs_at(&second, now_millis()).await;

    // Every notification done; every email once, but for the one being sent at the kill.
    for id in &ids {
        let jobs = app.store().jobs_for_booking(w.tenant.id, *id).await.unwrap();
        let notify: Vec<_> = jobs.iter().filter(|j| j.kind == sala_domain::JobKind::Notify).collect();
        assert!(notify.iter().all(|j| j.status == JobStatus::Done), "{notify:?}");
        let log = app.store().deliveries_for_booking(w.tenant.id, *id).await.unwrap();
        let sent: Vec<&str> = log
            .iter()
            .filter(|d| d.status == sala_domain::jobs::DeliveryStatus::Sent)
            .map(|d| d.idempotency_key.as_str())
            .collect();
        let distinct: BTreeSet<&str> = sent.iter().copied().collect();
        assert_eq!(sent.len(), distinct.len(), "each delivery logged as sent once: {sent:?}");
        assert!(!sent.is_empty());
    }
    let received = w.smtp.received();
    let message_ids: BTreeSet<String> = received.iter().map(|r| parse(&r.data).message_id).collect();
    assert_eq!(message_ids.len(), BOOKINGS, "one email per booking (the organizer's)");
    assert!(received.len() <= BOOKINGS + 1, "{} emails for {BOOKINGS} messages", received.len());
}
both!(a_killed_runners_notification_is_taken_over_within_the_lease);
