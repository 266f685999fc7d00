//! The server's integration tests: one binary (each test binary costs link time), one module per
//! area. Every test starts a real server on 127.0.0.1:0 over a fresh database, and most run twice:
//! on SQLite and on PostgreSQL (see `both!`).

// Test code fails loudly by design: a panic is the test's failure report.
#![allow(clippy::unwrap_used)]

mod helpers;

mod admin_connections;
mod api_auth;
mod api_bookings;
mod api_rooms;
mod api_users;
mod app_answers;
mod attendance;
mod bench_commands;
mod calendar_import;
mod cli;
mod drill_kill;
mod drill_postgres;
mod drills;
mod fake_entra;
mod fake_google;
mod feeds;
mod kiosk;
mod kiosk_door;
mod live_check;
mod metrics;
mod notifications;
mod now_and_finder;
mod oidc;
mod oidc_microsoft;
mod openapi;
mod pages;
mod paging;
mod people_directory;
mod people_import;
mod report_ghosts;
mod report_page;
mod report_rollups;
mod reports;
mod slow_clients;
mod virtual_rooms;
mod web_app;
mod webhooks;
mod weekly_report;
