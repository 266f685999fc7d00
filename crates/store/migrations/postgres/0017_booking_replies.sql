-- Guests' answers to invitations: the latest per person (email_key = lower-cased address).
CREATE TABLE booking_replies (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    booking_id uuid NOT NULL REFERENCES bookings (id),
    email      text NOT NULL,
    email_key  text NOT NULL,
    answer     text NOT NULL CONSTRAINT booking_replies_answer_check CHECK (answer IN ('accepted', 'tentative', 'declined')),
    at         bigint NOT NULL,
    CONSTRAINT booking_replies_pkey PRIMARY KEY (booking_id, email_key)
);
