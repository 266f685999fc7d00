-- Attendance: one check-in per person (email_key = lower-cased address) per booking.
CREATE TABLE check_ins (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    booking_id uuid NOT NULL REFERENCES bookings (id),
    email      text NOT NULL,
    email_key  text NOT NULL,
    at         bigint NOT NULL,
    actor_type text NOT NULL,
    actor_id   uuid,
    source     text NOT NULL,
    PRIMARY KEY (booking_id, email_key)
);
CREATE INDEX check_ins_tenant_at ON check_ins (tenant_id, at);
