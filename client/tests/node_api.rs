//! The SDK and the node-facing CLI commands (`status`, `submit`, `tx`, `proof`, `op`) against a
//! fake node: typed answers, every kind of failure mapped to a clear error, signing and
//! submitting with the replay guard filled, the exit code 3 of a rejected outcome, signed reads
//! of transaction status, entries and proofs, and proof bundles that the offline `verify`
//! accepts.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{FakeNode, Reply, Request, assert_exit, gongxin, path_str, text};
use gongxin_client::http::{ClientError, NodeClient, TxOutcome, TxStatus};
use gongxin_client::records::Reader;
use gongxin_client::txbuilder::DEFAULT_VALID_FOR_BLOCKS;
use gongxin_core::Hash;
use gongxin_core::block::BlockHeader;
use gongxin_core::crypto::{Algorithm, Keypair, PublicKey, Signature};
use gongxin_core::genesis::Genesis;
use gongxin_core::log;
use gongxin_core::model::Operation;
use gongxin_core::request_auth::{
    KEY_HEADER, NODE_HEADER, NONCE_HEADER, ReadRequest, SIGNATURE_HEADER, TIMESTAMP_HEADER,
    verify_read_request,
};
use gongxin_core::testkit::{CHAIN, TestLedger, ledger};
use gongxin_core::tx::SignedTx;

const HEIGHT: u64 = 7;
/// The fake node's name, as its status tells it: what signed reads are bound to.
const NODE: &str = "finance.validator";

/// The key behind a signed read, checked as the gateway does (the headers, the node, a signature
/// over `CHAIN`, the node, the method, the target as received, the time and the nonce); `None`
/// for an unsigned read; the gateway's 401 for a bad one.
fn read_signer(request: &Request) -> Result<Option<PublicKey>, Reply> {
    let Some(key) = request.header(KEY_HEADER) else {
        return Ok(None);
    };
    let bad = || {
        Reply::error(
            401,
            "bad_signature",
            "the request signature does not verify",
        )
    };
    let key: PublicKey = key.parse().map_err(|_| bad())?;
    let (Some(node), Some(timestamp_ms), Some(nonce), Some(signature)) = (
        request.header(NODE_HEADER),
        request
            .header(TIMESTAMP_HEADER)
            .and_then(|t| t.parse::<u64>().ok()),
        request.header(NONCE_HEADER),
        request
            .header(SIGNATURE_HEADER)
            .and_then(|s| s.parse::<Signature>().ok()),
    ) else {
        return Err(Reply::error(
            401,
            "unauthenticated",
            "a signed read needs every gongxin-* header",
        ));
    };
    if node != NODE {
        return Err(Reply::error(401, "wrong_node", "signed for another node"));
    }
    let signed = ReadRequest {
        chain_id: CHAIN,
        node,
        method: &request.method,
        path_and_query: &request.target,
        timestamp_ms,
        nonce,
    };
    if verify_read_request(&key, &signature, &signed) {
        Ok(Some(key))
    } else {
        Err(bad())
    }
}

/// [`read_signer`] for an endpoint that only serves signed reads.
fn signed_only(request: &Request) -> Result<PublicKey, Reply> {
    read_signer(request)?
        .ok_or_else(|| Reply::error(401, "unauthenticated", "this is a signed read"))
}

/// What the fake node holds: submitted transactions and how often each was asked about.
#[derive(Default)]
struct Ledger {
    txs: BTreeMap<Hash, (SignedTx, u32)>,
    posts: u32,
    /// Answer the first POST with 503 mempool_full.
    busy_once: bool,
    /// Status reads signed (by anyone), and not signed.
    signed_polls: u32,
    unsigned_polls: u32,
}

/// A node that admits correctly signed transactions of `CHAIN`, reports each as pending on the
/// first ask and committed afterwards — `approve_project` rejected, everything else applied. As
/// the gateway, it tells a rejection's code and reason only to a signed reader who may see the
/// entry (here: its signer).
fn submit_node(genesis: Genesis, state: Arc<Mutex<Ledger>>) -> FakeNode {
    FakeNode::start(move |request| {
        let mut state = state.lock().unwrap();
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/v1/status") => Reply::json(
                200,
                common::status_json(CHAIN, NODE, genesis.hash(), HEIGHT, 12),
            ),
            ("POST", "/v1/txs") => {
                state.posts += 1;
                if state.busy_once && state.posts == 1 {
                    return Reply::error(503, "mempool_full", "the mempool is full")
                        .with_header("retry-after", "0");
                }
                let tx: SignedTx = match serde_json::from_slice(&request.body) {
                    Ok(tx) => tx,
                    Err(e) => return Reply::error(400, "malformed_tx", &e.to_string()),
                };
                let hash = match tx.verify(CHAIN) {
                    Ok(hash) => hash,
                    Err(e) => return Reply::error(400, "bad_signature", &e.to_string()),
                };
                state.txs.insert(hash, (tx, 0));
                Reply::json(
                    202,
                    serde_json::json!({"tx_hash": hash, "status": "pending", "resubmitted": false}),
                )
            }
            ("GET", path) if path.starts_with("/v1/txs/") => {
                let reader = match read_signer(request) {
                    Ok(reader) => reader,
                    Err(refused) => return refused,
                };
                if reader.is_some() {
                    state.signed_polls += 1;
                } else {
                    state.unsigned_polls += 1;
                }
                let Ok(hash) = Hash::from_hex(&path["/v1/txs/".len()..]) else {
                    return Reply::error(400, "bad_hash", "not a hash");
                };
                let Some((tx, asked)) = state.txs.get_mut(&hash) else {
                    return Reply::error(404, "unknown_tx", "neither pending nor committed");
                };
                *asked += 1;
                if *asked == 1 {
                    return Reply::json(
                        200,
                        serde_json::json!({"tx_hash": hash, "status": "pending"}),
                    );
                }
                let outcome = match tx.body.operation {
                    Operation::ApproveProject { .. }
                        if reader.as_ref() == Some(&tx.body.signer) =>
                    {
                        serde_json::json!({
                            "status": "rejected", "code": "wrong_state",
                            "reason": "project SC-2026-001 is not proposed"})
                    }
                    Operation::ApproveProject { .. } => serde_json::json!({"status": "rejected"}),
                    _ => serde_json::json!({"status": "applied"}),
                };
                Reply::json(
                    200,
                    serde_json::json!({"tx_hash": hash, "status": "committed", "height": HEIGHT + 1,
                        "position": 0, "log_index": 12, "outcome": outcome}),
                )
            }
            _ => Reply::error(404, "not_found", "no such endpoint"),
        }
    })
}

struct Member {
    dir: tempfile::TempDir,
    key: String,
    public_key: String,
}

fn member() -> Member {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("member.key");
    let out = gongxin(&[
        "--json",
        "keys",
        "new",
        "--out",
        path_str(&key),
        "--name",
        "transport-specialist",
    ]);
    assert_exit(&out, 0);
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    Member {
        key: path_str(&key).to_owned(),
        public_key: created["public_key"].as_str().unwrap().to_owned(),
        dir,
    }
}

fn write_op(dir: &Path, name: &str, json: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, json).unwrap();
    path_str(&path).to_owned()
}

#[test]
fn submit_signs_waits_and_exits_3_on_a_rejected_outcome() {
    let l = ledger(0);
    let state = Arc::new(Mutex::new(Ledger::default()));
    let node = submit_node(l.genesis.clone(), state.clone());
    let m = member();

    // An `op example` template, submitted as is.
    let example = gongxin(&["op", "example", "propose_project"]);
    assert_exit(&example, 0);
    let propose = write_op(m.dir.path(), "propose.json", &text(&example.stdout));
    let out = gongxin(&[
        "--node",
        node.url(),
        "submit",
        "--key",
        &m.key,
        "--op",
        &propose,
        "--wait",
    ]);
    assert_exit(&out, 0);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("propose_project as transport-specialist"),
        "{stdout}"
    );
    assert!(
        stdout.contains("at height 8 (log entry 12): applied"),
        "{stdout}"
    );
    {
        let state = state.lock().unwrap();
        let (tx, _) = state.txs.values().next().unwrap();
        assert_eq!(tx.body.signer.to_string(), m.public_key);
        assert_eq!(tx.body.chain_id, CHAIN, "chain id from the node's status");
        assert_eq!(
            tx.body.replay.valid_until_height,
            HEIGHT + DEFAULT_VALID_FOR_BLOCKS
        );
    }

    // Rejected by the rules: exit code 3, with the code and the reason.
    let approve = write_op(
        m.dir.path(),
        "approve.json",
        r#"{"approve_project": {"project": "SC-2026-001"}}"#,
    );
    let out = gongxin(&[
        "--node",
        node.url(),
        "submit",
        "--key",
        &m.key,
        "--op",
        &approve,
        "--wait",
    ]);
    assert_exit(&out, 3);
    assert!(
        text(&out.stdout).contains("rejected (wrong_state): project SC-2026-001 is not proposed")
    );
    {
        // --wait signs its status reads with the submitting key: that is how it learns why.
        let state = state.lock().unwrap();
        assert!(state.signed_polls >= 4, "{} signed", state.signed_polls);
        assert_eq!(state.unsigned_polls, 0);
    }
    let out = gongxin(&[
        "--json",
        "--node",
        node.url(),
        "submit",
        "--key",
        &m.key,
        "--op",
        &approve,
        "--wait",
    ]);
    assert_exit(&out, 3);
    let committed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(committed["status"], "committed");
    assert_eq!(committed["outcome"]["code"], "wrong_state");

    // Without --wait: the hash, pending; the same operation twice gets two nonces.
    let out = gongxin(&[
        "--json",
        "--node",
        node.url(),
        "submit",
        "--key",
        &m.key,
        "--op",
        &approve,
    ]);
    assert_exit(&out, 0);
    let submitted: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(submitted["status"], "pending");
    assert_eq!(
        state.lock().unwrap().txs.len(),
        4,
        "four distinct transactions"
    );

    // From standard input, via GONGXIN_NODE.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gongxin"))
        .args(["submit", "--key", &m.key, "--op", "-"])
        .env("GONGXIN_NODE", node.url())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        br#"{"close_project": {"project": "SC-2026-001"}}"#,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_exit(&out, 0);
    assert!(text(&out.stdout).contains("close_project"));
}

#[test]
fn submit_retries_a_full_mempool_and_checks_the_chain() {
    let l = ledger(0);
    let state = Arc::new(Mutex::new(Ledger {
        busy_once: true,
        ..Ledger::default()
    }));
    let node = submit_node(l.genesis.clone(), state.clone());
    let m = member();
    let op = write_op(
        m.dir.path(),
        "op.json",
        r#"{"resume_project": {"project": "SC-1"}}"#,
    );
    let genesis = m.dir.path().join("genesis.json");
    std::fs::write(&genesis, l.genesis.to_json()).unwrap();
    let out = gongxin(&[
        "--node",
        node.url(),
        "submit",
        "--key",
        &m.key,
        "--op",
        &op,
        "--genesis",
        path_str(&genesis),
    ]);
    assert_exit(&out, 0);
    assert_eq!(state.lock().unwrap().posts, 2, "retried after 503");

    // A genesis of another chain: nothing is signed or sent.
    let other = m.dir.path().join("other.json");
    std::fs::write(&other, ledger(0).genesis.to_json()).unwrap();
    let out = gongxin(&[
        "--node",
        node.url(),
        "submit",
        "--key",
        &m.key,
        "--op",
        &op,
        "--genesis",
        path_str(&other),
    ]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("nothing was signed"));
    assert_eq!(state.lock().unwrap().posts, 2);

    // An operation file that is not an operation.
    let bad = write_op(m.dir.path(), "bad.json", r#"{"approve_project": {}}"#);
    let out = gongxin(&[
        "--node",
        node.url(),
        "submit",
        "--key",
        &m.key,
        "--op",
        &bad,
    ]);
    assert_exit(&out, 1);
    assert!(
        text(&out.stderr).contains("gongxin op example"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn tx_and_status_commands() {
    let l = ledger(0);
    let state = Arc::new(Mutex::new(Ledger::default()));
    let node = submit_node(l.genesis.clone(), state.clone());
    let key = Keypair::generate(Algorithm::Ed25519).unwrap();
    let tx = gongxin_client::txbuilder::TxBuilder::new(CHAIN, key)
        .build(
            Operation::ResumeProject {
                project: "SC-1".into(),
            },
            HEIGHT,
        )
        .unwrap();
    let client = NodeClient::new(node.url()).unwrap();
    client.submit(&tx).unwrap();
    let hash = tx.hash().to_hex();

    let out = gongxin(&["--node", node.url(), "tx", &hash]);
    assert_exit(&out, 0);
    assert!(text(&out.stdout).contains("pending in the node's mempool"));
    let out = gongxin(&["--json", "--node", node.url(), "tx", &hash]);
    assert_exit(&out, 0);
    let status: TxStatus = serde_json::from_slice(&out.stdout).unwrap();
    assert!(matches!(status, TxStatus::Committed(c) if c.outcome == TxOutcome::Applied));

    // A rejection's code and reason are a signed read: without --key, only that it was rejected.
    let m = member();
    let approve = write_op(
        m.dir.path(),
        "approve.json",
        r#"{"approve_project": {"project": "SC-2026-001"}}"#,
    );
    let out = gongxin(&[
        "--json",
        "--node",
        node.url(),
        "submit",
        "--key",
        &m.key,
        "--op",
        &approve,
    ]);
    assert_exit(&out, 0);
    let submitted: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rejected = submitted["tx_hash"].as_str().unwrap().to_owned();
    let out = gongxin(&["--node", node.url(), "tx", &rejected]);
    assert_exit(&out, 0);
    assert!(text(&out.stdout).contains("pending"));
    let out = gongxin(&["--node", node.url(), "tx", &rejected]);
    assert_exit(&out, 0);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("rejected (the reason is a signed read: add --key"),
        "{stdout}"
    );
    assert!(!stdout.contains("wrong_state"), "{stdout}");
    let out = gongxin(&["--json", "--node", node.url(), "tx", &rejected]);
    assert_exit(&out, 0);
    let status: TxStatus = serde_json::from_slice(&out.stdout).unwrap();
    match status {
        TxStatus::Committed(c) => assert_eq!(
            c.outcome,
            TxOutcome::Rejected {
                code: None,
                reason: None
            }
        ),
        other => panic!("{other:?}"),
    }
    let out = gongxin(&["--node", node.url(), "tx", &rejected, "--key", &m.key]);
    assert_exit(&out, 0);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("rejected (wrong_state): project SC-2026-001 is not proposed"),
        "{stdout}"
    );

    let unknown = Hash::digest(b"never sent").to_hex();
    let out = gongxin(&["--node", node.url(), "tx", &unknown]);
    assert_exit(&out, 1);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("404 unknown_tx"), "{stderr}");
    assert!(stderr.contains("hint: it was never submitted"), "{stderr}");
    let out = gongxin(&["--node", node.url(), "tx", "xyz"]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("is not a transaction hash"));

    let out = gongxin(&["--node", node.url(), "status"]);
    assert_exit(&out, 0);
    let stdout = text(&out.stdout);
    assert!(stdout.contains(&format!("chain    {CHAIN}")), "{stdout}");
    assert!(stdout.contains("height   7"), "{stdout}");
    let out = gongxin(&["--json", "--node", &format!("{}/", node.url()), "status"]);
    assert_exit(&out, 0);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["genesis_hash"], l.genesis.hash().to_hex());

    let out = gongxin(&["--node", "https://node.example", "status"]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("plain HTTP"));
}

/// A node serving `l`'s checkpoint of `size` and inclusion proofs from its log (a signed read),
/// optionally corrupting the audit path.
fn proof_node(l: Arc<TestLedger>, size: u64, corrupt: bool) -> FakeNode {
    FakeNode::start(move |request| match request.path.as_str() {
        "/v1/status" => Reply::json(
            200,
            common::status_json(CHAIN, NODE, l.genesis.hash(), HEIGHT, 12),
        ),
        "/v1/checkpoint" => Reply::text(200, &l.checkpoint(size, &[0, 1, 2]).to_note()),
        "/v1/validator-sets" => Reply::json(
            200,
            serde_json::json!({"validator_sets": [{"from_height": 0, "handover": null}]}),
        ),
        "/v1/proofs/inclusion" => {
            if let Err(refused) = signed_only(request) {
                return refused;
            }
            let tx = request.query.get("tx").and_then(|t| Hash::from_hex(t).ok());
            let Some(index) = l.entries.iter().position(|(h, _)| Some(*h) == tx) else {
                return Reply::error(404, "unknown_tx", "no committed transaction");
            };
            let tree_size = request.param("tree_size").unwrap_or(size);
            if index as u64 >= tree_size {
                return Reply::error(400, "not_in_tree", "not in a tree of that size");
            }
            let mut path = log::inclusion_proof(&l.log, index as u64, tree_size).unwrap();
            if corrupt {
                path[0].0[0] ^= 1;
            }
            Reply::json(
                200,
                serde_json::json!({"leaf_index": index, "tree_size": tree_size,
                    "entry": hex::encode(&l.entries[index].1), "audit_path": path}),
            )
        }
        _ => Reply::error(404, "not_found", "no such endpoint"),
    })
}

#[test]
fn proof_saves_a_bundle_that_verify_accepts() {
    let l = Arc::new(ledger(12));
    let dir = tempfile::tempdir().unwrap();
    let genesis = dir.path().join("genesis.json");
    std::fs::write(&genesis, l.genesis.to_json()).unwrap();
    let out_file = dir.path().join("proof.json");
    let node = proof_node(l.clone(), 10, false);
    let hash = l.entries[4].0.to_hex();
    let m = member();

    // A proof carries the entry: a signed read, so a member key is required.
    let out = gongxin(&[
        "--node",
        node.url(),
        "proof",
        &hash,
        "--out",
        path_str(&out_file),
    ]);
    assert_exit(&out, 2);
    assert!(text(&out.stderr).contains("--key"), "{}", text(&out.stderr));
    assert!(node.requests().is_empty(), "nothing was sent");

    let out = gongxin(&[
        "--node",
        node.url(),
        "proof",
        &hash,
        "--out",
        path_str(&out_file),
        "--key",
        &m.key,
    ]);
    assert_exit(&out, 0);
    assert!(text(&out.stdout).contains("entry 4 of the log of size 10"));
    assert_eq!(
        node.requests(),
        vec![
            "GET /v1/status".to_owned(),
            "GET /v1/checkpoint".to_owned(),
            format!("GET /v1/proofs/inclusion?tree_size=10&tx={hash}"),
            "GET /v1/validator-sets".to_owned(),
        ],
        "the node's name to sign for, the checkpoint, the proof for exactly its size, then \
         the validator-set hand-overs up to it"
    );
    let out = gongxin(&[
        "verify",
        path_str(&out_file),
        "--genesis",
        path_str(&genesis),
    ]);
    assert_exit(&out, 0);
    assert!(text(&out.stdout).contains("VALID"));

    // --genesis verifies before saving; a bad proof is refused and not saved.
    let checked = dir.path().join("checked.json");
    let out = gongxin(&[
        "--json",
        "--node",
        node.url(),
        "proof",
        &hash,
        "--out",
        path_str(&checked),
        "--genesis",
        path_str(&genesis),
        "--key",
        &m.key,
    ]);
    assert_exit(&out, 0);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verified_signers"].as_array().unwrap().len(), 3);
    let bad_node = proof_node(l.clone(), 10, true);
    let refused = dir.path().join("refused.json");
    let out = gongxin(&[
        "--node",
        bad_node.url(),
        "proof",
        &hash,
        "--out",
        path_str(&refused),
        "--genesis",
        path_str(&genesis),
        "--key",
        &m.key,
    ]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("PROOF REJECTED"));
    assert!(!refused.exists());

    // Committed after the checkpoint, and not committed at all: errors with what to do.
    let late = l.entries[11].0.to_hex();
    let out = gongxin(&[
        "--node",
        node.url(),
        "proof",
        &late,
        "--out",
        path_str(&refused),
        "--key",
        &m.key,
    ]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("try again after the next block"));
    let out = gongxin(&[
        "--node",
        node.url(),
        "proof",
        &Hash::digest(b"x").to_hex(),
        "--out",
        path_str(&refused),
        "--key",
        &m.key,
    ]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("is not committed (yet?)"));
}

#[test]
fn op_templates_cover_every_kind() {
    let out = gongxin(&["--json", "op", "kinds"]);
    assert_exit(&out, 0);
    let kinds: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(kinds.len(), gongxin_core::model::OperationKind::ALL.len());
    for kind in &kinds {
        let out = gongxin(&["op", "example", kind]);
        assert_exit(&out, 0);
        let op: Operation = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{kind}: {e}: {}", text(&out.stdout)));
        assert_eq!(&op.kind().as_str(), kind);
        assert!(text(&out.stderr).contains("placeholder"));
    }
    let out = gongxin(&["op", "example", "approve_everything"]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("propose_project"));
}

/// A fake node answering every request with `reply`.
fn constant(reply: Reply) -> FakeNode {
    FakeNode::start(move |_| reply.clone())
}

#[test]
fn sdk_maps_every_failure_to_a_typed_error() {
    let hash = Hash::digest(b"tx");
    let reader_key = Keypair::generate(Algorithm::Ed25519).unwrap();
    let reader = Reader::new(&reader_key, CHAIN, NODE);

    let seen = Arc::new(Mutex::new(Vec::<Request>::new()));
    let node = {
        let seen = seen.clone();
        FakeNode::start(move |request| {
            seen.lock().unwrap().push(request.clone());
            Reply::error(400, "bad_query", "tree_size must be a number")
        })
    };
    let client = NodeClient::new(node.url()).unwrap();
    let error = client.inclusion_proof(&reader, &hash, None).unwrap_err();
    match &error {
        ClientError::Api {
            status,
            code,
            message,
            url,
            ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(code, "bad_query");
            assert_eq!(message, "tree_size must be a number");
            assert!(url.ends_with(&format!("/v1/proofs/inclusion?tx={hash}")));
        }
        other => panic!("{other:?}"),
    }
    assert!(!error.is_transient());
    let error = client.inclusion_proof(&reader, &hash, Some(5)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("/v1/proofs/inclusion?tx={hash}&tree_size=5:")),
        "{error}"
    );
    // Both signed by the reader for this node, over the target as sent, each with its own nonce.
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        for request in seen.iter() {
            assert_eq!(
                read_signer(request).unwrap(),
                Some(reader_key.public_key()),
                "{request:?}"
            );
        }
        assert_ne!(seen[0].header(NONCE_HEADER), seen[1].header(NONCE_HEADER));
    }

    let node = constant(Reply::text(502, "<html>Bad Gateway</html>"));
    let error = NodeClient::new(node.url()).unwrap().status().unwrap_err();
    assert_eq!(error.code(), Some("http_502"));
    assert!(error.to_string().contains("Bad Gateway"));
    assert!(error.is_transient());

    let node = constant(Reply::error(503, "mempool_full", "full").with_header("retry-after", "3"));
    let error = NodeClient::new(node.url()).unwrap().status().unwrap_err();
    assert!(matches!(
        error,
        ClientError::Api {
            retry_after_s: Some(3),
            ..
        }
    ));

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let error = NodeClient::new(&closed).unwrap().status().unwrap_err();
    assert!(matches!(error, ClientError::Transport { .. }), "{error:?}");
    assert!(error.is_transient());
    let out = gongxin(&["--node", &closed, "status"]);
    assert_exit(&out, 1);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("cannot talk to the node"), "{stderr}");
    assert!(stderr.contains("--node URL or GONGXIN_NODE"), "{stderr}");

    // 2xx answers that are not what the API documents.
    let node = constant(Reply::json(200, serde_json::json!({"chain_id": 5})));
    let error = NodeClient::new(node.url()).unwrap().status().unwrap_err();
    assert!(matches!(error, ClientError::Protocol { .. }), "{error:?}");
    let node = constant(Reply::text(200, &"x".repeat(70 * 1024)));
    let error = NodeClient::new(node.url())
        .unwrap()
        .checkpoint_note()
        .unwrap_err();
    assert!(error.to_string().contains("larger than"), "{error}");
    let node = constant(Reply::text(200, "not a note"));
    let error = NodeClient::new(node.url())
        .unwrap()
        .checkpoint()
        .unwrap_err();
    assert!(
        error.to_string().contains("not a signed checkpoint note"),
        "{error}"
    );
    let node = constant(Reply::json(
        202,
        serde_json::json!({"tx_hash": hash, "status": "pending"}),
    ));
    let key = Keypair::generate(Algorithm::Ed25519).unwrap();
    let tx = gongxin_client::txbuilder::TxBuilder::new(CHAIN, key)
        .build(
            Operation::CloseProject {
                project: "P".into(),
            },
            1,
        )
        .unwrap();
    let error = NodeClient::new(node.url())
        .unwrap()
        .submit(&tx)
        .unwrap_err();
    assert!(
        error.to_string().contains("acknowledged transaction"),
        "{error}"
    );

    // A node that sleeps past the timeout.
    let node = FakeNode::start(|_| {
        std::thread::sleep(Duration::from_millis(1500));
        Reply::text(200, "late")
    });
    let started = Instant::now();
    let error = NodeClient::with_timeout(node.url(), Duration::from_millis(100))
        .unwrap()
        .checkpoint_note()
        .unwrap_err();
    assert!(matches!(error, ClientError::Transport { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_millis(1200));
}

#[test]
fn sdk_blocks_entries_and_waiting() {
    let l = Arc::new(ledger(6));
    let header = BlockHeader {
        chain_id: CHAIN.into(),
        height: 2,
        prev_hash: Hash::digest(b"block 1"),
        timestamp_ms: 1_767_225_600_000,
        proposer: Keypair::generate(Algorithm::Ed25519).unwrap().public_key(),
        tx_count: 1,
        txs_hash: Hash::digest(b"txs"),
        log_size: 6,
        log_root: l.log.root_at(6).unwrap(),
        public_log_size: 0,
        public_log_root: Hash::digest(b""),
        state_hash: Hash::digest(b"state"),
        validator_set_hash: Hash::digest(b"validators"),
        next_validators: Hash::digest(b"validators"),
    };
    // Whether each status read was signed.
    let asked = Arc::new(Mutex::new(Vec::<bool>::new()));
    let node = {
        let (l, header, asked) = (l.clone(), header.clone(), asked.clone());
        FakeNode::start(move |request| match request.path.as_str() {
            "/v1/blocks/2" => Reply::json(
                200,
                serde_json::json!({"hash": header.hash(), "header": header,
                    "txs": [l.entries[5].0], "certificate": null}),
            ),
            "/v1/blocks/3" => Reply::json(
                200,
                serde_json::json!({"hash": Hash::digest(b"other"), "header": header,
                    "txs": [], "certificate": null}),
            ),
            "/v1/entries" => {
                if let Err(refused) = signed_only(request) {
                    return refused;
                }
                let start = request.param("start").unwrap() as usize;
                // Entry 4 is one the reader may not see: its leaf hash only.
                let mut items: Vec<serde_json::Value> = (start..l.entries.len())
                    .map(|i| {
                        if i == 4 {
                            serde_json::json!({"leaf_index": i,
                            "leaf_hash": log::leaf_hash(&l.entries[i].1)})
                        } else {
                            serde_json::json!({"leaf_index": i, "tx_hash": l.entries[i].0,
                            "entry": hex::encode(&l.entries[i].1)})
                        }
                    })
                    .collect();
                if start == 1 {
                    items.swap(0, 1);
                }
                Reply::json(200, serde_json::json!({"entries": items}))
            }
            path if path.starts_with("/v1/txs/") => {
                let signed = match read_signer(request) {
                    Ok(signer) => signer.is_some(),
                    Err(refused) => return refused,
                };
                let mut asked = asked.lock().unwrap();
                asked.push(signed);
                let hash = &path["/v1/txs/".len()..];
                match asked.len() {
                    // Taken into a block: briefly neither pending nor committed.
                    1 => Reply::error(404, "unknown_tx", "neither pending nor committed"),
                    2 => Reply::json(
                        200,
                        serde_json::json!({"tx_hash": hash, "status": "pending"}),
                    ),
                    _ => Reply::json(
                        200,
                        serde_json::json!({"tx_hash": hash, "status": "committed",
                        "height": 2, "position": 0, "log_index": 5,
                        "outcome": {"status": "applied"}}),
                    ),
                }
            }
            _ => Reply::error(404, "not_found", "no such endpoint"),
        })
    };
    let client = NodeClient::new(node.url()).unwrap();
    let reader_key = Keypair::generate(Algorithm::Ed25519).unwrap();
    let reader = Reader::new(&reader_key, CHAIN, NODE);

    let block = client.block(2).unwrap();
    assert_eq!(block.header, header);
    assert_eq!(block.txs, vec![l.entries[5].0]);
    let error = client.block(3).unwrap_err();
    assert!(
        error.to_string().contains("does not match its header"),
        "{error}"
    );

    let entries = client.entries(&reader, 2, 10).unwrap();
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0].leaf_index, 2);
    assert_eq!(entries[0].tx_hash, Some(l.entries[2].0));
    assert_eq!(
        entries[3].decode().unwrap().unwrap().tx.hash(),
        l.entries[5].0
    );
    // Served as its leaf hash only: nothing to decode, and the hash is the entry's.
    assert!(entries[2].decode().is_none());
    assert_eq!(entries[2].tx_hash, None);
    assert_eq!(entries[2].leaf_hash, Some(log::leaf_hash(&l.entries[4].1)));
    let error = client.entries(&reader, 1, 10).unwrap_err();
    assert!(
        error.to_string().contains("entries come in order"),
        "{error}"
    );

    let tx = l.entries[5].0;
    let committed = client
        .wait_committed(
            Some(&reader),
            &tx,
            Duration::from_secs(10),
            Duration::from_millis(10),
        )
        .unwrap();
    assert_eq!(committed.log_index, 5);
    assert_eq!(committed.outcome, TxOutcome::Applied);
    assert_eq!(
        *asked.lock().unwrap(),
        [true, true, true],
        "every poll signed"
    );

    // Never committed: a bounded wait that says what it last saw.
    let pending = FakeNode::start(|request| {
        let hash = request.path.trim_start_matches("/v1/txs/").to_owned();
        Reply::json(
            200,
            serde_json::json!({"tx_hash": hash, "status": "pending"}),
        )
    });
    let started = Instant::now();
    let error = NodeClient::new(pending.url())
        .unwrap()
        .wait_committed(
            None,
            &tx,
            Duration::from_millis(200),
            Duration::from_millis(20),
        )
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(error, ClientError::WaitTimeout { .. }));
    assert!(error.to_string().contains("last seen: pending"), "{error}");
}
