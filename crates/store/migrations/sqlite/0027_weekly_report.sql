-- The weekly summary email for admins: whether the person asked for it (off by default), and the
-- Monday (YYYY-MM-DD, in the organization's zone) of the last week whose summary was scheduled for
-- them. Scheduling moves that mark forward and writes the job in one transaction, so each week's
-- summary is written once however many instances try, and a server that was down on Monday sends
-- only the latest week's when it comes back.
ALTER TABLE users ADD COLUMN weekly_report INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN weekly_report_week TEXT;
