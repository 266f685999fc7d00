-- A tenant's Google Workspace service account (domain-wide delegation): its address and its
-- JSON key, sealed with AES-256-GCM under the server's key by the app. Both NULL: none.
ALTER TABLE tenants ADD COLUMN google_sa_email text;
ALTER TABLE tenants ADD COLUMN google_sa_key_sealed text;
