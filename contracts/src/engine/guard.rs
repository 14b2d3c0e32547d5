//! The replay guard: chain id, expiry window, and the de-duplication index.
//!
//! `seen/<hash>` answers "was this transaction committed?"; `exp/<valid_until>/<hash>` orders
//! the same entries by expiry so `begin_block` can drop the ones that can no longer be replayed
//! (their expiry is below the current height, so the expiry check refuses them anyway) with a
//! bounded amount of work per block. Correctness never depends on pruning keeping up: an entry
//! left over a few blocks longer only costs space.

use gongxin_core::Hash;
use gongxin_core::tx::{REPLAY_WINDOW_BLOCKS_MAX, SignedTx};

use super::BlockContext;
use crate::keys;
use crate::limits::DEDUP_PRUNE_ITEMS_MAX;
use crate::rejection::Rejection;
use crate::state::{State, StorageError};

/// Checks the replay guard without writing anything. `Ok(Err(_))` is a rejection.
pub(super) fn check(
    st: &dyn State,
    ctx: &BlockContext,
    tx: &SignedTx,
    tx_hash: &Hash,
) -> Result<Result<(), Rejection>, StorageError> {
    let body = &tx.body;
    if body.chain_id != ctx.chain_id {
        return Ok(Err(Rejection::WrongChain {
            expected: ctx.chain_id.clone(),
            found: body.chain_id.clone(),
        }));
    }
    let valid_until = body.replay.valid_until_height;
    if valid_until < ctx.height {
        return Ok(Err(Rejection::Expired {
            valid_until_height: valid_until,
            height: ctx.height,
        }));
    }
    if valid_until - ctx.height > REPLAY_WINDOW_BLOCKS_MAX {
        return Ok(Err(Rejection::ExpiryTooFar {
            valid_until_height: valid_until,
            height: ctx.height,
            window: REPLAY_WINDOW_BLOCKS_MAX,
        }));
    }
    if st.get(&keys::seen(tx_hash))?.is_some() {
        return Ok(Err(Rejection::Replay { tx: *tx_hash }));
    }
    Ok(Ok(()))
}

/// Records a transaction that passed the guard (applied or rejected by the rules).
pub(super) fn record(
    st: &mut dyn State,
    tx: &SignedTx,
    tx_hash: &Hash,
) -> Result<(), StorageError> {
    let valid_until = tx.body.replay.valid_until_height;
    st.put(&keys::seen(tx_hash), &valid_until.to_be_bytes())?;
    st.put(&keys::expiry(valid_until, tx_hash), &[])
}

/// Drops de-duplication entries whose expiry height is below the block's height.
pub(super) fn prune(st: &mut dyn State, ctx: &BlockContext) -> Result<(), StorageError> {
    let entries = st.scan_prefix(keys::EXPIRIES, None, DEDUP_PRUNE_ITEMS_MAX)?;
    for (key, _) in entries {
        // exp/<valid_until hex16>/<hash hex>
        let rest = &key[keys::EXPIRIES.len()..];
        let Some(valid_until) = rest.get(..16).and_then(keys::parse_hex16) else {
            return Err(StorageError::Corrupt {
                key: String::from_utf8_lossy(&key).into_owned(),
                reason: "not an expiry index key".into(),
            });
        };
        if valid_until >= ctx.height {
            break;
        }
        let hash_hex = keys::last_component(&key);
        let hash = Hash::from_hex(hash_hex).map_err(|e| StorageError::Corrupt {
            key: String::from_utf8_lossy(&key).into_owned(),
            reason: e.to_string(),
        })?;
        st.delete(&keys::seen(&hash))?;
        st.delete(&key)?;
    }
    Ok(())
}
