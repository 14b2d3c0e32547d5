//! A node in a temp dir with the devnet's genesis and keys, for in-process tests.

#![allow(dead_code)] // each test file uses a different part

pub mod postgres;
pub mod process;
pub mod receiver;

use std::sync::Arc;

use gongxin_core::crypto::Keypair;
use gongxin_core::request_auth::{ReadRequest, new_nonce, sign_read_request};
use gongxin_devnet::{DevnetKeys, create_devnet_files};
use gongxin_node::clock::{SharedClock, SystemClock};
use gongxin_node::config::Limits;
use gongxin_node::gateway;
use gongxin_node::node::{Node, NodeSetup};
use serde_json::Value;
use warp::http::StatusCode;

pub struct TestNode {
    pub dir: tempfile::TempDir,
    pub node: Arc<Node>,
    pub keys: DevnetKeys,
}

/// Opens the single validator of a fresh one-validator devnet directory.
pub fn test_node(limits: Limits) -> TestNode {
    test_node_with_clock(limits, SystemClock::shared())
}

/// [`test_node`] on a clock the test owns.
pub fn test_node_with_clock(limits: Limits, clock: SharedClock) -> TestNode {
    let dir = tempfile::tempdir().unwrap();
    let keys = create_devnet_files(dir.path(), 1).unwrap();
    let node = open_with_clock(&dir, &keys, limits, clock);
    TestNode { dir, node, keys }
}

impl TestNode {
    /// Commits the devnet's demo data, planned at the node's time: every transaction of the
    /// plan submitted, then blocks until the pool is empty. The plan, for what it expects.
    pub fn load_demo(&self) -> gongxin_devnet::demo::DemoPlan {
        let plan = gongxin_devnet::demo::plan(
            &self.keys,
            self.node.tip().chain.height,
            self.node.clock.now_ms(),
        )
        .unwrap();
        for tx in &plan.txs {
            self.node
                .admission
                .submit(tx.clone(), tx.to_bytes().len())
                .unwrap();
        }
        while self.node.admission.pool_size().txs > 0 {
            gongxin_node::producer::produce_block(&self.node, false).unwrap();
        }
        plan
    }

    /// GET `path` as a signed read by `key`, through a fresh set of routes (so a fresh replay
    /// cache and rate limits): status, JSON body (`Null` if not JSON) and body text.
    pub async fn get_signed(&self, path: &str, key: &Keypair) -> (StatusCode, Value, String) {
        let routes = gateway::routes(self.node.clone());
        let mut request = warp::test::request().method("GET").path(path);
        for (name, value) in signed_get_headers(&self.node, key, path, self.node.clock.now_ms()) {
            request = request.header(name, value);
        }
        let response = request.reply(&routes).await;
        let text = String::from_utf8_lossy(response.body()).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        (response.status(), json, text)
    }
}

/// The headers of a signed GET of `path` by `key`, for `node` (its chain and name) at
/// `timestamp_ms`, with a fresh nonce: each call gives a request the gateway accepts once.
pub fn signed_get_headers(
    node: &Node,
    key: &Keypair,
    path: &str,
    timestamp_ms: u64,
) -> [(&'static str, String); 5] {
    sign_get_for(node.chain_id(), &node.name, key, path, timestamp_ms)
}

/// The headers of a GET of `path` signed by `key` for the node named `node_name` of chain
/// `chain_id`, with a fresh nonce (tests pass another node or path to see it refused).
pub fn sign_get_for(
    chain_id: &str,
    node_name: &str,
    key: &Keypair,
    path: &str,
    timestamp_ms: u64,
) -> [(&'static str, String); 5] {
    let nonce = new_nonce().unwrap();
    sign_read_request(
        key,
        &ReadRequest {
            chain_id,
            node: node_name,
            method: "GET",
            path_and_query: path,
            timestamp_ms,
            nonce: &nonce,
        },
    )
}

/// Opens (again) the validator whose files are in `dir`, on this machine's clock.
pub fn open(dir: &tempfile::TempDir, keys: &DevnetKeys, limits: Limits) -> Arc<Node> {
    open_with_clock(dir, keys, limits, SystemClock::shared())
}

/// Opens (again) the validator whose files are in `dir`, on `clock`.
pub fn open_with_clock(
    dir: &tempfile::TempDir,
    keys: &DevnetKeys,
    limits: Limits,
    clock: SharedClock,
) -> Arc<Node> {
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
    Node::open(NodeSetup {
        name: validator.name,
        genesis: Arc::new(keys.genesis.clone()),
        key,
        data_dir: dir.path().join("data"),
        limits,
        clock,
        gossip: None,
    })
    .unwrap()
}

/// Copies directory `from` (recursively) to `to`: a stopped node's files, to damage a copy.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
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
