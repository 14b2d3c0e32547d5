//! `n4_valset_change`: governance adds a fifth validator and removes one of the four; each
//! change takes effect two blocks after it passes; a node syncing from genesis afterwards
//! checks every height's certificate against that height's set; an auditor with the genesis
//! file alone verifies proofs and checkpoints signed by the last set through the hand-overs.

use std::time::Duration;

use gongxin_cluster_tests::{Cluster, Follower};
use gongxin_core::Hash;
use gongxin_core::audit::{AuditError, verify_bundle};
use gongxin_core::checkpoint::{SignedCheckpoint, origin_for_chain, public_origin_for_chain};
use gongxin_core::crypto::{Algorithm, Keypair};
use gongxin_core::handover::{HandOverError, Log, follow};
use gongxin_core::model::{GovernanceChange, Operation};
use gongxin_core::validator::Validator;

const START: Duration = Duration::from_secs(60);
const COMMIT: Duration = Duration::from_secs(90);

/// Passes `change` with the directors of three of the four departments; returns the height its
/// set takes effect at and the last vote's hash.
fn pass(
    cluster: &Cluster,
    id: &str,
    change: GovernanceChange,
    voters: [&str; 3],
    nonce: u64,
) -> (u64, Hash) {
    let height = cluster.height(0).expect("height");
    let propose = cluster.tx(
        &cluster.member_key(voters[0]),
        Operation::ProposeGovernance {
            id: id.into(),
            change,
            note: "cluster test".into(),
        },
        height,
        nonce,
    );
    cluster.commit(0, &propose, COMMIT);
    let mut last = propose.hash();
    for (k, voter) in voters[1..].iter().enumerate() {
        let vote = cluster.tx(
            &cluster.member_key(voter),
            Operation::VoteGovernance {
                id: id.into(),
                approve: true,
            },
            height,
            nonce + 1 + k as u64,
        );
        cluster.commit(0, &vote, COMMIT);
        last = vote.hash();
    }
    let sets = cluster.validator_sets(0);
    (sets.last().expect("a set").0, last)
}

#[test]
fn n4_valset_change() {
    let newcomer = Follower {
        name: "ecology2.validator.gongxin".into(),
        department: "ecology".into(),
        key: Keypair::generate(Algorithm::Ed25519).expect("key"),
    };
    let observer = Follower {
        name: "observer.node.gongxin".into(),
        department: "audit".into(),
        key: Keypair::generate(Algorithm::Ed25519).expect("key"),
    };
    let mut cluster = Cluster::start_with_followers(4, &[newcomer.clone(), observer]);
    cluster.start_node(4); // follows the chain without voting
    assert!(
        cluster.wait_height(&[0, 1, 2, 3, 4], 2, START),
        "no start:\n{}",
        cluster.log(4)
    );

    // Add the fifth validator.
    let (added_from, _) = pass(
        &cluster,
        "add-ecology2",
        GovernanceChange::AddValidator(Validator {
            name: newcomer.name.clone(),
            department: newcomer.department.clone(),
            public_key: newcomer.key.public_key(),
            power: 1,
        }),
        ["finance-director", "audit-director", "transport-director"],
        1,
    );
    assert_eq!(cluster.validator_sets(0).len(), 2, "the change is recorded");
    assert!(
        cluster.wait_height(&[0, 1, 2, 3, 4], added_from + 4, COMMIT),
        "no progress after the addition:\n{}",
        cluster.log(4)
    );
    // The newcomer signs blocks from its first height on (with 5 validators a quorum is 4, so
    // it signs most of them).
    let signed_by_newcomer = (added_from..=added_from + 4).any(|h| {
        cluster
            .block(0, h)
            .and_then(|(_, cert)| cert)
            .is_some_and(|cert| cert.signatures.iter().any(|s| s.validator == newcomer.name))
    });
    assert!(
        signed_by_newcomer,
        "the added validator never signed:\n{}",
        cluster.log(4)
    );
    // Before its first height it could not have.
    for h in 1..added_from {
        let (_, cert) = cluster.block(0, h).expect("block");
        assert!(
            cert.expect("certificate")
                .signatures
                .iter()
                .all(|s| s.validator != newcomer.name),
            "signed at {h}, before its set took effect at {added_from}"
        );
    }

    // Remove the transport department's validator, then stop it.
    let (removed_from, removal_vote) = pass(
        &cluster,
        "remove-transport",
        GovernanceChange::RemoveValidator {
            name: "transport.validator.gongxin".into(),
        },
        ["finance-director", "audit-director", "ecology-director"],
        10,
    );
    assert!(
        cluster.wait_height(&[0, 1, 3, 4], removed_from, COMMIT),
        "the removal did not take effect"
    );
    cluster.kill(2);
    assert!(
        cluster.wait_height(&[0, 1, 3, 4], removed_from + 4, COMMIT),
        "the four remaining validators did not go on:\n{}",
        cluster.log(0)
    );

    // A node that was never up syncs from genesis across both changes.
    let target = cluster.height(0).expect("height");
    cluster.start_node(5);
    assert!(
        cluster.wait_height(&[5], target, COMMIT),
        "a fresh node did not sync to {target}:\n{}",
        cluster.log(5)
    );
    assert_eq!(cluster.validator_sets(5), cluster.validator_sets(0));
    cluster.assert_agree(&[0, 1, 3, 4, 5]);
    cluster.assert_checkpoint_quorum(0);
    verify_across_handovers(&cluster, &removal_vote);

    // `gongxin-node check` follows both hand-overs: each recorded set is the one the header
    // before it named as next. On the fresh node (synced across both) and on the removed one.
    for i in [5, 2] {
        cluster.kill(i);
        let check = std::process::Command::new(gongxin_cluster_tests::node_binary())
            .args(["check", "--config"])
            .arg(&cluster.nodes[i].config_path)
            .output()
            .expect("run gongxin-node check");
        let text = String::from_utf8_lossy(&check.stdout).into_owned()
            + &String::from_utf8_lossy(&check.stderr);
        assert!(check.status.success(), "{}: {text}", cluster.nodes[i].name);
        assert!(text.contains("all hold"), "{text}");
    }
}

/// An auditor holding only the genesis file verifies, through the two hand-overs the nodes
/// serve, a proof bundle and both logs' latest checkpoints, all signed by the third set; a
/// hand-over chain that skips one or lists another set is refused.
fn verify_across_handovers(cluster: &Cluster, tx: &Hash) {
    let genesis = &cluster.keys.genesis;
    let bundle = cluster.proof_bundle(0, tx);
    assert_eq!(bundle.handovers.len(), 2, "added, then removed");
    let verified = verify_bundle(genesis, &bundle).expect("the bundle verifies from genesis");
    assert!(
        !verified
            .signers
            .contains(&"transport.validator.gongxin".to_owned())
    );
    // (Without hand-overs the same bundle may still verify: three of the four genesis
    // validators sign in the last set too, and three of four is a genesis quorum.)
    // The first hand-over with only two of the four genesis signatures left: ≤ 2/3.
    let mut weak = bundle.clone();
    let mut note = SignedCheckpoint::parse(&weak.handovers[0].checkpoint).expect("parses");
    note.signatures.truncate(2);
    weak.handovers[0].checkpoint = note.to_note();
    assert!(matches!(
        verify_bundle(genesis, &weak),
        Err(AuditError::HandOver(HandOverError::Checkpoint {
            index: 0,
            ..
        }))
    ));
    // (Skipping a hand-over is refused when the sets share no quorum — core::handover's
    // tests; here three of the genesis validators sign for every set, so they may vouch for
    // the last set directly.)
    let mut other_listing = bundle.clone();
    other_listing.handovers[1].validators = other_listing.handovers[0].validators.clone();
    assert!(matches!(
        verify_bundle(genesis, &other_listing),
        Err(AuditError::HandOver(HandOverError::ListingMismatch {
            index: 1,
            ..
        }))
    ));

    let handovers = cluster.handovers(0);
    for (log, origin, note) in [
        (
            Log::Ledger,
            origin_for_chain(&genesis.chain_id),
            cluster.checkpoint(0).expect("a checkpoint"),
        ),
        (
            Log::Public,
            public_origin_for_chain(&genesis.chain_id),
            cluster.public_checkpoint(0).expect("a public checkpoint"),
        ),
    ] {
        let trusted = follow(&genesis.validators, &origin, log, &handovers)
            .unwrap_or_else(|e| panic!("{log:?} hand-overs: {e}"));
        let names: Vec<&str> = trusted
            .latest()
            .validators()
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        assert!(names.contains(&"ecology2.validator.gongxin"), "{names:?}");
        assert!(!names.contains(&"transport.validator.gongxin"), "{names:?}");
        let checkpoint = SignedCheckpoint::parse(&note).expect("parses");
        assert_eq!(
            checkpoint.checkpoint.validators,
            Some(trusted.latest().protocol_hash()),
            "{log:?}: the latest checkpoint names the set in force"
        );
        trusted
            .verify(&checkpoint)
            .unwrap_or_else(|e| panic!("{log:?} checkpoint: {e}\n{note}"));
    }
}
