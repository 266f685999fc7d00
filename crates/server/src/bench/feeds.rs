//! `sala bench-feeds`: how long a room's ICS feed takes to build with a year of its bookings,
//! measured beside the database's own ceiling: reading the same bookings in the same pages the
//! feed reads them. The difference is Sala's work (visibility, series, writing RFC 5545 text).

use super::setup::{Setup, anyhow_app, median, ms};
use crate::config::{Settings, redact_url};
use sala_app::Context;
use sala_app::feeds::{NewFeed, create_feed, feed_calendar, open_feed};
use sala_domain::{BookingStatus, TimeRange};
use sala_store::{BookingQuery, BookingWrite};
use std::sync::Arc;
use std::time::Instant;

/// What to run.
#[derive(Clone, Debug)]
pub struct FeedsBenchPlan {
    /// Days of bookings in the room, from the day after tomorrow.
    pub days: usize,
    /// Meetings a day, each an hour, from 08:00 UTC.
    pub per_day: usize,
    /// Times each measurement is repeated (the median is printed).
    pub rounds: usize,
}

pub async fn run(settings: Settings, store: Arc<dyn sala_app::Store>, plan: FeedsBenchPlan) -> anyhow::Result<()> {
    let setup = Setup::create(store.as_ref(), 1).await?;
    let room = setup.rooms[0];
    let written = write_year(&store, &setup, &plan).await?;
    let ctx = Context::new(sala_app::Principal::User(setup.organizer.clone()));
    let input = NewFeed { scope: "room".into(), room_id: Some(room) };
    let created = create_feed(store.as_ref(), &ctx, input).await.map_err(anyhow_app)?;
    println!("database {}  room bookings {written}  rounds {}", redact_url(&settings.database_url()), plan.rounds);

    let mut reads = Vec::new();
    let mut builds = Vec::new();
    let mut size = 0;
    for _ in 0..plan.rounds.max(1) {
        let started = Instant::now();
        let read = read_pages(store.as_ref(), &setup, room).await?;
        reads.push(started.elapsed());
        let started = Instant::now();
        let (feed, tenant, reader) = open_feed(store.as_ref(), &created.token).await.map_err(anyhow_app)?;
        let file = feed_calendar(store.as_ref(), &feed, &tenant, &reader, &settings.host(), "Busy")
            .await
            .map_err(anyhow_app)?;
        builds.push(started.elapsed());
        size = file.body.len();
        anyhow::ensure!(file.body.matches("BEGIN:VEVENT").count() == read, "the feed holds every booking read");
    }
    let (read, build) = (median(&mut reads), median(&mut builds));
    println!("  store reads alone (the ceiling): {:>8.1} ms", ms(read));
    println!("  the whole feed, {:>6} KiB:     {:>8.1} ms", size / 1024, ms(build));
    println!("  feed / ceiling: {:.2}", build.as_secs_f64() / read.as_secs_f64().max(f64::EPSILON));
    Ok(())
}

/// `days` x `per_day` one-hour meetings in the room, written straight to the store.
async fn write_year(store: &Arc<dyn sala_app::Store>, setup: &Setup, plan: &FeedsBenchPlan) -> anyhow::Result<usize> {
    const HOUR: i64 = 3_600_000;
    let times: Vec<TimeRange> = (0..plan.days)
        .flat_map(|d| (0..plan.per_day).map(move |h| (d, h)))
        .map(|(d, h)| {
            let start = setup.base + (d as i64) * 24 * HOUR + (8 + h as i64) * HOUR;
            TimeRange { start, end: start + HOUR }
        })
        .collect();
    let started = Instant::now();
    for (n, chunk) in times.chunks(500).enumerate() {
        let bookings: Vec<_> =
            chunk.iter().enumerate().map(|(i, t)| setup.booking(n * 500 + i, setup.rooms[0], *t, Vec::new())).collect();
        let write = BookingWrite::new(setup.tenant.id, &bookings, &[], &[]);
        store.insert_bookings(write).await.map_err(|e| anyhow_app(e.into()))?;
    }
    println!("  wrote {} bookings in {:.1} s", times.len(), started.elapsed().as_secs_f64());
    Ok(times.len())
}

/// The room's confirmed bookings read as the feed reads them: pages of 500 from 90 days back.
async fn read_pages(store: &dyn sala_app::Store, setup: &Setup, room: sala_domain::RoomId) -> anyhow::Result<usize> {
    let day = 24 * 3_600_000;
    let mut query = BookingQuery {
        from: Some((sala_domain::now_millis() / day - 90) * day),
        status: Some(BookingStatus::Confirmed),
        room_id: Some(room),
        limit: 500,
        ..Default::default()
    };
    let mut count = 0;
    loop {
        let page = store.list_bookings(setup.tenant.id, &query).await.map_err(|e| anyhow_app(e.into()))?;
        count += page.len();
        query.after = page.last().map(|b| (b.time.start, b.id));
        if page.len() < 500 {
            return Ok(count);
        }
    }
}
