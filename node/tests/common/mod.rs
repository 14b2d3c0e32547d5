//! A node in a temp dir with the devnet's genesis and keys, for in-process tests.

#![allow(dead_code)] // each test file uses a different part

use std::sync::Arc;

use gongxin_node::config::Limits;
use gongxin_node::devnet::{DevnetKeys, create_devnet_files};
use gongxin_node::node::Node;

pub struct TestNode {
    pub dir: tempfile::TempDir,
    pub node: Arc<Node>,
    pub keys: DevnetKeys,
}

/// Opens the single validator of a fresh one-validator devnet directory.
pub fn test_node(limits: Limits) -> TestNode {
    let dir = tempfile::tempdir().unwrap();
    let keys = create_devnet_files(dir.path(), 1).unwrap();
    let node = open(&dir, &keys, limits);
    TestNode { dir, node, keys }
}

/// Opens (again) the validator whose files are in `dir`.
pub fn open(dir: &tempfile::TempDir, keys: &DevnetKeys, limits: Limits) -> Arc<Node> {
    let validator = keys.genesis.validators.validators()[0].clone();
    let key_text = std::fs::read_to_string(
        dir.path()
            .join("keys")
            .join(format!("{}.key", validator.name)),
    )
    .unwrap();
    let key = gongxin_core::crypto::KeyFile::from_json(&key_text)
        .unwrap()
        .keypair()
        .unwrap();
    Node::open_with(
        validator.name,
        Arc::new(keys.genesis.clone()),
        key,
        &dir.path().join("data"),
        limits,
    )
    .unwrap()
}
