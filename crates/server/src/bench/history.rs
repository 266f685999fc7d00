//! A realistic history for the benchmarks that read one (`sala bench-reports`, `sala bench-mixed`
//! and `sala bench-availability`): every room booked through the office day for `days` days up to yesterday by
//! `people` organizers, each meeting with up to three colleagues and one in five with a client,
//! with the cancellations and no-show releases a real organization has. Deterministic (a fixed
//! seed), and written straight to the store in large transactions, so two years of 200 rooms
//! (about 1.5 million bookings) take minutes, not the hours the API would.

use super::setup::{Setup, anyhow_app};
use jiff::civil::{Date, Time};
use sala_domain::dates::local_instant;
use sala_domain::{BookingStatus, Millis, RoomId, TimeRange, TimeZoneName};
use sala_store::BookingWrite;
use std::time::Instant;

const MINUTE: Millis = 60_000;

/// Bookings per store transaction.
const BATCH: usize = 2000;

/// How much history to write.
#[derive(Clone, Copy, Debug)]
pub struct HistoryPlan {
    /// Days of history, ending yesterday (in the organization's zone).
    pub days: usize,
    /// Meetings a room has on a working day, at most (the office day may fill first).
    pub per_room_day: usize,
    /// People of the organization, who organize and attend the meetings.
    pub people: usize,
}

/// What was written.
#[derive(Clone, Copy, Debug)]
pub struct History {
    pub first: Date,
    pub last: Date,
    pub bookings: usize,
}

/// A small deterministic generator (SplitMix64): the same history on every run, no dependency
/// for what is only bench data.
pub(super) struct Dice(pub(super) u64);

impl Dice {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Writes the history of every room of `setup`, printing progress.
pub async fn write(store: &dyn sala_app::Store, setup: &Setup, plan: HistoryPlan) -> anyhow::Result<History> {
    let zone = setup.tenant.time_zone.clone();
    let today = jiff::Timestamp::now().to_zoned_datetime(zone.time_zone()).date();
    let first = today.checked_sub(jiff::Span::new().days(i64::try_from(plan.days)?))?;
    let last = today.yesterday()?;
    let mut dice = Dice(20_261_204);
    let people = people(store, setup, plan.people).await?;
    let mut pending = Vec::with_capacity(BATCH);
    let (started, mut written, mut reported) = (Instant::now(), 0, 0);
    for (n, date) in first.series(jiff::ToSpan::day(1)).take(plan.days).enumerate() {
        for &room in &setup.rooms {
            for time in room_day(&mut dice, &zone, date, plan.per_room_day) {
                let mut b = booking(setup, &mut dice, written + pending.len(), room, time);
                invite(&mut dice, &people, &mut b);
                pending.push(b);
            }
        }
        if pending.len() >= BATCH || n + 1 == plan.days {
            written += pending.len();
            store
                .insert_bookings(BookingWrite::new(setup.tenant.id, &pending, &[], &[]))
                .await
                .map_err(|e| anyhow_app(e.into()))?;
            pending.clear();
        }
        if (n + 1) * 10 / plan.days > reported {
            reported = (n + 1) * 10 / plan.days;
            let rate = written as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprintln!("  history: {:>3}%  {written} bookings  {rate:.0}/s", reported * 10);
        }
    }
    // As after any bulk load: without fresh statistics the planners misjudge the tables they
    // just saw grow (PostgreSQL read 710,000 attendee index entries for one room's day view until
    // its autovacuum got round to them).
    store.refresh_planner_statistics().await.map_err(|e| anyhow::anyhow!("planner statistics: {e}"))?;
    Ok(History { first, last, bookings: written })
}

/// Builds the history's report rollups, as a server running all year would have them; else the
/// first refresh of the server the benchmark starts rebuilds a year of them under the measured
/// load (measured: it held SQLite's writer for 20 s and cut the mixed workload to 5 answers/s).
/// Answers the seconds it took.
pub async fn roll_up(store: &dyn sala_app::Store, setup: &Setup) -> anyhow::Result<f64> {
    let started = Instant::now();
    sala_app::reports::rollups::refresh(store, setup.tenant.id, &setup.tenant.time_zone).await.map_err(anyhow_app)?;
    Ok(started.elapsed().as_secs_f64())
}

/// The organization's people (`count`, the setup's organizer among them), made through the use
/// case as an admin would.
async fn people(store: &dyn sala_app::Store, setup: &Setup, count: usize) -> anyhow::Result<Vec<sala_domain::User>> {
    let ctx = sala_app::Context::system(setup.tenant.id);
    let mut people = vec![setup.organizer.clone()];
    for n in 1..count {
        let person = sala_app::users::NewUser {
            email: person_email(setup, n),
            name: format!("Person {n}"),
            role: Some(sala_domain::Role::Member),
            ..Default::default()
        };
        people.push(sala_app::users::create_user(store, &ctx, person).await.map_err(anyhow_app)?);
    }
    Ok(people)
}

/// The address of the `n`-th person of the organization (`n` from 1; 0 is the setup's organizer).
pub(super) fn person_email(setup: &Setup, n: usize) -> String {
    if n == 0 {
        return setup.organizer.email.as_str().to_owned();
    }
    let domain = setup.organizer.email.as_str().split('@').nth(1).unwrap_or("bench.test");
    format!("person{n}@{domain}")
}

/// Someone of `people` organizes `b`, with up to three colleagues; one meeting in five has a client.
fn invite(dice: &mut Dice, people: &[sala_domain::User], b: &mut sala_domain::Booking) {
    let pick = |dice: &mut Dice| &people[dice.below(people.len() as u64) as usize];
    b.organizer_id = pick(dice).id;
    for _ in 0..dice.below(4) {
        let colleague = pick(dice);
        if colleague.id != b.organizer_id && b.attendees.iter().all(|a| a.user_id != Some(colleague.id)) {
            let email = colleague.email.clone();
            b.attendees.push(sala_domain::Attendee { email, name: None, user_id: Some(colleague.id) });
        }
    }
    if dice.below(5) == 0 {
        let email = sala_domain::Email::parse(&format!("client{}@customer.test", dice.below(500)));
        if let Ok(email) = email {
            b.attendees.push(sala_domain::Attendee { email, name: None, user_id: None });
        }
    }
}

/// One room's meetings on one date: on working days from about 08:00, 15 to 60 minutes each with
/// gaps of up to 10, until 20:00 or the count runs out; one weekend day in ten has one.
fn room_day(dice: &mut Dice, zone: &TimeZoneName, date: Date, per_day: usize) -> Vec<TimeRange> {
    let weekend = date.weekday().to_monday_zero_offset() >= 5;
    let count = if weekend { usize::from(dice.below(10) == 0) } else { per_day };
    let mut minute = 8 * 60 + 5 * dice.below(3) as i64;
    let mut times = Vec::with_capacity(count);
    while times.len() < count {
        let length = 15 * (1 + dice.below(4) as i64);
        if minute + length > 20 * 60 {
            break;
        }
        let at =
            |m: i64| Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).ok().and_then(|t| local_instant(date, t, zone));
        if let (Some(start), Some(end)) = (at(minute), at(minute + length)) {
            times.push(TimeRange { start, end });
        }
        minute += length + 5 * dice.below(3) as i64;
    }
    times
}

/// A booking made one to fourteen days ahead; one in twelve cancelled (some after the start),
/// one in twenty-five released by the no-show check fifteen minutes in.
fn booking(setup: &Setup, dice: &mut Dice, i: usize, room: RoomId, time: TimeRange) -> sala_domain::Booking {
    let mut b = setup.booking(i, room, time, Vec::new());
    b.created_at = time.start - (1 + dice.below(14) as i64) * 24 * 60 * MINUTE;
    b.updated_at = b.created_at;
    match dice.below(100) {
        0..8 => {
            b.status = BookingStatus::Cancelled;
            let at = time.start - dice.below(3 * 24 * 60) as i64 * MINUTE + 10 * MINUTE;
            b.cancelled_at = Some(at);
            b.updated_at = at;
            let reasons = ["Client cancelled", "Moved online", "Rescheduled", ""];
            let reason = reasons[dice.below(reasons.len() as u64) as usize];
            b.cancel_reason = (!reason.is_empty()).then(|| reason.to_owned());
        }
        8..12 => {
            b.status = BookingStatus::Released;
            b.updated_at = time.start + 15 * MINUTE;
        }
        _ => {}
    }
    b
}
