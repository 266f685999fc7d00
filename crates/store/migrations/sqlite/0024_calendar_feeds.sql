-- Calendar feeds: secret .ics subscription URLs (a person's meetings, a room's, the organization's).
-- Only the SHA-256 of a feed's token is kept; deleting the row revokes the URL.
CREATE TABLE calendar_feeds (
    id              BLOB PRIMARY KEY NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    scope           TEXT NOT NULL CHECK (scope IN ('me', 'room', 'organization')),
    room_id         BLOB,
    token_hash      TEXT NOT NULL UNIQUE,
    created_by_type TEXT NOT NULL,
    created_by_id   BLOB,
    created_at      INTEGER NOT NULL,
    CHECK ((scope = 'room') = (room_id IS NOT NULL)),
    FOREIGN KEY (tenant_id, room_id) REFERENCES rooms (tenant_id, id)
) STRICT;
CREATE INDEX calendar_feeds_creator ON calendar_feeds (tenant_id, created_by_id, created_at);
