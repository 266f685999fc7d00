//! The job runner: takes the outbox jobs that are due from the store and hands each to the
//! handler of its kind (email, WhatsApp, calendar, webhooks, reminders), with bounded concurrency,
//! retries with exponential backoff and jitter, and dead jobs after too many attempts.
//!
//! The runner knows no channel: it hands each job to a [`Dispatch`], in production
//! [`crate::handlers::Handlers`], whose one `match` over the typed payload names the consumer of
//! every kind (a new kind is a compile error there until it has one). Delivery is at least once (a runner that dies
//! leaves its jobs to be claimed again once their lease ends); handlers make it once per recipient
//! with the delivery log's idempotency keys.

pub mod admin;
mod runner;

pub use runner::{Dispatch, JobFailure, Runner, RunnerConfig, backoff};
