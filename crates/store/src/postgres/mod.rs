//! The PostgreSQL backend, for several `sala serve` instances sharing one database.
//!
//! Writes run in plain transactions (READ COMMITTED): each write method touches rows by key and
//! relies on the constraints for uniqueness, so no stronger isolation is needed. Orderings by text
//! use `COLLATE "C"` so rows come back in the same (code point) order as on SQLite, whatever the
//! cluster's default collation.

mod attendance;
mod audit;
mod auth;
mod bookings;
mod feeds;
mod google;
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
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// How long a statement waits for a connection (see `PgStore::connect`).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

/// The schema's state, read-only: nothing is migrated.
pub(crate) async fn schema_status(url: &str) -> Result<crate::SchemaStatus, StoreError> {
    use sqlx::ConnectOptions;
    static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");
    let options = PgConnectOptions::from_str(url).map_err(StoreError::Database)?.application_name("sala doctor");
    let mut conn = options.connect().await.map_err(StoreError::Database)?;
    let table: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut conn)
        .await
        .map_err(db)?;
    let applied: Option<i64> = if table {
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut conn)
            .await
            .map_err(db)?
    } else {
        None
    };
    Ok(crate::SchemaStatus { applied: applied.unwrap_or(0), known: crate::records::last_migration(&MIGRATOR) })
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/database`) and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(StoreError::Database)?.application_name("sala");
        let pool = PgPoolOptions::new()
            .max_connections(10)
            // While PostgreSQL is down sqlx keeps retrying the connection until this timeout, so
            // it is how long a request waits before its 503 `database_unavailable`: short enough
            // to answer well within the request timeout (30 s), long enough for a busy pool's
            // connection to come free (statements take milliseconds). Idle connections are
            // tested before use (sqlx's default), so after a restart the dead ones are replaced.
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(StoreError::Database)?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool (its owner chose the limits) and migrates the database it points at.
    pub async fn from_pool(pool: PgPool) -> Result<Self, StoreError> {
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    async fn begin(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(db)
    }
}

impl crate::PoolStore for PgStore {
    fn pool_use(&self) -> Vec<crate::PoolUse> {
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
        vec![crate::PoolUse {
            pool: "main",
            in_use: self.pool.size().saturating_sub(idle),
            idle,
            max: self.pool.options().get_max_connections(),
        }]
    }
}

/// Turns a unique violation into the rule it protects, by the constraint's name (see the migration),
/// and an unreachable database into `Unavailable`.
fn db(err: sqlx::Error) -> StoreError {
    if unreachable(&err) {
        return StoreError::Unavailable(err);
    }
    if let sqlx::Error::Database(e) = &err {
        match e.code().as_deref() {
            // disk_full, and read_only_sql_transaction (a standby, or default_transaction_read_only).
            Some("53100") => return StoreError::Full,
            Some("25006") => return StoreError::ReadOnly,
            _ => {}
        }
    }
    if let sqlx::Error::Database(e) = &err
        && e.is_unique_violation()
    {
        let rule = match e.constraint() {
            Some("tenants_slug_key") => Some(Unique::TenantSlug),
            Some("tenant_domains_pkey") => Some(Unique::TenantDomain),
            Some("users_tenant_email_key") => Some(Unique::UserEmail),
            Some("users_google_subject_key") => Some(Unique::UserGoogleSubject),
            Some("tenants_entra_key") => Some(Unique::TenantEntra),
            Some("users_microsoft_key") => Some(Unique::UserMicrosoft),
            Some("rooms_tenant_name_key") => Some(Unique::RoomName),
            Some("api_keys_key_hash_key") => Some(Unique::ApiKeyHash),
            Some("idempotency_keys_pkey") => Some(Unique::IdempotencyKey),
            Some("deliveries_sent_key") => Some(Unique::DeliveryKey),
            _ => None,
        };
        if let Some(rule) = rule {
            return StoreError::Duplicate(rule);
        }
    }
    StoreError::Database(err)
}

/// Does `err` mean the database cannot be reached, rather than that the statement was wrong? A
/// pool that found no live connection in time, a broken or refused socket, or the server saying
/// it is shutting down, starting up or dropped the connection (SQLSTATE classes 57P and 08). A
/// restart of PostgreSQL shows as these until it is back; sqlx's pool then reconnects by itself.
fn unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(e) => e.code().is_some_and(|code| code.starts_with("57P") || code.starts_with("08")),
        _ => false,
    }
}

/// Fails with `NotFound` when an update touched no row (wrong id or another tenant's).
fn one_row(result: sqlx::postgres::PgQueryResult) -> Result<(), StoreError> {
    if result.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
