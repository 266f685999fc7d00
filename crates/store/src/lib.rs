//! Sala's storage interface and its two backends.
//!
//! The traits below are the whole contract between the use cases (`sala-app`) and a database. Each
//! write that must be atomic with its audit entry (and, later, its outbox jobs) is one method taking
//! all of them, so the backend runs it in one transaction and no caller can forget half.
//!
//! Every tenant-owned read and write takes the `TenantId`: a row of another tenant is simply not
//! found. The backends (`sqlite`, `postgres`) each own their SQL and migrations and pass the same
//! conformance suite (`tests/conformance/`).

mod booking_list;
pub mod ceiling;
mod crowding;
mod error;
pub mod postgres;
mod records;
pub mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

use async_trait::async_trait;
use sala_domain::attendance::{CheckIn, Kiosk, Reply};
use sala_domain::google::{CalendarWatch, ConnectionStatus, GoogleConnection};
use sala_domain::jobs::{Delivery, OutboxMessage};
use sala_domain::webhook::WebhookEndpoint;
use sala_domain::{
    ApiKey, ApiKeyId, AuditEntry, Booking, BookingId, BookingStatus, Claim, Email, Feed, FeedId, Job, JobId, JobKind,
    JobStatus, LeaseToken, LoginFlow, Millis, Room, RoomId, Series, SeriesId, Session, Tenant, TenantId, TimeRange,
    User, UserId, WebhookId,
};
use std::sync::Arc;

pub use error::{StoreError, Unique};
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The whole store, as the server holds it: `Arc<dyn Store>`, chosen once at start from the URL.
pub trait Store:
    TenantStore
    + UserStore
    + RoomStore
    + ApiKeyStore
    + SessionStore
    + AuditStore
    + BookingStore
    + JobStore
    + OutboxStore
    + GoogleStore
    + WebhookStore
    + AttendanceStore
    + FeedStore
    + WatchStore
    + ReportStore
    + WeeklyReportStore
    + PoolStore
{
}
impl<T> Store for T where
    T: TenantStore
        + UserStore
        + RoomStore
        + ApiKeyStore
        + SessionStore
        + AuditStore
        + BookingStore
        + JobStore
        + OutboxStore
        + GoogleStore
        + WebhookStore
        + AttendanceStore
        + FeedStore
        + WatchStore
        + ReportStore
        + WeeklyReportStore
        + PoolStore
{
}

/// Opens the backend the URL names (`sqlite:` or `postgres:`) and applies its migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

/// How far a database's schema is from this build's migrations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaStatus {
    /// The last migration applied (0: none).
    pub applied: i64,
    /// The last migration this build knows.
    pub known: i64,
}

/// Reads the schema's state without changing anything (no migration, no file created): for
/// `sala doctor`.
pub async fn schema_status(url: &str) -> Result<SchemaStatus> {
    if url.starts_with("sqlite:") {
        sqlite::schema_status(url).await
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        postgres::schema_status(url).await
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

#[async_trait]
pub trait TenantStore: Send + Sync {
    /// Is the database reachable? (`/readyz`)
    async fn ping(&self) -> Result<()>;
    /// Brings the query planner's statistics up to date, so it picks the index that fits as tables
    /// grow (hourly, and after a bulk load): SQLite's `PRAGMA optimize` (each index sampled, a few
    /// milliseconds), PostgreSQL's `ANALYZE` (which its autovacuum also runs, in its own time).
    async fn refresh_planner_statistics(&self) -> Result<()>;
    async fn insert_tenant(&self, tenant: &Tenant, audit: &AuditEntry) -> Result<()>;
    async fn get_tenant(&self, id: TenantId) -> Result<Option<Tenant>>;
    async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>>;
    /// The tenant that owns an email domain (lower-case), if any.
    async fn tenant_by_domain(&self, domain: &str) -> Result<Option<Tenant>>;
    /// The organization tied to this Microsoft Entra tenant id.
    async fn tenant_by_entra(&self, entra_tenant_id: &str) -> Result<Option<Tenant>>;
    async fn list_tenants(&self) -> Result<Vec<Tenant>>;
    /// Replaces the tenant's name, time zone, locale and booking rules (not its slug or domains).
    async fn update_tenant(&self, tenant: &Tenant, audit: &AuditEntry) -> Result<()>;
}

/// What to look for in a tenant's people.
#[derive(Clone, Debug, Default)]
pub struct UserQuery {
    /// Folded text (see `sala_domain::search::fold`) matched against name and email; empty: everyone.
    pub text: String,
    pub limit: u32,
    pub include_inactive: bool,
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn insert_user(&self, user: &User, audit: &AuditEntry) -> Result<()>;
    /// Replaces the stored user (same tenant and id) and records the audit entry.
    async fn update_user(&self, user: &User, audit: &AuditEntry) -> Result<()>;
    /// An import: adds `new` people and replaces `changed` ones (same tenant and id), with one
    /// audit entry each, in one transaction: all of it is written, or nothing (a taken email or
    /// a person gone meanwhile undoes the whole import).
    async fn import_users(&self, new: &[User], changed: &[User], audit: &[AuditEntry]) -> Result<()>;
    async fn get_user(&self, tenant: TenantId, id: UserId) -> Result<Option<User>>;
    async fn user_by_email(&self, tenant: TenantId, email: &Email) -> Result<Option<User>>;
    /// The people of the tenant with any of these addresses (in any case), in no particular
    /// order: one read for a meeting's invitees instead of one each.
    async fn users_by_emails(&self, tenant: TenantId, emails: &[Email]) -> Result<Vec<User>>;
    /// Google subjects are global, so this one lookup is not tenant-scoped: it is how sign-in
    /// finds the tenant of a returning person.
    async fn user_by_google_subject(&self, subject: &str) -> Result<Option<User>>;
    /// The person of `tenant` with this Microsoft Entra object id.
    async fn user_by_microsoft_oid(&self, tenant: TenantId, oid: &str) -> Result<Option<User>>;
    /// Prefix matches on the name first, then other matches, each by name.
    async fn search_users(&self, tenant: TenantId, query: &UserQuery) -> Result<Vec<User>>;
}

#[async_trait]
pub trait RoomStore: Send + Sync {
    async fn insert_room(&self, room: &Room, audit: &AuditEntry) -> Result<()>;
    async fn update_room(&self, room: &Room, audit: &AuditEntry) -> Result<()>;
    async fn get_room(&self, tenant: TenantId, id: RoomId) -> Result<Option<Room>>;
    /// Rooms by name; deactivated ones only when asked.
    async fn list_rooms(&self, tenant: TenantId, include_inactive: bool) -> Result<Vec<Room>>;
}

#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// `hash` is the hex SHA-256 of the key; the key itself is never stored.
    async fn insert_api_key(&self, key: &ApiKey, hash: &str, audit: &AuditEntry) -> Result<()>;
    /// Looked up by hash across tenants: the key is what tells us the tenant.
    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>>;
    async fn get_api_key(&self, tenant: TenantId, id: ApiKeyId) -> Result<Option<ApiKey>>;
    async fn list_api_keys(&self, tenant: TenantId) -> Result<Vec<ApiKey>>;
    async fn revoke_api_key(&self, tenant: TenantId, id: ApiKeyId, at: Millis, audit: &AuditEntry) -> Result<()>;
    /// Records use; callers throttle this so a busy key does not write on every request.
    async fn touch_api_key(&self, id: ApiKeyId, at: Millis) -> Result<()>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// `hash` is the hex SHA-256 of the cookie value.
    async fn insert_session(&self, hash: &str, session: &Session) -> Result<()>;
    /// The session, if it exists and has not expired at `now`.
    async fn session_by_hash(&self, hash: &str, now: Millis) -> Result<Option<Session>>;
    async fn delete_session(&self, hash: &str) -> Result<()>;
    /// Removes expired sessions and sign-in flows; returns how many rows went.
    async fn purge_expired(&self, now: Millis) -> Result<u64>;
    async fn insert_login_flow(&self, id_hash: &str, flow: &LoginFlow) -> Result<()>;
    /// Removes and returns the flow: each can be completed once.
    async fn take_login_flow(&self, id_hash: &str, now: Millis) -> Result<Option<LoginFlow>>;
}

/// Which audit entries to list.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub subject_id: Option<uuid::Uuid>,
    pub action_prefix: Option<String>,
    /// The page after the one that ended with this entry.
    pub before: Option<Before>,
    pub limit: u32,
}

/// Keyset pagination of a newest-first list (ordered by instant, then id, both descending):
/// only entries strictly older than this one, the last of the previous page. Unlike an offset,
/// it neither skips nor repeats entries when new ones arrive between pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Before {
    pub at: Millis,
    pub id: uuid::Uuid,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// For events that change nothing else: a sign-in, a refused attempt.
    async fn insert_audit(&self, entry: &AuditEntry) -> Result<()>;
    /// Newest first.
    async fn list_audit(&self, tenant: TenantId, query: &AuditQuery) -> Result<Vec<AuditEntry>>;
    /// How many outside guests were invited at or after `since`: the `count` of the tenant's
    /// `booking.guests_invited` entries, those of `actor` only when given.
    async fn count_invited_guests(
        &self,
        tenant: TenantId,
        actor: Option<&sala_domain::Actor>,
        since: Millis,
    ) -> Result<u64>;
    /// Forgets the invitation counters of the hours that ended before `before` (the audit entries
    /// stay): [`Self::count_invited_guests`] is exact only for a `since` at or after it. Answers
    /// how many counters went.
    async fn purge_invite_counters(&self, before: Millis) -> Result<u64>;
}

/// Which bookings to list: those overlapping `[from, to)` that match every filter given, ordered
/// by start, then id.
#[derive(Clone, Debug, Default)]
pub struct BookingQuery {
    pub from: Option<Millis>,
    pub to: Option<Millis>,
    pub room_id: Option<RoomId>,
    pub organizer_id: Option<UserId>,
    pub status: Option<BookingStatus>,
    pub series_id: Option<SeriesId>,
    /// Only the bookings a caller tagged with this `external_ref` (exact).
    pub external_ref: Option<String>,
    /// Only bookings this person organizes or is invited to.
    pub involving: Option<UserId>,
    /// Keyset pagination: only bookings after this `(start, id)` in the order above.
    pub after: Option<(Millis, BookingId)>,
    pub limit: u32,
}

/// A confirmed booking holding a room for a time: a busy interval, or the booking a new one
/// conflicts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy {
    pub booking_id: BookingId,
    pub room_id: RoomId,
    pub time: TimeRange,
}

/// What an `Idempotency-Key` produced: retries with the same key and request get the same bookings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Who sent it (`user:<id>` or `api_key:<id>`): keys are scoped to their sender.
    pub actor: String,
    pub key: String,
    /// SHA-256 of the request body, so the same key with another body can be refused.
    pub request_hash: String,
    pub booking_ids: Vec<BookingId>,
    pub created_at: Millis,
}

/// Everything one booking change writes, in one transaction: the bookings, their series (on
/// creation), the audit entries, the outbox jobs, and the idempotency record.
#[derive(Clone, Copy, Debug)]
pub struct BookingWrite<'a> {
    pub tenant_id: TenantId,
    pub series: Option<&'a Series>,
    pub bookings: &'a [Booking],
    pub audit: &'a [AuditEntry],
    pub jobs: &'a [Job],
    pub idempotency: Option<&'a IdempotencyRecord>,
    /// Bookings whose pending timed jobs (reminders, no-show checks: `JobKind::TIMED`) are
    /// deleted before `jobs` are written: cancelled, released, or moved (the write brings the
    /// jobs for the new time). Those already running are left to finish; they recheck the
    /// booking and do nothing for the old time.
    pub drop_timed_jobs: &'a [BookingId],
    /// An update only if nobody has checked in to its bookings (the no-show release): otherwise
    /// `StoreError::Attended` and nothing written. Checked inside the write, after the
    /// bookings' rows are locked, so a check-in and a release cannot both succeed.
    pub unless_checked_in: bool,
}

impl<'a> BookingWrite<'a> {
    /// The plain write: these bookings with their audit entries and jobs, no series, no
    /// idempotency record, no timed jobs dropped, no check-in condition (set those on the result).
    pub fn new(tenant_id: TenantId, bookings: &'a [Booking], audit: &'a [AuditEntry], jobs: &'a [Job]) -> Self {
        Self {
            tenant_id,
            series: None,
            bookings,
            audit,
            jobs,
            idempotency: None,
            drop_timed_jobs: &[],
            unless_checked_in: false,
        }
    }
}

#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Inserts new bookings (one, or a series' occurrences) with everything in `write`, all or
    /// nothing. A confirmed booking overlapping another confirmed booking of its room (stored, or
    /// earlier in this batch) fails the whole write with `StoreError::Overlap`, naming the booking
    /// it overlaps. This holds under concurrent writers: on PostgreSQL an exclusion constraint is
    /// the last line, on SQLite the check and the insert share one write transaction.
    async fn insert_bookings(&self, write: BookingWrite<'_>) -> Result<()>;

    /// Replaces stored bookings (an edit, a cancellation, "this and following") with everything in
    /// `write`, all or nothing. Each booking's `version` must be exactly one more than the stored
    /// one, else `StoreError::VersionMismatch`; a missing one is `NotFound`; overlaps as above.
    async fn update_bookings(&self, write: BookingWrite<'_>) -> Result<()>;

    async fn get_booking(&self, tenant: TenantId, id: BookingId) -> Result<Option<Booking>>;
    async fn list_bookings(&self, tenant: TenantId, query: &BookingQuery) -> Result<Vec<Booking>>;

    /// Confirmed bookings overlapping `range` in `rooms` (every room of the tenant when empty),
    /// by room then start.
    async fn busy(&self, tenant: TenantId, rooms: &[RoomId], range: TimeRange) -> Result<Vec<Busy>>;

    /// How many confirmed bookings `organizer` has that end after `now`.
    async fn count_active_bookings(&self, tenant: TenantId, organizer: UserId, now: Millis) -> Result<u64>;

    async fn get_series(&self, tenant: TenantId, id: SeriesId) -> Result<Option<Series>>;

    async fn idempotency_record(&self, tenant: TenantId, actor: &str, key: &str) -> Result<Option<IdempotencyRecord>>;

    /// Forgets idempotency keys recorded before `before` (a retry after that is a new request);
    /// returns how many.
    async fn purge_idempotency_keys(&self, before: Millis) -> Result<u64>;

    /// The outbox jobs a booking caused, oldest first.
    async fn jobs_for_booking(&self, tenant: TenantId, booking: BookingId) -> Result<Vec<Job>>;
}

/// The job runner's side of the outbox: claiming due jobs, settling them, and the delivery log.
///
/// A job's life: `pending` (written with a booking change) -> claimed, `running` until its lease
/// ends -> `done`, back to `pending` for a retry, or `dead` after too many attempts; an admin may
/// replay a dead one. A runner renews the leases of the jobs it is running (a heartbeat), so a
/// lease can be short; a runner that dies stops renewing and leaves its jobs `running`, and once
/// their lease has ended another claim takes them again, so every job runs at least once. Each
/// claim gives its jobs a fresh [`LeaseToken`]; renewing and settling need it, so a runner that
/// lost its lease to another claim cannot settle the job. Delivery is made exactly-once per
/// recipient by the log's idempotency keys, not by the job states.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Atomically takes up to `limit` jobs that are due: `pending` with `run_at <= now`, or
    /// `running` with a lease that ended at or before `now` (their runner died or stopped
    /// renewing). Oldest `run_at` first. They become `running` until `lease_until` under one
    /// fresh lease token, with `attempts` one more than before, and are returned so. Concurrent
    /// claims, from this process or other instances on the same database, never take the same
    /// job while its lease lasts. Only jobs of `kinds` are taken (a runner claims what it has
    /// handlers for); an empty `kinds` claims nothing. Jobs of `skip_tenants` are left (tenants at
    /// their share of the runner's slots) for later or for other runners.
    async fn claim_jobs(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
        kinds: &[JobKind],
        skip_tenants: &[TenantId],
    ) -> Result<Claim>;

    /// The heartbeat: moves the lease of each `(job, token)` that is still `running` under that
    /// token to `lease_until`, in one statement. Returns the jobs renewed; a job left out was
    /// settled or lost (another claim took it after its lease ended).
    async fn renew_leases(&self, leases: &[(JobId, LeaseToken)], lease_until: Millis) -> Result<Vec<JobId>>;

    /// A claimed (`running`) job succeeded: `done`. `LeaseLost` when it is not running under
    /// `token` (another runner took it over after the lease ended, it was settled already, or the
    /// id is unknown): nothing changes. A lease that ran out but was not taken over still settles.
    async fn complete_job(&self, id: JobId, token: LeaseToken, at: Millis) -> Result<()>;

    /// A claimed job failed and will be tried again: back to `pending`, due at `run_at`, with its
    /// error (cut to 2,000 characters). `LeaseLost` when it is not running under `token`.
    async fn retry_job(&self, id: JobId, token: LeaseToken, error: &str, run_at: Millis, at: Millis) -> Result<()>;

    /// A claimed job failed for good (a final error, or too many attempts): `dead`, with its error
    /// (cut to 2,000 characters), until an admin replays it. `LeaseLost` when it is not running
    /// under `token`.
    async fn bury_job(&self, id: JobId, token: LeaseToken, error: &str, at: Millis) -> Result<()>;

    /// A tenant's jobs, newest first (by creation); only those in `status` when given (the admin's
    /// dead jobs); after `before` when given (the next page).
    async fn list_jobs(
        &self,
        tenant: TenantId,
        status: Option<JobStatus>,
        before: Option<Before>,
        limit: u32,
    ) -> Result<Vec<Job>>;

    /// Gives a `dead` job of the tenant another life: `pending`, due at `now`, with no attempts
    /// (its last error stays until the next one). Another tenant's job, or one that is not dead,
    /// is `NotFound`.
    async fn replay_job(&self, tenant: TenantId, id: JobId, now: Millis) -> Result<()>;

    /// Logs one attempt to deliver a message. A second `sent` entry with the same idempotency key
    /// is refused with `Duplicate(Unique::DeliveryKey)`; `failed` entries never block anything.
    /// A job of another tenant (or none) is `NotFound`.
    async fn record_delivery(&self, delivery: &Delivery) -> Result<()>;

    /// Was a message with this idempotency key accepted (`sent`) already?
    async fn delivered(&self, key: &str) -> Result<bool>;

    /// Everything sent, or tried, for a booking: oldest first.
    async fn deliveries_for_booking(&self, tenant: TenantId, booking: BookingId) -> Result<Vec<Delivery>>;

    /// Makes the booking's `pending` jobs of `kind` that are due after `now` due at once (as if
    /// they had never waited: due when they were written). They were waiting for something that
    /// has arrived, e.g. a Meet link. Returns how many.
    async fn release_jobs(&self, tenant: TenantId, booking: BookingId, kind: JobKind, now: Millis) -> Result<u64>;

    /// One of the tenant's jobs; another tenant's is `None`.
    async fn get_job(&self, tenant: TenantId, id: JobId) -> Result<Option<Job>>;

    /// Writes jobs that follow from another job's outcome (not from a booking change, whose jobs
    /// go with its write), all or none.
    async fn enqueue_jobs(&self, jobs: &[Job]) -> Result<()>;

    /// Deletes up to `limit` `done` jobs last changed before `before`, with their delivery log;
    /// returns how many jobs went. Dead jobs stay (they wait for an administrator).
    async fn purge_done_jobs(&self, before: Millis, limit: u32) -> Result<u64>;

    /// Every job kind's queue at `now`, across tenants, for the operator's `/metrics`: jobs due
    /// and waiting (`pending`, `run_at <= now`), `running`, `dead`, and the oldest due `run_at`.
    /// Kinds with none of these are absent. Pending jobs due later (reminders) are not read, so
    /// the query stays on the due index however far ahead bookings go.
    async fn job_queues(&self, now: Millis) -> Result<Vec<JobQueue>>;

    /// The delivery log since `since`, across tenants, counted per channel and result (`/metrics`).
    /// Delivery ids are UUIDv7, ordered by time, so the primary key finds the recent ones.
    async fn deliveries_since(&self, since: Millis) -> Result<Vec<DeliveryCount>>;
}

/// One job kind's queue (see [`JobStore::job_queues`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobQueue {
    pub kind: String,
    /// Pending and due: waiting for a runner.
    pub due: u64,
    pub running: u64,
    pub dead: u64,
    /// The `run_at` of the longest-waiting due job.
    pub oldest_due: Option<Millis>,
}

/// How many deliveries on one channel ended in one result (see [`JobStore::deliveries_since`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryCount {
    pub channel: String,
    pub status: String,
    pub count: u64,
}

/// The smallest UUIDv7 of the millisecond `at`: every id made at or after it sorts at or above it.
pub(crate) fn uuid_v7_floor(at: Millis) -> uuid::Uuid {
    let ms = u64::try_from(at).unwrap_or(0).to_be_bytes();
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&ms[2..]);
    uuid::Uuid::from_bytes(bytes)
}

/// People's Google Calendar connections, and what the calendar job learns about a booking.
#[async_trait]
pub trait GoogleStore: Send + Sync {
    /// Creates or replaces the person's connection in one transaction with an audit entry when
    /// the change is one people should see (connected, revoked; token refreshes pass `None`) and
    /// the jobs it causes (a new connection brings the person's upcoming bookings into their
    /// calendar).
    async fn save_google_connection(
        &self,
        connection: &GoogleConnection,
        entry: Option<&AuditEntry>,
        jobs: &[Job],
    ) -> Result<()>;

    async fn google_connection(&self, tenant: TenantId, user: UserId) -> Result<Option<GoogleConnection>>;

    /// Every connection's state in the tenant, by person (for the admin's list of people); people
    /// who never connected are absent.
    async fn calendar_states(&self, tenant: TenantId) -> Result<Vec<(UserId, ConnectionStatus)>>;

    /// Removes the person's connection; `NotFound` when there is none.
    async fn delete_google_connection(&self, tenant: TenantId, user: UserId, entry: &AuditEntry) -> Result<()>;

    /// Records the booking's event in the organizer's calendar and its Meet link. Only the
    /// calendar job writes these, and without changing the booking's version, so an edit in
    /// flight neither loses them nor fails for them. `NotFound` for an unknown booking.
    async fn set_booking_calendar(
        &self,
        tenant: TenantId,
        booking: BookingId,
        event_id: Option<&str>,
        meet_link: Option<&str>,
    ) -> Result<()>;
}

/// A tenant's webhook endpoints. Every change carries its audit entry.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn insert_webhook(&self, endpoint: &WebhookEndpoint, entry: &AuditEntry) -> Result<()>;
    /// `NotFound` for another tenant's or an unknown endpoint.
    async fn update_webhook(&self, endpoint: &WebhookEndpoint, entry: &AuditEntry) -> Result<()>;
    async fn webhook(&self, tenant: TenantId, id: WebhookId) -> Result<Option<WebhookEndpoint>>;
    /// Oldest first.
    async fn webhooks(&self, tenant: TenantId) -> Result<Vec<WebhookEndpoint>>;
    async fn delete_webhook(&self, tenant: TenantId, id: WebhookId, entry: &AuditEntry) -> Result<()>;
    /// What was delivered to one endpoint (channel `webhook`), newest first; after `before` when
    /// given (the next page).
    async fn webhook_deliveries(
        &self,
        tenant: TenantId,
        id: WebhookId,
        before: Option<Before>,
        limit: u32,
    ) -> Result<Vec<Delivery>>;
    /// How many endpoints, across tenants, are disabled (by an admin, or by a receiver's
    /// `410 Gone`): the operator's `/metrics`.
    async fn count_disabled_webhooks(&self) -> Result<u64>;
}

/// Who checked in to which booking.
#[async_trait]
pub trait AttendanceStore: Send + Sync {
    /// Records a person's check-in with its jobs and audit entry, all or nothing. A person who
    /// already checked in to the booking keeps their first check-in: `false`, nothing written.
    async fn record_check_in(&self, check_in: &CheckIn, jobs: &[Job], entry: &AuditEntry) -> Result<bool>;
    /// A booking's check-ins, earliest first.
    async fn check_ins(&self, tenant: TenantId, booking: BookingId) -> Result<Vec<CheckIn>>;
    /// The bookings starting in `[from, to)` that at least one person checked in to, in no
    /// particular order (the ghost-meetings report).
    async fn checked_in_bookings(&self, tenant: TenantId, from: Millis, to: Millis) -> Result<Vec<BookingId>>;
    /// Stores a room's kiosk link, replacing the room's earlier one, with its audit entry.
    async fn put_kiosk(&self, kiosk: &Kiosk, entry: &AuditEntry) -> Result<()>;
    /// Removes a room's kiosk link with its audit entry; `false` when it had none.
    async fn delete_kiosk(&self, tenant: TenantId, room: RoomId, entry: &AuditEntry) -> Result<bool>;
    /// The kiosk whose token hashes to `token_hash`, in any tenant (the link is all a kiosk has).
    async fn kiosk_by_token(&self, token_hash: &str) -> Result<Option<Kiosk>>;
    /// A room's kiosk link, if it has one.
    async fn kiosk_of(&self, tenant: TenantId, room: RoomId) -> Result<Option<Kiosk>>;
    /// Records a guest's answer (replacing their earlier one) with its jobs and audit entry;
    /// `false` and nothing written when it is the answer they had given already.
    async fn record_reply(&self, reply: &Reply, jobs: &[Job], entry: &AuditEntry) -> Result<bool>;
    /// A booking's answers, earliest first.
    async fn replies(&self, tenant: TenantId, booking: BookingId) -> Result<Vec<Reply>>;
}

/// The push channels and change cursors of two-way calendar sync, one per person.
#[async_trait]
pub trait WatchStore: Send + Sync {
    async fn calendar_watch(&self, tenant: TenantId, user: UserId) -> Result<Option<CalendarWatch>>;
    /// The watch whose open channel is `channel_id`, in any tenant (a provider's notification
    /// names only its channel; its token then proves it).
    async fn calendar_watch_by_channel(&self, channel_id: &str) -> Result<Option<CalendarWatch>>;
    /// Creates or replaces the person's watch.
    async fn save_calendar_watch(&self, watch: &CalendarWatch) -> Result<()>;
    /// Every watch of every tenant, for the periodic reconciliation.
    async fn all_calendar_watches(&self) -> Result<Vec<CalendarWatch>>;
    /// Forgets the person's watch (they disconnected); `false` when there was none.
    async fn delete_calendar_watch(&self, tenant: TenantId, user: UserId) -> Result<bool>;
    /// The booking whose calendar event is `event_id` (a deleted event comes back with its id
    /// alone).
    async fn booking_with_event(&self, tenant: TenantId, event_id: &str) -> Result<Option<BookingId>>;
    /// Holds the person's watch for one read of their calendar until `until` (Unix ms): `false`
    /// when another read holds it past `now`. A person without a watch has nothing to hold
    /// (`true`).
    async fn hold_calendar_watch(&self, tenant: TenantId, user: UserId, now: Millis, until: Millis) -> Result<bool>;
    /// Lets go of the hold taken until `until`, unless it ran out and another read took it.
    async fn release_calendar_watch(&self, tenant: TenantId, user: UserId, until: Millis) -> Result<()>;
}

/// Calendar feeds (secret `.ics` subscription URLs). Every change carries its audit entry.
#[async_trait]
pub trait FeedStore: Send + Sync {
    async fn insert_feed(&self, feed: &Feed, entry: &AuditEntry) -> Result<()>;
    /// The feed whose token hashes to `token_hash`, in any tenant (the URL is all a calendar
    /// app has).
    async fn feed_by_token(&self, token_hash: &str) -> Result<Option<Feed>>;
    async fn get_feed(&self, tenant: TenantId, id: FeedId) -> Result<Option<Feed>>;
    /// The feeds `creator` made, oldest first.
    async fn feeds_by(&self, tenant: TenantId, creator: &sala_domain::Actor) -> Result<Vec<Feed>>;
    /// Removes a feed with its audit entry; `false` (nothing written) when there is none.
    async fn delete_feed(&self, tenant: TenantId, id: FeedId, entry: &AuditEntry) -> Result<bool>;
}

/// A change the report rollups have not taken in yet (see migration 0028): left by triggers in
/// the writing transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaleMark {
    pub id: i64,
    /// `None`: every room of the tenant.
    pub room_id: Option<RoomId>,
    /// `None`: the room's whole history.
    pub time: Option<TimeRange>,
}

/// A refresh of the rollups: the marks it took in, the dates of each room it recomputed
/// (`from..=to`; rows there that are not in `days` held nothing and go), and the new rows.
#[derive(Clone, Copy, Debug)]
pub struct RollupRefresh<'a> {
    pub marks: &'a [i64],
    pub spans: &'a [(RoomId, jiff::civil::Date, jiff::civil::Date)],
    pub days: &'a [sala_domain::reports::rollup::RoomDay],
    /// The bookings that started on each date of the spans (dates without any are not listed).
    pub starts: &'a [sala_domain::reports::rollup::RoomDayStarts],
    /// The runs of dates whose organizers' rows are recomputed (every room's bookings), and the
    /// rows.
    pub organizer_runs: &'a [(jiff::civil::Date, jiff::civil::Date)],
    pub organizer_days: &'a [sala_domain::reports::people::OrganizerDay],
}

/// Dates `from..=to` of one tenant's rollups, of every room or only of `rooms` (one room, or a
/// location's).
#[derive(Clone, Copy, Debug)]
pub struct RollupDates<'a> {
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    pub rooms: Option<&'a [RoomId]>,
}

/// Report rollups: per room and local date, the minutes held (by hour), kept in step with the
/// bookings through marks (migration 0028), and their sums.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// The tenants with marks waiting, at most `limit`.
    async fn tenants_with_report_marks(&self, limit: u32) -> Result<Vec<TenantId>>;
    /// The tenant's oldest marks, at most `limit`.
    async fn report_marks(&self, tenant: TenantId, limit: u32) -> Result<Vec<StaleMark>>;
    /// From the first start to the last end of the room's bookings, any status.
    async fn room_booking_span(&self, tenant: TenantId, room: RoomId) -> Result<Option<TimeRange>>;
    /// The room's bookings that held it (confirmed or released) overlapping `window`.
    async fn held_bookings(
        &self,
        tenant: TenantId,
        room: RoomId,
        window: TimeRange,
    ) -> Result<Vec<sala_domain::reports::ReportBooking>>;
    /// The room's bookings, any status, starting in `window`, with their people and check-ins.
    async fn starting_bookings(
        &self,
        tenant: TenantId,
        room: RoomId,
        window: TimeRange,
    ) -> Result<Vec<sala_domain::reports::meetings::MeetingFacts>>;
    /// The bookings that started on the dates, tallied (reasons included).
    async fn starts_tally(
        &self,
        tenant: TenantId,
        dates: RollupDates<'_>,
    ) -> Result<sala_domain::reports::cancellations::Tally>;
    /// The meetings that started on the dates, per room (rooms with none are left out).
    async fn meetings_by_room(
        &self,
        tenant: TenantId,
        dates: RollupDates<'_>,
    ) -> Result<Vec<(RoomId, sala_domain::reports::meetings::MeetingTally)>>;
    /// Meetings that started on the dates, and how many of them had external guests.
    async fn guest_sums(&self, tenant: TenantId, dates: RollupDates<'_>) -> Result<(u64, u64)>;
    /// The first of the dates with a meeting still holding its room at `now`: its ghost counts
    /// are not final.
    async fn first_unsettled_date(
        &self,
        tenant: TenantId,
        dates: RollupDates<'_>,
        now: Millis,
    ) -> Result<Option<jiff::civil::Date>>;
    /// The tenant's meetings (not cancelled) starting in `window`, as the top organizers count them.
    async fn organizer_facts(
        &self,
        tenant: TenantId,
        window: TimeRange,
    ) -> Result<Vec<sala_domain::reports::people::OrganizerFacts>>;
    /// The first and the last start of the tenant's bookings, if any.
    async fn tenant_booking_starts(&self, tenant: TenantId) -> Result<Option<TimeRange>>;
    /// Each organizer's meetings that started on the dates, summed from the rollups: how many,
    /// and the whole minutes they held their rooms.
    async fn meetings_by_organizer(
        &self,
        tenant: TenantId,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Vec<(UserId, u64, i64)>>;
    /// Writes a refresh in one transaction, deleting its marks first: `false` (nothing written)
    /// when another refresh took one of them meanwhile, whose rows are as fresh as these.
    async fn apply_rollup_refresh(&self, tenant: TenantId, refresh: RollupRefresh<'_>) -> Result<bool>;
    /// Minutes held per room over the dates.
    async fn booked_by_room(&self, tenant: TenantId, dates: RollupDates<'_>) -> Result<Vec<(RoomId, i64)>>;
    /// Minutes held per date (dates with none are left out).
    async fn booked_by_day(&self, tenant: TenantId, dates: RollupDates<'_>) -> Result<Vec<(jiff::civil::Date, i64)>>;
    /// Minutes held per weekday (Monday = 0) and local hour.
    async fn booked_by_weekday_hour(&self, tenant: TenantId, dates: RollupDates<'_>) -> Result<[[i64; 24]; 7]>;
    /// Minutes held per room and date, by date then room (pairs with none are left out).
    async fn booked_by_room_day(
        &self,
        tenant: TenantId,
        dates: RollupDates<'_>,
    ) -> Result<Vec<(RoomId, jiff::civil::Date, i64)>>;
}

/// The weekly summary emails of admins who asked for them: each person's week written once.
#[async_trait]
pub trait WeeklyReportStore: Send + Sync {
    /// The tenant's active admins who asked for the weekly summary, by when they were added.
    async fn weekly_report_admins(&self, tenant: TenantId) -> Result<Vec<User>>;

    /// Marks `week` (its Monday, `YYYY-MM-DD`) as scheduled for the person and writes `job` with
    /// the mark, in one transaction. `false`, and nothing written, when that week or a later one
    /// was scheduled for them already (by this or another instance), or they are no longer an
    /// active admin who asked for it.
    async fn schedule_weekly_report(&self, tenant: TenantId, user: UserId, week: &str, job: &Job) -> Result<bool>;
}

/// How a database connection pool is used right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolUse {
    /// Which pool: `read` and `write` on SQLite (one writer connection), `main` on PostgreSQL.
    pub pool: &'static str,
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
}

/// The backend's connection pools, for the operator's `/metrics`.
pub trait PoolStore: Send + Sync {
    fn pool_use(&self) -> Vec<PoolUse>;
}

/// The dev outbox: copies of the messages dev mode sent, as they would appear.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    async fn insert_outbox_message(&self, message: &OutboxMessage) -> Result<()>;
    /// Every tenant's, newest first: the outbox is a developer's view of the whole installation.
    async fn list_outbox_messages(&self, limit: u32) -> Result<Vec<OutboxMessage>>;
    async fn get_outbox_message(&self, id: uuid::Uuid) -> Result<Option<OutboxMessage>>;
}
