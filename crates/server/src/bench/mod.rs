//! The benchmarks behind `sala bench` (booking creation through HTTP against the store alone),
//! `sala bench-jobs` (the job runner delivering notifications and a burst of reminders) and
//! `sala bench-feeds` (a room's ICS feed with a year of bookings against reading them) and
//! `sala bench-sync` (two-way calendar sync's work per pushed change against a full read) and
//! `sala bench-reports` (reports over years of history against the rollups' own ceiling) and
//! `sala bench-mixed` (a realistic organization's mix of reads, creates, edits and cancels) and
//! `sala bench-availability` (the rooms' availability for a day under load, memory and start time).

mod availability;
mod bookings;
mod feeds;
pub mod history;
mod jobs;
mod mixed;
mod reports;
mod setup;
mod sync;

pub use availability::{AvailabilityBenchPlan, run as availability};
pub use bookings::{BenchPlan, run as bookings};
pub use feeds::{FeedsBenchPlan, run as feeds};
pub use jobs::{JobsBenchPlan, run as jobs};
pub use mixed::{MixedBenchPlan, run as mixed};
pub use reports::{ReportsBenchPlan, run as reports};
pub use setup::Limit;
pub use sync::{SyncBenchPlan, run as sync};
