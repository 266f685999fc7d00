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
--
-- SQLite drops a table's triggers with the table: a migration that rebuilds bookings, rooms or
-- tenants must create these triggers again.

CREATE TABLE report_room_days (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    room_id   BLOB NOT NULL,
    day       TEXT NOT NULL,          -- YYYY-MM-DD
    weekday   INTEGER NOT NULL,       -- Monday = 0
    booked    INTEGER NOT NULL,       -- minutes, the sum of the hours
    h00       INTEGER NOT NULL,
    h01       INTEGER NOT NULL,
    h02       INTEGER NOT NULL,
    h03       INTEGER NOT NULL,
    h04       INTEGER NOT NULL,
    h05       INTEGER NOT NULL,
    h06       INTEGER NOT NULL,
    h07       INTEGER NOT NULL,
    h08       INTEGER NOT NULL,
    h09       INTEGER NOT NULL,
    h10       INTEGER NOT NULL,
    h11       INTEGER NOT NULL,
    h12       INTEGER NOT NULL,
    h13       INTEGER NOT NULL,
    h14       INTEGER NOT NULL,
    h15       INTEGER NOT NULL,
    h16       INTEGER NOT NULL,
    h17       INTEGER NOT NULL,
    h18       INTEGER NOT NULL,
    h19       INTEGER NOT NULL,
    h20       INTEGER NOT NULL,
    h21       INTEGER NOT NULL,
    h22       INTEGER NOT NULL,
    h23       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, room_id, day)
) STRICT, WITHOUT ROWID;
-- A range of dates, grouped by room or by date, read from the index alone.
CREATE INDEX report_room_days_by_day ON report_room_days (tenant_id, day, room_id, booked);

-- The same summed over the tenant's rooms, per date: a heatmap or a by-day report of every room
-- sums a row per date (two years: 731) rather than one per room and date. Rebuilt from
-- report_room_days for the dates a refresh touched, in the refresh's transaction.
CREATE TABLE report_days (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    day       TEXT NOT NULL,
    weekday   INTEGER NOT NULL,
    booked    INTEGER NOT NULL,
    h00       INTEGER NOT NULL,
    h01       INTEGER NOT NULL,
    h02       INTEGER NOT NULL,
    h03       INTEGER NOT NULL,
    h04       INTEGER NOT NULL,
    h05       INTEGER NOT NULL,
    h06       INTEGER NOT NULL,
    h07       INTEGER NOT NULL,
    h08       INTEGER NOT NULL,
    h09       INTEGER NOT NULL,
    h10       INTEGER NOT NULL,
    h11       INTEGER NOT NULL,
    h12       INTEGER NOT NULL,
    h13       INTEGER NOT NULL,
    h14       INTEGER NOT NULL,
    h15       INTEGER NOT NULL,
    h16       INTEGER NOT NULL,
    h17       INTEGER NOT NULL,
    h18       INTEGER NOT NULL,
    h19       INTEGER NOT NULL,
    h20       INTEGER NOT NULL,
    h21       INTEGER NOT NULL,
    h22       INTEGER NOT NULL,
    h23       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day)
) STRICT, WITHOUT ROWID;

-- The bookings that started on each local date, per room, whatever became of them, as the
-- cancellations report tallies them (sala_domain::reports::cancellations::Tally): counts,
-- cancellations by notice, lead and length summed in milliseconds; and the reasons given.
CREATE TABLE report_room_day_starts (
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    room_id        BLOB NOT NULL,
    day            TEXT NOT NULL,
    bookings       INTEGER NOT NULL,
    cancelled      INTEGER NOT NULL,
    after_start    INTEGER NOT NULL,
    under_an_hour  INTEGER NOT NULL,
    under_a_day    INTEGER NOT NULL,
    under_a_week   INTEGER NOT NULL,
    a_week_or_more INTEGER NOT NULL,
    lead_ms        INTEGER NOT NULL,
    length_ms      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, room_id, day)
) STRICT, WITHOUT ROWID;
CREATE INDEX report_room_day_starts_by_day ON report_room_day_starts (tenant_id, day);

CREATE TABLE report_room_day_reasons (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    room_id   BLOB NOT NULL,
    day       TEXT NOT NULL,
    reason    TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, room_id, day, reason)
) STRICT, WITHOUT ROWID;
CREATE INDEX report_room_day_reasons_by_day ON report_room_day_reasons (tenant_id, day);

-- AUTOINCREMENT, though it costs a write to sqlite_sequence: ids never come back once deleted,
-- so a refresh deleting the marks it read can never delete a newer mark that took a freed id.
CREATE TABLE report_stale (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BLOB NOT NULL,
    room_id   BLOB,                   -- NULL: every room of the tenant
    start_at  INTEGER,                -- NULL (with end_at): the room's whole history
    end_at    INTEGER
) STRICT;
CREATE INDEX report_stale_tenant ON report_stale (tenant_id, id);

CREATE TRIGGER bookings_report_insert AFTER INSERT ON bookings
BEGIN
    INSERT INTO report_stale (tenant_id, room_id, start_at, end_at)
    VALUES (NEW.tenant_id, NEW.room_id, NEW.start_at, NEW.end_at);
END;

CREATE TRIGGER bookings_report_update AFTER UPDATE OF room_id, start_at, end_at, status ON bookings
WHEN OLD.room_id IS NOT NEW.room_id OR OLD.start_at <> NEW.start_at OR OLD.end_at <> NEW.end_at
    OR OLD.status <> NEW.status
BEGIN
    INSERT INTO report_stale (tenant_id, room_id, start_at, end_at)
    VALUES (OLD.tenant_id, OLD.room_id, OLD.start_at, OLD.end_at),
           (NEW.tenant_id, NEW.room_id, NEW.start_at, NEW.end_at);
END;

CREATE TRIGGER bookings_report_delete AFTER DELETE ON bookings
BEGIN
    INSERT INTO report_stale (tenant_id, room_id, start_at, end_at)
    VALUES (OLD.tenant_id, OLD.room_id, OLD.start_at, OLD.end_at);
END;

CREATE TRIGGER rooms_report_hours AFTER UPDATE OF bookable_hours ON rooms
WHEN OLD.bookable_hours IS NOT NEW.bookable_hours
BEGIN
    INSERT INTO report_stale (tenant_id, room_id) VALUES (NEW.tenant_id, NEW.id);
END;

CREATE TRIGGER tenants_report_zone AFTER UPDATE OF time_zone ON tenants
WHEN OLD.time_zone <> NEW.time_zone
BEGIN
    INSERT INTO report_stale (tenant_id) VALUES (NEW.id);
END;

-- The history from before this migration: every tenant once.
INSERT INTO report_stale (tenant_id) SELECT id FROM tenants;
