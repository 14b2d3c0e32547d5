//! The CLI against a real node: `gongxin-devnet` in a temp dir, then submit → committed,
//! a rejected resubmission (exit code 3, its reason read with the submitter's signature), proof
//! (a signed read, here the auditor's) → offline verify (and one flipped bit makes it fail),
//! signed reads of the submitted project and its history, `audit watch` trusting and then
//! extending the real checkpoint, and the SDK's block and entries reads (whole entries for the
//! auditor, leaf hashes only for another department). The devnet is stopped with SIGTERM at the
//! end, and by a drop guard if the test panics, so no node outlives the test.
//!
//! The devnet runs without the demo data (`--no-demo`), so the ledger holds only what this test
//! submits; `devnet_reads.rs` reads the demo data. The node and devnet binaries must be built
//! first (`common::devnet`).

mod common;

use common::devnet::{Demo, Devnet};
use common::{assert_exit, gongxin, path_str, text};
use gongxin_client::http::NodeClient;
use gongxin_client::records::Reader;
use gongxin_core::Hash;
use gongxin_core::audit::ProofBundle;
use gongxin_core::checkpoint::SignedCheckpoint;
use gongxin_core::crypto::{KeyFile, Keypair};
use gongxin_core::log;

#[test]
fn submit_prove_verify_and_audit_against_a_real_node() {
    let mut devnet = Devnet::start(Demo::Skip);
    let node = devnet.url.clone();
    let genesis = devnet.path("genesis.json");
    let key = devnet.key("transport-specialist");
    // Proofs carry whole entries: a signed read, by a member who may see them (audit sees all).
    let auditor = devnet.key("audit-auditor-1");
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
    // --wait signs its status reads with the submitting key, so it is told why.
    assert!(rejected["outcome"]["code"].is_string(), "{rejected}");
    assert!(rejected["outcome"]["reason"].is_string(), "{rejected}");
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
    // A rejection's code and reason are a signed read: unsigned, only that it was rejected.
    let out = gongxin(&["--json", "--node", &node, "tx", &rejected_hash]);
    assert_exit(&out, 0);
    let unsigned: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(unsigned["outcome"]["status"], "rejected", "{unsigned}");
    assert!(unsigned["outcome"].get("code").is_none(), "{unsigned}");
    let out = gongxin(&["--node", &node, "tx", &rejected_hash]);
    assert_exit(&out, 0);
    assert!(
        text(&out.stdout).contains("the reason is a signed read"),
        "{}",
        text(&out.stdout)
    );
    let out = gongxin(&[
        "--json",
        "--node",
        &node,
        "tx",
        &rejected_hash,
        "--key",
        &auditor,
    ]);
    assert_exit(&out, 0);
    let signed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(signed["outcome"], rejected["outcome"], "{signed}");

    // Proof, then offline verification with nothing but the genesis.
    let proof = file("p.json");
    let out = gongxin(&[
        "--node", &node, "proof", &hash, "--out", &proof, "--key", &auditor,
    ]);
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
        "--key",
        &auditor,
    ]);
    assert_exit(&out, 0);
    let out = gongxin(&["verify", &file("r.json"), "--genesis", &genesis]);
    assert_exit(&out, 0);
    assert!(text(&out.stdout).contains("outcome: rejected"));
    // Another line department may not see the transport bureau's entry: no proof, the one
    // answer for "not yours" and "not there", and nothing saved.
    let out = gongxin(&[
        "--node",
        &node,
        "proof",
        &hash,
        "--out",
        &file("foreign.json"),
        "--key",
        &devnet.key("ecology-specialist"),
    ]);
    assert_exit(&out, 1);
    assert!(
        text(&out.stderr).contains("403 not_readable"),
        "{}",
        text(&out.stderr)
    );
    assert!(!work.path().join("foreign.json").exists());

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
    let status = client.status().unwrap();
    let keypair = |member: &str| -> Keypair {
        let file = std::fs::read_to_string(devnet.key(member)).unwrap();
        KeyFile::from_json(&file).unwrap().keypair().unwrap()
    };
    let auditor_key = keypair("audit-auditor-1");
    let ecology_key = keypair("ecology-specialist");
    let entries = client
        .entries(
            &Reader::new(&auditor_key, &status.chain_id, &status.node),
            0,
            100,
        )
        .unwrap();
    assert!(entries.len() >= 3);
    let index = committed["log_index"].as_u64().unwrap() as usize;
    assert_eq!(
        entries[index].decode().unwrap().unwrap().tx.hash().to_hex(),
        hash
    );
    // Another department gets the transport bureau's entry as its leaf hash only.
    let foreign = client
        .entries(
            &Reader::new(&ecology_key, &status.chain_id, &status.node),
            0,
            100,
        )
        .unwrap();
    assert!(foreign.len() > index);
    assert!(foreign[index].decode().is_none(), "{:?}", foreign[index]);
    assert_eq!(foreign[index].tx_hash, None);
    let leaf = log::leaf_hash(entries[index].entry.as_deref().unwrap());
    assert_eq!(foreign[index].leaf_hash, Some(leaf));
    // Entries and proofs by transaction are signed reads; a proof by leaf hash is open.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for path in [
        "/v1/entries?start=0&end=100".to_owned(),
        format!("/v1/proofs/inclusion?tx={hash}"),
    ] {
        let mut response = agent.get(format!("{node}{path}")).call().unwrap();
        assert_eq!(response.status().as_u16(), 401, "{path}");
        let body: serde_json::Value = response.body_mut().read_json().unwrap();
        assert_eq!(body["error"], "unauthenticated", "{path}: {body}");
    }
    let mut response = agent
        .get(format!("{node}/v1/proofs/inclusion?leaf_hash={leaf}"))
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.body_mut().read_json().unwrap();
    assert_eq!(body["leaf_index"], index as u64, "{body}");
    assert!(body.get("entry").is_none(), "{body}");

    assert!(
        devnet.stop(),
        "the devnet stops cleanly on SIGTERM:\n{}",
        devnet.logs()
    );
    assert!(devnet.node_is_gone(), "its node is gone");
}
