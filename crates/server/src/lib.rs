//! The `sala` server: HTTP API and pages, sign-in, configuration and the command line.
#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod auth;
#[cfg(feature = "bench")]
pub mod bench;
pub mod cli;
pub mod config;
pub mod connections;
pub mod extract;
pub mod hooks;
pub mod i18n;
pub mod metrics;
pub mod oidc;
pub mod ops;
pub mod pages;
pub mod problem;
pub mod qr;
pub mod rate_limit;
pub mod router;
pub mod state;
pub mod web;
pub mod wire;

pub use app::{App, shutdown_signal};
