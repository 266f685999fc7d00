-- no-transaction
-- A booking may be `released` (nobody checked in in time). SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt the way SQLite documents
-- (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off outside the
-- transaction, copy every row as it is, swap, recreate the indexes, commit.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE bookings_new (
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
    status          TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled', 'released')),
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
    recurrence_id   INTEGER,              -- see 0006
    google_event_id TEXT,                 -- see 0009
    meet_link       TEXT,
    CHECK (end_at > start_at),
    FOREIGN KEY (tenant_id, room_id) REFERENCES rooms (tenant_id, id),
    FOREIGN KEY (tenant_id, organizer_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, series_id) REFERENCES series (tenant_id, id)
) STRICT;

INSERT INTO bookings_new (id, tenant_id, room_id, organizer_id, title, description, start_at, end_at,
                          time_zone, google_meet, status, cancel_reason, external_ref, metadata, series_id,
                          version, created_by_type, created_by_id, created_at, updated_at, cancelled_at,
                          recurrence_id, google_event_id, meet_link)
SELECT id, tenant_id, room_id, organizer_id, title, description, start_at, end_at,
       time_zone, google_meet, status, cancel_reason, external_ref, metadata, series_id,
       version, created_by_type, created_by_id, created_at, updated_at, cancelled_at,
       recurrence_id, google_event_id, meet_link
FROM bookings;

DROP TABLE bookings;
ALTER TABLE bookings_new RENAME TO bookings;

CREATE INDEX bookings_tenant_start ON bookings (tenant_id, start_at, id);
CREATE INDEX bookings_tenant_room_start ON bookings (tenant_id, room_id, start_at, id);
CREATE INDEX bookings_tenant_organizer_end ON bookings (tenant_id, organizer_id, end_at);
CREATE INDEX bookings_tenant_series_start ON bookings (tenant_id, series_id, start_at);
CREATE INDEX bookings_tenant_external_ref ON bookings (tenant_id, external_ref);

COMMIT;
PRAGMA foreign_keys = ON;
