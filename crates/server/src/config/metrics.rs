//! `/metrics`: served only to the holder of its token.

use super::{Secret, Settings};

impl Settings {
    /// The bearer token `/metrics` asks for; `None` (not served) when unset or empty, so an
    /// empty variable cannot open it to an empty token.
    pub fn metrics_token(&self) -> Option<&Secret> {
        self.metrics_token.as_ref().filter(|t| !t.expose().trim().is_empty())
    }
}
