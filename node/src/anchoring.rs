//! The validator's operation-log task: every `access_log_anchor_interval_ms` it anchors its
//! operation log's head on the ledger (an `anchor_access_log` transaction signed with the
//! validator key, admitted to its own pool) and prunes records by retention up to an anchored
//! point. See [`crate::access_log`] for the log itself.

use std::sync::Arc;
use std::time::Duration;

use gongxin_contracts::queries;
use gongxin_core::Hash;
use gongxin_core::model::Operation;
use gongxin_core::tx::{ReplayGuard, TxBody};

use crate::access_log::state_error;
use crate::node::Node;

/// Anchor transactions expire this many blocks after the tip (the next round sends a new one).
const ANCHOR_VALID_BLOCKS: u64 = 100;

/// Anchors `node`'s flushed head if it grew since the last anchor and no anchor is pending:
/// signs `anchor_access_log` with the validator key and admits it to this node's pool. Returns
/// the transaction's hash when one was sent.
pub fn anchor_once(node: &Node, pending: &mut Option<Hash>) -> anyhow::Result<Option<Hash>> {
    if let Some(hash) = pending {
        if node.admission.is_pending(hash) {
            return Ok(None);
        }
        *pending = None;
    }
    let state = node.reader().state();
    if !queries::is_validator_key(&state, &node.name, &node.keypair().public_key())
        .map_err(state_error)?
    {
        // Not (or not yet) a validator: nothing to sign anchors with.
        return Ok(None);
    }
    let point = node.access_log.flushed();
    let anchored = queries::latest_access_anchor(&state, &node.name)
        .map_err(state_error)?
        .map_or(0, |a| a.point.count);
    if point.count <= anchored {
        return Ok(None);
    }
    let tip = node.tip().height();
    let tx = TxBody {
        chain_id: node.chain_id().to_owned(),
        signer: node.keypair().public_key(),
        replay: ReplayGuard {
            nonce: point.count,
            valid_until_height: tip + ANCHOR_VALID_BLOCKS,
        },
        operation: Operation::AnchorAccessLog {
            node: node.name.clone(),
            point,
        },
    }
    .sign(node.keypair());
    let bytes = tx.to_bytes().len();
    let hash = node.admission.submit_own(tx, bytes)?.hash;
    *pending = Some(hash);
    Ok(Some(hash))
}

/// One round of the validator's task: anchor if the log grew, prune by retention (0: keep all).
fn round(node: &Node, pending: &mut Option<Hash>, retention_ms: u64) {
    match anchor_once(node, pending) {
        Ok(Some(hash)) => tracing::debug!(tx = %hash, "operation log anchor sent"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "operation log anchor not sent"),
    }
    if retention_ms > 0
        && let Err(e) = node.prune_access_log(retention_ms)
    {
        tracing::warn!(error = %e, "operation log pruning failed");
    }
}

/// Anchors and prunes forever, every `access_log_anchor_interval_ms` (a validator's task).
pub async fn run(node: Arc<Node>) {
    let interval = Duration::from_millis(node.limits.access_log_anchor_interval_ms);
    let retention_ms = node
        .limits
        .access_log_retention_days
        .saturating_mul(86_400_000);
    let mut pending: Option<Hash> = None;
    loop {
        tokio::time::sleep(interval).await;
        let worker = node.clone();
        let mut carried = pending;
        // A failed task (a panic) forgets the pending anchor; the next round sends a new one.
        pending = tokio::task::spawn_blocking(move || {
            round(&worker, &mut carried, retention_ms);
            carried
        })
        .await
        .unwrap_or(None);
    }
}
