-- Bookings, their attendees and series, the outbox jobs a change writes, and idempotency records.
-- The same tables and columns as the PostgreSQL migration. A booking's room, organizer, series and
-- internal attendees must belong to its tenant: the foreign keys include tenant_id.
--
-- SQLite has no exclusion constraint: the store checks for an overlapping confirmed booking and
-- inserts inside one BEGIN IMMEDIATE transaction, which holds the database's single write lock.

CREATE UNIQUE INDEX rooms_tenant_id_key ON rooms (tenant_id, id);
CREATE UNIQUE INDEX users_tenant_id_key ON users (tenant_id, id);

CREATE TABLE series (
    id         BLOB PRIMARY KEY NOT NULL,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    rule       TEXT NOT NULL,             -- JSON Recurrence
    time_zone  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, id)
) STRICT;

CREATE TABLE bookings (
    id              BLOB PRIMARY KEY NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    room_id         BLOB NOT NULL,
    organizer_id    BLOB NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT,
    start_at        INTEGER NOT NULL,     -- [start_at, end_at): half-open, Unix ms UTC
    end_at          INTEGER NOT NULL,
    time_zone       TEXT NOT NULL,        -- IANA zone it was booked in
    google_meet     INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    cancel_reason   TEXT,
    external_ref    TEXT,
    metadata        TEXT NOT NULL,        -- JSON object
    series_id       BLOB,
    version         INTEGER NOT NULL,
    created_by_type TEXT NOT NULL,
    created_by_id   BLOB,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    cancelled_at    INTEGER,
    CHECK (end_at > start_at),
    FOREIGN KEY (tenant_id, room_id) REFERENCES rooms (tenant_id, id),
    FOREIGN KEY (tenant_id, organizer_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, series_id) REFERENCES series (tenant_id, id)
) STRICT;
-- Listing (ordered by start, then id), per room, per organizer (active ones end later), per series.
-- (tenant_id, room_id, start_at) also serves the overlap check and busy intervals (see the store).
CREATE INDEX bookings_tenant_start ON bookings (tenant_id, start_at, id);
CREATE INDEX bookings_tenant_room_start ON bookings (tenant_id, room_id, start_at, id);
CREATE INDEX bookings_tenant_organizer_end ON bookings (tenant_id, organizer_id, end_at);
CREATE INDEX bookings_tenant_series_start ON bookings (tenant_id, series_id, start_at);
CREATE INDEX bookings_tenant_external_ref ON bookings (tenant_id, external_ref);

CREATE TABLE booking_attendees (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    booking_id BLOB NOT NULL REFERENCES bookings (id),
    position   INTEGER NOT NULL,          -- the order they were given in
    email      TEXT NOT NULL,
    email_key  TEXT NOT NULL,             -- lower-cased email
    name       TEXT,
    user_id    BLOB,                      -- set for people of the tenant, NULL for external guests
    PRIMARY KEY (booking_id, position),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
) STRICT;
CREATE INDEX booking_attendees_user ON booking_attendees (tenant_id, user_id);

-- The transactional outbox: written with the change that causes the work.
CREATE TABLE jobs (
    id         BLOB PRIMARY KEY NOT NULL,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    kind       TEXT NOT NULL,
    booking_id BLOB REFERENCES bookings (id),
    payload    TEXT NOT NULL,             -- JSON
    run_at     INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'done', 'dead')),
    attempts   INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE INDEX jobs_booking ON jobs (tenant_id, booking_id);

-- What an Idempotency-Key produced, per tenant and sender.
CREATE TABLE idempotency_keys (
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    actor        TEXT NOT NULL,           -- user:<id> or api_key:<id>
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    booking_ids  TEXT NOT NULL,           -- JSON list of ids
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, actor, key)
) STRICT;
