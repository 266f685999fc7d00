//! The outbox plan: which jobs a change to bookings writes, in the same transaction as the change.
//!
//! [`plan`] is the one answer to "what does this change make happen", for every change a use case
//! makes: people told (one message for a series or for "this and following"), the calendar kept
//! in step, webhooks, reminders before the start, the no-show check after it, and which pending
//! timed jobs of the changed bookings are dropped. It is pure: the use case gathers the facts it
//! needs ([`Facts`]), the store writes the [`Plan`] with the change.

use crate::attendance::{CheckIn, Reply};
use crate::booking::diff;
use crate::jobs::{JobPayload, NoShowPayload, NotifyPayload, ReminderPayload, SeriesInvite, WebhookPayload};
use crate::notify::ReminderSettings;
use crate::{Actor, Booking, BookingEvent, BookingId, FieldChange, Job, Millis, RoomId, rfc3339};
use std::collections::HashMap;

/// How long a new booking's confirmation waits for its Google Meet link when Sala keeps the
/// organizer's calendar (the calendar job releases it as soon as the link exists).
pub const MEET_WAIT_MS: Millis = 5 * 60_000;

/// A change to bookings, as a use case made it.
#[derive(Clone, Copy, Debug)]
pub enum Change<'a> {
    /// New bookings: one, or the occurrences of a series (with its invitation), in order.
    Created { bookings: &'a [Booking], series: Option<&'a SeriesInvite> },
    /// Bookings imported from another system's calendar (`POST /rooms/{id}/import`), or an event
    /// put straight on a room's Google calendar adopted by an admin: their
    /// people have these meetings in their calendars already, so nobody is told and no calendar
    /// is written (no `notify`, `calendar_sync` or reminders); webhooks hear `booking.created`,
    /// and a room that releases unattended bookings checks these too.
    Imported { bookings: &'a [Booking] },
    /// Edited bookings, as (before, after) pairs with something changed; the first is the one
    /// named, the rest the later occurrences changed with it ("this and following").
    Updated { pairs: &'a [(Booking, Booking)] },
    /// Cancelled bookings, the one named first.
    Cancelled { bookings: &'a [Booking] },
    /// Nobody checked in in time: the booking was released.
    Released { booking: &'a Booking },
    /// Someone checked in (webhooks only).
    CheckedIn { booking: &'a Booking, check_in: &'a CheckIn },
    /// A guest answered the invitation (webhooks only).
    Responded { booking: &'a Booking, reply: &'a Reply },
    /// The organizer connected their Google Calendar: their upcoming bookings go into it, and
    /// those that asked for Meet get their link (people are told when it arrives).
    CalendarConnected { bookings: &'a [Booking] },
    /// Google made (or changed) the booking's Meet link: webhooks hear it as `booking.updated`;
    /// people are told with `tell_people` (the confirmation went without it; not when it was
    /// waiting for the link and goes now, nor for a series' later occurrence sharing the link).
    MeetLink { booking: &'a Booking, link: &'a str, tell_people: bool },
    /// A change made in the organizer's calendar that Sala did not take (the time is taken, a
    /// rule forbids it, the booking is cancelled): the event goes back to the booking as it is
    /// and, with a `reason` (an error code), the organizer is told why.
    PutBack { booking: &'a Booking, reason: Option<&'a str> },
}

/// What the plan depends on besides the change.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    pub now: Millis,
    /// The reminders of new or moved bookings (the meeting's own, else its people's merged).
    pub reminders: ReminderSettings,
    /// Rooms whose bookings are released when nobody checks in, and after how many minutes.
    pub no_show_minutes: HashMap<RoomId, u32>,
    /// Sala keeps the organizer's calendar and the meeting asked for Meet: a new booking's
    /// confirmation waits for the link.
    pub meet_wait: bool,
    /// Who made the change; webhooks say so.
    pub actor: Actor,
}

impl Facts {
    /// The facts of a change that schedules nothing ahead (a cancellation, a check-in, ...): no
    /// reminders, no no-show checks, no wait, made by the system (set `actor` when someone made it).
    pub fn at(now: Millis) -> Self {
        let reminders = ReminderSettings { minutes_before: Vec::new(), ..ReminderSettings::default() };
        Self { now, reminders, no_show_minutes: HashMap::new(), meet_wait: false, actor: Actor::System }
    }
}

/// The jobs to write with the change, and the bookings whose pending timed jobs (reminders,
/// no-show checks) go, because they were moved, rescheduled or ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub jobs: Vec<Job>,
    pub drop_timed_jobs: Vec<BookingId>,
}

/// The jobs `change` causes, given `facts`.
pub fn plan(change: Change<'_>, facts: &Facts) -> Plan {
    let now = facts.now;
    match change {
        Change::Created { bookings, series } => {
            let mut jobs = Vec::new();
            if let Some(first) = bookings.first() {
                let message =
                    NotifyPayload { series: series.cloned(), ..notice(BookingEvent::Created, first, None, &[]) };
                let at = if facts.meet_wait { now + MEET_WAIT_MS } else { now };
                jobs.push(Job::for_booking(first, JobPayload::Notify(message), at, now));
            }
            for booking in bookings {
                jobs.extend(sync_and_webhook(notice(BookingEvent::Created, booking, None, &[]), facts));
                jobs.extend(timed(booking, facts));
            }
            Plan { jobs, drop_timed_jobs: Vec::new() }
        }
        Change::Imported { bookings } => {
            let mut jobs = Vec::new();
            for booking in bookings {
                let change = notice(BookingEvent::Created, booking, None, &[]);
                jobs.push(Job::for_booking(
                    booking,
                    JobPayload::Webhook(WebhookPayload::of(change, facts.actor)),
                    now,
                    now,
                ));
                let quiet = Facts {
                    reminders: ReminderSettings { minutes_before: Vec::new(), ..facts.reminders.clone() },
                    ..facts.clone()
                };
                jobs.extend(timed(booking, &quiet));
            }
            Plan { jobs, drop_timed_jobs: Vec::new() }
        }
        Change::Updated { pairs } => {
            let mut plan = Plan::default();
            for (i, (before, after)) in pairs.iter().enumerate() {
                let changes = diff(before, after);
                let change = notice(BookingEvent::Updated, after, Some(before), &changes);
                // The named booking's message tells of the others changed with it; a change only
                // of what people do not see tells nobody (new reminders speak for themselves).
                if i == 0 && people_see(&changes) {
                    let more = pairs[1..].iter().map(|(_, a)| a.clone()).collect();
                    let message = NotifyPayload { more, ..change.clone() };
                    plan.jobs.push(Job::for_booking(after, JobPayload::Notify(message), now, now));
                }
                plan.jobs.extend(sync_and_webhook(change, facts));
                if rescheduled(before, after) {
                    plan.drop_timed_jobs.push(after.id);
                    plan.jobs.extend(timed(after, facts));
                }
            }
            plan
        }
        Change::Cancelled { bookings } => {
            let mut jobs = Vec::new();
            if let Some(first) = bookings.first() {
                let more = bookings[1..].to_vec();
                let message = NotifyPayload { more, ..notice(BookingEvent::Cancelled, first, None, &[]) };
                jobs.push(Job::for_booking(first, JobPayload::Notify(message), now, now));
            }
            for booking in bookings {
                jobs.extend(sync_and_webhook(notice(BookingEvent::Cancelled, booking, None, &[]), facts));
            }
            Plan { jobs, drop_timed_jobs: bookings.iter().map(|b| b.id).collect() }
        }
        Change::Released { booking } => {
            let change = notice(BookingEvent::NoShow, booking, None, &[]);
            let mut jobs = vec![Job::for_booking(booking, JobPayload::Notify(change.clone()), now, now)];
            jobs.extend(sync_and_webhook(change, facts));
            Plan { jobs, drop_timed_jobs: vec![booking.id] }
        }
        Change::CheckedIn { booking, check_in } => {
            let detail = serde_json::json!({"email": check_in.email, "at": rfc3339(check_in.at),
                                            "source": check_in.source.as_str()});
            let payload = WebhookPayload {
                check_in: Some(detail),
                ..WebhookPayload::of(notice(BookingEvent::CheckedIn, booking, None, &[]), facts.actor)
            };
            Plan { jobs: vec![Job::for_booking(booking, JobPayload::Webhook(payload), now, now)], ..Plan::default() }
        }
        Change::Responded { booking, reply } => {
            let detail = serde_json::json!({"email": reply.email, "answer": reply.answer.as_str(),
                                            "at": rfc3339(reply.at)});
            let payload = WebhookPayload {
                reply: Some(detail),
                ..WebhookPayload::of(notice(BookingEvent::Responded, booking, None, &[]), facts.actor)
            };
            let job = Job::for_booking(booking, JobPayload::Webhook(payload), reply.at, reply.at);
            Plan { jobs: vec![job], ..Plan::default() }
        }
        Change::CalendarConnected { bookings } => {
            let jobs = bookings
                .iter()
                .filter(|b| b.is_confirmed())
                .map(|b| {
                    let change = notice(BookingEvent::Updated, b, None, &[]);
                    Job::for_booking(b, JobPayload::CalendarSync(change), now, now)
                })
                .collect();
            Plan { jobs, ..Plan::default() }
        }
        Change::MeetLink { booking, link, tell_people } => {
            let after = Booking { meet_link: Some(link.to_owned()), ..booking.clone() };
            let before = booking.meet_link.as_deref().map_or(serde_json::Value::Null, Into::into);
            let changes = [FieldChange { field: "meet_link".into(), before, after: link.into() }];
            let change = notice(BookingEvent::Updated, &after, Some(booking), &changes);
            let webhook = WebhookPayload::of(change.clone(), facts.actor);
            let mut jobs = vec![Job::for_booking(booking, JobPayload::Webhook(webhook), now, now)];
            if tell_people {
                jobs.push(Job::for_booking(booking, JobPayload::Notify(change), now, now));
            }
            Plan { jobs, ..Plan::default() }
        }
        Change::PutBack { booking, reason } => {
            let change = notice(BookingEvent::Updated, booking, None, &[]);
            let mut jobs = vec![Job::for_booking(booking, JobPayload::CalendarSync(change.clone()), now, now)];
            if let Some(reason) = reason {
                let told = NotifyPayload { reason: Some(reason.to_owned()), put_back: true, ..change };
                jobs.push(Job::for_booking(booking, JobPayload::Notify(told), now, now));
            }
            Plan { jobs, ..Plan::default() }
        }
    }
}

/// The change as a message describes it, for one booking.
fn notice(event: BookingEvent, booking: &Booking, before: Option<&Booking>, changes: &[FieldChange]) -> NotifyPayload {
    NotifyPayload {
        event,
        booking_version: booking.version,
        changes: changes.to_vec(),
        reason: booking.cancel_reason.clone(),
        booking: booking.clone(),
        before_attendees: before.map(|b| b.attendees.clone()).unwrap_or_default(),
        series: None,
        more: Vec::new(),
        put_back: false,
    }
}

/// Every change of a booking goes to its calendar and its webhooks, one job each.
fn sync_and_webhook(change: NotifyPayload, facts: &Facts) -> [Job; 2] {
    let (booking, now) = (change.booking.clone(), facts.now);
    [
        Job::for_booking(&booking, JobPayload::CalendarSync(change.clone()), now, now),
        Job::for_booking(&booking, JobPayload::Webhook(WebhookPayload::of(change, facts.actor)), now, now),
    ]
}

/// Changes people see, and so are told of. The meeting's own reminders, the caller's
/// `external_ref` and `metadata` are not: their webhooks still say so, but nobody is emailed.
fn people_see(changes: &[FieldChange]) -> bool {
    changes.iter().any(|c| !matches!(c.field.as_str(), "reminders" | "external_ref" | "metadata"))
}

/// A booking moved in time or to another room, or whose reminder choice changed, has its timed
/// jobs written anew.
fn rescheduled(before: &Booking, after: &Booking) -> bool {
    before.time.start != after.time.start || before.room_id != after.room_id || before.reminders != after.reminders
}

/// The jobs that wait for a time of a confirmed booking: a reminder for each offset still ahead,
/// and the no-show check when its room releases unattended bookings.
fn timed(booking: &Booking, facts: &Facts) -> Vec<Job> {
    let now = facts.now;
    if !booking.is_confirmed() {
        return Vec::new();
    }
    let mut jobs = Vec::new();
    if facts.reminders.any_channel() {
        for minutes in facts.reminders.offsets() {
            let at = booking.time.start - Millis::from(minutes) * 60_000;
            if at > now {
                let payload = ReminderPayload {
                    booking_version: booking.version,
                    start: booking.time.start,
                    minutes_before: minutes,
                };
                jobs.push(Job::for_booking(booking, JobPayload::Reminder(payload), at, now));
            }
        }
    }
    if let Some(&minutes) = facts.no_show_minutes.get(&booking.room_id) {
        // Booked once it had started: whoever booked it is there, and gets the same time to check in.
        let at = booking.time.start.max(now) + Millis::from(minutes) * 60_000;
        if at < booking.time.end {
            let payload = NoShowPayload { start: booking.time.start, minutes_after: minutes };
            jobs.push(Job::for_booking(booking, JobPayload::NoShowCheck(payload), at, now));
        }
    }
    jobs
}

#[cfg(test)]
mod tests;
