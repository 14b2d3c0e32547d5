//! # gongxin-core
//!
//! The small, I/O-free heart of gongxin (公信链): what a transaction, a block, a log entry, a proof
//! and a checkpoint *are*, byte for byte, and how they are hashed, signed and verified.
//!
//! - [`hash`]: SM3 and the [`Hash`] type.
//! - [`crypto`]: ed25519 (strict, batch) and SM2 signatures behind one tagged key type; key files.
//! - [`encoding`]: the canonical byte encoding (bincode 2.0.1, one fixed configuration) with
//!   size-limited decoding of untrusted bytes.
//! - [`model`]: departments, members, approval policies, and every operation on project records.
//! - [`tx`], [`entry`], [`block`]: signed transactions, log entries with outcomes, block headers
//!   and commit certificates.
//! - [`validator`], [`genesis`]: the validator set and the genesis document; [`handover`]:
//!   following validator-set hand-overs from the genesis set, so any later checkpoint verifies.
//! - [`jcs`]: RFC 8785 canonical JSON; [`public_log`]: the public disclosure log's leaves.
//! - [`witness`]: C2SP tlog-cosignature v1 and the tlog-witness decisions, for witnesses and
//!   for verifiers that require k of a witness list.
//! - [`log`]: the RFC 9162 §2.1 Merkle log over SM3 — incremental append, proofs served from any
//!   node-hash source, and pure verification.
//! - [`request_auth`]: signed read requests (member key + time + signature headers).
//! - [`checkpoint`]: C2SP tlog-checkpoint bodies signed as C2SP signed notes.
//! - `testkit` (feature `testkit`, and in this crate's own tests): fixtures (a small signed
//!   ledger) for tests of this and downstream crates; never in a production build.
//! - [`api`]: the bounds of the HTTP API shared by the node and its clients.
//! - [`access_log`]: the operation log's record format and SM3 chain, and its verification
//!   against the anchors on the ledger.
//! - [`audit`]: what an auditor runs offline — inclusion and consistency against a quorum-signed
//!   checkpoint, with nothing but the genesis file.
//!
//! This crate must never depend on tokio, rocksdb, libp2p, warp or hyper (`scripts/check-core-deps`
//! enforces it): auditors and the client use it to verify the ledger without our node.

pub mod access_log;
pub mod api;
pub mod audit;
pub mod block;
pub mod calendar;
pub mod checkpoint;
pub mod crypto;
pub mod encoding;
pub mod entry;
pub mod genesis;
pub mod handover;
pub mod hash;
pub mod jcs;
pub mod log;
pub mod model;
pub mod public_log;
pub mod request_auth;
pub mod schema;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod tx;
pub mod validator;
pub mod witness;

pub use hash::Hash;
