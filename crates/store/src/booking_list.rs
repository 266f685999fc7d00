//! The SQL of `Store::list_bookings`, one text for both databases.
//!
//! A window's bookings are those with `end_at > from` (and `start_at < to`). No index on the start
//! bounds `end_at > from`: scanning (tenant, start) or (tenant, room, start) up to `to` read the
//! whole history before the window and threw it away (a year of a room: 2,098 rows read for one
//! day). So the query is two arms with the same filters: bookings starting at most
//! [`LONG_BOOKING_MS`] before `from` (which every booking up to that long reaching into the window
//! does), on the start indexes; and longer ones starting before that, on their own partial index
//! `bookings_long` (migration 0034). Together they are every booking ending after `from`, once.

use crate::BookingQuery;
use sala_domain::TenantId;
use sqlx::{Database, Encode, QueryBuilder, Type};
use uuid::Uuid;

/// Bookings longer than this (a day) are "long": indexed by `bookings_long`, whose `WHERE` holds
/// the same number written out (a partial index serves only queries that repeat its condition).
pub(crate) const LONG_BOOKING_MS: i64 = 86_400_000;

/// `SELECT columns ... ORDER BY start_at, id LIMIT` for `q`. `long_from` is the long arm's `FROM`
/// (SQLite names the partial index there: without statistics it preferred the start index).
pub(crate) fn list_query<DB>(columns: &str, long_from: &str, tenant: TenantId, q: &BookingQuery) -> QueryBuilder<DB>
where
    DB: Database,
    for<'t> Uuid: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
{
    let limit = i64::from(q.limit.clamp(1, 500));
    let mut sql = QueryBuilder::new("");
    match q.from {
        None => push_arm(&mut sql, columns, "bookings", tenant, q, None),
        Some(from) => {
            let since = from.saturating_sub(LONG_BOOKING_MS);
            sql.push("SELECT * FROM (");
            push_arm(&mut sql, columns, "bookings", tenant, q, None);
            sql.push(" AND start_at >= ").push_bind(since);
            push_order(&mut sql, limit);
            sql.push(") AS short_ones UNION ALL SELECT * FROM (");
            push_arm(&mut sql, columns, long_from, tenant, q, Some(LONG_BOOKING_MS));
            // Not ordered here: ordered, PostgreSQL's generic plan (from a statement's sixth run)
            // took the start index to skip a sort of a handful of rows, and read the whole history
            // (148 ms instead of 1.3).
            sql.push(" AND start_at < ").push_bind(since);
            sql.push(") AS long_ones");
        }
    }
    push_order(&mut sql, limit);
    sql
}

/// `SELECT columns FROM table WHERE` the query's filters; `longer_than` adds the partial index's
/// condition, as a literal.
fn push_arm<DB>(
    sql: &mut QueryBuilder<DB>,
    columns: &str,
    table: &str,
    tenant: TenantId,
    q: &BookingQuery,
    longer_than: Option<i64>,
) where
    DB: Database,
    for<'t> Uuid: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
{
    sql.push(format!("SELECT {columns} FROM {table} WHERE tenant_id = ")).push_bind(tenant.0);
    if let Some(ms) = longer_than {
        sql.push(format!(" AND end_at - start_at > {ms}"));
    }
    // Only the filters given go into the SQL, so the planner can use the index that fits.
    if let Some(from) = q.from {
        sql.push(" AND end_at > ").push_bind(from);
    }
    if let Some(to) = q.to {
        sql.push(" AND start_at < ").push_bind(to);
    }
    if let Some(room) = q.room_id {
        sql.push(" AND room_id = ").push_bind(room.0);
    }
    if let Some(organizer) = q.organizer_id {
        sql.push(" AND organizer_id = ").push_bind(organizer.0);
    }
    if let Some(status) = q.status {
        sql.push(" AND status = ").push_bind(status.as_str().to_owned());
    }
    if let Some(series) = q.series_id {
        sql.push(" AND series_id = ").push_bind(series.0);
    }
    if let Some(external_ref) = &q.external_ref {
        sql.push(" AND external_ref = ").push_bind(external_ref.clone());
    }
    if let Some(person) = q.involving {
        sql.push(" AND (organizer_id = ").push_bind(person.0);
        sql.push(" OR id IN (SELECT booking_id FROM booking_attendees WHERE tenant_id = ").push_bind(tenant.0);
        sql.push(" AND user_id = ").push_bind(person.0).push("))");
    }
    if let Some((start, id)) = q.after {
        sql.push(" AND (start_at, id) > (").push_bind(start).push(", ").push_bind(id.0).push(")");
    }
}

fn push_order<DB>(sql: &mut QueryBuilder<DB>, limit: i64)
where
    DB: Database,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
{
    sql.push(" ORDER BY start_at, id LIMIT ").push_bind(limit);
}
