-- The outside-guest quotas add up the last day's `booking.guests_invited` entries on every booking
-- write that invites someone from outside: a partial index keeps that count to those entries
-- instead of the whole day's audit log (which grew it with every booking).
CREATE INDEX audit_log_guests_invited ON audit_log (tenant_id, at) WHERE action = 'booking.guests_invited';
