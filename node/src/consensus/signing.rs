//! What validators sign in consensus, and the signer/verifier Malachite calls.
//!
//! Every message starts with its own domain, `0x00`, and the length-prefixed chain id (the
//! layout of `core::block::commit_signing_message`), then big-endian fields. A precommit for a
//! block signs exactly the commit message, so the precommits that decide a round are the
//! block's commit certificate as stored; a vote extension signs the C2SP checkpoint body, so
//! the extensions of those precommits are the checkpoint's signature lines.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use gongxin_core::block::{BlockId, commit_signing_message};
use gongxin_core::crypto::{Keypair, PublicKey};
use malachitebft_core_types::{
    NilOrVal, Round, SignedMessage, SigningScheme, ValidatorProof, VoteExtensionScope, VoteType,
};
use malachitebft_signing::{Error as SigningError, Signer, VerificationResult, Verifier};

use super::context::{
    CheckpointAttestation, ConsensusKey, ConsensusSignature, GongxinContext, GongxinScheme, Height,
    Proposal, ValueId, Vote,
};

pub const PREVOTE_DOMAIN: &[u8] = b"gongxin/prevote/v1";
pub const PRECOMMIT_NIL_DOMAIN: &[u8] = b"gongxin/precommit-nil/v1";
pub const PROPOSAL_DOMAIN: &[u8] = b"gongxin/proposal/v1";
pub const PROPOSAL_PARTS_DOMAIN: &[u8] = b"gongxin/proposal-parts/v1";
pub const NODE_BINDING_DOMAIN: &[u8] = b"gongxin/node-binding/v1";

fn message(domain: &[u8], chain_id: &str, capacity: usize) -> Vec<u8> {
    let mut message = Vec::with_capacity(domain.len() + 9 + chain_id.len() + capacity);
    message.extend_from_slice(domain);
    message.push(0);
    message.extend_from_slice(&(chain_id.len() as u64).to_be_bytes());
    message.extend_from_slice(chain_id.as_bytes());
    message
}

fn push_id(message: &mut Vec<u8>, id: &BlockId) {
    message.extend_from_slice(id.hash.as_bytes());
    message.extend_from_slice(&id.log_size.to_be_bytes());
    message.extend_from_slice(id.log_root.as_bytes());
}

/// A round as signed: a defined round is `0..=u32::MAX`; Nil is -1.
fn round_i64(round: Round) -> i64 {
    round.as_i64()
}

/// The bytes a validator signs for `vote`.
pub fn vote_message(chain_id: &str, vote: &Vote) -> Vec<u8> {
    let round = vote.round.as_u32().unwrap_or(u32::MAX);
    match (vote.kind, &vote.value) {
        (VoteType::Precommit, NilOrVal::Val(id)) => {
            commit_signing_message(chain_id, vote.height.0, round, &id.0)
        }
        (VoteType::Precommit, NilOrVal::Nil) => {
            let mut m = message(PRECOMMIT_NIL_DOMAIN, chain_id, 16);
            m.extend_from_slice(&vote.height.0.to_be_bytes());
            m.extend_from_slice(&round_i64(vote.round).to_be_bytes());
            m
        }
        (VoteType::Prevote, value) => {
            let mut m = message(PREVOTE_DOMAIN, chain_id, 90);
            m.extend_from_slice(&vote.height.0.to_be_bytes());
            m.extend_from_slice(&round_i64(vote.round).to_be_bytes());
            match value {
                NilOrVal::Nil => m.push(0),
                NilOrVal::Val(id) => {
                    m.push(1);
                    push_id(&mut m, &id.0);
                }
            }
            m
        }
    }
}

/// The bytes a proposer signs for `proposal`.
pub fn proposal_message(chain_id: &str, proposal: &Proposal) -> Vec<u8> {
    let mut m = message(PROPOSAL_DOMAIN, chain_id, 96);
    m.extend_from_slice(&proposal.height.0.to_be_bytes());
    m.extend_from_slice(&round_i64(proposal.round).to_be_bytes());
    m.extend_from_slice(&round_i64(proposal.pol_round).to_be_bytes());
    push_id(&mut m, &proposal.value.block_id().0);
    m
}

/// The bytes a proposer signs in a stream's `Fin` part: it binds the stream (height, round)
/// to the block it carries, so nobody but the round's proposer can feed validators a block
/// under that proposer's name.
pub fn proposal_parts_message(
    chain_id: &str,
    height: Height,
    round: Round,
    id: &ValueId,
) -> Vec<u8> {
    let mut m = message(PROPOSAL_PARTS_DOMAIN, chain_id, 88);
    m.extend_from_slice(&height.0.to_be_bytes());
    m.extend_from_slice(&round_i64(round).to_be_bytes());
    push_id(&mut m, &id.0);
    m
}

/// The bytes a vote extension's signature covers: the ledger log's C2SP checkpoint body for
/// the block.
pub fn extension_message(chain_id: &str, id: &ValueId) -> Vec<u8> {
    id.0.checkpoints(chain_id).0.body_text().into_bytes()
}

/// The bytes the signature inside a vote extension covers: the public disclosure log's
/// checkpoint body for the block.
pub fn public_extension_message(chain_id: &str, id: &ValueId) -> Vec<u8> {
    id.0.checkpoints(chain_id).1.body_text().into_bytes()
}

/// Signs with this validator's key.
#[derive(Clone)]
pub struct GongxinSigner {
    chain_id: String,
    key: Keypair,
    /// The lowest height a vote, proposal or checkpoint was signed at in this process (0:
    /// none yet), kept where `/metrics` reads it: what shows that a rebuilt validator signed
    /// nothing its lost write-ahead log might have signed already.
    lowest_signed: Arc<AtomicU64>,
}

impl std::fmt::Debug for GongxinSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GongxinSigner")
            .field("chain_id", &self.chain_id)
            .field("public_key", &self.key.public_key())
            .finish()
    }
}

impl GongxinSigner {
    pub fn new(chain_id: String, key: Keypair) -> GongxinSigner {
        GongxinSigner {
            chain_id,
            key,
            lowest_signed: Arc::default(),
        }
    }

    /// Records the heights signed at into `lowest_signed` (shared with the node's metrics).
    pub fn recording_into(mut self, lowest_signed: Arc<AtomicU64>) -> GongxinSigner {
        self.lowest_signed = lowest_signed;
        self
    }

    fn signing_at(&self, height: Height) {
        let _ = self
            .lowest_signed
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |lowest| {
                (lowest == 0 || height.0 < lowest).then_some(height.0)
            });
    }

    pub fn sign(&self, message: &[u8]) -> ConsensusSignature {
        ConsensusSignature(self.key.sign(message))
    }

    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }
}

#[async_trait]
impl Signer<GongxinContext> for GongxinSigner {
    async fn sign_vote(
        &self,
        vote: Vote,
    ) -> Result<SignedMessage<GongxinContext, Vote>, SigningError> {
        self.signing_at(vote.height);
        let signature = self.sign(&vote_message(&self.chain_id, &vote));
        crate::crash::point("consensus::sign::vote");
        Ok(SignedMessage::new(vote, signature))
    }

    async fn sign_proposal(
        &self,
        proposal: Proposal,
    ) -> Result<SignedMessage<GongxinContext, Proposal>, SigningError> {
        self.signing_at(proposal.height);
        let signature = self.sign(&proposal_message(&self.chain_id, &proposal));
        Ok(SignedMessage::new(proposal, signature))
    }

    async fn sign_vote_extension(
        &self,
        scope: VoteExtensionScope<GongxinContext>,
        _extension: CheckpointAttestation,
    ) -> Result<SignedMessage<GongxinContext, CheckpointAttestation>, SigningError> {
        self.signing_at(scope.height);
        let attestation = CheckpointAttestation {
            public_signature: Some(
                self.sign(&public_extension_message(&self.chain_id, &scope.value_id)),
            ),
        };
        let signature = self.sign(&extension_message(&self.chain_id, &scope.value_id));
        crate::crash::point("consensus::sign::checkpoint");
        Ok(SignedMessage::new(attestation, signature))
    }

    async fn sign_validator_proof(
        &self,
        public_key: Vec<u8>,
        peer_id: Vec<u8>,
    ) -> Result<ValidatorProof<GongxinContext>, SigningError> {
        let signature = self.sign(&node_binding_message(&public_key, &peer_id));
        Ok(ValidatorProof::new(public_key, peer_id, signature))
    }
}

/// The bytes a validator key signs to vouch for its node's libp2p identity.
pub fn node_binding_message(public_key: &[u8], peer_id: &[u8]) -> Vec<u8> {
    let mut m = NODE_BINDING_DOMAIN.to_vec();
    m.push(0);
    m.extend_from_slice(&ValidatorProof::<GongxinContext>::signing_bytes(
        public_key, peer_id,
    ));
    m
}

/// Checks signatures for Malachite (which has already matched the signer to the set).
#[derive(Debug, Clone)]
pub struct GongxinVerifier {
    chain_id: String,
}

impl GongxinVerifier {
    pub fn new(chain_id: String) -> GongxinVerifier {
        GongxinVerifier { chain_id }
    }

    fn check(
        message: &[u8],
        signature: &ConsensusSignature,
        key: &ConsensusKey,
    ) -> VerificationResult {
        VerificationResult::from_bool(key.0.verify(message, &signature.0).is_ok())
    }
}

#[async_trait]
impl Verifier<GongxinContext> for GongxinVerifier {
    async fn verify_signed_vote(
        &self,
        vote: &Vote,
        signature: &ConsensusSignature,
        public_key: &ConsensusKey,
    ) -> Result<VerificationResult, SigningError> {
        Ok(Self::check(
            &vote_message(&self.chain_id, vote),
            signature,
            public_key,
        ))
    }

    async fn verify_signed_proposal(
        &self,
        proposal: &Proposal,
        signature: &ConsensusSignature,
        public_key: &ConsensusKey,
    ) -> Result<VerificationResult, SigningError> {
        Ok(Self::check(
            &proposal_message(&self.chain_id, proposal),
            signature,
            public_key,
        ))
    }

    async fn verify_signed_vote_extension(
        &self,
        scope: &VoteExtensionScope<GongxinContext>,
        extension: &CheckpointAttestation,
        signature: &ConsensusSignature,
        public_key: &ConsensusKey,
    ) -> Result<VerificationResult, SigningError> {
        // Both checkpoint signatures, or the precommit does not count: a decided block's
        // public checkpoint must have its quorum as surely as the ledger's.
        let ledger = Self::check(
            &extension_message(&self.chain_id, &scope.value_id),
            signature,
            public_key,
        );
        let Some(public_signature) = &extension.public_signature else {
            return Ok(VerificationResult::Invalid);
        };
        if !ledger.is_valid() {
            return Ok(ledger);
        }
        Ok(Self::check(
            &public_extension_message(&self.chain_id, &scope.value_id),
            public_signature,
            public_key,
        ))
    }

    async fn verify_validator_proof(
        &self,
        proof: &ValidatorProof<GongxinContext>,
    ) -> Result<VerificationResult, SigningError> {
        let Ok(key) = GongxinScheme::decode_public_key(&proof.public_key) else {
            return Ok(VerificationResult::Invalid);
        };
        Ok(Self::check(
            &node_binding_message(&proof.public_key, &proof.peer_id),
            &proof.signature,
            &key,
        ))
    }
}

#[cfg(test)]
mod tests {
    use gongxin_core::Hash;

    use super::*;
    use crate::consensus::context::Address;

    fn id() -> ValueId {
        ValueId(BlockId {
            hash: Hash::digest(b"block"),
            log_size: 7,
            log_root: Hash::digest(b"root"),
            public_log_size: 3,
            public_log_root: Hash::digest(b"public root"),
            next_validators: Hash::digest(b"next set"),
        })
    }

    fn vote(kind: VoteType, value: NilOrVal<ValueId>) -> Vote {
        Vote {
            kind,
            height: Height(4),
            round: Round::new(2),
            value,
            validator: Address("v".into()),
            extension: None,
        }
    }

    #[tokio::test]
    async fn the_signer_records_the_lowest_height_it_signed_at() {
        let lowest = Arc::new(AtomicU64::new(0));
        let key =
            Keypair::from_secret_bytes(gongxin_core::crypto::Algorithm::Ed25519, &[3; 32]).unwrap();
        let signer = GongxinSigner::new("c".into(), key).recording_into(lowest.clone());
        let at = |height: u64| Vote {
            height: Height(height),
            ..vote(VoteType::Prevote, NilOrVal::Nil)
        };
        assert_eq!(lowest.load(Ordering::Relaxed), 0, "nothing signed yet");
        signer.sign_vote(at(7)).await.unwrap();
        assert_eq!(lowest.load(Ordering::Relaxed), 7);
        signer.sign_vote(at(9)).await.unwrap();
        assert_eq!(lowest.load(Ordering::Relaxed), 7);
        let scope = VoteExtensionScope::new(Height(5), Round::new(0), id(), Address("v".into()));
        signer
            .sign_vote_extension(scope, CheckpointAttestation::default())
            .await
            .unwrap();
        assert_eq!(lowest.load(Ordering::Relaxed), 5);
    }

    #[test]
    fn a_precommit_for_a_block_signs_the_commit_message() {
        // What makes the decided precommits usable as the stored commit certificate.
        assert_eq!(
            vote_message("c", &vote(VoteType::Precommit, NilOrVal::Val(id()))),
            commit_signing_message("c", 4, 2, &id().0)
        );
    }

    #[test]
    fn every_message_kind_and_chain_signs_different_bytes() {
        let proposal = Proposal {
            height: Height(4),
            round: Round::new(2),
            value: crate::consensus::context::BlockValue::new(gongxin_core::block::BlockHeader {
                chain_id: "c".into(),
                height: 4,
                prev_hash: Hash::ZERO,
                timestamp_ms: 1,
                proposer: Keypair::from_secret_bytes(
                    gongxin_core::crypto::Algorithm::Ed25519,
                    &[1; 32],
                )
                .unwrap()
                .public_key(),
                tx_count: 0,
                txs_hash: Hash::ZERO,
                log_size: 0,
                log_root: Hash::ZERO,
                public_log_size: 0,
                public_log_root: Hash::ZERO,
                state_hash: Hash::ZERO,
                validator_set_hash: Hash::ZERO,
                next_validators: Hash::ZERO,
            }),
            pol_round: Round::Nil,
            proposer: Address("v".into()),
        };
        let messages = [
            vote_message("c", &vote(VoteType::Prevote, NilOrVal::Nil)),
            vote_message("c", &vote(VoteType::Prevote, NilOrVal::Val(id()))),
            vote_message("c", &vote(VoteType::Precommit, NilOrVal::Nil)),
            vote_message("c", &vote(VoteType::Precommit, NilOrVal::Val(id()))),
            vote_message("d", &vote(VoteType::Precommit, NilOrVal::Val(id()))),
            proposal_message("c", &proposal),
            proposal_parts_message("c", Height(4), Round::new(2), &id()),
            extension_message("c", &id()),
            public_extension_message("c", &id()),
        ];
        for (i, a) in messages.iter().enumerate() {
            for b in &messages[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
