//! A crafted March 2027 in Europe/Madrid, every figure worked out by hand.
//!
//! March 2027 starts on a Monday: 5 Mondays, Tuesdays and Wednesdays (1-3, 29-31 included), 4 of
//! every other weekday; 23 weekdays. Summer time starts on Sunday 28 March (02:00 CET -> 03:00 CEST).
//!
//! - Room A has no bookable hours: Monday to Friday 08:00-20:00, 720 minutes a day.
//!   Bookable: 23 x 720 = 16560.
//! - Room B (virtual: meetings may overlap) is open Friday, Saturday and Sunday 00:00-23:59,
//!   1439 minutes a day, but 1379 on 28 March (an hour less). Bookable: 12 x 1439 - 60 = 17208.

use super::*;
use crate::booking::sample;
use crate::room::Weekday;
use jiff::civil::{Time, date};

fn zone() -> TimeZoneName {
    TimeZoneName::parse("Europe/Madrid").unwrap()
}

/// Unix milliseconds of a Madrid wall-clock time.
fn at(y: i16, m: i8, d: i8, h: i8, min: i8) -> Millis {
    date(y, m, d).at(h, min, 0, 0).to_zoned_datetime(zone().time_zone()).unwrap().timestamp().as_millisecond()
}

fn room_a() -> ReportRoom {
    ReportRoom { id: RoomId(uuid::Uuid::from_u128(1)), bookable_hours: None }
}

fn room_b() -> ReportRoom {
    let hours = BookableHours {
        days: vec![Weekday::Fri, Weekday::Sat, Weekday::Sun],
        opens: Time::constant(0, 0, 0, 0),
        closes: Time::constant(23, 59, 0, 0),
    };
    ReportRoom { id: RoomId(uuid::Uuid::from_u128(2)), bookable_hours: Some(hours) }
}

fn booking(room: &ReportRoom, status: BookingStatus, start: Millis, end: Millis) -> ReportBooking {
    ReportBooking { room_id: room.id, status, time: TimeRange { start, end }, ended_holding_at: None }
}

fn confirmed(room: &ReportRoom, start: Millis, end: Millis) -> ReportBooking {
    booking(room, BookingStatus::Confirmed, start, end)
}

fn march() -> Vec<ReportBooking> {
    let (a, b) = (room_a(), room_b());
    let released = ReportBooking {
        // Released 15 minutes and 40 seconds in: it counts 15 whole minutes.
        ended_holding_at: Some(at(2027, 3, 4, 10, 15) + 40_000),
        ..booking(&a, BookingStatus::Released, at(2027, 3, 4, 10, 0), at(2027, 3, 4, 11, 0))
    };
    vec![
        // A, Mon 1: 09:00-10:00 -> 60.
        confirmed(&a, at(2027, 3, 1, 9, 0), at(2027, 3, 1, 10, 0)),
        // A, Tue 2: 19:00-21:00, closes at 20:00 -> 60.
        confirmed(&a, at(2027, 3, 2, 19, 0), at(2027, 3, 2, 21, 0)),
        // A, Wed 3: 07:30-08:30, opens at 08:00 -> 30.
        confirmed(&a, at(2027, 3, 3, 7, 30), at(2027, 3, 3, 8, 30)),
        // A, Thu 4: 10:00-11:00 released at 10:15:40 -> 15.
        released,
        // A, Fri 5: cancelled -> 0.
        booking(&a, BookingStatus::Cancelled, at(2027, 3, 5, 12, 0), at(2027, 3, 5, 13, 0)),
        // A, Sat 6: no office hours on Saturday -> 0.
        confirmed(&a, at(2027, 3, 6, 10, 0), at(2027, 3, 6, 12, 0)),
        // A, Mon 29 (summer time): 09:00-10:30 -> 90.
        confirmed(&a, at(2027, 3, 29, 9, 0), at(2027, 3, 29, 10, 30)),
        // A, Wed 31 19:00 to Thu 1 April 09:00: 19:00-20:00 inside the range -> 60.
        confirmed(&a, at(2027, 3, 31, 19, 0), at(2027, 4, 1, 9, 0)),
        // A, Fri 26 February: before the range -> 0.
        confirmed(&a, at(2027, 2, 26, 10, 0), at(2027, 2, 26, 11, 0)),
        // B, Fri 5 22:00 to Sat 6 02:00 across midnight: Fri 22:00-23:59 -> 119, Sat 00:00-02:00 -> 120.
        confirmed(&b, at(2027, 3, 5, 22, 0), at(2027, 3, 6, 2, 0)),
        // B, Sat 6 01:00-03:00, overlapping the one above: Sat is 00:00-03:00 once -> 180 in all.
        confirmed(&b, at(2027, 3, 6, 1, 0), at(2027, 3, 6, 3, 0)),
        // B, Sun 28 01:30 CET to 03:30 CEST: 01:30-02:00 and 03:00-03:30 -> 60.
        confirmed(&b, at(2027, 3, 28, 1, 30), at(2027, 3, 28, 3, 30)),
        // B, Sun 14: cancelled -> 0.
        booking(&b, BookingStatus::Cancelled, at(2027, 3, 14, 10, 0), at(2027, 3, 14, 12, 0)),
    ]
}

fn march_report() -> Utilization {
    let range = DateRange::new(date(2027, 3, 1), date(2027, 3, 31)).unwrap();
    utilization(&zone(), range, &[room_a(), room_b()], &march()).unwrap()
}

fn figures(booked: i64, bookable: i64, utilization: f64) -> Figures {
    Figures { booked_minutes: booked, bookable_minutes: bookable, utilization }
}

#[test]
fn utilization_by_room() {
    let report = march_report();
    let rows: Vec<_> = report.by_room.iter().map(|r| (r.room_id, r.figures)).collect();
    assert_eq!(
        rows,
        vec![
            // 60 + 60 + 30 + 15 + 90 + 60 = 315; 315 / 16560 = 0.019021... -> 0.0190
            (room_a().id, figures(315, 16560, 0.019)),
            // 119 + 180 + 60 = 359; 359 / 17208 = 0.020862... -> 0.0209
            (room_b().id, figures(359, 17208, 0.0209)),
        ]
    );
    // 674 / 33768 = 0.019960... -> 0.0200
    assert_eq!(report.total, figures(674, 33768, 0.02));
}

#[test]
fn utilization_by_day() {
    let report = march_report();
    assert_eq!(report.by_day.len(), 31);
    let day = |d: i8| report.by_day.iter().find(|r| r.date == date(2027, 3, d)).map(|r| r.figures);
    // Mon 1: A's 720; 60 / 720 = 0.08333 -> 0.0833
    assert_eq!(day(1), Some(figures(60, 720, 0.0833)));
    assert_eq!(day(2), Some(figures(60, 720, 0.0833)));
    // 30 / 720 = 0.041666 -> 0.0417
    assert_eq!(day(3), Some(figures(30, 720, 0.0417)));
    // 15 / 720 = 0.020833 -> 0.0208
    assert_eq!(day(4), Some(figures(15, 720, 0.0208)));
    // Fri 5: A 720 + B 1439 = 2159; B's 119 (A's was cancelled); 119 / 2159 = 0.055118 -> 0.0551
    assert_eq!(day(5), Some(figures(119, 2159, 0.0551)));
    // Sat 6: B only; 180 / 1439 = 0.125086 -> 0.1251
    assert_eq!(day(6), Some(figures(180, 1439, 0.1251)));
    // Sun 14: only a cancelled booking.
    assert_eq!(day(14), Some(figures(0, 1439, 0.0)));
    // Sun 28: 1439 - 60 = 1379; 60 / 1379 = 0.043509 -> 0.0435
    assert_eq!(day(28), Some(figures(60, 1379, 0.0435)));
    // 90 / 720 = 0.125
    assert_eq!(day(29), Some(figures(90, 720, 0.125)));
    assert_eq!(day(31), Some(figures(60, 720, 0.0833)));
    // Tue 9: open, nothing booked.
    assert_eq!(day(9), Some(figures(0, 720, 0.0)));
    let booked: i64 = report.by_day.iter().map(|r| r.figures.booked_minutes).sum();
    let bookable: i64 = report.by_day.iter().map(|r| r.figures.bookable_minutes).sum();
    assert_eq!((booked, bookable), (674, 33768));
}

#[test]
fn utilization_by_weekday_hour() {
    let report = march_report();
    assert_eq!(report.by_weekday_hour.len(), 7 * 24);
    let cell = |weekday: u8, hour: u8| {
        let row = &report.by_weekday_hour[usize::from(weekday) * 24 + usize::from(hour)];
        assert_eq!((row.weekday, row.hour), (weekday, hour));
        row.figures
    };
    // Monday 09: 60 (1st) + 60 (29th); 5 Mondays x 60 = 300; 120 / 300 = 0.4
    assert_eq!(cell(0, 9), figures(120, 300, 0.4));
    // Monday 10: 10:00-10:30 on the 29th; 30 / 300 = 0.1
    assert_eq!(cell(0, 10), figures(30, 300, 0.1));
    // Tuesday 19: 60 / 300 = 0.2; Tuesday 20: closed.
    assert_eq!(cell(1, 19), figures(60, 300, 0.2));
    assert_eq!(cell(1, 20), figures(0, 0, 0.0));
    // Wednesday 08: 30 / 300 = 0.1; Wednesday 19 (the 31st): 60 / 300 = 0.2
    assert_eq!(cell(2, 8), figures(30, 300, 0.1));
    assert_eq!(cell(2, 19), figures(60, 300, 0.2));
    // Thursday 10: the released 15; 4 Thursdays x 60 = 240; 15 / 240 = 0.0625
    assert_eq!(cell(3, 10), figures(15, 240, 0.0625));
    // Friday 12: A's cancelled booking; A and B open, 4 x 60 + 4 x 60 = 480.
    assert_eq!(cell(4, 12), figures(0, 480, 0.0));
    // The booking across midnight: Friday 22 (60 / 240 = 0.25), Friday 23 (59 / 236, B closes at
    // 23:59: 0.25), then Saturday 00, 01 and 02 with the overlapping one (60 / 240 = 0.25 each).
    assert_eq!(cell(4, 22), figures(60, 240, 0.25));
    assert_eq!(cell(4, 23), figures(59, 236, 0.25));
    for hour in 0..3 {
        assert_eq!(cell(5, hour), figures(60, 240, 0.25), "Saturday {hour}");
    }
    assert_eq!(cell(5, 3), figures(0, 240, 0.0));
    // Sunday 28: 01:30-02:00 in hour 1, no hour 2 that day, 03:00-03:30 in hour 3.
    // Hour 1: 30 / 240 = 0.125; hour 2: 3 Sundays x 60 = 180; hour 3: 30 / 240 = 0.125
    assert_eq!(cell(6, 1), figures(30, 240, 0.125));
    assert_eq!(cell(6, 2), figures(0, 180, 0.0));
    assert_eq!(cell(6, 3), figures(30, 240, 0.125));
    assert_eq!(cell(6, 10), figures(0, 240, 0.0), "Sunday 14's booking was cancelled");
    let booked: i64 = report.by_weekday_hour.iter().map(|r| r.figures.booked_minutes).sum();
    let bookable: i64 = report.by_weekday_hour.iter().map(|r| r.figures.bookable_minutes).sum();
    assert_eq!((booked, bookable), (674, 33768));
}

#[test]
fn a_range_must_have_a_day() {
    let (from, to) = (date(2027, 3, 2), date(2027, 3, 1));
    assert_eq!(DateRange::new(from, to), Err(ReportError::EmptyRange { from, to }));
    let one = DateRange::new(to, to).unwrap();
    assert_eq!(one.dates().collect::<Vec<_>>(), vec![to]);
    // Mon 1 March only: A's 09:00-10:00.
    let report = utilization(&zone(), one, &[room_a(), room_b()], &march()).unwrap();
    assert_eq!(report.total, figures(60, 720, 0.0833));
    assert_eq!(report.by_room[1].figures, figures(0, 0, 0.0), "B is closed on Mondays");
}

#[test]
fn bookings_of_other_rooms_are_ignored() {
    let range = DateRange::new(date(2027, 3, 1), date(2027, 3, 31)).unwrap();
    let report = utilization(&zone(), range, &[room_b()], &march()).unwrap();
    assert_eq!(report.total, figures(359, 17208, 0.0209));
    assert!(utilization(&zone(), range, &[], &march()).unwrap().by_room.is_empty());
}

#[test]
fn a_released_booking_holds_until_its_release() {
    let time = TimeRange { start: at(2027, 3, 4, 10, 0), end: at(2027, 3, 4, 11, 0) };
    let released =
        Booking { status: BookingStatus::Released, updated_at: time.start + 600_000, ..sample::booking(time) };
    let input = ReportBooking::from(&released);
    assert_eq!(input.ended_holding_at, Some(time.start + 600_000));
    assert_eq!(ReportBooking::from(&sample::booking(time)).ended_holding_at, None);
    let room = ReportRoom { id: released.room_id, bookable_hours: None };
    let range = DateRange::new(date(2027, 3, 4), date(2027, 3, 4)).unwrap();
    let report = utilization(&zone(), range, &[room], &[input]).unwrap();
    // 10:00-10:10 of 08:00-20:00: 10 / 720 = 0.013888 -> 0.0139
    assert_eq!(report.total, figures(10, 720, 0.0139));
}

#[test]
fn rows_serialize_with_their_arithmetic() {
    let row = DayRow { date: date(2027, 3, 1), figures: figures(60, 720, 0.0833) };
    assert_eq!(
        serde_json::to_string(&row).unwrap(),
        r#"{"date":"2027-03-01","booked_minutes":60,"bookable_minutes":720,"utilization":0.0833}"#
    );
}

/// The rows of every room, made one date at a time (as a refresh after a change does) or over
/// the whole range, summed into all three groupings.
fn rolled_up(range: DateRange, rooms: &[ReportRoom], day_by_day: bool) -> rollup::BookedSums {
    let mut by_room = HashMap::new();
    let mut by_day = HashMap::new();
    let mut by_weekday_hour = [[0; 24]; 7];
    let ranges: Vec<DateRange> =
        if day_by_day { range.dates().map(|d| DateRange::new(d, d).unwrap()).collect() } else { vec![range] };
    for room in rooms {
        for part in &ranges {
            for day in rollup::room_days(&zone(), *part, room, &march()).unwrap() {
                *by_room.entry(day.room_id).or_default() += day.booked();
                *by_day.entry(day.date).or_default() += day.booked();
                for (hour, minutes) in day.booked_by_hour.iter().enumerate() {
                    by_weekday_hour[usize::from(day.weekday())][hour] += minutes;
                }
            }
        }
    }
    rollup::BookedSums { by_room: Some(by_room), by_day: Some(by_day), by_weekday_hour: Some(by_weekday_hour) }
}

#[test]
fn rollups_give_the_reference_figures() {
    let range = DateRange::new(date(2027, 3, 1), date(2027, 3, 31)).unwrap();
    let rooms = [room_a(), room_b()];
    for day_by_day in [false, true] {
        let sums = rolled_up(range, &rooms, day_by_day);
        assert_eq!(rollup::utilization_from(&zone(), range, &rooms, &sums).unwrap(), march_report());
    }
}

#[test]
fn rollup_rows_hold_the_hours_of_their_date() {
    let range = DateRange::new(date(2027, 3, 5), date(2027, 3, 6)).unwrap();
    let days = rollup::room_days(&zone(), range, &room_b(), &march()).unwrap();
    // Fri 5 22:00-23:59 (119), Sat 6 00:00-03:00 once despite the overlap (180).
    assert_eq!(
        days.iter().map(|d| (d.date, d.booked())).collect::<Vec<_>>(),
        vec![(date(2027, 3, 5), 119), (date(2027, 3, 6), 180)]
    );
    assert_eq!((days[0].booked_by_hour[22], days[0].booked_by_hour[23]), (60, 59));
    assert_eq!(days[1].booked_by_hour[..4], [60, 60, 60, 0]);
    assert_eq!((days[0].weekday(), days[1].weekday()), (4, 5));
    // Only the groupings asked for: the others stay empty, the total is still whole.
    let sums = rollup::BookedSums { by_room: Some(HashMap::from([(room_b().id, 299)])), ..Default::default() };
    let report = rollup::utilization_from(&zone(), range, &[room_b()], &sums).unwrap();
    assert!(report.by_day.is_empty() && report.by_weekday_hour.is_empty());
    // 2 x 1439 bookable; 299 / 2878 = 0.103891 -> 0.1039
    assert_eq!(report.total, figures(299, 2878, 0.1039));
}

#[test]
fn room_day_rows_carry_each_rooms_day() {
    let range = DateRange::new(date(2027, 3, 5), date(2027, 3, 6)).unwrap();
    let rooms = [room_a(), room_b()];
    let booked = [(room_b().id, date(2027, 3, 5), 119), (room_b().id, date(2027, 3, 6), 180)];
    let rows = rollup::room_day_rows(&zone(), range, &rooms, &booked).unwrap();
    let got: Vec<_> = rows.iter().map(|r| (r.room_id, r.date, r.figures)).collect();
    assert_eq!(
        got,
        vec![
            // Fri 5: A open and idle, B 119 of 1439 (0.082696 -> 0.0827).
            (room_a().id, date(2027, 3, 5), figures(0, 720, 0.0)),
            (room_b().id, date(2027, 3, 5), figures(119, 1439, 0.0827)),
            // Sat 6: A closed and idle (left out), B 180 of 1439 (0.125086 -> 0.1251).
            (room_b().id, date(2027, 3, 6), figures(180, 1439, 0.1251)),
        ]
    );
}

#[test]
fn start_tallies_merge_to_the_reference_cancellations() {
    use super::meetings::MeetingFacts;
    use super::sizing::SizingRoom;
    use cancellations::{BookingFacts, Tally, cancellations};
    let facts: Vec<BookingFacts> = march()
        .iter()
        .map(|b| BookingFacts {
            status: b.status,
            time: b.time,
            created_at: b.time.start - 86_400_000,
            cancelled_at: (b.status == BookingStatus::Cancelled).then_some(b.time.start - 3_600_000),
            cancel_reason: (b.status == BookingStatus::Cancelled).then(|| " Otra cita ".to_owned()),
        })
        .collect();
    let range = DateRange::new(date(2027, 3, 1), date(2027, 3, 31)).unwrap();
    let in_range: Vec<BookingFacts> = facts
        .iter()
        .filter(|b| b.time.start >= at(2027, 3, 1, 0, 0) && b.time.start < at(2027, 4, 1, 0, 0))
        .cloned()
        .collect();
    let mut merged = Tally::default();
    for room in [room_a(), room_b()] {
        let mine: Vec<MeetingFacts> = facts
            .iter()
            .zip(march())
            .filter(|(_, b)| b.room_id == room.id)
            .map(|(f, _)| MeetingFacts {
                booking: f.clone(),
                updated_at: f.time.start,
                people: 1,
                external_guests: false,
                checked_in: false,
            })
            .collect();
        let seated = SizingRoom { id: room.id, capacity: Some(4) };
        // One date at a time, as a refresh after a change makes them.
        for day in range.dates() {
            let one = DateRange::new(day, day).unwrap();
            for row in rollup::room_day_starts(&zone(), one, seated, &mine) {
                assert_eq!(row.date, day);
                merged.merge(&row.tally);
            }
        }
    }
    let figures = merged.figures();
    assert_eq!(figures, cancellations(&in_range));
    // 12 bookings start in March (February's is out), 2 of them cancelled, each an hour before.
    assert_eq!((figures.bookings, figures.cancelled), (12, 2));
    assert_eq!(figures.by_notice[2].count, 2, "under a day");
}
