//! A real devnet (`gongxin-devnet`, running `gongxin-node` processes) in a temp dir, for the
//! end-to-end tests: started on a free port, stopped with SIGTERM when the test ends (and by a
//! drop guard if it panics), so no node outlives its test.
//!
//! The devnet and node binaries are other packages', so cargo does not build them for these
//! tests: they must be in the same target directory as `gongxin`
//! (`cargo build -p gongxin-node -p gongxin-devnet`; `scripts/test` builds them before the
//! tests).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process, test_kill_process};

use super::path_str;

/// How long the devnet may take to create its keys, start its node, load the demo data when
/// asked (a few seconds) and answer.
const START_TIMEOUT: Duration = Duration::from_secs(90);
/// How long the devnet may take to stop its node after SIGTERM (it allows a node 10 s).
const STOP_TIMEOUT: Duration = Duration::from_secs(20);
/// What the devnet prints once it is ready — after the demo data when it loads them.
const READY_LINE: &str = "devnet.json: ";
/// What the devnet prints when the demo data failed to load.
const DEMO_FAILED: &str = "demo data could not be loaded";

/// The devnet launcher, after checking that the node it runs (next to it) is there too.
fn devnet_binary() -> PathBuf {
    let gongxin = Path::new(env!("CARGO_BIN_EXE_gongxin"));
    for name in ["gongxin-node", "gongxin-devnet"] {
        let binary = gongxin
            .with_file_name(name)
            .with_extension(std::env::consts::EXE_EXTENSION);
        assert!(
            binary.exists(),
            "{} is missing: this test runs a real devnet; build it first with \
             `cargo build -p gongxin-node -p gongxin-devnet` (scripts/test does)",
            binary.display()
        );
    }
    gongxin
        .with_file_name("gongxin-devnet")
        .with_extension(std::env::consts::EXE_EXTENSION)
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

pub fn pid(raw: u32) -> Pid {
    Pid::from_raw(raw as i32).expect("a child's pid is positive")
}

/// Whether the devnet loads the demo data (both seed cases: 120 projects, 30 rectifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Demo {
    Load,
    Skip,
}

/// A running `gongxin-devnet`; stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Devnet {
    dir: tempfile::TempDir,
    child: Option<Child>,
    pub url: String,
    pub node_pid: u32,
}

impl Devnet {
    /// Starts a one-validator devnet and waits until it is ready: its node answers and, with
    /// [`Demo::Load`], the demo data is committed.
    pub fn start(demo: Demo) -> Devnet {
        let binary = devnet_binary();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("devnet");
        let output = std::fs::File::create(dir.path().join("devnet.out")).unwrap();
        // One validator: these tests exercise the client, not consensus (tests/ covers that).
        let mut args = vec!["--validators", "1", "--dir", path_str(&data)];
        if demo == Demo::Skip {
            args.push("--no-demo");
        }
        let child = Command::new(binary)
            .args(args)
            .arg("--base-port")
            .arg(free_port().to_string())
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .expect("start gongxin-devnet");
        let mut devnet = Devnet {
            dir,
            child: Some(child),
            url: String::new(),
            node_pid: 0,
        };
        // devnet.json appears once every node answers /health, before the demo data is
        // loaded; the ready line is printed after both.
        let deadline = Instant::now() + START_TIMEOUT;
        let file = data.join("devnet.json");
        loop {
            let printed =
                std::fs::read_to_string(devnet.dir.path().join("devnet.out")).unwrap_or_default();
            if printed.contains(DEMO_FAILED) {
                panic!("the devnet's demo data did not load:\n{}", devnet.logs());
            }
            if printed.contains(READY_LINE)
                && let Ok(text) = std::fs::read_to_string(&file)
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

    /// A file of the devnet directory, e.g. `genesis.json` or `keys/<member>.key`.
    pub fn path(&self, relative: &str) -> String {
        path_str(&self.dir.path().join("devnet").join(relative)).to_owned()
    }

    /// A member's key file (`transport-specialist`, `audit-auditor-1`, ...; genesis/devnet.json).
    pub fn key(&self, member: &str) -> String {
        self.path(&format!("keys/{member}.key"))
    }

    pub fn logs(&self) -> String {
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
    pub fn stop(&mut self) -> bool {
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

    /// Whether the devnet's node process is gone.
    pub fn node_is_gone(&self) -> bool {
        test_kill_process(pid(self.node_pid)).is_err()
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        self.stop();
    }
}
