//! The validator's own records task: every `access_log_anchor_interval_ms` it anchors its
//! operation log's head on the ledger (an `anchor_access_log` transaction signed with the
//! validator key, admitted to its own pool), prunes records by retention up to an anchored
//! point, and — until the ledger has it — records the delay-risk model its gateway scores with
//! (`record_risk_model`). See [`crate::access_log`] for the log itself.

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

/// Whether a new record may be sent: the last one is no longer waiting in the pool, and this
/// node holds a current validator key (a node that is not, or not yet, a validator has nothing
/// to sign its records with).
fn may_send(node: &Node, pending: &mut Option<Hash>) -> anyhow::Result<bool> {
    if let Some(hash) = pending {
        if node.admission.is_pending(hash) {
            return Ok(false);
        }
        *pending = None;
    }
    let state = node.reader().state();
    Ok(
        queries::is_validator_key(&state, &node.name, &node.keypair().public_key())
            .map_err(state_error)?,
    )
}

/// Signs `operation` with the validator key (valid for `ANCHOR_VALID_BLOCKS`), admits it to
/// this node's pool and remembers it as pending.
fn send_own(
    node: &Node,
    pending: &mut Option<Hash>,
    nonce: u64,
    operation: Operation,
) -> anyhow::Result<Option<Hash>> {
    let tx = TxBody {
        chain_id: node.chain_id().to_owned(),
        signer: node.keypair().public_key(),
        replay: ReplayGuard {
            nonce,
            valid_until_height: node.tip().height() + ANCHOR_VALID_BLOCKS,
        },
        operation,
    }
    .sign(node.keypair());
    let bytes = tx.to_bytes().len();
    let hash = node.admission.submit_own(tx, bytes)?.hash;
    *pending = Some(hash);
    Ok(Some(hash))
}

/// Anchors `node`'s flushed head if it grew since the last anchor and no anchor is pending:
/// signs `anchor_access_log` with the validator key and admits it to this node's pool. Returns
/// the transaction's hash when one was sent.
pub fn anchor_once(node: &Node, pending: &mut Option<Hash>) -> anyhow::Result<Option<Hash>> {
    if !may_send(node, pending)? {
        return Ok(None);
    }
    let point = node.access_log.flushed();
    let anchored = queries::latest_access_anchor(&node.reader().state(), &node.name)
        .map_err(state_error)?
        .map_or(0, |a| a.point.count);
    if point.count <= anchored {
        return Ok(None);
    }
    let operation = Operation::AnchorAccessLog {
        node: node.name.clone(),
        point,
    };
    send_own(node, pending, point.count, operation)
}

/// The model a gateway scores with, as `record_risk_model` names it.
#[derive(Debug, Clone)]
pub struct ModelInUse {
    pub version: String,
    pub sm3: Hash,
}

/// Records `model` on the ledger unless this validator's latest record names it already or a
/// record is pending. Returns the transaction's hash when one was sent.
pub fn record_model_once(
    node: &Node,
    model: &ModelInUse,
    pending: &mut Option<Hash>,
) -> anyhow::Result<Option<Hash>> {
    if !may_send(node, pending)? {
        return Ok(None);
    }
    let latest =
        queries::latest_risk_model(&node.reader().state(), &node.name).map_err(state_error)?;
    if latest.is_some_and(|l| l.sm3 == model.sm3 && l.version == model.version) {
        return Ok(None);
    }
    let operation = Operation::RecordRiskModel {
        node: node.name.clone(),
        version: model.version.clone(),
        sm3: model.sm3,
    };
    // The tip height as nonce: a later record of another model is another transaction.
    send_own(node, pending, node.tip().height(), operation)
}

/// What is pending from the previous round.
#[derive(Debug, Default, Clone, Copy)]
struct Pending {
    anchor: Option<Hash>,
    model: Option<Hash>,
}

/// One round of the validator's task: anchor if the log grew, record the model if the ledger
/// does not name it yet, prune by retention (0: keep all).
fn round(node: &Node, pending: &mut Pending, model: Option<&ModelInUse>, retention_ms: u64) {
    match anchor_once(node, &mut pending.anchor) {
        Ok(Some(hash)) => tracing::debug!(tx = %hash, "operation log anchor sent"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "operation log anchor not sent"),
    }
    if let Some(model) = model {
        match record_model_once(node, model, &mut pending.model) {
            Ok(Some(hash)) => {
                tracing::info!(tx = %hash, version = %model.version, "risk model record sent")
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "risk model record not sent"),
        }
    }
    if retention_ms > 0
        && let Err(e) = node.prune_access_log(retention_ms)
    {
        tracing::warn!(error = %e, "operation log pruning failed");
    }
}

/// Anchors, records the model and prunes forever, every `access_log_anchor_interval_ms` (a
/// validator's task).
pub async fn run(node: Arc<Node>, model: Option<ModelInUse>) {
    let interval = Duration::from_millis(node.limits.access_log_anchor_interval_ms);
    let retention_ms = node
        .limits
        .access_log_retention_days
        .saturating_mul(86_400_000);
    let model = model.map(Arc::new);
    let mut pending = Pending::default();
    loop {
        tokio::time::sleep(interval).await;
        let worker = node.clone();
        let model = model.clone();
        let mut carried = pending;
        // A failed task (a panic) forgets what was pending; the next round sends anew.
        pending = tokio::task::spawn_blocking(move || {
            round(&worker, &mut carried, model.as_deref(), retention_ms);
            carried
        })
        .await
        .unwrap_or_default();
    }
}
