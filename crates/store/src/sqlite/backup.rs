//! The database file as a whole: the online copy behind `sala backup`, and the checks and the
//! lock behind `sala restore`. The files themselves (temp names, renames) are the caller's.

use crate::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The file a `sqlite:` URL names (`sqlite:data/sala.db` -> `data/sala.db`).
pub fn database_path(url: &str) -> Result<PathBuf, StoreError> {
    let options = SqliteConnectOptions::from_str(url).map_err(StoreError::Database)?;
    Ok(options.get_filename().to_path_buf())
}

/// The newest migration this build of Sala applies.
pub fn latest_migration() -> i64 {
    super::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Writes a consistent copy of the database at `url` to `target` (which must not exist) while
/// others keep writing: `VACUUM INTO` reads in one transaction, and in WAL mode a reader neither
/// waits for writers nor makes them wait. The copy is compact and in rollback-journal mode.
pub async fn copy_into(url: &str, target: &str) -> Result<(), StoreError> {
    // Read-only: a backup never changes the live database, and a wrong path is not created empty.
    let options = SqliteConnectOptions::from_str(url)
        .map_err(StoreError::Database)?
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10))
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options).await.map_err(super::db)?;
    let copied = sqlx::query("VACUUM INTO ?").bind(target).execute(&mut conn).await.map_err(super::db);
    let _ = conn.close().await;
    copied.map(|_| ())
}

/// What a database file holds, as far as a restore cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    /// `PRAGMA integrity_check`'s answer: `["ok"]` when sound, else the problems it found.
    pub integrity: Vec<String>,
    /// The newest Sala migration applied; `None` when the file has no migrations table (not Sala's).
    pub migration: Option<i64>,
    /// A migration that started and failed, leaving the schema half changed.
    pub failed_migration: Option<i64>,
}

impl Inspection {
    pub fn is_sound(&self) -> bool {
        self.integrity == ["ok"]
    }
}

/// Opens the file at `path` read-only and checks it: `PRAGMA integrity_check` and Sala's
/// migrations table. Fails when it is not an SQLite database at all.
///
/// The file is opened as immutable (no locks, no `-wal` or `-shm` beside it): meant for a copy
/// that nothing else has open.
pub async fn inspect(path: &Path) -> Result<Inspection, StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true)
        .create_if_missing(false)
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options).await.map_err(super::db)?;
    let inspection = inspect_open(&mut conn).await;
    let _ = conn.close().await;
    inspection
}

async fn inspect_open(conn: &mut SqliteConnection) -> Result<Inspection, StoreError> {
    let integrity: Vec<String> =
        sqlx::query_scalar("PRAGMA integrity_check(20)").fetch_all(&mut *conn).await.map_err(super::db)?;
    let has_table: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_one(&mut *conn)
            .await
            .map_err(super::db)?;
    if has_table == 0 {
        return Ok(Inspection { integrity, migration: None, failed_migration: None });
    }
    let migration: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut *conn)
        .await
        .map_err(super::db)?;
    let failed_migration: Option<i64> =
        sqlx::query_scalar("SELECT min(version) FROM _sqlx_migrations WHERE NOT success")
            .fetch_one(&mut *conn)
            .await
            .map_err(super::db)?;
    Ok(Inspection { integrity, migration: Some(migration.unwrap_or(0)), failed_migration })
}

/// Sole use of a database file: while held, no other connection (this process or another) can
/// read or write it, and a server that opens it waits.
pub struct ExclusiveHold(SqliteConnection);

impl ExclusiveHold {
    /// Lets go of the file, after moving what its `-wal` holds into it: the file alone is then
    /// the whole database and can be moved aside without its `-wal`.
    pub async fn checkpoint_and_release(mut self) -> Result<(), StoreError> {
        let checkpoint = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut self.0).await.map_err(super::db);
        let closed = self.0.close().await.map_err(super::db);
        checkpoint.and(closed).map(|_| ())
    }
}

/// What [`take_exclusive`] found.
pub enum Exclusive {
    Held(ExclusiveHold),
    /// Another connection has the database open (a running server, a `sala` command).
    InUse,
}

/// Takes the database at `path` for this connection alone, at once or not at all.
///
/// In WAL mode an idle server connection holds no write lock, so `BEGIN EXCLUSIVE` alone would
/// not notice it; in `EXCLUSIVE` locking mode SQLite must first be sure no other connection has
/// the file open, and answers SQLITE_BUSY when one has.
pub async fn take_exclusive(path: &Path) -> Result<Exclusive, StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::ZERO)
        .disable_statement_logging();
    let mut conn = match SqliteConnection::connect_with(&options).await {
        Ok(conn) => conn,
        Err(err) if is_busy(&err) => return Ok(Exclusive::InUse),
        Err(err) => return Err(super::db(err)),
    };
    // The lock is taken by the first read or write and kept (locking mode EXCLUSIVE) after COMMIT.
    let locked = async {
        sqlx::query("BEGIN EXCLUSIVE").execute(&mut conn).await?;
        sqlx::query("COMMIT").execute(&mut conn).await
    }
    .await;
    match locked {
        Ok(_) => Ok(Exclusive::Held(ExclusiveHold(conn))),
        Err(err) => {
            let _ = conn.close().await;
            if is_busy(&err) { Ok(Exclusive::InUse) } else { Err(super::db(err)) }
        }
    }
}

/// SQLITE_BUSY or SQLITE_LOCKED, with any extended code.
fn is_busy(err: &sqlx::Error) -> bool {
    matches!(super::primary_code(err), Some(5 | 6))
}
