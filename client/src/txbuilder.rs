//! Building and signing transactions: a member's key, the chain id and an [`Operation`] in, a
//! [`SignedTx`] ready for `POST /v1/txs` out.
//!
//! The replay guard (`core/src/tx.rs`) is filled the way ARCHITECTURE.md's decision asks:
//! a random nonce, so a department can have many transactions in flight through different
//! gateways without coordinating a counter, and an expiry `valid_for_blocks` above the current
//! height, so a transaction lost on the way can be re-signed after it expires without any risk
//! that both copies commit.

use gongxin_core::crypto::{KeyFile, KeyFileError, Keypair, PublicKey};
use gongxin_core::encoding::TX_BYTES_MAX;
use gongxin_core::model::Operation;
use gongxin_core::tx::{REPLAY_WINDOW_BLOCKS_MAX, ReplayGuard, SignedTx, TxBody};

/// How many blocks past the current height a transaction stays valid by default: at least two
/// minutes at the node's fastest block rate, well inside the replay window.
pub const DEFAULT_VALID_FOR_BLOCKS: u64 = 600;

/// Why a transaction could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the operating system's random number generator failed; no nonce could be drawn")]
    Randomness,
    #[error(
        "a transaction may stay valid for 1 to {REPLAY_WINDOW_BLOCKS_MAX} blocks (the replay window), not {0}"
    )]
    ValidityWindow(u64),
    #[error(
        "the signed transaction is {bytes} bytes; nodes accept at most {TX_BYTES_MAX}: shorten its texts or split it"
    )]
    TooLarge { bytes: usize },
}

/// Signs operations for one signer on one chain.
#[derive(Debug, Clone)]
pub struct TxBuilder {
    chain_id: String,
    keypair: Keypair,
    valid_for_blocks: u64,
}

impl TxBuilder {
    /// A builder for `chain_id` (from the genesis, or the node's `/v1/status`).
    pub fn new(chain_id: impl Into<String>, keypair: Keypair) -> TxBuilder {
        TxBuilder {
            chain_id: chain_id.into(),
            keypair,
            valid_for_blocks: DEFAULT_VALID_FOR_BLOCKS,
        }
    }

    /// A builder signing with a key file's key (checked for consistency first).
    pub fn from_key_file(
        chain_id: impl Into<String>,
        key: &KeyFile,
    ) -> Result<TxBuilder, KeyFileError> {
        Ok(TxBuilder::new(chain_id, key.keypair()?))
    }

    /// How many blocks above the current height transactions stay valid.
    pub fn valid_for_blocks(mut self, blocks: u64) -> Result<TxBuilder, BuildError> {
        // The node admits expiries at most REPLAY_WINDOW_BLOCKS_MAX above the *next* height.
        if blocks == 0 || blocks > REPLAY_WINDOW_BLOCKS_MAX {
            return Err(BuildError::ValidityWindow(blocks));
        }
        self.valid_for_blocks = blocks;
        Ok(self)
    }

    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    pub fn signer(&self) -> PublicKey {
        self.keypair.public_key()
    }

    /// Signs `operation` with a fresh random nonce, valid until
    /// `current_height + valid_for_blocks`.
    pub fn build(&self, operation: Operation, current_height: u64) -> Result<SignedTx, BuildError> {
        let nonce = getrandom::u64().map_err(|_| BuildError::Randomness)?;
        self.build_with_nonce(operation, current_height, nonce)
    }

    /// Signs `operation` with a chosen nonce (for callers that keep their own counter).
    pub fn build_with_nonce(
        &self,
        operation: Operation,
        current_height: u64,
        nonce: u64,
    ) -> Result<SignedTx, BuildError> {
        let tx = TxBody {
            chain_id: self.chain_id.clone(),
            signer: self.keypair.public_key(),
            replay: ReplayGuard {
                nonce,
                valid_until_height: current_height.saturating_add(self.valid_for_blocks),
            },
            operation,
        }
        .sign(&self.keypair);
        let bytes = tx.to_bytes().len();
        if bytes > TX_BYTES_MAX {
            return Err(BuildError::TooLarge { bytes });
        }
        Ok(tx)
    }
}

#[cfg(test)]
mod tests {
    use gongxin_core::crypto::Algorithm;

    use super::*;

    fn op() -> Operation {
        Operation::ApproveProject {
            project: "SC-2026-001".into(),
        }
    }

    #[test]
    fn builds_verifiable_transactions_with_fresh_nonces() {
        for algorithm in [Algorithm::Ed25519, Algorithm::Sm2] {
            let key = Keypair::generate(algorithm).unwrap();
            let builder = TxBuilder::new("devnet", key.clone());
            let a = builder.build(op(), 41).unwrap();
            let b = builder.build(op(), 41).unwrap();
            assert_eq!(a.verify("devnet").unwrap(), a.hash());
            assert_eq!(a.body.signer, key.public_key());
            assert_eq!(
                a.body.replay.valid_until_height,
                41 + DEFAULT_VALID_FOR_BLOCKS
            );
            assert_ne!(
                a.hash(),
                b.hash(),
                "random nonces tell equal operations apart"
            );
            assert!(a.verify("other-chain").is_err());
        }
    }

    #[test]
    fn validity_window_and_size_are_bounded() {
        let key = Keypair::generate(Algorithm::Ed25519).unwrap();
        let builder = TxBuilder::new("devnet", key);
        assert!(matches!(
            builder.clone().valid_for_blocks(0),
            Err(BuildError::ValidityWindow(0))
        ));
        assert!(
            builder
                .clone()
                .valid_for_blocks(REPLAY_WINDOW_BLOCKS_MAX + 1)
                .is_err()
        );
        let short = builder.clone().valid_for_blocks(5).unwrap();
        let tx = short.build_with_nonce(op(), u64::MAX - 1, 9).unwrap();
        assert_eq!(tx.body.replay.valid_until_height, u64::MAX);
        assert_eq!(tx.body.replay.nonce, 9);

        let huge = Operation::CancelProject {
            project: "SC-1".into(),
            reason: "x".repeat(TX_BYTES_MAX),
        };
        assert!(matches!(
            builder.build(huge, 1),
            Err(BuildError::TooLarge { .. })
        ));
    }
}
