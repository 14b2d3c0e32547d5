//! What a validator records with its own key: operation-log anchors (a point of its
//! operation log, `gongxin_core::access_log`, fixed on the ledger so that later edits of the
//! log are detectable by anyone holding the ledger) and the delay-risk model its gateway scores
//! with (so a score's model can be traced to the node and the height it was deployed at).

use gongxin_core::Hash;
use gongxin_core::access_log::ChainPoint;
use gongxin_core::crypto::PublicKey;
use gongxin_core::validator::Validator;

use super::Cx;
use crate::keys;
use crate::limits::NAME_BYTES_MAX;
use crate::records::{AccessAnchorRecord, RiskModelRecord};
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
    signed_by_validator(st, signer, node, "anchors its log")?;
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

/// `signer` must be validator `node`'s current key.
fn signed_by_validator(st: &mut dyn State, signer: &PublicKey, node: &str, what: &str) -> Rule<()> {
    let validator = store::get::<Validator>(st, &keys::validator(node))?.ok_or_else(|| {
        Rejection::NotPermitted {
            reason: format!("{node:?} is not a validator"),
        }
    })?;
    if validator.public_key != *signer {
        return Err(Rejection::NotPermitted {
            reason: format!("only validator {node:?}, with its current key, {what}"),
        }
        .into());
    }
    Ok(())
}

/// `record_risk_model`: only validator `node`, with its current key; a version of 1 to
/// `NAME_BYTES_MAX` bytes; not the model it recorded last.
pub(super) fn record_risk_model(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    signer: &PublicKey,
    node: &str,
    version: &str,
    sm3: &Hash,
) -> Rule<()> {
    signed_by_validator(st, signer, node, "records its risk model")?;
    if version.trim().is_empty() || version.len() > NAME_BYTES_MAX {
        return Err(
            Rejection::invalid("version", format!("must be 1 to {NAME_BYTES_MAX} bytes")).into(),
        );
    }
    let latest = store::get::<RiskModelRecord>(st, &keys::risk_model_latest(node))?;
    if latest.is_some_and(|l| l.sm3 == *sm3 && l.version == version) {
        return Err(Rejection::AlreadyExists {
            kind: "risk model".into(),
            id: format!("{version} ({sm3}) of {node}"),
        }
        .into());
    }
    let record = RiskModelRecord {
        node: node.to_owned(),
        version: version.to_owned(),
        sm3: *sm3,
        height: cx.block.height,
        time_ms: cx.now(),
        tx: cx.tx.unwrap_or_default(),
    };
    store::put(st, &keys::risk_model(node, cx.block.height), &record)?;
    store::put(st, &keys::risk_model_latest(node), &record)?;
    Ok(())
}
