//! Four validators (finance, audit, two line departments), each its own process, agreeing by
//! BFT consensus. Named by topology and fault: `n4f0` (no fault), `n4f1_crash` (one killed),
//! `n4_restart` (the killed one comes back and catches up), `n4f1_byzantine` (one equivocates),
//! `n4f1_gossip_flood` (one floods transaction gossip with transactions whose signatures fail),
//! `n4f1_vote_flood` (one floods consensus with votes whose signatures fail).

use gongxin_node::clock::{Clock, SystemClock};
use std::time::Duration;

use gongxin_cluster_tests::Cluster;
use gongxin_node::config::{GossipFlood, VoteFlood};

const START: Duration = Duration::from_secs(60);
const COMMIT: Duration = Duration::from_secs(90);

fn all_committed(cluster: &Cluster, nodes: &[usize], txs: &[gongxin_core::tx::SignedTx]) -> bool {
    nodes
        .iter()
        .all(|&i| txs.iter().all(|tx| cluster.is_committed(i, tx)))
}

#[test]
fn n4f0() {
    let cluster = Cluster::start(4);
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], 1, START),
        "no first block on every node:\n{}",
        cluster.log(0)
    );
    // A transaction submitted at any gateway is gossiped and committed once, everywhere.
    let txs = cluster.proposals("N4F0", 40, 1);
    cluster.submit_all(&txs, &[0, 1, 2, 3]);
    assert!(
        cluster.wait_for(COMMIT, |c| all_committed(c, &[0, 1, 2, 3], &txs)),
        "transactions not committed on every node:\n{}",
        cluster.log(0)
    );
    cluster.assert_agree(&[0, 1, 2, 3]);
    for i in 0..4 {
        cluster.assert_checkpoint_quorum(i);
    }
    no_record_content_on_disk(&cluster);
}

/// A project whose internal description carries a marker is committed; no file under any
/// node's data directory — RocksDB's SST and WAL files, Malachite's consensus write-ahead log
/// — holds the marker in clear.
fn no_record_content_on_disk(cluster: &Cluster) {
    use gongxin_core::model::{Disclosure, Operation, ProjectProposal};
    const MARKER: &str = "N4-SEALED-MARKER-3f9d2c";
    let now = SystemClock.now_ms();
    let proposal = ProjectProposal {
        id: "N4-SEALED-1".into(),
        name: "sealed at rest".into(),
        category: "smart-city/transport".into(),
        location: "高新区".into(),
        programme: None,
        planned_start_ms: now,
        planned_end_ms: now + 86_400_000,
        requested_budget_fen: 100_000,
        disclosure: Disclosure::Internal,
        description: format!("{MARKER} in the internal description"),
    };
    let signer = cluster.member_key("transport-specialist");
    let height = cluster.height(0).unwrap_or(1);
    let tx = cluster.tx(&signer, Operation::ProposeProject(proposal), height, 77);
    cluster.commit(0, &tx, COMMIT);
    let mut files = 0;
    for node in &cluster.nodes {
        let mut pending = vec![node.config.data_dir.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                files += 1;
                assert!(
                    !bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()),
                    "{} holds record content in clear",
                    path.display()
                );
            }
        }
    }
    assert!(files > 8, "only {files} files looked at");
}

#[test]
fn n4f1_crash() {
    let mut cluster = Cluster::start(4);
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], 2, START),
        "no start:\n{}",
        cluster.log(0)
    );
    cluster.kill(3);
    let before = cluster.height(0).expect("height");
    let txs = cluster.proposals("N4F1", 30, before);
    cluster.submit_all(&txs, &[0, 1, 2]);
    assert!(
        cluster.wait_for(COMMIT, |c| all_committed(c, &[0, 1, 2], &txs)),
        "three of four validators did not commit:\n{}",
        cluster.log(0)
    );
    // The survivors keep going, including the heights the dead validator should propose.
    assert!(
        cluster.wait_height(&[0, 1, 2], before + 6, COMMIT),
        "chain stalled without one validator:\n{}",
        cluster.log(0)
    );
    cluster.assert_agree(&[0, 1, 2]);
    cluster.assert_checkpoint_quorum(0);
}

#[test]
fn n4_restart() {
    let mut cluster = Cluster::start(4);
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], 2, START),
        "no start:\n{}",
        cluster.log(0)
    );
    cluster.kill(2);
    let before = cluster.height(0).expect("height");
    let txs = cluster.proposals("N4RS", 30, before);
    cluster.submit_all(&txs, &[0, 1, 3]);
    assert!(
        cluster.wait_for(COMMIT, |c| all_committed(c, &[0, 1, 3], &txs)),
        "not committed while one validator was down:\n{}",
        cluster.log(0)
    );
    let target = cluster.height(0).expect("height");
    // Back from kill -9: it replays its write-ahead log, rejoins, and syncs what it missed,
    // checking every certificate.
    cluster.start_node(2);
    assert!(
        cluster.wait_height(&[2], target, COMMIT),
        "restarted validator did not catch up to {target}:\n{}",
        cluster.log(2)
    );
    assert!(
        cluster.is_running(2),
        "restarted validator exited:\n{}",
        cluster.log(2)
    );
    assert!(all_committed(&cluster, &[2], &txs));
    // And it takes part again: the chain moves on with all four.
    let later = cluster.height(0).expect("height") + 3;
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], later, COMMIT),
        "no progress after the restart:\n{}",
        cluster.log(2)
    );
    cluster.assert_agree(&[0, 1, 2, 3]);
    // Its write-ahead log made it re-derive, not re-sign: nobody saw it sign twice.
    cluster.assert_no_equivocation();
}

#[test]
fn n4_partition() {
    let (cluster, links) = Cluster::start_with_links(4);
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], 2, START),
        "no start:\n{}",
        cluster.log(0)
    );
    links.isolate(3);
    let cut_at = cluster.height(3).expect("height");
    let before = cluster.height(0).expect("height");
    let txs = cluster.proposals("N4PT", 30, before);
    cluster.submit_all(&txs, &[0, 1, 2]);
    assert!(
        cluster.wait_for(COMMIT, |c| all_committed(c, &[0, 1, 2], &txs)),
        "the majority side did not commit:\n{}",
        cluster.log(0)
    );
    assert!(
        cluster.wait_height(&[0, 1, 2], before + 4, COMMIT),
        "majority stalled"
    );
    // Alone, the isolated validator cannot decide anything (it holds 1/4 of the power): at
    // most the height it was finishing when cut.
    let isolated = cluster
        .height(3)
        .expect("the isolated node still serves reads");
    assert!(
        isolated <= cut_at + 1,
        "an isolated validator committed {isolated} (cut at {cut_at})"
    );
    links.heal();
    let target = cluster.height(0).expect("height");
    assert!(
        cluster.wait_height(&[3], target, COMMIT),
        "the healed validator did not catch up to {target}:\n{}",
        cluster.log(3)
    );
    assert!(all_committed(&cluster, &[3], &txs));
    // No fork: the healed node's chain is the majority's, block for block.
    cluster.assert_agree(&[0, 1, 2, 3]);
}

#[test]
fn n4_one_link_down_is_one_fault_and_with_a_validator_cut_off_two() {
    // Consensus messages are not relayed (`Broadcast`), so a link down between validators 0
    // and 1 means they never hear each other's votes or proposals.
    let (cluster, links) = Cluster::start_with_links(4);
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], 2, START),
        "no start:\n{}",
        cluster.log(0)
    );
    // That alone is one fault: 2 and 3 hear everyone and decide, 0 and 1 learn the rest by
    // value sync.
    links.cut(0, 1);
    let before = cluster.height(2).expect("height");
    let txs = cluster.proposals("N4L1", 20, before);
    cluster.submit_all(&txs, &[0, 1, 2, 3]);
    assert!(
        cluster.wait_for(COMMIT, |c| all_committed(c, &[0, 1, 2, 3], &txs)),
        "no commit with one link down:\n{}",
        cluster.log(1)
    );
    // With validator 3 cut off as well, the three left cannot decide (two faults where four
    // validators tolerate one; gossipsub, relaying through validator 2, got through this:
    // RELIABILITY.md). Once the link is mended, one fault is left: the three commit what was
    // submitted meanwhile.
    links.isolate(3);
    let before = cluster.height(2).expect("height");
    let txs = cluster.proposals("N4L2", 20, before);
    cluster.submit_all(&txs, &[0, 1, 2]);
    std::thread::sleep(Duration::from_secs(10));
    let meanwhile = cluster.height(2).expect("height");
    eprintln!(
        "heights {before} → {meanwhile} in 10 s with one validator cut off and one link down"
    );
    links.mend(0, 1);
    assert!(
        cluster.wait_for(COMMIT, |c| all_committed(c, &[0, 1, 2], &txs)),
        "no commit once the link was mended:\n{}\n--- validator 2:\n{}",
        cluster.log(0),
        cluster.log(2)
    );
    links.heal();
    let target = cluster.height(0).expect("height");
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], target, COMMIT),
        "no catch-up once healed:\n{}",
        cluster.log(3)
    );
    cluster.assert_agree(&[0, 1, 2, 3]);
}

#[test]
fn n4f1_byzantine() {
    // Validator 3 signs two different proposals and two different votes in every round it can
    // (Malachite's Byzantine network proxy, with a conflicting header and a block id that does
    // not exist). The honest three must agree on one chain and keep committing.
    let cluster = Cluster::start_with(4, |i, config| {
        if i == 3 {
            // Malachite's `ByzantineConfig`, as the config file carries it.
            let byzantine = serde_json::json!({
                "equivocate_votes": { "mode": "always" },
                "equivocate_proposals": { "mode": "always" },
                "seed": 7,
            });
            config.consensus.as_mut().expect("consensus").byzantine = Some(byzantine);
        }
    });
    assert!(
        cluster.wait_height(&[0, 1, 2], 2, START),
        "no start:\n{}",
        cluster.log(0)
    );
    let before = cluster.height(0).expect("height");
    let txs = cluster.proposals("N4BZ", 30, before);
    cluster.submit_all(&txs, &[0, 1, 2]);
    assert!(
        cluster.wait_for(COMMIT, |c| all_committed(c, &[0, 1, 2], &txs)),
        "honest validators did not commit past an equivocating one:\n{}",
        cluster.log(0)
    );
    assert!(
        cluster.wait_height(&[0, 1, 2], before + 8, COMMIT),
        "stalled:\n{}",
        cluster.log(0)
    );
    cluster.assert_agree(&[0, 1, 2]);
    cluster.assert_checkpoint_quorum(0);
    // The honest nodes saw the double votes and kept the evidence.
    let evidence: u64 = (0..3)
        .filter_map(|i| cluster.metric(i, "gongxin_equivocation_evidence_total"))
        .sum();
    assert!(
        evidence > 0,
        "no equivocation recorded by any honest validator"
    );
}

/// The honest three (0–2) of a cluster whose validator 3 floods: they start, each bans the
/// flooder (`ban_metric` ≥ 1), then commit 30 transactions their clients send (`tag`), and agree.
fn honest_three_ban_the_flooder_and_commit(cluster: &Cluster, ban_metric: &str, tag: &str) {
    assert!(
        cluster.wait_height(&[0, 1, 2], 2, START),
        "no start:\n{}",
        cluster.log(0)
    );
    let banned = |c: &Cluster, i: usize| c.metric(i, ban_metric).unwrap_or(0) >= 1;
    assert!(
        cluster.wait_for(COMMIT, |c| (0..3).all(|i| banned(c, i))),
        "the honest validators did not disconnect the flooder:\n{}\n--- the flooder:\n{}",
        cluster.log(0),
        cluster.log(3)
    );
    let before = cluster.height(0).expect("height");
    let txs = cluster.proposals(tag, 30, before);
    cluster.submit_all(&txs, &[0, 1, 2]);
    assert!(
        cluster.wait_for(COMMIT, |c| all_committed(c, &[0, 1, 2], &txs)),
        "honest validators did not commit while one flooded:\n{}",
        cluster.log(0)
    );
    cluster.assert_agree(&[0, 1, 2]);
}

#[test]
fn n4f1_gossip_flood() {
    // Validator 3 floods its gossip peers: every 20 ms a batch of 256 transactions that claim a
    // member as signer but carry another key's signature, so each costs a receiver a signature
    // check before it can be rejected. The honest three disconnect it after three rejected
    // batches, and keep gossiping and committing what their clients send.
    let cluster = Cluster::start_with(4, |i, config| {
        if i == 3 {
            config.consensus.as_mut().expect("consensus").gossip_flood = Some(GossipFlood {
                every_ms: 20,
                txs: 256,
            });
        }
    });
    honest_three_ban_the_flooder_and_commit(&cluster, "gongxin_gossip_peer_bans_total", "N4GF");
    for i in 0..3 {
        let rejected = cluster
            .metric(i, "gongxin_gossip_batches_rejected_total")
            .unwrap_or(0);
        assert!(rejected >= 3, "node {i} rejected {rejected} batches");
        // None of the flood reached a pool: every transaction admitted is the clients'.
        let pool = cluster.metric(i, "gongxin_mempool_txs").unwrap_or(u64::MAX);
        assert_eq!(pool, 0, "node {i} still holds {pool} transactions");
        // What the flood cost (the figure RELIABILITY.md reports).
        eprintln!(
            "node {i}: {rejected} batches rejected, {} ignored, {} bans, {} signature checks",
            cluster
                .metric(i, "gongxin_gossip_batches_ignored_total")
                .unwrap_or(0),
            cluster
                .metric(i, "gongxin_gossip_peer_bans_total")
                .unwrap_or(0),
            cluster
                .metric(i, "gongxin_signature_checks_total")
                .unwrap_or(0),
        );
    }
}

#[test]
fn n4f1_vote_flood() {
    // Validator 3 publishes, every 20 ms, 100 votes it claims the others signed, for the rounds
    // just ahead, under its own vote's signature: 5,000 a second, each costing a receiver a
    // signature check before it is refused. The honest three drop what is over its budget
    // unchecked, disconnect it once it keeps on, and commit what their clients send.
    let cluster = Cluster::start_with(4, |i, config| {
        if i == 3 {
            config.consensus.as_mut().expect("consensus").vote_flood = Some(VoteFlood {
                every_ms: 20,
                votes: 100,
            });
        }
    });
    honest_three_ban_the_flooder_and_commit(&cluster, "gongxin_consensus_peer_bans_total", "N4VF");
    for i in 0..3 {
        let dropped = cluster
            .metric(i, "gongxin_consensus_messages_over_budget_total")
            .unwrap_or(0);
        let floor = gongxin_node::consensus::guard::DROPS_BEFORE_BAN as u64;
        assert!(dropped >= floor, "node {i} dropped {dropped} messages");
        // What the flood cost (the figure RELIABILITY.md reports).
        eprintln!(
            "node {i}: {dropped} messages dropped unchecked, {} bans",
            cluster
                .metric(i, "gongxin_consensus_peer_bans_total")
                .unwrap_or(0),
        );
    }
    // Each honest node says whom it disconnected and why, and its network did disconnect it.
    for i in 0..3 {
        let log = std::fs::read_to_string(cluster.nodes[i].config_path.with_file_name("node.log"))
            .expect("node log");
        for said in [
            "disconnected for 60 s",
            "consensus peers updated: Remove(",
            "Disconnecting from removed persistent peer",
        ] {
            assert!(
                log.contains(said),
                "node {i} never said {said:?}:\n{}",
                cluster.log(i)
            );
        }
    }
}

/// Runs the node on `config` (written to `path`) without the test switch; its stderr, after
/// checking it refused to run.
fn refused_without_switch(
    config: &gongxin_node::config::NodeConfig,
    path: &std::path::Path,
) -> String {
    std::fs::write(path, serde_json::to_string(config).expect("json")).expect("write");
    let output = std::process::Command::new(gongxin_cluster_tests::node_binary())
        .args(["run", "--config"])
        .arg(path)
        .env_remove(gongxin_node::config::ALLOW_BYZANTINE_ENV)
        .output()
        .expect("run node");
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_byzantine_config_is_refused_without_the_test_switch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, configs) =
        gongxin_devnet::write_node_configs(dir.path(), 4, gongxin_cluster_tests::free_base_port(4))
            .expect("configs");
    let (mut config, path) = configs.into_iter().next().expect("a config");
    config.consensus.as_mut().expect("consensus").byzantine =
        Some(serde_json::json!({ "drop_votes": { "mode": "always" } }));
    let stderr = refused_without_switch(&config, &path);
    assert!(stderr.contains("GONGXIN_ALLOW_BYZANTINE"), "{stderr}");
    // The same for a gossip flood: refused when consensus starts, before anything is sent.
    let consensus = config.consensus.as_mut().expect("consensus");
    consensus.byzantine = None;
    consensus.gossip_flood = Some(GossipFlood {
        every_ms: 20,
        txs: 1,
    });
    let stderr = refused_without_switch(&config, &path);
    assert!(
        stderr.contains("gossip_flood") && stderr.contains("GONGXIN_ALLOW_BYZANTINE"),
        "{stderr}"
    );
    // And a vote flood.
    let consensus = config.consensus.as_mut().expect("consensus");
    consensus.gossip_flood = None;
    consensus.vote_flood = Some(VoteFlood {
        every_ms: 20,
        votes: 1,
    });
    let stderr = refused_without_switch(&config, &path);
    assert!(
        stderr.contains("vote_flood") && stderr.contains("GONGXIN_ALLOW_BYZANTINE"),
        "{stderr}"
    );
}

#[test]
fn n4f0_sm2() {
    // The same consortium with SM2 validator keys: votes, proposals, certificates and
    // checkpoint signatures all in SM2/SM3, and the members sign their transactions with SM2.
    let cluster = Cluster::start_with_algorithm(4, gongxin_core::crypto::Algorithm::Sm2);
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], 1, START),
        "no first block with SM2 validators:\n{}",
        cluster.log(0)
    );
    let txs = cluster.proposals("N4SM2", 20, 1);
    cluster.submit_all(&txs, &[0, 1, 2, 3]);
    assert!(
        cluster.wait_for(COMMIT, |c| all_committed(c, &[0, 1, 2, 3], &txs)),
        "not committed with SM2 validators:\n{}",
        cluster.log(0)
    );
    let validators = cluster.validator_set_at(0, 1);
    assert!(
        validators
            .validators()
            .iter()
            .all(|v| v.public_key.algorithm() == gongxin_core::crypto::Algorithm::Sm2)
    );
    cluster.assert_agree(&[0, 1, 2, 3]);
    for i in 0..4 {
        cluster.assert_checkpoint_quorum(i);
    }
    no_record_content_on_disk(&cluster);
}
