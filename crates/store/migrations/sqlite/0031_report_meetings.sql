-- Report rollups, second part (issue 20). Beside the cancellations' tallies, each room's start
-- date keeps its meetings as the ghost, right-sizing and external-guest reports count them
-- (sala_domain::reports::meetings::MeetingTally). held_until says until when a meeting of that
-- date may still hold its room: the ghost counts are final only after it.
ALTER TABLE report_room_day_starts ADD COLUMN checked_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_room_day_starts ADD COLUMN meetings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_room_day_starts ADD COLUMN people INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_room_day_starts ADD COLUMN peak_people INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_room_day_starts ADD COLUMN over_capacity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_room_day_starts ADD COLUMN half_empty INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_room_day_starts ADD COLUMN with_external_guests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_room_day_starts ADD COLUMN ghosts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_room_day_starts ADD COLUMN ghost_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_room_day_starts ADD COLUMN held_until INTEGER NOT NULL DEFAULT 0;

-- The dates whose meetings may still hold their rooms (today's, those to come): few, found by
-- this index whatever the history's length.
CREATE INDEX report_room_day_starts_open ON report_room_day_starts (tenant_id, held_until);

-- The start tallies summed over the tenant's rooms per date, as report_days sums
-- report_room_days: a report of every room sums one row a date. Rebuilt for the dates a refresh
-- touched, in its transaction.
CREATE TABLE report_day_starts (
    tenant_id            BLOB NOT NULL REFERENCES tenants (id),
    day                  TEXT NOT NULL,
    bookings             INTEGER NOT NULL,
    cancelled            INTEGER NOT NULL,
    after_start          INTEGER NOT NULL,
    under_an_hour        INTEGER NOT NULL,
    under_a_day          INTEGER NOT NULL,
    under_a_week         INTEGER NOT NULL,
    a_week_or_more       INTEGER NOT NULL,
    lead_ms              INTEGER NOT NULL,
    length_ms            INTEGER NOT NULL,
    meetings             INTEGER NOT NULL,
    with_external_guests INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_day_reasons (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    day       TEXT NOT NULL,
    reason    TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day, reason)
) STRICT, WITHOUT ROWID;

-- The top organizers' rollups: each organizer's meetings (not cancelled) and the minutes they held
-- their rooms, per local start date and summed per month (month: its first day), so a report
-- over two years sums the months inside it and the days around them. Rebuilt, for the dates a
-- refresh touched, from the bookings of those dates, in the refresh's transaction.
CREATE TABLE report_organizer_days (
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    day          TEXT NOT NULL,
    organizer_id BLOB NOT NULL,
    meetings     INTEGER NOT NULL,
    minutes      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day, organizer_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_organizer_months (
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    month        TEXT NOT NULL,
    organizer_id BLOB NOT NULL,
    meetings     INTEGER NOT NULL,
    minutes      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, month, organizer_id)
) STRICT, WITHOUT ROWID;

-- Marks for what the new counters depend on: any edit of a booking (its people are rewritten
-- with a new version), a check-in, a room's seats.
DROP TRIGGER bookings_report_update;
CREATE TRIGGER bookings_report_update AFTER UPDATE OF room_id, start_at, end_at, status, version ON bookings
WHEN OLD.room_id IS NOT NEW.room_id OR OLD.start_at <> NEW.start_at OR OLD.end_at <> NEW.end_at
    OR OLD.status <> NEW.status OR OLD.version <> NEW.version
BEGIN
    INSERT INTO report_stale (tenant_id, room_id, start_at, end_at)
    VALUES (OLD.tenant_id, OLD.room_id, OLD.start_at, OLD.end_at),
           (NEW.tenant_id, NEW.room_id, NEW.start_at, NEW.end_at);
END;

CREATE TRIGGER check_ins_report_insert AFTER INSERT ON check_ins
BEGIN
    INSERT INTO report_stale (tenant_id, room_id, start_at, end_at)
    SELECT tenant_id, room_id, start_at, end_at FROM bookings WHERE id = NEW.booking_id;
END;

CREATE TRIGGER check_ins_report_delete AFTER DELETE ON check_ins
BEGIN
    INSERT INTO report_stale (tenant_id, room_id, start_at, end_at)
    SELECT tenant_id, room_id, start_at, end_at FROM bookings WHERE id = OLD.booking_id;
END;

CREATE TRIGGER rooms_report_seats AFTER UPDATE OF capacity ON rooms
WHEN OLD.capacity <> NEW.capacity
BEGIN
    INSERT INTO report_stale (tenant_id, room_id) VALUES (NEW.tenant_id, NEW.id);
END;

-- Every tenant's history again, with the new counters.
INSERT INTO report_stale (tenant_id) SELECT id FROM tenants;
