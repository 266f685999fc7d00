//! Webhooks: which addresses endpoints may have, and how long a receiver has to answer.

use super::Settings;
use std::time::Duration;

impl Settings {
    /// May webhook endpoints be http, or resolve to private addresses?
    pub fn webhooks_may_reach_private(&self) -> bool {
        self.dev || self.webhooks_allow_private
    }

    /// How long a webhook receiver has to answer (1-60 s).
    pub fn webhooks_timeout(&self) -> Duration {
        Duration::from_secs(self.webhooks_timeout_seconds.clamp(1, 60))
    }
}
