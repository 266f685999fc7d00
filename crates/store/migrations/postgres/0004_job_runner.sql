-- The job runner: jobs are claimed (status 'running' until lease_until) and settled, and every
-- delivery of a message is logged. The same tables and columns as the SQLite migration.
--
-- Runners claim with FOR UPDATE SKIP LOCKED (see the store), so several instances never take the
-- same job at once.

ALTER TABLE jobs
    DROP CONSTRAINT jobs_status_check,
    ADD CONSTRAINT jobs_status_check CHECK (status IN ('pending', 'running', 'done', 'dead')),
    -- While running: when the claim runs out and others may take the job.
    ADD COLUMN lease_until bigint;
-- Running jobs by the end of their lease (a crashed runner's come back); a tenant's jobs by
-- status, newest first (the admin's dead jobs). jobs_due (status, run_at) serves due pending jobs.
CREATE INDEX jobs_lease ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_tenant_status ON jobs (tenant_id, status, created_at);

-- The delivery log: every attempt to send a job's message to one recipient on one channel.
-- At most one 'sent' row per idempotency key (job, channel, recipient): a replay or a runner that
-- crashed after sending finds it and sends nothing. Failed attempts are kept beside it.
CREATE TABLE deliveries (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    job_id          uuid NOT NULL REFERENCES jobs (id),
    booking_id      uuid REFERENCES bookings (id),
    channel         text NOT NULL CONSTRAINT deliveries_channel_check
                        CHECK (channel IN ('email', 'whatsapp', 'calendar', 'webhook')),
    recipient       text NOT NULL,
    idempotency_key text NOT NULL,
    status          text NOT NULL CONSTRAINT deliveries_status_check CHECK (status IN ('sent', 'failed')),
    detail          text,                 -- the provider's message id, or the error
    created_at      bigint NOT NULL
);
CREATE UNIQUE INDEX deliveries_sent_key ON deliveries (idempotency_key) WHERE status = 'sent';
CREATE INDEX deliveries_booking ON deliveries (tenant_id, booking_id, created_at);
CREATE INDEX deliveries_job ON deliveries (job_id);
