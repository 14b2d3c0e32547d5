//! What keeps the gateway standing against hostile or merely greedy clients: rate limits per
//! member and per address, a budget of signature checks for submissions, bounded event-stream
//! subscribers, the bounded handler pool, and the replay cache of signed reads. One [`Guards`]
//! per served gateway; its counters are in `/metrics`.
//!
//! The pieces are plain values driven by a millisecond clock passed in, so tests own time.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{Semaphore, broadcast};

use super::auth::ReplayCache;
use crate::config::Limits;
pub use crate::rate::{RateLimiter, RetryAfterMs};

/// Counts of open event streams, on the node and per member; a [`SseSlot`] holds one until
/// dropped (when its stream ends or its client goes).
#[derive(Debug)]
pub struct SseSlots {
    total_max: usize,
    per_member_max: usize,
    total: AtomicUsize,
    per_member: Mutex<HashMap<String, usize>>,
}

/// One open event stream.
#[derive(Debug)]
pub struct SseSlot {
    slots: Arc<SseSlots>,
    member: String,
}

impl SseSlots {
    pub fn new(total_max: usize, per_member_max: usize) -> Arc<SseSlots> {
        Arc::new(SseSlots {
            total_max,
            per_member_max,
            total: AtomicUsize::new(0),
            per_member: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for `member`, or why not.
    pub fn acquire(self: &Arc<Self>, member: &str) -> Result<SseSlot, &'static str> {
        let mut per_member = self.per_member.lock().map_err(|_| "unavailable")?;
        if self.total.load(Ordering::Relaxed) >= self.total_max {
            return Err("the node serves as many event streams as it may");
        }
        let count = per_member.entry(member.to_owned()).or_insert(0);
        if *count >= self.per_member_max {
            return Err("this member has as many event streams open as one member may");
        }
        *count += 1;
        self.total.fetch_add(1, Ordering::Relaxed);
        Ok(SseSlot {
            slots: self.clone(),
            member: member.to_owned(),
        })
    }

    pub fn open(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }
}

impl Drop for SseSlot {
    fn drop(&mut self) {
        self.slots.total.fetch_sub(1, Ordering::Relaxed);
        if let Ok(mut per_member) = self.slots.per_member.lock()
            && let Some(count) = per_member.get_mut(&self.member)
        {
            *count -= 1;
            if *count == 0 {
                per_member.remove(&self.member);
            }
        }
    }
}

/// Counters the gateway adds to `/metrics`.
#[derive(Debug, Default)]
pub struct GatewayMetrics {
    pub connections_open: AtomicU64,
    pub connections_refused: AtomicU64,
    pub rate_limited: AtomicU64,
    pub signature_budget_refused: AtomicU64,
    pub handlers_timed_out: AtomicU64,
}

/// Everything one gateway guards itself with.
#[derive(Debug)]
pub struct Guards {
    pub replay: Mutex<ReplayCache>,
    /// Signed reads' keys, parsed, checked and decoded once each.
    pub read_keys: super::auth::ReadKeys,
    pub per_member: Mutex<RateLimiter>,
    pub per_address: Mutex<RateLimiter>,
    /// Transaction signature checks that HTTP submissions may cause, per second, all together.
    pub signature_budget: Mutex<RateLimiter>,
    pub sse: Arc<SseSlots>,
    /// Permits of the bounded handler pool.
    pub handlers: Arc<Semaphore>,
    /// Handlers running on the gateway's runtime threads themselves (`context::inline`).
    pub inline_slots: Arc<Semaphore>,
    pub metrics: GatewayMetrics,
    /// The event feed every event stream reads (`observe`), started by the first.
    pub event_feed: OnceLock<broadcast::Sender<Arc<super::feed::FeedItem>>>,
}

/// Rate-limit state is kept for at most this many members or addresses at once.
const RATE_KEYS_MAX: usize = 65_536;

impl Guards {
    pub fn new(limits: &Limits) -> Arc<Guards> {
        Arc::new(Guards {
            replay: Mutex::new(ReplayCache::new(limits.auth_replay_cache_max)),
            read_keys: super::auth::ReadKeys::default(),
            per_member: Mutex::new(RateLimiter::new(
                limits.http_requests_per_s_per_member,
                RATE_KEYS_MAX,
            )),
            per_address: Mutex::new(RateLimiter::new(
                limits.http_requests_per_s_per_address,
                RATE_KEYS_MAX,
            )),
            signature_budget: Mutex::new(RateLimiter::new(limits.http_signature_checks_per_s, 1)),
            sse: SseSlots::new(
                limits.sse_subscribers_max,
                limits.sse_subscribers_per_member_max,
            ),
            handlers: Arc::new(Semaphore::new(limits.http_handlers_max)),
            inline_slots: Arc::new(Semaphore::new(super::context::INLINE_HANDLERS_MAX)),
            metrics: GatewayMetrics::default(),
            event_feed: OnceLock::new(),
        })
    }

    fn take(
        &self,
        limiter: &Mutex<RateLimiter>,
        key: &str,
        cost: u64,
        now_ms: u64,
    ) -> Result<(), RetryAfterMs> {
        let result = match limiter.lock() {
            Ok(mut limiter) => limiter.take(key, cost, now_ms),
            Err(_) => Err(RetryAfterMs(1_000)),
        };
        if result.is_err() {
            self.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// One request from `address` (unknown in in-process tests: not limited by address).
    pub fn admit_address(
        &self,
        address: Option<IpAddr>,
        cost: u64,
        now_ms: u64,
    ) -> Result<(), RetryAfterMs> {
        match address {
            Some(ip) => self.take(&self.per_address, &ip.to_string(), cost, now_ms),
            None => Ok(()),
        }
    }

    /// One signed read by `member_key`.
    pub fn admit_member(&self, member_key: &str, now_ms: u64) -> Result<(), RetryAfterMs> {
        self.take(&self.per_member, member_key, 1, now_ms)
    }

    /// `checks` signature verifications for a submission.
    pub fn admit_signature_checks(&self, checks: u64, now_ms: u64) -> Result<(), RetryAfterMs> {
        let result = self.take(&self.signature_budget, "", checks, now_ms);
        if result.is_err() {
            self.metrics
                .signature_budget_refused
                .fetch_add(1, Ordering::Relaxed);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_stream_slots_are_bounded_and_given_back() {
        let slots = SseSlots::new(3, 2);
        let a1 = slots.acquire("a").unwrap();
        let _a2 = slots.acquire("a").unwrap();
        assert!(slots.acquire("a").is_err(), "per member");
        let _b = slots.acquire("b").unwrap();
        assert!(slots.acquire("c").is_err(), "per node");
        drop(a1);
        assert_eq!(slots.open(), 2);
        assert!(slots.acquire("c").is_ok());
    }
}
