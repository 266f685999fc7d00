-- An organization may switch off every per-person figure of the reports (the top organizers), for
-- a works council: then only aggregates exist. On by default.
ALTER TABLE tenants ADD COLUMN report_per_person boolean NOT NULL DEFAULT true;
