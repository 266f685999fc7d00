//! `sala worker` killed (SIGKILL) in the middle of a batch, then started again: every message
//! goes out, and none twice except, at most, the one being handed to SMTP at the instant of the
//! kill (SMTP has no idempotency key; that copy carries the same Message-ID, so mail systems
//! can tell it is the same message).

use super::*;
use std::collections::BTreeSet;
use std::process::Child;
use std::time::Duration;

fn start_worker(app: &TestApp, w: &World, data_dir: &std::path::Path) -> Child {
    worker(app, w, data_dir).env("SALA_JOBS_CONCURRENCY", "1").env("SALA_JOBS_LEASE_SECONDS", "2").spawn().unwrap()
}

async fn a_killed_worker_loses_nothing_and_repeats_nothing(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    const BOOKINGS: usize = 6;
    for i in 0..BOOKINGS {
        create(&app, &w, now_millis() + (30 + 2 * i as i64) * HOUR, &format!("Reunión {i}"), &[]).await;
    }
    w.smtp.set_mode(SmtpMode::SlowMail(300));
    let data_dir = std::env::temp_dir().join(format!("sala-worker-{}", uuid::Uuid::now_v7().simple()));

    let mut first = start_worker(&app, &w, &data_dir);
    wait_until("two emails", || w.smtp.received().len() >= 2).await;
    first.kill().unwrap();
    first.wait().unwrap();
    let at_kill = w.smtp.received().len();
    assert!(at_kill < BOOKINGS, "the worker finished before it was killed; nothing was tested");

    // Its claimed job's lease runs out (2 s) and the second worker takes over.
    let mut second = start_worker(&app, &w, &data_dir);
    let message_ids = || -> BTreeSet<String> { w.smtp.received().iter().map(|r| parse(&r.data).message_id).collect() };
    wait_until("every email", || message_ids().len() == BOOKINGS).await;
    wait_until("every WhatsApp confirmation", || w.whatsapp.accepted().len() >= BOOKINGS).await;
    // Let it run on a little: anything it would send twice would show now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    second.kill().unwrap();
    second.wait().unwrap();

    let received = w.smtp.received().len();
    assert!(received <= BOOKINGS + 1, "{received} emails for {BOOKINGS} messages");
    let titles: Vec<String> = w
        .whatsapp
        .accepted()
        .iter()
        .map(|m| m["template"]["components"][0]["parameters"][0]["text"].as_str().unwrap().to_owned())
        .collect();
    let distinct: BTreeSet<&String> = titles.iter().collect();
    assert_eq!(distinct.len(), BOOKINGS, "{titles:?}");
    assert!(titles.len() <= BOOKINGS + 1, "{titles:?}");
    let (_, pending) = json(app.api(Method::GET, "/api/v1/jobs?status=pending", &w.key).send().await.unwrap()).await;
    let pending = pending["items"].clone();
    let left: Vec<&Value> = pending.as_array().unwrap().iter().filter(|j| j["kind"] == "notify").collect();
    assert!(left.is_empty(), "notifications left pending: {left:?}");
    let (_, dead) = json(app.api(Method::GET, "/api/v1/jobs?status=dead", &w.key).send().await.unwrap()).await;
    let dead = dead["items"].clone();
    assert_eq!(dead, json!([]));
    std::fs::remove_dir_all(&data_dir).ok();
}
both!(a_killed_worker_loses_nothing_and_repeats_nothing);
