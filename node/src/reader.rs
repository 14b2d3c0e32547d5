//! The read side of the ledger: what the gateway and the node's tasks may read, and nothing
//! they could write with.
//!
//! A block's batch is atomic, so a reader sees a block entirely or not at all; readers never
//! take the chain's lock. Writes (block commits, checkpoints, the operation log's batches) go
//! through [`crate::node::Node`] and [`crate::access_log`] only.

use std::sync::Arc;

use gongxin_core::Hash;
use gongxin_core::access_log::{ChainPoint, ChainedRecord};
use gongxin_core::block::{Block, BlockHeader, CommitCertificate};
use gongxin_core::log::{NodeId, NodeSource};

pub use crate::chain::CommittedState;
use crate::storage::{CheckpointNotes, PublicLogNodes, StorageError, Store, TxLocation};

/// A read-only handle on the committed ledger.
#[derive(Debug, Clone)]
pub struct LedgerReader {
    store: Arc<Store>,
}

impl LedgerReader {
    pub(crate) fn new(store: Arc<Store>) -> LedgerReader {
        LedgerReader { store }
    }

    /// Every stored value read once with its file checksums verified ([`Store::verify_files`]).
    pub fn verify_files(&self) -> Result<u64, StorageError> {
        self.store.verify_files()
    }

    /// The committed contract state, for `gongxin_contracts::queries`.
    pub fn state(&self) -> CommittedState<'_> {
        CommittedState::new(&self.store)
    }

    pub fn header(&self, height: u64) -> Result<Option<BlockHeader>, StorageError> {
        self.store.header(height)
    }

    pub fn block(&self, height: u64) -> Result<Option<Block>, StorageError> {
        self.store.block(height)
    }

    pub fn certificate(&self, height: u64) -> Result<Option<CommitCertificate>, StorageError> {
        self.store.certificate(height)
    }

    /// The encoded entry at `log_index`.
    pub fn entry(&self, log_index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        self.store.entry(log_index)
    }

    /// Encoded entries from `start` through `end`, at most `limit`, with their indexes.
    pub fn entries(
        &self,
        start: u64,
        end: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StorageError> {
        self.store.entries(start, end, limit)
    }

    pub fn leaf_index(&self, leaf: &Hash) -> Result<Option<u64>, StorageError> {
        self.store.leaf_index(leaf)
    }

    pub fn tx_location(&self, tx_hash: &Hash) -> Result<Option<TxLocation>, StorageError> {
        self.store.tx_location(tx_hash)
    }

    /// The signed checkpoint note of the log at `tree_size`.
    pub fn checkpoint(&self, tree_size: u64) -> Result<Option<String>, StorageError> {
        self.store.checkpoint(tree_size)
    }

    pub fn latest_checkpoint(&self) -> Result<Option<(u64, String)>, StorageError> {
        self.store.latest_checkpoint()
    }

    /// The tree size of the latest checkpoint (0 before the first), from memory.
    pub fn latest_checkpoint_size(&self) -> u64 {
        self.store.latest_checkpoint_size().unwrap_or(0)
    }

    /// The public log's [`LedgerReader::latest_checkpoint_size`].
    pub fn latest_public_checkpoint_size(&self) -> u64 {
        self.store.latest_public_checkpoint_size().unwrap_or(0)
    }

    /// Block `height`'s two checkpoint notes as committed.
    pub fn block_checkpoints(&self, height: u64) -> Result<Option<CheckpointNotes>, StorageError> {
        self.store.block_checkpoints(height)
    }

    /// The public disclosure log's leaf `index` (JCS bytes).
    pub fn public_leaf(&self, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        self.store.public_leaf(index)
    }

    /// Public-log leaves in `start..end`, at most `limit`.
    pub fn public_leaves(
        &self,
        start: u64,
        end: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StorageError> {
        self.store.public_leaves(start, end, limit)
    }

    /// The index of the latest public-log leaf of record `kind`/`id`.
    pub fn public_record_leaf(&self, kind: &str, id: &str) -> Result<Option<u64>, StorageError> {
        self.store.public_record_leaf(kind, id)
    }

    /// The leaf indexes of every disclosed version of record `kind`/`id`, oldest first.
    pub fn public_record_history(
        &self,
        kind: &str,
        id: &str,
        limit: usize,
    ) -> Result<Vec<u64>, StorageError> {
        self.store.public_record_history(kind, id, limit)
    }

    /// The public log's signed checkpoint note at `tree_size`.
    pub fn public_checkpoint(&self, tree_size: u64) -> Result<Option<String>, StorageError> {
        self.store.public_checkpoint(tree_size)
    }

    pub fn latest_public_checkpoint(&self) -> Result<Option<(u64, String)>, StorageError> {
        self.store.latest_public_checkpoint()
    }

    /// Every validator-set hand-over's checkpoint notes, by the incoming set's first height.
    pub fn handovers(&self) -> Result<Vec<(u64, CheckpointNotes)>, StorageError> {
        self.store.handovers()
    }

    /// The public log's stored subtree hashes, as a proof source.
    pub fn public_log_nodes(&self) -> PublicLogNodes<'_> {
        PublicLogNodes(&self.store)
    }

    /// Where the kept operation log starts (after pruning).
    pub fn access_log_start(&self) -> Result<ChainPoint, StorageError> {
        self.store.access_log_start()
    }

    /// Operation-log records from `from` through `to`, at most `limit`.
    pub fn access_log_range(
        &self,
        from: u64,
        to: u64,
        limit: usize,
    ) -> Result<Vec<ChainedRecord>, StorageError> {
        self.store.access_log_range(from, to, limit)
    }
}

/// Proofs read the log's stored nodes through the reader.
impl NodeSource for LedgerReader {
    type Error = StorageError;

    fn node(&self, id: NodeId) -> Result<Hash, StorageError> {
        NodeSource::node(self.store.as_ref(), id)
    }
}
