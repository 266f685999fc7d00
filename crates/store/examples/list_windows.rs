//! Times `Store::list_bookings` for a window, on a database a benchmark left behind (`sala
//! bench-mixed` or `bench-availability`: a year of history up to yesterday):
//!
//! ```sh
//! cargo run --release -p sala-store --example list_windows -- sqlite:/tmp/x.db
//! cargo run --release -p sala-store --example list_windows -- postgres://postgres@127.0.0.1/bench_mixed
//! ```
//!
//! For each tenant, the day before yesterday: all its bookings of the day, its bookings from
//! then on, and its first room's day; the median and slowest of 20 runs of each.

use sala_store::BookingQuery;
use std::time::{Duration, Instant};

const RUNS: usize = 20;
const DAY: i64 = 86_400_000;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).ok_or("usage: list_windows DATABASE_URL")?;
    let store = sala_store::connect(&url).await?;
    let from = sala_domain::now_millis() - 2 * DAY;
    for tenant in store.list_tenants().await? {
        let Some(room) = store.list_rooms(tenant.id, false).await?.into_iter().next() else { continue };
        let window = BookingQuery { from: Some(from), to: Some(from + DAY), limit: 200, ..Default::default() };
        let queries = [
            ("the organization's day (200 at most)", window.clone()),
            ("from then on (200 at most)", BookingQuery { to: None, ..window.clone() }),
            ("one room's day", BookingQuery { room_id: Some(room.id), ..window }),
        ];
        println!("{}", tenant.name);
        for (name, query) in queries {
            let mut times = Vec::new();
            let mut found = 0;
            for _ in 0..RUNS {
                let started = Instant::now();
                found = store.list_bookings(tenant.id, &query).await?.len();
                times.push(started.elapsed());
            }
            times.sort();
            let (median, max) = (times[RUNS / 2], times.last().copied().unwrap_or(Duration::ZERO));
            println!("  {name:<40} {found:>4} bookings  median {median:>10.2?}  max {max:>10.2?}");
        }
    }
    Ok(())
}
