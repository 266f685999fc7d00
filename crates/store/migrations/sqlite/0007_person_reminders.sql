-- A person's own reminders (JSON ReminderSettings); NULL follows the tenant's.
ALTER TABLE users ADD COLUMN reminders text;
