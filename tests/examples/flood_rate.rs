//! The honest validators' committed rate while one of four floods transaction gossip or
//! consensus votes, beside the same load without the flood (issue 15's "honest nodes keep at least half their normal
//! committed rate"). Each run starts four validator processes (the test build: the flooder
//! needs the Byzantine test mode), drives validators 0–2 with `gongxin-loadgen`, and reads
//! what the flood cost from their metrics.
//!
//! ```text
//! cargo build --workspace --all-targets --locked
//! cargo run -p gongxin-cluster-tests --example flood_rate -- [rate tx/s] [seconds] [gossip|votes]
//! ```
//!
//! `gossip` (the default): the flooder publishes, every 20 ms, 256 transactions naming a member
//! as signer but signed by another key: 12,800 signature checks/s if nothing stopped it.
//! `votes`: every 20 ms, 100 votes it claims the other validators signed, under its own vote's
//! signature: 5,000 signature checks/s if nothing stopped it.

#![allow(clippy::float_arithmetic)] // a ratio for the report; nothing here is consensus-facing

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use gongxin_cluster_tests::{Cluster, node_binary};
use gongxin_node::config::{GossipFlood, VoteFlood};
use serde_json::{Value, json};

/// Lets the load generator find the cluster's gateways (it reads the devnet's `devnet.json`).
fn write_devnet_file(cluster: &Cluster) -> Result<()> {
    let nodes: Vec<Value> = cluster
        .nodes
        .iter()
        .map(|n| {
            json!({
                "name": n.name,
                "department": "",
                "pid": 0,
                "http": n.http,
                "command": [],
                "data_dir": n.config.data_dir,
            })
        })
        .collect();
    let file = json!({
        "chain_id": cluster.keys.genesis.chain_id,
        "genesis": cluster.dir.join("genesis.json"),
        "keys_dir": cluster.dir.join("keys"),
        "nodes": nodes,
    });
    std::fs::write(cluster.dir.join("devnet.json"), file.to_string())?;
    Ok(())
}

/// What validator 3 floods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flood {
    Gossip,
    Votes,
}

/// What the flood cost one honest validator, from its metrics.
struct FloodCost {
    /// Gossip batches rejected, or consensus messages dropped over budget.
    refused: u64,
    /// Bans of the flooder (from transaction gossip, or from consensus).
    bans: u64,
    /// Transaction signatures checked.
    signature_checks: u64,
}

/// One run: the load generator's report and what the flood cost each honest validator.
fn run(flood: Option<Flood>, rate: u64, seconds: u64) -> Result<(Value, Vec<FloodCost>)> {
    let cluster = Cluster::start_with(4, |i, config| {
        let consensus = config.consensus.as_mut().expect("consensus");
        match flood {
            Some(Flood::Gossip) if i == 3 => {
                consensus.gossip_flood = Some(GossipFlood {
                    every_ms: 20,
                    txs: 256,
                })
            }
            Some(Flood::Votes) if i == 3 => {
                consensus.vote_flood = Some(VoteFlood {
                    every_ms: 20,
                    votes: 100,
                })
            }
            _ => {}
        }
    });
    // The honest three: a flooder may be banned (and so behind) before it reaches height 2.
    if !cluster.wait_height(&[0, 1, 2], 2, Duration::from_secs(60)) {
        bail!("the cluster did not start:\n{}", cluster.log(0));
    }
    write_devnet_file(&cluster)?;
    let loadgen = node_binary().with_file_name("gongxin-loadgen");
    let output = Command::new(&loadgen)
        .arg("--devnet")
        .arg(&cluster.dir)
        .args(["--nodes", "0,1,2", "--batch", "50", "--concurrency", "4"])
        .args(["--proof-requests", "0", "--json"])
        .args([
            "--rate",
            &rate.to_string(),
            "--duration-s",
            &seconds.to_string(),
        ])
        .output()
        .with_context(|| format!("run {}", loadgen.display()))?;
    if !output.status.success() {
        bail!(
            "the load generator failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let report: Value = serde_json::from_slice(&output.stdout).context("its JSON report")?;
    let counters = (0..3)
        .map(|i| {
            let metric = |name| {
                cluster
                    .metric(i, name)
                    .with_context(|| format!("validator {i} reports no {name}"))
            };
            let (refused, bans) = match flood {
                Some(Flood::Votes) => (
                    "gongxin_consensus_messages_over_budget_total",
                    "gongxin_consensus_peer_bans_total",
                ),
                _ => (
                    "gongxin_gossip_batches_rejected_total",
                    "gongxin_gossip_peer_bans_total",
                ),
            };
            Ok(FloodCost {
                refused: metric(refused)?,
                bans: metric(bans)?,
                signature_checks: metric("gongxin_signature_checks_total")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok((report, counters))
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let rate: u64 = args.next().map_or(Ok(300), |a| a.parse())?;
    let seconds: u64 = args.next().map_or(Ok(30), |a| a.parse())?;
    let kind = match args.next().as_deref() {
        None | Some("gossip") => Flood::Gossip,
        Some("votes") => Flood::Votes,
        Some(other) => bail!("flood {other:?}: gossip or votes"),
    };
    let (label, refused) = match kind {
        Flood::Gossip => ("validator 3 flooding gossip", "gossip batches rejected"),
        Flood::Votes => (
            "validator 3 flooding votes",
            "consensus messages dropped unchecked",
        ),
    };
    let mut committed = Vec::new();
    for flood in [None, Some(kind)] {
        let (report, counters) = run(flood, rate, seconds)?;
        let label = if flood.is_some() { label } else { "no flood" };
        println!(
            "{label}: {rate} tx/s for {seconds} s to validators 0-2: committed {} tx/s \
             ({} of {} sent), latency p50 {} ms, p99 {} ms",
            report["committed_tx_per_s"],
            report["committed"],
            report["submitted"],
            report["latency_ms_p50"],
            report["latency_ms_p99"],
        );
        for (i, cost) in counters.iter().enumerate() {
            println!(
                "  validator {i}: {} {refused}, {} bans, {} transaction signature checks",
                cost.refused, cost.bans, cost.signature_checks
            );
        }
        committed.push(
            report["committed_tx_per_s"]
                .as_f64()
                .context("the report has no committed_tx_per_s")?,
        );
    }
    println!(
        "honest committed rate under the flood: {:.0} % of the rate without it",
        100.0 * committed[1] / committed[0].max(f64::MIN_POSITIVE)
    );
    Ok(())
}
