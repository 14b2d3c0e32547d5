//! `gongxin-node check` (`integrity::check_ledger`) on a real ledger (the demo data), then on
//! copies of it altered behind the node's back with RocksDB itself: a ledger entry and a
//! public leaf deleted, one entry's sealed value put under another's key, a certificate and a
//! block's checkpoint notes deleted. Each is found and
//! named at the block it breaks; the clean ledger passes with every count right.

mod common;

use std::path::Path;

use gongxin_node::config::Limits;
use gongxin_node::integrity::{IntegrityError, IntegrityReport, check_ledger};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Opens the database of `dir` with RocksDB alone (no seal, no checks) and lets `alter` change
/// it.
fn behind_the_nodes_back(dir: &Path, alter: impl FnOnce(&rocksdb::DB)) {
    let path = dir.join("data");
    let families = rocksdb::DB::list_cf(&rocksdb::Options::default(), &path).unwrap();
    let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, families).unwrap();
    alter(&db);
    db.flush().unwrap();
}

fn key(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// The check of a copy of `original`'s files altered by `alter`.
fn check_altered(
    original: &common::TestNode,
    alter: impl FnOnce(&rocksdb::DB),
) -> Result<IntegrityReport, IntegrityError> {
    let copy = tempfile::tempdir().unwrap();
    copy_dir(original.dir.path(), copy.path());
    behind_the_nodes_back(copy.path(), alter);
    let node = common::open(&copy, &original.keys, Limits::default());
    check_ledger(&node)
}

fn broken_at(result: Result<IntegrityReport, IntegrityError>) -> (u64, String) {
    match result {
        Err(IntegrityError::Broken { height, what }) => (height, what),
        Err(IntegrityError::Unreadable { height, error }) => (height, error.to_string()),
        Ok(report) => panic!("an altered ledger passed: {report:?}"),
    }
}

#[test]
fn the_check_passes_a_real_ledger_and_names_the_block_of_each_alteration() {
    let original = common::test_node(Limits::default());
    original.load_demo();
    // And blocks of a few transactions each, so the alterations have blocks to land in.
    let txs = original.keys.proposals("CHECK", 24, 1_000, 1_000);
    for block in txs.chunks(4) {
        for tx in block {
            original
                .node
                .admission
                .submit(tx.clone(), tx.to_bytes().len())
                .unwrap();
        }
        gongxin_node::producer::produce_block(&original.node, false).unwrap();
    }
    let tip = original.node.tip();
    let header = tip.header.clone();
    assert!(tip.height() >= 6);
    assert!(header.public_log_size > 0);

    let report = check_ledger(&original.node).unwrap();
    assert_eq!(
        report,
        IntegrityReport {
            blocks: tip.height() + 1,
            ledger_entries: header.log_size,
            public_leaves: header.public_log_size,
            checkpoint_notes: 2 * tip.height(),
        }
    );
    // The block holding a given ledger entry, for the expected failure heights.
    let reader = original.node.reader();
    let block_of_entry = |index: u64| {
        (1..=tip.height())
            .find(|h| reader.header(*h).unwrap().unwrap().log_size > index)
            .unwrap()
    };
    let entry = header.log_size / 2;
    let certified = tip.height() / 2;
    // Each copy is taken with the node idle: its database files are crash-consistent (every
    // block's batch was synced), as after a power cut.

    let (height, what) = broken_at(check_altered(&original, |db| {
        db.delete_cf(db.cf_handle("entries").unwrap(), key(entry))
            .unwrap();
    }));
    assert_eq!(height, block_of_entry(entry), "{what}");
    assert!(what.contains(&format!("no entry {entry}")), "{what}");

    let leaf = header.public_log_size - 1;
    let block_of_leaf = (0..=tip.height())
        .find(|h| reader.header(*h).unwrap().unwrap().public_log_size > leaf)
        .unwrap();
    let (height, what) = broken_at(check_altered(&original, |db| {
        db.delete_cf(db.cf_handle("public_leaves").unwrap(), key(leaf))
            .unwrap();
    }));
    assert_eq!(height, block_of_leaf, "{what}");
    assert!(
        what.contains(&format!("public log has no entry {leaf}")),
        "{what}"
    );

    // A leftover entry past the tip (a copy of entry 0 at the next index) is found at the tip.
    let (height, what) = broken_at(check_altered(&original, |db| {
        let entries = db.cf_handle("entries").unwrap();
        let first = db.get_cf(entries, key(0)).unwrap().unwrap();
        db.put_cf(entries, key(header.log_size), first).unwrap();
    }));
    assert_eq!(height, tip.height(), "{what}");

    // One entry's sealed value under the next entry's key: the seal is bound to its key, so
    // it does not open — a value moved whole is caught, not read as the other transaction.
    let (height, what) = broken_at(check_altered(&original, |db| {
        let entries = db.cf_handle("entries").unwrap();
        let moved = db.get_cf(entries, key(entry)).unwrap().unwrap();
        db.put_cf(entries, key(entry + 1), moved).unwrap();
    }));
    assert_eq!(height, block_of_entry(entry + 1), "{what}");
    assert!(what.contains("does not authenticate"), "{what}");

    let (height, what) = broken_at(check_altered(&original, |db| {
        db.delete_cf(db.cf_handle("certs").unwrap(), key(certified))
            .unwrap();
    }));
    assert_eq!(
        (height, what.as_str()),
        (certified, "no commit certificate")
    );

    let (height, what) = broken_at(check_altered(&original, |db| {
        db.delete_cf(db.cf_handle("block_checkpoints").unwrap(), key(certified))
            .unwrap();
    }));
    assert_eq!((height, what.as_str()), (certified, "no checkpoint notes"));
}
