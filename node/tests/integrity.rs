//! `gongxin-node check` (`integrity::check_ledger`) on a real ledger (the demo data), then on
//! copies of it altered behind the node's back with RocksDB itself: a ledger entry and a
//! public leaf deleted, one entry's sealed value put under another's key, a certificate and a
//! block's checkpoint notes deleted. Each is found and
//! named at the block it breaks; the clean ledger passes with every count right. And a node
//! serving a copy with a log node altered refuses exactly the proofs that cross it.

mod common;

use std::path::Path;

use gongxin_node::config::Limits;
use gongxin_node::integrity::{IntegrityError, IntegrityReport, check_ledger};

/// Commits `count` project proposals tagged `tag` on `node`, `per_block` to a block.
fn commit_proposals(node: &common::TestNode, tag: &str, count: usize, per_block: usize) {
    for block in node
        .keys
        .proposals(tag, count, 1_000, 1_000)
        .chunks(per_block)
    {
        for tx in block {
            node.node
                .admission
                .submit(tx.clone(), tx.to_bytes().len())
                .unwrap();
        }
        gongxin_node::producer::produce_block(&node.node, false).unwrap();
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
    let (_copy, node) = altered_copy(original, alter);
    check_ledger(&node)
}

/// A node opened on a copy of `original`'s files altered by `alter` (and the copy's directory,
/// which must outlive it).
fn altered_copy(
    original: &common::TestNode,
    alter: impl FnOnce(&rocksdb::DB),
) -> (tempfile::TempDir, std::sync::Arc<gongxin_node::node::Node>) {
    let copy = tempfile::tempdir().unwrap();
    common::copy_dir(original.dir.path(), copy.path());
    behind_the_nodes_back(copy.path(), alter);
    let node = common::open(&copy, &original.keys, Limits::default());
    (copy, node)
}

/// Puts a wrong hash at log node (`level`, `index`) of column family `family`.
fn alter_log_node(db: &rocksdb::DB, family: &str, level: u8, index: u64) {
    let wrong = gongxin_core::Hash::digest(b"a flipped bit");
    db.put_cf(
        db.cf_handle(family).unwrap(),
        node_key(level, index),
        wrong.as_bytes(),
    )
    .unwrap();
}

fn broken_at(result: Result<IntegrityReport, IntegrityError>) -> (u64, String) {
    match result {
        Err(IntegrityError::Broken { height, what }) => (height, what),
        Err(IntegrityError::Unreadable { height, error }) => (height, error.to_string()),
        Err(IntegrityError::Files(error)) => {
            panic!("a whole value altered is no file damage: {error}")
        }
        Ok(report) => panic!("an altered ledger passed: {report:?}"),
    }
}

#[test]
fn the_check_passes_a_real_ledger_and_names_the_block_of_each_alteration() {
    let original = common::test_node(Limits::default());
    original.load_demo();
    // And blocks of a few transactions each, so the alterations have blocks to land in.
    commit_proposals(&original, "CHECK", 24, 4);
    let tip = original.node.tip();
    let header = tip.header.clone();
    assert!(tip.height() >= 6);
    assert!(header.public_log_size > 0);

    let report = check_ledger(&original.node).unwrap();
    assert!(report.stored_values > header.log_size * 5, "{report:?}");
    assert_eq!(
        report,
        IntegrityReport {
            stored_values: report.stored_values,
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

    // A validator set the chain never passed, recorded as taking effect at `certified` (the
    // store keeps sets unsealed): one more validator beside the real one. The header before
    // it names the real set as next, so the set is refused at the first height it would
    // certify, before any certificate is judged by it.
    let (height, what) = broken_at(check_altered(&original, |db| {
        record_forged_set(&original, db, certified)
    }));
    assert_eq!(height, certified, "{what}");
    assert!(
        what.contains("not the one its parent's header named as next"),
        "{what}"
    );
    // Past the tip: the next height's set is the one the tip's header names, and no set lies
    // further ahead than a governance change reaches.
    let (height, what) = broken_at(check_altered(&original, |db| {
        record_forged_set(&original, db, tip.height() + 1)
    }));
    assert_eq!(height, tip.height(), "{what}");
    assert!(what.contains("not the one its header names"), "{what}");
    let (height, what) = broken_at(check_altered(&original, |db| {
        record_forged_set(&original, db, tip.height() + 5)
    }));
    assert_eq!(height, tip.height(), "{what}");
    assert!(what.contains("further ahead than any block"), "{what}");
}

/// Records, behind the node's back, a validator set the chain never passed (the real one and
/// an intruder) as taking effect at `from`.
fn record_forged_set(original: &common::TestNode, db: &rocksdb::DB, from: u64) {
    let mut validators = original.keys.genesis.validators.validators().to_vec();
    let mut extra = validators[0].clone();
    extra.name = "intruder.validator".into();
    extra.power = 1;
    extra.public_key = gongxin_core::crypto::Keypair::from_secret_bytes(
        gongxin_core::crypto::Algorithm::Ed25519,
        &[9; 32],
    )
    .unwrap()
    .public_key();
    validators.push(extra);
    let forged = gongxin_core::validator::ValidatorSet::new(validators).unwrap();
    let mut set_key = b"valset/".to_vec();
    set_key.extend_from_slice(&key(from));
    db.put_cf(
        db.cf_handle("meta").unwrap(),
        set_key,
        gongxin_core::encoding::encode(&forged),
    )
    .unwrap();
}

/// The key of log node (`level`, `index`) in `log_nodes` and `public_log_nodes`.
fn node_key(level: u8, index: u64) -> Vec<u8> {
    let mut key = vec![level];
    key.extend_from_slice(&index.to_be_bytes());
    key
}

async fn get(
    routes: &warp::filters::BoxedFilter<(warp::reply::Response,)>,
    path: &str,
) -> (u16, serde_json::Value) {
    let response = warp::test::request().path(path).reply(routes).await;
    let body = serde_json::from_slice(response.body()).unwrap_or(serde_json::Value::Null);
    (response.status().as_u16(), body)
}

/// While it serves, a node checks each proof against its own stored checkpoint: a log node
/// altered behind its back makes exactly the proofs that use it fail, with a 500 naming the
/// damage and a counted metric, and every other proof is still served and verifies.
#[tokio::test]
async fn a_node_does_not_serve_a_proof_it_cannot_verify() {
    let original = common::test_node(Limits::default());
    commit_proposals(&original, "SERVE", 8, 4);
    let header = original.node.tip().header.clone();
    assert!(header.log_size >= 8 && header.public_log_size >= 2);
    let (_copy, node) = altered_copy(&original, |db| {
        alter_log_node(db, "log_nodes", 0, 2);
        alter_log_node(db, "public_log_nodes", 0, 0);
    });
    let routes = gongxin_node::gateway::routes(node.clone());
    let leaf =
        |index: u64| gongxin_core::log::leaf_hash(&node.reader().entry(index).unwrap().unwrap());

    // Every proof is asked for: exactly those whose path holds the altered node are refused —
    // leaf 3's, whose path starts with its sibling, node 2 — and the others are served and
    // verify against the checkpoint's root (leaf 2's own path does not hold its stored hash).
    for index in 0..header.log_size {
        let (status, body) = get(
            &routes,
            &format!("/v1/proofs/inclusion?leaf_hash={}", leaf(index)),
        )
        .await;
        if index == 3 {
            assert_eq!(status, 500, "{body}");
            assert_eq!(body["error"], "ledger_damaged", "{body}");
            assert!(
                body["message"].as_str().unwrap().contains("leaf 3"),
                "{body}"
            );
            continue;
        }
        assert_eq!(status, 200, "leaf {index}: {body}");
        let path: Vec<gongxin_core::Hash> =
            serde_json::from_value(body["audit_path"].clone()).unwrap();
        gongxin_core::log::verify_inclusion(
            &leaf(index),
            index,
            header.log_size,
            &path,
            &header.log_root,
        )
        .unwrap();
    }
    // The signed form, with the entry, is checked the same way.
    let auditor = original
        .keys
        .member("audit", gongxin_core::model::Role::Auditor)
        .unwrap();
    let tx = gongxin_core::entry::Entry::from_bytes(&node.reader().entry(3).unwrap().unwrap())
        .unwrap()
        .tx
        .hash();
    let path = format!("/v1/proofs/inclusion?tx={tx}");
    let mut request = warp::test::request().path(&path);
    for (name, value) in common::signed_get_headers(&node, auditor, &path, node.clock.now_ms()) {
        request = request.header(name, value);
    }
    let response = request.reply(&routes).await;
    assert_eq!(response.status().as_u16(), 500);

    // The public log the same way: leaf 1's sibling is the altered node 0.
    for index in 0..header.public_log_size {
        let (status, body) = get(
            &routes,
            &format!("/public/v1/proofs/inclusion?leaf_index={index}"),
        )
        .await;
        if index == 1 {
            assert_eq!(status, 500, "{body}");
            assert_eq!(body["error"], "ledger_damaged", "{body}");
        } else {
            assert_eq!(status, 200, "public leaf {index}: {body}");
        }
    }

    let metrics = warp::test::request().path("/metrics").reply(&routes).await;
    let metrics = String::from_utf8_lossy(metrics.body()).into_owned();
    assert!(
        metrics.contains("gongxin_damaged_reads_total 3"),
        "{metrics}"
    );

    // The undamaged original serves all three.
    let routes = gongxin_node::gateway::routes(original.node.clone());
    let (status, _) = get(
        &routes,
        &format!("/v1/proofs/inclusion?leaf_hash={}", leaf(3)),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        get(&routes, "/public/v1/proofs/inclusion?leaf_index=1")
            .await
            .0,
        200
    );
}

/// Consistency proofs are checked the same way, against the stored checkpoints of both sizes:
/// with the node over leaves 4–7 altered (the tip's root, which the node checks at start, does
/// not use it), the proofs that need it are refused and the one that does not is served and
/// verifies.
#[tokio::test]
async fn a_node_does_not_serve_a_consistency_proof_it_cannot_verify() {
    let original = common::test_node(Limits::default());
    commit_proposals(&original, "GROW", 12, 4);
    assert_eq!(original.node.tip().header.log_size, 12);
    let (_copy, node) = altered_copy(&original, |db| alter_log_node(db, "log_nodes", 2, 1));
    let routes = gongxin_node::gateway::routes(node.clone());
    let root = |size: u64| {
        gongxin_core::checkpoint::SignedCheckpoint::parse(
            &node.reader().checkpoint(size).unwrap().unwrap(),
        )
        .unwrap()
        .checkpoint
        .root
    };
    for (first, second, served) in [(4u64, 8u64, false), (4, 12, false), (8, 12, true)] {
        let (status, body) = get(
            &routes,
            &format!("/v1/proofs/consistency?first={first}&second={second}"),
        )
        .await;
        if served {
            assert_eq!(status, 200, "{first}→{second}: {body}");
            let path: Vec<gongxin_core::Hash> =
                serde_json::from_value(body["consistency_path"].clone()).unwrap();
            gongxin_core::log::verify_consistency(
                first,
                second,
                &root(first),
                &root(second),
                &path,
            )
            .unwrap();
        } else {
            assert_eq!(status, 500, "{first}→{second}: {body}");
            assert_eq!(body["error"], "ledger_damaged", "{body}");
        }
    }
    // The original serves all three.
    let routes = gongxin_node::gateway::routes(original.node.clone());
    for (first, second) in [(4, 8), (4, 12), (8, 12)] {
        let path = format!("/v1/proofs/consistency?first={first}&second={second}");
        assert_eq!(get(&routes, &path).await.0, 200);
    }
}

/// The other kinds of damage on the serving path: a log node missing from the store, and a
/// stored checkpoint that does not parse. Both are `ledger_damaged`, not a bare 500.
#[tokio::test]
async fn a_missing_log_node_or_an_unreadable_checkpoint_is_damage_too() {
    let original = common::test_node(Limits::default());
    commit_proposals(&original, "GONE", 8, 4);
    let size = original.node.tip().header.log_size;
    let leaf = gongxin_core::log::leaf_hash(&original.node.reader().entry(3).unwrap().unwrap());
    let path = format!("/v1/proofs/inclusion?leaf_hash={leaf}");

    // Each alteration on its own copy: the proof is refused as damage, for the right reason.
    let refused_because = |alter: &dyn Fn(&rocksdb::DB), why: &'static str| {
        let (copy, node) = altered_copy(&original, alter);
        let path = path.clone();
        async move {
            let (status, body) = get(&gongxin_node::gateway::routes(node), &path).await;
            assert_eq!(
                (status, body["error"].as_str()),
                (500, Some("ledger_damaged")),
                "{body}"
            );
            let message = body["message"].as_str().unwrap();
            assert!(message.contains(why), "{why}: {body}");
            drop(copy);
        }
    };
    refused_because(
        &|db| {
            db.delete_cf(db.cf_handle("log_nodes").unwrap(), node_key(0, 2))
                .unwrap()
        },
        "cannot be read",
    )
    .await;
    refused_because(
        &|db| {
            db.put_cf(
                db.cf_handle("checkpoints").unwrap(),
                key(size),
                b"not a note",
            )
            .unwrap()
        },
        "does not parse",
    )
    .await;
}
