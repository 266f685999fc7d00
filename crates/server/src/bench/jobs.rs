//! `sala bench jobs`: how fast the job runner delivers, to a fake SMTP server and a fake WhatsApp
//! Cloud API started in this process on 127.0.0.1 (the same fakes the tests use), on the database
//! it is given, in a fresh tenant.
//!
//! Two runs: notifications (each booking's `notify` job sends two emails with `.ics` and one
//! WhatsApp message), then a burst of reminders all due at once (each sends one WhatsApp message),
//! the "10,000 reminders due in the same minute" case. Last, recovery: a runner killed with a
//! batch of notifications in flight, and how long until another runner has taken them over and
//! sent them (bounded by the lease, `SALA_JOBS_LEASE_SECONDS`, which the heartbeat keeps short).

use super::setup::{Setup, anyhow_app};
use crate::app::App;
use crate::config::{Secret, Settings, redact_url};
use sala_app::jobs::{Runner, RunnerConfig};
use sala_channels::testing::{FakeSmtp, FakeWhatsApp, SmtpMode};
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::{Attendee, Booking, Email, JobKind, JobStatus, Millis, TimeRange, now_millis};
use sala_store::BookingWrite;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct JobsBenchPlan {
    /// Bookings whose notifications are delivered in the first run.
    pub notifications: usize,
    /// Reminders due at once in the second run.
    pub reminders: usize,
    pub rooms: usize,
    /// Jobs running at once, and claimed per round.
    pub concurrency: usize,
    pub batch: u32,
}

pub async fn run(mut settings: Settings, store: Arc<dyn sala_app::Store>, plan: JobsBenchPlan) -> anyhow::Result<()> {
    let smtp = FakeSmtp::start(SmtpMode::Accept).await?;
    let whatsapp = FakeWhatsApp::start().await?;
    let config = whatsapp.config();
    settings.dev = false;
    settings.smtp_url = Some(Secret::new(smtp.url(false)));
    settings.whatsapp_api_base = config.api_base;
    settings.whatsapp_phone_number_id = Some(config.phone_number_id);
    settings.whatsapp_token = Some(Secret::new(config.token));
    let setup = Setup::create(store.as_ref(), plan.rooms).await?;
    let mut organizer = setup.organizer.clone();
    organizer.phone = Some(sala_domain::Phone::parse("+34 612 345 678").map_err(|e| anyhow::anyhow!("{e}"))?);
    organizer.whatsapp_opt_in = true;
    let ctx = sala_app::Context::system(setup.tenant.id);
    store.update_user(&organizer, &ctx.audit("user.updated", "user", Some(organizer.id.0), None, None)).await?;
    let database = redact_url(&settings.database_url());
    let leases = settings.runner_config();
    let app = App::build(settings.clone(), store.clone())?;
    let config =
        // One tenant: its share is every slot (a share below would only hold it back).
        RunnerConfig {
            concurrency: plan.concurrency.max(1),
            tenant_share: plan.concurrency.max(1),
            batch: plan.batch.max(1),
            lease: leases.lease,
            heartbeat: leases.heartbeat,
            ..RunnerConfig::default()
        };
    let runner = app.runner_with(config.clone());
    println!(
        "database {database}  notifications {}  reminders {}  concurrency {}  batch {}",
        plan.notifications, plan.reminders, plan.concurrency, plan.batch
    );

    // Notifications: one guest each, so two emails and the organizer's WhatsApp message.
    let guest = Attendee {
        email: Email::parse("guest@example.com").map_err(|e| anyhow::anyhow!("{e}"))?,
        name: None,
        user_id: None,
    };
    let day = 24 * 3600 * 1000;
    let times: Vec<(usize, TimeRange)> =
        (0..plan.notifications).map(|i| (i, slot(&setup, setup.base + 30 * day, i))).collect();
    write(&store, &setup, &times, vec![guest], JobKind::Notify).await?;
    let (jobs, elapsed) = drain(&runner, now_millis(), "notifications").await?;
    let (mails, texts) = (smtp.received().len(), whatsapp.accepted().len());
    report("notify jobs", jobs, mails + texts, elapsed);

    // Reminders: bookings starting in the next hours, every reminder due when the runner starts.
    let soon = (now_millis() / 60_000 + 120) * 60_000;
    let times: Vec<(usize, TimeRange)> = (0..plan.reminders).map(|i| (i, slot(&setup, soon, i))).collect();
    write(&store, &setup, &times, Vec::new(), JobKind::Reminder).await?;
    let latest = times.iter().map(|(_, t)| t.start).max().unwrap_or(soon) - 15 * 60_000;
    let (jobs, elapsed) = drain(&runner, latest + 1, "reminders").await?;
    report("reminder jobs (all due at once)", jobs, whatsapp.accepted().len() - texts, elapsed);

    let held = plan.concurrency.max(1);
    let times: Vec<(usize, TimeRange)> = (0..held)
        .map(|i| (plan.notifications + i, slot(&setup, setup.base + 60 * day, plan.notifications + i)))
        .collect();
    write(&store, &setup, &times, Vec::new(), JobKind::Notify).await?;
    recovery(&settings, &store, &setup, &smtp, config, held).await
}

/// A runner killed (its future dropped: no more heartbeats) with `expected` notifications in
/// flight, held up by a slow SMTP server; then another runner: how long until it took them over
/// and sent them. Each runner is built as a process of its own would be (its own SMTP
/// connections: the killed one's half-sent sessions are not reused).
async fn recovery(
    settings: &Settings,
    store: &Arc<dyn sala_app::Store>,
    setup: &Setup,
    smtp: &FakeSmtp,
    config: RunnerConfig,
    expected: usize,
) -> anyhow::Result<()> {
    let lease = config.lease;
    let notify = || async {
        let jobs = store.list_jobs(setup.tenant.id, None, None, 500).await?;
        anyhow::Ok(
            jobs.into_iter().filter(|j| j.kind == JobKind::Notify && j.status != JobStatus::Done).collect::<Vec<_>>(),
        )
    };
    // Held up long enough to be killed in flight; the sessions end by themselves later.
    smtp.set_mode(SmtpMode::SlowMail(millis_u64(lease)));
    let dying = Arc::new(App::build(settings.clone(), store.clone())?.runner_with(config.clone()));
    let task = tokio::spawn({
        let dying = Arc::clone(&dying);
        async move { dying.run_due(now_millis()).await }
    });
    let started = Instant::now();
    let mut held = notify().await?;
    while held.iter().filter(|j| j.status == JobStatus::Running).count() < expected
        && started.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
        held = notify().await?;
    }
    task.abort();
    let _ = task.await;
    drop(dying);
    let killed = Instant::now();
    let held: Vec<_> = notify().await?.into_iter().filter(|j| j.status == JobStatus::Running).collect();
    smtp.set_mode(SmtpMode::Accept);
    let sent_before = smtp.received().len();
    println!(
        "  recovery: a runner killed with {} notifications in flight (lease {} s)",
        held.len(),
        lease.as_secs_f64()
    );
    // Another runner, polling as `sala serve` does; the store shows when it takes the jobs over.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let other = App::build(settings.clone(), store.clone())?;
    let taker = Arc::new(other.runner_with(RunnerConfig { poll_interval: Duration::from_millis(100), ..config }));
    let serving = tokio::spawn({
        let taker = Arc::clone(&taker);
        async move {
            taker
                .run_until(async move {
                    let _ = stopped.await;
                })
                .await;
        }
    });
    let (mut first, mut all) = (None, None);
    while all.is_none() && killed.elapsed() < lease * 4 + Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let left = notify().await?;
        let retaken = held.iter().any(|h| left.iter().all(|j| j.id != h.id || j.attempts > h.attempts));
        if retaken && first.is_none() {
            first = Some(killed.elapsed());
        }
        if held.iter().all(|h| left.iter().all(|j| j.id != h.id)) {
            all = Some(killed.elapsed());
        }
    }
    let _ = stop.send(());
    let _ = serving.await;
    let secs = |d: Option<Duration>| d.map_or("never".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()));
    println!(
        "{:<32} {:>6} jobs  {:>6} messages  first taken over after {}, all done after {} (lease {} s)",
        "jobs of a killed runner",
        held.len(),
        smtp.received().len() - sent_before,
        secs(first),
        secs(all),
        lease.as_secs_f64()
    );
    Ok(())
}

/// The `i`-th slot from `base`: rooms round-robin, 5-minute slots back to back in each room.
fn slot(setup: &Setup, base: Millis, i: usize) -> TimeRange {
    let n = (i / setup.rooms.len()) as i64;
    let start = base + n * 5 * 60_000;
    TimeRange { start, end: start + 5 * 60_000 }
}

/// Writes the bookings straight to the store with only their jobs of `kind`, 500 per transaction.
async fn write(
    store: &Arc<dyn sala_app::Store>,
    setup: &Setup,
    times: &[(usize, TimeRange)],
    attendees: Vec<Attendee>,
    kind: JobKind,
) -> anyhow::Result<()> {
    let started = Instant::now();
    for chunk in times.chunks(500) {
        let now = now_millis();
        let bookings: Vec<Booking> = chunk
            .iter()
            .map(|(i, time)| setup.booking(*i, setup.rooms[i % setup.rooms.len()], *time, attendees.clone()))
            .collect();
        let jobs: Vec<_> = bookings
            .iter()
            .flat_map(|b| {
                let facts = Facts { reminders: setup.tenant.reminders.clone(), ..Facts::at(now) };
                outbox::plan(Change::Created { bookings: std::slice::from_ref(b), series: None }, &facts).jobs
            })
            .filter(|j| j.kind == kind)
            .collect();
        let write = BookingWrite::new(setup.tenant.id, &bookings, &[], &jobs);
        store.insert_bookings(write).await.map_err(|e| anyhow_app(e.into()))?;
    }
    println!(
        "  wrote {} bookings with their {} jobs in {:.1} s",
        times.len(),
        kind.as_str(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs everything due at `now`, printing progress every few seconds; how many ran, how long.
async fn drain(runner: &Runner, now: Millis, what: &str) -> anyhow::Result<(usize, Duration)> {
    let started = Instant::now();
    let mut last_report = Instant::now();
    let mut total = 0;
    loop {
        let ran = runner.run_due(now).await?;
        if ran == 0 {
            break;
        }
        total += ran;
        if last_report.elapsed() > Duration::from_secs(5) {
            println!("  {what}: {total} jobs so far ({:.0}/s)", total as f64 / started.elapsed().as_secs_f64());
            last_report = Instant::now();
        }
    }
    Ok((total, started.elapsed()))
}

fn millis_u64(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn report(label: &str, jobs: usize, messages: usize, elapsed: Duration) {
    let secs = elapsed.as_secs_f64().max(1e-9);
    println!(
        "{label:<32} {jobs:>6} jobs  {messages:>6} messages  {:>7.2} s  {:>7.0} jobs/s  {:>7.0} messages/s",
        secs,
        jobs as f64 / secs,
        messages as f64 / secs
    );
}
