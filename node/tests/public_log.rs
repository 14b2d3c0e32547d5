//! The public disclosure log against a real node loaded with the demo data (PROTOCOL.md v2):
//! recomputed from `/public/v1/entries` it is the signed root; every record the public API
//! serves is its latest leaf's view, provable with an inclusion proof; the checkpoints name the
//! validator set and every size is served.

use std::collections::BTreeMap;

use gongxin_core::checkpoint::{SignedCheckpoint, public_origin_for_chain};
use gongxin_core::log::{self, MemoryLog};
use gongxin_core::public_log::{PublicInclusionProof, PublicLeaf, SWEEP_TX};
use gongxin_core::validator::listing_hash;
use gongxin_node::config::Limits;
use gongxin_node::gateway;
use serde_json::Value;
use warp::http::StatusCode;

mod common;

struct Loaded {
    t: common::TestNode,
}

impl Loaded {
    async fn get(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let routes = gateway::routes(self.t.node.clone());
        let response = warp::test::request()
            .method("GET")
            .path(path)
            .reply(&routes)
            .await;
        (response.status(), response.body().to_vec())
    }

    async fn json(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).unwrap()
    }

    async fn text(&self, path: &str) -> String {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        String::from_utf8(body).unwrap()
    }

    /// Every leaf up to `size`, page by page.
    async fn leaves(&self, size: u64) -> Vec<String> {
        let mut leaves = Vec::new();
        while (leaves.len() as u64) < size {
            let page = self
                .json(&format!(
                    "/public/v1/entries?start={}&end={size}",
                    leaves.len()
                ))
                .await;
            let entries = page["entries"].as_array().unwrap();
            assert!(!entries.is_empty(), "a page of entries before the end");
            for entry in entries {
                assert_eq!(entry["leaf_index"].as_u64().unwrap(), leaves.len() as u64);
                leaves.push(entry["leaf"].as_str().unwrap().to_owned());
            }
        }
        leaves
    }
}

fn without(mut value: Value, fields: &[&str]) -> Value {
    let object = value.as_object_mut().unwrap();
    for field in fields {
        object.remove(*field);
    }
    value
}

#[tokio::test]
async fn the_public_log_is_the_signed_root_and_every_public_record_is_its_latest_leaf() {
    let l = Loaded {
        t: common::test_node(Limits::default()),
    };
    l.t.load_demo();
    let genesis = &l.t.keys.genesis;

    let note = l.text("/public/v1/checkpoint").await;
    let checkpoint = SignedCheckpoint::parse(&note).unwrap();
    checkpoint
        .verify_origin(
            &public_origin_for_chain(&genesis.chain_id),
            &genesis.validators,
        )
        .unwrap();
    assert_eq!(
        checkpoint.checkpoint.validators,
        Some(genesis.validators.protocol_hash())
    );
    let size = checkpoint.checkpoint.tree_size;
    assert!(size > 50, "the demo discloses many record versions: {size}");

    // Recomputed from the served leaves, the log is the signed one.
    let leaves = l.leaves(size).await;
    let mut memory = MemoryLog::new();
    let mut latest: BTreeMap<(String, String), (u64, Option<Value>)> = BTreeMap::new();
    let mut versions: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for (index, text) in leaves.iter().enumerate() {
        memory.append(text.as_bytes());
        let leaf = PublicLeaf::parse(text.as_bytes()).unwrap();
        assert_eq!(leaf.chain, genesis.chain_id);
        if leaf.height == 0 {
            assert_eq!((leaf.kind.as_str(), leaf.tx), ("department", SWEEP_TX));
        }
        versions
            .entry((leaf.kind.clone(), leaf.id.clone()))
            .or_default()
            .push(index as u64);
        latest.insert((leaf.kind, leaf.id), (index as u64, leaf.view));
    }
    assert_eq!(memory.root(), checkpoint.checkpoint.root);
    // Each record's versions are indexed, in order.
    for ((kind, id), indexes) in &versions {
        assert_eq!(
            &l.t.node
                .reader()
                .public_record_history(kind, id, 1_000)
                .unwrap(),
            indexes,
            "{kind} {id}"
        );
    }
    let departments = latest
        .keys()
        .filter(|(kind, _)| kind == "department")
        .count();
    assert_eq!(departments, genesis.departments.len());

    // Each public project, as listed and as read alone, is its latest leaf's view.
    let listed = l.json("/public/v1/projects?limit=200").await;
    let projects = listed["projects"].as_array().unwrap();
    assert!(projects.len() >= 5);
    let leaf_of = |kind: &str, id: &str| latest[&(kind.to_owned(), id.to_owned())].clone();
    for project in projects {
        let id = project["id"].as_str().unwrap();
        let (index, view) = leaf_of("project", id);
        assert_eq!(project["leaf_index"], index);
        assert_eq!(
            Some(without(
                project.clone(),
                &["leaf_index", "procurement", "contracts"]
            )),
            view
        );

        let one = l.json(&format!("/public/v1/projects/{id}")).await;
        assert_eq!(one["leaf_index"], index);
        assert_eq!(
            Some(without(
                one.clone(),
                &["leaf_index", "procurement", "contracts"]
            )),
            view
        );
        if !one["procurement"].is_null() {
            let (index, view) = leaf_of("procurement", id);
            assert_eq!(one["procurement"]["leaf_index"], index);
            assert_eq!(
                Some(without(one["procurement"].clone(), &["leaf_index"])),
                view
            );
        }
        for contract in one["contracts"].as_array().unwrap() {
            let (index, view) = leaf_of("contract", contract["id"].as_str().unwrap());
            assert_eq!(contract["leaf_index"], index);
            assert_eq!(Some(without(contract.clone(), &["leaf_index"])), view);
        }

        let record = l.json(&format!("/public/v1/records/project/{id}")).await;
        assert_eq!(
            (record["leaf_index"].clone(), Some(record["view"].clone())),
            (index.into(), view)
        );

        // The record's leaf is provably in the signed log.
        let proof: PublicInclusionProof = serde_json::from_value(
            l.json(&format!("/public/v1/proofs/inclusion?leaf_index={index}"))
                .await,
        )
        .unwrap();
        assert_eq!(proof.tree_size, size);
        let leaf = proof.verify(&checkpoint.checkpoint.root).unwrap();
        assert_eq!((leaf.kind.as_str(), leaf.id.as_str()), ("project", id));
    }
    // Projects with a disclosed view in the log are exactly the listed ones: an internal
    // project never got a leaf.
    let in_log: Vec<&str> = latest
        .iter()
        .filter(|((kind, _), (_, view))| kind == "project" && view.is_some())
        .map(|((_, id), _)| id.as_str())
        .collect();
    let listed_ids: Vec<&str> = projects.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(in_log, listed_ids);
    assert_eq!(listed["total"].as_u64().unwrap() as usize, listed_ids.len());

    // Rectification tasks name their leaves too.
    let tasks = l.json("/public/v1/rectifications").await;
    for task in tasks["items"].as_array().unwrap() {
        let (index, view) = leaf_of("rectification", task["id"].as_str().unwrap());
        assert_eq!(task["leaf_index"], index);
        assert_eq!(Some(without(task.clone(), &["leaf_index"])), view);
    }

    // Consistency between two sizes of the public log.
    let proof = l
        .json(&format!(
            "/public/v1/proofs/consistency?first=7&second={size}"
        ))
        .await;
    let path: Vec<gongxin_core::Hash> =
        serde_json::from_value(proof["consistency_path"].clone()).unwrap();
    log::verify_consistency(7, size, &memory.root_at(7).unwrap(), &memory.root(), &path).unwrap();
}

#[tokio::test]
async fn bad_public_log_requests_get_a_4xx_with_a_reason() {
    let l = Loaded {
        t: common::test_node(Limits::default()),
    };
    // An empty block: the genesis block has no checkpoint, the first block does.
    gongxin_node::producer::produce_block(&l.t.node, true).unwrap();
    let size = SignedCheckpoint::parse(&l.text("/public/v1/checkpoint").await)
        .unwrap()
        .checkpoint
        .tree_size;
    for (path, status, code) in [
        (
            format!("/public/v1/entries?start=0&end={}", size + 1),
            400,
            "tree_size_beyond_log",
        ),
        (
            "/public/v1/entries?start=3&end=2".to_owned(),
            400,
            "start_after_end",
        ),
        ("/public/v1/entries?start=x".to_owned(), 400, "bad_query"),
        ("/public/v1/proofs/inclusion".to_owned(), 400, "bad_query"),
        (
            format!("/public/v1/proofs/inclusion?leaf_index={size}"),
            400,
            "not_in_tree",
        ),
        (
            format!(
                "/public/v1/proofs/inclusion?leaf_index=0&tree_size={}",
                size + 1
            ),
            400,
            "tree_size_beyond_log",
        ),
        (
            "/public/v1/proofs/consistency?first=0&second=1".to_owned(),
            400,
            "first_is_zero",
        ),
        (
            "/public/v1/records/member/anyone".to_owned(),
            404,
            "unknown_record",
        ),
        (
            "/public/v1/records/project/NO-SUCH".to_owned(),
            404,
            "unknown_record",
        ),
        (
            "/v1/checkpoints/999999".to_owned(),
            404,
            "unknown_checkpoint",
        ),
    ] {
        let (got, body) = l.get(&path).await;
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert_eq!(
            (got.as_u16(), body["error"].as_str()),
            (status, Some(code)),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn checkpoints_name_the_next_validator_set_and_each_size_is_kept() {
    let l = Loaded {
        t: common::test_node(Limits::default()),
    };
    // An empty first block, then the demo's: two checkpoints of different sizes.
    gongxin_node::producer::produce_block(&l.t.node, true).unwrap();
    l.t.load_demo();
    let genesis = &l.t.keys.genesis;
    let latest = l.text("/v1/checkpoint").await;
    let checkpoint = SignedCheckpoint::parse(&latest).unwrap();
    let size = checkpoint.checkpoint.tree_size;
    assert_eq!(l.text(&format!("/v1/checkpoints/{size}")).await, latest);
    // An earlier size is still served, signed by the same set and naming it.
    let first = l.t.node.reader().header(1).unwrap().unwrap().log_size;
    assert!(first < size);
    let earlier =
        SignedCheckpoint::parse(&l.text(&format!("/v1/checkpoints/{first}")).await).unwrap();
    earlier
        .verify(&genesis.chain_id, &genesis.validators)
        .unwrap();
    assert_eq!(earlier.checkpoint.tree_size, first);

    let sets = l.json("/v1/validator-sets").await;
    let genesis_set = &sets["validator_sets"][0];
    assert_eq!(genesis_set["handover"], Value::Null);
    let listing = serde_json::from_value::<Vec<_>>(genesis_set["listing"].clone()).unwrap();
    let named = checkpoint.checkpoint.validators.unwrap();
    assert_eq!(listing_hash(&listing), named);
    assert_eq!(genesis_set["protocol_hash"], serde_json::json!(named));
}
