//! API keys, sessions and sign-in flows on PostgreSQL.

use super::{PgStore, audit, db, one_row};
use crate::records::{ApiKeyRow, LoginFlowRow, SessionRow, actor_columns, to_json};
use crate::{ApiKeyStore, Result, SessionStore};
use async_trait::async_trait;
use sala_domain::{ApiKey, ApiKeyId, AuditEntry, LoginFlow, Millis, Session, TenantId};

const KEY_COLUMNS: &str =
    "id, tenant_id, name, prefix, created_by_type, created_by_id, created_at, last_used_at, revoked_at, scopes";

#[async_trait]
impl ApiKeyStore for PgStore {
    async fn insert_api_key(&self, k: &ApiKey, hash: &str, entry: &AuditEntry) -> Result<()> {
        let (by_type, by_id) = actor_columns(&k.created_by);
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, created_by_type, created_by_id, created_at,
                                   last_used_at, revoked_at, scopes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(k.id.0)
        .bind(k.tenant_id.0)
        .bind(&k.name)
        .bind(&k.prefix)
        .bind(hash)
        .bind(by_type)
        .bind(by_id)
        .bind(k.created_at)
        .bind(k.last_used_at)
        .bind(k.revoked_at)
        .bind(to_json(&k.scopes))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = $1");
        let row: Option<ApiKeyRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(hash).fetch_optional(&self.pool).await.map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn get_api_key(&self, tenant: TenantId, id: ApiKeyId) -> Result<Option<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id = $2");
        let row: Option<ApiKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn list_api_keys(&self, tenant: TenantId) -> Result<Vec<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC");
        let rows: Vec<ApiKeyRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_all(&self.pool).await.map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn revoke_api_key(&self, tenant: TenantId, id: ApiKeyId, at: Millis, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        let result =
            sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.0)
                .bind(id.0)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        one_row(result)?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn touch_api_key(&self, id: ApiKeyId, at: Millis) -> Result<()> {
        sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            .bind(id.0)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }
}

#[async_trait]
impl SessionStore for PgStore {
    async fn insert_session(&self, hash: &str, s: &Session) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, tenant_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash)
        .bind(s.tenant_id.0)
        .bind(s.user_id.0)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn session_by_hash(&self, hash: &str, now: Millis) -> Result<Option<Session>> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT tenant_id, user_id, created_at, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn delete_session(&self, hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(hash).execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    async fn purge_expired(&self, now: Millis) -> Result<u64> {
        let mut tx = self.begin().await?;
        let sessions =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&mut *tx).await.map_err(db)?;
        let flows = sqlx::query("DELETE FROM login_flows WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(sessions.rows_affected() + flows.rows_affected())
    }

    async fn insert_login_flow(&self, id_hash: &str, f: &LoginFlow) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_flows (id_hash, csrf_state, nonce, pkce_verifier, return_to, expires_at, connect_user_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id_hash)
        .bind(&f.csrf_state)
        .bind(&f.nonce)
        .bind(&f.pkce_verifier)
        .bind(&f.return_to)
        .bind(f.expires_at)
        .bind(f.connect_for.map(|u| u.0))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn take_login_flow(&self, id_hash: &str, now: Millis) -> Result<Option<LoginFlow>> {
        let row: Option<LoginFlowRow> = sqlx::query_as(
            "DELETE FROM login_flows WHERE id_hash = $1
             RETURNING csrf_state, nonce, pkce_verifier, return_to, expires_at, connect_user_id",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.filter(|f| f.expires_at_ms() > now).map(Into::into))
    }
}
