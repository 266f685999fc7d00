-- Tenants, people, rooms, credentials and the audit log.
-- The same tables and columns as the SQLite migration, in PostgreSQL types: uuid ids, bigint instants
-- (Unix milliseconds, UTC), boolean flags, JSON lists as text (one row struct serves both backends).
-- Every unique constraint is named: the store maps a violation to its rule by constraint name.

CREATE TABLE tenants (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    slug          text NOT NULL,
    email_domains text NOT NULL,          -- JSON list; tenant_domains holds the same, unique and indexed
    time_zone     text NOT NULL,
    locale        text NOT NULL,
    created_at    bigint NOT NULL,
    updated_at    bigint NOT NULL,
    CONSTRAINT tenants_slug_key UNIQUE (slug)
);

CREATE TABLE tenant_domains (
    domain    text NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    CONSTRAINT tenant_domains_pkey PRIMARY KEY (domain)
);

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    email           text NOT NULL,
    email_key       text NOT NULL,        -- lower-cased email: one account per address, whatever the case
    name            text NOT NULL,
    search_key      text NOT NULL,        -- folded name and email, for accent-insensitive search
    phone           text,
    whatsapp_opt_in boolean NOT NULL,
    role            text NOT NULL,
    locale          text,
    time_zone       text,
    google_subject  text,
    active          boolean NOT NULL,
    created_at      bigint NOT NULL,
    updated_at      bigint NOT NULL,
    CONSTRAINT users_google_subject_key UNIQUE (google_subject),
    CONSTRAINT users_tenant_email_key UNIQUE (tenant_id, email_key)
);

CREATE TABLE rooms (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    name            text NOT NULL,
    name_key        text NOT NULL,        -- folded name: "Sala Azul" and "sala azul" are one room
    capacity        integer NOT NULL CONSTRAINT rooms_capacity_check CHECK (capacity > 0),
    location        text,
    equipment       text NOT NULL,        -- JSON list of tags
    kind            text NOT NULL,
    google_calendar text,
    active          boolean NOT NULL,
    bookable_hours  text,                 -- JSON {days, opens, closes}; NULL: any time
    created_at      bigint NOT NULL,
    updated_at      bigint NOT NULL,
    CONSTRAINT rooms_tenant_name_key UNIQUE (tenant_id, name_key)
);

CREATE TABLE api_keys (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    name            text NOT NULL,
    prefix          text NOT NULL,
    key_hash        text NOT NULL,        -- hex SHA-256 of the key; the key itself is never stored
    created_by_type text NOT NULL,
    created_by_id   uuid,
    created_at      bigint NOT NULL,
    last_used_at    bigint,
    revoked_at      bigint,
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash)
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE sessions (
    id_hash    text PRIMARY KEY,          -- hex SHA-256 of the cookie value
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    user_id    uuid NOT NULL REFERENCES users (id),
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Sign-ins in progress. Not tenant-owned: the tenant is known only once Google says who it is.
CREATE TABLE login_flows (
    id_hash       text PRIMARY KEY,
    csrf_state    text NOT NULL,
    nonce         text NOT NULL,
    pkce_verifier text NOT NULL,
    return_to     text NOT NULL,
    expires_at    bigint NOT NULL
);

CREATE TABLE audit_log (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    at           bigint NOT NULL,
    actor_type   text NOT NULL,
    actor_id     uuid,
    action       text NOT NULL,
    subject_type text NOT NULL,
    subject_id   uuid,
    before_state text,
    after_state  text,
    request_id   text,
    ip           text
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);
CREATE INDEX audit_log_subject ON audit_log (tenant_id, subject_id);
