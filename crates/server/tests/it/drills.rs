//! Fault drills on SQLite (issue 21): `sala backup` while bookings are being made and `sala
//! restore` of it, restore refusing bad backups and a database in use, a full database and a
//! read-only one. The backup and restore run as the `sala` binary, a process of their own beside
//! the server under test, as an operator would run them.

use crate::helpers::{TestApp, expect_problem, json, test_settings};
use reqwest::{Method, StatusCode};
use sala_app::Context;
use sala_store::testing::fresh_sqlite;
use serde_json::{Value, json};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// `sala <args>` on the database at `database_url`, nothing from the developer's environment.
async fn sala(database_url: &str, args: &[&str]) -> Output {
    let url = database_url.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_sala"))
            .args(&args)
            .env_clear()
            .env("SALA_DATABASE_URL", url)
            .env("SALA_DATA_DIR", std::env::temp_dir())
            .env("SALA_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sala-drill-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn path_of(url: &str) -> PathBuf {
    PathBuf::from(url.strip_prefix("sqlite:").unwrap())
}

async fn integrity(path: &Path) -> Vec<String> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    let answer = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    answer
}

async fn count(path: &Path, sql: &'static str) -> i64 {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    let n = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    n
}

/// A server as `sala serve` wires it, over `store`; answers its base URL.
async fn serve(url: &str, store: Arc<dyn sala_app::Store>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut settings = test_settings(url);
    settings.listen = listener.local_addr().unwrap();
    let settings = settings.finish().unwrap();
    let base = settings.base_url.clone();
    let app = sala_server::App::build(settings, store).unwrap();
    tokio::spawn(async move { app.serve(listener, std::future::pending()).await });
    base
}

struct World {
    key: String,
    room: String,
}

async fn world(app: &TestApp) -> World {
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "maria@acme.test", "María López", "member").await;
    let key = app.api_key(&tenant).await;
    let (status, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Atlántico", "capacity": 6}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    World { key, room: room["id"].as_str().unwrap().to_owned() }
}

/// The `n`th booking of a drill: its own half hour, 20 a day, from a week ahead on.
fn booking(room: &str, n: usize) -> Value {
    let zone = jiff::tz::TimeZone::get("Europe/Madrid").unwrap();
    let day = jiff::Timestamp::now().to_zoned_datetime(zone.clone()).date();
    let day = day.checked_add(jiff::Span::new().days(7 + (n / 20) as i64)).unwrap();
    let start = day.at(8, 0, 0, 0).to_zoned_datetime(zone).unwrap();
    let start = start.checked_add(jiff::Span::new().minutes(30 * (n % 20) as i64)).unwrap();
    let end = start.checked_add(jiff::Span::new().minutes(30)).unwrap();
    let (start, end) = (start.strftime("%Y-%m-%dT%H:%M:%S%:z"), end.strftime("%Y-%m-%dT%H:%M:%S%:z"));
    json!({"room_id": room, "title": format!("drill {n}"), "start": start.to_string(), "end": end.to_string(),
           "time_zone": "Europe/Madrid", "organizer": "maria@acme.test"})
}

async fn post_booking(http: &reqwest::Client, base: &str, key: &str, body: &Value) -> reqwest::Response {
    http.post(format!("{base}/api/v1/bookings")).bearer_auth(key).json(body).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_every_booking_answered_before_it() {
    let app = TestApp::sqlite().await;
    let w = world(&app).await;
    let created: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut writers = Vec::new();
    for _ in 0..4 {
        let (http, base, key, room) = (app.http.clone(), app.url.clone(), w.key.clone(), w.room.clone());
        let (created, stop, next) = (created.clone(), stop.clone(), next.clone());
        writers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let (status, body) = json(post_booking(&http, &base, &key, &booking(&room, n)).await).await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
                created.lock().unwrap().push(body["id"].as_str().unwrap().to_owned());
            }
        }));
    }
    while created.lock().unwrap().len() < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    // Every booking in this list was answered 201 before the backup began.
    let before: Vec<String> = created.lock().unwrap().clone();
    let dir = temp_dir();
    let backup = dir.join("backup.db");
    let out = sala(&app.db.url, &["backup", backup.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    let during = created.lock().unwrap().len();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.await.unwrap();
    }
    let all = created.lock().unwrap().clone();
    eprintln!("{} bookings before the backup, {during} when it ended, {} in all", before.len(), all.len());
    assert!(all.len() > during, "the server kept taking bookings after the backup");
    let said = text(&out);
    assert!(said.contains("integrity_check ok") && said.contains("backup written"), "{said}");
    assert!(!dir.join("backup.db.partial").exists());

    let restored_url = format!("sqlite:{}", dir.join("restored").join("sala.db").display());
    let out = sala(&restored_url, &["restore", backup.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("the backup is sound"), "{}", text(&out));
    let restored = path_of(&restored_url);
    assert_eq!(integrity(&restored).await, ["ok"]);
    let stored = count(&restored, "SELECT count(*) FROM bookings").await as usize;
    assert!(
        stored >= before.len() && stored <= all.len(),
        "{stored} bookings, {} before, {} in all",
        before.len(),
        all.len()
    );

    // A server on the restored database serves them, to the same API key.
    let store = sala_store::connect(&restored_url).await.unwrap();
    let base = serve(&restored_url, store).await;
    for id in &before {
        let response = app.http.get(format!("{base}/api/v1/bookings/{id}")).bearer_auth(&w.key).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "booking {id} is missing from the restored copy");
    }
    // And takes new ones.
    let (status, body) =
        json(post_booking(&app.http, &base, &w.key, &booking(&w.room, next.load(Ordering::SeqCst))).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_refuses_to_overwrite_and_sends_postgres_to_pg_dump() {
    let app = TestApp::sqlite().await;
    world(&app).await;
    let dir = temp_dir();
    let backup = dir.join("backup.db");
    std::fs::write(&backup, "precious").unwrap();
    let out = sala(&app.db.url, &["backup", backup.to_str().unwrap()]).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("exists already: choose another path, or add --force"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), "precious");

    let out = sala(&app.db.url, &["backup", "--force", backup.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(integrity(&backup).await, ["ok"]);
    assert_eq!(count(&backup, "SELECT count(*) FROM rooms").await, 1);

    let out = sala(&app.db.url, &["backup", app.db.url.strip_prefix("sqlite:").unwrap(), "--force"]).await;
    assert!(text(&out).contains("is the database itself"), "{}", text(&out));
    let out = sala(&app.db.url, &["backup", dir.to_str().unwrap()]).await;
    assert!(text(&out).contains("is a folder"), "{}", text(&out));
    let missing = format!("sqlite:{}", dir.join("nothing-here.db").display());
    let out = sala(&missing, &["backup", dir.join("b.db").to_str().unwrap()]).await;
    assert!(text(&out).contains("there is no database at"), "{}", text(&out));
    assert!(!dir.join("nothing-here.db").exists(), "a backup must not create an empty database");

    let postgres = "postgres://sala@127.0.0.1:9/sala";
    let out = sala(postgres, &["backup", "/tmp/sala.dump"]).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("pg_dump --format=custom --file=/tmp/sala.dump"), "{}", text(&out));
    let out = sala(postgres, &["restore", "/tmp/sala.dump"]).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("pg_restore --clean --if-exists"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_bad_backups_and_a_database_in_use() {
    let app = TestApp::sqlite().await;
    let w = world(&app).await;
    let (status, made) = json(post_booking(&app.http, &app.url, &w.key, &booking(&w.room, 0)).await).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let dir = temp_dir();
    let good = dir.join("good.db");
    let out = sala(&app.db.url, &["backup", good.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    let bytes = std::fs::read(&good).unwrap();

    // An existing database that must survive every refusal untouched.
    let target_url = format!("sqlite:{}", dir.join("live").join("sala.db").display());
    let out = sala(&target_url, &["restore", good.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    let target = path_of(&target_url);
    let kept = std::fs::read(&target).unwrap();

    let not_db = dir.join("notes.txt");
    std::fs::write(&not_db, "this is not a database, just some notes\n".repeat(200)).unwrap();
    let truncated = dir.join("truncated.db");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let corrupted = dir.join("corrupted.db");
    let mut damaged = bytes.clone();
    // Scribble over the middle pages (b-tree pages of Sala's tables), leaving the header intact.
    for b in &mut damaged[bytes.len() / 4..bytes.len() / 2] {
        *b = 0x5a;
    }
    std::fs::write(&corrupted, &damaged).unwrap();
    let foreign = dir.join("foreign.db");
    {
        let options = SqliteConnectOptions::new().filename(&foreign).create_if_missing(true);
        let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
        sqlx::query("CREATE TABLE notes (body TEXT)").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
    let newer = dir.join("newer.db");
    std::fs::write(&newer, &bytes).unwrap();
    {
        let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&newer)).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99999, 'from the future', 1, x'00', 0)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
    let cases: [(&Path, &[&str]); 6] = [
        (&not_db, &["is not a readable SQLite database"]),
        (&truncated, &["is not a readable SQLite database", "is damaged"]),
        (&corrupted, &["is not a readable SQLite database", "is damaged"]),
        (&foreign, &["is an SQLite database but not Sala's"]),
        (&newer, &["comes from a newer Sala (schema version 99999"]),
        (&dir.join("absent.db"), &["there is no backup file at"]),
    ];
    for (backup, expected) in cases {
        let out = sala(&target_url, &["restore", backup.to_str().unwrap()]).await;
        let said = text(&out);
        assert!(!out.status.success(), "{} was restored: {said}", backup.display());
        assert!(expected.iter().any(|e| said.contains(e)), "{}: {said}", backup.display());
        assert_eq!(std::fs::read(&target).unwrap(), kept, "{} changed the database", backup.display());
    }
    let leftovers: Vec<_> =
        std::fs::read_dir(target.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, ["sala.db"], "nothing kept aside or staged by a refused restore");

    // The server's own database, open and serving: refused, and it keeps serving.
    let out = sala(&app.db.url, &["restore", good.to_str().unwrap()]).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("is in use") && text(&out).contains("nothing was changed"), "{}", text(&out));
    let id = made["id"].as_str().unwrap();
    let response = app.api(Method::GET, &format!("/api/v1/bookings/{id}"), &w.key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, body) = json(post_booking(&app.http, &app.url, &w.key, &booking(&w.room, 1)).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let live = path_of(&app.db.url);
    let names: Vec<String> = std::fs::read_dir(live.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("before-restore") || n.contains("restoring")), "{names:?}");

    // Restoring over a database nobody uses keeps the replaced one aside, whole.
    let out = sala(&target_url, &["restore", good.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    let aside: Vec<PathBuf> = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".before-restore-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(text(&out).contains("kept the replaced database as"), "{}", text(&out));
    assert_eq!(integrity(&aside[0]).await, ["ok"]);
    assert_eq!(count(&aside[0], "SELECT count(*) FROM bookings").await, 1);
    let _ = std::fs::remove_dir_all(dir);
}

/// Pages the database may grow by in the full-disk drill: room for a few bookings only.
const SPARE_PAGES: i64 = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_database_refuses_writes_cleanly_and_stays_sound() {
    let mut db = fresh_sqlite().await;
    let tenant = sala_app::tenants::create_tenant(
        db.store.as_ref(),
        sala_app::tenants::NewTenant { name: "Acme".into(), domains: vec!["acme.test".into()], ..Default::default() },
    )
    .await
    .unwrap();
    let ctx = Context::system(tenant.id);
    let maria =
        sala_app::users::NewUser {
            email: "maria@acme.test".into(), name: "María López".into(), ..Default::default()
        };
    sala_app::users::create_user(db.store.as_ref(), &ctx, maria).await.unwrap();
    let key = sala_app::api_keys::create_api_key(db.store.as_ref(), &ctx, "drill", None).await.unwrap().secret;
    let path = path_of(&db.url);
    let pages = count(&path, "PRAGMA page_count").await;
    // `max_page_count` holds for a connection, so the server's own store gets the limit.
    let options =
        SqliteConnectOptions::from_str(&db.url).unwrap().pragma("max_page_count", (pages + SPARE_PAGES).to_string());
    db.store = Arc::new(sala_store::sqlite::SqliteStore::open(options).await.unwrap());
    let app = TestApp::start(db, |_| {}).await;
    let (status, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Atlántico", "capacity": 6}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();

    let mut created = Vec::new();
    let refused = loop {
        assert!(created.len() < 2_000, "the database never filled up");
        let response = post_booking(&app.http, &app.url, &key, &booking(&room, created.len())).await;
        if response.status() != StatusCode::CREATED {
            break response;
        }
        created.push(json(response).await.1["id"].as_str().unwrap().to_owned());
    };
    assert!(!created.is_empty(), "the drill should fill the database with bookings first");
    assert_eq!(refused.headers().get("retry-after").unwrap(), "60");
    let problem = expect_problem(refused, StatusCode::SERVICE_UNAVAILABLE, "storage_full").await;
    assert!(problem["detail"].as_str().unwrap().contains("nothing was saved"), "{problem}");
    // Full stays full: the next write is refused the same way, never as a 500.
    let again = post_booking(&app.http, &app.url, &key, &booking(&room, created.len())).await;
    expect_problem(again, StatusCode::SERVICE_UNAVAILABLE, "storage_full").await;

    // Nothing half-written: exactly the bookings answered 201, each with its audit entry.
    let refused_title = format!("drill {}", created.len());
    assert_eq!(count(&path, "SELECT count(*) FROM bookings").await as usize, created.len());
    let without_audit = count(
        &path,
        "SELECT count(*) FROM bookings b WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.subject_id = b.id)",
    )
    .await;
    assert_eq!(without_audit, 0);
    let (_, list) = json(app.api(Method::GET, "/api/v1/bookings?limit=100", &key).send().await.unwrap()).await;
    assert!(!list.to_string().contains(&refused_title), "{list}");
    // Reads still work.
    let response = app.api(Method::GET, &format!("/api/v1/bookings/{}", created[0]), &key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(integrity(&path).await, ["ok"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_serves_reads_and_refuses_writes() {
    let app = TestApp::sqlite().await;
    let w = world(&app).await;
    let (status, made) = json(post_booking(&app.http, &app.url, &w.key, &booking(&w.room, 0)).await).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().unwrap().to_owned();

    // Root may write to any file, so the database is opened read-only (as `?mode=ro` does).
    let read_only_url = format!("{}?mode=ro", app.db.url);
    let store = sala_store::connect(&read_only_url).await.unwrap();
    let base = serve(&read_only_url, store).await;
    let get = |path: String| app.http.get(format!("{base}{path}")).bearer_auth(&w.key).send();
    assert_eq!(get(format!("/api/v1/bookings/{id}")).await.unwrap().status(), StatusCode::OK);
    let (status, list) = json(get("/api/v1/bookings?limit=10".to_owned()).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list.to_string().contains(&id), "{list}");

    let refused = post_booking(&app.http, &base, &w.key, &booking(&w.room, 1)).await;
    assert_eq!(refused.headers().get("retry-after").unwrap(), "60");
    let problem = expect_problem(refused, StatusCode::SERVICE_UNAVAILABLE, "read_only").await;
    assert!(problem["detail"].as_str().unwrap().contains("nothing was saved"), "{problem}");
    let cancel = app.http.delete(format!("{base}/api/v1/bookings/{id}")).bearer_auth(&w.key).send().await.unwrap();
    expect_problem(cancel, StatusCode::SERVICE_UNAVAILABLE, "read_only").await;

    // The writable server still owns the data: the booking is there, confirmed, and nothing else.
    let (_, still) = json(app.api(Method::GET, &format!("/api/v1/bookings/{id}"), &w.key).send().await.unwrap()).await;
    assert_eq!(still["status"], "confirmed", "{still}");
    assert_eq!(count(&path_of(&app.db.url), "SELECT count(*) FROM bookings").await, 1);
    assert_eq!(integrity(&path_of(&app.db.url)).await, ["ok"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_migrates_a_backup_from_an_older_version() {
    let migrator = sqlx::migrate!("../store/migrations/sqlite");
    let mut versions: Vec<i64> = migrator.iter().map(|m| m.version).collect();
    versions.sort_unstable();
    let (older, latest) = (versions[versions.len() - 2], versions[versions.len() - 1]);
    let dir = temp_dir();
    let old = dir.join("old.db");
    {
        let options = SqliteConnectOptions::new().filename(&old).create_if_missing(true);
        let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
        migrator.run_to(older, &mut conn).await.unwrap();
        conn.close().await.unwrap();
    }

    let url = format!("sqlite:{}", dir.join("data").join("sala.db").display());
    let out = sala(&url, &["restore", old.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!("migrating from schema version {older} to {latest}")), "{}", text(&out));
    let restored = path_of(&url);
    assert_eq!(count(&restored, "SELECT max(version) FROM _sqlx_migrations WHERE success").await, latest);
    assert_eq!(integrity(&restored).await, ["ok"]);
    // The server opens it as its own: the applied migrations' checksums agree.
    sala_store::connect(&url).await.unwrap().ping().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}
