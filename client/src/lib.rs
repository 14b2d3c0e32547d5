//! # gongxin-client
//!
//! The Rust SDK and the `gongxin` command-line tool for people and systems that use a gongxin
//! ledger: department staff creating keys and hashing evidence documents, and auditors verifying
//! proofs offline with nothing but the genesis file.
//!
//! It depends on `gongxin-core` only — never on the node — so an auditor can build and run it
//! without a database, a network stack or the consensus engine.
//!
//! - [`offline`]: commands that need no node: keys, SM3 of files, proof verification.

pub mod offline;
