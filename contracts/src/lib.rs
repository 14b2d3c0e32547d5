//! # gongxin-contracts
//!
//! The government project lifecycle of gongxin (公信链) as a pure, deterministic rules engine:
//! [`apply`] takes the state, the block context and a signed transaction and returns the outcome
//! (applied with its events, or rejected with a stable reason) — the same on every node.
//!
//! - [`state`]: the narrow storage trait, an in-memory implementation, the per-transaction /
//!   per-block write buffer and the write-set digest.
//! - [`engine`]: `begin_block` (deadline sweeps, de-dup pruning) and `apply` (replay guard,
//!   identity, approval policies and requests, governance, every lifecycle rule).
//! - [`genesis`]: writes a genesis document into an empty state.
//! - [`records`], [`events`], [`rejection`]: what is stored, what is raised, why something was
//!   refused; [`keys`] documents the key layout.
//! - [`queries`]: read-only views the gateway serves; [`disclosure`]: the public projection of
//!   every record; [`health`]: the explainable quarterly health score; [`public_log`]: which
//!   committed changes of public views become leaves of the public disclosure log.
//! - `testkit` (feature `testkit`, and in this crate's own tests): a city genesis with generated
//!   keys and a block harness, for tests, benches, the node's tests and the devnet's demo data;
//!   never in the validator daemon.
//!
//! # The node's block loop
//!
//! ```
//! use gongxin_contracts::testkit::{CHAIN_ID, City, GENESIS_TIME_MS, TRANSPORT, proposal};
//! use gongxin_contracts::{
//!     BlockContext, MemoryState, Overlay, apply, begin_block, init_genesis, write_set_digest,
//! };
//! use gongxin_core::model::{Operation, Role};
//! use gongxin_core::tx::{ReplayGuard, TxBody};
//!
//! let city = City::new();
//! let mut db = MemoryState::new(); // the node puts RocksDB behind `State`
//! init_genesis(&mut db, &city.genesis).unwrap();
//!
//! let key = city.key(TRANSPORT, Role::Specialist);
//! let start = GENESIS_TIME_MS;
//! let tx = TxBody {
//!     chain_id: CHAIN_ID.into(),
//!     signer: key.public_key(),
//!     replay: ReplayGuard { nonce: 1, valid_until_height: 10 },
//!     operation: Operation::ProposeProject(proposal("SC-1", 100_000_000, start, start + 1)),
//! }
//! .sign(key);
//! let hash = tx.verify(CHAIN_ID).unwrap(); // once, when the node admits the transaction
//!
//! let ctx = BlockContext { chain_id: CHAIN_ID.into(), height: 1, time_ms: start + 5_000 };
//! let mut block = Overlay::new(&mut db); // the block's write buffer
//! let alerts = begin_block(&mut block, &ctx).unwrap();
//! assert!(alerts.is_empty());
//! let applied = apply(&mut block, &ctx, &tx, &hash).unwrap(); // for each tx, in order
//! assert!(applied.is_applied());
//! let writes = block.into_writes(); // one atomic database batch
//! let digest = write_set_digest(&writes); // chained into the header's `state_hash`
//! db.apply_writes(writes);
//! # let _ = digest;
//! ```
//!
//! This crate must never do I/O or depend on an I/O crate (tokio, rocksdb, libp2p, warp, hyper):
//! it sees storage only through [`State`] and time only through [`BlockContext`]. It uses no
//! clocks, hash maps, floats or randomness in its rules (`clippy.toml` bans them), so every node
//! computes the same state from the same blocks.

pub mod access;
pub mod dashboard;
pub mod disclosure;
pub mod display;
pub mod engine;
pub mod events;
pub mod genesis;
pub mod health;
pub mod keys;
pub mod limits;
pub mod public_log;
pub mod queries;
pub mod records;
pub mod rejection;
pub mod state;
pub mod store;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod validate;

pub use engine::{Applied, BlockContext, apply, begin_block};
pub use events::{Alert, AlertKind, Event};
pub use genesis::{InitError, init_genesis};
pub use rejection::Rejection;
pub use state::{MemoryState, Overlay, State, StorageError, WriteSet, write_set_digest};
