-- A tenant's own WhatsApp Business number: its phone number id and access token, the token sealed
-- with AES-256-GCM under the server's key (never stored in clear). Both NULL: the installation's.
ALTER TABLE tenants ADD COLUMN whatsapp_phone_number_id text;
ALTER TABLE tenants ADD COLUMN whatsapp_token_sealed text;
