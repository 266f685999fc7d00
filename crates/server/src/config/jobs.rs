//! The job runner: how many jobs at once and how long a claim holds (renewed by a heartbeat), and what an operator should
//! know about channels that are not configured.

use super::Settings;
use sala_app::jobs::RunnerConfig;
use std::time::Duration;

impl Settings {
    /// The runner's configuration from `SALA_JOBS_*`.
    pub fn runner_config(&self) -> RunnerConfig {
        let defaults = RunnerConfig::default();
        let lease = Duration::from_secs(self.jobs_lease_seconds.max(2));
        let concurrency = self.jobs_concurrency.max(1);
        RunnerConfig {
            concurrency,
            tenant_share: self.jobs_tenant_share.clamp(1, concurrency),
            lease,
            // Three renewals per lease: one late or failed renewal does not lose a running job.
            heartbeat: lease / 3,
            ..defaults
        }
    }

    /// How long done jobs, their delivery log and idempotency keys are kept (at least a day).
    pub fn retention(&self) -> Duration {
        Duration::from_secs(self.retention_days.max(1) * 24 * 3600)
    }

    /// What an administrator should know about the channels: nothing when every message has a
    /// way out. `own_whatsapp`: the tenant asking has its own WhatsApp number, so the
    /// installation's is not needed.
    pub fn channel_warnings(&self, own_whatsapp: bool) -> Vec<String> {
        let mut warnings = Vec::new();
        if !self.smtp_enabled() {
            warnings.push(if self.dev {
                "email is not configured (SALA_SMTP_URL): emails go to the dev outbox only".to_owned()
            } else {
                "email is not configured (SALA_SMTP_URL): invitations are logged as not delivered".to_owned()
            });
        }
        if !self.whatsapp_enabled() && !own_whatsapp {
            warnings.push(if self.dev {
                "WhatsApp is not configured (SALA_WHATSAPP_PHONE_NUMBER_ID, SALA_WHATSAPP_TOKEN): messages go to the dev outbox only".to_owned()
            } else {
                "WhatsApp is not configured (SALA_WHATSAPP_PHONE_NUMBER_ID, SALA_WHATSAPP_TOKEN): WhatsApp messages and reminders are logged as not delivered".to_owned()
            });
        }
        warnings
    }

    /// Logs each channel warning once at start, loudly outside dev mode.
    pub fn warn_about_channels(&self) {
        for warning in self.channel_warnings(false) {
            if self.dev {
                tracing::info!("{warning}");
            } else {
                tracing::warn!("{warning}");
            }
        }
    }
}
