//! The witness (`gongxin-node witness`) against a real one-validator chain: it cosigns the
//! chain's checkpoints as they grow, refuses a split view, a rollback, an unknown log and an
//! unsigned checkpoint with the C2SP statuses, keeps its word across a restart; and a validator
//! configured with it ends up serving its checkpoints cosigned.

use std::sync::Arc;
use std::time::Duration;

use gongxin_core::checkpoint::{Checkpoint, SignedCheckpoint};
use gongxin_core::crypto::{Algorithm, Keypair};
use gongxin_core::log;
use gongxin_core::witness::{AddCheckpoint, WitnessKey, require_cosignatures};
use gongxin_node::config::Limits;
use gongxin_node::node::Node;
use gongxin_node::producer::produce_block;
use gongxin_node::witness::{Witness, routes};
use warp::http::StatusCode;

mod common;

const NAME: &str = "audit-office.example/witness";

fn witness_key() -> Keypair {
    Keypair::from_secret_bytes(Algorithm::Ed25519, &[42; 32]).unwrap()
}

fn open_witness(node: &Node, dir: &std::path::Path) -> Arc<Witness> {
    Arc::new(
        Witness::open(
            NAME.into(),
            witness_key(),
            node.genesis.as_ref().clone(),
            dir,
        )
        .unwrap(),
    )
}

async fn post(witness: &Arc<Witness>, path: &str, body: String) -> (StatusCode, String, String) {
    let response = warp::test::request()
        .method("POST")
        .path(path)
        .body(body)
        .reply(&routes(witness.clone()))
        .await;
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        response.status(),
        content_type,
        String::from_utf8_lossy(response.body()).into_owned(),
    )
}

fn latest(node: &Node) -> (u64, String) {
    node.reader().latest_checkpoint().unwrap().unwrap()
}

/// A request for the node's latest checkpoint from `old`.
fn request(node: &Node, old: u64) -> String {
    let (size, note) = latest(node);
    let proof = if old == 0 || old >= size {
        Vec::new()
    } else {
        log::consistency_proof(&node.reader(), old, size).unwrap()
    };
    AddCheckpoint {
        old_size: old,
        proof,
        note,
    }
    .to_body()
}

/// One more block with a transaction in it, so the log grows.
fn grow(t: &common::TestNode, tag: &str) {
    let plan =
        gongxin_devnet::demo::plan(&t.keys, t.node.tip().chain.height, t.node.clock.now_ms())
            .unwrap();
    let tx = plan
        .txs
        .iter()
        .find(|tx| t.node.reader().tx_location(&tx.hash()).unwrap().is_none())
        .unwrap_or_else(|| panic!("{tag}: a fresh demo transaction"))
        .clone();
    t.node
        .admission
        .submit(tx.clone(), tx.to_bytes().len())
        .unwrap();
    produce_block(&t.node, false).unwrap();
}

#[tokio::test]
async fn a_witness_cosigns_a_growing_log_and_never_a_split_view_or_a_rollback() {
    let t = common::test_node(Limits::default());
    produce_block(&t.node, true).unwrap();
    grow(&t, "first");
    let dir = tempfile::tempdir().unwrap();
    let witness = open_witness(&t.node, dir.path());
    let trusted = [WitnessKey {
        name: NAME.into(),
        key: witness_key().public_key(),
    }];

    // First contact: old 0.
    let (first_size, first_note) = latest(&t.node);
    let (status, _, line) = post(&witness, "/add-checkpoint", request(&t.node, 0)).await;
    assert_eq!(status, StatusCode::OK, "{line}");
    let cosigned = SignedCheckpoint::parse(&format!("{first_note}{line}")).unwrap();
    require_cosignatures(&cosigned, &trusted, 1).unwrap();

    // The log grows: with the proof from the cosigned size it is cosigned again.
    grow(&t, "second");
    let (second_size, _) = latest(&t.node);
    assert!(second_size > first_size);
    let (status, content_type, body) = post(&witness, "/add-checkpoint", request(&t.node, 0)).await;
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (
            StatusCode::CONFLICT,
            "text/x.tlog.size",
            format!("{first_size}\n").as_str()
        ),
        "a stale old size learns the witness's"
    );
    let (status, _, body) = post(&witness, "/add-checkpoint", request(&t.node, first_size)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A split view: another root at the cosigned size, signed by the validator itself.
    let forged = Checkpoint::new(
        t.node.chain_id(),
        second_size,
        gongxin_core::Hash::digest(b"fork"),
    )
    .with_validators(t.node.genesis.validators.protocol_hash());
    let forged_note = SignedCheckpoint {
        signatures: vec![forged.sign(&t.node.name, t.node.keypair())],
        checkpoint: forged,
    }
    .to_note();
    let split = AddCheckpoint {
        old_size: second_size,
        proof: Vec::new(),
        note: forged_note,
    };
    let (status, _, body) = post(&witness, "/add-checkpoint", split.to_body()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // A rollback: the older, smaller checkpoint again.
    let rollback = AddCheckpoint {
        old_size: second_size,
        proof: Vec::new(),
        note: first_note.clone(),
    };
    let (status, _, _) = post(&witness, "/add-checkpoint", rollback.to_body()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Not the chain's validators, or not the chain at all.
    let stranger = Keypair::generate(Algorithm::Ed25519).unwrap();
    let (size, note) = latest(&t.node);
    let mut unsigned = SignedCheckpoint::parse(&note).unwrap();
    unsigned.signatures = vec![unsigned.checkpoint.sign(&t.node.name, &stranger)];
    let body = AddCheckpoint {
        old_size: size,
        proof: Vec::new(),
        note: unsigned.to_note(),
    };
    let (status, _, _) = post(&witness, "/add-checkpoint", body.to_body()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let other_chain = Checkpoint::new("another-chain", 1, gongxin_core::Hash::ZERO);
    let body = AddCheckpoint {
        old_size: 0,
        proof: Vec::new(),
        note: SignedCheckpoint {
            signatures: vec![other_chain.sign(&t.node.name, t.node.keypair())],
            checkpoint: other_chain,
        }
        .to_note(),
    };
    let (status, _, _) = post(&witness, "/add-checkpoint", body.to_body()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = post(&witness, "/add-checkpoint", "old 0\n\nrubbish".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A restart keeps what was cosigned: the split view is still refused.
    drop(witness);
    let witness = open_witness(&t.node, dir.path());
    let (status, _, body) = post(&witness, "/add-checkpoint", request(&t.node, 0)).await;
    assert_eq!(
        (status, body),
        (StatusCode::CONFLICT, format!("{second_size}\n"))
    );
    let (status, _, _) = post(&witness, "/add-checkpoint", split.to_body()).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_serves_its_checkpoints_cosigned_by_its_witnesses() {
    let t = common::test_node(Limits::default());
    produce_block(&t.node, true).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let witness = open_witness(&t.node, dir.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(gongxin_node::witness::serve(
        witness,
        listener,
        std::future::pending(),
    ));
    let key = witness_key().public_key();
    gongxin_node::cosigning::start(
        t.node.clone(),
        &[gongxin_node::cosigning::WitnessConfig {
            name: NAME.into(),
            url: format!("http://{address}"),
            public_key: key.to_string(),
        }],
    )
    .unwrap();
    let trusted = [WitnessKey {
        name: NAME.into(),
        key,
    }];
    for round in 0..3 {
        grow(&t, &format!("round {round}"));
        let mut cosigned = false;
        for _ in 0..100 {
            let ledger = SignedCheckpoint::parse(&latest(&t.node).1).unwrap();
            let public = SignedCheckpoint::parse(
                &t.node
                    .reader()
                    .latest_public_checkpoint()
                    .unwrap()
                    .unwrap()
                    .1,
            )
            .unwrap();
            if require_cosignatures(&ledger, &trusted, 1).is_ok()
                && require_cosignatures(&public, &trusted, 1).is_ok()
            {
                // The validator's own signature is still there and still counts.
                ledger
                    .verify(t.node.chain_id(), &t.node.genesis.validators)
                    .unwrap();
                cosigned = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            cosigned,
            "round {round}: the checkpoints were not cosigned in 10 s"
        );
    }
}
