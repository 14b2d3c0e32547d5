//! Block execution and commit: the deterministic heart of the node.
//!
//! [`Chain::execute`] turns an ordered list of verified transactions and a block time into an
//! [`ExecutedBlock`] — header, entries, new log nodes and the contract state's write set —
//! without touching the database. [`Chain::commit`] writes it as one synced batch and only then
//! advances the in-memory tip. Block production (one validator today, BFT consensus later) only
//! decides *which* transactions and *when*; re-executing a proposed block on any node gives the
//! same header, which is how a validator checks a proposal.
//!
//! Block 0 is derived from the genesis document alone (its state is `init_genesis`), so every
//! node computes the same block 0 and it needs no signatures.

use std::collections::BTreeMap;
use std::sync::Arc;

use gongxin_contracts::public_log::{
    PublicChange, apply_with_public_changes, begin_block_with_public_changes, public_changes,
};
use gongxin_contracts::rejection::REPLAY_CODE;
use gongxin_contracts::{BlockContext, Event, Overlay, State, WriteSet, write_set_digest};
use gongxin_core::Hash;
use gongxin_core::block::{Block, BlockHeader, CommitCertificate, txs_hash, txs_hash_of};
use gongxin_core::crypto::PublicKey;
use gongxin_core::entry::{Entry, Outcome};
use gongxin_core::genesis::Genesis;
use gongxin_core::log::{self, Frontier, NodeId};
use gongxin_core::public_log::{PublicLeaf, SWEEP_TX};
use gongxin_core::tx::SignedTx;
use gongxin_core::validator::{VALIDATOR_SET_CHANGE_DELAY_BLOCKS, ValidatorSet};

use crate::storage::{
    BlockWrite, ChainTip, CheckpointNotes, PublicLogNodes, PublicLogWrite, StorageError, Store,
    TxLocation,
};

/// Why the chain could not execute or commit. Every variant stops the node.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("contract state: {0}")]
    State(#[from] gongxin_contracts::StorageError),
    #[error("genesis: {0}")]
    Genesis(#[from] gongxin_contracts::InitError),
    #[error("the stored chain does not verify: {0}")]
    Inconsistent(String),
    #[error("the ledger log is full")]
    LogFull,
    #[error("a public view has no canonical JSON: {0}")]
    PublicLeaf(#[from] gongxin_core::jcs::JcsError),
    #[error(
        "validator {name:?} holds {power} of {total} voting power; producing blocks alone needs more than 2/3"
    )]
    NotQuorum {
        name: String,
        power: u64,
        total: u64,
    },
}

/// A block executed but not yet committed.
#[derive(Debug, Clone)]
pub struct ExecutedBlock {
    pub block: Block,
    pub tx_hashes: Vec<Hash>,
    pub outcomes: Vec<Outcome>,
    pub events: Vec<Event>,
    /// The validator set governance passed in this block (the last one if several), which
    /// takes effect `VALIDATOR_SET_CHANGE_DELAY_BLOCKS` later.
    pub validator_set_change: Option<ValidatorSet>,
    entries: Vec<(u64, Vec<u8>)>,
    log_nodes: Vec<(NodeId, Hash)>,
    state_writes: WriteSet,
    frontier_after: Frontier,
    public_log: PublicLogWrite,
    public_frontier_after: Frontier,
}

impl ExecutedBlock {
    /// The block's log entries: (log index, entry bytes), in order.
    pub fn entries(&self) -> &[(u64, Vec<u8>)] {
        &self.entries
    }
}

/// The public disclosure log's growth during one block: each public-view change becomes a
/// leaf, in the order the block made them.
struct PublicLogBuilder<'a> {
    chain_id: &'a str,
    height: u64,
    frontier: Frontier,
    write: PublicLogWrite,
}

impl PublicLogBuilder<'_> {
    fn push(&mut self, tx: Hash, changes: Vec<PublicChange>) -> Result<(), ChainError> {
        for change in changes {
            let record = format!("{}/{}", change.kind, change.id);
            let leaf = PublicLeaf {
                chain: self.chain_id.to_owned(),
                height: self.height,
                tx,
                kind: change.kind.to_owned(),
                id: change.id,
                view: change.view,
            }
            .to_bytes()?;
            let index = self.frontier.size();
            self.write.nodes.extend(
                self.frontier
                    .push(log::leaf_hash(&leaf))
                    .map_err(|_| ChainError::LogFull)?,
            );
            self.write.latest.push((record, index));
            self.write.leaves.push((index, leaf));
        }
        Ok(())
    }
}

impl ExecutedBlock {
    pub fn hash(&self) -> Hash {
        self.block.hash()
    }

    pub fn header(&self) -> &BlockHeader {
        &self.block.header
    }
}

/// A snapshot of the committed tip: where the chain is and that block's header.
#[derive(Debug, Clone)]
pub struct Tip {
    pub chain: ChainTip,
    pub header: BlockHeader,
}

impl Tip {
    pub fn height(&self) -> u64 {
        self.chain.height
    }
}

/// The committed tip, replaced after each commit. Readers (admission's replay window, the
/// gateway's status, consensus) take a snapshot without waiting for a block's execution.
#[derive(Debug)]
pub struct TipWatch {
    current: std::sync::Mutex<Tip>,
}

impl TipWatch {
    pub fn new(tip: Tip) -> TipWatch {
        TipWatch {
            current: std::sync::Mutex::new(tip),
        }
    }

    pub fn get(&self) -> Tip {
        self.lock().clone()
    }

    pub fn height(&self) -> u64 {
        self.lock().chain.height
    }

    pub(crate) fn set(&self, tip: Tip) {
        *self.lock() = tip;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tip> {
        crate::lock_unpoisoned(&self.current)
    }
}

/// Read-only view of the committed contract state, as the contracts' [`State`].
#[derive(Debug, Clone, Copy)]
pub struct CommittedState<'a> {
    store: &'a Store,
}

impl<'a> CommittedState<'a> {
    pub fn new(store: &'a Store) -> CommittedState<'a> {
        CommittedState { store }
    }
}

fn backend(e: StorageError) -> gongxin_contracts::StorageError {
    gongxin_contracts::StorageError::Backend(e.to_string())
}

impl State for CommittedState<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, gongxin_contracts::StorageError> {
        self.store.state_get(key).map_err(backend)
    }

    fn put(&mut self, _key: &[u8], _value: &[u8]) -> Result<(), gongxin_contracts::StorageError> {
        // Execution writes into an Overlay over this view; the writes reach RocksDB only through
        // the block's WriteBatch. A direct write here would bypass the atomic commit.
        Err(gongxin_contracts::StorageError::Backend(
            "committed state is read-only".into(),
        ))
    }

    fn delete(&mut self, _key: &[u8]) -> Result<(), gongxin_contracts::StorageError> {
        Err(gongxin_contracts::StorageError::Backend(
            "committed state is read-only".into(),
        ))
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, gongxin_contracts::StorageError> {
        self.store
            .state_scan(prefix, start_after, limit)
            .map_err(backend)
    }
}

/// The committed chain as this node holds it: the tip and the log's right frontier.
#[derive(Debug)]
pub struct Chain {
    store: Arc<Store>,
    genesis: Arc<Genesis>,
    tip: ChainTip,
    tip_header: BlockHeader,
    frontier: Frontier,
    public_frontier: Frontier,
    /// Validator sets by the height they take effect at (0: genesis).
    validator_sets: BTreeMap<u64, ValidatorSet>,
}

impl Chain {
    /// Opens the chain in `store`: writes block 0 from the genesis on first start, otherwise
    /// checks the stored tip (hash chain link, log root against the stored log) and resumes.
    pub fn open(store: Arc<Store>, genesis: Arc<Genesis>) -> Result<Chain, ChainError> {
        store.bind_genesis(&genesis.hash())?;
        match store.tip()? {
            None => Self::init(store, genesis),
            Some(tip) => Self::resume(store, genesis, tip),
        }
    }

    fn init(store: Arc<Store>, genesis: Arc<Genesis>) -> Result<Chain, ChainError> {
        let mut base = CommittedState::new(&store);
        let mut overlay = Overlay::new(&mut base);
        gongxin_contracts::init_genesis(&mut overlay, &genesis)?;
        // The genesis discloses its departments: block 0's public leaves, caused by no
        // transaction.
        let disclosed = public_changes(overlay.base(), overlay.writes())?;
        let writes = overlay.into_writes();
        let mut public = PublicLogBuilder {
            chain_id: &genesis.chain_id,
            height: 0,
            frontier: Frontier::new(),
            write: PublicLogWrite::default(),
        };
        public.push(SWEEP_TX, disclosed)?;
        let header = BlockHeader {
            chain_id: genesis.chain_id.clone(),
            height: 0,
            prev_hash: Hash::ZERO,
            timestamp_ms: genesis.genesis_time_ms,
            proposer: genesis.validators.validators()[0].public_key,
            tx_count: 0,
            txs_hash: txs_hash(&[]),
            log_size: 0,
            log_root: log::empty_root(),
            public_log_size: public.frontier.size(),
            public_log_root: public.frontier.root(),
            state_hash: chain_state_hash(&Hash::ZERO, &writes),
            validator_set_hash: genesis.validators.hash(),
            next_validators: genesis.validators.protocol_hash(),
        };
        let tip = ChainTip::of(&header);
        let public_frontier = public.frontier;
        store.commit(BlockWrite {
            block: Some(Block {
                header: header.clone(),
                txs: vec![],
            }),
            state_writes: writes.into_iter().collect(),
            public_log: public.write,
            tip: Some(tip.clone()),
            ..BlockWrite::default()
        })?;
        let validator_sets = BTreeMap::from([(0, genesis.validators.clone())]);
        Ok(Chain {
            store,
            genesis,
            tip,
            tip_header: header,
            frontier: Frontier::new(),
            public_frontier,
            validator_sets,
        })
    }

    fn resume(
        store: Arc<Store>,
        genesis: Arc<Genesis>,
        tip: ChainTip,
    ) -> Result<Chain, ChainError> {
        let header = store.header(tip.height)?.ok_or_else(|| {
            ChainError::Inconsistent(format!("no header at tip height {}", tip.height))
        })?;
        if header.hash() != tip.block_hash {
            return Err(ChainError::Inconsistent(
                "tip hash does not match the stored header".into(),
            ));
        }
        if tip.height > 0 {
            let previous = store.header(tip.height - 1)?.ok_or_else(|| {
                ChainError::Inconsistent(format!("no header at height {}", tip.height - 1))
            })?;
            if header.prev_hash != previous.hash() {
                return Err(ChainError::Inconsistent(
                    "tip does not link to its parent".into(),
                ));
            }
        }
        if tip != ChainTip::of(&header) {
            return Err(ChainError::Inconsistent(
                "the stored tip disagrees with its own header".into(),
            ));
        }
        let frontier = Frontier::from_source(store.as_ref(), tip.log_size)?;
        if frontier.root() != header.log_root || tip.log_size != header.log_size {
            return Err(ChainError::Inconsistent(
                "the stored log's root differs from the one in the tip header".into(),
            ));
        }
        let public_frontier =
            Frontier::from_source(&PublicLogNodes(store.as_ref()), header.public_log_size)?;
        if public_frontier.root() != header.public_log_root {
            return Err(ChainError::Inconsistent(
                "the stored public log's root differs from the one in the tip header".into(),
            ));
        }
        let mut validator_sets = BTreeMap::from([(0, genesis.validators.clone())]);
        validator_sets.extend(store.validator_sets()?);
        Ok(Chain {
            store,
            genesis,
            tip,
            tip_header: header,
            frontier,
            public_frontier,
            validator_sets,
        })
    }

    pub fn tip(&self) -> &ChainTip {
        &self.tip
    }

    pub fn tip_header(&self) -> &BlockHeader {
        &self.tip_header
    }

    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The validators of block `height`: the genesis set, or the last set governance passed
    /// that has taken effect by then.
    pub fn validator_set_for(&self, height: u64) -> &ValidatorSet {
        self.validator_sets
            .range(..=height)
            .next_back()
            .map(|(_, set)| set)
            .unwrap_or(&self.genesis.validators)
    }

    /// Every validator set with the height it takes effect at, genesis first.
    pub fn validator_sets(&self) -> Vec<(u64, ValidatorSet)> {
        self.validator_sets
            .iter()
            .map(|(h, s)| (*h, s.clone()))
            .collect()
    }

    /// Executes `txs` (signatures already verified by this node) as the block after the tip.
    /// The block time never goes backwards: it is at least the parent's plus one millisecond.
    pub fn execute(
        &self,
        txs: Vec<Arc<SignedTx>>,
        proposed_time_ms: u64,
        proposer: PublicKey,
    ) -> Result<ExecutedBlock, ChainError> {
        let height = self.tip.height + 1;
        let time_ms = proposed_time_ms.max(self.tip_header.timestamp_ms.saturating_add(1));
        let ctx = BlockContext {
            chain_id: self.genesis.chain_id.clone(),
            height,
            time_ms,
        };

        let mut base = CommittedState::new(&self.store);
        let mut overlay = Overlay::new(&mut base);
        let (mut events, swept) = begin_block_with_public_changes(&mut overlay, &ctx)?;
        let mut public = PublicLogBuilder {
            chain_id: &self.genesis.chain_id,
            height,
            frontier: self.public_frontier.clone(),
            write: PublicLogWrite::default(),
        };
        public.push(SWEEP_TX, swept)?;

        let mut frontier = self.frontier.clone();
        let mut entries = Vec::with_capacity(txs.len());
        let mut log_nodes = Vec::with_capacity(txs.len() * 2);
        let mut outcomes = Vec::with_capacity(txs.len());
        let mut tx_hashes = Vec::with_capacity(txs.len());
        for tx in &txs {
            let hash = tx.hash();
            let (applied, disclosed) = apply_with_public_changes(&mut overlay, &ctx, tx, &hash)?;
            public.push(hash, disclosed)?;
            events.extend(applied.events);
            let entry = Entry {
                height,
                tx: SignedTx::clone(tx),
                outcome: applied.outcome.clone(),
            };
            let bytes = entry.to_bytes();
            let index = frontier.size();
            log_nodes.extend(
                frontier
                    .push(log::leaf_hash(&bytes))
                    .map_err(|_| ChainError::LogFull)?,
            );
            entries.push((index, bytes));
            outcomes.push(applied.outcome);
            tx_hashes.push(hash);
        }
        let state_writes = overlay.into_writes();
        let txs: Vec<SignedTx> = txs.iter().map(|tx| SignedTx::clone(tx)).collect();
        let header = BlockHeader {
            chain_id: self.genesis.chain_id.clone(),
            height,
            prev_hash: self.tip.block_hash,
            timestamp_ms: time_ms,
            proposer,
            tx_count: u32::try_from(txs.len()).unwrap_or(u32::MAX),
            txs_hash: txs_hash_of(&tx_hashes),
            log_size: frontier.size(),
            log_root: frontier.root(),
            public_log_size: public.frontier.size(),
            public_log_root: public.frontier.root(),
            state_hash: chain_state_hash(&self.tip.state_hash, &state_writes),
            validator_set_hash: self.validator_set_for(height).hash(),
            next_validators: self.validator_set_for(height + 1).protocol_hash(),
        };
        // The rules have checked the new list (size, names, keys, power bound) already.
        let validator_set_change = events
            .iter()
            .rev()
            .find_map(|event| match event {
                Event::ValidatorSetChanged { validators } => Some(validators.clone()),
                _ => None,
            })
            .map(ValidatorSet::new)
            .transpose()
            .map_err(|e| {
                ChainError::Inconsistent(format!("the rules passed an unusable validator set: {e}"))
            })?;
        Ok(ExecutedBlock {
            block: Block { header, txs },
            tx_hashes,
            outcomes,
            events,
            validator_set_change,
            entries,
            log_nodes,
            state_writes,
            frontier_after: frontier,
            public_log: public.write,
            public_frontier_after: public.frontier,
        })
    }

    /// Writes an executed block (and its certificate and checkpoints) as one synced batch, then
    /// advances the tip. The block must extend the current tip.
    pub fn commit(
        &mut self,
        executed: &ExecutedBlock,
        certificate: Option<CommitCertificate>,
        notes: Option<CheckpointNotes>,
    ) -> Result<(), ChainError> {
        let header = &executed.block.header;
        if header.height != self.tip.height + 1 || header.prev_hash != self.tip.block_hash {
            return Err(ChainError::Inconsistent(format!(
                "block {} does not extend the tip at {}",
                header.height, self.tip.height
            )));
        }
        let tip = ChainTip::of(header);
        // The block's checkpoints name another set than the one certifying it: they hand over.
        let hands_over =
            header.next_validators != self.validator_set_for(header.height).protocol_hash();
        let first_index = executed
            .entries
            .first()
            .map(|(i, _)| *i)
            .unwrap_or(header.log_size);
        // The tx index keeps a transaction's first occurrence: a later copy can only be a
        // `replay` rejection (the rules de-duplicate by hash), and indexing it would point the
        // transaction's status and proofs at the rejection instead of the original entry.
        let tx_locations = executed
            .tx_hashes
            .iter()
            .zip(&executed.outcomes)
            .enumerate()
            .filter(|(_, (_, outcome))| {
                !matches!(outcome, Outcome::Rejected { code, .. } if code == REPLAY_CODE)
            })
            .map(|(position, (hash, outcome))| {
                let rejected = match outcome {
                    Outcome::Applied => None,
                    Outcome::Rejected { code, .. } => Some(code.clone()),
                };
                let location = TxLocation {
                    height: header.height,
                    position: position as u32,
                    log_index: first_index + position as u64,
                    rejected,
                };
                (*hash, location)
            })
            .collect();
        self.store.commit(BlockWrite {
            block: Some(executed.block.clone()),
            certificate,
            entries: executed.entries.clone(),
            tx_locations,
            log_nodes: executed.log_nodes.clone(),
            state_writes: executed.state_writes.clone().into_iter().collect(),
            checkpoint: notes
                .as_ref()
                .map(|n| (header.log_size, n.checkpoint.clone())),
            public_log: executed.public_log.clone(),
            public_checkpoint: notes
                .as_ref()
                .map(|n| (header.public_log_size, n.public_checkpoint.clone())),
            handover: notes.filter(|_| hands_over).map(|n| (header.height + 1, n)),
            tip: Some(tip.clone()),
            validator_set: executed
                .validator_set_change
                .clone()
                .map(|set| (header.height + VALIDATOR_SET_CHANGE_DELAY_BLOCKS, set)),
            events: (!executed.events.is_empty()).then(|| {
                (
                    header.height,
                    gongxin_core::encoding::encode(&executed.events),
                )
            }),
        })?;
        if let Some(set) = &executed.validator_set_change {
            self.validator_sets.insert(
                header.height + VALIDATOR_SET_CHANGE_DELAY_BLOCKS,
                set.clone(),
            );
        }
        self.tip = tip;
        self.tip_header = header.clone();
        self.frontier = executed.frontier_after.clone();
        self.public_frontier = executed.public_frontier_after.clone();
        self.assert_frontier_matches_tip();
        Ok(())
    }

    /// The log frontier carried into the next block must be the one the committed header
    /// names. (The tip is built from the header in `commit`, so only the frontier, computed
    /// separately during execution, can disagree.) A failure is a bug in execution: the node
    /// stops before it serves, signs or votes for anything built on it.
    fn assert_frontier_matches_tip(&self) {
        let header = &self.tip_header;
        assert_eq!(
            self.frontier.size(),
            header.log_size,
            "frontier size = header log size"
        );
        assert_eq!(
            self.frontier.root(),
            header.log_root,
            "frontier root = header log root"
        );
        assert_eq!(
            (self.public_frontier.size(), self.public_frontier.root()),
            (header.public_log_size, header.public_log_root),
            "public frontier = header public log"
        );
    }
}

/// `state_hash` of a block: SM3(parent's state hash ‖ digest of this block's write set).
pub fn chain_state_hash(parent: &Hash, writes: &WriteSet) -> Hash {
    Hash::digest_parts(&[parent.as_bytes(), write_set_digest(writes).as_bytes()])
}

#[cfg(test)]
mod tests {
    use gongxin_contracts::testkit::{City, TRANSPORT};
    use gongxin_core::model::{Operation, Role};
    use gongxin_core::tx::{ReplayGuard, TxBody};

    use super::*;

    /// A chain over the test city's genesis (four departments, each with a validator and one
    /// member per role) in `dir`.
    fn open(dir: &tempfile::TempDir) -> (Chain, City, Arc<Store>) {
        let city = City::new();
        let store = Arc::new(Store::open(&dir.path().join("data")).unwrap());
        let chain = Chain::open(store.clone(), Arc::new(city.genesis.clone())).unwrap();
        (chain, city, store)
    }

    #[test]
    fn a_replayed_copy_never_overwrites_the_original_in_the_tx_index() {
        let dir = tempfile::tempdir().unwrap();
        let (mut chain, city, store) = open(&dir);
        let director = city.key(TRANSPORT, Role::Director).clone();
        let tx = Arc::new(
            TxBody {
                chain_id: city.genesis.chain_id.clone(),
                signer: director.public_key(),
                replay: ReplayGuard {
                    nonce: 1,
                    valid_until_height: 50,
                },
                operation: Operation::ApproveProject {
                    project: "NOPE".into(),
                },
            }
            .sign(&director),
        );
        let proposer = city.genesis.validators.validators()[0].public_key;
        let first = chain.execute(vec![tx.clone()], 1, proposer).unwrap();
        chain.commit(&first, None, None).unwrap();
        let original = store.tx_location(&tx.hash()).unwrap().unwrap();
        // A block that carries the same transaction again (a faulty or hostile proposer).
        let second = chain.execute(vec![tx.clone()], 2, proposer).unwrap();
        assert!(
            matches!(&second.outcomes[0], Outcome::Rejected { code, .. } if code == REPLAY_CODE)
        );
        chain.commit(&second, None, None).unwrap();
        assert_eq!(store.tx_location(&tx.hash()).unwrap().unwrap(), original);
        assert!(
            store.entry(1).unwrap().is_some(),
            "the replay attempt is still logged"
        );
    }

    #[test]
    fn a_block_is_stored_once_in_its_entries_and_read_back_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let (mut chain, city, store) = open(&dir);
        let director = city.key(TRANSPORT, Role::Director).clone();
        let proposer = city.genesis.validators.validators()[0].public_key;
        let tx = |nonce: u64| {
            Arc::new(
                TxBody {
                    chain_id: city.genesis.chain_id.clone(),
                    signer: director.public_key(),
                    replay: ReplayGuard {
                        nonce,
                        valid_until_height: 50,
                    },
                    operation: Operation::ApproveProject {
                        project: format!("P-{nonce}"),
                    },
                }
                .sign(&director),
            )
        };
        let mut blocks = Vec::new();
        // Block 3 carries block 1's first transaction again (refused as a replay, still logged).
        for (height, txs) in [
            (1, vec![tx(1), tx(2), tx(3)]),
            (2, vec![]),
            (3, vec![tx(4), tx(1)]),
        ] {
            let executed = chain.execute(txs, height, proposer).unwrap();
            chain.commit(&executed, None, None).unwrap();
            blocks.push(executed.block);
        }
        let genesis = store.block(0).unwrap().unwrap();
        assert!(genesis.txs.is_empty());
        assert_eq!(genesis.header.height, 0);
        assert_eq!(blocks[0].header.prev_hash, genesis.hash());
        for block in &blocks {
            let height = block.header.height;
            let read = store.block(height).unwrap().unwrap();
            assert_eq!(read.to_bytes(), block.to_bytes(), "block {height}");
            assert!(
                !store.block_stored_whole(height),
                "block {height}'s transactions are stored once, in their entries"
            );
        }

        // A block written whole (a database from before, or a block without its entries) is
        // still read from there.
        let other = tempfile::tempdir().unwrap();
        let whole = Store::open(&other.path().join("data")).unwrap();
        whole
            .commit(BlockWrite {
                block: Some(blocks[0].clone()),
                ..BlockWrite::default()
            })
            .unwrap();
        assert!(whole.block_stored_whole(1));
        assert_eq!(whole.block(1).unwrap().unwrap(), blocks[0]);
        assert!(whole.block(2).unwrap().is_none());
    }

    #[test]
    fn a_tip_that_disagrees_with_its_header_is_refused_on_restart() {
        let dir = tempfile::tempdir().unwrap();
        let (chain, city, store) = open(&dir);
        let mut tip = chain.tip().clone();
        drop(chain);
        tip.state_hash = Hash::digest(b"tampered");
        store
            .commit(BlockWrite {
                tip: Some(tip),
                ..BlockWrite::default()
            })
            .unwrap();
        let err = Chain::open(store, Arc::new(city.genesis.clone())).unwrap_err();
        assert!(matches!(err, ChainError::Inconsistent(_)), "{err}");
    }

    #[test]
    fn another_genesis_cannot_open_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let (chain, _, store) = open(&dir);
        drop(chain);
        // The same city under other policies: another genesis hash.
        let other = City::with_policies(Vec::new());
        assert_ne!(other.genesis.hash(), City::new().genesis.hash());
        assert!(Chain::open(store, Arc::new(other.genesis)).is_err());
    }
}
