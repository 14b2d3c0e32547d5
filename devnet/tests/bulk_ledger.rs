//! The bulk path of `gongxin-ledgergen`: what it writes is a ledger the node opens and
//! `gongxin-node check` trusts — hash chain, certificates, both logs' roots and notes — with
//! every transaction applied by the rules and findable by its hash, and a second run extends it.

use std::sync::Arc;

use gongxin_core::Hash;
use gongxin_devnet::bulk::{BulkOptions, build, sample_path};
use gongxin_node::clock::SystemClock;
use gongxin_node::config::NodeConfig;
use gongxin_node::integrity::check_ledger;
use gongxin_node::node::{Node, NodeSetup};

fn open(config: &NodeConfig) -> Arc<Node> {
    Node::open(NodeSetup {
        name: config.name.clone(),
        genesis: Arc::new(config.read_genesis().unwrap()),
        key: config.read_key().unwrap(),
        data_dir: config.data_dir.clone(),
        limits: config.limits,
        clock: SystemClock::shared(),
        gossip: None,
    })
    .unwrap()
}

fn sample(dir: &std::path::Path) -> Vec<Hash> {
    std::fs::read_to_string(sample_path(dir))
        .unwrap()
        .lines()
        .map(|line| Hash::from_hex(line).unwrap())
        .collect()
}

#[test]
fn a_bulk_built_ledger_checks_out_and_grows() {
    let dir = tempfile::tempdir().unwrap();
    let mut progress = Vec::new();
    let options = BulkOptions {
        dir: dir.path().to_path_buf(),
        entries: 120,
        block_txs: 50,
        validators: 1,
        sample: 10,
    };
    let first = build(&options, |size| progress.push(size)).unwrap();
    assert_eq!((first.appended, first.applied), (120, 120));
    assert_eq!((first.log_size, first.height), (120, 3));
    assert_eq!(progress, vec![50, 100, 120]);
    assert!(
        first.entry_bytes > 120 * 100,
        "{} entry bytes",
        first.entry_bytes
    );
    assert_eq!(first.ledger_entry_bytes, Some(first.entry_bytes));
    let families: std::collections::BTreeMap<_, _> =
        first.families.iter().map(|f| (f.name, f.keys)).collect();
    assert_eq!(families["entries"], 120);
    let hashes = sample(dir.path());
    assert_eq!(hashes.len(), 10);

    let config = NodeConfig::load(&first.config).unwrap();
    {
        let node = open(&config);
        let checked = check_ledger(&node).unwrap();
        assert_eq!((checked.blocks, checked.ledger_entries), (4, 120));
        let leaves: Vec<Hash> =
            std::fs::read_to_string(gongxin_devnet::bulk::leaf_sample_path(dir.path()))
                .unwrap()
                .lines()
                .map(|line| Hash::from_hex(line).unwrap())
                .collect();
        assert_eq!(leaves.len(), hashes.len());
        for (hash, leaf) in hashes.iter().zip(&leaves) {
            let location = node.reader().tx_location(hash).unwrap().unwrap();
            assert_eq!(location.rejected, None, "{hash} was rejected");
            assert!(location.log_index < 120);
            // The leaf hash sampled with it is its entry's.
            assert_eq!(
                node.reader().leaf_index(leaf).unwrap(),
                Some(location.log_index)
            );
        }
    }

    // A second run appends up to the new total, after what is there.
    let second = build(
        &BulkOptions {
            entries: 150,
            ..options.clone()
        },
        |_| {},
    )
    .unwrap();
    assert_eq!((second.appended, second.applied), (30, 30));
    assert_eq!((second.log_size, second.height), (150, 4));
    assert_eq!(
        second.ledger_entry_bytes,
        Some(first.entry_bytes + second.entry_bytes)
    );
    let node = open(&config);
    assert_eq!(check_ledger(&node).unwrap().ledger_entries, 150);
    for hash in sample(dir.path()) {
        let location = node.reader().tx_location(&hash).unwrap().unwrap();
        assert!(
            location.log_index >= 120,
            "the new sample is of this run's entries"
        );
    }

    // A run with nothing to append keeps the sample (and the ledger) as they were.
    drop(node);
    let same = build(
        &BulkOptions {
            entries: 150,
            ..options.clone()
        },
        |_| {},
    )
    .unwrap();
    assert_eq!((same.appended, same.log_size), (0, 150));
    assert_eq!(sample(dir.path()).len(), 10);

    // Asking for more per block than a node accepts is refused before anything is written.
    let too_big = BulkOptions {
        entries: 200,
        block_txs: config.limits.block_txs_max + 1,
        ..options.clone()
    };
    assert!(build(&too_big, |_| {}).is_err());
    let node = open(&config);
    assert_eq!(check_ledger(&node).unwrap().ledger_entries, 150);

    // The entries' bytes, summed independently of the bulk run, are the figure it kept.
    let entries = node.reader().entries(0, 149, 1_000).unwrap();
    assert_eq!(entries.len(), 150);
    let stored: u64 = entries.iter().map(|(_, bytes)| bytes.len() as u64).sum();
    assert_eq!(second.ledger_entry_bytes, Some(stored));

    // Once something else has written to the ledger, the kept sum no longer describes it.
    std::fs::write(
        gongxin_devnet::bulk::stats_path(dir.path()),
        r#"{"log_size":1,"entry_bytes":1}"#,
    )
    .unwrap();
    drop(node);
    let third = build(
        &BulkOptions {
            entries: 160,
            ..options
        },
        |_| {},
    )
    .unwrap();
    assert_eq!((third.appended, third.ledger_entry_bytes), (10, None));
    assert!(!gongxin_devnet::bulk::stats_path(dir.path()).exists());
}

#[test]
fn a_ledger_for_four_validators_carries_all_four_signatures_and_checks_out() {
    let dir = tempfile::tempdir().unwrap();
    let report = build(
        &BulkOptions {
            dir: dir.path().to_path_buf(),
            entries: 60,
            block_txs: 30,
            validators: 4,
            sample: 5,
        },
        |_| {},
    )
    .unwrap();
    assert_eq!((report.log_size, report.height), (60, 2));
    let config = NodeConfig::load(&report.config).unwrap();
    let node = open(&config);
    assert_eq!(node.genesis.validators.validators().len(), 4);
    assert_eq!(check_ledger(&node).unwrap().ledger_entries, 60);
    let certificate = node.reader().certificate(2).unwrap().unwrap();
    assert_eq!(certificate.signatures.len(), 4);
}
