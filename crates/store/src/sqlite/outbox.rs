//! The dev outbox's queries.

use super::{SqliteStore, db};
use crate::records::OutboxRow;
use crate::{OutboxStore, Result};
use async_trait::async_trait;
use sala_domain::jobs::OutboxMessage;

const COLUMNS: &str = "id, tenant_id, booking_id, channel, recipient, subject, text, html, ics, created_at";

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn insert_outbox_message(&self, m: &OutboxMessage) -> Result<()> {
        let sql = format!("INSERT INTO outbox_messages ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(m.id)
            .bind(m.tenant_id.0)
            .bind(m.booking_id.map(|b| b.0))
            .bind(m.channel.as_str())
            .bind(&m.recipient)
            .bind(&m.subject)
            .bind(&m.text)
            .bind(&m.html)
            .bind(&m.ics)
            .bind(m.created_at)
            .execute(&self.writer)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn list_outbox_messages(&self, limit: u32) -> Result<Vec<OutboxMessage>> {
        let sql = format!("SELECT {COLUMNS} FROM outbox_messages ORDER BY created_at DESC, id DESC LIMIT $1");
        let rows: Vec<OutboxRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn get_outbox_message(&self, id: uuid::Uuid) -> Result<Option<OutboxMessage>> {
        let sql = format!("SELECT {COLUMNS} FROM outbox_messages WHERE id = $1");
        let row: Option<OutboxRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await.map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }
}
