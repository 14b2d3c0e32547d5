//! Log entries: what the ledger log commits to for each transaction.
//!
//! An entry is the canonical bytes of the committed transaction together with its outcome
//! (applied, or rejected with its reason) and the block height — so a rejected attempt is as
//! provable as an accepted one. Entries are the leaves of the RFC 9162 log (`crate::log`).

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::encoding::{self, DecodeError, ENTRY_BYTES_MAX};
use crate::tx::SignedTx;

/// What the rules did with a committed transaction.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The operation took effect (or, for an operation under an approval policy, its request
    /// was opened or completed).
    Applied,
    /// The operation was refused; nothing changed except that the attempt is on record.
    Rejected {
        /// Stable, machine-readable reason code (e.g. `over_budget`, `wrong_role`).
        code: String,
        /// The reason in words a person can read.
        reason: String,
    },
}

/// One leaf of the ledger log.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct Entry {
    pub height: u64,
    pub tx: SignedTx,
    pub outcome: Outcome,
}

impl Entry {
    pub fn to_bytes(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    /// Decodes an entry from untrusted bytes (at most [`ENTRY_BYTES_MAX`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Entry, DecodeError> {
        encoding::decode::<Entry, ENTRY_BYTES_MAX>(bytes)
    }
}
