-- A room's kiosk link (a tablet by the door, or a QR code on it): the SHA-256 of its secret
-- token, never the token. One link per room; making a new one replaces it.
CREATE TABLE room_kiosks (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    room_id         BLOB NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    created_by_type TEXT NOT NULL,
    created_by_id   BLOB,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, room_id),
    FOREIGN KEY (tenant_id, room_id) REFERENCES rooms (tenant_id, id)
) STRICT;
