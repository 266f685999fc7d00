-- A room's kiosk link (a tablet by the door, or a QR code on it): the SHA-256 of its secret
-- token, never the token. One link per room; making a new one replaces it.
CREATE TABLE room_kiosks (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    room_id         uuid NOT NULL,
    token_hash      text NOT NULL CONSTRAINT room_kiosks_token_hash_key UNIQUE,
    created_by_type text NOT NULL,
    created_by_id   uuid,
    created_at      bigint NOT NULL,
    CONSTRAINT room_kiosks_pkey PRIMARY KEY (tenant_id, room_id),
    CONSTRAINT room_kiosks_room_fkey FOREIGN KEY (tenant_id, room_id) REFERENCES rooms (tenant_id, id)
);
