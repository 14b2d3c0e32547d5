//! The plaintext of recently read contract-state values, so that the records every transaction
//! reads (its signer's membership, the department, the policies) are not looked up in RocksDB
//! and opened with SM4-GCM again for each of them: at admission, at execution on every node.
//!
//! Only [`super::Store::commit`] changes the state, and it tells the cache before and after
//! its batch is written. While a commit is writing, the cache answers nothing and keeps
//! nothing (every read goes to the database, as without a cache), so no reader sees a new
//! value and then an old one; afterwards every key it wrote is forgotten. A reader that missed
//! notes the generation before it reads the database and keeps what it read only if no commit
//! began in between — so a value read before a commit is never kept after it.
//!
//! Bounded by bytes (keys, values and a fixed overhead per entry for the map): when full it
//! starts again empty, which costs a few misses and never a wrong answer.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Bytes of keys and values the cache holds at most.
pub(super) const STATE_CACHE_BYTES_MAX: usize = 32 << 20;

/// What one cached entry costs beyond its key and value bytes (the map's slot, two heap
/// allocations and the table's spare room), so the bound holds for many small entries too.
const ENTRY_OVERHEAD_BYTES: usize = 128;

/// What a reader that missed must bring back to [`StateCache::keep`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Miss {
    generation: u64,
}

#[derive(Debug, Default)]
struct Inner {
    generation: u64,
    /// Commits writing now: while any is, the cache is bypassed.
    writing: u32,
    /// `None`: the key is known to be absent.
    values: HashMap<Vec<u8>, Option<Vec<u8>>>,
    bytes: usize,
}

#[derive(Debug)]
pub(super) struct StateCache {
    inner: Mutex<Inner>,
    bytes_max: usize,
}

impl StateCache {
    pub(super) fn new(bytes_max: usize) -> StateCache {
        StateCache {
            inner: Mutex::new(Inner::default()),
            bytes_max,
        }
    }

    /// The cached value of `key` (`Ok(None)`: cached as absent), or the [`Miss`] to read it
    /// with.
    pub(super) fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Miss> {
        let inner = self.lock();
        match inner.values.get(key) {
            Some(value) if inner.writing == 0 => Ok(value.clone()),
            _ => Err(Miss {
                generation: inner.generation,
            }),
        }
    }

    /// Keeps what a reader read from the database after `miss`, unless a commit came since.
    pub(super) fn keep(&self, miss: Miss, key: &[u8], value: Option<&[u8]>) {
        let mut inner = self.lock();
        if inner.generation != miss.generation || inner.writing > 0 {
            return;
        }
        let size = entry_size(key, value);
        if size > self.bytes_max / 16 {
            return;
        }
        if inner.bytes + size > self.bytes_max {
            // A new map: `clear` would keep the grown table's memory.
            inner.values = HashMap::new();
            inner.bytes = 0;
        }
        if inner
            .values
            .insert(key.to_vec(), value.map(<[u8]>::to_vec))
            .is_none()
        {
            inner.bytes += size;
        }
    }

    /// A commit is about to write: until [`StateCache::written`], answer nothing and keep
    /// nothing, and refuse what readers read before.
    pub(super) fn writing(&self) {
        let mut inner = self.lock();
        inner.writing += 1;
        inner.generation += 1;
    }

    /// The commit announced by [`StateCache::writing`] wrote `keys` (or failed): forget them.
    pub(super) fn written<'a>(&self, keys: impl IntoIterator<Item = &'a [u8]>) {
        let mut inner = self.lock();
        inner.writing = inner.writing.saturating_sub(1);
        inner.generation += 1;
        for key in keys {
            if let Some(value) = inner.values.remove(key) {
                let size = entry_size(key, value.as_deref());
                inner.bytes = inner.bytes.saturating_sub(size);
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The map is consistent between statements; a panicking reader leaves it usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn entry_size(key: &[u8], value: Option<&[u8]>) -> usize {
    key.len() + value.map_or(0, <[u8]>::len) + ENTRY_OVERHEAD_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_before_a_commit_is_not_kept_after_it() {
        let cache = StateCache::new(1 << 20);
        let miss = cache.get(b"member/a").unwrap_err();
        // The reader read the old value; meanwhile a commit wrote the key.
        cache.writing();
        cache.written([b"member/a".as_slice()]);
        cache.keep(miss, b"member/a", Some(b"old"));
        assert!(
            cache.get(b"member/a").is_err(),
            "the old value was not kept"
        );

        let miss = cache.get(b"member/a").unwrap_err();
        cache.keep(miss, b"member/a", Some(b"new"));
        assert_eq!(cache.get(b"member/a").unwrap(), Some(b"new".to_vec()));
        // Absence is cached too, and a commit's write of the key forgets it.
        let miss = cache.get(b"project/P-9").unwrap_err();
        cache.keep(miss, b"project/P-9", None);
        assert_eq!(cache.get(b"project/P-9").unwrap(), None);

        // While a commit writes, nothing is answered from the cache (the database may hold the
        // new value already) and nothing read is kept.
        cache.writing();
        assert!(cache.get(b"member/a").is_err(), "bypassed during a write");
        let during = cache.get(b"member/b").unwrap_err();
        cache.keep(during, b"member/b", Some(b"read during the write"));
        cache.written([b"project/P-9".as_slice()]);
        assert!(
            cache.get(b"member/b").is_err(),
            "nothing kept from during the write"
        );
        assert!(
            cache.get(b"project/P-9").is_err(),
            "a written key is forgotten"
        );
        assert_eq!(
            cache.get(b"member/a").unwrap(),
            Some(b"new".to_vec()),
            "a key the commit did not write is still cached"
        );
    }

    #[test]
    fn a_full_cache_starts_again_within_its_bound() {
        let cache = StateCache::new(4_000);
        for i in 0..100u32 {
            let key = format!("k{i:03}");
            let miss = cache.get(key.as_bytes()).unwrap_err();
            // Absent keys cost their overhead too: a flood of made-up keys stays bounded.
            let value = (i % 2 == 0).then_some([0u8; 50].as_slice());
            cache.keep(miss, key.as_bytes(), value);
            let inner = cache.lock();
            assert!(inner.bytes <= 4_000, "{} bytes held", inner.bytes);
            let counted: usize = inner
                .values
                .iter()
                .map(|(k, v)| entry_size(k, v.as_deref()))
                .sum();
            assert_eq!(counted, inner.bytes);
        }
        // A value larger than a sixteenth of the bound is never kept.
        let miss = cache.get(b"big").unwrap_err();
        cache.keep(miss, b"big", Some(&[0u8; 200]));
        assert!(cache.get(b"big").is_err());
    }
}
