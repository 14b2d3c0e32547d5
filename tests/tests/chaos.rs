//! Perturbation runs with real processes: four validators under a steady load of client
//! transactions while, one at a time, a random validator is killed (`kill -9`) and restarted,
//! paused (SIGSTOP) and resumed, or cut off from the others and reconnected. With at most one
//! faulty at any moment, three of four — a quorum — remain. Afterwards every transaction a node
//! acknowledged is committed on every node, at one place, the same everywhere, and the chains
//! are identical. A node killed before it gossiped a transaction loses it from its mempool (a
//! 202 promises "pending", not "durable"), so the client here does what a real one does: it
//! resubmits what is still pending, which is harmless because a transaction is known by its
//! hash.
//!
//! `GONGXIN_CHAOS_SECONDS` (default 30, what `scripts/test` runs) sets how long perturbations
//! go on, `GONGXIN_SEED` which ones (the seed is printed; the same seed makes the same
//! choices). `scripts/chaos --minutes N` runs it longer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gongxin_cluster_tests::Cluster;
use gongxin_core::tx::SignedTx;

const START: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(120);
/// Client transactions per second during the run.
const RATE: u64 = 10;

/// xorshift64*: a seed replays the same perturbations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Kill,
    Pause,
    Isolate,
}

const FAULTS: [Fault; 3] = [Fault::Kill, Fault::Pause, Fault::Isolate];

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Submits `tx` to `url` (canonical bytes); the HTTP status, 0 when there was no answer.
fn submit(agent: &ureq::Agent, url: &str, tx: &SignedTx) -> u16 {
    agent
        .post(format!("{url}/v1/txs"))
        .header("content-type", "application/octet-stream")
        .send(&tx.to_bytes()[..])
        .map(|response| response.status().as_u16())
        .unwrap_or(0)
}

#[test]
fn chaos_n4() {
    let seconds = env_u64("GONGXIN_CHAOS_SECONDS", 30);
    let seed = env_u64("GONGXIN_SEED", 20_261_203);
    eprintln!("chaos: {seconds} s of perturbations, GONGXIN_SEED={seed}");
    let mut rng = Rng::new(seed);
    let (mut cluster, links) = Cluster::start_with_links(4);
    let all = [0, 1, 2, 3];
    assert!(
        cluster.wait_height(&all, 1, START),
        "no start:\n{}",
        cluster.log(0)
    );

    // The load: a client sending RATE transactions a second, round robin over the gateways.
    let height = cluster.height(0).expect("height");
    let txs = cluster.proposals("CHAOS", ((seconds + 30) * RATE) as usize, height);
    let urls: Vec<String> = cluster.nodes.iter().map(|n| n.http.clone()).collect();
    let acknowledged = Arc::new(Mutex::new(Vec::<SignedTx>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(2)))
                .http_status_as_error(false)
                .build()
                .into();
            for (k, tx) in txs.into_iter().enumerate() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if matches!(submit(&agent, &urls[k % urls.len()], &tx), 200 | 202) {
                    acknowledged.lock().expect("lock").push(tx);
                }
                std::thread::sleep(Duration::from_millis(1000 / RATE));
            }
        })
    };

    // The perturbations, one validator at a time.
    let mut applied = [0u32; 3];
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        let victim = rng.below(4) as usize;
        let kind = rng.below(3) as usize;
        let hold = Duration::from_millis(1_000 + rng.below(3_000));
        match FAULTS[kind] {
            Fault::Kill => cluster.kill(victim),
            Fault::Pause => cluster.pause(victim),
            Fault::Isolate => links.isolate(victim),
        }
        std::thread::sleep(hold);
        match FAULTS[kind] {
            Fault::Kill => cluster.start_node(victim),
            Fault::Pause => cluster.resume(victim),
            Fault::Isolate => links.heal(),
        }
        applied[kind] += 1;
        // Time to rejoin before the next fault, so a quorum stays.
        std::thread::sleep(Duration::from_millis(2_000 + rng.below(2_000)));
    }
    stop.store(true, Ordering::Relaxed);
    load.join().expect("the load thread");
    let acknowledged = acknowledged.lock().expect("lock").clone();

    // Everyone catches up with where the chain is.
    let tip = (0..4)
        .filter_map(|i| cluster.height(i))
        .max()
        .expect("a node answers");
    assert!(
        cluster.wait_height(&all, tip, SETTLE),
        "not every validator caught up with height {tip} (at {:?}):\n{}",
        (0..4).map(|i| cluster.height(i)).collect::<Vec<_>>(),
        cluster.log(0)
    );
    // The client resubmits what is still pending, to every gateway.
    let resubmitted = cluster
        .settle_committed(&acknowledged, SETTLE)
        .unwrap_or_else(|missing| {
            panic!(
                "{missing} of {} acknowledged transactions are not committed on every node (seed {seed}):\n{}",
                acknowledged.len(),
                cluster.log(0)
            )
        });
    cluster.assert_agree(&all);
    cluster.assert_committed_once(&acknowledged);
    eprintln!(
        "chaos: seed {seed}: {} kills, {} pauses, {} isolations in {seconds} s; {} transactions acknowledged, all committed once on all 4 nodes ({} resubmissions); {} blocks; 0 lost",
        applied[0],
        applied[1],
        applied[2],
        acknowledged.len(),
        resubmitted,
        cluster.height(0).unwrap_or(0)
    );
}
