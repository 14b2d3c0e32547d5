//! What a peer's consensus messages may cost this node: a budget of signature checks per
//! peer, and a ban for a peer that keeps spending past it.
//!
//! Malachite checks the signature of every vote, proposal and certificate a peer sends, with
//! no bound on how many, so a validator flooding badly signed votes costs every other one a
//! signature check each. The guard sits between Malachite's consensus and sync actors and its
//! network actor (`EngineBuilder::with_custom_network`):
//! - [`ConsensusGuard`] takes the network actor's place. What this node sends passes through
//!   unchanged; a subscription to what arrives is handed to the hub.
//! - [`GuardHub`] is the network actor's only subscriber. It charges each signed message to the
//!   peer that delivered it — its sender, since the consensus network never relays (`engine`:
//!   `PubSubProtocol::Broadcast`) — and passes it on while that peer is within its budget
//!   ([`PeerBudgets`]: [`CHECKS_PER_S`] signature checks a second). Past the budget a message
//!   is dropped unchecked. A peer with [`DROPS_BEFORE_BAN`] drops within [`DROP_WINDOW_MS`] is
//!   banned for [`BAN_MS`]: removed from the persistent peers, which (with
//!   `persistent_peers_only`) disconnects it and refuses it, and added back when the ban ends.
//!
//! An honest validator sends a proposal and two votes per round, and rebroadcasts them only
//! after seconds without progress: tens of signatures a second at the fastest block pace, a
//! tenth of the budget.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use malachitebft_app_channel::app::engine::network::{
    Msg as NetworkMsg, Multiaddr, NetworkEvent, NetworkRef, PersistentPeersOp, Subscriber,
};
use malachitebft_app_channel::app::types::PeerId;
use malachitebft_network::Channel;
use ractor::{Actor, ActorProcessingErr, ActorRef};

use super::context::GongxinContext;
use crate::clock::SharedClock;
use crate::node::Node;
use crate::rate::{PeerGuard, PeerLimits};

/// Signature checks a peer's messages may cost this node per second (and twice that at once).
pub const CHECKS_PER_S: u64 = 200;
/// Messages dropped over budget within [`DROP_WINDOW_MS`] that get a peer banned: two seconds'
/// worth of its budget.
pub const DROPS_BEFORE_BAN: usize = 2 * CHECKS_PER_S as usize;
pub const DROP_WINDOW_MS: u64 = 10_000;
/// How long a banned peer stays disconnected.
pub const BAN_MS: u64 = 60_000;

/// What to do with a message a peer delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the peer's budget: on to consensus.
    Pass,
    /// Over budget: dropped unchecked.
    Drop,
    /// Over budget once too often: dropped, and the peer banned from now.
    Ban,
    /// The peer is banned: dropped.
    Banned,
}

/// What each consensus peer may cost: [`CHECKS_PER_S`] signature checks (two seconds' worth at
/// once), and a ban of [`BAN_MS`] after [`DROPS_BEFORE_BAN`] messages dropped over that within
/// [`DROP_WINDOW_MS`].
pub const PEER_LIMITS: PeerLimits = PeerLimits {
    per_s: CHECKS_PER_S,
    burst_s: 2,
    strikes_before_ban: DROPS_BEFORE_BAN,
    strike_window_ms: DROP_WINDOW_MS,
    ban_ms: BAN_MS,
};

/// Each peer's budget of signature checks, its drops, and its ban: [`PEER_LIMITS`] in a
/// [`PeerGuard`], where a message dropped over budget is a strike.
#[derive(Debug)]
pub struct PeerBudgets<K>(PeerGuard<K>);

impl<K: std::hash::Hash + Eq + Copy> Default for PeerBudgets<K> {
    fn default() -> Self {
        PeerBudgets(PeerGuard::new(PEER_LIMITS))
    }
}

impl<K: std::hash::Hash + Eq + Copy> PeerBudgets<K> {
    /// Charges `checks` signature checks to `peer` at `now_ms`.
    pub fn charge(&mut self, peer: K, checks: u64, now_ms: u64) -> Verdict {
        if self.0.is_banned(&peer) {
            Verdict::Banned
        } else if self.0.spend(peer, checks, now_ms) {
            Verdict::Pass
        } else if self.0.strike(peer, now_ms) {
            Verdict::Ban
        } else {
            Verdict::Drop
        }
    }

    pub fn is_banned(&self, peer: &K) -> bool {
        self.0.is_banned(peer)
    }

    /// The peers whose ban is over at `now_ms`: no longer banned, with a full budget.
    pub fn bans_ended(&mut self, now_ms: u64) -> Vec<K> {
        self.0.bans_ended(now_ms)
    }
}

/// The peer that delivered `event` and the signature checks it asks of consensus, for the
/// events that carry signatures.
fn signature_checks(event: &NetworkEvent<GongxinContext>) -> Option<(PeerId, u64)> {
    let count = |n: usize| (n as u64).max(1);
    match event {
        NetworkEvent::Vote(peer, _) | NetworkEvent::Proposal(peer, _) => Some((*peer, 1)),
        NetworkEvent::PolkaCertificate(peer, certificate) => {
            Some((*peer, count(certificate.polka_signatures.len())))
        }
        NetworkEvent::RoundCertificate(peer, certificate) => {
            Some((*peer, count(certificate.round_signatures.len())))
        }
        _ => None,
    }
}

/// The peer whose message `event` is, for what a banned peer may no longer deliver: anything
/// it sends of its own accord. (Answers to this node's sync requests still arrive, so the sync
/// actor's bookkeeping stays whole.)
fn sender(event: &NetworkEvent<GongxinContext>) -> Option<PeerId> {
    match event {
        NetworkEvent::Vote(peer, _)
        | NetworkEvent::Proposal(peer, _)
        | NetworkEvent::ProposalPart(peer, _, _)
        | NetworkEvent::PolkaCertificate(peer, _)
        | NetworkEvent::RoundCertificate(peer, _)
        | NetworkEvent::Status(peer, _) => Some(*peer),
        _ => None,
    }
}

/// Takes the network actor's place for consensus and sync: forwards what they send, and hands
/// their subscriptions to the [`GuardHub`]. Stops the network actor and the hub when it stops
/// (the engine's supervisor stops only its own children).
pub(crate) struct ConsensusGuard {
    real_network: NetworkRef<GongxinContext>,
    hub: ActorRef<HubMsg>,
    #[cfg(feature = "byzantine")]
    flood: Option<flood::VoteFlood>,
}

impl ConsensusGuard {
    /// Spawns the hub (subscribed to `real_network`) and the guard in front of it; the guard's
    /// ref is what consensus takes as its network. `peers`: the configured consensus peers by
    /// peer id, with the addresses they are configured by.
    /// `vote_flood`: the test mode's flood this validator sends, if any (only in `byzantine`
    /// builds).
    pub async fn spawn(
        node: &Node,
        real_network: NetworkRef<GongxinContext>,
        peers: HashMap<PeerId, Vec<Multiaddr>>,
        vote_flood: Option<crate::config::VoteFlood>,
    ) -> anyhow::Result<NetworkRef<GongxinContext>> {
        #[cfg(feature = "byzantine")]
        let flood = match flood::VoteFlood::new(node, vote_flood) {
            Ok(flood) => flood,
            Err(e) => {
                real_network.stop(None);
                return Err(e);
            }
        };
        #[cfg(not(feature = "byzantine"))]
        if vote_flood.is_some() {
            real_network.stop(None);
            anyhow::bail!(
                "the config asks this validator to flood votes (`consensus.vote_flood`), but this gongxin-node was built without the Byzantine test mode (cargo feature `byzantine`, for tests only)"
            );
        }
        let hub_args = HubArgs {
            clock: node.clock.clone(),
            over_budget: node.metrics.consensus_messages_over_budget.clone(),
            bans: node.metrics.consensus_peer_bans.clone(),
            real_network: real_network.clone(),
            peers,
        };
        let hub = match Actor::spawn(None, GuardHub, hub_args).await {
            Ok((hub, _)) => hub,
            Err(e) => {
                real_network.stop(None);
                anyhow::bail!("cannot start the consensus guard: {e}");
            }
        };
        let guard = ConsensusGuard {
            real_network: real_network.clone(),
            hub: hub.clone(),
            #[cfg(feature = "byzantine")]
            flood,
        };
        match Actor::spawn(None, guard, ()).await {
            Ok((guard, _)) => Ok(guard),
            Err(e) => {
                hub.stop(None);
                real_network.stop(None);
                Err(anyhow::anyhow!("cannot start the consensus guard: {e}"))
            }
        }
    }
}

#[async_trait]
impl Actor for ConsensusGuard {
    type Msg = NetworkMsg<GongxinContext>;
    type State = ();
    type Arguments = ();

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        _: (),
    ) -> Result<(), ActorProcessingErr> {
        // Either one stopping stops the guard (an actor's default on a child's exit), and so
        // the engine.
        self.real_network.link(myself.get_cell());
        self.hub.link(myself.get_cell());
        #[cfg(feature = "byzantine")]
        if let Some(flood) = &self.flood {
            flood.start(self.real_network.clone());
        }
        Ok(())
    }

    async fn handle(
        &self,
        _: ActorRef<Self::Msg>,
        msg: Self::Msg,
        _: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            NetworkMsg::Subscribe(subscriber) => self.hub.cast(HubMsg::Subscribe(subscriber))?,
            other => {
                #[cfg(feature = "byzantine")]
                if let (Some(flood), NetworkMsg::PublishConsensusMsg(sent)) = (&self.flood, &other)
                {
                    flood.saw(sent);
                }
                self.real_network.cast(other)?
            }
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _: ActorRef<Self::Msg>,
        _: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        // Within the 10 s the engine's supervisor gives the guard (`engine::stop`).
        const GRACE: Duration = Duration::from_secs(8);
        if let Err(e) = self.hub.stop_and_wait(None, Some(GRACE)).await {
            tracing::debug!(error = %e, "the consensus guard's hub had already stopped");
        }
        // The swarm closes in the network actor's own shutdown: wait for it, so that a new
        // engine can take the same port.
        if let Err(e) = self.real_network.stop_and_wait(None, Some(GRACE)).await {
            tracing::debug!(error = %e, "the consensus network actor had already stopped");
        }
        Ok(())
    }
}

/// What the hub is sent: the network's events, subscriptions, and a tick to end bans.
// Nearly every message is an event: boxing it would add an allocation to each for nothing.
#[allow(clippy::large_enum_variant)]
enum HubMsg {
    Event(NetworkEvent<GongxinContext>),
    Subscribe(Box<dyn Subscriber<NetworkEvent<GongxinContext>>>),
    Tick,
}

impl From<NetworkEvent<GongxinContext>> for HubMsg {
    fn from(event: NetworkEvent<GongxinContext>) -> Self {
        HubMsg::Event(event)
    }
}

/// The network actor's one subscriber: judges each event by its sender's budget and passes
/// what it lets through to every subscriber of its own.
struct GuardHub;

struct HubArgs {
    clock: SharedClock,
    /// Where the hub counts messages it drops, and bans.
    over_budget: Arc<AtomicU64>,
    bans: Arc<AtomicU64>,
    real_network: NetworkRef<GongxinContext>,
    /// The configured peers, the only ones whose messages count.
    peers: HashMap<PeerId, Vec<Multiaddr>>,
}

struct HubState {
    args: HubArgs,
    budgets: PeerBudgets<PeerId>,
    subscribers: Vec<Box<dyn Subscriber<NetworkEvent<GongxinContext>>>>,
    /// What the network said so far of itself, told to each new subscriber first, as the
    /// network actor tells its own.
    listening: Vec<Multiaddr>,
    connected: BTreeSet<PeerId>,
    subscribed: HashSet<(PeerId, Channel)>,
    ticks: Option<tokio::task::JoinHandle<()>>,
}

#[async_trait]
impl Actor for GuardHub {
    type Msg = HubMsg;
    type State = HubState;
    type Arguments = HubArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<HubMsg>,
        args: HubArgs,
    ) -> Result<HubState, ActorProcessingErr> {
        args.real_network
            .cast(NetworkMsg::Subscribe(Box::new(myself.clone())))?;
        let ticks = myself.send_interval(Duration::from_secs(1), || HubMsg::Tick);
        Ok(HubState {
            args,
            budgets: PeerBudgets::default(),
            subscribers: Vec::new(),
            listening: Vec::new(),
            connected: BTreeSet::new(),
            subscribed: HashSet::new(),
            ticks: Some(ticks),
        })
    }

    async fn handle(
        &self,
        _: ActorRef<HubMsg>,
        msg: HubMsg,
        state: &mut HubState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            HubMsg::Event(event) => state.judge(event),
            HubMsg::Subscribe(subscriber) => state.subscribe(subscriber),
            HubMsg::Tick => state.end_bans(),
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _: ActorRef<HubMsg>,
        state: &mut HubState,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(ticks) = state.ticks.take() {
            ticks.abort();
        }
        Ok(())
    }
}

impl HubState {
    fn subscribe(&mut self, subscriber: Box<dyn Subscriber<NetworkEvent<GongxinContext>>>) {
        for addr in &self.listening {
            subscriber.send(NetworkEvent::Listening(addr.clone()));
        }
        for peer in &self.connected {
            subscriber.send(NetworkEvent::PeerConnected(*peer));
        }
        for (peer, channel) in &self.subscribed {
            subscriber.send(NetworkEvent::PeerSubscribed(*peer, *channel));
        }
        self.subscribers.push(subscriber);
    }

    fn judge(&mut self, event: NetworkEvent<GongxinContext>) {
        self.remember(&event);
        // Malachite refuses a peer that is not configured only once its identify exchange is
        // done; whatever it sends before then counts for nothing.
        if sender(&event).is_some_and(|peer| !self.args.peers.contains_key(&peer)) {
            self.over_budget();
            return;
        }
        if let Some((peer, checks)) = signature_checks(&event) {
            let now_ms = self.args.clock.now_ms();
            match self.budgets.charge(peer, checks, now_ms) {
                Verdict::Pass => {}
                Verdict::Drop | Verdict::Banned => {
                    self.over_budget();
                    return;
                }
                Verdict::Ban => {
                    self.over_budget();
                    self.ban(peer);
                    return;
                }
            }
        } else if sender(&event).is_some_and(|peer| self.budgets.is_banned(&peer)) {
            return;
        }
        // A proposal part may be half a megabyte: the last subscriber takes the event itself.
        if let Some((last, others)) = self.subscribers.split_last() {
            for subscriber in others {
                subscriber.send(event.clone());
            }
            last.send(event);
        }
    }

    fn remember(&mut self, event: &NetworkEvent<GongxinContext>) {
        match event {
            NetworkEvent::Listening(addr) => self.listening.push(addr.clone()),
            NetworkEvent::PeerConnected(peer) => {
                self.connected.insert(*peer);
            }
            NetworkEvent::PeerDisconnected(peer) => {
                self.connected.remove(peer);
                self.subscribed.retain(|(p, _)| p != peer);
            }
            NetworkEvent::PeerSubscribed(peer, channel) => {
                self.subscribed.insert((*peer, *channel));
            }
            _ => {}
        }
    }

    fn over_budget(&self) {
        self.args.over_budget.fetch_add(1, Ordering::Relaxed);
    }

    fn ban(&mut self, peer: PeerId) {
        self.args.bans.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            %peer,
            "consensus peer sent more than {CHECKS_PER_S} signatures a second to check, {DROPS_BEFORE_BAN} times within {} s: disconnected for {} s",
            DROP_WINDOW_MS / 1000,
            BAN_MS / 1000
        );
        self.update_peer(peer, PersistentPeersOp::Remove);
    }

    fn end_bans(&mut self) {
        let now_ms = self.args.clock.now_ms();
        for peer in self.budgets.bans_ended(now_ms) {
            tracing::info!(%peer, "consensus peer allowed again after its ban");
            self.update_peer(peer, PersistentPeersOp::Add);
        }
    }

    /// Removes `peer` from the network's persistent peers, or adds it back, by every address it
    /// is configured by (an address left would keep it persistent: dialled and let in).
    fn update_peer(&self, peer: PeerId, op: fn(Multiaddr) -> PersistentPeersOp) {
        for addr in self.args.peers.get(&peer).into_iter().flatten() {
            let (reply, answer) = ractor::concurrency::oneshot();
            let op = op(addr.clone());
            let described = format!("{op:?}");
            if let Err(e) = self
                .args
                .real_network
                .cast(NetworkMsg::UpdatePersistentPeers(op, reply.into()))
            {
                tracing::warn!(error = %e, "cannot update the consensus peers: {described}");
                return;
            }
            tokio::spawn(async move {
                match answer.await {
                    Ok(Ok(())) => tracing::info!(%peer, "consensus peers updated: {described}"),
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, %peer, "consensus peers not updated: {described}")
                    }
                    Err(_) => tracing::debug!("the consensus network stopped before: {described}"),
                }
            });
        }
    }
}

/// Test mode only (`consensus.vote_flood` in a `byzantine` build with
/// `GONGXIN_ALLOW_BYZANTINE=1`): besides its honest votes, this validator publishes votes
/// claimed by the other validators, for the rounds just ahead of its own last vote, carrying its
/// own vote's signature — each costs a receiver a signature check before it is refused.
#[cfg(feature = "byzantine")]
mod flood {
    use std::sync::Mutex;

    use malachitebft_app_channel::app::consensus::SignedConsensusMsg;
    use malachitebft_app_channel::app::engine::network::{Msg as NetworkMsg, NetworkRef};
    use malachitebft_app_channel::app::types::core::{
        NilOrVal, Round, SignedMessage, Vote as _, VoteType,
    };

    use super::super::context::{Address, GongxinContext, Vote};
    use crate::config::{ALLOW_BYZANTINE_ENV, VoteFlood as Plan};
    use crate::node::Node;

    /// Votes past a round this far ahead are dropped unchecked by Malachite (its lookahead is
    /// 10): forged ones stay within it, so each costs a check.
    const ROUNDS_AHEAD: u32 = 8;

    pub struct VoteFlood {
        plan: Plan,
        /// Whose votes it forges: every other validator.
        others: Vec<Address>,
        /// This validator's last vote, the forged ones' pattern.
        last: std::sync::Arc<Mutex<Option<SignedMessage<GongxinContext, Vote>>>>,
    }

    impl VoteFlood {
        pub fn new(node: &Node, plan: Option<Plan>) -> anyhow::Result<Option<VoteFlood>> {
            let Some(plan) = plan else {
                return Ok(None);
            };
            if std::env::var(ALLOW_BYZANTINE_ENV).as_deref() != Ok("1") {
                anyhow::bail!(
                    "the config asks this validator to flood votes (`consensus.vote_flood`); that is for tests only and needs {ALLOW_BYZANTINE_ENV}=1"
                );
            }
            tracing::warn!(
                ?plan,
                "HOSTILE TEST MODE: this validator floods consensus with badly signed votes"
            );
            let others = node
                .genesis
                .validators
                .validators()
                .iter()
                .filter(|v| v.name != node.name)
                .map(|v| Address(v.name.clone()))
                .collect();
            Ok(Some(VoteFlood {
                plan,
                others,
                last: Default::default(),
            }))
        }

        pub fn saw(&self, sent: &SignedConsensusMsg<GongxinContext>) {
            if let SignedConsensusMsg::Vote(vote) = sent {
                *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(vote.clone());
            }
        }

        pub fn start(&self, network: NetworkRef<GongxinContext>) {
            let (plan, others, last) = (self.plan, self.others.clone(), self.last.clone());
            tokio::spawn(async move {
                let mut tick =
                    tokio::time::interval(std::time::Duration::from_millis(plan.every_ms));
                let mut counter = 0u64;
                loop {
                    tick.tick().await;
                    // A follower never votes, so never fails a cast: ask whether the engine stopped.
                    if network.get_status() as u8 >= ractor::ActorStatus::Stopping as u8 {
                        return;
                    }
                    let Some(pattern) = last.lock().unwrap_or_else(|e| e.into_inner()).clone()
                    else {
                        continue;
                    };
                    for _ in 0..plan.votes {
                        counter += 1;
                        let forged = forge(&pattern, &others, counter);
                        if network
                            .cast(NetworkMsg::PublishConsensusMsg(SignedConsensusMsg::Vote(
                                forged,
                            )))
                            .is_err()
                        {
                            return; // the network stopped
                        }
                    }
                }
            });
        }
    }

    /// The `counter`th forgery of `pattern`: another validator's vote, for a round just ahead,
    /// a value no one proposed, under `pattern`'s signature.
    fn forge(
        pattern: &SignedMessage<GongxinContext, Vote>,
        others: &[Address],
        counter: u64,
    ) -> SignedMessage<GongxinContext, Vote> {
        let mut block = match &pattern.message.value {
            NilOrVal::Val(id) => id.0,
            NilOrVal::Nil => super::super::context::no_block(),
        };
        block.hash = gongxin_core::Hash::digest(&counter.to_be_bytes());
        let ahead = (counter % u64::from(ROUNDS_AHEAD)) as u32;
        let vote = Vote {
            kind: if counter.is_multiple_of(2) {
                VoteType::Prevote
            } else {
                VoteType::Precommit
            },
            height: pattern.message.height(),
            round: Round::new(pattern.message.round().as_u32().unwrap_or(0) + ahead),
            value: NilOrVal::Val(super::super::context::ValueId(block)),
            validator: others
                .get(counter as usize % others.len().max(1))
                .cloned()
                .unwrap_or_else(|| pattern.message.validator.clone()),
            extension: None,
        };
        SignedMessage::new(vote, pattern.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::consensus::context::{Address, ConsensusSignature, Height, Vote};
    use gongxin_core::crypto::{Algorithm, Keypair};
    use malachitebft_app_channel::app::types::core::{NilOrVal, Round, SignedMessage, VoteType};
    use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

    /// What the stand-in network actor was asked.
    enum Asked {
        Subscribe(Box<dyn Subscriber<NetworkEvent<GongxinContext>>>),
        Peers(PersistentPeersOp),
    }

    /// Stands in for Malachite's network actor: reports subscriptions and peer updates.
    struct StandInNetwork;

    #[async_trait]
    impl Actor for StandInNetwork {
        type Msg = NetworkMsg<GongxinContext>;
        type State = UnboundedSender<Asked>;
        type Arguments = UnboundedSender<Asked>;

        async fn pre_start(
            &self,
            _: ActorRef<Self::Msg>,
            asked: Self::Arguments,
        ) -> Result<Self::State, ActorProcessingErr> {
            Ok(asked)
        }

        async fn handle(
            &self,
            _: ActorRef<Self::Msg>,
            msg: Self::Msg,
            asked: &mut Self::State,
        ) -> Result<(), ActorProcessingErr> {
            match msg {
                NetworkMsg::Subscribe(subscriber) => {
                    let _ = asked.send(Asked::Subscribe(subscriber));
                }
                NetworkMsg::UpdatePersistentPeers(op, reply) => {
                    let _ = reply.send(Ok(()));
                    let _ = asked.send(Asked::Peers(op));
                }
                _ => {}
            }
            Ok(())
        }
    }

    /// A subscriber of the hub: forwards what it is told to a channel.
    struct Listener;

    struct Heard(NetworkEvent<GongxinContext>);

    impl From<NetworkEvent<GongxinContext>> for Heard {
        fn from(event: NetworkEvent<GongxinContext>) -> Self {
            Heard(event)
        }
    }

    #[async_trait]
    impl Actor for Listener {
        type Msg = Heard;
        type State = UnboundedSender<NetworkEvent<GongxinContext>>;
        type Arguments = UnboundedSender<NetworkEvent<GongxinContext>>;

        async fn pre_start(
            &self,
            _: ActorRef<Heard>,
            heard: Self::Arguments,
        ) -> Result<Self::State, ActorProcessingErr> {
            Ok(heard)
        }

        async fn handle(
            &self,
            _: ActorRef<Heard>,
            Heard(event): Heard,
            heard: &mut Self::State,
        ) -> Result<(), ActorProcessingErr> {
            let _ = heard.send(event);
            Ok(())
        }
    }

    fn peer(seed: u8) -> (PeerId, Multiaddr) {
        let key = libp2p::identity::Keypair::ed25519_from_bytes([seed; 32]).unwrap();
        let id = key.public().to_peer_id();
        let addr = format!("/ip4/127.0.0.1/tcp/{}/p2p/{id}", 7000 + u16::from(seed));
        (
            crate::consensus::engine::malachite_peer_id(id).unwrap(),
            addr.parse().unwrap(),
        )
    }

    fn vote(round: u32) -> SignedMessage<GongxinContext, Vote> {
        let key = Keypair::from_secret_bytes(Algorithm::Ed25519, &[9; 32]).unwrap();
        let vote = Vote {
            kind: VoteType::Prevote,
            height: Height(5),
            round: Round::new(round),
            value: NilOrVal::Nil,
            validator: Address("audit".into()),
            extension: None,
        };
        SignedMessage::new(vote, ConsensusSignature(key.sign(b"not this vote")))
    }

    async fn next<T>(rx: &mut UnboundedReceiver<T>) -> T {
        tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("in time")
            .expect("open")
    }

    /// Whether `rx` has nothing more within a moment.
    async fn quiet<T>(rx: &mut UnboundedReceiver<T>) -> bool {
        tokio::time::timeout(Duration::from_millis(200), rx.recv())
            .await
            .is_err()
    }

    #[tokio::test]
    async fn the_hub_passes_what_is_within_budget_and_bans_a_flooder_until_its_ban_ends() {
        let (flooder, flooder_addr) = peer(1);
        let (honest, honest_addr) = peer(2);
        let (asked_tx, mut asked) = unbounded_channel();
        let (network, _) = Actor::spawn(None, StandInNetwork, asked_tx).await.unwrap();
        let clock = ManualClock::new(1_000_000);
        let (over_budget, bans) = (Arc::default(), Arc::default());
        let args = HubArgs {
            clock: clock.clone(),
            over_budget: Arc::clone(&over_budget),
            bans: Arc::clone(&bans),
            real_network: network.clone(),
            peers: HashMap::from([
                (flooder, vec![flooder_addr.clone()]),
                (honest, vec![honest_addr]),
            ]),
        };
        let (hub, _) = Actor::spawn(None, GuardHub, args).await.unwrap();
        // The hub subscribes to the network; the network tells it who is connected.
        let Asked::Subscribe(network_to_hub) = next(&mut asked).await else {
            panic!("the hub did not subscribe")
        };
        let listening: Multiaddr = "/ip4/127.0.0.1/tcp/7000".parse().unwrap();
        network_to_hub.send(NetworkEvent::Listening(listening.clone()));
        network_to_hub.send(NetworkEvent::PeerConnected(flooder));
        network_to_hub.send(NetworkEvent::PeerConnected(honest));
        // A subscriber that comes later is told that first, as the network would tell it.
        let (heard_tx, mut heard) = unbounded_channel();
        let (listener, _) = Actor::spawn(None, Listener, heard_tx).await.unwrap();
        hub.cast(HubMsg::Subscribe(Box::new(listener.clone())))
            .unwrap();
        assert!(
            matches!(next(&mut heard).await, NetworkEvent::Listening(addr) if addr == listening)
        );
        let mut connected = BTreeSet::new();
        for _ in 0..2 {
            let NetworkEvent::PeerConnected(peer) = next(&mut heard).await else {
                panic!("not told who is connected first")
            };
            connected.insert(peer);
        }
        assert_eq!(connected, BTreeSet::from([flooder, honest]));
        // The flooder sends its burst's worth and then as many again as get it banned, with
        // no time passing: the burst passes, the rest is dropped, and the last drop bans it.
        let burst = 2 * CHECKS_PER_S as usize;
        for round in 0..burst + DROPS_BEFORE_BAN {
            network_to_hub.send(NetworkEvent::Vote(flooder, vote(round as u32)));
        }
        for _ in 0..burst {
            assert!(matches!(next(&mut heard).await, NetworkEvent::Vote(p, _) if p == flooder));
        }
        let Asked::Peers(PersistentPeersOp::Remove(removed)) = next(&mut asked).await else {
            panic!("the flooder was not removed from the persistent peers")
        };
        assert_eq!(removed, flooder_addr);
        assert!(quiet(&mut heard).await, "more than its burst was passed on");
        assert_eq!(over_budget.load(Ordering::Relaxed), DROPS_BEFORE_BAN as u64);
        assert_eq!(bans.load(Ordering::Relaxed), 1);
        // While banned, nothing it sends of its own accord passes, a sync status no more than a
        // vote; another peer's do.
        let status =
            || malachitebft_app_channel::app::engine::network::Status::new(Height(9), Height(1));
        network_to_hub.send(NetworkEvent::Vote(flooder, vote(0)));
        network_to_hub.send(NetworkEvent::Status(flooder, status()));
        network_to_hub.send(NetworkEvent::Vote(honest, vote(0)));
        network_to_hub.send(NetworkEvent::Status(honest, status()));
        assert!(matches!(next(&mut heard).await, NetworkEvent::Vote(p, _) if p == honest));
        assert!(matches!(next(&mut heard).await, NetworkEvent::Status(p, _) if p == honest));
        assert!(quiet(&mut heard).await);
        // A peer that is not configured (before Malachite's identify refuses it) counts for
        // nothing, though it never spent a budget.
        let (stranger, _) = peer(3);
        network_to_hub.send(NetworkEvent::Vote(stranger, vote(0)));
        assert!(quiet(&mut heard).await, "a stranger's vote was passed on");
        assert_eq!(
            over_budget.load(Ordering::Relaxed),
            DROPS_BEFORE_BAN as u64 + 2
        );
        // Its ban ends BAN_MS later: it is added back, with a full budget.
        hub.cast(HubMsg::Tick).unwrap();
        assert!(quiet(&mut asked).await, "the ban ended early");
        clock.advance_ms(BAN_MS);
        hub.cast(HubMsg::Tick).unwrap();
        let Asked::Peers(PersistentPeersOp::Add(added)) = next(&mut asked).await else {
            panic!("the flooder was not added back")
        };
        assert_eq!(added, flooder_addr);
        network_to_hub.send(NetworkEvent::Vote(flooder, vote(1)));
        assert!(matches!(next(&mut heard).await, NetworkEvent::Vote(p, _) if p == flooder));
        for actor in [hub.get_cell(), network.get_cell(), listener.get_cell()] {
            actor.stop(None);
        }
    }

    #[test]
    fn a_peer_within_its_budget_passes_and_one_past_it_is_dropped_until_it_refills() {
        let mut budgets = PeerBudgets::default();
        // Two seconds' worth at once.
        for _ in 0..2 * CHECKS_PER_S {
            assert_eq!(budgets.charge(1, 1, 0), Verdict::Pass);
        }
        assert_eq!(budgets.charge(1, 1, 0), Verdict::Drop);
        // Another peer has its own budget.
        assert_eq!(budgets.charge(2, 1, 0), Verdict::Pass);
        // A certificate of many signatures costs them all.
        assert_eq!(budgets.charge(2, 2 * CHECKS_PER_S, 0), Verdict::Drop);
        // Ten milliseconds refill two checks.
        assert_eq!(budgets.charge(1, 2, 10), Verdict::Pass);
        assert_eq!(budgets.charge(1, 1, 10), Verdict::Drop);
        // Refilled to two seconds' worth, never more.
        for _ in 0..2 * CHECKS_PER_S {
            assert_eq!(budgets.charge(1, 1, 60_000), Verdict::Pass);
        }
        assert_eq!(budgets.charge(1, 1, 60_000), Verdict::Drop);
    }

    #[test]
    fn an_honest_validators_pace_never_comes_near_the_budget() {
        // Ten heights a second (faster than any configured block pace), each with a proposal
        // and two votes, and every five heights a rebroadcast of two votes and a round
        // certificate of four signatures: for a minute.
        let mut budgets = PeerBudgets::default();
        for height in 0..600u64 {
            let at = height * 100;
            for _ in 0..3 {
                assert_eq!(budgets.charge(7, 1, at), Verdict::Pass);
            }
            if height % 5 == 0 {
                assert_eq!(budgets.charge(7, 1, at), Verdict::Pass);
                assert_eq!(budgets.charge(7, 1, at), Verdict::Pass);
                assert_eq!(budgets.charge(7, 4, at), Verdict::Pass);
            }
        }
        assert!(!budgets.is_banned(&7));
    }

    #[test]
    fn a_peer_that_keeps_going_past_its_budget_is_banned_for_a_while() {
        let mut budgets = PeerBudgets::default();
        // A flood of a thousand badly signed votes a second, in 10 ms bursts.
        let mut verdicts = Vec::new();
        let mut at = 0;
        while !verdicts.contains(&Verdict::Ban) {
            for _ in 0..10 {
                verdicts.push(budgets.charge(3, 1, at));
            }
            at += 10;
            assert!(at < DROP_WINDOW_MS, "never banned");
        }
        let passed = verdicts.iter().filter(|v| **v == Verdict::Pass).count() as u64;
        let dropped = verdicts.iter().filter(|v| **v == Verdict::Drop).count();
        assert_eq!(dropped, DROPS_BEFORE_BAN - 1);
        // What it cost before the ban: its burst and its rate while it lasted, no more.
        assert!(
            passed <= 2 * CHECKS_PER_S + at * CHECKS_PER_S / 1000,
            "{passed}"
        );
        assert!(budgets.is_banned(&3));
        assert_eq!(budgets.charge(3, 1, at), Verdict::Banned);
        assert!(!budgets.is_banned(&4));
        // The ban ends after BAN_MS, with a full budget.
        let banned_at = at - 10;
        assert!(budgets.bans_ended(banned_at + BAN_MS - 1).is_empty());
        assert_eq!(budgets.bans_ended(banned_at + BAN_MS), vec![3]);
        assert!(!budgets.is_banned(&3));
        assert_eq!(
            budgets.charge(3, 2 * CHECKS_PER_S, banned_at + BAN_MS),
            Verdict::Pass
        );
    }

    #[test]
    fn drops_spread_thinner_than_the_window_never_ban() {
        let mut budgets = PeerBudgets::default();
        // Its budget spent, then one message over it every 30 ms: fewer than DROPS_BEFORE_BAN
        // within any window (about 333), though thousands in all.
        for _ in 0..2 * CHECKS_PER_S {
            budgets.charge(5, 1, 0);
        }
        for step in 1..10_000u64 {
            let at = step * 30;
            // 6 checks refilled every 30 ms: spend them, then one more that is dropped.
            assert_eq!(budgets.charge(5, 6, at), Verdict::Pass, "at {at}");
            assert_eq!(budgets.charge(5, 1, at), Verdict::Drop, "at {at}");
        }
        assert!(!budgets.is_banned(&5));
    }
}
