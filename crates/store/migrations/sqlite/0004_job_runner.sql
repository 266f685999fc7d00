-- The job runner: jobs are claimed (status 'running' until lease_until) and settled, and every
-- delivery of a message is logged. The same tables and columns as the PostgreSQL migration.
--
-- SQLite cannot change a CHECK constraint in place, so jobs is rebuilt with 'running' allowed and
-- the lease column added. No table references jobs yet, so the rebuild is a plain copy.

CREATE TABLE jobs_new (
    id          BLOB PRIMARY KEY NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    kind        TEXT NOT NULL,
    booking_id  BLOB REFERENCES bookings (id),
    payload     TEXT NOT NULL,            -- JSON
    run_at      INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'dead')),
    attempts    INTEGER NOT NULL,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    lease_until INTEGER                   -- while running: when the claim runs out and others may take it
) STRICT;
INSERT INTO jobs_new (id, tenant_id, kind, booking_id, payload, run_at, status, attempts, last_error, created_at,
                      updated_at)
    SELECT id, tenant_id, kind, booking_id, payload, run_at, status, attempts, last_error, created_at, updated_at
    FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
-- Due pending jobs by run_at; running jobs by the end of their lease (a crashed runner's come back);
-- a tenant's jobs by status, newest first (the admin's dead jobs); a booking's jobs.
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE INDEX jobs_lease ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_tenant_status ON jobs (tenant_id, status, created_at);
CREATE INDEX jobs_booking ON jobs (tenant_id, booking_id);

-- The delivery log: every attempt to send a job's message to one recipient on one channel.
-- At most one 'sent' row per idempotency key (job, channel, recipient): a replay or a runner that
-- crashed after sending finds it and sends nothing. Failed attempts are kept beside it.
CREATE TABLE deliveries (
    id              BLOB PRIMARY KEY NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    job_id          BLOB NOT NULL REFERENCES jobs (id),
    booking_id      BLOB REFERENCES bookings (id),
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'whatsapp', 'calendar', 'webhook')),
    recipient       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('sent', 'failed')),
    detail          TEXT,                 -- the provider's message id, or the error
    created_at      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX deliveries_sent_key ON deliveries (idempotency_key) WHERE status = 'sent';
CREATE INDEX deliveries_booking ON deliveries (tenant_id, booking_id, created_at);
CREATE INDEX deliveries_job ON deliveries (job_id);
