//! The embedded default backend: one SQLite file in WAL mode.
//!
//! SQLite allows one writer at a time, so every write transaction starts with `BEGIN IMMEDIATE`: it
//! takes the write lock up front instead of failing with SQLITE_BUSY halfway through. Booking
//! writes, the busiest, are committed in groups: one fsync for all that are waiting
//! (`group_commit`).

mod attendance;
mod audit;
mod auth;
pub mod backup;
mod bookings;
mod feeds;
mod google;
pub mod group_commit;
mod jobs;
mod outbox;
mod reports;
mod rooms;
mod tenants;
mod users;
mod watches;
mod webhooks;
mod weekly_reports;

use crate::{StoreError, Unique};
use sala_domain::JobKind;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// The schema's migrations, embedded in the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// The schema's state, read-only: the file must exist; nothing is created or migrated.
pub(crate) async fn schema_status(url: &str) -> Result<crate::SchemaStatus, StoreError> {
    use sqlx::ConnectOptions;
    let options = SqliteConnectOptions::from_str(url).map_err(StoreError::Database)?.read_only(true);
    let mut conn = options.connect().await.map_err(StoreError::Database)?;
    let table: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_optional(&mut conn)
            .await
            .map_err(db)?;
    let applied: Option<i64> = match table {
        Some(_) => sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut conn)
            .await
            .map_err(db)?,
        None => None,
    };
    Ok(crate::SchemaStatus { applied: applied.unwrap_or(0), known: crate::records::last_migration(&MIGRATOR) })
}

#[derive(Clone)]
pub struct SqliteStore {
    /// Readers: WAL lets them run beside the writer.
    pool: SqlitePool,
    /// The one writer connection. SQLite allows one writer at a time anyway; queueing writers
    /// here (first come, first served) instead of in SQLite's busy handler, which sleeps and
    /// retries, keeps the latency of concurrent writes low and even.
    writer: SqlitePool,
    /// Booking writes go through it: one commit (one fsync) for all that are waiting. `None`
    /// commits each on its own, which only the benchmark's before-and-after uses.
    group_commit: Option<group_commit::GroupCommit>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite:path/to/file.db`) and migrates it.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::open(SqliteConnectOptions::from_str(url).map_err(StoreError::Database)?).await
    }

    /// [`Self::connect`] with options of the caller's (a read-only file, a size limit), on top of
    /// which Sala's own (WAL, full sync, foreign keys) are set.
    pub async fn open(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a booking confirmed to a person survives a power cut.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(StoreError::Database)?;
        MIGRATOR.run(&writer).await?;
        // Only an optimization: a database opened read-only, or full, still serves.
        if let Err(err) = optimize(&writer).await {
            tracing::warn!(%err, "could not refresh the query planner's statistics");
        }
        let pool =
            SqlitePoolOptions::new().max_connections(8).connect_with(options).await.map_err(StoreError::Database)?;
        let group_commit = Some(group_commit::GroupCommit::start(writer.clone()));
        Ok(Self { pool, writer, group_commit })
    }

    /// How many group commits wrote how many booking writes (none when each commits on its own).
    pub fn group_commits(&self) -> group_commit::GroupCommits {
        self.group_commit.as_ref().map(group_commit::GroupCommit::counts).unwrap_or_default()
    }

    /// The same store committing each booking write on its own, as before group commit: for
    /// measuring what it brings (`sala bench`).
    pub fn one_commit_per_write(self) -> Self {
        Self { group_commit: None, ..self }
    }

    async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }
}

impl crate::PoolStore for SqliteStore {
    fn pool_use(&self) -> Vec<crate::PoolUse> {
        [("read", &self.pool), ("write", &self.writer)].into_iter().map(|(name, pool)| pool_use(name, pool)).collect()
    }
}

fn pool_use(pool_name: &'static str, pool: &SqlitePool) -> crate::PoolUse {
    let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
    crate::PoolUse {
        pool: pool_name,
        in_use: pool.size().saturating_sub(idle),
        idle,
        max: pool.options().get_max_connections(),
    }
}

/// Statistics for SQLite's planner (`sqlite_stat1`, `sqlite_stat4`) where they are missing or
/// out of date, as SQLite advises on opening a database and now and then after: every table is
/// looked at (0x10000), each index sampled at most 1,000 rows deep (`analysis_limit`), so it takes
/// milliseconds on any size. Without them the planner guesses from the schema alone (SQLite 3.51
/// guessed the (tenant, start) index for one room's busy intervals, since pinned by `INDEXED BY`).
async fn optimize(writer: &SqlitePool) -> Result<(), StoreError> {
    let mut conn = writer.acquire().await.map_err(db)?;
    sqlx::query("PRAGMA analysis_limit = 1000").execute(&mut *conn).await.map_err(db)?;
    sqlx::query("PRAGMA optimize = 0x10002").execute(&mut *conn).await.map_err(db)?;
    Ok(())
}

/// Turns SQLite's "UNIQUE constraint failed: table.columns" into the rule it protects, and a full
/// or read-only database into errors a caller can explain.
fn db(err: sqlx::Error) -> StoreError {
    match primary_code(&err) {
        Some(SQLITE_FULL) => return StoreError::Full,
        Some(SQLITE_READONLY) => return StoreError::ReadOnly,
        _ => {}
    }
    if let sqlx::Error::Database(e) = &err
        && e.is_unique_violation()
    {
        let message = e.message();
        let rule = [
            ("tenants.slug", Unique::TenantSlug),
            ("tenant_domains.domain", Unique::TenantDomain),
            ("users.tenant_id, users.email_key", Unique::UserEmail),
            ("users.google_subject", Unique::UserGoogleSubject),
            ("tenants.entra_tenant_id", Unique::TenantEntra),
            ("users.tenant_id, users.microsoft_oid", Unique::UserMicrosoft),
            ("rooms.tenant_id, rooms.name_key", Unique::RoomName),
            ("api_keys.key_hash", Unique::ApiKeyHash),
            ("idempotency_keys.tenant_id, idempotency_keys.actor, idempotency_keys.key", Unique::IdempotencyKey),
            ("deliveries.idempotency_key", Unique::DeliveryKey),
        ]
        .into_iter()
        .find(|(columns, _)| message.contains(columns));
        if let Some((_, rule)) = rule {
            return StoreError::Duplicate(rule);
        }
    }
    StoreError::Database(err)
}

const SQLITE_READONLY: i32 = 8;
const SQLITE_FULL: i32 = 13;

/// SQLite's primary result code of a database error (sqlx reports the extended one, whose low
/// byte is the primary).
fn primary_code(err: &sqlx::Error) -> Option<i32> {
    let sqlx::Error::Database(e) = err else { return None };
    e.code()?.parse::<i32>().ok().map(|code| code & 0xff)
}

/// Fails with `NotFound` when an update touched no row (wrong id or another tenant's).
fn one_row(result: sqlx::sqlite::SqliteQueryResult) -> Result<(), StoreError> {
    if result.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Job kinds as one bound JSON array (SQLite has no array parameters), read back in SQL with
/// `kind IN (SELECT value FROM json_each($n))`.
fn kinds_json(kinds: &[JobKind]) -> String {
    serde_json::Value::from(kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()).to_string()
}
