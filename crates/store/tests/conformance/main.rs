//! The store's contract, written once and run on every backend.
//!
//! One module per area holds its `case_*` functions, each taking a fresh, empty `&dyn Store` (or,
//! for concurrency cases, the `Arc<dyn Store>` many tasks share), and ends with a `conformance!`
//! list that turns every case into `AREA::sqlite::case_*` and `AREA::postgres::case_*` tests.
//! This file holds what the areas share: the macro and the builders of domain values. PostgreSQL
//! cases skip (with a message) when no server is reachable, except under CI, where they fail.

use sala_domain::search::fold;
use sala_domain::{
    Actor, ApiKey, ApiKeyId, Attendee, AuditEntry, AuditId, Booking, BookingId, BookingStatus, Email, EmailDomain, Job,
    JobId, JobKind, JobStatus, Locale, Millis, Role, Room, RoomId, RoomKind, Slug, Tenant, TenantId, TimeRange,
    TimeZoneName, User, UserId,
};
use sala_store::{AuditQuery, BookingQuery, BookingWrite, Busy, Store, StoreError, Unique, UserQuery};
use serde_json::json;
use std::sync::atomic::{AtomicI64, Ordering};

/// Runs each listed case on SQLite and on PostgreSQL, as `sqlite::CASE` and `postgres::CASE` in
/// the module that lists them: `borrowed` cases take `&dyn Store`, `shared` ones the
/// `Arc<dyn Store>` many tasks share, on a multi-threaded runtime.
macro_rules! conformance {
    (
        borrowed: [$($case:ident),* $(,)?],
        shared: [$($shared:ident),* $(,)?] $(,)?
    ) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let db = sala_store::testing::fresh_sqlite().await;
                    super::$case(&*db.store).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $shared() {
                    let db = sala_store::testing::fresh_sqlite().await;
                    super::$shared(db.store.clone()).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(db) = sala_store::testing::fresh_postgres().await else { return };
                    super::$case(&*db.store).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $shared() {
                    let Some(db) = sala_store::testing::fresh_postgres().await else { return };
                    super::$shared(db.store.clone()).await;
                }
            )*
        }
    };
}

mod attendance;
mod audit;
mod auth;
mod booking_conflicts;
mod bookings;
mod concurrency;
mod deliveries;
mod feeds;
mod group_commit;
mod hostile_text;
mod jobs;
mod operator;
mod rooms;
mod tenants;
mod users;
mod watches;
mod weekly_reports;

// ---------------------------------------------------------------------------------------------
// Building domain values through their real constructors.

/// A fixed instant (2026-01-15T10:00:00Z) so cases compare exact values.
const T0: Millis = 1_768_471_200_000;

const HOUR: Millis = 3_600_000;

/// Audit instants strictly increase, so "newest first" has one right answer.
static CLOCK: AtomicI64 = AtomicI64::new(T0);

fn tick() -> Millis {
    CLOCK.fetch_add(1000, Ordering::SeqCst)
}

fn ok<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("unexpected error: {e:?}"))
}

fn email(raw: &str) -> Email {
    ok(Email::parse(raw))
}

fn tenant(name: &str, domains: &[&str]) -> Tenant {
    Tenant {
        id: TenantId::new(),
        name: name.to_owned(),
        slug: ok(Slug::from_name(name)),
        email_domains: domains.iter().map(|d| ok(EmailDomain::parse(d))).collect(),
        time_zone: ok(TimeZoneName::parse("Europe/Madrid")),
        locale: Locale::Es,
        booking_rules: Default::default(),
        reminders: Default::default(),
        whatsapp: None,
        google_service_account: None,
        workspace_only: false,
        report_per_person: true,
        entra_tenant_id: None,
        calendar_service: Default::default(),
        created_at: T0,
        updated_at: T0,
    }
}

fn user(tenant: TenantId, address: &str, name: &str) -> User {
    User {
        id: UserId::new(),
        tenant_id: tenant,
        email: email(address),
        name: name.to_owned(),
        phone: None,
        whatsapp_opt_in: false,
        whatsapp_consent_at: None,
        role: Role::Member,
        locale: None,
        time_zone: None,
        google_subject: None,
        microsoft_oid: None,
        weekly_report: false,
        reminders: None,
        active: true,
        created_at: T0,
        updated_at: T0,
    }
}

fn room(tenant: TenantId, name: &str) -> Room {
    Room {
        id: RoomId::new(),
        tenant_id: tenant,
        name: name.to_owned(),
        capacity: 8,
        location: None,
        equipment: Vec::new(),
        kind: RoomKind::Physical,
        max_meetings: None,
        video_link: None,
        google_calendar: None,
        active: true,
        bookable_hours: None,
        rules: Default::default(),
        created_at: T0,
        updated_at: T0,
    }
}

fn api_key(tenant: TenantId, name: &str, created_by: Actor, created_at: Millis) -> ApiKey {
    ApiKey {
        id: ApiKeyId::new(),
        tenant_id: tenant,
        name: name.to_owned(),
        prefix: format!("sala_{}", &ApiKeyId::new().0.simple().to_string()[..6]),
        created_by,
        created_at,
        last_used_at: None,
        revoked_at: None,
        scopes: vec![sala_domain::auth::Scope::Read, sala_domain::auth::Scope::Webhooks],
    }
}

fn entry(tenant: TenantId, action: &str, subject_id: Option<uuid::Uuid>) -> AuditEntry {
    AuditEntry {
        id: AuditId::new(),
        tenant_id: tenant,
        at: tick(),
        actor: Actor::System,
        action: action.to_owned(),
        subject_type: action.split('.').next().unwrap_or(action).to_owned(),
        subject_id,
        before: None,
        after: None,
        request_id: None,
        ip: None,
    }
}

fn hash(seed: &str) -> String {
    // Shaped like a hex SHA-256; the store treats it as opaque text.
    format!("{:0>64}", seed.bytes().map(|b| format!("{b:02x}")).collect::<String>())
}

async fn add_tenant(store: &dyn Store, name: &str, domains: &[&str]) -> Tenant {
    let t = tenant(name, domains);
    ok(store.insert_tenant(&t, &entry(t.id, "tenant.created", Some(t.id.0))).await);
    t
}

async fn add_user(store: &dyn Store, tenant: TenantId, address: &str, name: &str) -> User {
    let u = user(tenant, address, name);
    ok(store.insert_user(&u, &entry(tenant, "user.created", Some(u.id.0))).await);
    u
}

async fn add_room(store: &dyn Store, tenant: TenantId, name: &str) -> Room {
    let r = room(tenant, name);
    ok(store.insert_room(&r, &entry(tenant, "room.created", Some(r.id.0))).await);
    r
}

/// The audit entries of one subject, newest first.
async fn audit_of(store: &dyn Store, tenant: TenantId, subject: uuid::Uuid) -> Vec<AuditEntry> {
    let query = AuditQuery { subject_id: Some(subject), limit: 100, ..AuditQuery::default() };
    ok(store.list_audit(tenant, &query).await)
}

fn actions(entries: &[AuditEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.action.as_str()).collect()
}

async fn search(store: &dyn Store, tenant: TenantId, text: &str, limit: u32, include_inactive: bool) -> Vec<String> {
    let query = UserQuery { text: fold(text), limit, include_inactive };
    ok(store.search_users(tenant, &query).await).into_iter().map(|u| u.name).collect()
}

fn assert_duplicate<T: std::fmt::Debug>(result: Result<T, StoreError>, rule: Unique) {
    match result {
        Err(StoreError::Duplicate(found)) => assert_eq!(found, rule),
        other => panic!("expected Duplicate({rule:?}), got {other:?}"),
    }
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Bookings and their jobs, as the booking, job, delivery, concurrency and attendance areas write them.

const MINUTE: Millis = 60_000;

const WEEK: Millis = 7 * 24 * HOUR;

fn madrid() -> TimeZoneName {
    ok(TimeZoneName::parse("Europe/Madrid"))
}

/// A confirmed booking at version 1, built directly (no domain helpers).
fn booking(room: &Room, organizer: &User, start: Millis, end: Millis) -> Booking {
    Booking {
        id: BookingId::new(),
        tenant_id: room.tenant_id,
        room_id: room.id,
        organizer_id: organizer.id,
        title: "Sync".into(),
        description: None,
        time: ok(TimeRange::new(start, end)),
        time_zone: madrid(),
        attendees: Vec::new(),
        google_meet: false,
        status: BookingStatus::Confirmed,
        cancel_reason: None,
        external_ref: None,
        metadata: json!({}),
        series_id: None,
        recurrence_id: None,
        google_event_id: None,
        meet_link: None,
        reminders: None,
        version: 1,
        created_by: Actor::User(organizer.id),
        created_at: T0,
        updated_at: T0,
        cancelled_at: None,
    }
}

fn attendee(address: &str, name: Option<&str>, user_id: Option<UserId>) -> Attendee {
    Attendee { email: email(address), name: name.map(str::to_owned), user_id }
}

fn job(b: &Booking, kind: JobKind, run_at: Millis, created_at: Millis) -> Job {
    Job {
        id: JobId::new(),
        tenant_id: b.tenant_id,
        kind,
        booking_id: Some(b.id),
        payload: json!({"event": "booking.created", "booking_version": b.version, "changes": []}),
        run_at,
        status: JobStatus::Pending,
        attempts: 0,
        last_error: None,
        created_at,
    }
}

/// The next version of a booking: what an edit writes.
fn next(b: &Booking) -> Booking {
    let mut after = b.clone();
    after.version += 1;
    after.updated_at = tick();
    after
}

fn cancelled(b: &Booking, reason: &str) -> Booking {
    let mut after = next(b);
    after.status = BookingStatus::Cancelled;
    after.cancel_reason = Some(reason.into());
    after.cancelled_at = Some(after.updated_at);
    after
}

fn moved(b: &Booking, start: Millis, end: Millis) -> Booking {
    let mut after = next(b);
    after.time = ok(TimeRange::new(start, end));
    after
}

fn busy_of(b: &Booking) -> Busy {
    Busy { booking_id: b.id, room_id: b.room_id, time: b.time }
}

/// Writes `bookings` as one change with an audit entry and a notify job for each.
async fn save(store: &dyn Store, update: bool, bookings: &[Booking]) -> Result<(), StoreError> {
    let tenant = bookings.first().map_or_else(TenantId::new, |b| b.tenant_id);
    let action = if update { "booking.updated" } else { "booking.created" };
    let audit: Vec<AuditEntry> = bookings.iter().map(|b| entry(tenant, action, Some(b.id.0))).collect();
    let jobs: Vec<Job> = bookings.iter().map(|b| job(b, JobKind::Notify, T0, tick())).collect();
    let write = BookingWrite {
        tenant_id: tenant,
        series: None,
        bookings,
        audit: &audit,
        jobs: &jobs,
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    if update { store.update_bookings(write).await } else { store.insert_bookings(write).await }
}

async fn create(store: &dyn Store, bookings: &[Booking]) -> Result<(), StoreError> {
    save(store, false, bookings).await
}

async fn edit(store: &dyn Store, bookings: &[Booking]) -> Result<(), StoreError> {
    save(store, true, bookings).await
}

fn assert_overlap<T: std::fmt::Debug>(result: Result<T, StoreError>, with: &Booking) {
    match result {
        Err(StoreError::Overlap(busy)) => assert_eq!(busy, busy_of(with)),
        other => panic!("expected Overlap with {}, got {other:?}", with.id),
    }
}

fn assert_version_mismatch<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::VersionMismatch) => {}
        other => panic!("expected VersionMismatch, got {other:?}"),
    }
}

/// A refused booking left nothing behind: no row, no audit entry, no job.
async fn assert_absent(store: &dyn Store, b: &Booking) {
    assert_eq!(ok(store.get_booking(b.tenant_id, b.id).await), None);
    assert!(audit_of(store, b.tenant_id, b.id.0).await.is_empty(), "no audit entry for {}", b.id);
    assert!(ok(store.jobs_for_booking(b.tenant_id, b.id).await).is_empty(), "no job for {}", b.id);
}

async fn list(store: &dyn Store, tenant: TenantId, query: BookingQuery) -> Vec<Booking> {
    ok(store.list_bookings(tenant, &query).await)
}

fn all(limit: u32) -> BookingQuery {
    BookingQuery { limit, ..BookingQuery::default() }
}

fn ids(bookings: &[Booking]) -> Vec<BookingId> {
    bookings.iter().map(|b| b.id).collect()
}

struct Office {
    acme: Tenant,
    ana: User,
    luis: User,
    sala: Room,
    azul: Room,
}

async fn office(store: &dyn Store) -> Office {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let ana = add_user(store, acme.id, "ana@acme.test", "Ana").await;
    let luis = add_user(store, acme.id, "luis@acme.test", "Luis").await;
    let sala = add_room(store, acme.id, "Sala").await;
    let azul = add_room(store, acme.id, "Azul").await;
    Office { acme, ana, luis, sala, azul }
}

/// Writes a booking of `room` with one notify job per `run_at`, created in that order; returns
/// the booking and the jobs as stored.
async fn booking_with_jobs(
    store: &dyn Store,
    room: &Room,
    organizer: &User,
    run_ats: &[Millis],
) -> (Booking, Vec<Job>) {
    let start = T0 + 100 * HOUR + tick();
    let b = booking(room, organizer, start, start + HOUR);
    let jobs: Vec<Job> = run_ats.iter().map(|&at| job(&b, JobKind::Notify, at, tick())).collect();
    let write = BookingWrite {
        tenant_id: b.tenant_id,
        series: None,
        bookings: std::slice::from_ref(&b),
        audit: &[],
        jobs: &jobs,
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);
    (b, jobs)
}
