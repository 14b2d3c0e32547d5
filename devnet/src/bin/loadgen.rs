//! `gongxin-loadgen`: drives a running devnet with signed transactions at a target rate and
//! reports what the whole system does — committed tx/s, commit latency percentiles — and then
//! proof requests/s and their latency.
//!
//! ```text
//! gongxin-loadgen --devnet devnet-data --rate 3000 --duration-s 20
//! ```
//!
//! Transactions are signed before the clock starts (signing is the client's cost, not the
//! ledger's) and sent as canonical bytes. Latency is from the moment a transaction is sent to
//! the moment a poller sees it in a committed block (polled every 20 ms, so figures carry up to
//! 20 ms of observation delay). Every loop is bounded by the run's duration plus a drain period.

#![allow(clippy::float_arithmetic)] // rates and percentiles for the report only; nothing here is consensus-facing

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use gongxin_core::Hash;
use gongxin_core::crypto::Algorithm;
use gongxin_core::request_auth::{ReadRequest, new_nonce, sign_read_request};
use gongxin_devnet::{create_devnet_files_with, devnet_algorithm, http_agent, read_devnet_file};
use gongxin_node::clock::{Clock, SystemClock};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

#[derive(Parser, Debug)]
#[command(
    name = "gongxin-loadgen",
    about = "Load generator for a gongxin devnet"
)]
struct Args {
    /// The devnet directory (devnet.json, genesis.json, keys/).
    #[arg(long, default_value = "devnet-data")]
    devnet: PathBuf,
    /// Target submission rate, transactions per second (all gateways together).
    #[arg(long, default_value_t = 2_000)]
    rate: u64,
    /// How long to submit, in seconds.
    #[arg(long, default_value_t = 20)]
    duration_s: u64,
    /// Sending threads.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Transactions per request: 1 uses `POST /v1/txs`, more use `POST /v1/txs/batch`.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// After the load: this many inclusion-proof requests (0 skips the proof phase).
    #[arg(long, default_value_t = 5_000)]
    proof_requests: usize,
    /// Ask for proofs of the transactions in this file (one hex hash per line, as
    /// `gongxin-ledgergen` writes), not of the ones this run committed: a large ledger's proofs
    /// with `--duration-s 0`.
    #[arg(long)]
    proof_hashes: Option<PathBuf>,
    /// Ask for open proofs by leaf hash (`/v1/proofs/inclusion?leaf_hash=`, no signature, no
    /// entry: what a public verifier asks) of the leaf hashes in this file, instead of signed
    /// proofs by transaction.
    #[arg(long, conflicts_with = "proof_hashes")]
    proof_leaves: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Send to these validators only (indexes in devnet.json, e.g. `0,1,2`), not to all.
    #[arg(long, value_delimiter = ',')]
    nodes: Vec<usize>,
}

#[derive(Debug, Serialize)]
struct Report {
    target_rate: u64,
    duration_s: u64,
    signers: usize,
    gateways: usize,
    submitted: u64,
    /// Transactions per second the senders actually managed (below the target when the
    /// gateway pushes back by answering slowly).
    achieved_send_rate: f64,
    accepted: u64,
    refused_busy: u64,
    refused_other: u64,
    committed: u64,
    committed_tx_per_s: f64,
    /// Of a sample of committed transactions, how many the rules applied (the rest rejected).
    applied_in_sample: usize,
    sample_size: usize,
    latency_ms_p50: u64,
    latency_ms_p99: u64,
    latency_ms_max: u64,
    proof_requests: usize,
    /// Proof requests not answered with a proof.
    proof_failures: u64,
    proof_requests_per_s: f64,
    proof_latency_ms_p50: f64,
    proof_latency_ms_p99: f64,
}

fn percentile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn get_json(agent: &ureq::Agent, url: &str) -> Option<serde_json::Value> {
    get_json_with(agent, url, &[])
}

fn get_json_with(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&'static str, String)],
) -> Option<serde_json::Value> {
    let mut request = agent.get(url);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let mut response = request.call().ok()?;
    if response.status().as_u16() != 200 {
        return None;
    }
    serde_json::from_str(&response.body_mut().read_to_string().ok()?).ok()
}

/// Transaction hashes, one in hex per line.
fn read_hashes(flag: &str, path: &std::path::Path) -> Result<Vec<Hash>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {flag} {}", path.display()))?;
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            Hash::from_hex(line.trim())
                .map_err(|e| anyhow::anyhow!("{} line {}: not a hash: {e}", path.display(), i + 1))
        })
        .collect()
}

fn main() -> Result<()> {
    let args = Args::parse();
    let devnet = read_devnet_file(&args.devnet)?;
    // The devnet's own suite: an SM2 devnet's members sign (and its nodes verify) SM2.
    let algorithm = devnet_algorithm(&args.devnet)?.unwrap_or(Algorithm::Ed25519);
    let keys = create_devnet_files_with(&args.devnet, devnet.nodes.len(), algorithm)?;
    let mut chosen = devnet.nodes.clone();
    if !args.nodes.is_empty() {
        chosen = args
            .nodes
            .iter()
            .map(|&i| {
                devnet.nodes.get(i).cloned().with_context(|| {
                    format!("--nodes {i}: the devnet has {} nodes", devnet.nodes.len())
                })
            })
            .collect::<Result<_>>()?;
    }
    let gateways: Vec<String> = chosen.iter().map(|n| n.http.clone()).collect();
    let agent = http_agent();
    let status = get_json(&agent, &format!("{}/v1/status", gateways[0]))
        .with_context(|| format!("cannot reach {}", gateways[0]))?;
    let height = status["height"].as_u64().context("status has no height")?;

    // Line-department staff may propose projects; they are the load's signers.
    let signers = keys.line_specialists().len();
    if signers == 0 {
        bail!("the devnet has no line-department specialists to sign with");
    }

    let total = (args.rate * args.duration_s) as usize;
    let run_id = SystemClock.now_ms();
    eprintln!("signing {total} transactions with {signers} signers…");
    let batch = args.batch.clamp(1, 1_000);
    let txs: Vec<(Hash, gongxin_core::tx::SignedTx)> = keys
        .proposals(&format!("LOAD-{run_id}"), total, run_id, height + 10_000)
        .into_iter()
        .map(|tx| (tx.hash(), tx))
        .collect();
    // Requests, encoded before the clock starts: one transaction's canonical bytes, or a batch's
    // (`Vec<SignedTx>`), with the hashes they carry.
    let requests: Vec<(Vec<Hash>, Vec<u8>)> = txs
        .chunks(batch)
        .map(|chunk| {
            let hashes = chunk.iter().map(|(h, _)| *h).collect();
            let bytes = if batch == 1 {
                chunk[0].1.to_bytes()
            } else {
                let list: Vec<gongxin_core::tx::SignedTx> =
                    chunk.iter().map(|(_, tx)| tx.clone()).collect();
                gongxin_core::encoding::encode(&list)
            };
            (hashes, bytes)
        })
        .collect();
    drop(txs);

    let sent_at: Arc<Mutex<HashMap<Hash, Instant>>> =
        Arc::new(Mutex::new(HashMap::with_capacity(total)));
    let next = Arc::new(AtomicUsize::new(0));
    let (accepted, busy, other) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let requests = Arc::new(requests);
    let start = Instant::now();
    let progress = ProgressBar::new(total as u64);
    progress.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} committed {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );

    // Senders: request k (transactions k·batch …) may leave at start + k·batch / rate.
    let senders: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let (requests, next, sent_at, accepted, busy, other) = (
                requests.clone(),
                next.clone(),
                sent_at.clone(),
                accepted.clone(),
                busy.clone(),
                other.clone(),
            );
            let gateway = gateways[worker % gateways.len()].clone();
            let rate = args.rate.max(1);
            std::thread::spawn(move || {
                let agent = http_agent();
                let url = if batch == 1 {
                    format!("{gateway}/v1/txs")
                } else {
                    format!("{gateway}/v1/txs/batch")
                };
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some((hashes, bytes)) = requests.get(k) else {
                        break;
                    };
                    let due = start + Duration::from_micros((k * batch) as u64 * 1_000_000 / rate);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    // Latency counts from the scheduled send time, so queueing in the load
                    // generator itself (when the system falls behind) is part of the figure.
                    {
                        let mut map = sent_at.lock().unwrap_or_else(|p| p.into_inner());
                        for hash in hashes {
                            map.insert(*hash, due);
                        }
                    }
                    let result = agent
                        .post(&url)
                        .header("content-type", "application/octet-stream")
                        .send(bytes.as_slice());
                    // Per transaction: accepted, refused because the node is busy, or refused.
                    let verdicts: Vec<Result<(), bool>> = match result {
                        Ok(mut response) if response.status().as_u16() == 202 && batch > 1 => {
                            let body: serde_json::Value =
                                response.body_mut().read_json().unwrap_or_default();
                            let results = body["results"].as_array().cloned().unwrap_or_default();
                            (0..hashes.len())
                                .map(|i| match results.get(i) {
                                    Some(r) if r["status"] == "pending" => Ok(()),
                                    Some(r) if r["error"] == "mempool_full" => Err(true),
                                    _ => Err(false),
                                })
                                .collect()
                        }
                        Ok(response) if response.status().as_u16() == 202 => vec![Ok(())],
                        Ok(response) if response.status().as_u16() == 503 => {
                            vec![Err(true); hashes.len()]
                        }
                        _ => vec![Err(false); hashes.len()],
                    };
                    let mut map = sent_at.lock().unwrap_or_else(|p| p.into_inner());
                    for (hash, verdict) in hashes.iter().zip(verdicts) {
                        match verdict {
                            Ok(()) => {
                                accepted.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(is_busy) => {
                                map.remove(hash);
                                if is_busy {
                                    busy.fetch_add(1, Ordering::Relaxed);
                                } else {
                                    other.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                    }
                }
            })
        })
        .collect();

    // Watcher: new blocks → which of our transactions committed, and when we saw it.
    let done_sending = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (sent_at, done_sending, gateway, progress) = (
            sent_at.clone(),
            done_sending.clone(),
            gateways[0].clone(),
            progress.clone(),
        );
        std::thread::spawn(move || {
            let agent = http_agent();
            let mut seen_height = height;
            let mut latencies_ms: Vec<u64> = Vec::new();
            let mut committed_hashes: Vec<Hash> = Vec::new();
            let (mut first_commit, mut last_commit) = (None::<Instant>, None::<Instant>);
            let mut drain_deadline: Option<Instant> = None;
            loop {
                if done_sending.load(Ordering::Relaxed) && drain_deadline.is_none() {
                    drain_deadline = Some(Instant::now() + Duration::from_secs(15));
                }
                let pending = sent_at.lock().unwrap_or_else(|p| p.into_inner()).len();
                if drain_deadline.is_some_and(|d| Instant::now() > d || pending == 0) {
                    break;
                }
                let Some(status) = get_json(&agent, &format!("{gateway}/v1/status")) else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let tip = status["height"].as_u64().unwrap_or(seen_height);
                while seen_height < tip {
                    let Some(block) =
                        get_json(&agent, &format!("{gateway}/v1/blocks/{}", seen_height + 1))
                    else {
                        break;
                    };
                    seen_height += 1;
                    let now = Instant::now();
                    let mut map = sent_at.lock().unwrap_or_else(|p| p.into_inner());
                    for hash in block["txs"].as_array().into_iter().flatten() {
                        let Some(hash) = hash.as_str().and_then(|h| Hash::from_hex(h).ok()) else {
                            continue;
                        };
                        if let Some(sent) = map.remove(&hash) {
                            latencies_ms.push(now.duration_since(sent).as_millis() as u64);
                            committed_hashes.push(hash);
                            first_commit.get_or_insert(now);
                            last_commit = Some(now);
                        }
                    }
                    progress.set_position(latencies_ms.len() as u64);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            (latencies_ms, committed_hashes, first_commit, last_commit)
        })
    };

    for sender in senders {
        let _ = sender.join();
    }
    let send_window_s = start.elapsed().as_secs_f64();
    done_sending.store(true, Ordering::Relaxed);
    let (mut latencies, committed_hashes, first_commit, last_commit) = watcher
        .join()
        .map_err(|_| anyhow::anyhow!("watcher thread failed"))?;
    progress.finish_and_clear();
    latencies.sort_unstable();
    let committed = latencies.len() as u64;
    // Throughput over the load window: from the start of sending to the last commit seen.
    let window = match (first_commit, last_commit) {
        (Some(_), Some(last)) => last.duration_since(start).as_secs_f64(),
        _ => 0.0,
    };

    // Which committed transactions the rules applied: a sample, since blocks do not carry outcomes.
    let (applied_in_sample, sample_size) = {
        let sample: Vec<Hash> = committed_hashes
            .iter()
            .step_by((committed_hashes.len() / 200).max(1))
            .copied()
            .collect();
        let applied = sample
            .iter()
            .filter(|hash| {
                get_json(&agent, &format!("{}/v1/txs/{hash}", gateways[0]))
                    .is_some_and(|tx| tx["outcome"]["status"] == "applied")
            })
            .count();
        (applied, sample.len())
    };

    // Proof phase: inclusion proofs for committed transactions (or those of --proof-hashes),
    // as fast as the gateway serves.
    let by_leaf = args.proof_leaves.is_some();
    let proof_hashes = match (&args.proof_hashes, &args.proof_leaves) {
        (Some(path), _) => read_hashes("--proof-hashes", path)?,
        (None, Some(path)) => read_hashes("--proof-leaves", path)?,
        (None, None) => committed_hashes,
    };
    // Proof requests answered with anything but a 200 and a JSON body (a damaged node's
    // `ledger_damaged`, a rate limit): counted, so a short figure is never silent.
    let proof_failures = Arc::new(AtomicU64::new(0));
    let (mut proof_latencies, proof_rate) = if args.proof_requests > 0 && !proof_hashes.is_empty() {
        let auditor = keys
            .member("audit", gongxin_core::model::Role::Auditor)
            .or_else(|| keys.members.iter().map(|m| &m.3).next())
            .context("the devnet has no members to sign proof reads with")?
            .clone();
        let hashes = Arc::new(proof_hashes);
        let next = Arc::new(AtomicUsize::new(0));
        let failures = proof_failures.clone();
        let started = Instant::now();
        let workers: Vec<_> = (0..args.concurrency)
            .map(|worker| {
                let (hashes, next, failures) = (hashes.clone(), next.clone(), failures.clone());
                let gateway = gateways[worker % gateways.len()].clone();
                let node_name = chosen[worker % gateways.len()].name.clone();
                let (auditor, chain_id) = (auditor.clone(), devnet.chain_id.clone());
                let requests = args.proof_requests;
                std::thread::spawn(move || {
                    let agent = http_agent();
                    let mut latencies = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= requests {
                            break;
                        }
                        let hash = hashes[(i * 7919) % hashes.len()];
                        let sent = Instant::now();
                        let (path, headers) = if by_leaf {
                            // Open to anyone: the audit path without the entry.
                            (format!("/v1/proofs/inclusion?leaf_hash={hash}"), Vec::new())
                        } else {
                            // A proof with its entry is a signed read (the auditor's).
                            let path = format!("/v1/proofs/inclusion?tx={hash}");
                            let Ok(nonce) = new_nonce() else { break };
                            let headers = sign_read_request(
                                &auditor,
                                &ReadRequest {
                                    chain_id: &chain_id,
                                    node: &node_name,
                                    method: "GET",
                                    path_and_query: &path,
                                    timestamp_ms: SystemClock.now_ms(),
                                    nonce: &nonce,
                                },
                            );
                            (path, headers.to_vec())
                        };
                        if get_json_with(&agent, &format!("{gateway}{path}"), &headers).is_some() {
                            latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                        } else {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    latencies
                })
            })
            .collect();
        let mut all = Vec::new();
        for worker in workers {
            all.extend(worker.join().unwrap_or_default());
        }
        let elapsed = started.elapsed().as_secs_f64();
        let rate = all.len() as f64 / elapsed.max(1e-9);
        (all, rate)
    } else {
        (Vec::new(), 0.0)
    };
    proof_latencies.sort_unstable_by(f64::total_cmp);

    let report = Report {
        target_rate: args.rate,
        duration_s: args.duration_s,
        signers,
        gateways: gateways.len(),
        submitted: total as u64,
        achieved_send_rate: total as f64 / send_window_s.max(1e-9),
        accepted: accepted.load(Ordering::Relaxed),
        refused_busy: busy.load(Ordering::Relaxed),
        refused_other: other.load(Ordering::Relaxed),
        committed,
        applied_in_sample,
        sample_size,
        committed_tx_per_s: if window > 0.0 {
            committed as f64 / window
        } else {
            0.0
        },
        latency_ms_p50: percentile(&latencies, 0.50),
        latency_ms_p99: percentile(&latencies, 0.99),
        latency_ms_max: latencies.last().copied().unwrap_or(0),
        proof_requests: proof_latencies.len(),
        proof_failures: proof_failures.load(Ordering::Relaxed),
        proof_requests_per_s: proof_rate,
        proof_latency_ms_p50: percentile(&proof_latencies, 0.50),
        proof_latency_ms_p99: percentile(&proof_latencies, 0.99),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "target {} tx/s for {} s, {} signer(s), {} gateway(s)",
            report.target_rate, report.duration_s, report.signers, report.gateways
        );
        println!(
            "submitted {} (at {:.0} tx/s)  accepted {}  refused: busy {} other {}",
            report.submitted,
            report.achieved_send_rate,
            report.accepted,
            report.refused_busy,
            report.refused_other
        );
        println!(
            "committed {}  → {:.0} tx/s   latency p50 {} ms  p99 {} ms  max {} ms",
            report.committed,
            report.committed_tx_per_s,
            report.latency_ms_p50,
            report.latency_ms_p99,
            report.latency_ms_max
        );
        println!(
            "applied by the rules: {} of a sample of {}",
            report.applied_in_sample, report.sample_size
        );
        if report.proof_requests > 0 || report.proof_failures > 0 {
            println!(
                "inclusion proofs{}: {} requests → {:.0} req/s   p50 {:.2} ms  p99 {:.2} ms   failed {}",
                if by_leaf { " (open, by leaf hash)" } else { "" },
                report.proof_requests,
                report.proof_requests_per_s,
                report.proof_latency_ms_p50,
                report.proof_latency_ms_p99,
                report.proof_failures
            );
        }
    }
    Ok(())
}
