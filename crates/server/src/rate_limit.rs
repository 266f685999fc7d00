//! Requests per caller: a GCRA limiter (the `governor` crate) per key, in this process. Past the
//! limit an API key gets 429 `rate_limited` with `Retry-After`; a room's kiosk gets a page saying
//! to wait. Several instances each count their own requests, so the tenant-wide ceiling grows with
//! them; a per-key ceiling is what protects each instance. The table holds one small entry per
//! key that called, bounded by the keys (or kiosks) made; for addresses starting a sign-in it is
//! pruned past 10,000 entries.

use crate::problem::Problem;
use axum::http::StatusCode;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use sala_domain::ErrorCode;
use sala_domain::{ApiKeyId, RoomId, UserId};
use std::hash::Hash;
use std::num::NonZeroU32;

pub struct RateLimit<K: Hash + Eq + Clone> {
    limiter: RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>,
    per_minute: u32,
}

/// Requests per API key.
pub type ApiRateLimit = RateLimit<ApiKeyId>;
/// Changes per signed-in person (API calls with a session, and forms), as keys have theirs.
pub type PersonWriteRateLimit = RateLimit<UserId>;
/// Check-in attempts per room kiosk (someone trying addresses on a kiosk).
pub type KioskRateLimit = RateLimit<RoomId>;
/// Sign-ins started per address (each stores a flow until it ends or expires).
pub type SignInRateLimit = RateLimit<std::net::IpAddr>;

/// Past this many keys, the table forgets those whose limit has fully recovered (anyone can come
/// from a new address).
const MAX_KEYS: usize = 10_000;

impl<K: Hash + Eq + Clone> RateLimit<K> {
    /// `per_minute` requests per key, in bursts of up to that many.
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self { limiter: RateLimiter::keyed(Quota::per_minute(n)), per_minute }
    }

    /// Counts one request of `key`; past the limit, how long to wait.
    pub fn check(&self, key: K) -> Result<(), RateLimited> {
        if self.limiter.len() > MAX_KEYS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            RateLimited { seconds: seconds.max(1), per_minute: self.per_minute }
        })
    }
}

/// A caller past its limit: how long to wait.
#[derive(Debug, Clone, Copy)]
pub struct RateLimited {
    pub seconds: u64,
    pub per_minute: u32,
}

impl From<RateLimited> for Problem {
    fn from(limited: RateLimited) -> Self {
        let detail = format!("At most {} requests a minute here; retry in {} s.", limited.per_minute, limited.seconds);
        let mut problem = Problem::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, detail);
        problem.retry_after = Some(limited.seconds);
        problem
    }
}
