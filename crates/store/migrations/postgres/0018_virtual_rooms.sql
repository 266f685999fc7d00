-- Virtual rooms hold several meetings at once (up to max_meetings; NULL: no limit), each with a
-- video link (the room's standing one, or its own Meet). A booking is `shared` when its room is
-- virtual (set by the store from the room on every write; a room's kind never changes), and the
-- never-double-booked exclusion constraint covers the others: physical rooms only. A virtual
-- room's limit is checked by the store under the room's advisory lock.
ALTER TABLE rooms ADD COLUMN max_meetings integer CHECK (max_meetings BETWEEN 1 AND 1000);
ALTER TABLE rooms ADD COLUMN video_link text;
ALTER TABLE bookings ADD COLUMN shared boolean NOT NULL DEFAULT false;
UPDATE bookings b SET shared = true FROM rooms r WHERE r.tenant_id = b.tenant_id AND r.id = b.room_id AND r.kind = 'virtual';
ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, int8range(start_at, end_at) WITH &&)
    WHERE (status = 'confirmed' AND NOT shared) DEFERRABLE INITIALLY IMMEDIATE;
-- Busy intervals and limit checks of virtual rooms: the same kind of index for the shared ones.
CREATE INDEX bookings_shared_overlap ON bookings USING gist (room_id, int8range(start_at, end_at))
    WHERE status = 'confirmed' AND shared;
