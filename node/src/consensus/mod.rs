//! BFT consensus among the genesis validators, on Malachite (Tendermint) over libp2p.
//!
//! - [`context`]: our types as Malachite's `Context` (height, validator name as address, the
//!   block header as value, votes, proposal parts) and their wire encoding.
//! - [`signing`]: what each consensus message signs, and the signer/verifier.
//! - [`codec`]: the codec for network, sync and write-ahead log.
//! - [`app`]: the application loop answering the engine (propose, validate, commit, sync).
//! - [`error`]: why the application stopped.
//! - `streams`: proposal parts cut into stream messages, and reassembled within bounds.
//! - `validate`: a received proposal checked against the round's proposer and re-executed.
//! - `sync`: committed blocks served to peers catching up, and synced blocks re-executed.
//! - [`engine`]: starting the engine for this validator (identity, peers, names, timeouts).
//! - [`guard`]: each consensus peer's budget of signature checks, and a ban past it.
//! - [`txgossip`]: transactions admitted anywhere reach every validator's pool.
//!
//! The data flow is in ARCHITECTURE.md ("Consensus").

pub mod app;
pub mod codec;
pub mod context;
pub mod engine;
pub mod error;
pub mod guard;
pub mod signing;
pub mod sources;
mod streams;
mod sync;
pub mod txgossip;
mod validate;

pub use validate::BLOCK_TIME_SKEW_MS_MAX;
