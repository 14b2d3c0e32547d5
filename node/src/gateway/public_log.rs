//! The public disclosure log's endpoints (PROTOCOL.md v2), open to anyone:
//! `GET /public/v1/checkpoint`, `/public/v1/entries`, `/public/v1/proofs/inclusion`,
//! `/public/v1/proofs/consistency`, and `/public/v1/records/{kind}/{id}` — a record's current
//! public view with the index of its latest leaf, which is that view — and
//! `/public/v1/genesis`, the genesis document those checks start from.

use gongxin_contracts::public_log::{PUBLIC_KINDS, current_view};
use gongxin_core::log;
use gongxin_core::public_log::PublicInclusionProof;
use serde_json::Value;
use warp::Reply;
use warp::http::StatusCode;

use super::error::{ApiError, ApiResult, json};
use super::ledger::{Query, ServedLog, checked_inclusion, consistency_of, param_u64, required_u64};
use crate::node::Node;

/// Most leaves one `/public/v1/entries` answer carries.
pub const ENTRIES_PAGE_MAX: u64 = 1_000;

/// The public log's size verifiers are served: its latest checkpoint's.
fn signed_size(node: &Node) -> u64 {
    node.reader().latest_public_checkpoint_size()
}

/// `GET /public/v1/genesis`: the parsed genesis document as JSON (`Genesis`'s form, whose
/// canonical encoding under `core::schema::genesis_schema` hashes to the genesis hash). It holds
/// public keys, names and policies, nothing secret; without it nobody could check the hash the
/// government publishes against the validator keys that sign checkpoints.
pub fn genesis(node: &Node) -> ApiResult {
    Ok(json(StatusCode::OK, &*node.genesis))
}

/// `GET /public/v1/checkpoint`: the public log's latest signed checkpoint, `text/plain`.
pub fn checkpoint(node: &Node) -> ApiResult {
    let (_, note) = node
        .reader()
        .latest_public_checkpoint()?
        .ok_or_else(|| ApiError::not_found("no_checkpoint", "no block has been committed yet"))?;
    Ok(warp::reply::with_header(note, "content-type", "text/plain; charset=utf-8").into_response())
}

/// `GET /public/v1/entries?start=&end=`: leaves `start..end` (end exclusive, at most
/// [`ENTRIES_PAGE_MAX`] of them, within the signed size) as `{"entries":[{"leaf_index",
/// "leaf"}]}`, `leaf` the JCS text whose SM3 leaf hash the tree holds.
pub fn entries(node: &Node, query: &Query) -> ApiResult {
    let size = signed_size(node);
    let start = param_u64(query, "start")?.unwrap_or(0);
    let end = param_u64(query, "end")?.unwrap_or(size);
    if start > end {
        return Err(ApiError::bad_request(
            "start_after_end",
            format!("start {start} > end {end}"),
        ));
    }
    if end > size {
        return Err(ApiError::bad_request(
            "tree_size_beyond_log",
            format!("end {end} is beyond the latest public checkpoint's size {size}"),
        ));
    }
    let end = end.min(start.saturating_add(ENTRIES_PAGE_MAX));
    let leaves = node
        .reader()
        .public_leaves(start, end, ENTRIES_PAGE_MAX as usize)?;
    let entries = leaves
        .into_iter()
        .map(|(index, leaf)| {
            Ok(serde_json::json!({"leaf_index": index, "leaf": leaf_text(index, leaf)?}))
        })
        .collect::<Result<Vec<Value>, ApiError>>()?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({ "entries": entries }),
    ))
}

fn leaf_text(index: u64, leaf: Vec<u8>) -> Result<String, ApiError> {
    String::from_utf8(leaf)
        .map_err(|_| ApiError::internal(format!("stored public leaf {index} is not UTF-8")))
}

/// `GET /public/v1/proofs/inclusion?leaf_index=<i>[&tree_size=<n>]`: the leaf and its audit
/// path in the tree of `tree_size` (default: the latest public checkpoint's).
pub fn inclusion(node: &Node, query: &Query) -> ApiResult {
    let latest = signed_size(node);
    let leaf_index = required_u64(query, "leaf_index")?;
    let tree_size = param_u64(query, "tree_size")?.unwrap_or(latest);
    if tree_size > latest {
        return Err(ApiError::bad_request(
            "tree_size_beyond_log",
            format!("tree_size {tree_size} is beyond the latest public checkpoint's size {latest}"),
        ));
    }
    if leaf_index >= tree_size {
        return Err(ApiError::bad_request(
            "not_in_tree",
            format!("leaf {leaf_index} is not in a tree of size {tree_size}"),
        ));
    }
    let reader = node.reader();
    let leaf = reader
        .public_leaf(leaf_index)?
        .ok_or_else(|| ApiError::internal(format!("public leaf {leaf_index} is missing")))?;
    let audit_path = checked_inclusion(
        node,
        &ServedLog::public(node),
        reader.public_checkpoint(tree_size)?,
        &reader.public_log_nodes(),
        &log::leaf_hash(&leaf),
        leaf_index,
        tree_size,
    )?;
    Ok(json(
        StatusCode::OK,
        &PublicInclusionProof {
            leaf_index,
            tree_size,
            leaf: leaf_text(leaf_index, leaf)?,
            audit_path,
        },
    ))
}

/// `GET /public/v1/proofs/consistency?first=&second=`: as for the ledger log.
pub fn consistency(node: &Node, query: &Query) -> ApiResult {
    let reader = node.reader();
    consistency_of(
        node,
        &ServedLog::public(node),
        &reader.public_log_nodes(),
        signed_size(node),
        query,
        |size| reader.public_checkpoint(size),
    )
}

/// The index of the latest leaf of public record `kind`/`id`.
pub fn latest_leaf(node: &Node, kind: &str, id: &str) -> Result<Option<u64>, ApiError> {
    Ok(node.reader().public_record_leaf(kind, id)?)
}

/// `view` with `leaf_index`: the index of the record's latest leaf, whose `view` is `view`.
pub fn with_leaf_index(
    node: &Node,
    kind: &str,
    id: &str,
    mut view: Value,
) -> Result<Value, ApiError> {
    let index = latest_leaf(node, kind, id)?;
    if let Some(fields) = view.as_object_mut() {
        fields.insert("leaf_index".into(), index.into());
    }
    Ok(view)
}

/// `GET /public/v1/records/{kind}/{id}` → `{"kind","id","view","leaf_index"}`: a public
/// record's current view, equal to its latest leaf's. 404 for a kind without public records,
/// an unknown record and one that is not (or no longer) public alike.
pub fn record(node: &Node, kind: &str, id: &str) -> ApiResult {
    let unknown = || ApiError::not_found("unknown_record", format!("no public {kind} {id:?}"));
    if !PUBLIC_KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(unknown());
    }
    let view = current_view(&node.reader().state(), kind, id)
        .map_err(|e| ApiError::internal(format!("state: {e}")))?
        .ok_or_else(unknown)?;
    let leaf_index = latest_leaf(node, kind, id)?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"kind": kind, "id": id, "view": view, "leaf_index": leaf_index}),
    ))
}
