//! Blocks and commit certificates.
//!
//! The header binds the hash chain and the log together: it records the previous block's hash
//! and the log's size and root after this block, so a verifier holding either can check the
//! other. **block hash** = SM3(canonical header).

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::Hash;
use crate::checkpoint::Checkpoint;
use crate::crypto::{PublicKey, Signature};
use crate::encoding::encode;
use crate::encoding::{self, BLOCK_BYTES_MAX, DecodeError};
use crate::tx::SignedTx;
use crate::validator::ValidatorSet;

/// The signing domain of commit votes. v3 signs the whole [`BlockId`], public log and next
/// validator set included (v2 signed the ledger log's state only, v1 the hash alone).
pub const COMMIT_SIGNING_DOMAIN: &[u8] = b"gongxin/commit/v3";

/// What consensus agrees on: a block's hash with what its header commits to that checkpoints
/// repeat (both logs' sizes and roots, the next block's validator set). The hash alone
/// determines the rest; carrying them lets a vote (and the checkpoint signatures attached to
/// it) say which checkpoints it endorses without the header at hand.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, Serialize, Deserialize,
)]
pub struct BlockId {
    pub hash: Hash,
    pub log_size: u64,
    pub log_root: Hash,
    pub public_log_size: u64,
    pub public_log_root: Hash,
    /// [`ValidatorSet::protocol_hash`] of the set that certifies the next block.
    pub next_validators: Hash,
}

impl BlockId {
    /// The unsigned checkpoints of the block's two logs — the ledger's and the public
    /// disclosure log's — each naming the set that certifies the next block. Votes carry their
    /// signatures, so both are derived from what consensus agrees on alone.
    pub fn checkpoints(&self, chain_id: &str) -> (Checkpoint, Checkpoint) {
        (
            Checkpoint::new(chain_id, self.log_size, self.log_root)
                .with_validators(self.next_validators),
            Checkpoint::new_public(chain_id, self.public_log_size, self.public_log_root)
                .with_validators(self.next_validators),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct BlockHeader {
    pub chain_id: String,
    pub height: u64,
    /// Hash of the block at `height - 1`; [`Hash::ZERO`] for block 0 (genesis).
    pub prev_hash: Hash,
    /// Block time in ms since the epoch; the only clock the rules see.
    pub timestamp_ms: u64,
    pub proposer: PublicKey,
    pub tx_count: u32,
    /// SM3 over the concatenated tx hashes of this block, in order.
    pub txs_hash: Hash,
    /// The ledger log's size and RFC 9162 root after this block.
    pub log_size: u64,
    pub log_root: Hash,
    /// The public disclosure log's size and root after this block (PROTOCOL.md v2).
    pub public_log_size: u64,
    pub public_log_root: Hash,
    /// Chained digest of every state write so far: SM3(previous state hash ‖ this block's
    /// write-set digest). Equal on every honest node, or execution diverged.
    pub state_hash: Hash,
    /// Hash of the validator set that must certify this block.
    pub validator_set_hash: Hash,
    /// [`ValidatorSet::protocol_hash`] of the set that certifies the next block: the
    /// `validators` line of this block's checkpoints.
    pub next_validators: Hash,
}

impl BlockHeader {
    pub fn hash(&self) -> Hash {
        Hash::digest(&encode(self))
    }

    /// The block's consensus identity: its hash and the log state it commits to.
    pub fn id(&self) -> BlockId {
        BlockId {
            hash: self.hash(),
            log_size: self.log_size,
            log_root: self.log_root,
            public_log_size: self.public_log_size,
            public_log_root: self.public_log_root,
            next_validators: self.next_validators,
        }
    }
}

/// The hash of a block's transaction list as recorded in its header.
pub fn txs_hash(txs: &[SignedTx]) -> Hash {
    let hashes: Vec<Hash> = txs.iter().map(SignedTx::hash).collect();
    txs_hash_of(&hashes)
}

/// [`txs_hash`] from tx hashes already computed (block execution has them; re-encoding every
/// body to hash it again would double the work on the block path).
pub fn txs_hash_of(tx_hashes: &[Hash]) -> Hash {
    let mut concatenated = Vec::with_capacity(tx_hashes.len() * 32);
    for hash in tx_hashes {
        concatenated.extend_from_slice(hash.as_bytes());
    }
    Hash::digest(&concatenated)
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct Block {
    pub header: BlockHeader,
    pub txs: Vec<SignedTx>,
}

impl Block {
    pub fn hash(&self) -> Hash {
        self.header.hash()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        encode(self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Block, DecodeError> {
        encoding::decode::<Block, BLOCK_BYTES_MAX>(bytes)
    }
}

/// One validator's signature on a decided block.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct CommitSignature {
    pub validator: String,
    pub signature: Signature,
}

/// Proof that validators holding more than 2/3 of the voting power committed a block.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct CommitCertificate {
    pub height: u64,
    pub round: u32,
    pub block_hash: Hash,
    pub signatures: Vec<CommitSignature>,
}

/// Why a commit certificate does not certify a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("certificate is for height {found}, block is at {expected}")]
    WrongHeight { expected: u64, found: u64 },
    #[error("certificate is for another block")]
    WrongBlock,
    #[error("block is for chain {found:?}, expected {expected:?}")]
    WrongChain { expected: String, found: String },
    #[error("block names another validator set than the one given")]
    WrongValidatorSet,
    #[error("signature of validator {0:?} does not verify")]
    BadSignature(String),
    #[error("signatures hold {signed} of {total} voting power; more than 2/3 is needed")]
    NoQuorum { signed: u64, total: u64 },
}

/// The message a validator signs to commit block `id` at (`height`, `round`) on `chain_id`:
/// domain ‖ 0x00 ‖ len(chain id) (u64) ‖ chain id ‖ height (u64) ‖ round (u32) ‖ hash ‖
/// log size (u64) ‖ log root ‖ public log size (u64) ‖ public log root ‖ next validators,
/// integers big-endian. It is also the precommit the consensus
/// engine signs, so a decided round's precommits are the block's certificate as they stand.
pub fn commit_signing_message(chain_id: &str, height: u64, round: u32, id: &BlockId) -> Vec<u8> {
    let mut message =
        Vec::with_capacity(COMMIT_SIGNING_DOMAIN.len() + 1 + 8 + chain_id.len() + 156);
    message.extend_from_slice(COMMIT_SIGNING_DOMAIN);
    message.push(0);
    message.extend_from_slice(&(chain_id.len() as u64).to_be_bytes());
    message.extend_from_slice(chain_id.as_bytes());
    message.extend_from_slice(&height.to_be_bytes());
    message.extend_from_slice(&round.to_be_bytes());
    message.extend_from_slice(id.hash.as_bytes());
    message.extend_from_slice(&id.log_size.to_be_bytes());
    message.extend_from_slice(id.log_root.as_bytes());
    message.extend_from_slice(&id.public_log_size.to_be_bytes());
    message.extend_from_slice(id.public_log_root.as_bytes());
    message.extend_from_slice(id.next_validators.as_bytes());
    message
}

impl CommitCertificate {
    /// Checks that this certificate commits `header` of chain `chain_id` under `validators` (the
    /// set the header names): signatures from more than 2/3 of the power, unknown signers
    /// ignored, each validator counted once, any invalid signature from a known validator fatal.
    pub fn verify(
        &self,
        chain_id: &str,
        header: &BlockHeader,
        validators: &ValidatorSet,
    ) -> Result<(), CertificateError> {
        if header.chain_id != chain_id {
            return Err(CertificateError::WrongChain {
                expected: chain_id.to_owned(),
                found: header.chain_id.clone(),
            });
        }
        if header.validator_set_hash != validators.hash() {
            return Err(CertificateError::WrongValidatorSet);
        }
        if self.height != header.height {
            return Err(CertificateError::WrongHeight {
                expected: header.height,
                found: self.height,
            });
        }
        if self.block_hash != header.hash() {
            return Err(CertificateError::WrongBlock);
        }
        let message =
            commit_signing_message(&header.chain_id, self.height, self.round, &header.id());
        let mut counted: Vec<&str> = Vec::new();
        let mut power: u64 = 0;
        for sig in &self.signatures {
            let Some(validator) = validators.by_name(&sig.validator) else {
                continue;
            };
            validator
                .public_key
                .verify(&message, &sig.signature)
                .map_err(|_| CertificateError::BadSignature(sig.validator.clone()))?;
            if !counted.contains(&validator.name.as_str()) {
                counted.push(&validator.name);
                power = power.saturating_add(validator.power);
            }
        }
        if !validators.is_quorum(power) {
            return Err(CertificateError::NoQuorum {
                signed: power,
                total: validators.total_power(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Algorithm, Keypair};
    use crate::validator::Validator;

    struct Fixture {
        keys: Vec<Keypair>,
        set: ValidatorSet,
        header: BlockHeader,
    }

    fn fixture() -> Fixture {
        let keys: Vec<Keypair> = (0..4)
            .map(|i| Keypair::from_secret_bytes(Algorithm::Ed25519, &[i + 1; 32]).unwrap())
            .collect();
        let set = ValidatorSet::new(
            keys.iter()
                .enumerate()
                .map(|(i, k)| Validator {
                    name: format!("v{i}"),
                    department: "d".into(),
                    public_key: k.public_key(),
                    power: 1,
                })
                .collect(),
        )
        .unwrap();
        let header = BlockHeader {
            chain_id: "c".into(),
            height: 9,
            prev_hash: Hash::digest(b"8"),
            timestamp_ms: 1,
            proposer: keys[0].public_key(),
            tx_count: 0,
            txs_hash: txs_hash(&[]),
            log_size: 0,
            log_root: Hash::digest(b""),
            public_log_size: 0,
            public_log_root: Hash::digest(b""),
            state_hash: Hash::ZERO,
            validator_set_hash: set.hash(),
            next_validators: set.protocol_hash(),
        };
        Fixture { keys, set, header }
    }

    fn certificate(f: &Fixture, signers: &[usize]) -> CommitCertificate {
        let block_hash = f.header.hash();
        let message = commit_signing_message("c", 9, 2, &f.header.id());
        CommitCertificate {
            height: 9,
            round: 2,
            block_hash,
            signatures: signers
                .iter()
                .map(|&i| CommitSignature {
                    validator: format!("v{i}"),
                    signature: f.keys[i].sign(&message),
                })
                .collect(),
        }
    }

    #[test]
    fn quorum_certifies_and_less_does_not() {
        let f = fixture();
        certificate(&f, &[0, 1, 3])
            .verify("c", &f.header, &f.set)
            .unwrap();
        assert_eq!(
            certificate(&f, &[0, 1]).verify("c", &f.header, &f.set),
            Err(CertificateError::NoQuorum {
                signed: 2,
                total: 4
            })
        );
        // One validator signing three times is one signature.
        assert_eq!(
            certificate(&f, &[2, 2, 2]).verify("c", &f.header, &f.set),
            Err(CertificateError::NoQuorum {
                signed: 1,
                total: 4
            })
        );
    }

    #[test]
    fn unknown_signers_are_ignored_and_bad_known_signatures_fatal() {
        let f = fixture();
        let mut c = certificate(&f, &[0, 1, 2]);
        c.signatures.push(CommitSignature {
            validator: "stranger".into(),
            signature: f.keys[3].sign(b"x"),
        });
        c.verify("c", &f.header, &f.set).unwrap();
        let mut bad = certificate(&f, &[0, 1, 2, 3]);
        bad.signatures[3].signature = f.keys[3].sign(b"something else");
        assert_eq!(
            bad.verify("c", &f.header, &f.set),
            Err(CertificateError::BadSignature("v3".into()))
        );
    }

    #[test]
    fn wrong_block_height_chain_or_set_is_refused() {
        let f = fixture();
        let c = certificate(&f, &[0, 1, 2]);
        let mut other = f.header.clone();
        other.timestamp_ms += 1;
        assert_eq!(
            c.verify("c", &other, &f.set),
            Err(CertificateError::WrongBlock)
        );
        let mut higher = c.clone();
        higher.height = 10;
        assert!(matches!(
            higher.verify("c", &f.header, &f.set),
            Err(CertificateError::WrongHeight { .. })
        ));
        assert!(matches!(
            c.verify("other", &f.header, &f.set),
            Err(CertificateError::WrongChain { .. })
        ));
        let smaller = ValidatorSet::new(f.set.validators()[..3].to_vec()).unwrap();
        assert_eq!(
            c.verify("c", &f.header, &smaller),
            Err(CertificateError::WrongValidatorSet)
        );
    }

    #[test]
    fn txs_hash_from_hashes_equals_txs_hash() {
        let key = Keypair::from_secret_bytes(Algorithm::Ed25519, &[5; 32]).unwrap();
        let txs: Vec<SignedTx> = (0..3)
            .map(|nonce| {
                crate::tx::TxBody {
                    chain_id: "c".into(),
                    signer: key.public_key(),
                    replay: crate::tx::ReplayGuard {
                        nonce,
                        valid_until_height: 9,
                    },
                    operation: crate::model::Operation::ApproveProject {
                        project: "P".into(),
                    },
                }
                .sign(&key)
            })
            .collect();
        let hashes: Vec<Hash> = txs.iter().map(SignedTx::hash).collect();
        assert_eq!(txs_hash(&txs), txs_hash_of(&hashes));
        assert_ne!(txs_hash(&txs), txs_hash(&txs[..2]));
    }

    /// Pins the commit vote's signed bytes: a layout change is a protocol change.
    #[test]
    fn commit_signing_message_layout() {
        let id = BlockId {
            hash: Hash([0xab; 32]),
            log_size: 0x0405,
            log_root: Hash([0xcd; 32]),
            public_log_size: 0x0607,
            public_log_root: Hash([0xef; 32]),
            next_validators: Hash([0x12; 32]),
        };
        let message = commit_signing_message("dev", 0x0102, 3, &id);
        let mut expected = b"gongxin/commit/v3\0".to_vec();
        expected.extend_from_slice(&3u64.to_be_bytes());
        expected.extend_from_slice(b"dev");
        expected.extend_from_slice(&0x0102u64.to_be_bytes());
        expected.extend_from_slice(&3u32.to_be_bytes());
        expected.extend_from_slice(&[0xab; 32]);
        expected.extend_from_slice(&0x0405u64.to_be_bytes());
        expected.extend_from_slice(&[0xcd; 32]);
        expected.extend_from_slice(&0x0607u64.to_be_bytes());
        expected.extend_from_slice(&[0xef; 32]);
        expected.extend_from_slice(&[0x12; 32]);
        assert_eq!(message, expected);
    }
}
