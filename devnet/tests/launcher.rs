//! The devnet launcher as a user runs it: `gongxin-devnet` (and `gongxin-node devnet`, which
//! forwards to it) starting real `gongxin-node` processes on 127.0.0.1. Every wait is bounded
//! and every process started is stopped when the test ends, pass or fail.
//!
//! The node binary is another package's, so cargo does not build it for these tests: it must be
//! in the same target directory (`cargo build -p gongxin-node`; `scripts/test` builds it).

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

/// A gateway port below Linux's ephemeral range (32768–60999) whose consensus and gossip ports
/// (`+10`, `+20`) are free too.
fn free_port() -> u16 {
    let start = 12_000 + (std::process::id() % 18_000) as u16;
    (start..32_000)
        .chain(12_000..start)
        .find(|p| {
            [0u16, 10, 20].iter().all(|offset| {
                std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, p + offset)).is_ok()
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

#[test]
fn the_devnet_launcher_stops_and_fails_when_a_node_dies() {
    let node = node_binary();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut launcher = Process(
        Command::new(env!("CARGO_BIN_EXE_gongxin-devnet"))
            .args([
                "--no-demo",
                "--validators",
                "1",
                "--base-port",
                &port.to_string(),
                "--dir",
            ])
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let agent = gongxin_devnet::http_agent();
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(&agent, &format!("http://127.0.0.1:{port}/health")).is_none() {
        assert!(Instant::now() < deadline, "devnet did not start");
        assert!(
            launcher.0.try_wait().unwrap().is_none(),
            "the launcher exited during start-up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // devnet.json (written once every node is healthy) names the node's pid and the command
    // that runs it: the gongxin-node next to the launcher. Kill the node behind the launcher's
    // back.
    let devnet = loop {
        if let Ok(devnet) = gongxin_devnet::read_devnet_file(dir.path()) {
            break devnet;
        }
        assert!(Instant::now() < deadline, "devnet.json was not written");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        PathBuf::from(&devnet.nodes[0].command[0])
            .canonicalize()
            .unwrap(),
        node.canonicalize().unwrap(),
        "the launcher runs the gongxin-node next to it"
    );
    let pid = rustix::process::Pid::from_raw(devnet.nodes[0].pid as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::KILL).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = launcher.0.try_wait().unwrap() {
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
        "a devnet that lost a node must exit non-zero"
    );
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
