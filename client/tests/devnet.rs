//! The CLI against a real node: `gongxin-node devnet` in a temp dir, then submit → committed,
//! a rejected resubmission (exit code 3), proof → offline verify (and one flipped bit makes it
//! fail), signed reads of the submitted project and its history, `audit watch` trusting and
//! then extending the real checkpoint, and the SDK's block and entries reads. The devnet is
//! stopped with SIGTERM at the end, and by a drop guard if the test panics, so no node outlives
//! the test.
//!
//! The devnet runs without the demo data (`--no-demo`), so the ledger holds only what this test
//! submits; `devnet_reads.rs` reads the demo data. The node binary must be built first
//! (`common::devnet`).

mod common;

use common::devnet::{Demo, Devnet};
use common::{assert_exit, gongxin, path_str, text};
use gongxin_client::http::NodeClient;
use gongxin_core::Hash;
use gongxin_core::audit::ProofBundle;
use gongxin_core::checkpoint::SignedCheckpoint;

#[test]
fn submit_prove_verify_and_audit_against_a_real_node() {
    let mut devnet = Devnet::start(Demo::Skip);
    let node = devnet.url.clone();
    let genesis = devnet.path("genesis.json");
    let key = devnet.key("transport-specialist");
    let work = tempfile::tempdir().unwrap();
    let file = |name: &str| path_str(&work.path().join(name)).to_owned();

    let out = gongxin(&["--json", "--node", &node, "status"]);
    assert_exit(&out, 0);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["chain_id"], "gongxin-devnet");

    // Propose a project: committed and applied.
    let template = gongxin(&["op", "example", "propose_project"]);
    assert_exit(&template, 0);
    std::fs::write(file("propose_project.json"), &template.stdout).unwrap();
    let submit = |extra: &[&str]| {
        let mut args = vec![
            "--json",
            "--node",
            &node,
            "submit",
            "--key",
            &key,
            "--genesis",
            &genesis,
            "--wait",
            "--wait-timeout-s",
            "30",
        ];
        args.extend_from_slice(extra);
        gongxin(&args)
    };
    let out = submit(&["--op", &file("propose_project.json")]);
    assert_exit(&out, 0);
    let committed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(committed["status"], "committed", "{committed}");
    assert_eq!(committed["outcome"]["status"], "applied", "{committed}");
    let hash = committed["tx_hash"].as_str().unwrap().to_owned();

    // The same project again: committed, rejected by the rules, exit code 3.
    let out = submit(&["--op", &file("propose_project.json")]);
    assert_exit(&out, 3);
    let rejected: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rejected["outcome"]["status"], "rejected", "{rejected}");
    let rejected_hash = rejected["tx_hash"].as_str().unwrap().to_owned();

    // The member reads back what it submitted, signed with the same key: the proposed
    // project, with the rejected duplicate on record for discipline inspection.
    let out = gongxin(&[
        "--json",
        "--node",
        &node,
        "get",
        "project",
        "SC-2026-001",
        "--key",
        &key,
    ]);
    assert_exit(&out, 0);
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["project"]["stage"], "proposed", "{view}");
    assert_eq!(view["project"]["owner_department"], "transport", "{view}");
    let rejections = view["rejections"]["items"].as_array().unwrap();
    assert!(
        rejections.iter().any(|r| r["tx"] == rejected_hash.as_str()),
        "{view}"
    );
    let out = gongxin(&["--node", &node, "history", "SC-2026-001", "--key", &key]);
    assert_exit(&out, 0);
    assert!(
        text(&out.stdout).contains("propose_project"),
        "{}",
        text(&out.stdout)
    );

    let out = gongxin(&["--node", &node, "tx", &hash]);
    assert_exit(&out, 0);
    assert!(text(&out.stdout).contains("applied"));

    // Proof, then offline verification with nothing but the genesis.
    let proof = file("p.json");
    let out = gongxin(&["--node", &node, "proof", &hash, "--out", &proof]);
    assert_exit(&out, 0);
    let out = gongxin(&["--json", "verify", &proof, "--genesis", &genesis]);
    assert_exit(&out, 0);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["tx_hash"], hash.as_str());
    assert_eq!(report["operation"], "propose_project");
    // The rejected attempt is as provable as the applied one.
    let out = gongxin(&[
        "--node",
        &node,
        "proof",
        &rejected_hash,
        "--out",
        &file("r.json"),
    ]);
    assert_exit(&out, 0);
    let out = gongxin(&["verify", &file("r.json"), "--genesis", &genesis]);
    assert_exit(&out, 0);
    assert!(text(&out.stdout).contains("outcome: rejected"));

    // One flipped bit, in the audit path or in the checkpoint, and verification fails.
    let bundle: ProofBundle =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    assert!(
        !bundle.proof.audit_path.is_empty(),
        "two entries: a path of one hash"
    );
    let mut tampered = bundle.clone();
    tampered.proof.audit_path[0].0[7] ^= 0x10;
    std::fs::write(file("bad.json"), serde_json::to_string(&tampered).unwrap()).unwrap();
    let out = gongxin(&["verify", &file("bad.json"), "--genesis", &genesis]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("PROOF REJECTED"));
    let mut tampered = bundle.clone();
    let mut checkpoint = SignedCheckpoint::parse(&bundle.checkpoint).unwrap();
    checkpoint.checkpoint.root.0[31] ^= 1;
    tampered.checkpoint = checkpoint.to_note();
    std::fs::write(file("bad.json"), serde_json::to_string(&tampered).unwrap()).unwrap();
    let out = gongxin(&["verify", &file("bad.json"), "--genesis", &genesis]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("does not verify"));

    // The auditor's watch: trust the current checkpoint, then verify that the next one
    // extends it with the node's real consistency proof.
    let state = file("audit-state");
    let watch = || {
        gongxin(&[
            "--json",
            "--node",
            &node,
            "audit",
            "watch",
            "--genesis",
            &genesis,
            "--state",
            &state,
            "--once",
        ])
    };
    let out = watch();
    assert_exit(&out, 0);
    let event: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(event["poll"]["kind"], "first_use", "{event}");
    let first_size = event["poll"]["tree_size"].as_u64().unwrap();
    std::fs::write(
        file("approve.json"),
        r#"{"approve_project": {"project": "SC-2026-001"}}"#,
    )
    .unwrap();
    let out = submit(&["--op", &file("approve.json")]);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "committed either way: {}",
        text(&out.stderr)
    );
    let out = watch();
    assert_exit(&out, 0);
    let event: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(event["poll"]["kind"], "extended", "{event}");
    assert_eq!(event["poll"]["previous_size"], first_size);
    assert!(event["poll"]["tree_size"].as_u64().unwrap() > first_size);

    // The SDK's reads of the same ledger.
    let client = NodeClient::new(&node).unwrap();
    let height = committed["height"].as_u64().unwrap();
    let block = client.block(height).unwrap();
    assert!(block.txs.contains(&Hash::from_hex(&hash).unwrap()));
    assert_eq!(block.header.height, height);
    let entries = client.entries(0, 100).unwrap();
    assert!(entries.len() >= 3);
    let index = committed["log_index"].as_u64().unwrap() as usize;
    assert_eq!(entries[index].decode().unwrap().tx.hash().to_hex(), hash);

    assert!(
        devnet.stop(),
        "the devnet stops cleanly on SIGTERM:\n{}",
        devnet.logs()
    );
    assert!(devnet.node_is_gone(), "its node is gone");
}
