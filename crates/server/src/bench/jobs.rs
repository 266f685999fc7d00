//! `sala bench jobs`: how fast the job runner delivers, to a fake SMTP server and a fake WhatsApp
//! Cloud API started in this process on 127.0.0.1 (the same fakes the tests use), on the database
//! it is given, in a fresh tenant.
//!
//! Two runs: notifications (each booking's `notify` job sends two emails with `.ics` and one
//! WhatsApp message), then a burst of reminders all due at once (each sends one WhatsApp message),
//! the "10,000 reminders due in the same minute" case.

use super::setup::{Setup, anyhow_app};
use crate::app::App;
use crate::config::{Secret, Settings, redact_url};
use sala_app::jobs::{Runner, RunnerConfig};
use sala_channels::testing::{FakeSmtp, FakeWhatsApp, SmtpMode};
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::{Attendee, Booking, Email, JobKind, Millis, TimeRange, now_millis};
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
    let app = App::build(settings, store.clone())?;
    let config =
        // One tenant: its share is every slot (a share below would only hold it back).
        RunnerConfig {
            concurrency: plan.concurrency.max(1),
            tenant_share: plan.concurrency.max(1),
            batch: plan.batch.max(1),
            ..RunnerConfig::default()
        };
    let runner = app.runner_with(config);
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

fn report(label: &str, jobs: usize, messages: usize, elapsed: Duration) {
    let secs = elapsed.as_secs_f64().max(1e-9);
    println!(
        "{label:<32} {jobs:>6} jobs  {messages:>6} messages  {:>7.2} s  {:>7.0} jobs/s  {:>7.0} messages/s",
        secs,
        jobs as f64 / secs,
        messages as f64 / secs
    );
}
