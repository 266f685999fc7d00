//! Upgrading a SQLite database made before a migration that rebuilds a table: 0014 rebuilds
//! `bookings` (SQLite cannot change a CHECK constraint in place) to allow `released`. Every row
//! and every reference to it must survive, and foreign keys must still be enforced afterwards.

// Test code fails loudly by design: a panic is the test's failure report.
#![allow(clippy::unwrap_used)]

use sala_domain::{BookingId, BookingStatus, TenantId};
use sala_store::BookingWrite;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::path::Path;
use std::str::FromStr;
use uuid::Uuid;

/// Copies the SQLite migrations numbered below `before` into `to`.
fn migrations_before(before: u32, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let number: u32 = name[..4].parse().unwrap();
        if number < before {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

async fn exec(pool: &sqlx::SqlitePool, sql: &str, ids: &[Uuid]) {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for id in ids {
        query = query.bind(*id);
    }
    query.execute(pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn bookings_and_their_references_survive_the_0014_rebuild() {
    let dir = std::env::temp_dir().join(format!("sala-upgrade-{}", Uuid::now_v7().simple()));
    migrations_before(14, &dir.join("migrations"));
    let url = format!("sqlite:{}", dir.join("sala.db").display());
    let options = SqliteConnectOptions::from_str(&url).unwrap().create_if_missing(true).foreign_keys(true);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await.unwrap();
    sqlx::migrate::Migrator::new(dir.join("migrations").as_path()).await.unwrap().run(&pool).await.unwrap();

    // A booking as 0013 knew it, with an attendee, a job and a check-in pointing at it.
    let (tenant, user, room, booking) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    exec(
        &pool,
        "INSERT INTO tenants (id, name, slug, email_domains, time_zone, locale, created_at, updated_at)
                 VALUES ($1, 'Acme', 'acme', '[\"acme.test\"]', 'Europe/Madrid', 'es', 0, 0)",
        &[tenant],
    )
    .await;
    exec(
        &pool,
        "INSERT INTO users (id, tenant_id, email, email_key, name, search_key, whatsapp_opt_in, role,
                 active, created_at, updated_at)
                 VALUES ($1, $2, 'ana@acme.test', 'ana@acme.test', 'Ana', 'ana', 0, 'admin', 1, 0, 0)",
        &[user, tenant],
    )
    .await;
    exec(
        &pool,
        "INSERT INTO rooms (id, tenant_id, name, name_key, capacity, equipment, kind, active, created_at,
                 updated_at) VALUES ($1, $2, 'Sala Sur', 'sala sur', 6, '[]', 'physical', 1, 0, 0)",
        &[room, tenant],
    )
    .await;
    exec(
        &pool,
        "INSERT INTO bookings (id, tenant_id, room_id, organizer_id, title, start_at, end_at, time_zone,
                 google_meet, status, metadata, version, created_by_type, created_at, updated_at,
                 recurrence_id, google_event_id, meet_link)
                 VALUES ($1, $2, $3, $4, 'Revisión', 1000000, 4600000, 'Europe/Madrid', 1, 'confirmed',
                 '{\"crm\":\"42\"}', 3, 'system', 0, 0, 1000000, 'evt1', 'https://meet.google.com/abc-defg-hij')",
        &[booking, tenant, room, user],
    )
    .await;
    exec(
        &pool,
        "INSERT INTO booking_attendees (tenant_id, booking_id, position, email, email_key)
                 VALUES ($1, $2, 0, 'cliente@globex.com', 'cliente@globex.com')",
        &[tenant, booking],
    )
    .await;
    exec(
        &pool,
        "INSERT INTO jobs (id, tenant_id, kind, booking_id, payload, run_at, status, attempts, created_at,
                 updated_at) VALUES ($1, $2, 'webhook', $3, '{}', 0, 'done', 1, 0, 0)",
        &[Uuid::now_v7(), tenant, booking],
    )
    .await;
    exec(
        &pool,
        "INSERT INTO check_ins (tenant_id, booking_id, email, email_key, at, actor_type, source)
                 VALUES ($1, $2, 'ana@acme.test', 'ana@acme.test', 1000000, 'system', 'api')",
        &[tenant, booking],
    )
    .await;
    // An organization's audit entry from before 0020, with its sealed secrets in it.
    exec(
        &pool,
        "INSERT INTO audit_log (id, tenant_id, at, actor_type, action, subject_type, subject_id, before_state, after_state)
                 VALUES ($1, $2, 0, 'system', 'tenant.updated', 'tenant', $2, '{\"name\":\"Acme\",\"whatsapp\":null}',
                 '{\"name\":\"Acme\",\"whatsapp\":{\"phone_number_id\":\"1065\",\"token_sealed\":\"v1.secret\"},\"google_service_account\":{\"client_email\":\"sa@x\",\"key_sealed\":\"v1.key\"}}')",
        &[Uuid::now_v7(), tenant],
    )
    .await;
    pool.close().await;

    // The store's own migrations bring it up to date.
    let store = sala_store::connect(&url).await.unwrap();
    let (t, b) = (TenantId(tenant), BookingId(booking));
    let found = store.get_booking(t, b).await.unwrap().expect("the booking survives");
    assert_eq!((found.title.as_str(), found.version, found.status), ("Revisión", 3, BookingStatus::Confirmed));
    assert_eq!(found.metadata, serde_json::json!({"crm": "42"}));
    assert_eq!((found.recurrence_id, found.google_event_id.as_deref()), (Some(1_000_000), Some("evt1")));
    assert_eq!(found.meet_link.as_deref(), Some("https://meet.google.com/abc-defg-hij"));
    // 0020 took the sealed secrets out of the audit log, and kept the rest.
    let audit = store.list_audit(t, &sala_store::AuditQuery { limit: 10, ..Default::default() }).await.unwrap();
    let entry = audit.iter().find(|e| e.action == "tenant.updated").expect("the entry stays");
    let after = entry.after.as_ref().unwrap().to_string();
    assert!(
        !after.contains("sealed") && !after.contains("v1.") && after.contains("1065") && after.contains("sa@x"),
        "{after}"
    );
    assert_eq!(found.attendees.len(), 1);
    assert_eq!(store.check_ins(t, b).await.unwrap().len(), 1);
    assert_eq!(store.jobs_for_booking(t, b).await.unwrap().len(), 1);

    // The new status is accepted.
    let released = sala_domain::Booking { status: BookingStatus::Released, version: 4, ..found };
    let write = BookingWrite {
        tenant_id: t,
        series: None,
        bookings: std::slice::from_ref(&released),
        audit: &[],
        jobs: &[],
        idempotency: None,
        drop_timed_jobs: &[b],
        unless_checked_in: false,
    };
    store.update_bookings(write).await.unwrap();
    assert_eq!(store.get_booking(t, b).await.unwrap().unwrap().status, BookingStatus::Released);

    // Foreign keys are still enforced: an attendee of a booking that does not exist is refused.
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
    let orphan = sqlx::query(
        "INSERT INTO booking_attendees (tenant_id, booking_id, position, email, email_key)
         VALUES ($1, $2, 0, 'x@y.test', 'x@y.test')",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .execute(&pool)
    .await;
    assert!(orphan.is_err(), "foreign keys must hold after the rebuild");
    pool.close().await;
    std::fs::remove_dir_all(&dir).ok();
}

/// PostgreSQL's 0020 on an audit entry written before it: the sealed secrets go, the rest stays.
/// (The migration ran already on the fresh database; its statements are idempotent, so they run
/// again here over an entry as older code wrote it.)
#[tokio::test]
async fn postgres_0020_scrubs_sealed_secrets_from_the_audit_log() {
    let Some(db) = sala_store::testing::fresh_postgres().await else { return };
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let tenant = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO tenants (id, name, slug, email_domains, time_zone, locale, created_at, updated_at)
         VALUES ($1, 'Acme', 'acme', '[\"acme.test\"]', 'Europe/Madrid', 'es', 0, 0)",
    )
    .bind(tenant)
    .execute(&pool)
    .await
    .unwrap();
    let sealed = r#"{"name":"Acme","whatsapp":{"phone_number_id":"1065","token_sealed":"v1.secret"},"google_service_account":{"client_email":"sa@x","key_sealed":"v1.key"}}"#;
    sqlx::query(
        "INSERT INTO audit_log (id, tenant_id, at, actor_type, action, subject_type, subject_id, before_state, after_state)
         VALUES ($1, $2, 0, 'system', 'tenant.updated', 'tenant', $2, $3, $3)",
    )
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(sealed)
    .execute(&pool)
    .await
    .unwrap();
    let migration = include_str!("../migrations/postgres/0020_audit_without_secrets.sql");
    sqlx::raw_sql(sqlx::AssertSqlSafe(migration)).execute(&pool).await.unwrap();
    let (before, after): (String, String) =
        sqlx::query_as("SELECT before_state, after_state FROM audit_log WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(&pool)
            .await
            .unwrap();
    for state in [before, after] {
        assert!(!state.contains("sealed") && state.contains("1065") && state.contains("sa@x"), "{state}");
    }
}
