//! `sala bench`: how fast bookings are created through the HTTP API, against how fast the store
//! alone can write them (the ceiling). Starts its own server in this process on 127.0.0.1, on the
//! database it is given, in a fresh tenant, and prints throughput and latency percentiles.

use super::setup::{InProcess, Setup};
use crate::config::{Settings, redact_url};
use anyhow::Context as _;
use sala_app::Context;
use sala_domain::notify::ReminderSettings;
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::{Booking, now_millis};
use sala_store::BookingWrite;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchPlan {
    pub bookings: usize,
    pub clients: usize,
    pub rooms: usize,
}

/// Figures for one run.
struct Figures {
    ok: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn print(&self, label: &str) {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let pct =
            |p: f64| sorted.get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1))).copied();
        let ms = |d: Option<Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        println!(
            "{label:<28} {:>6} ok {:>4} failed  {:>8.0}/s  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms",
            self.ok,
            self.failed,
            self.ok as f64 / self.elapsed.as_secs_f64(),
            ms(pct(0.50)),
            ms(pct(0.90)),
            ms(pct(0.99)),
            ms(sorted.last().copied()),
        );
    }
}

pub async fn run(settings: Settings, store: Arc<dyn sala_app::Store>, plan: BenchPlan) -> anyhow::Result<()> {
    let setup = Setup::create(store.as_ref(), plan.rooms).await?;
    println!(
        "database {}  bookings {}  clients {}  rooms {}",
        redact_url(&settings.database_url()),
        plan.bookings,
        plan.clients,
        plan.rooms
    );
    print_ceiling(&settings.database_url(), plan.bookings, &[1, 8, plan.clients]).await?;
    let direct = direct_inserts(store.clone(), &setup, &plan, 0).await;
    direct.print("store only");
    if let Some(one_by_one) = one_commit_per_write(&settings).await? {
        // Before group commit, on the same file in the same run: the ratio is the figure to read.
        http_creates(settings.clone(), one_by_one, &setup, &plan, 2).await?.print("HTTP, a commit per booking");
    }
    let http = http_creates(settings, store, &setup, &plan, 1).await?;
    http.print("HTTP POST /api/v1/bookings");
    Ok(())
}

/// The database's own ceiling, one row per transaction (`sala_store::ceiling`), at each client
/// count (SQLite: once, its one writer).
async fn print_ceiling(url: &str, rows: usize, clients: &[usize]) -> anyhow::Result<()> {
    let clients = if url.starts_with("sqlite:") { &[1][..] } else { clients };
    for &c in clients {
        let run = sala_store::ceiling::measure(url, rows, c).await?;
        let figures = Figures { ok: run.committed, failed: run.failed, elapsed: run.elapsed, latencies: run.latencies };
        figures.print(&format!("database ceiling, c={c}"));
    }
    Ok(())
}

/// On SQLite, the database opened a second time with group commit off.
async fn one_commit_per_write(settings: &Settings) -> anyhow::Result<Option<Arc<dyn sala_app::Store>>> {
    let url = settings.database_url();
    if !url.starts_with("sqlite:") {
        return Ok(None);
    }
    let store = sala_store::sqlite::SqliteStore::connect(&url).await?.one_commit_per_write();
    Ok(Some(Arc::new(store)))
}

/// The ceiling: the same bookings, audit entries and jobs written straight to the store.
async fn direct_inserts(store: Arc<dyn sala_app::Store>, setup: &Setup, plan: &BenchPlan, run: usize) -> Figures {
    let ctx = Context::system(setup.tenant.id);
    let work: Vec<Booking> = (0..plan.bookings)
        .map(|i| {
            let (room_id, time) = setup.slot(run, i);
            setup.booking(i, room_id, time, Vec::new())
        })
        .collect();
    let work = Arc::new(work);
    race(plan.clients, plan.bookings, move |i| {
        let (store, work, ctx) = (store.clone(), work.clone(), ctx.clone());
        async move {
            let b = &work[i];
            let audit = [ctx.audit("booking.created", "booking", Some(b.id.0), None, serde_json::to_value(b).ok())];
            let facts = Facts { reminders: ReminderSettings::default(), ..Facts::at(now_millis()) };
            let jobs = outbox::plan(Change::Created { bookings: std::slice::from_ref(b), series: None }, &facts).jobs;
            let write = BookingWrite::new(b.tenant_id, std::slice::from_ref(b), &audit, &jobs);
            store.insert_bookings(write).await.is_ok()
        }
    })
    .await
}

/// Bookings created through a real server on 127.0.0.1, by `clients` concurrent HTTP clients.
async fn http_creates(
    settings: Settings,
    store: Arc<dyn sala_app::Store>,
    setup: &Setup,
    plan: &BenchPlan,
    run: usize,
) -> anyhow::Result<Figures> {
    let server = InProcess::start(settings, store).await?;
    let url = format!("{}/api/v1/bookings", server.base_url);
    let client = reqwest::Client::builder().pool_max_idle_per_host(plan.clients).build().context("http client")?;
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..plan.bookings)
            .map(|i| {
                let (room, time) = setup.slot(run, i);
                let instant = sala_domain::rfc3339;
                serde_json::json!({"room_id": room, "title": format!("bench {i}"), "start": instant(time.start),
                    "end": instant(time.end), "organizer": setup.organizer.email, "attendees": [{"email": "guest@example.com"}]})
                .to_string()
            })
            .collect(),
    );
    let key = setup.key.clone();
    let figures = race(plan.clients, plan.bookings, move |i| {
        let (client, bodies, url, key) = (client.clone(), bodies.clone(), url.clone(), key.clone());
        async move {
            let response = client
                .post(&url)
                .bearer_auth(&key)
                .header("content-type", "application/json")
                .body(bodies[i].clone())
                .send()
                .await;
            response.is_ok_and(|r| r.status() == reqwest::StatusCode::CREATED)
        }
    })
    .await;
    server.stop().await;
    Ok(figures)
}

/// Runs `task(i)` for `0..total` on `clients` concurrent workers, timing each.
async fn race<F, Fut>(clients: usize, total: usize, task: F) -> Figures
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let task = Arc::new(task);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients.max(1))
        .map(|_| {
            let (next, task) = (next.clone(), task.clone());
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break mine;
                    }
                    let t = Instant::now();
                    let ok = task(i).await;
                    mine.push((ok, t.elapsed()));
                }
            })
        })
        .collect();
    let mut results = Vec::new();
    for worker in workers {
        results.extend(worker.await.unwrap_or_default());
    }
    let elapsed = started.elapsed();
    let ok = results.iter().filter(|(ok, _)| *ok).count();
    Figures { ok, failed: results.len() - ok, elapsed, latencies: results.into_iter().map(|(_, d)| d).collect() }
}
