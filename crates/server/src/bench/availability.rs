//! `sala bench-availability`: the rooms' availability for one day (`GET /api/v1/rooms/availability`,
//! every room of the organization) on a history of bookings, at a few client counts, with the
//! process's resident memory under that load; and the start on the existing database: opening it,
//! building the app and serving until the first `/readyz` answers. Prints the goals of issue 21
//! beside the figures.

use super::history::{self, HistoryPlan};
use super::mixed::{days, raise_limits};
use super::setup::{Figures, InProcess, Limit, P50_95_99, Setup, memory, ms, race, reset_peak_memory};
use crate::config::{Settings, redact_url};
use anyhow::Context as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct AvailabilityBenchPlan {
    pub rooms: usize,
    pub history: HistoryPlan,
    /// A run at each of these client counts.
    pub clients: Vec<usize>,
    pub duration: Duration,
}

/// Issue 21's goals.
const ANSWERS_AT_32: f64 = 1500.0;
const P99_AT_8_MS: f64 = 10.0;
const RESIDENT_MIB: f64 = 100.0;
const START_MS: f64 = 1000.0;

pub async fn run(
    mut settings: Settings,
    store: Arc<dyn sala_app::Store>,
    plan: AvailabilityBenchPlan,
) -> anyhow::Result<()> {
    let database = settings.database_url();
    let setup = Setup::create(store.as_ref(), plan.rooms).await?;
    let written = history::write(store.as_ref(), &setup, plan.history).await?;
    history::roll_up(store.as_ref(), &setup).await?;
    println!(
        "database {}  rooms {}  history {} bookings, {} to {}",
        redact_url(&database),
        plan.rooms,
        written.bookings,
        written.first,
        written.last
    );
    raise_limits(&mut settings);

    // The start as after a restart: a store of its own over the existing (migrated) database.
    let started = Instant::now();
    let store = sala_store::connect(&database).await.context("cannot open the database")?;
    let server = InProcess::start(settings, store).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().context("http client")?;
    let ready = format!("{}/readyz", server.base_url);
    while !client.get(&ready).send().await.is_ok_and(|r| r.status().is_success()) {
        anyhow::ensure!(started.elapsed() < Duration::from_secs(30), "{ready} did not answer in 30 s");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let start_ms = ms(started.elapsed());
    println!(
        "start: {start_ms:.0} ms (open the database, build the app, serve, first /readyz)  goal < {START_MS:.0} ms"
    );

    let day = busiest_day(&setup, written.last)?;
    let url = format!("{}/api/v1/rooms/availability", server.base_url);
    let query = [("start", day.0.clone()), ("end", day.1.clone())];
    let first: serde_json::Value =
        client.get(&url).query(&query).bearer_auth(&setup.key).send().await?.error_for_status()?.json().await?;
    let answered = first["rooms"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(answered == plan.rooms, "availability answered {answered} rooms, not {}", plan.rooms);
    println!(
        "availability of {answered} rooms for {} to {}, for {} s at each client count",
        day.0,
        day.1,
        plan.duration.as_secs()
    );

    for &clients in &plan.clients {
        let peak_reset = reset_peak_memory();
        let resident = Arc::new(AtomicU64::new(0));
        let sampler = tokio::spawn(sample_resident(resident.clone()));
        let (client, url, key, query) = (client.clone(), url.clone(), setup.key.clone(), query.clone());
        let limit = Limit { total: usize::MAX, duration: Some(plan.duration) };
        let raced = race(clients, limit, move |_| {
            let (client, url, key, query) = (client.clone(), url.clone(), key.clone(), query.clone());
            async move {
                let response = client.get(&url).query(&query).bearer_auth(&key).send().await;
                match response {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                }
            }
        })
        .await;
        sampler.abort();
        let figures = Figures::of(raced);
        figures.print(&format!("availability, {clients} clients"), P50_95_99);
        let peak = memory().peak_mib;
        let resident = resident.load(Ordering::Relaxed) as f64 / 1024.0;
        println!(
            "  resident during the load: VmRSS up to {resident:.0} MiB, VmHWM {peak:.0} MiB{}  goal < {RESIDENT_MIB:.0} MB",
            if peak_reset { "" } else { " (since the start)" }
        );
        let p99 = ms(figures.percentile(0.99));
        match clients {
            32 => println!("  goal >= {ANSWERS_AT_32:.0} answers/s at 32 clients: {:.0}/s", figures.rate()),
            8 => println!("  goal p99 < {P99_AT_8_MS:.0} ms at 8 clients: {p99:.2} ms"),
            _ => {}
        }
    }
    server.stop().await;
    Ok(())
}

/// The history's last working day: the fullest rooms.
fn busiest_day(setup: &Setup, last: jiff::civil::Date) -> anyhow::Result<(String, String)> {
    let mut day = last;
    while day.weekday().to_monday_zero_offset() >= 5 {
        day = day.yesterday()?;
    }
    days(setup, day, day)?.pop().context("no day")
}

/// Keeps the highest VmRSS seen (KiB), every 20 ms, until aborted.
async fn sample_resident(highest: Arc<AtomicU64>) {
    loop {
        highest.fetch_max((memory().resident_mib * 1024.0) as u64, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
