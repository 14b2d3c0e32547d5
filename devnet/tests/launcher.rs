//! The devnet launcher as a user runs it: `gongxin-devnet` (and `gongxin-node devnet`, which
//! forwards to it) starting real `gongxin-node` processes on 127.0.0.1. Every wait is bounded
//! and every process started is stopped when the test ends, pass or fail.
//!
//! The node binary is another package's, so cargo does not build it for these tests: it must be
//! in the same target directory (`cargo build -p gongxin-node`; `scripts/test` builds it).

use std::io::Read;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gongxin_devnet::DevnetFile;
use serde_json::Value;

/// Stops the process when dropped: SIGTERM first (the launcher then stops its own nodes),
/// SIGKILL after 15 s.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.0.try_wait() {
            return;
        }
        if let Some(pid) = rustix::process::Pid::from_raw(self.0.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `gongxin-node` executable the launcher will run (the one next to `gongxin-devnet`).
fn node_binary() -> PathBuf {
    gongxin_devnet::node_binary().unwrap_or_else(|e| panic!("{e:#}"))
}

/// A gateway base port below Linux's ephemeral range (32768–60999) such that the gateway,
/// consensus, gossip and witness ports (`+0`, `+10`, `+20`, `+30`, each plus `0..validators`)
/// are free.
fn free_port(validators: u16) -> u16 {
    let start = 12_000 + (std::process::id() % 18_000) as u16;
    (start..32_000)
        .chain(12_000..start)
        .find(|p| {
            [0u16, 10, 20, 30].iter().all(|offset| {
                (0..validators).all(|i| {
                    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, p + offset + i)).is_ok()
                })
            })
        })
        .expect("a free port below 32000")
}

fn get(agent: &ureq::Agent, url: &str) -> Option<(u16, Value)> {
    let mut response = agent.get(url).call().ok()?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().ok()?;
    Some((
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    ))
}

/// A running `gongxin-devnet` with its stderr collected as it is written.
struct Launcher {
    process: Process,
    stderr: Arc<Mutex<String>>,
    dir: tempfile::TempDir,
}

impl Launcher {
    /// Starts `gongxin-devnet --no-demo` with `args` and waits (bounded) for `devnet.json`,
    /// which it writes once every validator answers.
    fn start(validators: u16, args: &[&str]) -> (Launcher, DevnetFile) {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port(validators);
        let mut child = Command::new(env!("CARGO_BIN_EXE_gongxin-devnet"))
            .args(["--no-demo", "--validators", &validators.to_string()])
            .args(["--base-port", &port.to_string()])
            .args(args)
            .arg("--dir")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        let mut launcher = Launcher {
            process: Process(child),
            stderr,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        let devnet = loop {
            if let Ok(devnet) = gongxin_devnet::read_devnet_file(launcher.dir.path()) {
                break devnet;
            }
            assert!(
                launcher.process.0.try_wait().unwrap().is_none(),
                "the launcher exited during start-up: {}",
                launcher.stderr()
            );
            assert!(Instant::now() < deadline, "devnet.json was not written");
            std::thread::sleep(Duration::from_millis(100));
        };
        (launcher, devnet)
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (bounded) until the launcher's stderr contains `text`.
    fn wait_for_stderr(&self, text: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let stderr = self.stderr();
            if stderr.contains(text) {
                return stderr;
            }
            assert!(
                Instant::now() < deadline,
                "the launcher did not say {text:?}; it said: {stderr}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn kill_9(pid: u32) {
    let pid = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::KILL).unwrap();
}

/// The committed height a node reports, if it answers.
fn height(agent: &ureq::Agent, http: &str) -> Option<u64> {
    let (status, body) = get(agent, &format!("{http}/v1/status"))?;
    (status == 200).then_some(())?;
    body["height"].as_u64()
}

/// Waits (bounded) until the node at `http` reports a height of at least `target`.
fn wait_for_height(agent: &ureq::Agent, http: &str, target: u64, within: Duration) -> u64 {
    let deadline = Instant::now() + within;
    loop {
        if let Some(h) = height(agent, http).filter(|h| *h >= target) {
            return h;
        }
        assert!(
            Instant::now() < deadline,
            "{http} did not reach height {target} (at {:?})",
            height(agent, http)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_devnet_whose_only_validator_died_reports_it_and_exits_non_zero() {
    let node = node_binary();
    let (mut launcher, devnet) = Launcher::start(1, &[]);
    // devnet.json names the node's pid and the command that runs it: the gongxin-node next to
    // the launcher. Kill the node behind the launcher's back.
    assert_eq!(
        PathBuf::from(&devnet.nodes[0].command[0])
            .canonicalize()
            .unwrap(),
        node.canonicalize().unwrap(),
        "the launcher runs the gongxin-node next to it"
    );
    kill_9(devnet.nodes[0].pid);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = launcher.process.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the launcher did not notice the dead node"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        !status.success(),
        "a devnet with no validator left must exit non-zero"
    );
    let stderr = launcher.wait_for_stderr("every validator has stopped", Duration::from_secs(5));
    let name = &devnet.nodes[0].name;
    assert!(
        stderr.contains(&format!("validator {name} exited")),
        "{stderr}"
    );
    assert!(stderr.contains("signal: 9"), "{stderr}");
    assert!(
        stderr.contains("node.log:\n   | "),
        "the log's tail: {stderr}"
    );
    assert!(
        stderr.contains(&format!("start it again: {} run --config", node.display())),
        "{stderr}"
    );
}

#[test]
fn with_restart_crashed_a_killed_validator_comes_back() {
    let (mut launcher, devnet) = Launcher::start(1, &["--restart-crashed"]);
    let agent = gongxin_devnet::http_agent();
    let http = &devnet.nodes[0].http;
    let before = height(&agent, http).expect("the node answers");
    kill_9(devnet.nodes[0].pid);
    let stderr = launcher.wait_for_stderr("answers again", Duration::from_secs(60));
    assert!(stderr.contains("restarting it in 1 s"), "{stderr}");
    assert!(
        launcher.process.0.try_wait().unwrap().is_none(),
        "the launcher keeps running"
    );
    // devnet.json names the new process, and the chain resumes where it was.
    let again = gongxin_devnet::read_devnet_file(launcher.dir.path()).unwrap();
    assert_ne!(again.nodes[0].pid, devnet.nodes[0].pid, "{again:?}");
    wait_for_height(&agent, http, before + 1, Duration::from_secs(60));
    drop(launcher);
    assert!(
        rustix::process::test_kill_process(
            rustix::process::Pid::from_raw(again.nodes[0].pid as i32).unwrap()
        )
        .is_err(),
        "stopping the launcher stops the restarted node"
    );
}

#[test]
fn one_dead_validator_of_four_leaves_the_others_committing() {
    let (mut launcher, devnet) = Launcher::start(4, &[]);
    let agent = gongxin_devnet::http_agent();
    let (watcher, victim) = (&devnet.nodes[0], &devnet.nodes[2]);
    let at_kill = height(&agent, &watcher.http).expect("the node answers");
    kill_9(victim.pid);
    let stderr = launcher.wait_for_stderr(
        &format!("validator {} exited", victim.name),
        Duration::from_secs(30),
    );
    assert!(
        stderr.contains(
            "3 of 4 validators run (voting power 3, a quorum needs 3): the chain goes on"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("start it again:"), "{stderr}");
    // Three of four are a quorum: blocks keep coming (empty ones every 5 s on an idle chain).
    let went_on = wait_for_height(&agent, &watcher.http, at_kill + 2, Duration::from_secs(90));
    assert!(
        launcher.process.0.try_wait().unwrap().is_none(),
        "the launcher keeps the others running: {}",
        launcher.stderr()
    );
    // Started again by its command (as the report says), the victim catches up.
    let back = Process(
        Command::new(&victim.command[0])
            .args(&victim.command[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_height(&agent, &victim.http, went_on, Duration::from_secs(90));
    drop(back);
}

#[test]
fn gongxin_node_devnet_forwards_to_gongxin_devnet() {
    let node = node_binary();
    // Options, `--help` included, reach gongxin-devnet.
    let help = Command::new(&node)
        .args(["devnet", "--help"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success(), "{help:?}");
    assert!(text.contains("gongxin-devnet"), "{text}");
    assert!(
        text.contains("--base-port") && text.contains("--no-demo"),
        "{text}"
    );
    // Its exit status comes back: a devnet of no validators is refused.
    let dir = tempfile::tempdir().unwrap();
    let refused = Command::new(&node)
        .args(["devnet", "--validators", "0", "--dir"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!refused.status.success(), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--validators must be at least 1"),
        "{stderr}"
    );
}

#[test]
fn an_sm2_devnet_keys_signs_and_verifies_everything_in_sm2() {
    use gongxin_core::crypto::Algorithm;
    // `gongxin-devnet --algorithm sm2` (also as `gongxin-node devnet --algorithm sm2`).
    let (launcher, devnet) = Launcher::start(1, &["--algorithm", "sm2"]);
    let dir = launcher.dir.path();
    assert_eq!(
        gongxin_devnet::devnet_algorithm(dir).unwrap(),
        Some(Algorithm::Sm2)
    );
    let keys = gongxin_devnet::create_devnet_files_with(dir, 1, Algorithm::Sm2).unwrap();
    assert!(
        keys.genesis
            .validators
            .validators()
            .iter()
            .all(|v| v.public_key.algorithm() == Algorithm::Sm2)
    );
    assert!(!keys.members.is_empty());
    assert!(
        keys.members
            .iter()
            .all(|m| m.3.public_key().algorithm() == Algorithm::Sm2),
        "every member key is SM2"
    );
    // The same directory is not reused as an ed25519 devnet.
    let refused = gongxin_devnet::create_devnet_files_with(dir, 1, Algorithm::Ed25519)
        .unwrap_err()
        .to_string();
    assert!(refused.contains("made with sm2 keys"), "{refused}");

    // The load generator finds the suite on its own and signs with SM2; the node verifies and
    // commits those transactions.
    let out = Command::new(env!("CARGO_BIN_EXE_gongxin-loadgen"))
        .arg("--devnet")
        .arg(dir)
        .args(["--rate", "40", "--duration-s", "2", "--concurrency", "2"])
        .args(["--proof-requests", "0", "--json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["committed"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(
        report["applied_in_sample"], report["sample_size"],
        "{report}"
    );
    let agent = ureq::Agent::new_with_defaults();
    let height = height(&agent, &devnet.nodes[0].http).unwrap();
    assert!(height > 0);
}

/// The latest checkpoint note of `path` (`/v1/checkpoint` or `/public/v1/checkpoint`) at `http`.
fn note(agent: &ureq::Agent, http: &str, path: &str) -> String {
    get(agent, &format!("{http}{path}"))
        .and_then(|(status, body)| (status == 200).then_some(body))
        .and_then(|body| body.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[test]
fn with_witness_the_devnet_serves_checkpoints_its_witness_cosigned() {
    use gongxin_core::checkpoint::SignedCheckpoint;
    use gongxin_core::witness::{WitnessKey, require_cosignatures};
    let (launcher, devnet) = Launcher::start(1, &["--witness"]);
    let witness = devnet
        .witness
        .clone()
        .expect("devnet.json names the witness");
    assert_eq!(witness.name, gongxin_devnet::WITNESS_NAME);
    let key = WitnessKey::parse(&format!("{}={}", witness.name, witness.public_key)).unwrap();
    let agent = gongxin_devnet::http_agent();
    let http = &devnet.nodes[0].http;
    // Both logs' checkpoints come to carry a cosignature that verifies with the witness's key.
    for path in ["/v1/checkpoint", "/public/v1/checkpoint"] {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = note(&agent, http, path);
            let cosigned = SignedCheckpoint::parse(&text).is_ok_and(|checkpoint| {
                require_cosignatures(&checkpoint, std::slice::from_ref(&key), 1).is_ok()
            });
            if cosigned {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{path} is not cosigned: {text}\nlauncher: {}",
                launcher.stderr()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
    // Stopping the launcher stops its witness too.
    let pid = rustix::process::Pid::from_raw(witness.pid as i32).unwrap();
    drop(launcher);
    assert!(
        rustix::process::test_kill_process(pid).is_err(),
        "the witness (pid {}) outlived the devnet",
        witness.pid
    );
}
