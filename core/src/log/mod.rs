//! The ledger log: one append-only Merkle tree over every committed entry, exactly as RFC 9162
//! §2.1 defines it, with SM3 as HASH.
//!
//! This is the contract with outside auditors: a verifier written from RFC 9162 alone, with SM3
//! substituted for SHA-256, must agree with this module bit for bit. Nothing here may depend on
//! storage or I/O.
//!
//! # Structure
//!
//! - **Hashing** (this file): [`leaf_hash`] = SM3(0x00 ‖ entry), [`node_hash`] =
//!   SM3(0x01 ‖ left ‖ right), [`empty_root`] = SM3(""). The distinct prefixes keep a leaf from
//!   ever being passed off as an interior node (second-preimage resistance, RFC 9162 §2.1.1).
//! - **Addressing** ([`NodeId`]): RFC 9162 splits a range of `n` leaves at the largest power of
//!   two `k < n`, so the left part of every split is a *complete* (perfect, aligned) subtree.
//!   Complete subtrees never change once their last leaf is appended, so they are what storage
//!   keeps, keyed by `(level, index)`. Incomplete subtrees exist only along the right edge of a
//!   tree and are recomputed on demand from at most 64 complete ones.
//! - **Appending** ([`tree`]): [`Frontier`] is the right edge of the log — the roots of the
//!   complete subtrees of a tree of `size` leaves, one per set bit of `size`. It is all the node
//!   keeps in RAM (O(log n)); every append reports the complete nodes it created so the storage
//!   layer can persist them. [`MemoryLog`] keeps every complete node in memory, for tests and
//!   clients.
//! - **Proving** ([`proof`]): [`subtree_root`], [`root_at`], [`inclusion_proof`] and
//!   [`consistency_proof`] walk the RFC recursion top-down over any [`NodeSource`], reading
//!   O(log n) stored nodes, so proofs can be served for any historic tree size.
//! - **Verifying** ([`verify`]): [`verify_inclusion`] and [`verify_consistency`] are the RFC 9162
//!   §2.1.3.2 / §2.1.4.2 algorithms, preceded by an O(1) check of the path's exact length. They
//!   use only the hashing functions above, so an auditor needs no storage at all.
//!
//! # Conventions outside the RFC's text
//!
//! - RFC 9162 defines consistency proofs for `0 < first < second` only. Consistency *from* the
//!   empty tree is rejected (every tree extends the empty tree, there is nothing to prove, and a
//!   verifier accepting it would accept any `first_root`). Consistency between two tree heads of
//!   the *same* size is accepted with an empty path iff the roots are equal — the only sensible
//!   meaning, matching `SUBPROOF(m, D[m], true) = {}` and what Trillian and Sigsum do — because
//!   auditors compare consecutive checkpoints that often have not moved.

pub mod proof;
pub mod tree;
pub mod verify;

#[cfg(test)]
mod tests;

use std::ops::Range;

use crate::hash::Hash;

pub use proof::{ProofError, consistency_proof, inclusion_proof, root_at, subtree_root};
pub use tree::{Frontier, LogFull, MemoryLog, MissingNode};
pub use verify::{
    CONSISTENCY_PATH_HASHES_MAX, INCLUSION_PATH_HASHES_MAX, VerifyError, consistency_path_len,
    inclusion_path_len, verify_consistency, verify_inclusion,
};

/// Domain-separation prefix of a leaf hash (RFC 9162 §2.1.1).
const LEAF_PREFIX: [u8; 1] = [0x00];
/// Domain-separation prefix of an interior node hash (RFC 9162 §2.1.1).
const NODE_PREFIX: [u8; 1] = [0x01];

/// MTH({d}) = SM3(0x00 ‖ d): the hash of one log entry, as it enters the tree.
///
/// Hashed in parts so a large entry is never copied just to prepend one byte.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    Hash::digest_parts(&[&LEAF_PREFIX, entry])
}

/// SM3(0x01 ‖ left ‖ right): the hash of an interior node from its two children.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Hash::digest_parts(&[&NODE_PREFIX, &left.0, &right.0])
}

/// MTH({}) = SM3(""): the root of the empty log, which a block header carries before the first
/// entry is committed.
pub fn empty_root() -> Hash {
    Hash::digest(b"")
}

/// A complete (perfect) subtree: covers leaves `[index << level, (index + 1) << level)`.
///
/// Complete subtrees are immutable once their last leaf exists, which is why they — and only
/// they — are stored and addressed. The derived order sorts by level, then index, so a storage
/// key built from `(level, index)` big-endian keeps each level contiguous.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId {
    /// Height above the leaves: 0 is a leaf, `l` covers `2^l` leaves. At most 63 in any tree
    /// of at most `u64::MAX` leaves.
    pub level: u8,
    /// Position among the complete subtrees of this level, counted from the left.
    pub index: u64,
}

impl NodeId {
    /// The leaf at `index` (a level-0 node).
    pub const fn leaf(index: u64) -> NodeId {
        NodeId { level: 0, index }
    }

    /// The leaves this subtree covers, or `None` when that range does not fit in `u64` (no tree
    /// of at most `u64::MAX` leaves contains such a node, so a storage layer may treat it as
    /// corrupt input).
    pub fn leaf_range(&self) -> Option<Range<u64>> {
        let width = 1u64.checked_shl(u32::from(self.level))?;
        let start = self.index.checked_mul(width)?;
        let end = start.checked_add(width)?;
        Some(start..end)
    }
}

/// Where complete-subtree hashes are read from: RocksDB in the node, memory in tests and
/// clients.
///
/// A source must hold every complete node of a log at least as large as the tree sizes it is
/// asked about; proofs for any historic size then need only O(log n) reads and no leaves.
pub trait NodeSource {
    /// Why a node could not be read (missing, I/O failure, corruption). It travels inside
    /// [`ProofError::Source`] so callers can tell a storage fault from a bad request.
    type Error: std::error::Error + 'static;

    /// The hash of the complete subtree `id`.
    fn node(&self, id: NodeId) -> Result<Hash, Self::Error>;
}

/// Lets callers pass `&source` (or a trait object behind a reference) wherever a source is
/// expected, without the generic functions having to take ownership.
impl<S: NodeSource + ?Sized> NodeSource for &S {
    type Error = S::Error;

    fn node(&self, id: NodeId) -> Result<Hash, Self::Error> {
        (**self).node(id)
    }
}

/// The largest power of two strictly smaller than `n` — the RFC 9162 split point `k`.
///
/// Only meaningful for `n >= 2`; returns 0 otherwise so callers never shift by a bad amount.
pub(crate) fn split_point(n: u64) -> u64 {
    if n < 2 {
        return 0;
    }
    // n - 1 >= 1, so its highest set bit is the largest power of two below n.
    1u64 << (63 - (n - 1).leading_zeros())
}
