//! Calendar watches as both backends read them.

use sala_domain::google::CalendarWatch;
use sala_domain::{TenantId, UserId};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct CalendarWatchRow {
    tenant_id: Uuid,
    user_id: Uuid,
    channel_id: Option<String>,
    token_hash: Option<String>,
    resource_id: Option<String>,
    expires_at: Option<i64>,
    cursor: Option<String>,
    synced_at: Option<i64>,
    created_at: i64,
}

impl From<CalendarWatchRow> for CalendarWatch {
    fn from(r: CalendarWatchRow) -> Self {
        Self {
            tenant_id: TenantId(r.tenant_id),
            user_id: UserId(r.user_id),
            channel_id: r.channel_id,
            token_hash: r.token_hash,
            resource_id: r.resource_id,
            expires_at: r.expires_at,
            cursor: r.cursor,
            synced_at: r.synced_at,
            created_at: r.created_at,
        }
    }
}

/// The columns every watch query reads, in `CalendarWatchRow`'s order.
pub(crate) const WATCH_COLUMNS: &str =
    "tenant_id, user_id, channel_id, token_hash, resource_id, expires_at, cursor, synced_at, created_at";

/// Creates or replaces a person's watch (both backends take this statement as it is).
pub(crate) const UPSERT_WATCH: &str = "INSERT INTO calendar_watches
        (tenant_id, user_id, channel_id, token_hash, resource_id, expires_at, cursor, synced_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_id, user_id) DO UPDATE SET channel_id = excluded.channel_id,
         token_hash = excluded.token_hash, resource_id = excluded.resource_id, expires_at = excluded.expires_at,
         cursor = excluded.cursor, synced_at = excluded.synced_at";

/// Holds a person's watch for one calendar read until `$3`, unless another read holds it past
/// `$4` (now).
pub(crate) const HOLD_WATCH: &str = "UPDATE calendar_watches SET pulling_until = $3 \
     WHERE tenant_id = $1 AND user_id = $2 AND (pulling_until IS NULL OR pulling_until <= $4)";

/// Lets the watch go, if this read's hold (until `$3`) is still the one on it.
pub(crate) const RELEASE_WATCH: &str =
    "UPDATE calendar_watches SET pulling_until = NULL WHERE tenant_id = $1 AND user_id = $2 AND pulling_until = $3";
