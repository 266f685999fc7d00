//! The database's own ceiling for one booking, for the benchmarks: a durable overlap check and
//! insert of one row per transaction, with nothing of Sala around it.
//!
//! SQLite: the same journal and sync settings as Sala (WAL, `synchronous = FULL`), in a scratch
//! file beside the database (same disk), one writer as SQLite allows. PostgreSQL: a scratch table
//! with the same kind of exclusion constraint as `bookings`, in the same database, dropped after.

use crate::StoreError;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What a run of one-row transactions took.
#[derive(Clone, Debug, Default)]
pub struct Ceiling {
    pub committed: usize,
    pub failed: usize,
    pub elapsed: Duration,
    /// One per transaction, in no particular order.
    pub latencies: Vec<Duration>,
}

/// `rows` one-row transactions on the database at `url`, `clients` at a time (SQLite: always one,
/// its single writer; more would only queue).
pub async fn measure(url: &str, rows: usize, clients: usize) -> Result<Ceiling, StoreError> {
    if url.starts_with("sqlite:") {
        sqlite(url, rows).await
    } else if url.starts_with("postgres") {
        postgres(url, rows, clients).await
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

/// Row `i` of a run: ten rooms, back-to-back 30-minute slots, never overlapping.
fn slot(i: usize) -> (i64, i64, i64) {
    const HALF_HOUR: i64 = 30 * 60_000;
    let (room, n) = ((i % 10) as i64, (i / 10) as i64);
    (room, n * HALF_HOUR, (n + 1) * HALF_HOUR)
}

async fn sqlite(url: &str, rows: usize) -> Result<Ceiling, StoreError> {
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
    let ceiling = race(1, rows, {
        let pool = pool.clone();
        move |i| {
            let pool = pool.clone();
            async move { sqlite_insert(&pool, i).await.is_ok() }
        }
    })
    .await;
    pool.close().await;
    let path = scratch.trim_start_matches("sqlite:").to_owned();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    Ok(ceiling)
}

async fn sqlite_insert(pool: &sqlx::SqlitePool, i: usize) -> sqlx::Result<()> {
    let (room, start, end) = slot(i);
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

async fn postgres(url: &str, rows: usize, clients: usize) -> Result<Ceiling, StoreError> {
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
    let insert = format!("INSERT INTO {table} (room, start_at, end_at) VALUES ($1, $2, $3)");
    let ceiling = race(clients, rows, {
        let pool = pool.clone();
        move |i| {
            let (pool, insert) = (pool.clone(), insert.clone());
            let (room, start, end) = slot(i);
            async move {
                let query = sqlx::query(sqlx::AssertSqlSafe(insert)).bind(room).bind(start).bind(end);
                query.execute(&pool).await.is_ok()
            }
        }
    })
    .await;
    let dropped = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TABLE {table}"))).execute(&pool).await;
    pool.close().await;
    dropped.map_err(StoreError::Database)?;
    Ok(ceiling)
}

/// Runs `task(i)` for `0..total` on `clients` concurrent workers, timing each.
async fn race<F, Fut>(clients: usize, total: usize, task: F) -> Ceiling
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
    let mut ceiling = Ceiling::default();
    for worker in workers {
        for (ok, latency) in worker.await.unwrap_or_default() {
            if ok {
                ceiling.committed += 1
            } else {
                ceiling.failed += 1
            }
            ceiling.latencies.push(latency);
        }
    }
    ceiling.elapsed = started.elapsed();
    ceiling
}
