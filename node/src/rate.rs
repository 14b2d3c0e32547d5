//! Token-bucket rate limits by key, driven by a millisecond clock passed in (so tests own
//! time): the gateway's per-member and per-address limits and its signature-check budget, and
//! consensus's budget of proposal-stream checks per peer ([`RateLimiter`]); and what a peer may
//! cost before it is banned for a while, for transaction gossip and consensus ([`PeerGuard`]).

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

    /// `bucket`'s milli-tokens at `now_ms` (at most the capacity: a full bucket is idle).
    fn refilled(rate_per_s: u64, capacity: u64, bucket: &Bucket, now_ms: u64) -> u64 {
        let elapsed = now_ms.saturating_sub(bucket.at_ms);
        bucket
            .milli_tokens
            .saturating_add(elapsed.saturating_mul(rate_per_s))
            .min(capacity)
    }

    /// Spends `cost` tokens of `key`, or says how long until it could.
    pub fn take<Q>(&mut self, key: &Q, cost: u64, now_ms: u64) -> Result<(), RetryAfterMs>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let (rate, capacity) = (self.rate_per_s, self.capacity());
        let cost_milli = cost.saturating_mul(1_000).min(capacity);
        if !self.buckets.contains_key(key) && self.buckets.len() >= self.keys_max {
            self.buckets
                .retain(|_, b| Self::refilled(rate, capacity, b, now_ms) < capacity);
            if self.buckets.len() >= self.keys_max {
                return Err(RetryAfterMs(1_000));
            }
        }
        let current = match self.buckets.get(key) {
            Some(bucket) => Self::refilled(rate, capacity, bucket, now_ms),
            None => capacity,
        };
        if current < cost_milli {
            let missing = cost_milli - current;
            return Err(RetryAfterMs(missing.div_ceil(rate).max(1)));
        }
        let spent = Bucket {
            milli_tokens: current - cost_milli,
            at_ms: now_ms,
        };
        // A kept key is updated in place: no copy of it per request.
        match self.buckets.get_mut(key) {
            Some(bucket) => *bucket = spent,
            None => {
                self.buckets.insert(key.to_owned(), spent);
            }
        }
        Ok(())
    }
}

/// What a [`PeerGuard`] allows each peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerLimits {
    /// Units (transactions, signature checks) the peer may cost per second.
    pub per_s: u64,
    /// Seconds' worth it may spend at once.
    pub burst_s: u64,
    /// Strikes within `strike_window_ms` that get it banned for `ban_ms`.
    pub strikes_before_ban: usize,
    pub strike_window_ms: u64,
    pub ban_ms: u64,
}

/// What each peer may cost this node: a token bucket of its limits' rate, and a tally of
/// strikes (whatever its owner holds against a peer: a rejected batch, a message over budget)
/// that ends in a ban. Pure: time comes in as milliseconds, peers are any key.
#[derive(Debug)]
pub struct PeerGuard<K> {
    limits: PeerLimits,
    peers: HashMap<K, PeerRecord>,
}

#[derive(Debug, Default)]
struct PeerRecord {
    /// Units it may still cost, in thousandths.
    budget_milli: u64,
    /// When `budget_milli` was last refilled; `None` before its first spending.
    refilled_ms: Option<u64>,
    /// Times of its recent strikes.
    strikes: Vec<u64>,
    banned_until_ms: Option<u64>,
}

impl<K: Hash + Eq + Copy> PeerGuard<K> {
    pub fn new(limits: PeerLimits) -> PeerGuard<K> {
        PeerGuard {
            limits,
            peers: HashMap::new(),
        }
    }

    /// Spends `units` of `peer`'s budget at `now_ms`; false (and nothing spent) when it has not
    /// that much left.
    pub fn spend(&mut self, peer: K, units: u64, now_ms: u64) -> bool {
        let PeerLimits { per_s, burst_s, .. } = self.limits;
        let full_milli = per_s.saturating_mul(burst_s).saturating_mul(1000);
        let record = self.peers.entry(peer).or_default();
        record.budget_milli = match record.refilled_ms {
            None => full_milli,
            Some(then) => record
                .budget_milli
                .saturating_add(now_ms.saturating_sub(then).saturating_mul(per_s))
                .min(full_milli),
        };
        record.refilled_ms = Some(now_ms);
        let cost = units.saturating_mul(1000);
        if cost > record.budget_milli {
            return false;
        }
        record.budget_milli -= cost;
        true
    }

    /// Records a strike against `peer`; true when that makes `strikes_before_ban` within
    /// `strike_window_ms`: the peer is then banned for `ban_ms` (and its tally starts over).
    pub fn strike(&mut self, peer: K, now_ms: u64) -> bool {
        let limits = self.limits;
        let record = self.peers.entry(peer).or_default();
        record
            .strikes
            .retain(|at| now_ms.saturating_sub(*at) < limits.strike_window_ms);
        record.strikes.push(now_ms);
        if record.strikes.len() < limits.strikes_before_ban {
            return false;
        }
        record.strikes.clear();
        record.banned_until_ms = Some(now_ms.saturating_add(limits.ban_ms));
        true
    }

    pub fn is_banned(&self, peer: &K) -> bool {
        self.peers
            .get(peer)
            .is_some_and(|record| record.banned_until_ms.is_some())
    }

    /// The peers whose ban is over at `now_ms`: no longer banned, with a full budget.
    pub fn bans_ended(&mut self, now_ms: u64) -> Vec<K> {
        let mut ended = Vec::new();
        for (peer, record) in &mut self.peers {
            if record.banned_until_ms.is_some_and(|until| until <= now_ms) {
                *record = PeerRecord::default();
                ended.push(*peer);
            }
        }
        ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_rate_and_refills_with_time() {
        let mut limiter = RateLimiter::new(10, 100);
        for _ in 0..10 {
            assert_eq!(limiter.take("a", 1, 0), Ok(()));
        }
        let refused = limiter.take("a", 1, 0).unwrap_err();
        assert_eq!(
            refused,
            RetryAfterMs(100),
            "one token comes back every 100 ms"
        );
        assert_eq!(limiter.take("b", 1, 0), Ok(()), "keys are independent");
        assert_eq!(limiter.take("a", 1, 100), Ok(()));
        assert!(limiter.take("a", 1, 100).is_err());
        assert_eq!(limiter.take("a", 5, 600), Ok(()));
    }

    #[test]
    fn a_cost_above_the_burst_is_capped_not_refused_forever() {
        let mut limiter = RateLimiter::new(1_000, 1);
        assert_eq!(
            limiter.take("", 5_000, 0),
            Ok(()),
            "one big batch when the budget is full"
        );
        assert!(limiter.take("", 1, 0).is_err());
        assert_eq!(limiter.take("", 1_000, 1_000), Ok(()));
    }

    #[test]
    fn idle_keys_make_room_and_busy_ones_do_not() {
        let mut limiter = RateLimiter::new(1, 2);
        assert_eq!(limiter.take("a", 1, 0), Ok(()));
        assert_eq!(limiter.take("b", 1, 0), Ok(()));
        assert!(limiter.take("c", 1, 0).is_err(), "both kept keys are busy");
        assert_eq!(
            limiter.take("c", 1, 1_000),
            Ok(()),
            "a and b refilled and were dropped"
        );
    }

    /// Consensus keys its budget by peer (here integers): one peer spending all of its budget
    /// leaves another's whole, and the peers tracked are bounded.
    #[test]
    fn peers_have_budgets_of_their_own_and_are_bounded() {
        let mut limiter: RateLimiter<u64> = RateLimiter::new(20, 2);
        for _ in 0..20 {
            assert_eq!(limiter.take(&1, 1, 0), Ok(()));
        }
        assert!(limiter.take(&1, 1, 0).is_err(), "peer 1 spent its 20");
        assert_eq!(limiter.take(&2, 1, 0), Ok(()), "peer 2 still has its own");
        assert!(
            limiter.take(&3, 1, 0).is_err(),
            "two busy peers fill the table"
        );
        assert_eq!(limiter.take(&1, 1, 50), Ok(()), "a token back after 50 ms");
    }
}
