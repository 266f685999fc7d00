//! Sala's adapters to the outside world.
//!
//! This crate knows nothing about bookings, tenants or the database: it receives ready-made
//! messages and delivers them. Each channel sits behind a small trait so the job runner can be
//! tested against fakes, and each real implementation takes a configurable base URL so tests and
//! development can point it at local servers.
//!
//! - [`ics`]: RFC 5545 / RFC 5546 (iTIP) calendar invitations (`METHOD:REQUEST` / `CANCEL`).
//! - [`ics_import`]: reading another system's calendar file (events, repetitions, zones) for an import.
//! - [`email`]: multipart email carrying an invitation, sent over SMTP with lettre
//!   ([`email::SmtpMailer`]) or kept in memory ([`email::InMemoryMailer`]).
//! - [`whatsapp`]: template messages through the WhatsApp Business Cloud API.
//! - [`calendar`]: the calendar-provider seam (events, free/busy, changes, push channels).
//! - [`google`]: Google behind that seam: Calendar API v3 (with Google Meet) and the OAuth token endpoint.
//! - [`google_directory`]: the Admin SDK Directory API's `users.list` (a Workspace's people).
//!
//! Every send returns a [`ChannelError`] that tells the caller whether trying again later can help.

use std::time::Duration;

pub mod bounded;
pub mod calendar;
pub mod email;
pub mod google;
pub mod google_directory;
pub mod ics;
pub mod ics_import;
pub mod microsoft;
pub mod service_account;
#[cfg(feature = "testing")]
pub mod testing;
pub mod webhook;
pub mod whatsapp;

/// Why a delivery failed, classified for the job runner.
///
/// **Retryable** means the same message, sent again unchanged, may succeed later: the remote
/// service was unreachable, timed out, answered with a temporary failure (SMTP 4xx, HTTP 5xx) or
/// throttled us (HTTP 429 and the WhatsApp rate-limit codes). The runner should back off, honouring
/// `retry_after` when the service gave one, and try again.
///
/// **Final** means sending the same message again will fail the same way: the recipient does not
/// exist or cannot receive it (SMTP 5xx such as `550` unknown user, an invalid or non-WhatsApp phone
/// number, a closed 24-hour window), the message itself is invalid, or the channel's configuration
/// is wrong ([`ChannelError::Misconfigured`]: rejected credentials, an expired access token). The
/// runner should mark the delivery failed and log the reason; for configuration problems it keeps
/// the job replayable for when an administrator has fixed them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// A temporary failure: try again later.
    #[error("temporary delivery failure: {reason}")]
    Retryable {
        /// Human-readable cause, safe to log (never contains credentials).
        reason: String,
        /// How long the remote service asked us to wait, when it said so.
        retry_after: Option<Duration>,
    },
    /// A permanent failure: retrying the same message will not help.
    #[error("permanent delivery failure: {reason}")]
    Final {
        /// Human-readable cause, safe to log (never contains credentials).
        reason: String,
    },
    /// The channel's configuration is wrong (rejected credentials, an expired token, no TLS
    /// where it is required): every message fails the same way until an administrator fixes it,
    /// after which the same message can be sent again.
    #[error("channel misconfigured: {reason}")]
    Misconfigured {
        /// Human-readable cause, safe to log (never contains credentials).
        reason: String,
    },
}

impl ChannelError {
    /// A [`ChannelError::Retryable`] without a server-provided delay.
    pub fn retryable(reason: impl Into<String>) -> Self {
        Self::Retryable { reason: reason.into(), retry_after: None }
    }

    /// A [`ChannelError::Final`].
    pub fn final_(reason: impl Into<String>) -> Self {
        Self::Final { reason: reason.into() }
    }

    /// A [`ChannelError::Misconfigured`].
    pub fn misconfigured(reason: impl Into<String>) -> Self {
        Self::Misconfigured { reason: reason.into() }
    }

    /// Whether the runner should try this delivery again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }
}

/// A channel could not be configured (for example a malformed `SALA_SMTP_URL`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid channel configuration: {0}")]
pub struct ConfigError(pub String);
