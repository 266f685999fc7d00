//! What every benchmark starts from: a fresh tenant with rooms, an organizer and an API key, in
//! the configured database, and the bookings and slots the runs use; and what they measure with:
//! a race of N clients, its figures and percentiles, and the process's memory.

use sala_app::Context;
use sala_domain::{Attendee, Booking, BookingId, BookingStatus, Millis, RoomId, TimeRange, now_millis};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A fresh tenant with rooms, an organizer and an API key.
pub struct Setup {
    pub tenant: sala_domain::Tenant,
    pub organizer: sala_domain::User,
    pub rooms: Vec<RoomId>,
    pub key: String,
    /// Slots start here; each run uses its own day range so runs never collide.
    pub base: Millis,
}

impl Setup {
    pub async fn create(store: &dyn sala_app::Store, rooms: usize) -> anyhow::Result<Self> {
        let tag = uuid::Uuid::now_v7().simple().to_string();
        let input = sala_app::tenants::NewTenant {
            name: format!("Bench {}", &tag[20..]),
            slug: Some(format!("bench-{}", &tag[20..])),
            domains: vec![format!("b{}.bench.test", &tag[20..])],
            ..Default::default()
        };
        let tenant = sala_app::tenants::create_tenant(store, input).await.map_err(anyhow_app)?;
        let ctx = Context::system(tenant.id);
        let person = sala_app::users::NewUser {
            email: format!("bench@b{}.bench.test", &tag[20..]),
            name: "Bench".into(),
            role: Some(sala_domain::Role::Member),
            ..Default::default()
        };
        let organizer = sala_app::users::create_user(store, &ctx, person).await.map_err(anyhow_app)?;
        let mut ids = Vec::new();
        for i in 0..rooms {
            // Floors of twenty rooms, so reports by location have something to group.
            let location = Some(format!("Floor {}", i / 20));
            let room =
                sala_app::rooms::NewRoom { name: format!("Room {i}"), capacity: 10, location, ..Default::default() };
            ids.push(sala_app::rooms::create_room(store, &ctx, room).await.map_err(anyhow_app)?.id);
        }
        let key = sala_app::api_keys::create_api_key(store, &ctx, "bench", None).await.map_err(anyhow_app)?.secret;
        let day = 24 * 3600 * 1000;
        let base = (now_millis() / day + 2) * day;
        Ok(Self { tenant, organizer, rooms: ids, key, base })
    }

    /// The `i`-th bench booking, confirmed, as the system made it.
    pub fn booking(&self, i: usize, room_id: RoomId, time: TimeRange, attendees: Vec<Attendee>) -> Booking {
        let now = now_millis();
        Booking {
            id: BookingId::new(),
            tenant_id: self.tenant.id,
            room_id,
            organizer_id: self.organizer.id,
            title: format!("bench {i}"),
            description: None,
            time,
            time_zone: self.tenant.time_zone.clone(),
            attendees,
            google_meet: false,
            status: BookingStatus::Confirmed,
            cancel_reason: None,
            external_ref: None,
            metadata: serde_json::json!({}),
            series_id: None,
            recurrence_id: None,
            google_event_id: None,
            meet_link: None,
            reminders: None,
            version: 1,
            created_by: sala_domain::Actor::System,
            created_at: now,
            updated_at: now,
            cancelled_at: None,
        }
    }

    /// The `i`-th slot of a run: rooms round-robin, 30-minute slots back to back in each room.
    pub fn slot(&self, run: usize, i: usize) -> (RoomId, TimeRange) {
        let room = self.rooms[i % self.rooms.len()];
        let n = (i / self.rooms.len()) as i64;
        let start = self.base + (run as i64) * 60 * 24 * 3600 * 1000 + n * 30 * 60 * 1000;
        (room, TimeRange { start, end: start + 30 * 60 * 1000 })
    }
}

/// A Sala server on 127.0.0.1 in this process, over the benchmark's store.
pub struct InProcess {
    /// `http://127.0.0.1:port`.
    pub base_url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl InProcess {
    pub async fn start(mut settings: crate::config::Settings, store: Arc<dyn sala_app::Store>) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        settings.listen = listener.local_addr()?;
        settings.base_url = String::new();
        let settings = settings.finish()?;
        let base_url = settings.base_url.clone();
        let app = crate::app::App::build(settings, store)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.serve(listener, async {
                let _ = stopped.await;
            })
            .await
        });
        Ok(Self { base_url, stop, server })
    }

    /// Stops the server once its requests are answered.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
    }
}

pub fn anyhow_app(err: sala_app::AppError) -> anyhow::Error {
    anyhow::anyhow!("{err}")
}

/// The middle of the measured times (the one printed).
pub fn median(times: &mut [std::time::Duration]) -> std::time::Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

pub fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// When a race stops: after `total` tasks, or once `duration` has passed, whichever comes first.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub total: usize,
    pub duration: Option<Duration>,
}

impl Limit {
    pub fn count(total: usize) -> Self {
        Self { total, duration: None }
    }
}

/// What each task of a race returned, with how long it took, and the race's wall time.
pub struct Raced<T> {
    pub results: Vec<(T, Duration)>,
    pub elapsed: Duration,
}

/// Runs `task(i)` for `i` in `0..` on `clients` concurrent workers until `limit`, timing each.
pub async fn race<T, F, Fut>(clients: usize, limit: Limit, task: F) -> Raced<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let task = Arc::new(task);
    let started = Instant::now();
    let deadline = limit.duration.map(|d| started + d);
    let workers: Vec<_> = (0..clients.max(1))
        .map(|_| {
            let (next, task) = (next.clone(), task.clone());
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= limit.total || deadline.is_some_and(|d| Instant::now() >= d) {
                        break mine;
                    }
                    let t = Instant::now();
                    let outcome = task(i).await;
                    mine.push((outcome, t.elapsed()));
                }
            })
        })
        .collect();
    let mut results = Vec::new();
    for worker in workers {
        results.extend(worker.await.unwrap_or_default());
    }
    Raced { results, elapsed: started.elapsed() }
}

/// p50, p95 and p99: what the newer benchmarks print.
pub const P50_95_99: &[f64] = &[0.50, 0.95, 0.99];

/// Figures for one run (or one operation of a run).
pub struct Figures {
    pub ok: usize,
    pub failed: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl Figures {
    /// Of tasks that answered whether they succeeded.
    pub fn of(raced: Raced<bool>) -> Self {
        Self::tally(raced.elapsed, raced.results)
    }

    pub fn tally(elapsed: Duration, outcomes: impl IntoIterator<Item = (bool, Duration)>) -> Self {
        let (mut ok, mut failed, mut latencies) = (0, 0, Vec::new());
        for (success, time) in outcomes {
            if success {
                ok += 1
            } else {
                failed += 1
            }
            latencies.push(time);
        }
        latencies.sort_unstable();
        Self { ok, failed, elapsed, latencies }
    }

    /// Successes a second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The time below which `share` of the tasks finished (nearest rank).
    pub fn percentile(&self, share: f64) -> Duration {
        let n = self.latencies.len();
        let at = ((n as f64 * share).ceil() as usize).clamp(1, n.max(1)) - 1;
        self.latencies.get(at).copied().unwrap_or_default()
    }

    /// One line: counts, rate, the percentiles of `shares` and the slowest.
    pub fn print(&self, label: &str, shares: &[f64]) {
        let points: String =
            shares.iter().map(|&s| format!("  p{} {:>7.2} ms", (s * 100.0).round(), ms(self.percentile(s)))).collect();
        println!(
            "{label:<28} {:>6} ok {:>4} failed  {:>8.0}/s{points}  max {:>7.2} ms",
            self.ok,
            self.failed,
            self.rate(),
            ms(self.latencies.last().copied().unwrap_or_default()),
        );
    }
}

/// The process's resident memory now and its peak (VmRSS and VmHWM of /proc/self/status), in MiB.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    pub resident_mib: f64,
    pub peak_mib: f64,
}

pub fn memory() -> Memory {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    Memory { resident_mib: field("VmRSS:"), peak_mib: field("VmHWM:") }
}

/// Starts the peak (VmHWM) again from the resident memory now, so a peak measured after is that
/// of the load alone, not of writing the history. False where the kernel does not allow it.
pub fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
