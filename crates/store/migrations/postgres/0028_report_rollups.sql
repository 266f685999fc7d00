-- Report rollups (issue 20, design.md "Scale"): reports sum these small rows instead of reading
-- years of bookings. One row per room and local date (the organization's zone) on which the room
-- was held: the minutes held inside its bookable hours, in all and by local hour (hNN), computed
-- by sala_domain::reports::rollup::room_days.
--
-- They are kept in step by marks: every write that can change a room's figures (a booking
-- inserted, moved, cancelled, released or deleted; a room's bookable hours; the organization's
-- zone) leaves a mark in report_stale through the triggers below, in the writing transaction
-- itself, so no code path can forget one. Before answering, a report recomputes the dates the
-- marks cover and deletes the marks it took, in one transaction (sala_app::reports::rollups).
-- A mark with no room stands for every room of the tenant; with no instants, for a room's whole
-- history.

CREATE TABLE report_room_days (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    room_id   uuid NOT NULL,
    day       date NOT NULL,
    weekday   smallint NOT NULL,      -- Monday = 0
    booked    integer NOT NULL,       -- minutes, the sum of the hours
    h00       integer NOT NULL,
    h01       integer NOT NULL,
    h02       integer NOT NULL,
    h03       integer NOT NULL,
    h04       integer NOT NULL,
    h05       integer NOT NULL,
    h06       integer NOT NULL,
    h07       integer NOT NULL,
    h08       integer NOT NULL,
    h09       integer NOT NULL,
    h10       integer NOT NULL,
    h11       integer NOT NULL,
    h12       integer NOT NULL,
    h13       integer NOT NULL,
    h14       integer NOT NULL,
    h15       integer NOT NULL,
    h16       integer NOT NULL,
    h17       integer NOT NULL,
    h18       integer NOT NULL,
    h19       integer NOT NULL,
    h20       integer NOT NULL,
    h21       integer NOT NULL,
    h22       integer NOT NULL,
    h23       integer NOT NULL,
    CONSTRAINT report_room_days_pkey PRIMARY KEY (tenant_id, room_id, day)
);
-- A range of dates, grouped by room or by date, read from the index alone.
CREATE INDEX report_room_days_by_day ON report_room_days (tenant_id, day) INCLUDE (room_id, booked);

-- The same summed over the tenant's rooms, per date: a heatmap or a by-day report of every room
-- sums a row per date (two years: 731) rather than one per room and date. Rebuilt from
-- report_room_days for the dates a refresh touched, in the refresh's transaction.
CREATE TABLE report_days (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    day       date NOT NULL,
    weekday   smallint NOT NULL,
    booked    integer NOT NULL,
    h00       integer NOT NULL,
    h01       integer NOT NULL,
    h02       integer NOT NULL,
    h03       integer NOT NULL,
    h04       integer NOT NULL,
    h05       integer NOT NULL,
    h06       integer NOT NULL,
    h07       integer NOT NULL,
    h08       integer NOT NULL,
    h09       integer NOT NULL,
    h10       integer NOT NULL,
    h11       integer NOT NULL,
    h12       integer NOT NULL,
    h13       integer NOT NULL,
    h14       integer NOT NULL,
    h15       integer NOT NULL,
    h16       integer NOT NULL,
    h17       integer NOT NULL,
    h18       integer NOT NULL,
    h19       integer NOT NULL,
    h20       integer NOT NULL,
    h21       integer NOT NULL,
    h22       integer NOT NULL,
    h23       integer NOT NULL,
    CONSTRAINT report_days_pkey PRIMARY KEY (tenant_id, day)
);

-- The bookings that started on each local date, per room, whatever became of them, as the
-- cancellations report tallies them (sala_domain::reports::cancellations::Tally): counts,
-- cancellations by notice, lead and length summed in milliseconds; and the reasons given.
CREATE TABLE report_room_day_starts (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    room_id        uuid NOT NULL,
    day            date NOT NULL,
    bookings       bigint NOT NULL,
    cancelled      bigint NOT NULL,
    after_start    bigint NOT NULL,
    under_an_hour  bigint NOT NULL,
    under_a_day    bigint NOT NULL,
    under_a_week   bigint NOT NULL,
    a_week_or_more bigint NOT NULL,
    lead_ms        bigint NOT NULL,
    length_ms      bigint NOT NULL,
    CONSTRAINT report_room_day_starts_pkey PRIMARY KEY (tenant_id, room_id, day)
);
CREATE INDEX report_room_day_starts_by_day ON report_room_day_starts (tenant_id, day);

CREATE TABLE report_room_day_reasons (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    room_id   uuid NOT NULL,
    day       date NOT NULL,
    reason    text NOT NULL,
    count     bigint NOT NULL,
    CONSTRAINT report_room_day_reasons_pkey PRIMARY KEY (tenant_id, room_id, day, reason)
);
CREATE INDEX report_room_day_reasons_by_day ON report_room_day_reasons (tenant_id, day);

CREATE TABLE report_stale (
    id        bigserial PRIMARY KEY,
    tenant_id uuid NOT NULL,
    room_id   uuid,                   -- NULL: every room of the tenant
    start_at  bigint,                 -- NULL (with end_at): the room's whole history
    end_at    bigint
);
CREATE INDEX report_stale_tenant ON report_stale (tenant_id, id);

CREATE FUNCTION report_mark_booking() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO report_stale (tenant_id, room_id, start_at, end_at)
        VALUES (OLD.tenant_id, OLD.room_id, OLD.start_at, OLD.end_at);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO report_stale (tenant_id, room_id, start_at, end_at)
        VALUES (NEW.tenant_id, NEW.room_id, NEW.start_at, NEW.end_at);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER bookings_report_insert_delete AFTER INSERT OR DELETE ON bookings
FOR EACH ROW EXECUTE FUNCTION report_mark_booking();

CREATE TRIGGER bookings_report_update AFTER UPDATE OF room_id, start_at, end_at, status ON bookings
FOR EACH ROW
WHEN (OLD.room_id <> NEW.room_id OR OLD.start_at <> NEW.start_at OR OLD.end_at <> NEW.end_at
    OR OLD.status <> NEW.status)
EXECUTE FUNCTION report_mark_booking();

CREATE FUNCTION report_mark_room() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_stale (tenant_id, room_id) VALUES (NEW.tenant_id, NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER rooms_report_hours AFTER UPDATE OF bookable_hours ON rooms
FOR EACH ROW WHEN (OLD.bookable_hours IS DISTINCT FROM NEW.bookable_hours)
EXECUTE FUNCTION report_mark_room();

CREATE FUNCTION report_mark_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_stale (tenant_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER tenants_report_zone AFTER UPDATE OF time_zone ON tenants
FOR EACH ROW WHEN (OLD.time_zone <> NEW.time_zone)
EXECUTE FUNCTION report_mark_tenant();

-- The history from before this migration: every tenant once.
INSERT INTO report_stale (tenant_id) SELECT id FROM tenants;
