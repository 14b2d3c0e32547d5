//! Value sync, both sides: serving committed blocks to a peer that is catching up
//! (`GetDecidedValues`), and judging a block a peer sent us while we catch up
//! (`ProcessSyncedValue`).
//!
//! A served block travels with its commit certificate, and the checkpoint signatures stored
//! for its log state ride as the precommits' vote extensions, so the receiver can rebuild the
//! same checkpoint note when it commits.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use gongxin_core::block::Block;
use gongxin_core::checkpoint::SignedCheckpoint;
use gongxin_core::crypto::Signature;
use gongxin_core::tx::SignedTx;
use malachitebft_app_channel::app::engine::host::SyncedValueOutcome;
use malachitebft_app_channel::app::types::ProposedValue;
use malachitebft_app_channel::app::types::core::{
    ExtendedCommitCertificate, ExtendedCommitSignature, Round, SignedMessage, Validity,
};
use malachitebft_app_channel::app::types::sync::RawDecidedValue;

use super::context::{
    Address, BlockValue, CheckpointAttestation, ConsensusSignature, GongxinContext, Height, ValueId,
};
use crate::chain::ExecutedBlock;
use crate::node::Node;

/// Blocks served per sync request.
const SYNC_BLOCKS_PER_REQUEST_MAX: u64 = 16;

/// Committed blocks with their certificates (and checkpoint signatures as the precommits'
/// extensions) for a peer that is catching up.
pub(super) fn decided_values(
    node: &Node,
    from: Height,
    to: Height,
) -> Vec<RawDecidedValue<GongxinContext>> {
    let tip = node.tip().height();
    let last =
        to.0.min(tip)
            .min(from.0.saturating_add(SYNC_BLOCKS_PER_REQUEST_MAX - 1));
    let mut values = Vec::new();
    for height in from.0.max(1)..=last {
        match decided_value(node, height) {
            Some(value) => values.push(value),
            None => break,
        }
    }
    values
}

/// One committed block as value sync carries it, if this node holds it.
fn decided_value(node: &Node, height: u64) -> Option<RawDecidedValue<GongxinContext>> {
    let store = node.reader();
    let block = store.block(height).ok()??;
    let certificate = store.certificate(height).ok()??;
    let header = &block.header;
    let notes = store.block_checkpoints(height);
    let ledger = checkpoint_signatures(
        node,
        height,
        notes
            .as_ref()
            .ok()
            .and_then(|n| n.as_ref())
            .map(|n| &n.checkpoint),
    );
    let public = checkpoint_signatures(
        node,
        height,
        notes
            .as_ref()
            .ok()
            .and_then(|n| n.as_ref())
            .map(|n| &n.public_checkpoint),
    );
    let commit_signatures = certificate
        .signatures
        .iter()
        .map(|s| {
            ExtendedCommitSignature::new(
                Address(s.validator.clone()),
                ConsensusSignature(s.signature),
                ledger.get(&s.validator).map(|signature| {
                    let attestation = CheckpointAttestation {
                        public_signature: public.get(&s.validator).copied().map(ConsensusSignature),
                    };
                    SignedMessage::new(attestation, ConsensusSignature(*signature))
                }),
            )
        })
        .collect();
    let certificate = ExtendedCommitCertificate {
        height: Height(height),
        round: Round::new(certificate.round),
        value_id: ValueId(header.id()),
        commit_signatures,
    };
    Some(RawDecidedValue::new(
        Bytes::from(block.to_bytes()),
        certificate,
    ))
}

/// The signatures of block `height`'s stored checkpoint note, by validator name (those of
/// validators of that block only).
fn checkpoint_signatures(
    node: &Node,
    height: u64,
    note: Option<&String>,
) -> HashMap<String, Signature> {
    let validators = node.validator_set_for(height);
    let mut extensions: HashMap<String, Signature> = HashMap::new();
    if let Some(note) = note
        && let Ok(parsed) = SignedCheckpoint::parse(note)
    {
        for line in parsed.signatures {
            let Some(validator) = validators.by_name(&line.name) else {
                continue;
            };
            if let Ok(signature) =
                Signature::from_bytes(validator.public_key.algorithm(), &line.signature)
            {
                extensions.insert(line.name, signature);
            }
        }
    }
    extensions
}

/// A block a peer sent while we catch up: decoded within limits and re-executed. Its
/// certificate (checked by the engine against this height's set) vouches for the
/// transactions' signatures, so they are not checked again.
///
/// Returns the outcome for the engine and, with a `Valid` verdict, the executed block (the
/// application keeps it as a candidate of the height, to commit when it is decided).
pub(super) async fn judge_synced_value(
    node: &Arc<Node>,
    height: Height,
    round: Round,
    proposer: Address,
    value_bytes: Bytes,
) -> (SyncedValueOutcome<GongxinContext>, Option<ExecutedBlock>) {
    let Ok(block) = Block::from_bytes(&value_bytes) else {
        return (SyncedValueOutcome::PeerFault, None);
    };
    if block.header.height != height.0 {
        return (SyncedValueOutcome::PeerFault, None);
    }
    if height.0 != node.tip().height() + 1 {
        // Not the height we are at (we moved on meanwhile): nobody's fault.
        return (SyncedValueOutcome::LocalTransientError, None);
    }
    let value = BlockValue::new(block.header.clone());
    let header = block.header.clone();
    let node = node.clone();
    let txs: Vec<Arc<SignedTx>> = block.txs.into_iter().map(Arc::new).collect();
    let executed = tokio::task::spawn_blocking(move || {
        node.execute_next(txs, header.timestamp_ms, header.proposer)
    })
    .await;
    let (validity, executed) = match executed {
        Ok(Ok(executed)) if executed.header() == value.header() => {
            (Validity::Valid, Some(executed))
        }
        Ok(Ok(_)) => (Validity::Invalid, None),
        Ok(Err(e)) => {
            tracing::error!(%height, "cannot execute a synced block: {e}");
            return (SyncedValueOutcome::LocalTransientError, None);
        }
        Err(e) => {
            tracing::error!(%height, "execution task failed: {e}");
            return (SyncedValueOutcome::LocalTransientError, None);
        }
    };
    let verdict = ProposedValue {
        height,
        round,
        valid_round: Round::Nil,
        proposer,
        value,
        validity,
    };
    (SyncedValueOutcome::Verdict(verdict), executed)
}
