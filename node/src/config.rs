//! Node configuration: a small JSON file per validator (the devnet writes them), every limit,
//! and reading the genesis and key files it names.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use gongxin_core::crypto::{KeyFile, Keypair};
use gongxin_core::genesis::Genesis;
use serde::{Deserialize, Serialize};

use crate::mempool::MempoolLimits;

/// How a node runs. Paths are relative to the config file's directory when not absolute.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// This node's name (its validator name in the genesis).
    pub name: String,
    pub genesis: PathBuf,
    /// The validator key file (a `gongxin keys new` file whose key is in the genesis).
    pub key: PathBuf,
    pub data_dir: PathBuf,
    /// Gateway listen address, e.g. `127.0.0.1:7001`.
    pub http: SocketAddr,
    #[serde(default)]
    pub limits: Limits,
    /// Peers and timeouts for BFT consensus. Without it the node must alone be a quorum and
    /// produces blocks by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consensus: Option<ConsensusSettings>,
    /// Where this department's alerts are pushed (see [`crate::webhooks`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<crate::webhooks::WebhookConfig>,
    /// Where this department's BI database is (see [`crate::sink`]); none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres_sink: Option<crate::sink::SinkConfig>,
    /// A delay-risk model file (`gongxin-risk train`) to score projects with instead of the
    /// built-in one (see `gongxin_risk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_model: Option<PathBuf>,
    /// Witnesses this validator asks to cosign each new checkpoint of both logs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<crate::cosigning::WitnessConfig>,
}

/// The consensus section of a node's config file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsensusSettings {
    /// The node's libp2p key file (32-byte ed25519 seed, hex). Its peer id is what the other
    /// validators allow.
    pub node_key: PathBuf,
    /// Where this node listens for the other validators, e.g. `/ip4/127.0.0.1/tcp/7210`.
    pub listen: String,
    /// The other validators, as `/ip4/…/tcp/…/p2p/<peer id>`. Only these may connect.
    pub peers: Vec<String>,
    /// Where this node listens for transaction gossip (same node key, its own port).
    pub gossip_listen: String,
    /// The other validators' gossip addresses, as `/ip4/…/tcp/…/p2p/<peer id>`.
    pub gossip_peers: Vec<String>,
    #[serde(default = "default_propose_timeout_ms")]
    pub propose_timeout_ms: u64,
    #[serde(default = "default_vote_timeout_ms")]
    pub vote_timeout_ms: u64,
    /// Fault injection for tests of Byzantine validators: this node equivocates or drops
    /// messages as configured (Malachite's Byzantine network proxy; the section is its
    /// `ByzantineConfig`, checked when consensus starts). Refused unless the node was built with
    /// the `byzantine` feature and the environment variable `GONGXIN_ALLOW_BYZANTINE=1` is set.
    /// Kept as JSON here so every build reads (and can refuse) such a config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byzantine: Option<serde_json::Value>,
    /// Fault injection for tests of hostile peers: besides its honest gossip, this node
    /// publishes a batch of transactions with broken signatures at a steady rate. Refused like
    /// `byzantine` (the `byzantine` build feature and `GONGXIN_ALLOW_BYZANTINE=1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gossip_flood: Option<GossipFlood>,
    /// Fault injection for tests of hostile peers: besides its honest votes, this node
    /// publishes votes it claims the other validators signed (with its own vote's signature)
    /// at a steady rate. Refused like `byzantine`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote_flood: Option<VoteFlood>,
}

/// What a flooding test validator publishes: `txs` transactions with broken signatures (signed
/// by a member's key they are not from) every `every_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GossipFlood {
    pub every_ms: u64,
    pub txs: usize,
}

/// What a vote-flooding test validator publishes: `votes` badly signed votes every `every_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteFlood {
    pub every_ms: u64,
    pub votes: usize,
}

/// The environment variable that must be `1` for a `byzantine` config section to be obeyed.
pub const ALLOW_BYZANTINE_ENV: &str = "GONGXIN_ALLOW_BYZANTINE";

impl ConsensusSettings {
    /// Settings with the default timeouts and no peers yet (the devnet fills them).
    pub fn new(node_key: PathBuf, listen: String, gossip_listen: String) -> ConsensusSettings {
        ConsensusSettings {
            node_key,
            listen,
            peers: Vec::new(),
            gossip_listen,
            gossip_peers: Vec::new(),
            propose_timeout_ms: default_propose_timeout_ms(),
            vote_timeout_ms: default_vote_timeout_ms(),
            byzantine: None,
            gossip_flood: None,
            vote_flood: None,
        }
    }
}

impl ConsensusSettings {
    /// A `byzantine` section is refused when the config is read, not once the node serves:
    /// unless this build has the test mode and the section is Malachite's `ByzantineConfig`.
    pub fn check_byzantine(&self) -> Result<(), String> {
        if self.gossip_flood.is_some() && !cfg!(feature = "byzantine") {
            return Err("the config asks this validator to flood gossip (`consensus.gossip_flood`), but this gongxin-node was built without the Byzantine test mode (cargo feature `byzantine`, for tests only)".into());
        }
        if self.vote_flood.is_some() && self.byzantine.is_some() {
            return Err(
                "`consensus.vote_flood` and `consensus.byzantine` are separate test modes: set one"
                    .into(),
            );
        }
        if self.vote_flood.is_some() && !cfg!(feature = "byzantine") {
            return Err("the config asks this validator to flood votes (`consensus.vote_flood`), but this gongxin-node was built without the Byzantine test mode (cargo feature `byzantine`, for tests only)".into());
        }
        let Some(section) = &self.byzantine else {
            return Ok(());
        };
        #[cfg(feature = "byzantine")]
        {
            serde_json::from_value::<malachitebft_engine_byzantine::ByzantineConfig>(
                section.clone(),
            )
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "consensus.byzantine is not a Byzantine test configuration (Malachite's ByzantineConfig): {e}"
                )
            })
        }
        #[cfg(not(feature = "byzantine"))]
        {
            let _ = section;
            Err("the config asks this validator to misbehave (`consensus.byzantine`), but this gongxin-node was built without the Byzantine test mode (cargo feature `byzantine`, for tests only)".into())
        }
    }
}

fn default_propose_timeout_ms() -> u64 {
    2_000
}

fn default_vote_timeout_ms() -> u64 {
    1_000
}

/// Every bound of the node in one place, units last in the names.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// How long a block waits to gather transactions once one is pending.
    pub block_interval_ms: u64,
    /// An empty block is produced after this long without transactions, so block time (and
    /// with it deadline detection) keeps moving.
    pub empty_block_interval_ms: u64,
    pub block_txs_max: usize,
    pub block_bytes_max: usize,
    pub mempool_txs_max: usize,
    pub mempool_bytes_max: usize,
    pub http_body_bytes_max: u64,
    /// Body limit of `POST /v1/txs/batch`.
    pub http_batch_body_bytes_max: u64,
    pub http_request_timeout_ms: u64,
    /// `GET /v1/entries` returns at most this many entries per call.
    pub entries_per_request_max: u64,
    /// Signed internal reads are accepted this far from the node's clock (at most 5 minutes:
    /// the replay cache remembers each accepted read for this long).
    pub auth_clock_skew_ms: u64,
    /// Signed reads remembered at once against replay (a full cache refuses reads with 503).
    pub auth_replay_cache_max: usize,
    /// Open HTTP connections; more are answered 503 and closed at once.
    pub http_connections_max: usize,
    /// A client must send a request's headers within this time (slowloris), and an idle
    /// keep-alive connection is closed after it.
    pub http_header_read_timeout_ms: u64,
    /// Request handlers running at once on the gateway's own thread pool (never consensus's).
    pub http_handlers_max: usize,
    /// Open event streams on this node, and per member.
    pub sse_subscribers_max: usize,
    pub sse_subscribers_per_member_max: usize,
    /// Requests per second (with a burst of the same size) per member key and per address.
    pub http_requests_per_s_per_member: u32,
    pub http_requests_per_s_per_address: u32,
    /// Transaction signatures that HTTP submissions (single and batch) may make this node check
    /// per second, all clients together; more are answered 429 before any check.
    pub http_signature_checks_per_s: u32,
    /// Operation-log records waiting to be written; a full queue makes requests wait for the
    /// writer (a read is never answered unlogged).
    pub access_log_queue_max: usize,
    /// How often a validator anchors its operation log's head on the ledger (when it grew).
    pub access_log_anchor_interval_ms: u64,
    /// Operation-log records older than this are dropped, up to an anchored point (0: keep all).
    pub access_log_retention_days: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            block_interval_ms: 200,
            empty_block_interval_ms: 5_000,
            block_txs_max: 5_000,
            block_bytes_max: 8 * 1024 * 1024,
            mempool_txs_max: 100_000,
            mempool_bytes_max: 128 * 1024 * 1024,
            http_body_bytes_max: 256 * 1024,
            http_batch_body_bytes_max: 8 * 1024 * 1024,
            http_request_timeout_ms: 10_000,
            entries_per_request_max: 1_000,
            auth_clock_skew_ms: 300_000,
            auth_replay_cache_max: 200_000,
            http_connections_max: 1_024,
            http_header_read_timeout_ms: 10_000,
            http_handlers_max: 8,
            sse_subscribers_max: 2_000,
            sse_subscribers_per_member_max: 8,
            http_requests_per_s_per_member: 200,
            http_requests_per_s_per_address: 2_000,
            http_signature_checks_per_s: 20_000,
            access_log_queue_max: 65_536,
            access_log_anchor_interval_ms: 60_000,
            access_log_retention_days: 0,
        }
    }
}

impl Limits {
    /// Checks that the limits can work together; a config that cannot is refused at start-up
    /// instead of stalling later (e.g. a block smaller than one transaction never takes one).
    pub fn validate(&self) -> Result<(), String> {
        let tx_max = gongxin_core::encoding::TX_BYTES_MAX;
        let checks: [(bool, String); 13] = [
            (
                self.block_txs_max >= 1,
                "block_txs_max must be at least 1".into(),
            ),
            (
                self.block_bytes_max >= tx_max
                    && self.block_bytes_max <= gongxin_core::encoding::BLOCK_BYTES_MAX / 2,
                format!(
                    "block_bytes_max must be between one transaction ({tx_max}) and half the block limit ({})",
                    gongxin_core::encoding::BLOCK_BYTES_MAX / 2
                ),
            ),
            (
                self.mempool_txs_max >= 1,
                "mempool_txs_max must be at least 1".into(),
            ),
            (
                self.mempool_bytes_max >= tx_max,
                format!("mempool_bytes_max must hold one transaction ({tx_max} bytes)"),
            ),
            (
                self.http_body_bytes_max >= 1024 && self.http_batch_body_bytes_max >= 1024,
                "http_body_bytes_max and http_batch_body_bytes_max must be at least 1024".into(),
            ),
            (
                self.block_interval_ms >= 1 && self.empty_block_interval_ms >= 1,
                "block intervals must be at least 1 ms".into(),
            ),
            (
                self.entries_per_request_max >= 1,
                "entries_per_request_max must be at least 1".into(),
            ),
            (
                (1_000..=300_000).contains(&self.auth_clock_skew_ms)
                    && self.auth_replay_cache_max >= 1,
                "auth_clock_skew_ms must be from 1000 to 300000 (5 minutes) and auth_replay_cache_max at least 1".into(),
            ),
            (
                self.http_connections_max >= 1 && self.http_handlers_max >= 1,
                "http_connections_max and http_handlers_max must be at least 1".into(),
            ),
            (
                (100..=120_000).contains(&self.http_header_read_timeout_ms)
                    && self.http_request_timeout_ms >= 1,
                "http_header_read_timeout_ms must be from 100 to 120000 and http_request_timeout_ms at least 1".into(),
            ),
            (
                self.sse_subscribers_max >= 1 && self.sse_subscribers_per_member_max >= 1,
                "sse_subscribers_max and sse_subscribers_per_member_max must be at least 1".into(),
            ),
            (
                self.http_requests_per_s_per_member >= 1
                    && self.http_requests_per_s_per_address >= 1
                    && self.http_signature_checks_per_s as usize >= gongxin_core::api::SUBMIT_BATCH_TXS_MAX,
                format!(
                    "request rates must be at least 1 per second, and http_signature_checks_per_s at least one batch ({})",
                    gongxin_core::api::SUBMIT_BATCH_TXS_MAX
                ),
            ),
            (
                self.access_log_queue_max >= 1
                    && (1_000..=86_400_000).contains(&self.access_log_anchor_interval_ms),
                "access_log_queue_max must be at least 1 and access_log_anchor_interval_ms from 1000 to 86400000 (a day)".into(),
            ),
        ];
        match checks.into_iter().find(|(ok, _)| !ok) {
            Some((_, reason)) => Err(reason),
            None => Ok(()),
        }
    }

    pub fn mempool(&self) -> MempoolLimits {
        MempoolLimits {
            txs_max: self.mempool_txs_max,
            bytes_max: self.mempool_bytes_max,
        }
    }
}

impl NodeConfig {
    /// Reads a config file and resolves its relative paths against the file's directory.
    pub fn load(path: &Path) -> anyhow::Result<NodeConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
        let mut config: NodeConfig = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("config {} is invalid: {e}", path.display()))?;
        if let Some(consensus) = &config.consensus {
            consensus
                .check_byzantine()
                .map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))?;
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let mut paths = vec![&mut config.genesis, &mut config.key, &mut config.data_dir];
        if let Some(consensus) = config.consensus.as_mut() {
            paths.push(&mut consensus.node_key);
        }
        for p in paths {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    /// The genesis this config names.
    pub fn read_genesis(&self) -> anyhow::Result<Genesis> {
        let path = &self.genesis;
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read genesis {}: {e}", path.display()))?;
        Genesis::from_json(&text)
            .map_err(|e| anyhow::anyhow!("genesis {} is invalid: {e}", path.display()))
    }

    /// The validator key this config names.
    pub fn read_key(&self) -> anyhow::Result<Keypair> {
        let path = &self.key;
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read key file {}: {e}", path.display()))?;
        KeyFile::from_json(&text)
            .and_then(|f| f.keypair())
            .map_err(|e| anyhow::anyhow!("key file {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_limits_are_valid_and_unworkable_ones_are_not() {
        Limits::default().validate().unwrap();
        for bad in [
            Limits {
                block_txs_max: 0,
                ..Limits::default()
            },
            Limits {
                block_bytes_max: 1_000,
                ..Limits::default()
            },
            Limits {
                mempool_bytes_max: 10,
                ..Limits::default()
            },
            Limits {
                block_interval_ms: 0,
                ..Limits::default()
            },
            Limits {
                access_log_anchor_interval_ms: 10,
                ..Limits::default()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }
}
