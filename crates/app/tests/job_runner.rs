//! The job runner against a real (SQLite) store: retries, dead jobs, replays, kinds, concurrency,
//! panics, timeouts and a graceful shutdown.

use async_trait::async_trait;
use sala_app::Context;
use sala_app::demo::seed_demo;
use sala_app::jobs::{Dispatch, JobFailure, Runner, RunnerConfig};
use sala_app::rooms::{NewRoom, create_room};
use sala_app::tenants::{NewTenant, create_tenant};
use sala_app::users::{NewUser, create_user};
use sala_domain::{
    Actor, Booking, BookingId, BookingStatus, Email, Job, JobId, JobKind, JobStatus, Millis, Room, TenantId, TimeRange,
    TimeZoneName, User, now_millis,
};
use sala_store::testing::{TestDb, fresh_sqlite};
use sala_store::{BookingWrite, Store};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
/// 2026-01-05 00:00 UTC.
const T0: Millis = 1_767_571_200_000;

fn ok<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("unexpected error: {e:?}"))
}

/// A store with the demo tenant, one of its rooms and one of its people.
struct World {
    _db: Arc<TestDb>,
    store: Arc<dyn Store>,
    tenant: TenantId,
    room: Room,
    organizer: User,
    next_start: AtomicI64,
}

async fn world() -> World {
    world_on(fresh_sqlite().await).await
}

async fn world_on(db: TestDb) -> World {
    let store = db.store.clone();
    let tenant = ok(seed_demo(&*store).await);
    let room = ok(store.list_rooms(tenant.id, false).await).into_iter().next().expect("a demo room");
    let organizer = ok(store.user_by_email(tenant.id, &ok(Email::parse("ana@acme.test"))).await).expect("Ana");
    World { _db: Arc::new(db), store, tenant: tenant.id, room, organizer, next_start: AtomicI64::new(T0 + 100 * HOUR) }
}

impl World {
    /// Another tenant on the same database, with a room and a person of its own.
    async fn neighbour(&self) -> World {
        let store = &*self.store;
        let globex = NewTenant { name: "Globex".into(), domains: vec!["globex.test".into()], ..NewTenant::default() };
        let tenant = ok(create_tenant(store, globex).await);
        let ctx = Context::system(tenant.id);
        let gina = NewUser { email: "gina@globex.test".into(), name: "Gina".into(), ..NewUser::default() };
        let organizer = ok(create_user(store, &ctx, gina).await);
        let room =
            ok(create_room(store, &ctx, NewRoom { name: "Lobby".into(), capacity: 4, ..NewRoom::default() }).await);
        World {
            _db: Arc::clone(&self._db),
            store: self.store.clone(),
            tenant: tenant.id,
            room,
            organizer,
            next_start: AtomicI64::new(T0 + 100 * HOUR),
        }
    }

    /// Writes a booking (each in an hour of its own) with one pending job per `(kind, run_at)`.
    async fn jobs(&self, wanted: &[(JobKind, Millis)]) -> Vec<Job> {
        let start = self.next_start.fetch_add(HOUR, Ordering::SeqCst);
        let booking = Booking {
            id: BookingId::new(),
            tenant_id: self.tenant,
            room_id: self.room.id,
            organizer_id: self.organizer.id,
            title: "Sync".into(),
            description: None,
            time: ok(TimeRange::new(start, start + HOUR / 2)),
            time_zone: ok(TimeZoneName::parse("Europe/Madrid")),
            attendees: Vec::new(),
            google_meet: false,
            status: BookingStatus::Confirmed,
            cancel_reason: None,
            external_ref: None,
            metadata: json!({}),
            series_id: None,
            recurrence_id: None,
            google_event_id: None,
            meet_link: None,
            reminders: None,
            version: 1,
            created_by: Actor::User(self.organizer.id),
            created_at: T0,
            updated_at: T0,
            cancelled_at: None,
        };
        let jobs: Vec<Job> = wanted
            .iter()
            .map(|&(kind, run_at)| Job {
                id: JobId::new(),
                tenant_id: self.tenant,
                kind,
                booking_id: Some(booking.id),
                payload: json!({"event": "booking.created", "booking_version": 1}),
                run_at,
                status: JobStatus::Pending,
                attempts: 0,
                last_error: None,
                created_at: T0,
            })
            .collect();
        let write = BookingWrite {
            tenant_id: self.tenant,
            series: None,
            bookings: std::slice::from_ref(&booking),
            audit: &[],
            jobs: &jobs,
            idempotency: None,
            drop_timed_jobs: &[],
            unless_checked_in: false,
        };
        ok(self.store.insert_bookings(write).await);
        jobs
    }

    async fn job(&self, kind: JobKind, run_at: Millis) -> Job {
        self.jobs(&[(kind, run_at)]).await.remove(0)
    }

    /// The job as stored now.
    async fn stored(&self, job: &Job) -> Job {
        let booking = job.booking_id.expect("a booking job");
        let jobs = ok(self.store.jobs_for_booking(self.tenant, booking).await);
        jobs.into_iter().find(|j| j.id == job.id).expect("the job is stored")
    }

    fn runner(&self, fakes: Fakes, config: RunnerConfig) -> Runner {
        Runner::new(self.store.clone(), Arc::new(fakes), config)
    }
}

/// What a fake handler does on each run.
enum Behaviour {
    /// Fails (retryably) this many times, then succeeds.
    FailTimes(u32),
    /// Always fails with a final error.
    Final(&'static str),
    /// Always fails retryably, asking to wait `after` when given.
    AlwaysRetry(Option<Duration>),
    /// Panics on the first run, then succeeds.
    PanicOnce,
    /// Takes this long, then succeeds.
    Sleep(Duration),
    /// Takes this long on the first run, then succeeds at once.
    SlowOnce(Duration),
    /// Takes this long, then fails for good.
    FinalAfter(Duration),
}

struct Fake {
    kind: JobKind,
    behaviour: Behaviour,
    runs: AtomicU32,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl Fake {
    fn new(kind: JobKind, behaviour: Behaviour) -> Arc<Self> {
        Arc::new(Self {
            kind,
            behaviour,
            runs: AtomicU32::new(0),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
        })
    }

    fn runs(&self) -> u32 {
        self.runs.load(Ordering::SeqCst)
    }
}

/// Fakes standing in for the handlers: each runs the jobs of its kind.
struct Fakes(Vec<Arc<Fake>>);

#[async_trait]
impl Dispatch for Fakes {
    fn kinds(&self) -> Vec<JobKind> {
        self.0.iter().map(|f| f.kind).collect()
    }

    async fn run(&self, job: &Job) -> Result<(), JobFailure> {
        match self.0.iter().find(|f| f.kind == job.kind) {
            Some(fake) => fake.run(job).await,
            None => Err(JobFailure::retry(format!("no fake for {} jobs", job.kind.as_str()))),
        }
    }
}

impl Fake {
    async fn run(&self, _job: &Job) -> Result<(), JobFailure> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        match &self.behaviour {
            Behaviour::FailTimes(n) if run <= *n => Err(JobFailure::retry(format!("failure {run}"))),
            Behaviour::FailTimes(_) => Ok(()),
            Behaviour::Final(reason) => Err(JobFailure::final_(*reason)),
            Behaviour::AlwaysRetry(after) => Err(JobFailure::Retry { reason: "still down".into(), after: *after }),
            Behaviour::PanicOnce if run == 1 => panic!("the fake handler panics"),
            Behaviour::PanicOnce => Ok(()),
            Behaviour::SlowOnce(d) if run == 1 => {
                tokio::time::sleep(*d).await;
                Ok(())
            }
            Behaviour::SlowOnce(_) => Ok(()),
            Behaviour::FinalAfter(d) => {
                self.in_flight.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(*d).await;
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                Err(JobFailure::final_("the paused runner's late failure"))
            }
            Behaviour::Sleep(d) => {
                let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                self.most_in_flight.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(*d).await;
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            }
        }
    }
}

fn handlers(fakes: &[&Arc<Fake>]) -> Fakes {
    Fakes(fakes.iter().map(|f| Arc::clone(f)).collect())
}

#[tokio::test]
async fn a_job_failing_n_times_is_done_after_n_plus_one_runs() {
    let w = world().await;
    let job = w.job(JobKind::Notify, T0).await;
    let fake = Fake::new(JobKind::Notify, Behaviour::FailTimes(3));
    let config = RunnerConfig::default();
    let runner = w.runner(handlers(&[&fake]), config.clone());

    let mut now = T0;
    for attempt in 1..=3u32 {
        assert_eq!(ok(runner.run_due(now).await), 1, "attempt {attempt} runs");
        let stored = w.stored(&job).await;
        assert_eq!(stored.status, JobStatus::Pending, "retried after attempt {attempt}");
        assert_eq!(stored.attempts, attempt);
        assert_eq!(stored.last_error, Some(format!("failure {attempt}")));
        let delay = stored.run_at - now;
        let expected = config.base_backoff.as_millis() as i64 * (1 << (attempt - 1));
        assert!(
            // Plus the moments the run itself took.
            (expected * 8 / 10..=expected * 12 / 10 + 1000).contains(&delay),
            "attempt {attempt}: delay {delay} ms is {expected} ms ± 20 %"
        );
        assert_eq!(ok(runner.run_due(stored.run_at - 1).await), 0, "not due before its retry time");
        now = stored.run_at;
    }
    assert_eq!(ok(runner.run_due(now).await), 1);
    let stored = w.stored(&job).await;
    assert_eq!(stored.status, JobStatus::Done);
    assert_eq!(stored.attempts, 4);
    assert_eq!(fake.runs(), 4);
    assert_eq!(ok(runner.run_due(now + HOUR).await), 0, "a done job does not run again");
}

#[tokio::test]
async fn a_final_failure_is_dead_with_its_reason_and_a_replay_runs_it_again() {
    let w = world().await;
    let job = w.job(JobKind::Notify, T0).await;
    let fake = Fake::new(JobKind::Notify, Behaviour::Final("invalid number"));
    let runner = w.runner(handlers(&[&fake]), RunnerConfig::default());

    assert_eq!(ok(runner.run_due(T0).await), 1);
    let stored = w.stored(&job).await;
    assert_eq!(stored.status, JobStatus::Dead, "no retry after a final failure");
    assert_eq!(stored.last_error.as_deref(), Some("invalid number"));
    assert_eq!(ok(runner.run_due(T0 + 10 * HOUR).await), 0, "a dead job stays dead");
    let dead = ok(w.store.list_jobs(w.tenant, Some(JobStatus::Dead), None, 10).await);
    assert_eq!(dead.iter().map(|j| j.id).collect::<Vec<_>>(), vec![job.id], "listed for the admin");

    ok(w.store.replay_job(w.tenant, job.id, T0 + MINUTE).await);
    assert_eq!(ok(runner.run_due(T0 + MINUTE).await), 1, "the replayed job runs again");
    assert_eq!(fake.runs(), 2);
    let stored = w.stored(&job).await;
    assert_eq!((stored.status, stored.attempts), (JobStatus::Dead, 1));
}

#[tokio::test]
async fn a_job_failing_max_attempts_times_is_dead() {
    let w = world().await;
    let job = w.job(JobKind::Webhook, T0).await;
    let fake = Fake::new(JobKind::Webhook, Behaviour::AlwaysRetry(None));
    let runner = w.runner(handlers(&[&fake]), RunnerConfig { max_attempts: 3, ..RunnerConfig::default() });

    let mut now = T0;
    for _ in 0..2 {
        assert_eq!(ok(runner.run_due(now).await), 1);
        let stored = w.stored(&job).await;
        assert_eq!(stored.status, JobStatus::Pending);
        now = stored.run_at;
    }
    assert_eq!(ok(runner.run_due(now).await), 1);
    let stored = w.stored(&job).await;
    assert_eq!(stored.status, JobStatus::Dead);
    assert_eq!(stored.attempts, 3);
    assert_eq!(stored.last_error.as_deref(), Some("gave up after 3 attempts: still down"));
    assert_eq!(ok(runner.run_due(now + 10 * HOUR).await), 0);
    assert_eq!(fake.runs(), 3);
}

#[tokio::test]
async fn a_longer_retry_after_wins_over_the_backoff() {
    let w = world().await;
    let job = w.job(JobKind::Notify, T0).await;
    let fake = Fake::new(JobKind::Notify, Behaviour::AlwaysRetry(Some(Duration::from_secs(3600))));
    let runner = w.runner(handlers(&[&fake]), RunnerConfig::default());
    assert_eq!(ok(runner.run_due(T0).await), 1);
    let delay = w.stored(&job).await.run_at - T0;
    assert!((HOUR..HOUR + 1000).contains(&delay), "the handler's Retry-After (1 h) beats 10 s: {delay}");
}

#[tokio::test]
async fn a_job_of_an_unhandled_kind_stays_pending() {
    let w = world().await;
    let jobs = w.jobs(&[(JobKind::Notify, T0), (JobKind::Webhook, T0 - MINUTE)]).await;
    let fake = Fake::new(JobKind::Notify, Behaviour::FailTimes(0));
    let runner = w.runner(handlers(&[&fake]), RunnerConfig::default());
    assert_eq!(ok(runner.run_due(T0).await), 1, "only the notify job");
    assert_eq!(w.stored(&jobs[0]).await.status, JobStatus::Done);
    assert_eq!(w.stored(&jobs[1]).await, jobs[1], "the webhook job is untouched");

    let nothing = w.runner(Fakes(Vec::new()), RunnerConfig::default());
    assert_eq!(ok(nothing.run_due(T0).await), 0, "a runner with no handlers claims nothing");
    assert_eq!(w.stored(&jobs[1]).await, jobs[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_concurrency_bound_holds() {
    let w = world().await;
    let mut jobs = Vec::new();
    for _ in 0..10 {
        jobs.push(w.job(JobKind::Reminder, T0).await);
    }
    let fake = Fake::new(JobKind::Reminder, Behaviour::Sleep(Duration::from_millis(60)));
    let runner = w.runner(handlers(&[&fake]), RunnerConfig { concurrency: 3, ..RunnerConfig::default() });
    assert_eq!(ok(runner.run_due(T0).await), 10);
    let most = fake.most_in_flight.load(Ordering::SeqCst);
    assert!(most <= 3, "at most 3 at once, saw {most}");
    assert!(most >= 2, "they do run side by side, saw {most}");
    for j in &jobs {
        assert_eq!(w.stored(j).await.status, JobStatus::Done);
    }
}

#[tokio::test]
async fn a_panicking_handler_is_retried_and_the_runner_survives() {
    let w = world().await;
    let job = w.job(JobKind::CalendarSync, T0).await;
    let fake = Fake::new(JobKind::CalendarSync, Behaviour::PanicOnce);
    let runner = w.runner(handlers(&[&fake]), RunnerConfig::default());
    assert_eq!(ok(runner.run_due(T0).await), 1);
    let stored = w.stored(&job).await;
    assert_eq!(stored.status, JobStatus::Pending);
    assert_eq!(stored.last_error.as_deref(), Some("the handler panicked"));
    assert_eq!(ok(runner.run_due(stored.run_at).await), 1);
    assert_eq!(w.stored(&job).await.status, JobStatus::Done);
}

#[tokio::test]
async fn a_handler_running_past_the_timeout_is_retried() {
    let w = world().await;
    let job = w.job(JobKind::Notify, T0).await;
    let fake = Fake::new(JobKind::Notify, Behaviour::SlowOnce(Duration::from_secs(30)));
    let config = RunnerConfig { job_timeout: Duration::from_millis(50), ..RunnerConfig::default() };
    let runner = w.runner(handlers(&[&fake]), config);
    assert_eq!(ok(runner.run_due(T0).await), 1);
    let stored = w.stored(&job).await;
    assert_eq!(stored.status, JobStatus::Pending);
    assert!(stored.last_error.as_deref().is_some_and(|e| e.starts_with("timed out")), "{stored:?}");
    assert!(stored.run_at >= T0 + 10_000 * 8 / 10 + 50, "the retry counts from when the run ended");
    assert_eq!(ok(runner.run_due(stored.run_at).await), 1);
    assert_eq!(w.stored(&job).await.status, JobStatus::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_until_finishes_the_jobs_in_flight_on_shutdown() {
    let w = world().await;
    let job = w.job(JobKind::Notify, now_millis() - MINUTE).await;
    let fake = Fake::new(JobKind::Notify, Behaviour::Sleep(Duration::from_millis(300)));
    let config = RunnerConfig { poll_interval: Duration::from_millis(20), ..RunnerConfig::default() };
    let runner = Arc::new(w.runner(handlers(&[&fake]), config));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn({
        let runner = Arc::clone(&runner);
        async move {
            runner
                .run_until(async move {
                    let _ = stopped.await;
                })
                .await;
        }
    });
    // Shut down while the job runs.
    while fake.in_flight.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = stop.send(());
    ok(tokio::time::timeout(Duration::from_secs(10), task).await).expect("the runner returns");
    assert_eq!(w.stored(&job).await.status, JobStatus::Done, "the job in flight was finished");
    assert_eq!(fake.runs(), 1);
}

/// Webhook jobs whose receivers hang until released (a careless tenant's endpoints), and notify
/// jobs that answer at once and note how many webhook calls were open when they ran.
#[derive(Default)]
struct HangingReceivers {
    release: tokio::sync::Notify,
    released: std::sync::atomic::AtomicBool,
    hanging: AtomicUsize,
    most_hanging: AtomicUsize,
    /// Webhook calls open when each notify job ran, in order.
    open_at_notify: std::sync::Mutex<Vec<usize>>,
}

#[async_trait]
impl Dispatch for HangingReceivers {
    fn kinds(&self) -> Vec<JobKind> {
        vec![JobKind::Webhook, JobKind::Notify]
    }

    async fn run(&self, job: &Job) -> Result<(), JobFailure> {
        if job.kind == JobKind::Notify {
            let open = self.hanging.load(Ordering::SeqCst);
            self.open_at_notify.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(open);
            return Ok(());
        }
        let now = self.hanging.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_hanging.fetch_max(now, Ordering::SeqCst);
        while !self.released.load(Ordering::SeqCst) {
            let released = self.release.notified();
            if self.released.load(Ordering::SeqCst) {
                break;
            }
            released.await;
        }
        self.hanging.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }
}

impl HangingReceivers {
    fn open_at_notify(&self) -> Vec<usize> {
        self.open_at_notify.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn release_all(&self) {
        self.released.store(true, Ordering::SeqCst);
        self.release.notify_waiters();
    }
}

/// Runs `runner` until the returned sender is used (or dropped).
fn run_in_background(runner: Arc<Runner>) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        runner
            .run_until(async move {
                let _ = stopped.await;
            })
            .await;
    });
    (stop, task)
}

/// Waits (up to ten seconds) until `job` is done.
async fn until_done(w: &World, job: &Job) {
    for _ in 0..1000 {
        if w.stored(job).await.status == JobStatus::Done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {} was not done in time: {:?}", job.id, w.stored(job).await);
}

fn hanging_config() -> RunnerConfig {
    RunnerConfig {
        concurrency: 4,
        tenant_share: 2,
        poll_interval: Duration::from_millis(20),
        job_timeout: Duration::from_secs(60),
        lease: Duration::from_secs(120),
        ..RunnerConfig::default()
    }
}

/// One tenant's twenty webhook jobs hang (its receivers accept and never answer); another
/// tenant's confirmation, due after all of them, still runs while they hang: the hanging tenant
/// holds no more than its share of the slots.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_with_hanging_receivers_leaves_slots_for_the_others() {
    let acme = world().await;
    let globex = acme.neighbour().await;
    let now = now_millis();
    for _ in 0..20 {
        acme.job(JobKind::Webhook, now - 2 * MINUTE).await;
    }
    let confirmation = globex.job(JobKind::Notify, now - MINUTE).await;
    let receivers = Arc::new(HangingReceivers::default());
    let dispatch: Arc<dyn Dispatch> = receivers.clone();
    let runner = Arc::new(Runner::new(acme.store.clone(), dispatch, hanging_config()));
    let (stop, task) = run_in_background(runner);

    until_done(&globex, &confirmation).await;
    assert_eq!(receivers.open_at_notify(), vec![2], "the confirmation ran while Acme's share of calls hung");
    assert_eq!(receivers.most_hanging.load(Ordering::SeqCst), 2, "Acme never held more than its share");

    receivers.release_all();
    let _ = stop.send(());
    ok(tokio::time::timeout(Duration::from_secs(10), task).await).expect("the runner returns");
}

/// A slow job does not hold the runner back: a job that becomes due while it runs is claimed as
/// soon as a slot is free, not after the slow one ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_due_later_runs_while_a_slow_one_is_still_running() {
    let w = world().await;
    let slow = w.job(JobKind::Webhook, now_millis() - MINUTE).await;
    let receivers = Arc::new(HangingReceivers::default());
    let dispatch: Arc<dyn Dispatch> = receivers.clone();
    let runner = Arc::new(Runner::new(w.store.clone(), dispatch, hanging_config()));
    let (stop, task) = run_in_background(runner);
    while receivers.hanging.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let later = w.job(JobKind::Notify, now_millis()).await;
    until_done(&w, &later).await;
    assert_eq!(receivers.open_at_notify(), vec![1], "it ran while the slow job was still running");
    assert_eq!(w.stored(&slow).await.status, JobStatus::Running);

    receivers.release_all();
    let _ = stop.send(());
    ok(tokio::time::timeout(Duration::from_secs(10), task).await).expect("the runner returns");
    assert_eq!(w.stored(&slow).await.status, JobStatus::Done);
}

/// A lease test on SQLite and, when `SALA_TEST_POSTGRES_URL` reaches a server, on PostgreSQL.
macro_rules! both_dbs {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::world_on(sala_store::testing::fresh_sqlite().await).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = sala_store::testing::fresh_postgres().await {
                    super::$name(super::world_on(db).await).await;
                }
            }
        }
    };
}

/// A short lease, renewed every `heartbeat`.
fn leased(lease_ms: u64, heartbeat_ms: u64) -> RunnerConfig {
    RunnerConfig {
        lease: Duration::from_millis(lease_ms),
        heartbeat: Duration::from_millis(heartbeat_ms),
        ..RunnerConfig::default()
    }
}

/// Runs `runner.run_due` (on the real clock) in a task of its own.
fn spawn_run(runner: &Arc<Runner>) -> tokio::task::JoinHandle<usize> {
    let runner = Arc::clone(runner);
    tokio::spawn(async move { ok(runner.run_due(now_millis()).await) })
}

async fn until_running(fake: &Fake) {
    for _ in 0..1000 {
        if fake.in_flight.load(Ordering::SeqCst) > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the job never started");
}

/// A job that runs for longer than several leases keeps its lease by heartbeat: another runner
/// polling all along never takes it, and it runs once.
async fn a_renewed_job_is_not_taken_over_while_it_runs(w: World) {
    let job = w.job(JobKind::Notify, now_millis() - MINUTE).await;
    let slow = Fake::new(JobKind::Notify, Behaviour::Sleep(Duration::from_millis(1500)));
    let runner = Arc::new(w.runner(handlers(&[&slow]), leased(400, 100)));
    let other_fake = Fake::new(JobKind::Notify, Behaviour::FailTimes(0));
    let other = w.runner(handlers(&[&other_fake]), leased(400, 100));
    let running = spawn_run(&runner);
    until_running(&slow).await;
    while !running.is_finished() {
        assert_eq!(ok(other.run_due(now_millis()).await), 0, "the renewed lease holds");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(ok(running.await), 1);
    let stored = w.stored(&job).await;
    assert_eq!((stored.status, stored.attempts), (JobStatus::Done, 1));
    assert_eq!((slow.runs(), other_fake.runs()), (1, 0));
}
both_dbs!(a_renewed_job_is_not_taken_over_while_it_runs);

/// A runner that dies mid-job (its future dropped: no more heartbeats, its run stopped) leaves the
/// job to another runner once the short lease ends, not before.
async fn a_dead_runners_job_is_taken_over_within_the_lease(w: World) {
    let job = w.job(JobKind::Notify, now_millis() - MINUTE).await;
    let hangs = Fake::new(JobKind::Notify, Behaviour::Sleep(Duration::from_secs(60)));
    let runner = Arc::new(w.runner(handlers(&[&hangs]), leased(1000, 300)));
    let dying = spawn_run(&runner);
    until_running(&hangs).await;
    // Killed after a couple of renewals.
    tokio::time::sleep(Duration::from_millis(700)).await;
    dying.abort();
    let _ = dying.await;
    drop(runner);
    let killed = std::time::Instant::now();
    let taker = Fake::new(JobKind::Notify, Behaviour::FailTimes(0));
    let other = w.runner(handlers(&[&taker]), leased(1000, 300));
    loop {
        if ok(other.run_due(now_millis()).await) == 1 {
            break;
        }
        assert!(killed.elapsed() < Duration::from_secs(5), "not taken over within the lease");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let recovered = killed.elapsed();
    eprintln!("a dead runner's job was taken over {} ms after the kill (lease 1000 ms)", recovered.as_millis());
    assert!(recovered >= Duration::from_millis(300), "taken while the last renewal still held: {recovered:?}");
    assert!(recovered <= Duration::from_millis(1500), "the short lease bounds the wait: {recovered:?}");
    let stored = w.stored(&job).await;
    assert_eq!((stored.status, stored.attempts), (JobStatus::Done, 2));
    assert_eq!((hangs.runs(), taker.runs()), (1, 1));
}
both_dbs!(a_dead_runners_job_is_taken_over_within_the_lease);

/// A paused runner (its heartbeat did not get through) whose job another runner took over and
/// finished cannot settle it when it wakes: its late failure is not written, the job stays done.
async fn a_paused_runner_whose_lease_was_taken_does_not_settle(w: World) {
    let job = w.job(JobKind::Notify, now_millis() - MINUTE).await;
    let paused = Fake::new(JobKind::Notify, Behaviour::FinalAfter(Duration::from_millis(1200)));
    // A heartbeat far beyond its lease: as if the process were stopped.
    let runner = Arc::new(w.runner(handlers(&[&paused]), leased(300, 60_000)));
    let waking = spawn_run(&runner);
    until_running(&paused).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let taker = Fake::new(JobKind::Notify, Behaviour::FailTimes(0));
    let other = w.runner(handlers(&[&taker]), leased(300, 100));
    assert_eq!(ok(other.run_due(now_millis()).await), 1, "its lease ended: taken over");
    assert_eq!(w.stored(&job).await.status, JobStatus::Done);
    assert_eq!(ok(waking.await), 1, "the paused runner's run ended");
    let stored = w.stored(&job).await;
    assert_eq!(paused.runs(), 1);
    assert_eq!(
        (stored.status, stored.attempts, stored.last_error),
        (JobStatus::Done, 2, None),
        "the paused runner's failure was not written over the takeover"
    );
}
both_dbs!(a_paused_runner_whose_lease_was_taken_does_not_settle);
