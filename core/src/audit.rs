//! Offline verification for auditors: given only the genesis file, check that an entry is in the
//! log a validator quorum signed, and that two checkpoints are views of one append-only log.
//!
//! The proof formats are PROTOCOL.md's JSON (`/v1/proofs/inclusion`, `/v1/proofs/consistency`);
//! a [`ProofBundle`] is what `gongxin proof` saves to a file: the inclusion proof together with
//! the checkpoint it is relative to.

use serde::{Deserialize, Serialize};

use crate::Hash;
use crate::checkpoint::{CheckpointError, SignedCheckpoint, origin_for_chain};
use crate::entry::Entry;
use crate::genesis::Genesis;
use crate::handover::{self, HandOver, HandOverError, TrustedSets};
use crate::log::{self, VerifyError};
use crate::tx::TxError;

/// `GET /v1/proofs/inclusion` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    /// Hex of the entry's canonical bytes.
    #[serde(with = "hex_bytes")]
    pub entry: Vec<u8>,
    pub audit_path: Vec<Hash>,
}

/// `GET /v1/proofs/consistency` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    pub first: u64,
    pub second: u64,
    pub consistency_path: Vec<Hash>,
}

/// A self-contained inclusion proof: everything an auditor needs besides the genesis file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofBundle {
    /// The transaction the proof is about (hex).
    pub tx_hash: Hash,
    pub proof: InclusionProof,
    /// The signed checkpoint note (PROTOCOL.md text form) the proof is relative to.
    pub checkpoint: String,
    /// The validator-set hand-overs from genesis up to the set that signed `checkpoint`
    /// (empty while the genesis set is in force), so the bundle verifies with the genesis
    /// file alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub handovers: Vec<HandOver>,
}

/// Why an auditor must not accept a proof. Each variant names exactly what failed.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("validator-set hand-over: {0}")]
    HandOver(#[from] HandOverError),
    #[error("proof is for tree size {proof}, the checkpoint is for {checkpoint}")]
    TreeSizeMismatch { proof: u64, checkpoint: u64 },
    #[error("entry bytes do not decode: {0}")]
    EntryDecode(String),
    #[error("entry holds transaction {found}, the proof claims {claimed}")]
    TxHashMismatch { claimed: Hash, found: Hash },
    #[error("entry's transaction is not validly signed for this chain: {0}")]
    EntryTx(#[from] TxError),
    #[error("inclusion proof does not verify: {0}")]
    Inclusion(VerifyError),
    #[error("consistency proof does not verify: {0}")]
    Consistency(VerifyError),
    #[error(
        "consistency proof is for sizes {proof_first}..{proof_second}, checkpoints are {first}..{second}"
    )]
    ConsistencySizes {
        first: u64,
        second: u64,
        proof_first: u64,
        proof_second: u64,
    },
}

/// An entry proven to be in the quorum-signed log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEntry {
    pub tx_hash: Hash,
    pub leaf_index: u64,
    pub entry: Entry,
    pub checkpoint: SignedCheckpoint,
    /// Validators whose checkpoint signatures counted.
    pub signers: Vec<String>,
}

/// The sets trusted after following `handovers` from the genesis set, for the ledger log.
pub fn trusted_sets(genesis: &Genesis, handovers: &[HandOver]) -> Result<TrustedSets, AuditError> {
    Ok(handover::follow(
        &genesis.validators,
        &origin_for_chain(&genesis.chain_id),
        handover::Log::Ledger,
        handovers,
    )?)
}

/// Verifies a proof bundle against the genesis: the checkpoint is signed by a validator quorum
/// of the set in force (reached from genesis through the bundle's hand-overs), the entry is in
/// the log at that checkpoint, and the entry is a validly signed transaction of this chain whose
/// hash is the one claimed.
pub fn verify_bundle(genesis: &Genesis, bundle: &ProofBundle) -> Result<VerifiedEntry, AuditError> {
    let checkpoint = SignedCheckpoint::parse(&bundle.checkpoint)?;
    let signers = trusted_sets(genesis, &bundle.handovers)?.verify(&checkpoint)?;
    let proof = &bundle.proof;
    if proof.tree_size != checkpoint.checkpoint.tree_size {
        return Err(AuditError::TreeSizeMismatch {
            proof: proof.tree_size,
            checkpoint: checkpoint.checkpoint.tree_size,
        });
    }
    log::verify_inclusion(
        &log::leaf_hash(&proof.entry),
        proof.leaf_index,
        proof.tree_size,
        &proof.audit_path,
        &checkpoint.checkpoint.root,
    )
    .map_err(AuditError::Inclusion)?;
    let entry =
        Entry::from_bytes(&proof.entry).map_err(|e| AuditError::EntryDecode(e.to_string()))?;
    let found = entry.tx.verify(&genesis.chain_id)?;
    if found != bundle.tx_hash {
        return Err(AuditError::TxHashMismatch {
            claimed: bundle.tx_hash,
            found,
        });
    }
    Ok(VerifiedEntry {
        tx_hash: found,
        leaf_index: proof.leaf_index,
        entry,
        checkpoint,
        signers,
    })
}

/// Verifies that `newer` extends `older`: both are quorum-signed for this chain by the
/// genesis set and the consistency proof links their roots. Equal sizes need equal roots and an
/// empty proof.
pub fn verify_consistency(
    genesis: &Genesis,
    older: &SignedCheckpoint,
    newer: &SignedCheckpoint,
    proof: &ConsistencyProof,
) -> Result<(), AuditError> {
    verify_consistency_with(&trusted_sets(genesis, &[])?, older, newer, proof)
}

/// [`verify_consistency`] with the sets trusted after validator-set hand-overs: each checkpoint
/// must be signed by a set in force at its size.
pub fn verify_consistency_with(
    trusted: &TrustedSets,
    older: &SignedCheckpoint,
    newer: &SignedCheckpoint,
    proof: &ConsistencyProof,
) -> Result<(), AuditError> {
    trusted.verify(older)?;
    trusted.verify(newer)?;
    let (first, second) = (older.checkpoint.tree_size, newer.checkpoint.tree_size);
    if proof.first != first || proof.second != second {
        return Err(AuditError::ConsistencySizes {
            first,
            second,
            proof_first: proof.first,
            proof_second: proof.second,
        });
    }
    if first == 0 {
        // Every log extends the empty log; RFC 9162 defines no proof for it.
        return if proof.consistency_path.is_empty() && older.checkpoint.root == log::empty_root() {
            Ok(())
        } else {
            Err(AuditError::Consistency(VerifyError::RootMismatch))
        };
    }
    log::verify_consistency(
        first,
        second,
        &older.checkpoint.root,
        &newer.checkpoint.root,
        &proof.consistency_path,
    )
    .map_err(AuditError::Consistency)
}

/// Serde for byte strings as lowercase hex (`#[serde(with = "hex_bytes")]`), the form the
/// proof endpoints use for entries.
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        hex::decode(text.as_ref()).map_err(serde::de::Error::custom)
    }
}
