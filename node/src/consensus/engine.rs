//! Starting Malachite for this validator: its network identity, the peer allowlist, protocol
//! names bound to this chain's genesis, and the engine's actors (network, WAL, sync,
//! consensus) around our application.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bytesize::ByteSize;
use malachitebft_app_channel::app::config::{
    ChannelNames, ConsensusConfig, DiscoveryConfig, NodeConfig as MalachiteNodeConfig, P2pConfig,
    ProtocolNames, PubSubMaxSizePerTopic, PubSubProtocol, ValuePayload, ValueSyncConfig,
};
use malachitebft_app_channel::app::net::Multiaddr;
use malachitebft_app_channel::app::types::Keypair as NetworkKeypair;
use malachitebft_app_channel::app::types::PeerId;
use malachitebft_app_channel::app::types::core::LinearTimeouts;
use malachitebft_app_channel::{
    ConsensusContext, EngineBuilder, EngineHandle, NetworkIdentity, RequestContext, SyncContext,
    WalContext,
};

use super::app::{ConsensusApp, Timing};
use super::codec::{GongxinCodec, SealedWalCodec};
use super::context::{Address, GongxinContext};
use super::signing::{GongxinSigner, GongxinVerifier};
use crate::config::ConsensusSettings;
use crate::node::Node;

/// Largest consensus-network frame from a peer: one proposal part with its framing
/// (Malachite's default: 4 MiB). What each kind of message may be within it, the codec says
/// (`codec::VOTES_PAYLOAD_BYTES_MAX`, `codec::PROPOSAL_PARTS_PAYLOAD_BYTES_MAX`).
pub const CONSENSUS_WIRE_BYTES_MAX: usize = 1024 * 1024;
const _: () = assert!(super::codec::PROPOSAL_PARTS_PAYLOAD_BYTES_MAX < CONSENSUS_WIRE_BYTES_MAX);
const _: () = assert!(CONSENSUS_WIRE_BYTES_MAX < 4 * 1024 * 1024); // below Malachite's default

/// Who may publish proposal parts this node keeps: itself and its configured peers (the only
/// peers its consensus swarm lets connect), by their consensus peer ids. Over `Broadcast` the
/// publisher is the peer the handshake authenticated; should the transport ever relay again
/// (gossipsub lets any key sign as a message's publisher), a validator publishing under fresh
/// keys still could not make every other node hold open streams for each of them.
pub fn known_publishers(
    settings: &ConsensusSettings,
) -> anyhow::Result<std::collections::HashSet<PeerId>> {
    let own = malachite_peer_id(read_node_key(&settings.node_key)?.public().to_peer_id())?;
    Ok(std::iter::once(own)
        .chain(configured_peers(settings)?.into_keys())
        .collect())
}

/// The configured consensus peers by their peer ids, each with the addresses it is configured
/// by (every address must name its `/p2p/<peer id>`).
pub fn configured_peers(
    settings: &ConsensusSettings,
) -> anyhow::Result<std::collections::HashMap<PeerId, Vec<Multiaddr>>> {
    let mut peers = std::collections::HashMap::<PeerId, Vec<Multiaddr>>::new();
    for addr in &settings.peers {
        let parsed = addr
            .parse::<Multiaddr>()
            .with_context(|| format!("consensus peer {addr} is no address"))?;
        let id = super::txgossip::peer_id_of(&parsed)
            .with_context(|| format!("consensus peer {addr} has no /p2p/<peer id>"))?;
        peers
            .entry(malachite_peer_id(id)?)
            .or_default()
            .push(parsed);
    }
    Ok(peers)
}

/// libp2p's peer id as Malachite's (the same bytes; Malachite's own conversion is not public).
pub(crate) fn malachite_peer_id(id: libp2p::PeerId) -> anyhow::Result<PeerId> {
    PeerId::from_bytes(&id.to_bytes()).map_err(|e| anyhow::anyhow!("peer id {id}: {e}"))
}

/// Reads a node key file: 64 hex characters (an ed25519 seed).
pub fn read_node_key(path: &Path) -> anyhow::Result<NetworkKeypair> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read node key {}", path.display()))?;
    let mut seed = hex::decode(text.trim())
        .ok()
        .filter(|b| b.len() == 32)
        .with_context(|| format!("node key {} is not 32 bytes of hex", path.display()))?;
    NetworkKeypair::ed25519_from_bytes(&mut seed)
        .map_err(|e| anyhow::anyhow!("node key {}: {e}", path.display()))
}

/// Writes a new random node key file (owner-only) and returns its peer id.
pub fn write_node_key(path: &Path) -> anyhow::Result<String> {
    let keypair = NetworkKeypair::generate_ed25519();
    let secret = keypair
        .clone()
        .try_into_ed25519()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .secret();
    let text = hex::encode(secret.as_ref());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600); // a secret key is readable by its owner only
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create node key {}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    Ok(keypair.public().to_peer_id().to_string())
}

/// Malachite's view of our config.
#[derive(Debug, Clone)]
struct EngineConfig {
    moniker: String,
    consensus: ConsensusConfig,
    value_sync: ValueSyncConfig,
}

impl MalachiteNodeConfig for EngineConfig {
    fn moniker(&self) -> &str {
        &self.moniker
    }

    fn consensus(&self) -> &ConsensusConfig {
        &self.consensus
    }

    fn consensus_mut(&mut self) -> &mut ConsensusConfig {
        &mut self.consensus
    }

    fn value_sync(&self) -> &ValueSyncConfig {
        &self.value_sync
    }

    fn value_sync_mut(&mut self) -> &mut ValueSyncConfig {
        &mut self.value_sync
    }
}

/// Malachite's write-ahead log starts with a 12-byte header (format version u32, sequence
/// u64); its entries, each with a CRC, follow.
const WAL_HEADER_BYTES: u64 = 12;

/// A write-ahead log longer than nothing but shorter than its header holds no entry, so no
/// vote of this validator — a crash while Malachite first wrote it (version, then sequence) or
/// a damaged disk leaves one — yet Malachite refuses to start on it. It is renamed
/// `wal.torn-<stamp>` (returned; refused if that name is taken) and the engine starts a new
/// log. Any other log is left to Malachite: one that does not read may
/// hold this validator's votes of the height in progress, and starting without them could
/// make it sign twice.
fn set_aside_torn_wal(wal: &Path, stamp: u64) -> std::io::Result<Option<std::path::PathBuf>> {
    let size = match std::fs::metadata(wal) {
        Ok(metadata) => metadata.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if size == 0 || size >= WAL_HEADER_BYTES {
        return Ok(None);
    }
    let aside = wal.with_file_name(format!("wal.torn-{stamp}"));
    if aside.exists() {
        return Err(std::io::Error::other(format!(
            "{} already exists",
            aside.display()
        )));
    }
    std::fs::rename(wal, &aside)?;
    Ok(Some(aside))
}

/// Protocol and topic names carry a prefix of the genesis hash: a node of another chain fails
/// the identify handshake and never shares a topic with us.
fn chain_tag(node: &Node) -> String {
    hex::encode(&node.genesis.hash().as_bytes()[..8])
}

fn engine_config(node: &Node, settings: &ConsensusSettings) -> anyhow::Result<EngineConfig> {
    let listen: Multiaddr = settings
        .listen
        .parse()
        .with_context(|| format!("consensus listen address {:?}", settings.listen))?;
    let peers = settings
        .peers
        .iter()
        .map(|p| {
            p.parse::<Multiaddr>()
                .with_context(|| format!("consensus peer address {p:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let tag = chain_tag(node);
    let peer_count = peers.len();
    let p2p = P2pConfig {
        listen_addr: listen,
        persistent_peers: peers,
        // Only the configured validators: peers found any other way are dropped.
        persistent_peers_only: true,
        // Discovery is off, but Malachite sizes its connection limits from these: inbound
        // and outbound connections (pending and established) at most 4× `num_*_peers` —
        // sized here for this consortium instead of Malachite's open-network 50 each way —
        // at most `max_connections_per_ip` inbound from one address, counted from the TCP
        // accept, before any handshake, and an address that is no peer's waits
        // `ip_throttle_duration` after a connection closes. The last two are Malachite's
        // defaults (5, 30 s) for up to three peers; a devnet's validators share 127.0.0.1,
        // hence one more per peer beyond that.
        discovery: DiscoveryConfig {
            enabled: false,
            num_inbound_peers: peer_count + 2,
            num_outbound_peers: peer_count + 2,
            max_connections_per_ip: (peer_count + 2).max(5),
            ip_throttle_duration: Duration::from_secs(30),
            ..DiscoveryConfig::default()
        },
        // Each message goes straight from its publisher to each validator, never relayed
        // (Malachite's gossipsub relays whatever it receives before anyone has checked it):
        // so the peer that delivers a message is the one that sent it, and a peer's budget
        // (`consensus::guard`) is charged for its own messages only. The validators are a
        // full mesh (each lists every other as a peer), so nothing needs relaying.
        protocol: PubSubProtocol::Broadcast,
        // Refused by its length prefix, before it is buffered. (Per-topic limits are
        // gossipsub's; the codec bounds each kind of message instead.)
        pubsub_max_size: ByteSize::b(CONSENSUS_WIRE_BYTES_MAX as u64),
        pubsub_max_size_per_topic: PubSubMaxSizePerTopic::default(),
        rpc_max_size: ByteSize::mib(40),
        protocol_names: ProtocolNames {
            // 2: since consensus messages go by `Broadcast` (1 was gossipsub). A node of the
            // other version fails the handshake instead of sharing a topic it cannot hear.
            consensus: format!("/gongxin/{tag}/consensus/2"),
            discovery_kad: format!("/gongxin/{tag}/kad/1"),
            discovery_regres: format!("/gongxin/{tag}/reqres/1"),
            sync: format!("/gongxin/{tag}/sync/1"),
            validator_proof: format!("/gongxin/{tag}/pov/1"),
        },
        channel_names: ChannelNames {
            consensus: format!("/gongxin/{tag}/consensus"),
            proposal_parts: format!("/gongxin/{tag}/proposal_parts"),
            sync: format!("/gongxin/{tag}/sync"),
            liveness: format!("/gongxin/{tag}/liveness"),
        },
    };
    Ok(EngineConfig {
        moniker: node.name.clone(),
        consensus: ConsensusConfig {
            p2p,
            value_payload: ValuePayload::ProposalAndParts,
            ..ConsensusConfig::default()
        },
        value_sync: ValueSyncConfig {
            enabled: true,
            status_update_interval: Duration::from_secs(1),
            request_timeout: Duration::from_secs(10),
            max_response_size: ByteSize::mib(40),
            batch_size: 2,
            ..ValueSyncConfig::default()
        },
    })
}

/// The engine with Malachite's Byzantine proxy between consensus and the network: it sends
/// conflicting votes and proposals (a header with another block time; a vote for a block id
/// that does not exist) as `byzantine` says. Only in builds with the `byzantine` feature (the
/// cluster tests').
#[cfg(feature = "byzantine")]
async fn start_byzantine(
    config: EngineConfig,
    identity: NetworkIdentity,
    address: Address,
    verifier: GongxinVerifier,
    signer: GongxinSigner,
    byzantine: malachitebft_engine_byzantine::ByzantineConfig,
    wal: WalContext<SealedWalCodec>,
) -> anyhow::Result<(
    malachitebft_app_channel::Channels<GongxinContext>,
    EngineHandle,
)> {
    use malachitebft_app_channel::ByzantineContext;
    byzantine
        .validate()
        .map_err(|e| anyhow::anyhow!("consensus.byzantine: {e}"))?;
    let conflicting_value: malachitebft_engine_byzantine::ConflictingValueFn<GongxinContext> =
        Box::new(|value: &super::context::BlockValue| {
            let mut header = value.header().clone();
            header.timestamp_ms = header.timestamp_ms.wrapping_add(1);
            super::context::BlockValue::new(header)
        });
    let conflicting_vote: malachitebft_engine_byzantine::ConflictingVoteValueFn<GongxinContext> =
        Box::new(|id: Option<&super::context::ValueId>| {
            let mut block = id.map_or_else(super::context::no_block, |id| id.0);
            block.hash = gongxin_core::Hash::digest(block.hash.as_bytes());
            super::context::ValueId(block)
        });
    EngineBuilder::new(GongxinContext, config)
        .with_default_wal(wal)
        .with_byzantine_network(ByzantineContext {
            identity,
            codec: GongxinCodec,
            config: byzantine,
            signer: Box::new(signer.clone()),
            address: address.clone(),
            conflicting_value_fn: Some(conflicting_value),
            conflicting_vote_value_fn: Some(conflicting_vote),
        })
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the Byzantine network proxy: {e:#}"))?
        .with_default_sync(SyncContext::new(GongxinCodec))
        .with_default_consensus(ConsensusContext::new_validator(
            address,
            Box::new(verifier),
            Box::new(signer),
        ))
        .with_default_request(RequestContext::new(16))
        .build()
        .await
        .map_err(|e| anyhow::anyhow!("cannot start consensus: {e:#}"))
}

/// The test-only gossip flood, when the config asks for one and the environment allows it:
/// transactions that claim the first genesis member as signer, signed with this validator's
/// key instead.
fn flood_plan(
    node: &Node,
    settings: &ConsensusSettings,
) -> anyhow::Result<Option<super::txgossip::FloodPlan>> {
    let Some(flood) = settings.gossip_flood else {
        return Ok(None);
    };
    use crate::config::ALLOW_BYZANTINE_ENV;
    if std::env::var(ALLOW_BYZANTINE_ENV).as_deref() != Ok("1") {
        anyhow::bail!(
            "the config asks this validator to flood gossip (`consensus.gossip_flood`); that is for tests only and needs {ALLOW_BYZANTINE_ENV}=1"
        );
    }
    let member = node
        .genesis
        .members
        .first()
        .context("a gossip flood needs a genesis member to impersonate")?;
    tracing::warn!(
        ?flood,
        "HOSTILE TEST MODE: this validator floods gossip with broken transactions"
    );
    Ok(Some(super::txgossip::FloodPlan {
        flood,
        chain_id: node.chain_id().to_owned(),
        claimed_signer: member.public_key,
        signing_key: node.keypair().clone(),
    }))
}

/// Starts the engine and runs the application until it fails or the engine stops.
/// `gossip_outbox` is the receiving end of the outbox admission was built with.
pub async fn run(
    node: Arc<Node>,
    gossip_outbox: tokio::sync::mpsc::Receiver<Arc<gongxin_core::tx::SignedTx>>,
    settings: ConsensusSettings,
    data_dir: &Path,
) -> anyhow::Result<()> {
    let gossip = super::txgossip::GossipSettings {
        keypair: read_node_key(&settings.node_key)?,
        listen: settings
            .gossip_listen
            .parse()
            .with_context(|| format!("gossip listen address {:?}", settings.gossip_listen))?,
        peers: settings
            .gossip_peers
            .iter()
            .map(|p| {
                p.parse::<Multiaddr>()
                    .with_context(|| format!("gossip peer address {p:?}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
        topic: format!("/gongxin/{}/txs", chain_tag(&node)),
        flood: flood_plan(&node, &settings)?,
    };
    let wal_dir = data_dir.join("consensus");
    std::fs::create_dir_all(&wal_dir)
        .with_context(|| format!("cannot create {}", wal_dir.display()))?;
    let stamp = node.clock.now_ms() / 1_000;
    if let Some(torn) = set_aside_torn_wal(&wal_dir.join("wal"), stamp).with_context(|| {
        format!(
            "cannot set aside a torn write-ahead log in {}",
            wal_dir.display()
        )
    })? {
        tracing::warn!(set_aside = %torn.display(), "the consensus write-ahead log was shorter than its header (torn by a crash while it was rewritten): it held no vote, so it is set aside and a new one started");
    }
    tokio::select! {
        result = run_consensus(&node, &settings, data_dir, &wal_dir) => result,
        result = super::txgossip::run(node.admission.clone(), gossip_outbox, gossip) => match result {
            Ok(()) => Err(anyhow::anyhow!("transaction gossip stopped")),
            Err(e) => Err(e.context("transaction gossip stopped")),
        },
    }
}

/// How this process takes part in consensus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Votes and proposes.
    Validator,
    /// Follows and commits what the validators decide, signing nothing, until the chain has
    /// committed this height (a do-not-sign mark, see `sign_guard`).
    FollowerThrough(u64),
}

/// What the do-not-sign mark beside `data_dir` asks of a node whose chain has committed
/// `tip`; a mark the chain has passed is removed.
fn role(data_dir: &Path, tip: u64) -> anyhow::Result<Role> {
    let guard = crate::sign_guard::read(data_dir).with_context(|| {
        format!(
            "cannot read the do-not-sign mark {}",
            crate::sign_guard::path(data_dir).display()
        )
    })?;
    Ok(match guard {
        Some(guard) if crate::sign_guard::still_holds(guard, tip) => Role::FollowerThrough(guard),
        Some(guard) => {
            crate::sign_guard::clear(data_dir).with_context(|| {
                format!(
                    "cannot remove the do-not-sign mark {}",
                    crate::sign_guard::path(data_dir).display()
                )
            })?;
            tracing::info!(
                guard,
                tip,
                "the chain has committed every height this validator may have signed at before it was rebuilt: it signs again"
            );
            Role::Validator
        }
        None => Role::Validator,
    })
}

/// Runs the engine and the application: as a follower while a do-not-sign mark holds, then
/// (the engine stopped and started again) as a validator, until either fails.
async fn run_consensus(
    node: &Arc<Node>,
    settings: &ConsensusSettings,
    data_dir: &Path,
    wal_dir: &Path,
) -> anyhow::Result<()> {
    let chain_id = node.chain_id().to_owned();
    let signer = GongxinSigner::new(chain_id, node.keypair().clone())
        .recording_into(node.metrics.lowest_signed_height.clone());
    let timing = Timing {
        timeouts: LinearTimeouts {
            propose: Duration::from_millis(settings.propose_timeout_ms),
            prevote: Duration::from_millis(settings.vote_timeout_ms),
            precommit: Duration::from_millis(settings.vote_timeout_ms),
            rebroadcast: Duration::from_millis(
                settings.propose_timeout_ms + 2 * settings.vote_timeout_ms,
            ),
            ..LinearTimeouts::default()
        },
        block_interval: Duration::from_millis(node.limits.block_interval_ms),
        empty_block_interval: Duration::from_millis(node.limits.empty_block_interval_ms),
    };
    let publishers = known_publishers(settings)?;
    loop {
        let role = role(data_dir, node.tip().height())?;
        let (mut channels, engine) = start(node, settings, wal_dir, role, &signer).await?;
        let mut app = ConsensusApp::new(
            node.clone(),
            signer.clone(),
            timing,
            channels.network.clone(),
            publishers.clone(),
        );
        if let Role::FollowerThrough(guard) = role {
            tracing::warn!(
                guard,
                tip = node.tip().height(),
                "this validator was rebuilt (`gongxin-node resync`) and its consensus write-ahead log is gone: it follows consensus without signing until the chain has committed height {guard}"
            );
            node.metrics
                .signing_paused_through
                .store(guard, std::sync::atomic::Ordering::Relaxed);
            app = app.following_through(guard);
        }
        let result = app.run(&mut channels).await;
        stop(engine).await;
        if result.is_ok() && !wal_released(&wal_dir.join("wal"), Duration::from_secs(10)).await {
            anyhow::bail!(
                "the consensus write-ahead log {} is still locked 10 s after the engine stopped; start the node again",
                wal_dir.join("wal").display()
            );
        }
        node.metrics
            .signing_paused_through
            .store(0, std::sync::atomic::Ordering::Relaxed);
        // Only a follower's application returns `Ok`: once its height is committed.
        result.map_err(|e| anyhow::anyhow!("consensus stopped: {e}"))?;
    }
}

/// Starts Malachite's actors for `role`.
async fn start(
    node: &Arc<Node>,
    settings: &ConsensusSettings,
    wal_dir: &Path,
    role: Role,
    signer: &GongxinSigner,
) -> anyhow::Result<(
    malachitebft_app_channel::Channels<GongxinContext>,
    EngineHandle,
)> {
    let config = engine_config(node, settings)?;
    let keypair = read_node_key(&settings.node_key)?;
    let verifier = GongxinVerifier::new(node.chain_id().to_owned());
    let wal = || {
        WalContext::new(
            wal_dir.join("wal"),
            SealedWalCodec::new(node.sealer().clone()),
        )
    };
    let (identity, consensus) = match role {
        Role::Validator => (
            NetworkIdentity::new(node.name.clone(), keypair, Some(node.name.clone())),
            ConsensusContext::new_validator(
                Address(node.name.clone()),
                Box::new(verifier.clone()),
                Box::new(signer.clone()),
            ),
        ),
        // An address in no validator set: the engine never asks a follower to sign (it
        // would fail on the missing signer if it did).
        Role::FollowerThrough(_) => (
            NetworkIdentity::new(node.name.clone(), keypair, None),
            ConsensusContext::new_full_node(
                Address(format!("{} (following)", node.name)),
                Box::new(verifier.clone()),
            ),
        ),
    };
    match (settings.byzantine.clone(), role) {
        (None, _) | (Some(_), Role::FollowerThrough(_)) => {
            start_guarded(node, settings, config, identity, wal(), consensus)
                .await
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot start consensus: {e:#} (if its write-ahead log {} is damaged: it may \
                         hold this validator's votes of the height it was in; move it aside only once \
                         the other validators have passed that height, or this validator may sign twice)",
                        wal_dir.join("wal").display()
                    )
                })
        }
        #[cfg(feature = "byzantine")]
        (Some(section), Role::Validator) => {
            use crate::config::ALLOW_BYZANTINE_ENV;
            if std::env::var(ALLOW_BYZANTINE_ENV).as_deref() != Ok("1") {
                anyhow::bail!(
                    "the config asks this validator to misbehave (`consensus.byzantine`); that is for tests only and needs {ALLOW_BYZANTINE_ENV}=1"
                );
            }
            let byzantine: malachitebft_engine_byzantine::ByzantineConfig =
                serde_json::from_value(section).map_err(|e| {
                    anyhow::anyhow!(
                        "consensus.byzantine is not a Byzantine test configuration (Malachite's ByzantineConfig): {e}"
                    )
                })?;
            tracing::warn!(
                ?byzantine,
                "BYZANTINE TEST MODE: this validator will misbehave"
            );
            start_byzantine(
                config,
                identity,
                Address(node.name.clone()),
                verifier,
                signer.clone(),
                byzantine,
                wal(),
            )
            .await
        }
        #[cfg(not(feature = "byzantine"))]
        (Some(_), Role::Validator) => anyhow::bail!(
            "the config asks this validator to misbehave (`consensus.byzantine`), but this gongxin-node was built without the Byzantine test mode (cargo feature `byzantine`, for tests only)"
        ),
    }
}

/// The engine with [`super::guard::ConsensusGuard`] between consensus and the network: each
/// peer's votes, proposals and certificates are charged to its budget of signature checks.
async fn start_guarded(
    node: &Arc<Node>,
    settings: &ConsensusSettings,
    config: EngineConfig,
    identity: NetworkIdentity,
    wal: WalContext<SealedWalCodec>,
    consensus: ConsensusContext<GongxinContext>,
) -> anyhow::Result<(
    malachitebft_app_channel::Channels<GongxinContext>,
    EngineHandle,
)> {
    use malachitebft_app_channel::app::metrics::SharedRegistry;
    let peers = configured_peers(settings)?;
    let registry = SharedRegistry::global().with_moniker(config.moniker());
    let (real_network, tx_network) = malachitebft_app_channel::spawn::spawn_network_actor(
        identity,
        config.consensus(),
        config.value_sync(),
        &registry,
        GongxinCodec,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let guard =
        super::guard::ConsensusGuard::spawn(node, real_network, peers, settings.vote_flood).await?;
    EngineBuilder::new(GongxinContext, config)
        .with_default_wal(wal)
        .with_custom_network(guard, tx_network)
        .with_default_sync(SyncContext::new(GongxinCodec))
        .with_default_consensus(consensus)
        .with_default_request(RequestContext::new(16))
        .build()
        .await
        .map_err(|e| anyhow::anyhow!("{e:#}"))
}

/// Stops the engine's actors and waits for them, so that a new engine can take the same
/// ports and write-ahead log: the children first (the network actor closes its swarm and the
/// write-ahead log flushes in their own shutdown, which a supervisor's exit would skip), then
/// the supervisor.
async fn stop(engine: EngineHandle) {
    const GRACE: Duration = Duration::from_secs(10);
    engine
        .actor
        .stop_children_and_wait(Some("consensus restarts".into()), Some(GRACE))
        .await;
    // The supervisor usually stops itself as its children go (Malachite's restart policy),
    // so this finds it gone; it is for the case it does not.
    if let Err(e) = engine
        .actor
        .stop_and_wait(Some("consensus restarts".into()), Some(GRACE))
        .await
    {
        tracing::debug!(error = %e, "the consensus engine had already stopped");
    }
    let _ = tokio::time::timeout(GRACE, engine.handle).await;
}

/// Waits (at most `limit`) until no one holds the write-ahead log's lock: the log's own
/// thread exits after its actor has stopped, and a new engine cannot open the log before.
/// Malachite locks it with `flock`, which conflicts between two opens in one process too.
async fn wal_released(wal: &Path, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let free = match std::fs::File::open(wal) {
            Ok(file) => {
                rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive)
                    .is_ok()
            }
            // No log yet: nothing holds it.
            Err(_) => true,
        };
        if free || tokio::time::Instant::now() >= deadline {
            return free;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_known_publishers_are_this_node_and_its_configured_peers() {
        let dir = tempfile::tempdir().unwrap();
        let own = write_node_key(&dir.path().join("own.key")).unwrap();
        let peer = write_node_key(&dir.path().join("peer.key")).unwrap();
        let mut settings = ConsensusSettings::new(
            dir.path().join("own.key"),
            "/ip4/127.0.0.1/tcp/1".into(),
            "/ip4/127.0.0.1/tcp/2".into(),
        );
        settings.peers = vec![format!("/ip4/127.0.0.1/tcp/3/p2p/{peer}")];
        let publishers = known_publishers(&settings).unwrap();
        let named: std::collections::HashSet<String> =
            publishers.iter().map(ToString::to_string).collect();
        assert_eq!(named, [own, peer].into_iter().collect());
        // A peer the config names without its id could not be told from a stranger.
        settings.peers.push("/ip4/127.0.0.1/tcp/4".into());
        let refused = known_publishers(&settings).unwrap_err().to_string();
        assert!(refused.contains("has no /p2p/<peer id>"), "{refused}");
    }

    #[tokio::test]
    async fn a_new_engine_waits_for_the_old_logs_lock_and_no_longer_than_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("wal");
        // No log yet: nothing to wait for.
        assert!(wal_released(&wal, Duration::ZERO).await);
        std::fs::write(&wal, b"entries").unwrap();
        // Held (as the old engine's log thread holds it): refused once the limit is spent.
        let held = std::fs::File::open(&wal).unwrap();
        rustix::fs::flock(&held, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
        let started = std::time::Instant::now();
        assert!(!wal_released(&wal, Duration::from_millis(100)).await);
        assert!(started.elapsed() >= Duration::from_millis(100));
        // Let go while waiting: free before the limit.
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(held);
        });
        assert!(wal_released(&wal, Duration::from_secs(10)).await);
    }

    #[test]
    fn only_a_log_shorter_than_its_header_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("wal");
        // None yet: nothing to do.
        assert_eq!(set_aside_torn_wal(&wal, 7).unwrap(), None);
        // Empty (Malachite's own new file) and whole headers stay for Malachite.
        for size in [0, WAL_HEADER_BYTES as usize, 200] {
            std::fs::write(&wal, vec![1; size]).unwrap();
            assert_eq!(set_aside_torn_wal(&wal, 7).unwrap(), None, "{size} bytes");
            assert!(wal.exists());
        }
        // A torn header: set aside with its bytes, the log's place free for a new one.
        std::fs::write(&wal, [0, 0, 0, 1, 0, 0, 0, 0, 0]).unwrap();
        let aside = set_aside_torn_wal(&wal, 7).unwrap().unwrap();
        assert_eq!(aside, dir.path().join("wal.torn-7"));
        assert_eq!(std::fs::read(aside).unwrap().len(), 9);
        assert!(!wal.exists());
    }
}
