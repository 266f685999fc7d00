-- Guests' answers to invitations: the latest per person (email_key = lower-cased address).
CREATE TABLE booking_replies (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    booking_id BLOB NOT NULL REFERENCES bookings (id),
    email      TEXT NOT NULL,
    email_key  TEXT NOT NULL,
    answer     TEXT NOT NULL CHECK (answer IN ('accepted', 'tentative', 'declined')),
    at         INTEGER NOT NULL,
    PRIMARY KEY (booking_id, email_key)
) STRICT;
