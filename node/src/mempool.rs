//! The mempool: verified transactions waiting for a block.
//!
//! Bounded by count and bytes (a full pool refuses; the gateway answers 503 with Retry-After),
//! de-duplicated by tx hash, first-in first-out. Only transactions whose signature the node has
//! already verified enter, and the pool remembers nothing else about them: a transaction is
//! verified exactly once on this node, at admission.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use gongxin_core::Hash;
use gongxin_core::tx::{REPLAY_WINDOW_BLOCKS_MAX, SignedTx};

/// Limits of the pool.
#[derive(Debug, Clone, Copy)]
pub struct MempoolLimits {
    pub txs_max: usize,
    pub bytes_max: usize,
}

impl Default for MempoolLimits {
    fn default() -> Self {
        MempoolLimits {
            txs_max: 100_000,
            bytes_max: 128 * 1024 * 1024,
        }
    }
}

/// Why a transaction was not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmitError {
    #[error("the mempool is full ({txs} transactions, {bytes} bytes); retry later")]
    Full { txs: usize, bytes: usize },
    #[error("transaction is already pending")]
    AlreadyPending,
    #[error("transaction expired at height {valid_until_height}; the chain is at {height}")]
    Expired {
        valid_until_height: u64,
        height: u64,
    },
    #[error(
        "transaction's valid_until_height {valid_until_height} is more than {REPLAY_WINDOW_BLOCKS_MAX} blocks ahead of height {height}"
    )]
    TooFarAhead {
        valid_until_height: u64,
        height: u64,
    },
}

#[derive(Debug)]
struct Pending {
    tx: Arc<SignedTx>,
    bytes: usize,
}

/// Verified, uncommitted transactions in arrival order.
#[derive(Debug)]
pub struct Mempool {
    limits: MempoolLimits,
    pending: BTreeMap<Hash, Pending>,
    /// Arrival order; may hold hashes already removed (skipped lazily when taking).
    order: VecDeque<Hash>,
    bytes: usize,
}

impl Mempool {
    pub fn new(limits: MempoolLimits) -> Mempool {
        Mempool {
            limits,
            pending: BTreeMap::new(),
            order: VecDeque::new(),
            bytes: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether the transaction is waiting (it stays until a block containing it commits).
    pub fn contains(&self, hash: &Hash) -> bool {
        self.pending.contains_key(hash)
    }

    /// Checks the replay window against the next block's height without inserting.
    pub fn check_window(tx: &SignedTx, next_height: u64) -> Result<(), AdmitError> {
        let valid_until_height = tx.body.replay.valid_until_height;
        if valid_until_height < next_height {
            return Err(AdmitError::Expired {
                valid_until_height,
                height: next_height,
            });
        }
        if valid_until_height - next_height > REPLAY_WINDOW_BLOCKS_MAX {
            return Err(AdmitError::TooFarAhead {
                valid_until_height,
                height: next_height,
            });
        }
        Ok(())
    }

    /// Admits a transaction whose signature the caller has verified.
    pub fn insert(
        &mut self,
        hash: Hash,
        tx: Arc<SignedTx>,
        bytes: usize,
        next_height: u64,
    ) -> Result<(), AdmitError> {
        if self.contains(&hash) {
            return Err(AdmitError::AlreadyPending);
        }
        Self::check_window(&tx, next_height)?;
        if self.pending.len() >= self.limits.txs_max || self.bytes + bytes > self.limits.bytes_max {
            return Err(AdmitError::Full {
                txs: self.pending.len(),
                bytes: self.bytes,
            });
        }
        self.pending.insert(hash, Pending { tx, bytes });
        self.order.push_back(hash);
        self.bytes += bytes;
        Ok(())
    }

    /// Up to `txs_max` transactions totalling at most `bytes_max` bytes, oldest first, for a
    /// proposal at `height`, left in the pool: a proposal may not be decided, and the pool
    /// forgets transactions only when a block containing them commits
    /// ([`Mempool::remove_committed`]). This is the pool's one way out, for consensus and the
    /// solo producer alike. Expired transactions met on the way are dropped.
    pub fn proposal(
        &mut self,
        txs_max: usize,
        bytes_max: usize,
        height: u64,
    ) -> Vec<Arc<SignedTx>> {
        // Drop stale order entries at the front so the deque does not grow without bound.
        while let Some(front) = self.order.front() {
            if self.pending.contains_key(front) {
                break;
            }
            self.order.pop_front();
        }
        let mut expired = Vec::new();
        let mut chosen = Vec::new();
        let mut chosen_bytes = 0usize;
        for hash in &self.order {
            if chosen.len() >= txs_max {
                break;
            }
            let Some(pending) = self.pending.get(hash) else {
                continue;
            };
            if pending.tx.body.replay.valid_until_height < height {
                expired.push(*hash);
                continue;
            }
            if chosen_bytes + pending.bytes > bytes_max {
                break;
            }
            chosen_bytes += pending.bytes;
            chosen.push(pending.tx.clone());
        }
        for hash in &expired {
            self.remove(hash);
        }
        chosen
    }

    /// Forgets the transactions of a committed block (ours or another validator's).
    pub fn remove_committed(&mut self, hashes: &[Hash]) {
        for hash in hashes {
            self.remove(hash);
        }
    }

    fn remove(&mut self, hash: &Hash) {
        if let Some(pending) = self.pending.remove(hash) {
            self.bytes -= pending.bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongxin_core::crypto::{Algorithm, Keypair};
    use gongxin_core::model::Operation;
    use gongxin_core::tx::{ReplayGuard, TxBody};

    fn tx(nonce: u64, valid_until_height: u64) -> (Hash, Arc<SignedTx>, usize) {
        let key = Keypair::from_secret_bytes(Algorithm::Ed25519, &[1; 32]).unwrap();
        let tx = TxBody {
            chain_id: "t".into(),
            signer: key.public_key(),
            replay: ReplayGuard {
                nonce,
                valid_until_height,
            },
            operation: Operation::ApproveProject {
                project: "P".into(),
            },
        }
        .sign(&key);
        let bytes = tx.to_bytes().len();
        (tx.hash(), Arc::new(tx), bytes)
    }

    #[test]
    fn fifo_dedup_and_limits() {
        let mut pool = Mempool::new(MempoolLimits {
            txs_max: 3,
            bytes_max: 1 << 20,
        });
        let txs: Vec<_> = (0..4).map(|n| tx(n, 100)).collect();
        for (hash, t, bytes) in &txs[..3] {
            pool.insert(*hash, t.clone(), *bytes, 1).unwrap();
        }
        assert_eq!(
            pool.insert(txs[0].0, txs[0].1.clone(), txs[0].2, 1),
            Err(AdmitError::AlreadyPending)
        );
        assert!(matches!(
            pool.insert(txs[3].0, txs[3].1.clone(), txs[3].2, 1),
            Err(AdmitError::Full { .. })
        ));
        let proposed: Vec<Hash> = pool
            .proposal(2, usize::MAX, 1)
            .iter()
            .map(|t| t.hash())
            .collect();
        assert_eq!(proposed, vec![txs[0].0, txs[1].0]);
        assert_eq!(pool.len(), 3, "a proposal leaves its transactions pending");
        pool.remove_committed(&proposed);
        assert_eq!(pool.len(), 1);
        pool.insert(txs[3].0, txs[3].1.clone(), txs[3].2, 1)
            .unwrap();
        let rest: Vec<Hash> = pool
            .proposal(10, usize::MAX, 1)
            .iter()
            .map(|t| t.hash())
            .collect();
        assert_eq!(rest, vec![txs[2].0, txs[3].0]);
        pool.remove_committed(&rest);
        assert!(pool.is_empty());
        assert_eq!(pool.bytes(), 0);
    }

    #[test]
    fn byte_limit_and_expiry() {
        let (h1, t1, b1) = tx(1, 100);
        let (h2, t2, b2) = tx(2, 5);
        let mut pool = Mempool::new(MempoolLimits {
            txs_max: 10,
            bytes_max: b1 + b2,
        });
        pool.insert(h2, t2, b2, 1).unwrap();
        pool.insert(h1, t1, b1, 1).unwrap();
        assert!(matches!(
            pool.insert(tx(3, 100).0, tx(3, 100).1, b1, 1),
            Err(AdmitError::Full { .. })
        ));
        // At height 6 the first transaction has expired and is dropped, not proposed.
        let proposed = pool.proposal(10, b1, 6);
        assert_eq!(proposed.len(), 1);
        assert_eq!(proposed[0].hash(), h1);
        assert_eq!(pool.bytes(), b1, "the expired one's bytes are released");
    }

    #[test]
    fn replay_window_is_checked_at_admission() {
        let mut pool = Mempool::new(MempoolLimits::default());
        let (h, t, b) = tx(1, 9);
        assert!(matches!(
            pool.insert(h, t, b, 10),
            Err(AdmitError::Expired { .. })
        ));
        let (h, t, b) = tx(1, 10 + REPLAY_WINDOW_BLOCKS_MAX + 1);
        assert!(matches!(
            pool.insert(h, t, b, 10),
            Err(AdmitError::TooFarAhead { .. })
        ));
    }

    #[test]
    fn a_proposal_leaves_transactions_pending_until_committed() {
        let mut pool = Mempool::new(MempoolLimits::default());
        let txs: Vec<_> = (0..4)
            .map(|n| tx(n, if n == 1 { 5 } else { 100 }))
            .collect();
        for (h, t, b) in &txs {
            pool.insert(*h, t.clone(), *b, 1).unwrap();
        }
        // At height 6 the second has expired: dropped, not proposed. Count limit respected.
        let first = pool.proposal(2, usize::MAX, 6);
        let hashes = |v: &[Arc<SignedTx>]| v.iter().map(|t| t.hash()).collect::<Vec<_>>();
        assert_eq!(hashes(&first), vec![txs[0].0, txs[2].0]);
        assert_eq!(pool.len(), 3);
        // A round that is not decided proposes the same transactions again.
        assert_eq!(hashes(&pool.proposal(2, usize::MAX, 6)), hashes(&first));
        // Byte limit: only what fits.
        assert_eq!(pool.proposal(10, txs[0].2, 6).len(), 1);
        // Once a block with the first commits, the next proposal starts after it.
        pool.remove_committed(&[txs[0].0]);
        assert_eq!(
            hashes(&pool.proposal(10, usize::MAX, 6)),
            vec![txs[2].0, txs[3].0]
        );
    }
}
