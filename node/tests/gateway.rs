//! The gateway against a real node (RocksDB in a temp dir), in process: every ledger endpoint's
//! success path, proofs that verify offline, and the 4xx of each bad input.

use std::sync::Arc;

use gongxin_core::Hash;
use gongxin_core::audit::{ConsistencyProof, InclusionProof, ProofBundle, verify_bundle};
use gongxin_core::checkpoint::SignedCheckpoint;
use gongxin_core::crypto::{Algorithm, Keypair};
use gongxin_core::log;
use gongxin_core::model::{Disclosure, Operation, ProjectProposal, Role};
use gongxin_core::tx::{ReplayGuard, SignedTx, TxBody};
use gongxin_devnet::DevnetKeys;
use gongxin_node::config::Limits;
use gongxin_node::gateway::{self, ledger};
use gongxin_node::node::Node;
use gongxin_node::producer::produce_block;
use serde_json::Value;
use warp::http::StatusCode;

mod common;

struct TestNode {
    inner: common::TestNode,
    node: Arc<Node>,
    keys: DevnetKeys,
    nonce: std::cell::Cell<u64>,
}

fn test_node(limits: Limits) -> TestNode {
    let inner = common::test_node(limits);
    TestNode {
        node: inner.node.clone(),
        keys: inner.keys.clone(),
        inner,
        nonce: std::cell::Cell::new(1),
    }
}

impl TestNode {
    fn tx(&self, signer: &Keypair, operation: Operation) -> SignedTx {
        let nonce = self.nonce.get();
        self.nonce.set(nonce + 1);
        TxBody {
            chain_id: self.node.chain_id().to_owned(),
            signer: signer.public_key(),
            replay: ReplayGuard {
                nonce,
                valid_until_height: self.node.tip().chain.height + 100,
            },
            operation,
        }
        .sign(signer)
    }

    fn proposal(&self, id: &str) -> SignedTx {
        let specialist = self
            .keys
            .member("transport", Role::Specialist)
            .unwrap()
            .clone();
        self.tx(
            &specialist,
            Operation::ProposeProject(ProjectProposal {
                id: id.into(),
                name: format!("Project {id}"),
                category: "smart-city/transport".into(),
                location: "Xinhua District".into(),
                programme: None,
                planned_start_ms: 1_800_000_000_000,
                planned_end_ms: 1_830_000_000_000,
                requested_budget_fen: 50_000_000,
                disclosure: Disclosure::Public,
                description: "internal notes".into(),
            }),
        )
    }

    async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, Value, String) {
        let routes = gateway::routes(self.node.clone());
        let mut request = warp::test::request().method(method).path(path);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.reply(&routes).await;
        let text = String::from_utf8_lossy(response.body()).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        (response.status(), json, text)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value, String) {
        self.request("GET", path, None).await
    }

    /// GET `path` as a signed read by `key`.
    async fn get_as(&self, path: &str, key: &Keypair) -> (StatusCode, Value, String) {
        self.inner.get_signed(path, key).await
    }

    fn member(&self, department: &str, role: Role) -> Keypair {
        self.keys.member(department, role).unwrap().clone()
    }

    /// An auditor: reads every entry, so sees what the ledger holds without the read table
    /// getting in the way.
    fn auditor(&self) -> Keypair {
        self.member("audit", Role::Auditor)
    }

    async fn submit(&self, tx: &SignedTx) -> (StatusCode, Value) {
        let (status, json, _) = self
            .request("POST", "/v1/txs", Some(serde_json::to_vec(tx).unwrap()))
            .await;
        (status, json)
    }

    fn produce(&self) {
        produce_block(&self.node, true).unwrap();
    }
}

fn assert_error(result: (StatusCode, Value, String), status: StatusCode, code: &str) {
    assert_eq!(result.0, status, "body: {}", result.2);
    assert_eq!(result.1["error"], code, "body: {}", result.2);
    assert!(result.1["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn submit_commit_prove_and_verify_offline() {
    let t = test_node(Limits::default());
    let (status, json, _) = t.get("/v1/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["height"], 0);
    assert_eq!(json["chain_id"], "gongxin-devnet");

    let txs: Vec<SignedTx> = (0..5).map(|i| t.proposal(&format!("SC-T-{i}"))).collect();
    for tx in &txs {
        let (status, json) = t.submit(tx).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{json}");
        assert_eq!(json["tx_hash"], tx.hash().to_hex());
    }
    let (_, pending, _) = t.get(&format!("/v1/txs/{}", txs[0].hash())).await;
    assert_eq!(pending["status"], "pending");
    t.produce();
    let (_, committed, _) = t.get(&format!("/v1/txs/{}", txs[0].hash())).await;
    assert_eq!(committed["status"], "committed", "{committed}");
    assert_eq!(committed["height"], 1);
    assert_eq!(committed["log_index"], 0);
    assert!(committed["outcome"]["status"].is_string());

    let (status, _, note) = t.get("/v1/checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    let checkpoint = SignedCheckpoint::parse(&note).unwrap();
    assert_eq!(checkpoint.checkpoint.tree_size, 5);

    let auditor = t.auditor();
    for (i, tx) in txs.iter().enumerate() {
        let (status, json, body) = t
            .get_as(&format!("/v1/proofs/inclusion?tx={}", tx.hash()), &auditor)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let proof: InclusionProof = serde_json::from_value(json).unwrap();
        assert_eq!(proof.leaf_index, i as u64);
        let bundle = ProofBundle {
            tx_hash: tx.hash(),
            proof,
            checkpoint: note.clone(),
            handovers: Vec::new(),
        };
        let verified = verify_bundle(&t.keys.genesis, &bundle).unwrap();
        assert_eq!(verified.entry.height, 1);
    }

    // A second block, a second checkpoint, and a consistency proof between the two.
    let more: Vec<SignedTx> = (5..8).map(|i| t.proposal(&format!("SC-T-{i}"))).collect();
    for tx in &more {
        assert_eq!(t.submit(tx).await.0, StatusCode::ACCEPTED);
    }
    t.produce();
    let (_, _, note2) = t.get("/v1/checkpoint").await;
    let checkpoint2 = SignedCheckpoint::parse(&note2).unwrap();
    assert_eq!(checkpoint2.checkpoint.tree_size, 8);
    let (status, json, _) = t.get("/v1/proofs/consistency?first=5&second=8").await;
    assert_eq!(status, StatusCode::OK);
    let proof: ConsistencyProof = serde_json::from_value(json).unwrap();
    gongxin_core::audit::verify_consistency(&t.keys.genesis, &checkpoint, &checkpoint2, &proof)
        .unwrap();

    // An inclusion proof against the older tree size; none for a transaction after it.
    let (status, json, _) = t
        .get_as(
            &format!("/v1/proofs/inclusion?tx={}&tree_size=5", txs[2].hash()),
            &auditor,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["tree_size"], 5);
    assert_error(
        t.get_as(
            &format!("/v1/proofs/inclusion?tx={}&tree_size=5", more[0].hash()),
            &auditor,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "not_in_tree",
    );

    let (status, json, _) = t.get_as("/v1/entries?start=3&end=100", &auditor).await;
    assert_eq!(status, StatusCode::OK);
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 5, "entries 3..=7");
    assert_eq!(entries[0]["leaf_index"], 3);
    assert_eq!(entries[0]["tx_hash"], txs[3].hash().to_hex());
    assert!(entries.iter().all(|e| e["entry"].is_string()), "{json}");

    let (status, json, _) = t.get("/v1/blocks/1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["txs"].as_array().unwrap().len(), 5);
    assert_eq!(json["header"]["log_size"], 5);
    assert!(
        json["certificate"]["signatures"]
            .as_array()
            .is_some_and(|s| s.len() == 1)
    );

    let (status, _, metrics) = t.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        metrics.contains("gongxin_txs_committed_total 8"),
        "{metrics}"
    );
    assert!(
        metrics.contains("gongxin_signature_checks_total 8"),
        "each signature checked once"
    );
}

#[tokio::test]
async fn inclusion_by_leaf_hash_is_open_and_carries_no_entry() {
    let t = test_node(Limits::default());
    let txs: Vec<SignedTx> = (0..3).map(|i| t.proposal(&format!("SC-L-{i}"))).collect();
    for tx in &txs {
        assert_eq!(t.submit(tx).await.0, StatusCode::ACCEPTED);
    }
    t.produce();
    let (_, _, note) = t.get("/v1/checkpoint").await;
    let checkpoint = SignedCheckpoint::parse(&note).unwrap();
    checkpoint
        .verify(&t.keys.genesis.chain_id, &t.keys.genesis.validators)
        .unwrap();

    // Whoever holds an entry (and so can hash it) may prove it is in the log, without a key;
    // the answer carries the hash it was asked for, never the entry.
    let location = t
        .node
        .reader()
        .tx_location(&txs[1].hash())
        .unwrap()
        .unwrap();
    let entry = t.node.reader().entry(location.log_index).unwrap().unwrap();
    let leaf = log::leaf_hash(&entry);
    let (status, json, body) = t
        .get(&format!("/v1/proofs/inclusion?leaf_hash={leaf}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json["leaf_index"], location.log_index);
    assert_eq!(json["tree_size"], checkpoint.checkpoint.tree_size);
    assert_eq!(json["leaf_hash"], leaf.to_hex());
    assert!(json.get("entry").is_none(), "{body}");
    assert!(json.get("tx_hash").is_none(), "{body}");
    let audit_path: Vec<Hash> = serde_json::from_value(json["audit_path"].clone()).unwrap();
    log::verify_inclusion(
        &leaf,
        location.log_index,
        checkpoint.checkpoint.tree_size,
        &audit_path,
        &checkpoint.checkpoint.root,
    )
    .unwrap();
    // The path proves this leaf only.
    let other = log::leaf_hash(&t.node.reader().entry(0).unwrap().unwrap());
    assert!(
        log::verify_inclusion(
            &other,
            location.log_index,
            checkpoint.checkpoint.tree_size,
            &audit_path,
            &checkpoint.checkpoint.root,
        )
        .is_err()
    );

    assert_error(
        t.get(&format!(
            "/v1/proofs/inclusion?leaf_hash={}",
            Hash::digest(b"no such entry")
        ))
        .await,
        StatusCode::NOT_FOUND,
        "unknown_leaf",
    );
    assert_error(
        t.get(&format!(
            "/v1/proofs/inclusion?leaf_hash={leaf}&tree_size=1"
        ))
        .await,
        StatusCode::BAD_REQUEST,
        "not_in_tree",
    );
}

/// An open proof runs on a gateway runtime worker instead of the handler pool, but under the
/// same bound: with every handler permit taken it waits, is a 503 once the request timeout
/// passes, and answers as soon as a permit is free; with the workers' slot taken it is served
/// by the pool; a handler that panics is a 500 and gives its permits back.
#[tokio::test]
async fn an_open_proof_waits_for_a_handler_permit_like_every_handler() {
    let t = test_node(Limits {
        http_handlers_max: 1,
        http_request_timeout_ms: 1_000,
        ..Limits::default()
    });
    let tx = t.proposal("SC-P-1");
    assert_eq!(t.submit(&tx).await.0, StatusCode::ACCEPTED);
    t.produce();
    let location = t.node.reader().tx_location(&tx.hash()).unwrap().unwrap();
    let entry = t.node.reader().entry(location.log_index).unwrap().unwrap();
    let path = format!("/v1/proofs/inclusion?leaf_hash={}", log::leaf_hash(&entry));
    let ctx = gateway::Ctx::new(t.node.clone());
    let routes = gateway::routes_with(ctx.clone());
    let ask = || warp::test::request().path(&path).reply(&routes);

    let held = ctx.guards.handlers.clone().try_acquire_owned().unwrap();
    let started = std::time::Instant::now();
    let response = ask().await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() >= std::time::Duration::from_millis(1_000));
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["error"], "timeout", "{body}");
    assert_eq!(response.headers()["retry-after"], "1");

    // Freed while the request waits: it is answered.
    let waiting = ask();
    tokio::pin!(waiting);
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(50), &mut waiting)
            .await
            .is_err(),
        "answered without a permit"
    );
    drop(held);
    let response = waiting.await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["leaf_index"], location.log_index);
    assert_eq!(
        ctx.guards.handlers.available_permits(),
        1,
        "the permit is given back"
    );

    // The workers' slot taken (another inline handler running): the pool answers.
    let slot = ctx.guards.inline_slots.clone().try_acquire_owned().unwrap();
    let response = ask().await;
    assert_eq!(response.status(), StatusCode::OK);
    drop(slot);

    // A handler that panics on a worker: a 500 with a reason, and both permits back.
    let response = gateway::inline(ctx.clone(), |_| panic!("a handler's bug")).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(ctx.guards.handlers.available_permits(), 1);
    assert_eq!(
        ctx.guards.inline_slots.available_permits(),
        gateway::INLINE_HANDLERS_MAX
    );
}

#[tokio::test]
async fn signed_ledger_reads_show_each_reader_what_the_read_table_allows() {
    let t = test_node(Limits::default());
    let tx = t.proposal("SC-R-1");
    assert_eq!(t.submit(&tx).await.0, StatusCode::ACCEPTED);
    t.produce();
    // The same project id again (a fresh nonce, so another transaction): committed, rejected.
    let duplicate = t.proposal("SC-R-1");
    assert_eq!(t.submit(&duplicate).await.0, StatusCode::ACCEPTED);
    t.produce();

    // Transport signed both; ecology is another line department; audit reads everything.
    let transport = t.member("transport", Role::Specialist);
    let ecology = t.member("ecology", Role::Specialist);
    let auditor = t.auditor();

    // A transaction's status is open, but why it was rejected is not.
    let (_, json, body) = t.get(&format!("/v1/txs/{}", tx.hash())).await;
    assert_eq!(
        json["outcome"],
        serde_json::json!({"status": "applied"}),
        "{body}"
    );
    let status_path = format!("/v1/txs/{}", duplicate.hash());
    let (status, json, body) = t.get(&status_path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json["status"], "committed");
    assert_eq!(json["outcome"], serde_json::json!({"status": "rejected"}));
    for reader in [&transport, &auditor] {
        let (status, json, body) = t.get_as(&status_path, reader).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(json["outcome"]["status"], "rejected");
        assert_eq!(json["outcome"]["code"], "already_exists", "{body}");
        assert!(
            json["outcome"]["reason"]
                .as_str()
                .is_some_and(|r| !r.is_empty())
        );
    }
    let (_, json, _) = t.get_as(&status_path, &ecology).await;
    assert_eq!(json["outcome"], serde_json::json!({"status": "rejected"}));

    // Entries: whole for readers who may see them, a leaf hash only for the others.
    for reader in [&transport, &auditor] {
        let (status, json, body) = t.get_as("/v1/entries?start=0&end=1", reader).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let entries = json["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{body}");
        for (entry, sent) in entries.iter().zip([&tx, &duplicate]) {
            assert_eq!(entry["tx_hash"], sent.hash().to_hex());
            assert!(entry["entry"].is_string(), "{body}");
            assert!(entry.get("leaf_hash").is_none(), "{body}");
        }
    }
    let (status, json, body) = t.get_as("/v1/entries?start=0&end=1", &ecology).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{body}");
    for (i, entry) in entries.iter().enumerate() {
        let bytes = t.node.reader().entry(i as u64).unwrap().unwrap();
        assert_eq!(entry["leaf_index"], i as u64);
        assert_eq!(entry["leaf_hash"], log::leaf_hash(&bytes).to_hex());
        assert!(entry.get("entry").is_none(), "{body}");
        assert!(entry.get("tx_hash").is_none(), "{body}");
    }

    // Inclusion proofs by transaction carry the entry: the same rule. For ecology, a
    // transaction it may not read and one that does not exist are the same answer.
    let proof_path = format!("/v1/proofs/inclusion?tx={}", tx.hash());
    for reader in [&transport, &auditor] {
        let (status, json, body) = t.get_as(&proof_path, reader).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(json["entry"].is_string(), "{body}");
    }
    let unknown = Hash::digest(b"nothing");
    for path in [
        proof_path.clone(),
        format!("/v1/proofs/inclusion?tx={unknown}"),
    ] {
        assert_error(
            t.get_as(&path, &ecology).await,
            StatusCode::FORBIDDEN,
            "not_readable",
        );
    }
    assert_error(
        t.get_as(&format!("/v1/proofs/inclusion?tx={unknown}"), &auditor)
            .await,
        StatusCode::NOT_FOUND,
        "unknown_tx",
    );
}

#[tokio::test]
async fn bad_transactions_get_a_4xx_with_a_reason() {
    let t = test_node(Limits::default());
    assert_error(
        t.request("POST", "/v1/txs", Some(b"{not json".to_vec()))
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_tx",
    );
    assert_error(
        t.request("POST", "/v1/txs", Some(b"{}".to_vec())).await,
        StatusCode::BAD_REQUEST,
        "malformed_tx",
    );

    let mut forged = t.proposal("SC-BAD-1");
    forged.body.replay.nonce += 1000;
    let (status, json) = t.submit(&forged).await;
    assert_eq!(
        (status, json["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_signature"))
    );

    let stranger = Keypair::generate(Algorithm::Ed25519).unwrap();
    let other_chain = TxBody {
        chain_id: "another-chain".into(),
        signer: stranger.public_key(),
        replay: ReplayGuard {
            nonce: 1,
            valid_until_height: 50,
        },
        operation: Operation::ApproveProject {
            project: "X".into(),
        },
    }
    .sign(&stranger);
    let (status, json) = t.submit(&other_chain).await;
    assert_eq!(
        (status, json["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("wrong_chain"))
    );

    let expired = TxBody {
        chain_id: t.node.chain_id().to_owned(),
        signer: stranger.public_key(),
        replay: ReplayGuard {
            nonce: 1,
            valid_until_height: 0,
        },
        operation: Operation::ApproveProject {
            project: "X".into(),
        },
    }
    .sign(&stranger);
    let (status, json) = t.submit(&expired).await;
    assert_eq!(
        (status, json["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("expired"))
    );

    // A well-signed transaction from someone who is not a member never reaches the ledger.
    let outsider = TxBody {
        chain_id: t.node.chain_id().to_owned(),
        signer: stranger.public_key(),
        replay: ReplayGuard {
            nonce: 2,
            valid_until_height: 50,
        },
        operation: Operation::ApproveProject {
            project: "X".into(),
        },
    }
    .sign(&stranger);
    let (status, json) = t.submit(&outsider).await;
    assert_eq!(
        (status, json["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("unknown_signer"))
    );

    // Replay of a committed transaction.
    let tx = t.proposal("SC-REPLAY");
    assert_eq!(t.submit(&tx).await.0, StatusCode::ACCEPTED);
    // Resubmitting while pending is idempotent.
    let (status, json) = t.submit(&tx).await;
    assert_eq!(
        (status, json["resubmitted"].as_bool()),
        (StatusCode::ACCEPTED, Some(true))
    );
    t.produce();
    let (status, json) = t.submit(&tx).await;
    assert_eq!(
        (status, json["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_committed"))
    );

    // Oversize body.
    let huge = vec![b' '; 300 * 1024];
    assert_error(
        t.request("POST", "/v1/txs", Some(huge)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    );
}

#[tokio::test]
async fn bad_queries_get_a_4xx_with_a_reason() {
    let t = test_node(Limits::default());
    assert_error(
        t.get("/v1/checkpoint").await,
        StatusCode::NOT_FOUND,
        "no_checkpoint",
    );
    let tx = t.proposal("SC-Q-1");
    t.submit(&tx).await;
    t.produce();
    let auditor = t.auditor();
    let unknown = Hash::digest(b"nothing");
    assert_error(
        t.get_as(&format!("/v1/proofs/inclusion?tx={unknown}"), &auditor)
            .await,
        StatusCode::NOT_FOUND,
        "unknown_tx",
    );
    assert_error(
        t.get_as("/v1/proofs/inclusion?tx=zz", &auditor).await,
        StatusCode::BAD_REQUEST,
        "bad_hash",
    );
    assert_error(
        t.get_as("/v1/proofs/inclusion", &auditor).await,
        StatusCode::BAD_REQUEST,
        "bad_query",
    );
    assert_error(
        t.get_as(
            &format!("/v1/proofs/inclusion?tx={}&tree_size=99", tx.hash()),
            &auditor,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "tree_size_beyond_log",
    );
    assert_error(
        t.get_as(
            &format!("/v1/proofs/inclusion?tx={}&tree_size=-1", tx.hash()),
            &auditor,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_query",
    );
    assert_error(
        t.get_as(
            &format!("/v1/proofs/inclusion?tx={}&tree_size=0", tx.hash()),
            &auditor,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "not_in_tree",
    );
    // Without a signature, a proof by transaction (which carries the entry) is refused before
    // anything about the transaction is looked at.
    assert_error(
        t.get(&format!("/v1/proofs/inclusion?tx={}", tx.hash()))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    assert_error(
        t.get("/v1/proofs/inclusion?leaf_hash=zz").await,
        StatusCode::BAD_REQUEST,
        "bad_hash",
    );
    assert_error(
        t.get("/v1/proofs/consistency?first=2&second=1").await,
        StatusCode::BAD_REQUEST,
        "first_after_second",
    );
    assert_error(
        t.get("/v1/proofs/consistency?first=1&second=99").await,
        StatusCode::BAD_REQUEST,
        "tree_size_beyond_log",
    );
    assert_error(
        t.get("/v1/proofs/consistency?first=0&second=1").await,
        StatusCode::BAD_REQUEST,
        "first_is_zero",
    );
    assert_error(
        t.get("/v1/proofs/consistency?first=1").await,
        StatusCode::BAD_REQUEST,
        "bad_query",
    );
    assert_error(
        t.get_as("/v1/entries?start=5&end=1", &auditor).await,
        StatusCode::BAD_REQUEST,
        "start_after_end",
    );
    assert_error(
        t.get_as("/v1/entries?start=7&end=9", &auditor).await,
        StatusCode::BAD_REQUEST,
        "start_beyond_log",
    );
    assert_error(
        t.get_as("/v1/entries?start=x&end=9", &auditor).await,
        StatusCode::BAD_REQUEST,
        "bad_query",
    );
    assert_error(
        t.get("/v1/entries?start=0&end=0").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    assert_error(
        t.get("/v1/blocks/999").await,
        StatusCode::NOT_FOUND,
        "unknown_block",
    );
    assert_error(
        t.get("/v1/blocks/abc").await,
        StatusCode::BAD_REQUEST,
        "bad_height",
    );
    assert_error(
        t.get(&format!("/v1/txs/{unknown}")).await,
        StatusCode::NOT_FOUND,
        "unknown_tx",
    );
    assert_error(
        t.get("/v1/txs/123").await,
        StatusCode::BAD_REQUEST,
        "bad_hash",
    );
    assert_error(
        t.get("/v1/nowhere").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        t.request("DELETE", "/v1/status", None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
}

#[tokio::test]
async fn full_mempool_is_503_with_retry_after() {
    let t = test_node(Limits {
        mempool_txs_max: 1,
        ..Limits::default()
    });
    assert_eq!(
        t.submit(&t.proposal("SC-F-1")).await.0,
        StatusCode::ACCEPTED
    );
    let routes = gateway::routes(t.node.clone());
    let response = warp::test::request()
        .method("POST")
        .path("/v1/txs")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&t.proposal("SC-F-2")).unwrap())
        .reply(&routes)
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
    let json: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(json["error"], "mempool_full");
}

#[tokio::test]
async fn binary_submission_and_restart_resume() {
    let dir_keep;
    let tx;
    {
        let t = test_node(Limits::default());
        tx = t.proposal("SC-BIN-1");
        let routes = gateway::routes(t.node.clone());
        let response = warp::test::request()
            .method("POST")
            .path("/v1/txs")
            .header("content-type", "application/octet-stream")
            .body(tx.to_bytes())
            .reply(&routes)
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        t.produce();
        dir_keep = t;
    }
    // Reopen the same database: the chain resumes with the committed transaction.
    let TestNode {
        inner, node, keys, ..
    } = dir_keep;
    let tip_before = node.tip().chain;
    drop(node);
    drop(inner.node);
    let node = common::open(&inner.dir, &keys, Limits::default());
    assert_eq!(node.tip().chain, tip_before);
    assert!(node.reader().tx_location(&tx.hash()).unwrap().is_some());
}

#[tokio::test]
async fn a_request_that_outlives_the_timeout_is_503_with_retry_after() {
    let t = test_node(Limits {
        http_request_timeout_ms: 50,
        ..Limits::default()
    });
    let response = ledger::blocking(t.node.clone(), |_| {
        std::thread::sleep(std::time::Duration::from_millis(300));
        Err(gateway::error::ApiError::internal("never seen"))
    })
    .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
    let quick = ledger::blocking(t.node.clone(), ledger::status).await;
    assert_eq!(quick.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_validator_without_a_quorum_refuses_to_produce_alone() {
    let dir = tempfile::tempdir().unwrap();
    let keys = gongxin_devnet::create_devnet_files(dir.path(), 4).unwrap();
    let node = common::open(&dir, &keys, Limits::default());
    let result = gongxin_node::producer::run_solo(node).await;
    assert!(
        matches!(
            result,
            Err(gongxin_node::chain::ChainError::NotQuorum {
                power: 1,
                total: 4,
                ..
            })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_batch_admits_each_transaction_on_its_own() {
    let t = test_node(Limits::default());
    let good: Vec<SignedTx> = (0..3)
        .map(|i| t.proposal(&format!("SC-BATCH-{i}")))
        .collect();
    let mut forged = t.proposal("SC-BATCH-FORGED");
    forged.body.operation = t.proposal("SC-BATCH-OTHER").body.operation; // signature no longer fits
    let mut batch = good.clone();
    batch.push(forged.clone());
    batch.push(good[0].clone()); // a resend inside the same batch
    let routes = gateway::routes(t.node.clone());
    let response = warp::test::request()
        .method("POST")
        .path("/v1/txs/batch")
        .header("content-type", "application/octet-stream")
        .body(gongxin_core::encoding::encode(&batch))
        .reply(&routes)
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for (result, tx) in results.iter().zip(&good) {
        assert_eq!(result["status"], "pending", "{result}");
        assert_eq!(result["tx_hash"], tx.hash().to_hex());
    }
    assert_eq!(results[3]["error"], "bad_signature", "{}", results[3]);
    assert_eq!(results[3]["tx_hash"], forged.hash().to_hex());
    assert_eq!(results[4]["status"], "pending");
    assert_eq!(results[4]["resubmitted"], true);
    assert_eq!(t.node.admission.pool_size().txs, 3);
    t.produce();
    for tx in &good {
        assert!(t.node.reader().tx_location(&tx.hash()).unwrap().is_some());
    }

    // Not a batch, the JSON form, and too many transactions: clear 4xx answers.
    let (status, json, _) = t
        .request(
            "POST",
            "/v1/txs/batch",
            Some(b"{\"not\": \"a list\"}".to_vec()),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json["error"], "malformed_batch");
    // A transaction over the size limit is refused in its place; the verdicts after it still
    // line up with their transactions.
    let mut oversized = t.proposal("SC-BATCH-HUGE");
    if let Operation::ProposeProject(p) = &mut oversized.body.operation {
        p.description = "x".repeat(gongxin_core::encoding::TX_BYTES_MAX);
    }
    let one = [t.proposal("SC-BATCH-JSON")];
    let mixed = vec![oversized.clone(), one[0].clone()];
    let (status, json, _) = t
        .request(
            "POST",
            "/v1/txs/batch",
            Some(serde_json::to_vec(&mixed).unwrap()),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{json}");
    assert_eq!(json["results"][0]["error"], "malformed_tx", "{json}");
    assert_eq!(json["results"][0]["tx_hash"], oversized.hash().to_hex());
    assert_eq!(json["results"][1]["status"], "pending", "{json}");
    assert_eq!(json["results"][1]["tx_hash"], one[0].hash().to_hex());
    let many: Vec<SignedTx> = (0..=ledger::BATCH_TXS_MAX)
        .map(|_| one[0].clone())
        .collect();
    let response = warp::test::request()
        .method("POST")
        .path("/v1/txs/batch")
        .header("content-type", "application/octet-stream")
        .body(gongxin_core::encoding::encode(&many))
        .reply(&routes)
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// A batch's count prefix is read before anything is allocated: a short body claiming
/// `u64::MAX` transactions is 413 at once, and one claiming more than it carries is a 400.
#[tokio::test]
async fn a_batch_count_prefix_cannot_size_an_allocation() {
    let t = test_node(Limits::default());
    let routes = gateway::routes(t.node.clone());
    let send = |body: Vec<u8>| {
        warp::test::request()
            .method("POST")
            .path("/v1/txs/batch")
            .header("content-type", "application/octet-stream")
            .body(body)
    };
    let mut claims_everything = u64::MAX.to_be_bytes().to_vec();
    claims_everything.extend_from_slice(&[0u8; 366]);
    let response = send(claims_everything).reply(&routes).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let mut claims_two = 2u64.to_be_bytes().to_vec();
    claims_two.extend_from_slice(&t.proposal("SC-PREFIX-1").to_bytes());
    let response = send(claims_two).reply(&routes).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["error"], "malformed_batch", "{body}");
    assert_eq!(
        t.node.admission.pool_size().txs,
        0,
        "nothing of a refused batch is admitted"
    );
}

/// HTTP submissions spend a node-wide budget of signature checks before any check: once it is
/// spent, a batch is 429 with `Retry-After` and nothing of it is verified or admitted.
#[tokio::test]
async fn submissions_past_the_signature_budget_are_refused_before_any_check() {
    let t = test_node(Limits {
        http_signature_checks_per_s: ledger::BATCH_TXS_MAX as u32,
        ..Limits::default()
    });
    let routes = gateway::routes(t.node.clone());
    let batch: Vec<SignedTx> = (0..600)
        .map(|i| t.proposal(&format!("SC-BUDGET-{i}")))
        .collect();
    let send = |txs: &[SignedTx]| {
        warp::test::request()
            .method("POST")
            .path("/v1/txs/batch")
            .header("content-type", "application/octet-stream")
            .body(gongxin_core::encoding::encode(&txs.to_vec()))
    };
    let checks_before = t
        .node
        .admission
        .metrics
        .signature_checks
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        send(&batch).reply(&routes).await.status(),
        StatusCode::ACCEPTED
    );
    let checks_after_first = t
        .node
        .admission
        .metrics
        .signature_checks
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(checks_after_first - checks_before, 600);
    // 400 checks are left this second: another 600 are refused whole, unchecked.
    let more: Vec<SignedTx> = (600..1_200)
        .map(|i| t.proposal(&format!("SC-BUDGET-{i}")))
        .collect();
    let response = send(&more).reply(&routes).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["error"], "rate_limited", "{body}");
    assert_eq!(
        t.node
            .admission
            .metrics
            .signature_checks
            .load(std::sync::atomic::Ordering::Relaxed),
        checks_after_first,
        "a refused batch costs no signature check"
    );
    assert_eq!(t.node.admission.pool_size().txs, 600);
}

/// Requests are limited per client address: past the rate, 429 with `Retry-After`; another
/// address is not affected.
#[tokio::test]
async fn each_address_has_its_own_request_rate() {
    let t = test_node(Limits {
        http_requests_per_s_per_address: 5,
        ..Limits::default()
    });
    let routes = gateway::routes(t.node.clone());
    let from = |ip: [u8; 4]| {
        warp::test::request()
            .method("GET")
            .path("/v1/status")
            .extension(gateway::PeerAddr(std::net::SocketAddr::from((ip, 40_000))))
    };
    for _ in 0..5 {
        assert_eq!(
            from([10, 0, 0, 1]).reply(&routes).await.status(),
            StatusCode::OK
        );
    }
    let refused = from([10, 0, 0, 1]).reply(&routes).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(
        from([10, 0, 0, 2]).reply(&routes).await.status(),
        StatusCode::OK
    );
    let metrics = warp::test::request().path("/metrics").reply(&routes).await;
    let text = String::from_utf8_lossy(metrics.body()).into_owned();
    assert!(
        text.contains("\ngongxin_http_rate_limited_total 1\n"),
        "{text}"
    );
}

/// The node reads the time of day from its clock, and a test that owns the clock decides it:
/// the solo producer's block times, and which signed reads are fresh.
#[tokio::test]
async fn block_times_and_read_freshness_follow_the_nodes_clock() {
    use gongxin_node::clock::{Clock, ManualClock, SystemClock};
    // A month ahead of this machine's clock: nothing the node does may follow the machine's.
    let start_ms = SystemClock.now_ms() + 30 * 86_400_000;
    let clock = ManualClock::new(start_ms);
    let t = common::test_node_with_clock(Limits::default(), clock.clone());
    let block_time = |t: &common::TestNode| {
        let summary = produce_block(&t.node, true).unwrap().unwrap();
        let header = t.node.reader().header(summary.height).unwrap().unwrap();
        header.timestamp_ms
    };
    assert_eq!(block_time(&t), start_ms);
    clock.advance_ms(1_234);
    assert_eq!(block_time(&t), start_ms + 1_234);
    // A frozen clock still gives every block a later time than its parent's.
    assert_eq!(block_time(&t), start_ms + 1_235);

    let auditor = t.keys.member("audit", Role::Auditor).unwrap().clone();
    let (status, _, text) = t.get_signed("/v1/whoami", &auditor).await;
    assert_eq!(status, StatusCode::OK, "signed at the node's time: {text}");
    let routes = gateway::routes(t.node.clone());
    let mut request = warp::test::request().method("GET").path("/v1/whoami");
    for (name, value) in
        common::signed_get_headers(&t.node, &auditor, "/v1/whoami", SystemClock.now_ms())
    {
        request = request.header(name, value);
    }
    let response = request.reply(&routes).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["error"], "stale_request", "{body}");
}
