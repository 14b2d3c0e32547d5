//! # gongxin-client
//!
//! The Rust SDK and the `gongxin` command-line tool for people and systems that use a gongxin
//! ledger: department staff creating keys, hashing evidence documents and submitting signed
//! operations; auditors fetching proofs, verifying them offline with nothing but the genesis
//! file, and watching a node's checkpoints for rollbacks and split views.
//!
//! It depends on `gongxin-core` only — never on the node or the contracts — so an auditor can
//! build and run it without a database, an async runtime, TLS or the consensus engine. It
//! trusts no answer of a node for what matters: checkpoints, inclusion and consistency proofs
//! are verified with `gongxin_core::audit` against the genesis validators.
//!
//! - [`access_log`]: a node's operation log, checked against its anchors on the ledger.
//! - [`display`]: records as the CLI shows them to people (¥ from fen, % from basis points).
//! - [`offline`]: what needs no node: keys, SM3 of files, proof verification.
//! - [`http`]: [`http::NodeClient`], a typed blocking client of the node's `/v1` gateway.
//! - [`records`]: signed reads of internal records and the public portal API, on
//!   [`http::NodeClient`].
//! - [`txbuilder`]: [`txbuilder::TxBuilder`] signs operations with a replay guard.
//! - [`ops`]: operation files (`gongxin submit --op`) and per-kind templates.
//! - [`watch`]: the checkpoint monitor behind `gongxin audit watch`.

pub mod access_log;
pub mod credit;
pub mod display;
pub mod http;
pub mod import;
pub mod offline;
pub mod ops;
pub mod records;
pub mod txbuilder;
pub mod watch;
