//! The job runner's queries on PostgreSQL: claiming due jobs, settling them, and the delivery log.
//!
//! Several `sala serve` instances claim from one database. A claim locks the jobs it chooses with
//! `FOR UPDATE SKIP LOCKED`, so a concurrent claim passes over them instead of waiting, and one
//! that read them before they changed rechecks them once the lock is gone (READ COMMITTED), finds
//! them `running` with a lease ahead, and leaves them: no job is taken twice while its lease lasts.

use super::{PgStore, db, one_row};
use crate::records::{
    BURY_JOB, COMPLETE_JOB, DELIVERIES_SINCE, DeliveryCountRow, DeliveryRow, JOB_QUEUES, JobQueueRow, JobRow,
    RETRY_JOB, delivery_count, job_queue, lease_held, truncated_error,
};
use crate::{Before, JobStore, Result};
use async_trait::async_trait;
use sala_domain::jobs::Delivery;
use sala_domain::{BookingId, Claim, Job, JobId, JobKind, JobStatus, LeaseToken, Millis, TenantId};
use sqlx::{Postgres, QueryBuilder};

const COLUMNS: &str = "id, tenant_id, kind, booking_id, payload, run_at, status, attempts, last_error, created_at";

const DELIVERY_COLUMNS: &str =
    "id, tenant_id, job_id, booking_id, channel, recipient, idempotency_key, status, detail, created_at";

#[async_trait]
impl JobStore for PgStore {
    async fn claim_jobs(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
        kinds: &[JobKind],
        skip_tenants: &[TenantId],
    ) -> Result<Claim> {
        let token = LeaseToken::new();
        if kinds.is_empty() {
            return Ok(Claim { token, jobs: Vec::new() });
        }
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        let mut sql = QueryBuilder::<Postgres>::new("UPDATE jobs SET status = ");
        sql.push_bind(JobStatus::Running.as_str()).push(", lease_until = ").push_bind(lease_until);
        sql.push(", lease_token = ").push_bind(token.0);
        sql.push(", attempts = attempts + 1, updated_at = ").push_bind(now);
        sql.push(" WHERE id IN (SELECT id FROM jobs WHERE ((status = ").push_bind(JobStatus::Pending.as_str());
        sql.push(" AND run_at <= ").push_bind(now).push(") OR (status = ").push_bind(JobStatus::Running.as_str());
        sql.push(" AND lease_until <= ").push_bind(now).push("))");
        sql.push(" AND kind = ANY(").push_bind(kinds).push(")");
        if !skip_tenants.is_empty() {
            sql.push(" AND tenant_id NOT IN (");
            let mut list = sql.separated(", ");
            for tenant in skip_tenants {
                list.push_bind(tenant.0);
            }
            sql.push(")");
        }
        sql.push(" ORDER BY run_at, id LIMIT ")
            .push_bind(i64::from(limit))
            .push(" FOR UPDATE SKIP LOCKED) RETURNING ")
            .push(COLUMNS);
        let rows: Vec<JobRow> = sql.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
        let mut jobs = rows.into_iter().map(Job::try_from).collect::<Result<Vec<_>>>()?;
        // RETURNING promises no order.
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(Claim { token, jobs })
    }

    async fn purge_done_jobs(&self, before: Millis, limit: u32) -> Result<u64> {
        // The same batch both times: the oldest done jobs, in a stable order.
        const BATCH: &str =
            "SELECT id FROM jobs WHERE status = $1 AND updated_at < $2 ORDER BY updated_at, id LIMIT $3";
        let mut tx = self.pool.begin().await.map_err(db)?;
        // The delivery log first (it refers to the jobs); the last statement counts the jobs.
        let mut purged = 0;
        for delete in ["DELETE FROM deliveries WHERE job_id IN", "DELETE FROM jobs WHERE id IN"] {
            let sql = format!("{delete} ({BATCH})");
            let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(JobStatus::Done.as_str())
                .bind(before)
                .bind(i64::from(limit))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            purged = done.rows_affected();
        }
        tx.commit().await.map_err(db)?;
        Ok(purged)
    }

    async fn renew_leases(&self, leases: &[(JobId, LeaseToken)], lease_until: Millis) -> Result<Vec<JobId>> {
        if leases.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, tokens): (Vec<uuid::Uuid>, Vec<uuid::Uuid>) = leases.iter().map(|(id, t)| (id.0, t.0)).unzip();
        let renewed: Vec<uuid::Uuid> = sqlx::query_scalar(
            "UPDATE jobs SET lease_until = $1
             FROM UNNEST($2::uuid[], $3::uuid[]) AS held (id, token)
             WHERE jobs.id = held.id AND jobs.lease_token = held.token AND jobs.status = $4
             RETURNING jobs.id",
        )
        .bind(lease_until)
        .bind(ids)
        .bind(tokens)
        .bind(JobStatus::Running.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(renewed.into_iter().map(JobId).collect())
    }

    async fn complete_job(&self, id: JobId, token: LeaseToken, at: Millis) -> Result<()> {
        let result = settle(COMPLETE_JOB, id, token, JobStatus::Done, at).execute(&self.pool).await.map_err(db)?;
        lease_held(result.rows_affected())
    }

    async fn retry_job(&self, id: JobId, token: LeaseToken, error: &str, run_at: Millis, at: Millis) -> Result<()> {
        let result = settle(RETRY_JOB, id, token, JobStatus::Pending, at)
            .bind(truncated_error(error))
            .bind(run_at)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        lease_held(result.rows_affected())
    }

    async fn bury_job(&self, id: JobId, token: LeaseToken, error: &str, at: Millis) -> Result<()> {
        let result = settle(BURY_JOB, id, token, JobStatus::Dead, at)
            .bind(truncated_error(error))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        lease_held(result.rows_affected())
    }

    async fn list_jobs(
        &self,
        tenant: TenantId,
        status: Option<JobStatus>,
        before: Option<Before>,
        limit: u32,
    ) -> Result<Vec<Job>> {
        let mut sql = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM jobs WHERE tenant_id = "));
        sql.push_bind(tenant.0);
        if let Some(status) = status {
            sql.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(b) = before {
            sql.push(" AND (created_at < ").push_bind(b.at);
            sql.push(" OR (created_at = ").push_bind(b.at).push(" AND id < ").push_bind(b.id).push("))");
        }
        sql.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(i64::from(limit.clamp(1, 500)));
        let rows: Vec<JobRow> = sql.build_query_as().fetch_all(&self.pool).await.map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn replay_job(&self, tenant: TenantId, id: JobId, now: Millis) -> Result<()> {
        let result = sqlx::query(
            "UPDATE jobs SET status = $4, run_at = $3, attempts = 0, lease_until = NULL, lease_token = NULL, updated_at = $3
             WHERE tenant_id = $1 AND id = $2 AND status = $5",
        )
        .bind(tenant.0)
        .bind(id.0)
        .bind(now)
        .bind(JobStatus::Pending.as_str())
        .bind(JobStatus::Dead.as_str())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        one_row(result)
    }

    async fn record_delivery(&self, d: &Delivery) -> Result<()> {
        // Inserted only for a job of the delivery's tenant.
        let sql = format!(
            "INSERT INTO deliveries ({DELIVERY_COLUMNS})
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM jobs WHERE tenant_id = $2 AND id = $3"
        );
        let result = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(d.id)
            .bind(d.tenant_id.0)
            .bind(d.job_id.0)
            .bind(d.booking_id.map(|b| b.0))
            .bind(d.channel.as_str())
            .bind(&d.recipient)
            .bind(&d.idempotency_key)
            .bind(d.status.as_str())
            .bind(&d.detail)
            .bind(d.created_at)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        one_row(result)
    }

    async fn delivered(&self, key: &str) -> Result<bool> {
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM deliveries WHERE idempotency_key = $1 AND status = 'sent'")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(found.is_some())
    }

    async fn deliveries_for_booking(&self, tenant: TenantId, booking: BookingId) -> Result<Vec<Delivery>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE tenant_id = $1 AND booking_id = $2
             ORDER BY created_at, id"
        );
        let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(booking.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn release_jobs(&self, tenant: TenantId, booking: BookingId, kind: JobKind, now: Millis) -> Result<u64> {
        let result = sqlx::query(
            "UPDATE jobs SET run_at = created_at
             WHERE tenant_id = $1 AND booking_id = $2 AND kind = $3 AND status = $5 AND run_at > $4",
        )
        .bind(tenant.0)
        .bind(booking.0)
        .bind(kind.as_str())
        .bind(now)
        .bind(JobStatus::Pending.as_str())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(result.rows_affected())
    }

    async fn enqueue_jobs(&self, jobs: &[Job]) -> Result<()> {
        let mut tx = self.begin().await?;
        super::bookings::insert_jobs(&mut tx, jobs).await?;
        tx.commit().await.map_err(db)
    }

    async fn get_job(&self, tenant: TenantId, id: JobId) -> Result<Option<Job>> {
        let sql = format!("SELECT {COLUMNS} FROM jobs WHERE tenant_id = $1 AND id = $2");
        let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn job_queues(&self, now: Millis) -> Result<Vec<crate::JobQueue>> {
        let rows: Vec<JobQueueRow> = sqlx::query_as(JOB_QUEUES).bind(now).fetch_all(&self.pool).await.map_err(db)?;
        Ok(rows.into_iter().map(job_queue).collect())
    }

    async fn deliveries_since(&self, since: Millis) -> Result<Vec<crate::DeliveryCount>> {
        let rows: Vec<DeliveryCountRow> = sqlx::query_as(DELIVERIES_SINCE)
            .bind(crate::uuid_v7_floor(since))
            .bind(since)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        Ok(rows.into_iter().map(delivery_count).collect())
    }
}

/// A settle statement ([`COMPLETE_JOB`] and the others) with its common binds; the caller binds
/// the rest.
fn settle(
    sql: &'static str,
    id: JobId,
    token: LeaseToken,
    status: JobStatus,
    at: Millis,
) -> sqlx::query::Query<'static, Postgres, <Postgres as sqlx::Database>::Arguments> {
    sqlx::query(sql).bind(id.0).bind(token.0).bind(status.as_str()).bind(JobStatus::Running.as_str()).bind(at)
}
