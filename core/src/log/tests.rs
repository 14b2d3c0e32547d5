//! Tests of the ledger log: against a literal RFC 9162 reference, against the independent
//! `ct-merkle` crate, at extreme sizes, and with proptest for proofs, tampering and never
//! panicking.
//!
//! SM3 is slow in a debug build (~10 µs a hash), so the reference memoises and the proptests
//! share one 2001-leaf log whose historic sizes serve as the random trees.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::LazyLock;

use proptest::prelude::*;

use super::*;
use crate::hash::Hash;

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// Entry `i` of every test log; lengths vary so leaf hashing sees more than one block size.
fn entry(i: u64) -> Vec<u8> {
    format!("gongxin test entry #{i} {}", "x".repeat((i % 70) as usize)).into_bytes()
}

/// Largest tree size the proptests draw; the shared log has one more leaf so `size + 1` exists.
const BIG: u64 = 2000;

/// One log of `BIG + 1` entries: every historic size of it is a test tree, which is also how
/// the node serves proofs.
struct Fixture {
    leaves: Vec<Hash>,
    log: MemoryLog,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let leaves: Vec<Hash> = (0..=BIG).map(|i| leaf_hash(&entry(i))).collect();
    let mut log = MemoryLog::new();
    for leaf in &leaves {
        log.push_leaf_hash(*leaf);
    }
    Fixture { leaves, log }
});

fn leaf_at(i: u64) -> Hash {
    FIXTURE.leaves[i as usize]
}

fn flipped(hash: &Hash, bit: usize) -> Hash {
    let mut bytes = hash.0;
    bytes[(bit / 8) % 32] ^= 1 << (bit % 8);
    Hash(bytes)
}

/// A consistent tree of up to `u64::MAX` identical leaves that stores nothing: every node of a
/// level has the same hash. Lets proofs be generated and verified at the extreme sizes.
struct UniformTree {
    by_level: Vec<Hash>,
}

impl UniformTree {
    fn new() -> Self {
        let mut by_level = vec![leaf_hash(b"uniform")];
        for level in 1..64 {
            let below = by_level[level - 1];
            by_level.push(node_hash(&below, &below));
        }
        UniformTree { by_level }
    }
}

impl NodeSource for UniformTree {
    type Error = Infallible;

    fn node(&self, id: NodeId) -> Result<Hash, Infallible> {
        Ok(self.by_level[usize::from(id.level)])
    }
}

// ---------------------------------------------------------------------------------------------
// The reference: RFC 9162 §2.1.1–2.1.4 as written, over a list of entries
// ---------------------------------------------------------------------------------------------

/// The RFC's recursive definitions, transcribed with ranges `[lo, hi)` of the entry list in
/// place of `D[lo:hi]`. Hashes are built from explicit byte concatenations, independent of
/// `leaf_hash`/`node_hash`. MTH is memoised per range (debug-build speed); nothing else is.
struct Reference {
    entries: Vec<Vec<u8>>,
    memo: RefCell<HashMap<(usize, usize), Hash>>,
}

impl Reference {
    fn new(n: u64) -> Self {
        Reference {
            entries: (0..n).map(entry).collect(),
            memo: RefCell::new(HashMap::new()),
        }
    }

    /// "k is the largest power of two smaller than n (i.e., k < n <= 2k)".
    fn k(n: usize) -> usize {
        let mut k = 1;
        while 2 * k < n {
            k *= 2;
        }
        k
    }

    /// §2.1.1 MTH(D[lo:hi]).
    fn mth(&self, lo: usize, hi: usize) -> Hash {
        if let Some(hash) = self.memo.borrow().get(&(lo, hi)) {
            return *hash;
        }
        let n = hi - lo;
        let hash = match n {
            0 => Hash::digest(b""),
            1 => Hash::digest(&[&[0u8][..], &self.entries[lo]].concat()),
            _ => {
                let k = Self::k(n);
                let left = self.mth(lo, lo + k);
                let right = self.mth(lo + k, hi);
                Hash::digest(&[&[1u8][..], &left.0, &right.0].concat())
            }
        };
        self.memo.borrow_mut().insert((lo, hi), hash);
        hash
    }

    /// §2.1.3.1 PATH(m, D[lo:hi]), `m` relative to `lo`.
    fn path(&self, m: usize, lo: usize, hi: usize) -> Vec<Hash> {
        let n = hi - lo;
        if n == 1 {
            return Vec::new();
        }
        let k = Self::k(n);
        if m < k {
            let mut path = self.path(m, lo, lo + k);
            path.push(self.mth(lo + k, hi));
            path
        } else {
            let mut path = self.path(m - k, lo + k, hi);
            path.push(self.mth(lo, lo + k));
            path
        }
    }

    /// §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
    fn proof(&self, m: usize, n: usize) -> Vec<Hash> {
        self.subproof(m, 0, n, true)
    }

    /// §2.1.4.1 SUBPROOF(m, D[lo:hi], b), `m` relative to `lo`.
    fn subproof(&self, m: usize, lo: usize, hi: usize, b: bool) -> Vec<Hash> {
        let n = hi - lo;
        if m == n {
            return if b {
                Vec::new()
            } else {
                vec![self.mth(lo, hi)]
            };
        }
        let k = Self::k(n);
        if m <= k {
            let mut proof = self.subproof(m, lo, lo + k, b);
            proof.push(self.mth(lo + k, hi));
            proof
        } else {
            let mut proof = self.subproof(m - k, lo + k, hi, false);
            proof.push(self.mth(lo, lo + k));
            proof
        }
    }
}

/// The RFC split point for `u64` sizes, by doubling (independent of `split_point`).
fn ref_k(n: u64) -> u64 {
    let mut k = 1u64;
    while k.checked_mul(2).is_some_and(|double| double < n) {
        k *= 2;
    }
    k
}

/// The root an inclusion path leads to, evaluated by the §2.1.3.1 PATH recursion (not the
/// §2.1.3.2 bit loop): the path's last hash is the top-level sibling. `None` when the path does
/// not have the shape of a PATH(m, D[n]).
fn ref_inclusion_root(m: u64, n: u64, leaf: Hash, path: &[Hash]) -> Option<Hash> {
    if m >= n {
        return None;
    }
    if n == 1 {
        return path.is_empty().then_some(leaf);
    }
    let (sibling, rest) = path.split_last()?;
    let k = ref_k(n);
    if m < k {
        let left = ref_inclusion_root(m, k, leaf, rest)?;
        Some(Hash::digest(&[&[1u8][..], &left.0, &sibling.0].concat()))
    } else {
        let right = ref_inclusion_root(m - k, n - k, leaf, rest)?;
        Some(Hash::digest(&[&[1u8][..], &sibling.0, &right.0].concat()))
    }
}

/// The (old, new) roots a consistency path yields, evaluated by the §2.1.4.1 SUBPROOF
/// recursion; `first_root` stands in for the omitted MTH(D[0:m]) where b is true.
fn ref_consistency_roots(
    m: u64,
    n: u64,
    b: bool,
    first_root: Hash,
    path: &[Hash],
) -> Option<(Hash, Hash)> {
    if m == n {
        return if b {
            path.is_empty().then_some((first_root, first_root))
        } else {
            match path {
                [only] => Some((*only, *only)),
                _ => None,
            }
        };
    }
    let (sibling, rest) = path.split_last()?;
    let k = ref_k(n);
    let parent = |l: &Hash, r: &Hash| Hash::digest(&[&[1u8][..], &l.0, &r.0].concat());
    if m <= k {
        let (old, new) = ref_consistency_roots(m, k, b, first_root, rest)?;
        Some((old, parent(&new, sibling)))
    } else {
        let (old, new) = ref_consistency_roots(m - k, n - k, false, first_root, rest)?;
        Some((parent(sibling, &old), parent(sibling, &new)))
    }
}

/// Whether the reference accepts an inclusion claim.
fn ref_accepts_inclusion(leaf: &Hash, m: u64, n: u64, path: &[Hash], root: &Hash) -> bool {
    ref_inclusion_root(m, n, *leaf, path) == Some(*root)
}

/// Whether the reference accepts a consistency claim (same conventions as ours for m == n,
/// m == 0).
fn ref_accepts_consistency(m: u64, n: u64, r1: &Hash, r2: &Hash, path: &[Hash]) -> bool {
    0 < m && m <= n && ref_consistency_roots(m, n, true, *r1, path) == Some((*r1, *r2))
}

// ---------------------------------------------------------------------------------------------
// Known answers and structure
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_root_is_sm3_of_the_empty_string() {
    assert_eq!(
        empty_root().to_hex(),
        "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
    );
    assert_eq!(Frontier::new().root(), empty_root());
    assert_eq!(MemoryLog::new().root(), empty_root());
    assert_eq!(root_at(&MemoryLog::new(), 0), Ok(empty_root()));
}

#[test]
fn hash_prefixes_are_applied() {
    let e = b"entry";
    let mut prefixed = vec![0x00];
    prefixed.extend_from_slice(e);
    assert_eq!(leaf_hash(e), Hash::digest(&prefixed));
    assert_ne!(leaf_hash(e), Hash::digest(e));

    let (l, r) = (Hash::digest(b"l"), Hash::digest(b"r"));
    let mut node = vec![0x01];
    node.extend_from_slice(&l.0);
    node.extend_from_slice(&r.0);
    assert_eq!(node_hash(&l, &r), Hash::digest(&node));
    assert_ne!(node_hash(&l, &r), node_hash(&r, &l));
    // Domain separation: a 64-byte entry equal to left ‖ right is not the node.
    assert_ne!(leaf_hash(&node[1..]), node_hash(&l, &r));
}

#[test]
fn small_trees_have_the_rfc_shape() {
    let l: Vec<Hash> = (0..5).map(|i| leaf_hash(&entry(i))).collect();
    let mut log = MemoryLog::new();
    let mut roots = vec![];
    for i in 0..5 {
        assert_eq!(log.append(&entry(i)), i);
        roots.push(log.root());
    }
    assert_eq!(roots[0], l[0], "a 1-leaf tree's root is its leaf hash");
    assert_eq!(roots[1], node_hash(&l[0], &l[1]));
    assert_eq!(roots[2], node_hash(&node_hash(&l[0], &l[1]), &l[2]));
    let four = node_hash(&node_hash(&l[0], &l[1]), &node_hash(&l[2], &l[3]));
    assert_eq!(roots[3], four);
    assert_eq!(roots[4], node_hash(&four, &l[4]));
    assert_eq!(
        inclusion_proof(&log, 2, 5),
        Ok(vec![l[3], node_hash(&l[0], &l[1]), l[4]])
    );
    assert_eq!(
        consistency_proof(&log, 3, 5),
        Ok(vec![l[2], l[3], node_hash(&l[0], &l[1]), l[4]])
    );
    assert_eq!(consistency_proof(&log, 4, 5), Ok(vec![l[4]]));
}

#[test]
fn node_id_leaf_range() {
    assert_eq!(NodeId::leaf(7).leaf_range(), Some(7..8));
    assert_eq!(NodeId { level: 3, index: 2 }.leaf_range(), Some(16..24));
    assert_eq!(
        NodeId {
            level: 63,
            index: 0
        }
        .leaf_range(),
        Some(0..1 << 63)
    );
    assert_eq!(
        NodeId {
            level: 63,
            index: 1
        }
        .leaf_range(),
        None
    );
    assert_eq!(
        NodeId {
            level: 64,
            index: 0
        }
        .leaf_range(),
        None
    );
    assert_eq!(NodeId::leaf(u64::MAX).leaf_range(), None);
}

// ---------------------------------------------------------------------------------------------
// Frontier and MemoryLog
// ---------------------------------------------------------------------------------------------

#[test]
fn frontier_push_reports_exactly_the_complete_nodes() {
    let mut frontier = Frontier::new();
    let mut log = MemoryLog::new();
    let mut reported = BTreeMap::new();
    for i in 0..300u64 {
        let leaf = leaf_at(i);
        let created = frontier.push(leaf).expect("far from full");
        log.push_leaf_hash(leaf);
        assert_eq!(created[0], (NodeId::leaf(i), leaf), "the leaf comes first");
        for (step, (id, hash)) in created.iter().enumerate() {
            assert_eq!(usize::from(id.level), step, "one node per level, bottom up");
            assert_eq!(
                id.leaf_range().map(|r| r.end),
                Some(i + 1),
                "ends at the new leaf"
            );
            assert_eq!(log.node(*id), Ok(*hash));
            assert!(reported.insert(*id, *hash).is_none(), "reported once");
        }
        assert_eq!(frontier.size(), i + 1);
        assert_eq!(frontier.root(), log.root());
    }
    // Every complete node of the 300-leaf tree was reported: floor(300 / 2^l) per level.
    let complete: u64 = (0..9).map(|level| 300u64 >> level).sum();
    assert_eq!(reported.len() as u64, complete);
}

#[test]
fn frontier_from_source_matches_pushes_at_every_size() {
    let fixture = &*FIXTURE;
    let mut pushed = Frontier::new();
    for size in 0..=BIG + 1 {
        let rebuilt = Frontier::from_source(&fixture.log, size).expect("size within the log");
        assert_eq!(rebuilt, pushed, "size {size}");
        assert_eq!(rebuilt.subtrees().count() as u32, size.count_ones());
        if size % 97 == 0 || size.is_power_of_two() {
            assert_eq!(rebuilt.root(), root_at(&fixture.log, size).unwrap());
        }
        if size <= BIG {
            pushed.push(leaf_at(size)).unwrap();
        }
    }
    assert_eq!(pushed.root(), fixture.log.root());
    assert!(Frontier::from_source(&fixture.log, BIG + 2).is_err());
}

#[test]
fn frontier_at_the_extreme_sizes() {
    let uniform = UniformTree::new();
    let full = Frontier::from_source(&uniform, u64::MAX).unwrap();
    assert_eq!(full.subtrees().count(), 64);
    assert_eq!(full.root(), root_at(&uniform, u64::MAX).unwrap());
    let mut still_full = full.clone();
    assert_eq!(still_full.push(uniform.by_level[0]), Err(LogFull));
    assert_eq!(still_full, full, "a failed push changes nothing");

    let mut almost = Frontier::from_source(&uniform, u64::MAX - 1).unwrap();
    let created = almost.push(uniform.by_level[0]).unwrap();
    assert_eq!(
        created,
        vec![(NodeId::leaf(u64::MAX - 1), uniform.by_level[0])]
    );
    assert_eq!(almost, full);

    // 2^63 - 1 leaves: the next leaf completes one subtree at every level up to 63.
    let mut carry = Frontier::from_source(&uniform, (1 << 63) - 1).unwrap();
    let created = carry.push(uniform.by_level[0]).unwrap();
    assert_eq!(created.len(), 64);
    assert_eq!(
        created[63],
        (
            NodeId {
                level: 63,
                index: 0
            },
            uniform.by_level[63]
        )
    );
    assert_eq!(carry.root(), uniform.by_level[63]);
}

// ---------------------------------------------------------------------------------------------
// Equality with the reference for every small tree
// ---------------------------------------------------------------------------------------------

const SMALL: u64 = 70;

#[test]
fn roots_match_the_reference_up_to_70() {
    let reference = Reference::new(SMALL);
    let mut historic = MemoryLog::new();
    for i in 0..SMALL {
        historic.append(&entry(i));
    }
    let mut frontier = Frontier::new();
    for n in 0..=SMALL {
        let want = reference.mth(0, n as usize);
        let mut fresh = MemoryLog::new();
        for i in 0..n {
            fresh.append(&entry(i));
        }
        assert_eq!(fresh.root(), want, "MemoryLog root, size {n}");
        assert_eq!(frontier.root(), want, "Frontier root, size {n}");
        assert_eq!(historic.root_at(n), Ok(want), "historic root, size {n}");
        assert_eq!(root_at(&historic, n), Ok(want));
        if n < SMALL {
            frontier.push(leaf_hash(&entry(n))).unwrap();
        }
    }
}

#[test]
fn subtree_roots_match_the_reference_for_every_recursion_range() {
    let reference = Reference::new(SMALL);
    let log = &FIXTURE.log;
    for start in 0..=SMALL {
        for end in start..=SMALL {
            let len = end - start;
            let in_recursion = start.is_multiple_of(len.next_power_of_two());
            let got = subtree_root(log, start, end);
            if in_recursion {
                assert_eq!(
                    got,
                    Ok(reference.mth(start as usize, end as usize)),
                    "[{start}, {end})"
                );
            } else {
                assert_eq!(got, Err(ProofError::UnalignedRange { start, end }));
            }
        }
    }
    assert_eq!(
        subtree_root(log, 5, 4),
        Err(ProofError::UnalignedRange { start: 5, end: 4 })
    );
    assert_eq!(
        subtree_root(log, 1, u64::MAX),
        Err(ProofError::UnalignedRange {
            start: 1,
            end: u64::MAX
        })
    );
}

#[test]
fn inclusion_paths_match_the_reference_up_to_70() {
    let reference = Reference::new(SMALL);
    let log = &FIXTURE.log;
    for n in 1..=SMALL {
        let root = reference.mth(0, n as usize);
        for m in 0..n {
            let want = reference.path(m as usize, 0, n as usize);
            let got = inclusion_proof(log, m, n).unwrap();
            assert_eq!(got, want, "PATH({m}, D[{n}])");
            assert_eq!(inclusion_path_len(m, n), Some(want.len()));
            assert_eq!(verify_inclusion(&leaf_at(m), m, n, &got, &root), Ok(()));
        }
        assert_eq!(
            inclusion_proof(log, n, n),
            Err(ProofError::LeafIndexOutOfRange {
                leaf_index: n,
                tree_size: n
            })
        );
    }
}

#[test]
fn consistency_paths_match_the_reference_up_to_70() {
    let reference = Reference::new(SMALL);
    let log = &FIXTURE.log;
    for n in 1..=SMALL {
        let second_root = reference.mth(0, n as usize);
        for m in 1..=n {
            let want = reference.proof(m as usize, n as usize);
            let got = consistency_proof(log, m, n).unwrap();
            assert_eq!(got, want, "PROOF({m}, D[{n}])");
            assert_eq!(consistency_path_len(m, n), Some(want.len()));
            let first_root = reference.mth(0, m as usize);
            assert_eq!(
                verify_consistency(m, n, &first_root, &second_root, &got),
                Ok(())
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cross-check with ct-merkle
// ---------------------------------------------------------------------------------------------

/// `ct-merkle` 0.3 is an independent RFC 6962 implementation (same tree as RFC 9162 §2.1).
/// Its `HashableLeaf` impl for byte containers feeds the raw bytes after the 0x00 prefix, so a
/// `MemoryBackedTree<Sm3, Vec<u8>>` of our entries computes exactly our leaf hashes, and the
/// comparison is meaningful at the level of entries, roots and proof bytes. Its proofs are the
/// concatenated path hashes, in the RFC order.
#[test]
fn ct_merkle_agrees_on_roots_and_proofs() {
    use ct_merkle::mem_backed_tree::MemoryBackedTree;
    use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
    use sm3::Sm3;

    fn bytes(path: &[Hash]) -> Vec<u8> {
        path.iter().flat_map(|hash| hash.0).collect()
    }

    for n in [1u64, 2, 3, 4, 5, 6, 7, 8, 9, 13, 31, 32, 33, 64, 100] {
        let mut theirs = MemoryBackedTree::<Sm3, Vec<u8>>::new();
        let mut ours = MemoryLog::new();
        let mut their_roots = vec![];
        for i in 0..n {
            theirs.push(entry(i));
            ours.append(&entry(i));
            their_roots.push(theirs.root());
        }
        let their_root = theirs.root();
        assert_eq!(
            their_root.as_bytes().as_slice(),
            &ours.root().0[..],
            "root, size {n}"
        );

        for i in 0..n {
            let path = inclusion_proof(&ours, i, n).unwrap();
            assert_eq!(
                theirs.prove_inclusion(i as usize).as_bytes(),
                &bytes(&path)[..]
            );
            let proof = InclusionProof::<Sm3>::try_from_bytes(bytes(&path)).unwrap();
            their_root.verify_inclusion(&entry(i), i, &proof).unwrap();
        }
        for m in 1..=n {
            let path = consistency_proof(&ours, m, n).unwrap();
            let additions = (n - m) as usize;
            assert_eq!(
                theirs.prove_consistency(additions).as_bytes(),
                &bytes(&path)[..]
            );
            let old_root = &their_roots[(m - 1) as usize];
            assert_eq!(
                old_root.as_bytes().as_slice(),
                &ours.root_at(m).unwrap().0[..]
            );
            let old = RootHash::<Sm3>::new(*old_root.as_bytes(), m);
            let proof = ConsistencyProof::<Sm3>::try_from_bytes(bytes(&path)).unwrap();
            their_root.verify_consistency(&old, &proof).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and edge cases
// ---------------------------------------------------------------------------------------------

#[test]
fn proof_generation_rejects_undefined_requests() {
    let log = &FIXTURE.log;
    assert_eq!(
        inclusion_proof(log, 0, 0),
        Err(ProofError::LeafIndexOutOfRange {
            leaf_index: 0,
            tree_size: 0
        })
    );
    assert_eq!(
        inclusion_proof(log, u64::MAX, 3),
        Err(ProofError::LeafIndexOutOfRange {
            leaf_index: u64::MAX,
            tree_size: 3
        })
    );
    assert_eq!(
        consistency_proof(log, 4, 3),
        Err(ProofError::FirstExceedsSecond {
            first: 4,
            second: 3
        })
    );
    assert_eq!(consistency_proof(log, 0, 3), Err(ProofError::FirstIsZero));
    assert_eq!(consistency_proof(log, 0, 0), Err(ProofError::FirstIsZero));
    assert_eq!(consistency_proof(log, 7, 7), Ok(vec![]));
    // Beyond the log: the source reports the first node it lacks.
    let beyond = log.size() + 1;
    assert!(matches!(
        inclusion_proof(log, 0, beyond),
        Err(ProofError::Source(MissingNode(_)))
    ));
    assert!(matches!(
        consistency_proof(log, 1, beyond),
        Err(ProofError::Source(_))
    ));
    assert!(matches!(root_at(log, beyond), Err(MissingNode(_))));
    assert!(log.root_at(u64::MAX).is_err());
}

#[test]
fn verification_errors_are_precise() {
    let log = &FIXTURE.log;
    let (i, n) = (5, 11);
    let leaf = leaf_at(i);
    let root = root_at(log, n).unwrap();
    let path = inclusion_proof(log, i, n).unwrap();
    assert_eq!(path.len(), 4);

    let out_of_range = |leaf_index, tree_size| VerifyError::IndexOutOfRange {
        leaf_index,
        tree_size,
    };
    assert_eq!(
        verify_inclusion(&leaf, n, n, &path, &root),
        Err(out_of_range(n, n))
    );
    assert_eq!(
        verify_inclusion(&leaf, 0, 0, &[], &empty_root()),
        Err(out_of_range(0, 0))
    );
    assert_eq!(
        verify_inclusion(&leaf, i, n, &path[..3], &root),
        Err(VerifyError::PathTooShort {
            expected: 4,
            actual: 3
        })
    );
    // A huge path is refused by its length alone, before any hashing.
    let huge = vec![root; 100_000];
    assert_eq!(
        verify_inclusion(&leaf, i, n, &huge, &root),
        Err(VerifyError::PathTooLong {
            expected: 4,
            actual: 100_000
        })
    );
    assert_eq!(
        verify_inclusion(&leaf, i, n, &path, &flipped(&root, 0)),
        Err(VerifyError::RootMismatch)
    );
    assert_eq!(
        verify_inclusion(&leaf_at(0), 0, 1, &[], &leaf_at(0)),
        Ok(())
    );

    let (m, n) = (6, 11);
    let r1 = root_at(log, m).unwrap();
    let r2 = root_at(log, n).unwrap();
    let path = consistency_proof(log, m, n).unwrap();
    assert_eq!(verify_consistency(m, n, &r1, &r2, &path), Ok(()));
    assert_eq!(
        verify_consistency(n, m, &r2, &r1, &path),
        Err(VerifyError::FirstExceedsSecond {
            first: n,
            second: m
        })
    );
    assert_eq!(
        verify_consistency(0, n, &empty_root(), &r2, &[]),
        Err(VerifyError::FirstIsZero)
    );
    assert_eq!(
        verify_consistency(0, 0, &empty_root(), &empty_root(), &[]),
        Err(VerifyError::FirstIsZero)
    );
    assert_eq!(
        verify_consistency(m, n, &r1, &r2, &[]),
        Err(VerifyError::PathTooShort {
            expected: path.len(),
            actual: 0
        })
    );
    assert_eq!(
        verify_consistency(m, n, &r1, &r2, &huge),
        Err(VerifyError::PathTooLong {
            expected: path.len(),
            actual: 100_000
        })
    );
    assert_eq!(
        verify_consistency(m, n, &flipped(&r1, 9), &r2, &path),
        Err(VerifyError::FirstRootMismatch)
    );
    assert_eq!(
        verify_consistency(m, n, &r1, &flipped(&r2, 9), &path),
        Err(VerifyError::SecondRootMismatch)
    );
    // When first is a power of two its root is the starting value, so tampering with it shows
    // up in the second root.
    let r4 = root_at(log, 4).unwrap();
    let path4 = consistency_proof(log, 4, n).unwrap();
    assert_eq!(
        verify_consistency(4, n, &flipped(&r4, 1), &r2, &path4),
        Err(VerifyError::SecondRootMismatch)
    );
}

/// Not in RFC 9162 (which needs first < second): equal sizes need an empty path and equal
/// roots.
#[test]
fn same_size_consistency() {
    let log = &FIXTURE.log;
    let r = root_at(log, 9).unwrap();
    let other = root_at(log, 8).unwrap();
    assert_eq!(consistency_proof(log, 9, 9), Ok(vec![]));
    assert_eq!(verify_consistency(9, 9, &r, &r, &[]), Ok(()));
    assert_eq!(
        verify_consistency(9, 9, &r, &other, &[]),
        Err(VerifyError::SameSizeDifferentRoots { size: 9 })
    );
    assert_eq!(
        verify_consistency(9, 9, &r, &r, &[r]),
        Err(VerifyError::PathTooLong {
            expected: 0,
            actual: 1
        })
    );
}

/// The path-length bounds are reached, and proofs at sizes near 2^64 generate and verify.
#[test]
fn proofs_at_the_extreme_sizes() {
    let uniform = UniformTree::new();
    let leaf = uniform.by_level[0];
    let half = 1u64 << 63;
    for (i, n, len) in [
        (0, half + 1, INCLUSION_PATH_HASHES_MAX),
        (half, half + 1, 1),
        (0, u64::MAX, 64),
        (u64::MAX - 1, u64::MAX, 63),
        (half - 1, half, 63),
    ] {
        let path = inclusion_proof(&uniform, i, n).unwrap();
        assert_eq!(path.len(), len, "PATH({i}, D[{n}])");
        assert_eq!(inclusion_path_len(i, n), Some(len));
        let root = root_at(&uniform, n).unwrap();
        assert_eq!(verify_inclusion(&leaf, i, n, &path, &root), Ok(()));
        assert!(ref_accepts_inclusion(&leaf, i, n, &path, &root));
    }
    for (m, n, len) in [
        (3, half + 1, CONSISTENCY_PATH_HASHES_MAX),
        (1, u64::MAX, 64),
        (u64::MAX - 1, u64::MAX, 64),
        (half, u64::MAX, 1),
        (half, half + 1, 1),
        (half - 1, half, 64),
    ] {
        let path = consistency_proof(&uniform, m, n).unwrap();
        assert_eq!(path.len(), len, "PROOF({m}, D[{n}])");
        assert_eq!(consistency_path_len(m, n), Some(len));
        let r1 = root_at(&uniform, m).unwrap();
        let r2 = root_at(&uniform, n).unwrap();
        assert_eq!(verify_consistency(m, n, &r1, &r2, &path), Ok(()));
        assert!(ref_accepts_consistency(m, n, &r1, &r2, &path));
    }
}

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

/// Moderate case counts keep the module's debug-build tests within a few seconds; no
/// regression files are written into the source tree.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// u64s biased to where arithmetic breaks: small, near the top, around powers of two.
fn edgy_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        0u64..=130,
        (u64::MAX - 130)..=u64::MAX,
        (0u32..64, -2i64..=2).prop_map(|(shift, delta)| (1u64 << shift).wrapping_add_signed(delta)),
    ]
}

fn any_hash() -> impl Strategy<Value = Hash> {
    any::<[u8; 32]>().prop_map(Hash)
}

/// Checks `verify_inclusion` against the recursive reference on one (possibly tampered) claim
/// and returns whether it accepted.
fn inclusion_agrees(
    leaf: &Hash,
    m: u64,
    n: u64,
    path: &[Hash],
    root: &Hash,
) -> Result<bool, TestCaseError> {
    let ours = verify_inclusion(leaf, m, n, path, root).is_ok();
    prop_assert_eq!(
        ours,
        ref_accepts_inclusion(leaf, m, n, path, root),
        "m {} n {}",
        m,
        n
    );
    Ok(ours)
}

fn consistency_agrees(
    m: u64,
    n: u64,
    r1: &Hash,
    r2: &Hash,
    path: &[Hash],
) -> Result<bool, TestCaseError> {
    let ours = verify_consistency(m, n, r1, r2, path).is_ok();
    prop_assert_eq!(
        ours,
        ref_accepts_consistency(m, n, r1, r2, path),
        "m {} n {}",
        m,
        n
    );
    Ok(ours)
}

proptest! {
    #![proptest_config(config(128))]

    /// Every inclusion proof verifies; every tampering is rejected; and on every tampered
    /// claim the verifier agrees with the recursive reference.
    #[test]
    fn inclusion_proofs_verify_and_tampering_is_rejected(
        n in 1..=BIG,
        index_seed in any::<u64>(),
        bit in 0usize..256,
        junk in any_hash(),
    ) {
        let log = &FIXTURE.log;
        let i = index_seed % n;
        let leaf = leaf_at(i);
        let root = root_at(log, n).unwrap();
        let path = inclusion_proof(log, i, n).unwrap();
        prop_assert_eq!(Some(path.len()), inclusion_path_len(i, n));
        prop_assert_eq!(verify_inclusion(&leaf, i, n, &path, &root), Ok(()));
        prop_assert!(inclusion_agrees(&leaf, i, n, &path, &root)?);

        for j in 0..path.len() {
            let mut bad = path.clone();
            bad[j] = flipped(&bad[j], bit);
            prop_assert_eq!(verify_inclusion(&leaf, i, n, &bad, &root), Err(VerifyError::RootMismatch));
        }
        prop_assert_eq!(verify_inclusion(&leaf, i, n, &path, &flipped(&root, bit)), Err(VerifyError::RootMismatch));
        prop_assert_eq!(verify_inclusion(&flipped(&leaf, bit), i, n, &path, &root), Err(VerifyError::RootMismatch));

        let expected = path.len();
        let too_long = Err(VerifyError::PathTooLong { expected, actual: expected + 1 });
        let mut extra_last = path.clone();
        extra_last.push(junk);
        prop_assert_eq!(verify_inclusion(&leaf, i, n, &extra_last, &root), too_long);
        let mut extra_first = path.clone();
        extra_first.insert(0, junk);
        prop_assert_eq!(verify_inclusion(&leaf, i, n, &extra_first, &root), too_long);
        if !path.is_empty() {
            let too_short = Err(VerifyError::PathTooShort { expected, actual: expected - 1 });
            prop_assert_eq!(verify_inclusion(&leaf, i, n, &path[1..], &root), too_short);
            prop_assert_eq!(verify_inclusion(&leaf, i, n, &path[..expected - 1], &root), too_short);
        }

        // Another leaf position in the same tree always changes the path's shape.
        for other in [i.wrapping_sub(1), i + 1, index_seed % (n + 1)] {
            if other < n && other != i {
                prop_assert!(verify_inclusion(&leaf, other, n, &path, &root).is_err());
                prop_assert!(!inclusion_agrees(&leaf, other, n, &path, &root)?);
            }
        }
        // A neighbouring tree size: always rejected against that size's own root (what its
        // checkpoint carries). Against this tree's root, RFC 9162 accepts exactly when the path
        // has the same shape in both sizes — the path does not bind the size, the signed
        // checkpoint does — so there we require agreement with the reference.
        for other in [n - 1, n + 1] {
            if other > i {
                let other_root = root_at(log, other).unwrap();
                prop_assert!(verify_inclusion(&leaf, i, other, &path, &other_root).is_err());
                inclusion_agrees(&leaf, i, other, &path, &root)?;
            }
        }
    }

    /// Every consistency proof verifies; every tampering is rejected; and on every tampered
    /// claim the verifier agrees with the recursive reference.
    #[test]
    fn consistency_proofs_verify_and_tampering_is_rejected(
        n in 1..=BIG,
        first_seed in any::<u64>(),
        bit in 0usize..256,
        junk in any_hash(),
    ) {
        let log = &FIXTURE.log;
        let m = 1 + first_seed % n;
        let r1 = root_at(log, m).unwrap();
        let r2 = root_at(log, n).unwrap();
        let path = consistency_proof(log, m, n).unwrap();
        prop_assert_eq!(Some(path.len()), consistency_path_len(m, n));
        prop_assert_eq!(verify_consistency(m, n, &r1, &r2, &path), Ok(()));
        prop_assert!(consistency_agrees(m, n, &r1, &r2, &path)?);

        for j in 0..path.len() {
            let mut bad = path.clone();
            bad[j] = flipped(&bad[j], bit);
            prop_assert!(verify_consistency(m, n, &r1, &r2, &bad).is_err());
            prop_assert!(!consistency_agrees(m, n, &r1, &r2, &bad)?);
        }
        prop_assert!(verify_consistency(m, n, &flipped(&r1, bit), &r2, &path).is_err());
        prop_assert!(verify_consistency(m, n, &r1, &flipped(&r2, bit), &path).is_err());

        let expected = path.len();
        let too_long = Err(VerifyError::PathTooLong { expected, actual: expected + 1 });
        let mut extra_last = path.clone();
        extra_last.push(junk);
        prop_assert_eq!(verify_consistency(m, n, &r1, &r2, &extra_last), too_long);
        let mut extra_first = path.clone();
        extra_first.insert(0, junk);
        prop_assert_eq!(verify_consistency(m, n, &r1, &r2, &extra_first), too_long);
        if !path.is_empty() {
            let too_short = Err(VerifyError::PathTooShort { expected, actual: expected - 1 });
            prop_assert_eq!(verify_consistency(m, n, &r1, &r2, &path[1..]), too_short);
            prop_assert_eq!(verify_consistency(m, n, &r1, &r2, &path[..expected - 1]), too_short);
        }

        // Neighbouring sizes: rejected against their own roots; against these roots, agreement
        // with the reference (see the inclusion test).
        for (m2, n2) in [(m - 1, n), (m + 1, n), (m, n - 1), (m, n + 1)] {
            if 0 < m2 && m2 <= n2 {
                let (r1b, r2b) = (root_at(log, m2).unwrap(), root_at(log, n2).unwrap());
                prop_assert!(verify_consistency(m2, n2, &r1b, &r2b, &path).is_err(), "{} {}", m2, n2);
                consistency_agrees(m2, n2, &r1, &r2, &path)?;
            }
        }
    }

    /// Rebuilding from storage gives the frontier that pushes built, and historic roots equal
    /// fresh logs of the same prefix.
    #[test]
    fn frontier_from_source_and_root_at_match_fresh_logs(m in 0..=BIG + 1) {
        let log = &FIXTURE.log;
        let mut frontier = Frontier::new();
        let mut fresh = MemoryLog::new();
        for i in 0..m {
            frontier.push(leaf_at(i)).unwrap();
            fresh.push_leaf_hash(leaf_at(i));
        }
        let rebuilt = Frontier::from_source(log, m).unwrap();
        prop_assert_eq!(&rebuilt, &frontier);
        prop_assert_eq!(rebuilt.root(), fresh.root());
        prop_assert_eq!(root_at(log, m), Ok(fresh.root()));
        prop_assert_eq!(log.root_at(m), Ok(frontier.root()));
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Arbitrary sizes, indices and paths: the verifiers return, never panic, and agree with the
    /// recursive reference.
    #[test]
    fn verifiers_never_panic(
        a in edgy_u64(),
        b in edgy_u64(),
        leaf in any_hash(),
        root in any_hash(),
        path in prop::collection::vec(any_hash(), 0..=70),
    ) {
        inclusion_agrees(&leaf, a, b, &path, &root)?;
        consistency_agrees(a, b, &leaf, &root, &path)?;
        consistency_agrees(a, b, &root, &root, &[])?;
        if let Some(len) = inclusion_path_len(a, b) {
            prop_assert!(len <= INCLUSION_PATH_HASHES_MAX);
        }
        if let Some(len) = consistency_path_len(a, b) {
            prop_assert!(len <= CONSISTENCY_PATH_HASHES_MAX);
        }
    }

    /// Arbitrary requests against a real log: an error or a proof, never a panic; and within
    /// the log, always a proof that verifies.
    #[test]
    fn generators_never_panic(a in edgy_u64(), b in edgy_u64()) {
        let log = &FIXTURE.log;
        let size = log.size();
        match inclusion_proof(log, a, b) {
            Err(ProofError::LeafIndexOutOfRange { .. }) => prop_assert!(a >= b),
            Ok(path) if b <= size => {
                prop_assert_eq!(verify_inclusion(&leaf_at(a), a, b, &path, &root_at(log, b).unwrap()), Ok(()));
            }
            // Beyond the log is the caller's check: whatever the source can serve.
            other => prop_assert!(b > size && matches!(other, Ok(_) | Err(ProofError::Source(_)))),
        }
        match consistency_proof(log, a, b) {
            Err(ProofError::FirstExceedsSecond { .. }) => prop_assert!(a > b),
            Err(ProofError::FirstIsZero) => prop_assert_eq!(a, 0),
            Ok(path) if b <= size => {
                let (r1, r2) = (root_at(log, a).unwrap(), root_at(log, b).unwrap());
                prop_assert_eq!(verify_consistency(a, b, &r1, &r2, &path), Ok(()));
            }
            other => prop_assert!(b > size && matches!(other, Ok(_) | Err(ProofError::Source(_)))),
        }
        prop_assert_eq!(root_at(log, a).is_ok(), a <= size);
        prop_assert_eq!(Frontier::from_source(log, a).is_ok(), a <= size);
        match subtree_root(log, a, b) {
            Ok(hash) if a == 0 => prop_assert_eq!(Ok(hash), root_at(log, b)),
            Ok(_) | Err(ProofError::UnalignedRange { .. } | ProofError::Source(_)) => {}
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }
}
