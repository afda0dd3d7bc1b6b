//! Per-key token buckets: a witness key may submit `burst` entries at once and
//! `per_second` on average; past that it gets 429 with Retry-After.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// A set of token buckets keyed by signer (key name + key ID).
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter refilling `per_second` tokens up to `burst`.
    pub fn new(per_second: f64, burst: f64) -> Self {
        RateLimiter { per_second, burst, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes a token for `key`; on refusal returns the seconds to wait.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Bound memory under a flood of distinct (mostly unknown) keys.
            buckets.retain(|_, (tokens, _)| *tokens < self.burst);
        }
        let (tokens, last) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}
