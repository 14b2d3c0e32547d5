//! Block production by a single validator: the stand-in that BFT consensus (issue 5) replaces.
//!
//! It waits for a transaction (or for `empty_block_interval_ms`), lets `block_interval_ms` pass
//! so a block gathers what arrives meanwhile, then executes and commits on a blocking thread.
//! A storage or state failure ends the loop with the error: the caller stops the node rather
//! than keep serving a chain it can no longer extend safely.

use std::sync::Arc;
use std::time::Duration;

use crate::chain::ChainError;
use crate::node::Node;

/// Runs until a block fails to commit (returned) or the task is cancelled.
pub async fn run_solo(node: Arc<Node>) -> Result<(), ChainError> {
    // A lone producer's certificate and checkpoint carry one signature: they are valid only if
    // that one validator is a quorum. With more validators, blocks need consensus.
    let validators = &node.genesis.validators;
    let power = validators.by_name(&node.name).map_or(0, |v| v.power);
    if !validators.is_quorum(power) {
        return Err(ChainError::NotQuorum {
            name: node.name.clone(),
            power,
            total: validators.total_power(),
        });
    }
    let interval = Duration::from_millis(node.limits.block_interval_ms.max(1));
    let empty_interval = Duration::from_millis(node.limits.empty_block_interval_ms.max(1));
    loop {
        let woke_for_tx = tokio::time::timeout(empty_interval, node.tx_arrived.notified())
            .await
            .is_ok();
        if woke_for_tx {
            tokio::time::sleep(interval).await;
        }
        // Keep producing while the pool has more than one block's worth, without waiting.
        loop {
            let producer = node.clone();
            let allow_empty = !woke_for_tx;
            let produced = tokio::task::spawn_blocking(move || producer.produce_block(allow_empty))
                .await
                .map_err(|e| ChainError::Inconsistent(format!("block task failed: {e}")))??;
            match produced {
                Some(summary) => {
                    tracing::debug!(
                        height = summary.height,
                        txs = summary.tx_count,
                        "committed block"
                    );
                    if node.mempool_len().0 == 0 {
                        break;
                    }
                }
                None => break,
            }
        }
    }
}
