//! What the two consensus simulations share: a seeded random source, a validator's
//! application opened on its own store, a proposer's value and stream, the engine's side of a
//! decision (precommits and checkpoint attestations), a lying proposer's stream, and the final
//! check of the chains.

#![allow(dead_code)] // each simulation uses a different part

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gongxin_core::block::BlockHeader;
use gongxin_core::checkpoint::{SignedCheckpoint, origin_for_chain, public_origin_for_chain};
use gongxin_core::crypto::{KeyFile, Keypair};
use gongxin_core::genesis::Genesis;
use gongxin_node::clock::SharedClock;
use gongxin_node::config::NodeConfig;
use gongxin_node::consensus::app::{ConsensusApp, Timing};
use gongxin_node::consensus::context::{
    Address, BlockValue, CheckpointAttestation, ConsensusSignature, GongxinContext, Height,
    ProposalPart, ValueId,
};
use gongxin_node::consensus::signing::{
    GongxinSigner, extension_message, proposal_parts_message, public_extension_message,
    vote_message,
};
use gongxin_node::node::{Node, NodeSetup, OpenError};
use malachitebft_app_channel::app::types::core::{
    CommitCertificate, CommitSignature, LinearTimeouts, NilOrVal, Round, SignedMessage,
    VoteExtensions, VoteType,
};
use malachitebft_app_channel::app::types::{LocallyProposedValue, PeerId};
use malachitebft_app_channel::{AppMsg, NetworkMsg};
use malachitebft_engine::util::streaming::{StreamContent, StreamMessage};
use tokio::sync::{mpsc, oneshot};

/// splitmix64: small, seedable, and the same on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// One validator's application on its own store, with what the engine would hold for it.
pub struct SimNode {
    pub node: Arc<Node>,
    pub app: ConsensusApp,
    /// What the application publishes (its proposal parts).
    pub network: mpsc::Receiver<NetworkMsg<GongxinContext>>,
    pub signer: Keypair,
    pub address: Address,
    pub peer: PeerId,
}

impl SimNode {
    pub fn height(&self) -> u64 {
        self.node.tip().chain.height
    }
}

/// Timing with no waiting: the simulation, not the timers, decides when things happen.
pub fn sim_timing() -> Timing {
    Timing {
        timeouts: LinearTimeouts::default(),
        block_interval: Duration::from_millis(1),
        empty_block_interval: Duration::from_millis(1),
    }
}

/// Where the simulations' clocks start: ten days after genesis, so a block time taken from
/// this machine's clock instead of the simulation's would be caught.
pub const SIM_CLOCK_AFTER_GENESIS_MS: u64 = 10 * 86_400_000;

/// Validators in every simulated world: their consensus peer ids are `peer_of(0..4)`, the
/// publishers each application keeps proposal parts from.
pub const SIM_VALIDATORS: usize = 4;

/// The libp2p identity of validator `index` (fixed, so a seed replays the same peers).
pub fn peer_of(index: usize) -> PeerId {
    let key =
        malachitebft_app_channel::app::types::Keypair::ed25519_from_bytes([index as u8 + 1; 32])
            .unwrap();
    PeerId::from_bytes(&key.public().to_peer_id().to_bytes()).unwrap()
}

pub fn read_key(dir: &Path, name: &str) -> Keypair {
    let text = std::fs::read_to_string(dir.join("keys").join(format!("{name}.key"))).unwrap();
    KeyFile::from_json(&text).unwrap().keypair().unwrap()
}

/// Opens validator `index`'s node from its config on `clock` (a fresh store, or the one a
/// crashed node left behind) with an application in front of it.
pub fn open_node(
    dir: &Path,
    index: usize,
    config: &NodeConfig,
    chain_id: &str,
    clock: SharedClock,
) -> Result<SimNode, OpenError> {
    let node = Node::open(NodeSetup {
        name: config.name.clone(),
        genesis: Arc::new(config.read_genesis().unwrap()),
        key: config.read_key().unwrap(),
        data_dir: config.data_dir.clone(),
        limits: config.limits,
        clock,
        gossip: None,
    })?;
    let signer = read_key(dir, &config.name);
    let (network_tx, network) = mpsc::channel(1024);
    let app = ConsensusApp::new(
        node.clone(),
        GongxinSigner::new(chain_id.to_owned(), signer.clone()),
        sim_timing(),
        network_tx,
        (0..SIM_VALIDATORS).map(peer_of).collect(),
    );
    Ok(SimNode {
        node,
        app,
        network,
        signer,
        address: Address(config.name.clone()),
        peer: peer_of(index),
    })
}

/// Sends the application one message and waits for its answer.
pub async fn ask<T>(
    app: &mut ConsensusApp,
    make: impl FnOnce(oneshot::Sender<T>) -> AppMsg<GongxinContext>,
) -> T {
    let (tx, rx) = oneshot::channel();
    app.handle(make(tx)).await.expect("application failed");
    tokio::time::timeout(Duration::from_secs(30), rx)
        .await
        .expect("the application did not answer in time")
        .expect("the application dropped its reply")
}

/// The proposer `node`'s value for (height, round), and the stream it publishes.
pub async fn proposal_of(
    node: &mut SimNode,
    height: Height,
    round: Round,
) -> (
    LocallyProposedValue<GongxinContext>,
    Vec<StreamMessage<ProposalPart>>,
) {
    let local = ask(&mut node.app, |reply| AppMsg::GetValue {
        height,
        round,
        timeout: Duration::from_secs(3),
        reply,
    })
    .await;
    let mut parts = Vec::new();
    while let Ok(NetworkMsg::PublishProposalPart(part)) = node.network.try_recv() {
        parts.push(part);
    }
    (local, parts)
}

/// What the engine hands the application for a decision: the precommits of `voters`
/// (validator keys) on `id` at (height, round), each with its checkpoint attestation.
pub fn certificate(
    chain_id: &str,
    voters: &[(&Address, &Keypair)],
    height: Height,
    round: Round,
    id: ValueId,
) -> (
    CommitCertificate<GongxinContext>,
    VoteExtensions<GongxinContext>,
) {
    let mut signatures = Vec::new();
    let mut extensions = Vec::new();
    for &(address, key) in voters {
        let vote = gongxin_node::consensus::context::Vote {
            kind: VoteType::Precommit,
            height,
            round,
            value: NilOrVal::Val(id),
            validator: address.clone(),
            extension: None,
        };
        let signature = ConsensusSignature(key.sign(&vote_message(chain_id, &vote)));
        signatures.push(CommitSignature::new(address.clone(), signature));
        let extension = ConsensusSignature(key.sign(&extension_message(chain_id, &id)));
        let public = ConsensusSignature(key.sign(&public_extension_message(chain_id, &id)));
        extensions.push((
            address.clone(),
            SignedMessage::new(
                CheckpointAttestation {
                    public_signature: Some(public),
                },
                extension,
            ),
        ));
    }
    (
        CommitCertificate {
            height,
            round,
            value_id: id,
            commit_signatures: signatures,
        },
        VoteExtensions::new(extensions),
    )
}

/// The same stream with its block's header altered (and `Fin` re-signed by the proposer, who
/// is the liar), and the forged block: every honest receiver must re-execute and refuse it.
pub fn lie(
    chain_id: &str,
    parts: &[StreamMessage<ProposalPart>],
    key: &Keypair,
) -> (Vec<StreamMessage<ProposalPart>>, BlockValue) {
    let mut forged = parts.to_vec();
    let mut new_value = None;
    for message in &mut forged {
        if let StreamContent::Data(ProposalPart::Init { value, .. }) = &mut message.content {
            let mut header: BlockHeader = value.header().clone();
            header.state_hash = gongxin_core::Hash::digest(b"a state nobody reached");
            *value = BlockValue::new(header);
            new_value = Some(value.clone());
        }
    }
    let value = new_value.expect("an Init part");
    let (height, round) = forged
        .iter()
        .find_map(|m| match &m.content {
            StreamContent::Data(ProposalPart::Init { height, round, .. }) => {
                Some((*height, *round))
            }
            _ => None,
        })
        .expect("Init");
    for message in &mut forged {
        if let StreamContent::Data(ProposalPart::Fin(signature)) = &mut message.content {
            *signature = ConsensusSignature(key.sign(&proposal_parts_message(
                chain_id,
                height,
                round,
                &value.block_id(),
            )));
        }
    }
    (forged, value)
}

/// A signature of `key`'s suite over other bytes: well formed, and wrong for anything a
/// proposal stream needs signed.
pub fn garbage_signature(key: &Keypair) -> ConsensusSignature {
    ConsensusSignature(key.sign(b"not a proposal"))
}

/// Every node holds the same blocks 1..=`heights`, each with a certificate and both
/// checkpoints verifying against the genesis validators, and each block's time inside
/// `times_ms` (the simulation's clocks, never this machine's).
pub fn assert_same_verified_chain(
    seed: u64,
    genesis: &Genesis,
    nodes: &[&SimNode],
    heights: u64,
    times_ms: std::ops::RangeInclusive<u64>,
) {
    for h in 1..=heights {
        let first = nodes[0].node.reader().block(h).unwrap().unwrap();
        assert!(
            times_ms.contains(&first.header.timestamp_ms),
            "seed {seed}: block {h}'s time {} is not on the simulation's clocks",
            first.header.timestamp_ms
        );
        for n in &nodes[1..] {
            let block = n.node.reader().block(h).unwrap().unwrap();
            assert_eq!(block, first, "seed {seed}: nodes disagree at {h}");
        }
        for n in nodes {
            let cert = n.node.reader().certificate(h).unwrap().unwrap();
            cert.verify(&genesis.chain_id, &first.header, &genesis.validators)
                .unwrap_or_else(|e| panic!("seed {seed}: certificate {h}: {e}"));
            let ledger = n.node.reader().checkpoint(first.header.log_size);
            let public = n
                .node
                .reader()
                .public_checkpoint(first.header.public_log_size);
            for (note, origin) in [
                (ledger, origin_for_chain(&genesis.chain_id)),
                (public, public_origin_for_chain(&genesis.chain_id)),
            ] {
                SignedCheckpoint::parse(&note.unwrap().unwrap())
                    .unwrap()
                    .verify_origin(&origin, &genesis.validators)
                    .unwrap_or_else(|e| panic!("seed {seed}: checkpoint at {h}: {e}"));
            }
        }
    }
}
