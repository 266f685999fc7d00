//! `sala bench`: how fast bookings are created through the HTTP API, against how fast the store
//! alone can write them (the ceiling). Starts its own server in this process on 127.0.0.1, on the
//! database it is given, in a fresh tenant, and prints throughput and latency percentiles.

use super::setup::{Figures, InProcess, Limit, Setup, race};
use crate::config::{Settings, redact_url};
use anyhow::Context as _;
use sala_app::Context;
use sala_domain::notify::ReminderSettings;
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::{Booking, now_millis};
use sala_store::BookingWrite;
use sala_store::ceiling::CeilingTable;
use std::sync::Arc;

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchPlan {
    pub bookings: usize,
    pub clients: usize,
    pub rooms: usize,
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
    direct.print("store only", P50_90_99);
    if let Some(one_by_one) = one_commit_per_write(&settings).await? {
        // Before group commit, on the same file in the same run: the ratio is the figure to read.
        let before = http_creates(settings.clone(), one_by_one, &setup, &plan, 2).await?;
        before.print("HTTP, a commit per booking", P50_90_99);
    }
    let http = http_creates(settings, store, &setup, &plan, 1).await?;
    http.print("HTTP POST /api/v1/bookings", P50_90_99);
    Ok(())
}

/// What `sala bench` prints (its README figures are p90s).
const P50_90_99: &[f64] = &[0.50, 0.90, 0.99];

/// The database's own ceiling, one row per transaction (`sala_store::ceiling`), at each client
/// count (SQLite: once, its one writer).
pub(super) async fn print_ceiling(url: &str, rows: usize, clients: &[usize]) -> anyhow::Result<()> {
    let clients = if url.starts_with("sqlite:") { &[1][..] } else { clients };
    for &c in clients {
        let table = Arc::new(CeilingTable::create(url, c).await?);
        let raced = race(c, Limit::count(rows), {
            let table = Arc::clone(&table);
            move |i| {
                let table = Arc::clone(&table);
                async move { table.insert(i).await.is_ok() }
            }
        })
        .await;
        Figures::of(raced).print(&format!("database ceiling, c={c}"), P50_90_99);
        if let Ok(table) = Arc::try_unwrap(table) {
            table.remove().await?;
        }
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

/// The ceiling: the same bookings, audit entries and jobs written straight to the store, for
/// `run`'s slots (see [`Setup::slot`]).
pub(super) async fn direct_inserts(
    store: Arc<dyn sala_app::Store>,
    setup: &Setup,
    plan: &BenchPlan,
    run: usize,
) -> Figures {
    let ctx = Context::system(setup.tenant.id);
    let work: Vec<Booking> = (0..plan.bookings)
        .map(|i| {
            let (room_id, time) = setup.slot(run, i);
            setup.booking(i, room_id, time, Vec::new())
        })
        .collect();
    let work = Arc::new(work);
    let raced = race(plan.clients, Limit::count(plan.bookings), move |i| {
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
    .await;
    Figures::of(raced)
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
    let raced = race(plan.clients, Limit::count(plan.bookings), move |i| {
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
    Ok(Figures::of(raced))
}
