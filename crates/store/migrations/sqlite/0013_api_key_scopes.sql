-- What an API key may do (JSON array of read, write, webhooks). Keys made before scopes had them all.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '["read","write","webhooks"]';
