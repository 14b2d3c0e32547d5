//! `gongxin audit watch` against a fake node serving checkpoints of a test ledger: it follows a
//! consistent, growing log through node errors, and raises an ALARM (exit code 2, evidence
//! saved, state untouched) for a forged checkpoint, a checkpoint without a quorum, a split view
//! signed by a quorum (larger or of the same size), and a rollback.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::{FakeNode, Reply, assert_exit, gongxin, path_str, text};
use gongxin_core::checkpoint::{Checkpoint, SignedCheckpoint};
use gongxin_core::log::{self, MemoryLog};
use gongxin_core::testkit::{CHAIN, TestLedger, ledger};

/// What the fake node answers to the n-th `GET /v1/checkpoint` (the last step repeats).
#[derive(Clone)]
enum Step {
    Note(String),
    Fail(u16, &'static str),
}

/// A node serving `steps` as its checkpoints and consistency proofs computed from `proofs`.
fn checkpoint_node(steps: Vec<Step>, proofs: MemoryLog) -> FakeNode {
    let mut served = 0;
    FakeNode::start(move |request| match request.path.as_str() {
        "/v1/checkpoint" => {
            let step = steps[served.min(steps.len() - 1)].clone();
            served += 1;
            match step {
                Step::Note(note) => Reply::text(200, &note),
                Step::Fail(status, code) => Reply::error(status, code, "scripted failure"),
            }
        }
        "/v1/proofs/consistency" => {
            let (Some(first), Some(second)) = (request.param("first"), request.param("second"))
            else {
                return Reply::error(400, "bad_query", "first and second are required");
            };
            // The real gateway's rules (node/src/gateway/ledger.rs).
            if first == 0 {
                return Reply::error(400, "first_is_zero", "first >= 1");
            }
            if first > second || second > proofs.size() {
                return Reply::error(400, "tree_size_beyond_log", "bad sizes");
            }
            let path = log::consistency_proof(&proofs, first, second).unwrap();
            Reply::json(
                200,
                serde_json::json!({"first": first, "second": second, "consistency_path": path}),
            )
        }
        // The genesis set signs throughout: no hand-overs.
        "/v1/validator-sets" => Reply::json(
            200,
            serde_json::json!({"validator_sets": [{"from_height": 0, "handover": null}]}),
        ),
        _ => Reply::error(404, "not_found", "no such endpoint"),
    })
}

struct Auditor {
    _dir: tempfile::TempDir,
    genesis: PathBuf,
    state: PathBuf,
}

impl Auditor {
    fn new(ledger: &TestLedger) -> Auditor {
        let dir = tempfile::tempdir().unwrap();
        let genesis = dir.path().join("genesis.json");
        std::fs::write(&genesis, ledger.genesis.to_json()).unwrap();
        let state = dir.path().join("state");
        Auditor {
            _dir: dir,
            genesis,
            state,
        }
    }

    fn watch(&self, node: &FakeNode, extra: &[&str]) -> Output {
        let mut args = vec![
            "--node",
            node.url(),
            "audit",
            "watch",
            "--genesis",
            path_str(&self.genesis),
            "--state",
            path_str(&self.state),
            "--interval-ms",
            "5",
        ];
        args.extend_from_slice(extra);
        gongxin(&args)
    }

    /// The stored (last verified) checkpoint.
    fn stored(&self) -> SignedCheckpoint {
        SignedCheckpoint::parse(
            &std::fs::read_to_string(self.state.join("checkpoint.note")).unwrap(),
        )
        .unwrap()
    }

    fn alarms(&self) -> Vec<serde_json::Value> {
        let mut alarms = Vec::new();
        for entry in std::fs::read_dir(&self.state).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if name.starts_with("alarm-") {
                alarms
                    .push(serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap());
            }
        }
        alarms
    }

    /// Verifies and stores the honest checkpoint of `size` (a first `--once` poll).
    fn trust(&self, ledger: &TestLedger, size: u64) {
        let node = checkpoint_node(
            vec![Step::Note(note(ledger, size, &[0, 1, 2]))],
            ledger.log.clone(),
        );
        let out = self.watch(&node, &["--once"]);
        assert_exit(&out, 0);
        assert!(text(&out.stdout).contains("trusting on first use"));
        assert_eq!(self.stored().checkpoint.tree_size, size);
    }

    /// Runs one poll against a node presenting `step`, expects an ALARM mentioning `reason`,
    /// and checks that the verified state did not move.
    fn expect_alarm(&self, step: Step, proofs: MemoryLog, reason: &str) {
        let before = self.stored();
        let alarms_before = self.alarms().len();
        let node = checkpoint_node(vec![step.clone()], proofs);
        let out = self.watch(&node, &["--once"]);
        assert_exit(&out, 2);
        let stderr = text(&out.stderr);
        assert!(stderr.contains("ALARM"), "{stderr}");
        assert!(stderr.contains(reason), "expected {reason:?} in: {stderr}");
        assert_eq!(self.stored(), before, "a failed checkpoint is never stored");
        let alarms = self.alarms();
        assert_eq!(alarms.len(), alarms_before + 1, "evidence saved");
        if let Step::Note(note) = step {
            assert!(
                alarms
                    .iter()
                    .any(|a| a["presented_note"] == note.as_str() && a["trusted_note"].is_string()),
                "the evidence holds both notes"
            );
        }
    }
}

fn note(ledger: &TestLedger, size: u64, signers: &[usize]) -> String {
    ledger.checkpoint(size, signers).to_note()
}

/// `ledger`'s log with one byte of entry 5 changed: the same prefix up to 5, another log after.
fn forked_log(ledger: &TestLedger) -> MemoryLog {
    let mut forked = MemoryLog::new();
    for (i, (_, bytes)) in ledger.entries.iter().enumerate() {
        let mut bytes = bytes.clone();
        if i == 5 {
            bytes[30] ^= 1;
        }
        forked.append(&bytes);
    }
    forked
}

/// A checkpoint of `log` at `size`, validly signed by validators 0, 1 and 2 (a quorum).
fn quorum_note(ledger: &TestLedger, log: &MemoryLog, size: u64) -> String {
    let checkpoint = Checkpoint::new(CHAIN, size, log.root_at(size).unwrap());
    SignedCheckpoint {
        signatures: (0..3)
            .map(|i| {
                checkpoint.sign(
                    &ledger.genesis.validators.validators()[i].name,
                    &ledger.validator_keys[i],
                )
            })
            .collect(),
        checkpoint,
    }
    .to_note()
}

#[test]
fn follows_a_consistent_log_through_node_errors() {
    let l = ledger(20);
    let auditor = Auditor::new(&l);
    let steps = vec![
        Step::Fail(404, "no_checkpoint"),
        Step::Note(note(&l, 0, &[0, 1, 2])),
        Step::Note(note(&l, 4, &[1, 2, 3])),
        Step::Note(note(&l, 4, &[0, 1, 3])),
        Step::Fail(500, "internal"),
        Step::Note(note(&l, 9, &[0, 1, 2, 3])),
        Step::Note(note(&l, 20, &[0, 2, 3])),
    ];
    let node = checkpoint_node(steps, l.log.clone());
    let out = auditor.watch(&node, &["--max-polls", "7"]);
    assert_exit(&out, 0);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("ALARM"), "{stderr}");
    assert_eq!(
        stderr.matches("warning: poll").count(),
        2,
        "node errors are reported: {stderr}"
    );
    assert!(stderr.contains("no_checkpoint"), "{stderr}");
    assert!(stdout.contains("trusting on first use: checkpoint of size 0"));
    assert!(stdout.contains("size 4 root"), "{stdout}");
    assert!(stdout.contains("consistently extends size 4"), "{stdout}");
    assert!(stdout.contains("unchanged at size 4"), "{stdout}");
    assert!(stdout.contains("consistently extends size 9"), "{stdout}");
    assert_eq!(auditor.stored().checkpoint.tree_size, 20);
    assert_eq!(auditor.stored().checkpoint.root, l.log.root_at(20).unwrap());
    let consistency: Vec<String> = node
        .requests()
        .into_iter()
        .filter(|r| r.contains("consistency"))
        .collect();
    assert_eq!(
        consistency,
        vec![
            "GET /v1/proofs/consistency?first=4&second=9",
            "GET /v1/proofs/consistency?first=9&second=20",
        ],
        "0 -> 4 needs no proof, 4 -> 4 needs none either"
    );
    assert!(auditor.alarms().is_empty());

    // A later run resumes from the stored checkpoint, in JSON.
    let node = checkpoint_node(vec![Step::Note(note(&l, 20, &[1, 2, 3]))], l.log.clone());
    let out = auditor.watch(&node, &["--once", "--json"]);
    assert_exit(&out, 0);
    let event: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(event["event"], "verified");
    assert_eq!(event["poll"]["kind"], "unchanged");
    assert_eq!(event["poll"]["tree_size"], 20);
}

#[test]
fn forged_and_underpowered_checkpoints_raise_an_alarm() {
    let l = ledger(20);
    let auditor = Auditor::new(&l);
    auditor.trust(&l, 10);

    // (a) The root changed after signing: the validators' signatures no longer match.
    let mut forged = l.checkpoint(12, &[0, 1, 2]);
    forged.checkpoint.root.0[0] ^= 1;
    auditor.expect_alarm(
        Step::Note(forged.to_note()),
        l.log.clone(),
        "does not verify",
    );

    // Signed by 2 of 4 equal validators: not more than 2/3 of the power.
    auditor.expect_alarm(
        Step::Note(note(&l, 12, &[0, 3])),
        l.log.clone(),
        "more than 2/3",
    );

    // Not a signed note at all.
    auditor.expect_alarm(
        Step::Note("gongxin/audit-test\n12\nnot base64\n".into()),
        l.log.clone(),
        "not a valid signed note",
    );

    // The honest next checkpoint is still accepted after all that.
    let node = checkpoint_node(vec![Step::Note(note(&l, 12, &[0, 1, 2]))], l.log.clone());
    assert_exit(&auditor.watch(&node, &["--once"]), 0);
    assert_eq!(auditor.stored().checkpoint.tree_size, 12);
}

#[test]
fn a_split_view_signed_by_a_quorum_raises_an_alarm() {
    let l = ledger(20);
    let auditor = Auditor::new(&l);
    auditor.trust(&l, 10);
    let forked = forked_log(&l);

    // (b) A larger, validly signed checkpoint of the forked log: no consistency proof links it
    // to the verified one, whichever log the node computes the proof from.
    for proofs in [forked.clone(), l.log.clone()] {
        auditor.expect_alarm(
            Step::Note(quorum_note(&l, &forked, 20)),
            proofs,
            "does not extend the verified checkpoint of size 10",
        );
    }
    let evidence = auditor.alarms();
    assert!(
        evidence
            .iter()
            .all(|a| a["kind"] == "inconsistent" && a["consistency_proof"]["first"] == 10)
    );

    // The same size with another root: the plainest split view.
    auditor.expect_alarm(
        Step::Note(quorum_note(&l, &forked, 10)),
        l.log.clone(),
        "split view",
    );
}

#[test]
fn a_rollback_raises_an_alarm() {
    let l = ledger(20);
    let auditor = Auditor::new(&l);
    auditor.trust(&l, 10);
    // (c) Validly signed, honest, but smaller than what was verified.
    auditor.expect_alarm(
        Step::Note(note(&l, 6, &[0, 1, 2])),
        l.log.clone(),
        "rollback",
    );
    let alarms = auditor.alarms();
    assert_eq!(alarms[0]["kind"], "rollback");
}

#[test]
fn an_unreachable_node_is_reported_not_alarmed() {
    let l = ledger(4);
    let auditor = Auditor::new(&l);
    // A port nobody listens on: bind one, then free it.
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let out = gongxin(&[
        "--node",
        &url,
        "audit",
        "watch",
        "--genesis",
        path_str(&auditor.genesis),
        "--state",
        path_str(&auditor.state),
        "--interval-ms",
        "5",
        "--max-polls",
        "2",
    ]);
    assert_exit(&out, 1);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("ALARM"), "{stderr}");
    assert_eq!(stderr.matches("warning: poll").count(), 2, "{stderr}");
    assert!(stderr.contains("cannot talk to the node"), "{stderr}");
    assert!(stderr.contains("retrying in 5 ms"), "{stderr}");
    assert!(!auditor.state.join("checkpoint.note").exists());
}

#[test]
fn a_state_from_another_chain_is_refused() {
    let first = ledger(4);
    let auditor = Auditor::new(&first);
    auditor.trust(&first, 4);
    // Same chain id, other validators: the stored note does not verify under this genesis.
    let other = ledger(4);
    std::fs::write(&auditor.genesis, other.genesis.to_json()).unwrap();
    let node = checkpoint_node(
        vec![Step::Note(note(&other, 4, &[0, 1, 2]))],
        other.log.clone(),
    );
    let out = auditor.watch(&node, &["--once"]);
    assert_exit(&out, 1);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("does not hold a checkpoint of this genesis"),
        "{stderr}"
    );
    assert!(stderr.contains("Move it away"), "{stderr}");
    assert!(
        node.requests().is_empty(),
        "nothing is asked before the state is sound"
    );
}
