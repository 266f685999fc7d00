-- Booking rules: a tenant's (JSON BookingRules) and a room's exceptions (JSON RulesOverride).
-- '{}' means the defaults / no exceptions.
ALTER TABLE tenants ADD COLUMN booking_rules TEXT NOT NULL DEFAULT '{}';
ALTER TABLE rooms ADD COLUMN booking_rules TEXT NOT NULL DEFAULT '{}';
