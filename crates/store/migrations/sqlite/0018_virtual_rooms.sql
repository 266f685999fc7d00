-- Virtual rooms hold several meetings at once (up to max_meetings; NULL: no limit), each with a
-- video link (the room's standing one, or its own Meet). A booking is `shared` when its room is
-- virtual (set by the store from the room on every write; a room's kind never changes): the
-- overlap check leaves shared bookings out, and a virtual room's limit is checked instead.
ALTER TABLE rooms ADD COLUMN max_meetings INTEGER CHECK (max_meetings BETWEEN 1 AND 1000);
ALTER TABLE rooms ADD COLUMN video_link TEXT;
ALTER TABLE bookings ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
UPDATE bookings SET shared = 1
 WHERE EXISTS (SELECT 1 FROM rooms r WHERE r.tenant_id = bookings.tenant_id AND r.id = bookings.room_id AND r.kind = 'virtual');
