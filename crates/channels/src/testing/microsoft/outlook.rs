//! The tests' hands in Outlook: events made, moved, deleted and answered outside Sala, going
//! through the same change log (delta, notifications) as Sala's own calls.

use super::events::remove;
use super::{FakeMicrosoft, lock};
use jiff::Timestamp;
use serde_json::{Value, json};

impl FakeMicrosoft {
    /// An event made outside Sala, organized by `mailbox`; its id.
    pub fn put_on_calendar(&self, mailbox: &str, start: Timestamp, end: Timestamp, subject: &str) -> String {
        let mut inner = lock(&self.fake.0);
        let id = inner.create(&mailbox.to_lowercase());
        if let Some(stored) = inner.events.get_mut(&id) {
            (stored.start, stored.end) = (start, end);
            stored.event["subject"] = json!(subject);
        }
        inner.changed(&id, "created");
        id
    }

    /// How the event shows its time (`free`, `tentative`, `busy`, `oof`, `workingElsewhere`).
    pub fn set_show_as(&self, event_id: &str, show_as: &str) {
        let mut inner = lock(&self.fake.0);
        if let Some(stored) = inner.events.get_mut(event_id) {
            stored.event["showAs"] = json!(show_as);
        }
        inner.changed(event_id, "updated");
    }

    /// Someone drags the event to another time in Outlook.
    pub fn move_in_outlook(&self, event_id: &str, start: Timestamp, end: Timestamp) {
        let mut inner = lock(&self.fake.0);
        if let Some(stored) = inner.events.get_mut(event_id) {
            (stored.start, stored.end) = (start, end);
        }
        inner.changed(event_id, "updated");
        inner.sync_copies(event_id);
    }

    /// Someone deletes the event in Outlook.
    pub fn delete_in_outlook(&self, event_id: &str) {
        remove(&mut lock(&self.fake.0), event_id);
    }

    /// An attendee answers (`accepted`, `tentativelyAccepted`, `declined`, `none`), as the
    /// organizer's (`mailbox`) event then shows.
    pub fn answer_in_outlook(&self, mailbox: &str, event_id: &str, attendee: &str, response: &str) {
        let mut inner = lock(&self.fake.0);
        let Some(stored) = inner.events.get_mut(event_id).filter(|s| s.mailbox == mailbox.to_lowercase()) else {
            return;
        };
        for a in stored.event["attendees"].as_array_mut().into_iter().flatten() {
            if a["emailAddress"]["address"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(attendee)) {
                a["status"] = json!({"response": response, "time": Timestamp::now().to_string()});
            }
        }
        inner.changed(event_id, "updated");
    }

    /// The mailbox's events as Graph shows them, with every extended property.
    pub fn events_in(&self, mailbox: &str) -> Vec<Value> {
        let inner = lock(&self.fake.0);
        let mailbox = mailbox.to_lowercase();
        inner
            .events
            .values()
            .filter(|s| s.mailbox == mailbox && !s.deleted)
            .map(|s| {
                let mut view = s.view(None);
                view["singleValueExtendedProperties"] = s.event["singleValueExtendedProperties"].clone();
                view
            })
            .collect()
    }
}
