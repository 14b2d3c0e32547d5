//! The running node: storage, chain, mempool and events shared by the block producer and the
//! gateway.
//!
//! Locks are held briefly and never across I/O to clients: the mempool lock around inserts and
//! takes, the chain lock around one block's execute-and-commit. Readers read RocksDB directly
//! (a block's batch is atomic, so they see a block entirely or not at all) and the tip through
//! a snapshot swapped after each commit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use gongxin_contracts::Event;
use gongxin_core::Hash;
use gongxin_core::block::{
    BlockHeader, CommitCertificate, CommitSignature, commit_signing_message,
};
use gongxin_core::checkpoint::SignedCheckpoint;
use gongxin_core::crypto::Keypair;
use gongxin_core::genesis::Genesis;
use gongxin_core::tx::{SignedTx, TxError};
use serde::Serialize;
use tokio::sync::{Notify, broadcast};

use crate::chain::{Chain, ChainError};
use crate::config::{Limits, NodeConfig};
use crate::mempool::{AdmitError, Mempool};
use crate::storage::{ChainTip, StorageError, Store};

/// Capacity of the event channel; a subscriber that falls further behind misses events (and is
/// told so) rather than holding memory.
const EVENT_CHANNEL_CAPACITY: usize = 4096;

/// Something subscribers (`GET /v1/events`) hear about.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeEvent {
    Block {
        height: u64,
        hash: Hash,
        tx_count: u32,
        log_size: u64,
        time_ms: u64,
    },
    Ledger(Event),
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
    UnknownSigner(gongxin_core::crypto::PublicKey),
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
}

/// Where a transaction came from: its admission is logged only for clients of this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A client of this node's gateway: logged, then gossiped.
    Client,
    /// Another validator's gossip: not gossiped again.
    Peer,
    /// This node itself (its operation-log anchors): gossiped, not logged.
    Own,
}

/// One transaction's admission: its hash, and whether it was newly admitted (`false`: it was
/// already pending) or why it was refused.
pub type AdmissionVerdict = (Hash, Result<bool, SubmitError>);

/// Counters exported at `GET /metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub txs_admitted: AtomicU64,
    pub txs_refused: AtomicU64,
    pub txs_committed: AtomicU64,
    pub blocks_committed: AtomicU64,
    pub commit_latency_us_sum: AtomicU64,
    pub commit_latency_us_last: AtomicU64,
    pub signature_checks: AtomicU64,
    /// Heights whose decision came with evidence of a validator equivocating.
    pub equivocation_evidence: AtomicU64,
}

/// What the producer reports about a committed block.
#[derive(Debug, Clone)]
pub struct BlockSummary {
    pub height: u64,
    pub hash: Hash,
    pub tx_count: usize,
    pub log_size: u64,
}

/// The node.
#[derive(Debug)]
pub struct Node {
    pub name: String,
    pub genesis: Arc<Genesis>,
    pub store: Arc<Store>,
    pub limits: Limits,
    key: Keypair,
    chain: Mutex<Chain>,
    tip: Mutex<(ChainTip, BlockHeader)>,
    mempool: Mutex<Mempool>,
    events: broadcast::Sender<Arc<NodeEvent>>,
    pub metrics: Metrics,
    /// The operation log: signed reads and admission decisions ([`crate::access_log`]).
    pub access_log: crate::access_log::AccessLog,
    /// Wakes the block producer when a transaction arrives.
    pub tx_arrived: Notify,
    started: Instant,
    /// Transactions admitted from clients go here to be gossiped to the other validators
    /// (set once gossip runs; a lone validator has none).
    gossip: std::sync::OnceLock<tokio::sync::mpsc::Sender<Arc<SignedTx>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks is a bug that already stopped the node's task;
    // the data is still consistent (every mutation is completed before unlocking), so continue.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Milliseconds since the Unix epoch by this machine's clock. Used only to *propose* block
/// times and to check signed-request freshness, never by the rules.
pub fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Node {
    /// Opens the node from its config: genesis, key, database, chain.
    pub fn open(config: &NodeConfig) -> anyhow::Result<Arc<Node>> {
        let genesis_text = std::fs::read_to_string(&config.genesis).map_err(|e| {
            anyhow::anyhow!("cannot read genesis {}: {e}", config.genesis.display())
        })?;
        let genesis = Genesis::from_json(&genesis_text)
            .map_err(|e| anyhow::anyhow!("genesis {} is invalid: {e}", config.genesis.display()))?;
        let key_text = std::fs::read_to_string(&config.key)
            .map_err(|e| anyhow::anyhow!("cannot read key file {}: {e}", config.key.display()))?;
        let key = gongxin_core::crypto::KeyFile::from_json(&key_text)
            .and_then(|f| f.keypair())
            .map_err(|e| anyhow::anyhow!("key file {}: {e}", config.key.display()))?;
        Node::open_with(
            config.name.clone(),
            Arc::new(genesis),
            key,
            &config.data_dir,
            config.limits,
        )
    }

    /// Opens a node from parts (tests build them in memory).
    pub fn open_with(
        name: String,
        genesis: Arc<Genesis>,
        key: Keypair,
        data_dir: &std::path::Path,
        limits: Limits,
    ) -> anyhow::Result<Arc<Node>> {
        limits
            .validate()
            .map_err(|reason| anyhow::anyhow!("invalid limits: {reason}"))?;
        std::fs::create_dir_all(data_dir)
            .map_err(|e| anyhow::anyhow!("cannot create data dir {}: {e}", data_dir.display()))?;
        let store = Arc::new(Store::open(data_dir)?);
        let chain = Chain::open(store.clone(), genesis.clone())?;
        let access_log =
            crate::access_log::AccessLog::open(store.clone(), limits.access_log_queue_max)?;
        // A name the chain knows as a validator must come with that validator's key. A name it
        // does not know yet runs as a non-voting node (it follows the chain and votes once
        // governance adds it).
        let next = chain.tip().height + 1;
        match chain.validator_set_for(next).by_name(&name) {
            Some(v) if v.public_key == key.public_key() => {}
            Some(_) => anyhow::bail!(
                "the key file's key is not validator {name:?}'s key in the validator set"
            ),
            None => tracing::info!(
                node = %name,
                "not in the current validator set: following the chain without voting"
            ),
        }
        let tip = (chain.tip().clone(), chain.tip_header().clone());
        // A block raises at least one event per transaction; room for a few full blocks keeps a
        // subscriber that is a block behind from lagging.
        let (events, _) = broadcast::channel(
            EVENT_CHANNEL_CAPACITY.max(limits.block_txs_max.saturating_mul(4).min(1 << 20)),
        );
        Ok(Arc::new(Node {
            name,
            genesis,
            store,
            limits,
            key,
            chain: Mutex::new(chain),
            tip: Mutex::new(tip),
            mempool: Mutex::new(Mempool::new(limits.mempool())),
            events,
            metrics: Metrics::default(),
            access_log,
            tx_arrived: Notify::new(),
            started: Instant::now(),
            gossip: std::sync::OnceLock::new(),
        }))
    }

    pub fn chain_id(&self) -> &str {
        &self.genesis.chain_id
    }

    pub fn tip(&self) -> (ChainTip, BlockHeader) {
        lock(&self.tip).clone()
    }

    pub fn mempool_len(&self) -> (usize, usize) {
        let pool = lock(&self.mempool);
        (pool.len(), pool.bytes())
    }

    pub fn uptime_s(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<NodeEvent>> {
        self.events.subscribe()
    }

    /// Admits a transaction: cheap checks first (duplicates, replay window), then the one
    /// signature check this node will ever make for it, then the bounded mempool. Returns the
    /// tx hash and whether it was newly admitted (`false`: already pending, an idempotent resend).
    pub fn submit(&self, tx: SignedTx, encoded_bytes: usize) -> Result<(Hash, bool), SubmitError> {
        self.admit(tx, encoded_bytes, Origin::Client)
    }

    /// Admits a transaction this node signed itself (an operation-log anchor), unlogged.
    pub fn submit_own(
        &self,
        tx: SignedTx,
        encoded_bytes: usize,
    ) -> Result<(Hash, bool), SubmitError> {
        self.admit(tx, encoded_bytes, Origin::Own)
    }

    /// Where newly admitted client transactions are sent for gossip.
    pub fn set_gossip(&self, outbound: tokio::sync::mpsc::Sender<Arc<SignedTx>>) {
        let _ = self.gossip.set(outbound);
    }

    fn admit(
        &self,
        tx: SignedTx,
        encoded_bytes: usize,
        origin: Origin,
    ) -> Result<(Hash, bool), SubmitError> {
        let hash = tx.hash();
        match self.admit_batch(vec![(tx, encoded_bytes)], origin).pop() {
            Some((_, verdict)) => verdict.map(|fresh| (hash, fresh)),
            None => Err(SubmitError::Storage(StorageError::Missing(
                "admission verdict".into(),
            ))),
        }
    }

    /// Admits many transactions (a batch submission, a gossip message) with one batched
    /// signature check for those that pass the cheap checks. Returns, in input order, each
    /// transaction's hash and whether it was newly admitted (`false`: already pending) or why not.
    pub fn submit_batch(&self, txs: Vec<(SignedTx, usize)>) -> Vec<AdmissionVerdict> {
        self.admit_batch(txs, Origin::Client)
    }

    /// [`Node::submit_batch`] for transactions another validator gossiped (not gossiped again).
    pub fn submit_batch_from_peer(&self, txs: Vec<(SignedTx, usize)>) -> Vec<AdmissionVerdict> {
        self.admit_batch(txs, Origin::Peer)
    }

    /// The checks before the signature: chain, already committed, already pending (`Ok(false)`),
    /// replay window, membership.
    fn precheck(&self, tx: &SignedTx, hash: &Hash, next_height: u64) -> Result<bool, SubmitError> {
        if tx.body.chain_id != self.chain_id() {
            return Err(SubmitError::Invalid(TxError::WrongChain {
                expected: self.chain_id().to_owned(),
                found: tx.body.chain_id.clone(),
            }));
        }
        if let Some(location) = self.store.tx_location(hash)? {
            return Err(SubmitError::AlreadyCommitted {
                height: location.height,
            });
        }
        if lock(&self.mempool).contains(hash) {
            return Ok(false);
        }
        Mempool::check_window(tx, next_height)?;
        let state = crate::chain::CommittedState::new(&self.store);
        // A validator anchors its operation log with its own key; the rules check that it is
        // the named validator's current key.
        if let gongxin_core::model::Operation::AnchorAccessLog { node, .. } = &tx.body.operation {
            let state_error =
                |e| SubmitError::Storage(StorageError::Missing(format!("validators: {e}")));
            return match gongxin_contracts::queries::is_validator_key(&state, node, &tx.body.signer)
            {
                Ok(true) => Ok(true),
                Ok(false) => Err(SubmitError::UnknownSigner(tx.body.signer)),
                Err(e) => Err(state_error(e)),
            };
        }
        // Only members may write to the ledger. (The rules check membership again at execution,
        // for members removed while their transaction waited.)
        let member: Option<gongxin_contracts::records::MemberRecord> =
            gongxin_contracts::store::get(
                &state,
                &gongxin_contracts::keys::member(&tx.body.signer),
            )
            .map_err(|e| {
                SubmitError::Storage(StorageError::Missing(format!("member registry: {e}")))
            })?;
        if member.is_none() {
            return Err(SubmitError::UnknownSigner(tx.body.signer));
        }
        Ok(true)
    }

    fn admit_batch(&self, txs: Vec<(SignedTx, usize)>, origin: Origin) -> Vec<AdmissionVerdict> {
        let kinds: Vec<(gongxin_core::crypto::PublicKey, &'static str)> = match origin {
            Origin::Client => txs
                .iter()
                .map(|(tx, _)| (tx.body.signer, tx.body.operation.kind().as_str()))
                .collect(),
            Origin::Peer | Origin::Own => Vec::new(),
        };
        let verdicts = self.admit_unlogged(txs, origin != Origin::Peer);
        for ((signer, kind), (hash, verdict)) in kinds.iter().zip(&verdicts) {
            let outcome = match verdict {
                Ok(true) => "admitted",
                Ok(false) => "pending",
                Err(e) => e.code(),
            };
            let act = crate::access_log::Act {
                kind: gongxin_core::access_log::AccessKind::Admission,
                actor: signer.to_string(),
                department: String::new(),
                target: format!("tx {hash} {kind}"),
                outcome: outcome.to_owned(),
            };
            if self.access_log.append(act).is_err() {
                tracing::error!(tx = %hash, "admission decided but not logged: the operation log stopped");
            }
        }
        verdicts
    }

    fn admit_unlogged(&self, txs: Vec<(SignedTx, usize)>, gossip: bool) -> Vec<AdmissionVerdict> {
        let next_height = self.tip().0.height + 1;
        let hashes: Vec<Hash> = txs.iter().map(|(tx, _)| tx.hash()).collect();
        let mut verdicts: Vec<Option<Result<(Hash, bool), SubmitError>>> = txs
            .iter()
            .zip(&hashes)
            .map(
                |((tx, _), hash)| match self.precheck(tx, hash, next_height) {
                    Ok(true) => None,
                    Ok(false) => Some(Ok((*hash, false))),
                    Err(e) => Some(Err(e)),
                },
            )
            .collect();
        // The one signature check this node makes for each new transaction, batched.
        let to_check: Vec<usize> = (0..txs.len()).filter(|&i| verdicts[i].is_none()).collect();
        let messages: Vec<Vec<u8>> = to_check
            .iter()
            // The chain id was checked in `precheck`: this is the message for our chain.
            .map(|&i| txs[i].0.body.signing_message())
            .collect();
        let items: Vec<gongxin_core::crypto::BatchItem<'_>> = to_check
            .iter()
            .zip(&messages)
            .map(|(&i, message)| gongxin_core::crypto::BatchItem {
                key: &txs[i].0.body.signer,
                message,
                signature: &txs[i].0.signature,
            })
            .collect();
        self.metrics
            .signature_checks
            .fetch_add(items.len() as u64, Ordering::Relaxed);
        let checked = gongxin_core::crypto::verify_batch(&items);
        for (&i, verdict) in to_check.iter().zip(checked) {
            if let Err(e) = verdict {
                verdicts[i] = Some(Err(SubmitError::Invalid(TxError::Signature(e))));
            }
        }
        let mut admitted = Vec::new();
        {
            let mut pool = lock(&self.mempool);
            for (i, (tx, bytes)) in txs.into_iter().enumerate() {
                if verdicts[i].is_some() {
                    continue;
                }
                let hash = hashes[i];
                // Re-check under the lock: a block is written to the store before its
                // transactions leave the pool under this lock, so a transaction that is neither
                // pending nor in flight here and not in the store is really new.
                verdicts[i] = Some(match self.store.tx_location(&hash) {
                    Err(e) => Err(e.into()),
                    Ok(Some(location)) => Err(SubmitError::AlreadyCommitted {
                        height: location.height,
                    }),
                    Ok(None) => {
                        let tx = Arc::new(tx);
                        match pool.insert(hash, tx.clone(), bytes, next_height) {
                            Ok(()) => {
                                admitted.push(tx);
                                Ok((hash, true))
                            }
                            Err(AdmitError::AlreadyPending) => Ok((hash, false)),
                            Err(e) => {
                                self.metrics.txs_refused.fetch_add(1, Ordering::Relaxed);
                                Err(e.into())
                            }
                        }
                    }
                });
            }
        }
        if !admitted.is_empty() {
            self.metrics
                .txs_admitted
                .fetch_add(admitted.len() as u64, Ordering::Relaxed);
            if gossip && let Some(outbound) = self.gossip.get() {
                for tx in admitted {
                    // A full queue means gossip is far behind; the transaction still reaches a
                    // block when this node proposes.
                    let _ = outbound.try_send(tx);
                }
            }
            self.tx_arrived.notify_one();
        }
        hashes
            .into_iter()
            .zip(verdicts)
            .map(|(hash, verdict)| {
                let verdict = verdict.unwrap_or(Err(SubmitError::Storage(StorageError::Missing(
                    "admission verdict".into(),
                ))));
                (hash, verdict.map(|(_, fresh)| fresh))
            })
            .collect()
    }

    pub fn is_pending(&self, hash: &Hash) -> bool {
        lock(&self.mempool).contains(hash)
    }

    /// The transactions this node would propose for the next block, oldest first (they stay in
    /// the pool until a block containing them commits).
    pub fn proposal_txs(&self, height: u64) -> Vec<Arc<SignedTx>> {
        lock(&self.mempool).peek(
            self.limits.block_txs_max,
            self.limits.block_bytes_max,
            height,
        )
    }

    /// Executes `txs` as the block after the current tip without committing it.
    pub fn execute_next(
        &self,
        txs: Vec<Arc<SignedTx>>,
        time_ms: u64,
        proposer: gongxin_core::crypto::PublicKey,
    ) -> Result<crate::chain::ExecutedBlock, ChainError> {
        lock(&self.chain).execute(txs, time_ms, proposer)
    }

    /// The validators of block `height` (genesis, or as governance changed them).
    pub fn validator_set_for(&self, height: u64) -> gongxin_core::validator::ValidatorSet {
        lock(&self.chain).validator_set_for(height).clone()
    }

    /// Every validator set with the height it takes effect at, genesis (0) first.
    pub fn validator_sets(&self) -> Vec<(u64, gongxin_core::validator::ValidatorSet)> {
        lock(&self.chain).validator_sets()
    }

    /// This validator's signing key pair (consensus signs votes with it).
    pub fn keypair(&self) -> &Keypair {
        &self.key
    }

    /// Commits a block consensus decided, with its certificate and checkpoint note, then
    /// forgets its transactions from the pool and tells subscribers.
    pub fn commit_decided(
        &self,
        executed: &crate::chain::ExecutedBlock,
        certificate: CommitCertificate,
        checkpoint_note: String,
    ) -> Result<BlockSummary, ChainError> {
        let started = Instant::now();
        let chain = lock(&self.chain);
        self.commit_and_publish(chain, executed, certificate, checkpoint_note, started)
    }

    /// Builds, executes, certifies and commits the next block from the mempool, as the only
    /// validator (the single-producer mode of this stage; consensus replaces this function's
    /// caller, not the chain). Returns `None` when there was nothing to do and `allow_empty` is
    /// false.
    pub fn produce_block(&self, allow_empty: bool) -> Result<Option<BlockSummary>, ChainError> {
        let started = Instant::now();
        let chain = lock(&self.chain);
        let height = chain.tip().height + 1;
        let taken = lock(&self.mempool).take(
            self.limits.block_txs_max,
            self.limits.block_bytes_max,
            height,
        );
        if taken.is_empty() && !allow_empty {
            return Ok(None);
        }
        let txs = taken.into_iter().map(|(_, tx)| tx).collect();
        let executed = chain.execute(txs, wall_clock_ms(), self.key.public_key())?;
        let certificate = self.certify(executed.header());
        let checkpoint = self.sign_checkpoint(executed.header());
        self.commit_and_publish(chain, &executed, certificate, checkpoint, started)
            .map(Some)
    }

    fn commit_and_publish(
        &self,
        mut chain: MutexGuard<'_, Chain>,
        executed: &crate::chain::ExecutedBlock,
        certificate: CommitCertificate,
        checkpoint: String,
        started: Instant,
    ) -> Result<BlockSummary, ChainError> {
        let header = executed.header().clone();
        let hash = header.hash();
        chain.commit(executed, Some(certificate), Some(checkpoint))?;
        *lock(&self.tip) = (chain.tip().clone(), header.clone());
        // Only now, with the block durable, may a resend of these be judged "committed".
        {
            let mut pool = lock(&self.mempool);
            pool.finish(&executed.tx_hashes);
            for hash in &executed.tx_hashes {
                pool.remove(hash);
            }
        }
        drop(chain);

        let elapsed_us = started.elapsed().as_micros() as u64;
        self.metrics
            .commit_latency_us_sum
            .fetch_add(elapsed_us, Ordering::Relaxed);
        self.metrics
            .commit_latency_us_last
            .store(elapsed_us, Ordering::Relaxed);
        self.metrics
            .blocks_committed
            .fetch_add(1, Ordering::Relaxed);
        self.metrics
            .txs_committed
            .fetch_add(executed.tx_hashes.len() as u64, Ordering::Relaxed);
        // No subscribers is fine: send only fails when nobody listens.
        let _ = self.events.send(Arc::new(NodeEvent::Block {
            height: header.height,
            hash,
            tx_count: header.tx_count,
            log_size: header.log_size,
            time_ms: header.timestamp_ms,
        }));
        for event in &executed.events {
            let _ = self.events.send(Arc::new(NodeEvent::Ledger(event.clone())));
        }
        Ok(BlockSummary {
            height: header.height,
            hash,
            tx_count: executed.tx_hashes.len(),
            log_size: header.log_size,
        })
    }

    fn certify(&self, header: &BlockHeader) -> CommitCertificate {
        let block_hash = header.hash();
        let message = commit_signing_message(&header.chain_id, header.height, 0, &header.id());
        CommitCertificate {
            height: header.height,
            round: 0,
            block_hash,
            signatures: vec![CommitSignature {
                validator: self.name.clone(),
                signature: self.key.sign(&message),
            }],
        }
    }

    fn sign_checkpoint(&self, header: &BlockHeader) -> String {
        let checkpoint = gongxin_core::checkpoint::Checkpoint::new(
            &header.chain_id,
            header.log_size,
            header.log_root,
        );
        let signature = checkpoint.sign(&self.name, &self.key);
        SignedCheckpoint {
            checkpoint,
            signatures: vec![signature],
        }
        .to_note()
    }
}
