//! Bookings, their series, idempotency records and outbox jobs on SQLite.
//!
//! No double booking: a write runs inside one `BEGIN IMMEDIATE` transaction, which holds the
//! database's single write lock from its first statement to its commit. The overlap check and the
//! write after it are therefore atomic against every other writer, in this process or another one.
//! Writes waiting at the same time share that transaction, each in a savepoint of its own (see
//! `group_commit`): each sees the ones before it, as if they had run one after another.
//!
//! Finding what overlaps `[start, end)` in a room without scanning the room's whole history (or all
//! its future) uses what that lock guarantees: the stored confirmed bookings of a room never overlap
//! each other, so sorted by start they are sorted by end too, and of those starting before `start`
//! only the last one can reach past it. Those overlapping are therefore the ones starting in
//! `[start of that last one, end)`: two short index range scans on (tenant, room, start).
//!
//! Virtual rooms hold several meetings at once: their bookings are `shared` (set from the room on
//! every write), left out of the overlap check and of that lower bound, and checked against the
//! room's limit instead (`crate::crowding`), under the same lock.

use super::group_commit::GroupWrite;
use super::{SqliteStore, audit, db};
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
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::HashMap;
use uuid::Uuid;

const COLUMNS: &str = "id, tenant_id, room_id, organizer_id, title, description, start_at, end_at, time_zone,
                       google_meet, status, cancel_reason, external_ref, metadata, series_id, version,
                       created_by_type, created_by_id, created_at, updated_at, cancelled_at, recurrence_id,
                       google_event_id, meet_link, reminders";

/// Rows per multi-row INSERT: 25 parameters each, well under SQLite's 32766.
const CHUNK: usize = 1000;

#[async_trait]
impl BookingStore for SqliteStore {
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
        let mut sql = list_query::<Sqlite>(COLUMNS, "bookings INDEXED BY bookings_long", tenant, q);
        let rows: Vec<BookingRow> = sql.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
        self.with_attendees(tenant, rows).await
    }

    async fn busy(&self, tenant: TenantId, rooms: &[RoomId], range: TimeRange) -> Result<Vec<Busy>> {
        // Room by room (CROSS JOIN keeps rooms as the outer loop), each with the lower bound on the
        // start that the module's comment explains. INDEXED BY: SQLite 3.51 preferred the
        // (tenant, start) index here, reading every room's bookings of the day once per room
        // (85 ms for 200 rooms instead of 2 ms, over a second under load). One row holding them all, as JSON: each row of a result crosses from SQLite's thread to
        // the caller's on its own (a wake-up each), which took most of the time of a 200-room day.
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT json_group_array(json_array(hex(b.id), hex(b.room_id), b.start_at, b.end_at)
                                     ORDER BY b.room_id, b.start_at)
             FROM rooms r CROSS JOIN bookings b INDEXED BY bookings_tenant_room_start
               ON b.tenant_id = r.tenant_id AND b.room_id = r.id AND b.status = 'confirmed' AND b.end_at > ",
        );
        sql.push_bind(range.start).push(" AND b.start_at < ").push_bind(range.end);
        // A CASE, not an OR: with `r.kind = 'virtual' OR ...` SQLite could not use the bound on the
        // index, and read each room's whole history before the range (over a second for 200 rooms
        // with a year each). Virtual rooms' meetings may overlap, so they have no bound.
        sql.push(
            " AND b.start_at >= CASE WHEN r.kind = 'virtual' THEN -9223372036854775808
                                     ELSE coalesce((SELECT p.start_at FROM bookings p
                                          WHERE p.tenant_id = r.tenant_id AND p.room_id = r.id
                                            AND p.status = 'confirmed' AND p.start_at <= ",
        );
        sql.push_bind(range.start).push(" ORDER BY p.start_at DESC LIMIT 1), ").push_bind(range.start).push(") END");
        sql.push(" WHERE r.tenant_id = ").push_bind(tenant.0);
        if !rooms.is_empty() {
            sql.push(" AND r.id IN (");
            let mut list = sql.separated(", ");
            for room in rooms {
                list.push_bind(room.0);
            }
            sql.push(")");
        }
        let json: String = sql.build_query_scalar().fetch_one(&self.pool).await.map_err(db)?;
        BusyRow::from_json_list(&json)
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
            .execute(&self.writer)
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

impl SqliteStore {
    /// One booking change, all or nothing: overlap check, series, bookings (inserted, or updated
    /// version by version), attendees, audit entries, jobs and the idempotency record.
    async fn write_bookings(&self, write: &BookingWrite<'_>, update: bool) -> Result<()> {
        check_write(write)?;
        match &self.group_commit {
            Some(group) => group.submit(Box::new(OwnedWrite::of(write, update))).await,
            None => {
                let mut tx = self.write().await?;
                write_in(&mut tx, write, update).await?;
                tx.commit().await.map_err(db)
            }
        }
    }

    /// The bookings with their attendees, read for all of them with one more query.
    async fn with_attendees(&self, tenant: TenantId, rows: Vec<BookingRow>) -> Result<Vec<Booking>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // `+tenant_id`: the tenant stays a filter, never the index. Without statistics SQLite took
        // the (tenant, person) index and read every attendee of the tenant (5.9 s for 500 bookings
        // of a 1.5-million-booking history) instead of the bookings' own 500 lookups.
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT booking_id, email, name, user_id FROM booking_attendees WHERE +tenant_id = ",
        );
        sql.push_bind(tenant.0).push(" AND booking_id IN (");
        let mut ids = sql.separated(", ");
        for row in &rows {
            ids.push_bind(row.id());
        }
        sql.push(") ORDER BY booking_id, position");
        let attendees: Vec<AttendeeRow> = sql.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
        bookings_with_attendees(rows, attendees)
    }
}

/// One booking change inside the caller's transaction (a savepoint of a group commit, or a
/// transaction of its own): overlap check, series, bookings (inserted, or updated version by
/// version), attendees, audit entries, jobs and the idempotency record.
async fn write_in(conn: &mut SqliteConnection, write: &BookingWrite<'_>, update: bool) -> Result<()> {
    let tenant = write.tenant_id;
    // Looked up before anything is written, while the stored bookings are as the lookup expects
    // them. The bookings of the batch are left out: on an edit their stored rows are replaced.
    let batch: Vec<Uuid> = write.bookings.iter().map(|b| b.id.0).collect();
    let mut overlap = None;
    for b in write.bookings.iter().filter(|b| b.is_confirmed()) {
        overlap = conflict(&mut *conn, tenant, b, &batch).await?;
        if overlap.is_some() {
            break;
        }
    }
    if !update && let Some(busy) = overlap {
        return Err(StoreError::Overlap(busy));
    }
    if let Some(s) = write.series {
        sqlx::query("INSERT INTO series (id, tenant_id, rule, time_zone, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(s.id.0)
            .bind(tenant.0)
            .bind(to_json(&s.rule))
            .bind(s.time_zone.as_str())
            .bind(s.created_at)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    if update {
        // A stale or missing booking says so first, whatever its new time.
        for b in write.bookings {
            update_booking(&mut *conn, tenant, b).await?;
        }
        if write.unless_checked_in {
            refuse_if_attended(&mut *conn, tenant, write.bookings).await?;
        }
        if let Some(busy) = overlap {
            return Err(StoreError::Overlap(busy));
        }
    } else {
        insert_rows(&mut *conn, tenant, write.bookings).await?;
    }
    let limits = virtual_rooms(&mut *conn, tenant, write.bookings).await?;
    // A new booking is not shared by default; an edit may have moved it out of a virtual room.
    if update || !limits.is_empty() {
        mark_shared(&mut *conn, tenant, &batch).await?;
    }
    if let Some(busy) = crowded(&mut *conn, tenant, write.bookings, &batch, &limits).await? {
        return Err(StoreError::Overlap(busy));
    }
    insert_attendees(&mut *conn, tenant, write.bookings).await?;
    audit::insert_all(&mut *conn, write.audit).await?;
    drop_timed_jobs(&mut *conn, tenant, write.drop_timed_jobs).await?;
    insert_jobs(&mut *conn, write.jobs).await?;
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
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// A booking write the group commit's task owns (the caller's is borrowed).
struct OwnedWrite {
    tenant_id: TenantId,
    series: Option<Series>,
    bookings: Vec<Booking>,
    audit: Vec<sala_domain::AuditEntry>,
    jobs: Vec<Job>,
    idempotency: Option<IdempotencyRecord>,
    drop_timed_jobs: Vec<BookingId>,
    unless_checked_in: bool,
    update: bool,
}

impl OwnedWrite {
    fn of(write: &BookingWrite<'_>, update: bool) -> Self {
        Self {
            tenant_id: write.tenant_id,
            series: write.series.cloned(),
            bookings: write.bookings.to_vec(),
            audit: write.audit.to_vec(),
            jobs: write.jobs.to_vec(),
            idempotency: write.idempotency.cloned(),
            drop_timed_jobs: write.drop_timed_jobs.to_vec(),
            unless_checked_in: write.unless_checked_in,
            update,
        }
    }
}

#[async_trait]
impl GroupWrite for OwnedWrite {
    async fn apply(&self, conn: &mut SqliteConnection) -> Result<()> {
        let write = BookingWrite {
            tenant_id: self.tenant_id,
            series: self.series.as_ref(),
            bookings: &self.bookings,
            audit: &self.audit,
            jobs: &self.jobs,
            idempotency: self.idempotency.as_ref(),
            drop_timed_jobs: &self.drop_timed_jobs,
            unless_checked_in: self.unless_checked_in,
        };
        write_in(conn, &write, self.update).await
    }
}

/// The first stored confirmed booking (by start) of `b`'s room that overlaps it, leaving out the
/// bookings of the batch being written. See the module's comment for the lower bound on the start.
async fn conflict(conn: &mut SqliteConnection, tenant: TenantId, b: &Booking, batch: &[Uuid]) -> Result<Option<Busy>> {
    let rows: Vec<BusyRow> = sqlx::query_as(
        "SELECT id, room_id, start_at, end_at FROM bookings
         WHERE tenant_id = $1 AND room_id = $2 AND status = 'confirmed' AND shared = 0 AND end_at > $3 AND start_at < $4
           AND start_at >= coalesce((SELECT start_at FROM bookings
                                     WHERE tenant_id = $1 AND room_id = $2 AND status = 'confirmed' AND shared = 0
                                       AND start_at <= $3
                                     ORDER BY start_at DESC LIMIT 1), $3)
         ORDER BY start_at, id",
    )
    .bind(tenant.0)
    .bind(b.room_id.0)
    .bind(b.time.start)
    .bind(b.time.end)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.into_iter().find(|r| !batch.contains(&r.id())).map(TryInto::try_into).transpose()
}

/// Bookings in a virtual room are `shared`, from the room they are now in.
async fn mark_shared(conn: &mut SqliteConnection, tenant: TenantId, batch: &[Uuid]) -> Result<()> {
    for chunk in batch.chunks(CHUNK) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "UPDATE bookings SET shared = EXISTS (SELECT 1 FROM rooms r WHERE r.tenant_id = bookings.tenant_id
                                                   AND r.id = bookings.room_id AND r.kind = 'virtual')
             WHERE tenant_id = ",
        );
        sql.push_bind(tenant.0).push(" AND id IN (");
        let mut ids = sql.separated(", ");
        for id in chunk {
            ids.push_bind(*id);
        }
        sql.push(")");
        sql.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

/// The virtual rooms among the bookings' rooms (each looked up once), with their limits.
async fn virtual_rooms(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    bookings: &[Booking],
) -> Result<HashMap<RoomId, Option<u32>>> {
    let mut rooms: Vec<RoomId> = bookings.iter().map(|b| b.room_id).collect();
    rooms.sort();
    rooms.dedup();
    let mut found = HashMap::new();
    for room in rooms {
        let limit: Option<Option<i64>> =
            sqlx::query_scalar("SELECT max_meetings FROM rooms WHERE tenant_id = $1 AND id = $2 AND kind = 'virtual'")
                .bind(tenant.0)
                .bind(room.0)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?;
        if let Some(limit) = limit {
            found.insert(room, limit.map(|l| u32::try_from(l).unwrap_or(u32::MAX)));
        }
    }
    Ok(found)
}

/// The meeting in the way when a written booking would put its virtual room over its limit.
async fn crowded(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    bookings: &[Booking],
    batch: &[Uuid],
    limits: &HashMap<RoomId, Option<u32>>,
) -> Result<Option<Busy>> {
    for b in bookings.iter().filter(|b| b.is_confirmed()) {
        let Some(Some(limit)) = limits.get(&b.room_id).copied() else { continue };
        let rows: Vec<BusyRow> = sqlx::query_as(
            "SELECT id, room_id, start_at, end_at FROM bookings
             WHERE tenant_id = $1 AND room_id = $2 AND status = 'confirmed' AND end_at > $3 AND start_at < $4",
        )
        .bind(tenant.0)
        .bind(b.room_id.0)
        .bind(b.time.start)
        .bind(b.time.end)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let stored =
            rows.into_iter().filter(|r| !batch.contains(&r.id())).map(Busy::try_from).collect::<Result<Vec<_>>>()?;
        if let Some(busy) = crate::crowding::over_limit(b, limit, &stored, bookings) {
            return Ok(Some(busy));
        }
    }
    Ok(None)
}

async fn insert_rows(conn: &mut SqliteConnection, tenant: TenantId, bookings: &[Booking]) -> Result<()> {
    for chunk in bookings.chunks(CHUNK) {
        let mut sql = QueryBuilder::<Sqlite>::new(format!("INSERT INTO bookings ({COLUMNS}) "));
        sql.push_values(chunk, |mut row, b| {
            let (created_by_type, created_by_id) = actor_columns(&b.created_by);
            row.push_bind(b.id.0)
                .push_bind(tenant.0)
                .push_bind(b.room_id.0)
                .push_bind(b.organizer_id.0)
                .push_bind(&b.title)
                .push_bind(&b.description)
                .push_bind(b.time.start)
                .push_bind(b.time.end)
                .push_bind(b.time_zone.as_str())
                .push_bind(b.google_meet)
                .push_bind(b.status.as_str())
                .push_bind(&b.cancel_reason)
                .push_bind(&b.external_ref)
                .push_bind(to_json(&b.metadata))
                .push_bind(b.series_id.map(|s| s.0))
                .push_bind(b.version)
                .push_bind(created_by_type)
                .push_bind(created_by_id)
                .push_bind(b.created_at)
                .push_bind(b.updated_at)
                .push_bind(b.cancelled_at)
                .push_bind(b.recurrence_id)
                .push_bind(&b.google_event_id)
                .push_bind(&b.meet_link)
                .push_bind(b.reminders.as_ref().map(to_json));
        });
        sql.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

/// Replaces a stored booking whose version is one less than `b`'s, and drops its attendees (the
/// caller writes the new list). Who created it and when never change.
async fn update_booking(conn: &mut SqliteConnection, tenant: TenantId, b: &Booking) -> Result<()> {
    let result = sqlx::query(
        "UPDATE bookings SET room_id = $3, organizer_id = $4, title = $5, description = $6, start_at = $7,
                end_at = $8, time_zone = $9, google_meet = $10, status = $11, cancel_reason = $12,
                external_ref = $13, metadata = $14, series_id = $15, version = $16, updated_at = $17,
                cancelled_at = $18, reminders = $19
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
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM bookings WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(b.id.0)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        return Err(if exists.is_some() { StoreError::VersionMismatch } else { StoreError::NotFound });
    }
    // `+tenant_id`: the booking's own key, never the (tenant, person) index, which without
    // statistics SQLite took, reading every attendee of the tenant (4 s on a year's history).
    sqlx::query("DELETE FROM booking_attendees WHERE +tenant_id = $1 AND booking_id = $2")
        .bind(tenant.0)
        .bind(b.id.0)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

async fn insert_attendees(conn: &mut SqliteConnection, tenant: TenantId, bookings: &[Booking]) -> Result<()> {
    let rows: Vec<_> = bookings
        .iter()
        .flat_map(|b| b.attendees.iter().enumerate().map(move |(position, a)| (b.id, position, a)))
        .collect();
    for chunk in rows.chunks(CHUNK) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "INSERT INTO booking_attendees (tenant_id, booking_id, position, email, email_key, name, user_id) ",
        );
        sql.push_values(chunk, |mut row, (booking, position, a)| {
            let (email, email_key, name, user_id) = attendee_columns(a);
            row.push_bind(tenant.0)
                .push_bind(booking.0)
                .push_bind(i64::try_from(*position).unwrap_or(i64::MAX))
                .push_bind(email)
                .push_bind(email_key)
                .push_bind(name)
                .push_bind(user_id);
        });
        sql.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

/// Deletes the pending timed jobs (`JobKind::TIMED`) of `bookings` (see `BookingWrite::drop_timed_jobs`).
async fn drop_timed_jobs(conn: &mut SqliteConnection, tenant: TenantId, bookings: &[BookingId]) -> Result<()> {
    let kinds = super::kinds_json(&JobKind::TIMED);
    for id in bookings {
        sqlx::query(
            "DELETE FROM jobs WHERE tenant_id = $1 AND booking_id = $2 AND kind IN (SELECT value FROM json_each($3))
             AND status = $4",
        )
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

pub(super) async fn insert_jobs(conn: &mut SqliteConnection, jobs: &[Job]) -> Result<()> {
    for chunk in jobs.chunks(CHUNK) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "INSERT INTO jobs (id, tenant_id, kind, booking_id, payload, run_at, status, attempts, last_error,
                               created_at, updated_at) ",
        );
        sql.push_values(chunk, |mut row, j| {
            row.push_bind(j.id.0)
                .push_bind(j.tenant_id.0)
                .push_bind(j.kind.as_str())
                .push_bind(j.booking_id.map(|b| b.0))
                .push_bind(to_json(&j.payload))
                .push_bind(j.run_at)
                .push_bind(j.status.as_str())
                .push_bind(i64::from(j.attempts))
                .push_bind(&j.last_error)
                .push_bind(j.created_at)
                .push_bind(j.created_at);
        });
        sql.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

/// `StoreError::Attended` when someone has checked in to one of `bookings`. Run after their rows
/// were updated (and so locked): a check-in that came first is visible, one that comes later
/// waits for this write and then finds the booking no longer confirmed.
async fn refuse_if_attended(conn: &mut SqliteConnection, tenant: TenantId, bookings: &[Booking]) -> Result<()> {
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
