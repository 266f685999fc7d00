//! Ghost meetings, right-sizing and people over a crafted March 2027 in Europe/Madrid, every
//! figure worked out by hand. Summer time starts on Sunday 28 March (02:00 CET -> 03:00 CEST).
//! The report is read at `now` = Wednesday 31 March 12:00.
//!
//! Rooms:
//! - A: 4 seats; people check in to some of its meetings.
//! - B: 10 seats; nobody ever checks in there.
//! - C: 20 seats; one meeting, checked in.
//! - V: virtual (no seat count); one meeting checked in, one overlapping it not.
//!
//! Bookings (all starting in March; people = invitees + organizer; `ext`: an external guest):
//!
//! | #  | room | when                                 | status     | checked in | people | organizer | ext |
//! |----|------|--------------------------------------|------------|------------|--------|-----------|-----|
//! | 1  | A    | Mon 1 09:00-10:00                    | confirmed  | yes        | 3      | ana       |     |
//! | 2  | A    | Tue 2 10:00-11:30                    | confirmed  | no         | 2      | ana       | yes |
//! | 3  | A    | Thu 4 10:00-11:00, released 10:15:40 | released   | no         | 4      | maria     |     |
//! | 4  | A    | Fri 5 12:00-13:00                    | cancelled  | no         | 3      | ana       | yes |
//! | 5  | A    | Sat 27 23:30 - Sun 28 01:30 (CET)    | confirmed  | no         | 1      | maria     |     |
//! | 6  | A    | Sun 28 01:30 CET - 03:30 CEST (1 h)  | confirmed  | no         | 2      | luis      | yes |
//! | 7  | A    | Wed 31 11:00-13:00 (not over by now) | confirmed  | no         | 2      | ana       |     |
//! | 8  | B    | Mon 1 09:00-10:00                    | confirmed  | no         | 12     | luis      |     |
//! | 9  | B    | Wed 3 15:00-16:00                    | confirmed  | no         | 3      | ana       |     |
//! | 10 | B    | Thu 11 15:00-16:00, released 15:20   | released   | no         | 4      | ana       |     |
//! | 11 | V    | Tue 9 16:00-17:00                    | confirmed  | yes        | 6      | luis      | yes |
//! | 12 | V    | Tue 9 16:30-17:30                    | confirmed  | no         | 2      | maria     |     |
//! | 13 | C    | Mon 15 10:00-11:00                   | confirmed  | yes        | 3      | maria     |     |

use super::ghosts::{GhostFacts, GhostFigures, GhostRoomRow, ghosts};
use super::people::{GuestShare, OrganizerRow, PeopleFacts, external_guests, top_organizers};
use super::sizing::{SizingFacts, SizingRoom, SizingRow, Verdict, sizing};
use crate::booking::sample;
use crate::{Attendee, Booking, BookingStatus, Email, Millis, RoomId, TimeRange, TimeZoneName, UserId};
use jiff::civil::date;

fn zone() -> TimeZoneName {
    TimeZoneName::parse("Europe/Madrid").unwrap()
}

/// Unix milliseconds of a Madrid wall-clock time.
fn at(m: i8, d: i8, h: i8, min: i8) -> Millis {
    date(2027, m, d).at(h, min, 0, 0).to_zoned_datetime(zone().time_zone()).unwrap().timestamp().as_millisecond()
}

fn now() -> Millis {
    at(3, 31, 12, 0)
}

const A: RoomId = RoomId(uuid::Uuid::from_u128(0xa));
const B: RoomId = RoomId(uuid::Uuid::from_u128(0xb));
const C: RoomId = RoomId(uuid::Uuid::from_u128(0xc));
const V: RoomId = RoomId(uuid::Uuid::from_u128(0xf));
const ANA: UserId = UserId(uuid::Uuid::from_u128(1));
const MARIA: UserId = UserId(uuid::Uuid::from_u128(2));
const LUIS: UserId = UserId(uuid::Uuid::from_u128(3));

/// One row of the table above.
struct Row {
    room: RoomId,
    time: TimeRange,
    status: BookingStatus,
    released_at: Option<Millis>,
    checked_in: bool,
    people: u32,
    organizer: UserId,
    external: bool,
}

#[allow(clippy::too_many_arguments)]
fn row(
    room: RoomId,
    (start, end): (Millis, Millis),
    status: BookingStatus,
    released_at: Option<Millis>,
    checked_in: bool,
    people: u32,
    organizer: UserId,
    external: bool,
) -> Row {
    Row { room, time: TimeRange { start, end }, status, released_at, checked_in, people, organizer, external }
}

fn march() -> Vec<Row> {
    use BookingStatus::{Cancelled, Confirmed, Released};
    vec![
        row(A, (at(3, 1, 9, 0), at(3, 1, 10, 0)), Confirmed, None, true, 3, ANA, false),
        row(A, (at(3, 2, 10, 0), at(3, 2, 11, 30)), Confirmed, None, false, 2, ANA, true),
        row(A, (at(3, 4, 10, 0), at(3, 4, 11, 0)), Released, Some(at(3, 4, 10, 15) + 40_000), false, 4, MARIA, false),
        row(A, (at(3, 5, 12, 0), at(3, 5, 13, 0)), Cancelled, None, false, 3, ANA, true),
        row(A, (at(3, 27, 23, 30), at(3, 28, 1, 30)), Confirmed, None, false, 1, MARIA, false),
        row(A, (at(3, 28, 1, 30), at(3, 28, 3, 30)), Confirmed, None, false, 2, LUIS, true),
        row(A, (at(3, 31, 11, 0), at(3, 31, 13, 0)), Confirmed, None, false, 2, ANA, false),
        row(B, (at(3, 1, 9, 0), at(3, 1, 10, 0)), Confirmed, None, false, 12, LUIS, false),
        row(B, (at(3, 3, 15, 0), at(3, 3, 16, 0)), Confirmed, None, false, 3, ANA, false),
        row(B, (at(3, 11, 15, 0), at(3, 11, 16, 0)), Released, Some(at(3, 11, 15, 20)), false, 4, ANA, false),
        row(V, (at(3, 9, 16, 0), at(3, 9, 17, 0)), Confirmed, None, true, 6, LUIS, true),
        row(V, (at(3, 9, 16, 30), at(3, 9, 17, 30)), Confirmed, None, false, 2, MARIA, false),
        row(C, (at(3, 15, 10, 0), at(3, 15, 11, 0)), Confirmed, None, true, 3, MARIA, false),
    ]
}

fn ghost_facts() -> Vec<GhostFacts> {
    march()
        .iter()
        .map(|r| GhostFacts {
            room_id: r.room,
            status: r.status,
            time: r.time,
            ended_holding_at: r.released_at,
            checked_in: r.checked_in,
        })
        .collect()
}

fn ghost_row(room_id: RoomId, used: bool, bookings: u64, ghosts: u64, rate: f64, minutes: i64) -> GhostRoomRow {
    let figures = GhostFigures { bookings, ghosts, ghost_rate: rate, ghost_minutes: minutes };
    GhostRoomRow { room_id, check_in_used: used, figures }
}

#[test]
fn ghost_meetings_by_room_and_in_all() {
    let report = ghosts(&[A, B, C, V], &ghost_facts(), now());
    assert_eq!(
        report.by_room,
        vec![
            // A: over by now #1, #2, #3, #5, #6 (#4 cancelled, #7 still running) = 5; ghosts #2,
            // #3, #5, #6 = 4; 4 / 5 = 0.8. Minutes: #2 90, #3 15 (released 10:15:40, floored),
            // #5 120 across midnight, #6 60 (01:30 CET to 03:30 CEST is an hour) = 285.
            ghost_row(A, true, 5, 4, 0.8, 285),
            // B: nobody ever checks in there, so its empty check-ins say nothing (not even #10's
            // release): no figures.
            ghost_row(B, false, 0, 0, 0.0, 0),
            // C: #13, attended.
            ghost_row(C, true, 1, 0, 0.0, 0),
            // V: #11 attended, #12 (overlapping it) not: 1 of 2, 60 minutes.
            ghost_row(V, true, 2, 1, 0.5, 60),
        ]
    );
    // A, C and V: 8 bookings, 5 ghosts (5 / 8 = 0.625), 285 + 60 = 345 minutes.
    assert_eq!(report.total, GhostFigures { bookings: 8, ghosts: 5, ghost_rate: 0.625, ghost_minutes: 345 });
    assert_eq!(report.rooms_with_check_in, 3);
}

#[test]
fn a_meeting_counts_once_it_is_over() {
    // Read at 13:00 on the 31st, #7 is over too: A has 6 bookings and 5 ghosts (5 / 6 =
    // 0.833333 -> 0.8333), 285 + 120 minutes.
    let report = ghosts(&[A], &ghost_facts(), at(3, 31, 13, 0));
    assert_eq!(report.by_room, vec![ghost_row(A, true, 6, 5, 0.8333, 405)]);
    // Read on the 1st at 09:30, only a check-in exists: A uses check-in, nothing is over.
    let report = ghosts(&[A, B], &ghost_facts(), at(3, 1, 9, 30));
    assert_eq!(report.by_room, vec![ghost_row(A, true, 0, 0, 0.0, 0), ghost_row(B, false, 0, 0, 0.0, 0)]);
    assert_eq!(report.total, GhostFigures::default());
    // Without rooms, nothing.
    assert_eq!(ghosts(&[], &ghost_facts(), now()).total, GhostFigures::default());
}

#[test]
fn ghost_facts_of_a_released_booking_hold_until_the_release() {
    let time = TimeRange { start: at(3, 4, 10, 0), end: at(3, 4, 11, 0) };
    let released =
        Booking { status: BookingStatus::Released, updated_at: time.start + 600_000, ..sample::booking(time) };
    let facts = GhostFacts::of(&super::ReportBooking::from(&released), false);
    assert_eq!(facts.ended_holding_at, Some(time.start + 600_000));
    // Alone, it is no ghost: nobody checks in in its room at all.
    let report = ghosts(&[released.room_id], &[facts], now());
    assert_eq!((report.total, report.rooms_with_check_in), (GhostFigures::default(), 0));
    // Beside an attended meeting of its room, it is one, of 10 minutes.
    let attended = GhostFacts { checked_in: true, status: BookingStatus::Confirmed, ended_holding_at: None, ..facts };
    let report = ghosts(&[released.room_id], &[facts, attended], now());
    assert_eq!(report.total, GhostFigures { bookings: 2, ghosts: 1, ghost_rate: 0.5, ghost_minutes: 10 });
    // Read before its release, it is not over yet.
    let report = ghosts(&[released.room_id], &[facts, attended], time.start + 300_000);
    assert_eq!(report.total, GhostFigures::default());
}

fn sizing_facts() -> Vec<SizingFacts> {
    march().iter().map(|r| SizingFacts { room_id: r.room, status: r.status, people: r.people }).collect()
}

fn rooms() -> Vec<SizingRoom> {
    vec![
        SizingRoom { id: A, capacity: Some(4) },
        SizingRoom { id: B, capacity: Some(10) },
        SizingRoom { id: C, capacity: Some(20) },
        SizingRoom { id: V, capacity: None },
    ]
}

#[allow(clippy::too_many_arguments)]
fn sized(
    room_id: RoomId,
    capacity: Option<u32>,
    meetings: u64,
    average_people: f64,
    peak_people: u32,
    over_capacity: u64,
    half_empty: u64,
    verdict: Verdict,
) -> SizingRow {
    SizingRow { room_id, capacity, meetings, average_people, peak_people, over_capacity, half_empty, verdict }
}

#[test]
fn rooms_sized_against_their_meetings() {
    assert_eq!(
        sizing(&rooms(), &sizing_facts()),
        vec![
            // A (4 seats): #1, #2, #3, #5, #6, #7 (#4 cancelled; #3 released still counts, #7 not
            // over yet too): 6 meetings of 3 + 2 + 4 + 1 + 2 + 2 = 14 people, 14 / 6 = 2.3333;
            // peak 4; none over 4; at most 2 people: #2, #5, #6, #7 = 4. Not 1 in 10 over, 4 x 4
            // = 16 < 3 x 6 = 18 half empty: fits.
            sized(A, Some(4), 6, 2.3333, 4, 0, 4, Verdict::Fits),
            // B (10 seats): 12 + 3 + 4 = 19 people in 3 meetings, 6.3333; #8's 12 is over
            // (10 x 1 >= 3): too small, although #9 and #10 are half empty.
            sized(B, Some(10), 3, 6.3333, 12, 1, 2, Verdict::TooSmall),
            // C (20 seats): 3 people in its one meeting, half empty (4 x 1 >= 3 x 1): too big.
            sized(C, Some(20), 1, 3.0, 3, 0, 1, Verdict::TooBig),
            // V (virtual, no seats): 6 and 2 people, 4.0, peak 6; no verdict.
            sized(V, None, 2, 4.0, 6, 0, 0, Verdict::Unknown),
        ]
    );
}

#[test]
fn verdict_thresholds_are_on_whole_counts() {
    let room = SizingRoom { id: A, capacity: Some(4) };
    let meetings = |people: &[u32]| -> Vec<SizingFacts> {
        people.iter().map(|p| SizingFacts { room_id: A, status: BookingStatus::Confirmed, people: *p }).collect()
    };
    let verdict = |people: &[u32]| sizing(&[room], &meetings(people))[0].verdict;
    // 1 over in 10: too small; 1 over in 11: not.
    assert_eq!(verdict(&[5, 3, 3, 3, 3, 3, 3, 3, 3, 3]), Verdict::TooSmall);
    assert_eq!(verdict(&[5, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]), Verdict::Fits);
    // 3 half empty in 4: too big; 2 in 3: fits.
    assert_eq!(verdict(&[2, 1, 2, 4]), Verdict::TooBig);
    assert_eq!(verdict(&[2, 1, 3]), Verdict::Fits);
    // No meetings: nothing to judge.
    assert_eq!(verdict(&[]), Verdict::Unknown);
    let empty = &sizing(&[room], &[])[0];
    assert_eq!((empty.meetings, empty.average_people, empty.peak_people), (0, 0.0, 0));
    // One seat: one person is not half empty.
    let single = SizingRoom { id: A, capacity: Some(1) };
    assert_eq!(sizing(&[single], &meetings(&[1]))[0].verdict, Verdict::Fits);
}

#[test]
fn sizing_facts_count_the_organizer_and_a_virtual_room_has_no_seats() {
    let time = TimeRange { start: at(3, 1, 9, 0), end: at(3, 1, 10, 0) };
    let mut booking = sample::booking(time);
    booking.attendees = vec![
        Attendee { email: Email::parse("maria@acme.test").unwrap(), name: None, user_id: Some(MARIA) },
        Attendee { email: Email::parse("cliente@otra.test").unwrap(), name: None, user_id: None },
    ];
    assert_eq!(SizingFacts::from(&booking).people, 3);
    let facts = PeopleFacts::from(&booking);
    assert!(facts.external_guests);
    booking.attendees.pop();
    assert!(!PeopleFacts::from(&booking).external_guests, "an invitee of the organization is no guest");
    let mut room = crate::Room {
        id: A,
        tenant_id: booking.tenant_id,
        name: "Sala Sur".to_owned(),
        capacity: 6,
        location: None,
        equipment: Vec::new(),
        kind: crate::RoomKind::Physical,
        max_meetings: None,
        video_link: None,
        google_calendar: None,
        active: true,
        bookable_hours: None,
        rules: Default::default(),
        created_at: 0,
        updated_at: 0,
    };
    assert_eq!(SizingRoom::from(&room).capacity, Some(room.capacity));
    room.kind = crate::RoomKind::Virtual;
    assert_eq!(SizingRoom::from(&room).capacity, None);
}

fn people_facts() -> Vec<PeopleFacts> {
    march()
        .iter()
        .map(|r| PeopleFacts {
            room_id: r.room,
            organizer_id: r.organizer,
            status: r.status,
            time: r.time,
            ended_holding_at: r.released_at,
            external_guests: r.external,
        })
        .collect()
}

#[test]
fn top_organizers_by_meetings_and_minutes() {
    assert_eq!(
        top_organizers(&people_facts(), 10),
        vec![
            // Ana: #1 60, #2 90, #7 120, #9 60, #10 20 (released at 15:20); #4 cancelled.
            OrganizerRow { organizer_id: ANA, meetings: 5, minutes: 350 },
            // María: #3 15, #5 120, #12 60, #13 60.
            OrganizerRow { organizer_id: MARIA, meetings: 4, minutes: 255 },
            // Luis: #6 60 (across the clock change), #8 60, #11 60.
            OrganizerRow { organizer_id: LUIS, meetings: 3, minutes: 180 },
        ]
    );
    assert_eq!(top_organizers(&people_facts(), 1).len(), 1);
    assert!(top_organizers(&[], 10).is_empty());
}

#[test]
fn organizers_tied_on_meetings_go_by_minutes_then_id() {
    let facts = people_facts();
    // Only #6 (Luis, 60) and #5 (María, 120): one meeting each, María's longer.
    let two = [facts[5], facts[4]];
    let rows = top_organizers(&two, 10);
    assert_eq!(rows.iter().map(|r| r.organizer_id).collect::<Vec<_>>(), vec![MARIA, LUIS]);
    // #1 (Ana, 60) and #6 (Luis, 60): equal, by id.
    let rows = top_organizers(&[facts[5], facts[0]], 10);
    assert_eq!(rows.iter().map(|r| r.organizer_id).collect::<Vec<_>>(), vec![ANA, LUIS]);
}

#[test]
fn share_of_meetings_with_external_guests() {
    // 13 bookings, #4 cancelled: 12 meetings; with external guests #2, #6, #11 (#4's does not
    // count): 3 / 12 = 0.25.
    assert_eq!(
        external_guests(&people_facts()),
        GuestShare { meetings: 12, with_external_guests: 3, external_guest_share: 0.25 }
    );
    assert_eq!(external_guests(&[]), GuestShare::default());
}

/// The rollups' path: tallies made one room and date at a time (as refreshes make them), summed,
/// with the dates from the first unsettled one counted live, give every reference figure.
#[test]
fn day_tallies_give_the_reference_figures() {
    use super::DateRange;
    use super::cancellations::BookingFacts;
    use super::ghosts::ghosts_from;
    use super::meetings::{MeetingFacts, MeetingTally, ghost_sums_of};
    use super::rollup::room_day_starts;
    use super::sizing::sizing_from;
    use std::collections::HashMap;
    let facts = |r: &Row| MeetingFacts {
        booking: BookingFacts {
            status: r.status,
            time: r.time,
            created_at: r.time.start,
            cancelled_at: None,
            cancel_reason: None,
        },
        updated_at: r.released_at.unwrap_or(r.time.start),
        people: r.people,
        external_guests: r.external,
        checked_in: r.checked_in,
    };
    let march_range = DateRange::new(date(2027, 3, 1), date(2027, 3, 31)).unwrap();
    let mut days = Vec::new();
    for room in rooms() {
        let mine: Vec<MeetingFacts> = march().iter().filter(|r| r.room == room.id).map(facts).collect();
        for day in march_range.dates() {
            days.extend(room_day_starts(&zone(), DateRange::new(day, day).unwrap(), room, &mine));
        }
    }
    // Only the 31st holds a meeting not over by now (#7).
    let cutoff = days.iter().filter(|d| d.meetings.held_until > now()).map(|d| d.date).min();
    assert_eq!(cutoff, Some(date(2027, 3, 31)));
    let sum = |keep: &dyn Fn(&jiff::civil::Date) -> bool| {
        let mut sums: HashMap<RoomId, MeetingTally> = HashMap::new();
        for d in days.iter().filter(|d| keep(&d.date)) {
            sums.entry(d.room_id).or_default().merge(&d.meetings);
        }
        sums
    };
    let (whole, settled) = (sum(&|_| true), sum(&|d| *d < date(2027, 3, 31)));
    let live: Vec<GhostFacts> = ghost_facts().into_iter().filter(|f| f.time.start >= at(3, 31, 0, 0)).collect();
    let ghost_sums = ghost_sums_of(&whole, &settled, &live, now());
    assert_eq!(ghosts_from(&[A, B, C, V], &ghost_sums), ghosts(&[A, B, C, V], &ghost_facts(), now()));
    let sizing_sums: HashMap<RoomId, _> = whole.iter().map(|(room, t)| (*room, t.sizing)).collect();
    assert_eq!(sizing_from(&rooms(), &sizing_sums), sizing(&rooms(), &sizing_facts()));
    let (meetings, with) = whole.values().fold((0, 0), |(m, w), t| (m + t.sizing.meetings, w + t.with_external_guests));
    assert_eq!(GuestShare::of(meetings, with), external_guests(&people_facts()));
    // Summed as if everything were over, A's ghosts take in #7 too (5 + 1, 285 + 120 minutes).
    assert_eq!((whole[&A].ghosts, whole[&A].ghost_minutes), (5, 405));
}

#[test]
fn organizer_days_sum_to_the_top_organizers() {
    use super::DateRange;
    use super::people::{OrganizerFacts, OrganizerRow, organizer_days, top_of};
    let facts: Vec<OrganizerFacts> = march()
        .iter()
        .map(|r| OrganizerFacts {
            organizer_id: r.organizer,
            status: r.status,
            time: r.time,
            updated_at: r.released_at.unwrap_or(r.time.start),
        })
        .collect();
    let days = organizer_days(&zone(), DateRange::new(date(2027, 3, 1), date(2027, 3, 31)).unwrap(), &facts);
    // Ana on the 1st (#1) and the 2nd (#2) are two rows; #4 (cancelled) none.
    assert_eq!(days.iter().filter(|d| d.organizer_id == ANA).count(), 5);
    let mut sums: std::collections::HashMap<UserId, (u64, i64)> = Default::default();
    for d in &days {
        let sum = sums.entry(d.organizer_id).or_default();
        sum.0 += d.meetings;
        sum.1 += d.minutes;
    }
    let rows =
        sums.into_iter().map(|(organizer_id, (meetings, minutes))| OrganizerRow { organizer_id, meetings, minutes });
    assert_eq!(top_of(rows.collect(), 10), top_organizers(&people_facts(), 10));
}

#[test]
fn ranges_split_into_whole_months_and_the_days_around_them() {
    use super::DateRange;
    use super::people::month_split;
    let split = |from, to| month_split(DateRange::new(from, to).unwrap());
    // 15 Jan - 10 Apr: February and March whole, the days around them.
    assert_eq!(
        split(date(2027, 1, 15), date(2027, 4, 10)),
        (
            Some((date(2027, 2, 1), date(2027, 3, 1))),
            vec![(date(2027, 1, 15), date(2027, 1, 31)), (date(2027, 4, 1), date(2027, 4, 10))]
        )
    );
    // Whole months exactly: no days.
    assert_eq!(split(date(2027, 1, 1), date(2027, 2, 28)), (Some((date(2027, 1, 1), date(2027, 2, 1))), vec![]));
    // Inside one month: days only.
    assert_eq!(split(date(2027, 3, 2), date(2027, 3, 30)), (None, vec![(date(2027, 3, 2), date(2027, 3, 30))]));
    // Across two partial months: days only.
    assert_eq!(split(date(2027, 3, 20), date(2027, 4, 5)), (None, vec![(date(2027, 3, 20), date(2027, 4, 5))]));
    // A leap February, whole.
    assert_eq!(split(date(2028, 2, 1), date(2028, 2, 29)), (Some((date(2028, 2, 1), date(2028, 2, 1))), vec![]));
}

#[test]
fn runs_of_dates_merge_where_they_touch() {
    use super::people::merged;
    let d = |m, day| date(2027, m, day);
    assert_eq!(
        merged([
            (d(3, 10), d(3, 12)),
            (d(3, 1), d(3, 3)),
            (d(3, 4), d(3, 5)),
            (d(3, 11), d(3, 20)),
            (d(3, 22), d(3, 22))
        ]),
        vec![(d(3, 1), d(3, 5)), (d(3, 10), d(3, 20)), (d(3, 22), d(3, 22))]
    );
    assert!(merged([]).is_empty());
}
