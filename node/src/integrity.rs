//! `gongxin-node check`: the stored ledger checked against itself and the genesis, trusting
//! nothing the database says about itself. For every block from 0 to the tip:
//! - it is at its height, on this chain, and links to its parent's hash;
//! - its transactions hash to the header's `txs_hash`;
//! - its certificate is a quorum of the validator set of its height (from the genesis and
//!   the governance the chain itself recorded);
//! - the ledger log's entries it added, hashed again, bring the log to the header's size and
//!   root, and the public log's leaves to the public size and root;
//! - both of its checkpoint notes name exactly those sizes and roots, signed by a quorum.
//!
//! The state hash chains each block's state writes, which the store does not keep apart, so
//! it is checked only by re-execution: a node rebuilt with `gongxin-node resync` re-executes
//! every block and must reach each certified header.
//!
//! RocksDB's block checksums and the SM4-GCM seal on every value catch damage inside one
//! value; this catches what they cannot: a value replaced whole, a missing one, a database
//! older or other than the one the headers describe.

use gongxin_core::Hash;
use gongxin_core::block::txs_hash;
use gongxin_core::checkpoint::{SignedCheckpoint, origin_for_chain, public_origin_for_chain};
use gongxin_core::log::{Frontier, leaf_hash};

use crate::node::Node;
use crate::storage::StorageError;

/// Entries read per storage call.
const ENTRIES_PER_READ: usize = 4_096;

/// What a clean check covered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrityReport {
    /// Blocks checked, genesis block included.
    pub blocks: u64,
    pub ledger_entries: u64,
    pub public_leaves: u64,
    pub checkpoint_notes: u64,
}

/// Why the stored ledger cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum IntegrityError {
    #[error("block {height}: {what}")]
    Broken { height: u64, what: String },
    #[error("cannot read block {height}: {error}")]
    Unreadable { height: u64, error: StorageError },
}

fn broken(height: u64, what: impl Into<String>) -> IntegrityError {
    IntegrityError::Broken {
        height,
        what: what.into(),
    }
}

/// Checks `node`'s whole stored ledger (see the module documentation). Stops at the first
/// block that fails, naming it.
pub fn check_ledger(node: &Node) -> Result<IntegrityReport, IntegrityError> {
    let reader = node.reader();
    let chain_id = node.chain_id();
    let tip = node.tip();
    let mut report = IntegrityReport::default();
    let mut ledger = Frontier::new();
    let mut public = Frontier::new();
    let mut parent: Option<Hash> = None;
    for height in 0..=tip.height() {
        let unreadable = |error| IntegrityError::Unreadable { height, error };
        let block = reader
            .block(height)
            .map_err(unreadable)?
            .ok_or_else(|| broken(height, "missing"))?;
        let header = &block.header;
        if header.height != height || header.chain_id != chain_id {
            return Err(broken(height, "holds another height's or chain's block"));
        }
        if header.prev_hash != parent.unwrap_or(Hash::ZERO) {
            return Err(broken(height, "does not link to its parent's hash"));
        }
        if header.tx_count as usize != block.txs.len() || txs_hash(&block.txs) != header.txs_hash {
            return Err(broken(height, "its transactions are not the header's"));
        }
        let validators = node.validator_set_for(height);
        if height > 0 {
            let certificate = reader
                .certificate(height)
                .map_err(unreadable)?
                .ok_or_else(|| broken(height, "no commit certificate"))?;
            certificate
                .verify(chain_id, header, &validators)
                .map_err(|e| broken(height, format!("certificate: {e}")))?;
        }
        report.ledger_entries += extend(&mut ledger, header.log_size, |from, to| {
            reader.entries(from, to - 1, ENTRIES_PER_READ)
        })
        .map_err(|e| at_block(height, "ledger log", e))?;
        if ledger.root() != header.log_root {
            return Err(broken(
                height,
                "the ledger log's entries do not hash to its root",
            ));
        }
        report.public_leaves += extend(&mut public, header.public_log_size, |from, to| {
            reader.public_leaves(from, to, ENTRIES_PER_READ)
        })
        .map_err(|e| at_block(height, "public log", e))?;
        if public.root() != header.public_log_root {
            return Err(broken(
                height,
                "the public log's leaves do not hash to its root",
            ));
        }
        if height > 0 {
            report.checkpoint_notes += check_notes(node, height, header)?;
        }
        parent = Some(header.hash());
        report.blocks += 1;
    }
    if parent != Some(tip.chain.block_hash) {
        return Err(broken(tip.height(), "is not the tip the database records"));
    }
    Ok(report)
}

/// Why a log could not be brought to a block's size.
enum Extend {
    Read(StorageError),
    Gap(u64),
    Full,
}

fn at_block(height: u64, log: &str, e: Extend) -> IntegrityError {
    match e {
        Extend::Read(error) => IntegrityError::Unreadable { height, error },
        Extend::Gap(index) => broken(height, format!("the {log} has no entry {index}")),
        Extend::Full => broken(height, format!("the {log} is beyond its largest size")),
    }
}

/// Pushes the leaves `frontier.size()..size` read with `read(from, to)` (to exclusive, in
/// index order); returns how many.
fn extend(
    frontier: &mut Frontier,
    size: u64,
    read: impl Fn(u64, u64) -> Result<Vec<(u64, Vec<u8>)>, StorageError>,
) -> Result<u64, Extend> {
    let start = frontier.size();
    while frontier.size() < size {
        let next = frontier.size();
        let batch = read(next, size).map_err(Extend::Read)?;
        if batch.is_empty() {
            return Err(Extend::Gap(next));
        }
        for (index, entry) in batch {
            if index != frontier.size() {
                return Err(Extend::Gap(frontier.size()));
            }
            frontier.push(leaf_hash(&entry)).map_err(|_| Extend::Full)?;
        }
    }
    if frontier.size() > size {
        return Err(Extend::Gap(size));
    }
    Ok(frontier.size() - start)
}

/// Block `height`'s two checkpoint notes: each names the header's log size and root and is
/// signed by a quorum of the height's validators. Returns how many notes were checked.
fn check_notes(
    node: &Node,
    height: u64,
    header: &gongxin_core::block::BlockHeader,
) -> Result<u64, IntegrityError> {
    let notes = node
        .reader()
        .block_checkpoints(height)
        .map_err(|error| IntegrityError::Unreadable { height, error })?
        .ok_or_else(|| broken(height, "no checkpoint notes"))?;
    let (ledger, public) = header.id().checkpoints(node.chain_id());
    let validators = node.validator_set_for(height);
    let chain_id = node.chain_id();
    for (note, expected, origin, name) in [
        (
            &notes.checkpoint,
            ledger,
            origin_for_chain(chain_id),
            "ledger",
        ),
        (
            &notes.public_checkpoint,
            public,
            public_origin_for_chain(chain_id),
            "public",
        ),
    ] {
        let parsed = SignedCheckpoint::parse(note)
            .map_err(|e| broken(height, format!("{name} checkpoint note: {e}")))?;
        if parsed.checkpoint != expected {
            return Err(broken(
                height,
                format!("its {name} checkpoint names another tree than the header"),
            ));
        }
        parsed
            .verify_origin(&origin, &validators)
            .map_err(|e| broken(height, format!("{name} checkpoint: {e}")))?;
    }
    Ok(2)
}
