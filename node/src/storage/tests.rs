use std::collections::BTreeMap;

use gongxin_core::log::{self, Frontier};
use gongxin_core::testkit;

use super::*;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    (dir, store)
}

/// `count` made-up entries of 10 bytes, by made-up transaction hashes.
fn small_entries(count: u8) -> Vec<(Hash, Vec<u8>)> {
    (0..count)
        .map(|i| (Hash::digest(&[i]), vec![i; 10]))
        .collect()
}

/// Writes the test ledger's entries and log nodes the way the node does, in blocks of `per_block`.
fn write_log(store: &Store, entries: &[(Hash, Vec<u8>)], per_block: usize) -> Frontier {
    let mut frontier = Frontier::new();
    for (block, chunk) in entries.chunks(per_block).enumerate() {
        let mut write = BlockWrite::default();
        for (position, (hash, bytes)) in chunk.iter().enumerate() {
            let index = frontier.size();
            write
                .log_nodes
                .extend(frontier.push(log::leaf_hash(bytes)).unwrap());
            write.entries.push((index, bytes.clone()));
            write.tx_locations.push((
                *hash,
                TxLocation {
                    height: block as u64 + 1,
                    position: position as u32,
                    log_index: index,
                    rejected: None,
                },
            ));
        }
        write.tip = Some(ChainTip {
            height: block as u64 + 1,
            block_hash: Hash::digest(&[block as u8]),
            log_size: frontier.size(),
            log_root: frontier.root(),
            state_hash: Hash::ZERO,
            public_log_size: 0,
            public_log_root: log::empty_root(),
        });
        store.commit(write).unwrap();
    }
    frontier
}

#[test]
fn log_nodes_serve_the_same_proofs_as_memory() {
    let (_dir, store) = store();
    let ledger = testkit::ledger(37);
    let frontier = write_log(&store, &ledger.entries, 5);
    assert_eq!(frontier.root(), ledger.log.root());
    for size in [1u64, 5, 16, 37] {
        assert_eq!(
            log::root_at(&store, size).unwrap(),
            ledger.log.root_at(size).unwrap()
        );
        for index in [0, size / 2, size - 1] {
            assert_eq!(
                log::inclusion_proof(&store, index, size).unwrap(),
                log::inclusion_proof(&ledger.log, index, size).unwrap()
            );
        }
    }
    assert_eq!(
        log::consistency_proof(&store, 10, 37).unwrap(),
        log::consistency_proof(&ledger.log, 10, 37).unwrap()
    );
    let rebuilt = Frontier::from_source(&store, 37).unwrap();
    assert_eq!(rebuilt.root(), frontier.root());
}

#[test]
fn data_survives_reopen_and_tip_is_tracked() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = testkit::ledger(9);
    {
        let store = Store::open(&dir.path().join("db")).unwrap();
        write_log(&store, &ledger.entries, 4);
    }
    let store = Store::open(&dir.path().join("db")).unwrap();
    let tip = store.tip().unwrap().unwrap();
    assert_eq!((tip.height, tip.log_size), (3, 9));
    assert_eq!(tip.log_root, ledger.log.root());
    let location = store.tx_location(&ledger.entries[6].0).unwrap().unwrap();
    assert_eq!(
        (location.height, location.position, location.log_index),
        (2, 2, 6)
    );
    assert_eq!(store.entry(6).unwrap().unwrap(), ledger.entries[6].1);
    assert!(store.entry(9).unwrap().is_none());
    let range = store.entries(2, 5, 100).unwrap();
    assert_eq!(
        range.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        vec![2, 3, 4, 5]
    );
    assert_eq!(
        store.entries(2, 100, 3).unwrap().len(),
        3,
        "limit respected"
    );
}

#[test]
fn family_sizes_follow_what_was_written_and_flushed() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = testkit::ledger(40);
    let sizes = |store: &Store| -> BTreeMap<&'static str, FamilySize> {
        let sizes = store.family_sizes().unwrap();
        assert_eq!(sizes.len(), COLUMN_FAMILIES.len());
        sizes.into_iter().map(|size| (size.name, size)).collect()
    };
    {
        let store = Store::open(&dir.path().join("db")).unwrap();
        assert_eq!(sizes(&store)[CF_ENTRIES].keys, 0);
        write_log(&store, &ledger.entries, 10);
        let written = sizes(&store);
        assert_eq!(written[CF_ENTRIES].keys, 40);
        assert!(written[CF_ENTRIES].memtable_bytes > 40 * 100);
        assert_eq!(written[CF_ENTRIES].sst_bytes, 0, "nothing flushed yet");
        assert_eq!(written[CF_STATE].keys, 0);
    }
    // Opening again flushes what the write-ahead log held into SST files.
    let store = Store::open(&dir.path().join("db")).unwrap();
    let reopened = sizes(&store);
    assert_eq!(reopened[CF_ENTRIES].keys, 40);
    assert!(reopened[CF_ENTRIES].sst_bytes > 40 * 100);
    assert!(reopened[CF_TXS].sst_bytes > 0);
}

#[test]
fn state_scan_respects_prefix_start_after_and_limit() {
    let (_dir, store) = store();
    let mut write = BlockWrite::default();
    for key in ["a/1", "p/1", "p/2", "p/3", "q/1"] {
        write
            .state_writes
            .push((key.as_bytes().to_vec(), Some(key.as_bytes().to_vec())));
    }
    store.commit(write).unwrap();
    let keys = |items: Vec<(Vec<u8>, Vec<u8>)>| -> Vec<String> {
        items
            .into_iter()
            .map(|(k, _)| String::from_utf8(k).unwrap())
            .collect()
    };
    assert_eq!(
        keys(store.state_scan(b"p/", None, 10).unwrap()),
        ["p/1", "p/2", "p/3"]
    );
    assert_eq!(
        keys(store.state_scan(b"p/", Some(b"p/1"), 10).unwrap()),
        ["p/2", "p/3"]
    );
    assert_eq!(
        keys(store.state_scan(b"p/", None, 2).unwrap()),
        ["p/1", "p/2"]
    );
    let mut delete = BlockWrite::default();
    delete.state_writes.push((b"p/2".to_vec(), None));
    store.commit(delete).unwrap();
    assert_eq!(
        keys(store.state_scan(b"p/", None, 10).unwrap()),
        ["p/1", "p/3"]
    );
}

#[test]
fn checkpoints_by_size_and_latest() {
    let (_dir, store) = store();
    assert!(store.latest_checkpoint().unwrap().is_none());
    store.put_checkpoint(5, "five").unwrap();
    store.put_checkpoint(300, "three hundred").unwrap();
    store.put_checkpoint(40, "forty").unwrap();
    assert_eq!(
        store.latest_checkpoint().unwrap(),
        Some((300, "three hundred".to_owned()))
    );
    assert_eq!(store.checkpoint(40).unwrap().as_deref(), Some("forty"));
    assert!(store.checkpoint(41).unwrap().is_none());
}

#[test]
fn the_latest_checkpoint_sizes_are_kept_in_memory_and_found_again_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.latest_checkpoint_size(), None);
        assert_eq!(store.latest_public_checkpoint_size(), None);
        // A block's commit carries both notes; a later, smaller one does not lower them.
        store
            .commit(BlockWrite {
                checkpoint: Some((0, "ledger at 0".into())),
                public_checkpoint: Some((7, "public at 7".into())),
                ..BlockWrite::default()
            })
            .unwrap();
        assert_eq!(store.latest_checkpoint_size(), Some(0));
        assert_eq!(store.latest_public_checkpoint_size(), Some(7));
        store.put_public_checkpoint(3, "public at 3").unwrap();
        store.put_checkpoint(12, "ledger at 12").unwrap();
        assert_eq!(
            store.latest_checkpoint().unwrap(),
            Some((12, "ledger at 12".to_owned()))
        );
        assert_eq!(
            store.latest_public_checkpoint().unwrap(),
            Some((7, "public at 7".to_owned()))
        );
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.latest_checkpoint_size(), Some(12));
    assert_eq!(store.latest_public_checkpoint_size(), Some(7));
    assert_eq!(
        store.latest_public_checkpoint().unwrap(),
        Some((7, "public at 7".to_owned()))
    );
}

#[test]
fn a_database_stays_bound_to_its_genesis() {
    let (_dir, store) = store();
    store.bind_genesis(&Hash::digest(b"genesis A")).unwrap();
    store.bind_genesis(&Hash::digest(b"genesis A")).unwrap();
    assert!(matches!(
        store.bind_genesis(&Hash::digest(b"genesis B")),
        Err(StorageError::Corrupt { .. })
    ));
}

#[test]
fn missing_log_node_is_an_error_not_a_panic() {
    let (_dir, store) = store();
    assert!(matches!(
        log::root_at(&store, 3),
        Err(StorageError::Missing(_))
    ));
    assert!(log::inclusion_proof(&store, 0, 3).is_err());
}

/// Every file of a directory tree, read whole.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

#[test]
fn record_content_never_reaches_the_disk_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let marker = b"MARKER-sm4-7d2e-in-clear";
    {
        let store = Store::open(&db).unwrap();
        let mut write = BlockWrite::default();
        let mut entry = b"entry bytes with ".to_vec();
        entry.extend_from_slice(marker);
        write.entries.push((0, entry.clone()));
        write
            .state_writes
            .push((b"project/P-1".to_vec(), Some(entry.clone())));
        write.tx_locations.push((
            Hash::digest(marker),
            TxLocation {
                height: 1,
                position: 0,
                log_index: 0,
                rejected: Some(String::from_utf8_lossy(marker).into_owned()),
            },
        ));
        store.commit(write).unwrap();
        assert_eq!(store.entry(0).unwrap().unwrap(), entry);
        assert_eq!(store.state_get(b"project/P-1").unwrap().unwrap(), entry);
        let scanned = store.state_scan(b"project/", None, 10).unwrap();
        assert_eq!(scanned, vec![(b"project/P-1".to_vec(), entry.clone())]);
        store.db.flush_cf(store.cf(CF_STATE)).unwrap();
        store.db.flush_cf(store.cf(CF_ENTRIES)).unwrap();
    }
    let files = files_under(&db);
    assert!(
        files
            .iter()
            .any(|(p, _)| p.extension().is_some_and(|e| e == "sst"))
    );
    for (path, bytes) in files {
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker),
            "{} holds record content in clear",
            path.display()
        );
    }
}

#[test]
fn a_missing_or_wrong_storage_key_stops_the_node_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let key = seal::default_key_path(&db);
    drop(Store::open(&db).unwrap());
    assert!(key.exists(), "a new database gets its key beside it");
    // The key moved away: refused, not a new key over old data.
    let elsewhere = dir.path().join("moved.key");
    std::fs::rename(&key, &elsewhere).unwrap();
    let error = Store::open(&db).unwrap_err().to_string();
    assert!(error.contains("missing"), "{error}");
    assert!(!key.exists(), "no new key is made for an existing database");
    // Another key: refused at start.
    seal::create_key_file(&key).unwrap();
    let error = Store::open(&db).unwrap_err().to_string();
    assert!(
        error.contains("does not hold") || error.contains("authenticate"),
        "{error}"
    );
    // The right key again: opens.
    std::fs::remove_file(&key).unwrap();
    assert!(Store::open_with_key(&db, &elsewhere).is_ok());
}

/// The key id a sealed value names.
fn sealed_key_id(value: &[u8]) -> String {
    hex::encode(&value[1..5])
}

#[test]
fn rekey_reseals_everything_and_an_interrupted_one_is_finished_by_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let key_path = seal::default_key_path(&path);
    let ledger = testkit::ledger(9);
    {
        let store = Store::open(&path).unwrap();
        write_log(&store, &ledger.entries, 4);
        store
            .commit(BlockWrite {
                state_writes: vec![(b"project/P-1".to_vec(), Some(b"a record".to_vec()))],
                ..BlockWrite::default()
            })
            .unwrap();
    }
    let old_id = seal::read_key_file(&key_path).unwrap().id_hex();

    // An interrupted rotation: the next key exists; the node refuses to start until it is
    // finished.
    let next = seal::create_key_file(&seal::next_key_path(&key_path)).unwrap();
    let refused = Store::open(&path).unwrap_err().to_string();
    assert!(refused.contains("rekey"), "{refused}");

    let report = Store::rekey(&path, &key_path).unwrap();
    assert_eq!(report.old_key_id, old_id);
    assert_eq!(report.new_key_id, next.id_hex());
    // 9 entries, 9 tx locations, 1 state value, the key check (no blocks were written here).
    assert_eq!(report.values, 20);
    assert!(report.retired_key.exists());
    assert!(!seal::next_key_path(&key_path).exists());
    assert_eq!(
        seal::read_key_file(&key_path).unwrap().id_hex(),
        next.id_hex()
    );

    // Every sealed value now names the new key, and reads back.
    {
        let names = DB::list_cf(&Options::default(), &path).unwrap();
        let db = DB::open_cf(&Options::default(), &path, &names).unwrap();
        let mut seen = 0;
        for cf in SEALED_CFS {
            for item in db.iterator_cf(db.cf_handle(cf).unwrap(), IteratorMode::Start) {
                let (_, value) = item.unwrap();
                assert_eq!(sealed_key_id(&value), next.id_hex(), "{cf}");
                seen += 1;
            }
        }
        assert_eq!(seen, 19);
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.entry(3).unwrap().unwrap(), ledger.entries[3].1);
    assert_eq!(
        store.state_get(b"project/P-1").unwrap().unwrap(),
        b"a record"
    );
    // The retired key still opens what it sealed outside the database (the consensus WAL).
    let old_sealed = seal::Sealer::new(
        seal::read_key_file(&report.retired_key).unwrap(),
        Vec::new(),
    )
    .seal("consensus_wal", b"", b"a vote")
    .unwrap();
    assert_eq!(
        store
            .sealer()
            .open("consensus_wal", b"", &old_sealed)
            .unwrap(),
        b"a vote"
    );
}

/// How a damaged copy of the database answered.
#[derive(Debug, Default)]
struct DamageOutcome {
    refused_to_open: bool,
    /// Reads that returned an error.
    read_errors: usize,
    /// Reads that returned other data, or nothing where something was written.
    wrong: Vec<String>,
}

/// Reopens `db` and reads back everything `write_log` wrote: each answer must be the written
/// value or an error — never another value, never "not there".
fn read_back(db: &Path, ledger: &testkit::TestLedger) -> DamageOutcome {
    let mut outcome = DamageOutcome::default();
    let Ok(store) = Store::open(db) else {
        outcome.refused_to_open = true;
        return outcome;
    };
    let mut judge = |what: String, read: Result<bool, StorageError>| match read {
        Ok(true) => {}
        Ok(false) => outcome.wrong.push(what),
        Err(_) => outcome.read_errors += 1,
    };
    let tip = store.tip().map(|tip| {
        tip.is_some_and(|t| {
            t.log_size == ledger.entries.len() as u64 && t.log_root == ledger.log.root()
        })
    });
    judge("tip".into(), tip);
    for (index, (hash, bytes)) in ledger.entries.iter().enumerate() {
        let entry = store.entry(index as u64).map(|e| e.as_ref() == Some(bytes));
        judge(format!("entry {index}"), entry);
        let location = store
            .tx_location(hash)
            .map(|l| l.is_some_and(|l| l.log_index == index as u64));
        judge(format!("location of tx {index}"), location);
    }
    outcome
}

/// One node's disk, damaged: every file of the database in turn gets a flipped byte (a bad
/// sector) in its middle and near its end, or is cut to half (a torn write). Reopened, the
/// store either refuses to open or answers each read with the value written or an error —
/// never other data, never "not there", never a panic. RocksDB's block checksums and
/// `paranoid_checks`, the SM4-GCM seal on every value, and the committed-height mark beside
/// the database (a MANIFEST cut short opens as an older, here empty, database) catch it.
#[test]
fn a_damaged_database_fails_loudly_and_never_serves_other_data() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine");
    let ledger = testkit::ledger(24);
    {
        let store = Store::open(&pristine).unwrap();
        write_log(&store, &ledger.entries, 4);
        for cf in COLUMN_FAMILIES {
            store.db.flush_cf(store.cf(cf)).unwrap();
        }
    }
    let key = seal::default_key_path(&pristine);
    let (mut cases, mut refused, mut errors) = (0, 0, 0);
    let mut wrong: Vec<String> = Vec::new();
    for (path, bytes) in files_under(&pristine) {
        let relative = path.strip_prefix(&pristine).unwrap().to_owned();
        if bytes.len() < 16 || relative.to_string_lossy() == "LOCK" {
            continue;
        }
        let damages: [(&str, Vec<u8>); 3] = [
            ("flip in the middle", {
                let mut b = bytes.clone();
                b[bytes.len() / 2] ^= 0x10;
                b
            }),
            ("flip near the end", {
                let mut b = bytes.clone();
                b[bytes.len() - 9] ^= 0x01;
                b
            }),
            ("cut to half", bytes[..bytes.len() / 2].to_vec()),
        ];
        for (what, damaged) in damages {
            let case = dir.path().join(format!("case-{cases}"));
            for (file, content) in files_under(&pristine) {
                let target = case.join(file.strip_prefix(&pristine).unwrap());
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(&target, content).unwrap();
            }
            std::fs::copy(&key, seal::default_key_path(&case)).unwrap();
            std::fs::copy(tip_mark_path(&pristine), tip_mark_path(&case)).unwrap();
            std::fs::write(case.join(&relative), damaged).unwrap();
            let outcome = std::panic::catch_unwind(|| read_back(&case, &ledger))
                .unwrap_or_else(|_| panic!("{} with a {what}: a panic", relative.display()));
            if !outcome.wrong.is_empty() {
                wrong.push(format!(
                    "{} ({what}): {:?}",
                    relative.display(),
                    outcome.wrong
                ));
            }
            refused += usize::from(outcome.refused_to_open);
            errors += outcome.read_errors;
            cases += 1;
            std::fs::remove_dir_all(&case).unwrap();
        }
    }
    assert!(cases >= 12, "only {cases} damaged copies were tried");
    assert!(
        wrong.is_empty(),
        "damage served as data:\n{}",
        wrong.join("\n")
    );
    eprintln!(
        "{cases} damaged copies: {refused} refused to open, {errors} reads failed, none served other data"
    );
}

#[test]
fn a_database_behind_its_committed_height_mark_refuses_to_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let ledger = testkit::ledger(8);
    {
        let store = Store::open(&db).unwrap();
        write_log(&store, &ledger.entries, 4);
    }
    let mark = std::fs::read_to_string(tip_mark_path(&db)).unwrap();
    assert!(
        mark.starts_with("2 "),
        "the mark names the last block: {mark}"
    );
    // Reopening the same database is fine; so is a mark that lags (a power cut before its
    // rename) or that cannot be read.
    drop(Store::open(&db).unwrap());
    std::fs::write(
        tip_mark_path(&db),
        format!("1 {}\n", Hash::digest(&[0]).to_hex()),
    )
    .unwrap();
    drop(Store::open(&db).unwrap());
    std::fs::write(tip_mark_path(&db), "").unwrap();
    drop(Store::open(&db).unwrap());
    // A mark ahead of the database, or naming another block at its height: refused.
    std::fs::write(tip_mark_path(&db), format!("9 {}\n", Hash::ZERO.to_hex())).unwrap();
    let error = Store::open(&db).unwrap_err().to_string();
    assert!(error.contains("blocks up to height 2 only"), "{error}");
    assert!(error.contains("committed block 9"), "{error}");
    std::fs::write(tip_mark_path(&db), format!("2 {}\n", Hash::ZERO.to_hex())).unwrap();
    let error = Store::open(&db).unwrap_err().to_string();
    assert!(error.contains("another block"), "{error}");
}

#[test]
fn set_aside_moves_nothing_when_the_step_before_the_move_fails() {
    let (dir, store) = store();
    write_log(&store, &small_entries(3), 1);
    drop(store);
    let db = dir.path().join("db");
    let refused = set_aside(&db, 9, |marked| {
        assert_eq!(marked, Some(3), "the step sees the marked height");
        Err(std::io::Error::other("no safe height"))
    })
    .unwrap_err();
    assert!(refused.to_string().contains("no safe height"));
    assert!(db.join("CURRENT").exists() && tip_mark_path(&db).exists());
    assert_eq!(marked_height(&db), Some(3));
    let moved = set_aside(&db, 9, |_| Ok(())).unwrap();
    assert_eq!(moved.marked_height, Some(3));
    assert!(!db.exists() && !tip_mark_path(&db).exists());
    assert!(moved.database.join("CURRENT").exists());
    assert_eq!(marked_height(&db), None);
}

#[test]
fn the_stored_tip_is_read_without_the_key_even_when_the_mark_lags() {
    let (dir, store) = store();
    write_log(&store, &small_entries(4), 1);
    drop(store);
    let db = dir.path().join("db");
    assert_eq!(stored_tip_height(&db), Some(4));
    // A mark left behind by a power cut says less; the database's own record is still read.
    std::fs::write(tip_mark_path(&db), format!("1 {}\n", Hash::ZERO.to_hex())).unwrap();
    assert_eq!(marked_height(&db), Some(1));
    assert_eq!(stored_tip_height(&db), Some(4));
    assert_eq!(stored_tip_height(&dir.path().join("nothing")), None);
}
