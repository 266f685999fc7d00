-- One read of a person's calendar at a time (sala_app::calendar::pull): two reads from the same
-- cursor would both apply, or both refuse, the same change (a refused move told twice). A read
-- holds the watch until this instant (Unix ms); a dead process's hold simply runs out.
ALTER TABLE calendar_watches ADD COLUMN pulling_until INTEGER;
