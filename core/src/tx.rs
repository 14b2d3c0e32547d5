//! Transactions: a signed operation, bound to one chain and guarded against replay.
//!
//! - **tx hash** = SM3(canonical bytes of the [`TxBody`]).
//! - The signature covers `"gongxin/tx/v1" ‖ 0x00 ‖ u64-BE len(chain id) ‖ chain id ‖ body`, so a
//!   signature never verifies on another chain or as another kind of signed message (checkpoints
//!   and consensus votes use other domains).
//! - Replay guard: the body carries a `valid_until_height` and a signer-chosen `nonce`. A
//!   transaction is only accepted in a block at or below its expiry height and at most
//!   [`REPLAY_WINDOW_BLOCKS_MAX`] blocks ahead; within that window the rules keep its hash and
//!   refuse a second copy. The nonce makes two otherwise identical operations distinct. Unlike a
//!   per-signer counter, this does not force a signer's transactions into one order, so many can
//!   be in flight through different gateways at once.

use bincode::{Decode, Encode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Hash;
use crate::crypto::{CryptoError, Keypair, PublicKey, Signature};
use crate::encoding::{self, DecodeError, TX_BYTES_MAX};
use crate::model::Operation;

/// The signing domain of transactions.
pub const TX_SIGNING_DOMAIN: &[u8] = b"gongxin/tx/v1";
/// How far ahead of the current height a transaction's expiry may lie; bounds the rules'
/// de-duplication index.
pub const REPLAY_WINDOW_BLOCKS_MAX: u64 = 14_400;

/// The replay guard of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct ReplayGuard {
    /// Any value the signer picks (random, or a counter) to tell identical operations apart.
    pub nonce: u64,
    /// The last block height at which this transaction may be committed.
    pub valid_until_height: u64,
}

/// What the signer signs.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct TxBody {
    pub chain_id: String,
    pub signer: PublicKey,
    pub replay: ReplayGuard,
    pub operation: Operation,
}

/// A transaction as submitted, gossiped, stored in blocks and logged.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct SignedTx {
    pub body: TxBody,
    pub signature: Signature,
}

/// Why a transaction is not acceptable on its face (before any rule is applied).
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    #[error("transaction is for chain {found:?}, this is chain {expected:?}")]
    WrongChain { expected: String, found: String },
    #[error("signature: {0}")]
    Signature(#[from] CryptoError),
    #[error("transaction bytes: {0}")]
    Decode(#[from] DecodeError),
}

impl TxBody {
    pub fn canonical_bytes(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    pub fn hash(&self) -> Hash {
        Hash::digest(&self.canonical_bytes())
    }

    /// The exact bytes the signature covers.
    pub fn signing_message(&self) -> Vec<u8> {
        signing_message(&self.chain_id, &self.canonical_bytes())
    }

    /// Signs this body with `keypair`, which must be the body's signer.
    pub fn sign(self, keypair: &Keypair) -> SignedTx {
        debug_assert_eq!(
            keypair.public_key(),
            self.signer,
            "signing with another key"
        );
        let signature = keypair.sign(&self.signing_message());
        SignedTx {
            body: self,
            signature,
        }
    }
}

fn signing_message(chain_id: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(TX_SIGNING_DOMAIN.len() + 9 + chain_id.len() + body.len());
    message.extend_from_slice(TX_SIGNING_DOMAIN);
    message.push(0);
    message.extend_from_slice(&(chain_id.len() as u64).to_be_bytes());
    message.extend_from_slice(chain_id.as_bytes());
    message.extend_from_slice(body);
    message
}

impl SignedTx {
    pub fn hash(&self) -> Hash {
        self.body.hash()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    /// Decodes a transaction from untrusted bytes (at most [`TX_BYTES_MAX`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<SignedTx, TxError> {
        Ok(encoding::decode::<SignedTx, TX_BYTES_MAX>(bytes)?)
    }

    /// Checks the chain id and the signature; returns the tx hash. This is the check a node
    /// makes once, when it first sees the transaction.
    pub fn verify(&self, chain_id: &str) -> Result<Hash, TxError> {
        if self.body.chain_id != chain_id {
            return Err(TxError::WrongChain {
                expected: chain_id.to_owned(),
                found: self.body.chain_id.clone(),
            });
        }
        let body = self.body.canonical_bytes();
        self.body
            .signer
            .verify(&signing_message(chain_id, &body), &self.signature)?;
        Ok(Hash::digest(&body))
    }
}

/// Why a batch of transactions (the canonical bytes of a `Vec<SignedTx>`) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("a batch starts with its 8-byte count")]
    NoCount,
    #[error("{count} transactions; a batch holds at most {max}")]
    TooMany { count: u64, max: usize },
    #[error("transaction {index}: {error}")]
    Transaction { index: u64, error: DecodeError },
    #[error("{0} trailing bytes after the batch")]
    Trailing(usize),
}

/// Decodes a batch of transactions from untrusted bytes item by item: the count prefix is
/// checked against `max_txs` before anything is allocated, each transaction may take at most
/// [`TX_BYTES_MAX`] bytes, and each comes with the length of its canonical bytes (what a pool
/// bounded by bytes counts). The gateway's batch submissions and transaction gossip read
/// batches with this.
pub fn decode_batch(bytes: &[u8], max_txs: usize) -> Result<Vec<(SignedTx, usize)>, BatchError> {
    let (prefix, mut rest) = bytes.split_first_chunk::<8>().ok_or(BatchError::NoCount)?;
    let count = u64::from_be_bytes(*prefix);
    if count > max_txs as u64 {
        return Err(BatchError::TooMany {
            count,
            max: max_txs,
        });
    }
    // The count is untrusted even below `max_txs`: reserve little, grow with what decodes.
    let mut txs = Vec::with_capacity(count.min(256) as usize);
    for index in 0..count {
        let (tx, read) = encoding::decode_prefix::<SignedTx, TX_BYTES_MAX>(rest)
            .map_err(|error| BatchError::Transaction { index, error })?;
        txs.push((tx, read));
        rest = &rest[read..];
    }
    if !rest.is_empty() {
        return Err(BatchError::Trailing(rest.len()));
    }
    Ok(txs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Algorithm;

    fn body(key: &Keypair, chain: &str) -> TxBody {
        TxBody {
            chain_id: chain.into(),
            signer: key.public_key(),
            replay: ReplayGuard {
                nonce: 7,
                valid_until_height: 100,
            },
            operation: Operation::ApproveProject {
                project: "SC-2026-001".into(),
            },
        }
    }

    #[test]
    fn batches_decode_item_by_item_within_their_bounds() {
        let key = Keypair::generate(Algorithm::Ed25519).unwrap();
        let txs: Vec<SignedTx> = (0..3)
            .map(|nonce| {
                let mut b = body(&key, "devnet");
                b.replay.nonce = nonce;
                b.sign(&key)
            })
            .collect();
        let bytes = encoding::encode(&txs);
        let decoded = decode_batch(&bytes, 3).unwrap();
        assert_eq!(decoded.len(), 3);
        for ((tx, size), original) in decoded.iter().zip(&txs) {
            assert_eq!(tx, original);
            assert_eq!(*size, original.to_bytes().len());
        }
        assert_eq!(
            decode_batch(&bytes, 2),
            Err(BatchError::TooMany { count: 3, max: 2 })
        );
        // A hostile count with nothing behind it is refused before any allocation.
        assert!(matches!(
            decode_batch(&u64::MAX.to_be_bytes(), usize::MAX),
            Err(BatchError::Transaction { index: 0, .. })
        ));
        assert_eq!(decode_batch(&bytes[..7], 3), Err(BatchError::NoCount));
        assert!(matches!(
            decode_batch(&bytes[..bytes.len() - 1], 3),
            Err(BatchError::Transaction { index: 2, .. })
        ));
        let mut trailing = bytes.clone();
        trailing.extend_from_slice(&[0, 0]);
        assert_eq!(decode_batch(&trailing, 3), Err(BatchError::Trailing(2)));
        assert_eq!(decode_batch(&0u64.to_be_bytes(), 0), Ok(Vec::new()));
    }

    #[test]
    fn sign_verify_and_hash_for_both_suites() {
        for alg in [Algorithm::Ed25519, Algorithm::Sm2] {
            let key = Keypair::generate(alg).unwrap();
            let tx = body(&key, "devnet").sign(&key);
            assert_eq!(
                tx.verify("devnet").unwrap(),
                Hash::digest(&tx.body.canonical_bytes())
            );
            let decoded = SignedTx::from_bytes(&tx.to_bytes()).unwrap();
            assert_eq!(decoded, tx);
        }
    }

    #[test]
    fn other_chain_and_tampering_are_rejected() {
        let key = Keypair::generate(Algorithm::Ed25519).unwrap();
        let tx = body(&key, "devnet").sign(&key);
        assert!(matches!(tx.verify("prod"), Err(TxError::WrongChain { .. })));
        // The same body signed for another chain does not verify as this chain's.
        let mut moved = tx.clone();
        moved.body.chain_id = "prod".into();
        assert!(matches!(moved.verify("prod"), Err(TxError::Signature(_))));
        let mut tampered = tx.clone();
        tampered.body.replay.nonce += 1;
        assert!(matches!(
            tampered.verify("devnet"),
            Err(TxError::Signature(_))
        ));
        let mut other_signer = tx;
        other_signer.body.signer = Keypair::generate(Algorithm::Ed25519).unwrap().public_key();
        assert!(other_signer.verify("devnet").is_err());
    }

    #[test]
    fn signing_message_has_domain_and_chain() {
        let key = Keypair::generate(Algorithm::Ed25519).unwrap();
        let b = body(&key, "devnet");
        let msg = b.signing_message();
        assert!(msg.starts_with(b"gongxin/tx/v1\0\0\0\0\0\0\0\0\x06devnet"));
        assert!(msg.ends_with(&b.canonical_bytes()));
    }
}
