//! The weekly summary emails: who asked for them, and each person's week scheduled once.

use super::{SqliteStore, db};
use crate::records::UserRow;
use crate::{Result, WeeklyReportStore};
use async_trait::async_trait;
use sala_domain::{Job, TenantId, User, UserId};

#[async_trait]
impl WeeklyReportStore for SqliteStore {
    async fn weekly_report_admins(&self, tenant: TenantId) -> Result<Vec<User>> {
        let sql = format!(
            "SELECT {} FROM users
             WHERE tenant_id = $1 AND weekly_report AND active AND role = 'admin'
             ORDER BY created_at, id",
            super::users::COLUMNS
        );
        let rows: Vec<UserRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_all(&self.pool).await.map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn schedule_weekly_report(&self, tenant: TenantId, user: UserId, week: &str, job: &Job) -> Result<bool> {
        let mut tx = self.write().await?;
        // The mark only moves forward: of two instances scheduling the same week, the second
        // finds it set (it waits for the first one's row lock, then reads the committed mark).
        let marked = sqlx::query(
            "UPDATE users SET weekly_report_week = $3
             WHERE tenant_id = $1 AND id = $2 AND weekly_report AND active AND role = 'admin'
               AND (weekly_report_week IS NULL OR weekly_report_week < $3)",
        )
        .bind(tenant.0)
        .bind(user.0)
        .bind(week)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if marked.rows_affected() != 1 {
            return Ok(false);
        }
        super::bookings::insert_jobs(&mut tx, std::slice::from_ref(job)).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }
}
