//! Admission: how a transaction gets into this node's mempool, and the one way out of it.
//!
//! A transaction arrives from a client of the gateway, from another validator's gossip, or from
//! this node itself (its operation-log anchors). Whatever the origin, it passes the same steps:
//!
//! 1. cheap pre-checks — chain id, already committed, already pending, replay window, the
//!    signer is a member (or, for an anchor, the named validator's current key);
//! 2. the **one** signature check this node ever makes for it, batched across a submission or a
//!    gossip message;
//! 3. the bounded [`Mempool`], re-checked against the store under the pool's lock.
//!
//! Client admissions are recorded in the operation log; new transactions from clients and from
//! this node go to the gossip outbox, whose receiver the composition root hands to gossip.
//! Transactions leave the pool only when a block containing them commits
//! ([`Admission::forget_committed`]); proposals read it without taking
//! ([`Admission::proposal_txs`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use gongxin_core::Hash;
use gongxin_core::access_log::AccessKind;
use gongxin_core::crypto::{BatchItem, KeyCache, PublicKey, verify_batch_cached};
use gongxin_core::model::Operation;
use gongxin_core::tx::{SignedTx, TxError};
use tokio::sync::{Notify, mpsc};

use crate::access_log::{AccessLog, Act};
use crate::chain::{CommittedState, TipWatch};
use crate::config::Limits;
use crate::lock_unpoisoned;
pub use crate::mempool::AdmitError;
use crate::mempool::Mempool;
use crate::storage::{StorageError, Store};

/// Where admitted transactions wait to be gossiped to the other validators.
pub type GossipOutbox = mpsc::Sender<Arc<SignedTx>>;

/// Transactions waiting to be gossiped; when full, new ones are not gossiped (they still reach
/// a block when this node proposes).
pub const GOSSIP_OUTBOX_TXS_MAX: usize = 65_536;

/// The gossip outbox and the receiver the composition root hands to gossip.
pub fn gossip_outbox() -> (GossipOutbox, mpsc::Receiver<Arc<SignedTx>>) {
    mpsc::channel(GOSSIP_OUTBOX_TXS_MAX)
}

/// Why a submitted transaction was not admitted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Invalid(#[from] TxError),
    #[error(transparent)]
    Admit(#[from] AdmitError),
    #[error("transaction is already committed at height {height}")]
    AlreadyCommitted { height: u64 },
    #[error("signer {0} is not a member of this consortium")]
    UnknownSigner(PublicKey),
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

impl SubmitError {
    /// The stable code of the refusal, as the gateway answers it and the operation log
    /// records it.
    pub fn code(&self) -> &'static str {
        match self {
            SubmitError::Invalid(TxError::WrongChain { .. }) => "wrong_chain",
            SubmitError::Invalid(TxError::Signature(_)) => "bad_signature",
            SubmitError::Invalid(TxError::Decode(_)) => "malformed_tx",
            SubmitError::Admit(AdmitError::Expired { .. }) => "expired",
            SubmitError::Admit(AdmitError::TooFarAhead { .. }) => "expiry_too_far",
            SubmitError::Admit(AdmitError::AlreadyPending) => "already_pending",
            SubmitError::Admit(AdmitError::Full { .. }) => "mempool_full",
            SubmitError::AlreadyCommitted { .. } => "already_committed",
            SubmitError::UnknownSigner(_) => "unknown_signer",
            SubmitError::Storage(_) => "internal",
        }
    }

    fn state(what: &str, e: gongxin_contracts::StorageError) -> SubmitError {
        SubmitError::Storage(StorageError::Missing(format!("{what}: {e}")))
    }
}

/// A transaction this node holds: its hash, and whether this submission added it (`fresh`) or
/// it was already pending (an idempotent resend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    pub hash: Hash,
    pub fresh: bool,
}

/// One transaction's admission, in the order submitted: its hash and the verdict.
#[derive(Debug)]
pub struct Verdict {
    pub hash: Hash,
    pub result: Result<Admitted, SubmitError>,
}

/// Where a transaction came from: it decides logging and gossip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A client of this node's gateway: logged, then gossiped.
    Client,
    /// Another validator's gossip: not gossiped again.
    Peer,
    /// This node itself (its operation-log anchors): gossiped, not logged.
    Own,
}

/// How full the pool is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSize {
    pub txs: usize,
    pub bytes: usize,
}

/// Admission counters exported at `GET /metrics`. `signature_checks` counts every transaction
/// signature the node checked: at admission, and in proposals it had not seen (consensus counts
/// those through [`Admission::count_signature_checks`]).
#[derive(Debug, Default)]
pub struct AdmissionMetrics {
    pub txs_admitted: AtomicU64,
    pub txs_refused: AtomicU64,
    pub signature_checks: AtomicU64,
    /// Gossip batches refused as their sender's fault (undecodable, too many transactions, a
    /// bad signature, a signer who is no member).
    pub gossip_batches_rejected: AtomicU64,
    /// Gossip batches neither checked nor forwarded: their sender was over its budget, or the
    /// check queue was full.
    pub gossip_batches_ignored: AtomicU64,
    /// Gossip peers disconnected for repeated rejected batches.
    pub gossip_peer_bans: AtomicU64,
    /// Inbound gossip connections refused by their source address, before any handshake
    /// (`consensus::sources`).
    pub gossip_connections_refused: Arc<AtomicU64>,
}

/// The admission component: mempool, checks, metrics and gossip outbox.
#[derive(Debug)]
pub struct Admission {
    chain_id: String,
    store: Arc<Store>,
    tip: Arc<TipWatch>,
    pool: Mutex<Mempool>,
    /// What one proposal may take from the pool.
    block_txs_max: usize,
    block_bytes_max: usize,
    access_log: Arc<AccessLog>,
    gossip: Option<GossipOutbox>,
    /// Members' keys, decoded once rather than for every transaction they sign.
    keys: KeyCache,
    pub metrics: AdmissionMetrics,
    /// Wakes the block producer when a transaction arrives.
    pub arrived: Notify,
}

impl Admission {
    /// Admission for the chain `chain_id` over `store`, with the pool and block bounds of
    /// `limits`. `gossip` is `None` for a node without peers.
    pub fn new(
        chain_id: String,
        store: Arc<Store>,
        tip: Arc<TipWatch>,
        limits: &Limits,
        access_log: Arc<AccessLog>,
        gossip: Option<GossipOutbox>,
    ) -> Admission {
        Admission {
            chain_id,
            store,
            tip,
            pool: Mutex::new(Mempool::new(limits.mempool())),
            block_txs_max: limits.block_txs_max,
            block_bytes_max: limits.block_bytes_max,
            access_log,
            gossip,
            keys: KeyCache::default(),
            metrics: AdmissionMetrics::default(),
            arrived: Notify::new(),
        }
    }

    /// Admits one transaction from a client of the gateway (logged, gossiped).
    pub fn submit(&self, tx: SignedTx, encoded_bytes: usize) -> Result<Admitted, SubmitError> {
        self.admit_one(tx, encoded_bytes, Origin::Client)
    }

    /// Admits a transaction this node signed itself (an operation-log anchor), unlogged.
    pub fn submit_own(&self, tx: SignedTx, encoded_bytes: usize) -> Result<Admitted, SubmitError> {
        self.admit_one(tx, encoded_bytes, Origin::Own)
    }

    /// Admits a client's batch with one batched signature check. Verdicts in input order.
    pub fn submit_batch(&self, txs: Vec<(SignedTx, usize)>) -> Vec<Verdict> {
        self.admit(txs, Origin::Client)
    }

    /// Admits a batch another validator gossiped (not gossiped again, not logged).
    pub fn submit_from_peer(&self, txs: Vec<(SignedTx, usize)>) -> Vec<Verdict> {
        self.admit(txs, Origin::Peer)
    }

    /// Counts signature checks made outside admission (a proposal's transactions this node had
    /// not seen), so `signature_checks` is every check the node made.
    pub fn count_signature_checks(&self, checks: u64) {
        self.metrics
            .signature_checks
            .fetch_add(checks, Ordering::Relaxed);
    }

    /// The height of the last committed block.
    pub fn height(&self) -> u64 {
        self.tip.height()
    }

    pub fn is_pending(&self, hash: &Hash) -> bool {
        lock_unpoisoned(&self.pool).contains(hash)
    }

    pub fn pool_size(&self) -> PoolSize {
        let pool = lock_unpoisoned(&self.pool);
        PoolSize {
            txs: pool.len(),
            bytes: pool.bytes(),
        }
    }

    /// The transactions a proposal for block `height` carries, oldest first, within the block
    /// bounds. They stay pending until a block containing them commits.
    pub fn proposal_txs(&self, height: u64) -> Vec<Arc<SignedTx>> {
        lock_unpoisoned(&self.pool).proposal(self.block_txs_max, self.block_bytes_max, height)
    }

    /// Forgets the transactions of a block that is now durable. Only after the store holds the
    /// block may a resend of these be judged "committed" (see the re-check in [`Self::insert`]).
    pub fn forget_committed(&self, tx_hashes: &[Hash]) {
        lock_unpoisoned(&self.pool).remove_committed(tx_hashes);
    }

    fn admit_one(
        &self,
        tx: SignedTx,
        encoded_bytes: usize,
        origin: Origin,
    ) -> Result<Admitted, SubmitError> {
        match self.admit(vec![(tx, encoded_bytes)], origin).pop() {
            Some(verdict) => verdict.result,
            None => Err(SubmitError::Storage(StorageError::Missing(
                "admission verdict".into(),
            ))),
        }
    }

    fn admit(&self, txs: Vec<(SignedTx, usize)>, origin: Origin) -> Vec<Verdict> {
        let logged: Vec<(PublicKey, &'static str)> = match origin {
            Origin::Client => txs
                .iter()
                .map(|(tx, _)| (tx.body.signer, tx.body.operation.kind().as_str()))
                .collect(),
            Origin::Peer | Origin::Own => Vec::new(),
        };
        let verdicts = self.decide(txs, origin != Origin::Peer);
        for ((signer, kind), verdict) in logged.iter().zip(&verdicts) {
            self.log(*signer, kind, verdict);
        }
        verdicts
    }

    fn log(&self, signer: PublicKey, kind: &str, verdict: &Verdict) {
        let outcome = match &verdict.result {
            Ok(Admitted { fresh: true, .. }) => "admitted",
            Ok(Admitted { fresh: false, .. }) => "pending",
            Err(e) => e.code(),
        };
        let act = Act {
            kind: AccessKind::Admission,
            actor: signer.to_string(),
            department: String::new(),
            target: format!("tx {} {kind}", verdict.hash),
            outcome: outcome.to_owned(),
        };
        if self.access_log.append(act).is_err() {
            tracing::error!(tx = %verdict.hash, "admission decided but not logged: the operation log stopped");
        }
    }

    /// Pre-checks, the batched signature check, then the pool; gossips what is new if asked.
    fn decide(&self, txs: Vec<(SignedTx, usize)>, gossip: bool) -> Vec<Verdict> {
        let next_height = self.tip.height() + 1;
        let hashes: Vec<Hash> = txs.iter().map(|(tx, _)| tx.hash()).collect();
        let mut results: Vec<Option<Result<Admitted, SubmitError>>> = txs
            .iter()
            .zip(&hashes)
            .map(|((tx, _), hash)| verdict_slot(self.precheck(tx, hash, next_height), *hash))
            .collect();
        self.check_signatures(&txs, &mut results);
        let admitted = self.insert(txs, &hashes, &mut results, next_height);
        if !admitted.is_empty() {
            self.metrics
                .txs_admitted
                .fetch_add(admitted.len() as u64, Ordering::Relaxed);
            if gossip && let Some(outbox) = &self.gossip {
                for tx in admitted {
                    // A full outbox means gossip is far behind; the transaction still reaches
                    // a block when this node proposes.
                    let _ = outbox.try_send(tx);
                }
            }
            self.arrived.notify_one();
        }
        hashes
            .into_iter()
            .zip(results)
            .map(|(hash, result)| Verdict {
                hash,
                result: result.unwrap_or(Err(SubmitError::Storage(StorageError::Missing(
                    "admission verdict".into(),
                )))),
            })
            .collect()
    }

    /// The checks before the signature: chain, already committed, already pending (`Ok(false)`),
    /// replay window, membership. `Ok(true)`: go on to the signature check.
    fn precheck(&self, tx: &SignedTx, hash: &Hash, next_height: u64) -> Result<bool, SubmitError> {
        if tx.body.chain_id != self.chain_id {
            return Err(SubmitError::Invalid(TxError::WrongChain {
                expected: self.chain_id.clone(),
                found: tx.body.chain_id.clone(),
            }));
        }
        if let Some(location) = self.store.tx_location(hash)? {
            return Err(SubmitError::AlreadyCommitted {
                height: location.height,
            });
        }
        if self.is_pending(hash) {
            return Ok(false);
        }
        Mempool::check_window(tx, next_height)?;
        self.check_signer(tx)?;
        Ok(true)
    }

    /// Only members may write to the ledger (the rules check again at execution, for members
    /// removed while their transaction waited). A validator anchors its operation log and
    /// records its risk model with its own key, which must be the named validator's current key.
    fn check_signer(&self, tx: &SignedTx) -> Result<(), SubmitError> {
        let state = CommittedState::new(&self.store);
        let signer = &tx.body.signer;
        let known = match &tx.body.operation {
            Operation::AnchorAccessLog { node, .. } | Operation::RecordRiskModel { node, .. } => {
                gongxin_contracts::queries::is_validator_key(&state, node, signer)
                    .map_err(|e| SubmitError::state("validators", e))?
            }
            _ => gongxin_contracts::queries::member(&state, signer)
                .map_err(|e| SubmitError::state("member registry", e))?
                .is_some(),
        };
        if known {
            Ok(())
        } else {
            Err(SubmitError::UnknownSigner(*signer))
        }
    }

    /// The one signature check this node makes for each new transaction, batched.
    fn check_signatures(
        &self,
        txs: &[(SignedTx, usize)],
        results: &mut [Option<Result<Admitted, SubmitError>>],
    ) {
        let to_check: Vec<usize> = (0..txs.len()).filter(|&i| results[i].is_none()).collect();
        // The chain id was checked in `precheck`: this is the message for our chain.
        let messages: Vec<Vec<u8>> = to_check
            .iter()
            .map(|&i| txs[i].0.body.signing_message())
            .collect();
        let items: Vec<BatchItem<'_>> = to_check
            .iter()
            .zip(&messages)
            .map(|(&i, message)| BatchItem {
                key: &txs[i].0.body.signer,
                message,
                signature: &txs[i].0.signature,
            })
            .collect();
        self.metrics
            .signature_checks
            .fetch_add(items.len() as u64, Ordering::Relaxed);
        for (&i, checked) in to_check.iter().zip(verify_batch_cached(&items, &self.keys)) {
            if let Err(e) = checked {
                results[i] = Some(Err(SubmitError::Invalid(TxError::Signature(e))));
            }
        }
    }

    /// Puts the transactions that passed every check into the pool; returns those newly added.
    fn insert(
        &self,
        txs: Vec<(SignedTx, usize)>,
        hashes: &[Hash],
        results: &mut [Option<Result<Admitted, SubmitError>>],
        next_height: u64,
    ) -> Vec<Arc<SignedTx>> {
        let mut admitted = Vec::new();
        let mut pool = lock_unpoisoned(&self.pool);
        for (i, (tx, bytes)) in txs.into_iter().enumerate() {
            if results[i].is_some() {
                continue;
            }
            let hash = hashes[i];
            // Re-check under the lock: a block is written to the store before its transactions
            // leave the pool under this lock, so a transaction that is neither pending here nor
            // in the store is really new.
            results[i] = Some(match self.store.tx_location(&hash) {
                Err(e) => Err(e.into()),
                Ok(Some(location)) => Err(SubmitError::AlreadyCommitted {
                    height: location.height,
                }),
                Ok(None) => {
                    let tx = Arc::new(tx);
                    match pool.insert(hash, tx.clone(), bytes, next_height) {
                        Ok(()) => {
                            admitted.push(tx);
                            Ok(Admitted { hash, fresh: true })
                        }
                        Err(AdmitError::AlreadyPending) => Ok(Admitted { hash, fresh: false }),
                        Err(e) => {
                            self.metrics.txs_refused.fetch_add(1, Ordering::Relaxed);
                            Err(e.into())
                        }
                    }
                }
            });
        }
        admitted
    }
}

/// A pre-check's result as a slot of the verdict list: `None` means "check the signature".
fn verdict_slot(
    precheck: Result<bool, SubmitError>,
    hash: Hash,
) -> Option<Result<Admitted, SubmitError>> {
    match precheck {
        Ok(true) => None,
        Ok(false) => Some(Ok(Admitted { hash, fresh: false })),
        Err(e) => Some(Err(e)),
    }
}
