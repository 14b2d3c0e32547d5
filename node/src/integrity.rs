//! `gongxin-node check`: the stored ledger checked against itself and the genesis. For every
//! block from 0 to the tip:
//! - it is at its height, on this chain, and links to its parent's hash;
//! - its transactions hash to the header's `txs_hash`;
//! - its certificate is a quorum of the validator set of its height (the genesis set, and
//!   the sets the chain recorded as governance changed them — read from the store, not
//!   replayed from the blocks), and that set is the one its parent's header named as the next
//!   (`next_validators`): so each stored set is vouched for by a header the previous set
//!   certified, back to the genesis set, and a set replaced in the store is found at the
//!   first height it would certify;
//! - the ledger log's entries it added, hashed again, bring the log to the header's size and
//!   root, and the public log's leaves to the public size and root;
//! - both of its checkpoint notes name exactly those sizes and roots, signed by a quorum.
//!
//! And at the tip: the notes served by tree size (what `/v1/checkpoint` and proofs use) are
//! the tip's, and neither log holds an entry beyond the tip's sizes.
//!
//! The state hash chains each block's state writes, which the store does not keep apart, so
//! it is checked only by re-execution: a node rebuilt with `gongxin-node resync` re-executes
//! every block and must reach each certified header.
//!
//! First, every value of every column family is read once from the files with RocksDB's block
//! checksums verified, so damage in a part of a file no request has read yet is found now.
//! RocksDB's block checksums and the SM4-GCM seal on every value catch damage inside one
//! value; the checks above catch what they cannot: a value replaced whole, a missing one, a database
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
    /// Values read from the database's files with their RocksDB checksums verified (all of
    /// them, in every column family).
    pub stored_values: u64,
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
    #[error("the database's files do not verify: {0}")]
    Files(StorageError),
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
    let mut report = IntegrityReport {
        stored_values: reader.verify_files().map_err(IntegrityError::Files)?,
        ..IntegrityReport::default()
    };
    let mut ledger = Frontier::new();
    let mut public = Frontier::new();
    let mut parent: Option<Hash> = None;
    let mut next_validators = None;
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
        if height > 0 {
            let validators = node.validator_set_for(height);
            if Some(validators.protocol_hash()) != next_validators {
                return Err(broken(
                    height,
                    "its stored validator set is not the one its parent's header named as next",
                ));
            }
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
            let notes = reader
                .block_checkpoints(height)
                .map_err(unreadable)?
                .ok_or_else(|| broken(height, "no checkpoint notes"))?;
            check_notes(
                node,
                height,
                header,
                [&notes.checkpoint, &notes.public_checkpoint],
            )?;
            report.checkpoint_notes += 2;
        }
        parent = Some(header.hash());
        next_validators = Some(header.next_validators);
        report.blocks += 1;
    }
    if parent != Some(tip.chain.block_hash) {
        return Err(broken(tip.height(), "is not the tip the database records"));
    }
    check_sets_past_tip(node)?;
    check_tip_extras(node)?;
    Ok(report)
}

/// The sets that take effect after the tip, which no block has certified by yet: the next
/// height's must be the one the tip's header names; a governance change takes effect two
/// heights after its block, so no set may be recorded further ahead than that. (A set at the
/// tip + 2 is checked by the next block's header, once there is one.)
fn check_sets_past_tip(node: &Node) -> Result<(), IntegrityError> {
    let tip = node.tip();
    let height = tip.height();
    if node.validator_set_for(height + 1).protocol_hash() != tip.header.next_validators {
        return Err(broken(
            height,
            "the validator set recorded for the next height is not the one its header names",
        ));
    }
    if let Some((from, _)) = node
        .validator_sets()
        .into_iter()
        .find(|(from, _)| *from > height + 2)
    {
        return Err(broken(
            height,
            format!(
                "a validator set is recorded to take effect at {from}, further ahead than any block could have passed"
            ),
        ));
    }
    Ok(())
}

/// Why a log could not be brought to a block's size.
enum Extend {
    Read(StorageError),
    Gap(u64),
    /// Entries past the size the block says.
    Beyond(u64),
    Full,
}

fn at_block(height: u64, log: &str, e: Extend) -> IntegrityError {
    match e {
        Extend::Read(error) => IntegrityError::Unreadable { height, error },
        Extend::Gap(index) => broken(height, format!("the {log} has no entry {index}")),
        Extend::Beyond(size) => broken(
            height,
            format!("the {log} has entries past its size {size}"),
        ),
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
        return Err(Extend::Beyond(size));
    }
    Ok(frontier.size() - start)
}

/// Block `height`'s two notes (ledger, public): each names the header's log size and root and
/// is signed by a quorum of the height's validators.
fn check_notes(
    node: &Node,
    height: u64,
    header: &gongxin_core::block::BlockHeader,
    notes: [&String; 2],
) -> Result<(), IntegrityError> {
    let chain_id = node.chain_id();
    let (ledger, public) = header.id().checkpoints(chain_id);
    let validators = node.validator_set_for(height);
    let expected = [
        (ledger, origin_for_chain(chain_id), "ledger"),
        (public, public_origin_for_chain(chain_id), "public"),
    ];
    for (note, (checkpoint, origin, name)) in notes.into_iter().zip(expected) {
        let parsed = SignedCheckpoint::parse(note)
            .map_err(|e| broken(height, format!("{name} checkpoint note: {e}")))?;
        if parsed.checkpoint != checkpoint {
            return Err(broken(
                height,
                format!("its {name} checkpoint names another tree than the header"),
            ));
        }
        parsed
            .verify_origin(&origin, &validators)
            .map_err(|e| broken(height, format!("{name} checkpoint: {e}")))?;
    }
    Ok(())
}

/// At the tip: the notes served by tree size are the tip's (the latest block of a size
/// replaces its note), and neither log holds an entry past the tip's sizes.
fn check_tip_extras(node: &Node) -> Result<(), IntegrityError> {
    let reader = node.reader();
    let tip = node.tip();
    let (height, header) = (tip.height(), &tip.header);
    let unreadable = |error| IntegrityError::Unreadable { height, error };
    if height > 0 {
        let missing = || broken(height, "no checkpoint note for the tip's tree size");
        let ledger = reader
            .checkpoint(header.log_size)
            .map_err(unreadable)?
            .ok_or_else(missing)?;
        let public = reader
            .public_checkpoint(header.public_log_size)
            .map_err(unreadable)?
            .ok_or_else(missing)?;
        check_notes(node, height, header, [&ledger, &public])?;
    }
    let past_ledger = reader
        .entries(header.log_size, header.log_size, 1)
        .map_err(unreadable)?;
    let past_public = reader
        .public_leaves(header.public_log_size, header.public_log_size + 1, 1)
        .map_err(unreadable)?;
    if !past_ledger.is_empty() || !past_public.is_empty() {
        return Err(broken(height, "a log holds entries past the tip's size"));
    }
    Ok(())
}
