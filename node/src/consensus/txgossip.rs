//! Transaction gossip: a transaction admitted at any validator's gateway reaches the others,
//! so whoever proposes next has it.
//!
//! A second libp2p swarm (TCP + noise + yamux + gossipsub; Malachite's network carries only
//! consensus messages) whose allowlist holds exactly the other validators' node keys: any
//! other peer is refused as soon as noise has authenticated it, and connections from addresses
//! that are no configured peer's are bounded before the handshake (`consensus::sources`). Admitted transactions are sent
//! in batches (at most [`BATCH_TXS_MAX`] or every [`BATCH_INTERVAL`]).
//!
//! A received batch is decoded item by item within [`BATCH_BYTES_MAX`] and [`BATCH_TXS_MAX`]
//! transactions, then queued; its transactions go through the node's normal admission — which
//! checks each signature, the one check this node makes for it, and drops duplicates and
//! transactions already committed — on the blocking pool, never inside the swarm loop, at most
//! [`CHECKS_IN_FLIGHT_MAX`] batches at once. A peer is held to [`PEER_TXS_PER_S`] transactions
//! per second (beyond, its batches are ignored: neither checked nor forwarded), and a peer whose
//! batches are rejected [`REJECTS_BEFORE_BAN`] times within [`REJECT_WINDOW_MS`] (undecodable,
//! too many transactions, a bad signature) is disconnected and refused for [`BAN_MS`]
//! ([`PEER_LIMITS`], kept by `crate::rate::PeerGuard`).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::StreamExt;
use gongxin_core::encoding;
use gongxin_core::tx::SignedTx;
use libp2p::gossipsub::{self, IdentTopic, MessageAcceptance, MessageAuthenticity, ValidationMode};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, allow_block_list, noise, tcp, yamux};
use tokio::sync::mpsc;

use crate::admission::{Admission, SubmitError};
use crate::rate::{PeerGuard, PeerLimits};

/// Transactions per gossip message.
pub const BATCH_TXS_MAX: usize = 256;
/// How long an admitted transaction may wait for its batch to fill: fixed, a tenth of the
/// default 200 ms block interval, so a transaction still reaches the next proposer in time.
/// Every message costs its sender a libp2p signature and each receiver a signature check and a
/// hand-off to the check pool, so a shorter window multiplies those for one-transaction
/// submissions (5 ms gave batches of one or two transactions at 300 submissions/s per node).
pub const BATCH_INTERVAL: Duration = Duration::from_millis(20);
/// Largest gossip message accepted.
pub const BATCH_BYTES_MAX: usize = 4 * 1024 * 1024;
/// Received batches whose transactions are checked at once, each on the blocking pool.
pub const CHECKS_IN_FLIGHT_MAX: usize = 2;
/// Received batches waiting for their check; beyond this a new batch is ignored (not forwarded,
/// not held against its sender): its transactions still reach a proposer from the node they
/// were submitted to.
pub const CHECK_QUEUE_MAX: usize = 64;
/// Transactions per second one peer may make this node check, with a burst of one second's
/// worth — several times what an honest validator relays at the throughput goal.
pub const PEER_TXS_PER_S: u64 = 20_000;
/// Rejected batches within [`REJECT_WINDOW_MS`] after which their sender is disconnected.
pub const REJECTS_BEFORE_BAN: usize = 3;
pub const REJECT_WINDOW_MS: u64 = 60_000;
/// How long a disconnected peer is refused.
pub const BAN_MS: u64 = 60_000;

#[derive(NetworkBehaviour)]
struct Behaviour {
    /// First: judges an inbound connection by its source address before any handshake.
    sources: super::sources::SourceLimits,
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
    /// Tests of hostile peers only: what this node floods its peers with.
    pub flood: Option<FloodPlan>,
}

/// A test validator's gossip flood ([`crate::config::GossipFlood`]): transactions that claim
/// `claimed_signer` (a member) but are signed with `signing_key`, so every receiver pays a
/// signature check before it can reject them.
#[derive(Debug, Clone)]
pub struct FloodPlan {
    pub flood: crate::config::GossipFlood,
    pub chain_id: String,
    pub claimed_signer: gongxin_core::crypto::PublicKey,
    pub signing_key: gongxin_core::crypto::Keypair,
}

impl FloodPlan {
    /// The next flood batch: well-formed transactions whose signatures fail, valid until a few
    /// blocks after `height` so receivers do check them.
    fn batch(&self, height: u64, nonce: &mut u64) -> Vec<SignedTx> {
        (0..self.flood.txs)
            .map(|_| {
                *nonce += 1;
                let body = gongxin_core::tx::TxBody {
                    chain_id: self.chain_id.clone(),
                    signer: self.claimed_signer,
                    replay: gongxin_core::tx::ReplayGuard {
                        nonce: *nonce,
                        valid_until_height: height + 10,
                    },
                    operation: gongxin_core::model::Operation::ApproveProject {
                        project: format!("FLOOD-{nonce}"),
                    },
                };
                let signature = self.signing_key.sign(&body.signing_message());
                SignedTx { body, signature }
            })
            .collect()
    }
}

/// The peer id an address names (`…/p2p/<peer id>`), if it names one.
pub(super) fn peer_id_of(addr: &Multiaddr) -> Option<PeerId> {
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
            let sources = super::sources::SourceLimits::new(
                peers.iter().map(|(_, addr)| addr),
                admission.metrics.gossip_connections_refused.clone(),
            );
            Ok(Behaviour {
                sources,
                allowed,
                gossipsub,
            })
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
    let started = Instant::now();
    let now_ms = || started.elapsed().as_millis() as u64;
    let mut guard = PeerGuard::new(PEER_LIMITS);
    let mut waiting: VecDeque<Received> = VecDeque::new();
    let mut in_flight = 0usize;
    let (checked_tx, mut checked) = mpsc::channel::<Checked>(CHECKS_IN_FLIGHT_MAX);
    let mut flood = settings.flood.clone().map(|plan| {
        let every = Duration::from_millis(plan.flood.every_ms.max(1));
        (plan, tokio::time::interval(every), 0u64)
    });
    let metrics = &admission.metrics;
    loop {
        tokio::select! {
            _ = async {
                match flood.as_mut() {
                    Some((_, every, _)) => every.tick().await,
                    None => std::future::pending().await,
                }
            } => {
                if let Some((plan, _, nonce)) = flood.as_mut() {
                    let data = encoding::encode(&plan.batch(admission.height(), nonce));
                    let _ = swarm.behaviour_mut().gossipsub.publish(topic.clone(), data);
                }
            }
            _ = redial.tick() => {
                for peer in guard.bans_ended(now_ms()) {
                    swarm.behaviour_mut().allowed.allow_peer(peer);
                    tracing::info!(%peer, "gossip peer allowed again after its ban");
                }
                for (id, addr) in &peers {
                    if !swarm.is_connected(id) && !guard.is_banned(id) {
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
            Some(done) = checked.recv() => {
                in_flight -= 1;
                let mut guarded = Guarded { swarm: &mut swarm, guard: &mut guard, metrics };
                if guarded.report(done.message_id, done.peer, done.acceptance, now_ms()) {
                    // Banned: what it still has queued is not worth a check.
                    let (dropped, kept) = waiting.drain(..).partition(|r| r.peer == done.peer);
                    waiting = kept;
                    for received in dropped {
                        guarded.report(received.message_id, received.peer, MessageAcceptance::Ignore, now_ms());
                    }
                }
            }
            event = swarm.select_next_some() => {
                if let SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                    propagation_source: peer,
                    message_id,
                    message,
                })) = event
                {
                    let acceptance = match decode_batch(&message.data) {
                        _ if guard.is_banned(&peer) => Some(MessageAcceptance::Ignore),
                        Err(reason) => {
                            tracing::debug!(%peer, "gossip batch rejected: {reason}");
                            Some(MessageAcceptance::Reject)
                        }
                        Ok(txs) if !guard.spend(peer, txs.len() as u64, now_ms()) => {
                            Some(MessageAcceptance::Ignore)
                        }
                        Ok(_) if waiting.len() >= CHECK_QUEUE_MAX => Some(MessageAcceptance::Ignore),
                        Ok(txs) => {
                            waiting.push_back(Received { message_id: message_id.clone(), peer, txs });
                            None
                        }
                    };
                    if let Some(acceptance) = acceptance {
                        let mut guarded = Guarded { swarm: &mut swarm, guard: &mut guard, metrics };
                        // A ban here leaves nothing queued: its batches got this far only
                        // when they decoded, and only a check can reject those.
                        guarded.report(message_id, peer, acceptance, now_ms());
                    }
                }
            }
        }
        while in_flight < CHECKS_IN_FLIGHT_MAX
            && let Some(received) = waiting.pop_front()
        {
            in_flight += 1;
            let (admission, done) = (admission.clone(), checked_tx.clone());
            tokio::spawn(async move {
                let Received {
                    message_id,
                    peer,
                    txs,
                } = received;
                let acceptance = tokio::task::spawn_blocking(move || check(&admission, txs))
                    .await
                    .unwrap_or(MessageAcceptance::Ignore);
                let _ = done
                    .send(Checked {
                        message_id,
                        peer,
                        acceptance,
                    })
                    .await;
            });
        }
    }
}

/// A received batch waiting for its check.
struct Received {
    message_id: gossipsub::MessageId,
    peer: PeerId,
    txs: Vec<(SignedTx, usize)>,
}

/// A checked batch, back in the swarm loop to be reported.
struct Checked {
    message_id: gossipsub::MessageId,
    peer: PeerId,
    acceptance: MessageAcceptance,
}

/// The swarm with what guards it, for reporting a verdict.
struct Guarded<'a> {
    swarm: &'a mut libp2p::Swarm<Behaviour>,
    guard: &'a mut PeerGuard<PeerId>,
    metrics: &'a crate::admission::AdmissionMetrics,
}

impl Guarded<'_> {
    /// Tells gossipsub what became of a message (only accepted ones are forwarded), and holds a
    /// rejected one against its sender: too many and the sender is disconnected for a while
    /// (then this returns true).
    fn report(
        &mut self,
        message_id: gossipsub::MessageId,
        peer: PeerId,
        acceptance: MessageAcceptance,
        now_ms: u64,
    ) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let rejected = matches!(acceptance, MessageAcceptance::Reject);
        match acceptance {
            MessageAcceptance::Reject => self.metrics.gossip_batches_rejected.fetch_add(1, Relaxed),
            MessageAcceptance::Ignore => self.metrics.gossip_batches_ignored.fetch_add(1, Relaxed),
            MessageAcceptance::Accept => 0,
        };
        let _ = self
            .swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(&message_id, &peer, acceptance);
        if rejected && self.guard.strike(peer, now_ms) {
            tracing::warn!(
                %peer,
                "gossip peer sent {REJECTS_BEFORE_BAN} rejected batches within {} s: disconnected for {} s",
                REJECT_WINDOW_MS / 1000,
                BAN_MS / 1000
            );
            self.metrics.gossip_peer_bans.fetch_add(1, Relaxed);
            self.swarm.behaviour_mut().allowed.disallow_peer(peer);
            let _ = self.swarm.disconnect_peer_id(peer);
            return true;
        }
        false
    }
}

fn publish(swarm: &mut libp2p::Swarm<Behaviour>, topic: &IdentTopic, batch: &mut Vec<SignedTx>) {
    let data = encoding::encode(&std::mem::take(batch));
    if let Err(e) = swarm.behaviour_mut().gossipsub.publish(topic.clone(), data) {
        // No peer connected yet, or a duplicate: the transactions stay in our pool either way.
        tracing::debug!("gossip publish: {e}");
    }
}

/// Decodes a received batch within [`BATCH_BYTES_MAX`] and [`BATCH_TXS_MAX`]
/// ([`gongxin_core::tx::decode_batch`]).
pub fn decode_batch(data: &[u8]) -> Result<Vec<(SignedTx, usize)>, String> {
    if data.len() > BATCH_BYTES_MAX {
        return Err(format!("{} bytes; at most {BATCH_BYTES_MAX}", data.len()));
    }
    gongxin_core::tx::decode_batch(data, BATCH_TXS_MAX).map_err(|e| e.to_string())
}

/// Admits a decoded batch (on the blocking pool). A transaction an honest validator would never
/// have relayed — a failing signature, another chain, a signer who is no member — makes the
/// batch rejected (its sender is to blame); duplicates, committed or expired ones are not the
/// sender's fault.
fn check(admission: &Admission, txs: Vec<(SignedTx, usize)>) -> MessageAcceptance {
    let invalid = admission.submit_from_peer(txs).iter().any(|verdict| {
        matches!(
            verdict.result,
            Err(SubmitError::Invalid(_) | SubmitError::UnknownSigner(_))
        )
    });
    if invalid {
        MessageAcceptance::Reject
    } else {
        MessageAcceptance::Accept
    }
}

/// What each gossip peer may cost this node: [`PEER_TXS_PER_S`] transactions to check (a
/// second's worth at once), and a ban of [`BAN_MS`] after [`REJECTS_BEFORE_BAN`] rejected batches
/// within [`REJECT_WINDOW_MS`] (`PeerGuard::strike`).
pub const PEER_LIMITS: PeerLimits = PeerLimits {
    per_s: PEER_TXS_PER_S,
    burst_s: 1,
    strikes_before_ban: REJECTS_BEFORE_BAN,
    strike_window_ms: REJECT_WINDOW_MS,
    ban_ms: BAN_MS,
};

#[cfg(test)]
mod tests {
    use super::*;
    use gongxin_core::crypto::{Algorithm, Keypair};
    use gongxin_core::model::Operation;
    use gongxin_core::tx::{ReplayGuard, TxBody};

    fn signed(nonce: u64) -> SignedTx {
        let key = Keypair::from_secret_bytes(Algorithm::Ed25519, &[1; 32]).unwrap();
        TxBody {
            chain_id: "t".into(),
            signer: key.public_key(),
            replay: ReplayGuard {
                nonce,
                valid_until_height: 10,
            },
            operation: Operation::ApproveProject {
                project: "P".into(),
            },
        }
        .sign(&key)
    }

    #[test]
    fn a_batch_decodes_with_each_transactions_size() {
        let txs = vec![signed(1), signed(2)];
        let decoded = decode_batch(&encoding::encode(&txs)).unwrap();
        assert_eq!(decoded.len(), 2);
        for ((tx, size), original) in decoded.iter().zip(&txs) {
            assert_eq!(tx, original);
            assert_eq!(*size, encoding::encode(original).len());
        }
    }

    #[test]
    fn hostile_batches_are_refused_before_any_allocation_or_check() {
        // A count prefix claiming more than a batch may hold, with nothing behind it.
        let mut claim = (BATCH_TXS_MAX as u64 + 1).to_be_bytes().to_vec();
        assert!(decode_batch(&claim).unwrap_err().contains("at most 256"));
        claim = u64::MAX.to_be_bytes().to_vec();
        assert!(decode_batch(&claim).is_err());
        // Honest senders send at most BATCH_TXS_MAX: one more is refused even when it fits
        // in the byte bound.
        let many: Vec<SignedTx> = (0..=BATCH_TXS_MAX as u64).map(signed).collect();
        let bytes = encoding::encode(&many);
        assert!(bytes.len() <= BATCH_BYTES_MAX);
        assert!(decode_batch(&bytes).is_err());
        // Truncated, trailing bytes, empty, oversized.
        let good = encoding::encode(&vec![signed(1)]);
        assert!(decode_batch(&good[..good.len() - 1]).is_err());
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(decode_batch(&trailing).unwrap_err().contains("trailing"));
        assert!(decode_batch(&[]).is_err());
        assert!(decode_batch(&vec![0; BATCH_BYTES_MAX + 1]).is_err());
        // An empty batch is well formed (and costs nothing).
        assert_eq!(decode_batch(&0u64.to_be_bytes()).unwrap().len(), 0);
    }

    #[test]
    fn a_peer_may_cost_its_budget_per_second_and_no_more() {
        let mut guard = PeerGuard::new(PEER_LIMITS);
        assert!(guard.spend(1u8, PEER_TXS_PER_S, 0), "a second's burst");
        assert!(!guard.spend(1, 1, 0), "then nothing more at once");
        assert!(guard.spend(2, 1, 0), "each peer has its own budget");
        // Refilled at PEER_TXS_PER_S: after 100 ms a tenth of it.
        assert!(!guard.spend(1, PEER_TXS_PER_S / 10 + 1, 100));
        assert!(guard.spend(1, PEER_TXS_PER_S / 10, 100));
        // Never more than one second's worth, however long it was idle.
        assert!(!guard.spend(1, PEER_TXS_PER_S + 1, 10_000_000));
        assert!(guard.spend(1, PEER_TXS_PER_S, 10_000_000));
    }

    #[test]
    fn repeated_rejections_ban_a_peer_for_a_while() {
        let mut guard = PeerGuard::new(PEER_LIMITS);
        assert!(!guard.strike(7u8, 0));
        assert!(!guard.strike(7, 1_000));
        // The first fell out of the window: still two.
        assert!(!guard.strike(7, REJECT_WINDOW_MS + 500));
        assert!(!guard.is_banned(&7));
        assert!(
            guard.strike(7, REJECT_WINDOW_MS + 600),
            "the third within the window"
        );
        assert!(guard.is_banned(&7));
        assert!(!guard.is_banned(&8));
        let banned_at = REJECT_WINDOW_MS + 600;
        assert!(guard.bans_ended(banned_at + BAN_MS - 1).is_empty());
        assert_eq!(guard.bans_ended(banned_at + BAN_MS), vec![7]);
        assert!(!guard.is_banned(&7));
        assert!(
            !guard.strike(7, banned_at + BAN_MS + 1),
            "the tally started over"
        );
    }
}
