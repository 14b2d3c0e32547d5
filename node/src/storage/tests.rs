use gongxin_core::log::{self, Frontier};
use gongxin_core::testkit;

use super::*;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
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
        let store = Store::open(dir.path()).unwrap();
        write_log(&store, &ledger.entries, 4);
    }
    let store = Store::open(dir.path()).unwrap();
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
