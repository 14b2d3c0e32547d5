//! Seeded simulation of consensus's application layer: four real applications (RocksDB stores
//! in temp dirs, real execution and commit) driven message by message the way Malachite drives
//! them, with proposal parts dropped, duplicated, reordered and relayed by other peers, invalid
//! blocks from a lying proposer, and lagging nodes catching up through sync.
//!
//! The engine itself (votes, rounds, WAL) is not simulated: the simulation plays it, deciding a
//! value when the validators holding it as valid are a quorum, with real precommit and
//! checkpoint signatures. Set `GONGXIN_SEED=<n>` to replay one schedule; each seed used is
//! printed, so a failure names the seed that reproduces it.

mod sim;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use gongxin_devnet::write_node_configs;
use gongxin_node::clock::{Clock, ManualClock, SystemClock};
use gongxin_node::consensus::context::{
    Address, ConsensusValidatorSet, GongxinContext, Height, ProposalPart, proposer_for,
};
use malachitebft_app_channel::AppMsg;
use malachitebft_app_channel::app::consensus::Role;
use malachitebft_app_channel::app::engine::host::{Next, SyncedValueOutcome};
use malachitebft_app_channel::app::types::core::Height as _;
use malachitebft_app_channel::app::types::core::{Round, Validity};
use malachitebft_app_channel::app::types::{
    LocallyProposedValue, MisbehaviorEvidence, PeerId, ProposedValue,
};
use malachitebft_engine::util::streaming::{StreamContent, StreamMessage};
use sim::{
    Rng, SIM_CLOCK_AFTER_GENESIS_MS, SimNode, ask, certificate, lie, open_node, proposal_of,
};

/// Delivers `parts` to node `to` in a seeded order with duplicates, some relayed by a peer
/// other than the publisher; returns the value the stream completed, if any.
async fn deliver(
    rng: &mut Rng,
    to: &mut SimNode,
    publisher: PeerId,
    relay: PeerId,
    parts: &[StreamMessage<ProposalPart>],
    drop_one: bool,
) -> Option<ProposedValue<GongxinContext>> {
    let mut schedule: Vec<StreamMessage<ProposalPart>> = Vec::new();
    for part in parts {
        schedule.push(part.clone());
        if rng.chance(20) {
            schedule.push(part.clone());
        }
    }
    if drop_one && !schedule.is_empty() {
        let victim = schedule[rng.below(schedule.len() as u64) as usize].sequence;
        schedule.retain(|p| p.sequence != victim);
    }
    rng.shuffle(&mut schedule);
    let mut completed = None;
    for part in schedule {
        let from = if rng.chance(30) { relay } else { publisher };
        let value = ask(&mut to.app, |reply| AppMsg::ReceivedProposalPart {
            from,
            published_by: Some(publisher),
            part,
            reply,
        })
        .await;
        if value.is_some() {
            completed = value;
        }
    }
    completed
}

/// Four applications on fresh stores in `dir`, each past `ConsensusReady` at height 1, all on
/// one clock the simulation owns.
async fn start_nodes(dir: &Path) -> (gongxin_devnet::DevnetKeys, Vec<SimNode>, Arc<ManualClock>) {
    let (keys, configs) = write_node_configs(dir, 4, 40_000).unwrap();
    let clock = ManualClock::new(keys.genesis.genesis_time_ms + SIM_CLOCK_AFTER_GENESIS_MS);
    let chain_id = keys.genesis.chain_id.clone();
    let mut nodes: Vec<SimNode> = configs
        .iter()
        .enumerate()
        .map(|(i, (config, _))| open_node(dir, i, config, &chain_id, clock.clone()).unwrap())
        .collect();
    for n in &mut nodes {
        let (height, _) = ask(&mut n.app, |reply| AppMsg::ConsensusReady { reply }).await;
        assert_eq!(height, Height(1));
    }
    (keys, nodes, clock)
}

/// Four started nodes and round 0 of height 1: its proposer (address and index) and the
/// validator after it, whom the tests below watch receive the proposer's stream.
struct FirstRound {
    keys: gongxin_devnet::DevnetKeys,
    nodes: Vec<SimNode>,
    clock: Arc<ManualClock>,
    height: Height,
    round: Round,
    proposer: Address,
    p: usize,
    to: usize,
}

impl FirstRound {
    /// Every node starts the round and the proposer proposes: its value and its stream.
    async fn proposed(
        &mut self,
    ) -> (
        LocallyProposedValue<GongxinContext>,
        Vec<StreamMessage<ProposalPart>>,
    ) {
        for n in self.nodes.iter_mut() {
            start_round(n, self.height, self.round, &self.proposer).await;
        }
        proposal_of(&mut self.nodes[self.p], self.height, self.round).await
    }
}

async fn first_round(dir: &Path) -> FirstRound {
    let (keys, nodes, clock) = start_nodes(dir).await;
    let set = ConsensusValidatorSet::new(&keys.genesis.validators);
    let (height, round) = (Height(1), Round::new(0));
    let proposer = proposer_for(&set, height, round).address.clone();
    let p = nodes.iter().position(|n| n.address == proposer).unwrap();
    FirstRound {
        keys,
        nodes,
        clock,
        height,
        round,
        proposer,
        p,
        to: (p + 1) % 4,
    }
}

/// Starts (height, round) on `node` as the engine would: the proposals kept for it, judged.
async fn start_round(
    node: &mut SimNode,
    height: Height,
    round: Round,
    proposer: &Address,
) -> Vec<ProposedValue<GongxinContext>> {
    ask(&mut node.app, |reply_value| AppMsg::StartedRound {
        height,
        round,
        proposer: proposer.clone(),
        role: Role::Validator,
        reply_value,
    })
    .await
}

/// Every message of `parts`, in order, published (and sent) by `publisher` to `node`; the
/// value the stream completed, if any.
async fn receive_all(
    node: &mut SimNode,
    publisher: PeerId,
    parts: impl IntoIterator<Item = StreamMessage<ProposalPart>>,
) -> Option<ProposedValue<GongxinContext>> {
    let mut judged = None;
    for part in parts {
        judged = judged.or(receive(node, publisher, part).await);
    }
    judged
}

/// One stream message published (and sent) by `publisher` reaches `node`; the value it
/// completes, if any.
async fn receive(
    node: &mut SimNode,
    publisher: PeerId,
    part: StreamMessage<ProposalPart>,
) -> Option<ProposedValue<GongxinContext>> {
    ask(&mut node.app, |reply| AppMsg::ReceivedProposalPart {
        from: publisher,
        published_by: Some(publisher),
        part,
        reply,
    })
    .await
}

async fn simulate(seed: u64) {
    eprintln!("consensus simulation seed {seed} (replay with GONGXIN_SEED={seed})");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let (keys, mut nodes, clock) = start_nodes(dir.path()).await;
    let sim_start_ms = clock.now_ms();
    let chain_id = keys.genesis.chain_id.clone();
    let set = ConsensusValidatorSet::new(&keys.genesis.validators);

    let all_txs = keys.proposals(&format!("SIM{seed}"), 60, 0, 1_000);
    let mut next_tx = 0usize;
    const HEIGHTS: u64 = 8;
    let mut height = Height(1);
    while height.0 <= HEIGHTS {
        clock.advance_ms(100 + rng.below(900));
        // New transactions reach one or two nodes (gossip is not simulated: validators must
        // verify the ones they have not seen).
        for _ in 0..rng.below(10) {
            if next_tx < all_txs.len() {
                let tx = &all_txs[next_tx];
                next_tx += 1;
                for _ in 0..=rng.below(2) {
                    let i = rng.below(4) as usize;
                    let _ = nodes[i]
                        .node
                        .admission
                        .submit(tx.clone(), tx.to_bytes().len());
                }
            }
        }
        let mut decided = false;
        for round in 0..4u32 {
            let round = Round::new(round);
            let proposer = proposer_for(&set, height, round).address.clone();
            let p = nodes.iter().position(|n| n.address == proposer).unwrap();
            let mut valid_at: Vec<Option<ProposedValue<GongxinContext>>> = vec![None; 4];
            for (i, n) in nodes.iter_mut().enumerate() {
                let values = ask(&mut n.app, |reply_value| AppMsg::StartedRound {
                    height,
                    round,
                    proposer: proposer.clone(),
                    role: Role::Validator,
                    reply_value,
                })
                .await;
                for v in values {
                    if v.round == round {
                        valid_at[i] = Some(v);
                    }
                }
            }
            let (local, parts) = proposal_of(&mut nodes[p], height, round).await;
            assert!(
                parts.len() >= 3,
                "a stream is Init, Txs…, Fin, then the end marker"
            );
            // Asked again in the same round, the proposer offers the same block.
            let again = ask(&mut nodes[p].app, |reply| AppMsg::GetValue {
                height,
                round,
                timeout: Duration::from_secs(3),
                reply,
            })
            .await;
            assert_eq!(
                again.value, local.value,
                "seed {seed}: two values in one round"
            );
            while nodes[p].network.try_recv().is_ok() {}

            let lying = rng.chance(15);
            let stream = if lying {
                lie(&chain_id, &parts, &nodes[p].signer).0
            } else {
                parts.clone()
            };
            valid_at[p] = Some(ProposedValue {
                height,
                round,
                valid_round: Round::Nil,
                proposer: proposer.clone(),
                value: local.value.clone(),
                validity: Validity::Valid,
            });
            let publisher = nodes[p].peer;
            for i in 0..4 {
                if i == p {
                    continue;
                }
                let relay = nodes[(i + 1) % 4].peer;
                let drop_one = rng.chance(10);
                let got =
                    deliver(&mut rng, &mut nodes[i], publisher, relay, &stream, drop_one).await;
                if let Some(value) = got {
                    if lying {
                        assert_eq!(
                            value.validity,
                            Validity::Invalid,
                            "seed {seed}: a forged block was accepted"
                        );
                    } else {
                        assert_eq!(
                            value.validity,
                            Validity::Valid,
                            "seed {seed}: an honest block was refused"
                        );
                        assert_eq!(value.value, local.value);
                    }
                    valid_at[i] = Some(value);
                } else {
                    assert!(drop_one, "seed {seed}: a complete stream gave no value");
                }
            }
            if lying {
                continue; // honest validators prevote nil: next round
            }
            let voters: Vec<usize> = (0..4)
                .filter(|&i| {
                    valid_at[i]
                        .as_ref()
                        .is_some_and(|v| v.validity == Validity::Valid && v.value == local.value)
                })
                .collect();
            if voters.len() < 3 {
                continue; // no polka: round change
            }
            let signers: Vec<_> = voters
                .iter()
                .map(|&i| (&nodes[i].address, &nodes[i].signer))
                .collect();
            let (cert, extensions) =
                certificate(&chain_id, &signers, height, round, local.value.block_id());
            // The proposer first (it always holds its block), so laggards can sync from it.
            let order: Vec<usize> = std::iter::once(p)
                .chain((0..4).filter(|&i| i != p))
                .collect();
            for i in order {
                let n = &mut nodes[i];
                ask(&mut n.app, |reply| AppMsg::Decided {
                    certificate: cert.clone(),
                    extensions: extensions.clone(),
                    reply,
                })
                .await;
                let next = ask(&mut n.app, |reply| AppMsg::Finalized {
                    certificate: cert.clone(),
                    extensions: extensions.clone(),
                    evidence: MisbehaviorEvidence {
                        proposals: Default::default(),
                        votes: Default::default(),
                    },
                    reply,
                })
                .await;
                if n.node.tip().chain.height < height.0 {
                    // It never saw the block: the engine restarts the height and sync fetches it
                    // from a node that has it.
                    assert!(
                        matches!(next, Next::Restart(h, _) if h == height),
                        "seed {seed}"
                    );
                    let raw = ask(&mut nodes[p].app, |reply| AppMsg::GetDecidedValues {
                        range: height..=height,
                        reply,
                    })
                    .await;
                    assert_eq!(raw.len(), 1, "seed {seed}: proposer cannot serve its block");
                    let raw = raw.into_iter().next().unwrap();
                    // The served certificate carries every committer's checkpoint attestation.
                    assert!(
                        raw.certificate
                            .commit_signatures
                            .iter()
                            .all(|s| s.extension.is_some())
                    );
                    let n = &mut nodes[i];
                    let outcome = ask(&mut n.app, |reply| AppMsg::ProcessSyncedValue {
                        height,
                        round,
                        proposer: proposer.clone(),
                        value_bytes: raw.value_bytes.clone(),
                        reply,
                    })
                    .await;
                    assert!(
                        matches!(&outcome, SyncedValueOutcome::Verdict(v) if v.validity == Validity::Valid),
                        "seed {seed}: synced block refused"
                    );
                    // A corrupted copy is the peer's fault.
                    let mut corrupt = raw.value_bytes.to_vec();
                    corrupt.truncate(corrupt.len() / 2);
                    let bad = ask(&mut n.app, |reply| AppMsg::ProcessSyncedValue {
                        height,
                        round,
                        proposer: proposer.clone(),
                        value_bytes: Bytes::from(corrupt),
                        reply,
                    })
                    .await;
                    assert!(matches!(bad, SyncedValueOutcome::PeerFault), "seed {seed}");
                    ask(&mut n.app, |reply| AppMsg::Decided {
                        certificate: cert.clone(),
                        extensions: extensions.clone(),
                        reply,
                    })
                    .await;
                    // What keeps a rebuilt validator from signing while it is still behind.
                    assert!(
                        !n.app.caught_up(),
                        "seed {seed}: a synced block counted as caught up"
                    );
                } else {
                    assert!(
                        matches!(next, Next::Start(h, _) if h == height.increment()),
                        "seed {seed}"
                    );
                    assert!(
                        nodes[i].app.caught_up(),
                        "seed {seed}: a block decided live did not count as caught up"
                    );
                }
                assert_eq!(
                    nodes[i].height(),
                    height.0,
                    "seed {seed}: node {i} did not commit"
                );
            }
            decided = true;
            break;
        }
        if decided {
            height = height.increment();
        } else {
            // Four failed rounds in a row can happen with an unlucky seed; the height is retried
            // with new rounds, as the engine would.
        }
    }

    // Every node holds the same chain; certificates and checkpoints verify; block times are
    // the simulation's (proposers read the clock it owns).
    let all: Vec<&SimNode> = nodes.iter().collect();
    sim::assert_same_verified_chain(
        seed,
        &keys.genesis,
        &all,
        HEIGHTS,
        sim_start_ms..=clock.now_ms(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_application_simulation() {
    let seeds: Vec<u64> = match std::env::var("GONGXIN_SEED") {
        Ok(seed) => vec![seed.parse().expect("GONGXIN_SEED is a number")],
        Err(_) => vec![1, 2, 3, SystemClock.now_ms()],
    };
    for seed in seeds {
        simulate(seed).await;
    }
}

/// A stream whose first message is `Fin` with sequence 0 (no `Init`, no data) once underflowed
/// `fin - 1` and panicked the validator: any one peer could stop all the others. It must be
/// ignored, and the application must go on deciding blocks afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_starts_with_fin_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, mut nodes, _clock) = start_nodes(dir.path()).await;
    let hostile = nodes[1].peer;
    let to = &mut nodes[0];
    let stream_id = malachitebft_engine::util::streaming::StreamId::new(Bytes::from_static(b"x"));
    let fin_first = StreamMessage::new(stream_id.clone(), 0, StreamContent::Fin);
    for _ in 0..3 {
        let value = receive(to, hostile, fin_first.clone()).await;
        assert!(value.is_none(), "a stream of nothing is no proposal");
    }
    // Still alive and still a validator: it proposes at its own round.
    let set = ConsensusValidatorSet::new(&keys.genesis.validators);
    let height = Height(1);
    let round = (0..8u32)
        .map(Round::new)
        .find(|r| proposer_for(&set, height, *r).address == to.address)
        .expect("every validator proposes within 8 rounds");
    let proposer = to.address.clone();
    start_round(to, height, round, &proposer).await;
    let (local, _) = proposal_of(to, height, round).await;
    assert_eq!(local.height, height);
}

/// A peer completing many forged proposal streams — each naming the round's proposer, so each
/// would cost a signature check — gets its budget of checks per second and no more, while the
/// real proposer's stream, in the same second, is still judged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_streams_past_a_peers_budget_are_dropped_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = first_round(dir.path()).await;
    let (_, honest) = first.proposed().await;
    let FirstRound {
        mut nodes,
        clock,
        p,
        to,
        ..
    } = first;
    // The same stream, signed by nobody, under a new stream id each time, from a third peer.
    let hostile = nodes[(p + 2) % 4].peer;
    let bad_signature = sim::garbage_signature(&nodes[p].signer);
    let forged = |copy: u32| -> Vec<StreamMessage<ProposalPart>> {
        honest
            .iter()
            .map(|m| {
                let mut m = m.clone();
                m.stream_id = malachitebft_engine::util::streaming::StreamId::new(Bytes::from(
                    copy.to_be_bytes().to_vec(),
                ));
                if let StreamContent::Data(ProposalPart::Fin(signature)) = &mut m.content {
                    *signature = bad_signature;
                }
                m
            })
            .collect()
    };
    const FORGED: u32 = 200;
    for copy in 0..FORGED {
        for part in forged(copy) {
            let value = receive(&mut nodes[to], hostile, part).await;
            assert!(value.is_none(), "a forged stream became a proposal");
        }
    }
    let dropped = |n: &SimNode| {
        n.node
            .metrics
            .proposal_streams_over_budget
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    // 20 checked (and refused for their signature) in this second; the rest dropped unchecked.
    assert_eq!(dropped(&nodes[to]), u64::from(FORGED) - 20);
    // The real proposer's stream, in the same second, is judged and valid.
    let publisher = nodes[p].peer;
    let judged = receive_all(&mut nodes[to], publisher, honest.clone()).await;
    assert_eq!(judged.map(|v| v.validity), Some(Validity::Valid));
    // A second later the hostile peer has a fresh budget: its next stream is checked again.
    clock.advance_ms(1_000);
    for part in forged(FORGED) {
        receive(&mut nodes[to], hostile, part).await;
    }
    assert_eq!(dropped(&nodes[to]), u64::from(FORGED) - 20);
}

/// A proposer that committed the last block sooner streams its proposal while another
/// validator is still committing, so parts of the new height reach that validator before its
/// engine starts the height there. They must be kept: forgetting them at the height's start
/// left the stream without its first parts, the validator never judged the proposal, prevoted
/// nil at the propose timeout, and the height took a second round (the multi-second latency
/// outliers under load).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_streamed_before_its_height_starts_here_is_still_judged() {
    let dir = tempfile::tempdir().unwrap();
    let FirstRound {
        keys,
        mut nodes,
        height,
        round,
        proposer,
        p,
        to,
        ..
    } = first_round(dir.path()).await;
    for tx in keys.proposals("STRADDLE", 3, 0, 1_000) {
        nodes[p]
            .node
            .admission
            .submit(tx.clone(), tx.to_bytes().len())
            .unwrap();
    }
    start_round(&mut nodes[p], height, round, &proposer).await;
    let (local, parts) = proposal_of(&mut nodes[p], height, round).await;
    assert!(
        parts.len() >= 4,
        "Init, transactions, Fin and the stream's end"
    );
    let publisher = nodes[p].peer;
    // The first part arrives before `to`'s engine starts the height: here the first height;
    // under load, while `to` is still committing the block before.
    let (early, late) = parts.split_at(1);
    for part in early.iter().cloned() {
        let value = receive(&mut nodes[to], publisher, part).await;
        assert!(value.is_none(), "one part is no proposal");
    }
    let values = start_round(&mut nodes[to], height, round, &proposer).await;
    assert!(values.is_empty(), "the stream is not complete yet");
    let judged = receive_all(&mut nodes[to], publisher, late.iter().cloned())
        .await
        .expect("the proposal, completed after the height started, is judged");
    assert_eq!(judged.validity, Validity::Valid);
    assert_eq!(judged.value.block_id(), local.value.block_id());
}

/// A relaying transport (gossipsub) names a message's publisher by whatever key signed it: a
/// validator publishing under fresh keys could make every other node hold open streams for
/// each. Parts from a
/// publisher that is no known peer are dropped; the same stream from its real publisher is
/// judged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposal_parts_from_an_unknown_publisher_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = first_round(dir.path()).await;
    let (local, parts) = first.proposed().await;
    let FirstRound {
        mut nodes, p, to, ..
    } = first;
    let stranger = sim::peer_of(9);
    let value = receive_all(&mut nodes[to], stranger, parts.iter().cloned()).await;
    assert!(value.is_none(), "a stranger's stream became a proposal");
    let publisher = nodes[p].peer;
    let judged = receive_all(&mut nodes[to], publisher, parts)
        .await
        .expect("the real publisher's stream is judged");
    assert_eq!(judged.validity, Validity::Valid);
    assert_eq!(judged.value.block_id(), local.value.block_id());
}
