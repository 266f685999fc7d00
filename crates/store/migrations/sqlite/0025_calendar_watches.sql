-- Two-way calendar sync: the push channel Sala keeps open on each person's calendar and the
-- cursor (sync token) of its reading of their changes. Only the SHA-256 of a channel's token is kept.
CREATE TABLE calendar_watches (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    user_id     BLOB NOT NULL,
    channel_id  TEXT UNIQUE,
    token_hash  TEXT,
    resource_id TEXT,
    expires_at  INTEGER,
    cursor      TEXT,
    synced_at   INTEGER,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
) STRICT;
-- A calendar's change feed names deleted events by their id alone: find their booking by it.
CREATE INDEX bookings_google_event ON bookings (tenant_id, google_event_id);
