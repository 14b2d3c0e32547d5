//! # gongxin-devnet
//!
//! The tooling around gongxin's validator daemon, kept out of it: `gongxin-node` links none of
//! this crate (dependencies point one way: devnet → node → contracts → core).
//!
//! - The **devnet launcher** ([`run`], binary `gongxin-devnet`): a local consortium on
//!   127.0.0.1 for trying gongxin and for demos. Keys, a genesis from the reviewed template
//!   `genesis/devnet.json` ([`create_devnet_files`]) and one config per validator
//!   ([`write_node_configs`]); each validator runs as its own `gongxin-node run` process — the
//!   `gongxin-node` executable next to `gongxin-devnet` ([`node_binary`]). `gongxin-node devnet`
//!   forwards to `gongxin-devnet`. When a validator dies the others keep running: the
//!   launcher reports it with its log's tail and the command that restarts it, and with
//!   `--restart-crashed` restarts it itself ([`supervise`]).
//! - The **demo data** ([`demo`]): both seed cases as real signed transactions, loaded through
//!   a gateway into an empty ledger.
//! - The **load generator** (binary `gongxin-loadgen`): signed transactions at a target rate
//!   against a running devnet, then inclusion-proof requests.
//! - The **bulk ledger** ([`bulk`], binary `gongxin-ledgergen`): a one-validator ledger of
//!   millions of entries, written through the rules straight to the validator's database.
//! - The **synthetic history** ([`history`], binary `gongxin-risk`): thousands of projects run
//!   through the rules with a documented delay process, to train and evaluate the delay-risk
//!   model of `gongxin-risk`.
//!
//! Tests use the same pieces: [`create_devnet_files`] and [`DevnetKeys`] for a genesis with
//! keys, [`write_node_configs`] and [`connect_all`] for configs of real node processes,
//! [`demo::plan`] for the demo's transactions.

pub mod bulk;
pub mod demo;
pub mod history;
mod launcher;
pub mod supervise;
mod template;

pub use launcher::{
    DevnetFile, DevnetNode, DevnetOptions, DevnetWitness, connect_all, consensus_port,
    devnet_limits, http_agent, node_binary, read_devnet_file, run, write_node_configs,
    write_node_configs_with,
};
pub use template::{
    DevnetKeys, WITNESS_NAME, create_devnet_files, create_devnet_files_with, devnet_algorithm,
    witness_key,
};
