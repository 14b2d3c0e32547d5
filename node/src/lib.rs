//! # gongxin-node
//!
//! The validator daemon a department runs: RocksDB storage, the mempool, block execution
//! through `gongxin-contracts`, checkpoints, and the HTTP gateway; plus the devnet launcher.
//! It is the only crate that does I/O at scale. Dependencies point one way:
//! node → contracts → core.
//!
//! - [`storage`]: the RocksDB column families and the one-batch-per-block commit.
//! - [`chain`]: deterministic block execution and the atomic commit.
//! - [`mempool`]: verified transactions waiting for a block, bounded by count and bytes.
//! - [`node`]: the running node shared by the producer and the gateway.
//! - [`consensus`]: BFT consensus among the validators (Malachite over libp2p).
//! - [`producer`]: block production by a validator that alone is a quorum (no peers).
//! - [`gateway`]: the warp HTTP API.
//! - [`config`]: the node's config file and every limit.
//! - [`access_log`]: the operation log of signed reads and admissions, anchored on the ledger.

pub mod access_log;
pub mod chain;
pub mod config;
pub mod consensus;
pub mod demo;
pub mod devnet;
pub mod gateway;
pub mod mempool;
pub mod node;
pub mod producer;
pub mod storage;
