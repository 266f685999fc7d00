-- Report rollups, second part (issue 20). Beside the cancellations' tallies, each room's start
-- date keeps its meetings as the ghost, right-sizing and external-guest reports count them
-- (sala_domain::reports::meetings::MeetingTally). held_until says until when a meeting of that
-- date may still hold its room: the ghost counts are final only after it.
ALTER TABLE report_room_day_starts
    ADD COLUMN checked_in bigint NOT NULL DEFAULT 0,
    ADD COLUMN meetings bigint NOT NULL DEFAULT 0,
    ADD COLUMN people bigint NOT NULL DEFAULT 0,
    ADD COLUMN peak_people bigint NOT NULL DEFAULT 0,
    ADD COLUMN over_capacity bigint NOT NULL DEFAULT 0,
    ADD COLUMN half_empty bigint NOT NULL DEFAULT 0,
    ADD COLUMN with_external_guests bigint NOT NULL DEFAULT 0,
    ADD COLUMN ghosts bigint NOT NULL DEFAULT 0,
    ADD COLUMN ghost_minutes bigint NOT NULL DEFAULT 0,
    ADD COLUMN held_until bigint NOT NULL DEFAULT 0;

-- The dates whose meetings may still hold their rooms (today's, those to come): few, found by
-- this index whatever the history's length.
CREATE INDEX report_room_day_starts_open ON report_room_day_starts (tenant_id, held_until);

-- The start tallies summed over the tenant's rooms per date, as report_days sums
-- report_room_days: a report of every room sums one row a date. Rebuilt for the dates a refresh
-- touched, in its transaction.
CREATE TABLE report_day_starts (
    tenant_id            uuid NOT NULL REFERENCES tenants (id),
    day                  date NOT NULL,
    bookings             bigint NOT NULL,
    cancelled            bigint NOT NULL,
    after_start          bigint NOT NULL,
    under_an_hour        bigint NOT NULL,
    under_a_day          bigint NOT NULL,
    under_a_week         bigint NOT NULL,
    a_week_or_more       bigint NOT NULL,
    lead_ms              bigint NOT NULL,
    length_ms            bigint NOT NULL,
    meetings             bigint NOT NULL,
    with_external_guests bigint NOT NULL,
    PRIMARY KEY (tenant_id, day)
);

CREATE TABLE report_day_reasons (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    day       date NOT NULL,
    reason    text NOT NULL,
    count     bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, reason)
);

-- The top organizers' rollups: each organizer's meetings (not cancelled) and the minutes they held
-- their rooms, per local start date and summed per month (month: its first day), so a report
-- over two years sums the months inside it and the days around them. Rebuilt, for the dates a
-- refresh touched, from the bookings of those dates, in the refresh's transaction.
CREATE TABLE report_organizer_days (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    day          date NOT NULL,
    organizer_id uuid NOT NULL,
    meetings     bigint NOT NULL,
    minutes      bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, organizer_id)
);

CREATE TABLE report_organizer_months (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    month        date NOT NULL,
    organizer_id uuid NOT NULL,
    meetings     bigint NOT NULL,
    minutes      bigint NOT NULL,
    PRIMARY KEY (tenant_id, month, organizer_id)
);

-- Marks for what the new counters depend on: any edit of a booking (its people are rewritten
-- with a new version), a check-in, a room's seats.
DROP TRIGGER bookings_report_update ON bookings;
CREATE TRIGGER bookings_report_update AFTER UPDATE OF room_id, start_at, end_at, status, version ON bookings
FOR EACH ROW
WHEN (OLD.room_id <> NEW.room_id OR OLD.start_at <> NEW.start_at OR OLD.end_at <> NEW.end_at
    OR OLD.status <> NEW.status OR OLD.version <> NEW.version)
EXECUTE FUNCTION report_mark_booking();

CREATE FUNCTION report_mark_check_in() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed check_ins;
BEGIN
    IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
    INSERT INTO report_stale (tenant_id, room_id, start_at, end_at)
    SELECT tenant_id, room_id, start_at, end_at FROM bookings WHERE id = changed.booking_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER check_ins_report AFTER INSERT OR DELETE ON check_ins
FOR EACH ROW EXECUTE FUNCTION report_mark_check_in();

CREATE TRIGGER rooms_report_seats AFTER UPDATE OF capacity ON rooms
FOR EACH ROW WHEN (OLD.capacity <> NEW.capacity)
EXECUTE FUNCTION report_mark_room();

-- Every tenant's history again, with the new counters.
INSERT INTO report_stale (tenant_id) SELECT id FROM tenants;
