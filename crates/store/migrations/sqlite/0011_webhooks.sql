-- Webhook endpoints: where a tenant's systems hear about bookings. The signing secret is sealed by
-- the app (never in clear); deliveries are logged in `deliveries` (channel 'webhook').
CREATE TABLE webhook_endpoints (
    id              BLOB PRIMARY KEY NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,
    description     TEXT,
    secret_sealed   TEXT NOT NULL,
    enabled         INTEGER NOT NULL,
    disabled_reason TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);

-- A rotation's grace: the previous secret also signs until previous_until.
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_sealed TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN previous_until INTEGER;
