-- Two-way calendar sync: the push channel Sala keeps open on each person's calendar and the
-- cursor (sync token) of its reading of their changes. Only the SHA-256 of a channel's token is kept.
CREATE TABLE calendar_watches (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    user_id     uuid NOT NULL,
    channel_id  text CONSTRAINT calendar_watches_channel_id_key UNIQUE,
    token_hash  text,
    resource_id text,
    expires_at  bigint,
    cursor      text,
    synced_at   bigint,
    created_at  bigint NOT NULL,
    CONSTRAINT calendar_watches_pkey PRIMARY KEY (tenant_id, user_id),
    CONSTRAINT calendar_watches_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
-- A calendar's change feed names deleted events by their id alone: find their booking by it.
CREATE INDEX bookings_google_event ON bookings (tenant_id, google_event_id);
