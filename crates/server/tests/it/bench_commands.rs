//! `sala bench-mixed` and `sala bench-availability` at tiny sizes, on SQLite and PostgreSQL, so
//! they cannot rot: every line of figures is there, and nothing fails but the conflicts the mix
//! aims at.

use sala_store::testing::{fresh_postgres, fresh_sqlite};
use std::process::Command;

/// `sala <args>` on the database at `url`, with no settings from the developer's environment;
/// its standard output, once it succeeded.
fn sala(url: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_sala"))
        .args(args)
        .env_clear()
        .env("SALA_DATA_DIR", std::env::temp_dir().join(format!("sala-bench-{}", uuid::Uuid::now_v7().simple())))
        .env("SALA_DATABASE_URL", url)
        .env("SALA_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

const TINY: &[&str] = &["--rooms", "5", "--days", "10", "--people", "20"];

fn mixed(url: &str) {
    let args = [&["bench-mixed"], TINY, &["--requests", "300", "--clients", "4", "--ceiling", "50"]].concat();
    let out = sala(url, &args);
    let line = |start: &str| out.lines().find(|l| l.trim_start().starts_with(start)).unwrap_or_else(|| panic!("{out}"));
    assert!(line("mixed: 300 answers").contains("/s"), "{out}");
    for op in ["day view", "availability", "create (POST)", "create, conflicting", "move", "retitle", "cancel"] {
        assert!(line(op).contains(" 0 failed") && line(op).contains("p99"), "{op}: {out}");
    }
    assert!(line("store only (ceiling)").contains("50 ok    0 failed"), "{out}");
    // The conflicting creates meet their conflicts, and nothing else fails.
    let errors =
        out.split("errors by status and code:").nth(1).unwrap().lines().skip(1).take_while(|l| l.starts_with("  "));
    let errors: Vec<&str> = errors.collect();
    assert!(errors.iter().any(|l| l.contains("409 booking_conflict")), "{out}");
    assert!(errors.iter().all(|l| l.contains("409 booking_conflict") && l.ends_with("(expected)")), "{out}");
    assert!(line("peak memory (VmHWM)").contains("MiB"), "{out}");
}

fn availability(url: &str) {
    let args = [&["bench-availability"], TINY, &["--duration-seconds", "1", "--clients", "2,8"]].concat();
    let out = sala(url, &args);
    let line = |start: &str| out.lines().find(|l| l.trim_start().starts_with(start)).unwrap_or_else(|| panic!("{out}"));
    assert!(line("start: ").contains("ms") && line("start: ").contains("goal < 1000 ms"), "{out}");
    assert!(line("availability of 5 rooms").contains("for 1 s"), "{out}");
    for clients in ["2", "8"] {
        let figures = line(&format!("availability, {clients} clients"));
        assert!(figures.contains(" 0 failed") && figures.contains("p99"), "{out}");
    }
    assert_eq!(out.lines().filter(|l| l.contains("resident during the load: VmRSS")).count(), 2, "{out}");
    assert!(line("goal p99 < 10 ms at 8 clients").contains("ms"), "{out}");
}

#[tokio::test]
async fn the_mixed_benchmark_fails_nothing_but_the_conflicts_it_aims_at() {
    let db = fresh_sqlite().await;
    mixed(&db.url);
    if let Some(db) = fresh_postgres().await {
        mixed(&db.url);
    }
}

#[tokio::test]
async fn the_availability_benchmark_measures_every_run_and_the_start() {
    let db = fresh_sqlite().await;
    availability(&db.url);
    if let Some(db) = fresh_postgres().await {
        availability(&db.url);
    }
}
