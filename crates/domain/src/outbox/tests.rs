//! "This change -> these jobs": the outbox plan as a table. Each row names a change, the facts,
//! and the jobs it writes as `kind@booking+minutes` (the booking's index in the change, minutes
//! from now), then the bookings whose timed jobs are dropped.

use super::*;
use crate::attendance::{Answer, CheckInSource};
use crate::jobs::JobKind;
use crate::{Actor, Attendee, BookingStatus, Email, TimeRange};
use serde_json::json;

const MIN: Millis = 60_000;
const NOW: Millis = 1_799_139_600_000; // 2027-01-05T09:00:00Z

/// A confirmed hour-long meeting starting `from_now` minutes after [`NOW`].
fn booking(from_now: i64) -> Booking {
    let start = NOW + from_now * MIN;
    let ana = Attendee { email: Email::parse("ana@acme.test").unwrap(), name: None, user_id: None };
    Booking {
        attendees: vec![ana],
        ..crate::booking::sample::booking(TimeRange::new(start, start + 60 * MIN).unwrap())
    }
}

fn moved(b: &Booking, minutes: i64) -> Booking {
    let time = TimeRange::new(b.time.start + minutes * MIN, b.time.end + minutes * MIN).unwrap();
    Booking { time, version: b.version + 1, ..b.clone() }
}

fn renamed(b: &Booking, title: &str) -> Booking {
    Booking { title: title.to_owned(), version: b.version + 1, ..b.clone() }
}

fn cancelled(b: &Booking) -> Booking {
    Booking { status: BookingStatus::Cancelled, version: b.version + 1, ..b.clone() }
}

/// The plan as the table writes it.
fn written(plan: &Plan, bookings: &[&Booking]) -> (Vec<String>, Vec<usize>) {
    let index = |id: Option<BookingId>| bookings.iter().position(|b| Some(b.id) == id).map_or(99, |i| i);
    let kind = |k: JobKind| k.as_str().to_owned();
    let jobs = plan
        .jobs
        .iter()
        .map(|j| format!("{}@{}{:+}", kind(j.kind), index(j.booking_id), (j.run_at - NOW) / MIN))
        .collect();
    let dropped = plan.drop_timed_jobs.iter().map(|id| index(Some(*id))).collect();
    (jobs, dropped)
}

struct World {
    reminders: ReminderSettings,
    no_show: HashMap<RoomId, u32>,
    meet_wait: bool,
}

impl World {
    fn new() -> Self {
        Self { reminders: ReminderSettings::default(), no_show: HashMap::new(), meet_wait: false }
    }
    fn facts(&self) -> Facts {
        Facts {
            now: NOW,
            reminders: self.reminders.clone(),
            no_show_minutes: self.no_show.clone(),
            meet_wait: self.meet_wait,
            actor: Actor::System,
        }
    }
}

fn check(name: &str, plan: Plan, bookings: &[&Booking], jobs: &[&str], dropped: &[usize]) {
    let (got_jobs, got_dropped) = written(&plan, bookings);
    assert_eq!(got_jobs, jobs, "{name}: jobs");
    assert_eq!(got_dropped, dropped, "{name}: timed jobs dropped");
}

#[test]
fn each_change_writes_its_jobs() {
    let b = booking(120);
    let world = World::new();

    // A new booking: told, synced, webhooks, the default reminder 15 minutes before.
    let created = plan(Change::Created { bookings: std::slice::from_ref(&b), series: None }, &world.facts());
    check("created", created, &[&b], &["notify@0+0", "calendar_sync@0+0", "webhook@0+0", "reminder@0+105"], &[]);

    // Its confirmation waits for the Meet link when Sala keeps the organizer's calendar.
    let meet = World { meet_wait: true, ..World::new() };
    let created = plan(Change::Created { bookings: std::slice::from_ref(&b), series: None }, &meet.facts());
    check(
        "created with Meet",
        created,
        &[&b],
        &["notify@0+5", "calendar_sync@0+0", "webhook@0+0", "reminder@0+105"],
        &[],
    );

    // A reminder whose time has passed is not written; a no-show check is, in rooms that release.
    let soon = booking(10);
    let releasing = World { no_show: HashMap::from([(soon.room_id, 15)]), ..World::new() };
    let created = plan(Change::Created { bookings: std::slice::from_ref(&soon), series: None }, &releasing.facts());
    check(
        "created soon",
        created,
        &[&soon],
        &["notify@0+0", "calendar_sync@0+0", "webhook@0+0", "no_show_check@0+25"],
        &[],
    );

    // Booked after its start: the full minutes from now; none when the meeting ends first.
    let started = booking(-30);
    let releasing = World { no_show: HashMap::from([(started.room_id, 15)]), ..World::new() };
    let created = plan(Change::Created { bookings: std::slice::from_ref(&started), series: None }, &releasing.facts());
    check(
        "created late",
        created,
        &[&started],
        &["notify@0+0", "calendar_sync@0+0", "webhook@0+0", "no_show_check@0+15"],
        &[],
    );
    let long = World { no_show: HashMap::from([(started.room_id, 45)]), ..World::new() };
    let created = plan(Change::Created { bookings: std::slice::from_ref(&started), series: None }, &long.facts());
    check(
        "created late, released after its end",
        created,
        &[&started],
        &["notify@0+0", "calendar_sync@0+0", "webhook@0+0"],
        &[],
    );

    // Imported: webhooks and the room's no-show check only; nobody told, no calendar, no reminder.
    let first = booking(120);
    let imported = [first.clone(), Booking { room_id: first.room_id, ..booking(180) }];
    let releasing = World { no_show: HashMap::from([(imported[0].room_id, 15)]), ..World::new() };
    let plan_ = plan(Change::Imported { bookings: &imported }, &releasing.facts());
    check(
        "imported",
        plan_,
        &[&imported[0], &imported[1]],
        &["webhook@0+0", "no_show_check@0+135", "webhook@1+0", "no_show_check@1+195"],
        &[],
    );

    // A series: one message for all, the rest per occurrence.
    let (w1, w2) = (booking(120), booking(120 + 7 * 24 * 60));
    let series = [w1.clone(), w2.clone()];
    let created = plan(Change::Created { bookings: &series, series: None }, &world.facts());
    check(
        "created series",
        created,
        &[&w1, &w2],
        &[
            "notify@0+0",
            "calendar_sync@0+0",
            "webhook@0+0",
            "reminder@0+105",
            "calendar_sync@1+0",
            "webhook@1+0",
            "reminder@1+10185",
        ],
        &[],
    );

    // Renamed: told, synced, webhooks; nothing timed changes.
    let pairs = [(b.clone(), renamed(&b, "Sync"))];
    check(
        "renamed",
        plan(Change::Updated { pairs: &pairs }, &world.facts()),
        &[&b],
        &["notify@0+0", "calendar_sync@0+0", "webhook@0+0"],
        &[],
    );

    // Moved: the old timed jobs go, new ones come.
    let pairs = [(b.clone(), moved(&b, 60))];
    check(
        "moved",
        plan(Change::Updated { pairs: &pairs }, &world.facts()),
        &[&b],
        &["notify@0+0", "calendar_sync@0+0", "webhook@0+0", "reminder@0+165"],
        &[0],
    );

    // Only the reminders changed: nobody is told, the reminders are planned anew.
    let quiet = Booking {
        reminders: Some(ReminderSettings { minutes_before: vec![60], ..ReminderSettings::default() }),
        ..b.clone()
    };
    let own = World { reminders: quiet.reminders.clone().unwrap(), ..World::new() };
    let pairs = [(b.clone(), Booking { version: 2, ..quiet })];
    check(
        "reminders only",
        plan(Change::Updated { pairs: &pairs }, &own.facts()),
        &[&b],
        &["calendar_sync@0+0", "webhook@0+0", "reminder@0+60"],
        &[0],
    );

    // This and following: one message (for the named one), the rest per occurrence.
    let pairs = [(w1.clone(), moved(&w1, 30)), (w2.clone(), moved(&w2, 30))];
    check(
        "moved this and following",
        plan(Change::Updated { pairs: &pairs }, &world.facts()),
        &[&w1, &w2],
        &[
            "notify@0+0",
            "calendar_sync@0+0",
            "webhook@0+0",
            "reminder@0+135",
            "calendar_sync@1+0",
            "webhook@1+0",
            "reminder@1+10215",
        ],
        &[0, 1],
    );

    // Cancelled: one message, each occurrence's calendar and webhook; every timed job goes.
    let gone = [cancelled(&w1), cancelled(&w2)];
    check(
        "cancelled",
        plan(Change::Cancelled { bookings: &gone }, &world.facts()),
        &[&w1, &w2],
        &["notify@0+0", "calendar_sync@0+0", "webhook@0+0", "calendar_sync@1+0", "webhook@1+0"],
        &[0, 1],
    );

    // Released for a no-show: told, synced, webhooks; its timed jobs go.
    let released = Booking { status: BookingStatus::Released, ..b.clone() };
    check(
        "released",
        plan(Change::Released { booking: &released }, &world.facts()),
        &[&b],
        &["notify@0+0", "calendar_sync@0+0", "webhook@0+0"],
        &[0],
    );

    // A check-in and an answer: webhooks only.
    let check_in = CheckIn {
        tenant_id: b.tenant_id,
        booking_id: b.id,
        email: Email::parse("ana@acme.test").unwrap(),
        at: NOW,
        by: Actor::System,
        source: CheckInSource::Kiosk,
    };
    check(
        "checked in",
        plan(Change::CheckedIn { booking: &b, check_in: &check_in }, &world.facts()),
        &[&b],
        &["webhook@0+0"],
        &[],
    );
    let reply = Reply {
        tenant_id: b.tenant_id,
        booking_id: b.id,
        email: check_in.email.clone(),
        answer: Answer::Accepted,
        at: NOW + MIN,
    };
    check(
        "answered",
        plan(Change::Responded { booking: &b, reply: &reply }, &world.facts()),
        &[&b],
        &["webhook@0+1"],
        &[],
    );

    // The Meet link arrived: webhooks hear it; people are told when their confirmation went without
    // it, not when the confirmation waited for it or a series' occurrence shares the first's link.
    let link = "https://meet.google.com/abc-defg-hij";
    let late = plan(Change::MeetLink { booking: &b, link, tell_people: true }, &world.facts());
    check("late Meet link", late, &[&b], &["webhook@0+0", "notify@0+0"], &[]);
    let in_time = plan(Change::MeetLink { booking: &b, link, tell_people: false }, &world.facts());
    check("Meet link in time", in_time, &[&b], &["webhook@0+0"], &[]);

    // The organizer connected their calendar: each upcoming booking is synced (no one is told yet).
    let upcoming = [w1.clone(), cancelled(&w2)];
    let connected = plan(Change::CalendarConnected { bookings: &upcoming }, &world.facts());
    check("calendar connected", connected, &[&w1, &w2], &["calendar_sync@0+0"], &[]);

    // Only what people do not see changed (the caller's own id and data): webhooks, no message.
    let tagged =
        Booking { external_ref: Some("opp-4711".into()), metadata: json!({"deal": 1}), version: 2, ..b.clone() };
    let pairs = [(b.clone(), tagged)];
    let quiet = plan(Change::Updated { pairs: &pairs }, &world.facts());
    check("external_ref and metadata", quiet, &[&b], &["calendar_sync@0+0", "webhook@0+0"], &[]);
}

#[test]
fn payloads_carry_what_their_consumers_read() {
    let (w1, w2) = (booking(120), booking(120 + 7 * 24 * 60));
    let world = World::new();
    let pairs = [(w1.clone(), moved(&w1, 30)), (w2.clone(), moved(&w2, 30))];
    let planned = plan(Change::Updated { pairs: &pairs }, &world.facts());
    let JobPayload::Notify(message) = planned.jobs[0].parse_payload().unwrap() else { panic!("a notify job") };
    assert_eq!(message.event, BookingEvent::Updated);
    assert_eq!(message.more.len(), 1, "the message tells of the later occurrence too");
    assert_eq!(message.changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), ["start", "end"]);
    assert_eq!(message.before_attendees, w1.attendees);
    let JobPayload::Webhook(hook) = planned.jobs[2].parse_payload().unwrap() else { panic!("a webhook job") };
    assert!(hook.change.more.is_empty(), "webhooks are per occurrence");
    let JobPayload::Reminder(reminder) = planned.jobs[3].parse_payload().unwrap() else { panic!("a reminder job") };
    assert_eq!((reminder.start, reminder.minutes_before, reminder.booking_version), (w1.time.start + 30 * MIN, 15, 2));

    let late =
        plan(Change::MeetLink { booking: &w1, link: "https://meet.google.com/x", tell_people: true }, &world.facts());
    let JobPayload::Webhook(hook) = late.jobs[0].parse_payload().unwrap() else { panic!("a webhook job") };
    assert_eq!(hook.change.event, BookingEvent::Updated);
    assert_eq!(hook.change.booking.meet_link.as_deref(), Some("https://meet.google.com/x"));
    assert_eq!((hook.change.changes[0].field.as_str(), &hook.change.changes[0].before), ("meet_link", &json!(null)));
    let JobPayload::Notify(message) = late.jobs[1].parse_payload().unwrap() else { panic!("a notify job") };
    assert_eq!(message.booking.meet_link.as_deref(), Some("https://meet.google.com/x"));

    // Webhooks say who made the change.
    let ana = crate::UserId::new();
    let by_ana = Facts { actor: Actor::User(ana), ..world.facts() };
    let created = plan(Change::Created { bookings: std::slice::from_ref(&w1), series: None }, &by_ana);
    let JobPayload::Webhook(hook) = created.jobs[2].parse_payload().unwrap() else { panic!("a webhook job") };
    assert_eq!(hook.actor, Some(Actor::User(ana)));
}

#[test]
fn reminders_off_write_no_reminder() {
    let b = booking(120);
    let off = World {
        reminders: ReminderSettings { minutes_before: Vec::new(), ..ReminderSettings::default() },
        ..World::new()
    };
    let created = plan(Change::Created { bookings: std::slice::from_ref(&b), series: None }, &off.facts());
    check("no reminders", created, &[&b], &["notify@0+0", "calendar_sync@0+0", "webhook@0+0"], &[]);
    let gone = cancelled(&b);
    let created = plan(Change::Created { bookings: std::slice::from_ref(&gone), series: None }, &World::new().facts());
    check("created cancelled (never timed)", created, &[&b], &["notify@0+0", "calendar_sync@0+0", "webhook@0+0"], &[]);
}
