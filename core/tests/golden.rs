//! Golden vectors: the canonical bytes of a transaction, a block header and a log entry, and
//! their hashes, are pinned in `tests/golden/*.hex`. An accidental change to the encoding, the
//! data model's field order, or the hashing fails here; a deliberate one is a protocol version
//! change and regenerates them with `GONGXIN_UPDATE_GOLDEN=1 cargo test -p gongxin-core --test golden`.

use std::path::PathBuf;

use gongxin_core::Hash;
use gongxin_core::block::{BlockHeader, txs_hash};
use gongxin_core::crypto::{Algorithm, Keypair};
use gongxin_core::entry::{Entry, Outcome};
use gongxin_core::model::examples::example;
use gongxin_core::model::{
    ContractRecord, Disclosure, Operation, OperationKind, Party, PaymentMilestone, ProjectProposal,
};
use gongxin_core::tx::{ReplayGuard, SignedTx, TxBody};

fn key(algorithm: Algorithm, byte: u8) -> Keypair {
    Keypair::from_secret_bytes(algorithm, &[byte; 32]).unwrap()
}

fn propose_tx() -> SignedTx {
    let signer = key(Algorithm::Ed25519, 1);
    TxBody {
        chain_id: "gongxin-golden".into(),
        signer: signer.public_key(),
        replay: ReplayGuard {
            nonce: 42,
            valid_until_height: 1_000,
        },
        operation: Operation::ProposeProject(ProjectProposal {
            id: "SC-2026-001".into(),
            name: "智慧交通信号系统".into(),
            category: "smart-city/transport".into(),
            location: "Xinhua District".into(),
            programme: Some("SC-2026".into()),
            planned_start_ms: 1_767_225_600_000,
            planned_end_ms: 1_798_761_600_000,
            requested_budget_fen: 1_250_000_000,
            disclosure: Disclosure::Public,
            description: "Adaptive signal control at 48 junctions".into(),
        }),
    }
    .sign(&signer)
}

fn contract_tx_sm2() -> SignedTx {
    let signer = key(Algorithm::Sm2, 2);
    TxBody {
        chain_id: "gongxin-golden".into(),
        signer: signer.public_key(),
        replay: ReplayGuard {
            nonce: 7,
            valid_until_height: 2_000,
        },
        operation: Operation::SignContract(ContractRecord {
            id: "SC-2026-001-C1".into(),
            project: "SC-2026-001".into(),
            contractor: Party {
                name: "某某智能交通有限公司".into(),
                credit_code: "91350100M000100Y43".into(),
            },
            amount_fen: 1_180_000_000,
            advance_share_bp: 1_000,
            milestones: vec![PaymentMilestone {
                name: "design accepted".into(),
                progress_bp: 3_000,
                share_bp: 3_000,
                due_ms: 1_775_000_000_000,
            }],
            document_hash: Hash::digest(b"contract.pdf"),
        }),
    }
    .sign(&signer)
}

fn header() -> BlockHeader {
    let txs = [propose_tx(), contract_tx_sm2()];
    BlockHeader {
        chain_id: "gongxin-golden".into(),
        height: 7,
        prev_hash: Hash::digest(b"block 6"),
        timestamp_ms: 1_767_225_601_000,
        proposer: key(Algorithm::Ed25519, 3).public_key(),
        tx_count: 2,
        txs_hash: txs_hash(&txs),
        log_size: 12,
        log_root: Hash::digest(b"log root"),
        public_log_size: 5,
        public_log_root: Hash::digest(b"public log root"),
        state_hash: Hash::digest(b"state"),
        validator_set_hash: Hash::digest(b"validators"),
        next_validators: Hash::digest(b"next validators"),
    }
}

fn check(name: &str, bytes: &[u8]) {
    check_text(&format!("{name}.hex"), &format!("{}\n", hex::encode(bytes)));
}

/// Compares `actual` with the golden file `name` (or rewrites it under `GONGXIN_UPDATE_GOLDEN`).
fn check_text(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("GONGXIN_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; generate with GONGXIN_UPDATE_GOLDEN=1",
            path.display()
        )
    });
    assert_eq!(actual, expected, "golden {name} changed");
}

#[test]
fn transaction_ed25519() {
    let tx = propose_tx();
    check("tx_ed25519", &tx.to_bytes());
    check("tx_ed25519_hash", tx.hash().as_bytes());
    assert_eq!(SignedTx::from_bytes(&tx.to_bytes()).unwrap(), tx);
    tx.verify("gongxin-golden").unwrap();
}

#[test]
fn transaction_sm2() {
    let tx = contract_tx_sm2();
    check("tx_sm2", &tx.to_bytes());
    check("tx_sm2_hash", tx.hash().as_bytes());
    tx.verify("gongxin-golden").unwrap();
}

#[test]
fn block_header() {
    let header = header();
    check("block_header", &gongxin_core::encoding::encode(&header));
    check("block_hash", header.hash().as_bytes());
}

#[test]
fn entries() {
    let applied = Entry {
        height: 7,
        tx: propose_tx(),
        outcome: Outcome::Applied,
    };
    check("entry_applied", &applied.to_bytes());
    let rejected = Entry {
        height: 7,
        tx: contract_tx_sm2(),
        outcome: Outcome::Rejected {
            code: "over_budget".into(),
            reason: "contract amount 11,800,000.00 exceeds the remaining budget".into(),
        },
    };
    check("entry_rejected", &rejected.to_bytes());
    check(
        "entry_rejected_leaf_hash",
        gongxin_core::log::leaf_hash(&rejected.to_bytes()).as_bytes(),
    );
    assert_eq!(Entry::from_bytes(&rejected.to_bytes()).unwrap(), rejected);
}

/// A public-log leaf, a validator listing's identity and a checkpoint with the `validators`
/// line: what the browser verifier recomputes in JavaScript, pinned so both sides agree.
#[test]
fn public_leaf_listing_and_checkpoint() {
    use gongxin_core::checkpoint::{Checkpoint, SignedCheckpoint};
    use gongxin_core::public_log::PublicLeaf;
    use gongxin_core::validator::{Validator, ValidatorSet};

    let leaf = PublicLeaf {
        chain: "gongxin-golden".into(),
        height: 7,
        tx: propose_tx().hash(),
        kind: "project".into(),
        id: "XZ-2026-001".into(),
        view: Some(serde_json::json!({
            "id": "XZ-2026-001",
            "name": "城南路改造 \"一期\"\n",
            "budget_fen": 1_250_000_000u64,
            "stage": "in_progress",
            "programme": null,
            "budget_lines": [{"code": "A", "amount_fen": 1}],
            "\u{1f600}": -1,
            "\u{fb33}": true,
        })),
    };
    let bytes = leaf.to_bytes().unwrap();
    check_text(
        "public_leaf.json",
        &format!("{}\n", String::from_utf8(bytes.clone()).unwrap()),
    );
    check(
        "public_leaf_hash",
        gongxin_core::log::leaf_hash(&bytes).as_bytes(),
    );

    let set = ValidatorSet::new(
        [(Algorithm::Ed25519, 1u8), (Algorithm::Sm2, 2)]
            .into_iter()
            .map(|(algorithm, byte)| Validator {
                name: format!("v{byte}"),
                department: "finance".into(),
                public_key: key(algorithm, byte).public_key(),
                power: u64::from(byte),
            })
            .collect(),
    )
    .unwrap();
    check(
        "validator_set_protocol_hash",
        set.protocol_hash().as_bytes(),
    );
    let checkpoint = Checkpoint::new_public("gongxin-golden", 5, Hash::digest(b"public log root"))
        .with_validators(set.protocol_hash());
    let note = SignedCheckpoint {
        signatures: vec![checkpoint.sign("v1", &key(Algorithm::Ed25519, 1))],
        checkpoint,
    }
    .to_note();
    check_text("public_checkpoint.txt", &note);
    assert_eq!(SignedCheckpoint::parse(&note).unwrap().to_note(), note);
}

/// A genesis as JSON with its schema and hash: the browser recomputes the hash a portal page
/// pins from these (web/test/verify.test.ts).
#[test]
fn genesis_json_schema_and_hash() {
    // The test ledger's genesis with fixed keys in place of its generated ones.
    let mut genesis = gongxin_core::testkit::ledger(1).genesis;
    genesis.validators = gongxin_core::validator::ValidatorSet::new(
        genesis
            .validators
            .validators()
            .iter()
            .zip(10u8..)
            .map(|(v, byte)| gongxin_core::validator::Validator {
                public_key: key(Algorithm::Ed25519, byte).public_key(),
                ..v.clone()
            })
            .collect(),
    )
    .unwrap();
    for (member, byte) in genesis.members.iter_mut().zip(20u8..) {
        member.public_key = key(member.public_key.algorithm(), byte).public_key();
    }
    check_text(
        "genesis.schema.json",
        &format!(
            "{}\n",
            serde_json::to_string_pretty(&gongxin_core::schema::genesis_schema()).unwrap()
        ),
    );
    check_text(
        "genesis.parsed.json",
        &format!("{}\n", serde_json::to_string_pretty(&genesis).unwrap()),
    );
    check("genesis_hash", genesis.hash().as_bytes());
}

/// The JSON Schema the node serves for the console's forms and encoder.
#[test]
fn tx_body_schema() {
    let schema = gongxin_core::schema::tx_body_schema();
    check_text(
        "tx_body.schema.json",
        &format!("{}\n", serde_json::to_string_pretty(&schema).unwrap()),
    );
}

/// A signed transaction of every operation kind (the CLI's templates), as JSON beside its
/// canonical body bytes and hash: what the console's schema-driven encoder must reproduce.
#[test]
fn every_operation_kind() {
    let signer = key(Algorithm::Ed25519, 1);
    let vectors: Vec<serde_json::Value> = OperationKind::ALL
        .iter()
        .map(|&kind| {
            let body = TxBody {
                chain_id: "gongxin-golden".into(),
                signer: signer.public_key(),
                replay: ReplayGuard {
                    nonce: 9_007_199_254_740_991,
                    valid_until_height: 14_400,
                },
                operation: example(kind),
            };
            let tx = body.clone().sign(&signer);
            serde_json::json!({
                "kind": kind.as_str(),
                "body": body,
                "body_hex": hex::encode(body.canonical_bytes()),
                "tx_hash": tx.hash().to_hex(),
                "signature": tx.signature,
            })
        })
        .collect();
    check_text(
        "operations.json",
        &format!("{}\n", serde_json::to_string_pretty(&vectors).unwrap()),
    );
}

/// An operation-log chain as a node serves it (`GET /v1/access-log` records): the browser's
/// auditor's desk recomputes each head from these (web/test/access-log.test.ts).
#[test]
fn access_log_chain() {
    use gongxin_core::access_log::{AccessKind, AccessRecord, ChainPoint, ChainedRecord};
    let mut point = ChainPoint::GENESIS;
    let records: Vec<ChainedRecord> = [
        (
            AccessKind::Read,
            "ed25519:ab",
            "audit",
            "GET /v1/projects/SC-2026-009",
            "200",
        ),
        (
            AccessKind::Admission,
            "sm2:cd",
            "transport",
            "tx 00ff approve_project",
            "admitted",
        ),
        (AccessKind::Read, "", "", "GET /v1/access-log?from=0", "401"),
    ]
    .into_iter()
    .enumerate()
    .map(|(seq, (kind, actor, department, target, outcome))| {
        let record = AccessRecord {
            seq: seq as u64,
            at_ms: 1_780_000_000_000 + seq as u64,
            kind,
            actor: actor.into(),
            department: department.into(),
            target: target.into(),
            outcome: outcome.into(),
        };
        point = point.next(&record);
        ChainedRecord {
            record,
            head: point.head,
        }
    })
    .collect();
    check_text(
        "access_log.json",
        &format!("{}\n", serde_json::to_string_pretty(&records).unwrap()),
    );
}
