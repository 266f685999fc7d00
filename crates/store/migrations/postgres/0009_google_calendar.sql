-- Google Calendar: each person's grant (tokens sealed by the app, never in clear) and, on each
-- booking, its event in the organizer's calendar and its Google Meet link. Same columns as SQLite.
CREATE TABLE google_connections (
    tenant_id            uuid NOT NULL REFERENCES tenants (id),
    user_id              uuid NOT NULL REFERENCES users (id),
    google_subject       text NOT NULL,
    refresh_token_sealed text NOT NULL,
    access_token_sealed  text,
    access_expires_at    bigint,
    scopes               text NOT NULL,
    status               text NOT NULL CONSTRAINT google_connections_status_check CHECK (status IN ('connected', 'revoked')),
    last_error           text,
    connected_at         bigint NOT NULL,
    updated_at           bigint NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);

ALTER TABLE bookings ADD COLUMN google_event_id text;
ALTER TABLE bookings ADD COLUMN meet_link text;

-- A sign-in flow may be a signed-in person connecting their calendar: who, to check on return.
ALTER TABLE login_flows ADD COLUMN connect_user_id uuid;
