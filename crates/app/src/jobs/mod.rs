//! The job runner: takes the outbox jobs that are due from the store and hands each to the
//! handler of its kind (email, WhatsApp, calendar, webhooks, reminders), with bounded concurrency,
//! retries with exponential backoff and jitter, and dead jobs after too many attempts.
//!
//! The runner knows no channel: the server gives it one [`JobHandler`] per kind it should run.
//! Delivery is at least once (a runner that dies leaves its jobs to be claimed again once their
//! lease ends); handlers make it once per recipient with the delivery log's idempotency keys.

pub mod admin;
mod runner;

pub use runner::{JobFailure, JobHandler, Runner, RunnerConfig, backoff};
