//! Growing the log: the O(log n) [`Frontier`] the node keeps in RAM, and the in-memory
//! [`MemoryLog`] that tests and clients use as a [`NodeSource`].

use std::fmt;

use crate::hash::Hash;

use super::{NodeId, NodeSource, empty_root, node_hash, proof};

/// Number of possible subtree levels in a log of at most `u64::MAX` leaves: one per bit of the
/// size.
const LEVELS: usize = u64::BITS as usize;

/// The right frontier of the log: the roots of the complete subtrees of a tree of `size`
/// leaves (one per set bit of `size`, largest first). O(log n) memory; what the node keeps in
/// RAM.
///
/// The RFC 9162 tree of `size` leaves is exactly these subtrees hashed together right to left,
/// so they are all that is needed to compute the current root and to append: a new leaf merges
/// with the frontier subtrees of the levels below the lowest zero bit of `size`, like a binary
/// counter carrying.
#[derive(Clone, PartialEq, Eq)]
pub struct Frontier {
    /// Number of leaves in the log.
    size: u64,
    /// `by_level[l]` is the root of the frontier subtree of `2^l` leaves when bit `l` of `size`
    /// is set, and `Hash::ZERO` otherwise. Indexing by level rather than keeping a list means
    /// "one root per set bit" holds by construction, and the zeroed unused slots keep the
    /// derived equality meaningful. A fixed 2 KiB: the O(log n) bound for the largest n.
    by_level: [Hash; LEVELS],
}

/// A [`Frontier`] cannot grow past `u64::MAX` leaves; this is the error for trying.
///
/// Unreachable in practice (centuries of appends), but a frontier can be rebuilt from storage
/// with any size, so `push` reports it rather than overflowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the log already holds u64::MAX entries and cannot grow")]
pub struct LogFull;

impl Frontier {
    /// The frontier of the empty log.
    pub fn new() -> Self {
        Frontier {
            size: 0,
            by_level: [Hash::ZERO; LEVELS],
        }
    }

    /// Number of leaves in the log.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// MTH of the whole log, [`empty_root()`] when empty.
    ///
    /// Folds the frontier right to left: RFC 9162 splits at the largest power of two, so the
    /// largest subtree is the left child of the root and the rest recurses on the right.
    pub fn root(&self) -> Hash {
        self.subtrees_smallest_first()
            .map(|(_, hash)| hash)
            .reduce(|right, left| node_hash(&left, &right))
            .unwrap_or_else(empty_root)
    }

    /// The frontier's complete subtrees, largest (leftmost) first — the nodes
    /// [`Frontier::from_source`] reads back.
    pub fn subtrees(&self) -> impl Iterator<Item = (NodeId, Hash)> + '_ {
        (0..LEVELS)
            .rev()
            .filter_map(move |level| self.subtree_at(level))
    }

    /// The same subtrees, smallest (rightmost) first, the order the root fold needs.
    fn subtrees_smallest_first(&self) -> impl Iterator<Item = (NodeId, Hash)> + '_ {
        (0..LEVELS).filter_map(move |level| self.subtree_at(level))
    }

    /// The frontier subtree of `2^level` leaves, if bit `level` of the size is set.
    fn subtree_at(&self, level: usize) -> Option<(NodeId, Hash)> {
        let id = frontier_node(self.size, level)?;
        let hash = self.by_level.get(level)?;
        Some((id, *hash))
    }

    /// Appends one leaf (already leaf-hashed) and returns every complete node this append
    /// created, starting with the leaf itself at level 0, so a storage layer can persist them
    /// (O(log n)).
    ///
    /// Persisting exactly these nodes, for every append, is what makes any historic proof
    /// servable from storage.
    pub fn push(&mut self, leaf: Hash) -> Result<Vec<(NodeId, Hash)>, LogFull> {
        let position = self.size;
        let new_size = position.checked_add(1).ok_or(LogFull)?;
        // The trailing one bits of the old size are the frontier subtrees (1, 2, 4, ... leaves)
        // that sit immediately left of the new leaf; each merges with the growing right part,
        // like a carry. Since position < u64::MAX, at most 63 of them.
        let merges = position.trailing_ones() as usize;
        let mut created = Vec::with_capacity(merges + 1);
        let mut hash = leaf;
        created.push((NodeId::leaf(position), hash));
        for (level, slot) in self.by_level.iter_mut().enumerate().take(merges) {
            hash = node_hash(slot, &hash);
            *slot = Hash::ZERO;
            let parent_level = level + 1;
            // parent_level <= merges <= 63, so the cast is exact.
            let id = NodeId {
                level: parent_level as u8,
                index: position >> parent_level,
            };
            created.push((id, hash));
        }
        // The carry stops at the lowest zero bit of the old size, which becomes set.
        if let Some(slot) = self.by_level.get_mut(merges) {
            *slot = hash;
        }
        self.size = new_size;
        Ok(created)
    }

    /// Rebuilds the frontier of a log of `size` leaves from stored complete nodes.
    ///
    /// Reads one node per set bit of `size` (at most 64). The hashes are taken as stored; a
    /// caller restarting from storage should compare the rebuilt [`Frontier::root`] with the
    /// log root its last block header recorded, which detects any corrupt node read here.
    pub fn from_source<S: NodeSource>(source: &S, size: u64) -> Result<Self, S::Error> {
        let mut frontier = Frontier {
            size,
            by_level: [Hash::ZERO; LEVELS],
        };
        for (level, slot) in frontier.by_level.iter_mut().enumerate().rev() {
            if let Some(id) = frontier_node(size, level) {
                *slot = source.node(id)?;
            }
        }
        Ok(frontier)
    }
}

/// The frontier subtree of `2^level` leaves in a tree of `size` leaves, if bit `level` of `size`
/// is set. It covers the `2^level` leaves just before all smaller frontier subtrees, so its
/// index among the level's subtrees is `(size >> level) - 1`.
fn frontier_node(size: u64, level: usize) -> Option<NodeId> {
    let level = u32::try_from(level).ok()?;
    let above = size.checked_shr(level)?;
    if above & 1 == 0 {
        return None;
    }
    Some(NodeId {
        level: u8::try_from(level).ok()?,
        index: above - 1,
    })
}

/// The frontier of the empty log, as [`Frontier::new`].
impl Default for Frontier {
    fn default() -> Self {
        Frontier::new()
    }
}

/// Prints the size and the occupied levels only; the 64 slots would drown a log line.
impl fmt::Debug for Frontier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frontier")
            .field("size", &self.size)
            .field("subtrees", &self.subtrees().collect::<Vec<_>>())
            .finish()
    }
}

/// In-memory log: stores every leaf hash and every complete node hash, so it can serve proofs
/// for any tree size up to its own, like the node's storage does.
///
/// Deliberately independent of [`Frontier`] (it carries up its own levels), so tests can check
/// one against the other. Memory is about 2 × 32 bytes per leaf.
#[derive(Clone, Default)]
pub struct MemoryLog {
    /// `levels[l][i]` is the hash of `NodeId { level: l, index: i }`; level `l` holds
    /// `size >> l` nodes, so a level with an odd count ends in a frontier subtree.
    levels: Vec<Vec<Hash>>,
}

/// The node a [`MemoryLog`] was asked for does not exist in it — the tree size asked about is
/// beyond the log, or the id is not a complete node of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("node (level {}, index {}) is not in the log", .0.level, .0.index)]
pub struct MissingNode(pub NodeId);

impl MemoryLog {
    /// The empty log.
    pub fn new() -> Self {
        MemoryLog::default()
    }

    /// Appends an entry (its canonical bytes) and returns its leaf index.
    pub fn append(&mut self, entry: &[u8]) -> u64 {
        self.push_leaf_hash(super::leaf_hash(entry))
    }

    /// Appends an already leaf-hashed entry and returns its leaf index.
    pub fn push_leaf_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        let mut carry = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let Some(row) = self.levels.get_mut(level) else {
                // Unreachable: the row was just ensured to exist.
                break;
            };
            row.push(carry);
            // A node completes a parent exactly when it is a right child, i.e. its level now
            // holds an even number of nodes.
            if row.len() % 2 == 1 {
                break;
            }
            let [.., left, right] = row.as_slice() else {
                // Unreachable: an even, non-zero count has a last pair.
                break;
            };
            carry = node_hash(left, right);
            level += 1;
        }
        index
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// MTH of the whole log: the last node of every level with an odd count is a frontier
    /// subtree, folded right to left as in [`Frontier::root`].
    pub fn root(&self) -> Hash {
        self.levels
            .iter()
            .filter(|row| row.len() % 2 == 1)
            .filter_map(|row| row.last())
            .copied()
            .reduce(|right, left| node_hash(&left, &right))
            .unwrap_or_else(empty_root)
    }

    /// The root the log had when it held its first `size` leaves (historic roots, as recorded
    /// in earlier block headers); [`MissingNode`] when `size` is beyond the log.
    pub fn root_at(&self, size: u64) -> Result<Hash, MissingNode> {
        proof::root_at(self, size)
    }
}

/// Prints the size and root; the hashes themselves would be megabytes.
impl fmt::Debug for MemoryLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLog")
            .field("size", &self.size())
            .field("root", &self.root())
            .finish()
    }
}

impl NodeSource for MemoryLog {
    type Error = MissingNode;

    fn node(&self, id: NodeId) -> Result<Hash, MissingNode> {
        let row = self.levels.get(usize::from(id.level));
        let index = usize::try_from(id.index).ok();
        row.zip(index)
            .and_then(|(row, index)| row.get(index))
            .copied()
            .ok_or(MissingNode(id))
    }
}
