//! The database's own ceiling for one booking, for the benchmarks: a durable overlap check and
//! insert of one row per transaction, with nothing of Sala around it.
//!
//! SQLite: the same journal and sync settings as Sala (WAL, `synchronous = FULL`), in a scratch
//! file beside the database (same disk), one writer as SQLite allows. PostgreSQL: a scratch table
//! with the same kind of exclusion constraint as `bookings`, in the same database, dropped after.

use crate::StoreError;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;

/// A scratch table to insert one-row transactions into; [`Self::remove`] it after.
pub enum CeilingTable {
    Sqlite { pool: SqlitePool, path: String },
    Postgres { pool: PgPool, table: String },
}

impl CeilingTable {
    /// The scratch table for the database at `url`, with room for `clients` at once (SQLite:
    /// one, its single writer; more would only queue).
    pub async fn create(url: &str, clients: usize) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            sqlite(url).await
        } else if url.starts_with("postgres") {
            postgres(url, clients).await
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    /// The `i`-th row, in a transaction of its own: ten rooms, back-to-back 30-minute slots.
    pub async fn insert(&self, i: usize) -> Result<(), StoreError> {
        const HALF_HOUR: i64 = 30 * 60_000;
        let (room, n) = ((i % 10) as i64, (i / 10) as i64);
        let (start, end) = (n * HALF_HOUR, (n + 1) * HALF_HOUR);
        match self {
            Self::Sqlite { pool, .. } => sqlite_insert(pool, room, start, end).await,
            Self::Postgres { pool, table } => {
                let insert = format!("INSERT INTO {table} (room, start_at, end_at) VALUES ($1, $2, $3)");
                let query = sqlx::query(sqlx::AssertSqlSafe(insert)).bind(room).bind(start).bind(end);
                query.execute(pool).await.map(drop)
            }
        }
        .map_err(StoreError::Database)
    }

    /// Drops the table (SQLite: deletes the scratch file).
    pub async fn remove(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite { pool, path } => {
                pool.close().await;
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
                Ok(())
            }
            Self::Postgres { pool, table } => {
                let dropped = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TABLE {table}"))).execute(&pool).await;
                pool.close().await;
                dropped.map(drop).map_err(StoreError::Database)
            }
        }
    }
}

async fn sqlite(url: &str) -> Result<CeilingTable, StoreError> {
    let scratch = format!("{url}.ceiling");
    let options = SqliteConnectOptions::from_str(&scratch)
        .map_err(StoreError::Database)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.map_err(StoreError::Database)?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS ceiling (room INTEGER NOT NULL, start_at INTEGER NOT NULL, end_at INTEGER NOT NULL);
         CREATE INDEX IF NOT EXISTS ceiling_room_start ON ceiling (room, start_at);
         DELETE FROM ceiling;",
    )
    .execute(&pool)
    .await
    .map_err(StoreError::Database)?;
    Ok(CeilingTable::Sqlite { pool, path: scratch.trim_start_matches("sqlite:").to_owned() })
}

async fn sqlite_insert(pool: &SqlitePool, room: i64, start: i64, end: i64) -> sqlx::Result<()> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let taken: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ceiling WHERE room = $1 AND start_at < $3 AND end_at > $2")
            .bind(room)
            .bind(start)
            .bind(end)
            .fetch_one(&mut *tx)
            .await?;
    if taken == 0 {
        sqlx::query("INSERT INTO ceiling (room, start_at, end_at) VALUES ($1, $2, $3)")
            .bind(room)
            .bind(start)
            .bind(end)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

async fn postgres(url: &str, clients: usize) -> Result<CeilingTable, StoreError> {
    let pool = PgPoolOptions::new()
        .max_connections(u32::try_from(clients.max(1)).unwrap_or(u32::MAX))
        .connect(url)
        .await
        .map_err(StoreError::Database)?;
    // The table is the run's own, so benchmarks running at once on one database do not collide.
    let table = format!("sala_ceiling_{}", uuid::Uuid::now_v7().simple());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE EXTENSION IF NOT EXISTS btree_gist;
         CREATE TABLE {table} (room bigint NOT NULL, start_at bigint NOT NULL, end_at bigint NOT NULL,
           EXCLUDE USING gist (room WITH =, int8range(start_at, end_at) WITH &&))"
    )))
    .execute(&pool)
    .await
    .map_err(StoreError::Database)?;
    Ok(CeilingTable::Postgres { pool, table })
}
