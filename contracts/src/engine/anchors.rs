//! Operation-log anchors: a validator fixes a point of its own operation log
//! (`gongxin_core::access_log`) on the ledger, so that later edits of the log are detectable by
//! anyone holding the ledger.

use gongxin_core::access_log::ChainPoint;
use gongxin_core::crypto::PublicKey;
use gongxin_core::validator::Validator;

use super::Cx;
use crate::keys;
use crate::records::AccessAnchorRecord;
use crate::rejection::Rejection;
use crate::state::State;
use crate::store::{self, Rule};

/// `anchor_access_log`: only validator `node`, signing with its current key; each anchor covers
/// more records than the last one of that validator.
pub(super) fn anchor(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    signer: &PublicKey,
    node: &str,
    point: &ChainPoint,
) -> Rule<()> {
    let validator = store::get::<Validator>(st, &keys::validator(node))?.ok_or_else(|| {
        Rejection::NotPermitted {
            reason: format!("{node:?} is not a validator"),
        }
    })?;
    if validator.public_key != *signer {
        return Err(Rejection::NotPermitted {
            reason: format!("only validator {node:?}, with its current key, anchors its log"),
        }
        .into());
    }
    let latest = store::get::<AccessAnchorRecord>(st, &keys::access_anchor_latest(node))?;
    let floor = latest.map_or(0, |a| a.point.count);
    if point.count <= floor {
        return Err(Rejection::invalid(
            "point.count",
            format!("must exceed {floor}, the count of the last anchor"),
        )
        .into());
    }
    let record = AccessAnchorRecord {
        node: node.to_owned(),
        point: *point,
        height: cx.block.height,
        time_ms: cx.now(),
        tx: cx.tx.unwrap_or_default(),
    };
    store::put(st, &keys::access_anchor(node, point.count), &record)?;
    store::put(st, &keys::access_anchor_latest(node), &record)?;
    Ok(())
}
