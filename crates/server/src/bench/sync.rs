//! `sala bench-sync`: the work two-way calendar sync does per pushed change, against the full
//! read it replaces. One person's calendar holds a year of their meetings, written by Sala into
//! the fake Google (or, with `microsoft`, the fake Microsoft Graph) the tests use, started here on
//! 127.0.0.1; then, on the database given:
//! - a full read (a first sync, or the one after Google's 410): every event listed and compared;
//! - one change pushed (the organizer drags a meeting): the read of what changed and the move of
//!   the booking, then Sala's write back of it and the echo Google notifies of it.
//!
//! Each figure is the median of `rounds`, with the Calendar API calls it made.

use super::setup::{Setup, anyhow_app, median, ms};
use crate::app::App;
use crate::config::{Secret, Settings, redact_url};
use sala_app::google_connections::{Grant, connect};
use sala_app::jobs::Runner;
use sala_app::secrets::SecretBox;
use sala_channels::testing::microsoft::{FAKE_MICROSOFT_CLIENT_ID, FAKE_MICROSOFT_CLIENT_SECRET, FakeMicrosoft};
use sala_channels::testing::{FAKE_GOOGLE_CLIENT_ID, FAKE_GOOGLE_CLIENT_SECRET, FakeGoogle};
use sala_domain::google::CALENDAR_SCOPE;
use sala_domain::jobs::JobPayload;
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::{Job, TimeRange, now_millis};
use sala_store::BookingWrite;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct SyncBenchPlan {
    /// Meetings in the person's calendar (two a working day fill a year at 500).
    pub events: usize,
    /// Times each measurement is repeated (the median is printed).
    pub rounds: usize,
    /// Outlook through Microsoft Graph rather than Google Calendar.
    pub microsoft: bool,
}

/// The fake calendar the bench runs against, as far as the bench needs it.
trait FakeCalendar {
    /// Events in the organizer's calendar.
    fn events(&self, organizer: &str) -> usize;
    /// API calls made so far.
    fn calls(&self) -> usize;
    /// The organizer drags an event to another time in their calendar.
    fn drag(&self, event: &str, start: i64, end: i64);
}

impl FakeCalendar for FakeGoogle {
    fn events(&self, _organizer: &str) -> usize {
        FakeGoogle::events(self).len()
    }
    fn calls(&self) -> usize {
        FakeGoogle::calls(self).len()
    }
    fn drag(&self, event: &str, start: i64, end: i64) {
        self.move_in_google(event, start, end);
    }
}

impl FakeCalendar for FakeMicrosoft {
    fn events(&self, organizer: &str) -> usize {
        self.events_in(organizer).len()
    }
    fn calls(&self) -> usize {
        FakeMicrosoft::calls(self).len()
    }
    fn drag(&self, event: &str, start: i64, end: i64) {
        let at = |ms| jiff::Timestamp::from_millisecond(ms).unwrap_or_default();
        self.move_in_outlook(event, at(start), at(end));
    }
}

/// The organization's directory id in the Microsoft run.
const DIRECTORY: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

const HOUR: i64 = 3_600_000;
const REFRESH: &str = "1//bench-refresh";

pub async fn run(mut settings: Settings, store: Arc<dyn sala_app::Store>, plan: SyncBenchPlan) -> anyhow::Result<()> {
    settings.calendar_push = false; // The bench schedules the reads itself.
    let setup = Setup::create(store.as_ref(), 1).await?;
    let fake: Box<dyn FakeCalendar> = if plan.microsoft {
        Box::new(with_microsoft(&mut settings, store.as_ref(), &setup).await?)
    } else {
        Box::new(with_google(&mut settings, store.as_ref(), &setup).await?)
    };
    let app = App::build(settings.clone(), store.clone())?;
    let runner = app.runner();
    let database = redact_url(&settings.database_url());
    let organizer = setup.organizer.email.to_string();

    let started = Instant::now();
    let ids = write_meetings(&store, &setup, plan.events).await?;
    drain(&runner).await?;
    let events = fake.events(&organizer);
    anyhow::ensure!(events == plan.events, "Sala wrote {events} events of {}", plan.events);
    let provider = if plan.microsoft { "Microsoft Graph" } else { "Google Calendar" };
    println!("database {database}  {provider}  events in the calendar {events}  rounds {}", plan.rounds);
    println!("  writing them (calendar_sync, one insert each): {:>8.1} s", started.elapsed().as_secs_f64());

    let calendar = &app.handlers().calendar;
    let (mut full, mut change, mut write_back) = (Vec::new(), Vec::new(), Vec::new());
    let (mut full_calls, mut change_calls, mut back_calls) = (0, 0, 0);
    for round in 0..plan.rounds.max(1) {
        // A full read: the watch forgets its cursor, as after a 410.
        let mut watch = store
            .calendar_watch(setup.tenant.id, setup.organizer.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the calendar is not watched"))?;
        watch.cursor = None;
        store.save_calendar_watch(&watch).await?;
        let calls = fake.calls();
        calendar.reconcile().await?;
        full.push(timed(runner.run_due(now_millis())).await?);
        full_calls = fake.calls() - calls;

        // One meeting dragged half an hour later in Google: read it, move the booking.
        let id = &ids[round % ids.len()];
        let booking = store.get_booking(setup.tenant.id, *id).await?.ok_or_else(|| anyhow::anyhow!("gone"))?;
        let event = booking.google_event_id.clone().ok_or_else(|| anyhow::anyhow!("no event"))?;
        fake.drag(&event, booking.time.start + HOUR / 2, booking.time.end + HOUR / 2);
        let calls = fake.calls();
        calendar.reconcile().await?;
        change.push(timed(runner.run_due(now_millis())).await?);
        change_calls = fake.calls() - calls;
        let moved = store.get_booking(setup.tenant.id, *id).await?.map(|b| b.time.start);
        anyhow::ensure!(moved == Some(booking.time.start + HOUR / 2), "the booking followed the drag");

        // Sala's write back of the move (the edit's calendar job), then the echo Google pushes.
        let calls = fake.calls();
        let started = Instant::now();
        drain(&runner).await?;
        calendar.reconcile().await?;
        drain(&runner).await?;
        write_back.push(started.elapsed());
        back_calls = fake.calls() - calls;
    }
    let (full, change, write_back) = (median(&mut full), median(&mut change), median(&mut write_back));
    println!("  full read, {events} events compared:        {:>8.1} ms  {full_calls} API calls", ms(full));
    println!("  one pushed change, read and moved:       {:>8.1} ms  {change_calls} API call(s)", ms(change));
    println!("  its write back and the echo read:        {:>8.1} ms  {back_calls} API calls", ms(write_back));
    println!("  full read / one change: {:.1}", full.as_secs_f64() / change.as_secs_f64().max(f64::EPSILON));
    Ok(())
}

/// Google's fake, the organizer's calendar connected with their own grant.
async fn with_google(
    settings: &mut Settings,
    store: &dyn sala_app::Store,
    setup: &Setup,
) -> anyhow::Result<FakeGoogle> {
    let google = FakeGoogle::start().await?;
    settings.google_client_id = Some(FAKE_GOOGLE_CLIENT_ID.into());
    settings.google_client_secret = Some(Secret::new(FAKE_GOOGLE_CLIENT_SECRET));
    settings.google_api_base = google.api_base.clone();
    settings.google_token_url = google.token_url.clone();
    settings.google_revoke_url = google.revoke_url.clone();
    let secrets = SecretBox::new(&settings.load_or_create_secret_key()?);
    google.grant_as(REFRESH, setup.organizer.email.as_str());
    let grant = Grant {
        subject: "bench-subject".into(),
        refresh_token: REFRESH.into(),
        access_token: "ya29.stale".into(),
        expires_in_secs: 3600,
        scopes: vec![CALENDAR_SCOPE.into()],
    };
    let ctx = sala_app::Context::new(sala_app::Principal::User(setup.organizer.clone()));
    connect(store, &ctx, &secrets, grant).await.map_err(anyhow_app)?;
    Ok(google)
}

/// Microsoft Graph's fake, the organization tied to its directory, consented, living in Microsoft 365.
async fn with_microsoft(
    settings: &mut Settings,
    store: &dyn sala_app::Store,
    setup: &Setup,
) -> anyhow::Result<FakeMicrosoft> {
    let graph = FakeMicrosoft::start().await?;
    settings.microsoft_client_id = Some(FAKE_MICROSOFT_CLIENT_ID.into());
    settings.microsoft_client_secret = Some(Secret::new(FAKE_MICROSOFT_CLIENT_SECRET));
    settings.microsoft_graph_base = graph.graph_base.clone();
    settings.microsoft_login_base = graph.login_base.clone();
    graph.consent(DIRECTORY);
    graph.add_mailbox(DIRECTORY, setup.organizer.email.as_str(), false);
    let tied = sala_domain::Tenant {
        entra_tenant_id: Some(DIRECTORY.into()),
        calendar_service: sala_domain::tenant::CalendarService::Microsoft,
        ..setup.tenant.clone()
    };
    let entry = sala_app::Context::system(tied.id).audit("tenant.updated", "tenant", Some(tied.id.0), None, None);
    store.update_tenant(&tied, &entry).await?;
    Ok(graph)
}

/// `count` one-hour meetings of the organizer, two a day from the day after tomorrow, each with
/// the calendar job that puts it in their calendar.
async fn write_meetings(
    store: &Arc<dyn sala_app::Store>,
    setup: &Setup,
    count: usize,
) -> anyhow::Result<Vec<sala_domain::BookingId>> {
    let mut ids = Vec::with_capacity(count);
    for (n, chunk) in (0..count).collect::<Vec<_>>().chunks(200).enumerate() {
        let bookings: Vec<_> = chunk
            .iter()
            .map(|i| {
                let start = setup.base + (*i as i64 / 2) * 24 * HOUR + (9 + 3 * (*i as i64 % 2)) * HOUR;
                setup.booking(n * 200 + i, setup.rooms[0], TimeRange { start, end: start + HOUR }, Vec::new())
            })
            .collect();
        let now = now_millis();
        let jobs: Vec<Job> = bookings
            .iter()
            .flat_map(|b| {
                outbox::plan(Change::CalendarConnected { bookings: std::slice::from_ref(b) }, &Facts::at(now)).jobs
            })
            .filter(|j| matches!(j.parse_payload(), Ok(JobPayload::CalendarSync(_))))
            .collect();
        let write = BookingWrite::new(setup.tenant.id, &bookings, &[], &jobs);
        store.insert_bookings(write).await?;
        ids.extend(bookings.iter().map(|b| b.id));
    }
    Ok(ids)
}

/// Runs every due job, including those the runs write, until none is left.
async fn drain(runner: &Runner) -> anyhow::Result<()> {
    for _ in 0..10_000 {
        if runner.run_due(now_millis()).await? == 0 {
            return Ok(());
        }
    }
    anyhow::bail!("the jobs never ran out")
}

async fn timed(work: impl Future<Output = sala_store::Result<usize>>) -> anyhow::Result<Duration> {
    let started = Instant::now();
    work.await?;
    Ok(started.elapsed())
}
