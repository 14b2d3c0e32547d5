//! # gongxin-node
//!
//! The validator daemon a department runs: RocksDB storage, the mempool, block execution
//! through `gongxin-contracts`, checkpoints, and the HTTP gateway; plus the devnet launcher.
//! It is the only crate that does I/O at scale.
//!
//! - [`storage`]: the RocksDB column families and the one-batch-per-block commit.
//! - [`mempool`]: verified transactions waiting for a block, bounded by count and bytes.

pub mod mempool;
pub mod storage;
