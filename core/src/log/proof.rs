//! Serving proofs: roots, inclusion paths and consistency paths for any tree size, read from a
//! [`NodeSource`] of complete-subtree hashes.
//!
//! Each function walks the RFC 9162 recursion top-down instead of recursing: at every step the
//! range `[start, end)` is split at `start + k`, `k` the largest power of two below its length.
//! The left part is always a complete subtree (one stored node). The right part is complete too,
//! except while the range still ends at the tree's right edge; an incomplete range is folded
//! from the at most 64 complete subtrees it decomposes into ([`subtree_root`]). A walk leaves the
//! right edge for good the first time it goes left, so a proof reads O(log n) nodes in total.

use crate::hash::Hash;

use super::{NodeId, NodeSource, empty_root, node_hash, split_point};

/// Why a root or proof could not be produced.
///
/// Every request the RFC leaves undefined is reported here rather than panicking, because the
/// gateway passes user-supplied numbers straight through. Whether `tree_size` is within the log
/// is the caller's check; a source asked for a node it does not have reports
/// [`ProofError::Source`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError<E> {
    /// An inclusion proof was requested for a leaf the tree does not contain (which includes
    /// every leaf of the empty tree).
    #[error("leaf index {leaf_index} is not in a tree of {tree_size} leaves")]
    LeafIndexOutOfRange {
        /// The requested leaf.
        leaf_index: u64,
        /// The tree the proof was requested for.
        tree_size: u64,
    },
    /// RFC 9162 §2.1.4 defines consistency proofs only from a non-empty tree; every tree extends
    /// the empty tree, so there is nothing to prove.
    #[error("consistency from the empty tree is not defined (RFC 9162 §2.1.4 needs 0 < first)")]
    FirstIsZero,
    /// A log only grows, so a larger tree cannot be a prefix of a smaller one.
    #[error("first tree size {first} exceeds second tree size {second}")]
    FirstExceedsSecond {
        /// The earlier tree size.
        first: u64,
        /// The later tree size.
        second: u64,
    },
    /// [`subtree_root`] was asked for a range the RFC recursion never produces; its hash would
    /// need leaf-level reads instead of O(log n) stored nodes.
    #[error("leaf range [{start}, {end}) is not a range of the RFC 9162 recursion")]
    UnalignedRange {
        /// First leaf of the range.
        start: u64,
        /// One past the last leaf of the range.
        end: u64,
    },
    /// The node source failed (missing node, I/O error, corruption).
    #[error("reading a stored log node failed")]
    Source(#[source] E),
}

/// MTH(D\[start:end\]) for ranges produced by the RFC recursion, in O(log n) reads.
///
/// Those ranges are exactly the ones whose `start` is a multiple of the smallest power of two
/// `>= end - start`: they sit at the left of one aligned complete subtree, so they decompose into
/// complete subtrees of decreasing size. The empty range is MTH({}) = [`empty_root()`].
pub fn subtree_root<S: NodeSource>(
    source: &S,
    start: u64,
    end: u64,
) -> Result<Hash, ProofError<S::Error>> {
    let len = end.saturating_sub(start);
    // `None` means the enclosing subtree would be 2^64 leaves wide: only start 0 fits.
    let aligned = match len.checked_next_power_of_two() {
        Some(width) => start.is_multiple_of(width),
        None => start == 0,
    };
    if start > end || !aligned {
        return Err(ProofError::UnalignedRange { start, end });
    }
    fold_range(source, start, len).map_err(ProofError::Source)
}

/// The root of the tree's first `size` leaves (historic roots): what the block header at that
/// size recorded. Reads one node per set bit of `size`.
pub fn root_at<S: NodeSource>(source: &S, size: u64) -> Result<Hash, S::Error> {
    // [0, size) is always a range of the recursion (it is the whole tree).
    fold_range(source, 0, size)
}

/// RFC 9162 §2.1.3.1 PATH(leaf_index, D\[0:tree_size\]): the audit path proving that leaf
/// `leaf_index` is in the tree of `tree_size` leaves, deepest sibling first.
pub fn inclusion_proof<S: NodeSource>(
    source: &S,
    leaf_index: u64,
    tree_size: u64,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    if leaf_index >= tree_size {
        return Err(ProofError::LeafIndexOutOfRange {
            leaf_index,
            tree_size,
        });
    }
    // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])      if m < k
    //               = PATH(m - k, D[k:n]) : MTH(D[0:k])  if m >= k
    // Walking down collects the siblings root-first; the RFC lists them leaf-first.
    let mut path = Vec::with_capacity(64);
    let (mut start, mut end) = (0u64, tree_size);
    while end - start > 1 {
        let mid = start + split_point(end - start);
        if leaf_index < mid {
            path.push(fold_range(source, mid, end - mid).map_err(ProofError::Source)?);
            end = mid;
        } else {
            path.push(fold_range(source, start, mid - start).map_err(ProofError::Source)?);
            start = mid;
        }
    }
    path.reverse();
    Ok(path)
}

/// RFC 9162 §2.1.4.1 PROOF(first, D\[0:second\]): the consistency path proving that the tree
/// of `first` leaves is a prefix of the tree of `second` leaves.
///
/// `first == second` gives the empty path (`SUBPROOF(m, D[m], true) = {}`), which
/// [`super::verify_consistency`] accepts iff the two roots are equal; `first == 0` is an error
/// (see [`ProofError::FirstIsZero`]).
pub fn consistency_proof<S: NodeSource>(
    source: &S,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    if first > second {
        return Err(ProofError::FirstExceedsSecond { first, second });
    }
    if first == 0 {
        return Err(ProofError::FirstIsZero);
    }
    // SUBPROOF(m, D[n], b) for m < n:
    //   = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])          if m <= k
    //   = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])  if m > k
    // SUBPROOF(m, D[m], true) = {}, SUBPROOF(m, D[m], false) = {MTH(D[m])}.
    // `whole_old_tree` is b: still true while the range starts at 0, so the range's old part is
    // the whole first tree, whose root the verifier already has.
    let mut path = Vec::with_capacity(65);
    let (mut start, mut end) = (0u64, second);
    let mut whole_old_tree = true;
    // Invariant: start < first <= end, so the range holds at least two leaves inside the loop.
    while first < end {
        let mid = start + split_point(end - start);
        if first <= mid {
            path.push(fold_range(source, mid, end - mid).map_err(ProofError::Source)?);
            end = mid;
        } else {
            path.push(fold_range(source, start, mid - start).map_err(ProofError::Source)?);
            start = mid;
            whole_old_tree = false;
        }
    }
    if !whole_old_tree {
        // The range [start, first) was reached through a left turn, so it is a complete subtree.
        path.push(fold_range(source, start, end - start).map_err(ProofError::Source)?);
    }
    path.reverse();
    Ok(path)
}

/// MTH(D\[start:start+len\]) for an aligned range (see [`subtree_root`]): the complete subtrees
/// of its binary decomposition, one per set bit of `len`, folded right to left.
fn fold_range<S: NodeSource>(source: &S, start: u64, len: u64) -> Result<Hash, S::Error> {
    let mut root: Option<Hash> = None;
    // Smallest (rightmost) piece first, so each step puts the next larger piece on the left.
    for level in (0..u64::BITS).filter(|level| (len >> level) & 1 == 1) {
        // The piece of 2^level leaves starts after all larger pieces: at `start` plus the bits
        // of `len` above `level`. That is at most `start + len`, so it cannot overflow, and
        // the range's alignment makes it a multiple of 2^level, so it is one stored node.
        let above = len & u64::MAX.checked_shl(level + 1).unwrap_or(0);
        let id = NodeId {
            // level < 64.
            level: level as u8,
            index: (start + above) >> level,
        };
        let piece = source.node(id)?;
        root = Some(match root {
            None => piece,
            Some(right) => node_hash(&piece, &right),
        });
    }
    Ok(root.unwrap_or_else(empty_root))
}
