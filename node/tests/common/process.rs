//! The real `gongxin-node` binary in a temp dir, for tests of what only a process shows (crash
//! safety, sockets): a one-validator devnet config, a free port below the ephemeral range, and
//! a process guard that stops the node when the test ends, pass or fail.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gongxin_devnet::{DevnetKeys, write_node_configs};
use gongxin_node::config::{Limits, NodeConfig};

/// Stops the process when dropped: SIGTERM first, SIGKILL after 15 s.
pub struct NodeProcess(pub Child);

impl Drop for NodeProcess {
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

/// A free port below Linux's ephemeral range (32768–60999), so no outbound connection of
/// another test holds it by the time the node binds it.
pub fn free_port() -> u16 {
    let start = 12_000 + (std::process::id() % 18_000) as u16;
    (start..32_000)
        .chain(12_000..start)
        .find(|p| std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, *p)).is_ok())
        .expect("a free port below 32000")
}

/// A one-validator devnet in `dir` whose node serves on a free port with `limits`; its keys,
/// config and config file.
pub fn single_validator(dir: &Path, limits: Limits) -> (DevnetKeys, NodeConfig, PathBuf) {
    let (keys, mut configs) = write_node_configs(dir, 1, free_port()).unwrap();
    let (mut config, path) = configs.remove(0);
    config.limits = limits;
    std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    (keys, config, path)
}

/// Starts `gongxin-node run --config <config>`, its output appended to `log`.
pub fn start(config: &Path, log: &Path) -> NodeProcess {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_gongxin-node"))
        .args(["run", "--config"])
        .arg(config)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    NodeProcess(child)
}
