//! The store's one error type. Backends turn their constraint violations into `Unique` values so
//! callers can answer "that name is taken" without knowing any SQL.

/// A uniqueness rule the database enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unique {
    TenantSlug,
    TenantDomain,
    UserEmail,
    UserGoogleSubject,
    TenantEntra,
    UserMicrosoft,
    RoomName,
    ApiKeyHash,
    /// The same `Idempotency-Key` from the same sender, written concurrently.
    IdempotencyKey,
    /// A message already delivered (`sent`) under the same idempotency key.
    DeliveryKey,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists: {0:?}")]
    Duplicate(Unique),
    #[error("the row to change does not exist")]
    NotFound,
    /// A confirmed booking would overlap this one in the same room.
    #[error("the room is already booked then")]
    Overlap(crate::Busy),
    /// The booking changed since it was read (optimistic concurrency).
    #[error("the booking was changed by someone else")]
    VersionMismatch,
    /// A release found someone checked in (see `BookingWrite::unless_checked_in`).
    #[error("someone has checked in to the booking")]
    Attended,
    /// A check-in found the booking no longer confirmed (cancelled or released meanwhile).
    #[error("the booking is no longer confirmed")]
    NotConfirmed,
    /// The database's disk, or its size limit, is full: the write was undone.
    #[error("the database is full")]
    Full,
    /// The database can only be read (a read-only file, mount or connection): the write was undone.
    #[error("the database is read-only")]
    ReadOnly,
    /// The database cannot be reached just now (down, restarting, refusing connections, or no
    /// connection free within the pool's acquire timeout): the request may succeed if retried
    /// once it is back. What was being written was not committed.
    #[error("the database cannot be reached: {0}")]
    Unavailable(sqlx::Error),
    /// A job's settle or renewal found it no longer running under the runner's lease token (the
    /// lease ended and another runner claimed it, or it was settled already): nothing was changed.
    #[error("the job's lease was lost: it is no longer this runner's to settle")]
    LeaseLost,
    #[error("unsupported database URL: use sqlite:PATH or postgres://...")]
    UnsupportedUrl,
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}
