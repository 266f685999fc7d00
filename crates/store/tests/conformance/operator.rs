//! What the operator's `/metrics` reads: every kind's job queue, the recent delivery log, and the
//! connection pools; and the planner statistics the hourly housekeeping refreshes.

use super::{
    HOUR, MINUTE, Office, T0, add_room, add_tenant, add_user, all, booking, booking_with_jobs, create, ids, job, list,
    office, ok, tick,
};
use sala_domain::jobs::{Channel, Delivery, DeliveryStatus};
use sala_domain::{Booking, Job, JobKind, Millis, TimeRange};
use sala_store::{BookingQuery, DeliveryCount, JobQueue, Store};

/// A UUIDv7 of the millisecond `at`, as the app makes delivery ids.
fn v7_at(at: Millis) -> uuid::Uuid {
    let at = ok(u64::try_from(at));
    uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, at / 1000, ok(u32::try_from(at % 1000)) * 1_000_000))
}

fn delivery(j: &Job, channel: Channel, recipient: &str, status: DeliveryStatus, at: Millis) -> Delivery {
    Delivery {
        id: v7_at(at),
        tenant_id: j.tenant_id,
        job_id: j.id,
        booking_id: j.booking_id,
        channel,
        recipient: recipient.to_owned(),
        idempotency_key: Delivery::key(j.id, channel, recipient),
        status,
        detail: None,
        created_at: at,
    }
}

fn queue(kind: JobKind, due: u64, running: u64, dead: u64, oldest_due: Option<Millis>) -> JobQueue {
    JobQueue { kind: kind.as_str().to_owned(), due, running, dead, oldest_due }
}

async fn case_job_queues_count_due_running_and_dead(store: &dyn Store) {
    let Office { ana, sala, .. } = office(store).await;
    assert!(ok(store.job_queues(T0).await).is_empty(), "no jobs, no queues");
    let (b, jobs) =
        booking_with_jobs(store, &sala, &ana, &[T0 - 10 * MINUTE, T0 - 5 * MINUTE, T0 - MINUTE, T0 + HOUR]).await;
    let webhook = job(&b, JobKind::Webhook, T0 - 2 * MINUTE, tick());
    ok(store.enqueue_jobs(std::slice::from_ref(&webhook)).await);
    // The oldest notification dies, the next one runs.
    let first = ok(store.claim_jobs(T0, T0 + MINUTE, 1, &[JobKind::Notify], &[]).await);
    assert_eq!(first.jobs[0].id, jobs[0].id);
    ok(store.bury_job(jobs[0].id, first.token, "refused", T0).await);
    let second = ok(store.claim_jobs(T0, T0 + MINUTE, 1, &[JobKind::Notify], &[]).await);
    assert_eq!(second.jobs[0].id, jobs[1].id);

    assert_eq!(
        ok(store.job_queues(T0).await),
        vec![
            queue(JobKind::Notify, 1, 1, 1, Some(T0 - MINUTE)),
            queue(JobKind::Webhook, 1, 0, 0, Some(T0 - 2 * MINUTE)),
        ],
        "a job due later is not waiting yet"
    );
    assert_eq!(
        ok(store.job_queues(T0 + 2 * HOUR).await)[0],
        queue(JobKind::Notify, 2, 1, 1, Some(T0 - MINUTE)),
        "two hours on, the later one waits too"
    );
}

async fn case_deliveries_since_count_the_window_per_channel_and_result(store: &dyn Store) {
    let Office { ana, sala, .. } = office(store).await;
    let (_, jobs) = booking_with_jobs(store, &sala, &ana, &[T0]).await;
    let j = &jobs[0];
    for d in [
        delivery(j, Channel::Email, "ana@acme.test", DeliveryStatus::Sent, T0 - 30 * MINUTE),
        delivery(j, Channel::Email, "luis@acme.test", DeliveryStatus::Sent, T0 - 20 * MINUTE),
        delivery(j, Channel::Webhook, "https://crm.example/hook", DeliveryStatus::Failed, T0 - 10 * MINUTE),
        delivery(j, Channel::Email, "old@acme.test", DeliveryStatus::Sent, T0 - 2 * HOUR),
        delivery(j, Channel::Whatsapp, "+34612345678", DeliveryStatus::Failed, T0 - HOUR - 1),
    ] {
        ok(store.record_delivery(&d).await);
    }
    let count =
        |channel: &str, status: &str, count| DeliveryCount { channel: channel.into(), status: status.into(), count };
    assert_eq!(
        ok(store.deliveries_since(T0 - HOUR).await),
        vec![count("email", "sent", 2), count("webhook", "failed", 1)],
        "only the last hour's, counted per channel and result"
    );
    assert!(ok(store.deliveries_since(T0 + MINUTE).await).is_empty());
}

async fn case_pool_use_is_within_the_pools_limits(store: &dyn Store) {
    ok(store.ping().await);
    let pools = store.pool_use();
    assert!(!pools.is_empty());
    for pool in pools {
        assert!(pool.max >= 1, "{pool:?}");
        assert!(pool.in_use + pool.idle <= pool.max, "{pool:?}");
        assert!(pool.in_use + pool.idle >= 1, "the ping left a connection open: {pool:?}");
    }
}

/// Statistics change how the planner finds rows, never which rows it finds: a room's day and its
/// busy intervals read the same before and after, on a room among others with a long history.
async fn case_planner_statistics_refresh_keeps_every_answer(store: &dyn Store) {
    let t = add_tenant(store, "Estadística", &["estadistica.example"]).await;
    let organizer = add_user(store, t.id, "ana@estadistica.example", "Ana").await;
    let rooms = [add_room(store, t.id, "Norte").await, add_room(store, t.id, "Sur").await];
    let history: Vec<Booking> = (0..400)
        .map(|n| {
            let start = T0 + n * HOUR;
            booking(&rooms[usize::try_from(n % 2).unwrap_or_default()], &organizer, start, start + HOUR / 2)
        })
        .collect();
    ok(create(store, &history).await);
    let day = ok(TimeRange::new(T0 + 300 * HOUR, T0 + 324 * HOUR));
    let query = BookingQuery { from: Some(day.start), to: Some(day.end), room_id: Some(rooms[0].id), ..all(100) };
    let (listed, busy) =
        (list(store, t.id, query.clone()).await, ok(store.busy(t.id, &[rooms[0].id, rooms[1].id], day).await));
    assert_eq!(listed.len(), 12, "every other hour of the day is the room's");
    assert_eq!(busy.len(), 24);

    ok(store.refresh_planner_statistics().await);
    assert_eq!(ids(&list(store, t.id, query).await), ids(&listed));
    assert_eq!(ok(store.busy(t.id, &[rooms[0].id, rooms[1].id], day).await), busy);
    ok(store.refresh_planner_statistics().await);
}

conformance! {
    borrowed: [
        case_planner_statistics_refresh_keeps_every_answer,
        case_job_queues_count_due_running_and_dead,
        case_deliveries_since_count_the_window_per_channel_and_result,
        case_pool_use_is_within_the_pools_limits,
    ],
    shared: [],
}
