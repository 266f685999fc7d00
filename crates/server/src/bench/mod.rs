//! The benchmarks behind `sala bench` (booking creation through HTTP against the store alone) and
//! `sala bench-jobs` (the job runner delivering notifications and a burst of reminders).

mod bookings;
mod jobs;
mod setup;

pub use bookings::{BenchPlan, run as bookings};
pub use jobs::{JobsBenchPlan, run as jobs};
