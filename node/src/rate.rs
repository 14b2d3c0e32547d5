//! Token-bucket rate limits by key, driven by a millisecond clock passed in (so tests own
//! time): the gateway's per-member and per-address limits and its signature-check budget, and
//! consensus's budget of proposal-stream checks per peer.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// Token buckets by key: each key may spend `rate_per_s` tokens per second with a burst of the
/// same size. Integer milli-tokens, so no float touches it. At most `keys_max` keys are kept;
/// when full, idle (refilled) buckets are dropped first, and a new key is refused only when
/// every kept key is busy.
#[derive(Debug)]
pub struct RateLimiter<K = String> {
    rate_per_s: u64,
    keys_max: usize,
    buckets: HashMap<K, Bucket>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    milli_tokens: u64,
    at_ms: u64,
}

/// Refused: retry after this many milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfterMs(pub u64);

impl<K: Hash + Eq> RateLimiter<K> {
    pub fn new(rate_per_s: u32, keys_max: usize) -> RateLimiter<K> {
        RateLimiter {
            rate_per_s: u64::from(rate_per_s.max(1)),
            keys_max: keys_max.max(1),
            buckets: HashMap::new(),
        }
    }

    fn capacity(&self) -> u64 {
        self.rate_per_s * 1_000
    }

    fn refilled(&self, bucket: Bucket, now_ms: u64) -> u64 {
        let elapsed = now_ms.saturating_sub(bucket.at_ms);
        bucket
            .milli_tokens
            .saturating_add(elapsed.saturating_mul(self.rate_per_s))
            .min(self.capacity())
    }

    /// Spends `cost` tokens of `key`, or says how long until it could.
    pub fn take<Q>(&mut self, key: &Q, cost: u64, now_ms: u64) -> Result<(), RetryAfterMs>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let cost_milli = cost.saturating_mul(1_000).min(self.capacity());
        if !self.buckets.contains_key(key) && self.buckets.len() >= self.keys_max {
            let capacity = self.capacity();
            let rate = self.rate_per_s;
            self.buckets.retain(|_, b| {
                let elapsed = now_ms.saturating_sub(b.at_ms);
                b.milli_tokens.saturating_add(elapsed.saturating_mul(rate)) < capacity
            });
            if self.buckets.len() >= self.keys_max {
                return Err(RetryAfterMs(1_000));
            }
        }
        let capacity = self.capacity();
        let current = match self.buckets.get(key) {
            Some(bucket) => self.refilled(*bucket, now_ms),
            None => capacity,
        };
        if current < cost_milli {
            let missing = cost_milli - current;
            return Err(RetryAfterMs(missing.div_ceil(self.rate_per_s).max(1)));
        }
        self.buckets.insert(
            key.to_owned(),
            Bucket {
                milli_tokens: current - cost_milli,
                at_ms: now_ms,
            },
        );
        Ok(())
    }
}
