//! Utilization from stored rollups: what one room held on one local date, by local hour, kept in
//! the database beside the bookings so a report over two years sums a few hundred thousand small
//! rows instead of reading a million bookings.
//!
//! [`room_days`] makes the rows from a room's bookings with the very arithmetic of
//! [`super::utilization`] (whole minutes, overlaps counted once, only inside the bookable windows,
//! DST by jiff), and [`utilization_from`] turns their sums back into a report: the two paths
//! agree figure for figure (checked in the tests).

use super::{DateRange, DayRow, Figures, HourRow, ReportBooking, ReportError, ReportRoom, RoomRow, Utilization};
use super::{clock, held_by_room, intersect, windows};
use crate::{BookableHours, RoomId, TimeZoneName};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashMap;

/// One room's minutes held on one local date, inside its bookable hours, by local hour (a
/// fall-back's repeated hour holds up to 120).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomDay {
    pub room_id: RoomId,
    pub date: Date,
    pub booked_by_hour: [i64; 24],
}

impl RoomDay {
    /// Minutes held that date.
    pub fn booked(&self) -> i64 {
        self.booked_by_hour.iter().sum()
    }

    /// Monday = 0 ... Sunday = 6, as the heatmap counts.
    pub fn weekday(&self) -> u8 {
        self.date.weekday().to_monday_zero_offset().unsigned_abs()
    }
}

/// The rows of `room` for the dates of `range` on which it held any minute, in date order.
/// `bookings` are the room's bookings overlapping the range (others are ignored).
pub fn room_days(
    zone: &TimeZoneName,
    range: DateRange,
    room: &ReportRoom,
    bookings: &[ReportBooking],
) -> Result<Vec<RoomDay>, ReportError> {
    let tz = zone.time_zone();
    let dates: Vec<Date> = range.dates().collect();
    let office = BookableHours::office();
    let windows = windows(&tz, &dates, room.bookable_hours.as_ref().unwrap_or(&office))?;
    let held = held_by_room(std::slice::from_ref(room), bookings);
    let mut by_date: Vec<Option<[i64; 24]>> = vec![None; dates.len()];
    for (w, start, end) in intersect(&windows, &held[0]) {
        let hours = by_date[w.day].get_or_insert([0; 24]);
        clock::by_local_hour(&tz, start, end, |_, h, m| hours[h] += m)?;
    }
    Ok(dates
        .into_iter()
        .zip(by_date)
        .filter_map(|(date, hours)| hours.map(|booked_by_hour| RoomDay { room_id: room.id, date, booked_by_hour }))
        .collect())
}

/// Booked minutes as the rollups sum them, for the groupings a report asks for (`None`: not
/// asked, its rows are left out of the report).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BookedSums {
    pub by_room: Option<HashMap<RoomId, i64>>,
    pub by_day: Option<HashMap<Date, i64>>,
    pub by_weekday_hour: Option<[[i64; 24]; 7]>,
}

/// Bookable minutes of one set of bookable hours over the range, the same for every room that
/// shares them (most of an organization's rooms do): worked out once per distinct set.
struct Bookable {
    total: i64,
    by_day: Vec<i64>,
    by_weekday_hour: [[i64; 24]; 7],
}

/// A report from summed rollups: bookable minutes from the rooms' hours, booked minutes from
/// `sums`. The groupings absent from `sums` come back empty; `total` is taken from whichever
/// grouping is present (each sums to it).
pub fn utilization_from(
    zone: &TimeZoneName,
    range: DateRange,
    rooms: &[ReportRoom],
    sums: &BookedSums,
) -> Result<Utilization, ReportError> {
    let tz = zone.time_zone();
    let dates: Vec<Date> = range.dates().collect();
    let office = BookableHours::office();
    let mut cache: Vec<(&BookableHours, Bookable)> = Vec::new();
    let mut per_room = Vec::with_capacity(rooms.len());
    for room in rooms {
        let hours = room.bookable_hours.as_ref().unwrap_or(&office);
        let index = match cache.iter().position(|(h, _)| *h == hours) {
            Some(index) => index,
            None => {
                cache.push((hours, bookable(&tz, &dates, hours)?));
                cache.len() - 1
            }
        };
        per_room.push(index);
    }
    let minutes = |i: usize| &cache[i].1;
    let by_room: Vec<RoomRow> = match &sums.by_room {
        Some(booked) => rooms
            .iter()
            .zip(&per_room)
            .map(|(r, &i)| RoomRow {
                room_id: r.id,
                figures: Figures::new(booked.get(&r.id).copied().unwrap_or(0), minutes(i).total),
            })
            .collect(),
        None => Vec::new(),
    };
    let by_day: Vec<DayRow> = match &sums.by_day {
        Some(booked) => (0..dates.len())
            .map(|d| {
                let bookable = per_room.iter().map(|&i| minutes(i).by_day[d]).sum();
                DayRow { date: dates[d], figures: Figures::new(booked.get(&dates[d]).copied().unwrap_or(0), bookable) }
            })
            .collect(),
        None => Vec::new(),
    };
    let by_weekday_hour: Vec<HourRow> = match &sums.by_weekday_hour {
        Some(booked) => (0..7)
            .flat_map(|d| (0..24).map(move |h| (d, h)))
            .map(|(d, h)| {
                let bookable = per_room.iter().map(|&i| minutes(i).by_weekday_hour[d][h]).sum();
                HourRow { weekday: d as u8, hour: h as u8, figures: Figures::new(booked[d][h], bookable) }
            })
            .collect(),
        None => Vec::new(),
    };
    let bookable_total = per_room.iter().map(|&i| minutes(i).total).sum();
    let booked_total = match (&sums.by_room, &sums.by_day, &sums.by_weekday_hour) {
        (Some(rooms), _, _) => rooms.values().sum(),
        (_, Some(days), _) => days.values().sum(),
        (_, _, Some(hours)) => hours.iter().flatten().sum(),
        _ => 0,
    };
    Ok(Utilization { by_room, by_day, by_weekday_hour, total: Figures::new(booked_total, bookable_total) })
}

fn bookable(tz: &jiff::tz::TimeZone, dates: &[Date], hours: &BookableHours) -> Result<Bookable, ReportError> {
    let mut minutes = Bookable { total: 0, by_day: vec![0; dates.len()], by_weekday_hour: [[0; 24]; 7] };
    for w in windows(tz, dates, hours)? {
        minutes.total += w.close - w.open;
        minutes.by_day[w.day] += w.close - w.open;
        clock::by_local_hour(tz, w.open, w.close, |d, h, m| minutes.by_weekday_hour[d][h] += m)?;
    }
    Ok(minutes)
}

/// One room on one date: the finest grain of a report, for exports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoomDayRow {
    pub room_id: RoomId,
    pub date: Date,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Every room on every date of the range, by date then in the rooms' order, from the minutes
/// each room held that date (`booked`; pairs not given held none). Pairs with nothing bookable
/// and nothing held (a closed room's weekend) are left out.
pub fn room_day_rows(
    zone: &TimeZoneName,
    range: DateRange,
    rooms: &[ReportRoom],
    booked: &[(RoomId, Date, i64)],
) -> Result<Vec<RoomDayRow>, ReportError> {
    let tz = zone.time_zone();
    let dates: Vec<Date> = range.dates().collect();
    let office = BookableHours::office();
    let mut cache: Vec<(&BookableHours, Vec<i64>)> = Vec::new();
    let mut per_room = Vec::with_capacity(rooms.len());
    for room in rooms {
        let hours = room.bookable_hours.as_ref().unwrap_or(&office);
        let index = match cache.iter().position(|(h, _)| *h == hours) {
            Some(index) => index,
            None => {
                cache.push((hours, bookable(&tz, &dates, hours)?.by_day));
                cache.len() - 1
            }
        };
        per_room.push(index);
    }
    let held: HashMap<(RoomId, Date), i64> =
        booked.iter().map(|&(room, date, minutes)| ((room, date), minutes)).collect();
    let mut rows = Vec::new();
    for (d, date) in dates.iter().enumerate() {
        for (room, &i) in rooms.iter().zip(&per_room) {
            let (held, bookable) = (held.get(&(room.id, *date)).copied().unwrap_or(0), cache[i].1[d]);
            if held > 0 || bookable > 0 {
                rows.push(RoomDayRow { room_id: room.id, date: *date, figures: Figures::new(held, bookable) });
            }
        }
    }
    Ok(rows)
}

/// One room's bookings that started on one local date, as the cancellations report tallies them
/// and as the ghost, right-sizing and external-guest reports count their meetings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomDayStarts {
    pub room_id: RoomId,
    pub date: Date,
    pub tally: super::cancellations::Tally,
    pub meetings: super::meetings::MeetingTally,
}

/// The tallies of `room` for the dates of `range` on which any of `bookings` started (the others
/// are ignored), in date order.
pub fn room_day_starts(
    zone: &TimeZoneName,
    range: DateRange,
    room: super::sizing::SizingRoom,
    bookings: &[super::meetings::MeetingFacts],
) -> Vec<RoomDayStarts> {
    let tz = zone.time_zone();
    let mut by_date: std::collections::BTreeMap<Date, RoomDayStarts> = Default::default();
    for b in bookings {
        let Ok(at) = jiff::Timestamp::from_millisecond(b.booking.time.start) else { continue };
        let date = at.to_zoned_datetime(tz.clone()).date();
        if date >= range.from() && date <= range.to() {
            let day = by_date.entry(date).or_insert_with(|| RoomDayStarts {
                room_id: room.id,
                date,
                tally: Default::default(),
                meetings: Default::default(),
            });
            day.tally.add(&b.booking);
            day.meetings.add(b, room.capacity);
        }
    }
    by_date.into_values().collect()
}
