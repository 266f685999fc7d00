-- Listing the bookings of a window (a day view, "my upcoming") filters on `end_at > from`, which
-- no index on the start can bound: the (tenant, start) and (tenant, room, start) scans read the
-- whole history before the window and threw it away. Bookings up to a day long that reach into the
-- window start at most a day before it, a bound those indexes take; the few longer ones (imported
-- all-day and multi-day events, an admin's week-long block) are found through this index of their
-- own. The length must stay the store's `LONG_BOOKING_MS`, written out in every query that uses it.
CREATE INDEX bookings_long ON bookings (tenant_id, end_at) WHERE end_at - start_at > 86400000;
