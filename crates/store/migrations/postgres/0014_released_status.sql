-- A booking may be `released` (nobody checked in in time). The exclusion constraint only
-- counts confirmed bookings, so a released one frees its room like a cancelled one.
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN ('confirmed', 'cancelled', 'released'));
