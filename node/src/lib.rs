//! # gongxin-node
//!
//! The validator daemon a department runs. It is the only crate that does I/O at scale.
//! Dependencies point one way: node → contracts → core. Inside the crate, too, they point one
//! way — from the composition root down to the pieces, never back up:
//!
//! ```text
//!   main.rs ─ gateway ─┐  consensus ─┐  producer  anchoring
//!                      └──────┬──────┘──────┴──────────┘
//!                            node  (composition root: ledger side + the parts below)
//!          ┌──────────┬───────┼──────────┬────────────┐
//!      admission   reader  access_log  chain       clock, config
//!          │ (also access_log,  │         │
//!       mempool  chain, config) storage ──┘ (reader and access_log read through chain/storage)
//! ```
//!
//! - [`node`]: the running node — chain, tip, events, execute and commit — composed with the
//!   parts below and shared by consensus and the gateway (gossip needs only admission).
//! - [`admission`]: the mempool, the pre-checks, the one batched signature check, the gossip
//!   outbox.
//! - [`reader`]: the read-only handle the gateway reads the ledger through.
//! - [`chain`]: deterministic block execution and the atomic commit.
//! - [`storage`]: the RocksDB column families, sealing, the one-batch-per-block commit.
//! - [`mempool`]: verified transactions waiting for a block, bounded by count and bytes.
//! - [`access_log`]: the operation log of signed reads and admissions.
//! - [`event_log`]: durable event ids and the replay of missed events to a resuming stream.
//! - [`anchoring`]: the validator's task that anchors the operation log on the ledger.
//! - [`consensus`]: BFT consensus among the validators (Malachite over libp2p) and gossip.
//! - [`producer`]: block production by a validator that alone is a quorum (no peers).
//! - [`gateway`]: the warp HTTP API.
//! - [`config`]: the node's config file and every limit.
//! - [`clock`]: the time of day behind a trait, so tests and simulations own it.
//! - [`process`]: the shutdown signal and finding a sibling executable.
//! - [`exports`]: CSV and XLSX writers for the gateway's spreadsheet exports.
//! - [`webhooks`]: reminders pushed to 钉钉 / 企业微信 robots, SMS gateways and HTTP receivers,
//!   by the department's own node, at least once, outside consensus.
//! - [`sink`]: the optional PostgreSQL sink: the committed ledger, as the department may read
//!   it, in normalised tables for BI tools (`docs/POSTGRES.md`).
//! - [`cosigning`]: the validator's task that asks the configured witnesses to cosign each new
//!   checkpoint and adds their cosignatures to the stored notes.
//! - [`witness`]: `gongxin-node witness`, the C2SP tlog-witness a party outside the
//!   consortium runs (no node needed: the genesis file, a key and a state directory).
//! - [`integrity`]: `gongxin-node check`, the stored ledger checked block by block against
//!   its hash chain, certificates, both logs' roots and checkpoint notes.
//! - [`sign_guard`]: the do-not-sign mark `resync` leaves, so a rebuilt validator follows
//!   consensus without signing until the chain has passed every height it may have voted at.
//! - [`crash`]: named crash points on the persistence path, for crash-recovery tests (feature
//!   `failpoints`; nothing in other builds).
//!
//! The devnet launcher, the demo data and the load generator live in `gongxin-devnet`.

pub mod access_log;
pub mod admission;
pub mod anchoring;
pub mod chain;
pub mod clock;
pub mod config;
pub mod consensus;
pub mod cosigning;
pub mod crash;
pub mod event_log;
pub mod exports;
pub mod gateway;
pub mod integrity;
pub mod mempool;
pub mod node;
pub mod process;
pub mod producer;
pub mod rate;
pub mod reader;
pub mod sign_guard;
pub mod sink;
pub mod storage;
pub mod webhooks;
pub mod witness;

/// Locks `mutex`, going on if a thread panicked while holding it. Every mutex of the node is
/// only ever changed by whole, completed updates (a value replaced, a pool entry inserted), so
/// a panic elsewhere leaves the data consistent; that panic already stopped its own task.
pub(crate) fn lock_unpoisoned<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
