-- Lease tokens: each claim gives its jobs a fresh random token, and the runner's heartbeat and
-- its settle (done, retry, dead) must name it. A runner whose lease ran out and whose jobs
-- another runner claimed holds an old token and can no longer settle them. NULL when no runner
-- holds the job. The same column as the PostgreSQL migration.
ALTER TABLE jobs ADD COLUMN lease_token BLOB;
