//! Rows as both backends read them, and their conversion to domain types, one module per aggregate;
//! here the helpers they share (errors for bad rows, JSON text columns, actor columns, LIKE patterns).
//!
//! Columns are plain (uuid, text, integer, boolean) so one `FromRow` serves SQLite and PostgreSQL.
//! Instants are Unix milliseconds; lists and structured values are JSON text. Anything that fails
//! to convert is reported as `Corrupt`: it was validated on the way in, so it means a bad row.

mod attendance;
mod audit;
mod auth;
mod bookings;
mod feeds;
mod google;
mod jobs;
mod reports;
mod rooms;
mod tenants;
mod users;
mod watches;
mod webhooks;

pub(crate) use attendance::{CheckInRow, KIOSK_COLUMNS, KioskRow, ReplyRow};
pub(crate) use audit::{
    AuditRow, INSERT_CHUNK, INVITE_HOUR, INVITED_GUESTS_SQL, PURGE_INVITE_COUNTERS_SQL, first_kept_hour,
    insert_entries, invite_counter,
};
pub(crate) use auth::{ApiKeyRow, LoginFlowRow, SessionRow};
pub(crate) use bookings::{
    AttendeeRow, BookingRow, BusyRow, IdempotencyRow, SeriesRow, attendee_columns, bookings_with_attendees, check_write,
};
pub(crate) use feeds::{FEED_COLUMNS, FeedRow};
pub(crate) use google::{CalendarStateRow, GoogleConnectionRow};
pub(crate) use jobs::{
    BURY_JOB, COMPLETE_JOB, DELIVERIES_SINCE, DeliveryCountRow, DeliveryRow, JOB_QUEUES, JobQueueRow, JobRow,
    OutboxRow, RETRY_JOB, delivery_count, job_queue, lease_held, truncated_error,
};
pub(crate) use reports::{
    HELD_BOOKINGS, HOUR_COLUMNS, HeldRow, MEETING_COLUMNS, ORGANIZER_FACTS, OrganizerFactsRow, START_COLUMNS,
    STARTING_BOOKINGS, StaleMarkRow, StartingRow, TENANT_STARTS, counters_of, hours_of, meeting_counters,
    meeting_tally_of, merge_organizer_sums, parse_date, rebuild_day_starts_sql, rebuild_days_sql,
    rebuild_organizer_months_sql, rollup_table, start_counters, starts_tables, summed_hours, summed_meetings, tally_of,
    touched_dates, touched_months,
};
pub(crate) use rooms::RoomRow;
pub(crate) use tenants::TenantRow;
pub(crate) use users::{MARK_WEEKLY_REPORT_SQL, USER_COLUMNS, UserRow, weekly_report_admins_sql};
pub(crate) use watches::{CalendarWatchRow, HOLD_WATCH, RELEASE_WATCH, UPSERT_WATCH, WATCH_COLUMNS};
pub(crate) use webhooks::WebhookRow;

use crate::StoreError;
use sala_domain::{Actor, ApiKeyId, UserId};
use uuid::Uuid;

fn corrupt(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {err}"))
}

fn json_text<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

/// Serializes a value for a JSON text column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serializing plain domain structs cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// How an actor is stored: a kind column and an optional id column.
pub(crate) fn actor_columns(actor: &Actor) -> (&'static str, Option<Uuid>) {
    (actor.kind(), actor.id())
}

fn actor_from_columns(kind: &str, id: Option<Uuid>) -> Result<Actor, StoreError> {
    match (kind, id) {
        ("user", Some(id)) => Ok(Actor::User(UserId(id))),
        ("api_key", Some(id)) => Ok(Actor::ApiKey(ApiKeyId(id))),
        ("system", _) => Ok(Actor::System),
        _ => Err(corrupt("actor", kind)),
    }
}

/// Escapes `%`, `_` and `\` so user text is matched literally inside a LIKE pattern (`ESCAPE '\'`).
pub(crate) fn like_contains(text: &str) -> String {
    format!("%{}%", like_escape(text))
}

/// The pattern for "starts with", escaped the same way.
pub(crate) fn like_prefix(text: &str) -> String {
    format!("{}%", like_escape(text))
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// The last migration this build embeds.
pub(crate) fn last_migration(migrator: &sqlx::migrate::Migrator) -> i64 {
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}
