//! The CLI against a real node: `gongxin-node devnet` in a temp dir, then submit → committed,
//! a rejected resubmission (exit code 3), proof → offline verify (and one flipped bit makes it
//! fail), `audit watch` trusting and then extending the real checkpoint, and the SDK's block and
//! entries reads. The devnet is stopped with SIGTERM at the end, and by a drop guard if the test
//! panics, so no node outlives the test.
//!
//! The node binary is another package's, so cargo does not build it for this test: it must be
//! in the same target directory as `gongxin` (`cargo build -p gongxin-node`; `scripts/test`
//! builds it before the tests).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_exit, gongxin, path_str, text};
use gongxin_client::http::NodeClient;
use gongxin_core::Hash;
use gongxin_core::audit::ProofBundle;
use gongxin_core::checkpoint::SignedCheckpoint;
use rustix::process::{Pid, Signal, kill_process, test_kill_process};

/// How long the devnet may take to create its keys, start its node and answer.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the devnet may take to stop its node after SIGTERM (it allows a node 10 s).
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

fn node_binary() -> PathBuf {
    let gongxin = Path::new(env!("CARGO_BIN_EXE_gongxin"));
    let binary = gongxin
        .with_file_name("gongxin-node")
        .with_extension(std::env::consts::EXE_EXTENSION);
    assert!(
        binary.exists(),
        "{} is missing: this test runs the real node; build it first with \
         `cargo build -p gongxin-node` (scripts/test does)",
        binary.display()
    );
    binary
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn pid(raw: u32) -> Pid {
    Pid::from_raw(raw as i32).expect("a child's pid is positive")
}

/// A running `gongxin-node devnet`; stopped (SIGTERM, then SIGKILL) when dropped.
struct Devnet {
    dir: tempfile::TempDir,
    child: Option<Child>,
    url: String,
    node_pid: u32,
}

impl Devnet {
    fn start() -> Devnet {
        let binary = node_binary();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("devnet");
        let output = std::fs::File::create(dir.path().join("devnet.out")).unwrap();
        let child = Command::new(binary)
            .args([
                "devnet",
                "--dir",
                path_str(&data),
                "--no-demo",
                "--base-port",
            ])
            .arg(free_port().to_string())
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .expect("start gongxin-node devnet");
        let mut devnet = Devnet {
            dir,
            child: Some(child),
            url: String::new(),
            node_pid: 0,
        };
        // devnet.json appears once every node answers /health.
        let deadline = Instant::now() + START_TIMEOUT;
        let file = data.join("devnet.json");
        loop {
            if let Ok(text) = std::fs::read_to_string(&file)
                && let Ok(json) = serde_json::from_str::<serde_json::Value>(&text)
            {
                devnet.url = json["nodes"][0]["http"].as_str().unwrap().to_owned();
                devnet.node_pid = json["nodes"][0]["pid"].as_u64().unwrap() as u32;
                return devnet;
            }
            let exited = devnet.child.as_mut().unwrap().try_wait().unwrap();
            if exited.is_some() || Instant::now() > deadline {
                panic!(
                    "the devnet did not start within {} s ({exited:?}):\n{}",
                    START_TIMEOUT.as_secs(),
                    devnet.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn path(&self, relative: &str) -> String {
        path_str(&self.dir.path().join("devnet").join(relative)).to_owned()
    }

    fn logs(&self) -> String {
        let read = |p: PathBuf| std::fs::read_to_string(&p).unwrap_or_default();
        format!(
            "devnet output:\n{}\nnode log:\n{}",
            read(self.dir.path().join("devnet.out")),
            read(
                self.dir
                    .path()
                    .join("devnet/nodes/finance.validator.gongxin/node.log")
            )
        )
    }

    /// SIGTERM, and the devnet's clean exit within the bound (SIGKILL after it). Returns
    /// whether it exited by itself.
    fn stop(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        let _ = kill_process(pid(child.id()), Signal::TERM);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        // The devnet did not stop its node: stop the node we caused to exist.
        if self.node_pid != 0 && test_kill_process(pid(self.node_pid)).is_ok() {
            let _ = kill_process(pid(self.node_pid), Signal::KILL);
        }
        false
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        self.stop();
    }
}

#[test]
fn submit_prove_verify_and_audit_against_a_real_node() {
    let mut devnet = Devnet::start();
    let node = devnet.url.clone();
    let genesis = devnet.path("genesis.json");
    let key = devnet.path("keys/transport-specialist.key");
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
    assert!(
        test_kill_process(pid(devnet.node_pid)).is_err(),
        "its node is gone"
    );
}
