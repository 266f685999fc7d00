-- An organization may let in only Google Workspace accounts of its domains (the ID token's `hd`),
-- so a consumer Google account made with a work address cannot sign in.
ALTER TABLE tenants ADD COLUMN workspace_only INTEGER NOT NULL DEFAULT 0;
