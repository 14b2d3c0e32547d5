//! What the public disclosure log records (PROTOCOL.md v2): every committed change of a
//! record's public view, found by comparing each written record's view before and after.
//!
//! The node wraps each transaction (and the block's deadline sweep) in
//! [`apply_with_public_changes`] / [`begin_block_with_public_changes`] and turns each
//! [`PublicChange`] into a leaf (`gongxin_core::public_log::PublicLeaf`). Everything here is a
//! pure function of the state, so every node derives the same leaves in the same order: by
//! transaction, then by state key.

use gongxin_core::Hash;
use gongxin_core::tx::SignedTx;
use serde_json::Value;

use crate::disclosure::Disclose;
use crate::engine::{Applied, BlockContext};
use crate::events::Event;
use crate::records::{
    ChangeRecord, ContractState, DepartmentRecord, DisbursementRecord, ProcurementRecord,
    ProgressRecord, ProjectRecord, RectificationRecord,
};
use crate::state::{Overlay, State, StorageError, WriteSet};
use crate::store;

/// One change of a record's public view.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicChange {
    /// The record kind as leaves name it (`project`, `contract`, …).
    pub kind: &'static str,
    pub id: String,
    /// The view after the change; `None` when the record stopped being public.
    pub view: Option<Value>,
}

/// The record kinds that have a public view: leaf kind, state key prefix.
pub const PUBLIC_KINDS: &[(&str, &str)] = &[
    ("project", "project/"),
    ("procurement", "procurement/"),
    ("contract", "contract/"),
    ("change", "change/"),
    ("progress", "progress/"),
    ("disbursement", "disb/"),
    ("rectification", "rect/"),
    ("department", "dept/"),
];

/// The state key of a public record (`None` for an unknown kind).
pub fn record_key(kind: &str, id: &str) -> Option<Vec<u8>> {
    PUBLIC_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, prefix)| format!("{prefix}{id}").into_bytes())
}

/// The public view of the record stored as `bytes` under a key of `kind`.
fn view_of(kind: &str, key: &[u8], bytes: &[u8]) -> Result<Option<Value>, StorageError> {
    fn view<R: Disclose + bincode::Decode<()>>(
        key: &[u8],
        bytes: &[u8],
    ) -> Result<Option<Value>, StorageError> {
        Ok(store::decode_value::<R>(key, bytes)?.public_view())
    }
    match kind {
        "project" => view::<ProjectRecord>(key, bytes),
        "procurement" => view::<ProcurementRecord>(key, bytes),
        "contract" => view::<ContractState>(key, bytes),
        "change" => view::<ChangeRecord>(key, bytes),
        "progress" => view::<ProgressRecord>(key, bytes),
        "disbursement" => view::<DisbursementRecord>(key, bytes),
        "rectification" => view::<RectificationRecord>(key, bytes),
        "department" => view::<DepartmentRecord>(key, bytes),
        _ => Ok(None),
    }
}

/// The public record a state key holds, as (kind, id).
fn public_record(key: &[u8]) -> Option<(&'static str, &str)> {
    let key = std::str::from_utf8(key).ok()?;
    PUBLIC_KINDS.iter().find_map(|(kind, prefix)| {
        let id = key.strip_prefix(prefix)?;
        (!id.is_empty() && !id.contains('/')).then_some((*kind, id))
    })
}

/// The public view of the record `kind`/`id` in `state` (what the leaf of its latest change
/// holds).
pub fn current_view<S: State + ?Sized>(
    state: &S,
    kind: &str,
    id: &str,
) -> Result<Option<Value>, StorageError> {
    let Some(key) = record_key(kind, id) else {
        return Ok(None);
    };
    match state.get(&key)? {
        Some(bytes) => view_of(kind, &key, &bytes),
        None => Ok(None),
    }
}

/// The public-view changes `writes` make over `before`, in key order: a record first
/// disclosed, a public field changed, or a record that stopped being public (`view: None`).
pub fn public_changes<S: State + ?Sized>(
    before: &S,
    writes: &WriteSet,
) -> Result<Vec<PublicChange>, StorageError> {
    let mut changes = Vec::new();
    for (key, after) in writes {
        let Some((kind, id)) = public_record(key) else {
            continue;
        };
        let old = match before.get(key)? {
            Some(bytes) => view_of(kind, key, &bytes)?,
            None => None,
        };
        let new = match after {
            Some(bytes) => view_of(kind, key, bytes)?,
            None => None,
        };
        if old != new {
            changes.push(PublicChange {
                kind,
                id: id.to_owned(),
                view: new,
            });
        }
    }
    Ok(changes)
}

/// [`crate::apply`], also returning the public-view changes the transaction made.
pub fn apply_with_public_changes<S: State + ?Sized>(
    state: &mut S,
    ctx: &BlockContext,
    tx: &SignedTx,
    tx_hash: &Hash,
) -> Result<(Applied, Vec<PublicChange>), StorageError> {
    let mut overlay = Overlay::new(state);
    let applied = crate::apply(&mut overlay, ctx, tx, tx_hash)?;
    let changes = public_changes(overlay.base(), overlay.writes())?;
    overlay.commit()?;
    Ok((applied, changes))
}

/// [`crate::begin_block`], also returning the public-view changes its sweep made.
pub fn begin_block_with_public_changes<S: State + ?Sized>(
    state: &mut S,
    ctx: &BlockContext,
) -> Result<(Vec<Event>, Vec<PublicChange>), StorageError> {
    let mut overlay = Overlay::new(state);
    let events = crate::begin_block(&mut overlay, ctx)?;
    let changes = public_changes(overlay.base(), overlay.writes())?;
    overlay.commit()?;
    Ok((events, changes))
}
