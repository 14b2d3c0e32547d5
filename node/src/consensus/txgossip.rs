//! Transaction gossip: a transaction admitted at any validator's gateway reaches the others,
//! so whoever proposes next has it.
//!
//! A second libp2p swarm (TCP + noise + yamux + gossipsub; Malachite's network carries only
//! consensus messages) whose allowlist holds exactly the other validators' node keys: any
//! other peer is refused as soon as noise has authenticated it. Admitted transactions are sent
//! in batches (at most [`BATCH_TXS_MAX`] or every [`BATCH_INTERVAL`]); a received batch is
//! decoded within [`BATCH_BYTES_MAX`] and each transaction goes through the node's normal
//! admission, which checks its signature — the one check this node makes for it — and drops
//! duplicates and transactions already committed.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures_util::StreamExt;
use gongxin_core::encoding;
use gongxin_core::tx::SignedTx;
use libp2p::gossipsub::{self, IdentTopic, MessageAcceptance, MessageAuthenticity, ValidationMode};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, allow_block_list, noise, tcp, yamux};
use tokio::sync::mpsc;

use crate::admission::{Admission, SubmitError};

/// Transactions per gossip message.
pub const BATCH_TXS_MAX: usize = 256;
/// How long an admitted transaction may wait for its batch to fill.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(5);
/// Largest gossip message accepted (a batch of the largest transactions fits).
pub const BATCH_BYTES_MAX: usize = 4 * 1024 * 1024;

#[derive(NetworkBehaviour)]
struct Behaviour {
    allowed: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
    gossipsub: gossipsub::Behaviour,
}

/// Where the gossip swarm listens and whom it talks to.
#[derive(Debug, Clone)]
pub struct GossipSettings {
    pub keypair: libp2p::identity::Keypair,
    pub listen: Multiaddr,
    /// The other validators' gossip addresses, each ending in `/p2p/<peer id>`.
    pub peers: Vec<Multiaddr>,
    /// Topic name; carries the genesis hash prefix so chains never mix.
    pub topic: String,
}

fn peer_id_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().find_map(|p| match p {
        libp2p::multiaddr::Protocol::P2p(id) => Some(id),
        _ => None,
    })
}

/// Runs the gossip swarm until the task is dropped: sends what admission puts in its outbox
/// (`outbox`), admits what peers send through `admission`.
pub async fn run(
    admission: Arc<Admission>,
    mut outbox: mpsc::Receiver<Arc<SignedTx>>,
    settings: GossipSettings,
) -> anyhow::Result<()> {
    let peers: Vec<(PeerId, Multiaddr)> = settings
        .peers
        .iter()
        .map(|addr| {
            peer_id_of(addr)
                .map(|id| (id, addr.clone()))
                .with_context(|| format!("gossip peer {addr} has no /p2p/<peer id>"))
        })
        .collect::<anyhow::Result<_>>()?;
    let config = gossipsub::ConfigBuilder::default()
        .validation_mode(ValidationMode::Strict)
        .validate_messages()
        .max_transmit_size(BATCH_BYTES_MAX)
        .heartbeat_interval(Duration::from_millis(500))
        // A handful of validators: everyone in everyone's mesh.
        .mesh_n(peers.len().max(1))
        .mesh_n_low(1)
        .mesh_n_high(peers.len().max(1) + 2)
        .mesh_outbound_min(0)
        .flood_publish(true)
        .message_id_fn(|message: &gossipsub::Message| {
            gossipsub::MessageId::from(
                gongxin_core::Hash::digest(&message.data)
                    .as_bytes()
                    .to_vec(),
            )
        })
        .build()
        .map_err(|e| anyhow::anyhow!("gossip config: {e}"))?;
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(settings.keypair.clone())
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| anyhow::anyhow!("gossip transport: {e}"))?
        .with_behaviour(|key| {
            let mut allowed = allow_block_list::Behaviour::default();
            for (id, _) in &peers {
                allowed.allow_peer(*id);
            }
            let gossipsub =
                gossipsub::Behaviour::new(MessageAuthenticity::Signed(key.clone()), config)
                    .map_err(|e| anyhow::anyhow!("gossipsub: {e}"))?;
            Ok(Behaviour { allowed, gossipsub })
        })
        .map_err(|e| anyhow::anyhow!("gossip behaviour: {e}"))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(3600)))
        .build();
    let topic = IdentTopic::new(settings.topic.clone());
    swarm
        .behaviour_mut()
        .gossipsub
        .subscribe(&topic)
        .map_err(|e| anyhow::anyhow!("gossip subscribe: {e}"))?;
    for (id, _) in &peers {
        swarm.behaviour_mut().gossipsub.add_explicit_peer(id);
    }
    swarm
        .listen_on(settings.listen.clone())
        .with_context(|| format!("gossip cannot listen on {}", settings.listen))?;

    let mut redial = tokio::time::interval(Duration::from_secs(1));
    let mut flush = tokio::time::interval(BATCH_INTERVAL);
    let mut batch: Vec<SignedTx> = Vec::new();
    loop {
        tokio::select! {
            _ = redial.tick() => {
                for (id, addr) in &peers {
                    if !swarm.is_connected(id) {
                        let _ = swarm.dial(addr.clone());
                    }
                }
            }
            Some(tx) = outbox.recv() => {
                batch.push(SignedTx::clone(&tx));
                if batch.len() >= BATCH_TXS_MAX {
                    publish(&mut swarm, &topic, &mut batch);
                }
            }
            _ = flush.tick() => {
                if !batch.is_empty() {
                    publish(&mut swarm, &topic, &mut batch);
                }
            }
            event = swarm.select_next_some() => {
                if let SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                    propagation_source,
                    message_id,
                    message,
                })) = event
                {
                    let acceptance = receive(&admission, &message.data).await;
                    let _ = swarm.behaviour_mut().gossipsub.report_message_validation_result(
                        &message_id,
                        &propagation_source,
                        acceptance,
                    );
                }
            }
        }
    }
}

fn publish(swarm: &mut libp2p::Swarm<Behaviour>, topic: &IdentTopic, batch: &mut Vec<SignedTx>) {
    let data = encoding::encode(&std::mem::take(batch));
    if let Err(e) = swarm.behaviour_mut().gossipsub.publish(topic.clone(), data) {
        // No peer connected yet, or a duplicate: the transactions stay in our pool either way.
        tracing::debug!("gossip publish: {e}");
    }
}

/// Admits a received batch. A batch that does not decode, or holds a transaction whose
/// signature fails, is rejected (gossipsub then penalises its sender); duplicates are fine.
async fn receive(admission: &Arc<Admission>, data: &[u8]) -> MessageAcceptance {
    let Ok(txs) = encoding::decode::<Vec<SignedTx>, BATCH_BYTES_MAX>(data) else {
        return MessageAcceptance::Reject;
    };
    let admission = admission.clone();
    let verdict = tokio::task::spawn_blocking(move || {
        let sized = txs
            .into_iter()
            .map(|tx| {
                let bytes = encoding::encode(&tx).len();
                (tx, bytes)
            })
            .collect();
        let invalid = admission
            .submit_from_peer(sized)
            .iter()
            .any(|verdict| matches!(verdict.result, Err(SubmitError::Invalid(_))));
        // Already committed, pool full, expired by now, … : not the sender's fault.
        if invalid {
            MessageAcceptance::Reject
        } else {
            MessageAcceptance::Accept
        }
    })
    .await;
    verdict.unwrap_or(MessageAcceptance::Ignore)
}
