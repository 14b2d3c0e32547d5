//! Watching the devnet's validators once they run.
//!
//! A consortium's point is that one validator of four may fail and the ledger goes on, so the
//! launcher must not take the others down when one dies. It reports the death loudly — what
//! exited and how, whether the rest still make a quorum, the tail of the node's log and the
//! command that starts it again — and keeps the others running. With `--restart-crashed` it
//! starts a crashed validator again itself, with backoff, and stops trying after repeated
//! crashes (a crash loop needs a person, not a faster loop).
//!
//! The decisions are pure functions of counts and times ([`after_exit`], [`restart_delay`],
//! [`quorum_line`], [`log_tail`]), so they are tested without processes.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// Restarts allowed within [`CRASH_WINDOW`]; one more crash in the window ends the retries.
pub const RESTARTS_PER_WINDOW: usize = 5;
/// The window in which crashes count towards [`RESTARTS_PER_WINDOW`].
pub const CRASH_WINDOW: Duration = Duration::from_secs(600);
/// The longest wait before a restart.
pub const RESTART_DELAY_MAX: Duration = Duration::from_secs(30);
/// How many lines of a dead node's log the report shows.
pub const LOG_TAIL_LINES: usize = 20;

/// What the launcher does after a validator exited on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterExit {
    /// Leave it stopped (no `--restart-crashed`): the report says how to start it.
    Leave,
    /// Start it again after this delay.
    RestartIn(Duration),
    /// It crashed too often within [`CRASH_WINDOW`]: stop restarting it.
    GiveUp,
}

/// The decision after an exit, given whether restarts are on and how many exits (this one
/// included) fell within the last [`CRASH_WINDOW`].
pub fn after_exit(restart_crashed: bool, recent_exits: usize) -> AfterExit {
    if !restart_crashed {
        AfterExit::Leave
    } else if recent_exits > RESTARTS_PER_WINDOW {
        AfterExit::GiveUp
    } else {
        AfterExit::RestartIn(restart_delay(recent_exits))
    }
}

/// 1 s after the first recent exit, doubling with each further one, at most
/// [`RESTART_DELAY_MAX`].
pub fn restart_delay(recent_exits: usize) -> Duration {
    let doublings = recent_exits.saturating_sub(1).min(16) as u32;
    Duration::from_secs(1u64 << doublings).min(RESTART_DELAY_MAX)
}

/// Whether the running validators' power still makes a quorum, in one line.
pub fn quorum_line(running: usize, total: usize, running_power: u64, quorum_power: u64) -> String {
    let verdict = if running_power >= quorum_power {
        "the chain goes on"
    } else {
        "below a quorum the chain stops until enough validators return"
    };
    format!(
        "{running} of {total} validators run (voting power {running_power}, a quorum needs {quorum_power}): {verdict}"
    )
}

/// The last `lines` lines of the file at `path`, reading at most its last 64 KiB.
pub fn log_tail(path: &Path, lines: usize) -> std::io::Result<Vec<String>> {
    const TAIL_BYTES: u64 = 64 * 1024;
    let mut file = std::fs::File::open(path)?;
    let length = file.metadata()?.len();
    let start = length.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut all: Vec<&str> = text.lines().collect();
    if start > 0 && !all.is_empty() {
        // The first line read is probably cut; a whole one is better than half.
        all.remove(0);
    }
    let from = all.len().saturating_sub(lines);
    Ok(all[from..].iter().map(|line| (*line).to_owned()).collect())
}

/// `argv` as one line a POSIX shell runs as the same command.
pub fn shell_line(argv: &[String]) -> String {
    argv.iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@%+,".contains(&b));
            if plain {
                arg.clone()
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Starts one validator: `command` with stdout and stderr appended to `log`.
pub fn spawn_node(command: &[String], log: &Path) -> Result<Child> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("cannot open {}", log.display()))?;
    let (program, args) = command.split_first().context("an empty command")?;
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .spawn()
        .with_context(|| format!("cannot start {program}"))
}

/// One validator process the launcher runs, and what happened to it.
#[derive(Debug)]
pub struct Supervised {
    pub name: String,
    pub power: u64,
    pub command: Vec<String>,
    pub log: PathBuf,
    /// `http://127.0.0.1:port`.
    pub http: String,
    /// `None` while it is down.
    pub child: Option<Child>,
    /// Its exits on its own, most recent last (only those within [`CRASH_WINDOW`] matter).
    pub exits: Vec<Instant>,
    /// When a pending restart is due.
    pub restart_at: Option<Instant>,
    /// Restarted and not yet answering `/health`.
    pub starting: bool,
}

impl Supervised {
    pub fn new(name: String, power: u64, command: Vec<String>, log: PathBuf, http: String) -> Self {
        Supervised {
            name,
            power,
            command,
            log,
            http,
            child: None,
            exits: Vec::new(),
            restart_at: None,
            starting: false,
        }
    }

    /// Whether its process runs (after a restart, perhaps not yet healthy).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// The exit status if its process exited since the last look.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        self.child = None;
        self.starting = false;
        Some(status)
    }

    /// Records an exit at `now` and returns how many fell within [`CRASH_WINDOW`].
    pub fn record_exit(&mut self, now: Instant) -> usize {
        self.exits
            .retain(|at| now.saturating_duration_since(*at) < CRASH_WINDOW);
        self.exits.push(now);
        self.exits.len()
    }

    /// Sends SIGTERM, waits up to 10 s, then SIGKILL.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop in 10 s; killing it", self.name);
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// The report printed when a validator exits on its own: loud, with what to do next.
pub fn death_report(
    node: &Supervised,
    status: ExitStatus,
    quorum: &str,
    decision: AfterExit,
) -> String {
    let mut report = vec![
        format!(
            "!! gongxin devnet: validator {} exited ({status})",
            node.name
        ),
        format!("!! {quorum}"),
        format!("!! last lines of {}:", node.log.display()),
    ];
    match log_tail(&node.log, LOG_TAIL_LINES) {
        Ok(lines) if lines.is_empty() => report.push("   | (empty)".to_owned()),
        Ok(lines) => report.extend(lines.iter().map(|line| format!("   | {line}"))),
        Err(e) => report.push(format!("   | (cannot read it: {e})")),
    }
    let by_hand = format!(
        "{} >> {} 2>&1 &",
        shell_line(&node.command),
        shell_line(&[node.log.display().to_string()])
    );
    match decision {
        AfterExit::Leave => {
            report.push(format!("!! start it again: {by_hand}"));
            report.push(
                "!! (a node started by hand is not stopped by Ctrl-C here; `gongxin-devnet --restart-crashed` restarts crashed validators itself)"
                    .to_owned(),
            );
        }
        AfterExit::RestartIn(delay) => report.push(format!(
            "!! restarting it in {} s ({} exit(s) within {} min; after {} it is left stopped)",
            delay.as_secs(),
            node.exits.len(),
            CRASH_WINDOW.as_secs() / 60,
            RESTARTS_PER_WINDOW + 1
        )),
        AfterExit::GiveUp => {
            report.push(format!(
                "!! it exited {} times within {} min: no more restarts; find the cause in its log, then: {by_hand}",
                node.exits.len(),
                CRASH_WINDOW.as_secs() / 60
            ));
        }
    }
    report.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_restarts_a_dead_validator_is_left_stopped() {
        assert_eq!(after_exit(false, 1), AfterExit::Leave);
        assert_eq!(after_exit(false, 100), AfterExit::Leave);
    }

    #[test]
    fn restarts_back_off_and_end_after_too_many_recent_exits() {
        assert_eq!(
            after_exit(true, 1),
            AfterExit::RestartIn(Duration::from_secs(1))
        );
        assert_eq!(
            after_exit(true, 2),
            AfterExit::RestartIn(Duration::from_secs(2))
        );
        assert_eq!(
            after_exit(true, RESTARTS_PER_WINDOW),
            AfterExit::RestartIn(Duration::from_secs(16))
        );
        assert_eq!(after_exit(true, RESTARTS_PER_WINDOW + 1), AfterExit::GiveUp);
        assert_eq!(restart_delay(6), RESTART_DELAY_MAX);
        assert_eq!(restart_delay(usize::MAX), RESTART_DELAY_MAX);
        assert_eq!(restart_delay(0), Duration::from_secs(1));
    }

    #[test]
    fn only_exits_within_the_window_count() {
        let mut node = Supervised::new(
            "v".into(),
            1,
            vec!["node".into()],
            "log".into(),
            "http://127.0.0.1:1".into(),
        );
        let start = Instant::now();
        assert_eq!(node.record_exit(start), 1);
        assert_eq!(node.record_exit(start + Duration::from_secs(60)), 2);
        // Eleven minutes after the first, twelve after... only the recent ones remain.
        assert_eq!(
            node.record_exit(start + CRASH_WINDOW + Duration::from_secs(1)),
            2
        );
        assert_eq!(
            node.record_exit(start + 3 * CRASH_WINDOW),
            1,
            "a validator that has run for a long time starts counting afresh"
        );
    }

    #[test]
    fn the_quorum_line_says_whether_the_chain_goes_on() {
        let three = quorum_line(3, 4, 3, 3);
        assert!(three.starts_with("3 of 4 validators run"), "{three}");
        assert!(three.ends_with("the chain goes on"), "{three}");
        let two = quorum_line(2, 4, 2, 3);
        assert!(
            two.contains("stops until enough validators return"),
            "{two}"
        );
    }

    #[test]
    fn the_log_tail_is_the_last_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.log");
        let text: String = (0..5000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, text).unwrap();
        let tail = log_tail(&path, 3).unwrap();
        assert_eq!(tail, ["line 4997", "line 4998", "line 4999"]);
        // Fewer lines than asked for: all of them.
        std::fs::write(&path, "only\n").unwrap();
        assert_eq!(log_tail(&path, 20).unwrap(), ["only"]);
        // A log longer than the bytes read: the cut first line is dropped.
        let long: String = (0..20_000).map(|i| format!("{i:08}\n")).collect();
        std::fs::write(&path, long).unwrap();
        let tail = log_tail(&path, 100_000).unwrap();
        assert!(tail.iter().all(|line| line.len() == 8), "no cut line");
        assert_eq!(tail.last().map(String::as_str), Some("00019999"));
        assert!(log_tail(&dir.path().join("missing"), 3).is_err());
    }

    #[test]
    fn shell_lines_quote_what_a_shell_would_split_or_expand() {
        let argv = [
            "/opt/gongxin-node",
            "run",
            "--config",
            "/tmp/a b/it's.json",
            "",
        ]
        .map(String::from);
        assert_eq!(
            shell_line(&argv),
            r"/opt/gongxin-node run --config '/tmp/a b/it'\''s.json' ''"
        );
        assert_eq!(shell_line(&["$HOME".to_owned()]), "'$HOME'");
    }

    #[test]
    fn the_report_names_the_node_its_log_and_the_way_back() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("node.log");
        std::fs::write(&log, "starting\npanicked at storage.rs:1\n").unwrap();
        let mut node = Supervised::new(
            "finance-validator".into(),
            1,
            vec!["/bin/gongxin-node".into(), "run".into()],
            log.clone(),
            "http://127.0.0.1:1".into(),
        );
        node.record_exit(Instant::now());
        let status = Command::new("sh").args(["-c", "exit 3"]).status().unwrap();
        let left = death_report(&node, status, "3 of 4 validators run", AfterExit::Leave);
        assert!(
            left.contains("validator finance-validator exited"),
            "{left}"
        );
        assert!(left.contains("   | panicked at storage.rs:1"), "{left}");
        assert!(
            left.contains(&format!(
                "/bin/gongxin-node run >> {} 2>&1 &",
                log.display()
            )),
            "{left}"
        );
        let restarting = death_report(
            &node,
            status,
            "3 of 4",
            AfterExit::RestartIn(Duration::from_secs(2)),
        );
        assert!(restarting.contains("restarting it in 2 s"), "{restarting}");
        let given_up = death_report(&node, status, "3 of 4", AfterExit::GiveUp);
        assert!(given_up.contains("no more restarts"), "{given_up}");
    }
}
