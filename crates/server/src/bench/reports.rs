//! `sala bench-reports`: reports over years of history. Writes the history (see [`super::history`]),
//! builds the rollups from scratch, then asks the HTTP API for utilization over the whole range in
//! each grouping, for every other report and for the per-room-per-day CSV, and prints p50/p95. Beside them: the database's
//! own ceiling (one pass over the rollup rows) and the path before rollups (reading every booking
//! of the range and computing), so the figures read as ratios on a noisy machine.

use super::history::{self, HistoryPlan};
use super::setup::{InProcess, Setup, anyhow_app, ms};
use crate::config::{Settings, redact_url};
use anyhow::Context as _;
use sala_domain::reports::{DateRange, ReportBooking, ReportRoom, utilization};
use sala_store::{BookingQuery, BookingWrite, RollupDates};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct ReportsBenchPlan {
    pub rooms: usize,
    pub history: HistoryPlan,
    /// Requests per measurement (p50 and p95 are printed).
    pub rounds: usize,
}

pub async fn run(settings: Settings, store: Arc<dyn sala_app::Store>, plan: ReportsBenchPlan) -> anyhow::Result<()> {
    let database = redact_url(&settings.database_url());
    let setup = Setup::create(store.as_ref(), plan.rooms).await?;
    let started = Instant::now();
    let written = history::write(store.as_ref(), &setup, plan.history).await?;
    let elapsed = started.elapsed().as_secs_f64();
    println!("database {database}  rooms {}  days {}  rounds {}", plan.rooms, plan.history.days, plan.rounds);
    println!(
        "  history: {} bookings, {} to {}, written in {elapsed:.1} s ({:.0}/s)",
        written.bookings,
        written.first,
        written.last,
        written.bookings as f64 / elapsed
    );
    let zone = setup.tenant.time_zone.clone();
    let started = Instant::now();
    let built =
        sala_app::reports::rollups::refresh(store.as_ref(), setup.tenant.id, &zone).await.map_err(anyhow_app)?;
    println!(
        "  rollups built from scratch: {} marks, {} room-days in {:.1} s",
        built.marks,
        built.room_days,
        started.elapsed().as_secs_f64()
    );

    let dates = RollupDates { from: written.first, to: written.last, rooms: None };
    let ceiling = repeat(plan.rounds, || async {
        store.booked_by_room(setup.tenant.id, dates).await.map(|_| ()).map_err(|e| anyhow_app(e.into()))
    })
    .await?;
    print_times("ceiling: rollups summed by room (store)", &ceiling);

    let server = InProcess::start(settings, store.clone()).await?;
    let client = reqwest::Client::new();
    let range = format!("from={}&to={}", written.first, written.last);
    let mut by_room = Duration::ZERO;
    for group_by in ["room", "location", "weekday_hour", "day"] {
        let url = format!("{}/api/v1/reports/utilization?{range}&group_by={group_by}", server.base_url);
        let times = repeat(plan.rounds, || async { get(&client, &url, &setup.key).await.map(|_| ()) }).await?;
        print_times(&format!("GET utilization by {group_by}"), &times);
        if group_by == "room" {
            by_room = percentile(&times, 0.5);
        }
    }
    // The other reports over the same range, and one location's (twenty rooms).
    for (label, path) in [
        ("GET utilization of one location", "utilization?location=Floor%201&group_by=day".to_owned()),
        ("GET cancellations", "cancellations?".to_owned()),
        ("GET ghosts", "ghosts?".to_owned()),
        ("GET sizing", "sizing?".to_owned()),
        ("GET external-guests", "external-guests?".to_owned()),
        ("GET organizers (top 10 of all)", "organizers?limit=10".to_owned()),
    ] {
        let url = format!("{}/api/v1/reports/{path}&{range}", server.base_url);
        let times = repeat(plan.rounds, || async { get(&client, &url, &setup.key).await.map(|_| ()) }).await?;
        print_times(label, &times);
    }
    let url = format!("{}/api/v1/reports/utilization?{range}&group_by=room_day&format=csv", server.base_url);
    let size = get(&client, &url, &setup.key).await?;
    let times = repeat(plan.rounds.clamp(1, 5), || async { get(&client, &url, &setup.key).await.map(|_| ()) }).await?;
    print_times(&format!("CSV by room and day, {} KiB", size / 1024), &times);

    // Live: a booking made just before the report, which the report takes in first.
    let url = format!("{}/api/v1/reports/utilization?{range}&group_by=room", server.base_url);
    let mut made = 0;
    let times = repeat(plan.rounds, || {
        made += 1;
        let (store, setup, url, client) = (store.clone(), &setup, url.clone(), client.clone());
        let i = made;
        async move {
            let day = 24 * 3_600_000;
            let start = (sala_domain::now_millis() / day - 3) * day + i as i64 * 60_000 - 3_600_000 * 30;
            let b = setup.booking(i, setup.rooms[0], sala_domain::TimeRange { start, end: start + 60_000 }, Vec::new());
            let write = BookingWrite::new(setup.tenant.id, std::slice::from_ref(&b), &[], &[]);
            // A minute-long meeting may meet the history's; a refused one still measures the report.
            let _ = store.insert_bookings(write).await;
            get(&client, &url, &setup.key).await.map(|_| ())
        }
    })
    .await?;
    print_times("GET by room after a change", &times);
    server.stop().await;

    let started = Instant::now();
    let scanned = reference(store.as_ref(), &setup, written.first, written.last).await?;
    let before = started.elapsed();
    println!(
        "  before rollups: one report read {scanned} bookings and computed in {:.1} ms, {:.0}x the p50 by room",
        ms(before),
        before.as_secs_f64() / by_room.as_secs_f64().max(f64::EPSILON)
    );
    Ok(())
}

/// The report as it was made before rollups: every booking of the range read in pages, then
/// the reference computation.
async fn reference(
    store: &dyn sala_app::Store,
    setup: &Setup,
    first: jiff::civil::Date,
    last: jiff::civil::Date,
) -> anyhow::Result<usize> {
    let zone = &setup.tenant.time_zone;
    let start = sala_domain::dates::day_start(first, zone).context("first day")?;
    let end = sala_domain::dates::day_start(last.tomorrow()?, zone).context("last day")?;
    let mut query = BookingQuery { from: Some(start), to: Some(end), limit: 500, ..Default::default() };
    let mut bookings = Vec::new();
    loop {
        let page = store.list_bookings(setup.tenant.id, &query).await.map_err(|e| anyhow_app(e.into()))?;
        bookings.extend(page.iter().map(ReportBooking::from));
        match page.last() {
            Some(last) if page.len() == 500 => query.after = Some((last.time.start, last.id)),
            _ => break,
        }
    }
    let rooms = store.list_rooms(setup.tenant.id, true).await.map_err(|e| anyhow_app(e.into()))?;
    let rooms: Vec<ReportRoom> = rooms.iter().map(ReportRoom::from).collect();
    utilization(zone, DateRange::new(first, last)?, &rooms, &bookings)?;
    Ok(bookings.len())
}

/// The body's length, once it has all arrived.
async fn get(client: &reqwest::Client, url: &str, key: &str) -> anyhow::Result<usize> {
    let response = client.get(url).bearer_auth(key).send().await?;
    anyhow::ensure!(response.status() == reqwest::StatusCode::OK, "{url}: {}", response.status());
    Ok(response.bytes().await?.len())
}

/// Times `rounds` runs of `task`, one after another.
async fn repeat<F, Fut>(rounds: usize, mut task: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        task().await?;
        times.push(started.elapsed());
    }
    Ok(times)
}

/// The time below which `share` of the runs finished.
fn percentile(times: &[Duration], share: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let at = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
    sorted.get(at).copied().unwrap_or_default()
}

fn print_times(label: &str, times: &[Duration]) {
    println!("  {label:<44} p50 {:>8.1} ms  p95 {:>8.1} ms", ms(percentile(times, 0.5)), ms(percentile(times, 0.95)));
}
