-- Calendar feeds: secret .ics subscription URLs (a person's meetings, a room's, the organization's).
-- Only the SHA-256 of a feed's token is kept; deleting the row revokes the URL.
CREATE TABLE calendar_feeds (
    id              uuid NOT NULL CONSTRAINT calendar_feeds_pkey PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    scope           text NOT NULL CONSTRAINT calendar_feeds_scope_check CHECK (scope IN ('me', 'room', 'organization')),
    room_id         uuid,
    token_hash      text NOT NULL CONSTRAINT calendar_feeds_token_hash_key UNIQUE,
    created_by_type text NOT NULL,
    created_by_id   uuid,
    created_at      bigint NOT NULL,
    CONSTRAINT calendar_feeds_room_check CHECK ((scope = 'room') = (room_id IS NOT NULL)),
    CONSTRAINT calendar_feeds_room_fkey FOREIGN KEY (tenant_id, room_id) REFERENCES rooms (tenant_id, id)
);
CREATE INDEX calendar_feeds_creator ON calendar_feeds (tenant_id, created_by_id, created_at);
