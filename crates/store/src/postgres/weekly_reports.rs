//! The weekly summary emails: who asked for them, and each person's week scheduled once (the SQL
//! is shared with the other backend, in `records::users`).

use super::{PgStore, db};
use crate::records::{MARK_WEEKLY_REPORT_SQL, UserRow, weekly_report_admins_sql};
use crate::{Result, WeeklyReportStore};
use async_trait::async_trait;
use sala_domain::{Job, TenantId, User, UserId};

#[async_trait]
impl WeeklyReportStore for PgStore {
    async fn weekly_report_admins(&self, tenant: TenantId) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(weekly_report_admins_sql()))
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn schedule_weekly_report(&self, tenant: TenantId, user: UserId, week: &str, job: &Job) -> Result<bool> {
        let mut tx = self.begin().await?;
        let marked = sqlx::query(MARK_WEEKLY_REPORT_SQL)
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
