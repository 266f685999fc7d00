-- Notifications: a tenant's reminder settings (JSON ReminderSettings; '{}' means the defaults:
-- 15 minutes before, by WhatsApp) and the dev outbox, where dev mode keeps a copy of every message
-- as it would appear (the email's HTML, its .ics, the WhatsApp text).
ALTER TABLE tenants ADD COLUMN reminders TEXT NOT NULL DEFAULT '{}';

CREATE TABLE outbox_messages (
    id          BLOB PRIMARY KEY NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    booking_id  BLOB REFERENCES bookings (id),
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'whatsapp')),
    recipient   TEXT NOT NULL,
    subject     TEXT,
    text        TEXT NOT NULL,
    html        TEXT,
    ics         TEXT,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_messages_recent ON outbox_messages (created_at);
