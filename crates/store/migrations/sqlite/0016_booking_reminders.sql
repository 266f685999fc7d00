-- A booking's own reminder choice (JSON ReminderSettings), made by its organizer for everyone;
-- NULL: the organization's and each person's own.
ALTER TABLE bookings ADD COLUMN reminders TEXT;
