//! The running node: the composition of the ledger side (chain, tip, events, execute and
//! commit), admission, the operation log and a read-side handle, shared by consensus (or the
//! solo producer), gossip, the operation-log task and the gateway.
//!
//! Each of those depends on the narrow piece it uses: the gateway reads through
//! [`Node::reader`] and submits through [`Node::admission`]; gossip admits through
//! [`Admission::submit_from_peer`]; consensus proposes from the admission pool and executes and
//! commits through the node. Locks are held briefly and never across I/O to clients: the chain
//! lock around one block's execute-and-commit, the pool's lock inside admission, and the tip
//! snapshot swapped after each commit.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use gongxin_contracts::Event;
use gongxin_core::Hash;
use gongxin_core::block::{BlockHeader, CommitCertificate};
use gongxin_core::crypto::{Keypair, PublicKey};
use gongxin_core::genesis::Genesis;
use gongxin_core::tx::SignedTx;
use gongxin_core::validator::ValidatorSet;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::access_log::AccessLog;
use crate::admission::{Admission, GossipOutbox};
use crate::chain::{Chain, ChainError, ExecutedBlock, Tip, TipWatch};
use crate::clock::SharedClock;
use crate::config::Limits;
use crate::event_log::{self, EventId, NumberedEvent, Replay};
use crate::lock_unpoisoned;
use crate::reader::LedgerReader;
use crate::storage::{CheckpointNotes, StorageError, Store};

/// Capacity of the event channel; a subscriber that falls further behind misses events (and is
/// told so) rather than holding memory.
const EVENT_CHANNEL_CAPACITY: usize = 4096;

/// Something subscribers (`GET /v1/events`) hear about.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// Events travel behind an `Arc`, one allocation each whatever the variant; boxing the ledger
// event would add a second.
#[allow(clippy::large_enum_variant)]
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

impl NodeEvent {
    /// The event announcing a committed block.
    pub fn block(header: &BlockHeader) -> NodeEvent {
        NodeEvent::Block {
            height: header.height,
            hash: header.hash(),
            tx_count: header.tx_count,
            log_size: header.log_size,
            time_ms: header.timestamp_ms,
        }
    }
}

/// Ledger counters exported at `GET /metrics` (admission keeps its own).
#[derive(Debug, Default)]
pub struct Metrics {
    pub txs_committed: AtomicU64,
    pub blocks_committed: AtomicU64,
    pub commit_latency_us_sum: AtomicU64,
    pub commit_latency_us_last: AtomicU64,
    /// Heights whose decision came with evidence of a validator equivocating.
    pub equivocation_evidence: AtomicU64,
    /// Complete proposal streams dropped unchecked: their publisher was over its budget.
    pub proposal_streams_over_budget: AtomicU64,
    /// Votes, proposals and certificates dropped unchecked: their sender was over its budget
    /// of signature checks, banned, or no configured peer (`consensus::guard`).
    pub consensus_messages_over_budget: Arc<AtomicU64>,
    /// Consensus peers disconnected for a while for staying over that budget.
    pub consensus_peer_bans: Arc<AtomicU64>,
    /// Reads refused because what the node stores did not verify (`ledger_damaged`).
    pub damaged_reads: AtomicU64,
    /// The lowest height this process signed a vote, proposal or checkpoint at (0: none).
    pub lowest_signed_height: Arc<AtomicU64>,
    /// The height a rebuilt validator follows consensus up to without signing (0: it signs;
    /// see `sign_guard`).
    pub signing_paused_through: AtomicU64,
}

/// What a committed block looked like.
#[derive(Debug, Clone)]
pub struct BlockSummary {
    pub height: u64,
    pub hash: Hash,
    pub tx_count: usize,
    pub log_size: u64,
}

/// Everything a node is opened from (the composition root reads the files; tests build it in
/// memory).
#[derive(Debug)]
pub struct NodeSetup {
    pub name: String,
    pub genesis: Arc<Genesis>,
    /// The validator key (votes, checkpoints and operation-log anchors are signed with it).
    pub key: Keypair,
    pub data_dir: PathBuf,
    pub limits: Limits,
    pub clock: SharedClock,
    /// Where admitted transactions go to be gossiped (`None`: no peers).
    pub gossip: Option<GossipOutbox>,
}

/// Why a node could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("invalid limits: {0}")]
    Limits(String),
    #[error("cannot create data dir {path}: {error}")]
    DataDir {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("the key file's key is not validator {0:?}'s key in the validator set")]
    WrongKey(String),
}

/// The node.
#[derive(Debug)]
pub struct Node {
    pub name: String,
    pub genesis: Arc<Genesis>,
    pub limits: Limits,
    /// The time of day, for block times, request freshness and log stamps.
    pub clock: SharedClock,
    /// The mempool and everything a transaction passes to enter it.
    pub admission: Arc<Admission>,
    /// The operation log: signed reads and admission decisions ([`crate::access_log`]).
    pub access_log: Arc<AccessLog>,
    pub metrics: Metrics,
    store: Arc<Store>,
    reader: LedgerReader,
    key: Keypair,
    chain: Mutex<Chain>,
    tip: Arc<TipWatch>,
    events: broadcast::Sender<Arc<NumberedEvent>>,
    started: Instant,
    scratch_dir: PathBuf,
}

impl Node {
    /// Opens the node: database, chain, operation log, admission.
    pub fn open(setup: NodeSetup) -> Result<Arc<Node>, OpenError> {
        let NodeSetup {
            name,
            genesis,
            key,
            data_dir,
            limits,
            clock,
            gossip,
        } = setup;
        limits.validate().map_err(OpenError::Limits)?;
        std::fs::create_dir_all(&data_dir).map_err(|error| OpenError::DataDir {
            path: data_dir.clone(),
            error,
        })?;
        let store = Arc::new(Store::open(&data_dir)?);
        let scratch_dir = open_scratch_dir(&data_dir).map_err(|error| OpenError::DataDir {
            path: scratch_path(&data_dir),
            error,
        })?;
        let chain = Chain::open(store.clone(), genesis.clone())?;
        check_validator_key(&chain, &name, &key)?;
        let tip = Arc::new(TipWatch::new(Tip {
            chain: chain.tip().clone(),
            header: chain.tip_header().clone(),
        }));
        let access_log = Arc::new(AccessLog::open(
            store.clone(),
            limits.access_log_queue_max,
            clock.clone(),
        )?);
        let admission = Arc::new(Admission::new(
            genesis.chain_id.clone(),
            store.clone(),
            tip.clone(),
            &limits,
            access_log.clone(),
            gossip,
        ));
        // A block raises at least one event per transaction; room for a few full blocks keeps a
        // subscriber that is a block behind from lagging.
        let (events, _) = broadcast::channel(
            EVENT_CHANNEL_CAPACITY.max(limits.block_txs_max.saturating_mul(4).min(1 << 20)),
        );
        Ok(Arc::new(Node {
            name,
            genesis,
            limits,
            clock,
            admission,
            access_log,
            metrics: Metrics::default(),
            reader: LedgerReader::new(store.clone()),
            store,
            key,
            chain: Mutex::new(chain),
            tip,
            events,
            started: Instant::now(),
            scratch_dir,
        }))
    }

    pub fn chain_id(&self) -> &str {
        &self.genesis.chain_id
    }

    /// The committed tip.
    pub fn tip(&self) -> Tip {
        self.tip.get()
    }

    /// Reads of the committed ledger.
    pub fn reader(&self) -> &LedgerReader {
        &self.reader
    }

    pub fn uptime_s(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<NumberedEvent>> {
        self.events.subscribe()
    }

    /// The events after `after`, from storage, through the current tip (see
    /// [`crate::event_log`]).
    pub fn replay_events(&self, after: EventId) -> Result<Replay, StorageError> {
        event_log::replay(&self.store, after, self.tip().chain.height)
    }

    /// The validators of block `height` (genesis, or as governance changed them).
    pub fn validator_set_for(&self, height: u64) -> ValidatorSet {
        lock_unpoisoned(&self.chain)
            .validator_set_for(height)
            .clone()
    }

    /// Replaces the stored checkpoint note of `size` (the public log's if `public`) by
    /// `updated` — the same checkpoint with more signatures, e.g. witnesses' cosignatures —
    /// if it is still `expected`. Under the chain's lock, so a block committing a note of the
    /// same size in between is never overwritten. Whether it was replaced.
    pub fn add_checkpoint_signatures(
        &self,
        public: bool,
        size: u64,
        expected: &str,
        updated: &str,
    ) -> Result<bool, StorageError> {
        let _chain = lock_unpoisoned(&self.chain);
        let stored = if public {
            self.store.public_checkpoint(size)?
        } else {
            self.store.checkpoint(size)?
        };
        if stored.as_deref() != Some(expected) {
            return Ok(false);
        }
        if public {
            self.store.put_public_checkpoint(size, updated)?;
        } else {
            self.store.put_checkpoint(size, updated)?;
        }
        Ok(true)
    }

    /// Every validator set with the height it takes effect at, genesis (0) first.
    pub fn validator_sets(&self) -> Vec<(u64, ValidatorSet)> {
        lock_unpoisoned(&self.chain).validator_sets()
    }

    /// The storage key's sealer: the consensus write-ahead log is sealed under it too.
    pub(crate) fn sealer(&self) -> &crate::storage::seal::Sealer {
        self.store.sealer()
    }

    /// The department whose validator this node is (by its name in the current set or, for a
    /// validator governance removed, the genesis); `None` for a node no department runs.
    pub fn own_department(&self) -> Option<String> {
        let next = self.tip().height() + 1;
        self.validator_set_for(next)
            .by_name(&self.name)
            .or_else(|| self.genesis.validators.by_name(&self.name))
            .map(|v| v.department.clone())
    }

    /// The node's database, for node-local bookkeeping outside the ledger (webhook deliveries).
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Where the node writes files it is building (exports): beside the data directory, readable
    /// by the node's user only, emptied at every start.
    pub fn scratch_dir(&self) -> &std::path::Path {
        &self.scratch_dir
    }

    /// This validator's signing key pair (votes, checkpoints, anchors).
    pub fn keypair(&self) -> &Keypair {
        &self.key
    }

    /// Executes `txs` as the block after the current tip without committing it.
    pub fn execute_next(
        &self,
        txs: Vec<Arc<SignedTx>>,
        time_ms: u64,
        proposer: PublicKey,
    ) -> Result<ExecutedBlock, ChainError> {
        lock_unpoisoned(&self.chain).execute(txs, time_ms, proposer)
    }

    /// Commits an executed block with its certificate and checkpoint notes, then forgets its
    /// transactions from the pool and tells subscribers.
    pub fn commit(
        &self,
        executed: &ExecutedBlock,
        certificate: CommitCertificate,
        notes: CheckpointNotes,
    ) -> Result<BlockSummary, ChainError> {
        let started = Instant::now();
        let chain = lock_unpoisoned(&self.chain);
        self.commit_and_publish(chain, executed, certificate, notes, started)
    }

    /// Executes `txs` as the next block and commits it under one hold of the chain, sealed with
    /// the certificate and checkpoint notes `seal` makes for its header: what a lone validator
    /// does, with nothing able to extend the chain between execution and commit.
    pub fn execute_and_commit(
        &self,
        txs: Vec<Arc<SignedTx>>,
        time_ms: u64,
        proposer: PublicKey,
        seal: impl FnOnce(&BlockHeader) -> (CommitCertificate, CheckpointNotes),
    ) -> Result<BlockSummary, ChainError> {
        let started = Instant::now();
        let chain = lock_unpoisoned(&self.chain);
        let executed = chain.execute(txs, time_ms, proposer)?;
        let (certificate, notes) = seal(executed.header());
        self.commit_and_publish(chain, &executed, certificate, notes, started)
    }

    /// Drops operation-log records older than `retention_ms`, up to an anchored point.
    pub fn prune_access_log(
        &self,
        retention_ms: u64,
    ) -> Result<gongxin_core::access_log::ChainPoint, StorageError> {
        crate::access_log::prune_once(&self.store, &self.name, retention_ms, self.clock.now_ms())
    }

    fn commit_and_publish(
        &self,
        mut chain: MutexGuard<'_, Chain>,
        executed: &ExecutedBlock,
        certificate: CommitCertificate,
        notes: CheckpointNotes,
        started: Instant,
    ) -> Result<BlockSummary, ChainError> {
        let header = executed.header().clone();
        let hash = header.hash();
        chain.commit(executed, Some(certificate), Some(notes))?;
        self.tip.set(Tip {
            chain: chain.tip().clone(),
            header: header.clone(),
        });
        // Only now, with the block durable, may a resend of these be judged "committed".
        self.admission.forget_committed(&executed.tx_hashes);
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
        for event in event_log::numbered(header.height, NodeEvent::block(&header), &executed.events)
        {
            let _ = self.events.send(Arc::new(event));
        }
        Ok(BlockSummary {
            height: header.height,
            hash,
            tx_count: executed.tx_hashes.len(),
            log_size: header.log_size,
        })
    }
}

/// `<data dir>.scratch`, beside the data directory (as its storage key is).
pub fn scratch_path(data_dir: &std::path::Path) -> PathBuf {
    crate::storage::sibling_path(data_dir, ".scratch")
}

/// Creates the scratch directory afresh (what an export left when the node stopped is removed),
/// mode 0700: record content being exported never sits in the system's shared temp directory.
fn open_scratch_dir(data_dir: &std::path::Path) -> std::io::Result<PathBuf> {
    let dir = scratch_path(data_dir);
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::create_dir_all(&dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(dir)
}

/// A name the chain knows as a validator must come with that validator's key. A name it does
/// not know yet runs as a non-voting node: it follows the chain and votes once governance adds
/// it.
fn check_validator_key(chain: &Chain, name: &str, key: &Keypair) -> Result<(), OpenError> {
    let next = chain.tip().height + 1;
    match chain.validator_set_for(next).by_name(name) {
        Some(v) if v.public_key == key.public_key() => Ok(()),
        Some(_) => Err(OpenError::WrongKey(name.to_owned())),
        None => {
            tracing::info!(
                node = %name,
                "not in the current validator set: following the chain without voting"
            );
            Ok(())
        }
    }
}
