-- Webhook endpoints: where a tenant's systems hear about bookings. The signing secret is sealed by
-- the app (never in clear); deliveries are logged in `deliveries` (channel 'webhook').
CREATE TABLE webhook_endpoints (
    id              uuid PRIMARY KEY NOT NULL,
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    url             text NOT NULL,
    events          text NOT NULL,
    description     text,
    secret_sealed   text NOT NULL,
    enabled         boolean NOT NULL,
    disabled_reason text,
    created_at      bigint NOT NULL,
    updated_at      bigint NOT NULL
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);

-- A rotation's grace: the previous secret also signs until previous_until.
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_sealed text;
ALTER TABLE webhook_endpoints ADD COLUMN previous_until bigint;
