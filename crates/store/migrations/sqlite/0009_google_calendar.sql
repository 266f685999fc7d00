-- Google Calendar: each person's grant (tokens sealed by the app, never in clear) and, on each
-- booking, its event in the organizer's calendar and its Google Meet link.
CREATE TABLE google_connections (
    tenant_id            BLOB NOT NULL REFERENCES tenants (id),
    user_id              BLOB NOT NULL REFERENCES users (id),
    google_subject       TEXT NOT NULL,
    refresh_token_sealed TEXT NOT NULL,
    access_token_sealed  TEXT,
    access_expires_at    INTEGER,
    scopes               TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('connected', 'revoked')),
    last_error           TEXT,
    connected_at         INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
) STRICT;

ALTER TABLE bookings ADD COLUMN google_event_id TEXT;
ALTER TABLE bookings ADD COLUMN meet_link TEXT;

-- A sign-in flow may be a signed-in person connecting their calendar: who, to check on return.
ALTER TABLE login_flows ADD COLUMN connect_user_id BLOB;
