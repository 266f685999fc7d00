-- Bookings, their attendees and series, the outbox jobs a change writes, and idempotency records.
-- The same tables and columns as the SQLite migration. A booking's room, organizer, series and
-- internal attendees must belong to its tenant: the foreign keys include tenant_id.
--
-- No double booking: the exclusion constraint bookings_no_overlap refuses a confirmed booking whose
-- half-open range (int8range's default '[)' bounds) overlaps another confirmed booking of its room,
-- whatever number of writers race. It is DEFERRABLE (checked per statement unless a transaction
-- defers it) so an edit of several bookings may move one into a slot another leaves in the same
-- transaction.

CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE rooms ADD CONSTRAINT rooms_tenant_id_key UNIQUE (tenant_id, id);
ALTER TABLE users ADD CONSTRAINT users_tenant_id_key UNIQUE (tenant_id, id);

CREATE TABLE series (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    rule       text NOT NULL,             -- JSON Recurrence
    time_zone  text NOT NULL,
    created_at bigint NOT NULL,
    CONSTRAINT series_tenant_id_key UNIQUE (tenant_id, id)
);

CREATE TABLE bookings (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    room_id         uuid NOT NULL,
    organizer_id    uuid NOT NULL,
    title           text NOT NULL,
    description     text,
    start_at        bigint NOT NULL,      -- [start_at, end_at): half-open, Unix ms UTC
    end_at          bigint NOT NULL,
    time_zone       text NOT NULL,        -- IANA zone it was booked in
    google_meet     boolean NOT NULL,
    status          text NOT NULL CONSTRAINT bookings_status_check CHECK (status IN ('confirmed', 'cancelled')),
    cancel_reason   text,
    external_ref    text,
    metadata        text NOT NULL,        -- JSON object
    series_id       uuid,
    version         bigint NOT NULL,
    created_by_type text NOT NULL,
    created_by_id   uuid,
    created_at      bigint NOT NULL,
    updated_at      bigint NOT NULL,
    cancelled_at    bigint,
    CONSTRAINT bookings_time_check CHECK (end_at > start_at),
    CONSTRAINT bookings_room_fkey FOREIGN KEY (tenant_id, room_id) REFERENCES rooms (tenant_id, id),
    CONSTRAINT bookings_organizer_fkey FOREIGN KEY (tenant_id, organizer_id) REFERENCES users (tenant_id, id),
    CONSTRAINT bookings_series_fkey FOREIGN KEY (tenant_id, series_id) REFERENCES series (tenant_id, id),
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, int8range(start_at, end_at) WITH &&)
        WHERE (status = 'confirmed') DEFERRABLE INITIALLY IMMEDIATE
);
-- Listing (ordered by start, then id), per room, per organizer (active ones end later), per series.
-- Overlap checks and busy intervals use the exclusion constraint's GiST index.
CREATE INDEX bookings_tenant_start ON bookings (tenant_id, start_at, id);
CREATE INDEX bookings_tenant_room_start ON bookings (tenant_id, room_id, start_at, id);
CREATE INDEX bookings_tenant_organizer_end ON bookings (tenant_id, organizer_id, end_at);
CREATE INDEX bookings_tenant_series_start ON bookings (tenant_id, series_id, start_at);
CREATE INDEX bookings_tenant_external_ref ON bookings (tenant_id, external_ref);

CREATE TABLE booking_attendees (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    booking_id uuid NOT NULL REFERENCES bookings (id),
    position   integer NOT NULL,          -- the order they were given in
    email      text NOT NULL,
    email_key  text NOT NULL,             -- lower-cased email
    name       text,
    user_id    uuid,                      -- set for people of the tenant, NULL for external guests
    CONSTRAINT booking_attendees_pkey PRIMARY KEY (booking_id, position),
    CONSTRAINT booking_attendees_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX booking_attendees_user ON booking_attendees (tenant_id, user_id);

-- The transactional outbox: written with the change that causes the work.
CREATE TABLE jobs (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    kind       text NOT NULL,
    booking_id uuid REFERENCES bookings (id),
    payload    text NOT NULL,             -- JSON
    run_at     bigint NOT NULL,
    status     text NOT NULL CONSTRAINT jobs_status_check CHECK (status IN ('pending', 'done', 'dead')),
    attempts   integer NOT NULL,
    last_error text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE INDEX jobs_booking ON jobs (tenant_id, booking_id);

-- What an Idempotency-Key produced, per tenant and sender.
CREATE TABLE idempotency_keys (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    actor        text NOT NULL,           -- user:<id> or api_key:<id>
    key          text NOT NULL,
    request_hash text NOT NULL,
    booking_ids  text NOT NULL,           -- JSON list of ids
    created_at   bigint NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (tenant_id, actor, key)
);
