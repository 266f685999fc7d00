//! Report rollups as both backends read and write them (migration 0028).

use super::corrupt;
use crate::{Result, StaleMark};
use jiff::civil::Date;
use sala_domain::reports::ReportBooking;
use sala_domain::reports::meetings::{MeetingFacts, MeetingTally};
use sala_domain::reports::people::{OrganizerFacts, merged};
use sala_domain::reports::sizing::SizingSums;
use sala_domain::{BookingStatus, RoomId, TimeRange};
use uuid::Uuid;

/// The hour columns of `report_room_days`, in order.
pub(crate) const HOUR_COLUMNS: [&str; 24] = [
    "h00", "h01", "h02", "h03", "h04", "h05", "h06", "h07", "h08", "h09", "h10", "h11", "h12", "h13", "h14", "h15",
    "h16", "h17", "h18", "h19", "h20", "h21", "h22", "h23",
];

#[derive(sqlx::FromRow)]
pub(crate) struct StaleMarkRow {
    id: i64,
    room_id: Option<Uuid>,
    start_at: Option<i64>,
    end_at: Option<i64>,
}

impl From<StaleMarkRow> for StaleMark {
    fn from(r: StaleMarkRow) -> Self {
        let time = r.start_at.zip(r.end_at).map(|(start, end)| TimeRange { start, end });
        Self { id: r.id, room_id: r.room_id.map(RoomId), time }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct HeldRow {
    status: String,
    start_at: i64,
    end_at: i64,
    updated_at: i64,
}

impl HeldRow {
    pub(crate) fn into_booking(self, room_id: RoomId) -> Result<ReportBooking> {
        let status = BookingStatus::parse(&self.status).map_err(|e| corrupt("booking status", e))?;
        let ended_holding_at = (status == BookingStatus::Released).then_some(self.updated_at);
        Ok(ReportBooking {
            room_id,
            status,
            time: TimeRange { start: self.start_at, end: self.end_at },
            ended_holding_at,
        })
    }
}

/// The room's bookings that held it (not cancelled) overlapping `[$3, $4)`.
pub(crate) const HELD_BOOKINGS: &str = "SELECT status, start_at, end_at, updated_at FROM bookings \
     WHERE tenant_id = $1 AND room_id = $2 AND status <> 'cancelled' AND start_at < $4 AND end_at > $3";

/// A date column as text, whatever the backend stores.
pub(crate) fn parse_date(text: &str) -> Result<Date> {
    text.parse().map_err(|e| corrupt("report date", e))
}

/// A row's hours from the 24 summed columns starting at `first`.
pub(crate) fn hours_of<R: sqlx::Row>(row: &R, first: usize) -> Result<[i64; 24]>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut hours = [0; 24];
    for (h, minutes) in hours.iter_mut().enumerate() {
        *minutes = row.try_get::<Option<i64>, _>(first + h).map_err(|e| corrupt("report hours", e))?.unwrap_or(0);
    }
    Ok(hours)
}

/// `SUM(h00), ..., SUM(h23)`.
pub(crate) fn summed_hours() -> String {
    HOUR_COLUMNS.iter().map(|h| format!("SUM({h})")).collect::<Vec<_>>().join(", ")
}

/// The dates a refresh touched, first to last, if any: the `report_days` rows to rebuild.
pub(crate) fn touched_dates(spans: &[(sala_domain::RoomId, Date, Date)]) -> Option<(Date, Date)> {
    let from = spans.iter().map(|s| s.1).min()?;
    let to = spans.iter().map(|s| s.2).max()?;
    Some((from, to))
}

/// Rebuilds `report_days` for the dates `$2..=$3` from the rooms' rows (`date` is how the backend
/// reads a bound date: `$2` or `$2::date`).
pub(crate) fn rebuild_days_sql(date: impl Fn(u8) -> String) -> [String; 2] {
    let range = format!("tenant_id = $1 AND day BETWEEN {} AND {}", date(2), date(3));
    [
        format!("DELETE FROM report_days WHERE {range}"),
        format!(
            "INSERT INTO report_days (tenant_id, day, weekday, booked, {}) \
             SELECT tenant_id, day, MIN(weekday), SUM(booked), {} FROM report_room_days WHERE {range} \
             GROUP BY tenant_id, day",
            HOUR_COLUMNS.join(", "),
            summed_hours()
        ),
    ]
}

/// The table a range of dates is summed from: every room's, one row a date, or some rooms'.
pub(crate) fn rollup_table(rooms: Option<&[sala_domain::RoomId]>) -> &'static str {
    if rooms.is_some() { "report_room_days" } else { "report_days" }
}

#[derive(sqlx::FromRow)]
pub(crate) struct StartingRow {
    status: String,
    start_at: i64,
    end_at: i64,
    created_at: i64,
    cancelled_at: Option<i64>,
    cancel_reason: Option<String>,
    updated_at: i64,
    invitees: i64,
    external_guests: bool,
    checked_in: bool,
}

impl TryFrom<StartingRow> for MeetingFacts {
    type Error = crate::StoreError;

    fn try_from(r: StartingRow) -> Result<Self> {
        let booking = sala_domain::reports::cancellations::BookingFacts {
            status: BookingStatus::parse(&r.status).map_err(|e| corrupt("booking status", e))?,
            time: TimeRange { start: r.start_at, end: r.end_at },
            created_at: r.created_at,
            cancelled_at: r.cancelled_at,
            cancel_reason: r.cancel_reason,
        };
        Ok(Self {
            booking,
            updated_at: r.updated_at,
            people: u32::try_from(r.invitees.saturating_add(1)).unwrap_or(u32::MAX),
            external_guests: r.external_guests,
            checked_in: r.checked_in,
        })
    }
}

/// The room's bookings, any status, starting in `[$3, $4)`, with their people and check-ins.
pub(crate) const STARTING_BOOKINGS: &str = "SELECT b.status, b.start_at, b.end_at, b.created_at, b.cancelled_at, \
     b.cancel_reason, b.updated_at, \
     (SELECT COUNT(*) FROM booking_attendees a WHERE a.booking_id = b.id) AS invitees, \
     EXISTS (SELECT 1 FROM booking_attendees a WHERE a.booking_id = b.id AND a.user_id IS NULL) AS external_guests, \
     EXISTS (SELECT 1 FROM check_ins c WHERE c.booking_id = b.id) AS checked_in \
     FROM bookings b WHERE b.tenant_id = $1 AND b.room_id = $2 AND b.start_at >= $3 AND b.start_at < $4";

/// The meeting counters of `report_room_day_starts`, in [`meeting_counters`]' order.
pub(crate) const MEETING_COLUMNS: [&str; 10] = [
    "checked_in",
    "meetings",
    "people",
    "peak_people",
    "over_capacity",
    "half_empty",
    "with_external_guests",
    "ghosts",
    "ghost_minutes",
    "held_until",
];

/// A tally's counters in `MEETING_COLUMNS`' order.
pub(crate) fn meeting_counters(t: &MeetingTally) -> [i64; 10] {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    [
        n(t.checked_in),
        n(t.sizing.meetings),
        t.sizing.people,
        i64::from(t.sizing.peak),
        n(t.sizing.over),
        n(t.sizing.half_empty),
        n(t.with_external_guests),
        n(t.ghosts),
        t.ghost_minutes,
        t.held_until,
    ]
}

/// The counters summed over rows, in `MEETING_COLUMNS`' order: peaks and ends are maxima.
/// `cast` turns a sum back into an integer where the backend widens it (PostgreSQL: numeric).
pub(crate) fn summed_meetings(cast: &str) -> String {
    MEETING_COLUMNS
        .iter()
        .map(|c| match *c {
            "peak_people" | "held_until" => format!("COALESCE(MAX({c}), 0)"),
            _ => format!("COALESCE(SUM({c}), 0){cast}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A tally from counters in `MEETING_COLUMNS`' order.
pub(crate) fn meeting_tally_of(c: [i64; 10]) -> MeetingTally {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    MeetingTally {
        checked_in: n(c[0]),
        sizing: SizingSums {
            meetings: n(c[1]),
            people: c[2],
            peak: u32::try_from(c[3]).unwrap_or(0),
            over: n(c[4]),
            half_empty: n(c[5]),
        },
        with_external_guests: n(c[6]),
        ghosts: n(c[7]),
        ghost_minutes: c[8],
        held_until: c[9],
    }
}

/// `N` integer columns of a row from `first` on (`NULL`, as a sum over nothing is: 0).
pub(crate) fn counters_of<R: sqlx::Row, const N: usize>(row: &R, first: usize) -> Result<[i64; N]>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut counters = [0; N];
    for (i, value) in counters.iter_mut().enumerate() {
        *value = row.try_get::<Option<i64>, _>(first + i).map_err(|e| corrupt("report counters", e))?.unwrap_or(0);
    }
    Ok(counters)
}

/// Rebuilds `report_day_starts` and `report_day_reasons` for the dates `$2..=$3` from the rooms'
/// rows, as [`rebuild_days_sql`] does `report_days`.
pub(crate) fn rebuild_day_starts_sql(date: impl Fn(u8) -> String) -> [String; 4] {
    let range = format!("tenant_id = $1 AND day BETWEEN {} AND {}", date(2), date(3));
    let summed: Vec<String> = START_COLUMNS.iter().map(|c| format!("SUM({c})")).collect();
    [
        format!("DELETE FROM report_day_starts WHERE {range}"),
        format!(
            "INSERT INTO report_day_starts (tenant_id, day, {}, meetings, with_external_guests) \
             SELECT tenant_id, day, {}, SUM(meetings), SUM(with_external_guests) FROM report_room_day_starts \
             WHERE {range} GROUP BY tenant_id, day",
            START_COLUMNS.join(", "),
            summed.join(", ")
        ),
        format!("DELETE FROM report_day_reasons WHERE {range}"),
        format!(
            "INSERT INTO report_day_reasons (tenant_id, day, reason, count) \
             SELECT tenant_id, day, reason, SUM(count) FROM report_room_day_reasons WHERE {range} \
             GROUP BY tenant_id, day, reason"
        ),
    ]
}

/// The tables a range of start tallies is summed from: every room's, one row a date, or some
/// rooms'.
pub(crate) fn starts_tables(rooms: Option<&[sala_domain::RoomId]>) -> (&'static str, &'static str) {
    if rooms.is_some() {
        ("report_room_day_starts", "report_room_day_reasons")
    } else {
        ("report_day_starts", "report_day_reasons")
    }
}

/// The counters of `report_room_day_starts`, in `Tally`'s order.
pub(crate) const START_COLUMNS: [&str; 9] = [
    "bookings",
    "cancelled",
    "after_start",
    "under_an_hour",
    "under_a_day",
    "under_a_week",
    "a_week_or_more",
    "lead_ms",
    "length_ms",
];

/// A tally's counters in `START_COLUMNS`' order.
pub(crate) fn start_counters(t: &sala_domain::reports::cancellations::Tally) -> [i64; 9] {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    [
        n(t.bookings),
        n(t.cancelled),
        n(t.notices[0]),
        n(t.notices[1]),
        n(t.notices[2]),
        n(t.notices[3]),
        n(t.notices[4]),
        t.lead_ms,
        t.length_ms,
    ]
}

/// A tally from counters in `START_COLUMNS`' order (reasons apart).
pub(crate) fn tally_of(c: [i64; 9]) -> sala_domain::reports::cancellations::Tally {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    sala_domain::reports::cancellations::Tally {
        bookings: n(c[0]),
        cancelled: n(c[1]),
        notices: [n(c[2]), n(c[3]), n(c[4]), n(c[5]), n(c[6])],
        lead_ms: c[7],
        length_ms: c[8],
        reasons: Default::default(),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrganizerFactsRow {
    organizer_id: Uuid,
    status: String,
    start_at: i64,
    end_at: i64,
    updated_at: i64,
}

impl TryFrom<OrganizerFactsRow> for OrganizerFacts {
    type Error = crate::StoreError;

    fn try_from(r: OrganizerFactsRow) -> Result<Self> {
        Ok(Self {
            organizer_id: sala_domain::UserId(r.organizer_id),
            status: BookingStatus::parse(&r.status).map_err(|e| corrupt("booking status", e))?,
            time: TimeRange { start: r.start_at, end: r.end_at },
            updated_at: r.updated_at,
        })
    }
}

/// The tenant's meetings (not cancelled) starting in `[$2, $3)`, as the top organizers count them.
pub(crate) const ORGANIZER_FACTS: &str = "SELECT organizer_id, status, start_at, end_at, updated_at FROM bookings \
     WHERE tenant_id = $1 AND start_at >= $2 AND start_at < $3 AND status <> 'cancelled'";

/// The first and the last start of the tenant's bookings.
pub(crate) const TENANT_STARTS: &str = "SELECT MIN(start_at), MAX(start_at) FROM bookings WHERE tenant_id = $1";

/// The months (their first days) whose sums the runs of dates touch, merged.
pub(crate) fn touched_months(runs: &[(Date, Date)]) -> Vec<(Date, Date)> {
    let whole_months = runs.iter().map(|(a, b)| (a.first_of_month(), b.last_of_month()));
    merged(whole_months).into_iter().map(|(first, last)| (first, last.first_of_month())).collect()
}

/// Rebuilds `report_organizer_months` for the months `$2..=$3` (first days) from the days of
/// `$2..=$4` (`$4`: the last day of the month `$3`); `month_of` is how the backend writes a day's
/// month.
pub(crate) fn rebuild_organizer_months_sql(date: impl Fn(u8) -> String, month_of: &str) -> [String; 2] {
    [
        format!(
            "DELETE FROM report_organizer_months WHERE tenant_id = $1 AND month BETWEEN {} AND {}",
            date(2),
            date(3)
        ),
        format!(
            "INSERT INTO report_organizer_months (tenant_id, month, organizer_id, meetings, minutes) \
             SELECT tenant_id, {month_of}, organizer_id, SUM(meetings), SUM(minutes) FROM report_organizer_days \
             WHERE tenant_id = $1 AND day BETWEEN {} AND {} GROUP BY tenant_id, {month_of}, organizer_id",
            date(2),
            date(4)
        ),
    ]
}

/// Organizers' sums merged: from several queries (months and days) into one row each.
pub(crate) fn merge_organizer_sums(parts: Vec<Vec<(Uuid, i64, i64)>>) -> Vec<(sala_domain::UserId, u64, i64)> {
    let mut sums: std::collections::HashMap<Uuid, (i64, i64)> = Default::default();
    for (organizer, meetings, minutes) in parts.into_iter().flatten() {
        let sum = sums.entry(organizer).or_default();
        sum.0 += meetings;
        sum.1 += minutes;
    }
    sums.into_iter()
        .map(|(id, (meetings, minutes))| (sala_domain::UserId(id), u64::try_from(meetings).unwrap_or(0), minutes))
        .collect()
}
