//! [`Runner`]: claim, run, settle.

use crate::Store;
use async_trait::async_trait;
use rand::Rng;
use sala_domain::{Job, JobId, JobKind, LeaseToken, Millis, TenantId, now_millis};
use sala_store::StoreError;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

/// How a job run failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobFailure {
    /// Worth trying again (a provider down, rate limited, a timeout). `after` is how long the
    /// other side asked to wait (e.g. `Retry-After`); it wins over the runner's backoff when longer.
    Retry { reason: String, after: Option<Duration> },
    /// Trying again cannot help (an invalid number, a rejected message): the job is dead at once.
    Final { reason: String },
}

impl JobFailure {
    pub fn retry(reason: impl Into<String>) -> Self {
        Self::Retry { reason: reason.into(), after: None }
    }

    pub fn final_(reason: impl Into<String>) -> Self {
        Self::Final { reason: reason.into() }
    }
}

/// What the runner hands jobs to: [`crate::handlers::Handlers`] in production (every kind), fakes in the
/// runner's own tests. `run` may be called more than once for the same job (retries, a runner
/// that died after the work was done, an admin's replay): it must be idempotent.
#[async_trait]
pub trait Dispatch: Send + Sync {
    /// The kinds this runs; the runner claims only these.
    fn kinds(&self) -> Vec<JobKind>;
    async fn run(&self, job: &Job) -> Result<(), JobFailure>;
    /// How many attempts before a job of `kind` is dead, when not the runner's default
    /// (webhooks keep trying for days, as receivers expect).
    fn max_attempts(&self, _kind: JobKind) -> Option<u32> {
        None
    }
}

/// How the runner claims and retries.
#[derive(Clone, Debug, PartialEq)]
pub struct RunnerConfig {
    /// Jobs running at once in this process.
    pub concurrency: usize,
    /// The most jobs of one tenant running at once in this process, so one tenant's slow
    /// receivers or providers cannot hold every slot while other tenants' messages wait.
    pub tenant_share: usize,
    /// The most jobs one claim takes, and the most one [`Runner::run_due`] runs.
    pub batch: u32,
    /// How long a claim, or a renewal, holds its jobs: a runner that dies (and so stops renewing)
    /// leaves them to others after at most this.
    pub lease: Duration,
    /// How often the runner renews the leases of the jobs it is running, in one statement for
    /// all of them. Keep it well below `lease` (a third by default), so one late renewal does not
    /// let another runner take a job that is still running.
    pub heartbeat: Duration,
    /// Pause between claims when nothing more is due (a job finishing ends it early).
    pub poll_interval: Duration,
    /// The attempt that fails with this number buries the job.
    pub max_attempts: u32,
    /// The delay after the first failed attempt; doubled for each further one.
    pub base_backoff: Duration,
    /// The longest delay between attempts.
    pub max_backoff: Duration,
    /// A run taking longer counts as a retryable failure. It may be longer than `lease`: the
    /// heartbeat keeps a running job's lease, and this is what bounds how long one run may take.
    pub job_timeout: Duration,
    /// Each delay is moved by up to this fraction either way, so jobs that failed together do not
    /// all come back together.
    pub jitter: f64,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            concurrency: 16,
            tenant_share: 8,
            batch: 16,
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            poll_interval: Duration::from_secs(1),
            max_attempts: 8,
            base_backoff: Duration::from_secs(10),
            max_backoff: Duration::from_secs(60 * 60),
            job_timeout: Duration::from_secs(60),
            jitter: 0.2,
        }
    }
}

/// The delay before the attempt after `attempt` (1 for the first) failed: `base * 2^(attempt-1)`,
/// at most `max`, moved by a random fraction in `[-jitter_fraction, +jitter_fraction]` and
/// capped at `max` again.
pub fn backoff<R: Rng + ?Sized>(
    attempt: u32,
    base: Duration,
    max: Duration,
    jitter_fraction: f64,
    rng: &mut R,
) -> Duration {
    let exponent = attempt.saturating_sub(1).min(62) as i32;
    let max_secs = max.as_secs_f64();
    let plain = (base.as_secs_f64() * 2f64.powi(exponent)).min(max_secs);
    let jitter = if jitter_fraction.is_finite() { jitter_fraction.clamp(0.0, 1.0) } else { 0.0 };
    let factor = if jitter > 0.0 { 1.0 + rng.random_range(-jitter..=jitter) } else { 1.0 };
    Duration::from_secs_f64((plain * factor).clamp(0.0, max_secs))
}

/// Runs due jobs with the dispatch it was given. Cheap to share behind an `Arc`; several runners
/// (in this process or other instances on the same database) may run at once.
///
/// A runner claims as soon as a slot is free, never waiting for a slow job to claim the next
/// one, and never lets one tenant run more than its share of the slots: a tenant whose webhook
/// receivers hang fills its share, and the others' jobs keep running in the slots left.
pub struct Runner {
    store: Arc<dyn Store>,
    dispatch: Arc<dyn Dispatch>,
    config: RunnerConfig,
    /// Bounds the jobs in flight across every `run_due` of this runner.
    slots: Arc<Semaphore>,
    in_flight: Arc<InFlight>,
    /// One claim at a time, so the shares a claim is bounded by are still true when it starts jobs.
    claiming: tokio::sync::Mutex<()>,
}

/// How one run ended, before it is written down.
enum Outcome {
    Done,
    Failed(JobFailure),
}

/// The jobs running in this process, by tenant, the lease each is held under, and a signal each
/// time one finishes.
#[derive(Default)]
struct InFlight {
    by_tenant: Mutex<HashMap<TenantId, usize>>,
    leases: Mutex<HashMap<JobId, LeaseToken>>,
    finished: Notify,
}

/// A job counted in [`InFlight`] (and its lease renewed) until this is dropped, however its task
/// ends.
struct Counted {
    in_flight: Arc<InFlight>,
    tenant: TenantId,
    job: JobId,
    _slot: OwnedSemaphorePermit,
}

impl InFlight {
    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, usize>> {
        // The map is only ever left consistent: a panic elsewhere cannot poison its meaning.
        self.by_tenant.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The tenants at their `share` (left out of the next claim) and how many jobs the next claim
    /// may take without any other tenant passing its share, even if all were that tenant's.
    fn claim_bounds(&self, share: usize) -> (Vec<TenantId>, usize) {
        let counts = self.counts();
        let full = counts.iter().filter(|(_, n)| **n >= share).map(|(t, _)| *t).collect();
        let busiest_other = counts.values().copied().filter(|n| *n < share).max().unwrap_or(0);
        (full, share - busiest_other)
    }

    fn leases(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, LeaseToken>> {
        self.leases.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn start(self: &Arc<Self>, job: &Job, token: LeaseToken, slot: OwnedSemaphorePermit) -> Counted {
        *self.counts().entry(job.tenant_id).or_default() += 1;
        self.leases().insert(job.id, token);
        Counted { in_flight: Arc::clone(self), tenant: job.tenant_id, job: job.id, _slot: slot }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.in_flight.leases().remove(&self.job);
        {
            let mut counts = self.in_flight.counts();
            if let Some(n) = counts.get_mut(&self.tenant) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(&self.tenant);
                }
            }
        }
        self.in_flight.finished.notify_one();
    }
}

impl Runner {
    /// A runner for the kinds `dispatch` runs.
    pub fn new(store: Arc<dyn Store>, dispatch: Arc<dyn Dispatch>, config: RunnerConfig) -> Self {
        if config.heartbeat >= config.lease {
            tracing::warn!(
                heartbeat = ?config.heartbeat,
                lease = ?config.lease,
                "the lease heartbeat is not below the lease: a running job may be taken over and run twice at once"
            );
        }
        let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
        Self { store, dispatch, config, slots, in_flight: Arc::default(), claiming: tokio::sync::Mutex::new(()) }
    }

    pub fn config(&self) -> &RunnerConfig {
        &self.config
    }

    /// The kinds this runner claims.
    pub fn kinds(&self) -> Vec<JobKind> {
        self.dispatch.kinds()
    }

    /// Runs the jobs of the handled kinds that are due at `now`, up to a batch, and settles each:
    /// done, pending again at a later time, or dead. Jobs are claimed as slots free up and
    /// tenant shares allow. Returns how many ran. `now` is also the time retries are scheduled
    /// from, so tests can move the clock.
    pub async fn run_due(&self, now: Millis) -> sala_store::Result<usize> {
        let started = Instant::now();
        let clock = move || now.saturating_add(millis(started.elapsed()));
        tokio::select! {
            ran = self.run_due_renewing(now) => ran,
            never = self.heartbeat(clock) => match never {},
        }
    }

    /// [`Self::run_due`] while its heartbeat renews the leases.
    async fn run_due_renewing(&self, now: Millis) -> sala_store::Result<usize> {
        let batch = self.config.batch.max(1) as usize;
        let mut running = JoinSet::new();
        let mut ran = 0;
        let result = loop {
            let started = match self.start_due(now, batch - ran, &mut running).await {
                Ok(started) => started,
                Err(e) => break Err(e),
            };
            ran += started;
            if ran >= batch {
                break Ok(ran);
            }
            // Nothing more could start: wait for a job to free its slot or share, then claim again.
            if started == 0 && !reap_one(&mut running).await {
                break Ok(ran);
            }
        };
        while reap_one(&mut running).await {}
        result
    }

    /// Runs what is due until `shutdown` completes, claiming whenever a slot frees up (else every
    /// poll interval), then lets the jobs in flight finish and returns.
    pub async fn run_until(&self, shutdown: impl Future<Output = ()>) {
        tokio::select! {
            () = self.run_until_renewing(shutdown) => {}
            never = self.heartbeat(now_millis) => match never {},
        }
    }

    /// Renews the leases of the jobs in flight every `heartbeat`, in one statement, until dropped
    /// (with the run it serves). `clock` is the time the leases are renewed from. A job left out of
    /// the renewal lost its lease (another runner took it after a pause): its settle will be refused.
    async fn heartbeat(&self, clock: impl Fn() -> Millis) -> Infallible {
        let every = self.config.heartbeat.max(Duration::from_millis(10));
        loop {
            tokio::time::sleep(every).await;
            let held: Vec<(JobId, LeaseToken)> = self.in_flight.leases().iter().map(|(j, t)| (*j, *t)).collect();
            if held.is_empty() {
                continue;
            }
            let lease_until = clock().saturating_add(millis(self.config.lease));
            match self.store.renew_leases(&held, lease_until).await {
                Ok(renewed) if renewed.len() < held.len() => {
                    for (job, _) in held.iter().filter(|(job, _)| !renewed.contains(job)) {
                        // Settled meanwhile (harmless), or taken over by another runner.
                        if self.in_flight.leases().contains_key(job) {
                            tracing::warn!(%job, "job lease lost: another runner may have taken it; its outcome will not be written");
                        }
                    }
                }
                Ok(_) => tracing::debug!(jobs = held.len(), "job leases renewed"),
                Err(e) => tracing::error!(error = %e, jobs = held.len(), "renewing job leases failed"),
            }
        }
    }

    async fn run_until_renewing(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let kinds: Vec<&str> = self.kinds().iter().map(|k| k.as_str()).collect();
        let (concurrency, tenant_share) = (self.config.concurrency, self.config.tenant_share);
        tracing::info!(?kinds, concurrency, tenant_share, "job runner started");
        let mut running = JoinSet::new();
        loop {
            let batch = self.config.batch.max(1) as usize;
            let started = self.start_due(now_millis(), batch, &mut running).await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "claiming jobs failed");
                0
            });
            while let Some(joined) = running.try_join_next() {
                log_panic(joined);
            }
            // Started some: more may be due, and slots may be free. Else wait for a job to end.
            let pause = if started > 0 { Duration::ZERO } else { self.config.poll_interval };
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                () = self.in_flight.finished.notified(), if started == 0 => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
        tracing::info!(in_flight = running.len(), "job runner stopping: finishing the jobs in flight");
        while reap_one(&mut running).await {}
        tracing::info!("job runner stopped");
    }

    /// Claims up to `wanted` due jobs, as many as free slots and tenant shares allow, and starts
    /// them in `running`. Returns how many started.
    async fn start_due(&self, now: Millis, wanted: usize, running: &mut JoinSet<()>) -> sala_store::Result<usize> {
        let kinds = self.kinds();
        let _one_claim_at_a_time = self.claiming.lock().await;
        let free = self.slots.available_permits().min(wanted);
        if kinds.is_empty() || free == 0 {
            return Ok(0);
        }
        let (full, headroom) = self.in_flight.claim_bounds(self.config.tenant_share.max(1));
        let limit = u32::try_from(free.min(headroom)).unwrap_or(u32::MAX);
        let lease_until = now.saturating_add(millis(self.config.lease));
        let claim = self.store.claim_jobs(now, lease_until, limit, &kinds, &full).await?;
        let (token, jobs) = (claim.token, claim.jobs);
        let started = jobs.len();
        // Jobs are settled at `now` plus the time they took, so a slow job's retry is still
        // scheduled after its failure, on a clock a test may have moved.
        let claimed_at = Instant::now();
        for job in jobs {
            // Free: `limit` is at most the permits available, and claims take turns.
            let slot = Arc::clone(&self.slots).acquire_owned().await.expect("the runner's semaphore is open");
            let counted = self.in_flight.start(&job, token, slot);
            let dispatch = Arc::clone(&self.dispatch);
            let store = Arc::clone(&self.store);
            let mut config = self.config.clone();
            if let Some(max) = dispatch.max_attempts(job.kind) {
                config.max_attempts = max;
            }
            running.spawn(async move {
                let outcome = run_one(dispatch, &job, config.job_timeout).await;
                let at = now.saturating_add(millis(claimed_at.elapsed()));
                settle(&*store, &config, &job, token, outcome, at).await;
                drop(counted);
            });
        }
        Ok(started)
    }
}

/// Waits for one of `running` to end; false when none is left.
async fn reap_one(running: &mut JoinSet<()>) -> bool {
    match running.join_next().await {
        Some(joined) => {
            log_panic(joined);
            true
        }
        None => false,
    }
}

fn log_panic(joined: Result<(), tokio::task::JoinError>) {
    if let Err(e) = joined {
        // Only settling could panic here; the job's lease ends and it is claimed again.
        tracing::error!(error = %e, "a job task failed");
    }
}

/// Aborts a task when dropped: a run whose runner stops (its future dropped, as when the process
/// ends) stops too, instead of going on unleased.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs one job in a task of its own, so a panic is caught, and within the timeout.
async fn run_one(dispatch: Arc<dyn Dispatch>, job: &Job, timeout: Duration) -> Outcome {
    let owned = job.clone();
    let mut task = tokio::spawn(async move { dispatch.run(&owned).await });
    let _abort = AbortOnDrop(task.abort_handle());
    match tokio::time::timeout(timeout, &mut task).await {
        Ok(Ok(Ok(()))) => Outcome::Done,
        Ok(Ok(Err(failure))) => Outcome::Failed(failure),
        Ok(Err(e)) if e.is_panic() => Outcome::Failed(JobFailure::retry("the handler panicked")),
        Ok(Err(_)) => Outcome::Failed(JobFailure::retry("the handler was cancelled")),
        Err(_) => {
            task.abort();
            Outcome::Failed(JobFailure::retry(format!("timed out after {} s", timeout.as_secs_f64())))
        }
    }
}

/// Writes down how a run ended, `now` being when it ended, under the claim's lease `token`. A job
/// that is no longer ours (its lease ended and another runner took it) is left alone: the store
/// refuses the settle and nothing is applied. A store error leaves the job to be claimed again
/// once its lease ends.
async fn settle(store: &dyn Store, config: &RunnerConfig, job: &Job, token: LeaseToken, outcome: Outcome, now: Millis) {
    let (id, kind, attempt) = (job.id, job.kind.as_str(), job.attempts);
    let (outcome, result) = match outcome {
        Outcome::Done => {
            tracing::info!(job = %id, kind, attempt, outcome = "done", "job ran");
            ("done", store.complete_job(id, token, now).await)
        }
        Outcome::Failed(JobFailure::Final { reason }) => {
            tracing::warn!(job = %id, kind, attempt, outcome = "dead", %reason, "job failed for good");
            ("dead", store.bury_job(id, token, &reason, now).await)
        }
        Outcome::Failed(JobFailure::Retry { reason, .. }) if attempt >= config.max_attempts => {
            tracing::warn!(job = %id, kind, attempt, outcome = "dead", %reason, "job failed too often");
            let error = format!("gave up after {attempt} attempts: {reason}");
            ("dead", store.bury_job(id, token, &error, now).await)
        }
        Outcome::Failed(JobFailure::Retry { reason, after }) => {
            let delay = {
                let mut rng = rand::rng();
                backoff(attempt, config.base_backoff, config.max_backoff, config.jitter, &mut rng)
            };
            let delay = after.map_or(delay, |after| after.max(delay));
            let run_at = now.saturating_add(millis(delay));
            tracing::info!(job = %id, kind, attempt, outcome = "retry", %reason, retry_in = ?delay, "job will be retried");
            ("retry", store.retry_job(id, token, &reason, run_at, now).await)
        }
    };
    match result {
        Ok(()) => {}
        Err(StoreError::LeaseLost) => {
            tracing::warn!(
                job = %id,
                kind,
                attempt,
                outcome,
                "job lease lost (it ended and another runner took the job): this outcome was not written"
            );
        }
        Err(e) => tracing::error!(job = %id, kind, attempt, outcome, error = %e, "settling a job failed"),
    }
}

fn millis(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const BASE: Duration = Duration::from_secs(10);
    const MAX: Duration = Duration::from_secs(3600);

    #[test]
    fn backoff_doubles_until_the_cap() {
        let mut rng = StdRng::seed_from_u64(7);
        let plain: Vec<u64> = (1..=12).map(|a| backoff(a, BASE, MAX, 0.0, &mut rng).as_secs()).collect();
        assert_eq!(plain, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600]);
        assert!(plain.windows(2).all(|w| w[0] <= w[1]), "monotone");
        assert_eq!(backoff(0, BASE, MAX, 0.0, &mut rng), BASE, "attempt 0 counts as the first");
        assert_eq!(backoff(u32::MAX, BASE, MAX, 0.0, &mut rng), MAX, "no overflow");
    }

    #[test]
    fn backoff_jitter_stays_within_its_bounds_and_the_cap() {
        let mut rng = StdRng::seed_from_u64(42);
        for attempt in 1..=15 {
            let plain = backoff(attempt, BASE, MAX, 0.0, &mut rng).as_secs_f64();
            let mut seen = Vec::new();
            for _ in 0..200 {
                let d = backoff(attempt, BASE, MAX, 0.2, &mut rng);
                assert!(d <= MAX, "capped");
                let secs = d.as_secs_f64();
                assert!(secs >= plain * 0.8 - 1e-9 && secs <= plain * 1.2 + 1e-9, "{secs} within 20 % of {plain}");
                seen.push(secs);
            }
            if plain < MAX.as_secs_f64() {
                let spread =
                    seen.iter().copied().fold(f64::MIN, f64::max) - seen.iter().copied().fold(f64::MAX, f64::min);
                assert!(spread > plain * 0.1, "the jitter actually spreads the delays");
            }
        }
    }
}
