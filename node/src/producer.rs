//! Block production by a validator that alone is a quorum (no peers): the single-producer mode.
//!
//! It waits for a transaction (or for `empty_block_interval_ms`), lets `block_interval_ms` pass
//! so a block gathers what arrives meanwhile, then proposes from the pool, executes, signs the
//! certificate and checkpoint with its one key, and commits — on a blocking thread. A storage or
//! state failure ends the loop with the error: the caller stops the node rather than keep
//! serving a chain it can no longer extend safely.

use std::sync::Arc;
use std::time::Duration;

use gongxin_core::block::{
    BlockHeader, CommitCertificate, CommitSignature, commit_signing_message,
};
use gongxin_core::checkpoint::{Checkpoint, SignedCheckpoint};
use gongxin_core::crypto::Keypair;

use crate::chain::ChainError;
use crate::node::{BlockSummary, Node};
use crate::storage::CheckpointNotes;

/// Runs until a block fails to commit (returned) or the task is cancelled.
pub async fn run_solo(node: Arc<Node>) -> Result<(), ChainError> {
    check_quorum_alone(&node)?;
    let interval = Duration::from_millis(node.limits.block_interval_ms.max(1));
    let empty_interval = Duration::from_millis(node.limits.empty_block_interval_ms.max(1));
    loop {
        let woke_for_tx = tokio::time::timeout(empty_interval, node.admission.arrived.notified())
            .await
            .is_ok();
        if woke_for_tx {
            tokio::time::sleep(interval).await;
        }
        // Keep producing while the pool has more than one block's worth, without waiting.
        loop {
            let producer = node.clone();
            let allow_empty = !woke_for_tx;
            let produced =
                tokio::task::spawn_blocking(move || produce_block(&producer, allow_empty))
                    .await
                    .map_err(|e| ChainError::Inconsistent(format!("block task failed: {e}")))??;
            match produced {
                Some(summary) => {
                    tracing::debug!(
                        height = summary.height,
                        txs = summary.tx_count,
                        "committed block"
                    );
                    if node.admission.pool_size().txs == 0 {
                        break;
                    }
                }
                None => break,
            }
        }
    }
}

/// A lone producer's certificate and checkpoint carry one signature: they are valid only if
/// that one validator is a quorum. With more validators, blocks need consensus.
fn check_quorum_alone(node: &Node) -> Result<(), ChainError> {
    let validators = &node.genesis.validators;
    let power = validators.by_name(&node.name).map_or(0, |v| v.power);
    if validators.is_quorum(power) {
        Ok(())
    } else {
        Err(ChainError::NotQuorum {
            name: node.name.clone(),
            power,
            total: validators.total_power(),
        })
    }
}

/// Proposes the next block from the pool, executes, certifies and commits it, as the only
/// validator. Returns `None` when the pool was empty and `allow_empty` is false.
pub fn produce_block(node: &Node, allow_empty: bool) -> Result<Option<BlockSummary>, ChainError> {
    let height = node.tip().height() + 1;
    let txs = node.admission.proposal_txs(height);
    if txs.is_empty() && !allow_empty {
        return Ok(None);
    }
    let me = [(node.name.as_str(), node.keypair())];
    let seal = |header: &BlockHeader| {
        (
            sign_certificate(header, &me),
            sign_checkpoint_notes(header, &me),
        )
    };
    node.execute_and_commit(txs, node.clock.now_ms(), node.keypair().public_key(), seal)
        .map(Some)
}

/// The round-0 commit certificate of `header`, signed by each of `signers` (name, key): a lone
/// validator's own, and what a bulk-built ledger (`gongxin-ledgergen`) certifies its blocks with,
/// so both follow one rule.
pub fn sign_certificate(header: &BlockHeader, signers: &[(&str, &Keypair)]) -> CommitCertificate {
    let message = commit_signing_message(&header.chain_id, header.height, 0, &header.id());
    CommitCertificate {
        height: header.height,
        round: 0,
        block_hash: header.hash(),
        signatures: signers
            .iter()
            .map(|(name, key)| CommitSignature {
                validator: (*name).to_string(),
                signature: key.sign(&message),
            })
            .collect(),
    }
}

/// Both logs' checkpoint notes after `header`, signed by each of `signers`.
pub fn sign_checkpoint_notes(
    header: &BlockHeader,
    signers: &[(&str, &Keypair)],
) -> CheckpointNotes {
    let (ledger, public) = header.id().checkpoints(&header.chain_id);
    let sign = |checkpoint: Checkpoint| {
        let signatures = signers
            .iter()
            .map(|(name, key)| checkpoint.sign(name, key))
            .collect();
        SignedCheckpoint {
            checkpoint,
            signatures,
        }
        .to_note()
    };
    CheckpointNotes {
        checkpoint: sign(ledger),
        public_checkpoint: sign(public),
    }
}
