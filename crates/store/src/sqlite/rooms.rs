//! Rooms on SQLite.

use super::{SqliteStore, audit, db, one_row};
use crate::records::{RoomRow, to_json};
use crate::{Result, RoomStore};
use async_trait::async_trait;
use sala_domain::{AuditEntry, Room, RoomId, TenantId};

const COLUMNS: &str = "id, tenant_id, name, capacity, location, equipment, kind, max_meetings, video_link,
                       google_calendar, active, bookable_hours, booking_rules, created_at, updated_at";

#[async_trait]
impl RoomStore for SqliteStore {
    async fn insert_room(&self, r: &Room, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO rooms (id, tenant_id, name, name_key, capacity, location, equipment, kind, google_calendar,
                                active, bookable_hours, created_at, updated_at, booking_rules, max_meetings, video_link)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(r.id.0)
        .bind(r.tenant_id.0)
        .bind(&r.name)
        .bind(r.name_key())
        .bind(i64::from(r.capacity))
        .bind(&r.location)
        .bind(to_json(&r.equipment))
        .bind(r.kind.as_str())
        .bind(r.google_calendar.as_ref().map(|c| c.as_str()))
        .bind(r.active)
        .bind(r.bookable_hours.as_ref().map(to_json))
        .bind(r.created_at)
        .bind(r.updated_at)
        .bind(to_json(&r.rules))
        .bind(max_meetings(r))
        .bind(&r.video_link)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn update_room(&self, r: &Room, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.write().await?;
        let result = sqlx::query(
            "UPDATE rooms SET name = $3, name_key = $4, capacity = $5, location = $6, equipment = $7, kind = $8,
                    google_calendar = $9, active = $10, bookable_hours = $11, updated_at = $12,
                    booking_rules = $13, max_meetings = $14, video_link = $15
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(r.tenant_id.0)
        .bind(r.id.0)
        .bind(&r.name)
        .bind(r.name_key())
        .bind(i64::from(r.capacity))
        .bind(&r.location)
        .bind(to_json(&r.equipment))
        .bind(r.kind.as_str())
        .bind(r.google_calendar.as_ref().map(|c| c.as_str()))
        .bind(r.active)
        .bind(r.bookable_hours.as_ref().map(to_json))
        .bind(r.updated_at)
        .bind(to_json(&r.rules))
        .bind(max_meetings(r))
        .bind(&r.video_link)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        one_row(result)?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn get_room(&self, tenant: TenantId, id: RoomId) -> Result<Option<Room>> {
        let sql = format!("SELECT {COLUMNS} FROM rooms WHERE tenant_id = $1 AND id = $2");
        let row: Option<RoomRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn list_rooms(&self, tenant: TenantId, include_inactive: bool) -> Result<Vec<Room>> {
        let sql = format!("SELECT {COLUMNS} FROM rooms WHERE tenant_id = $1 AND (active OR $2) ORDER BY name_key");
        let rows: Vec<RoomRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(include_inactive)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}

/// The limit as the column holds it (`integer`; the domain keeps it within 1..=1000).
fn max_meetings(r: &Room) -> Option<i32> {
    r.max_meetings.and_then(|m| i32::try_from(m).ok())
}
