//! The store's one error type. Backends turn their constraint violations into `Unique` values so
//! callers can answer "that name is taken" without knowing any SQL.

/// A uniqueness rule the database enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unique {
    TenantSlug,
    TenantDomain,
    UserEmail,
    UserGoogleSubject,
    RoomName,
    ApiKeyHash,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists: {0:?}")]
    Duplicate(Unique),
    #[error("the row to change does not exist")]
    NotFound,
    #[error("unsupported database URL: use sqlite:PATH or postgres://...")]
    UnsupportedUrl,
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}
