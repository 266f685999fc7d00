-- An occurrence's start as its series gave it (Unix ms): invitations name an occurrence by it
-- (the .ics RECURRENCE-ID) even after it moved. NULL for single bookings and for occurrences
-- made before this column existed, which keep their own invitation UID.
ALTER TABLE bookings ADD COLUMN recurrence_id bigint;
