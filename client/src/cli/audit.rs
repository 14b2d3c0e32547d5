//! `audit watch`: polls a node's checkpoint, verifies it against the genesis and the last
//! verified one, and raises an ALARM (exit code 2) when it fails verification.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::Subcommand;
use gongxin_client::offline;
use gongxin_client::watch::{PollError, PollKind, PollReport, StateDir, Watcher};

use super::EXIT_ALARM;
use super::output::{JsonWith, OutputMode, say_err};
use super::session::Session;

#[derive(Subcommand)]
pub(super) enum AuditCommand {
    /// Poll the node's checkpoint, verify its quorum signatures and that it consistently
    /// extends the last verified one (kept in --state). Any failure prints an ALARM line to
    /// stderr and exits with code 2; an unreachable node is reported and retried.
    Watch {
        /// The genesis file: its validators are the ones whose quorum must sign.
        #[arg(long)]
        genesis: PathBuf,
        /// Directory keeping the last verified checkpoint (created when missing).
        #[arg(long)]
        state: PathBuf,
        /// Time between polls, in milliseconds.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
        interval_ms: u64,
        /// Poll once and exit (for cron jobs).
        #[arg(long, conflicts_with = "max_polls")]
        once: bool,
        /// Stop after this many polls (default: poll until stopped).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        max_polls: Option<u64>,
        /// A witness whose cosignature counts, `NAME=ed25519:<hex>` (repeat for several).
        #[arg(long = "witness", value_name = "NAME=KEY")]
        witnesses: Vec<String>,
        /// How many of the witnesses must have cosigned a checkpoint before it is accepted
        /// (default: all named).
        #[arg(long)]
        witnesses_required: Option<usize>,
    },
}

pub(super) fn run(cx: &Session, command: AuditCommand) -> Result<ExitCode> {
    match command {
        AuditCommand::Watch {
            genesis,
            state,
            interval_ms,
            once,
            max_polls,
            witnesses,
            witnesses_required,
        } => {
            let polls_max = if once { Some(1) } else { max_polls };
            let policy = offline::WitnessPolicy::parse(&witnesses, witnesses_required)?;
            audit_watch(
                cx,
                &genesis,
                &state,
                Duration::from_millis(interval_ms),
                polls_max,
                policy,
            )
        }
    }
}

/// An error and its causes on one line, as `anyhow`'s `{:#}` prints them.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn print_poll(output: OutputMode, report: &PollReport) -> Result<()> {
    output.emit_line(
        &JsonWith(|| serde_json::json!({"event": "verified", "poll": report})),
        |_| {
            let signers = report.signers.join(", ");
            match report.kind {
                PollKind::FirstUse => format!(
                    "trusting on first use: checkpoint of size {} root {}, signed by {signers}\n",
                    report.tree_size, report.root
                ),
                PollKind::Unchanged => format!(
                    "ok: checkpoint unchanged at size {} root {}\n",
                    report.tree_size, report.root
                ),
                PollKind::Extended => format!(
                    "ok: checkpoint of size {} root {} consistently extends size {}, signed by {signers}\n",
                    report.tree_size,
                    report.root,
                    report.previous_size.unwrap_or_default()
                ),
            }
        },
    )
}

fn audit_watch(
    cx: &Session,
    genesis: &Path,
    state: &Path,
    interval: Duration,
    polls_max: Option<u64>,
    policy: offline::WitnessPolicy,
) -> Result<ExitCode> {
    let genesis = offline::load_genesis(genesis)?;
    let chain = genesis.chain_id.clone();
    let client = cx.client()?;
    let node = client.base_url().to_owned();
    let mut watcher = Watcher::new(client, genesis, StateDir::open(state)?)?.with_witnesses(policy);
    let watching = match watcher.trusted() {
        Some(t) => format!(
            "watching {node} (chain {chain}); last verified checkpoint: size {} root {}\n",
            t.checkpoint.checkpoint.tree_size, t.checkpoint.checkpoint.root
        ),
        None => format!(
            "watching {node} (chain {chain}); {} holds no checkpoint yet: the first one is \
             trusted on first use\n",
            state.display()
        ),
    };
    cx.output.note(&watching);
    let mut polls: u64 = 0;
    loop {
        polls += 1;
        let last_poll = polls_max.is_some_and(|max| polls >= max);
        match watcher.poll() {
            Ok(report) => print_poll(cx.output, &report)?,
            Err(PollError::Alarm(alarm)) => {
                let evidence = watcher.state().record_alarm(&alarm);
                cx.output.emit_err_line(
                    &JsonWith(|| {
                        serde_json::json!({
                            "event": "alarm",
                            "kind": alarm.kind,
                            "reason": alarm.reason,
                            "node": alarm.node,
                            "evidence": evidence.as_ref().ok(),
                        })
                    }),
                    |_| format!("ALARM: {} ({node})\n", alarm.reason),
                )?;
                match &evidence {
                    Ok(path) => cx
                        .output
                        .note_err(&format!("  evidence saved to {}\n", path.display())),
                    Err(e) => say_err(&format!(
                        "  the evidence could not be saved: {}\n",
                        error_chain(e)
                    )),
                }
                return Ok(ExitCode::from(EXIT_ALARM));
            }
            Err(PollError::Unreachable(e)) => {
                let retry = if last_poll {
                    String::new()
                } else {
                    format!("; retrying in {} ms", interval.as_millis())
                };
                cx.output.emit_err_line(
                    &JsonWith(
                        || serde_json::json!({"event": "unreachable", "error": error_chain(&e)}),
                    ),
                    |_| format!("warning: poll {polls} failed: {}{retry}\n", error_chain(&e)),
                )?;
                if last_poll {
                    bail!(
                        "the last poll could not check the node's checkpoint (no alarm: nothing \
                         was presented that fails verification)"
                    );
                }
            }
            Err(PollError::NotCosigned(reason)) => {
                cx.output.emit_err_line(
                    &JsonWith(|| serde_json::json!({"event": "not_cosigned", "reason": reason})),
                    |_| format!("warning: poll {polls}: {reason}\n"),
                )?;
                if last_poll {
                    bail!("the last poll found no checkpoint cosigned by the witnesses required");
                }
            }
            Err(PollError::State(e)) => return Err(e.into()),
        }
        if last_poll {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(interval);
    }
}
