//! # gongxin-core
//!
//! The small, I/O-free heart of gongxin (公信链): what a transaction, a block, a log entry, a proof
//! and a checkpoint *are*, byte for byte, and how they are hashed, signed and verified.
//!
//! - [`hash`]: SM3 and the [`Hash`] type.
//! - [`encoding`]: the canonical byte encoding (bincode 2.0.1, one fixed configuration) with
//!   size-limited decoding.
//! - [`log`]: the RFC 9162 §2.1 Merkle log over SM3 — incremental append, proofs served from any
//!   node-hash source, and pure verification.
//!
//! This crate must never depend on tokio, rocksdb, libp2p, warp or hyper (`scripts/check-core-deps`
//! enforces it): auditors and the client use it to verify the ledger with nothing but a genesis
//! file.

pub mod crypto;
pub mod encoding;
pub mod hash;
pub mod log;

pub use hash::Hash;
