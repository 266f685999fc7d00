-- Tenants, people, rooms, credentials and the audit log.
-- Ids are UUIDs stored as 16-byte blobs; instants are Unix milliseconds (UTC); lists are JSON text.

CREATE TABLE tenants (
    id            BLOB PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    slug          TEXT NOT NULL UNIQUE,
    email_domains TEXT NOT NULL,          -- JSON list; tenant_domains holds the same, unique and indexed
    time_zone     TEXT NOT NULL,
    locale        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE tenant_domains (
    domain    TEXT PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id)
) STRICT;

CREATE TABLE users (
    id              BLOB PRIMARY KEY NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL,        -- lower-cased email: one account per address, whatever the case
    name            TEXT NOT NULL,
    search_key      TEXT NOT NULL,        -- folded name and email, for accent-insensitive search
    phone           TEXT,
    whatsapp_opt_in INTEGER NOT NULL,
    role            TEXT NOT NULL,
    locale          TEXT,
    time_zone       TEXT,
    google_subject  TEXT UNIQUE,
    active          INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (tenant_id, email_key)
) STRICT;

CREATE TABLE rooms (
    id              BLOB PRIMARY KEY NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,        -- folded name: "Sala Azul" and "sala azul" are one room
    capacity        INTEGER NOT NULL CHECK (capacity > 0),
    location        TEXT,
    equipment       TEXT NOT NULL,        -- JSON list of tags
    kind            TEXT NOT NULL,
    google_calendar TEXT,
    active          INTEGER NOT NULL,
    bookable_hours  TEXT,                 -- JSON {days, opens, closes}; NULL: any time
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (tenant_id, name_key)
) STRICT;

CREATE TABLE api_keys (
    id              BLOB PRIMARY KEY NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    key_hash        TEXT NOT NULL UNIQUE, -- hex SHA-256 of the key; the key itself is never stored
    created_by_type TEXT NOT NULL,
    created_by_id   BLOB,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    revoked_at      INTEGER
) STRICT;
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY NOT NULL, -- hex SHA-256 of the cookie value
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    user_id    BLOB NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Sign-ins in progress. Not tenant-owned: the tenant is known only once Google says who it is.
CREATE TABLE login_flows (
    id_hash       TEXT PRIMARY KEY NOT NULL,
    csrf_state    TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to     TEXT NOT NULL,
    expires_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_log (
    id           BLOB PRIMARY KEY NOT NULL,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    at           INTEGER NOT NULL,
    actor_type   TEXT NOT NULL,
    actor_id     BLOB,
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   BLOB,
    before_state TEXT,
    after_state  TEXT,
    request_id   TEXT,
    ip           TEXT
) STRICT;
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);
CREATE INDEX audit_log_subject ON audit_log (tenant_id, subject_id);
