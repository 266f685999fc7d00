//! The `sala` server: HTTP API and pages, sign-in, configuration and the command line.
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod bench;
pub mod bench_jobs;
pub mod cli;
pub mod config;
pub mod extract;
pub mod i18n;
pub mod pages;
pub mod problem;
pub mod qr;
pub mod router;
pub mod state;
pub mod worker;

use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Serves `state` on an already-bound listener until `shutdown` completes, then finishes the
/// requests in flight. Tests bind 127.0.0.1:0 and pass their own shutdown.
pub async fn serve(
    listener: TcpListener,
    state: state::AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router::build(state.clone());
    tokio::spawn(purge_expired_sessions(state));
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Expired sessions and abandoned sign-ins are deleted hourly.
async fn purge_expired_sessions(state: state::AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match state.store().purge_expired(sala_domain::now_millis()).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "purged expired sessions"),
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "could not purge expired sessions"),
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
