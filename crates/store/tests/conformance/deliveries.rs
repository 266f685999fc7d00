//! The delivery log: what was sent or tried, one sent delivery per idempotency key, and tenant
//! isolation.

use super::{
    HOUR, Office, T0, add_room, add_tenant, add_user, assert_duplicate, assert_not_found, booking_with_jobs, office,
    ok, tick,
};
use sala_domain::jobs::{Channel, Delivery, DeliveryStatus};
use sala_domain::{Job, JobId, JobKind};
use sala_store::{Store, Unique};

fn delivery(j: &Job, channel: Channel, recipient: &str, status: DeliveryStatus, detail: &str) -> Delivery {
    Delivery {
        id: uuid::Uuid::now_v7(),
        tenant_id: j.tenant_id,
        job_id: j.id,
        booking_id: j.booking_id,
        channel,
        recipient: recipient.to_owned(),
        idempotency_key: Delivery::key(j.id, channel, recipient),
        status,
        detail: Some(detail.to_owned()),
        created_at: tick(),
    }
}

async fn case_deliveries(store: &dyn Store) {
    let Office { acme, ana, sala, .. } = office(store).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let bob = add_user(store, beta.id, "bob@beta.test", "Bob").await;
    let beta_room = add_room(store, beta.id, "Sala").await;
    let (b, jobs) = booking_with_jobs(store, &sala, &ana, &[T0, T0]).await;
    let (beta_booking, beta_jobs) = booking_with_jobs(store, &beta_room, &bob, &[T0]).await;
    let (notify, reminder) = (&jobs[0], &jobs[1]);

    // An email accepted once; the same (job, channel, recipient) is one key whatever the case.
    let mail = delivery(notify, Channel::Email, "Ana@acme.test", DeliveryStatus::Sent, "<msg-1@smtp>");
    assert_eq!(mail.idempotency_key, Delivery::key(notify.id, Channel::Email, "ana@ACME.test"));
    assert!(!ok(store.delivered(&mail.idempotency_key).await));
    ok(store.record_delivery(&mail).await);
    assert!(ok(store.delivered(&mail.idempotency_key).await));
    let copy = delivery(notify, Channel::Email, "ana@acme.test", DeliveryStatus::Sent, "<msg-2@smtp>");
    assert_duplicate(store.record_delivery(&copy).await, Unique::DeliveryKey);
    // Other channels, recipients and jobs are other keys.
    assert!(!ok(store.delivered(&Delivery::key(reminder.id, Channel::Email, "ana@acme.test")).await));

    // Failures are logged without blocking the send that follows, which then blocks the next.
    let key = Delivery::key(notify.id, Channel::Whatsapp, "+34612345678");
    let throttled = delivery(notify, Channel::Whatsapp, "+34612345678", DeliveryStatus::Failed, "429 rate limited");
    let down = delivery(notify, Channel::Whatsapp, "+34612345678", DeliveryStatus::Failed, "500 server error");
    ok(store.record_delivery(&throttled).await);
    ok(store.record_delivery(&down).await);
    assert!(!ok(store.delivered(&key).await), "a failed attempt is not a delivery");
    let sent = delivery(notify, Channel::Whatsapp, "+34612345678", DeliveryStatus::Sent, "wamid.1");
    ok(store.record_delivery(&sent).await);
    assert!(ok(store.delivered(&key).await));
    let resent = delivery(notify, Channel::Whatsapp, "+34612345678", DeliveryStatus::Sent, "wamid.2");
    assert_duplicate(store.record_delivery(&resent).await, Unique::DeliveryKey);
    // A failure after the send is still logged (a provider may report one late).
    let late = delivery(notify, Channel::Whatsapp, "+34612345678", DeliveryStatus::Failed, "late failure");
    ok(store.record_delivery(&late).await);
    let other_job = delivery(reminder, Channel::Email, "ana@acme.test", DeliveryStatus::Sent, "<msg-3@smtp>");
    ok(store.record_delivery(&other_job).await);

    let log = ok(store.deliveries_for_booking(acme.id, b.id).await);
    assert_eq!(log, vec![mail.clone(), throttled, down, sent, late, other_job]);

    // Isolation: another tenant sees nothing, and cannot log against a job it does not own.
    assert!(ok(store.deliveries_for_booking(beta.id, b.id).await).is_empty());
    let mut intruder = delivery(notify, Channel::Email, "bob@beta.test", DeliveryStatus::Sent, "x");
    intruder.tenant_id = beta.id;
    assert_not_found(store.record_delivery(&intruder).await);
    assert!(!ok(store.delivered(&intruder.idempotency_key).await));
    assert_not_found(
        store
            .record_delivery(&Delivery {
                job_id: JobId::new(),
                ..delivery(notify, Channel::Email, "x@y.test", DeliveryStatus::Sent, "x")
            })
            .await,
    );
    let theirs = delivery(&beta_jobs[0], Channel::Webhook, "https://hooks.beta.test/sala", DeliveryStatus::Sent, "200");
    ok(store.record_delivery(&theirs).await);
    assert_eq!(ok(store.deliveries_for_booking(beta.id, beta_booking.id).await), vec![theirs]);
    assert!(ok(store.deliveries_for_booking(acme.id, beta_booking.id).await).is_empty());
    assert_eq!(ok(store.deliveries_for_booking(acme.id, b.id).await).len(), 6);
}

/// Done jobs last changed before the cut go with their delivery log, oldest first and a batch at
/// a time; pending, running and dead jobs stay whatever their age.
async fn case_purging_done_jobs(store: &dyn Store) {
    let Office { acme, ana, sala, .. } = office(store).await;
    let (b, jobs) = booking_with_jobs(store, &sala, &ana, &[T0, T0, T0, T0, T0]).await;
    let held = ok(store.claim_jobs(T0, T0 + HOUR, 10, &[JobKind::Notify], &[]).await);
    let (claimed, token) = (held.jobs, held.token);
    assert_eq!(claimed.len(), 5);
    let (old, older, dead, back, running) = (&jobs[0], &jobs[1], &jobs[2], &jobs[3], &jobs[4]);
    ok(store.complete_job(older.id, token, T0 + 1).await);
    ok(store.complete_job(old.id, token, T0 + 2).await);
    ok(store.bury_job(dead.id, token, "gave up", T0 + 1).await);
    ok(store.retry_job(back.id, token, "later", T0 + HOUR, T0 + 1).await);
    for j in [old, older, dead] {
        ok(store.record_delivery(&delivery(j, Channel::Email, "ana@acme.test", DeliveryStatus::Failed, "x")).await);
    }
    let sent = delivery(old, Channel::Email, "luis@acme.test", DeliveryStatus::Sent, "<m@smtp>");
    ok(store.record_delivery(&sent).await);

    assert_eq!(ok(store.purge_done_jobs(T0 + 1, 10).await), 0, "changed at the cut: kept");
    assert_eq!(ok(store.purge_done_jobs(T0 + 3, 1).await), 1, "one batch of one: the oldest");
    let left: Vec<JobId> = ok(store.jobs_for_booking(acme.id, b.id).await).iter().map(|j| j.id).collect();
    assert!(!left.contains(&older.id) && left.contains(&old.id), "{left:?}");
    assert_eq!(ok(store.purge_done_jobs(T0 + 3, 10).await), 1);
    assert_eq!(ok(store.purge_done_jobs(T0 + 3, 10).await), 0, "nothing more");

    let mut left: Vec<JobId> = ok(store.jobs_for_booking(acme.id, b.id).await).iter().map(|j| j.id).collect();
    left.sort();
    let mut kept = vec![dead.id, back.id, running.id];
    kept.sort();
    assert_eq!(left, kept, "dead, pending and running jobs stay");
    let log = ok(store.deliveries_for_booking(acme.id, b.id).await);
    assert_eq!(log.iter().map(|d| d.job_id).collect::<Vec<_>>(), vec![dead.id], "the dead job's log stays");
    assert!(!ok(store.delivered(&sent.idempotency_key).await), "the purged job's log is gone");
}

conformance!(
    borrowed: [
        case_deliveries,
        case_purging_done_jobs,
    ],
    shared: [],
);
