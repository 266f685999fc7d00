//! People on SQLite.

use super::{SqliteStore, audit, db, one_row};
use crate::records::{USER_COLUMNS as COLUMNS, UserRow, like_contains, like_prefix, to_json};
use crate::{Result, UserQuery, UserStore};
use async_trait::async_trait;
use sala_domain::{AuditEntry, Email, TenantId, User, UserId};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert_user(&self, u: &User, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.write().await?;
        insert_row(&mut tx, u).await?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn update_user(&self, u: &User, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.write().await?;
        update_row(&mut tx, u).await?;
        audit::insert(&mut tx, entry).await?;
        tx.commit().await.map_err(db)
    }

    async fn import_users(&self, new: &[User], changed: &[User], entries: &[AuditEntry]) -> Result<()> {
        let mut tx = self.write().await?;
        for u in new {
            insert_row(&mut tx, u).await?;
        }
        for u in changed {
            update_row(&mut tx, u).await?;
        }
        audit::insert_all(&mut tx, entries).await?;
        tx.commit().await.map_err(db)
    }

    async fn get_user(&self, tenant: TenantId, id: UserId) -> Result<Option<User>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2");
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn user_by_email(&self, tenant: TenantId, email: &Email) -> Result<Option<User>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND email_key = $2");
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(email.as_str().to_lowercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn users_by_emails(&self, tenant: TenantId, emails: &[Email]) -> Result<Vec<User>> {
        let mut found = Vec::new();
        for chunk in emails.chunks(500) {
            let mut sql = QueryBuilder::<Sqlite>::new(format!("SELECT {COLUMNS} FROM users WHERE tenant_id = "));
            sql.push_bind(tenant.0).push(" AND email_key IN (");
            let mut keys = sql.separated(", ");
            for email in chunk {
                keys.push_bind(email.as_str().to_lowercase());
            }
            sql.push(")");
            let rows: Vec<UserRow> = sql.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
            for row in rows {
                found.push(row.try_into()?);
            }
        }
        Ok(found)
    }

    async fn user_by_microsoft_oid(&self, tenant: TenantId, oid: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND microsoft_oid = $2");
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(oid)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn user_by_google_subject(&self, subject: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE google_subject = $1");
        let row: Option<UserRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(subject).fetch_optional(&self.pool).await.map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn search_users(&self, tenant: TenantId, q: &UserQuery) -> Result<Vec<User>> {
        // Ranking: a name that starts with the text, then a word of the name that does, then the rest.
        let sql = format!(
            "SELECT {COLUMNS} FROM users
             WHERE tenant_id = $1 AND search_key LIKE $2 ESCAPE '\\' AND (active OR $5)
             ORDER BY CASE WHEN search_key LIKE $3 ESCAPE '\\' THEN 0
                           WHEN search_key LIKE $4 ESCAPE '\\' THEN 1 ELSE 2 END, search_key
             LIMIT $6"
        );
        let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(like_contains(&q.text))
            .bind(like_prefix(&q.text))
            .bind(like_contains(&format!(" {}", q.text)))
            .bind(q.include_inactive)
            .bind(i64::from(q.limit.clamp(1, 500)))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}

async fn insert_row(conn: &mut SqliteConnection, u: &User) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, tenant_id, email, email_key, name, search_key, phone, whatsapp_opt_in, role,
                            locale, time_zone, google_subject, active, created_at, updated_at, reminders,
                            whatsapp_consent_at, microsoft_oid, weekly_report)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(u.id.0)
    .bind(u.tenant_id.0)
    .bind(u.email.as_str())
    .bind(u.email.as_str().to_lowercase())
    .bind(&u.name)
    .bind(u.search_key())
    .bind(u.phone.as_ref().map(|p| p.as_str()))
    .bind(u.whatsapp_opt_in)
    .bind(u.role.as_str())
    .bind(u.locale.map(|l| l.as_str()))
    .bind(u.time_zone.as_ref().map(|z| z.as_str()))
    .bind(&u.google_subject)
    .bind(u.active)
    .bind(u.created_at)
    .bind(u.updated_at)
    .bind(u.reminders.as_ref().map(to_json))
    .bind(u.whatsapp_consent_at)
    .bind(&u.microsoft_oid)
    .bind(u.weekly_report)
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn update_row(conn: &mut SqliteConnection, u: &User) -> Result<()> {
    let result = sqlx::query(
        "UPDATE users SET email = $3, email_key = $4, name = $5, search_key = $6, phone = $7,
                whatsapp_opt_in = $8, role = $9, locale = $10, time_zone = $11, google_subject = $12,
                active = $13, updated_at = $14, reminders = $15, whatsapp_consent_at = $16,
                microsoft_oid = $17, weekly_report = $18
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(u.tenant_id.0)
    .bind(u.id.0)
    .bind(u.email.as_str())
    .bind(u.email.as_str().to_lowercase())
    .bind(&u.name)
    .bind(u.search_key())
    .bind(u.phone.as_ref().map(|p| p.as_str()))
    .bind(u.whatsapp_opt_in)
    .bind(u.role.as_str())
    .bind(u.locale.map(|l| l.as_str()))
    .bind(u.time_zone.as_ref().map(|z| z.as_str()))
    .bind(&u.google_subject)
    .bind(u.active)
    .bind(u.updated_at)
    .bind(u.reminders.as_ref().map(to_json))
    .bind(u.whatsapp_consent_at)
    .bind(&u.microsoft_oid)
    .bind(u.weekly_report)
    .execute(conn)
    .await
    .map_err(db)?;
    one_row(result)
}
