//! Damage inside RocksDB's own files of a stopped validator: one byte flipped in the middle of
//! each SST file, of the write-ahead log and of the MANIFEST; each of those cut to half its
//! length; `CURRENT` naming a MANIFEST that is not there. Each fault is made on its own copy of
//! a real ledger (built by `gongxin-ledgergen`'s bulk path, so it has SST files and a WAL).
//!
//! What must hold for every fault: the node refuses to open the copy (RocksDB's own checks, or
//! the height mark showing that committed blocks were lost), or `gongxin-node check` — which
//! reads every stored value with its file checksums, then checks the ledger — fails; or, if the
//! copy opens and passes, every key and value in it is the original's (the byte hit something
//! that carries no data, such as an unused filter). Never does damaged data open and pass.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gongxin_core::Hash;
use gongxin_devnet::bulk::{BulkOptions, build};
use gongxin_node::clock::SystemClock;
use gongxin_node::config::NodeConfig;
use gongxin_node::integrity::check_ledger;
use gongxin_node::node::{Node, NodeSetup};

/// How a damaged copy fared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Fate {
    RefusedAtOpen,
    FoundByCheck,
    /// Opened and passed, with every key and value equal to the original's.
    Harmless,
    /// Opened and passed with contents that differ from the original's: the failure.
    Undetected,
}

/// SM3 over every key and value of every column family, read by RocksDB alone.
fn contents_digest(data: &Path) -> Option<Hash> {
    let options = rocksdb::Options::default();
    let families = rocksdb::DB::list_cf(&options, data).ok()?;
    let db = rocksdb::DB::open_cf_for_read_only(&options, data, &families, false).ok()?;
    let mut all = Vec::new();
    for family in &families {
        all.extend_from_slice(family.as_bytes());
        for item in db.iterator_cf(db.cf_handle(family)?, rocksdb::IteratorMode::Start) {
            let (key, value) = item.ok()?;
            all.extend_from_slice(&(key.len() as u64).to_be_bytes());
            all.extend_from_slice(&key);
            all.extend_from_slice(&(value.len() as u64).to_be_bytes());
            all.extend_from_slice(&value);
        }
    }
    Some(Hash::digest(&all))
}

/// Opens the node on the copy in `node_dir` (its `data`, storage key and height mark) and
/// checks it.
fn fate_of(config: &NodeConfig, node_dir: &Path, original: &Hash) -> (Fate, String) {
    let opened = Node::open(NodeSetup {
        name: config.name.clone(),
        genesis: Arc::new(config.read_genesis().unwrap()),
        key: config.read_key().unwrap(),
        data_dir: node_dir.join("data"),
        limits: config.limits,
        clock: SystemClock::shared(),
        gossip: None,
    });
    let node = match opened {
        Ok(node) => node,
        Err(e) => return (Fate::RefusedAtOpen, e.to_string()),
    };
    let checked = check_ledger(&node);
    drop(node);
    match checked {
        Err(e) => (Fate::FoundByCheck, e.to_string()),
        Ok(_) if contents_digest(&node_dir.join("data")).as_ref() == Some(original) => {
            (Fate::Harmless, String::new())
        }
        Ok(report) => (Fate::Undetected, format!("{report:?}")),
    }
}

fn flip_middle_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(path, bytes).unwrap();
}

fn cut_in_half(path: &Path) {
    let length = std::fs::metadata(path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(length / 2)
        .unwrap();
}

fn files_ending(data: &Path, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| {
            name.ends_with(suffix) || (suffix == "MANIFEST" && name.starts_with("MANIFEST-"))
        })
        .collect();
    names.sort();
    names
}

#[test]
fn damage_inside_rocksdbs_files_is_refused_or_found_never_served() {
    let dir = tempfile::tempdir().unwrap();
    let options = BulkOptions {
        dir: dir.path().to_path_buf(),
        entries: 2_000,
        block_txs: 250,
        validators: 1,
        sample: 1,
    };
    let report = build(&options, |_| {}).unwrap();
    let config = NodeConfig::load(&report.config).unwrap();
    // Opening once moves what the WAL held into SST files; a second run leaves blocks that
    // only the WAL holds.
    drop(gongxin_node::storage::Store::open(&config.data_dir).unwrap());
    build(
        &BulkOptions {
            entries: 2_500,
            ..options
        },
        |_| {},
    )
    .unwrap();
    let node_dir: PathBuf = config.data_dir.parent().unwrap().to_path_buf();
    let original = contents_digest(&config.data_dir).unwrap();

    let data = config.data_dir.clone();
    let ssts = files_ending(&data, ".sst");
    let wals = files_ending(&data, ".log");
    let manifests = files_ending(&data, "MANIFEST");
    assert!(ssts.len() >= 5, "{ssts:?}");
    assert!(!wals.is_empty() && !manifests.is_empty());
    let newest_wal = wals.last().unwrap().clone();

    // (what was done, the file, the damage)
    type Damage = fn(&Path);
    let mut faults: Vec<(String, String, Damage)> = Vec::new();
    for sst in &ssts {
        faults.push((
            format!("byte flipped in {sst}"),
            sst.clone(),
            flip_middle_byte,
        ));
        faults.push((format!("{sst} cut in half"), sst.clone(), cut_in_half));
    }
    for file in [&newest_wal, &manifests[0]] {
        faults.push((
            format!("byte flipped in {file}"),
            file.clone(),
            flip_middle_byte,
        ));
        faults.push((format!("{file} cut in half"), file.clone(), cut_in_half));
    }
    faults.push((
        "CURRENT names a missing MANIFEST".into(),
        "CURRENT".into(),
        |path| std::fs::write(path, "MANIFEST-999999\n").unwrap(),
    ));

    let mut fates: BTreeMap<Fate, usize> = BTreeMap::new();
    let mut undetected = Vec::new();
    for (what, file, damage) in &faults {
        let copy = tempfile::tempdir().unwrap();
        common::copy_dir(&node_dir, copy.path());
        damage(&copy.path().join("data").join(file));
        let (fate, detail) = fate_of(&config, copy.path(), &original);
        eprintln!("{what}: {fate:?} {detail}");
        if fate == Fate::Undetected {
            undetected.push(format!("{what}: {detail}"));
        }
        *fates.entry(fate).or_default() += 1;
    }
    eprintln!("{} faults: {fates:?}", faults.len());
    assert!(
        undetected.is_empty(),
        "damaged data passed: {undetected:#?}"
    );
    // The undamaged ledger itself opens and passes with the original contents.
    assert_eq!(fate_of(&config, &node_dir, &original).0, Fate::Harmless);
    // Most faults must be caught, not harmless: the test damages data, not padding.
    let caught = fates.get(&Fate::RefusedAtOpen).unwrap_or(&0)
        + fates.get(&Fate::FoundByCheck).unwrap_or(&0);
    assert!(caught * 10 >= faults.len() * 9, "{fates:?}");
}
