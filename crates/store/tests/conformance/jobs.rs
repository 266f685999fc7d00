//! The job runner: claiming, settling, replaying, dropping and releasing jobs, and runners claiming
//! at once (also from two PostgreSQL instances).

use super::{
    HOUR, MINUTE, Office, T0, add_room, add_tenant, add_user, assert_not_found, booking, booking_with_jobs, job, moved,
    office, ok, tick,
};
use sala_domain::{Booking, Claim, Job, JobId, JobKind, JobStatus, LeaseToken, Millis, TenantId};
use sala_store::StoreError;
use sala_store::{BookingWrite, Store};
use std::sync::Arc;

/// A job as a claim returns it: running, one more attempt.
fn claimed(j: &Job) -> Job {
    Job { status: JobStatus::Running, attempts: j.attempts + 1, ..j.clone() }
}

/// Every job kind: what a runner with a handler for each claims.
const ALL_KINDS: [JobKind; 4] = [JobKind::Notify, JobKind::CalendarSync, JobKind::Webhook, JobKind::Reminder];

async fn claim(store: &dyn Store, now: Millis, lease_until: Millis, limit: u32) -> Vec<Job> {
    claim_held(store, now, lease_until, limit).await.jobs
}

/// A claim of every kind, with the lease token its settles need.
async fn claim_held(store: &dyn Store, now: Millis, lease_until: Millis, limit: u32) -> Claim {
    ok(store.claim_jobs(now, lease_until, limit, &ALL_KINDS, &[]).await)
}

fn assert_lease_lost<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::LeaseLost) => {}
        other => panic!("expected LeaseLost, got {other:?}"),
    }
}

/// The stored version of a job (read through its booking).
async fn stored_job(store: &dyn Store, j: &Job) -> Job {
    let booking = j.booking_id.unwrap_or_else(|| panic!("job {} has a booking", j.id));
    let jobs = ok(store.jobs_for_booking(j.tenant_id, booking).await);
    jobs.into_iter().find(|s| s.id == j.id).unwrap_or_else(|| panic!("job {} is stored", j.id))
}

async fn case_jobs_claim_due_in_order(store: &dyn Store) {
    let Office { ana, sala, .. } = office(store).await;
    let now = T0 + 5 * MINUTE;
    // Not in run_at order, one due exactly now, one not yet due.
    let (_, jobs) =
        booking_with_jobs(store, &sala, &ana, &[T0 + 3 * MINUTE, T0 + MINUTE, now, T0 + 2 * MINUTE, now + 1]).await;
    assert!(claim(store, T0, now + MINUTE, 10).await.is_empty(), "nothing is due before T0 + 1 minute");

    let first = claim(store, now, now + MINUTE, 2).await;
    assert_eq!(first, vec![claimed(&jobs[1]), claimed(&jobs[3])], "the two oldest run_at first");
    let second = claim(store, now, now + MINUTE, 10).await;
    assert_eq!(second, vec![claimed(&jobs[0]), claimed(&jobs[2])], "then the rest that is due, no more");
    assert!(claim(store, now, now + MINUTE, 10).await.is_empty(), "claimed jobs are not claimed again");
    for j in &jobs[..4] {
        assert_eq!(stored_job(store, j).await, claimed(j));
    }
    assert_eq!(stored_job(store, &jobs[4]).await, jobs[4]);
    // Once due, the last one comes too.
    assert_eq!(claim(store, now + 1, now + MINUTE, 10).await, vec![claimed(&jobs[4])]);
}

async fn case_jobs_claim_only_listed_kinds(store: &dyn Store) {
    let Office { ana, sala, .. } = office(store).await;
    let start = T0 + 100 * HOUR + tick();
    let b = booking(&sala, &ana, start, start + HOUR);
    let notify = job(&b, JobKind::Notify, T0, tick());
    let webhook = job(&b, JobKind::Webhook, T0 - MINUTE, tick());
    let reminder = job(&b, JobKind::Reminder, T0, tick());
    let jobs = [notify.clone(), webhook.clone(), reminder.clone()];
    let write = BookingWrite {
        tenant_id: b.tenant_id,
        series: None,
        bookings: std::slice::from_ref(&b),
        audit: &[],
        jobs: &jobs,
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);

    assert!(ok(store.claim_jobs(T0, T0 + MINUTE, 10, &[], &[]).await).jobs.is_empty(), "no kinds claim nothing");
    assert_eq!(stored_job(store, &webhook).await, webhook, "still pending after an empty claim");
    let taken = ok(store.claim_jobs(T0, T0 + MINUTE, 10, &[JobKind::Notify, JobKind::Reminder], &[]).await).jobs;
    let mut ids: Vec<JobId> = taken.iter().map(|j| j.id).collect();
    ids.sort();
    let mut expected = vec![notify.id, reminder.id];
    expected.sort();
    assert_eq!(ids, expected, "only the listed kinds");
    assert_eq!(stored_job(store, &webhook).await, webhook, "a kind not listed is left pending");
    // Its lease ended: a claim for other kinds still leaves the webhook, and takes the expired ones.
    let again = ok(store.claim_jobs(T0 + MINUTE, T0 + 2 * MINUTE, 10, &[JobKind::Reminder], &[]).await).jobs;
    assert_eq!(again.iter().map(|j| j.id).collect::<Vec<_>>(), vec![reminder.id]);
    assert_eq!(claim(store, T0, T0 + MINUTE, 10).await, vec![claimed(&webhook)], "all kinds take it");
}

async fn case_jobs_lease_expiry(store: &dyn Store) {
    let Office { ana, sala, .. } = office(store).await;
    let (_, jobs) = booking_with_jobs(store, &sala, &ana, &[T0]).await;
    let j = &jobs[0];
    assert_eq!(claim(store, T0, T0 + MINUTE, 10).await, vec![claimed(j)]);
    // Its runner holds it while the lease lasts...
    assert!(claim(store, T0 + MINUTE - 1, T0 + 2 * MINUTE, 10).await.is_empty());
    // ...and when it ends (the runner died), another claim takes it again: a second attempt.
    let again = claim_held(store, T0 + MINUTE, T0 + 2 * MINUTE, 10).await;
    assert_eq!(again.jobs, vec![claimed(&claimed(j))]);
    assert_eq!(again.jobs[0].attempts, 2);
    assert!(claim(store, T0 + MINUTE, T0 + 2 * MINUTE, 10).await.is_empty());
    // Settled by the runner that holds it now.
    ok(store.complete_job(j.id, again.token, T0 + MINUTE + 1).await);
    assert!(claim(store, T0 + HOUR, T0 + 2 * HOUR, 10).await.is_empty(), "a done job never comes back");
}

/// Each claim holds its jobs under a fresh token. A runner whose lease ended and whose jobs another
/// claim took (a paused process) holds a stale token: it can neither settle nor renew them, and
/// the job stays as the new holder has it; the new holder settles with its own token.
async fn case_jobs_stale_lease_token_cannot_settle(store: &dyn Store) {
    let Office { ana, sala, azul, .. } = office(store).await;
    let (_, jobs) = booking_with_jobs(store, &sala, &ana, &[T0, T0, T0]).await;
    let (done, retried, buried) = (&jobs[0], &jobs[1], &jobs[2]);
    let paused = claim_held(store, T0, T0 + MINUTE, 10).await;
    assert_eq!(paused.jobs.len(), 3);
    // Its lease ends unrenewed; another runner takes every job over.
    let holder = claim_held(store, T0 + MINUTE, T0 + 2 * MINUTE, 10).await;
    assert_eq!(holder.jobs, vec![claimed(&claimed(done)), claimed(&claimed(retried)), claimed(&claimed(buried))]);
    assert_ne!(holder.token, paused.token, "a fresh token per claim");

    let stale = paused.token;
    assert_lease_lost(store.complete_job(done.id, stale, T0 + MINUTE + 1).await);
    assert_lease_lost(store.retry_job(retried.id, stale, "late", T0 + HOUR, T0 + MINUTE + 1).await);
    assert_lease_lost(store.bury_job(buried.id, stale, "late", T0 + MINUTE + 1).await);
    assert!(ok(store.renew_leases(&[(done.id, stale)], T0 + HOUR).await).is_empty(), "no renewal either");
    for (held, original) in holder.jobs.iter().zip([done, retried, buried]) {
        assert_eq!(stored_job(store, original).await, *held, "unchanged by the stale runner");
    }
    assert!(claim(store, T0 + 2 * MINUTE - 1, T0 + HOUR, 10).await.is_empty(), "the holder's lease still lasts");

    ok(store.complete_job(done.id, holder.token, T0 + MINUTE + 2).await);
    ok(store.retry_job(retried.id, holder.token, "smtp: 421", T0 + 10 * HOUR, T0 + MINUTE + 2).await);
    ok(store.bury_job(buried.id, holder.token, "invalid number", T0 + MINUTE + 2).await);
    assert_eq!(stored_job(store, done).await.status, JobStatus::Done);
    let back = stored_job(store, retried).await;
    assert_eq!(
        (back.status, back.run_at, back.last_error.as_deref()),
        (JobStatus::Pending, T0 + 10 * HOUR, Some("smtp: 421"))
    );
    assert_eq!(stored_job(store, buried).await.status, JobStatus::Dead);
    // Settled: the stale runner still cannot touch them, nor can the holder twice.
    assert_lease_lost(store.complete_job(retried.id, stale, T0 + MINUTE + 3).await);
    assert_lease_lost(store.bury_job(done.id, holder.token, "twice", T0 + MINUTE + 3).await);
    assert_eq!(stored_job(store, done).await.status, JobStatus::Done);

    // A lease that ended but was not taken over is still its runner's: it settles.
    let (_, late) = booking_with_jobs(store, &azul, &ana, &[T0 + 3 * HOUR]).await;
    let slow = claim_held(store, T0 + 3 * HOUR, T0 + 3 * HOUR + MINUTE, 10).await;
    assert_eq!(slow.jobs.iter().map(|j| j.id).collect::<Vec<_>>(), [late[0].id]);
    ok(store.complete_job(late[0].id, slow.token, T0 + 3 * HOUR + 5 * MINUTE).await);
}

/// The heartbeat renews, in one call, only the jobs still running under the tokens it names:
/// another runner's job, a job named with the wrong token and a settled job keep their lease (or
/// none), so only those come back when their lease ends.
async fn case_jobs_renew_extends_only_the_holders_jobs(store: &dyn Store) {
    let Office { ana, sala, .. } = office(store).await;
    let (_, jobs) = booking_with_jobs(store, &sala, &ana, &[T0, T0 + 1, T0 + 2, T0 + 3]).await;
    let mine = claim_held(store, T0 + 3, T0 + MINUTE, 3).await;
    let theirs = claim_held(store, T0 + 3, T0 + MINUTE, 10).await;
    assert_eq!(mine.jobs.iter().map(|j| j.id).collect::<Vec<_>>(), [jobs[0].id, jobs[1].id, jobs[2].id]);
    assert_eq!(theirs.jobs.iter().map(|j| j.id).collect::<Vec<_>>(), [jobs[3].id]);
    ok(store.complete_job(jobs[2].id, mine.token, T0 + 4).await);

    assert!(ok(store.renew_leases(&[], T0 + HOUR).await).is_empty(), "nothing to renew");
    let held = [(jobs[0].id, mine.token), (jobs[1].id, mine.token), (jobs[2].id, mine.token), (jobs[3].id, mine.token)];
    let mut renewed = ok(store.renew_leases(&held, T0 + 10 * MINUTE).await);
    renewed.sort();
    assert_eq!(renewed, [jobs[0].id, jobs[1].id], "only the running jobs held under the token");
    assert_eq!(stored_job(store, &jobs[2]).await.status, JobStatus::Done, "a settled job stays settled");

    // The other runner's lease ends as it was: its job alone comes back.
    let taken = claim(store, T0 + MINUTE, T0 + HOUR, 10).await;
    assert_eq!(taken, vec![claimed(&claimed(&jobs[3]))]);
    assert!(claim(store, T0 + 10 * MINUTE - 1, T0 + HOUR, 10).await.is_empty(), "the renewed leases hold");
    let late = claim(store, T0 + 10 * MINUTE, T0 + HOUR, 10).await;
    assert_eq!(late.iter().map(|j| j.id).collect::<Vec<_>>(), [jobs[0].id, jobs[1].id], "until their renewed end");
}

async fn case_jobs_complete_retry_bury(store: &dyn Store) {
    let Office { ana, sala, .. } = office(store).await;
    let (_, jobs) = booking_with_jobs(store, &sala, &ana, &[T0, T0, T0]).await;
    let (done, retried, buried) = (&jobs[0], &jobs[1], &jobs[2]);
    // Settling needs a claim first.
    let none = LeaseToken::new();
    assert_lease_lost(store.complete_job(done.id, none, T0).await);
    assert_lease_lost(store.retry_job(retried.id, none, "early", T0, T0).await);
    assert_lease_lost(store.bury_job(buried.id, none, "early", T0).await);
    let held = claim_held(store, T0, T0 + HOUR, 10).await;
    assert_eq!(held.jobs.len(), 3);
    let token = held.token;

    ok(store.complete_job(done.id, token, T0 + 1).await);
    assert_eq!(stored_job(store, done).await, Job { status: JobStatus::Done, ..claimed(done) });
    assert_lease_lost(store.complete_job(done.id, token, T0 + 2).await);
    assert_lease_lost(store.retry_job(done.id, token, "late", T0 + 2, T0 + 2).await);
    assert_lease_lost(store.complete_job(JobId::new(), token, T0 + 2).await);

    // A retry is due again at its run_at, not before, with its error kept.
    ok(store.retry_job(retried.id, token, "smtp: connection refused", T0 + 10 * MINUTE, T0 + 1).await);
    let waiting = Job {
        status: JobStatus::Pending,
        run_at: T0 + 10 * MINUTE,
        last_error: Some("smtp: connection refused".into()),
        ..claimed(retried)
    };
    assert_eq!(stored_job(store, retried).await, waiting);
    assert!(claim(store, T0 + 10 * MINUTE - 1, T0 + HOUR, 10).await.is_empty());
    assert_eq!(claim(store, T0 + 10 * MINUTE, T0 + HOUR, 10).await, vec![claimed(&waiting)]);
    assert_eq!(stored_job(store, retried).await.attempts, 2);

    // A dead job keeps its error, cut to 2,000 characters (not bytes), and is never claimed.
    let long = "é".repeat(3000);
    ok(store.bury_job(buried.id, token, &long, T0 + 1).await);
    let dead = stored_job(store, buried).await;
    assert_eq!(dead.status, JobStatus::Dead);
    assert_eq!(dead.last_error, Some("é".repeat(2000)));
    assert!(claim(store, T0 + 30 * MINUTE, T0 + 3 * HOUR, 10).await.is_empty());
    assert_lease_lost(store.bury_job(buried.id, token, "again", T0 + 2).await);
}

async fn case_jobs_list_and_replay(store: &dyn Store) {
    let Office { acme, ana, sala, .. } = office(store).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let bob = add_user(store, beta.id, "bob@beta.test", "Bob").await;
    let beta_room = add_room(store, beta.id, "Sala").await;
    let (_, jobs) = booking_with_jobs(store, &sala, &ana, &[T0, T0, T0 + HOUR]).await;
    let (_, beta_jobs) = booking_with_jobs(store, &beta_room, &bob, &[T0]).await;
    let held = claim_held(store, T0, T0 + MINUTE, 10).await;
    assert_eq!(held.jobs.len(), 3);
    ok(store.complete_job(jobs[0].id, held.token, T0 + 1).await);
    ok(store.bury_job(jobs[1].id, held.token, "whatsapp: invalid number", T0 + 1).await);
    ok(store.bury_job(beta_jobs[0].id, held.token, "beta's own failure", T0 + 1).await);
    let dead = stored_job(store, &jobs[1]).await;

    let listed = |tenant: TenantId, status: Option<JobStatus>, limit: u32| async move {
        ok(store.list_jobs(tenant, status, None, limit).await).into_iter().map(|j| j.id).collect::<Vec<_>>()
    };
    assert_eq!(ok(store.list_jobs(acme.id, Some(JobStatus::Dead), None, 50).await), vec![dead.clone()]);
    assert_eq!(listed(acme.id, Some(JobStatus::Done), 50).await, [jobs[0].id]);
    assert_eq!(listed(acme.id, Some(JobStatus::Pending), 50).await, [jobs[2].id]);
    assert!(listed(acme.id, Some(JobStatus::Running), 50).await.is_empty());
    // Newest first, and the limit holds.
    assert_eq!(listed(acme.id, None, 50).await, [jobs[2].id, jobs[1].id, jobs[0].id]);
    assert_eq!(listed(acme.id, None, 2).await, [jobs[2].id, jobs[1].id]);
    // The next page starts strictly after the last one seen, ties on the instant broken by id.
    let first = ok(store.list_jobs(acme.id, None, None, 2).await);
    let after = first.last().map(|j| sala_store::Before { at: j.created_at, id: j.id.0 });
    let rest = ok(store.list_jobs(acme.id, None, after, 50).await);
    assert_eq!(rest.iter().map(|j| j.id).collect::<Vec<_>>(), [jobs[0].id]);
    assert_eq!(listed(beta.id, Some(JobStatus::Dead), 50).await, [beta_jobs[0].id]);
    assert!(listed(TenantId::new(), None, 50).await.is_empty());

    // Replay: only a dead job of the tenant.
    assert_not_found(store.replay_job(beta.id, dead.id, T0 + HOUR).await);
    assert_not_found(store.replay_job(acme.id, beta_jobs[0].id, T0 + HOUR).await);
    assert_not_found(store.replay_job(acme.id, jobs[0].id, T0 + HOUR).await);
    assert_not_found(store.replay_job(acme.id, jobs[2].id, T0 + HOUR).await);
    assert_not_found(store.replay_job(acme.id, JobId::new(), T0 + HOUR).await);
    assert_eq!(stored_job(store, &beta_jobs[0]).await.status, JobStatus::Dead);

    ok(store.replay_job(acme.id, dead.id, T0 + 2 * HOUR).await);
    let revived = Job { status: JobStatus::Pending, run_at: T0 + 2 * HOUR, attempts: 0, ..dead.clone() };
    assert_eq!(stored_job(store, &dead).await, revived);
    assert_not_found(store.replay_job(acme.id, dead.id, T0 + 2 * HOUR).await);
    assert!(listed(acme.id, Some(JobStatus::Dead), 50).await.is_empty());
    // Due at the replay's instant, with a fresh count of attempts (jobs[2] was due an hour before).
    let due = claim(store, T0 + 2 * HOUR, T0 + 3 * HOUR, 10).await;
    assert_eq!(due, vec![claimed(&jobs[2]), claimed(&revived)]);
    assert_eq!(due[1].attempts, 1);
}

/// A booking write that drops timed jobs (`BookingWrite::drop_timed_jobs`) deletes the pending
/// reminders and no-show checks of those bookings before writing its own jobs; jobs of other
/// kinds, timed jobs no longer pending (running, done, dead) and other bookings' stay.
async fn case_jobs_dropping_timed_jobs(store: &dyn Store) {
    let Office { acme, ana, sala, azul, .. } = office(store).await;
    let start = T0 + 100 * HOUR;
    let b = booking(&sala, &ana, start, start + HOUR);
    let other = booking(&azul, &ana, start, start + HOUR);
    let pending = |b: &Booking, kind| job(b, kind, start - 10 * MINUTE, tick());
    let (reminder, no_show, notify) =
        (pending(&b, JobKind::Reminder), pending(&b, JobKind::NoShowCheck), pending(&b, JobKind::Notify));
    // Due before T0, so claimed below; then one is done, one dead, one still running.
    let done = job(&b, JobKind::Reminder, T0 - 3 * MINUTE, tick());
    let dead = job(&b, JobKind::NoShowCheck, T0 - 2 * MINUTE, tick());
    let running = job(&b, JobKind::Reminder, T0 - MINUTE, tick());
    let others = [pending(&other, JobKind::Reminder), pending(&other, JobKind::NoShowCheck)];
    let jobs = [reminder, no_show, notify.clone(), done.clone(), dead.clone(), running.clone()];
    for (booking, jobs) in [(&b, &jobs[..]), (&other, &others[..])] {
        let write = BookingWrite {
            tenant_id: acme.id,
            series: None,
            bookings: std::slice::from_ref(booking),
            audit: &[],
            jobs,
            idempotency: None,
            drop_timed_jobs: &[],
            unless_checked_in: false,
        };
        ok(store.insert_bookings(write).await);
    }
    let taken = ok(store.claim_jobs(T0, T0 + HOUR, 10, &JobKind::TIMED, &[]).await);
    assert_eq!(taken.jobs, vec![claimed(&done), claimed(&dead), claimed(&running)]);
    ok(store.complete_job(done.id, taken.token, T0 + 1).await);
    ok(store.bury_job(dead.id, taken.token, "gone", T0 + 1).await);

    // Moved: the timed jobs for the old time go, the write brings one for the new time.
    let after = moved(&b, start + HOUR, start + 2 * HOUR);
    let fresh = job(&after, JobKind::Reminder, start + 50 * MINUTE, tick());
    let write = BookingWrite {
        tenant_id: acme.id,
        series: None,
        bookings: std::slice::from_ref(&after),
        audit: &[],
        jobs: std::slice::from_ref(&fresh),
        idempotency: None,
        drop_timed_jobs: &[b.id],
        unless_checked_in: false,
    };
    ok(store.update_bookings(write).await);
    let kept = ok(store.jobs_for_booking(acme.id, b.id).await);
    assert_eq!(kept.iter().map(|j| j.id).collect::<Vec<_>>(), [notify.id, done.id, dead.id, running.id, fresh.id]);
    assert_eq!(kept.iter().map(|j| j.status).collect::<Vec<_>>(), {
        use JobStatus::{Dead, Done, Pending, Running};
        [Pending, Done, Dead, Running, Pending]
    });
    assert_eq!(ok(store.jobs_for_booking(acme.id, other.id).await), others.to_vec());
}

/// Releasing a booking's jobs of one kind makes the pending ones due after `now` due at once
/// (their `run_at` becomes their `created_at`); those already due, running, of another kind, of
/// another booking, or asked for by another tenant stay as they are.
async fn case_jobs_release_waiting(store: &dyn Store) {
    let Office { acme, ana, sala, azul, .. } = office(store).await;
    let start = T0 + 100 * HOUR;
    let b = booking(&sala, &ana, start, start + HOUR);
    let other = booking(&azul, &ana, start, start + HOUR);
    let written = T0 - HOUR;
    // Claimed before the others are written: running, and due after `now` below.
    let running = job(&b, JobKind::Notify, T0 + MINUTE, written);
    let write = BookingWrite {
        tenant_id: acme.id,
        series: None,
        bookings: std::slice::from_ref(&b),
        audit: &[],
        jobs: std::slice::from_ref(&running),
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);
    ok(store.insert_bookings(BookingWrite { bookings: std::slice::from_ref(&other), jobs: &[], ..write }).await);
    let taken = ok(store.claim_jobs(T0 + MINUTE, T0 + HOUR, 10, &[JobKind::Notify], &[]).await).jobs;
    assert_eq!(taken, vec![claimed(&running)]);

    let waiting = job(&b, JobKind::Notify, T0 + 5 * MINUTE, written);
    let due_now = job(&b, JobKind::Notify, T0, written);
    let overdue = job(&b, JobKind::Notify, T0 - MINUTE, written);
    let calendar = job(&b, JobKind::CalendarSync, T0 + 5 * MINUTE, written);
    let elsewhere = job(&other, JobKind::Notify, T0 + 5 * MINUTE, written);
    let rest = [waiting.clone(), due_now.clone(), overdue.clone(), calendar.clone(), elsewhere.clone()];
    ok(store.enqueue_jobs(&rest).await);

    assert_eq!(ok(store.release_jobs(TenantId::new(), b.id, JobKind::Notify, T0).await), 0, "another tenant's");
    assert_eq!(ok(store.release_jobs(acme.id, b.id, JobKind::Notify, T0).await), 1);
    assert_eq!(stored_job(store, &waiting).await, Job { run_at: written, ..waiting.clone() });
    for unchanged in [due_now, overdue, calendar, elsewhere] {
        assert_eq!(stored_job(store, &unchanged).await, unchanged);
    }
    assert_eq!(stored_job(store, &running).await, claimed(&running));
    assert_eq!(ok(store.release_jobs(acme.id, b.id, JobKind::Notify, T0).await), 0, "released once");
}

/// Runners claiming from 200 due jobs, 10 at a time, each until nothing is left: together they
/// take every job exactly once. `stores` are the instances (each with its own pool); two runners
/// claim through each.
async fn claim_race(stores: &[Arc<dyn Store>]) {
    let store = &*stores[0];
    let Office { ana, sala, .. } = office(store).await;
    let run_ats: Vec<Millis> = (0..200).map(|i| T0 - (i % 7) * MINUTE).collect();
    let (_, jobs) = booking_with_jobs(store, &sala, &ana, &run_ats).await;
    let runners = 2 * stores.len().max(2);
    let barrier = Arc::new(tokio::sync::Barrier::new(runners));
    let tasks: Vec<_> = (0..runners)
        .map(|i| {
            let store = Arc::clone(&stores[i % stores.len()]);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                let mut taken = Vec::new();
                loop {
                    let batch = ok(store.claim_jobs(T0, T0 + HOUR, 10, &ALL_KINDS, &[]).await).jobs;
                    assert!(batch.len() <= 10, "the limit holds");
                    if batch.is_empty() {
                        return taken;
                    }
                    taken.extend(batch);
                }
            })
        })
        .collect();
    let mut taken = Vec::new();
    for task in tasks {
        taken.extend(task.await.unwrap_or_else(|e| panic!("task failed: {e}")));
    }
    assert!(taken.iter().all(|j| j.status == JobStatus::Running && j.attempts == 1), "each claimed once");
    let mut claimed_ids: Vec<JobId> = taken.iter().map(|j| j.id).collect();
    claimed_ids.sort();
    let mut expected: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
    expected.sort();
    assert_eq!(claimed_ids, expected, "every job exactly once");
    assert!(claim(store, T0, T0 + HOUR, 10).await.is_empty());
}

async fn case_concurrent_job_claims(store: Arc<dyn Store>) {
    claim_race(&[store]).await;
}

/// Two `sala serve` processes on one PostgreSQL database, two runners each, claiming the same 200
/// jobs: `FOR UPDATE SKIP LOCKED` gives each job to exactly one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_instances_claim_each_job_once() {
    let Some(db) = sala_store::testing::fresh_postgres().await else { return };
    let other: Arc<dyn Store> = Arc::new(ok(sala_store::postgres::PgStore::connect(&db.url).await));
    claim_race(&[db.store.clone(), other]).await;
}

/// A claim passes over the tenants it is told to skip (they hold their share of a runner's slots)
/// and takes the next tenants' jobs instead; the skipped ones stay pending for a later claim.
async fn case_jobs_claim_skips_busy_tenants(store: &dyn Store) {
    let Office { acme, ana, sala, .. } = office(store).await;
    let globex = add_tenant(store, "Globex", &["globex.test"]).await;
    let gina = add_user(store, globex.id, "gina@globex.test", "Gina").await;
    let lobby = add_room(store, globex.id, "Lobby").await;
    let (_, busy) = booking_with_jobs(store, &sala, &ana, &[T0, T0, T0]).await;
    let (_, waiting) = booking_with_jobs(store, &lobby, &gina, &[T0 + 1]).await;

    let taken = ok(store.claim_jobs(T0 + 1, T0 + HOUR, 2, &ALL_KINDS, &[acme.id]).await).jobs;
    assert_eq!(taken, vec![claimed(&waiting[0])], "the older jobs of the skipped tenant are passed over");
    for j in &busy {
        assert_eq!(stored_job(store, j).await, *j, "a skipped tenant's job stays pending");
    }
    let two_tenants = ok(store.claim_jobs(T0 + 1, T0 + HOUR, 10, &ALL_KINDS, &[acme.id, globex.id]).await).jobs;
    assert!(two_tenants.is_empty(), "every tenant skipped: nothing claimed");
    let later = ok(store.claim_jobs(T0 + 1, T0 + HOUR, 10, &ALL_KINDS, &[globex.id]).await).jobs;
    assert_eq!(later.len(), 3, "once not skipped, the tenant's jobs are claimed");
}

conformance!(
    borrowed: [
        case_jobs_claim_due_in_order,
        case_jobs_claim_only_listed_kinds,
        case_jobs_claim_skips_busy_tenants,
        case_jobs_lease_expiry,
        case_jobs_complete_retry_bury,
        case_jobs_stale_lease_token_cannot_settle,
        case_jobs_renew_extends_only_the_holders_jobs,
        case_jobs_list_and_replay,
        case_jobs_dropping_timed_jobs,
        case_jobs_release_waiting,
    ],
    shared: [
        case_concurrent_job_claims,
    ],
);
