//! Calendar feeds as both backends read them.

use super::{actor_from_columns, corrupt};
use crate::StoreError;
use sala_domain::{FeedId, FeedScope, RoomId, TenantId};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct FeedRow {
    id: Uuid,
    tenant_id: Uuid,
    scope: String,
    room_id: Option<Uuid>,
    token_hash: String,
    created_by_type: String,
    created_by_id: Option<Uuid>,
    created_at: i64,
}

impl TryFrom<FeedRow> for sala_domain::Feed {
    type Error = StoreError;
    fn try_from(r: FeedRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: FeedId(r.id),
            tenant_id: TenantId(r.tenant_id),
            scope: FeedScope::parse(&r.scope).ok_or_else(|| corrupt("feed scope", &r.scope))?,
            room_id: r.room_id.map(RoomId),
            token_hash: r.token_hash,
            created_by: actor_from_columns(&r.created_by_type, r.created_by_id)?,
            created_at: r.created_at,
        })
    }
}

/// The columns every feed query reads, in `FeedRow`'s order.
pub(crate) const FEED_COLUMNS: &str =
    "id, tenant_id, scope, room_id, token_hash, created_by_type, created_by_id, created_at";
