//! Crash safety: a node killed with SIGKILL in the middle of a load comes back with every
//! transaction it had reported committed, a hash chain and a log that verify, and proofs that
//! check offline. Runs the real binary on 127.0.0.1; every wait is bounded and the process is
//! killed when the test ends, pass or fail.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gongxin_core::Hash;
use gongxin_core::audit::{InclusionProof, ProofBundle, verify_bundle};
use gongxin_core::block::BlockHeader;
use gongxin_core::crypto::Keypair;
use gongxin_core::model::Role;
use gongxin_devnet::http_agent;
use gongxin_node::clock::{Clock, SystemClock};
use gongxin_node::config::Limits;
use serde_json::Value;

mod common;
use common::process::{NodeProcess, single_validator, start};

fn get(agent: &ureq::Agent, url: &str) -> Option<(u16, Value)> {
    let mut response = agent.get(url).call().ok()?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().ok()?;
    Some((
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    ))
}

/// A signed read (`gongxin_core::request_auth`) of `path_and_query` on `base` by `key`, for
/// the node named `node` of chain `chain_id`, with a fresh nonce: the node accepts each signed
/// request once.
fn get_signed(
    agent: &ureq::Agent,
    base: &str,
    path_and_query: &str,
    chain_id: &str,
    node: &str,
    key: &Keypair,
) -> Option<(u16, Value)> {
    let headers = common::sign_get_for(chain_id, node, key, path_and_query, SystemClock.now_ms());
    let mut request = agent.get(&format!("{base}{path_and_query}"));
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let mut response = request.call().ok()?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().ok()?;
    Some((
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    ))
}

fn wait_healthy(agent: &ureq::Agent, base: &str, node: &mut NodeProcess) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        assert!(
            node.0.try_wait().unwrap().is_none(),
            "node exited during start-up"
        );
        if get(agent, &format!("{base}/health")).is_some_and(|(s, _)| s == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("node did not become healthy within 60 s");
}

#[test]
fn kill_9_during_load_loses_nothing_reported_committed() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, config, config_path) = single_validator(
        dir.path(),
        Limits {
            block_interval_ms: 20,
            ..Limits::default()
        },
    );
    let log_path = dir.path().join("node.log");
    let base = format!("http://{}", config.http);
    let agent = http_agent();

    let mut node = start(&config_path, &log_path);
    wait_healthy(&agent, &base, &mut node);

    // Load: one thread submits proposals as fast as the node takes them; this thread watches
    // which are reported committed, then kills the node mid-stream.
    // Signed before the clock starts, by the devnet's line specialists in turn.
    let load = keys.proposals("CRASH", 20_000, 0, 10_000);
    let submitted: Arc<Mutex<Vec<Hash>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let loader = {
        let (submitted, stop, base) = (submitted.clone(), stop.clone(), base.clone());
        std::thread::spawn(move || {
            let agent = http_agent();
            for tx in load {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let sent = agent
                    .post(&format!("{base}/v1/txs"))
                    .header("content-type", "application/json")
                    .send(serde_json::to_vec(&tx).unwrap());
                match sent {
                    Ok(response) if response.status().as_u16() == 202 => {
                        submitted.lock().unwrap().push(tx.hash())
                    }
                    Ok(_) => {}
                    Err(_) => break, // the node is gone
                }
            }
        })
    };

    let mut reported_committed: Vec<(Hash, u64, u64)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while reported_committed.len() < 200 && Instant::now() < deadline {
        let candidates: Vec<Hash> = submitted.lock().unwrap().clone();
        for hash in candidates.iter().skip(reported_committed.len()).take(50) {
            if let Some((200, json)) = get(&agent, &format!("{base}/v1/txs/{hash}"))
                && json["status"] == "committed"
            {
                reported_committed.push((
                    *hash,
                    json["height"].as_u64().unwrap(),
                    json["log_index"].as_u64().unwrap(),
                ));
            }
        }
    }
    assert!(
        reported_committed.len() >= 200,
        "load did not get going: {} committed",
        reported_committed.len()
    );
    node.0.kill().unwrap(); // SIGKILL, mid-load
    node.0.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    loader.join().unwrap();

    let mut node = start(&config_path, &log_path);
    wait_healthy(&agent, &base, &mut node);

    for (hash, height, log_index) in &reported_committed {
        let (status, json) = get(&agent, &format!("{base}/v1/txs/{hash}")).unwrap();
        assert_eq!(status, 200, "{hash} lost after the crash");
        assert_eq!(json["status"], "committed");
        assert_eq!(json["height"].as_u64(), Some(*height));
        assert_eq!(json["log_index"].as_u64(), Some(*log_index));
    }

    // The hash chain links and each header's log size only grows.
    let (_, status) = get(&agent, &format!("{base}/v1/status")).unwrap();
    let height = status["height"].as_u64().unwrap();
    let mut previous: Option<BlockHeader> = None;
    for h in 0..=height {
        let (code, json) = get(&agent, &format!("{base}/v1/blocks/{h}")).unwrap();
        assert_eq!(code, 200);
        let header: BlockHeader = serde_json::from_value(json["header"].clone()).unwrap();
        assert_eq!(json["hash"].as_str().unwrap(), header.hash().to_hex());
        if let Some(prev) = &previous {
            assert_eq!(header.prev_hash, prev.hash(), "chain broken at {h}");
            assert!(header.log_size >= prev.log_size);
        }
        previous = Some(header);
    }

    // Proofs against the checkpoint after restart verify offline for a sample of the entries.
    // A proof by transaction carries the entry, so it is a signed read: an auditor's, who may
    // read every entry, addressed to this node by its name.
    let mut response = agent.get(&format!("{base}/v1/checkpoint")).call().unwrap();
    let note = response.body_mut().read_to_string().unwrap();
    let auditor = keys.member("audit", Role::Auditor).unwrap();
    for (hash, _, _) in reported_committed.iter().step_by(37) {
        let (code, json) = get_signed(
            &agent,
            &base,
            &format!("/v1/proofs/inclusion?tx={hash}"),
            &keys.genesis.chain_id,
            &config.name,
            auditor,
        )
        .unwrap();
        assert_eq!(code, 200, "{json}");
        let proof: InclusionProof = serde_json::from_value(json).unwrap();
        let bundle = ProofBundle {
            tx_hash: *hash,
            proof,
            checkpoint: note.clone(),
            handovers: Vec::new(),
        };
        verify_bundle(&keys.genesis, &bundle).unwrap();
    }
}
