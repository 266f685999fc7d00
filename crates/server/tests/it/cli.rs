//! The `sala` binary as an operator uses it: help, tenant/user/room/key commands, serve with JSON
//! logs, and a clean stop on SIGTERM.

use reqwest::StatusCode;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// `sala <args>` with settings only from `data_dir` (nothing from the developer's environment).
fn sala(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sala"))
        .args(args)
        .env_clear()
        .env("SALA_DATA_DIR", data_dir)
        .env("SALA_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sala-cli-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_jobs_benchmark_delivers_what_it_counts() {
    let dir = temp_dir();
    let out = stdout(&sala(&dir, &["bench-jobs", "--notifications", "6", "--reminders", "7", "--rooms", "3"]));
    let line = |label: &str| out.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{out}")).to_owned();
    let numbers = |l: &str| l.split_whitespace().filter_map(|w| w.parse::<f64>().ok()).collect::<Vec<_>>();
    // notify: 6 jobs, each two emails and one WhatsApp message; reminders: 7 jobs, one message each.
    assert_eq!(numbers(&line("notify jobs"))[..2], [6.0, 18.0], "{out}");
    assert_eq!(numbers(&line("reminder jobs"))[..2], [7.0, 7.0], "{out}");
    let unknown = sala(&dir, &["jobs", "list", "--tenant", "nobody"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no tenant 'nobody'"));
}

#[test]
fn the_feeds_benchmark_builds_the_feed_it_times() {
    let dir = temp_dir();
    let out = stdout(&sala(&dir, &["bench-feeds", "--days", "3", "--per-day", "2", "--rounds", "1"]));
    // The bench itself fails unless the feed holds every booking the store read.
    assert!(out.contains("room bookings 6"), "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("feed / ceiling: ")), "{out}");
}

#[test]
fn jobs_commands_refuse_bad_input() {
    let dir = temp_dir();
    stdout(&sala(&dir, &["tenant", "create", "--name", "Acme", "--domain", "acme.test"]));
    let listed = stdout(&sala(&dir, &["jobs", "list", "--tenant", "acme", "--status", "dead"]));
    assert!(listed.is_empty(), "{listed}");
    let bad = sala(&dir, &["jobs", "list", "--tenant", "acme", "--status", "zombie"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'zombie' is not one of pending, running, done, dead"));
    let bad = sala(&dir, &["jobs", "replay", "--tenant", "acme", "not-an-id"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a job id"));
    let missing = sala(&dir, &["jobs", "replay", "--tenant", "acme", "0192f0a0-0000-7000-8000-000000000000"]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("not found"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

#[test]
fn help_explains_the_commands() {
    let dir = temp_dir();
    let help = stdout(&sala(&dir, &["--help"]));
    for command in [
        "serve",
        "worker",
        "jobs",
        "migrate",
        "backup",
        "restore",
        "doctor",
        "tenant",
        "user",
        "room",
        "api-key",
        "bench-jobs",
        "bench-feeds",
    ] {
        assert!(help.contains(command), "{help}");
    }
    let room_help = stdout(&sala(&dir, &["room", "create", "--help"]));
    assert!(room_help.contains("mon-fri 08:00-20:00"), "{room_help}");
    let backup_help = stdout(&sala(&dir, &["backup", "--help"]));
    assert!(backup_help.contains("VACUUM INTO") && backup_help.contains("pg_dump"), "{backup_help}");
    let restore_help = stdout(&sala(&dir, &["restore", "--help"]));
    assert!(restore_help.contains("before-restore") && restore_help.contains("Stop the server"), "{restore_help}");
}

#[tokio::test]
async fn operator_sets_up_a_tenant_and_a_key_that_works() {
    let dir = temp_dir();
    let out = stdout(&sala(&dir, &["tenant", "create", "--name", "Globex Corp", "--domain", "globex.test"]));
    assert!(out.contains("globex-corp"), "{out}");
    let dup = sala(&dir, &["tenant", "create", "--name", "Globex Corp", "--domain", "other.test"]);
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));

    let bad =
        sala(&dir, &["user", "create", "--tenant", "globex-corp", "--email", "x", "--name", "X", "--phone", "123"]);
    let err = String::from_utf8_lossy(&bad.stderr).to_string();
    assert!(!bad.status.success() && err.contains("email:") && err.contains("phone:"), "{err}");
    stdout(&sala(
        &dir,
        &[
            "user",
            "create",
            "--tenant",
            "globex-corp",
            "--email",
            "boss@globex.test",
            "--name",
            "Boss",
            "--role",
            "admin",
        ],
    ));
    let room = [
        "room",
        "create",
        "--tenant",
        "globex-corp",
        "--name",
        "Sala Uno",
        "--capacity",
        "6",
        "--hours",
        "mon-fri 09:00-18:00",
    ];
    stdout(&sala(&dir, &room));
    let bad_hours = sala(
        &dir,
        &["room", "create", "--tenant", "globex-corp", "--name", "X", "--capacity", "2", "--hours", "sometimes"],
    );
    assert!(String::from_utf8_lossy(&bad_hours.stderr).contains("--hours"));
    let unknown = sala(&dir, &["room", "list", "--tenant", "nobody"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no tenant 'nobody'"));

    let key = stdout(&sala(&dir, &["api-key", "create", "--tenant", "globex-corp", "--name", "CRM"])).trim().to_owned();
    assert!(key.starts_with("sala_"));
    let listed = stdout(&sala(&dir, &["api-key", "list", "--tenant", "globex-corp"]));
    assert!(listed.contains("CRM") && !listed.contains(&key), "the secret is never listed again");

    // The key opens the API of a server on the same data folder.
    let port = free_port();
    let mut server = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_sala"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env_clear()
            .env("SALA_DATA_DIR", &dir)
            .env("SALA_LOG_FORMAT", "json")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_until_ready(&base).await;
    let rooms: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/rooms"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rooms[0]["name"], "Sala Uno");

    let id = listed.split_whitespace().next().unwrap().to_owned();
    stdout(&sala(&dir, &["api-key", "revoke", "--tenant", "globex-corp", &id]));
    let refused = reqwest::Client::new().get(format!("{base}/api/v1/rooms")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    // SIGTERM stops it cleanly; its logs were JSON lines.
    assert!(Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap().success());
    let status = wait_for_exit(&mut server.0);
    assert!(status.success(), "exit: {status:?}");
    let logs = std::io::read_to_string(server.0.stderr.take().unwrap()).unwrap();
    assert!(logs.lines().any(|l| l.contains("sala is listening")), "{logs}");
    for line in logs.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A server process that cannot outlive a failed test.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_until_ready(base: &str) {
    // reqwest is built without a default TLS provider; the server's own client installs ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await
            && r.status() == StatusCode::OK
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server at {base} did not become ready");
}

fn wait_for_exit(child: &mut std::process::Child) -> std::process::ExitStatus {
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("server did not stop within 10 s of SIGTERM");
}

#[test]
fn api_keys_are_made_with_scopes() {
    let dir = temp_dir();
    stdout(&sala(&dir, &["tenant", "create", "--name", "Acme", "--domain", "acme.test"]));
    let made = sala(&dir, &["api-key", "create", "--tenant", "acme", "--name", "Attendance", "--scopes", "read,write"]);
    assert!(
        String::from_utf8_lossy(&made.stderr).contains("scopes=read,write"),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(stdout(&made).starts_with("sala_"));
    let all = sala(&dir, &["api-key", "create", "--tenant", "acme", "--name", "CRM"]);
    assert!(String::from_utf8_lossy(&all.stderr).contains("scopes=read,write,webhooks"), "without --scopes: all");
    let listed = stdout(&sala(&dir, &["api-key", "list", "--tenant", "acme"]));
    assert!(listed.contains("\tread,write\tnever used"), "{listed}");
    let bad = sala(&dir, &["api-key", "create", "--tenant", "acme", "--name", "X", "--scopes", "admin"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("'admin' is not a scope"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// `sala doctor` with only the given settings (and the data folder), off the test's runtime,
/// which serves the fakes it talks to.
async fn doctor(data_dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sala"));
    command.arg("doctor").env_clear().env("SALA_DATA_DIR", data_dir).env("SALA_LOG", "warn");
    command.envs(env.iter().copied());
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}

/// The line `sala doctor` printed about `what`.
fn doctor_line(out: &Output, what: &str) -> String {
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(what))
        .unwrap_or_else(|| panic!("no line about {what}: {text}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_what_to_fix_and_changes_nothing() {
    use sala_channels::testing::{FakeSmtp, FakeWhatsApp, SmtpMode};
    let smtp = FakeSmtp::start(SmtpMode::Accept).await.unwrap();
    let whatsapp = FakeWhatsApp::start().await.unwrap();
    let dir = temp_dir();
    let smtp_url = smtp.url(true);
    let good = [
        ("SALA_BASE_URL", "https://sala.example"),
        ("SALA_SMTP_URL", smtp_url.as_str()),
        ("SALA_WHATSAPP_API_BASE", whatsapp.api_base.as_str()),
        ("SALA_WHATSAPP_PHONE_NUMBER_ID", "123"),
        ("SALA_WHATSAPP_TOKEN", "t"),
    ];

    // A database never created: doctor says how, and creates nothing.
    let out = doctor(&dir, &good).await;
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(doctor_line(&out, "database").contains("`sala migrate`"), "{}", doctor_line(&out, "database"));
    assert!(!dir.join("sala.db").exists(), "doctor created the database");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 thing to fix"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Migrated, with SMTP and WhatsApp answering: all well, and no email was sent.
    stdout(&sala(&dir, &["migrate"]));
    let out = doctor(&dir, &good).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    for what in ["base", "database", "smtp", "whatsapp"] {
        assert!(doctor_line(&out, what).trim_start().starts_with("ok"), "{what}: {text}");
    }
    assert!(doctor_line(&out, "database").contains("up to date"), "{text}");
    assert!(smtp.received().is_empty(), "a check sends nothing");

    // SMTP and WhatsApp down, plain http in production, half a Google client: each said.
    let closed = free_port();
    let (down_smtp, down_whatsapp) =
        (format!("smtp://127.0.0.1:{closed}?tls=none"), format!("http://127.0.0.1:{closed}/v21.0"));
    let bad = [
        ("SALA_BASE_URL", "http://sala.example"),
        ("SALA_SMTP_URL", down_smtp.as_str()),
        ("SALA_WHATSAPP_API_BASE", down_whatsapp.as_str()),
        ("SALA_WHATSAPP_PHONE_NUMBER_ID", "123"),
        ("SALA_WHATSAPP_TOKEN", "t"),
        ("SALA_GOOGLE_CLIENT_ID", "id"),
    ];
    let out = doctor(&dir, &bad).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(doctor_line(&out, "base").contains("https://"), "{text}");
    assert!(doctor_line(&out, "smtp").contains("FIX"), "{text}");
    assert!(doctor_line(&out, "whatsapp").contains("SALA_WHATSAPP_API_BASE"), "{text}");
    assert!(text.contains("SALA_GOOGLE_CLIENT_SECRET"), "{text}");
}
