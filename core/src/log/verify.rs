//! Verifying proofs with nothing but hashing: what auditors and light clients run.
//!
//! Both verifiers first compute the exact length the RFC 9162 path must have for the claimed
//! sizes (O(1), before any hashing), so an oversized or truncated path is rejected cheaply and
//! with a precise reason; they then run the RFC 9162 §2.1.3.2 / §2.1.4.2 algorithms step by
//! step, so an auditor can check this file against the RFC text line by line. The length check
//! decides nothing the RFC algorithm would not: it only makes the rejection cheap and precise.

use crate::hash::Hash;

use super::node_hash;

/// The longest inclusion path of any tree of at most `u64::MAX` leaves: one sibling per level,
/// and such a tree is at most 64 levels deep. A decoder of untrusted proofs can refuse longer
/// arrays before parsing them.
pub const INCLUSION_PATH_HASHES_MAX: usize = 64;

/// The longest consistency path of any pair of tree sizes up to `u64::MAX`: the 64 hashes of
/// an inclusion path of the old tree's last leaf, plus the root of the old tree's smallest
/// complete subtree when the old size is not a power of two (e.g. first 3, second 2^63 + 1).
pub const CONSISTENCY_PATH_HASHES_MAX: usize = 65;

/// Why a proof was rejected. Each reason is distinct so that an auditor's report says what was
/// wrong, not just that something was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The claimed leaf is not in a tree of the claimed size (which includes every leaf of the
    /// empty tree).
    #[error("leaf index {leaf_index} is not in a tree of {tree_size} leaves")]
    IndexOutOfRange {
        /// The claimed leaf index.
        leaf_index: u64,
        /// The claimed tree size.
        tree_size: u64,
    },
    /// A log only grows, so a larger tree cannot be a prefix of a smaller one.
    #[error("first tree size {first} exceeds second tree size {second}")]
    FirstExceedsSecond {
        /// The earlier tree size.
        first: u64,
        /// The later tree size.
        second: u64,
    },
    /// RFC 9162 §2.1.4.2 defines consistency only for `0 < first`: every tree extends the empty
    /// tree, and accepting it would vouch for any claimed `first_root`.
    #[error("consistency from the empty tree is not defined (RFC 9162 §2.1.4.2 needs 0 < first)")]
    FirstIsZero,
    /// The path has more hashes than the RFC path for these sizes.
    #[error("path has {actual} hashes, but a proof for these tree sizes has {expected}")]
    PathTooLong {
        /// The exact length for the claimed sizes.
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// The path has fewer hashes than the RFC path for these sizes.
    #[error("path has {actual} hashes, but a proof for these tree sizes has {expected}")]
    PathTooShort {
        /// The exact length for the claimed sizes.
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// The leaf hash and audit path do not hash up to the claimed root.
    #[error("the audit path does not lead from the leaf to the claimed root")]
    RootMismatch,
    /// The consistency path does not reproduce the first (older) root.
    #[error("the consistency path does not reproduce the first root")]
    FirstRootMismatch,
    /// The consistency path reproduces the first root but not the second (newer) one.
    #[error("the consistency path does not reproduce the second root")]
    SecondRootMismatch,
    /// Two different roots were claimed for the same tree size. With signed checkpoints this is
    /// evidence of a split view, hence its own reason.
    #[error("two different roots claimed for the same tree size {size}")]
    SameSizeDifferentRoots {
        /// The tree size both roots claim.
        size: u64,
    },
}

/// The exact number of hashes in the RFC 9162 inclusion path of `leaf_index` in a tree of
/// `tree_size` leaves, or `None` when the leaf is not in the tree.
///
/// Lets a verifier, or a decoder of untrusted proofs, reject a wrong-length path in O(1).
pub fn inclusion_path_len(leaf_index: u64, tree_size: u64) -> Option<usize> {
    if leaf_index >= tree_size {
        return None;
    }
    let (inner, border) = decompose(leaf_index, tree_size);
    Some(inner + border)
}

/// The exact number of hashes in the RFC 9162 consistency path from `first` to `second`, or
/// `None` when the pair is not provable (`first == 0` or `first > second`). Zero when
/// `first == second`.
pub fn consistency_path_len(first: u64, second: u64) -> Option<usize> {
    if first == 0 || first > second {
        return None;
    }
    if first == second {
        return Some(0);
    }
    // The path is the inclusion path of the old tree's last leaf, minus the levels inside the
    // old tree's smallest complete subtree (2^shift leaves, sent as one hash instead), plus that
    // hash itself unless it is the whole old tree, whose root the verifier already has.
    let (inner, border) = decompose(first - 1, second);
    let shift = first.trailing_zeros() as usize;
    let seed = usize::from(!first.is_power_of_two());
    Some(inner.saturating_sub(shift) + border + seed)
}

/// Splits the inclusion path of `index` in a tree of `size` leaves into its `inner` part — the
/// levels where `index` and the last leaf `size - 1` are in different subtrees, each with a
/// complete sibling — and its `border` part — the levels above, along the tree's right edge,
/// where a sibling (on the left) exists only for each set bit of `index`.
///
/// Precondition: `index < size`.
fn decompose(index: u64, size: u64) -> (usize, usize) {
    let inner = u64::BITS - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner as usize, border as usize)
}

/// Rejects a path whose length is not exactly `expected`.
fn check_len(expected: usize, actual: usize) -> Result<(), VerifyError> {
    match actual.cmp(&expected) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Greater => Err(VerifyError::PathTooLong { expected, actual }),
        std::cmp::Ordering::Less => Err(VerifyError::PathTooShort { expected, actual }),
    }
}

/// Right-shifts `f_n` and `s_n` equally until `LSB(f_n)` is set or `f_n` is 0 (RFC 9162
/// §2.1.3.2 step 4.b.ii and §2.1.4.2 step 6.b.ii). Moves the walk past the levels where the
/// node is the right edge of its tree and has no sibling.
fn skip_to_set_lsb(f_n: &mut u64, s_n: &mut u64) {
    while *f_n & 1 == 0 && *f_n != 0 {
        *f_n >>= 1;
        *s_n >>= 1;
    }
}

/// Verifies that `leaf_hash` is leaf `leaf_index` of the tree of `tree_size` leaves whose root
/// is `root`, given the RFC 9162 audit path (RFC 9162 §2.1.3.2).
///
/// Note, as in every RFC 9162 verifier: a path proves the leaf against a (size, root) *pair*.
/// When the leaf's path has the same shape in two tree sizes, a proof made for one also passes
/// with the other size and the same root; the size is bound to the root by the signed
/// checkpoint, not by the path.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    leaf_index: u64,
    tree_size: u64,
    audit_path: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    // Step 1: leaf_index must be below tree_size.
    let expected =
        inclusion_path_len(leaf_index, tree_size).ok_or(VerifyError::IndexOutOfRange {
            leaf_index,
            tree_size,
        })?;
    check_len(expected, audit_path.len())?;
    // Step 2. tree_size > leaf_index >= 0, so the subtraction cannot underflow.
    let mut f_n = leaf_index;
    let mut s_n = tree_size - 1;
    // Step 3.
    let mut r = *leaf_hash;
    // Step 4.
    for p in audit_path {
        // 4.a. Cannot trigger after the length check; kept so the loop is the RFC's verbatim.
        if s_n == 0 {
            return Err(VerifyError::PathTooLong {
                expected,
                actual: audit_path.len(),
            });
        }
        // 4.b.
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                skip_to_set_lsb(&mut f_n, &mut s_n);
            }
        } else {
            r = node_hash(&r, p);
        }
        // 4.c.
        f_n >>= 1;
        s_n >>= 1;
    }
    // Step 5.
    if s_n != 0 {
        return Err(VerifyError::PathTooShort {
            expected,
            actual: audit_path.len(),
        });
    }
    if r != *root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `first` leaves with root `first_root` is a prefix of the tree of
/// `second` leaves with root `second_root`, given the RFC 9162 consistency path
/// (RFC 9162 §2.1.4.2).
///
/// Beyond the RFC's `0 < first < second`: `first == second` is accepted with an empty path iff
/// the roots are equal ([`VerifyError::SameSizeDifferentRoots`] otherwise), and `first == 0` is
/// rejected ([`VerifyError::FirstIsZero`]). The note on sizes in [`verify_inclusion`] applies
/// here too.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    consistency_path: &[Hash],
) -> Result<(), VerifyError> {
    if first > second {
        return Err(VerifyError::FirstExceedsSecond { first, second });
    }
    if first == 0 {
        return Err(VerifyError::FirstIsZero);
    }
    if first == second {
        check_len(0, consistency_path.len())?;
        if first_root != second_root {
            return Err(VerifyError::SameSizeDifferentRoots { size: first });
        }
        return Ok(());
    }
    // Now 0 < first < second, the RFC's precondition. Step 1 (an empty path fails) is part of
    // the length check: every such pair has a path of at least one hash.
    let expected = consistency_path_len(first, second).ok_or(VerifyError::FirstIsZero)?;
    let actual = consistency_path.len();
    check_len(expected, actual)?;
    // Step 2: when first is a power of two the old tree is itself a complete subtree of the new
    // one, and the path omits it; "prepending first_hash" is taking it as the starting value
    // instead of the path's first element (no copy of the path needed).
    let (seed, rest) = if first.is_power_of_two() {
        (*first_root, consistency_path)
    } else {
        match consistency_path.split_first() {
            Some((seed, rest)) => (*seed, rest),
            None => return Err(VerifyError::PathTooShort { expected, actual }),
        }
    };
    // Step 3. 0 < first < second, so neither subtraction underflows.
    let mut f_n = first - 1;
    let mut s_n = second - 1;
    // Step 4. f_n < u64::MAX has a zero bit, so this ends.
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    // Step 5.
    let mut fr = seed;
    let mut sr = seed;
    // Step 6.
    for c in rest {
        // 6.a. Cannot trigger after the length check; kept so the loop is the RFC's verbatim.
        if s_n == 0 {
            return Err(VerifyError::PathTooLong { expected, actual });
        }
        // 6.b.
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                skip_to_set_lsb(&mut f_n, &mut s_n);
            }
        } else {
            sr = node_hash(&sr, c);
        }
        // 6.c.
        f_n >>= 1;
        s_n >>= 1;
    }
    // Step 7.
    if s_n != 0 {
        return Err(VerifyError::PathTooShort { expected, actual });
    }
    if fr != *first_root {
        return Err(VerifyError::FirstRootMismatch);
    }
    if sr != *second_root {
        return Err(VerifyError::SecondRootMismatch);
    }
    Ok(())
}
