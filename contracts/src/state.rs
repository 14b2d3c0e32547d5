//! The narrow storage interface the rules run against, an in-memory implementation, and the
//! write buffer that gives per-transaction rollback and per-block write sets.
//!
//! The node backs [`State`] with RocksDB; tests and benchmarks use [`MemoryState`]. Both are
//! ordered key-value maps: the rules rely on `scan_prefix` returning keys in ascending byte
//! order, which is what makes the deadline index and every paged query deterministic.
//!
//! A [`StorageError`] means the node cannot trust its database any more. It is never turned into a
//! rejection: whether a storage read fails is a property of one machine, not of the ledger, and
//! turning it into an outcome would make honest nodes disagree. The node must stop instead.

use std::collections::BTreeMap;
use std::ops::Bound;

use gongxin_core::Hash;

/// Why the state could not be read or written. The node must stop on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The backing store failed (I/O error, closed database, …).
    #[error("storage backend failed: {0}")]
    Backend(String),
    /// A stored value does not decode as the record its key says it is.
    #[error("stored value at {key:?} is corrupt: {reason}")]
    Corrupt { key: String, reason: String },
}

/// Key-value pairs in key order, as a prefix scan returns them.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// An ordered key-value store: everything the rules engine needs from storage.
pub trait State {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<(), StorageError>;
    fn delete(&mut self, key: &[u8]) -> Result<(), StorageError>;
    /// Up to `limit` entries whose key starts with `prefix`, in ascending key order, starting
    /// strictly after `start_after` when given.
    fn scan_prefix(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, StorageError>;
}

/// A set of writes: `Some(value)` puts, `None` deletes. Sorted by key, so its canonical encoding
/// (and so [`write_set_digest`]) does not depend on the order the writes were made in.
pub type WriteSet = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// The domain tag in front of a write-set digest, so it can never collide with another SM3 use.
pub const WRITE_SET_DIGEST_DOMAIN: &[u8] = b"gongxin/writeset/v1";

/// SM3 over `"gongxin/writeset/v1" ‖ 0x00 ‖ canonical encoding of the sorted write set`.
///
/// The encoding is the core's canonical one for `Vec<(Vec<u8>, Option<Vec<u8>>)>`: a `u64`
/// big-endian entry count, then per entry the key (`u64` length, bytes) and the value (`0x00`
/// for a delete; `0x01`, `u64` length, bytes for a put). The node chains it into the block
/// header's `state_hash`, so two nodes that executed a block differently disagree at once.
pub fn write_set_digest(writes: &WriteSet) -> Hash {
    let mut bytes = Vec::with_capacity(
        WRITE_SET_DIGEST_DOMAIN.len()
            + 9
            + writes
                .iter()
                .map(|(k, v)| 17 + k.len() + v.as_ref().map_or(0, Vec::len))
                .sum::<usize>(),
    );
    bytes.extend_from_slice(WRITE_SET_DIGEST_DOMAIN);
    bytes.push(0);
    bytes.extend_from_slice(&(writes.len() as u64).to_be_bytes());
    for (key, value) in writes {
        bytes.extend_from_slice(&(key.len() as u64).to_be_bytes());
        bytes.extend_from_slice(key);
        match value {
            None => bytes.push(0),
            Some(value) => {
                bytes.push(1);
                bytes.extend_from_slice(&(value.len() as u64).to_be_bytes());
                bytes.extend_from_slice(value);
            }
        }
    }
    Hash::digest(&bytes)
}

/// The smallest key greater than every key starting with `prefix`, or `None` when no such key
/// exists (the prefix is all `0xff`).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// A range of keys.
type KeyRange<'k> = (Bound<&'k [u8]>, Bound<&'k [u8]>);

/// The key range of `prefix`, starting strictly after `start_after` when that lies inside it;
/// `None` when the range is empty (`start_after` at or past the prefix's end), which
/// `BTreeMap::range` would otherwise panic on.
fn prefix_range<'k>(
    prefix: &'k [u8],
    start_after: Option<&'k [u8]>,
    end: &'k Option<Vec<u8>>,
) -> Option<KeyRange<'k>> {
    if let (Some(after), Some(end)) = (start_after, end)
        && after >= end.as_slice()
    {
        return None;
    }
    let lower = match start_after {
        Some(after) if after >= prefix => Bound::Excluded(after),
        _ => Bound::Included(prefix),
    };
    let upper = match end {
        Some(end) => Bound::Excluded(end.as_slice()),
        None => Bound::Unbounded,
    };
    Some((lower, upper))
}

/// The in-memory state: a `BTreeMap`, for tests, benchmarks and tools.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryState {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemoryState {
    pub fn new() -> MemoryState {
        MemoryState::default()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every entry in key order.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.map.iter().map(|(k, v)| (k.as_slice(), v.as_slice()))
    }

    /// A digest of the whole state (every entry as a put), for comparing two states.
    pub fn digest(&self) -> Hash {
        let all: WriteSet = self
            .map
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        write_set_digest(&all)
    }

    /// Applies a write set.
    pub fn apply_writes(&mut self, writes: WriteSet) {
        for (key, value) in writes {
            match value {
                Some(value) => {
                    self.map.insert(key, value);
                }
                None => {
                    self.map.remove(&key);
                }
            }
        }
    }
}

impl State for MemoryState {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.map.get(key).cloned())
    }

    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<(), StorageError> {
        self.map.insert(key.to_vec(), value.to_vec());
        Ok(())
    }

    fn delete(&mut self, key: &[u8]) -> Result<(), StorageError> {
        self.map.remove(key);
        Ok(())
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, StorageError> {
        let end = prefix_end(prefix);
        let Some(range) = prefix_range(prefix, start_after, &end) else {
            return Ok(Vec::new());
        };
        Ok(self
            .map
            .range::<[u8], _>(range)
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}

/// A write buffer over a base state: reads see the buffered writes first, writes stay in the
/// buffer until [`Overlay::commit`]. Used once per transaction (a rejection discards the buffer,
/// so a rejected transaction changes nothing) and once per block (the node turns the block's
/// final [`WriteSet`] into one atomic database batch).
#[derive(Debug)]
pub struct Overlay<'a, S: State + ?Sized> {
    base: &'a mut S,
    writes: WriteSet,
}

impl<'a, S: State + ?Sized> Overlay<'a, S> {
    pub fn new(base: &'a mut S) -> Overlay<'a, S> {
        Overlay {
            base,
            writes: WriteSet::new(),
        }
    }

    /// The buffered writes so far.
    pub fn writes(&self) -> &WriteSet {
        &self.writes
    }

    /// The state under the buffer, as it was before these writes.
    pub fn base(&self) -> &S {
        self.base
    }

    /// Ends the overlay, returning its writes without applying them.
    pub fn into_writes(self) -> WriteSet {
        self.writes
    }

    /// Applies the buffered writes to the base, in key order.
    pub fn commit(self) -> Result<(), StorageError> {
        let Overlay { base, writes } = self;
        for (key, value) in writes {
            match value {
                Some(value) => base.put(&key, &value)?,
                None => base.delete(&key)?,
            }
        }
        Ok(())
    }

    /// Drops the buffered writes; the base is as it was.
    pub fn discard(self) {}
}

impl<S: State + ?Sized> State for Overlay<'_, S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        match self.writes.get(key) {
            Some(buffered) => Ok(buffered.clone()),
            None => self.base.get(key),
        }
    }

    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<(), StorageError> {
        self.writes.insert(key.to_vec(), Some(value.to_vec()));
        Ok(())
    }

    fn delete(&mut self, key: &[u8]) -> Result<(), StorageError> {
        self.writes.insert(key.to_vec(), None);
        Ok(())
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, StorageError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let end = prefix_end(prefix);
        let Some(range) = prefix_range(prefix, start_after, &end) else {
            return Ok(Vec::new());
        };
        let buffered: Vec<(&Vec<u8>, &Option<Vec<u8>>)> =
            self.writes.range::<[u8], _>(range).collect();
        // Each buffered delete can hide at most one base entry, so asking the base for `limit`
        // plus that many entries always leaves at least `limit` survivors below the last base
        // key returned (or the base is exhausted and nothing beyond it exists).
        let deletes = buffered.iter().filter(|(_, v)| v.is_none()).count();
        let fetch = limit.saturating_add(deletes);
        let base = self.base.scan_prefix(prefix, start_after, fetch)?;
        let base_exhausted = base.len() < fetch;
        let last_base_key = base.last().map(|(k, _)| k.clone());

        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for (key, value) in base {
            if !self.writes.contains_key(&key) {
                merged.insert(key, value);
            }
        }
        for (key, value) in buffered {
            if let Some(value) = value {
                let in_window = base_exhausted || last_base_key.as_ref().is_some_and(|l| key <= l);
                if in_window {
                    merged.insert(key.clone(), value.clone());
                }
            }
        }
        Ok(merged.into_iter().take(limit).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn scan_respects_prefix_start_and_limit() {
        let mut s = MemoryState::new();
        for k in ["a/1", "a/2", "a/3", "b/1", "a0"] {
            s.put(k.as_bytes(), b"v").unwrap();
        }
        let keys = |v: Vec<(Vec<u8>, Vec<u8>)>| -> Vec<String> {
            v.into_iter()
                .map(|(k, _)| String::from_utf8(k).unwrap())
                .collect()
        };
        assert_eq!(
            keys(s.scan_prefix(b"a/", None, 10).unwrap()),
            ["a/1", "a/2", "a/3"]
        );
        assert_eq!(
            keys(s.scan_prefix(b"a/", Some(b"a/1"), 1).unwrap()),
            ["a/2"]
        );
        assert!(s.scan_prefix(b"a/", Some(b"a/3"), 10).unwrap().is_empty());
        assert!(s.scan_prefix(b"a/", Some(b"b"), 10).unwrap().is_empty());
        assert!(s.scan_prefix(b"a/", Some(b"a0"), 10).unwrap().is_empty());
        assert_eq!(keys(s.scan_prefix(b"", None, 2).unwrap()), ["a/1", "a/2"]);
        assert_eq!(prefix_end(&[0x61, 0xff]), Some(vec![0x62]));
        assert_eq!(prefix_end(&[0xff]), None);
    }

    #[test]
    fn overlay_buffers_until_commit() {
        let mut base = MemoryState::new();
        base.put(b"k1", b"old").unwrap();
        {
            let mut o = Overlay::new(&mut base);
            o.put(b"k1", b"new").unwrap();
            o.put(b"k2", b"two").unwrap();
            assert_eq!(o.get(b"k1").unwrap(), Some(b"new".to_vec()));
            o.discard();
        }
        assert_eq!(base.get(b"k1").unwrap(), Some(b"old".to_vec()));
        assert_eq!(base.get(b"k2").unwrap(), None);
        let mut o = Overlay::new(&mut base);
        o.delete(b"k1").unwrap();
        o.put(b"k2", b"two").unwrap();
        assert_eq!(o.get(b"k1").unwrap(), None);
        o.commit().unwrap();
        assert_eq!(base.get(b"k1").unwrap(), None);
        assert_eq!(base.get(b"k2").unwrap(), Some(b"two".to_vec()));
    }

    #[test]
    fn write_set_digest_is_the_canonical_encoding() {
        let mut w = WriteSet::new();
        w.insert(b"b".to_vec(), None);
        w.insert(b"a".to_vec(), Some(b"xy".to_vec()));
        let as_vec: Vec<(Vec<u8>, Option<Vec<u8>>)> =
            w.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut expected = WRITE_SET_DIGEST_DOMAIN.to_vec();
        expected.push(0);
        expected.extend_from_slice(&gongxin_core::encoding::encode(&as_vec));
        assert_eq!(write_set_digest(&w), Hash::digest(&expected));
        assert_ne!(write_set_digest(&w), write_set_digest(&WriteSet::new()));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Put(u8, u8),
        Delete(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..24, any::<u8>()).prop_map(|(k, v)| Op::Put(k, v)),
            (0u8..24).prop_map(Op::Delete),
        ]
    }

    fn key(k: u8) -> Vec<u8> {
        // Two prefixes so scans must skip foreign keys.
        if k.is_multiple_of(3) {
            format!("x/{k:02}").into_bytes()
        } else {
            format!("p/{k:02}").into_bytes()
        }
    }

    proptest! {
        /// An overlay over a base reads and scans exactly like the base with the writes applied.
        #[test]
        fn overlay_reads_like_applied_writes(
            base_ops in proptest::collection::vec(op(), 0..40),
            overlay_ops in proptest::collection::vec(op(), 0..40),
            start in proptest::option::of(0u8..24),
            limit in 0usize..12,
        ) {
            let mut base = MemoryState::new();
            for o in &base_ops {
                match o {
                    Op::Put(k, v) => base.put(&key(*k), &[*v]).unwrap(),
                    Op::Delete(k) => base.delete(&key(*k)).unwrap(),
                }
            }
            let mut expected = base.clone();
            for o in &overlay_ops {
                match o {
                    Op::Put(k, v) => expected.put(&key(*k), &[*v]).unwrap(),
                    Op::Delete(k) => expected.delete(&key(*k)).unwrap(),
                }
            }
            let mut overlay = Overlay::new(&mut base);
            for o in &overlay_ops {
                match o {
                    Op::Put(k, v) => overlay.put(&key(*k), &[*v]).unwrap(),
                    Op::Delete(k) => overlay.delete(&key(*k)).unwrap(),
                }
            }
            let after = start.map(key);
            for prefix in [&b"p/"[..], b"x/", b""] {
                prop_assert_eq!(
                    overlay.scan_prefix(prefix, after.as_deref(), limit).unwrap(),
                    expected.scan_prefix(prefix, after.as_deref(), limit).unwrap()
                );
            }
            for k in 0..24 {
                prop_assert_eq!(overlay.get(&key(k)).unwrap(), expected.get(&key(k)).unwrap());
            }
            overlay.commit().unwrap();
            prop_assert_eq!(base, expected);
        }
    }
}
