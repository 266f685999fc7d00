//! Fault drills on PostgreSQL (issue 21).
//!
//! 1. PostgreSQL restarted under load, on a cluster of the drill's own (initdb on a free port in a
//!    temporary folder, so no other test is disturbed): while it is down every request that needs
//!    it is refused cleanly (503 `database_unavailable` as problem+json with `Retry-After`, within
//!    the pool's acquire timeout), `/readyz` says not ready, and once it is back the same server
//!    (no restart) answers again and has every booking it answered 201 for.
//! 2. Three Sala instances on one PostgreSQL, each with its own pool, HTTP server and job runner
//!    (as `sala serve` runs them), under a mixed load of creates (many conflicting), edits and
//!    cancels: no room double-booked, no email sent twice (each Message-ID once at the SMTP fake),
//!    and each reminder sent once when three runners race for them.

use crate::helpers::{json, test_settings};
use mail_parser::MessageParser;
use reqwest::StatusCode;
use sala_app::Context;
use sala_channels::testing::{FakeSmtp, SmtpMode};
use sala_domain::now_millis;
use sala_server::App;
use sala_server::config::Settings;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MINUTE: i64 = 60_000;

/// Polls `check` until it holds; fails the test naming `what` after `limit`.
async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "waited {limit:?} in vain until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn init_logs() {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned());
    let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter(filter).try_init();
}

// ---------------------------------------------------------------------------------------------
// A PostgreSQL cluster of the drill's own.

/// A throwaway cluster: `initdb` in a temporary folder, served on a free port of 127.0.0.1 with
/// its socket in that folder. Stopped and deleted when dropped, also when the test fails.
struct Cluster {
    bin: PathBuf,
    root: PathBuf,
    port: u16,
    /// initdb refuses to run as root: as root (CI's containers) the tools run as `postgres`.
    as_postgres: bool,
}

/// The newest `/usr/lib/postgresql/<version>/bin` (Debian's layout), else `pg_config --bindir`.
fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    bin.join("initdb").exists().then_some(bin)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn checked(what: &str, out: std::io::Result<Output>) -> Output {
    let out = out.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Cluster {
    /// A new cluster, started; `None` (with the reason printed) when no PostgreSQL binaries are
    /// installed, outside CI. Under CI a missing or failing PostgreSQL fails the test.
    fn create() -> Option<Self> {
        let Some(bin) = postgres_bin() else {
            let reason = "no PostgreSQL binaries (initdb) in /usr/lib/postgresql/*/bin nor at `pg_config --bindir`";
            assert!(!in_ci(), "the PostgreSQL restart drill must run under CI: {reason}");
            eprintln!("skipping the PostgreSQL restart drill: {reason}");
            return None;
        };
        let root = std::env::temp_dir().join(format!("sala-pg-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(root.join("sock")).unwrap();
        let as_postgres = is_root();
        let cluster = Self { bin, root, port: free_port(), as_postgres };
        if as_postgres {
            checked("chown", Command::new("chown").arg("-R").arg("postgres:postgres").arg(&cluster.root).output());
        }
        let data = cluster.data();
        checked(
            "initdb",
            cluster
                .tool("initdb")
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
                .output(),
        );
        checked("pg_ctl start", cluster.start_command().output());
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn pg_ctl(&self) -> Command {
        let mut command = self.tool("pg_ctl");
        command.arg("-D").arg(self.data()).args(["-w", "-t", "30"]);
        command
    }

    fn start_command(&self) -> Command {
        let options = format!(
            "-k {} -p {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.root.join("sock").display(),
            self.port
        );
        let mut command = self.pg_ctl();
        command.arg("-l").arg(self.root.join("log")).arg("-o").arg(options).arg("start");
        command
    }

    /// `pg_ctl stop -m fast`: sessions are ended (their transactions rolled back), as in a restart.
    async fn stop(&self) {
        let mut command = self.pg_ctl();
        command.args(["-m", "fast", "stop"]);
        tokio::task::spawn_blocking(move || checked("pg_ctl stop", command.output())).await.unwrap();
    }

    async fn start(&self) {
        let mut command = self.start_command();
        tokio::task::spawn_blocking(move || checked("pg_ctl start", command.output())).await.unwrap();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl().args(["-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

// ---------------------------------------------------------------------------------------------
// Sala, in-process, as `sala serve` wires it.

struct Org {
    key: String,
    /// Ana's session cookie's value: a browser signed in.
    session: String,
}

/// Acme with Ana (admin, signed in) and María (member), and an API key.
async fn organization(store: &dyn sala_app::Store) -> Org {
    let input =
        sala_app::tenants::NewTenant { name: "Acme".into(), domains: vec!["acme.test".into()], ..Default::default() };
    let tenant = sala_app::tenants::create_tenant(store, input).await.unwrap();
    let mut session = String::new();
    for (email, name, role) in [("ana@acme.test", "Ana García", "admin"), ("maria@acme.test", "María López", "member")]
    {
        let input = sala_app::users::NewUser {
            email: email.into(),
            name: name.into(),
            role: Some(sala_domain::Role::parse(role).unwrap()),
            ..Default::default()
        };
        let user = sala_app::users::create_user(store, &Context::system(tenant.id), input).await.unwrap();
        if session.is_empty() {
            session = sala_app::sessions::start_session(store, &user, Duration::from_secs(3600)).await.unwrap();
        }
    }
    let created = sala_app::api_keys::create_api_key(store, &Context::system(tenant.id), "drill", None).await.unwrap();
    Org { key: created.secret, session }
}

async fn rooms(http: &reqwest::Client, base: &str, key: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let response = http
            .post(format!("{base}/api/v1/rooms"))
            .bearer_auth(key)
            .json(&json!({"name": format!("Sala {i}"), "capacity": 6}))
            .send()
            .await
            .unwrap();
        let (status, room) = json(response).await;
        assert_eq!(status, StatusCode::CREATED, "{room}");
        ids.push(room["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// A server with its own listener, over `store`; `configure` adjusts the settings.
struct Instance {
    base: String,
    runner: sala_app::jobs::Runner,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Instance {
    /// `sala serve` (HTTP, and the job runner when `jobs` is set) over `store`, until stopped.
    async fn start(url: &str, store: Arc<dyn sala_app::Store>, configure: impl FnOnce(&mut Settings)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut settings = test_settings(url);
        settings.listen = listener.local_addr().unwrap();
        configure(&mut settings);
        let settings = settings.finish().unwrap();
        let base = settings.base_url.clone();
        let app = App::build(settings, store).unwrap();
        // A runner beside the one `run` starts, for the test to drive at an instant of its choosing.
        let runner = app.runner();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(app.run(listener, async {
            let _ = rx.await;
        }));
        Self { base, runner, stop: Some(tx), running }
    }

    /// Stops it as a SIGTERM would: the requests and jobs in flight finish first. Answers the
    /// spare runner.
    async fn shut_down(mut self) -> sala_app::jobs::Runner {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(Duration::from_secs(30), self.running).await.unwrap().unwrap().unwrap();
        self.runner
    }
}

/// The `n`th booking of the restart drill: its own half hour, 20 a day, from a week ahead on.
fn slot(room: &str, n: usize) -> Value {
    let start =
        (now_millis() / (24 * 60 * MINUTE) + 7 + (n / 20) as i64) * 24 * 60 * MINUTE + (30 * (n % 20) as i64) * MINUTE;
    json!({"room_id": room, "title": format!("drill {n}"), "start": iso(start), "end": iso(start + 30 * MINUTE),
           "time_zone": "Europe/Madrid", "organizer": "maria@acme.test"})
}

fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).unwrap().to_string()
}

// ---------------------------------------------------------------------------------------------
// Drill 1: PostgreSQL restarted under load.

/// What the restart drill's clients saw.
#[derive(Default)]
struct Seen {
    /// Bookings answered 201.
    created: Vec<String>,
    /// 201s since the database came back.
    created_after: usize,
    /// Clean refusals: 503 `database_unavailable` problem+json with `Retry-After`.
    refused: usize,
    /// Anything else: a 500, a 503 of another kind, a hung or failed request.
    wrong: Vec<String>,
    longest: Duration,
}

/// Sorts one answer: fine (2xx), a clean refusal, or wrong (written down).
async fn sort_answer(
    seen: &Mutex<Seen>,
    what: &str,
    answer: reqwest::Result<reqwest::Response>,
    took: Duration,
) -> Option<Value> {
    let mut body = None;
    let verdict = match answer {
        Err(e) => Err(format!("{what}: no answer after {took:?}: {e}")),
        Ok(response) => {
            let status = response.status();
            let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let (_, value) = json(response).await;
            if status.is_success() {
                body = Some(value);
                Ok(false)
            } else if status == StatusCode::SERVICE_UNAVAILABLE
                && kind.as_deref() == Some("application/problem+json")
                && value["code"] == "database_unavailable"
                && retry_after.as_deref() == Some("5")
            {
                Ok(true)
            } else {
                Err(format!("{what}: {status} {kind:?} Retry-After {retry_after:?} after {took:?}: {value}"))
            }
        }
    };
    let mut seen = seen.lock().unwrap();
    seen.longest = seen.longest.max(took);
    match verdict {
        Ok(true) => seen.refused += 1,
        Ok(false) => {}
        Err(wrong) => seen.wrong.push(wrong),
    }
    body
}

async fn ready(http: &reqwest::Client, base: &str) -> StatusCode {
    http.get(format!("{base}/readyz")).send().await.map_or(StatusCode::REQUEST_TIMEOUT, |r| r.status())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_refuses_cleanly_and_recovers_without_restarting_sala() {
    init_logs();
    let Some(cluster) = tokio::task::spawn_blocking(Cluster::create).await.unwrap() else { return };
    let url = cluster.url();
    let store = sala_store::connect(&url).await.unwrap();
    let org = organization(store.as_ref()).await;
    let server = Instance::start(&url, store, |_| {}).await;
    let base = server.base.clone();
    // Longer than the request timeout (30 s): a hung request shows as a failed one.
    let http = reqwest::Client::builder().timeout(Duration::from_secs(40)).build().unwrap();
    let rooms = rooms(&http, &base, &org.key, 4).await;

    let seen: Arc<Mutex<Seen>> = Arc::default();
    let (stop, back) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let next = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for room in rooms {
        let (http, base, key) = (http.clone(), base.clone(), org.key.clone());
        let (seen, stop, back, next) = (seen.clone(), stop.clone(), back.clone(), next.clone());
        clients.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                // A create, then a read of it (or of the list, when the create was refused).
                let n = next.fetch_add(1, Ordering::SeqCst);
                let started = Instant::now();
                let answer =
                    http.post(format!("{base}/api/v1/bookings")).bearer_auth(&key).json(&slot(&room, n)).send().await;
                let created = sort_answer(&seen, "create", answer, started.elapsed()).await;
                let read = match &created {
                    Some(booking) => {
                        let id = booking["id"].as_str().unwrap().to_owned();
                        let mut seen = seen.lock().unwrap();
                        seen.created.push(id.clone());
                        if back.load(Ordering::SeqCst) {
                            seen.created_after += 1;
                        }
                        format!("{base}/api/v1/bookings/{id}")
                    }
                    None => format!("{base}/api/v1/bookings?limit=5"),
                };
                let started = Instant::now();
                let answer = http.get(read).bearer_auth(&key).send().await;
                sort_answer(&seen, "read", answer, started.elapsed()).await;
            }
        }));
    }
    let created = || seen.lock().unwrap().created.len();
    wait_until("40 bookings are made", Duration::from_secs(30), || async { created() >= 40 }).await;

    cluster.stop().await;
    let down = Instant::now();
    let before = created();
    wait_until("/readyz says not ready", Duration::from_secs(15), || async {
        ready(&http, &base).await == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    let problem = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(problem.headers()["content-type"], "application/problem+json");
    assert_eq!(json(problem).await.1["code"], "not_ready");
    wait_until("every client was refused at least once", Duration::from_secs(20), || async {
        seen.lock().unwrap().refused >= 8
    })
    .await;
    let during = created() - before;
    // A signed-in browser is told the same, in its language, not sent to the sign-in page.
    let home = || http.get(format!("{base}/")).header("cookie", format!("sala_session={}", org.session));
    let page = home().header("accept-language", "en").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.headers()["retry-after"], "5");
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let text = page.text().await.unwrap();
    assert!(text.contains("cannot reach its database"), "{text}");

    cluster.start().await;
    let up = Instant::now();
    let outage = down.elapsed();
    back.store(true, Ordering::SeqCst);
    wait_until("/readyz says ready again", Duration::from_secs(20), || async {
        ready(&http, &base).await == StatusCode::OK
    })
    .await;
    let ready_after = up.elapsed();
    wait_until("40 more bookings are made after the restart", Duration::from_secs(30), || async {
        seen.lock().unwrap().created_after >= 40
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.unwrap();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    eprintln!(
        "restart drill: {before} bookings before the stop, {during} while down, {} after; {} requests refused \
         cleanly; database down for {outage:?}, /readyz ready {ready_after:?} after the start; longest request {:?}",
        seen.created_after, seen.refused, seen.longest
    );
    assert!(seen.wrong.is_empty(), "{} answers were not clean:\n{}", seen.wrong.len(), seen.wrong.join("\n"));
    assert!(seen.longest < Duration::from_secs(10), "a request took {:?}", seen.longest);
    let page = home().send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "Ana's page once the database is back");
    assert!(page.text().await.unwrap().contains("Ana García"));
    // Every 201 is stored: the same server (no restart) reads each one back.
    for id in &seen.created {
        let response = http.get(format!("{base}/api/v1/bookings/{id}")).bearer_auth(&org.key).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "booking {id}, answered 201, is missing");
    }
    server.shut_down().await;
    drop(cluster);
}

// ---------------------------------------------------------------------------------------------
// Drill 2: three instances on one PostgreSQL.

/// One email at the SMTP fake.
struct Mail {
    message_id: String,
    to: String,
    subject: String,
}

fn mails(smtp: &FakeSmtp) -> Vec<Mail> {
    smtp.received()
        .iter()
        .map(|r| {
            let msg = MessageParser::default().parse(&r.data).unwrap();
            Mail {
                message_id: msg.message_id().unwrap().to_owned(),
                to: msg.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap().to_owned(),
                subject: msg.subject().unwrap().to_owned(),
            }
        })
        .collect()
}

/// What the mixed load's clients did, by booking.
#[derive(Default)]
struct Load {
    created: Vec<String>,
    /// Answers by operation and status, e.g. `create 409`.
    answers: BTreeMap<String, usize>,
    wrong: Vec<String>,
}

/// Runs every job due at `now` on all `runners` at once, until none is left; how many each ran.
async fn race_runners(runners: &[&sala_app::jobs::Runner], now: i64) -> Vec<usize> {
    let rounds = runners.iter().map(|runner| async move {
        let mut total = 0;
        for _ in 0..200 {
            let ran = runner.run_due(now).await.unwrap();
            if ran == 0 {
                return total;
            }
            total += ran;
        }
        panic!("jobs kept coming after 200 rounds");
    });
    futures_util::future::join_all(rounds).await
}

/// The mixed load's `n`th operation: seven in ten a create (in one of `rooms`, at one of three
/// overlapping times, so most conflict), one a new title, one a move within the window, one a
/// cancel, of a booking made before (at random: it may have been cancelled already).
///
/// Two changes of one booking at once (edits or a cancel): the one that read the older version
/// is refused with 412 `version_mismatch` even without `If-Match` (optimistic concurrency;
/// nothing is lost), so that answer is accepted too.
async fn operation(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    rooms: &[String],
    window: i64,
    n: usize,
    load: &Mutex<Load>,
) {
    let start = window + (n % 3) as i64 * 5 * MINUTE;
    let pick = {
        let load = load.lock().unwrap();
        (!load.created.is_empty()).then(|| load.created[(n * 13) % load.created.len()].clone())
    };
    let (what, request) = match (n % 10, pick) {
        (6, Some(id)) => (
            "edit",
            http.patch(format!("{base}/api/v1/bookings/{id}")).json(&json!({"title": format!("Drill {id} {n}")})),
        ),
        (7, Some(id)) => (
            "move",
            http.patch(format!("{base}/api/v1/bookings/{id}"))
                .json(&json!({"start": iso(start), "end": iso(start + 30 * MINUTE)})),
        ),
        (8, Some(id)) => ("cancel", http.delete(format!("{base}/api/v1/bookings/{id}"))),
        _ => {
            let room = &rooms[(n * 7) % rooms.len()];
            let body = json!({"room_id": room, "title": format!("Drill {n}"), "start": iso(start),
                              "end": iso(start + 30 * MINUTE), "time_zone": "Europe/Madrid",
                              "organizer": "ana@acme.test", "attendees": [{"email": "maria@acme.test"}]});
            ("create", http.post(format!("{base}/api/v1/bookings")).json(&body))
        }
    };
    let (status, body) = json(request.bearer_auth(key).send().await.unwrap()).await;
    let code = body["code"].as_str().unwrap_or_default();
    let fine = match (what, status.as_u16()) {
        ("create", 201) | ("edit" | "move" | "cancel", 200) => true,
        ("create", 409) => code == "booking_conflict",
        ("edit" | "move" | "cancel", 412) => code == "version_mismatch",
        ("edit" | "move" | "cancel", 409) => {
            code == "booking_cancelled" || (what == "move" && code == "booking_conflict")
        }
        _ => false,
    };
    let mut load = load.lock().unwrap();
    *load.answers.entry(format!("{what} {}", status.as_u16())).or_default() += 1;
    if !fine {
        load.wrong.push(format!("{what}: {status} {body}"));
    } else if what == "create" && status == StatusCode::CREATED {
        load.created.push(body["id"].as_str().unwrap().to_owned());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_on_one_postgres_run_each_job_once_and_never_double_book() {
    init_logs();
    let Some(db) = sala_store::testing::fresh_postgres().await else { return };
    let smtp = FakeSmtp::start(SmtpMode::Accept).await.unwrap();
    let org = organization(db.store.as_ref()).await;
    let mut instances = Vec::new();
    for i in 0..3 {
        // Each instance has a pool of its own, as separate `sala serve` processes would.
        let store = if i == 0 { db.store.clone() } else { sala_store::connect(&db.url).await.unwrap() };
        let smtp_url = smtp.url(false);
        let instance = Instance::start(&db.url, store, move |s| {
            s.jobs = true;
            s.smtp_url = Some(sala_server::config::Secret::new(smtp_url));
            s.mail_from = Some("Sala Acme <sala@acme.test>".into());
            // Short leases, renewed by heartbeat every 2 s: a slow job must not be taken over.
            s.jobs_lease_seconds = 6;
        })
        .await;
        instances.push(instance);
    }
    let http = reqwest::Client::builder().timeout(Duration::from_secs(40)).build().unwrap();
    let rooms = rooms(&http, &instances[0].base, &org.key, 12).await;
    // Every meeting starts within ten minutes of `window`, three hours or more from now: their
    // reminders (15 minutes before) all fall due by `window - 1 min`, when none has started.
    let window = (now_millis() / (60 * MINUTE) + 4) * 60 * MINUTE;

    let load: Arc<Mutex<Load>> = Arc::default();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut clients = Vec::new();
    for i in 0..6 {
        let (http, base, key, rooms) = (http.clone(), instances[i % 3].base.clone(), org.key.clone(), rooms.clone());
        let (load, next) = (load.clone(), next.clone());
        clients.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= 150 {
                    return;
                }
                operation(&http, &base, &key, &rooms, window, n, &load).await;
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    let load = std::mem::take(&mut *load.lock().unwrap());
    eprintln!("mixed load: 150 operations on three instances in {:?}: {:?}", started.elapsed(), load.answers);
    assert!(load.wrong.is_empty(), "{} wrong answers:\n{}", load.wrong.len(), load.wrong.join("\n"));

    // The runners `sala serve` started work off what the load caused; then the instances stop.
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let pending = || {
        let pool = pool.clone();
        async move {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM jobs WHERE status = 'running' OR (status = 'pending' AND run_at <= $1)",
            )
            .bind(now_millis())
            .fetch_one(&pool)
            .await
            .unwrap();
            n
        }
    };
    wait_until("the runners took every job due now", Duration::from_secs(30), || async { pending().await == 0 }).await;
    let mut runners = Vec::new();
    for instance in instances {
        runners.push(instance.shut_down().await);
    }
    let sent_by_now = smtp.received().len();

    // A minute before the window: three runners race for the reminders.
    let refs: Vec<&sala_app::jobs::Runner> = runners.iter().collect();
    let ran = race_runners(&refs, window - MINUTE).await;
    eprintln!("{sent_by_now} emails during the load; reminders and the rest run by three runners: {ran:?}");

    // No room double-booked.
    let overlaps: Vec<(uuid::Uuid, uuid::Uuid)> = sqlx::query_as(
        "SELECT a.id, b.id FROM bookings a JOIN bookings b ON a.room_id = b.room_id AND a.id < b.id
         WHERE a.status = 'confirmed' AND b.status = 'confirmed' AND a.start_at < b.end_at AND b.start_at < a.end_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(overlaps.is_empty(), "double-booked: {overlaps:?}");

    // No email twice: each Message-ID (stable per job and recipient) once at the SMTP fake.
    let mails = mails(&smtp);
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for mail in &mails {
        *ids.entry(mail.message_id.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");

    // Each confirmed meeting reminded once to each of Ana and María; a cancelled one never.
    let bookings: Vec<(String, String)> =
        sqlx::query_as("SELECT title, status FROM bookings").fetch_all(&pool).await.unwrap();
    let confirmed = bookings.iter().filter(|(_, s)| s == "confirmed").count();
    assert!(confirmed >= 5, "{confirmed} confirmed bookings: too few to tell");
    for (title, status) in &bookings {
        let subject = format!("Recordatorio: {title} empieza en 15 min");
        let mut to: Vec<&str> = mails.iter().filter(|m| m.subject == subject).map(|m| m.to.as_str()).collect();
        to.sort_unstable();
        let expected: &[&str] = if status == "confirmed" { &["ana@acme.test", "maria@acme.test"] } else { &[] };
        assert_eq!(to, expected, "reminders of {title} ({status})");
    }
    let reminders = mails.iter().filter(|m| m.subject.starts_with("Recordatorio:")).count();

    // Every job ended, none dead; how often any was tried again is shown.
    let states: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT kind, status, count(*), max(attempts)::bigint FROM jobs GROUP BY kind, status ORDER BY kind, status",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    eprintln!(
        "{} bookings ({confirmed} confirmed), {} emails, {reminders} reminders; jobs (kind, status, count, most attempts): {states:?}",
        bookings.len(),
        mails.len()
    );
    let dead: Vec<_> = states.iter().filter(|(_, status, _, _)| status == "dead").collect();
    assert!(dead.is_empty(), "dead jobs: {dead:?}");
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE status = 'running' OR (status = 'pending' AND run_at <= $1)",
    )
    .bind(window - MINUTE)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(left, 0, "jobs due by the reminders' instant were left");
    pool.close().await;
}
