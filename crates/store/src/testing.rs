//! Fresh, empty, migrated databases for tests: this crate's conformance suite and the server's tests.
//!
//! ```no_run
//! # async fn example() {
//! use sala_store::testing::{fresh_postgres, fresh_sqlite};
//!
//! let db = fresh_sqlite().await;
//! db.store.ping().await.unwrap();
//!
//! // `None` when no PostgreSQL is reachable outside CI: the test returns early.
//! let Some(db) = fresh_postgres().await else { return };
//! println!("testing against {}", db.url);
//! # }
//! ```
//!
//! Each call gives a database no other test sees, so tests run in parallel. Dropping the [`TestDb`]
//! removes it (the SQLite directory, or the PostgreSQL database); when the test is panicking it is
//! kept for inspection and its URL printed. Databases left behind by killed runs are swept up by a
//! later run once they are a day old (their names carry their creation time, a UUIDv7).
//!
//! These helpers panic on failure: they are for tests only, never for the server itself.

use crate::Store;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Where `fresh_postgres` creates its databases; any database on the server will do as an entry point.
pub const POSTGRES_URL_VAR: &str = "SALA_TEST_POSTGRES_URL";
/// Used when [`POSTGRES_URL_VAR`] is unset (the developer setup: trust auth on localhost).
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Name prefix of every database `fresh_postgres` creates.
const DB_PREFIX: &str = "sala_test_";
/// Leftover test databases older than this are dropped by the next run.
const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// A fresh database, its URL and an open store on it.
pub struct TestDb {
    /// The URL the store was opened with: `sqlite:/tmp/...` or `postgres://.../sala_test_...`.
    pub url: String,
    pub store: Arc<dyn Store>,
    cleanup: Cleanup,
}

enum Cleanup {
    Directory(PathBuf),
    Postgres { admin_url: String, database: String },
}

impl TestDb {
    /// `"sqlite"` or `"postgres"`, for messages and backend-specific assertions.
    pub fn backend(&self) -> &'static str {
        match self.cleanup {
            Cleanup::Directory(_) => "sqlite",
            Cleanup::Postgres { .. } => "postgres",
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("test failed: keeping its database {}", self.url);
            return;
        }
        match &self.cleanup {
            Cleanup::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, database } => {
                // Drop runs inside the test's runtime, which cannot be blocked on; a short-lived
                // thread with its own runtime does the (best-effort) DROP DATABASE.
                let (admin_url, database) = (admin_url.clone(), database.clone());
                let cleanup = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                    runtime.block_on(async {
                        let mut admin = admin_connection(&admin_url).await.ok()?;
                        drop_database(&mut admin, &database).await.ok()?;
                        admin.close().await.ok()
                    })
                });
                let _ = cleanup.join();
            }
        }
    }
}

/// A new SQLite database in its own directory under the system temp dir.
pub async fn fresh_sqlite() -> TestDb {
    let dir = std::env::temp_dir().join(format!("sala-test-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let url = format!("sqlite:{}", dir.join("sala.db").display());
    let store = crate::connect(&url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    TestDb { url, store, cleanup: Cleanup::Directory(dir) }
}

/// A new database `sala_test_<uuid>` on the PostgreSQL server of `SALA_TEST_POSTGRES_URL` (default
/// [`DEFAULT_POSTGRES_URL`]), migrated and opened.
///
/// When the server cannot be reached this prints `skipping PostgreSQL tests: <reason>` to stderr and
/// answers `None`, so a laptop without PostgreSQL still runs the rest; under CI (`CI` set to anything
/// but empty, `false` or `0`) it panics instead, so a broken setup cannot pass as green.
pub async fn fresh_postgres() -> Option<TestDb> {
    let admin_url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
    let mut admin = match admin_connection(&admin_url).await {
        Ok(conn) => conn,
        Err(reason) => {
            let reason = format!("cannot connect to {admin_url} (set {POSTGRES_URL_VAR}): {reason}");
            if in_ci() {
                panic!("PostgreSQL is required under CI: {reason}");
            }
            eprintln!("skipping PostgreSQL tests: {reason}");
            return None;
        }
    };

    static SWEPT: AtomicBool = AtomicBool::new(false);
    if !SWEPT.swap(true, Ordering::SeqCst) {
        sweep_stale(&mut admin).await;
    }

    let database = format!("{DB_PREFIX}{}", uuid::Uuid::now_v7().simple());
    // The name is ours (a prefix and hex digits): nothing from outside reaches this SQL.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create database {database} on {admin_url}: {e}"));
    let _ = admin.close().await;

    let url = with_database(&admin_url, &database);
    let store = crate::connect(&url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    Some(TestDb { url, store, cleanup: Cleanup::Postgres { admin_url, database } })
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

async fn admin_connection(url: &str) -> Result<PgConnection, String> {
    let options = PgConnectOptions::from_str(url).map_err(|e| e.to_string())?.disable_statement_logging();
    match tokio::time::timeout(Duration::from_secs(5), PgConnection::connect_with(&options)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out after 5 s".to_owned()),
    }
}

async fn drop_database(admin: &mut PgConnection, database: &str) -> Result<(), sqlx::Error> {
    // Only ever called with names of the form `sala_test_<hex>`.
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")))
        .execute(admin)
        .await
        .map(|_| ())
}

/// Drops test databases older than a day, left by runs that were killed or failed.
async fn sweep_stale(admin: &mut PgConnection) {
    let Ok(names) =
        sqlx::query_scalar::<_, String>("SELECT datname FROM pg_database WHERE datname LIKE 'sala\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
    else {
        return;
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    for name in names {
        let created = name
            .strip_prefix(DB_PREFIX)
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .and_then(|id| id.get_timestamp())
            .map(|ts| Duration::from_secs(ts.to_unix().0));
        if let Some(created) = created
            && now.saturating_sub(created) > STALE_AFTER
        {
            let _ = drop_database(admin, &name).await;
        }
    }
}

/// The same URL pointing at another database: `postgres://u@h:5432/test?x=y` -> `.../<database>?x=y`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(with_database("postgresql://u:p@h/db?sslmode=disable", "x"), "postgresql://u:p@h/x?sslmode=disable");
    }
}
