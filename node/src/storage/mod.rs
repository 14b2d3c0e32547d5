//! RocksDB storage: the node's only persistent state.
//!
//! Column families (keys are big-endian so RocksDB's byte order is numeric order):
//!
//! | cf           | key                         | value                                        |
//! |--------------|-----------------------------|----------------------------------------------|
//! | `meta`       | ASCII name                  | chain tip, genesis hash, validator sets      |
//! | `headers`    | height u64                  | canonical `BlockHeader`                      |
//! | `blocks`     | height u64                  | canonical `Block`: only a block written without its entries, or by a node before each transaction was stored once (see [`Store::block`]) |
//! | `certs`      | height u64                  | canonical `CommitCertificate`                |
//! | `entries`    | log index u64               | entry bytes (the log leaf)                   |
//! | `txs`        | tx hash                     | canonical `TxLocation`                       |
//! | `leaves`     | leaf hash (RFC 9162)        | log index u64 (for proofs by leaf hash)      |
//! | `log_nodes`  | level u8 ‖ index u64        | SM3 hash of a complete subtree               |
//! | `state`      | contract key                | contract value                               |
//! | `checkpoints`| tree size u64               | signed checkpoint note (UTF-8)               |
//! | `access_log` | record seq u64              | operation-log record and the head after it   |
//! | `events`     | height u64                  | the block's ledger events (`Vec<Event>`), when it raised any |
//! | `webhooks`   | see `crate::webhooks::keys` | subscriptions, delivery cursors, dead letters, the replay queue (node-local, outside consensus) |
//!
//! Values of `blocks`, `entries`, `txs`, `state`, `access_log`, `events` and `webhooks` — everything that carries record content —
//! are sealed with SM4-GCM ([`seal`]) under the node's storage key, kept outside the database
//! (`<data dir>.storage.key` by default, created with a new database). Keys carry no record
//! content beyond ids; headers, certificates, log hashes and checkpoints are not secret.
//!
//! Sealed families are stored without compression (ciphertext does not compress); the
//! families looked up by keys that are often absent have Bloom filters
//! (`column_family_options`).
//!
//! **One block is one atomic `WriteBatch` written with sync**, so after a crash the database
//! holds every block that was acknowledged and nothing of one that was not. A failed write is
//! returned as [`StorageError`]; the caller stops the node rather than serve data it could not
//! persist.

mod keys;
pub mod seal;
mod state_cache;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bincode::{Decode, Encode};
use gongxin_core::Hash;
use gongxin_core::access_log::{AccessRecord, ChainPoint, ChainedRecord};
use gongxin_core::block::{Block, BlockHeader, CommitCertificate, txs_hash};
use gongxin_core::encoding::{self, BLOCK_BYTES_MAX};
use gongxin_core::entry::Entry;
use gongxin_core::log::{NodeId, NodeSource};
use gongxin_core::tx::SignedTx;
use rocksdb::{
    ColumnFamilyDescriptor, DB, Direction, IteratorMode, Options, WriteBatch, WriteOptions,
};

pub use keys::height_key;

/// Key-value pairs read from a column family, in key order.
pub type KeyValues = Vec<(Vec<u8>, Vec<u8>)>;

const CF_META: &str = "meta";
const CF_HEADERS: &str = "headers";
const CF_BLOCKS: &str = "blocks";
const CF_CERTS: &str = "certs";
const CF_ENTRIES: &str = "entries";
const CF_TXS: &str = "txs";
const CF_LEAVES: &str = "leaves";
const CF_LOG_NODES: &str = "log_nodes";
const CF_STATE: &str = "state";
const CF_CHECKPOINTS: &str = "checkpoints";
const CF_ACCESS_LOG: &str = "access_log";
const CF_EVENTS: &str = "events";
const CF_WEBHOOKS: &str = "webhooks";
/// The public disclosure log (PROTOCOL.md v2): leaves by index (their JCS text, public by
/// definition, so not sealed), its complete-subtree hashes, each public record's latest leaf
/// (`<kind>/<id>` → index) and all its leaves (`<kind>/<id>` ‖ 0x00 ‖ index), and its
/// checkpoints by tree size.
const CF_PUBLIC_LEAVES: &str = "public_leaves";
const CF_PUBLIC_LOG_NODES: &str = "public_log_nodes";
const CF_PUBLIC_RECORDS: &str = "public_records";
const CF_PUBLIC_CHECKPOINTS: &str = "public_checkpoints";
/// Each block's two checkpoint notes as committed, by height: what value sync hands a peer
/// (checkpoints by size are replaced by later blocks of the same size, which may name another
/// validator set).
const CF_BLOCK_CHECKPOINTS: &str = "block_checkpoints";
const COLUMN_FAMILIES: [&str; 18] = [
    CF_META,
    CF_HEADERS,
    CF_BLOCKS,
    CF_CERTS,
    CF_ENTRIES,
    CF_TXS,
    CF_LEAVES,
    CF_LOG_NODES,
    CF_STATE,
    CF_CHECKPOINTS,
    CF_ACCESS_LOG,
    CF_EVENTS,
    CF_WEBHOOKS,
    CF_PUBLIC_LEAVES,
    CF_PUBLIC_LOG_NODES,
    CF_PUBLIC_RECORDS,
    CF_PUBLIC_CHECKPOINTS,
    CF_BLOCK_CHECKPOINTS,
];

const META_TIP: &[u8] = b"tip";
/// A value sealed under the storage key when the database was created: opening it at start
/// proves the node holds the right key.
const META_SEAL_CHECK: &[u8] = b"seal_check";
const SEAL_CHECK_PLAINTEXT: &[u8] = b"gongxin storage key check";
/// The column families whose values are sealed.
const SEALED_CFS: [&str; 7] = [
    CF_BLOCKS,
    CF_ENTRIES,
    CF_TXS,
    CF_STATE,
    CF_ACCESS_LOG,
    CF_EVENTS,
    CF_WEBHOOKS,
];
/// Where the kept operation log starts (a `ChainPoint`; absent: from the beginning).
const META_ACCESS_LOG_START: &[u8] = b"access_log_start";
const META_GENESIS_HASH: &[u8] = b"genesis_hash";
/// `valset/` ‖ effective height (u64 BE) → the canonical `ValidatorSet` from that height on.
const META_VALIDATOR_SET_PREFIX: &[u8] = b"valset/";
/// `handover/` ‖ the incoming set's first height (u64 BE) → the [`CheckpointNotes`] of the
/// block before it, kept apart because checkpoints by size may be overwritten by a later
/// empty block's.
const META_HANDOVER_PREFIX: &[u8] = b"handover/";

/// A raw key and value.
pub type KeyValue = (Vec<u8>, Vec<u8>);

/// Stored values decode with this limit (the largest thing stored is a block).
const STORED_VALUE_BYTES_MAX: usize = BLOCK_BYTES_MAX;

/// A storage failure. The node stops on it: nothing is served that was not persisted.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("rocksdb: {0}")]
    Rocks(#[from] rocksdb::Error),
    #[error("stored {what} is corrupt: {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("missing {0}")]
    Missing(String),
    #[error("storage key: {0}")]
    Seal(#[from] seal::SealError),
    #[error(
        "the database holds {database} but this node had committed block {mark_height} ({mark_path}): its files were damaged or replaced, and the node will not serve or extend a ledger that lost committed blocks; restore the data directory from a backup, or rebuild it from the other validators (delete it and {mark_path}, then start the node: it syncs)"
    )]
    LostBlocks {
        database: String,
        mark_height: u64,
        mark_path: String,
    },
}

/// The committed head of the chain, kept in `meta` and updated with every block.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ChainTip {
    pub height: u64,
    pub block_hash: Hash,
    pub log_size: u64,
    pub log_root: Hash,
    pub state_hash: Hash,
    pub public_log_size: u64,
    pub public_log_root: Hash,
}

impl ChainTip {
    /// The tip a committed header makes.
    pub fn of(header: &BlockHeader) -> ChainTip {
        ChainTip {
            height: header.height,
            block_hash: header.hash(),
            log_size: header.log_size,
            log_root: header.log_root,
            state_hash: header.state_hash,
            public_log_size: header.public_log_size,
            public_log_root: header.public_log_root,
        }
    }
}

/// The two checkpoint notes of one block, signed in the same round: the ledger log's and the
/// public disclosure log's.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct CheckpointNotes {
    pub checkpoint: String,
    pub public_checkpoint: String,
}

/// The public disclosure log's part of a block.
#[derive(Debug, Clone, Default)]
pub struct PublicLogWrite {
    /// (leaf index, leaf bytes).
    pub leaves: Vec<(u64, Vec<u8>)>,
    pub nodes: Vec<(NodeId, Hash)>,
    /// (`<kind>/<id>`, index of the record's latest leaf).
    pub latest: Vec<(String, u64)>,
}

/// Where a committed transaction is.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, serde::Serialize)]
pub struct TxLocation {
    pub height: u64,
    /// Position inside the block.
    pub position: u32,
    pub log_index: u64,
    /// `None` when applied; the rejection code otherwise.
    pub rejected: Option<String>,
}

/// Everything one block changes, written as one batch.
#[derive(Debug, Default)]
pub struct BlockWrite {
    pub block: Option<Block>,
    pub certificate: Option<CommitCertificate>,
    /// (log index, entry bytes).
    pub entries: Vec<(u64, Vec<u8>)>,
    pub tx_locations: Vec<(Hash, TxLocation)>,
    pub log_nodes: Vec<(NodeId, Hash)>,
    /// Contract state writes: `None` deletes.
    pub state_writes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    pub checkpoint: Option<(u64, String)>,
    pub public_log: PublicLogWrite,
    /// The public log's checkpoint note, by its tree size.
    pub public_checkpoint: Option<(u64, String)>,
    /// The block's notes when they hand over to another validator set, by that set's first
    /// height.
    pub handover: Option<(u64, CheckpointNotes)>,
    pub tip: Option<ChainTip>,
    /// A validator set governance passed, with the height it takes effect at.
    pub validator_set: Option<(u64, gongxin_core::validator::ValidatorSet)>,
    /// The block's ledger events, encoded (`Vec<Event>`), at its height; the event stream
    /// replays them to a subscriber that reconnects.
    pub events: Option<(u64, Vec<u8>)>,
}

/// What [`Store::rekey`] did.
#[derive(Debug, Clone)]
pub struct RekeyReport {
    pub values: u64,
    pub old_key_id: String,
    pub new_key_id: String,
    pub retired_key: PathBuf,
}

/// The node's RocksDB database.
pub struct Store {
    db: DB,
    sealer: seal::Sealer,
    /// `<db>.tip`: the highest block this database has committed ([`Store::check_tip_mark`]).
    tip_mark: PathBuf,
    /// Plaintext of recently read state values ([`state_cache`]).
    state_cache: state_cache::StateCache,
    /// The largest tree size of each log with a stored checkpoint note.
    latest: LatestSizes,
}

/// The largest tree size each log has a stored checkpoint note of, kept in memory: every
/// proof served at the default size asks for it, and RocksDB finds the last key of a family
/// only by a reverse seek through every level of it (≈ 5 % of a proof's time at 300,000
/// entries). Read from the database once at open and raised by every write of a note, after
/// the write succeeds. Each holds the size plus one; 0: no note yet.
#[derive(Debug, Default)]
struct LatestSizes {
    ledger: AtomicU64,
    public: AtomicU64,
}

impl LatestSizes {
    fn get(slot: &AtomicU64) -> Option<u64> {
        slot.load(Ordering::Acquire).checked_sub(1)
    }

    fn raise(slot: &AtomicU64, size: u64) {
        slot.fetch_max(size.saturating_add(1), Ordering::AcqRel);
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.db.path())
            .finish()
    }
}

/// Whether `entries` are the log entries of exactly `block`'s transactions: one per
/// transaction, at the consecutive indexes that end at the header's log size. Then the block
/// can be read back from its header and entries ([`Store::block`]).
fn entries_hold_transactions(block: &Block, entries: &[(u64, Vec<u8>)]) -> bool {
    let count = block.txs.len() as u64;
    entries.len() == block.txs.len()
        && u64::from(block.header.tx_count) == count
        && block
            .header
            .log_size
            .checked_sub(count)
            .is_some_and(|first| {
                entries
                    .iter()
                    .zip(first..)
                    .all(|((index, _), expected)| *index == expected)
            })
}

/// The column families looked up by key where the key is often absent (a new transaction's
/// hash, a record not yet created): a Bloom filter answers "absent" without reading SST blocks.
const POINT_LOOKUP_CFS: [&str; 4] = [CF_TXS, CF_STATE, CF_LEAVES, CF_PUBLIC_RECORDS];

/// The write-ahead log's size at which the families pinning its oldest file are flushed.
const WAL_BYTES_MAX: u64 = 128 << 20;

/// One column family's size on disk and in memory (RocksDB's estimates), for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilySize {
    pub name: &'static str,
    /// Bytes of its live SST files.
    pub sst_bytes: u64,
    /// Bytes of its memtables (not yet flushed).
    pub memtable_bytes: u64,
    /// RocksDB's estimate of its number of keys.
    pub keys: u64,
}

/// RocksDB options of one column family: sealed values are ciphertext, which does not
/// compress, so they are stored without compression (LZ4 spent CPU on them for nothing);
/// point-lookup families get a Bloom filter (10 bits a key, ≈ 1 % false positives).
fn column_family_options(name: &str) -> Options {
    let mut options = Options::default();
    if SEALED_CFS.contains(&name) {
        options.set_compression_type(rocksdb::DBCompressionType::None);
    } else {
        options.set_compression_type(rocksdb::DBCompressionType::Lz4);
    }
    if POINT_LOOKUP_CFS.contains(&name) {
        let mut table = rocksdb::BlockBasedOptions::default();
        table.set_bloom_filter(10.0, false);
        options.set_block_based_table_factory(&table);
    }
    options
}

pub(crate) fn decode_stored<T: Decode<()>>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, StorageError> {
    encoding::decode::<T, STORED_VALUE_BYTES_MAX>(bytes).map_err(|e| StorageError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

impl Store {
    /// Opens (creating if needed) the database at `path`, with its storage key beside it
    /// ([`seal::default_key_path`]).
    pub fn open(path: &Path) -> Result<Store, StorageError> {
        Store::open_with_key(path, &seal::default_key_path(path))
    }

    /// Opens (creating if needed) the database at `path` with the storage key file at
    /// `key_path`. A new database gets a new key file; an existing one must come with the key
    /// that sealed it, or the node refuses to start.
    pub fn open_with_key(path: &Path, key_path: &Path) -> Result<Store, StorageError> {
        let next = seal::next_key_path(key_path);
        if next.exists() {
            return Err(seal::SealError::KeyFile {
                path: next,
                reason: "a storage-key rotation was interrupted: run `gongxin-node rekey` again to finish it".into(),
            }
            .into());
        }
        let new_database = !path.join("CURRENT").exists();
        let key = if key_path.exists() {
            seal::read_key_file(key_path)?
        } else if new_database {
            seal::create_key_file(key_path)?
        } else {
            return Err(seal::SealError::KeyFile {
                path: key_path.to_owned(),
                reason: format!(
                    "missing, and the database at {} was sealed with it",
                    path.display()
                ),
            }
            .into());
        };
        // Keys retired by `rekey` still open what they sealed outside the database (the
        // consensus write-ahead log) and anything a backup restored.
        let retired = seal::retired_keys(key_path)?;
        Store::open_with_sealer(path, seal::Sealer::new(key, retired), new_database)
    }

    fn open_with_sealer(
        path: &Path,
        sealer: seal::Sealer,
        new_database: bool,
    ) -> Result<Store, StorageError> {
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        options.set_paranoid_checks(true);
        options.set_compression_type(rocksdb::DBCompressionType::Lz4);
        // A write-ahead log file can only go once every family with writes in it has flushed
        // them. The small families (headers, certificates, checkpoints) fill their memtables
        // slowly, so without a bound their writes pinned every WAL file since their last flush:
        // 580 MB of WAL for 55 MB of entries in a 200,000-entry bulk build, all replayed at the
        // next start. Past this total RocksDB flushes the families that hold the oldest file.
        options.set_max_total_wal_size(WAL_BYTES_MAX);
        let descriptors = COLUMN_FAMILIES
            .iter()
            .map(|name| ColumnFamilyDescriptor::new(*name, column_family_options(name)));
        let db = DB::open_cf_descriptors(&options, path, descriptors)?;
        let store = Store {
            db,
            sealer,
            tip_mark: tip_mark_path(path),
            state_cache: state_cache::StateCache::new(state_cache::STATE_CACHE_BYTES_MAX),
            latest: LatestSizes::default(),
        };
        store.check_key(new_database)?;
        store.check_tip_mark()?;
        for (cf, slot) in [
            (CF_CHECKPOINTS, &store.latest.ledger),
            (CF_PUBLIC_CHECKPOINTS, &store.latest.public),
        ] {
            if let Some(size) = store.last_note_size(cf)? {
                LatestSizes::raise(slot, size);
            }
        }
        Ok(store)
    }

    /// Refuses a database that is behind the mark its own commits left beside it. A damaged
    /// MANIFEST (a torn write, a bad sector) can make RocksDB open an older version of the
    /// database, even an empty one, without any error; its checksums cannot notice files it
    /// no longer knows. A missing or unreadable mark proves nothing and is not an error.
    fn check_tip_mark(&self) -> Result<(), StorageError> {
        let Some((mark_height, mark_hash)) = read_tip_mark(&self.tip_mark) else {
            return Ok(());
        };
        let tip = self.tip()?;
        let holds = match &tip {
            Some(tip) if tip.height > mark_height => return Ok(()),
            Some(tip) if tip.height == mark_height && tip.block_hash == mark_hash => {
                return Ok(());
            }
            Some(tip) if tip.height == mark_height => {
                format!("another block {} at height {}", tip.block_hash, tip.height)
            }
            Some(tip) => format!("blocks up to height {} only", tip.height),
            None => "no block at all".to_owned(),
        };
        Err(StorageError::LostBlocks {
            database: holds,
            mark_height,
            mark_path: self.tip_mark.display().to_string(),
        })
    }

    /// Records `tip` as the highest committed block, after its batch is durable: by rename,
    /// without a sync of its own, so after a power cut the mark may lag the database but never
    /// lead it. A failure is logged, not returned: the block is committed either way.
    fn write_tip_mark(&self, tip: &ChainTip) {
        let temporary = self.tip_mark.with_extension("tip.tmp");
        let text = format!("{} {}\n", tip.height, tip.block_hash.to_hex());
        let written = std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &self.tip_mark));
        if let Err(e) = written {
            tracing::warn!(path = %self.tip_mark.display(), "cannot record the committed height: {e}");
        }
    }

    /// Rotates the storage key of the (stopped) database at `path`: creates a new key beside
    /// the current one (`<key>.next`), re-seals every sealed value under it in batches, then
    /// retires the old key (`<key>.retired-<id>`, for old backups) and puts the new one in its
    /// place. Interrupted, it leaves `<key>.next` behind; the node then refuses to start and a
    /// second run finishes the job (values already re-sealed open under either key).
    pub fn rekey(path: &Path, key_path: &Path) -> Result<RekeyReport, StorageError> {
        if !path.join("CURRENT").exists() {
            return Err(StorageError::Missing(format!(
                "a database at {}",
                path.display()
            )));
        }
        let old = seal::read_key_file(key_path)?;
        let next_path = seal::next_key_path(key_path);
        let new = if next_path.exists() {
            seal::read_key_file(&next_path)?
        } else {
            seal::create_key_file(&next_path)?
        };
        let store = Store::open_with_sealer(
            path,
            seal::Sealer::new(new.clone(), vec![old.clone()]),
            false,
        )?;
        let mut resealed = 0u64;
        for cf in SEALED_CFS {
            resealed += store.reseal(cf, None)?;
        }
        resealed += store.reseal(CF_META, Some(META_SEAL_CHECK))?;
        drop(store);
        let retired = seal::retired_key_path(key_path, &old);
        std::fs::rename(key_path, &retired).map_err(|e| seal::SealError::KeyFile {
            path: retired.clone(),
            reason: format!("cannot retire the old key: {e}"),
        })?;
        std::fs::rename(&next_path, key_path).map_err(|e| seal::SealError::KeyFile {
            path: key_path.to_owned(),
            reason: format!(
                "cannot put the new key in place (it is at {}): {e}",
                next_path.display()
            ),
        })?;
        Ok(RekeyReport {
            values: resealed,
            old_key_id: old.id_hex(),
            new_key_id: new.id_hex(),
            retired_key: retired,
        })
    }

    /// Re-seals every value of `cf` (or only the one at `only`) under the current key, in
    /// batches; returns how many.
    fn reseal(&self, cf: &'static str, only: Option<&[u8]>) -> Result<u64, StorageError> {
        const BATCH_VALUES: usize = 4_096;
        let mut count = 0u64;
        let mut batch = WriteBatch::default();
        for item in self.db.iterator_cf(self.cf(cf), IteratorMode::Start) {
            let (key, value) = item?;
            if only.is_some_and(|k| key.as_ref() != k) {
                continue;
            }
            let plain = self.sealer.open(cf, &key, &value)?;
            batch.put_cf(self.cf(cf), &key, self.sealer.seal(cf, &key, &plain)?);
            count += 1;
            if batch.len() >= BATCH_VALUES {
                self.write_synced(std::mem::take(&mut batch))?;
            }
        }
        self.write_synced(batch)?;
        Ok(count)
    }

    /// The sealer of this database's storage key (the consensus write-ahead log seals with it
    /// too).
    pub fn sealer(&self) -> &seal::Sealer {
        &self.sealer
    }

    /// Proves at start that the key opens this database (or seals the proof into a new one).
    fn check_key(&self, new_database: bool) -> Result<(), StorageError> {
        match self.get(CF_META, META_SEAL_CHECK)? {
            Some(sealed) => {
                self.sealer.open(CF_META, META_SEAL_CHECK, &sealed)?;
                Ok(())
            }
            None if new_database || self.tip()?.is_none() => {
                let sealed =
                    self.sealer
                        .seal(CF_META, META_SEAL_CHECK, SEAL_CHECK_PLAINTEXT)?;
                let mut batch = WriteBatch::default();
                batch.put_cf(self.cf(CF_META), META_SEAL_CHECK, sealed);
                self.write_synced(batch)
            }
            None => Err(StorageError::Corrupt {
                what: "database",
                detail: "it holds blocks but no storage-key check: it was written unsealed by an older node; start from an empty data directory".into(),
            }),
        }
    }

    /// A sealed value of `cf`, opened.
    fn get_sealed(&self, cf: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.get(cf, key)?
            .map(|sealed| {
                self.sealer
                    .open(cf, key, &sealed)
                    .map_err(StorageError::from)
            })
            .transpose()
    }

    fn seal(&self, cf: &'static str, key: &[u8], value: &[u8]) -> Result<Vec<u8>, StorageError> {
        debug_assert!(SEALED_CFS.contains(&cf));
        Ok(self.sealer.seal(cf, key, value)?)
    }

    fn cf(&self, name: &'static str) -> &rocksdb::ColumnFamily {
        // Every name in COLUMN_FAMILIES is created at open, so the handle always exists.
        self.db
            .cf_handle(name)
            .expect("column family created at open")
    }

    fn get(&self, cf: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get_cf(self.cf(cf), key)?)
    }

    /// Reads every value of every column family (SST files and memtables), checking the RocksDB
    /// checksum of each block it loads from a file, without opening seals. Blocks already in
    /// the block cache were checked when they were loaded; those it loads are not added to it.
    /// Returns how many values it read. Damage inside an SST file that no request happened to
    /// read yet is found here, not when a reader first meets it.
    pub fn verify_files(&self) -> Result<u64, StorageError> {
        let mut values = 0u64;
        for name in COLUMN_FAMILIES {
            let mut options = rocksdb::ReadOptions::default();
            options.set_verify_checksums(true);
            options.fill_cache(false);
            for item in self
                .db
                .iterator_cf_opt(self.cf(name), options, IteratorMode::Start)
            {
                item?;
                values += 1;
            }
        }
        Ok(values)
    }

    /// Every column family's size, in the order of `COLUMN_FAMILIES`: where a ledger's bytes go.
    pub fn family_sizes(&self) -> Result<Vec<FamilySize>, StorageError> {
        let property = |cf: &'static str, name: &str| -> Result<u64, StorageError> {
            Ok(self
                .db
                .property_int_value_cf(self.cf(cf), name)?
                .unwrap_or(0))
        };
        COLUMN_FAMILIES
            .iter()
            .map(|&name| {
                Ok(FamilySize {
                    name,
                    sst_bytes: property(name, "rocksdb.total-sst-files-size")?,
                    memtable_bytes: property(name, "rocksdb.cur-size-all-mem-tables")?,
                    keys: property(name, "rocksdb.estimate-num-keys")?,
                })
            })
            .collect()
    }

    pub fn tip(&self) -> Result<Option<ChainTip>, StorageError> {
        self.get(CF_META, META_TIP)?
            .map(|b| decode_stored("chain tip", &b))
            .transpose()
    }

    pub fn genesis_hash(&self) -> Result<Option<Hash>, StorageError> {
        Ok(self
            .get(CF_META, META_GENESIS_HASH)?
            .and_then(|b| Hash::from_slice(&b)))
    }

    pub fn header(&self, height: u64) -> Result<Option<BlockHeader>, StorageError> {
        self.get(CF_HEADERS, &height_key(height))?
            .map(|b| decode_stored("header", &b))
            .transpose()
    }

    /// Block `height`: its header and the transactions of its ledger entries, where each
    /// transaction is stored once ([`Store::commit`]). A block written whole to `blocks` (by a
    /// node before that change, or without its entries) is read from there.
    pub fn block(&self, height: u64) -> Result<Option<Block>, StorageError> {
        let key = height_key(height);
        if let Some(bytes) = self.get_sealed(CF_BLOCKS, &key)? {
            return decode_stored("block", &bytes).map(Some);
        }
        let Some(header) = self.header(height)? else {
            return Ok(None);
        };
        let txs = self.block_txs(&header)?;
        Ok(Some(Block { header, txs }))
    }

    /// Whether block `height` is stored whole in `blocks` (rather than as its header and
    /// entries).
    #[cfg(test)]
    pub(crate) fn block_stored_whole(&self, height: u64) -> bool {
        matches!(self.get(CF_BLOCKS, &height_key(height)), Ok(Some(_)))
    }

    /// The transactions of the block `header` heads, from its entries: the last
    /// `tx_count` of the log at `log_size`. Each is checked to belong to this
    /// block, and the whole checked against the header's `txs_hash` — so a damaged header
    /// (its count or size; headers are not sealed) is an error, never another set of
    /// transactions, and a huge count costs no more than the entries really there.
    fn block_txs(&self, header: &BlockHeader) -> Result<Vec<SignedTx>, StorageError> {
        let height = header.height;
        let count = u64::from(header.tx_count);
        if count == 0 {
            return Ok(Vec::new());
        }
        let corrupt = |detail: String| StorageError::Corrupt {
            what: "block",
            detail: format!("{height}: {detail}"),
        };
        let first = header.log_size.checked_sub(count).ok_or_else(|| {
            corrupt(format!(
                "{count} transactions in a log of {}",
                header.log_size
            ))
        })?;
        // At most the entries really there (a damaged count reads no further than the log).
        let entries = self.entries(first, header.log_size - 1, count as usize)?;
        let mut txs = Vec::with_capacity(entries.len());
        for (offset, expected) in (first..header.log_size).enumerate() {
            let found = entries.get(offset).filter(|(index, _)| *index == expected);
            let Some((_, bytes)) = found else {
                return Err(StorageError::Missing(format!(
                    "block {height}'s transactions: the ledger log has no entry {expected}"
                )));
            };
            let entry =
                Entry::from_bytes(bytes).map_err(|e| corrupt(format!("entry {expected}: {e}")))?;
            if entry.height != height {
                return Err(corrupt(format!(
                    "entry {expected} belongs to block {}",
                    entry.height
                )));
            }
            txs.push(entry.tx);
        }
        if txs_hash(&txs) != header.txs_hash {
            return Err(corrupt(
                "its entries' transactions are not the header's".to_owned(),
            ));
        }
        Ok(txs)
    }

    pub fn certificate(&self, height: u64) -> Result<Option<CommitCertificate>, StorageError> {
        self.get(CF_CERTS, &height_key(height))?
            .map(|b| decode_stored("commit certificate", &b))
            .transpose()
    }

    pub fn entry(&self, log_index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        self.get_sealed(CF_ENTRIES, &height_key(log_index))
    }

    /// Entries `start..=end` in order, at most `limit` of them.
    pub fn entries(
        &self,
        start: u64,
        end: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StorageError> {
        let mut out = Vec::new();
        let from = height_key(start);
        for item in self.db.iterator_cf(
            self.cf(CF_ENTRIES),
            IteratorMode::From(&from, Direction::Forward),
        ) {
            let (key, value) = item?;
            let index = keys::parse_height_key(&key).ok_or(StorageError::Corrupt {
                what: "entry key",
                detail: hex::encode(&key),
            })?;
            if index > end || out.len() >= limit {
                break;
            }
            out.push((index, self.sealer.open(CF_ENTRIES, &key, &value)?));
        }
        Ok(out)
    }

    /// The stored ledger events of blocks `from..=to` (encoded `Vec<Event>`), in height order,
    /// at most `limit` blocks (blocks that raised no event have none stored).
    pub fn events_range(
        &self,
        from: u64,
        to: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StorageError> {
        let start = height_key(from);
        let mut out = Vec::new();
        for item in self.db.iterator_cf(
            self.cf(CF_EVENTS),
            IteratorMode::From(&start, Direction::Forward),
        ) {
            let (key, value) = item?;
            let height = keys::parse_height_key(&key).ok_or(StorageError::Corrupt {
                what: "events key",
                detail: hex::encode(&key),
            })?;
            if height > to || out.len() >= limit {
                break;
            }
            out.push((height, self.sealer.open(CF_EVENTS, &key, &value)?));
        }
        Ok(out)
    }

    /// A value of the webhook deliveries' column family (node-local bookkeeping).
    pub fn webhooks_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.get_sealed(CF_WEBHOOKS, key)
    }

    /// Writes (`Some`) or deletes (`None`) webhook values in one batch. Not synced: a crash may
    /// lose the last cursor moves, and the deliveries after them are sent again (at least once).
    pub fn webhooks_write(
        &self,
        writes: &[(Vec<u8>, Option<Vec<u8>>)],
    ) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        for (key, value) in writes {
            match value {
                Some(value) => batch.put_cf(
                    self.cf(CF_WEBHOOKS),
                    key,
                    self.seal(CF_WEBHOOKS, key, value)?,
                ),
                None => batch.delete_cf(self.cf(CF_WEBHOOKS), key),
            }
        }
        self.db.write(batch)?;
        Ok(())
    }

    /// The webhook values under `prefix`, in key order, at most `limit`.
    pub fn webhooks_scan(&self, prefix: &[u8], limit: usize) -> Result<KeyValues, StorageError> {
        let mut out = Vec::new();
        for item in self.db.iterator_cf(
            self.cf(CF_WEBHOOKS),
            IteratorMode::From(prefix, Direction::Forward),
        ) {
            let (key, value) = item?;
            if !key.starts_with(prefix) || out.len() >= limit {
                break;
            }
            out.push((key.to_vec(), self.sealer.open(CF_WEBHOOKS, &key, &value)?));
        }
        Ok(out)
    }

    /// The log index of the entry whose RFC 9162 leaf hash is `leaf`.
    pub fn leaf_index(&self, leaf: &Hash) -> Result<Option<u64>, StorageError> {
        match self.get(CF_LEAVES, leaf.as_bytes())? {
            None => Ok(None),
            Some(bytes) => {
                keys::parse_height_key(&bytes)
                    .map(Some)
                    .ok_or_else(|| StorageError::Corrupt {
                        what: "leaf index",
                        detail: format!("{} bytes", bytes.len()),
                    })
            }
        }
    }

    pub fn tx_location(&self, tx_hash: &Hash) -> Result<Option<TxLocation>, StorageError> {
        self.get_sealed(CF_TXS, tx_hash.as_bytes())?
            .map(|b| decode_stored("tx location", &b))
            .transpose()
    }

    pub fn checkpoint(&self, tree_size: u64) -> Result<Option<String>, StorageError> {
        self.get(CF_CHECKPOINTS, &height_key(tree_size))?
            .map(|b| {
                String::from_utf8(b).map_err(|e| StorageError::Corrupt {
                    what: "checkpoint",
                    detail: e.to_string(),
                })
            })
            .transpose()
    }

    /// The newest stored checkpoint (largest tree size).
    pub fn latest_checkpoint(&self) -> Result<Option<(u64, String)>, StorageError> {
        self.note_at(self.latest_checkpoint_size(), |size| self.checkpoint(size))
    }

    /// The tree size of [`Store::latest_checkpoint`], without reading the note.
    pub fn latest_checkpoint_size(&self) -> Option<u64> {
        LatestSizes::get(&self.latest.ledger)
    }

    /// A contract-state value, from the cache of recently read ones when it is there.
    pub fn state_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let miss = match self.state_cache.get(key) {
            Ok(cached) => return Ok(cached),
            Err(miss) => miss,
        };
        let value = self.get_sealed(CF_STATE, key)?;
        self.state_cache.keep(miss, key, value.as_deref());
        Ok(value)
    }

    /// Contract state entries under `prefix`, after `start_after` if given, at most `limit`.
    pub fn state_scan(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<KeyValue>, StorageError> {
        let from = start_after.unwrap_or(prefix);
        let mut out = Vec::new();
        for item in self.db.iterator_cf(
            self.cf(CF_STATE),
            IteratorMode::From(from, Direction::Forward),
        ) {
            let (key, value) = item?;
            if !key.starts_with(prefix) || out.len() >= limit {
                break;
            }
            if start_after.is_some_and(|after| key.as_ref() == after) {
                continue;
            }
            let value = self.sealer.open(CF_STATE, &key, &value)?;
            out.push((key.into_vec(), value));
        }
        Ok(out)
    }

    /// Every validator set changed by governance, by the height it takes effect at, in order.
    pub fn validator_sets(
        &self,
    ) -> Result<Vec<(u64, gongxin_core::validator::ValidatorSet)>, StorageError> {
        let mut out = Vec::new();
        for item in self.db.iterator_cf(
            self.cf(CF_META),
            IteratorMode::From(META_VALIDATOR_SET_PREFIX, Direction::Forward),
        ) {
            let (key, value) = item?;
            let Some(height) = key.strip_prefix(META_VALIDATOR_SET_PREFIX) else {
                break;
            };
            let height = keys::parse_height_key(height).ok_or(StorageError::Corrupt {
                what: "validator set key",
                detail: hex::encode(&key),
            })?;
            out.push((height, decode_stored("validator set", &value)?));
        }
        Ok(out)
    }

    /// Records the genesis hash on first start, or checks it matches on later starts.
    pub fn bind_genesis(&self, genesis_hash: &Hash) -> Result<(), StorageError> {
        match self.genesis_hash()? {
            Some(stored) if stored == *genesis_hash => Ok(()),
            Some(stored) => Err(StorageError::Corrupt {
                what: "genesis binding",
                detail: format!("database belongs to genesis {stored}, not {genesis_hash}"),
            }),
            None => {
                let mut batch = WriteBatch::default();
                batch.put_cf(self.cf(CF_META), META_GENESIS_HASH, genesis_hash.as_bytes());
                self.write_synced(batch)
            }
        }
    }

    /// Writes one block's changes atomically and durably.
    pub fn commit(&self, write: BlockWrite) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        if let Some(block) = &write.block {
            let key = height_key(block.header.height);
            batch.put_cf(self.cf(CF_HEADERS), key, encoding::encode(&block.header));
            // Each transaction is stored (and sealed) once, in its entry; the block is read
            // back as its header and those entries. Only a block whose entries are not in the
            // same write is stored whole.
            if !entries_hold_transactions(block, &write.entries) {
                batch.put_cf(
                    self.cf(CF_BLOCKS),
                    key,
                    self.seal(CF_BLOCKS, &key, &block.to_bytes())?,
                );
            }
        }
        if let Some(certificate) = &write.certificate {
            batch.put_cf(
                self.cf(CF_CERTS),
                height_key(certificate.height),
                encoding::encode(certificate),
            );
        }
        for (index, entry) in &write.entries {
            let key = height_key(*index);
            batch.put_cf(
                self.cf(CF_ENTRIES),
                key,
                self.seal(CF_ENTRIES, &key, entry)?,
            );
            let leaf = gongxin_core::log::leaf_hash(entry);
            batch.put_cf(self.cf(CF_LEAVES), leaf.as_bytes(), height_key(*index));
        }
        for (hash, location) in &write.tx_locations {
            let sealed = self.seal(CF_TXS, hash.as_bytes(), &encoding::encode(location))?;
            batch.put_cf(self.cf(CF_TXS), hash.as_bytes(), sealed);
        }
        for (id, hash) in &write.log_nodes {
            batch.put_cf(self.cf(CF_LOG_NODES), keys::node_key(*id), hash.as_bytes());
        }
        for (key, value) in &write.state_writes {
            match value {
                Some(value) => {
                    batch.put_cf(self.cf(CF_STATE), key, self.seal(CF_STATE, key, value)?)
                }
                None => batch.delete_cf(self.cf(CF_STATE), key),
            }
        }
        if let Some((size, note)) = &write.checkpoint {
            batch.put_cf(self.cf(CF_CHECKPOINTS), height_key(*size), note.as_bytes());
        }
        self.put_public_log(&mut batch, &write);
        if let Some(tip) = &write.tip {
            batch.put_cf(self.cf(CF_META), META_TIP, encoding::encode(tip));
        }
        if let Some((height, set)) = &write.validator_set {
            let mut key = META_VALIDATOR_SET_PREFIX.to_vec();
            key.extend_from_slice(&height_key(*height));
            batch.put_cf(self.cf(CF_META), key, encoding::encode(set));
        }
        if let Some((height, events)) = &write.events {
            let key = height_key(*height);
            batch.put_cf(self.cf(CF_EVENTS), key, self.seal(CF_EVENTS, &key, events)?);
        }
        crate::crash::point("storage::commit::before_write");
        self.state_cache.writing();
        let written = self.write_synced(batch);
        // Even a failed write may have reached the database: forget the keys either way.
        self.state_cache
            .written(write.state_writes.iter().map(|(key, _)| key.as_slice()));
        written?;
        if let Some((size, _)) = &write.checkpoint {
            LatestSizes::raise(&self.latest.ledger, *size);
        }
        if let Some((size, _)) = &write.public_checkpoint {
            LatestSizes::raise(&self.latest.public, *size);
        }
        crate::crash::point("storage::commit::after_write");
        if let Some(tip) = &write.tip {
            self.write_tip_mark(tip);
        }
        Ok(())
    }

    fn put_public_log(&self, batch: &mut WriteBatch, write: &BlockWrite) {
        let public = &write.public_log;
        for (index, leaf) in &public.leaves {
            batch.put_cf(self.cf(CF_PUBLIC_LEAVES), height_key(*index), leaf);
        }
        for (id, hash) in &public.nodes {
            batch.put_cf(
                self.cf(CF_PUBLIC_LOG_NODES),
                keys::node_key(*id),
                hash.as_bytes(),
            );
        }
        for (record, index) in &public.latest {
            batch.put_cf(self.cf(CF_PUBLIC_RECORDS), record, height_key(*index));
            batch.put_cf(
                self.cf(CF_PUBLIC_RECORDS),
                public_history_key(record, *index),
                [],
            );
        }
        if let Some((size, note)) = &write.public_checkpoint {
            batch.put_cf(
                self.cf(CF_PUBLIC_CHECKPOINTS),
                height_key(*size),
                note.as_bytes(),
            );
        }
        if let (Some(block), Some((_, checkpoint)), Some((_, public_checkpoint))) =
            (&write.block, &write.checkpoint, &write.public_checkpoint)
        {
            let notes = CheckpointNotes {
                checkpoint: checkpoint.clone(),
                public_checkpoint: public_checkpoint.clone(),
            };
            batch.put_cf(
                self.cf(CF_BLOCK_CHECKPOINTS),
                height_key(block.header.height),
                encoding::encode(&notes),
            );
        }
        if let Some((first_height, notes)) = &write.handover {
            let mut key = META_HANDOVER_PREFIX.to_vec();
            key.extend_from_slice(&height_key(*first_height));
            batch.put_cf(self.cf(CF_META), key, encoding::encode(notes));
        }
    }

    /// Block `height`'s two checkpoint notes as committed.
    pub fn block_checkpoints(&self, height: u64) -> Result<Option<CheckpointNotes>, StorageError> {
        self.get(CF_BLOCK_CHECKPOINTS, &height_key(height))?
            .map(|b| decode_stored("block checkpoints", &b))
            .transpose()
    }

    /// The public log's leaf `index` (its JCS bytes).
    pub fn public_leaf(&self, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        self.get(CF_PUBLIC_LEAVES, &height_key(index))
    }

    /// Public-log leaves from `start` (inclusive) to `end` (exclusive), at most `limit`.
    pub fn public_leaves(
        &self,
        start: u64,
        end: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StorageError> {
        let from = height_key(start);
        let mut out = Vec::new();
        for item in self.db.iterator_cf(
            self.cf(CF_PUBLIC_LEAVES),
            IteratorMode::From(&from, Direction::Forward),
        ) {
            let (key, value) = item?;
            let Some(index) = keys::parse_height_key(&key).filter(|i| *i < end) else {
                break;
            };
            if out.len() >= limit {
                break;
            }
            out.push((index, value.into_vec()));
        }
        Ok(out)
    }

    /// The index of the latest public-log leaf of record `kind`/`id`.
    pub fn public_record_leaf(&self, kind: &str, id: &str) -> Result<Option<u64>, StorageError> {
        let key = format!("{kind}/{id}");
        self.get(CF_PUBLIC_RECORDS, key.as_bytes())?
            .map(|bytes| {
                keys::parse_height_key(&bytes).ok_or(StorageError::Corrupt {
                    what: "public record leaf",
                    detail: hex::encode(&bytes),
                })
            })
            .transpose()
    }

    /// The indexes of every public-log leaf of record `kind`/`id` (its disclosed versions),
    /// oldest first, at most `limit`.
    pub fn public_record_history(
        &self,
        kind: &str,
        id: &str,
        limit: usize,
    ) -> Result<Vec<u64>, StorageError> {
        let prefix = public_history_key(&format!("{kind}/{id}"), 0);
        let prefix = &prefix[..prefix.len() - 8];
        let mut out = Vec::new();
        for item in self.db.iterator_cf(
            self.cf(CF_PUBLIC_RECORDS),
            IteratorMode::From(prefix, Direction::Forward),
        ) {
            let (key, _) = item?;
            let Some(index) = key.strip_prefix(prefix) else {
                break;
            };
            if out.len() >= limit {
                break;
            }
            out.push(keys::parse_height_key(index).ok_or(StorageError::Corrupt {
                what: "public record history",
                detail: hex::encode(&key),
            })?);
        }
        Ok(out)
    }

    /// The public log's checkpoint note of `tree_size`.
    pub fn public_checkpoint(&self, tree_size: u64) -> Result<Option<String>, StorageError> {
        self.get(CF_PUBLIC_CHECKPOINTS, &height_key(tree_size))?
            .map(|b| {
                String::from_utf8(b).map_err(|e| StorageError::Corrupt {
                    what: "public checkpoint",
                    detail: e.to_string(),
                })
            })
            .transpose()
    }

    /// The newest public-log checkpoint (largest tree size).
    pub fn latest_public_checkpoint(&self) -> Result<Option<(u64, String)>, StorageError> {
        self.note_at(self.latest_public_checkpoint_size(), |size| {
            self.public_checkpoint(size)
        })
    }

    /// The tree size of [`Store::latest_public_checkpoint`], without reading the note.
    pub fn latest_public_checkpoint_size(&self) -> Option<u64> {
        LatestSizes::get(&self.latest.public)
    }

    /// The note of `size` (the latest of a log), which must be there.
    fn note_at(
        &self,
        size: Option<u64>,
        read: impl FnOnce(u64) -> Result<Option<String>, StorageError>,
    ) -> Result<Option<(u64, String)>, StorageError> {
        let Some(size) = size else {
            return Ok(None);
        };
        let note = read(size)?
            .ok_or_else(|| StorageError::Missing(format!("the checkpoint note of size {size}")))?;
        Ok(Some((size, note)))
    }

    /// Every validator-set hand-over, by the incoming set's first height, in order.
    pub fn handovers(&self) -> Result<Vec<(u64, CheckpointNotes)>, StorageError> {
        let mut out = Vec::new();
        for item in self.db.iterator_cf(
            self.cf(CF_META),
            IteratorMode::From(META_HANDOVER_PREFIX, Direction::Forward),
        ) {
            let (key, value) = item?;
            let Some(height) = key.strip_prefix(META_HANDOVER_PREFIX) else {
                break;
            };
            let height = keys::parse_height_key(height).ok_or(StorageError::Corrupt {
                what: "hand-over key",
                detail: hex::encode(&key),
            })?;
            out.push((height, decode_stored("hand-over notes", &value)?));
        }
        Ok(out)
    }

    /// The largest tree size in a checkpoint column family (its last key).
    fn last_note_size(&self, cf: &'static str) -> Result<Option<u64>, StorageError> {
        let mut iter = self.db.iterator_cf(self.cf(cf), IteratorMode::End);
        let Some(item) = iter.next() else {
            return Ok(None);
        };
        let (key, _) = item?;
        let size = keys::parse_height_key(&key).ok_or(StorageError::Corrupt {
            what: "checkpoint key",
            detail: hex::encode(&key),
        })?;
        Ok(Some(size))
    }

    /// Stores a checkpoint note on its own (signatures collected after the block's commit).
    pub fn put_checkpoint(&self, tree_size: u64, note: &str) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        batch.put_cf(
            self.cf(CF_CHECKPOINTS),
            height_key(tree_size),
            note.as_bytes(),
        );
        self.write_synced(batch)?;
        LatestSizes::raise(&self.latest.ledger, tree_size);
        Ok(())
    }

    /// [`Self::put_checkpoint`] for the public log.
    pub fn put_public_checkpoint(&self, tree_size: u64, note: &str) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        batch.put_cf(
            self.cf(CF_PUBLIC_CHECKPOINTS),
            height_key(tree_size),
            note.as_bytes(),
        );
        self.write_synced(batch)?;
        LatestSizes::raise(&self.latest.public, tree_size);
        Ok(())
    }

    /// Appends operation-log records (each with the head after it) in one synced batch.
    pub fn access_log_append(&self, records: &[ChainedRecord]) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        for chained in records {
            let key = height_key(chained.record.seq);
            let value = encoding::encode(&(&chained.record, &chained.head));
            batch.put_cf(
                self.cf(CF_ACCESS_LOG),
                key,
                self.seal(CF_ACCESS_LOG, &key, &value)?,
            );
        }
        crate::crash::point("access_log::append::before_write");
        self.write_synced(batch)?;
        crate::crash::point("access_log::append::after_write");
        Ok(())
    }

    /// Where the kept operation log starts: genesis, or the point retention pruned it to.
    pub fn access_log_start(&self) -> Result<ChainPoint, StorageError> {
        Ok(self
            .get(CF_META, META_ACCESS_LOG_START)?
            .map(|b| decode_stored("operation log start", &b))
            .transpose()?
            .unwrap_or(ChainPoint::GENESIS))
    }

    /// The last stored operation-log record.
    pub fn access_log_last(&self) -> Result<Option<ChainedRecord>, StorageError> {
        let mut iter = self
            .db
            .iterator_cf(self.cf(CF_ACCESS_LOG), IteratorMode::End);
        iter.next()
            .map(|item| {
                let (key, value) = item?;
                self.open_access_record(&key, &value)
            })
            .transpose()
    }

    /// Operation-log records from `from` through `to`, at most `limit`, in order.
    pub fn access_log_range(
        &self,
        from: u64,
        to: u64,
        limit: usize,
    ) -> Result<Vec<ChainedRecord>, StorageError> {
        let start = height_key(from);
        let mut out = Vec::new();
        for item in self.db.iterator_cf(
            self.cf(CF_ACCESS_LOG),
            IteratorMode::From(&start, Direction::Forward),
        ) {
            let (key, value) = item?;
            if out.len() >= limit || keys::parse_height_key(&key).is_none_or(|seq| seq > to) {
                break;
            }
            out.push(self.open_access_record(&key, &value)?);
        }
        Ok(out)
    }

    /// Drops the operation-log records before `point` (an anchored point) and records that the
    /// kept log starts there, in one batch.
    pub fn access_log_prune(&self, point: ChainPoint) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        batch.delete_range_cf(
            self.cf(CF_ACCESS_LOG),
            height_key(0),
            height_key(point.count),
        );
        batch.put_cf(
            self.cf(CF_META),
            META_ACCESS_LOG_START,
            encoding::encode(&point),
        );
        self.write_synced(batch)
    }

    fn open_access_record(&self, key: &[u8], value: &[u8]) -> Result<ChainedRecord, StorageError> {
        let plain = self.sealer.open(CF_ACCESS_LOG, key, value)?;
        let (record, head): (AccessRecord, Hash) = decode_stored("operation log record", &plain)?;
        Ok(ChainedRecord { record, head })
    }

    fn write_synced(&self, batch: WriteBatch) -> Result<(), StorageError> {
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options)?;
        Ok(())
    }
}

impl NodeSource for Store {
    type Error = StorageError;

    fn node(&self, id: NodeId) -> Result<Hash, StorageError> {
        let bytes = self
            .get(CF_LOG_NODES, &keys::node_key(id))?
            .ok_or_else(|| StorageError::Missing(format!("log node {id:?}")))?;
        Hash::from_slice(&bytes).ok_or(StorageError::Corrupt {
            what: "log node",
            detail: format!("{} bytes", bytes.len()),
        })
    }
}

/// `<kind>/<id>` ‖ 0x00 ‖ leaf index (u64 BE): one disclosed version of a record (ids have no
/// 0x00, so a record's versions are exactly the keys under its prefix).
fn public_history_key(record: &str, index: u64) -> Vec<u8> {
    let mut key = record.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(&height_key(index));
    key
}

/// The public disclosure log's stored subtree hashes, as a proof source.
#[derive(Debug, Clone, Copy)]
pub struct PublicLogNodes<'a>(pub &'a Store);

impl NodeSource for PublicLogNodes<'_> {
    type Error = StorageError;

    fn node(&self, id: NodeId) -> Result<Hash, StorageError> {
        let bytes = self
            .0
            .get(CF_PUBLIC_LOG_NODES, &keys::node_key(id))?
            .ok_or_else(|| StorageError::Missing(format!("public log node {id:?}")))?;
        Hash::from_slice(&bytes).ok_or(StorageError::Corrupt {
            what: "public log node",
            detail: format!("{} bytes", bytes.len()),
        })
    }
}

/// Where the committed-height mark of the database at `db` lives: `<db>.tip`, beside it (as
/// the storage key is), so damage inside the database cannot take the mark with it.
pub fn tip_mark_path(db: &Path) -> PathBuf {
    sibling_path(db, ".tip")
}

/// What [`set_aside`] moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub database: PathBuf,
    /// The height mark, moved beside it (`None` if there was none).
    pub mark: Option<PathBuf>,
    /// The height the mark said this node had committed.
    pub marked_height: Option<u64>,
}

/// Renames the database at `db` to `<db>.set-aside-<stamp>` and its height mark to
/// `<db>.set-aside-<stamp>.tip`, so that the node's next start begins an empty database and
/// rebuilds it from its peers (`gongxin-node resync`). Refused while a process holds the
/// database (RocksDB's `LOCK`, held here until both are moved), and when there is nothing to
/// set aside. The mark goes first: interrupted between the two, the database stays in place
/// without a mark, opens as before, and a second run finishes the job. The storage key stays
/// where it is: the new database is sealed under it, and the old one still opens with it.
///
/// `before_move` runs with the lock held, once the database is known to be there and idle, and
/// before anything moves; it is given the marked height. An error from it leaves everything in
/// place (`resync` writes the do-not-sign mark there).
pub fn set_aside(
    db: &Path,
    stamp: u64,
    before_move: impl FnOnce(Option<u64>) -> std::io::Result<()>,
) -> std::io::Result<SetAside> {
    let refuse = |message: String| Err(std::io::Error::other(message));
    let database = sibling_path(db, &format!(".set-aside-{stamp}"));
    let moved_mark = sibling_path(db, &format!(".set-aside-{stamp}.tip"));
    if database.exists() || moved_mark.exists() {
        return refuse(format!("{} already exists", database.display()));
    }
    if !db.join("CURRENT").exists() {
        return refuse(format!("{} holds no database", db.display()));
    }
    // A POSIX record lock, as RocksDB takes: refused while another process has it, and kept
    // (closing the file would release it) until the database has moved.
    let _lock = match std::fs::OpenOptions::new()
        .write(true)
        .open(db.join("LOCK"))
    {
        Ok(lock) => {
            rustix::fs::fcntl_lock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive)
                .map_err(|_| {
                    std::io::Error::other(format!(
                        "{} is in use: stop the node first",
                        db.display()
                    ))
                })?;
            Some(lock)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return refuse(format!("cannot open {}: {e}", db.join("LOCK").display())),
    };
    let mark = tip_mark_path(db);
    let marked_height = marked_height(db);
    before_move(marked_height)?;
    let mark = if mark.exists() {
        std::fs::rename(&mark, &moved_mark)?;
        Some(moved_mark)
    } else {
        None
    };
    std::fs::rename(db, &database)?;
    Ok(SetAside {
        database,
        mark,
        marked_height,
    })
}

/// Writes `bytes` to `path` so that a crash or power cut leaves the old file or the new one,
/// never half of one: a temporary file beside it (`<path>.partial`), synced, renamed over
/// `path`, and the directory synced so the rename itself lasts.
pub fn write_file_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    {
        let mut file = std::fs::File::create(&partial)?;
        std::io::Write::write_all(&mut file, bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&partial, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// `<dir><suffix>` beside `dir` (`devnet-data/nodes/a/data` → `…/a/data.tip`): where the node
/// keeps what must not live inside its database directory.
pub fn sibling_path(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "data".into());
    name.push(suffix);
    dir.with_file_name(name)
}

/// The height the mark of the database at `db` says it has committed, if it reads.
pub fn marked_height(db: &Path) -> Option<u64> {
    read_tip_mark(&tip_mark_path(db)).map(|(height, _)| height)
}

/// The height the database at `db` itself records as committed, read without the storage key
/// (the tip record is not sealed) and without writing (RocksDB's read-only mode, which takes
/// no lock): what `resync` compares with the mark, which is renamed into place unsynced after
/// each commit and so may lag the database after a power cut. `None` if the database does not
/// open or has no tip.
pub fn stored_tip_height(db: &Path) -> Option<u64> {
    let families = DB::list_cf(&Options::default(), db).ok()?;
    let database = DB::open_cf_for_read_only(&Options::default(), db, families, false).ok()?;
    let bytes = database
        .get_cf(database.cf_handle(CF_META)?, META_TIP)
        .ok()??;
    decode_stored::<ChainTip>("tip", &bytes)
        .ok()
        .map(|tip| tip.height)
}

/// The mark's height and block hash, if it is there and reads as one.
fn read_tip_mark(path: &Path) -> Option<(u64, Hash)> {
    let text = std::fs::read_to_string(path).ok()?;
    let (height, hash) = text.trim().split_once(' ')?;
    Some((height.parse().ok()?, Hash::from_hex(hash).ok()?))
}

#[cfg(test)]
mod tests;
