//! Crash recovery at every persistence point (`gongxin_node::crash::POINTS`): validator 1 is
//! restarted with one crash point armed, runs under a client load until it aborts exactly
//! there, and is started again unarmed. After every point it must catch up with the others;
//! at the end every transaction the client sent is committed on all four nodes (the client
//! resubmits those a dead node held only in its mempool), at the same place, the chains agree,
//! and no validator was caught signing twice.

use std::time::{Duration, Instant};

use gongxin_cluster_tests::Cluster;
use gongxin_core::tx::SignedTx;
use gongxin_node::crash::POINTS;

const START: Duration = Duration::from_secs(60);
/// How long the armed node may run before it must have reached its crash point.
const REACH: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(120);
const ALL: [usize; 4] = [0, 1, 2, 3];

#[test]
fn a_validator_recovers_from_a_crash_at_every_persistence_point() {
    let mut cluster = Cluster::start(4);
    assert!(
        cluster.wait_height(&ALL, 1, START),
        "no start:\n{}",
        cluster.log(0)
    );
    let mut sent: Vec<SignedTx> = Vec::new();
    for (n, point) in POINTS.iter().enumerate() {
        cluster.kill(1);
        // A few passes first, so the crash comes mid-run rather than at start-up.
        cluster.nodes[1].env = vec![("FAILPOINTS".into(), format!("{point}=3*off->return"))];
        cluster.start_node(1);
        let deadline = Instant::now() + REACH;
        let mut round = 0;
        while cluster.is_running(1) {
            assert!(
                Instant::now() < deadline,
                "crash point {point} was not reached in {} s:\n{}",
                REACH.as_secs(),
                cluster.log(1)
            );
            let height = cluster.height(0).unwrap_or(1);
            let txs = cluster.proposals(&format!("CP{n}R{round}"), 4, height);
            for (k, tx) in txs.iter().enumerate() {
                cluster.submit(ALL[k % 4], tx);
            }
            sent.extend(txs);
            round += 1;
            std::thread::sleep(Duration::from_millis(300));
        }
        let log = cluster.log(1);
        assert!(
            log.contains(&format!("crash point {point}: aborting")),
            "validator 1 stopped, but not at {point}:\n{log}"
        );
        cluster.kill(1); // reaps the aborted process
        cluster.nodes[1].env.clear();
        cluster.start_node(1);
        let tip = [0, 2, 3]
            .iter()
            .filter_map(|&i| cluster.height(i))
            .max()
            .expect("the others answer");
        assert!(
            cluster.wait_height(&ALL, tip + 1, SETTLE),
            "after a crash at {point} validator 1 did not catch up with height {tip}:\n{}",
            cluster.log(1)
        );
        eprintln!(
            "crash point {point}: crashed after {round} load rounds, recovered past height {tip}"
        );
    }
    if let Err(missing) = cluster.settle_committed(&sent, SETTLE) {
        panic!(
            "{missing} transactions sent are not committed on every node:\n{}",
            cluster.log(1)
        );
    }
    cluster.assert_agree(&ALL);
    cluster.assert_committed_once(&sent);
    cluster.assert_no_equivocation();
    eprintln!(
        "{} crash points, each crashed and recovered; {} transactions committed once on all 4 nodes",
        POINTS.len(),
        sent.len()
    );
}
