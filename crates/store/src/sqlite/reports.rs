//! Report rollups on SQLite: dates are `YYYY-MM-DD` text, which sorts as the dates do.

use super::{SqliteStore, db};
use crate::records::{
    HELD_BOOKINGS, HOUR_COLUMNS, HeldRow, MEETING_COLUMNS, ORGANIZER_FACTS, OrganizerFactsRow, START_COLUMNS,
    STARTING_BOOKINGS, StaleMarkRow, StartingRow, TENANT_STARTS, counters_of, hours_of, meeting_counters,
    meeting_tally_of, merge_organizer_sums, parse_date, rebuild_day_starts_sql, rebuild_days_sql,
    rebuild_organizer_months_sql, rollup_table, start_counters, starts_tables, summed_hours, summed_meetings, tally_of,
    touched_dates, touched_months,
};
use crate::{ReportStore, Result, RollupDates, RollupRefresh, StaleMark};
use async_trait::async_trait;
use jiff::civil::Date;
use sala_domain::reports::DateRange;
use sala_domain::reports::ReportBooking;
use sala_domain::reports::cancellations::Tally;
use sala_domain::reports::meetings::{MeetingFacts, MeetingTally};
use sala_domain::reports::people::{OrganizerDay, OrganizerFacts, month_split};
use sala_domain::reports::rollup::{RoomDay, RoomDayStarts};
use sala_domain::{Millis, RoomId, TenantId, TimeRange, UserId};
use sqlx::{QueryBuilder, Row, Sqlite};

/// Rows per INSERT: 29 values each, well under SQLite's 32766 variables.
const ROWS_PER_INSERT: usize = 500;

/// `WHERE` of a range of rollup rows, binding `$1..$3` (and `$4...`, the rooms, when only some).
fn range_filter(dates: &RollupDates) -> String {
    let range = "tenant_id = $1 AND day BETWEEN $2 AND $3";
    match dates.rooms {
        // `IN (NULL)` matches no room.
        Some([]) => format!("{range} AND room_id IN (NULL)"),
        Some(rooms) => {
            let marks: Vec<String> = (0..rooms.len()).map(|i| format!("${}", i + 4)).collect();
            format!("{range} AND room_id IN ({})", marks.join(", "))
        }
        None => range.to_owned(),
    }
}

/// The parameters [`range_filter`] binds.
fn range_parameters(dates: &RollupDates) -> usize {
    3 + dates.rooms.map_or(0, <[RoomId]>::len)
}

fn bind_range<'q, O>(
    query: sqlx::query::QueryAs<'q, Sqlite, O, sqlx::sqlite::SqliteArguments>,
    tenant: TenantId,
    dates: &RollupDates,
) -> sqlx::query::QueryAs<'q, Sqlite, O, sqlx::sqlite::SqliteArguments> {
    let query = query.bind(tenant.0).bind(dates.from.to_string()).bind(dates.to.to_string());
    dates.rooms.unwrap_or_default().iter().fold(query, |query, room| query.bind(room.0))
}

fn bind_rows<'q>(
    query: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>,
    tenant: TenantId,
    dates: &RollupDates,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments> {
    let query = query.bind(tenant.0).bind(dates.from.to_string()).bind(dates.to.to_string());
    dates.rooms.unwrap_or_default().iter().fold(query, |query, room| query.bind(room.0))
}

#[async_trait]
impl ReportStore for SqliteStore {
    async fn tenants_with_report_marks(&self, limit: u32) -> Result<Vec<TenantId>> {
        let rows: Vec<(uuid::Uuid,)> = sqlx::query_as("SELECT DISTINCT tenant_id FROM report_stale LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        Ok(rows.into_iter().map(|(id,)| TenantId(id)).collect())
    }

    async fn report_marks(&self, tenant: TenantId, limit: u32) -> Result<Vec<StaleMark>> {
        let rows: Vec<StaleMarkRow> = sqlx::query_as(
            "SELECT id, room_id, start_at, end_at FROM report_stale WHERE tenant_id = $1 ORDER BY id LIMIT $2",
        )
        .bind(tenant.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn room_booking_span(&self, tenant: TenantId, room: RoomId) -> Result<Option<TimeRange>> {
        let (start, end): (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT MIN(start_at), MAX(end_at) FROM bookings WHERE tenant_id = $1 AND room_id = $2")
                .bind(tenant.0)
                .bind(room.0)
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
        Ok(start.zip(end).map(|(start, end)| TimeRange { start, end }))
    }

    async fn held_bookings(&self, tenant: TenantId, room: RoomId, window: TimeRange) -> Result<Vec<ReportBooking>> {
        let rows: Vec<HeldRow> = sqlx::query_as(HELD_BOOKINGS)
            .bind(tenant.0)
            .bind(room.0)
            .bind(window.start)
            .bind(window.end)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(|r| r.into_booking(room)).collect()
    }

    async fn starting_bookings(&self, tenant: TenantId, room: RoomId, window: TimeRange) -> Result<Vec<MeetingFacts>> {
        let rows: Vec<StartingRow> = sqlx::query_as(STARTING_BOOKINGS)
            .bind(tenant.0)
            .bind(room.0)
            .bind(window.start)
            .bind(window.end)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn starts_tally(&self, tenant: TenantId, dates: RollupDates<'_>) -> Result<Tally> {
        let (starts, reasons) = starts_tables(dates.rooms);
        let sums: Vec<String> = START_COLUMNS.iter().map(|c| format!("COALESCE(SUM({c}), 0)")).collect();
        let sql = format!("SELECT {} FROM {starts} WHERE {}", sums.join(", "), range_filter(&dates));
        let row =
            bind_rows(sqlx::query(sqlx::AssertSqlSafe(sql)), tenant, &dates).fetch_one(&self.pool).await.map_err(db)?;
        let mut tally = tally_of(counters_of(&row, 0)?);
        let sql = format!("SELECT reason, SUM(count) FROM {reasons} WHERE {} GROUP BY reason", range_filter(&dates));
        let reasons: Vec<(String, i64)> = bind_range(sqlx::query_as(sqlx::AssertSqlSafe(sql)), tenant, &dates)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        tally.reasons = reasons.into_iter().map(|(reason, n)| (reason, u64::try_from(n).unwrap_or(0))).collect();
        Ok(tally)
    }

    async fn meetings_by_room(&self, tenant: TenantId, dates: RollupDates<'_>) -> Result<Vec<(RoomId, MeetingTally)>> {
        let sql = format!(
            "SELECT room_id, {} FROM report_room_day_starts WHERE {} GROUP BY room_id",
            summed_meetings(""),
            range_filter(&dates)
        );
        let rows =
            bind_rows(sqlx::query(sqlx::AssertSqlSafe(sql)), tenant, &dates).fetch_all(&self.pool).await.map_err(db)?;
        rows.iter()
            .map(|row| {
                let room: uuid::Uuid = row.try_get(0).map_err(db)?;
                Ok((RoomId(room), meeting_tally_of(counters_of(row, 1)?)))
            })
            .collect()
    }

    async fn guest_sums(&self, tenant: TenantId, dates: RollupDates<'_>) -> Result<(u64, u64)> {
        let sql = format!(
            "SELECT COALESCE(SUM(meetings), 0), COALESCE(SUM(with_external_guests), 0) FROM {} WHERE {}",
            starts_tables(dates.rooms).0,
            range_filter(&dates)
        );
        let (meetings, with): (i64, i64) = bind_range(sqlx::query_as(sqlx::AssertSqlSafe(sql)), tenant, &dates)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok((u64::try_from(meetings).unwrap_or(0), u64::try_from(with).unwrap_or(0)))
    }

    async fn first_unsettled_date(
        &self,
        tenant: TenantId,
        dates: RollupDates<'_>,
        now: Millis,
    ) -> Result<Option<Date>> {
        // Now comes after the range's parameters.
        let now_at = range_parameters(&dates) + 1;
        let sql = format!(
            // The meetings still holding their rooms are few: read them by that, not by date.
            "SELECT MIN(day) FROM report_room_day_starts INDEXED BY report_room_day_starts_open \
             WHERE {} AND held_until > ${now_at}",
            range_filter(&dates)
        );
        let (first,): (Option<String>,) = bind_range(sqlx::query_as(sqlx::AssertSqlSafe(sql)), tenant, &dates)
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        first.as_deref().map(parse_date).transpose()
    }

    async fn organizer_facts(&self, tenant: TenantId, window: TimeRange) -> Result<Vec<OrganizerFacts>> {
        let rows: Vec<OrganizerFactsRow> = sqlx::query_as(ORGANIZER_FACTS)
            .bind(tenant.0)
            .bind(window.start)
            .bind(window.end)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn tenant_booking_starts(&self, tenant: TenantId) -> Result<Option<TimeRange>> {
        let (first, last): (Option<i64>, Option<i64>) =
            sqlx::query_as(TENANT_STARTS).bind(tenant.0).fetch_one(&self.pool).await.map_err(db)?;
        Ok(first.zip(last).map(|(start, end)| TimeRange { start, end }))
    }

    async fn meetings_by_organizer(&self, tenant: TenantId, from: Date, to: Date) -> Result<Vec<(UserId, u64, i64)>> {
        let Ok(range) = DateRange::new(from, to) else { return Ok(Vec::new()) };
        let (months, days) = month_split(range);
        let tables = months.map(|m| ("report_organizer_months", "month", m)).into_iter();
        let mut parts = Vec::new();
        for (table, column, (first, last)) in
            tables.chain(days.into_iter().map(|d| ("report_organizer_days", "day", d)))
        {
            let sql = format!(
                "SELECT organizer_id, SUM(meetings), SUM(minutes) FROM {table} \
                 WHERE tenant_id = $1 AND {column} BETWEEN $2 AND $3 GROUP BY organizer_id"
            );
            parts.push(
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(tenant.0)
                    .bind(first.to_string())
                    .bind(last.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?,
            );
        }
        Ok(merge_organizer_sums(parts))
    }

    async fn apply_rollup_refresh(&self, tenant: TenantId, refresh: RollupRefresh<'_>) -> Result<bool> {
        let mut tx = self.write().await?;
        let marks = serde_json::to_string(refresh.marks).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let taken =
            sqlx::query("DELETE FROM report_stale WHERE tenant_id = $1 AND id IN (SELECT value FROM json_each($2))")
                .bind(tenant.0)
                .bind(marks)
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
        if taken != refresh.marks.len() as u64 {
            return Ok(false);
        }
        for (room, from, to) in refresh.spans {
            for table in ["report_room_days", "report_room_day_starts", "report_room_day_reasons"] {
                let sql =
                    format!("DELETE FROM {table} WHERE tenant_id = $1 AND room_id = $2 AND day BETWEEN $3 AND $4");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(tenant.0)
                    .bind(room.0)
                    .bind(from.to_string())
                    .bind(to.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
        }
        for chunk in refresh.days.chunks(ROWS_PER_INSERT) {
            insert_days(tenant, chunk).build().execute(&mut *tx).await.map_err(db)?;
        }
        for chunk in refresh.starts.chunks(ROWS_PER_INSERT) {
            insert_starts(tenant, chunk).build().execute(&mut *tx).await.map_err(db)?;
        }
        let reasons: Vec<(&RoomDayStarts, &String, u64)> =
            refresh.starts.iter().flat_map(|s| s.tally.reasons.iter().map(move |(r, n)| (s, r, *n))).collect();
        for chunk in reasons.chunks(ROWS_PER_INSERT) {
            insert_reasons(tenant, chunk).build().execute(&mut *tx).await.map_err(db)?;
        }
        if let Some((from, to)) = touched_dates(refresh.spans) {
            let date = |n: u8| format!("${n}");
            for sql in rebuild_days_sql(date).into_iter().chain(rebuild_day_starts_sql(date)) {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(tenant.0)
                    .bind(from.to_string())
                    .bind(to.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
        }
        for (from, to) in refresh.organizer_runs {
            sqlx::query("DELETE FROM report_organizer_days WHERE tenant_id = $1 AND day BETWEEN $2 AND $3")
                .bind(tenant.0)
                .bind(from.to_string())
                .bind(to.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        for chunk in refresh.organizer_days.chunks(ROWS_PER_INSERT) {
            insert_organizer_days(tenant, chunk).build().execute(&mut *tx).await.map_err(db)?;
        }
        for (first, last) in touched_months(refresh.organizer_runs) {
            for sql in rebuild_organizer_months_sql(|n: u8| format!("${n}"), "substr(day, 1, 8) || '01'") {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(tenant.0)
                    .bind(first.to_string())
                    .bind(last.to_string())
                    .bind(last.last_of_month().to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn booked_by_room(&self, tenant: TenantId, dates: RollupDates<'_>) -> Result<Vec<(RoomId, i64)>> {
        let sql = format!(
            "SELECT room_id, SUM(booked) FROM report_room_days WHERE {} GROUP BY room_id",
            range_filter(&dates)
        );
        let rows: Vec<(uuid::Uuid, i64)> = bind_range(sqlx::query_as(sqlx::AssertSqlSafe(sql)), tenant, &dates)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        Ok(rows.into_iter().map(|(room, booked)| (RoomId(room), booked)).collect())
    }

    async fn booked_by_day(&self, tenant: TenantId, dates: RollupDates<'_>) -> Result<Vec<(Date, i64)>> {
        let sql = format!(
            "SELECT day, SUM(booked) FROM {} WHERE {} GROUP BY day",
            rollup_table(dates.rooms),
            range_filter(&dates)
        );
        let rows: Vec<(String, i64)> = bind_range(sqlx::query_as(sqlx::AssertSqlSafe(sql)), tenant, &dates)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(|(day, booked)| Ok((parse_date(&day)?, booked))).collect()
    }

    async fn booked_by_weekday_hour(&self, tenant: TenantId, dates: RollupDates<'_>) -> Result<[[i64; 24]; 7]> {
        let sql = format!(
            "SELECT weekday, {} FROM {} WHERE {} GROUP BY weekday",
            summed_hours(),
            rollup_table(dates.rooms),
            range_filter(&dates)
        );
        let rows =
            bind_rows(sqlx::query(sqlx::AssertSqlSafe(sql)), tenant, &dates).fetch_all(&self.pool).await.map_err(db)?;
        let mut sums = [[0; 24]; 7];
        for row in rows {
            let weekday: i64 = row.try_get(0).map_err(db)?;
            if let Some(day) = usize::try_from(weekday).ok().and_then(|d| sums.get_mut(d)) {
                *day = hours_of(&row, 1)?;
            }
        }
        Ok(sums)
    }

    async fn booked_by_room_day(&self, tenant: TenantId, dates: RollupDates<'_>) -> Result<Vec<(RoomId, Date, i64)>> {
        let sql = format!(
            "SELECT room_id, day, booked FROM report_room_days WHERE {} ORDER BY day, room_id",
            range_filter(&dates)
        );
        let rows: Vec<(uuid::Uuid, String, i64)> = bind_range(sqlx::query_as(sqlx::AssertSqlSafe(sql)), tenant, &dates)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(|(room, day, booked)| Ok((RoomId(room), parse_date(&day)?, booked))).collect()
    }
}

fn insert_days(tenant: TenantId, days: &[RoomDay]) -> QueryBuilder<Sqlite> {
    let mut insert = QueryBuilder::new(format!(
        "INSERT INTO report_room_days (tenant_id, room_id, day, weekday, booked, {}) ",
        HOUR_COLUMNS.join(", ")
    ));
    insert.push_values(days, |mut row, day| {
        row.push_bind(tenant.0)
            .push_bind(day.room_id.0)
            .push_bind(day.date.to_string())
            .push_bind(i64::from(day.weekday()))
            .push_bind(day.booked());
        for minutes in day.booked_by_hour {
            row.push_bind(minutes);
        }
    });
    insert
}

fn insert_starts(tenant: TenantId, starts: &[RoomDayStarts]) -> QueryBuilder<Sqlite> {
    let mut insert = QueryBuilder::new(format!(
        "INSERT INTO report_room_day_starts (tenant_id, room_id, day, {}, {}) ",
        START_COLUMNS.join(", "),
        MEETING_COLUMNS.join(", ")
    ));
    insert.push_values(starts, |mut row, s| {
        row.push_bind(tenant.0).push_bind(s.room_id.0).push_bind(s.date.to_string());
        for counter in start_counters(&s.tally).into_iter().chain(meeting_counters(&s.meetings)) {
            row.push_bind(counter);
        }
    });
    insert
}

fn insert_reasons(tenant: TenantId, reasons: &[(&RoomDayStarts, &String, u64)]) -> QueryBuilder<Sqlite> {
    let mut insert = QueryBuilder::new("INSERT INTO report_room_day_reasons (tenant_id, room_id, day, reason, count) ");
    insert.push_values(reasons, |mut row, (s, reason, count)| {
        row.push_bind(tenant.0)
            .push_bind(s.room_id.0)
            .push_bind(s.date.to_string())
            .push_bind((*reason).clone())
            .push_bind(i64::try_from(*count).unwrap_or(i64::MAX));
    });
    insert
}

fn insert_organizer_days(tenant: TenantId, days: &[OrganizerDay]) -> QueryBuilder<Sqlite> {
    let mut insert =
        QueryBuilder::new("INSERT INTO report_organizer_days (tenant_id, day, organizer_id, meetings, minutes) ");
    insert.push_values(days, |mut row, d| {
        row.push_bind(tenant.0)
            .push_bind(d.date.to_string())
            .push_bind(d.organizer_id.0)
            .push_bind(i64::try_from(d.meetings).unwrap_or(i64::MAX))
            .push_bind(d.minutes);
    });
    insert
}
