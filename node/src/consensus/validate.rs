//! Judging a proposal another validator streamed to us.
//!
//! - [`proposal_from_stream`]: a reassembled stream is a proposal only if it is `Init`,
//!   `Txs`…, `Fin` and `Fin` is the round proposer's signature on the block it carries.
//! - [`execute_proposal`]: the header is checked against our tip, the validator set and our
//!   clock, then the transactions are re-executed on our tip (signatures checked only for
//!   transactions this node has not verified before); the block is valid only if re-execution
//!   reaches the proposed header.
//!
//! Keeping the verdict (the candidates of the height) is the application's business.

use std::sync::Arc;

use gongxin_core::block::BlockHeader;
use gongxin_core::tx::SignedTx;
use malachitebft_app_channel::app::types::core::Round;

use super::context::{
    Address, BlockValue, ConsensusValidatorSet, Height, ProposalPart, proposer_for,
};
use super::error::AppError;
use super::signing::proposal_parts_message;
use crate::chain::ExecutedBlock;
use crate::node::Node;

/// A fresh proposal's block time may be at most this far ahead of our clock.
pub const BLOCK_TIME_SKEW_MS_MAX: u64 = 2_000;

/// A complete, signature-checked proposal stream waiting for its height.
#[derive(Debug)]
pub(super) struct Assembled {
    pub(super) height: Height,
    pub(super) round: Round,
    pub(super) pol_round: Round,
    pub(super) proposer: Address,
    pub(super) value: BlockValue,
    pub(super) txs: Vec<SignedTx>,
}

/// A complete stream is a proposal only if it is `Init`, `Txs`…, `Fin` and `Fin` is the
/// round proposer's signature on the block it carries.
pub(super) fn proposal_from_stream(
    parts: Vec<ProposalPart>,
    validators: &ConsensusValidatorSet,
    chain_id: &str,
) -> Option<Assembled> {
    let mut parts = parts.into_iter();
    let Some(ProposalPart::Init {
        height,
        round,
        pol_round,
        proposer,
        value,
    }) = parts.next()
    else {
        return None;
    };
    let mut txs = Vec::new();
    let mut fin = None;
    for part in parts {
        match (part, &fin) {
            (ProposalPart::Txs(chunk), None) => txs.extend(chunk.0),
            (ProposalPart::Fin(signature), None) => fin = Some(signature),
            _ => return None,
        }
    }
    let signature = fin?;
    let expected = proposer_for(validators, height, round);
    if expected.address != proposer {
        tracing::warn!(%height, %round, %proposer, "proposal stream from a validator that is not the round's proposer");
        return None;
    }
    let message = proposal_parts_message(chain_id, height, round, &value.block_id());
    if expected
        .public_key
        .0
        .verify(&message, &signature.0)
        .is_err()
    {
        tracing::warn!(%height, %round, %proposer, "proposal stream with a bad signature");
        return None;
    }
    Some(Assembled {
        height,
        round,
        pol_round,
        proposer,
        value,
        txs,
    })
}

/// The block's checks; the outer error stops the node, the inner one rejects the block.
pub(super) async fn execute_proposal(
    node: &Arc<Node>,
    chain_id: &str,
    value: &BlockValue,
    txs: Vec<SignedTx>,
    pol_round: Round,
) -> Result<Result<ExecutedBlock, String>, AppError> {
    let header = value.header().clone();
    if let Some(reason) = header_fault(node, chain_id, &header, txs.len(), pol_round) {
        return Ok(Err(reason.into()));
    }
    reexecute(node.clone(), chain_id.to_owned(), header, txs).await
}

/// Why the header cannot be the next block on our tip, if it cannot.
fn header_fault(
    node: &Node,
    chain_id: &str,
    header: &BlockHeader,
    tx_count: usize,
    pol_round: Round,
) -> Option<&'static str> {
    let tip = node.tip();
    let (tip, tip_header) = (&tip.chain, &tip.header);
    if header.chain_id != chain_id {
        return Some("wrong chain id");
    }
    if header.height != tip.height + 1 || header.prev_hash != tip.block_hash {
        return Some("does not extend our tip");
    }
    let validators = node.validator_set_for(header.height);
    if header.validator_set_hash != validators.hash() {
        return Some("names another validator set");
    }
    if validators.by_key(&header.proposer).is_none() {
        return Some("proposer is not a validator");
    }
    if header.tx_count as usize != tx_count {
        return Some("transaction count differs from the header");
    }
    if header.timestamp_ms <= tip_header.timestamp_ms {
        return Some("block time does not advance");
    }
    // Only a fresh proposal is judged by our clock: validity of a re-proposed value must
    // not depend on when it is seen again.
    if pol_round.is_nil() && header.timestamp_ms > node.clock.now_ms() + BLOCK_TIME_SKEW_MS_MAX {
        return Some("block time is ahead of our clock");
    }
    None
}

/// Executes the transactions on our tip (off the async runtime); the block is rejected if a
/// transaction does not verify or the result is another header.
async fn reexecute(
    node: Arc<Node>,
    chain_id: String,
    header: BlockHeader,
    txs: Vec<SignedTx>,
) -> Result<Result<ExecutedBlock, String>, AppError> {
    let result = tokio::task::spawn_blocking(move || {
        let mut verified = Vec::with_capacity(txs.len());
        for tx in txs {
            // Signature checks happen once per node: a transaction in our pool was checked
            // when it arrived.
            if !node.admission.is_pending(&tx.hash()) {
                node.admission.count_signature_checks(1);
                if let Err(e) = tx.verify(&chain_id) {
                    return Ok(Err(format!("transaction does not verify: {e}")));
                }
            }
            verified.push(Arc::new(tx));
        }
        let executed = node.execute_next(verified, header.timestamp_ms, header.proposer)?;
        if executed.header() != &header {
            return Ok(Err("re-execution gives another header".into()));
        }
        Ok(Ok(executed))
    })
    .await
    .map_err(|e| AppError::Task(e.to_string()))?;
    result.map_err(AppError::Chain)
}
