//! A validator whose database is damaged is found out by `gongxin-node check`, set aside by
//! `gongxin-node resync`, and rebuilt from the other three: it re-executes every block, holds
//! every transaction the others committed, agrees with them, passes the check, and votes
//! again without ever signing twice. A validator whose consensus write-ahead log is damaged
//! while it is down — entries flipped and cut, or the header torn — rejoins too.

use std::process::{Command, Output};
use std::time::Duration;

use gongxin_cluster_tests::{Cluster, node_binary};

const START: Duration = Duration::from_secs(60);
const COMMIT: Duration = Duration::from_secs(90);

fn offline(command: &str, cluster: &Cluster, i: usize) -> Output {
    Command::new(node_binary())
        .args([command, "--config"])
        .arg(&cluster.nodes[i].config_path)
        .output()
        .expect("run gongxin-node")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_damaged_validator_is_checked_set_aside_and_rebuilt_from_its_peers() {
    let mut cluster = Cluster::start(4);
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], 2, START),
        "no start:\n{}",
        cluster.log(0)
    );
    let txs = cluster.proposals("RESYNC", 20, cluster.height(0).expect("height"));
    cluster.submit_all(&txs, &[0, 1, 2, 3]);
    assert!(
        cluster.wait_for(COMMIT, |c| (0..4)
            .all(|i| txs.iter().all(|tx| c.is_committed(i, tx)))),
        "not committed:\n{}",
        cluster.log(0)
    );

    // Never under a running node.
    let refused = offline("resync", &cluster, 2);
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(
        text(&refused).contains("stop the node first"),
        "{}",
        text(&refused)
    );

    cluster.kill(2);
    let clean = offline("check", &cluster, 2);
    assert!(clean.status.success(), "{}", text(&clean));
    assert!(text(&clean).contains("all hold"), "{}", text(&clean));

    // The MANIFEST cut to half: RocksDB alone would open an empty database.
    let data_dir = cluster.nodes[2].config.data_dir.clone();
    let manifest = std::fs::read_dir(&data_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("MANIFEST-"))
        })
        .expect("a MANIFEST");
    let length = std::fs::metadata(&manifest).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&manifest)
        .unwrap()
        .set_len(length / 2)
        .unwrap();
    let damaged = offline("check", &cluster, 2);
    assert!(!damaged.status.success(), "{}", text(&damaged));
    // Refused at open: behind its height mark, or a log node missing from the tip's tree
    // (which it is depends on where the cut falls among the MANIFEST's records).
    assert!(
        text(&damaged).contains("cannot open the ledger"),
        "{}",
        text(&damaged)
    );

    let moved = offline("resync", &cluster, 2);
    assert!(moved.status.success(), "{}", text(&moved));
    assert!(!data_dir.exists(), "the damaged database is still in place");
    let set_aside: Vec<String> = std::fs::read_dir(data_dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".set-aside-"))
        .collect();
    assert_eq!(
        set_aside.len(),
        2,
        "the database and its height mark: {set_aside:?}"
    );
    assert!(
        set_aside.iter().any(|n| n.ends_with(".tip")),
        "its height mark went with it: {set_aside:?}"
    );
    assert!(
        text(&moved).contains("had committed height"),
        "{}",
        text(&moved)
    );

    cluster.start_node(2);
    let target = cluster.height(0).expect("height");
    assert!(
        cluster.wait_height(&[2], target, COMMIT),
        "the rebuilt validator did not reach {target}:\n{}",
        cluster.log(2)
    );
    assert!(txs.iter().all(|tx| cluster.is_committed(2, tx)));
    // It takes part again: the chain moves on with all four.
    let later = cluster.height(0).expect("height") + 3;
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], later, COMMIT),
        "no progress after the rebuild:\n{}",
        cluster.log(2)
    );
    cluster.assert_agree(&[0, 1, 2, 3]);
    cluster.assert_no_equivocation();
    cluster.kill(2);
    let rebuilt = offline("check", &cluster, 2);
    assert!(rebuilt.status.success(), "{}", text(&rebuilt));
}

/// `resync` moves the consensus write-ahead log away with the database, so the rebuilt
/// validator no longer knows which votes it signed. It must sign nothing at or below its
/// do-not-sign mark, and sign again above it. Here the operator gives a network height ahead
/// of the chain (its own height mark is lost), so the mark lies in the future and the follower
/// phase is long enough to watch.
#[test]
fn a_rebuilt_validator_signs_nothing_at_or_below_its_do_not_sign_mark() {
    // Empty blocks every 300 ms, so the chain passes the mark without load.
    let mut cluster = Cluster::start_with(4, |_, config| {
        config.limits.empty_block_interval_ms = 300;
    });
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], 3, START),
        "no start:\n{}",
        cluster.log(0)
    );
    cluster.kill(2);
    let stopped_at = cluster.height(0).expect("height");
    let data_dir = cluster.nodes[2].config.data_dir.clone();
    let mark = gongxin_node::sign_guard::path(&data_dir);

    // Its height mark lost, and its database unreadable (`CURRENT` names a MANIFEST that is
    // not there): no safe height is known, so nothing moves.
    std::fs::remove_file(gongxin_node::storage::tip_mark_path(&data_dir)).unwrap();
    let current = std::fs::read(data_dir.join("CURRENT")).unwrap();
    std::fs::write(data_dir.join("CURRENT"), "MANIFEST-999999\n").unwrap();
    let refused = offline("resync", &cluster, 2);
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(
        text(&refused).contains("--network-height"),
        "{}",
        text(&refused)
    );
    assert!(data_dir.join("CURRENT").exists() && !mark.exists());
    std::fs::write(data_dir.join("CURRENT"), current).unwrap();

    let network_height = stopped_at + 12;
    let guard = network_height + 1;
    let moved = Command::new(node_binary())
        .args([
            "resync",
            "--network-height",
            &network_height.to_string(),
            "--config",
        ])
        .arg(&cluster.nodes[2].config_path)
        .output()
        .unwrap();
    assert!(moved.status.success(), "{}", text(&moved));
    assert!(
        text(&moved).contains(&format!("committed height {guard}")),
        "{}",
        text(&moved)
    );
    assert_eq!(
        std::fs::read_to_string(&mark).unwrap(),
        format!("do-not-sign-through {guard}\n")
    );

    cluster.start_node(2);
    // While the mark holds it follows: it commits the others' blocks and signs nothing.
    let mut followed = 0;
    let resumed = cluster.wait_for(COMMIT, |c| {
        let paused = c.metric(2, "gongxin_consensus_signing_paused_through");
        let height = c.height(2).unwrap_or(0);
        if paused == Some(guard) && height > stopped_at && height < guard {
            assert_eq!(
                c.metric(2, "gongxin_consensus_lowest_signed_height"),
                Some(0),
                "signed while following, at height {height}"
            );
            // What an operator sees in `gongxin status`.
            if let Some(status) = c.status(2) {
                let shown = status["signing_paused_through"].as_u64();
                assert!(
                    shown == Some(guard) || c.height(2).is_some_and(|h| h >= guard),
                    "/v1/status says {shown:?} while following through {guard}"
                );
            }
            followed += 1;
        }
        paused == Some(0) && height > guard + 2
    });
    assert!(
        resumed,
        "the rebuilt validator did not pass its mark:\n{}",
        cluster.log(2)
    );
    assert!(
        followed > 0,
        "never seen following below its mark:\n{}",
        cluster.log(2)
    );
    assert!(!mark.exists(), "the mark stays after the chain passed it");
    assert!(
        cluster.status(2).expect("status")["signing_paused_through"].is_null(),
        "/v1/status still reports signing paused"
    );
    // It signs again, and never at or below the mark.
    assert!(
        cluster.wait_for(COMMIT, |c| c
            .metric(2, "gongxin_consensus_lowest_signed_height")
            .is_some_and(|h| h > 0)),
        "it never signed again:\n{}",
        cluster.log(2)
    );
    let lowest = cluster
        .metric(2, "gongxin_consensus_lowest_signed_height")
        .unwrap();
    assert!(
        lowest > guard,
        "signed at {lowest}, at or below its mark {guard}"
    );
    // No certificate the others stored between its stop and its mark carries its signature.
    let name = &cluster.nodes[2].name;
    for height in stopped_at + 2..=guard {
        for i in [0, 1, 3] {
            let (_, certificate) = cluster.block(i, height).expect("block");
            let certificate = certificate.expect("certificate");
            assert!(
                certificate.signatures.iter().all(|s| &s.validator != name),
                "{name} signed height {height}, at or below its mark {guard}"
            );
        }
    }
    let later = cluster.height(0).expect("height") + 2;
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], later, COMMIT),
        "no progress after it rejoined:\n{}",
        cluster.log(2)
    );
    cluster.assert_agree(&[0, 1, 2, 3]);
    cluster.assert_no_equivocation();
}

/// Malachite's write-ahead log header: format version (4 bytes) and sequence (8 bytes).
const WAL_HEADER_BYTES: usize = 12;

/// How the write-ahead log is damaged while its validator is down.
#[derive(Debug, Clone, Copy)]
enum WalDamage {
    /// A bit flipped in the middle and the last quarter lost (never below its header), as a
    /// crash while appending and a bad sector leave it.
    FlippedAndCut,
    /// Cut inside its header, as a crash while the log was first written or a bad disk leaves
    /// it: Malachite alone refuses to start on that.
    HeaderTorn,
}

fn damage(path: &std::path::Path, how: WalDamage) {
    let mut bytes = std::fs::read(path).unwrap();
    match how {
        WalDamage::FlippedAndCut => {
            // The version (first 4 bytes) stays: a log of another format is not damage a
            // crash makes, and the node rightly refuses it.
            let middle = (bytes.len() / 2).max(4);
            bytes[middle] ^= 0x10;
            bytes.truncate((bytes.len() * 3 / 4).max(WAL_HEADER_BYTES));
        }
        WalDamage::HeaderTorn => bytes.truncate(WAL_HEADER_BYTES * 3 / 4),
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_validator_with_a_damaged_consensus_wal_rejoins_without_signing_twice() {
    let mut cluster = Cluster::start(4);
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], 2, START),
        "no start:\n{}",
        cluster.log(0)
    );
    let consensus_dir = cluster.nodes[2].config.data_dir.join("consensus");
    let wal = consensus_dir.join("wal");
    let mut all = Vec::new();
    for (round, how) in [WalDamage::FlippedAndCut, WalDamage::HeaderTorn]
        .into_iter()
        .enumerate()
    {
        let tag = format!("WALDMG{round}");
        let txs = cluster.proposals(&tag, 30, cluster.height(0).expect("height"));
        cluster.submit_all(&txs[..15], &[0, 1, 2, 3]);
        // Killed mid-flight, so its write-ahead log holds the height it was working on.
        cluster.kill(2);
        assert!(wal.is_file(), "no write-ahead log at {}", wal.display());
        damage(&wal, how);
        cluster.submit_all(&txs[15..], &[0, 1, 3]);
        cluster.start_node(2);
        let target = cluster.height(0).expect("height") + 2;
        assert!(
            cluster.wait_height(&[0, 1, 2, 3], target, COMMIT),
            "{how:?}: the validator did not rejoin:\n{}",
            cluster.log(2)
        );
        all.extend(txs);
    }
    // The torn log was set aside, not deleted.
    let torn = std::fs::read_dir(&consensus_dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("wal.torn-")
        })
        .count();
    assert_eq!(torn, 1, "the torn log is not beside the new one");
    // What validator 2 had admitted but not yet gossiped died with it (an acceptance is
    // "pending", not durable): the client resends what it has not seen committed.
    let resent = cluster.settle_committed(&all, COMMIT);
    assert!(
        resent.is_ok(),
        "{resent:?} not committed:\n{}",
        cluster.log(2)
    );
    cluster.assert_committed_once(&all);
    cluster.assert_agree(&[0, 1, 2, 3]);
    cluster.assert_no_equivocation();
}
