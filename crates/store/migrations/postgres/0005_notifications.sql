-- Notifications: a tenant's reminder settings (JSON ReminderSettings; '{}' means the defaults:
-- 15 minutes before, by WhatsApp) and the dev outbox, where dev mode keeps a copy of every message
-- as it would appear (the email's HTML, its .ics, the WhatsApp text). Same columns as SQLite.
ALTER TABLE tenants ADD COLUMN reminders text NOT NULL DEFAULT '{}';

CREATE TABLE outbox_messages (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    booking_id  uuid REFERENCES bookings (id),
    channel     text NOT NULL CONSTRAINT outbox_messages_channel_check CHECK (channel IN ('email', 'whatsapp')),
    recipient   text NOT NULL,
    subject     text,
    text        text NOT NULL,
    html        text,
    ics         text,
    created_at  bigint NOT NULL
);
CREATE INDEX outbox_messages_recent ON outbox_messages (created_at);
