-- Microsoft 365 organizations: the Entra tenant an organization is tied to (its people sign in
-- with Microsoft and Sala's application acts in it), the calendar service it lives in, and each
-- person's Entra object id (with the tenant id, the only stable name of a Microsoft account).
ALTER TABLE tenants ADD COLUMN entra_tenant_id TEXT;
ALTER TABLE tenants ADD COLUMN calendar_service TEXT NOT NULL DEFAULT 'google'
    CHECK (calendar_service IN ('google', 'microsoft'));
CREATE UNIQUE INDEX tenants_entra ON tenants (entra_tenant_id);
ALTER TABLE users ADD COLUMN microsoft_oid TEXT;
CREATE UNIQUE INDEX users_microsoft ON users (tenant_id, microsoft_oid);
