//! Bookings, their series, idempotency records and outbox jobs on PostgreSQL.
//!
//! No double booking, with any number of `sala serve` instances: the exclusion constraint
//! `bookings_no_overlap` refuses a confirmed booking overlapping another one of its room. An edit
//! looks for a conflict itself after its version checks, to name the booking in the way; an insert
//! lets the constraint answer (SQLSTATE 23P01; for an edit, which defers it, at commit), rolls
//! back, and then looks up and names the booking that holds the slot.
//!
//! Writers of one room queue on a transaction-scoped advisory lock keyed by the room. Without it,
//! concurrent inserts of overlapping ranges deadlock inside the exclusion constraint's checks (each
//! waits for the other's uncommitted row until PostgreSQL breaks the tie after `deadlock_timeout`,
//! a second), which under load turned into long waits and failed requests. The lock makes the
//! conflict check exact and cheap; the constraint stays as the last line for anything that writes
//! without it.
//!
//! Virtual rooms hold several meetings at once: their bookings are `shared` (set from the room on
//! every write; the constraint leaves them out) and checked against the room's limit instead
//! (`crate::crowding`), under the same lock.
//!
//! Rows of a batch (a series' occurrences, their attendees, their jobs) go in with one `UNNEST`
//! statement each, whatever their number.

use super::{PgStore, audit, db};
use crate::booking_list::list_query;
use crate::records::{
    AttendeeRow, BookingRow, BusyRow, IdempotencyRow, JobRow, SeriesRow, actor_columns, attendee_columns,
    bookings_with_attendees, check_write, to_json,
};
use crate::{BookingQuery, BookingStore, BookingWrite, Busy, IdempotencyRecord, Result, StoreError};
use async_trait::async_trait;
use sala_domain::{
    Booking, BookingId, Job, JobKind, JobStatus, Millis, RoomId, Series, SeriesId, TenantId, TimeRange, UserId,
};
use sqlx::{PgConnection, PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

const COLUMNS: &str = "id, tenant_id, room_id, organizer_id, title, description, start_at, end_at, time_zone,
                       google_meet, status, cancel_reason, external_ref, metadata, series_id, version,
                       created_by_type, created_by_id, created_at, updated_at, cancelled_at, recurrence_id,
                       google_event_id, meet_link, reminders";

/// How many times a write that lost a race (without a conflict left to name) is tried again.
const ATTEMPTS: u32 = 5;

#[async_trait]
impl BookingStore for PgStore {
    async fn insert_bookings(&self, write: BookingWrite<'_>) -> Result<()> {
        self.write_bookings(&write, false).await
    }

    async fn update_bookings(&self, write: BookingWrite<'_>) -> Result<()> {
        self.write_bookings(&write, true).await
    }

    async fn get_booking(&self, tenant: TenantId, id: BookingId) -> Result<Option<Booking>> {
        let sql = format!("SELECT {COLUMNS} FROM bookings WHERE tenant_id = $1 AND id = $2");
        let row: Option<BookingRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Ok(self.with_attendees(tenant, row.into_iter().collect()).await?.pop())
    }

    async fn list_bookings(&self, tenant: TenantId, q: &BookingQuery) -> Result<Vec<Booking>> {
        let mut sql = list_query::<Postgres>(COLUMNS, "bookings", tenant, q);
        let rows: Vec<BookingRow> = sql.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
        self.with_attendees(tenant, rows).await
    }

    async fn busy(&self, tenant: TenantId, rooms: &[RoomId], range: TimeRange) -> Result<Vec<Busy>> {
        // `&&` on int8range is what the exclusion constraint's GiST index answers.
        // Physical and virtual rooms' bookings each have their partial GiST index.
        let mut sql = QueryBuilder::<Postgres>::new("");
        for (i, shared) in ["NOT shared", "shared"].into_iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push("SELECT id, room_id, start_at, end_at FROM bookings WHERE status = 'confirmed' AND ");
            sql.push(shared).push(" AND tenant_id = ").push_bind(tenant.0);
            sql.push(" AND int8range(start_at, end_at) && int8range(");
            sql.push_bind(range.start).push(", ").push_bind(range.end).push(")");
            if !rooms.is_empty() {
                let rooms: Vec<Uuid> = rooms.iter().map(|r| r.0).collect();
                sql.push(" AND room_id = ANY(").push_bind(rooms).push(")");
            }
        }
        sql.push(" ORDER BY room_id, start_at");
        let rows: Vec<BusyRow> = sql.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn count_active_bookings(&self, tenant: TenantId, organizer: UserId, now: Millis) -> Result<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM bookings
             WHERE tenant_id = $1 AND organizer_id = $2 AND end_at > $3 AND status = 'confirmed'",
        )
        .bind(tenant.0)
        .bind(organizer.0)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        u64::try_from(count).map_err(|e| StoreError::Corrupt(format!("booking count: {e}")))
    }

    async fn get_series(&self, tenant: TenantId, id: SeriesId) -> Result<Option<Series>> {
        let row: Option<SeriesRow> = sqlx::query_as(
            "SELECT id, tenant_id, rule, time_zone, created_at FROM series WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn purge_idempotency_keys(&self, before: Millis) -> Result<u64> {
        let purged = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(purged.rows_affected())
    }

    async fn idempotency_record(&self, tenant: TenantId, actor: &str, key: &str) -> Result<Option<IdempotencyRecord>> {
        let row: Option<IdempotencyRow> = sqlx::query_as(
            "SELECT actor, key, request_hash, booking_ids, created_at FROM idempotency_keys
             WHERE tenant_id = $1 AND actor = $2 AND key = $3",
        )
        .bind(tenant.0)
        .bind(actor)
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn jobs_for_booking(&self, tenant: TenantId, booking: BookingId) -> Result<Vec<Job>> {
        let rows: Vec<JobRow> = sqlx::query_as(
            "SELECT id, tenant_id, kind, booking_id, payload, run_at, status, attempts, last_error, created_at
             FROM jobs WHERE tenant_id = $1 AND booking_id = $2 ORDER BY created_at, id",
        )
        .bind(tenant.0)
        .bind(booking.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}

impl PgStore {
    /// One booking change, all or nothing; tried again when it lost a race to a concurrent writer
    /// and no conflicting booking is left to name (the winner was cancelled or moved since, or the
    /// race ended in a deadlock that PostgreSQL broke by aborting this transaction).
    async fn write_bookings(&self, write: &BookingWrite<'_>, update: bool) -> Result<()> {
        check_write(write)?;
        let batch: Vec<Uuid> = write.bookings.iter().map(|b| b.id.0).collect();
        let mut attempt = 1;
        loop {
            match self.try_write_bookings(write, update, &batch).await {
                Err(err) if lost_race(&err) => {
                    if let Some(busy) = conflict(&self.pool, write.tenant_id, write.bookings, &batch).await? {
                        return Err(StoreError::Overlap(busy));
                    }
                    if attempt == ATTEMPTS {
                        return Err(err);
                    }
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    /// The transaction: overlap check (for an edit, after its version checks), series, bookings,
    /// attendees, audit entries, jobs and the idempotency record.
    async fn try_write_bookings(&self, write: &BookingWrite<'_>, update: bool, batch: &[Uuid]) -> Result<()> {
        let tenant = write.tenant_id;
        let mut tx = self.begin().await?;
        lock_rooms(&mut tx, write.bookings).await?;
        if update {
            // An edit checks the constraint at commit: it checks every version first (a stale or
            // missing booking says so, whatever its new time), and one booking of a batch may move
            // into a slot another one leaves.
            sqlx::query("SET CONSTRAINTS bookings_no_overlap DEFERRED").execute(&mut *tx).await.map_err(db)?;
        }
        // An insert does not look for conflicts first: holding the room's lock, the exclusion
        // constraint answers at once (23P01), and only then is the booking in the way looked up.
        // That saves a query on every successful create, the common case.
        if let Some(s) = write.series {
            sqlx::query("INSERT INTO series (id, tenant_id, rule, time_zone, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(s.id.0)
                .bind(tenant.0)
                .bind(to_json(&s.rule))
                .bind(s.time_zone.as_str())
                .bind(s.created_at)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        if update {
            for b in write.bookings {
                update_booking(&mut tx, tenant, b).await?;
            }
            if write.unless_checked_in {
                refuse_if_attended(&mut tx, tenant, write.bookings).await?;
            }
            sqlx::query("DELETE FROM booking_attendees WHERE tenant_id = $1 AND booking_id = ANY($2)")
                .bind(tenant.0)
                .bind(batch)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            if let Some(busy) = conflict(&mut *tx, tenant, write.bookings, batch).await? {
                return Err(StoreError::Overlap(busy));
            }
        } else {
            insert_rows(&mut tx, tenant, write.bookings).await?;
        }
        if let Some(busy) = crowded(&mut tx, tenant, write.bookings, batch).await? {
            return Err(StoreError::Overlap(busy));
        }
        insert_attendees(&mut tx, tenant, write.bookings).await?;
        audit::insert_all(&mut tx, write.audit).await?;
        drop_timed_jobs(&mut tx, tenant, write.drop_timed_jobs).await?;
        insert_jobs(&mut tx, write.jobs).await?;
        if let Some(r) = write.idempotency {
            sqlx::query(
                "INSERT INTO idempotency_keys (tenant_id, actor, key, request_hash, booking_ids, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(tenant.0)
            .bind(&r.actor)
            .bind(&r.key)
            .bind(&r.request_hash)
            .bind(to_json(&r.booking_ids))
            .bind(r.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    /// The bookings with their attendees, read for all of them with one more query.
    async fn with_attendees(&self, tenant: TenantId, rows: Vec<BookingRow>) -> Result<Vec<Booking>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = rows.iter().map(BookingRow::id).collect();
        let attendees: Vec<AttendeeRow> = sqlx::query_as(
            "SELECT booking_id, email, name, user_id FROM booking_attendees
             WHERE tenant_id = $1 AND booking_id = ANY($2) ORDER BY booking_id, position",
        )
        .bind(tenant.0)
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        bookings_with_attendees(rows, attendees)
    }
}

/// Did the write lose a race: the exclusion constraint fired (a concurrent writer committed an
/// overlapping booking after our check), or PostgreSQL broke a deadlock between such writers?
/// Takes the advisory lock of every room the bookings are in, in a fixed order (no deadlocks
/// between batches); released at commit or rollback.
async fn lock_rooms(conn: &mut PgConnection, bookings: &[Booking]) -> Result<()> {
    let mut rooms: Vec<Uuid> = bookings.iter().map(|b| b.room_id.0).collect();
    rooms.sort();
    rooms.dedup();
    for room in rooms {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('sala.room:' || $1::text, 0))")
            .bind(room)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    Ok(())
}

fn lost_race(err: &StoreError) -> bool {
    match err {
        StoreError::Database(sqlx::Error::Database(e)) => {
            matches!(e.code().as_deref(), Some("23P01" | "40P01"))
        }
        _ => false,
    }
}

/// The first stored confirmed booking (by start) that overlaps a confirmed booking of `bookings`
/// in its room, leaving out the bookings of the batch being written. One query for the batch.
async fn conflict<'e>(
    conn: impl PgExecutor<'e>,
    tenant: TenantId,
    bookings: &[Booking],
    batch: &[Uuid],
) -> Result<Option<Busy>> {
    let confirmed = bookings.iter().filter(|b| b.is_confirmed());
    let rooms: Vec<Uuid> = confirmed.clone().map(|b| b.room_id.0).collect();
    if rooms.is_empty() {
        return Ok(None);
    }
    let starts: Vec<i64> = confirmed.clone().map(|b| b.time.start).collect();
    let ends: Vec<i64> = confirmed.map(|b| b.time.end).collect();
    // No ORDER BY ... LIMIT 1: the planner would walk the tenant's bookings in start order instead of
    // asking the exclusion constraint's GiST index, and there are only ever a few rows to sort.
    let rows: Vec<BusyRow> = sqlx::query_as(
        "SELECT b.id, b.room_id, b.start_at, b.end_at
         FROM UNNEST($2::uuid[], $3::int8[], $4::int8[]) AS n (room_id, start_at, end_at)
         JOIN bookings b ON b.room_id = n.room_id
                        AND int8range(b.start_at, b.end_at) && int8range(n.start_at, n.end_at)
         WHERE b.status = 'confirmed' AND NOT b.shared AND b.tenant_id = $1 AND b.id <> ALL($5::uuid[])",
    )
    .bind(tenant.0)
    .bind(rooms)
    .bind(starts)
    .bind(ends)
    .bind(batch)
    .fetch_all(conn)
    .await
    .map_err(db)?;
    let first = rows
        .into_iter()
        .map(Busy::try_from)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .min_by_key(|b| (b.time.start, b.booking_id));
    Ok(first)
}

/// The meeting in the way when a written booking would put its virtual room over its limit.
async fn crowded(
    conn: &mut PgConnection,
    tenant: TenantId,
    bookings: &[Booking],
    batch: &[Uuid],
) -> Result<Option<Busy>> {
    // Each room looked up once: the limits of the virtual ones among them.
    let mut limits: Vec<(RoomId, Option<Option<i32>>)> = Vec::new();
    for b in bookings.iter().filter(|b| b.is_confirmed()) {
        let known = limits.iter().find(|(room, _)| *room == b.room_id).map(|(_, limit)| *limit);
        let limit = match known {
            Some(limit) => limit,
            None => {
                let limit: Option<Option<i32>> = sqlx::query_scalar(
                    "SELECT max_meetings FROM rooms WHERE tenant_id = $1 AND id = $2 AND kind = 'virtual'",
                )
                .bind(tenant.0)
                .bind(b.room_id.0)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?;
                limits.push((b.room_id, limit));
                limit
            }
        };
        let Some(Some(limit)) = limit else { continue };
        let rows: Vec<BusyRow> = sqlx::query_as(
            "SELECT id, room_id, start_at, end_at FROM bookings
             WHERE status = 'confirmed' AND shared AND tenant_id = $1 AND room_id = $2
               AND int8range(start_at, end_at) && int8range($3, $4) AND id <> ALL($5::uuid[])",
        )
        .bind(tenant.0)
        .bind(b.room_id.0)
        .bind(b.time.start)
        .bind(b.time.end)
        .bind(batch)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let stored = rows.into_iter().map(Busy::try_from).collect::<Result<Vec<_>>>()?;
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        if let Some(busy) = crate::crowding::over_limit(b, limit, &stored, bookings) {
            return Ok(Some(busy));
        }
    }
    Ok(None)
}

async fn insert_rows(conn: &mut PgConnection, tenant: TenantId, bookings: &[Booking]) -> Result<()> {
    // In room and time order, so concurrent batches meet each other's rows in the same order.
    let mut ordered: Vec<&Booking> = bookings.iter().collect();
    ordered.sort_by_key(|b| (b.room_id, b.time.start));
    let actors: Vec<_> = ordered.iter().map(|b| actor_columns(&b.created_by)).collect();
    sqlx::query(
        "INSERT INTO bookings (id, tenant_id, room_id, organizer_id, title, description, start_at, end_at,
                               time_zone, google_meet, status, cancel_reason, external_ref, metadata, series_id,
                               version, created_by_type, created_by_id, created_at, updated_at, cancelled_at,
                               recurrence_id, reminders, google_event_id, meet_link, shared)
         SELECT id, $1, room_id, organizer_id, title, description, start_at, end_at, time_zone, google_meet, status,
                cancel_reason, external_ref, metadata, series_id, version, created_by_type, created_by_id,
                created_at, updated_at, cancelled_at, recurrence_id, reminders, google_event_id, meet_link,
                EXISTS (SELECT 1 FROM rooms r WHERE r.tenant_id = $1 AND r.id = b.room_id AND r.kind = 'virtual')
         FROM UNNEST($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::int8[], $8::int8[],
                     $9::text[], $10::bool[], $11::text[], $12::text[], $13::text[], $14::text[], $15::uuid[],
                     $16::int8[], $17::text[], $18::uuid[], $19::int8[], $20::int8[], $21::int8[], $22::int8[],
                     $23::text[], $24::text[], $25::text[])
              AS b (id, room_id, organizer_id, title, description, start_at, end_at, time_zone, google_meet,
                    status, cancel_reason, external_ref, metadata, series_id, version, created_by_type,
                    created_by_id, created_at, updated_at, cancelled_at, recurrence_id, reminders, google_event_id,
                    meet_link)",
    )
    .bind(tenant.0)
    .bind(ordered.iter().map(|b| b.id.0).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.room_id.0).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.organizer_id.0).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.title.as_str()).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.description.as_deref()).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.time.start).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.time.end).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.time_zone.as_str()).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.google_meet).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.status.as_str()).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.cancel_reason.as_deref()).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.external_ref.as_deref()).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| to_json(&b.metadata)).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.series_id.map(|s| s.0)).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.version).collect::<Vec<_>>())
    .bind(actors.iter().map(|(kind, _)| *kind).collect::<Vec<_>>())
    .bind(actors.iter().map(|(_, id)| *id).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.created_at).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.updated_at).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.cancelled_at).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.recurrence_id).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.reminders.as_ref().map(to_json)).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.google_event_id.as_deref()).collect::<Vec<_>>())
    .bind(ordered.iter().map(|b| b.meet_link.as_deref()).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Replaces a stored booking whose version is one less than `b`'s. Who created it and when never
/// change.
async fn update_booking(conn: &mut PgConnection, tenant: TenantId, b: &Booking) -> Result<()> {
    let result = sqlx::query(
        "UPDATE bookings SET room_id = $3, organizer_id = $4, title = $5, description = $6, start_at = $7,
                end_at = $8, time_zone = $9, google_meet = $10, status = $11, cancel_reason = $12,
                external_ref = $13, metadata = $14, series_id = $15, version = $16, updated_at = $17,
                cancelled_at = $18, reminders = $19,
                shared = EXISTS (SELECT 1 FROM rooms r WHERE r.tenant_id = $1 AND r.id = $3 AND r.kind = 'virtual')
         WHERE tenant_id = $1 AND id = $2 AND version = $16 - 1",
    )
    .bind(tenant.0)
    .bind(b.id.0)
    .bind(b.room_id.0)
    .bind(b.organizer_id.0)
    .bind(&b.title)
    .bind(&b.description)
    .bind(b.time.start)
    .bind(b.time.end)
    .bind(b.time_zone.as_str())
    .bind(b.google_meet)
    .bind(b.status.as_str())
    .bind(&b.cancel_reason)
    .bind(&b.external_ref)
    .bind(to_json(&b.metadata))
    .bind(b.series_id.map(|s| s.0))
    .bind(b.version)
    .bind(b.updated_at)
    .bind(b.cancelled_at)
    .bind(b.reminders.as_ref().map(to_json))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if result.rows_affected() == 0 {
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM bookings WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(b.id.0)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        return Err(if exists.is_some() { StoreError::VersionMismatch } else { StoreError::NotFound });
    }
    Ok(())
}

async fn insert_attendees(conn: &mut PgConnection, tenant: TenantId, bookings: &[Booking]) -> Result<()> {
    let rows: Vec<_> = bookings
        .iter()
        .flat_map(|b| {
            b.attendees.iter().enumerate().map(move |(position, a)| {
                let (email, email_key, name, user_id) = attendee_columns(a);
                (b.id.0, i32::try_from(position).unwrap_or(i32::MAX), email, email_key, name, user_id)
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO booking_attendees (tenant_id, booking_id, position, email, email_key, name, user_id)
         SELECT $1, booking_id, position, email, email_key, name, user_id
         FROM UNNEST($2::uuid[], $3::int4[], $4::text[], $5::text[], $6::text[], $7::uuid[])
              AS a (booking_id, position, email, email_key, name, user_id)",
    )
    .bind(tenant.0)
    .bind(rows.iter().map(|r| r.0).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.1).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.2).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.3.as_str()).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.4).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.5).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Deletes the pending timed jobs (`JobKind::TIMED`) of `bookings` (see `BookingWrite::drop_timed_jobs`).
async fn drop_timed_jobs(conn: &mut PgConnection, tenant: TenantId, bookings: &[BookingId]) -> Result<()> {
    let kinds: Vec<&str> = JobKind::TIMED.iter().map(|k| k.as_str()).collect();
    for id in bookings {
        sqlx::query("DELETE FROM jobs WHERE tenant_id = $1 AND booking_id = $2 AND kind = ANY($3) AND status = $4")
            .bind(tenant.0)
            .bind(id.0)
            .bind(&kinds)
            .bind(JobStatus::Pending.as_str())
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    Ok(())
}

pub(super) async fn insert_jobs(conn: &mut PgConnection, jobs: &[Job]) -> Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO jobs (id, tenant_id, kind, booking_id, payload, run_at, status, attempts, last_error,
                           created_at, updated_at)
         SELECT id, tenant_id, kind, booking_id, payload, run_at, status, attempts, last_error, created_at, created_at
         FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::int8[], $7::text[],
                     $8::int8[], $9::text[], $10::int8[])
              AS j (id, tenant_id, kind, booking_id, payload, run_at, status, attempts, last_error, created_at)",
    )
    .bind(jobs.iter().map(|j| j.id.0).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.tenant_id.0).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.booking_id.map(|b| b.0)).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| to_json(&j.payload)).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.run_at).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.status.as_str()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| i64::from(j.attempts)).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.last_error.as_deref()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.created_at).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// `StoreError::Attended` when someone has checked in to one of `bookings`. Run after their rows
/// were updated (and so locked): a check-in that came first is visible, one that comes later
/// waits for this write and then finds the booking no longer confirmed.
async fn refuse_if_attended(conn: &mut PgConnection, tenant: TenantId, bookings: &[Booking]) -> Result<()> {
    for b in bookings {
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM check_ins WHERE tenant_id = $1 AND booking_id = $2 LIMIT 1")
                .bind(tenant.0)
                .bind(b.id.0)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?;
        if found.is_some() {
            return Err(StoreError::Attended);
        }
    }
    Ok(())
}
