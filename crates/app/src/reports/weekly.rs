//! The weekly summary email for admins who ask for it: every Monday at 08:00 in the
//! organization's zone, last week's use of the rooms (Monday to Sunday, civil dates in that zone).
//!
//! [`schedule`] runs every few minutes on every instance. For each organization it finds the
//! week whose summary is due (the last one that ended before the latest Monday 08:00) and writes
//! one `weekly_report` job per admin who asked for it, together with a mark on the person that
//! only moves forward: however many instances try, and however often, each week is written once.
//! A server that was down on Monday sends that week's summary when it comes back; a server down
//! for several weeks sends only the latest one.
//!
//! [`weekly_summary`] is what the job puts in the email: the figures of the utilization and
//! cancellation reports for the week and the week before, as the admin would see them.

use super::{UtilizationQuery, UtilizationReport, cancellations_report, utilization_report};
use crate::{AppResult, Context, Store};
use jiff::civil::{Date, Weekday};
use sala_domain::jobs::{JobPayload, WeeklyReportPayload};
use sala_domain::reports::cancellations::Cancellations;
use sala_domain::reports::{Figures, HourRow};
use sala_domain::{Job, Millis, Room, TimeZoneName};

/// The local hour on Monday the summary is due.
pub const SEND_HOUR: i8 = 8;

/// How many rooms each of the busiest and least used lists names.
pub const ROOMS_LISTED: usize = 5;

/// The Monday of the week whose summary is due at `now` in `zone`: the week before the latest
/// Monday 08:00 that is not after `now`. `None` only near the ends of time.
pub fn due_week(zone: &TimeZoneName, now: Millis) -> Option<Date> {
    let local = sala_domain::dates::zoned(now, zone)?;
    let today = local.date();
    let since_monday = i64::from(today.weekday().to_monday_zero_offset());
    let mut monday = today.checked_sub(jiff::Span::new().days(since_monday)).ok()?;
    let due = sala_domain::dates::local_instant(monday, jiff::civil::time(SEND_HOUR, 0, 0, 0), zone)?;
    if now < due {
        monday = monday.checked_sub(jiff::Span::new().days(7)).ok()?;
    }
    monday.checked_sub(jiff::Span::new().days(7)).ok()
}

/// The Sunday that ends the week starting on `monday`.
pub fn week_end(monday: Date) -> Date {
    monday.checked_add(jiff::Span::new().days(6)).unwrap_or(monday)
}

/// Writes the weekly summary jobs due at `now`: one per organization, admin who asked for it and
/// week, however often this runs and on however many instances. Returns how many were written.
pub async fn schedule(store: &dyn Store, now: Millis) -> sala_store::Result<usize> {
    let mut written = 0;
    for tenant in store.list_tenants().await? {
        let Some(week) = due_week(&tenant.time_zone, now) else { continue };
        for admin in store.weekly_report_admins(tenant.id).await? {
            let payload = WeeklyReportPayload { user_id: admin.id, week };
            let job = Job::for_tenant(tenant.id, JobPayload::WeeklyReport(payload), now, now);
            if store.schedule_weekly_report(tenant.id, admin.id, &week.to_string(), &job).await? {
                tracing::info!(tenant = %tenant.id, user = %admin.id, %week, "weekly summary scheduled");
                written += 1;
            }
        }
    }
    Ok(written)
}

/// One room in a list of the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct RoomLine {
    pub name: String,
    pub figures: Figures,
}

/// The busiest hour of the week: a weekday (Monday = 0) and a local hour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Peak {
    pub weekday: u8,
    pub hour: u8,
    pub figures: Figures,
}

/// What the weekly email tells.
#[derive(Clone, Debug, PartialEq)]
pub struct WeeklySummary {
    /// The week: Monday to Sunday.
    pub from: Date,
    pub to: Date,
    /// Every room together.
    pub total: Figures,
    /// Every room together, the week before.
    pub previous: Figures,
    /// The most used rooms (with bookings), most used first.
    pub busiest: Vec<RoomLine>,
    /// The least used rooms not among the busiest, least used first; rooms with no bookable time
    /// in the week are in neither list.
    pub least_used: Vec<RoomLine>,
    /// The weekday and hour with the highest occupancy; `None` when nothing was booked.
    pub peak: Option<Peak>,
    /// Bookings starting in the week, and how many of them were cancelled.
    pub bookings: u64,
    pub cancelled: u64,
    pub cancellation_rate: f64,
}

impl WeeklySummary {
    /// The change of utilization from the week before, in percentage points, to one decimal.
    pub fn change_points(&self) -> f64 {
        ((self.total.utilization - self.previous.utilization) * 1000.0).round() / 10.0
    }
}

/// The summary of the week starting on `monday`, as `ctx` (an admin) may see it.
pub async fn weekly_summary(store: &dyn Store, ctx: &Context, monday: Date) -> AppResult<WeeklySummary> {
    let week = |from: Date| UtilizationQuery::all_rooms(from, week_end(from));
    let before = monday.checked_sub(jiff::Span::new().days(7)).unwrap_or(monday);
    let this = utilization_report(store, ctx, week(monday)).await?;
    let previous = utilization_report(store, ctx, week(before)).await?;
    let cancellations = cancellations_report(store, ctx, week(monday)).await?;
    let rooms = store.list_rooms(ctx.tenant_id(), true).await?;
    Ok(summarize(monday, &this, &previous, &cancellations, &rooms))
}

/// The summary from the reports of the week and the week before. Pure.
pub fn summarize(
    monday: Date,
    this: &UtilizationReport,
    previous: &UtilizationReport,
    cancellations: &Cancellations,
    rooms: &[Room],
) -> WeeklySummary {
    let name = |id| rooms.iter().find(|r| r.id == id).map(|r| r.name.clone()).unwrap_or_default();
    let lines: Vec<RoomLine> = this
        .figures
        .by_room
        .iter()
        .filter(|row| row.figures.bookable_minutes > 0)
        .map(|row| RoomLine { name: name(row.room_id), figures: row.figures })
        .collect();
    // By utilization, equals by booked minutes, then by name, so the lists are stable.
    let order = |a: &RoomLine, b: &RoomLine| {
        a.figures
            .utilization
            .total_cmp(&b.figures.utilization)
            .then(a.figures.booked_minutes.cmp(&b.figures.booked_minutes))
    };
    let mut most: Vec<usize> = (0..lines.len()).filter(|i| lines[*i].figures.booked_minutes > 0).collect();
    most.sort_by(|a, b| order(&lines[*b], &lines[*a]).then_with(|| lines[*a].name.cmp(&lines[*b].name)));
    most.truncate(ROOMS_LISTED);
    let mut least: Vec<usize> = (0..lines.len()).filter(|i| !most.contains(i)).collect();
    least.sort_by(|a, b| order(&lines[*a], &lines[*b]).then_with(|| lines[*a].name.cmp(&lines[*b].name)));
    least.truncate(ROOMS_LISTED);
    let busiest = most.iter().map(|i| lines[*i].clone()).collect();
    let least_used = least.iter().map(|i| lines[*i].clone()).collect();
    WeeklySummary {
        from: monday,
        to: week_end(monday),
        total: this.figures.total,
        previous: previous.figures.total,
        busiest,
        least_used,
        peak: peak(&this.figures.by_weekday_hour),
        bookings: cancellations.bookings,
        cancelled: cancellations.cancelled,
        cancellation_rate: cancellations.cancellation_rate,
    }
}

/// The booked hour with the highest utilization (then the most booked minutes); the earliest of
/// equals.
fn peak(hours: &[HourRow]) -> Option<Peak> {
    let mut best: Option<&HourRow> = None;
    for row in hours.iter().filter(|r| r.figures.booked_minutes > 0) {
        let better = best.is_none_or(|b| {
            row.figures
                .utilization
                .total_cmp(&b.figures.utilization)
                .then(row.figures.booked_minutes.cmp(&b.figures.booked_minutes))
                .is_gt()
        });
        if better {
            best = Some(row);
        }
    }
    best.map(|r| Peak { weekday: r.weekday, hour: r.hour, figures: r.figures })
}

/// The weekday of a [`Peak`] (Monday = 0).
pub fn weekday(index: u8) -> Weekday {
    Weekday::from_monday_zero_offset(i8::try_from(index % 7).unwrap_or(0)).unwrap_or(Weekday::Monday)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ms(zone: &str, d: Date, h: i8, m: i8) -> Millis {
        d.at(h, m, 0, 0).to_zoned_datetime(jiff::tz::TimeZone::get(zone).unwrap()).unwrap().timestamp().as_millisecond()
    }

    #[test]
    fn the_due_week_turns_on_monday_at_eight_in_the_organizations_zone() {
        let madrid = TimeZoneName::parse("Europe/Madrid").unwrap();
        // Monday 2026-11-30: until 08:00 the due week is the one before last.
        assert_eq!(due_week(&madrid, ms("Europe/Madrid", date(2026, 11, 30), 7, 59)), Some(date(2026, 11, 16)));
        assert_eq!(due_week(&madrid, ms("Europe/Madrid", date(2026, 11, 30), 8, 0)), Some(date(2026, 11, 23)));
        assert_eq!(due_week(&madrid, ms("Europe/Madrid", date(2026, 12, 6), 23, 59)), Some(date(2026, 11, 23)));
        assert_eq!(due_week(&madrid, ms("Europe/Madrid", date(2026, 12, 7), 8, 0)), Some(date(2026, 11, 30)));
        // The same instant is still Sunday evening in Mexico City.
        let mexico = TimeZoneName::parse("America/Mexico_City").unwrap();
        assert_eq!(due_week(&mexico, ms("Europe/Madrid", date(2026, 11, 30), 8, 0)), Some(date(2026, 11, 16)));
        // Across the spring change (Madrid, 2027-03-28 02:00 -> 03:00).
        assert_eq!(due_week(&madrid, ms("Europe/Madrid", date(2027, 3, 29), 8, 0)), Some(date(2027, 3, 22)));
        assert_eq!(week_end(date(2027, 3, 22)), date(2027, 3, 28));
    }

    #[test]
    fn the_peak_is_the_fullest_booked_hour_and_the_earliest_of_equals() {
        let row = |weekday, hour, booked, bookable| HourRow { weekday, hour, figures: Figures::new(booked, bookable) };
        let hours = [row(0, 9, 0, 60), row(0, 10, 30, 60), row(1, 10, 60, 120), row(2, 11, 45, 60)];
        assert_eq!(peak(&hours).map(|p| (p.weekday, p.hour)), Some((2, 11)));
        let equal = [row(0, 10, 30, 60), row(1, 10, 30, 60)];
        assert_eq!(peak(&equal).map(|p| (p.weekday, p.hour)), Some((0, 10)));
        assert_eq!(peak(&[row(0, 9, 0, 60)]), None);
        assert_eq!(weekday(6), Weekday::Sunday);
    }
}
