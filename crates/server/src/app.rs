//! The composition root: everything a Sala process runs, wired once from its settings and its
//! store. `sala serve`, `sala worker`, the tests and the benchmarks all start here, so a wiring
//! mistake cannot hide from the tests.
//!
//! [`App::build`] makes the parts (the outbound HTTP client, the channels, every job kind's
//! handler, the state the HTTP handlers share); [`App::serve`] answers HTTP on a bound listener;
//! [`App::runner`] runs jobs; [`App::run`] does both until shutdown, as `sala serve` does.

use crate::config::{Settings, outbound_client};
use crate::oidc::{GoogleSignIn, MicrosoftSignIn};
use crate::rate_limit::{ApiRateLimit, KioskRateLimit, PersonWriteRateLimit, SignInRateLimit};
use crate::state::{AppState, Inner};
use sala_app::Store;
use sala_app::bookings::NoShowRelease;
use sala_app::calendar::CalendarSync;
use sala_app::handlers::Handlers;
use sala_app::jobs::{Runner, RunnerConfig};
use sala_app::notifications::{Channels, Notifier, RsvpLinks};
use sala_app::rsvp::RsvpKey;
use sala_app::secrets::SecretBox;
use sala_app::webhooks::WebhookDelivery;
use sala_channels::google::GoogleHttp;
use sala_channels::microsoft::MicrosoftGraph;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A wired Sala: the HTTP handlers' shared state and every job kind's handler.
pub struct App {
    state: AppState,
    handlers: Handlers,
}

/// Sign-ins one address may start a minute: a person needs a few; an office behind one address, a
/// few dozen at nine o'clock.
const SIGN_INS_PER_MINUTE: u32 = 60;

impl App {
    /// Wires every part from `settings` over `store`. Call inside the runtime (the SMTP pool
    /// starts a task).
    pub fn build(settings: Settings, store: Arc<dyn Store>) -> anyhow::Result<Self> {
        let secret_key = settings.load_or_create_secret_key()?;
        let http = outbound_client()?;
        let secrets = SecretBox::new(&secret_key);
        // One calendar client for the jobs and for rooms' busy times (its cache is shared).
        let google_api = Arc::new(GoogleHttp::new(http.clone(), settings.google_api()));
        let directory = google_api.clone();
        let mut calendar = CalendarSync::new(store.clone(), google_api, secrets.clone(), settings.host())
            .with_two_way(settings.two_way());
        if let Some(graph) = settings.microsoft_graph() {
            calendar = calendar.with_microsoft(Arc::new(MicrosoftGraph::new(http.clone(), graph)));
        }
        let calendar = Arc::new(calendar);
        let channels = Channels {
            mailer: settings.mailer()?,
            mail_from: settings.mail_from()?,
            whatsapp: settings.whatsapp_channel(&http),
            secrets: secrets.clone(),
            dev_outbox: settings.dev,
            uid_domain: settings.host(),
            rsvp: Some(RsvpLinks { key: RsvpKey::new(&secret_key), base_url: settings.base_url.clone() }),
            base_url: settings.base_url.clone(),
        };
        let representation = Arc::new(crate::wire::booking::ApiRepresentation(store.clone()));
        let handlers = Handlers {
            notifier: Arc::new(Notifier::new(store.clone(), channels)),
            calendar: calendar.clone(),
            webhooks: Arc::new(WebhookDelivery::new(
                store.clone(),
                secrets,
                representation,
                settings.webhooks_may_reach_private(),
                settings.webhooks_timeout(),
            )),
            no_show: Arc::new(NoShowRelease::new(store.clone())),
        };
        let state = AppState::new(Inner {
            google: GoogleSignIn::new(&settings, http.clone()),
            microsoft: MicrosoftSignIn::new(&settings, http.clone()),
            api_rate_limit: ApiRateLimit::per_minute(settings.api_requests_per_minute),
            person_write_rate_limit: PersonWriteRateLimit::per_minute(settings.person_writes_per_minute),
            kiosk_rate_limit: KioskRateLimit::per_minute(settings.kiosk_check_ins_per_minute),
            sign_in_rate_limit: SignInRateLimit::per_minute(SIGN_INS_PER_MINUTE),
            metrics: Arc::default(),
            calendar,
            directory,
            store,
            settings,
            secret_key,
            http,
        });
        Ok(Self { state, handlers })
    }

    /// What the HTTP handlers share.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Every job kind's handler.
    pub fn handlers(&self) -> &Handlers {
        &self.handlers
    }

    /// A job runner as the settings configure it.
    pub fn runner(&self) -> Runner {
        self.runner_with(self.state.settings.runner_config())
    }

    /// A job runner with its own configuration (the benchmarks choose theirs).
    pub fn runner_with(&self, config: RunnerConfig) -> Runner {
        Runner::new(self.state.store.clone(), Arc::new(self.handlers.clone()), config)
    }

    /// Serves HTTP on an already-bound listener until `shutdown` completes, then finishes the
    /// requests in flight. Tests bind 127.0.0.1:0 and pass their own shutdown.
    pub async fn serve(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = crate::router::build(self.state.clone());
        let purge = tokio::spawn(housekeeping(self.state.clone()));
        let reconcile = tokio::spawn(reconcile_calendars(self.state.clone()));
        let rollups = tokio::spawn(refresh_report_rollups(self.state.clone()));
        let weekly = tokio::spawn(weekly_reports(self.state.clone()));
        let limits = self.state.settings.connection_limits();
        let served = crate::connections::serve(listener, router, limits, shutdown).await;
        purge.abort();
        reconcile.abort();
        rollups.abort();
        weekly.abort();
        served
    }

    /// `sala serve`: HTTP and, unless `SALA_JOBS=false`, the job runner, until `shutdown`; then
    /// the server finishes its requests and the runner its jobs in flight.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let runner = if self.state.settings.jobs {
            self.state.settings.warn_about_channels();
            Some(self.runner())
        } else {
            tracing::info!("the job runner is off here (SALA_JOBS=false): run `sala worker` elsewhere");
            None
        };
        // One signal stops both.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let jobs = async {
            if let Some(runner) = &runner {
                runner.run_until(until_stopped(stopped.clone())).await;
            }
        };
        let http = self.serve(listener, until_stopped(stopped.clone()));
        let signal = async {
            shutdown.await;
            let _ = stop.send(true);
        };
        let (served, (), ()) = tokio::join!(http, jobs, signal_or_done(signal, stopped.clone()));
        served?;
        Ok(())
    }

    /// `sala worker`: only the job runner, until `shutdown`.
    pub async fn work(self, shutdown: impl Future<Output = ()>) {
        self.state.settings.warn_about_channels();
        // The weekly summaries are scheduled here too, so a deployment whose jobs run on workers
        // alone still gets them; with several instances each week is still written once.
        let weekly = tokio::spawn(weekly_reports(self.state.clone()));
        self.runner().run_until(shutdown).await;
        weekly.abort();
    }
}

/// Waits for the signal, or for a stop already sent (so `join!` ends once everything stopped).
async fn signal_or_done(signal: impl Future<Output = ()>, mut stopped: tokio::sync::watch::Receiver<bool>) {
    tokio::select! {
        () = signal => {}
        _ = stopped.wait_for(|stop| *stop) => {}
    }
}

/// Hourly: expired sessions and abandoned sign-ins go, and so does the history older than the
/// retention (idempotency keys, done jobs and their delivery log); then the query planner's
/// statistics are refreshed.
async fn housekeeping(state: AppState) {
    let retention = state.settings.retention();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match sala_app::housekeeping::purge(state.store(), sala_domain::now_millis(), retention).await {
            Ok(purged) if purged != sala_app::housekeeping::Purged::default() => {
                tracing::info!(?purged, "purged expired and old records");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "could not purge expired and old records"),
        }
        if let Err(err) = state.store().refresh_planner_statistics().await {
            tracing::warn!(%err, "could not refresh the query planner's statistics");
        }
    }
}

/// Every minute: the report rollups take in the bookings changed since, so a report after a
/// burst of changes (an import, a busy morning) has little left to do before it answers.
async fn refresh_report_rollups(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        match sala_app::reports::rollups::refresh_all(state.store()).await {
            Ok(0) => {}
            Ok(marks) => tracing::debug!(marks, "report rollups refreshed"),
            Err(err) => tracing::warn!(%err, "could not refresh the report rollups"),
        }
    }
}

/// Every `SALA_CALENDAR_RECONCILE_MINUTES`: a read of every watched calendar, which also renews
/// push channels before they expire (Google documents push as not fully reliable).
async fn reconcile_calendars(state: AppState) {
    let mut tick = tokio::time::interval(state.settings.calendar_reconcile());
    tick.tick().await; // The first tick is now; a fresh start has nothing to catch up on.
    loop {
        tick.tick().await;
        match state.calendar.reconcile().await {
            Ok(0) => {}
            Ok(reads) => tracing::info!(reads, "calendar reconciliation scheduled"),
            Err(err) => tracing::warn!(%err, "could not schedule the calendar reconciliation"),
        }
    }
}

/// Every five minutes, and at start (a server that was down on Monday catches up): the weekly
/// summaries that are due are written as jobs, once per admin and week however many instances
/// run this.
async fn weekly_reports(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5 * 60));
    loop {
        tick.tick().await;
        match sala_app::reports::weekly::schedule(state.store(), sala_domain::now_millis()).await {
            Ok(0) => {}
            Ok(written) => tracing::info!(written, "weekly summaries scheduled"),
            Err(err) => tracing::warn!(%err, "could not schedule the weekly summaries"),
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
