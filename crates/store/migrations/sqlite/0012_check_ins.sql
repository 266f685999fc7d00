-- Attendance: one check-in per person (email_key = lower-cased address) per booking.
CREATE TABLE check_ins (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    booking_id BLOB NOT NULL REFERENCES bookings (id),
    email      TEXT NOT NULL,
    email_key  TEXT NOT NULL,
    at         INTEGER NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id   BLOB,
    source     TEXT NOT NULL,
    PRIMARY KEY (booking_id, email_key)
) STRICT;
CREATE INDEX check_ins_tenant_at ON check_ins (tenant_id, at);
