-- When a person's consent to WhatsApp messages was recorded (Unix ms); NULL while they have not
-- opted in. People who opted in before this column existed keep NULL: the date is unknown, and
-- inventing one would be a false record.
ALTER TABLE users ADD COLUMN whatsapp_consent_at INTEGER;
